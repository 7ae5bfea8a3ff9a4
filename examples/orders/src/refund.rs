//! A detail type written by hand, whose registry document the service publishes: the
//! document in `schemas/` is [`registry_document`](bridgecraft_events::registry_document) of
//! it (a test keeps it so), and the generated `events::payments::RefundIssued` has the same
//! JSON shape.

use std::collections::BTreeMap;

use bridgecraft_events::{EventDetail, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Money was paid back to a customer.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
pub struct RefundIssued {
    pub refund_id: String,
    pub order_id: String,
    /// In cents of the order's currency.
    pub amount_cents: i64,
    pub reason: RefundReason,
    pub issued_at: Timestamp,
    /// For the customer, when support wrote one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub lines: Vec<RefundLine>,
    /// Free-form labels, by name.
    pub tags: BTreeMap<String, String>,
}

/// Why money was paid back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefundReason {
    Cancelled,
    Damaged,
    Goodwill,
}

/// One line of the order paid back.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
pub struct RefundLine {
    pub sku: String,
    pub quantity: u32,
}

impl EventDetail for RefundIssued {
    const SOURCE: &'static str = "com.example.payments";
    const DETAIL_TYPE: &'static str = "Refund Issued";
}
