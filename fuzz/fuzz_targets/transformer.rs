//! Any text as an input transformer, `InputPathsMap` and `InputTemplate` split at the first
//! newline: validation may reject it but must never panic, and a transformer that validates
//! renders an event (and the paths map text as an event) without panicking.
#![no_main]

use bridgecraft_patterns::{InputTransformer, RuleContext};
use libfuzzer_sys::fuzz_target;

const EVENT: &str = r#"{"version":"0","id":"1","detail-type":"Order Placed","source":"com.example.orders","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{"order":"o-1","total":250.0,"items":[{"sku":"a"},{"sku":"b"}],"note":"say \"hi\"\n"}}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (paths, template) = text.split_once('\n').unwrap_or((text, "<id>"));
    let Ok(transformer) = InputTransformer::from_json(paths, template) else {
        return;
    };
    let rule = RuleContext::local("fuzz");
    let _ = transformer.apply(EVENT, &rule);
    let _ = transformer.apply(paths, &rule);
});
