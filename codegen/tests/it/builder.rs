//! The builder's options, as a `build.rs` uses them: attributes, the user's own types,
//! module names, one file for `include!`, and documents that discovery wrote.

use bridgecraft_codegen::{Config, Document, Error};

use super::*;

/// The fixtures' code generated for another crate, with `configure`'s options.
fn outside(configure: impl FnOnce(Config) -> Result<Config, Error>) -> Result<Output, Error> {
    let config = Config::new()
        .events_crate("::bridgecraft_events")?
        .module_root("crate::events")?
        .feature_gates(false);
    configure(config)?.generate(fixture_documents())
}

fn file<'a>(output: &'a Output, path: &str) -> &'a str {
    output
        .files
        .get(path)
        .unwrap_or_else(|| panic!("no {path}: {:?}", output.files.keys()))
}

const ORDER: &str = "com_example_shop/order_placed.rs";

#[test]
fn attributes_go_on_the_types_fields_and_variants_their_paths_name() {
    let output = outside(|config| {
        config
            .derive("com_example_shop::order_placed::Status", "Default")?
            .field_attribute(
                "com_example_shop::order_placed::Status.pending",
                "#[default]",
            )?
            .type_attribute("com_example_shop::OrderPlaced", "#[doc(alias = \"order\")]")?
            .field_attribute("com_example_shop.order-id", "#[doc(alias = \"id\")]")?
            .type_attribute("com_example_shop::stock_changed", "#[must_use]")
    })
    .unwrap();
    let order = file(&output, ORDER);
    assert!(
        order.contains("#[derive(Default)]\n    pub enum Status {"),
        "{order}"
    );
    assert!(
        order.contains("#[default]\n        Pending = \"pending\","),
        "{order}"
    );
    assert!(order.contains("#[doc(alias = \"order\")]\n#[derive(Clone, Debug, Default, PartialEq)]\n#[non_exhaustive]\npub struct OrderPlaced"), "{order}");
    assert!(
        order.contains("#[doc(alias = \"id\")]\n    pub order_id: Option<String>,"),
        "{order}"
    );
    let stock = file(&output, "com_example_shop/stock_changed.rs");
    assert_eq!(
        stock.matches("#[must_use]").count(),
        stock.matches("pub struct").count()
    );
    assert!(!order.contains("#[must_use]"));
}

#[test]
fn the_users_own_types_replace_generated_ones() {
    let output = outside(|config| {
        config
            .extern_path(
                "com_example_shop::order_placed::Shipping",
                "crate::Shipping",
            )?
            .extern_path("com_example_shop::OrderPlaced.total", "crate::Money")
    })
    .unwrap();
    let order = file(&output, ORDER);
    assert!(
        order.contains("pub shipping: Option<crate::Shipping>,"),
        "{order}"
    );
    assert!(
        !order.contains("pub struct Shipping"),
        "not generated: {order}"
    );
    assert!(
        order.contains("pub total: Option<crate::Money>,"),
        "{order}"
    );
}

#[test]
fn a_source_module_can_be_named() {
    let output = outside(|config| config.module_name("com.example.shop", "shop")).unwrap();
    assert!(output.files.contains_key("shop/order_placed.rs"));
    assert!(file(&output, "mod.rs").contains("pub mod shop;"));
    // Options name types by the module's new name.
    let error = outside(|config| {
        config
            .module_name("com.example.shop", "shop")?
            .derive("com_example_shop::order_placed::Status", "Default")
    })
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "type_attribute(\"com_example_shop::order_placed::Status\") names nothing that is generated"
    );
}

#[test]
fn options_that_name_nothing_or_do_not_parse_are_errors() {
    let unmatched = |configure: fn(Config) -> Result<Config, Error>| {
        outside(configure).unwrap_err().to_string()
    };
    assert_eq!(
        unmatched(
            |config| config.field_attribute("com_example_shop::OrderPlaced.nope", "#[doc = \"\"]")
        ),
        "field_attribute(\"com_example_shop::OrderPlaced.nope\") names nothing that is generated"
    );
    assert_eq!(
        unmatched(|config| config.extern_path("com_example_shop::Nope", "u8")),
        "extern_path(\"com_example_shop::Nope\") names nothing that is generated"
    );
    assert_eq!(
        unmatched(|config| config.module_name("com.example.nowhere", "x")),
        "module_name(\"com.example.nowhere\") names nothing that is generated"
    );
    assert_eq!(
        unmatched(|config| config
            .module_name("com.example.shop", "golden")?
            .module_name("com.example.shop", "a b")),
        "`a b` is not a module name: unexpected token"
    );
    let error = Config::new()
        .type_attribute(".", "derive(Hash)")
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("`derive(Hash)` is not an attribute: "),
        "{error}"
    );
    let error = Config::new().extern_path(".", "not a type").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("`not a type` is not a Rust type: "),
        "{error}"
    );
}

#[test]
fn one_file_holds_every_module_inline_for_include() {
    let output = outside(Ok).unwrap();
    let single = output.single_file();
    let parsed = syn::parse_file(&single).unwrap_or_else(|e| panic!("{e}\n{single}"));
    assert!(
        parsed.attrs.is_empty(),
        "an included file cannot have inner attributes"
    );
    assert!(single.starts_with("// @generated"), "{single}");
    assert!(
        single.contains("pub mod com_example_shop {\n    //! Events from `com.example.shop`."),
        "{single}"
    );
    assert!(
        single.contains("    pub mod order_placed {\n        //! `Order Placed` events"),
        "{single}"
    );
    // Outside the events crate, serde is reached through it, in every module.
    assert_eq!(
        single
            .matches("use ::bridgecraft_events::__private::{serde, serde_json};")
            .count(),
        4
    );
}

#[test]
fn compiling_writes_the_file_only_when_it_changed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out/events.rs");
    let config = Config::new()
        .events_crate("::bridgecraft_events")
        .unwrap()
        .generated_by("cargo build");
    assert!(config.compile(fixtures(), &out).unwrap());
    assert!(
        !config.compile(fixtures(), &out).unwrap(),
        "unchanged: not written again"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("// @generated by `cargo build`: do not edit by hand.\n"));
}

#[test]
fn a_discovered_document_is_trusted_about_its_timestamps() {
    let document = |discovered: bool| {
        Document::parse(
            "discovered.json".as_ref(),
            &serde_json::json!({
                "openapi": "3.0.0",
                "info": {"title": "Ping", "version": "1.0.0", "x-bridgecraft-discovered": discovered},
                "components": {"schemas": {
                    "AWSEvent": {"x-amazon-events-source": "my.app", "x-amazon-events-detail-type": "Ping",
                        "properties": {"detail": {"$ref": "#/components/schemas/Ping"}}},
                    "Ping": {"type": "object", "properties": {
                        "createdAt": {"type": "string"},
                        "sentAt": {"type": "string", "format": "date-time"}}},
                }},
            })
            .to_string(),
        )
        .unwrap()
    };
    let ping = |discovered| {
        let output = Config::new().generate(vec![document(discovered)]).unwrap();
        output.files["my_app/ping.rs"].clone()
    };
    // `createdAt` held something else than timestamps in every sample discovery saw.
    assert!(ping(true).contains("pub created_at: Option<String>,"));
    assert!(ping(true).contains("pub sent_at: Option<crate::Timestamp>,"));
    assert!(ping(false).contains("pub created_at: Option<crate::Timestamp>,"));
}

#[test]
fn plain_types_hold_a_tagged_union_as_any_json() {
    let output = outside(|config| Ok(config.plain(true))).unwrap();
    let order = file(&output, ORDER);
    assert!(
        order.contains("pub type Payment = serde_json::Value;"),
        "{order}"
    );
    assert!(!order.contains("Tagged"), "{order}");
}
