//! A function subscribed to an SNS topic.

use bridgecraft_lambda::{FunctionError, SnsFunction};

use crate::support::*;

#[tokio::test]
async fn each_message_is_decoded_and_routed() {
    let probe = Probe::default();
    let function = SnsFunction::new(factory(), router().handler(probe.clone()));
    let event = sns_event(&[
        ("n1", &state_change("s1", "stopped")),
        ("n2", &custom_event("s2")),
    ]);
    function.call(invocation(event)).await.unwrap();
    assert_eq!(probe.take(), ["i-s1 stopped", "unknown s2"]);
}

#[tokio::test]
async fn a_failed_message_fails_the_invocation_after_the_others_ran() {
    let probe = Probe::default();
    let function = SnsFunction::new(factory(), router().handler(probe.clone()));
    let event = sns_event(&[
        ("n1", "not json"),
        ("n2", &state_change("fail-2", "running")),
        ("n3", &state_change("s3", "running")),
    ]);
    let error = function.call(invocation(event)).await.unwrap_err();
    let FunctionError::Record { message_id, error } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(message_id, "n1", "the first failure is reported");
    assert!(matches!(**error, FunctionError::Decode(_)), "{error:?}");
    assert_eq!(probe.take(), ["i-fail-2 running", "i-s3 running"]);
}
