//! The generator's fixture types, used outside the events crate as users would use them.

use bridgecraft_events::{DetailSet, Event, EventDetail};
use serde_json::json;

use crate::golden::Detail;
use crate::golden::com_example_shop::order_placed::Status;
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
        Some(Status::Unknown("lost-in-space".into()))
    );
    let items = event.detail.items.as_deref().unwrap();
    assert_eq!(items[0].host.as_deref(), Some("a"));
    assert_eq!(items[0].host2.as_deref(), Some("b"));
    assert_eq!(
        event.detail.extra.get("gift").unwrap().get(),
        "true",
        "unlisted keys are kept"
    );
    // Everything comes back: the unlisted key, the nulls, the timestamp's own spelling.
    assert_eq!(serde_json::to_value(&event.detail).unwrap(), detail);
    let drift: Vec<String> = event.drift().iter().map(ToString::to_string).collect();
    assert_eq!(
        drift,
        [
            "detail.gift\tunlisted\tnot in the schema\ttrue",
            "detail.status\tunknown value\tStatus\t\"lost-in-space\""
        ],
        "documented nulls are no drift; an unknown enum value and an unlisted key are"
    );
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
    assert_eq!(stock.levels.as_ref().unwrap()["warehouse-1"], 4);
    let change = stock.change.as_ref().unwrap();
    assert_eq!(change.order_id.as_deref(), Some("o-9"));
    assert_eq!(change.supplier, None);
    assert_eq!(stock.read_only, Some(true));
    assert_eq!(serde_json::to_value(&event.detail).unwrap(), detail);
}

#[test]
fn a_value_of_another_type_is_kept_reported_and_written_back() {
    let detail = json!({
        "levels": {"w": "four", "v": 1},
        "change": {"order-id": 17, "quantity": "2", "supplier": {"name": "acme"}},
        "readOnly": "yes",
    });
    let event: Event<StockChanged> =
        serde_json::from_value(event("Stock Changed", detail.clone())).unwrap();
    assert_eq!(
        event.detail.levels, None,
        "a map with a value that does not fit is kept whole"
    );
    assert_eq!(event.detail.read_only, None);
    let change = event.detail.change.as_ref().unwrap();
    assert_eq!(
        change.order_id.as_deref(),
        Some("17"),
        "a number converts to a string"
    );
    assert_eq!(change.quantity, Some(2), "and a string to a number");
    assert_eq!(change.supplier, None);
    assert_eq!(serde_json::to_value(&event.detail).unwrap(), detail);
    let mut drift: Vec<String> = event.drift().iter().map(ToString::to_string).collect();
    drift.sort();
    assert_eq!(
        drift,
        [
            "detail.change.order-id\tcoerced\tstring\t17",
            "detail.change.quantity\tcoerced\tinteger\t\"2\"",
            "detail.change.supplier\tmisfit\tstring\t{\"name\":\"acme\"}",
            "detail.levels.w\tmisfit\tinteger\t\"four\"",
            "detail.readOnly\tmisfit\tboolean\t\"yes\"",
        ]
    );
}

#[test]
fn a_detail_sent_as_a_json_string_decodes_and_is_written_back_as_one() {
    let inner = r#"{"order-id":"o-5","status":"pending"}"#;
    let value = event("Order Placed", json!(inner));
    let event: Event<OrderPlaced> = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(event.detail.order_id, "o-5");
    assert_eq!(event.detail.status, Some(Status::Pending));
    assert!(event.detail.extra.came_as_json_string());
    assert_eq!(serde_json::to_value(&event).unwrap(), value);
}

#[test]
fn a_field_recorded_as_always_present_must_be_there() {
    let error = serde_json::from_value::<Event<OrderPlaced>>(event(
        "Order Placed",
        json!({"status": "pending"}),
    ))
    .unwrap_err()
    .to_string();
    assert!(
        error.contains(
            "missing `order-id` of com_example_shop::OrderPlaced, recorded as always present"
        ),
        "{error}"
    );
    let error = serde_json::from_value::<Event<OrderPlaced>>(event(
        "Order Placed",
        json!({"order-id": [1]}),
    ))
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("`order-id` of com_example_shop::OrderPlaced, recorded as always present, is an array where string is declared"),
        "{error}"
    );
    let error = serde_json::from_value::<Event<OrderPlaced>>(event("Order Placed", json!([1])))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("expected a JSON object for com_example_shop::OrderPlaced, found an array"),
        "{error}"
    );
}

#[test]
fn related_resources_follow_the_registry_fields() {
    let detail = json!({
        "order-id": "o-7", "status": "pending", "placedAt": "2024-05-01T12:00:00Z",
        "type": "retail", "Type": 1, "shipping": {"carrier": "post"},
        "items": [{"sku": "s-1", "quantity": 1}, {"quantity": 2}, {"sku": "s-2", "quantity": 1}],
    });
    let placed: Event<Detail> = serde_json::from_value(event("Order Placed", detail)).unwrap();
    let related: Vec<(&str, &str)> = placed
        .detail
        .related()
        .iter()
        .map(|r| (r.cloudformation_type, r.identifier))
        .collect();
    // The warehouse is named without a property, so there is nothing to point at; every item
    // of the list names its product, and the item without a `sku` none.
    assert_eq!(
        related,
        [
            ("Shop::Order", "o-7"),
            ("Shop::Carrier", "post"),
            ("Shop::Product", "s-1"),
            ("Shop::Product", "s-2")
        ]
    );

    let detail = json!({"order-id": "o-8", "status": "shipped"});
    let without_shipping: Event<OrderPlaced> =
        serde_json::from_value(event("Order Placed", detail)).unwrap();
    assert_eq!(
        without_shipping.detail.related().len(),
        1,
        "a missing optional field relates nothing"
    );
}

#[test]
fn tagged_unions_decode_the_member_their_tag_names() {
    use crate::golden::com_example_shop::order_placed::{Payment, PaymentGiftCardMethod, Refund};

    let payments = json!([
        {"method": "card", "last4": "4242", "expires": "2027-01-31T00:00:00Z"},
        {"iban": "NL00BANK0123456789", "method": "bank-transfer", "reference": 7},
        {"method": "gift-card", "code": "G-1", "items": [{"sku": "s", "quantity": "2"}], "shipping": {"carrier": "post"}},
        {"method": "crypto", "wallet": {"b": 1, "a": 2}},
        {"last4": "4242"},
    ]);
    let mut decoded = Vec::new();
    for (index, payment) in payments.as_array().unwrap().iter().enumerate() {
        let detail = json!({"order-id": format!("o-{index}"), "payment": payment, "refund": {"via": "Cash", "amount": 5}});
        let text = event("Order Placed", detail.clone()).to_string();
        // From text, as events arrive, so that the union's object is read in one pass.
        let event: Event<OrderPlaced> = serde_json::from_str(&text).unwrap();
        assert_eq!(
            serde_json::to_value(&event.detail).unwrap(),
            detail,
            "{payment}: written back as it came"
        );
        let drift: Vec<String> = event.drift().iter().map(ToString::to_string).collect();
        decoded.push((event.detail.payment.unwrap(), drift));
        assert!(matches!(event.detail.refund, Some(Refund::Cash(_))));
    }
    let [card, bank, gift, crypto, untagged] = &decoded[..] else {
        panic!("{decoded:?}")
    };
    let (Payment::Card(card_member), []) = (&card.0, &card.1[..]) else {
        panic!("{card:?}")
    };
    assert_eq!(card_member.last4.as_deref(), Some("4242"));
    assert_eq!(card_member.method.as_deref(), Some("card"));
    let Payment::BankTransfer(bank_member) = &bank.0 else {
        panic!("{bank:?}")
    };
    assert_eq!(bank_member.iban.as_deref(), Some("NL00BANK0123456789"));
    assert_eq!(
        bank.1,
        ["detail.payment.reference\tcoerced\tstring\t7"],
        "drift inside the member is reported below the union"
    );
    let Payment::GiftCard(gift_member) = &gift.0 else {
        panic!("{gift:?}")
    };
    assert_eq!(gift_member.method, Some(PaymentGiftCardMethod::GiftCard));
    assert_eq!(gift_member.items.as_ref().unwrap()[0].quantity, Some(2));
    assert_eq!(
        gift.1,
        ["detail.payment.items[0].quantity\tcoerced\tinteger\t\"2\""]
    );
    let Payment::Unknown(kept) = &crypto.0 else {
        panic!("{crypto:?}")
    };
    assert_eq!(
        kept.raw().get(),
        r#"{"method":"crypto","wallet":{"a":2,"b":1}}"#
    );
    assert_eq!(
        crypto.1,
        [
            "detail.payment.method\tunknown value\t\"card\" | \"bank-transfer\" | \"gift-card\"\t\"crypto\""
        ]
    );
    assert!(matches!(untagged.0, Payment::Unknown(_)));
    assert_eq!(
        untagged.1,
        [
            "detail.payment\tmisfit\tan object with `method` \"card\" | \"bank-transfer\" | \"gift-card\"\t{\"last4\":\"4242\"}"
        ]
    );
}

#[test]
fn a_discriminator_maps_its_values_and_names_the_rest_after_their_schemas() {
    use crate::golden::com_example_shop::order_placed::Refund;

    for (refund, drift) in [
        (json!({"via": "store-credit", "amount": 5}), None),
        // `Cash` does not list `via`: the tag is kept and written back, and is no drift.
        (json!({"amount": 5, "via": "Cash", "currency": "EUR"}), None),
        (
            json!({"via": "cheque"}),
            Some("detail.refund.via\tunknown value\t\"store-credit\" | \"Cash\"\t\"cheque\""),
        ),
        (
            json!("ten euros"),
            Some("detail.refund\tmisfit\tcom_example_shop::order_placed::Refund\t\"ten euros\""),
        ),
    ] {
        let detail = json!({"order-id": "o-1", "refund": refund});
        let event: Event<OrderPlaced> =
            serde_json::from_value(event("Order Placed", detail.clone())).unwrap();
        assert_eq!(serde_json::to_value(&event.detail).unwrap(), detail);
        let found: Vec<String> = event.drift().iter().map(ToString::to_string).collect();
        assert_eq!(found, Vec::from_iter(drift.map(str::to_owned)), "{refund}");
        match (&event.detail.refund, refund["via"].as_str()) {
            (Some(Refund::StoreCredit(credit)), Some("store-credit")) => {
                assert_eq!(credit.via.as_deref(), Some("store-credit"))
            }
            (Some(Refund::Cash(cash)), Some("Cash")) => {
                assert_eq!(cash.currency.as_deref(), Some("EUR"))
            }
            (Some(Refund::Unknown(_)), Some("cheque")) | (None, None) => {}
            other => panic!("{refund}: {other:?}"),
        }
    }
}
