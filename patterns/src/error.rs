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
///
/// `Display` says what was wrong and where (`event is not valid JSON: expected value at line 1
/// column 8`); [`EventError::location`] gives the place.
#[derive(Debug, thiserror::Error)]
#[error("event is not valid JSON: {0}")]
pub struct EventError(Inner);

#[derive(Debug, thiserror::Error)]
enum Inner {
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("{message} at line {} column {}", .location.line, .location.column)]
    Scan {
        message: &'static str,
        location: Location,
    },
}

impl EventError {
    pub(crate) fn at(text: &str, message: &'static str, offset: usize) -> EventError {
        let (line, column) = crate::json::line_column(text, offset);
        EventError(Inner::Scan {
            message,
            location: Location { line, column },
        })
    }

    /// Where in the event text the problem was found, when the event was text.
    pub fn location(&self) -> Option<Location> {
        match &self.0 {
            Inner::Json(e) if e.line() > 0 => Some(Location {
                line: e.line(),
                column: e.column(),
            }),
            Inner::Json(_) => None,
            Inner::Scan { location, .. } => Some(*location),
        }
    }
}

impl From<serde_json::Error> for EventError {
    fn from(e: serde_json::Error) -> Self {
        EventError(Inner::Json(e))
    }
}
