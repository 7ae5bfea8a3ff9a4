//! Generates the types of `schemas/` into `OUT_DIR/events.rs`, again only when a schema changes.

use std::path::PathBuf;

use bridgecraft_codegen::Config;

fn main() -> Result<(), bridgecraft_codegen::Error> {
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("events.rs");
    Config::new()
        .events_crate("::bridgecraft_events")?
        .module_root("crate::events")?
        .feature_gates(false)
        .module_name("com.example.orders", "orders")?
        .module_name("com.example.payments", "payments")?
        // The shop's own address type, with its formatting, instead of a generated one.
        .extern_path("orders::order_placed::Address", "crate::Address")?
        // Parcels go by post unless a carrier is named.
        .derive("orders::order_shipped::Carrier", "Default")?
        .field_attribute("orders::order_shipped::Carrier.postnl", "#[default]")?
        .type_attribute("orders", "#[doc(alias = \"order\")]")?
        .generated_by("examples/orders/build.rs")
        .emit_rerun_if_changed(true)
        .compile("schemas", &out)?;
    Ok(())
}
