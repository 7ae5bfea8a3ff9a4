//! Which events a route or a subscription wants.

use std::fmt;
use std::sync::Arc;

use crate::Delivery;

type JsonPredicate = dyn Fn(&str) -> bool + Send + Sync;

/// Which events a route or a subscription wants.
///
/// [`Filter::json`] is where event patterns ([`Filter::pattern`]) and CEL expressions
/// ([`Filter::cel`]) plug in: it sees the event's own JSON text as it arrived
/// ([`Delivery::json`]), which is what EventBridge patterns are matched against. A filter that
/// does not compile is an error when it is made, never when the first event arrives.
#[derive(Clone)]
#[non_exhaustive]
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
        /// The predicate, called with the event's JSON text.
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
    /// `{"source": ["aws.ec2"], "detail": {"state": ["stopped"]}}`; a pattern EventBridge would
    /// reject is an error here, with AWS's message.
    #[cfg(feature = "patterns")]
    pub fn pattern(pattern: &str) -> Result<Self, bridgecraft_patterns::PatternError> {
        let compiled = bridgecraft_patterns::Pattern::parse(pattern)?;
        Ok(Filter::json(
            format!("pattern {pattern}"),
            move |event: &str| compiled.matches_json(event).unwrap_or(false),
        ))
    }

    /// Whether `delivery` passes.
    pub fn matches<D>(&self, delivery: &Delivery<D>) -> bool {
        let event = &delivery.event;
        match self {
            Filter::Any => true,
            Filter::Source(source) => event.source() == source,
            Filter::Type {
                source,
                detail_type,
            } => event.source() == source && event.detail_type() == detail_type,
            Filter::Json { matches, .. } => matches(delivery.json()),
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
    use crate::tests::delivery;

    #[test]
    fn filters_match_source_type_and_json() {
        let typed = delivery("test.app", "Ping", r#"{"n":7}"#);
        let unknown = delivery("other.app", "Pong", r#"{"m":1}"#);
        assert!(matches!(
            typed.event,
            bridgecraft_factory::Decoded::Typed(_)
        ));
        assert!(matches!(
            unknown.event,
            bridgecraft_factory::Decoded::Unknown(_)
        ));

        assert!(Filter::Any.matches(&typed) && Filter::Any.matches(&unknown));
        assert!(Filter::source("test.app").matches(&typed));
        assert!(!Filter::source("test.app").matches(&unknown));
        assert!(Filter::detail_type("other.app", "Pong").matches(&unknown));
        assert!(!Filter::detail_type("test.app", "Pong").matches(&typed));

        let seven = Filter::json("n is 7", |json: &str| json.contains(r#""n":7"#));
        assert!(
            seven.matches(&typed),
            "typed events are matched on their text"
        );
        assert!(!seven.matches(&unknown));
        let m = Filter::json("m is 1", |json: &str| json.contains(r#""m":1"#));
        assert!(m.matches(&unknown), "unknown events too");
    }

    #[test]
    fn json_filters_see_the_text_as_it_came_not_written_back() {
        // Written back, the typed detail would be `{"n":7}`: the filter sees the spaces.
        let typed = delivery("test.app", "Ping", r#"{ "n" : 7 }"#);
        assert!(matches!(
            typed.event,
            bridgecraft_factory::Decoded::Typed(_)
        ));
        let spaced = Filter::json("spaced", |json: &str| json.contains(r#"{ "n" : 7 }"#));
        assert!(spaced.matches(&typed));
    }

    #[cfg(feature = "patterns")]
    #[test]
    fn pattern_filters_match_typed_and_unknown_events() {
        let filter = Filter::pattern(r#"{"detail": {"n": [{"numeric": [">", 5]}]}}"#).unwrap();
        assert!(filter.matches(&delivery("test.app", "Ping", r#"{"n":7}"#)));
        assert!(!filter.matches(&delivery("test.app", "Ping", r#"{"n":3}"#)));
        assert!(filter.matches(&delivery("other.app", "Pong", r#"{"n":9}"#)));
        assert!(filter.to_string().starts_with("pattern {"));
        let error = Filter::pattern(r#"{"source": "not an array"}"#).unwrap_err();
        assert!(error.to_string().contains("not valid"), "{error}");
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
            format!("{:?}", Filter::json("pattern {}", |_: &str| true)),
            "Filter(pattern {})"
        );
    }
}
