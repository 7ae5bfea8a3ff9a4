//! The payment of an order: a `oneOf` whose `kind` tells card, bank transfer and voucher apart,
//! generated as an enum of them.

use bridgecraft_events::{Event, Tagged};
use example_orders::events::orders::OrderPlaced;
use example_orders::events::orders::order_placed::{CardPaymentBrand, Payment};
use serde_json::{Value, json};

use super::sample;

/// The sample order, paid with `payment`, decoded from its text as events arrive; and its drift.
fn paid_with(payment: Value) -> (Event<OrderPlaced>, Value, Vec<String>) {
    let mut json: Value = serde_json::from_str(&sample("order-placed.json")).unwrap();
    json["detail"]["payment"] = payment;
    let event: Event<OrderPlaced> = serde_json::from_str(&json.to_string()).unwrap();
    let drift = event.drift().iter().map(ToString::to_string).collect();
    (event, json, drift)
}

#[test]
fn each_kind_of_payment_decodes_into_its_own_type() {
    let (event, _, drift) =
        paid_with(json!({"kind": "card", "card_last4": "4242", "brand": "amex"}));
    let Some(Payment::Card(card)) = &event.detail.payment else {
        panic!("{:?}", event.detail.payment)
    };
    assert_eq!(card.brand, Some(CardPaymentBrand::Amex));
    assert_eq!(card.kind.as_deref(), Some("card"));
    assert!(drift.is_empty(), "{drift:?}");

    // The tag need not come first.
    let (event, _, drift) = paid_with(
        json!({"iban": "GB33BUKB20201555555555", "reference": "o-1002", "kind": "bank_transfer"}),
    );
    let Some(Payment::BankTransfer(transfer)) = &event.detail.payment else {
        panic!("{:?}", event.detail.payment)
    };
    assert_eq!(transfer.iban.as_deref(), Some("GB33BUKB20201555555555"));
    assert_eq!(transfer.reference.as_deref(), Some("o-1002"));
    assert!(drift.is_empty(), "{drift:?}");

    let (event, _, drift) =
        paid_with(json!({"kind": "voucher", "code": "SPRING", "value_cents": 500}));
    let Some(Payment::Voucher(voucher)) = &event.detail.payment else {
        panic!("{:?}", event.detail.payment)
    };
    assert_eq!(voucher.code.as_deref(), Some("SPRING"));
    assert_eq!(voucher.value_cents, Some(500));
    assert!(drift.is_empty(), "{drift:?}");
    assert_eq!(Payment::TAGS, ["card", "bank_transfer", "voucher"]);
}

#[test]
fn a_kind_no_member_has_is_kept_as_it_came_and_reported() {
    let (event, json, drift) =
        paid_with(json!({"kind": "crypto", "wallet": "0xabc", "chain": {"id": 1}}));
    let Some(Payment::Unknown(kept)) = &event.detail.payment else {
        panic!("{:?}", event.detail.payment)
    };
    assert_eq!(kept.tag("kind"), Some(json!("crypto")));
    assert_eq!(
        drift,
        [
            "detail.payment.kind\tunknown value\t\"card\" | \"bank_transfer\" | \"voucher\"\t\"crypto\""
        ]
    );
    assert_eq!(serde_json::to_value(&event).unwrap(), json);

    // No kind, or one that is no string.
    let (event, json, drift) = paid_with(json!({"card_last4": "4242"}));
    assert!(matches!(event.detail.payment, Some(Payment::Unknown(_))));
    assert_eq!(
        drift,
        [
            "detail.payment\tmisfit\tan object with `kind` \"card\" | \"bank_transfer\" | \"voucher\"\t{\"card_last4\":\"4242\"}"
        ]
    );
    assert_eq!(serde_json::to_value(&event).unwrap(), json);
    let (_, _, drift) = paid_with(json!({"kind": 3}));
    assert_eq!(
        drift,
        ["detail.payment.kind\tunknown value\t\"card\" | \"bank_transfer\" | \"voucher\"\t3"]
    );
}

#[test]
fn what_does_not_fit_a_member_is_drift_at_its_path_and_written_back() {
    let (event, json, drift) = paid_with(json!({
        "kind": "voucher", "code": 7, "value_cents": "five hundred", "issued_by": "shop"
    }));
    let Some(Payment::Voucher(voucher)) = &event.detail.payment else {
        panic!("{:?}", event.detail.payment)
    };
    assert_eq!(
        voucher.code.as_deref(),
        Some("7"),
        "a number converts to a string"
    );
    assert_eq!(voucher.value_cents, None);
    assert_eq!(
        drift,
        [
            "detail.payment.code\tcoerced\tstring\t7",
            "detail.payment.issued_by\tunlisted\tnot in the schema\t\"shop\"",
            "detail.payment.value_cents\tmisfit\tinteger\t\"five hundred\"",
        ]
    );
    assert_eq!(serde_json::to_value(&event).unwrap(), json);

    // A payment that is no object at all is kept by the order.
    let (event, json, drift) = paid_with(json!("cash on delivery"));
    assert_eq!(event.detail.payment, None);
    assert_eq!(
        drift,
        ["detail.payment\tmisfit\torders::order_placed::Payment\t\"cash on delivery\""]
    );
    assert_eq!(serde_json::to_value(&event).unwrap(), json);
}
