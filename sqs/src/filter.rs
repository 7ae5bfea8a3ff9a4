//! Which events a route or a subscription wants.

use std::fmt;
use std::sync::Arc;

use bridgecraft_factory::Decoded;
use serde::Serialize;

type JsonPredicate = dyn Fn(&str) -> bool + Send + Sync;

/// Which events a route or a subscription wants.
///
/// [`Filter::json`] is where an event pattern plugs in: it sees the whole event as JSON (the
/// original text for unknown events, the typed event written back in EventBridge's key order
/// otherwise), which is what EventBridge patterns are matched against.
#[derive(Clone)]
pub enum Filter {
    /// Every event.
    Any,
    /// Events from this `source`.
    Source(String),
    /// Events of this `source` and `detail-type`.
    Type {
        /// The event's `source`.
        source: String,
        /// The event's `detail-type`.
        detail_type: String,
    },
    /// Events whose JSON the predicate accepts, such as those an event pattern matches.
    Json {
        /// What the predicate accepts, for listings.
        description: String,
        /// The predicate, called with the whole event as JSON.
        matches: Arc<JsonPredicate>,
    },
}

impl Filter {
    /// Events from `source`.
    pub fn source(source: impl Into<String>) -> Self {
        Filter::Source(source.into())
    }

    /// Events of `source` and `detail_type`.
    pub fn detail_type(source: impl Into<String>, detail_type: impl Into<String>) -> Self {
        Filter::Type {
            source: source.into(),
            detail_type: detail_type.into(),
        }
    }

    /// Events whose JSON `matches` accepts; `description` names it in listings.
    pub fn json(
        description: impl Into<String>,
        matches: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> Self {
        Filter::Json {
            description: description.into(),
            matches: Arc::new(matches),
        }
    }

    /// Events an EventBridge event pattern matches, such as
    /// `{"source": ["aws.ec2"], "detail": {"state": ["stopped"]}}`.
    #[cfg(feature = "patterns")]
    pub fn pattern(pattern: &str) -> Result<Self, bridgecraft_patterns::PatternError> {
        let compiled = bridgecraft_patterns::Pattern::parse(pattern)?;
        Ok(Filter::json(
            format!("pattern {pattern}"),
            move |event: &str| compiled.matches_json(event).unwrap_or(false),
        ))
    }

    /// Whether `event` passes.
    pub fn matches<D: Serialize>(&self, event: &Decoded<D>) -> bool {
        match self {
            Filter::Any => true,
            Filter::Source(source) => event.source() == source,
            Filter::Type {
                source,
                detail_type,
            } => event.source() == source && event.detail_type() == detail_type,
            Filter::Json { matches, .. } => match event {
                Decoded::Unknown(unknown) => matches(unknown.raw()),
                Decoded::Typed(_) => match serde_json::to_string(event) {
                    Ok(json) => matches(&json),
                    Err(error) => {
                        tracing::warn!(%error, "event does not serialize; no filter can match it");
                        false
                    }
                },
            },
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Any => f.write_str("any event"),
            Filter::Source(source) => write!(f, "source {source}"),
            Filter::Type {
                source,
                detail_type,
            } => write!(f, "{source} / {detail_type}"),
            Filter::Json { description, .. } => f.write_str(description),
        }
    }
}

impl fmt::Debug for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Filter({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bridgecraft_events::EventDetail;
    use bridgecraft_factory::{EventFactory, Factory, Known};
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Serialize)]
    struct Ping {
        n: u32,
    }
    impl EventDetail for Ping {
        const SOURCE: &'static str = "test.app";
        const DETAIL_TYPE: &'static str = "Ping";
    }

    fn event(source: &str, detail_type: &str, detail: &str) -> Decoded<Ping> {
        let json = format!(
            r#"{{"id":"1","detail-type":"{detail_type}","source":"{source}","time":"2024-01-01T00:00:00Z","region":"us-east-1","detail":{detail}}}"#
        );
        Factory::<Ping, _>::new(Known::<Ping>::new())
            .decode_event(&json)
            .unwrap()
    }

    #[test]
    fn filters_match_source_type_and_json() {
        let typed = event("test.app", "Ping", r#"{"n":7}"#);
        let unknown = event("other.app", "Pong", r#"{"m":1}"#);
        assert!(matches!(typed, Decoded::Typed(_)));
        assert!(matches!(unknown, Decoded::Unknown(_)));

        assert!(Filter::Any.matches(&typed) && Filter::Any.matches(&unknown));
        assert!(Filter::source("test.app").matches(&typed));
        assert!(!Filter::source("test.app").matches(&unknown));
        assert!(Filter::detail_type("other.app", "Pong").matches(&unknown));
        assert!(!Filter::detail_type("test.app", "Pong").matches(&typed));

        let seven = Filter::json("n is 7", |json: &str| json.contains(r#""n":7"#));
        assert!(
            seven.matches(&typed),
            "typed events are written back as JSON"
        );
        assert!(!seven.matches(&unknown));
        let m = Filter::json("m is 1", |json: &str| json.contains(r#""m":1"#));
        assert!(
            m.matches(&unknown),
            "unknown events are matched on their raw text"
        );
    }

    #[cfg(feature = "patterns")]
    #[test]
    fn pattern_filters_match_typed_and_unknown_events() {
        let filter = Filter::pattern(r#"{"detail": {"n": [{"numeric": [">", 5]}]}}"#).unwrap();
        assert!(filter.matches(&event("test.app", "Ping", r#"{"n":7}"#)));
        assert!(!filter.matches(&event("test.app", "Ping", r#"{"n":3}"#)));
        assert!(filter.matches(&event("other.app", "Pong", r#"{"n":9}"#)));
        assert!(filter.to_string().starts_with("pattern {"));
        assert!(Filter::pattern(r#"{"source": "not an array"}"#).is_err());
    }

    #[test]
    fn filters_describe_themselves() {
        assert_eq!(Filter::Any.to_string(), "any event");
        assert_eq!(Filter::source("aws.ec2").to_string(), "source aws.ec2");
        assert_eq!(
            Filter::detail_type("aws.ec2", "EC2 Instance State-change Notification").to_string(),
            "aws.ec2 / EC2 Instance State-change Notification"
        );
        assert_eq!(
            Filter::json("pattern {}", |_: &str| true).to_string(),
            "pattern {}"
        );
    }
}
