// placeholder until `cargo xtask regen` writes this module
/// Every detail type this build knows.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(untagged)]
pub enum Detail {
    /// A detail whose source and detail-type no enabled module knows, kept as it came.
    Unknown(Box<serde_json::value::RawValue>),
}
