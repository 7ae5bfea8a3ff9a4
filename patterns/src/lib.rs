//! EventBridge event patterns and input transformers, evaluated locally.
//!
//! Filter and reshape events exactly as EventBridge does, without a round trip to AWS: for
//! routes and subscriptions, and for testing rules before deploying them.
//!
//! # Event patterns
//!
//! [`Pattern::parse`] validates a pattern as EventBridge does and compiles it once; errors
//! display AWS's own message. Match against raw JSON text (no `serde_json::Value` is built),
//! a `Value`, or any `Serialize` type:
//!
//! ```
//! use bridgecraft_patterns::Pattern;
//!
//! let pattern = Pattern::parse(r#"{
//!     "source": ["aws.ec2"],
//!     "detail": {
//!         "state": [{"anything-but": ["pending", "running"]}],
//!         "instance-id": [{"prefix": "i-"}],
//!         "cpu": [{"numeric": [">", 80, "<=", 100]}]
//!     }
//! }"#)?;
//! let event = r#"{"source": "aws.ec2", "detail": {"state": "stopped", "instance-id": "i-1", "cpu": 93.5}}"#;
//! assert!(pattern.matches_json(event)?);
//!
//! let value = serde_json::json!({"source": "aws.ec2", "detail": {"state": "running"}});
//! assert!(!pattern.matches_value(&value));
//!
//! let err = Pattern::parse(r#"{"detail": {"cpu": [{"numeric": [">", 0, ">", 5]}]}}"#).unwrap_err();
//! assert_eq!(err.to_string(), "Event pattern is not valid. Reason: Bad numeric range operator: >");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Supported: exact values with JSON types (`null` is not a missing field), `prefix` and
//! `suffix` (with `equals-ignore-case`), `equals-ignore-case`, `anything-but` (values, `prefix`,
//! `suffix`, `wildcard`, `equals-ignore-case`), `numeric`, `cidr` (IPv4 and IPv6), `exists`,
//! `wildcard` with `\*` and `\\` escapes, and `$or` at any level. Arrays in events match when
//! any element matches, and fields under one array of objects must match within one element.
//! Validation covers AWS's limits: pattern length ([`ParseOptions`]), at most
//! [`MAX_OR_COMBINATIONS`] `$or` combinations, and wildcard complexity.
//!
//! Exact numbers compare by value by default, as event-ruler (the library EventBridge runs on)
//! does: `[300]` matches `300.0` and `3.0e2`. The EventBridge documentation says they differ;
//! [`NumberEquality::Representation`] selects that reading. `numeric` and `anything-but`
//! compare values.
//!
//! # Many patterns at once
//!
//! [`RuleSet`] compiles named patterns into one tree of field steps that patterns starting alike
//! share, with hash tables, tables by length and sorted ranges over the values at each step, so
//! that an event's cost depends on the event and not on how many patterns there are. Patterns
//! are added and removed at any time ([`RuleSet::insert`], [`RuleSet::remove`]).
//!
//! An event given as JSON text is read once, only where some pattern looks: the values of other
//! fields are skipped without building anything (only checked to be balanced), and when every
//! pattern has a branch of a single field, reading stops as soon as all have matched. A set
//! told that each path occurs once in its events ([`EventKeys::Unique`], true of every event AWS
//! services send) also stops as soon as every path its patterns name has been read, as quamina
//! does, leaving the rest of the event unread.
//!
//! ```
//! use bridgecraft_patterns::{Pattern, RuleSet};
//!
//! let mut rules = RuleSet::default();
//! let ec2 = rules.insert("ec2", &Pattern::parse(r#"{"source": ["aws.ec2"]}"#)?);
//! rules.insert("big", &Pattern::parse(r#"{"detail": {"size": [{"numeric": [">", 100]}]}}"#)?);
//! let event = r#"{"source": "aws.ec2", "detail": {"size": 500, "tags": ["skipped", "unread"]}}"#;
//! assert_eq!(rules.matching_json(event)?, vec![&"ec2", &"big"]);
//! rules.remove(ec2);
//! assert_eq!(rules.matching_json(event)?, vec![&"big"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Input transformers
//!
//! [`InputTransformer`] takes `InputPathsMap` and `InputTemplate`, validates them as
//! `PutTargets` does, and renders what the target receives, including the reserved
//! `aws.events.*` variables ([`RuleContext`]) and the cases where EventBridge would drop the
//! event ([`NotDelivered`]):
//!
//! ```
//! use bridgecraft_patterns::{InputTransformer, RuleContext};
//!
//! let transformer = InputTransformer::new(
//!     [("tags", "$.detail.tags")],
//!     r#""Tagged <tags> by rule <aws.events.rule-name>""#,
//! )?;
//! let output = transformer.apply(r#"{"detail": {"tags": ["a", "b"]}}"#, &RuleContext::local("audit"))?;
//! assert_eq!(output.text, r#""Tagged [a,b] by rule audit""#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod consistency;
mod engine;
mod error;
mod flat;
mod json;
mod matcher;
mod pattern;
mod ruleset;
mod scan;
mod skip;
mod transform;
mod wildcard;

pub use error::{EventError, Location, PatternError, PatternErrorKind};
pub use pattern::{
    DEFAULT_MAX_PATTERN_LENGTH, DEFAULT_MAX_WILDCARD_COMPLEXITY, MAX_OR_COMBINATIONS,
    NumberEquality, ParseOptions, Pattern,
};
pub use ruleset::{EventKeys, RuleId, RuleSet};
pub use transform::{
    ApplyError, InputTransformer, MAX_INPUT_PATHS, MAX_TEMPLATE_LENGTH, NotDelivered, Output,
    OutputKind, RuleContext, TransformError,
};
