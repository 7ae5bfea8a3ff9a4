//! The type written by hand, its published registry document, and the type generated from
//! that document: the same JSON both ways.

use std::collections::BTreeMap;
use std::path::Path;

use bridgecraft_events::{Event, Timestamp, registry_document};
use example_orders::events::payments;
use example_orders::refund::{RefundIssued, RefundLine, RefundReason};

use super::sample;

const DOCUMENT: &str = "schemas/com.example.payments@RefundIssued.json";

#[test]
fn the_published_document_is_the_hand_written_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DOCUMENT);
    let exported =
        serde_json::to_string_pretty(&registry_document::<RefundIssued>()).unwrap() + "\n";
    if std::env::var_os("BRIDGECRAFT_BLESS").is_some() {
        std::fs::write(&path, &exported).unwrap();
        return;
    }
    let published = std::fs::read_to_string(&path).unwrap();
    assert!(
        published == exported,
        "{DOCUMENT} is stale; rerun with BRIDGECRAFT_BLESS=1:\n{exported}"
    );
}

fn refunds() -> Vec<RefundIssued> {
    let full = RefundIssued {
        refund_id: "r-1".into(),
        order_id: "o-1".into(),
        amount_cents: 4599,
        reason: RefundReason::Damaged,
        issued_at: Timestamp::from_text("2024-03-18T13:04:59.250Z"),
        note: Some("sorry about the mug".into()),
        lines: vec![
            RefundLine {
                sku: "mug-007".into(),
                quantity: 1,
            },
            RefundLine {
                sku: "tee-001".into(),
                quantity: 3,
            },
        ],
        tags: BTreeMap::from([("desk".to_owned(), "support".to_owned())]),
    };
    let bare = RefundIssued {
        note: None,
        lines: Vec::new(),
        tags: BTreeMap::new(),
        reason: RefundReason::Goodwill,
        ..full.clone()
    };
    vec![full, bare]
}

#[test]
fn type_to_schema_to_generated_type_keeps_the_json() {
    for refund in refunds() {
        let json = serde_json::to_value(&refund).unwrap();
        let generated: payments::RefundIssued = serde_json::from_value(json.clone()).unwrap();
        let mut drift = Vec::new();
        bridgecraft_events::EventDetail::inspect_drift(
            &generated,
            &mut "detail".to_owned(),
            &mut drift,
        );
        assert!(drift.is_empty(), "{json}: {drift:?}");
        assert_eq!(serde_json::to_value(&generated).unwrap(), json);
        // And back: what the generated type writes, the hand-written one reads.
        let back: RefundIssued =
            serde_json::from_value(serde_json::to_value(&generated).unwrap()).unwrap();
        assert_eq!(back, refund);
    }
}

#[test]
fn the_sample_refund_reads_as_both_types() {
    let hand: Event<RefundIssued> = serde_json::from_str(&sample("refund-issued.json")).unwrap();
    let generated: Event<payments::RefundIssued> =
        serde_json::from_str(&sample("refund-issued.json")).unwrap();
    assert_eq!(hand.detail.reason, RefundReason::Cancelled);
    assert_eq!(
        generated.detail.reason,
        Some(payments::refund_issued::RefundReason::Cancelled)
    );
    assert_eq!(
        serde_json::to_value(&hand.detail).unwrap(),
        serde_json::to_value(&generated.detail).unwrap()
    );
}
