//! Timestamps that keep their text: checked when asked, written back exactly as they came.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An RFC 3339 timestamp, such as an event's `time`.
///
/// It keeps the text it came as, and parses it only when asked ([`to_utc`](Self::to_utc)), so
/// `2024-01-01T00:00:00.000Z` is written back as `2024-01-01T00:00:00.000Z`, and a text that
/// is not a timestamp (hand-written samples carry `2022-04-31T17:00:00Z`) decodes, is kept,
/// and is reported as drift instead of failing the event.
///
/// Besides RFC 3339 it reads the other spellings AWS services write: ISO 8601 with the offset
/// without a colon (`2019-12-02T19:00:00.000+0000`), AWS Health's RFC 1123
/// (`Sat, 05 Jun 2021 20:40:00 GMT`), and the Java spelling of CodeBuild and CloudTrail
/// records, in UTC, with or without a comma after the year (`Sep 1, 2017 4:12:29 PM`,
/// `Dec 12, 2024, 6:04:47 PM`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    text: Box<str>,
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
    /// A timestamp of `text`, checked only when it is read.
    pub fn from_text(text: impl Into<Box<str>>) -> Self {
        Self { text: text.into() }
    }

    /// The instant, in UTC, or why the text is not one.
    pub fn to_utc(&self) -> Result<DateTime<Utc>, TimestampError> {
        let text = &*self.text;
        DateTime::parse_from_rfc3339(text)
            .or_else(|reason| {
                DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z").map_err(|_| reason)
            })
            .or_else(|reason| DateTime::parse_from_rfc2822(text).map_err(|_| reason))
            .map(|value| value.with_timezone(&Utc))
            .or_else(|reason| {
                NaiveDateTime::parse_from_str(text, "%b %d, %Y %I:%M:%S %p")
                    .or_else(|_| NaiveDateTime::parse_from_str(text, "%b %d, %Y, %I:%M:%S %p"))
                    .map(|value| value.and_utc())
                    .map_err(|_| reason)
            })
            .map_err(|reason| TimestampError {
                text: text.to_owned(),
                reason,
            })
    }

    /// The text as it was received.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Self::from_text(value.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    /// A timestamp of `text`, checked now.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let timestamp = Self::from_text(text);
        timestamp.to_utc()?;
        Ok(timestamp)
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
    /// Any string; [`to_utc`](Self::to_utc) says whether it is a timestamp.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from_text)
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
            ts.to_utc().unwrap(),
            "2024-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        let ts: Timestamp = "2024-01-01T02:00:00+02:00".parse().unwrap();
        assert_eq!(
            ts.to_utc().unwrap().to_rfc3339(),
            "2024-01-01T00:00:00+00:00"
        );
        let ts = Timestamp::from_text("2019-12-02T19:00:00.000+0000");
        assert_eq!(
            ts.to_utc().unwrap().to_rfc3339(),
            "2019-12-02T19:00:00+00:00"
        );
        let ts = Timestamp::from_text("Sat, 05 Jun 2021 20:40:00 GMT");
        assert_eq!(
            ts.to_utc().unwrap().to_rfc3339(),
            "2021-06-05T20:40:00+00:00"
        );
        let ts = Timestamp::from_text("Sep 1, 2017 4:12:29 PM");
        assert_eq!(
            ts.to_utc().unwrap().to_rfc3339(),
            "2017-09-01T16:12:29+00:00"
        );
        let ts = Timestamp::from_text("Dec 12, 2024, 6:04:47 PM");
        assert_eq!(
            ts.to_utc().unwrap().to_rfc3339(),
            "2024-12-12T18:04:47+00:00"
        );
    }

    #[test]
    fn text_that_is_no_timestamp_is_kept_and_fails_when_read() {
        let ts: Timestamp = serde_json::from_str(r#""2022-04-31T17:00:00Z""#).unwrap();
        assert_eq!(ts.as_str(), "2022-04-31T17:00:00Z");
        let err = ts.to_utc().unwrap_err();
        assert!(
            err.to_string()
                .contains("expected an RFC 3339 timestamp, found `2022-04-31T17:00:00Z`"),
            "{err}"
        );
        assert!("date".parse::<Timestamp>().is_err());
    }
}
