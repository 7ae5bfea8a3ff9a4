//! The facade's features (and the tool's) agree with the events crate's sources, and the
//! facade's parts are reachable.

use std::collections::BTreeSet;

/// The features of a manifest whose names start with `aws`.
fn source_features(manifest: &str) -> BTreeSet<String> {
    let features = manifest
        .split_once("\n[features]\n")
        .expect("the manifest has features")
        .1;
    features
        .lines()
        .take_while(|line| !line.starts_with('['))
        .filter_map(|line| line.split_once(" = "))
        .map(|(name, _)| name.trim().to_owned())
        .filter(|name| name == "aws" || name.starts_with("aws-"))
        .collect()
}

#[test]
fn every_source_of_the_events_crate_is_a_feature_here_and_of_the_tool() {
    let events = source_features(include_str!("../../../events/Cargo.toml"));
    assert_eq!(events.len(), 88, "aws and 87 sources");
    for (manifest, text) in [
        ("bridgecraft/Cargo.toml", include_str!("../../Cargo.toml")),
        ("cli/Cargo.toml", include_str!("../../../cli/Cargo.toml")),
    ] {
        assert_eq!(
            source_features(text),
            events,
            "{manifest} lists the sources of events/Cargo.toml"
        );
    }
}

#[cfg(all(feature = "factory", feature = "router", feature = "aws-ec2"))]
#[test]
fn the_parts_are_reachable_through_the_facade() {
    use bridgecraft::events::aws_ec2::Ec2InstanceStateChangeNotification;
    use bridgecraft::factory::{Factory, Known};
    use bridgecraft::router::{Delivery, Filter};

    let json = r#"{"version":"0","id":"1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{"instance-id":"i-1","state":"stopped"}}"#;
    let factory = Factory::<Ec2InstanceStateChangeNotification, _>::new(Known::new());
    let delivery = Delivery::from_event(&factory, json).unwrap();
    assert!(
        Filter::cel("detail.state == 'stopped'")
            .unwrap()
            .matches(&delivery)
    );
}
