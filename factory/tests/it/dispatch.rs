//! Dispatch on `source`/`detail-type`: user types chained with the AWS factory, unknown events,
//! strict and lenient details, the filter of wanted pairs, and error paths.

use std::sync::Arc;

use bridgecraft_events::aws_ec2::ec2_instance_state_change_notification::State;
use bridgecraft_factory::{AwsFactory, Decoded, EventFactory, Layer, Strictness, UnknownReason};

use crate::support::{AppDetail, OrderPlaced, app_factory, order_event};

const PLACED: &str = r#"{"order_id":"o-1","customer":"c-1","total_cents":4599,"currency":"EUR"}"#;

#[test]
fn a_user_type_chained_with_aws_decodes_typed() {
    let decoded = app_factory()
        .decode_event(&order_event("Order Placed", PLACED))
        .unwrap();
    let Decoded::Typed(event) = decoded else {
        panic!("expected typed")
    };
    match event.detail {
        AppDetail::Placed(order) => assert_eq!(order.total_cents, 4599),
        other => panic!("expected an order, got {other:?}"),
    }
}

#[test]
fn a_typed_event_serializes_back_to_the_same_json() {
    let json = order_event("Order Placed", PLACED);
    let decoded = app_factory().decode_event(&json).unwrap();
    let back: serde_json::Value = serde_json::to_value(&decoded).unwrap();
    let original: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(back, original);
}

#[test]
fn an_unknown_pair_is_kept_byte_for_byte() {
    // Odd spacing and key order on purpose: re-serializing must not normalise them.
    let json = "{ \"detail\" : {\"b\":1,  \"a\":[true,null]},\"source\":\"com.example.other\",\n\"detail-type\":\"Thing\",\"id\":\"1\",\"time\":\"2024-01-01T00:00:00+01:00\",\"region\":\"eu-west-1\",\"replay-name\":\"r\"}";
    let decoded = app_factory().decode_event(json).unwrap();
    let Decoded::Unknown(unknown) = &decoded else {
        panic!("expected unknown")
    };
    assert_eq!(unknown.reason, UnknownReason::Unlisted);
    assert_eq!(unknown.event.detail.get(), "{\"b\":1,  \"a\":[true,null]}");
    assert_eq!(unknown.event.replay_name.as_deref(), Some("r"));
    assert_eq!(serde_json::to_string(&decoded).unwrap(), json);
}

#[test]
fn detail_before_source_still_decodes_typed() {
    let json = format!(
        r#"{{"detail":{PLACED},"version":"0","id":"e-1","detail-type":"Order Placed","source":"com.example.orders","time":"2024-03-18T12:30:05Z","region":"eu-west-1"}}"#
    );
    let decoded = app_factory().decode_event(&json).unwrap();
    assert!(matches!(decoded, Decoded::Typed(_)), "{decoded:?}");
}

#[test]
fn strict_names_the_path_and_the_type_that_failed() {
    let json = order_event(
        "Order Placed",
        r#"{"order_id":"o-1","customer":"c-1","total_cents":"lots","currency":"EUR"}"#,
    );
    let error = app_factory()
        .strictness(Strictness::Strict)
        .decode_event(&json)
        .unwrap_err();
    assert_eq!(error.layers(), [Layer::Event]);
    assert_eq!(error.path(), "detail.total_cents");
    assert_eq!(error.expected_type(), Some("OrderPlaced"));
    assert!(error.message().contains("expected u64"), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("event at `detail.total_cents`: invalid type"),
        "{error}"
    );
}

#[test]
fn strict_reports_a_missing_required_field() {
    let json = order_event("Order Placed", r#"{"order_id":"o-1"}"#);
    let error = app_factory()
        .strictness(Strictness::Strict)
        .decode_event(&json)
        .unwrap_err();
    assert_eq!(error.path(), "detail");
    assert_eq!(error.message(), "missing field `customer`");
}

#[test]
fn strict_finds_the_path_when_detail_comes_first() {
    let json = r#"{"detail":{"order_id":5},"detail-type":"Order Placed","source":"com.example.orders","id":"1","time":"2024-01-01T00:00:00Z","region":"r"}"#;
    let error = app_factory()
        .strictness(Strictness::Strict)
        .decode_event(json)
        .unwrap_err();
    assert!(error.path().starts_with("detail"), "{error}");
}

#[test]
fn lenient_keeps_a_rejected_detail_as_unknown_with_the_reason() {
    let json = order_event("Order Placed", r#"{"order_id":"o-1"}"#);
    let decoded = app_factory().decode_event(&json).unwrap();
    let Decoded::Unknown(unknown) = decoded else {
        panic!("expected unknown")
    };
    let UnknownReason::Rejected(error) = &unknown.reason else {
        panic!("expected rejected, got {:?}", unknown.reason)
    };
    assert_eq!(error.message(), "missing field `customer`");
    assert_eq!(unknown.raw(), json);
}

#[test]
fn envelope_errors_are_errors_even_when_lenient() {
    let factory = app_factory();
    let missing_source =
        r#"{"id":"1","detail-type":"x","time":"2024-01-01T00:00:00Z","region":"r","detail":{}}"#;
    let error = factory.decode_event(missing_source).unwrap_err();
    assert_eq!(
        (error.path(), error.message()),
        (".", "missing field `source`")
    );

    let numbered_type = r#"{"id":"1","detail-type":5,"source":"s","detail":{}}"#;
    let error = factory.decode_event(numbered_type).unwrap_err();
    assert_eq!(error.path(), "detail-type");
    assert!(
        error
            .message()
            .contains("expected `detail-type` to be a string"),
        "{error}"
    );

    // Anything else in the envelope is tolerated: the event is kept, its drift reported.
    let placeholder_time = r#"{"id":"1","detail-type":"x","source":"s","time":"date","detail":{}}"#;
    let decoded = factory.decode_event(placeholder_time).unwrap();
    let Decoded::Unknown(unknown) = decoded else {
        panic!("no factory knows `s`")
    };
    assert_eq!(unknown.event.envelope_drift()[0].path, "time");
}

#[test]
fn the_filter_skips_unwanted_details() {
    let factory = app_factory().only([("com.example.orders", "Order Cancelled")]);
    // The detail does not even fit `OrderPlaced`: it is not read as one.
    let json = order_event("Order Placed", r#"{"order_id":1}"#);
    let Decoded::Unknown(unknown) = factory.decode_event(&json).unwrap() else {
        panic!("expected unknown")
    };
    assert_eq!(unknown.reason, UnknownReason::Filtered);
    let cancelled = order_event("Order Cancelled", r#"{"order_id":"o-1"}"#);
    assert!(matches!(
        factory.decode_event(&cancelled).unwrap(),
        Decoded::Typed(_)
    ));
}

#[test]
fn not_json_and_trailing_text_are_errors() {
    let factory = AwsFactory::aws();
    assert!(factory.decode_event("").is_err());
    assert!(factory.decode_event("[1]").is_err());
    let json = order_event("Order Placed", PLACED) + " x";
    let error = factory.decode_event(&json).unwrap_err();
    assert!(error.message().contains("trailing characters"), "{error}");
    assert!(factory.decode_event_slice(b"{\"id\":\"\xff\"}").is_err());
}

#[test]
fn unknown_details_can_be_decoded_later() {
    let json = order_event("Order Placed", PLACED);
    let Decoded::Unknown(unknown) = AwsFactory::aws().decode_event(&json).unwrap() else {
        panic!("expected unknown")
    };
    let order: OrderPlaced = unknown.detail_as().unwrap();
    assert_eq!(order.order_id, "o-1");
}

#[test]
fn a_factory_is_shared_across_threads_as_a_trait_object() {
    let factory: Arc<dyn EventFactory<Detail = AppDetail>> = Arc::new(app_factory());
    let json = order_event("Order Placed", PLACED);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let factory = Arc::clone(&factory);
            let json = json.clone();
            std::thread::spawn(move || factory.decode_event(&json).is_ok())
        })
        .collect();
    for handle in handles {
        assert!(handle.join().unwrap());
    }
}

#[test]
fn aws_events_decode_into_the_generated_enums() {
    use bridgecraft_events::{Detail, aws_ec2};
    let json = crate::support::example("ec2-instance-state-change.json");
    let event = AwsFactory::aws()
        .decode_event(&json)
        .unwrap()
        .typed()
        .unwrap();
    assert_eq!(
        event.detail.type_name(),
        "aws_ec2::Ec2InstanceStateChangeNotification"
    );
    match event.detail {
        Detail::AwsEc2(aws_ec2::Detail::Ec2InstanceStateChangeNotification(change)) => {
            assert_eq!(change.state, Some(State::Running));
        }
        other => panic!("expected an EC2 state change, got {other:?}"),
    }
}

/// A user's own type for an AWS pair, chained first, wins over the generated one.
#[test]
fn the_first_factory_that_knows_a_pair_wins() {
    use bridgecraft_factory::{Aws, Chain, EventDetail, Factory, Known};

    #[derive(Debug, serde::Deserialize, serde::Serialize)]
    struct MyStateChange {
        state: String,
    }
    impl EventDetail for MyStateChange {
        const SOURCE: &'static str = "aws.ec2";
        const DETAIL_TYPE: &'static str = "EC2 Instance State-change Notification";
    }
    bridgecraft_factory::detail_enum! {
        #[derive(Debug)]
        enum Mine {
            State(MyStateChange),
            Aws(bridgecraft_events::Detail),
        }
    }

    let factory = Factory::<Mine, _>::new(Known::<MyStateChange>::new().or(Aws));
    let json = crate::support::example("ec2-instance-state-change.json");
    let event = factory.decode_event(&json).unwrap().typed().unwrap();
    assert!(matches!(event.detail, Mine::State(MyStateChange { ref state }) if state == "running"));
}

#[test]
fn factories_boxed_and_registered_at_run_time_decode_as_the_chain_does() {
    use bridgecraft_factory::{BoxedDetailFactory, Factory, Known};

    use crate::support::OrderCancelled;

    // A plugin table filled at start-up, in the order the plugins were found.
    let registry: Vec<BoxedDetailFactory<AppDetail>> = vec![
        BoxedDetailFactory::new(Known::<OrderCancelled>::new()),
        BoxedDetailFactory::new(Known::<OrderPlaced>::new()),
    ];
    let factory = Factory::new(registry);
    let decoded = factory
        .decode_event(&order_event("Order Placed", PLACED))
        .unwrap();
    assert!(matches!(
        decoded.typed().unwrap().detail,
        AppDetail::Placed(_)
    ));
    let other = factory
        .decode_event(&order_event("Order Lost", PLACED))
        .unwrap();
    assert!(
        matches!(other, Decoded::Unknown(ref unknown) if unknown.reason == UnknownReason::Unlisted)
    );

    let wrong = order_event(
        "Order Placed",
        r#"{"order_id":"o-1","customer":"c-1","total_cents":"lots","currency":"EUR"}"#,
    );
    let error = factory
        .strictness(Strictness::Strict)
        .decode_event(&wrong)
        .unwrap_err();
    assert_eq!(error.path(), "detail.total_cents");
}
