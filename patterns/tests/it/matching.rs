//! Matching behaviour beyond the shared corpus, on fixtures written for this crate, through the
//! three inputs: raw JSON text, `serde_json::Value`, and typed `Serialize` events.

use bridgecraft_patterns::{NumberEquality, ParseOptions, Pattern, PatternErrorKind, RuleSet};
use serde::Serialize;
use serde_json::json;

/// An EventBridge envelope with a typed detail, as `bridgecraft-events` generates them.
#[derive(Serialize)]
struct Envelope<D> {
    source: &'static str,
    #[serde(rename = "detail-type")]
    detail_type: &'static str,
    detail: D,
}

#[derive(Serialize)]
struct InstanceStateChange {
    #[serde(rename = "instance-id")]
    instance_id: &'static str,
    state: &'static str,
    tags: Vec<&'static str>,
    cpu: Option<f64>,
}

fn ec2(state: &'static str, cpu: Option<f64>) -> Envelope<InstanceStateChange> {
    Envelope {
        source: "aws.ec2",
        detail_type: "EC2 Instance State-change Notification",
        detail: InstanceStateChange {
            instance_id: "i-0abc",
            state,
            tags: vec!["prod", "web"],
            cpu,
        },
    }
}

fn pattern(text: &str) -> Pattern {
    Pattern::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Asserts the verdict through every input form.
fn assert_match(p: &Pattern, event: &serde_json::Value, expected: bool) {
    assert_eq!(
        p.matches_json(&event.to_string()).expect("valid JSON"),
        expected,
        "raw: {event}"
    );
    assert_eq!(p.matches_value(event), expected, "value: {event}");
    assert_eq!(
        p.matches(event).expect("serializable"),
        expected,
        "typed: {event}"
    );
}

#[test]
fn typed_events_match_like_their_json() {
    let stopped =
        pattern(r#"{"source": ["aws.ec2"], "detail": {"state": ["stopped"], "tags": ["prod"]}}"#);
    assert!(stopped.matches(&ec2("stopped", None)).unwrap());
    assert!(!stopped.matches(&ec2("running", None)).unwrap());
    // `None` serializes as null: present for `exists`, not a number for `numeric`.
    let cpu_present = pattern(r#"{"detail": {"cpu": [{"exists": true}]}}"#);
    assert!(cpu_present.matches(&ec2("running", None)).unwrap());
    let busy = pattern(r#"{"detail": {"cpu": [{"numeric": [">=", 90]}]}}"#);
    assert!(!busy.matches(&ec2("running", None)).unwrap());
    assert!(busy.matches(&ec2("running", Some(97.5))).unwrap());
    let rules = RuleSet::new([("stopped", stopped), ("busy", busy)]);
    assert_eq!(
        rules.matching(&ec2("stopped", Some(95.0))).unwrap(),
        vec![&"stopped", &"busy"]
    );
}

#[test]
fn null_missing_and_empty_are_distinct() {
    let null = pattern(r#"{"a": [null]}"#);
    let empty = pattern(r#"{"a": [""]}"#);
    let absent = pattern(r#"{"a": [{"exists": false}]}"#);
    let present = pattern(r#"{"a": [{"exists": true}]}"#);
    // (event, null, empty string, absent, present)
    let cases = [
        (json!({"a": null}), true, false, false, true),
        (json!({"a": ""}), false, true, false, true),
        (json!({}), false, false, true, false),
        (json!({"a": []}), false, false, true, false),
        (json!({"a": {}}), false, false, true, false),
        (json!({"a": {"b": 1}}), false, false, true, false),
        (json!({"a": [null, "x"]}), true, false, false, true),
    ];
    for (event, is_null, is_empty, is_absent, is_present) in cases {
        assert_match(&null, &event, is_null);
        assert_match(&empty, &event, is_empty);
        assert_match(&absent, &event, is_absent);
        assert_match(&present, &event, is_present);
    }
}

#[test]
fn anything_but_needs_a_value_but_accepts_other_types() {
    let p = pattern(r#"{"s": [{"anything-but": ["a", "b"]}]}"#);
    assert_match(&p, &json!({"s": "c"}), true);
    assert_match(&p, &json!({"s": 5}), true);
    assert_match(&p, &json!({"s": null}), true);
    assert_match(&p, &json!({"s": ["a", "z"]}), true);
    assert_match(&p, &json!({"s": ["a", "b"]}), false);
    assert_match(&p, &json!({}), false);
    let numbers = pattern(r#"{"n": [{"anything-but": [1, 2.5]}]}"#);
    assert_match(&numbers, &json!({"n": 2.5}), false);
    assert_match(&numbers, &json!({"n": 1.0}), false);
    assert_match(&numbers, &json!({"n": "1"}), true);
}

#[test]
fn numeric_ranges_and_bounds() {
    let p = pattern(r#"{"n": [{"numeric": [">=", -1.5, "<", 1e3]}]}"#);
    for (n, expected) in [
        (json!(-1.5), true),
        (json!(999.999), true),
        (json!(1000), false),
        (json!(-2), false),
        (json!("5"), false),
    ] {
        assert_match(&p, &json!({ "n": n }), expected);
    }
    let huge = pattern(r#"{"n": [{"numeric": [">", 5e9]}]}"#);
    assert_match(&huge, &json!({"n": 6e9}), true);
    assert_match(&huge, &json!({"n": 5_000_000_000u64}), false);
}

#[test]
fn exact_numbers_compare_by_value_unless_asked_otherwise() {
    let by_value = pattern(r#"{"n": [300]}"#);
    for event in [r#"{"n": 300}"#, r#"{"n": 300.0}"#, r#"{"n": 3e2}"#] {
        assert!(by_value.matches_json(event).unwrap(), "{event}");
    }
    assert!(!by_value.matches_json(r#"{"n": 300.5}"#).unwrap());
    let options = ParseOptions {
        numbers: NumberEquality::Representation,
        ..ParseOptions::default()
    };
    let by_text = Pattern::parse_with(r#"{"n": [300]}"#, &options).unwrap();
    assert!(by_text.matches_json(r#"{"n": 300}"#).unwrap());
    assert!(!by_text.matches_json(r#"{"n": 300.0}"#).unwrap());
    assert!(!by_text.matches_json(r#"{"n": 3e2}"#).unwrap());
    let rules = RuleSet::new([("value", by_value), ("text", by_text)]);
    assert_eq!(
        rules.matching_json(r#"{"n": 300.0}"#).unwrap(),
        vec![&"value"]
    );
    assert_eq!(
        rules.matching_json(r#"{"n": 300}"#).unwrap(),
        vec![&"value", &"text"]
    );
}

#[test]
fn cidr_and_ip_values() {
    let v4 = pattern(r#"{"ip": [{"cidr": "192.168.0.0/16"}]}"#);
    assert_match(&v4, &json!({"ip": "192.168.40.2"}), true);
    assert_match(&v4, &json!({"ip": "192.169.0.1"}), false);
    assert_match(&v4, &json!({"ip": "2001:db8::1"}), false);
    assert_match(&v4, &json!({"ip": 19216801}), false);
    let v6 = pattern(r#"{"ip": [{"cidr": "2001:db8::/64"}]}"#);
    assert_match(&v6, &json!({"ip": "2001:db8::ffff"}), true);
    assert_match(&v6, &json!({"ip": "2001:db8:0:1::1"}), false);
    let exact_ip = pattern(r#"{"ip": ["2001:db8::1"]}"#);
    assert_match(&exact_ip, &json!({"ip": "2001:DB8:0:0::1"}), true);
}

#[test]
fn dotted_keys_and_nested_objects_are_one_path() {
    let p = pattern(r#"{"detail": {"state.name": ["on"]}}"#);
    assert_match(&p, &json!({"detail": {"state": {"name": "on"}}}), true);
    assert_match(&p, &json!({"detail.state": {"name": "on"}}), true);
    assert_match(&p, &json!({"detail": {"state.name": {"x": "on"}}}), false);
}

#[test]
fn or_branches_combine_with_surrounding_fields() {
    let p = pattern(
        r#"{"source": ["shop"], "$or": [{"detail": {"total": [{"numeric": [">", 100]}]}}, {"detail": {"vip": [true], "$or": [{"country": ["FR"]}, {"country": ["DE"]}]}}]}"#,
    );
    assert_match(
        &p,
        &json!({"source": "shop", "detail": {"total": 150}}),
        true,
    );
    assert_match(
        &p,
        &json!({"source": "shop", "detail": {"total": 50, "vip": true, "country": "DE"}}),
        true,
    );
    assert_match(
        &p,
        &json!({"source": "shop", "detail": {"total": 50, "vip": true, "country": "US"}}),
        false,
    );
    assert_match(
        &p,
        &json!({"source": "mall", "detail": {"total": 150}}),
        false,
    );
}

#[test]
fn array_elements_must_agree_only_within_one_array() {
    let p = pattern(r#"{"items": {"sku": ["A"], "qty": [{"numeric": [">", 1]}]}, "tags": ["x"]}"#);
    assert_match(
        &p,
        &json!({"items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 5}], "tags": ["x"]}),
        false,
    );
    assert_match(
        &p,
        &json!({"items": [{"sku": "B", "qty": 1}, {"sku": "A", "qty": 5}], "tags": ["y", "x"]}),
        true,
    );
    // Nested arrays: the outer element must be the same too.
    let nested = pattern(r#"{"o": {"i": {"a": [1], "b": [2]}}}"#);
    assert_match(
        &nested,
        &json!({"o": [{"i": [{"a": 1}]}, {"i": [{"b": 2}]}]}),
        false,
    );
    assert_match(
        &nested,
        &json!({"o": [{"i": [{"a": 1}, {"a": 1, "b": 2}]}]}),
        true,
    );
}

#[test]
fn errors_name_what_and_where() {
    let err =
        Pattern::parse("{\n  \"detail\": {\n    \"state\": [{\"prefix\": 5}]\n  }\n}").unwrap_err();
    assert_eq!(err.reason(), "prefix match pattern must be a string");
    let at = err.location().expect("location");
    assert_eq!((at.line, at.column), (3, 26), "points at the 5");
    assert_eq!(
        Pattern::parse("{\"a\": [1,]}").unwrap_err().kind(),
        PatternErrorKind::Syntax
    );
    assert!(pattern(r#"{"a": ["x"]}"#).matches_json("{\"a\": ").is_err());
}

#[test]
fn text_is_read_only_where_the_pattern_looks() {
    let p = pattern(r#"{"a": ["x"], "c": [{"exists": false}]}"#);
    // The unread parts are only checked to be balanced; the read ones strictly.
    assert!(
        p.matches_json(r#"{"b": [tru, {"d": 01}], "a": "x"}"#)
            .unwrap()
    );
    assert!(p.matches_json(r#"{"b": [1, "a": "x"}"#).is_err());
    let err = p.matches_json("{\"a\": tru}").unwrap_err();
    assert_eq!(
        err.to_string(),
        "event is not valid JSON: expected value at line 1 column 7"
    );
    // The same pattern answers the same twice, and from clones.
    let copy = p.clone();
    for _ in 0..2 {
        assert!(!copy.matches_json(r#"{"a": "x", "c": null}"#).unwrap());
        assert!(p.matches_json(r#"{"a": "x"}"#).unwrap());
    }
}
