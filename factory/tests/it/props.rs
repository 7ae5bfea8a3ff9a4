//! Property tests: any JSON object under a known pair decodes or errors and never panics;
//! events of unknown pairs serialize back byte for byte; arbitrary input never panics.

use bridgecraft_factory::{Decoded, Envelope, EventFactory, Strictness};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::support::app_factory;

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// An event object: the envelope keys (some missing), odd extra keys, and `detail`.
fn any_event(pair: impl Strategy<Value = (String, String)>) -> impl Strategy<Value = Value> {
    (
        pair,
        any_json(),
        prop::option::of("[0-9a-f-]{1,12}"),
        prop::bool::ANY,
        prop::collection::btree_map("[a-z-]{1,8}", any_json(), 0..3),
    )
        .prop_map(|((source, detail_type), detail, id, with_time, extra)| {
            let mut map = Map::new();
            for (key, value) in extra {
                map.insert(key, value);
            }
            map.insert("version".into(), json!("0"));
            if let Some(id) = id {
                map.insert("id".into(), json!(id));
            }
            map.insert("detail-type".into(), json!(detail_type));
            map.insert("source".into(), json!(source));
            if with_time {
                map.insert("time".into(), json!("2024-01-01T00:00:00Z"));
            }
            map.insert("region".into(), json!("eu-west-1"));
            map.insert("detail".into(), detail);
            Value::Object(map)
        })
}

proptest! {
    #[test]
    fn known_pairs_decode_or_error_without_panicking(
        event in any_event(prop_oneof![
            Just(("com.example.orders".to_owned(), "Order Placed".to_owned())),
            Just(("com.example.orders".to_owned(), "Order Cancelled".to_owned())),
            Just(("aws.ec2".to_owned(), "EC2 Instance State-change Notification".to_owned())),
        ]),
        pretty in any::<bool>(),
        strict in any::<bool>(),
    ) {
        let text = if pretty { serde_json::to_string_pretty(&event) } else { serde_json::to_string(&event) }.unwrap();
        let strictness = if strict { Strictness::Strict } else { Strictness::Lenient };
        let factory = app_factory().strictness(strictness);
        let _ = factory.decode_event(&text);
        let _ = factory.decode(text.as_bytes(), Envelope::Auto);
    }

    #[test]
    fn unknown_events_round_trip_byte_for_byte(
        event in any_event(("x\\.[a-z]{1,8}", "[A-Za-z ]{1,16}")),
        pretty in any::<bool>(),
    ) {
        let mut event = event;
        event["id"] = json!("1");
        event["time"] = json!("2024-01-01T00:00:00.5+02:00");
        let text = if pretty { serde_json::to_string_pretty(&event) } else { serde_json::to_string(&event) }.unwrap();
        let decoded = app_factory().decode_event(&text).unwrap();
        prop_assert!(matches!(decoded, Decoded::Unknown(_)));
        prop_assert_eq!(serde_json::to_string(&decoded).unwrap(), text);
    }

    #[test]
    fn arbitrary_input_never_panics(input in prop::collection::vec(any::<u8>(), 0..256)) {
        let factory = app_factory();
        let _ = factory.decode(&input, Envelope::Auto);
        let _ = factory.decode(&input, Envelope::LambdaSqs);
        let _ = factory.decode(&input, Envelope::LambdaSns);
        let _ = factory.decode(&input, Envelope::Sns);
    }
}
