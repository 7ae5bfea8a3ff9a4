//! The generator's fixture types, used outside the events crate as users would use them.

use bridgecraft_events::{DetailSet, Event, EventDetail};
use serde_json::json;

use crate::golden::Detail;
use crate::golden::com_example_shop::order_placed::OrderPlacedStatus;
use crate::golden::com_example_shop::{self, OrderPlaced, StockChanged};

fn event(detail_type: &str, detail: serde_json::Value) -> serde_json::Value {
    json!({
        "version": "0", "id": "1", "detail-type": detail_type, "source": "com.example.shop",
        "account": "123456789012", "time": "2024-05-01T12:00:00Z", "region": "eu-west-1",
        "resources": [], "detail": detail,
    })
}

#[test]
fn the_detail_trait_names_the_pair() {
    assert_eq!(OrderPlaced::SOURCE, "com.example.shop");
    assert_eq!(StockChanged::DETAIL_TYPE, "Stock Changed");
    assert!(Detail::contains("com.example.shop", "Order Placed"));
    assert!(!Detail::contains("com.example.shop", "Order Cancelled"));
}

#[test]
fn enums_keep_values_they_do_not_know() {
    let detail = json!({
        "order-id": "o-1", "status": "lost-in-space", "placedAt": "2024-05-01T12:00:00.000Z",
        "type": "retail", "Type": 2, "items": [{"sku": "s", "quantity": 1, "Host": "a", "host": "b"}],
        "coupon": null, "note": null, "gift": true,
    });
    let event: Event<OrderPlaced> =
        serde_json::from_value(event("Order Placed", detail.clone())).unwrap();
    assert_eq!(
        event.detail.status,
        OrderPlacedStatus::Unknown("lost-in-space".into())
    );
    assert_eq!(event.detail.items[0].host.as_deref(), Some("a"));
    assert_eq!(event.detail.items[0].host2.as_deref(), Some("b"));
    assert_eq!(
        event.detail.extra["gift"],
        json!(true),
        "unlisted keys are kept"
    );
    // Everything comes back: the unlisted key, the null, the timestamp's own spelling.
    assert_eq!(serde_json::to_value(&event.detail).unwrap(), detail);
}

#[test]
fn unions_of_objects_merge_and_maps_stay_maps() {
    let detail = json!({
        "levels": {"warehouse-1": 4, "warehouse-2": 0},
        "change": {"order-id": "o-9", "quantity": 2},
        "reference": 42,
        "readOnly": true,
    });
    let event: Event<com_example_shop::Detail> =
        serde_json::from_value(event("Stock Changed", detail.clone())).unwrap();
    let com_example_shop::Detail::StockChanged(stock) = &event.detail else {
        panic!("{:?}", event.detail)
    };
    assert_eq!(stock.levels["warehouse-1"], 4);
    assert_eq!(stock.change.order_id.as_deref(), Some("o-9"));
    assert_eq!(stock.change.supplier, None);
    assert_eq!(stock.read_only, Some(true));
    assert_eq!(serde_json::to_value(&event.detail).unwrap(), detail);
}

#[test]
fn a_wrong_type_is_an_error_naming_the_field() {
    let detail = json!({"levels": {"w": "four"}, "change": {}});
    let error =
        serde_json::from_value::<Event<StockChanged>>(event("Stock Changed", detail)).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("invalid type: string \"four\", expected i64"),
        "{error}"
    );
}

#[test]
fn related_resources_follow_the_registry_fields() {
    let detail = json!({
        "order-id": "o-7", "status": "pending", "placedAt": "2024-05-01T12:00:00Z",
        "type": "retail", "Type": 1, "items": [], "shipping": {"carrier": "post"},
    });
    let placed: Event<Detail> = serde_json::from_value(event("Order Placed", detail)).unwrap();
    let related: Vec<(&str, &str)> = placed
        .detail
        .related()
        .iter()
        .map(|r| (r.cloudformation_type, r.identifier))
        .collect();
    // The warehouse is named without a property, so there is nothing to point at.
    assert_eq!(related, [("Shop::Order", "o-7"), ("Shop::Carrier", "post")]);

    let detail = json!({"order-id": "o-8", "status": "shipped", "placedAt": "2024-05-01T12:00:00Z",
                        "type": "retail", "Type": 1, "items": []});
    let without_shipping: Event<OrderPlaced> =
        serde_json::from_value(event("Order Placed", detail)).unwrap();
    assert_eq!(
        without_shipping.detail.related().len(),
        1,
        "a missing optional field relates nothing"
    );
}
