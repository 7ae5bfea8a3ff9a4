//! The detail types, factories and events of the tests.

use bridgecraft_events::EventDetail;
use bridgecraft_events::aws_ec2::Ec2InstanceStateChangeNotification;
use bridgecraft_factory::{Chain, Factory, Known, Or};
use bridgecraft_router::Delivery;
use serde::{Deserialize, Serialize};

/// A private event type of an application.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct OrderPlaced {
    pub order: String,
}

impl EventDetail for OrderPlaced {
    const SOURCE: &'static str = "com.example.orders";
    const DETAIL_TYPE: &'static str = "Order Placed";
}

bridgecraft_factory::detail_enum! {
    /// What the tests' application handles.
    #[derive(Clone, Debug)]
    pub enum AppDetail {
        StateChange(Ec2InstanceStateChangeNotification),
        Order(OrderPlaced),
    }
}

pub type AppFactory =
    Factory<AppDetail, Or<Known<Ec2InstanceStateChangeNotification>, Known<OrderPlaced>>>;

/// Decodes EC2 state changes and orders; everything else is unknown.
pub fn app_factory() -> AppFactory {
    Factory::new(Known::new().or(Known::new()))
}

/// Decodes orders only: EC2 state changes are unknown to it.
pub fn orders_only() -> Factory<AppDetail, Known<OrderPlaced>> {
    Factory::new(Known::new())
}

/// An `EC2 Instance State-change Notification` as EventBridge writes it.
pub fn ec2_state_change(id: &str, state: &str) -> String {
    format!(
        r#"{{"version":"0","id":"{id}","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-{id}"],"detail":{{"instance-id":"i-{id}","state":"{state}"}}}}"#
    )
}

/// An order, with tags and items to filter on.
pub fn order(id: &str) -> String {
    format!(
        r#"{{"version":"0","id":"{id}","detail-type":"Order Placed","source":"com.example.orders","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"eu-west-1","resources":[],"replay-name":"nightly","detail":{{"order":"{id}","items":["book","pen"],"tags":{{"team":"core","priority":"high"}},"total":42.5}}}}"#
    )
}

/// An event of a source no factory here knows.
pub fn unknown_event(id: &str) -> String {
    format!(
        r#"{{"version":"0","id":"{id}","detail-type":"Build Finished","source":"com.example.ci","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{{"ok":true}}}}"#
    )
}

pub fn delivery(json: &str) -> Delivery<AppDetail> {
    Delivery::from_event(&app_factory(), json).expect("the test event decodes")
}
