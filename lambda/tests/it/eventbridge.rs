//! A function targeted by an EventBridge rule.

use std::sync::{Arc, Mutex};

use bridgecraft_factory::Decoded;
use bridgecraft_lambda::{EventBridgeFunction, FunctionError};
use bridgecraft_router::Delivery;
use lambda_runtime::Diagnostic;
use serde_json::value::RawValue;

use crate::support::*;

fn payload(json: &str) -> Box<RawValue> {
    RawValue::from_string(json.to_owned()).unwrap()
}

#[tokio::test]
async fn typed_and_unknown_events_reach_the_routes() {
    let probe = Probe::default();
    let function = EventBridgeFunction::new(factory(), router().handler(probe.clone()));
    function
        .call(invocation(payload(&state_change("e1", "stopped"))))
        .await
        .unwrap();
    function
        .call(invocation(payload(&custom_event("e2"))))
        .await
        .unwrap();
    assert_eq!(probe.take(), ["i-e1 stopped", "unknown e2"]);
}

#[tokio::test]
async fn a_plain_closure_is_a_handler_too() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handler = {
        let seen = seen.clone();
        move |delivery: Delivery<_>| {
            let seen = seen.clone();
            async move {
                let typed = matches!(delivery.event, Decoded::Typed(_));
                seen.lock().unwrap().push((typed, delivery.json().len()));
                Ok(())
            }
        }
    };
    let function = EventBridgeFunction::new(factory(), handler);
    let event = state_change("e3", "running");
    function.call(invocation(payload(&event))).await.unwrap();
    assert_eq!(*seen.lock().unwrap(), [(true, event.len())]);
}

#[tokio::test]
async fn an_event_that_does_not_decode_fails_the_invocation() {
    let probe = Probe::default();
    let function = EventBridgeFunction::new(factory(), router().handler(probe.clone()));
    let broken = state_change("e4", "running").replace(r#""source":"aws.ec2","#, "");
    let error = function
        .call(invocation(payload(&broken)))
        .await
        .unwrap_err();
    assert!(matches!(error, FunctionError::Decode(_)), "{error:?}");
    assert!(error.to_string().contains("source"), "{error}");
    let diagnostic = Diagnostic::from(error);
    assert_eq!(diagnostic.error_type, "DecodeError");
    assert!(probe.take().is_empty(), "no route ran");
}

#[tokio::test]
async fn a_failing_handler_fails_the_invocation() {
    let probe = Probe::default();
    let function = EventBridgeFunction::new(factory(), router().handler(probe.clone()));
    let error = function
        .call(invocation(payload(&state_change("e5", "error"))))
        .await
        .unwrap_err();
    assert!(matches!(error, FunctionError::Handler(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the handler failed: route 0 failed: e5 refused"
    );
    assert_eq!(Diagnostic::from(error).error_type, "HandlerError");
}
