//! The envelope: what real producers omit, what they add, and what comes back.

use bridgecraft_events::{Event, EventDetail};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct Ping {
    n: u32,
}

impl EventDetail for Ping {
    const SOURCE: &'static str = "test.ping";
    const DETAIL_TYPE: &'static str = "Ping";
}

const PING: &str = r#"{"version":"0","id":"e1","detail-type":"Ping","source":"test.ping","account":"123456789012","time":"2024-01-01T00:00:00.000Z","region":"us-east-1","resources":["arn:aws:test"],"detail":{"n":1}}"#;

#[test]
fn decodes_and_writes_back_the_same_json() {
    let event: Event<Ping> = serde_json::from_str(PING).unwrap();
    assert_eq!(event.detail, Ping { n: 1 });
    assert_eq!(event.time.as_str(), "2024-01-01T00:00:00.000Z");
    assert_eq!(
        serde_json::to_string(&event).unwrap(),
        PING,
        "same keys, same order, same text"
    );
}

#[test]
fn version_account_and_resources_may_be_missing() {
    let json = r#"{"id":"e1","detail-type":"Ping","source":"test.ping","time":"2024-01-01T00:00:00Z","region":"us-east-1","detail":{"n":2}}"#;
    let event: Event<Ping> = serde_json::from_str(json).unwrap();
    assert_eq!(
        (event.version, event.account, event.resources.len()),
        (None, None, 0)
    );
}

#[test]
fn extra_top_level_keys_are_kept() {
    let mut value: Value = serde_json::from_str(PING).unwrap();
    value["replay-name"] = json!("replay-1");
    value["ingestion-time"] = json!("2024-01-01T00:00:01Z");
    let event: Event<Ping> = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(event.extra["replay-name"], "replay-1");
    assert_eq!(serde_json::to_value(&event).unwrap(), value);
}

#[test]
fn detail_may_come_first() {
    let json = r#"{"detail":{"n":3},"detail-type":"Ping","source":"test.ping","id":"e1","time":"2024-01-01T00:00:00Z","region":"us-east-1"}"#;
    let event: Event<Ping> = serde_json::from_str(json).unwrap();
    assert_eq!(event.detail.n, 3);
}

#[test]
fn another_pair_is_an_error_naming_both() {
    let json = PING.replace("\"Ping\"", "\"Pong\"");
    let error = serde_json::from_str::<Event<Ping>>(&json)
        .unwrap_err()
        .to_string();
    assert!(error.contains("expected an event with source `test.ping` and detail-type `Ping`, found `test.ping` and `Pong`"), "{error}");
}

#[test]
fn missing_and_duplicate_keys_are_errors() {
    let error =
        serde_json::from_str::<Event<Ping>>(&PING.replace(r#""id":"e1","#, "")).unwrap_err();
    assert!(
        error.to_string().starts_with("missing field `id`"),
        "{error}"
    );
    let error = serde_json::from_str::<Event<Ping>>(
        &PING.replace(r#""id":"e1","#, r#""id":"e1","id":"e2","#),
    )
    .unwrap_err();
    assert!(
        error.to_string().starts_with("duplicate field `id`"),
        "{error}"
    );
    let error =
        serde_json::from_str::<Event<Ping>>(&PING.replace("2024-01-01T00:00:00.000Z", "date"))
            .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("expected an RFC 3339 timestamp, found `date`"),
        "{error}"
    );
}
