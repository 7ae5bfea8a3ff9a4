//! The shop's address type, used in the generated `OrderPlaced` in place of a generated one.

use serde::{Deserialize, Serialize};

/// A postal address.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct Address {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub postcode: String,
    /// ISO 3166-1 alpha-2.
    #[serde(default)]
    pub country: String,
}

// A value that is no address is kept as it came and reported, as in generated types.
bridgecraft_events::tolerant_via_serde!(Address);

impl std::fmt::Display for Address {
    /// The address on one line, as a label prints it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts = [
            &self.name,
            &self.street,
            &self.postcode,
            &self.city,
            &self.country,
        ];
        let parts: Vec<&str> = parts
            .iter()
            .map(|part| part.as_str())
            .filter(|part| !part.is_empty())
            .collect();
        f.write_str(&parts.join(", "))
    }
}
