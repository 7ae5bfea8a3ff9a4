//! Many patterns matched together against one flattening of the event.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use crate::error::EventError;
use crate::flat::{FlatEvent, FnvBuild, PathFilter, Scalar};
use crate::matcher::{Literal, Matcher};
use crate::pattern::{Branch, Pattern};

/// Named patterns, compiled together so that matching an event costs one flattening of the event
/// plus the patterns that could match it, not one pass per pattern.
///
/// Every `$or` branch of every pattern is filed under one field it requires, its *anchor*: the
/// rarest exact value it needs (say `detail.state = "stopped"`), or else the path of a field that
/// must be present. For an event, only the branches whose anchor appears in it are evaluated;
/// branches with no required field (only `exists: false`) are always evaluated.
///
/// ```
/// use bridgecraft_patterns::{Pattern, RuleSet};
///
/// let rules = RuleSet::new([
///     ("stopped", Pattern::parse(r#"{"detail": {"state": ["stopped"]}}"#)?),
///     ("ec2", Pattern::parse(r#"{"source": ["aws.ec2"]}"#)?),
///     ("big", Pattern::parse(r#"{"detail": {"size": [{"numeric": [">", 100]}]}}"#)?),
/// ]);
/// let event = r#"{"source": "aws.ec2", "detail": {"state": "stopped", "size": 5}}"#;
/// assert_eq!(rules.matching_json(event)?, vec![&"stopped", &"ec2"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RuleSet<K> {
    names: Vec<K>,
    patterns: Vec<Pattern>,
    /// (pattern index, branch index), ordered by pattern.
    branches: Vec<(u32, u32)>,
    by_path: HashMap<String, PathIndex, FnvBuild>,
    /// Branches with no required field.
    always: Vec<u32>,
    /// Every path any pattern reads; the rest of an event is skipped.
    filter: PathFilter,
}

#[derive(Debug, Clone, Default)]
struct PathIndex {
    /// Exact strings; IP addresses under their canonical spelling.
    strings: HashMap<String, Vec<u32>, FnvBuild>,
    /// Some exact values are IP addresses: event strings are also looked up canonicalised.
    has_ip: bool,
    others: Vec<(Literal, Vec<u32>)>,
    /// Branches that only need some value at this path.
    present: Vec<u32>,
}

enum Anchor<'p> {
    Exact(&'p str, Vec<&'p Literal>),
    Present(&'p str),
}

impl<K> RuleSet<K> {
    /// Compiles the patterns into one index. Names are returned by the matching methods, in the
    /// order the patterns were given.
    pub fn new(patterns: impl IntoIterator<Item = (K, Pattern)>) -> RuleSet<K> {
        let (names, patterns): (Vec<K>, Vec<Pattern>) = patterns.into_iter().unzip();
        let mut set = RuleSet {
            names,
            patterns,
            branches: Vec::new(),
            by_path: HashMap::default(),
            always: Vec::new(),
            filter: PathFilter::default(),
        };
        set.filter = PathFilter::new(
            set.patterns
                .iter()
                .flat_map(|p| &p.branches)
                .flat_map(|b| b.fields.iter().map(|f| f.path.as_str())),
        );

        // How many branches need each exact value, and each path: anchors go to the rarest.
        let mut value_counts: HashMap<(&str, LiteralKey<'_>), usize> = HashMap::new();
        let mut path_counts: HashMap<&str, usize> = HashMap::new();
        for branch in set.patterns.iter().flat_map(|p| &p.branches) {
            for field in required_fields(branch) {
                *path_counts.entry(field.path.as_str()).or_default() += 1;
                for m in &field.matchers {
                    if let Matcher::Exact(lit) = m {
                        *value_counts
                            .entry((field.path.as_str(), LiteralKey::of(lit)))
                            .or_default() += 1;
                    }
                }
            }
        }

        let mut anchors = Vec::new();
        for (p, pattern) in set.patterns.iter().enumerate() {
            for (b, branch) in pattern.branches.iter().enumerate() {
                let id = u32::try_from(anchors.len()).unwrap_or(u32::MAX);
                set.branches.push((
                    u32::try_from(p).unwrap_or(u32::MAX),
                    u32::try_from(b).unwrap_or(u32::MAX),
                ));
                anchors.push((id, choose_anchor(branch, &value_counts, &path_counts)));
            }
        }
        for (id, anchor) in anchors {
            match anchor {
                None => set.always.push(id),
                Some(Anchor::Present(path)) => set
                    .by_path
                    .entry(path.to_owned())
                    .or_default()
                    .present
                    .push(id),
                Some(Anchor::Exact(path, literals)) => {
                    let index = set.by_path.entry(path.to_owned()).or_default();
                    for lit in literals {
                        match lit {
                            Literal::Str(s) => index.strings.entry(s.clone()).or_default().push(id),
                            Literal::Ip(_, addr) => {
                                index.has_ip = true;
                                index.strings.entry(addr.to_string()).or_default().push(id);
                            }
                            other => match index.others.iter_mut().find(|(l, _)| l == other) {
                                Some((_, ids)) => ids.push(id),
                                None => index.others.push((other.clone(), vec![id])),
                            },
                        }
                    }
                }
            }
        }
        set
    }

    /// Number of patterns in the set.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Names of the patterns matching an event given as JSON text.
    pub fn matching_json(&self, event: &str) -> Result<Vec<&K>, EventError> {
        Ok(self.matching_flat(&FlatEvent::from_json(event, &self.filter)?))
    }

    /// Names of the patterns matching a parsed event.
    pub fn matching_value(&self, event: &Value) -> Vec<&K> {
        self.matching_flat(&FlatEvent::from_value(event, &self.filter))
    }

    /// Names of the patterns matching any serializable event.
    pub fn matching<T: Serialize + ?Sized>(&self, event: &T) -> Result<Vec<&K>, EventError> {
        let value = serde_json::to_value(event)?;
        Ok(self.matching_value(&value))
    }

    fn matching_flat(&self, event: &FlatEvent<'_>) -> Vec<&K> {
        let mut candidates: Vec<u32> = self.always.clone();
        // Leaves come sorted by path: look each distinct path up once.
        let mut leaf = 0;
        while leaf < event.len() {
            let path = event.path(leaf);
            let hash = event.hash(leaf);
            let mut end = leaf + 1;
            while end < event.len() && event.hash(end) == hash && event.path(end) == path {
                end += 1;
            }
            if let Some(index) = self.by_path.get(path) {
                candidates.extend_from_slice(&index.present);
                for l in leaf..end {
                    match event.leaf(l).map(|l| &l.value) {
                        Some(Scalar::Str(s)) => {
                            if let Some(ids) = index.strings.get(s.as_ref()) {
                                candidates.extend_from_slice(ids);
                            }
                            if index.has_ip
                                && let Ok(ip) = s.parse::<std::net::IpAddr>()
                                && let canonical = ip.to_string()
                                && canonical != s.as_ref()
                                && let Some(ids) = index.strings.get(&canonical)
                            {
                                candidates.extend_from_slice(ids);
                            }
                        }
                        Some(value) => {
                            for (lit, ids) in &index.others {
                                if lit.equals(value) {
                                    candidates.extend_from_slice(ids);
                                }
                            }
                        }
                        None => {}
                    }
                }
            }
            leaf = end;
        }
        candidates.sort_unstable();
        candidates.dedup();

        let mut matched = Vec::new();
        let mut last_matched = None;
        for id in candidates {
            let Some(&(p, b)) = self.branches.get(id as usize) else {
                continue;
            };
            if last_matched == Some(p) {
                continue;
            }
            let branch = self
                .patterns
                .get(p as usize)
                .and_then(|pattern| pattern.branches.get(b as usize));
            if branch.is_some_and(|branch| branch.matches(event)) {
                last_matched = Some(p);
                if let Some(name) = self.names.get(p as usize) {
                    matched.push(name);
                }
            }
        }
        matched
    }
}

/// Fields a branch cannot match without: not satisfied by absence.
fn required_fields(branch: &Branch) -> impl Iterator<Item = &crate::pattern::Field> {
    branch
        .fields
        .iter()
        .filter(|f| !f.absent_ok && !f.matchers.is_empty())
}

/// Hashable identity of an exact literal, for counting.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum LiteralKey<'a> {
    Str(&'a str),
    Other(String),
}

impl<'a> LiteralKey<'a> {
    fn of(lit: &'a Literal) -> LiteralKey<'a> {
        match lit {
            Literal::Str(s) | Literal::Ip(s, _) => LiteralKey::Str(s),
            other => LiteralKey::Other(format!("{other:?}")),
        }
    }
}

fn choose_anchor<'p>(
    branch: &'p Branch,
    value_counts: &HashMap<(&str, LiteralKey<'_>), usize>,
    path_counts: &HashMap<&str, usize>,
) -> Option<Anchor<'p>> {
    // A `present` anchor is evaluated for every event carrying the path, so it weighs more than
    // an exact value shared by as many branches.
    const PRESENT_WEIGHT: usize = 4;
    let mut best: Option<(usize, Anchor<'p>)> = None;
    for field in required_fields(branch) {
        let literals: Option<Vec<&Literal>> = field
            .matchers
            .iter()
            .map(|m| match m {
                Matcher::Exact(lit) => Some(lit),
                _ => None,
            })
            .collect();
        let (cost, anchor) = match literals {
            Some(literals) => {
                let cost = literals
                    .iter()
                    .map(|l| {
                        value_counts
                            .get(&(field.path.as_str(), LiteralKey::of(l)))
                            .copied()
                            .unwrap_or(1)
                    })
                    .sum();
                (cost, Anchor::Exact(field.path.as_str(), literals))
            }
            None => {
                let count = path_counts.get(field.path.as_str()).copied().unwrap_or(1);
                (
                    count.saturating_mul(PRESENT_WEIGHT),
                    Anchor::Present(field.path.as_str()),
                )
            }
        };
        if best.as_ref().is_none_or(|(c, _)| cost < *c) {
            best = Some((cost, anchor));
        }
    }
    best.map(|(_, anchor)| anchor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(patterns: &[(&'static str, &str)]) -> RuleSet<&'static str> {
        RuleSet::new(
            patterns
                .iter()
                .map(|(n, p)| (*n, Pattern::parse(p).unwrap())),
        )
    }

    #[test]
    fn agrees_with_matching_each_pattern_alone() {
        let patterns = [
            ("exact", r#"{"source": ["aws.ec2"]}"#),
            ("number", r#"{"detail": {"n": [5]}}"#),
            ("null", r#"{"detail": {"z": [null]}}"#),
            (
                "absent-only",
                r#"{"detail": {"missing": [{"exists": false}]}}"#,
            ),
            ("prefix", r#"{"detail": {"state": [{"prefix": "sto"}]}}"#),
            (
                "or",
                r#"{"$or": [{"source": ["nope"]}, {"detail": {"n": [{"numeric": [">", 1]}]}}]}"#,
            ),
            (
                "array",
                r#"{"detail": {"items": {"k": ["a"], "v": ["1"]}}}"#,
            ),
            ("mixed", r#"{"source": ["aws.ec2", {"prefix": "x"}]}"#),
            ("ip", r#"{"detail": {"ip": ["2001:db8::1"]}}"#),
        ];
        let rules = set(&patterns);
        let events = [
            r#"{"source": "aws.ec2", "detail": {"n": 5, "z": null, "state": "stopped"}}"#,
            r#"{"source": "xyz", "detail": {"missing": 1, "items": [{"k": "a"}, {"v": "1"}]}}"#,
            r#"{"detail": {"items": [{"k": "a", "v": "1"}], "n": 5.0}}"#,
            r#"{"detail": {"ip": "2001:DB8:0::1"}}"#,
            r#"{}"#,
        ];
        for event in events {
            let expected: Vec<&&str> = patterns
                .iter()
                .filter(|(_, p)| Pattern::parse(p).unwrap().matches_json(event).unwrap())
                .map(|(n, _)| n)
                .collect();
            let got = rules.matching_json(event).unwrap();
            assert_eq!(got, expected, "event {event}");
        }
    }

    #[test]
    fn anchors_on_the_rarest_exact_value() {
        let rules = set(&[
            ("a", r#"{"source": ["aws.ec2"], "detail": {"id": ["i-1"]}}"#),
            ("b", r#"{"source": ["aws.ec2"], "detail": {"id": ["i-2"]}}"#),
        ]);
        let index = rules
            .by_path
            .get("detail.id")
            .expect("anchored on detail.id");
        assert_eq!(index.strings.len(), 2);
        assert!(!rules.by_path.contains_key("source"));
    }
}
