//! The fixtures' code, generated for use outside the events crate, is checked in as
//! `events/tests/it/golden/` where the events crate's tests compile it and decode events with
//! it. This test keeps it fresh; `BRIDGECRAFT_BLESS=1` rewrites it.

use bridgecraft_codegen::Fix;

use super::*;

#[test]
fn golden_code_for_the_fixtures_is_fresh() {
    let always_present: Fix = serde_json::from_str(
        r#"{"schema": "OrderPlaced", "properties": ["order-id"], "required": true,
            "why": "every order has an id: the fixture's own evidence"}"#,
    )
    .unwrap();
    let output = Config::new()
        .events_crate("::bridgecraft_events")
        .and_then(|config| config.module_root("crate::golden"))
        .unwrap()
        .feature_gates(false)
        .fix(always_present)
        .generate(fixture_documents())
        .unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/tests/it/golden");
    if std::env::var_os("BRIDGECRAFT_BLESS").is_some() {
        output.write_to(&dir).unwrap();
        return;
    }
    let changes = output.diff(&dir).unwrap();
    assert!(
        changes.is_empty(),
        "golden code is stale; rerun with BRIDGECRAFT_BLESS=1: {changes:?}"
    );
}
