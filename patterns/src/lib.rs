//! EventBridge event patterns and input transformers, evaluated locally.

pub mod cli;
mod error;
mod flat;
mod json;
mod matcher;
mod pattern;
mod ruleset;
mod transform;
mod wildcard;

pub use error::{EventError, Location, PatternError, PatternErrorKind};
pub use pattern::{
    DEFAULT_MAX_PATTERN_LENGTH, DEFAULT_MAX_WILDCARD_COMPLEXITY, MAX_OR_COMBINATIONS, ParseOptions,
    Pattern,
};
pub use ruleset::RuleSet;
pub use transform::{
    ApplyError, InputTransformer, MAX_INPUT_PATHS, MAX_TEMPLATE_LENGTH, NotDelivered, Output,
    OutputKind, RuleContext, TransformError,
};
