//! Timestamps that are checked on decoding and written back exactly as they came.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An RFC 3339 timestamp, such as an event's `time`.
///
/// Decoding checks that the text is a real timestamp; serializing writes the original text
/// back unchanged, so `2024-01-01T00:00:00.000Z` does not come back as `2024-01-01T00:00:00Z`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Timestamp {
    text: Box<str>,
    value: DateTime<Utc>,
}

/// Text that is not an RFC 3339 timestamp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampError {
    text: String,
    reason: chrono::ParseError,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected an RFC 3339 timestamp, found `{}`: {}",
            self.text, self.reason
        )
    }
}

impl std::error::Error for TimestampError {}

impl Timestamp {
    /// The instant, in UTC.
    pub fn to_utc(&self) -> DateTime<Utc> {
        self.value
    }

    /// The text as it was received.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        let text = value
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            .into();
        Self { text, value }
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match DateTime::parse_from_rfc3339(text) {
            Ok(value) => Ok(Self {
                text: text.into(),
                value: value.with_timezone(&Utc),
            }),
            Err(reason) => Err(TimestampError {
                text: text.to_owned(),
                reason,
            }),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_original_text() {
        let ts: Timestamp = "2024-01-01T00:00:00.000Z".parse().unwrap();
        assert_eq!(
            serde_json::to_string(&ts).unwrap(),
            r#""2024-01-01T00:00:00.000Z""#
        );
        assert_eq!(
            ts.to_utc(),
            "2024-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        let ts: Timestamp = "2024-01-01T02:00:00+02:00".parse().unwrap();
        assert_eq!(ts.to_utc().to_rfc3339(), "2024-01-01T00:00:00+00:00");
    }

    #[test]
    fn placeholders_are_rejected_with_the_text() {
        let err = serde_json::from_str::<Timestamp>(r#""date""#).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected an RFC 3339 timestamp, found `date`"),
            "{err}"
        );
    }
}
