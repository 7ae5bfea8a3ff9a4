//! The envelope: what real producers omit, what they add, and what comes back.

use bridgecraft_events::{DriftKind, Event, EventDetail};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Default, Deserialize, Serialize, PartialEq)]
struct Ping {
    #[serde(default)]
    n: u32,
}

impl EventDetail for Ping {
    const SOURCE: &'static str = "test.ping";
    const DETAIL_TYPE: &'static str = "Ping";
}

const PING: &str = r#"{"version":"0","id":"e1","detail-type":"Ping","source":"test.ping","account":"123456789012","time":"2024-01-01T00:00:00.000Z","region":"us-east-1","resources":["arn:aws:test"],"detail":{"n":1}}"#;

fn with(changes: Value) -> Value {
    let mut value: Value = serde_json::from_str(PING).unwrap();
    for (key, change) in changes.as_object().unwrap() {
        match change {
            Value::Null if key != "null" => {
                value.as_object_mut().unwrap().remove(key);
            }
            _ => value[key] = change.clone(),
        }
    }
    value
}

/// Decodes `value`, checks that it writes back the same JSON, and returns the event.
fn round_trip(value: &Value) -> Event<Ping> {
    let event: Event<Ping> =
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        &serde_json::to_value(&event).unwrap(),
        value,
        "written back as it came"
    );
    event
}

#[test]
fn decodes_and_writes_back_the_same_json() {
    let event: Event<Ping> = serde_json::from_str(PING).unwrap();
    assert_eq!(event.detail, Ping { n: 1 });
    assert_eq!(
        event.time.as_ref().unwrap().as_str(),
        "2024-01-01T00:00:00.000Z"
    );
    assert_eq!(
        serde_json::to_string(&event).unwrap(),
        PING,
        "same keys, same order, same text"
    );
    assert!(event.drift().is_empty());
}

#[test]
fn everything_but_source_and_detail_type_may_be_missing() {
    let value = json!({"detail-type": "Ping", "source": "test.ping", "detail": {"n": 2}});
    let event = round_trip(&value);
    assert_eq!(
        (
            event.version,
            event.id,
            event.account,
            event.time,
            event.region,
            event.resources.len()
        ),
        (None, None, None, None, None, 0)
    );
}

#[test]
fn a_missing_detail_is_absent_and_stays_absent() {
    let value = with(json!({"detail": null}));
    let event = round_trip(&value);
    assert!(event.detail_is_absent());
    assert_eq!(event.detail, Ping::default());
}

#[test]
fn version_and_account_of_any_scalar_type_decode_and_write_back_as_they_came() {
    let value = with(json!({"version": 0, "account": 123456789012u64}));
    let event = round_trip(&value);
    assert_eq!(event.version.as_deref(), Some("0"));
    assert_eq!(event.account.as_deref(), Some("123456789012"));
    let drift = event.drift();
    assert_eq!(drift.len(), 2, "{drift:?}");
    assert!(drift.iter().all(|d| d.kind == DriftKind::Coerced));
    assert!(
        drift
            .iter()
            .any(|d| d.to_string() == "version\tcoerced\tstring\t0"),
        "{drift:?}"
    );
}

/// EventBridge names the replay of an archive on the events it replays; a key it does not
/// document, such as `ingestion-time`, stays unlisted.
#[test]
fn a_replayed_event_names_its_replay() {
    let value = with(
        json!({"replay-name": "replay_archive", "ingestion-time": "2024-01-15T09:00:00.123Z"}),
    );
    let event = round_trip(&value);
    assert_eq!(event.replay_name.as_deref(), Some("replay_archive"));
    let drift: Vec<String> = event.drift().iter().map(ToString::to_string).collect();
    assert_eq!(
        drift,
        ["ingestion-time\tunlisted\tnot in the schema\t\"2024-01-15T09:00:00.123Z\""]
    );
    assert_eq!(round_trip(&with(json!({}))).replay_name, None);
    let event = round_trip(&with(json!({"replay-name": null})));
    assert_eq!((&event.replay_name, event.drift()), (&None, vec![]));
    // A replay name of another type is kept and reported.
    let event = round_trip(&with(json!({"replay-name": ["a"]})));
    assert_eq!(event.replay_name, None);
    assert_eq!(event.drift()[0].kind, DriftKind::Misfit);
}

#[test]
fn a_time_that_is_not_a_timestamp_is_kept_as_its_text() {
    for text in ["2022-04-31T17:00:00Z", "yyyy-mm-ddThh:mm:ssZ", "date"] {
        let value = with(json!({ "time": text }));
        let event = round_trip(&value);
        let time = event.time.as_ref().unwrap();
        assert_eq!(time.as_str(), text);
        assert!(time.to_utc().is_err(), "{text} is no timestamp");
        let drift = event.drift();
        assert_eq!(drift[0].kind, DriftKind::InvalidTimestamp);
        assert_eq!(drift[0].path, "time");
    }
}

#[test]
fn envelope_values_that_fit_nowhere_are_kept_and_reported() {
    let mut value = with(json!({"region": ["us-east-1"], "resources": "arn:aws:one"}));
    value["id"] = Value::Null;
    let event = round_trip(&value);
    assert_eq!((&event.region, &event.id), (&None, &None));
    let mut paths: Vec<String> = event.drift().into_iter().map(|d| d.to_string()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "id\tmisfit\tstring\tnull",
            "region\tmisfit\tstring\t[\"us-east-1\"]",
            "resources\tmisfit\tarray\t\"arn:aws:one\""
        ]
    );
}

#[test]
fn extra_top_level_keys_are_kept_byte_for_byte() {
    let json = PING.replace(
        r#""detail":"#,
        r#""ingestion-time":"t-1","big":123456789012345678901234567890,"f":-123.13713993681803,"detail":"#,
    );
    let event: Event<Ping> = serde_json::from_str(&json).unwrap();
    assert_eq!(event.extra.get("ingestion-time").unwrap().get(), r#""t-1""#);
    assert_eq!(serde_json::to_string(&event).unwrap(), json);
    let unlisted: Vec<_> = event
        .drift()
        .into_iter()
        .filter(|d| d.kind == DriftKind::Unlisted)
        .map(|d| d.path)
        .collect();
    assert_eq!(unlisted, ["ingestion-time", "big", "f"]);
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
fn only_source_and_detail_type_make_an_event() {
    for (changes, message) in [
        (json!({"source": null}), "missing field `source`"),
        (json!({"detail-type": null}), "missing field `detail-type`"),
        (json!({"source": 7}), "expected `source` to be a string"),
        (
            json!({"detail-type": ["Ping"]}),
            "expected `detail-type` to be a string",
        ),
    ] {
        let error = serde_json::from_value::<Event<Ping>>(with(changes)).unwrap_err();
        assert!(error.to_string().contains(message), "{error}");
    }
    let error = serde_json::from_str::<Event<Ping>>(&PING.replace(
        r#""source":"test.ping","#,
        r#""source":"test.ping","source":"x","#,
    ))
    .unwrap_err();
    assert!(
        error.to_string().starts_with("duplicate field `source`"),
        "{error}"
    );
}
