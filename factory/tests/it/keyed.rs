//! Formats dispatched on one key: CloudEvents and idem's events, through the same unwrapping as
//! EventBridge's, with factories chained, boxed and selected.

use bridgecraft_factory::keyed::cloudevents::CloudEventFactory;
use bridgecraft_factory::keyed::idem::{
    Idem, IdemDetail, IdemFactory, LowChunk, RunStatus, StateResult,
};
use bridgecraft_factory::{
    BoxedKindFactory, Chain, Envelope, Kind, KindFactory, Layer, OfKind, Payload, Strictness,
    UnknownReason, unwrap,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
struct OrderPlaced {
    order_id: String,
    total: u32,
}

impl Kind for OrderPlaced {
    const KIND: &'static str = "com.example.order.placed";
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
struct OrderShipped {
    order_id: String,
}

impl Kind for OrderShipped {
    const KIND: &'static str = "com.example.order.shipped";
}

#[derive(Debug, PartialEq, Serialize)]
#[serde(untagged)]
enum Orders {
    Placed(OrderPlaced),
    Shipped(OrderShipped),
}

impl From<OrderPlaced> for Orders {
    fn from(placed: OrderPlaced) -> Self {
        Orders::Placed(placed)
    }
}

impl From<OrderShipped> for Orders {
    fn from(shipped: OrderShipped) -> Self {
        Orders::Shipped(shipped)
    }
}

fn orders() -> CloudEventFactory<Orders, impl KindFactory<Orders>> {
    CloudEventFactory::new(OfKind::<OrderPlaced>::new().or(OfKind::<OrderShipped>::new()))
}

const PLACED: &str = r#"{"specversion":"1.0","id":"A234-1234-1234","source":"/orders/eu",
"type":"com.example.order.placed","subject":"o-1","time":"2024-04-05T17:31:00Z",
"datacontenttype":"application/json","comexampletenant":"acme","data":{"order_id":"o-1","total":42}}"#;

#[test]
fn a_cloud_event_decodes_typed_by_its_type_and_writes_back_its_json() {
    let event = orders().decode_event(PLACED).unwrap();
    assert_eq!(event.kind, "com.example.order.placed");
    assert_eq!(event.source, "/orders/eu");
    assert_eq!(event.subject.as_deref(), Some("o-1"));
    assert_eq!(
        event.time.as_ref().unwrap().to_utc().unwrap().to_rfc3339(),
        "2024-04-05T17:31:00+00:00"
    );
    assert_eq!(
        event.extension("comexampletenant").unwrap().get(),
        r#""acme""#
    );
    let Payload::Typed(Orders::Placed(placed)) = &event.data else {
        panic!("typed as OrderPlaced: {:?}", event.data)
    };
    assert_eq!(placed.total, 42);
    let back: serde_json::Value = serde_json::to_value(&event).unwrap();
    let original: serde_json::Value = serde_json::from_str(PLACED).unwrap();
    assert_eq!(back, original);
}

#[test]
fn data_before_the_type_and_no_data_at_all_both_decode() {
    let event = orders()
        .decode_event(
            r#"{"data":{"order_id":"o-2"},"type":"com.example.order.shipped",
                "specversion":"1.0","id":"2","source":"/orders"}"#,
        )
        .unwrap();
    assert_eq!(
        event.data.typed(),
        Some(&Orders::Shipped(OrderShipped {
            order_id: "o-2".into()
        }))
    );
    let empty = orders()
        .decode_event(r#"{"specversion":"1.0","id":"3","source":"/orders","type":"com.example.order.shipped"}"#)
        .unwrap();
    assert!(empty.data.is_absent());
    assert_eq!(
        serde_json::to_value(&empty).unwrap(),
        json!({"specversion":"1.0","id":"3","source":"/orders","type":"com.example.order.shipped"})
    );
}

#[test]
fn unknown_kinds_are_kept_as_they_came() {
    let json = r#"{"specversion":"1.0","id":"4","source":"/billing","type":"com.example.invoice.sent","data":{"n": 1.50}}"#;
    let event = orders().decode_event(json).unwrap();
    let Payload::Unknown { raw, reason } = &event.data else {
        panic!("unknown: {:?}", event.data)
    };
    assert_eq!(raw.get(), r#"{"n": 1.50}"#);
    assert_eq!(*reason, UnknownReason::Unlisted);
}

#[test]
fn bad_events_are_errors_naming_the_attribute_or_data_path() {
    let missing = orders()
        .decode_event(
            r#"{"specversion":"1.0","source":"/orders","type":"com.example.order.shipped"}"#,
        )
        .unwrap_err();
    assert_eq!(missing.layers(), [Layer::CloudEvent]);
    assert_eq!(missing.path(), "id");

    let wrong = r#"{"specversion":"1.0","id":"5","source":"/orders","type":"com.example.order.placed","data":{"order_id":"o-5","total":"many"}}"#;
    let strict = orders()
        .strictness(Strictness::Strict)
        .decode_event(wrong)
        .unwrap_err();
    assert_eq!(strict.path(), "data.total");
    let lenient = orders().decode_event(wrong).unwrap();
    let Payload::Unknown {
        reason: UnknownReason::Rejected(error),
        ..
    } = &lenient.data
    else {
        panic!("rejected: {:?}", lenient.data)
    };
    assert_eq!(error.path(), "data.total");

    let both =
        r#"{"specversion":"1.0","id":"6","source":"/o","type":"t","data":1,"data_base64":"AA=="}"#;
    assert_eq!(
        orders().decode_event(both).unwrap_err().path(),
        "data_base64"
    );
    assert_eq!(orders().decode_event("[1]").unwrap_err().path(), ".");
}

#[test]
fn cloud_events_come_out_of_sqs_and_lambda_envelopes_with_their_message_ids() {
    let body =
        serde_json::to_string(&serde_json::from_str::<serde_json::Value>(PLACED).unwrap()).unwrap();
    let sqs = json!({"MessageId": "m-1", "Body": body}).to_string();
    let [received] = <[_; 1]>::try_from(orders().decode(sqs.as_bytes(), Envelope::Auto)).unwrap();
    assert_eq!(received.message_id.as_deref(), Some("m-1"));
    assert!(received.result.unwrap().data.typed().is_some());

    let batch = json!({"Records": [
        {"messageId": "r-1", "body": body},
        {"messageId": "r-2", "body": "{\"specversion\":\"1.0\"}"},
    ]})
    .to_string();
    let records = orders().decode(batch.as_bytes(), Envelope::LambdaSqs);
    assert!(records[0].result.is_ok());
    let error = records[1].result.as_ref().unwrap_err();
    assert_eq!(records[1].message_id.as_deref(), Some("r-2"));
    assert_eq!(
        error.layers(),
        [
            Layer::LambdaSqsEvent,
            Layer::Record { index: 1 },
            Layer::CloudEvent
        ]
    );
    assert_eq!(error.path(), "type");
}

#[test]
fn unwrapping_alone_hands_back_each_message_text_with_its_id() {
    let notification =
        json!({"Type": "Notification", "MessageId": "sns-1", "Message": "{\"a\":1}"});
    let sqs = json!({"MessageId": "sqs-1", "Body": notification.to_string()}).to_string();
    let messages = unwrap(sqs.as_bytes(), Envelope::Sqs);
    assert_eq!(messages[0].message_id(), Some("sqs-1"));
    assert_eq!(messages[0].text(), Ok(r#"{"a":1}"#));
    let broken = unwrap(b"\xff", Envelope::Auto);
    assert!(broken[0].text().unwrap_err().message().contains("UTF-8"));
}

#[test]
fn factories_registered_at_run_time_decode_like_static_ones() {
    let registry: Vec<BoxedKindFactory<Orders>> = vec![
        BoxedKindFactory::new(OfKind::<OrderShipped>::new()),
        BoxedKindFactory::new(OfKind::<OrderPlaced>::new()),
    ];
    let factory = CloudEventFactory::new(registry);
    let event = factory.decode_event(PLACED).unwrap();
    assert!(matches!(event.data, Payload::Typed(Orders::Placed(_))));
    let strict =
        CloudEventFactory::<Orders, _>::new(BoxedKindFactory::new(OfKind::<OrderPlaced>::new()))
            .strictness(Strictness::Strict);
    let wrong = PLACED.replace("42", "\"many\"");
    assert_eq!(
        strict.decode_event(&wrong).unwrap_err().path(),
        "data.total"
    );
}

fn idem_event(tags: serde_json::Value, message: serde_json::Value) -> String {
    json!({"tags": tags, "message": message, "run_name": "cli"}).to_string()
}

fn idem() -> IdemFactory<IdemDetail, Idem> {
    IdemFactory::new(Idem)
}

#[test]
fn every_idem_kind_decodes_typed() {
    let cases = [
        (
            json!({"ref": "idem.state.update_status", "type": "state-status"}),
            json!("COMPILING"),
        ),
        (
            json!({"ref": "idem.run.init.start", "type": "state-low-data"}),
            json!([{"__id__": "my-bucket", "__sls__": "buckets", "state": "aws.s3.bucket", "fun": "present", "name": "my-bucket", "acl": "private"}]),
        ),
        (
            json!({"ref": "idem.run.init.start", "type": "state-high-data"}),
            json!({"my-bucket": {"aws.s3.bucket": [{"name": "my-bucket"}, "present"]}}),
        ),
        (
            json!({"ref": "states.aws.s3.bucket.present", "type": "state-pre", "acct_details": null}),
            json!({"my-bucket": {"aws.s3.bucket.present": {"name": "my-bucket"}}}),
        ),
        (
            json!({"ref": "states.aws.s3.bucket.present", "type": "state-post"}),
            json!({"name": "my-bucket", "result": true, "comment": ["Created"], "old_state": null, "new_state": {"name": "my-bucket"}}),
        ),
        (
            json!({"ref": "states.aws.s3.bucket.present", "type": "state-result", "acct_details": {"account_id": "123456789012"}}),
            json!({"tag": "aws.s3.bucket_|-my-bucket_|-my-bucket_|-present", "name": "my-bucket", "result": false, "comment": "denied", "start_time": "2024-04-05 17:31:00.120000", "total_seconds": 0.5, "__run_num": 1}),
        ),
        (
            json!({"ref": "exec.aws.s3.bucket.list", "type": "exec-post"}),
            json!({"result": true, "comment": null, "ret": [{"name": "my-bucket"}]}),
        ),
        (
            json!({"module": "init", "level": "INFO", "timestamp": "2024-04-05 17:31:00,120"}),
            json!("Running state aws.s3.bucket"),
        ),
    ];
    let mut kinds = Vec::new();
    for (tags, message) in cases {
        let json = idem_event(tags, message);
        let event = idem().decode_event(&json).unwrap();
        let Payload::Typed(detail) = &event.message else {
            panic!("{json}: {:?}", event.message)
        };
        kinds.push((event.kind().to_owned(), event.profile().unwrap()));
        let back = serde_json::to_value(&event).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(&json).unwrap(),
            "{detail:?}"
        );
        match detail {
            IdemDetail::Status(status) => assert_eq!(*status, RunStatus::Compiling),
            IdemDetail::LowData(chunks) => {
                let LowChunk { id, fun, rest, .. } = &chunks[0];
                assert_eq!(
                    (id.as_deref(), fun.as_deref()),
                    (Some("my-bucket"), Some("present"))
                );
                assert_eq!(rest["acl"], "private");
            }
            IdemDetail::StateResult(StateResult { state, tag, .. }) => {
                assert_eq!(state.result, Some(false));
                assert!(tag.as_deref().unwrap().ends_with("present"));
            }
            IdemDetail::Log(line) => assert!(line.starts_with("Running")),
            _ => {}
        }
    }
    assert_eq!(
        kinds,
        [
            ("state-status".to_owned(), "idem-status"),
            ("state-low-data".to_owned(), "idem-low"),
            ("state-high-data".to_owned(), "idem-high"),
            ("state-pre".to_owned(), "idem-state"),
            ("state-post".to_owned(), "idem-state"),
            ("state-result".to_owned(), "idem-run"),
            ("exec-post".to_owned(), "idem-exec"),
            ("log".to_owned(), "idem-logger"),
        ]
    );
}

#[test]
fn idem_statuses_it_does_not_list_and_kinds_it_does_not_know_are_kept() {
    let status = idem_event(json!({"ref": "r", "type": "state-status"}), json!("PAUSED"));
    let event = idem().decode_event(&status).unwrap();
    assert_eq!(
        event.message.typed(),
        Some(&IdemDetail::Status(RunStatus::Other("PAUSED".into())))
    );
    let custom = idem_event(
        json!({"ref": "r", "type": "my-plugin-event"}),
        json!({"x": [1, 2]}),
    );
    let event = idem().decode_event(&custom).unwrap();
    assert!(matches!(
        event.message,
        Payload::Unknown {
            reason: UnknownReason::Unlisted,
            ..
        }
    ));
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        serde_json::from_str::<serde_json::Value>(&custom).unwrap()
    );
}

#[test]
fn bad_idem_events_are_errors_naming_the_path() {
    let no_tags = idem().decode_event(r#"{"message": 1}"#).unwrap_err();
    assert_eq!(
        (no_tags.layers(), no_tags.path()),
        (&[Layer::IdemEvent][..], "tags")
    );
    let tags_not_object = idem()
        .decode_event(r#"{"tags": [1], "message": 1}"#)
        .unwrap_err();
    assert_eq!(tags_not_object.path(), "tags");
    let kind_not_string = idem().decode_event(r#"{"tags": {"type": 3}}"#).unwrap_err();
    assert_eq!(kind_not_string.path(), "tags.type");
    let wrong = idem_event(
        json!({"ref": "r", "type": "state-post"}),
        json!({"result": "yes"}),
    );
    let error = idem()
        .strictness(Strictness::Strict)
        .decode_event(&wrong)
        .unwrap_err();
    assert_eq!(error.path(), "message.result");
}

#[cfg(feature = "select")]
mod select {
    use super::*;
    use bridgecraft_factory::Select;

    fn kinds_typed(factory: &IdemFactory<IdemDetail, Idem>) -> Vec<String> {
        let events = [
            idem_event(
                json!({"ref": "r", "type": "state-status"}),
                json!("RUNNING"),
            ),
            idem_event(json!({"ref": "r", "type": "state-pre"}), json!({})),
            idem_event(
                json!({"ref": "r", "type": "exec-post"}),
                json!({"result": true}),
            ),
            idem_event(json!({"level": "INFO", "module": "m"}), json!("line")),
        ];
        events
            .iter()
            .map(|json| factory.decode_event(json).unwrap())
            .filter(|event| event.message.typed().is_some())
            .map(|event| event.kind().to_owned())
            .collect()
    }

    #[test]
    fn idem_streams_are_chosen_by_glob_on_kind_or_profile() {
        let states = idem().select(Select::globs(["state-*"]).unwrap());
        assert_eq!(kinds_typed(&states), ["state-status", "state-pre"]);
        let profiles = idem().select(Select::globs(["idem-{exec,logger}"]).unwrap());
        assert_eq!(kinds_typed(&profiles), ["exec-post", "log"]);
        let all = idem().select(Select::globs(["idem-*"]).unwrap());
        assert_eq!(kinds_typed(&all).len(), 4);
    }

    #[test]
    fn idem_streams_are_chosen_by_regular_expression() {
        let selected = idem().select(Select::regexes([r"^(exec|state)-p(re|ost)$"]).unwrap());
        assert_eq!(kinds_typed(&selected), ["state-pre", "exec-post"]);
        let filtered = idem_event(
            json!({"ref": "r", "type": "state-status"}),
            json!("RUNNING"),
        );
        let event = selected.decode_event(&filtered).unwrap();
        assert!(matches!(
            event.message,
            Payload::Unknown {
                reason: UnknownReason::Filtered,
                ..
            }
        ));
    }

    #[test]
    fn selections_that_do_not_compile_say_which() {
        let error = Select::globs(["state-[", "ok"]).unwrap_err();
        assert!(error.to_string().contains("state-["), "{error}");
        assert!(Select::regexes(["(unclosed"]).is_err());
    }

    #[test]
    fn cloud_events_are_chosen_by_type() {
        let factory = orders().select(Select::globs(["*.shipped"]).unwrap());
        let event = factory.decode_event(PLACED).unwrap();
        assert!(matches!(
            event.data,
            Payload::Unknown {
                reason: UnknownReason::Filtered,
                ..
            }
        ));
    }
}
