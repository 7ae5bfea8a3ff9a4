use std::fmt;

/// Why a pattern was rejected.
///
/// `Display` gives the message EventBridge returns in `InvalidEventPatternException`
/// (`Event pattern is not valid. Reason: ...`). [`PatternError::location`] says where in the
/// pattern text the problem was found, when that is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    reason: String,
    location: Option<Location>,
    kind: PatternErrorKind,
}

/// A 1-based line and column in the pattern text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// Broad classes of rejection, for callers that react differently to each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatternErrorKind {
    /// The text is not JSON.
    Syntax,
    /// JSON, but not a valid pattern (bad operator, bad value, empty array...).
    Invalid,
    /// A service limit: pattern length, `$or` combinations, wildcard complexity.
    Limit,
}

impl PatternError {
    pub(crate) fn new(
        kind: PatternErrorKind,
        reason: impl Into<String>,
        location: Option<Location>,
    ) -> Self {
        PatternError {
            reason: reason.into(),
            location,
            kind,
        }
    }

    /// The reason alone, as AWS words it after `Reason: `.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Where the problem was found, when known.
    pub fn location(&self) -> Option<Location> {
        self.location
    }

    pub fn kind(&self) -> PatternErrorKind {
        self.kind
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Event pattern is not valid. Reason: {}", self.reason)
    }
}

impl std::error::Error for PatternError {}

/// A JSON event that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("event is not valid JSON: {0}")]
pub struct EventError(#[from] pub(crate) serde_json::Error);
