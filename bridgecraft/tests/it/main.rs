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

/// A private source end to end through the facade alone: samples discovered into a registry
/// document, and the document generated into Rust.
#[cfg(all(feature = "discover", feature = "codegen"))]
#[test]
fn discovery_and_the_generator_are_reachable_through_the_facade() {
    use bridgecraft::codegen::{Config, Document};
    use bridgecraft::discover::Catalog;

    let mut catalog = Catalog::new();
    let tally = catalog.add_json(
        r#"{"source":"my.orders","detail-type":"Order Placed","detail":{"order-id":"o-1","total":12}}"#,
    );
    assert_eq!(tally.events, 1, "{tally:?}");
    let documents = catalog.documents();
    let [discovered] = documents.as_slice() else {
        panic!("one document: {documents:?}");
    };
    let document = Document::parse(&discovered.path, &discovered.text()).unwrap();
    let output = Config::new().generate(vec![document]).unwrap();
    let code = &output.files["my_orders/order_placed.rs"];
    assert!(code.contains("pub order_id: Option<String>"), "{code}");
}

#[cfg(feature = "resolve")]
#[test]
fn the_resolver_is_reachable_through_the_facade() {
    fn is_resolver<R: bridgecraft::resolve::Resolver>() {}
    is_resolver::<bridgecraft::resolve::SqsQueues>();
}

#[cfg(feature = "schemars")]
#[test]
fn registry_documents_of_hand_written_types_are_reachable_through_the_facade() {
    use bridgecraft::events::{EventDetail, registry_document};

    #[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
    struct OrderPlaced {
        order_id: String,
    }
    impl EventDetail for OrderPlaced {
        const SOURCE: &'static str = "my.orders";
        const DETAIL_TYPE: &'static str = "Order Placed";
    }

    let document = registry_document::<OrderPlaced>();
    let event = &document["components"]["schemas"]["AWSEvent"];
    assert_eq!(event["x-amazon-events-source"], "my.orders");
}
