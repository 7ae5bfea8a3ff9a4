//! Any text as an event pattern: parsing may reject it but must never panic, and a pattern
//! that parses matches events (the text itself among them) without panicking, alone and in a
//! rule set.
#![no_main]

use bridgecraft_patterns::{Pattern, RuleSet};
use libfuzzer_sys::fuzz_target;

const EVENT: &str = r#"{"version":"0","id":"1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-1"],"detail":{"instance-id":"i-1","state":"running","cpu":93.5,"tags":[{"k":"a"},{"k":"b"}],"ip":"10.0.0.1"}}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(pattern) = Pattern::parse(text) else {
        return;
    };
    let _ = pattern.matches_json(EVENT);
    let _ = pattern.matches_json(text);
    let mut rules = RuleSet::default();
    rules.insert("fuzzed", &pattern);
    rules.insert("ec2", &Pattern::parse(r#"{"source": ["aws.ec2"]}"#).expect("valid"));
    let _ = rules.matching_json(EVENT);
    let _ = rules.matching_json(text);
});
