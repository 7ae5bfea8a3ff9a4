//! CEL filters as AutoKitteh documents them, on EventBridge events: string functions, `in`,
//! `size`, indexing into lists and maps, and the errors.

use std::time::Duration;

use bridgecraft_router::{CelError, CelExpression, Filter, Subscriptions};

use crate::support::*;

fn matches(expression: &str, event: &str) -> bool {
    CelExpression::compile(expression)
        .unwrap_or_else(|error| panic!("{error}"))
        .matches_json(event)
        .unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn string_functions_and_comparisons() {
    let stopped = ec2_state_change("c1", "stopped");
    for (expression, expected) in [
        (
            "detail_type == 'EC2 Instance State-change Notification' || detail_type == 'Order Placed'",
            true,
        ),
        ("detail_type.startsWith('EC2')", true),
        ("detail_type.startsWith('Order')", false),
        ("detail_type.endsWith('Notification')", true),
        ("source.contains('ec2')", true),
        ("source.contains('s3')", false),
        ("detail_type.matches('^EC2 .*State-change')", true),
        ("detail_type.matches('^S3')", false),
        (
            "detail['instance-id'] == 'i-c1' && region == 'us-east-1'",
            true,
        ),
        (
            "account == '123456789012' && id == 'c1' && version == '0'",
            true,
        ),
        ("time.startsWith('2024-05-01')", true),
    ] {
        assert_eq!(matches(expression, &stopped), expected, "{expression}");
    }
}

#[test]
fn the_issue_example_in_a_list() {
    let expression = "detail_type.startsWith('EC2') && detail.state in ['stopped', 'terminated']";
    assert!(matches(expression, &ec2_state_change("c2", "terminated")));
    assert!(!matches(expression, &ec2_state_change("c3", "running")));
}

#[test]
fn size_and_indexing_into_lists_and_maps() {
    let order = order("o1");
    for (expression, expected) in [
        ("size(detail.items) == 2", true),
        ("size(resources) == 0", true),
        (
            "detail.items[0] == 'book' && detail.items[1] == 'pen'",
            true,
        ),
        ("'pen' in detail.items", true),
        ("detail.tags['team'] == 'core'", true),
        ("detail.tags.priority == 'high'", true),
        ("'team' in detail.tags && !('owner' in detail.tags)", true),
        ("size(detail.tags) == 2", true),
        ("has(detail.tags) && !has(detail.discount)", true),
        ("detail.items.exists(item, item.startsWith('bo'))", true),
        ("detail.items.all(item, size(item) == 3)", false),
        ("detail.total > 40.0 && detail.total < 50.0", true),
        ("replay_name == 'nightly'", true),
    ] {
        assert_eq!(matches(expression, &order), expected, "{expression}");
    }
    let ec2 = ec2_state_change("c4", "running");
    assert!(matches(
        "resources[0].startsWith('arn:aws:ec2:') && size(resources) == 1",
        &ec2
    ));
    // Keys outside the envelope are variables only where the event has them.
    let replayed = CelExpression::compile("replay_name == 'nightly'").unwrap();
    assert!(replayed.matches_json(&ec2).is_err());
}

#[test]
fn envelope_fields_an_event_lacks_are_null() {
    let bare = r#"{"id":"b1","detail-type":"Tick","source":"com.example.clock","time":"2024-05-01T12:00:00Z","region":"us-east-1","detail":{}}"#;
    assert!(matches("account == null && version == null", bare));
    assert!(matches("size(detail) == 0", bare));
}

#[test]
fn an_expression_that_does_not_parse_is_an_error_when_made() {
    let error = Filter::cel("detail.state in").unwrap_err();
    let CelError::Parse {
        expression,
        message,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(expression, "detail.state in");
    assert!(message.contains("1:16"), "the place is named: {message}");
    assert!(
        error
            .to_string()
            .starts_with("CEL expression `detail.state in` does not parse"),
        "{error}"
    );
    assert!(matches!(
        CelExpression::compile("'unterminated"),
        Err(CelError::Parse { .. })
    ));
}

#[test]
fn an_unknown_function_is_an_error_when_made() {
    let error = Filter::cel("detail_type.startswith('EC2')").unwrap_err();
    assert_eq!(
        error,
        CelError::UnknownFunction {
            expression: "detail_type.startswith('EC2')".into(),
            function: "startswith".into(),
        }
    );
    assert_eq!(
        error.to_string(),
        "CEL expression `detail_type.startswith('EC2')` calls `startswith`, which is not a CEL function"
    );
    assert!(matches!(
        CelExpression::compile("frobnicate(detail) && source == 'a'"),
        Err(CelError::UnknownFunction { function, .. }) if function == "frobnicate"
    ));
}

#[test]
fn failures_on_an_event_are_errors_and_do_not_match() {
    let running = ec2_state_change("c5", "running");
    let missing = CelExpression::compile("detail.owner == 'me'").unwrap();
    let error = missing.matches_json(&running).unwrap_err();
    assert!(error.to_string().contains("owner"), "{error}");
    assert!(
        !Filter::cel("detail.owner == 'me'")
            .unwrap()
            .matches(&delivery(&running))
    );

    let not_bool = CelExpression::compile("detail.state").unwrap();
    let error = not_bool.matches_json(&running).unwrap_err();
    assert!(error.message.contains("not a boolean"), "{error}");

    let error = missing.matches_json("[1, 2]").unwrap_err();
    assert!(error.message.contains("not a JSON object"), "{error}");
    assert_eq!(missing.as_str(), "detail.owner == 'me'");
}

#[tokio::test]
async fn subscriptions_take_cel_filters() {
    let subscriptions = Subscriptions::new();
    let ec2_down = subscriptions.subscribe(
        Filter::cel("detail_type.startsWith('EC2') && detail.state in ['stopped', 'terminated']")
            .unwrap(),
    );
    let core_orders =
        subscriptions.subscribe(Filter::cel("detail.tags['team'] == 'core'").unwrap());
    for event in [
        ec2_state_change("s1", "running"),
        ec2_state_change("s2", "stopped"),
        order("s3"),
        unknown_event("s4"),
        ec2_state_change("s5", "terminated"),
    ] {
        subscriptions.publish(delivery(&event));
    }
    let mut seen = Vec::new();
    while let Some((handle, delivery)) = subscriptions
        .next_event(&[ec2_down, core_orders], Duration::from_millis(50))
        .await
    {
        seen.push((
            handle == ec2_down,
            delivery.event.id().unwrap_or_default().to_owned(),
        ));
    }
    let expected = [(true, "s2"), (false, "s3"), (true, "s5")].map(|(h, id)| (h, id.to_owned()));
    assert_eq!(seen, expected);
}
