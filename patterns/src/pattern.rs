//! Compiling pattern text into branches, and matching them against flattened events.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::OnceLock;

use serde::Serialize;
use serde_json::Value;

use crate::consistency::{Memberships, consistent};
use crate::error::{EventError, Location, PatternError, PatternErrorKind};
use crate::flat::{FlatEvent, Number, PathFilter, path_hash};
use crate::json::{self, Kind, Node};
use crate::matcher::{AnythingBut, Bound, IpRange, Literal, Matcher, Range, fold};
use crate::ruleset::RuleSet;
use crate::wildcard::{self, Wildcard};

/// EventBridge's default `EventPattern` length quota; it can be raised to 4096 on request.
pub const DEFAULT_MAX_PATTERN_LENGTH: usize = 2048;
/// `$or` may expand a pattern into at most this many combinations.
pub const MAX_OR_COMBINATIONS: usize = 1000;
/// Highest accepted wildcard complexity (see [`ParseOptions::max_wildcard_complexity`]).
pub const DEFAULT_MAX_WILDCARD_COMPLEXITY: usize = 8;

/// Operator names that may not be used as field names inside `$or` (event-ruler's rule).
const RESERVED_IN_OR: &[&str] = &[
    "anything-but",
    "cidr",
    "equals",
    "equals-ignore-case",
    "exists",
    "numeric",
    "prefix",
    "suffix",
    "wildcard",
];

/// How patterns are parsed: service limits, and how exact numbers compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// Longest accepted pattern, in characters. 2048 by default, as EventBridge's default quota;
    /// set 4096 for accounts with a raised quota.
    pub max_length: usize,
    /// Highest accepted wildcard complexity. EventBridge rejects patterns whose wildcards could
    /// keep too many partial matches alive at once; AWS does not publish the threshold, and the
    /// published accepted and rejected examples place it between 7 and 11. We accept up to 8.
    pub max_wildcard_complexity: usize,
    /// How exact number values (`"f": [300]`) compare with event numbers.
    pub numbers: NumberEquality,
}

/// How an exact number in a pattern compares with numbers in events.
///
/// event-ruler, the library EventBridge runs on, compares values, so `[300]` matches `300.0`
/// and `3.0e2`; LocalStack's tests validated against AWS (`number_comparison_float`) show the
/// service doing the same. That is the default. The EventBridge documentation says instead that
/// numbers match by their string representation (`300`, `300.0` and `3.0e2` differ), which
/// [`NumberEquality::Representation`] selects. `numeric` and `anything-but` always compare values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumberEquality {
    /// Numbers of the same value are equal (`300` = `300.0` = `3.0e2`).
    #[default]
    Value,
    /// Integers equal integers of the same value, decimals and exponents equal decimals of the
    /// same value, and the two never equal each other (`300` ≠ `300.0`, `300.0` = `3.0e2`).
    Representation,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_length: DEFAULT_MAX_PATTERN_LENGTH,
            max_wildcard_complexity: DEFAULT_MAX_WILDCARD_COMPLEXITY,
            numbers: NumberEquality::default(),
        }
    }
}

/// A compiled EventBridge event pattern.
///
/// Parse once with [`Pattern::parse`], then match as many events as needed.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub(crate) branches: Vec<Branch>,
    /// The event paths the pattern reads; the rest of a parsed event is skipped.
    filter: PathFilter,
    /// The pattern alone in a rule set, which reads events given as text; made when first
    /// needed.
    alone: OnceLock<Box<RuleSet<()>>>,
}

/// One combination of `$or` choices: every field must match (AND).
#[derive(Debug, Clone)]
pub(crate) struct Branch {
    /// One entry per path, the most selective kinds of field first.
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// Keys joined with `.`.
    pub path: String,
    /// `path_hash(path)`, to find the event's values without rehashing.
    pub hash: u64,
    /// Any of these accepting one value at the path satisfies the field (OR).
    pub matchers: Vec<Matcher>,
    /// `{"exists": false}` was among the values: no value at the path also satisfies the field.
    pub absent_ok: bool,
}

impl Pattern {
    /// Parses and validates a pattern as EventBridge does, with the default limits.
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        Pattern::parse_with(text, &ParseOptions::default())
    }

    /// Parses with explicit limits.
    pub fn parse_with(text: &str, options: &ParseOptions) -> Result<Pattern, PatternError> {
        let length = text.chars().count();
        if length > options.max_length {
            return Err(PatternError::new(
                PatternErrorKind::Limit,
                format!(
                    "Event pattern is {length} characters long; the limit is {}",
                    options.max_length
                ),
                None,
            ));
        }
        let root = json::parse(text).map_err(|e| {
            PatternError::new(
                PatternErrorKind::Syntax,
                e.message,
                Some(location(text, e.offset)),
            )
        })?;
        let compiler = Compiler {
            text,
            numbers: options.numbers,
        };
        let Kind::Object(members) = &root.kind else {
            return Err(compiler.invalid("Filter is not an object", &root));
        };
        let mut rules: Vec<Rule> = Vec::new();
        compiler.object(members, &root, "", &mut rules, false)?;
        let branches: Vec<Branch> = rules.into_iter().map(Branch::from_rule).collect();
        check_wildcard_complexity(&branches, options.max_wildcard_complexity)?;
        let filter = PathFilter::new(
            branches
                .iter()
                .flat_map(|b| b.fields.iter().map(|f| f.path.as_str())),
        );
        Ok(Pattern {
            branches,
            filter,
            alone: OnceLock::new(),
        })
    }

    /// Matches an event given as JSON text, without building a `serde_json::Value`: read as a
    /// [`RuleSet`] reads it, only where the pattern looks (the rest only checked to be
    /// balanced), and no further than the pattern needs. The first call compiles the pattern
    /// for that once, in a few kilobytes kept with it.
    pub fn matches_json(&self, event: &str) -> Result<bool, EventError> {
        let alone = self.alone.get_or_init(|| {
            let mut set = RuleSet::default();
            set.insert((), self);
            Box::new(set)
        });
        Ok(!alone.matching_json(event)?.is_empty())
    }

    /// Matches an event already parsed into a `serde_json::Value`.
    pub fn matches_value(&self, event: &Value) -> bool {
        self.matches_flat(&FlatEvent::from_value(event, &self.filter))
    }

    /// Matches any serializable event, such as the typed events of `bridgecraft-events`.
    pub fn matches<T: Serialize + ?Sized>(&self, event: &T) -> Result<bool, EventError> {
        let value = serde_json::to_value(event)?;
        Ok(self.matches_value(&value))
    }

    pub(crate) fn matches_flat(&self, event: &FlatEvent<'_>) -> bool {
        self.branches.iter().any(|b| b.matches(event))
    }
}

impl std::str::FromStr for Pattern {
    type Err = PatternError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Pattern::parse(s)
    }
}

impl Branch {
    fn from_rule(rule: Rule) -> Branch {
        let mut fields: Vec<Field> = rule
            .into_iter()
            .map(|(path, values)| {
                let absent_ok = values.contains(&Matcher::Absent);
                let matchers = values
                    .into_iter()
                    .filter(|m| *m != Matcher::Absent)
                    .collect();
                Field {
                    hash: path_hash(&path),
                    path,
                    matchers,
                    absent_ok,
                }
            })
            .collect();
        // Evaluation stops at the first field that fails: try the most selective kinds first.
        fields.sort_by_key(|f| f.selectivity_rank());
        Branch { fields }
    }

    pub(crate) fn matches(&self, event: &FlatEvent<'_>) -> bool {
        // Fields whose every candidate value sits inside arrays; they need a consistent choice.
        let mut constrained: Vec<Vec<usize>> = Vec::new();
        for field in &self.fields {
            let at = event.at_hashed(field.hash, &field.path);
            if at.is_empty() {
                if field.absent_ok {
                    continue;
                }
                return false;
            }
            let mut candidates = Vec::new();
            let mut free = false;
            for leaf in at {
                let Some(value) = event.leaf(leaf) else {
                    continue;
                };
                if field.matchers.iter().any(|m| m.accepts(&value.value)) {
                    if event.membership(leaf).is_empty() {
                        // Outside any array: compatible with every other choice.
                        free = true;
                        break;
                    }
                    candidates.push(leaf);
                }
            }
            if free {
                continue;
            }
            if candidates.is_empty() {
                return false;
            }
            constrained.push(candidates);
        }
        if constrained.len() <= 1 {
            return true;
        }
        consistent(constrained, 0, event)
    }
}

impl Field {
    /// Lower for fields more likely to reject an event: exact values, then string operators,
    /// then ranges, then the permissive ones.
    fn selectivity_rank(&self) -> u8 {
        self.matchers
            .iter()
            .map(|m| match m {
                Matcher::Exact(_) => 0,
                Matcher::Prefix(_)
                | Matcher::PrefixIgnoreCase(_)
                | Matcher::Suffix(_)
                | Matcher::SuffixIgnoreCase(_)
                | Matcher::EqualsIgnoreCase(_)
                | Matcher::Wildcard(_)
                | Matcher::Cidr(_) => 1,
                Matcher::Numeric(_) => 2,
                Matcher::AnythingBut(_) => 3,
                Matcher::Exists | Matcher::Absent => 4,
            })
            .max()
            .unwrap_or(4)
            .max(if self.absent_ok { 4 } else { 0 })
    }
}

fn location(text: &str, offset: usize) -> Location {
    let (line, column) = json::line_column(text, offset);
    Location { line, column }
}

/// Field path to the values to match there; the last occurrence of a path wins.
type Rule = BTreeMap<String, Vec<Matcher>>;

struct Compiler<'t> {
    text: &'t str,
    numbers: NumberEquality,
}

impl Compiler<'_> {
    fn invalid(&self, reason: impl Into<String>, at: &Node) -> PatternError {
        PatternError::new(
            PatternErrorKind::Invalid,
            reason,
            Some(location(self.text, at.start)),
        )
    }

    fn at_offset(&self, reason: impl Into<String>, offset: usize) -> PatternError {
        PatternError::new(
            PatternErrorKind::Invalid,
            reason,
            Some(location(self.text, offset)),
        )
    }

    /// The node's source text, as event-ruler quotes it in some messages.
    fn source(&self, node: Option<&Node>) -> String {
        match node {
            Some(Node {
                kind: Kind::String(s),
                ..
            }) => s.clone(),
            Some(n) => self.text.get(n.start..n.end).unwrap_or("").to_owned(),
            None => "]".to_owned(),
        }
    }

    fn object(
        &self,
        members: &[(String, usize, Node)],
        node: &Node,
        prefix: &str,
        rules: &mut Vec<Rule>,
        in_or: bool,
    ) -> Result<(), PatternError> {
        if members.is_empty() {
            return Err(self.invalid("Empty objects are not allowed", node));
        }
        for (key, key_offset, value) in members {
            if key == "$or"
                && let Kind::Array(items) = &value.kind
                && items.iter().all(|i| matches!(i.kind, Kind::Object(_)))
            {
                self.or_relationship(items, value, prefix, rules)?;
                continue;
            }
            if in_or && RESERVED_IN_OR.contains(&key.as_str()) {
                return Err(self.at_offset(
                    format!("{key} is Ruler reserved fieldName which cannot be used inside $or."),
                    *key_offset,
                ));
            }
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match &value.kind {
                Kind::Object(inner) => self.object(inner, value, &path, rules, in_or)?,
                Kind::Array(items) => self.write_rules(items, value, path, rules)?,
                _ => {
                    return Err(
                        self.invalid(format!("\"{key}\" must be an object or an array"), value)
                    );
                }
            }
        }
        Ok(())
    }

    fn or_relationship(
        &self,
        items: &[Node],
        node: &Node,
        prefix: &str,
        rules: &mut Vec<Rule>,
    ) -> Result<(), PatternError> {
        if items.len() < 2 {
            return Err(self.invalid(
                "There must have at least 2 Objects in $or relationship.",
                node,
            ));
        }
        let before = std::mem::take(rules);
        for item in items {
            let Kind::Object(members) = &item.kind else {
                return Err(self.invalid(
                    "Only JSON object is allowed in array of $or relationship.",
                    item,
                ));
            };
            let mut branch = if before.is_empty() {
                vec![Rule::new()]
            } else {
                before.clone()
            };
            self.object(members, item, prefix, &mut branch, true)?;
            rules.extend(branch);
            if rules.len() > MAX_OR_COMBINATIONS {
                return Err(PatternError::new(
                    PatternErrorKind::Limit,
                    format!(
                        "The $or expressions in the pattern create more than {MAX_OR_COMBINATIONS} combinations"
                    ),
                    Some(location(self.text, node.start)),
                ));
            }
        }
        Ok(())
    }

    fn write_rules(
        &self,
        items: &[Node],
        node: &Node,
        path: String,
        rules: &mut Vec<Rule>,
    ) -> Result<(), PatternError> {
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            let matcher = match &item.kind {
                Kind::Object(members) => self.match_expression(members, item)?,
                Kind::String(s) => Matcher::Exact(match s.parse::<IpAddr>() {
                    Ok(addr) => Literal::Ip(Box::new((s.clone(), addr))),
                    Err(_) => Literal::Str(s.clone()),
                }),
                Kind::Number(text) => {
                    let number = self.number(text, item)?;
                    Matcher::Exact(match self.numbers {
                        NumberEquality::Representation => Literal::Num(number),
                        NumberEquality::Value => Literal::NumValue(number.as_f64()),
                    })
                }
                Kind::Bool(b) => Matcher::Exact(Literal::Bool(*b)),
                Kind::Null => Matcher::Exact(Literal::Null),
                Kind::Array(_) => {
                    return Err(self.invalid(
                        "Match value must be String, number, true, false, or null",
                        item,
                    ));
                }
            };
            values.push(matcher);
        }
        if values.is_empty() {
            return Err(self.invalid("Empty arrays are not allowed", node));
        }
        if rules.is_empty() {
            rules.push(Rule::new());
        }
        for rule in rules.iter_mut() {
            rule.insert(path.clone(), values.clone());
        }
        Ok(())
    }

    fn number(&self, text: &str, node: &Node) -> Result<Number, PatternError> {
        Number::from_text(text)
            .ok_or_else(|| self.invalid(format!("Number out of range: {text}"), node))
    }

    fn numeric_value(
        &self,
        node: Option<&Node>,
        operator: &str,
        at: &Node,
    ) -> Result<f64, PatternError> {
        match node {
            Some(
                n @ Node {
                    kind: Kind::Number(text),
                    ..
                },
            ) => Ok(self.number(text, n)?.as_f64()),
            other => Err(self.invalid(
                format!("Value of {operator} must be numeric"),
                other.unwrap_or(at),
            )),
        }
    }

    fn match_expression(
        &self,
        members: &[(String, usize, Node)],
        node: &Node,
    ) -> Result<Matcher, PatternError> {
        let Some((name, _, value)) = members.first() else {
            return Err(self.invalid("Match expression name not found", node));
        };
        let only_one = |m: Matcher| -> Result<Matcher, PatternError> {
            match members.get(1) {
                Some((_, offset, _)) => {
                    Err(self.at_offset("Only one key allowed in match expression", *offset))
                }
                None => Ok(m),
            }
        };
        let string = |what: &str| -> Result<&str, PatternError> {
            match &value.kind {
                Kind::String(s) => Ok(s),
                _ => Err(self.invalid(format!("{what} match pattern must be a string"), value)),
            }
        };
        match name.as_str() {
            "equals" => only_one(Matcher::Exact(Literal::Str(string("exact")?.to_owned()))),
            "prefix" => match &value.kind {
                Kind::Object(inner) => only_one(Matcher::PrefixIgnoreCase(fold(
                    self.ignore_case_of(inner, value, "Prefix")?,
                ))),
                _ => only_one(Matcher::Prefix(string("prefix")?.to_owned())),
            },
            "suffix" => match &value.kind {
                Kind::Object(inner) => only_one(Matcher::SuffixIgnoreCase(fold(
                    self.ignore_case_of(inner, value, "Suffix")?,
                ))),
                _ => only_one(Matcher::Suffix(string("suffix")?.to_owned())),
            },
            "equals-ignore-case" => only_one(Matcher::EqualsIgnoreCase(fold(string(
                "equals-ignore-case",
            )?))),
            "wildcard" => {
                let text = string("wildcard")?;
                let parsed = Wildcard::parse(text).map_err(|reason| self.invalid(reason, value))?;
                only_one(Matcher::Wildcard(parsed))
            }
            "exists" => match value.kind {
                Kind::Bool(true) => only_one(Matcher::Exists),
                Kind::Bool(false) => only_one(Matcher::Absent),
                _ => Err(self.invalid("exists match pattern must be either true or false.", value)),
            },
            "cidr" => {
                let range =
                    cidr(string("prefix")?).map_err(|reason| self.invalid(reason, value))?;
                only_one(Matcher::Cidr(range))
            }
            "numeric" => {
                let Kind::Array(items) = &value.kind else {
                    return Err(self.invalid("Value of numeric must be an array.", value));
                };
                let range = self.numeric(items, value)?;
                self.too_many_elements(members, Ok(Matcher::Numeric(range)))
            }
            "anything-but" => {
                let matcher = self.anything_but(value)?;
                self.too_many_elements(members, Ok(matcher))
            }
            other => Err(self.invalid(format!("Unrecognized match type {other}"), node)),
        }
    }

    fn too_many_elements(
        &self,
        members: &[(String, usize, Node)],
        matcher: Result<Matcher, PatternError>,
    ) -> Result<Matcher, PatternError> {
        let matcher = matcher?;
        match members.get(1) {
            Some((_, offset, _)) => {
                Err(self.at_offset("Too many elements in numeric expression", *offset))
            }
            None => Ok(matcher),
        }
    }

    /// `{"prefix": {"equals-ignore-case": "x"}}` and the suffix form.
    fn ignore_case_of<'n>(
        &self,
        members: &'n [(String, usize, Node)],
        node: &Node,
        what: &str,
    ) -> Result<&'n str, PatternError> {
        let Some((name, _, value)) = members.first() else {
            return Err(self.invalid(format!("{what} expression name not found"), node));
        };
        if name != "equals-ignore-case" {
            return Err(self.invalid(
                format!("Unsupported {} pattern: {name}", what.to_lowercase()),
                node,
            ));
        }
        let Kind::String(s) = &value.kind else {
            return Err(self.invalid("equals-ignore-case match pattern must be a string", value));
        };
        if let Some((_, offset, _)) = members.get(1) {
            return Err(self.at_offset("Only one key allowed in match expression", *offset));
        }
        Ok(s)
    }

    fn numeric(&self, items: &[Node], node: &Node) -> Result<Range, PatternError> {
        let first = items.first();
        let Some(Node {
            kind: Kind::String(op),
            ..
        }) = first
        else {
            return Err(self.invalid(
                format!("Invalid member in numeric match: {}", self.source(first)),
                first.unwrap_or(node),
            ));
        };
        let bound = |value: f64, inclusive: bool| Some(Bound { value, inclusive });
        let exactly = |count: usize, range: Range| match items.get(count) {
            Some(extra) => Err(self.invalid("Too many elements in numeric expression", extra)),
            None => Ok(range),
        };
        match op.as_str() {
            "=" => {
                let v = self.numeric_value(items.get(1), "equals", node)?;
                exactly(
                    2,
                    Range {
                        lower: bound(v, true),
                        upper: bound(v, true),
                    },
                )
            }
            "<" | "<=" => {
                let v = self.numeric_value(items.get(1), op, node)?;
                exactly(
                    2,
                    Range {
                        lower: None,
                        upper: bound(v, op == "<="),
                    },
                )
            }
            ">" | ">=" => {
                let v = self.numeric_value(items.get(1), op, node)?;
                let lower = bound(v, op == ">=");
                let Some(second) = items.get(2) else {
                    return Ok(Range { lower, upper: None });
                };
                let Kind::String(op2) = &second.kind else {
                    return Err(self.invalid(
                        format!("Bad value in numeric range: {}", self.source(Some(second))),
                        second,
                    ));
                };
                if op2 != "<" && op2 != "<=" {
                    return Err(self.invalid(format!("Bad numeric range operator: {op2}"), second));
                }
                let top = self.numeric_value(items.get(3), op2, node)?;
                match items.get(4) {
                    Some(extra) => {
                        Err(self.invalid("Too many terms in numeric range expression", extra))
                    }
                    None => Ok(Range {
                        lower,
                        upper: bound(top, op2 == "<="),
                    }),
                }
            }
            other => Err(self.invalid(
                format!("Unrecognized numeric range operator: {other}"),
                node,
            )),
        }
    }

    fn anything_but(&self, value: &Node) -> Result<Matcher, PatternError> {
        const BAD_VALUE: &str =
            "Value of anything-but must be an array or single string/number value.";
        #[derive(Clone, Copy, PartialEq)]
        enum Op {
            Values,
            IgnoreCase,
            Prefix,
            Suffix,
            Wildcard,
        }
        let (op, operand) = match &value.kind {
            Kind::Object(members) => {
                let Some((name, _, operand)) = members.first() else {
                    return Err(self.invalid("Anything-But expression name not found", value));
                };
                let op = match name.as_str() {
                    "equals-ignore-case" => Op::IgnoreCase,
                    "prefix" => Op::Prefix,
                    "suffix" => Op::Suffix,
                    "wildcard" => Op::Wildcard,
                    other => {
                        return Err(self
                            .invalid(format!("Unsupported anything-but pattern: {other}"), value));
                    }
                };
                if !matches!(
                    operand.kind,
                    Kind::Array(_) | Kind::String(_) | Kind::Number(_)
                ) {
                    return Err(self.invalid(BAD_VALUE, operand));
                }
                if let Some((_, offset, _)) = members.get(1) {
                    return Err(self.at_offset("Too many elements in numeric expression", *offset));
                }
                (op, operand)
            }
            Kind::Array(_) | Kind::String(_) | Kind::Number(_) => (Op::Values, value),
            _ => return Err(self.invalid(BAD_VALUE, value)),
        };

        if op == Op::Values {
            let single;
            let items = match &operand.kind {
                Kind::Array(items) => items.as_slice(),
                _ => {
                    single = [operand.clone()];
                    &single[..]
                }
            };
            let mut strings = Vec::new();
            let mut numbers = Vec::new();
            for item in items {
                match &item.kind {
                    Kind::String(s) => strings.push(s.clone()),
                    Kind::Number(text) => numbers.push(self.number(text, item)?.as_f64()),
                    _ => {
                        return Err(self.invalid(
                            "Inside anything but list, start|null|boolean is not supported.",
                            item,
                        ));
                    }
                }
            }
            return match (strings.is_empty(), numbers.is_empty()) {
                (false, true) => Ok(Matcher::AnythingBut(AnythingBut::Strings(strings))),
                (true, false) => Ok(Matcher::AnythingBut(AnythingBut::Numbers(numbers))),
                _ => Err(self.invalid(
                    "Inside anything but list, either all values are number or string, mixed type is not supported",
                    operand,
                )),
            };
        }

        let single;
        let items = match &operand.kind {
            Kind::Array(items) => items.as_slice(),
            _ => {
                single = [operand.clone()];
                &single[..]
            }
        };
        let mut texts = Vec::with_capacity(items.len());
        for item in items {
            let Kind::String(s) = &item.kind else {
                let reason = match op {
                    Op::IgnoreCase => {
                        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
                    }
                    Op::Wildcard => "wildcard match pattern must be a string",
                    _ => "prefix/suffix match pattern must be a string",
                };
                return Err(self.invalid(reason, item));
            };
            if matches!(op, Op::Prefix | Op::Suffix) && s.is_empty() {
                return Err(self.invalid("Null prefix/suffix not allowed", item));
            }
            texts.push((s.clone(), item));
        }
        Ok(Matcher::AnythingBut(match op {
            Op::IgnoreCase => AnythingBut::IgnoreCase(texts.iter().map(|(s, _)| fold(s)).collect()),
            Op::Prefix => AnythingBut::Prefixes(texts.into_iter().map(|(s, _)| s).collect()),
            Op::Suffix => AnythingBut::Suffixes(texts.into_iter().map(|(s, _)| s).collect()),
            Op::Wildcard | Op::Values => AnythingBut::Wildcards(
                texts
                    .iter()
                    .map(|(s, item)| {
                        Wildcard::parse(s).map_err(|reason| self.invalid(reason, item))
                    })
                    .collect::<Result<_, _>>()?,
            ),
        }))
    }
}

/// Parses a CIDR block with event-ruler's rules and messages. Like event-ruler, the range starts
/// at the address as written (host bits are not cleared).
fn cidr(text: &str) -> Result<IpRange, String> {
    let mut parts: Vec<&str> = text.split('/').collect();
    // Java's String.split drops trailing empty parts.
    while parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    let [ip, mask] = parts.as_slice() else {
        return Err("Malformed CIDR, one '/' required".into());
    };
    let mask: i32 = mask
        .parse()
        .map_err(|_| "Malformed CIDR, mask bits must be an integer".to_owned())?;
    let mask = u32::try_from(mask)
        .map_err(|_| "Malformed CIDR, mask bits must not be negative".to_owned())?;
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(addr)) => {
            if mask > 31 {
                return Err("IPv4 mask bits must be < 32".into());
            }
            let base = u32::from(addr);
            let host = u32::MAX.checked_shr(mask).unwrap_or(0);
            Ok(IpRange::V4(base, base | host))
        }
        Ok(IpAddr::V6(addr)) => {
            if mask > 127 {
                return Err("IPv6 mask bits must be < 128".into());
            }
            let base = u128::from(addr);
            let host = u128::MAX.checked_shr(mask).unwrap_or(0);
            Ok(IpRange::V6(base, base | host))
        }
        Err(_) => Err(format!("Nonstandard IP address: {ip}")),
    }
}

fn check_wildcard_complexity(branches: &[Branch], max: usize) -> Result<(), PatternError> {
    // event-ruler keeps one byte machine per field path, shared by all branches.
    let mut by_path: BTreeMap<&str, Vec<&Wildcard>> = BTreeMap::new();
    for field in branches.iter().flat_map(|b| &b.fields) {
        for matcher in &field.matchers {
            if let Matcher::Wildcard(w) = matcher {
                let list = by_path.entry(field.path.as_str()).or_default();
                if !list.contains(&w) {
                    list.push(w);
                }
            }
        }
    }
    for wildcards in by_path.values() {
        if wildcard::complexity(wildcards, max + 1) > max {
            return Err(PatternError::new(
                PatternErrorKind::Limit,
                "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character",
                None,
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> String {
        Pattern::parse(text)
            .map(|_| ())
            .unwrap_err()
            .reason()
            .to_owned()
    }

    #[test]
    fn aws_messages_for_invalid_patterns() {
        let cases = [
            (r#"{"int": 42}"#, r#""int" must be an object or an array"#),
            (r#"{"resources": []}"#, "Empty arrays are not allowed"),
            (r#"{}"#, "Empty objects are not allowed"),
            (r#"["not", "a", "dict"]"#, "Filter is not an object"),
            (
                r#"{"my_key": [{"EXISTS": true}]}"#,
                "Unrecognized match type EXISTS",
            ),
            (
                r#"{"d": {"e": [{"NUMERIC": ["=", 5]}]}}"#,
                "Unrecognized match type NUMERIC",
            ),
            (
                r#"{"c": [{"numeric": [">", 0, ">", 0]}]}"#,
                "Bad numeric range operator: >",
            ),
            (
                r#"{"c": [{"numeric": [">", 0, "<"]}]}"#,
                "Value of < must be numeric",
            ),
            (
                r#"{"t": [{"prefix": ["2022"]}]}"#,
                "prefix match pattern must be a string",
            ),
            (
                r#"{"t": [{"suffix": 123}]}"#,
                "suffix match pattern must be a string",
            ),
            (
                r#"{"t": [{"equals-ignore-case": ["x"]}]}"#,
                "equals-ignore-case match pattern must be a string",
            ),
            (
                r#"{"t": [{"equals-ignore-case": {"prefix": "x"}}]}"#,
                "equals-ignore-case match pattern must be a string",
            ),
            (
                r#"{"t": [{"wildcard": 123}]}"#,
                "wildcard match pattern must be a string",
            ),
            (
                r#"{"t": [{"wildcard": "a**b"}]}"#,
                "Consecutive wildcard characters at pos 1",
            ),
            (
                r#"{"t": [{"anything-but": {"prefix": 123}}]}"#,
                "prefix/suffix match pattern must be a string",
            ),
            (
                r#"{"t": [{"anything-but": {"suffix": [123, ".txt"]}}]}"#,
                "prefix/suffix match pattern must be a string",
            ),
            (
                r#"{"t": [{"anything-but": {"prefix": ""}}]}"#,
                "Null prefix/suffix not allowed",
            ),
            (
                r#"{"t": [{"anything-but": {"prefix": {"equals-ignore-case": "f"}}}]}"#,
                "Value of anything-but must be an array or single string/number value.",
            ),
            (
                r#"{"t": [{"anything-but": null}]}"#,
                "Value of anything-but must be an array or single string/number value.",
            ),
            (
                r#"{"t": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}"#,
                "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
            ),
            (
                r#"{"t": [{"anything-but": {"wildcard": [123]}}]}"#,
                "wildcard match pattern must be a string",
            ),
            (
                r#"{"t": [{"anything-but": ["a", null]}]}"#,
                "Inside anything but list, start|null|boolean is not supported.",
            ),
            (
                r#"{"t": [{"anything-but": ["a", 1]}]}"#,
                "Inside anything but list, either all values are number or string, mixed type is not supported",
            ),
            (
                r#"{"ip": [{"cidr": "10.0.0.0"}]}"#,
                "Malformed CIDR, one '/' required",
            ),
            (
                r#"{"ip": [{"cidr": "10.0.0.0/x"}]}"#,
                "Malformed CIDR, mask bits must be an integer",
            ),
            (
                r#"{"ip": [{"cidr": "xx.11.xx/24"}]}"#,
                "Nonstandard IP address: xx.11.xx",
            ),
            (
                r#"{"ip": [{"cidr": "10.0.0.0/32"}]}"#,
                "IPv4 mask bits must be < 32",
            ),
            (
                r#"{"ip": [{"cidr": ["bad-type"]}]}"#,
                "prefix match pattern must be a string",
            ),
            (
                r#"{"e": [{"exists": "yes"}]}"#,
                "exists match pattern must be either true or false.",
            ),
            (
                r#"{"e": [{"prefix": "a", "suffix": "b"}]}"#,
                "Only one key allowed in match expression",
            ),
            (
                r#"{"e": [{"contains": "a"}]}"#,
                "Unrecognized match type contains",
            ),
            (
                r#"{"$or": [{"a": ["x"]}]}"#,
                "There must have at least 2 Objects in $or relationship.",
            ),
            (
                r#"{"$or": [{"a": ["x"]}, {"prefix": ["y"]}]}"#,
                "prefix is Ruler reserved fieldName which cannot be used inside $or.",
            ),
            (
                r#"{"e": [[1]]}"#,
                "Match value must be String, number, true, false, or null",
            ),
            (
                r#"{"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}"#,
                "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(reason(text), expected, "pattern {text}");
        }
    }

    #[test]
    fn display_is_the_aws_message_and_location_points_at_the_problem() {
        let err = Pattern::parse(r#"{"time": [{"prefix": 123}]}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Event pattern is not valid. Reason: prefix match pattern must be a string"
        );
        assert_eq!(
            err.location(),
            Some(Location {
                line: 1,
                column: 22
            })
        );
        assert_eq!(err.kind(), PatternErrorKind::Invalid);
    }

    #[test]
    fn or_expansion_is_capped_at_1000_combinations() {
        let or = |n: usize| {
            let branches: Vec<String> = (0..n).map(|i| format!(r#"{{"f{i}": ["v"]}}"#)).collect();
            format!(r#"{{"$or": [{}]}}"#, branches.join(","))
        };
        // 10 x 10 x 10 = 1000 combinations is allowed; 11 x 10 x 10 is not.
        let nested = |a: usize| format!(r#"{{"a": {}, "b": {}, "c": {}}}"#, or(a), or(10), or(10));
        let ok = Pattern::parse_with(
            &nested(10),
            &ParseOptions {
                max_length: 100_000,
                ..ParseOptions::default()
            },
        );
        assert_eq!(ok.map(|p| p.branches.len()).ok(), Some(1000));
        let err = Pattern::parse_with(
            &nested(11),
            &ParseOptions {
                max_length: 100_000,
                ..ParseOptions::default()
            },
        )
        .unwrap_err();
        assert_eq!(err.kind(), PatternErrorKind::Limit);
    }

    #[test]
    fn length_limit_defaults_to_2048_and_can_be_raised() {
        let long = format!(r#"{{"a": ["{}"]}}"#, "x".repeat(2100));
        assert_eq!(
            Pattern::parse(&long).unwrap_err().kind(),
            PatternErrorKind::Limit
        );
        let raised = ParseOptions {
            max_length: 4096,
            ..ParseOptions::default()
        };
        assert!(Pattern::parse_with(&long, &raised).is_ok());
    }

    #[test]
    fn duplicate_paths_keep_the_last_and_dotted_keys_join() {
        let p = Pattern::parse(r#"{"a": {"b": ["x"]}, "a.b": ["y"]}"#).unwrap();
        assert_eq!(p.branches.len(), 1);
        assert_eq!(p.branches[0].fields.len(), 1);
        assert!(p.matches_json(r#"{"a": {"b": "y"}}"#).unwrap());
        assert!(!p.matches_json(r#"{"a": {"b": "x"}}"#).unwrap());
    }

    #[test]
    fn unrelated_arrays_do_not_multiply_the_search() {
        // Eleven arrays of eight elements each, plus a pair of fields that can never come from
        // one element of `z`: a naive search tries 8^11 combinations before failing.
        let mut pattern = serde_json::Map::new();
        let mut event = serde_json::Map::new();
        for i in 1..=11 {
            pattern.insert(
                format!("a{i}"),
                serde_json::json!({"x": [{"exists": true}]}),
            );
            event.insert(
                format!("a{i}"),
                serde_json::json!(vec![serde_json::json!({"x": 1}); 8]),
            );
        }
        pattern.insert(
            "z".into(),
            serde_json::json!({"x": [{"exists": true}], "y": [{"exists": true}]}),
        );
        // More candidates than the other fields, so ordering by candidate count cannot help.
        let z = (0..20).map(|i| {
            if i % 2 == 0 {
                serde_json::json!({"x": i})
            } else {
                serde_json::json!({"y": i})
            }
        });
        event.insert("z".into(), Value::Array(z.collect()));
        let p = Pattern::parse(&Value::Object(pattern).to_string()).unwrap();
        let started = std::time::Instant::now();
        assert!(!p.matches_value(&Value::Object(event)));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn nested_arrays_do_not_multiply_the_search() {
        // Inside each element of `a`: ten arrays of eight elements and an unsatisfiable pair.
        let mut inner = serde_json::Map::new();
        let mut inner_pattern = serde_json::Map::new();
        for i in 0..10 {
            inner.insert(
                format!("b{i}"),
                serde_json::json!(vec![serde_json::json!({"x": 1}); 8]),
            );
            inner_pattern.insert(
                format!("b{i}"),
                serde_json::json!({"x": [{"exists": true}]}),
            );
        }
        let z = (0..20).map(|i| {
            if i % 2 == 0 {
                serde_json::json!({"x": i})
            } else {
                serde_json::json!({"y": i})
            }
        });
        inner.insert("z".into(), Value::Array(z.collect()));
        inner_pattern.insert(
            "z".into(),
            serde_json::json!({"x": [{"exists": true}], "y": [{"exists": true}]}),
        );
        let event = serde_json::json!({"a": [Value::Object(inner.clone()), Value::Object(inner)]});
        let p = Pattern::parse(&serde_json::json!({"a": inner_pattern}).to_string()).unwrap();
        let started = std::time::Instant::now();
        assert!(!p.matches_value(&event));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "took {:?}",
            started.elapsed()
        );
    }

    /// Events shaped like `{"a": [{"x"?, "y"?, "a": [{"x"?, "y"?}, ..]?}, ..], "x"?}`, where
    /// `x` and `y` often land in different elements.
    fn nested_event() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        fn element(levels: u32) -> BoxedStrategy<Value> {
            let nested = if levels == 0 {
                Just(None).boxed()
            } else {
                proptest::option::of(proptest::collection::vec(element(levels - 1), 0..4)).boxed()
            };
            (any::<bool>(), any::<bool>(), nested, any::<bool>())
                .prop_map(|(x, y, nested, wrap)| {
                    let mut m = serde_json::Map::new();
                    if x {
                        m.insert("x".into(), serde_json::json!(1));
                    }
                    if y {
                        m.insert("y".into(), serde_json::json!(2));
                    }
                    if let Some(items) = nested {
                        m.insert("a".into(), Value::Array(items));
                    }
                    // Sometimes an array of arrays: still one path, one more array level.
                    if wrap {
                        serde_json::json!([Value::Object(m)])
                    } else {
                        Value::Object(m)
                    }
                })
                .boxed()
        }
        (proptest::collection::vec(element(2), 0..5), any::<bool>()).prop_map(|(items, x)| {
            if x {
                serde_json::json!({"a": items, "x": 0})
            } else {
                serde_json::json!({ "a": items })
            }
        })
    }

    proptest::proptest! {
        /// The level-by-level solver agrees with a plain search over whole memberships.
        #[test]
        fn consistency_solver_agrees_with_exhaustive_search(event in nested_event()) {
            let paths = ["a.x", "a.y", "a.a.x", "a.a.y", "x", "a.a"];
            let filter = crate::flat::PathFilter::new(paths);
            let flat = FlatEvent::from_value(&event, &filter);
            for take in 2..=paths.len() {
                let fields: Vec<Vec<usize>> = paths[..take]
                    .iter()
                    .map(|p| flat.at(p).collect())
                    .collect();
                if fields.iter().any(Vec::is_empty) {
                    continue;
                }
                let mut sorted = fields.clone();
                sorted.sort_by_key(Vec::len);
                let exhaustive = crate::consistency::assign(&sorted, &mut Vec::new(), &flat);
                proptest::prop_assert_eq!(consistent(fields, 0, &flat), exhaustive, "{} fields of {}", take, event);
            }
        }
    }

    #[test]
    fn large_arrays_stay_linear() {
        let items: Vec<Value> = (0..20_000)
            .map(|i| {
                if i % 2 == 0 {
                    serde_json::json!({"x": i})
                } else {
                    serde_json::json!({"y": i})
                }
            })
            .collect();
        let p =
            Pattern::parse(r#"{"a": {"x": [{"exists": true}], "y": [{"exists": true}]}}"#).unwrap();
        let started = std::time::Instant::now();
        assert!(!p.matches_value(&serde_json::json!({ "a": items })));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn number_equality_is_selectable() {
        let by_value = Pattern::parse(r#"{"a": [300]}"#).unwrap();
        let by_text = Pattern::parse_with(
            r#"{"a": [300]}"#,
            &ParseOptions {
                numbers: NumberEquality::Representation,
                ..ParseOptions::default()
            },
        )
        .unwrap();
        for (event, representation, value) in [
            (r#"{"a": 300}"#, true, true),
            (r#"{"a": 300.0}"#, false, true),
            (r#"{"a": 3.0e2}"#, false, true),
            (r#"{"a": 301}"#, false, false),
        ] {
            assert_eq!(
                by_text.matches_json(event).unwrap(),
                representation,
                "{event}"
            );
            assert_eq!(by_value.matches_json(event).unwrap(), value, "{event}");
        }
    }

    #[test]
    fn cidr_ranges_start_at_the_written_address() {
        assert_eq!(
            cidr("10.0.0.0/24"),
            Ok(IpRange::V4(0x0A00_0000, 0x0A00_00FF))
        );
        assert_eq!(
            cidr("10.0.0.5/24"),
            Ok(IpRange::V4(0x0A00_0005, 0x0A00_00FF))
        );
        assert_eq!(
            cidr("10.0.0.0/"),
            Err("Malformed CIDR, one '/' required".into())
        );
        assert_eq!(
            cidr("2001:db8::/32").map(|r| matches!(r, IpRange::V6(..))),
            Ok(true)
        );
        assert_eq!(
            cidr("10.0.0.0/-1"),
            Err("Malformed CIDR, mask bits must not be negative".into())
        );
    }
}
