//! Each sample event decoded typed, without drift, and sent to its handler.

use bridgecraft_events::{Event, EventDetail};
use bridgecraft_factory::{Decoded, EventFactory};
use example_orders::events::orders::order_placed::Payment;
use example_orders::events::orders::order_shipped::Carrier;
use example_orders::events::orders::{OrderPlaced, OrderShipped};
use example_orders::{AppDetail, Ledger, factory, router};

use super::sample;

/// Routes one event; returns what the handlers noted.
fn route(name: &str) -> Vec<String> {
    let ledger = Ledger::default();
    let report = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(router().trigger_json(&factory(), &sample(name), ledger.clone()))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(report.errors.is_empty(), "{name}: {:?}", report.errors);
    ledger.lock().unwrap().clone()
}

#[test]
fn every_event_of_the_service_has_its_handler() {
    assert_eq!(
        route("order-placed.json"),
        [r#"placed o-1002 12998 GBP, 2 items, to "Leeds""#]
    );
    assert_eq!(route("order-shipped.json"), ["shipped o-1002 by postnl"]);
    assert_eq!(
        route("order-cancelled.json"),
        ["cancelled o-1001, refunding Some(4599)"]
    );
    assert_eq!(route("refund-issued.json"), ["refunded o-1001"]);
    // The project's own example of a custom event, which the AWS types alone leave unknown.
    assert_eq!(
        route("custom-order-placed.json"),
        [r#"placed o-1001 4599 EUR, 0 items, to """#]
    );
    // AWS's events come through the chained AWS factory.
    assert_eq!(
        route("ec2-instance-state-change.json"),
        ["aws.ec2 EC2 Instance State-change Notification"]
    );
}

#[test]
fn every_sample_decodes_typed_without_drift_and_writes_back_what_came() {
    for name in [
        "order-placed.json",
        "order-shipped.json",
        "order-cancelled.json",
        "refund-issued.json",
        "custom-order-placed.json",
    ] {
        let text = sample(name);
        let Decoded::Typed(event) = factory().decode_event(&text).unwrap() else {
            panic!("{name}: not typed")
        };
        let AppDetail::Own(detail) = &event.detail else {
            panic!("{name}: {:?}", event.detail)
        };
        let mut drift = Vec::new();
        bridgecraft_events::DetailSet::inspect_drift(detail, &mut "detail".to_owned(), &mut drift);
        assert!(drift.is_empty(), "{name}: {drift:?}");
        let came: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_value(&event).unwrap(), came, "{name}");
    }
}

#[test]
fn the_build_scripts_options_shape_the_types() {
    // `extern_path`: the shop's own address type, with its own methods.
    let event: Event<OrderPlaced> = serde_json::from_str(&sample("order-placed.json")).unwrap();
    let address = event.detail.shipping_address.unwrap();
    assert_eq!(
        address.to_string(),
        "A. Customer, 1 High Street, LS1 1AA, Leeds, GB"
    );
    // The payment's `kind` tells its members apart: an enum of them (see `payment.rs`).
    let Some(Payment::Card(card)) = event.detail.payment else {
        panic!("{:?}", event.detail.payment)
    };
    assert_eq!(card.card_last4.as_deref(), Some("4242"));
    // A map, and a union of a string and an integer.
    assert_eq!(event.detail.metadata.unwrap()["channel"], "web");
    assert_eq!(event.detail.coupon, Some(serde_json::json!(1977)));
    // `derive` and `field_attribute`: a carrier by default.
    assert_eq!(Carrier::default(), Carrier::Postnl);
    assert_eq!(OrderShipped::DETAIL_TYPE, "Order Shipped");
}

#[test]
fn a_value_that_does_not_fit_the_users_own_type_is_kept_and_reported() {
    let mut json: serde_json::Value = serde_json::from_str(&sample("order-placed.json")).unwrap();
    json["detail"]["shipping_address"] = serde_json::json!("collect in store");
    let event: Event<OrderPlaced> = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(event.detail.shipping_address, None);
    let drift: Vec<String> = event.drift().iter().map(ToString::to_string).collect();
    assert_eq!(
        drift,
        ["detail.shipping_address\tmisfit\tAddress\t\"collect in store\""]
    );
    assert_eq!(serde_json::to_value(&event).unwrap(), json);
}
