//! Shared helpers: where the corpus and the examples are, and detail types of a made-up
//! private source to chain with the AWS factory.

use std::path::{Path, PathBuf};

use bridgecraft_factory::{Aws, Chain, EventDetail, Factory, Known, Or};
use serde::{Deserialize, Serialize};

/// The shared corpus beside the workspace, if this checkout has it; in CI (`CI=true`) it must.
pub fn corpus() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    if dir.is_dir() {
        Some(dir.to_path_buf())
    } else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the shared corpus is missing at {}, and CI must test it",
            dir.display()
        );
        eprintln!(
            "the shared corpus is missing at {}: skipping",
            dir.display()
        );
        None
    }
}

/// The example events shipped at the workspace root.
pub fn example(name: &str) -> String {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/events")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `.json` file under `dir`, sorted.
pub fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The detail of `com.example.orders` / `Order Placed`, as in `custom-order-placed.json`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct OrderPlaced {
    pub order_id: String,
    pub customer: String,
    pub total_cents: u64,
    pub currency: String,
}

impl EventDetail for OrderPlaced {
    const SOURCE: &'static str = "com.example.orders";
    const DETAIL_TYPE: &'static str = "Order Placed";
}

/// The detail of `com.example.orders` / `Order Cancelled`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct OrderCancelled {
    pub order_id: String,
    #[serde(default)]
    pub reason: Option<String>,
}

impl EventDetail for OrderCancelled {
    const SOURCE: &'static str = "com.example.orders";
    const DETAIL_TYPE: &'static str = "Order Cancelled";
}

bridgecraft_factory::detail_enum! {
    /// What the tests' worker handles: its own orders and every AWS event.
    #[derive(Debug)]
    pub enum AppDetail {
        Placed(OrderPlaced),
        Cancelled(OrderCancelled),
        Aws(bridgecraft_events::Detail),
    }
}

pub type AppFactory = Factory<AppDetail, Or<Or<Known<OrderPlaced>, Known<OrderCancelled>>, Aws>>;

/// The orders types chained in front of the AWS ones.
pub fn app_factory() -> AppFactory {
    Factory::new(
        Known::<OrderPlaced>::new()
            .or(Known::<OrderCancelled>::new())
            .or(Aws),
    )
}

/// A `com.example.orders` event around `detail`, keys in EventBridge's order.
pub fn order_event(detail_type: &str, detail: &str) -> String {
    format!(
        r#"{{"version":"0","id":"e-1","detail-type":"{detail_type}","source":"com.example.orders","account":"123456789012","time":"2024-03-18T12:30:05Z","region":"eu-west-1","resources":[],"detail":{detail}}}"#
    )
}
