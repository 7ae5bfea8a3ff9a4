//! Many patterns matched together, at a cost that depends on the event rather than on how many
//! patterns there are.

use std::cell::Cell;

use serde::Serialize;
use serde_json::Value;

use crate::engine::{Engine, Scratch};
use crate::error::EventError;
use crate::pattern::Pattern;
use crate::scan::{self, Scanned};

/// Named patterns compiled into one structure, so that an event is read once, only where some
/// pattern looks, and its cost depends on the event rather than on the number of patterns.
///
/// Every `$or` branch of every pattern becomes a path through a tree of field steps, shared with
/// the branches that start the same way (the automaton approach of event-ruler and quamina). An
/// event given as JSON text is scanned without building anything: the values of fields no
/// pattern names are skipped, only checked to be balanced (strings closed, brackets paired),
/// while the parts that are read are validated strictly; a set that may take each path to occur
/// once ([`EventKeys::Unique`]) stops reading once every path it names has been. The event's
/// values at the paths the
/// patterns name are then looked up once per state of the tree they reach, in hash tables for
/// exact values, tables by length for prefixes and suffixes, and ranges sorted by bound.
///
/// Patterns can be added and removed at any time; only the states they alone used change.
/// Matches are reported in the order the patterns were added.
///
/// ```
/// use bridgecraft_patterns::{Pattern, RuleSet};
///
/// let mut rules = RuleSet::new([
///     ("stopped", Pattern::parse(r#"{"detail": {"state": ["stopped"]}}"#)?),
///     ("ec2", Pattern::parse(r#"{"source": ["aws.ec2"]}"#)?),
/// ]);
/// let big = rules.insert("big", &Pattern::parse(r#"{"detail": {"size": [{"numeric": [">", 100]}]}}"#)?);
/// let event = r#"{"source": "aws.ec2", "detail": {"state": "stopped", "size": 500}}"#;
/// assert_eq!(rules.matching_json(event)?, vec![&"stopped", &"ec2", &"big"]);
///
/// assert_eq!(rules.remove(big), Some("big"));
/// assert_eq!(rules.matching_json(event)?, vec![&"stopped", &"ec2"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RuleSet<K> {
    engine: Engine,
    slots: Vec<Option<Slot<K>>>,
    /// By slot, bumped each time the slot is emptied, so that stale ids find nothing.
    generations: Vec<u32>,
    free: Vec<u32>,
    next_order: u64,
    len: usize,
    /// How many patterns have a branch made of a single field.
    one_field: usize,
    /// How many patterns are made only of branches of a single field that needs a value: those
    /// that matching while an event is read decides on its own.
    decided_early: usize,
    keys: EventKeys,
}

/// What a [`RuleSet`] may take for granted about the keys of the events it reads as JSON text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKeys {
    /// Any JSON: a key may occur twice in one object (or a dotted key spell a path that nested
    /// keys spell too), and every occurrence is matched. An event is read to its end, unless
    /// every pattern has matched before.
    #[default]
    MayRepeat,
    /// Each field path occurs once in an event, as in every event AWS services send and any
    /// JSON serialized from a map or a struct. Reading then stops as soon as every path the
    /// patterns name has been read: an object is left (skipped to its end, only balanced) once
    /// its wanted members are read, and the rest of the event is not read at all, so it is not
    /// validated either. quamina reads events the same way. An event that does repeat a path is
    /// matched on what was read before the stop, which may leave out later occurrences.
    Unique,
}

#[derive(Debug, Clone)]
struct Slot<K> {
    name: K,
    /// Insertion order, for the order of results.
    order: u64,
    /// The state each branch of the pattern ends at.
    ends: Box<[u32]>,
    one_field: bool,
    decided_early: bool,
}

/// A pattern's place in a [`RuleSet`], returned by [`RuleSet::insert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RuleId {
    slot: u32,
    generation: u32,
}

impl<K> Default for RuleSet<K> {
    fn default() -> Self {
        RuleSet {
            engine: Engine::default(),
            slots: Vec::new(),
            generations: Vec::new(),
            free: Vec::new(),
            next_order: 0,
            len: 0,
            one_field: 0,
            decided_early: 0,
            keys: EventKeys::MayRepeat,
        }
    }
}

thread_local! {
    static SCRATCH: Cell<Option<Box<Scratch>>> = const { Cell::new(None) };
}

/// Runs `f` with this thread's working memory, kept from one event to the next.
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    let mut scratch = SCRATCH
        .try_with(Cell::take)
        .ok()
        .flatten()
        .unwrap_or_default();
    let result = f(&mut scratch);
    let _ = SCRATCH.try_with(|cell| cell.set(Some(scratch)));
    result
}

impl<K> RuleSet<K> {
    /// Compiles the patterns together. Names are returned by the matching methods, in the order
    /// the patterns were given.
    pub fn new(patterns: impl IntoIterator<Item = (K, Pattern)>) -> RuleSet<K> {
        let mut set = RuleSet::default();
        for (name, pattern) in patterns {
            set.insert(name, &pattern);
        }
        set
    }

    /// An empty set that takes `keys` for granted about the events it reads as text.
    ///
    /// ```
    /// use bridgecraft_patterns::{EventKeys, Pattern, RuleSet};
    ///
    /// let mut rules = RuleSet::with_keys(EventKeys::Unique);
    /// rules.insert("ec2", &Pattern::parse(r#"{"source": ["aws.ec2"]}"#)?);
    /// // Once `source` is read nothing else can change the outcome: the rest is not read.
    /// let cut_short = r#"{"source": "aws.s3", "detail": {"#;
    /// assert!(rules.matching_json(cut_short)?.is_empty());
    /// rules.set_keys(EventKeys::MayRepeat);
    /// assert!(rules.matching_json(cut_short).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_keys(keys: EventKeys) -> RuleSet<K> {
        RuleSet {
            keys,
            ..RuleSet::default()
        }
    }

    /// Changes what the set takes for granted about the keys of events read as text.
    pub fn set_keys(&mut self, keys: EventKeys) {
        self.keys = keys;
    }

    /// Adds a pattern under `name`, leaving the others as they are.
    pub fn insert(&mut self, name: K, pattern: &Pattern) -> RuleId {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(None);
                self.generations.push(0);
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        let ends = self.engine.insert(&pattern.branches, slot);
        let one_field = ends.iter().any(|&end| self.engine.is_one_field(end));
        let decided_early = ends
            .iter()
            .all(|&end| self.engine.is_one_present_field(end));
        self.one_field += usize::from(one_field);
        self.decided_early += usize::from(decided_early);
        if let Some(place) = self.slots.get_mut(slot as usize) {
            *place = Some(Slot {
                name,
                order: self.next_order,
                ends,
                one_field,
                decided_early,
            });
        }
        self.next_order += 1;
        self.len += 1;
        RuleId {
            slot,
            generation: self.generations.get(slot as usize).copied().unwrap_or(0),
        }
    }

    /// Removes a pattern and returns its name; `None` when it was already removed.
    pub fn remove(&mut self, id: RuleId) -> Option<K> {
        if self.generations.get(id.slot as usize) != Some(&id.generation) {
            return None;
        }
        let slot = self.slots.get_mut(id.slot as usize)?.take()?;
        self.engine.remove(&slot.ends, id.slot);
        self.one_field -= usize::from(slot.one_field);
        self.decided_early -= usize::from(slot.decided_early);
        if let Some(generation) = self.generations.get_mut(id.slot as usize) {
            *generation = generation.wrapping_add(1);
        }
        self.free.push(id.slot);
        self.len -= 1;
        Some(slot.name)
    }

    /// The name of a pattern in the set.
    pub fn get(&self, id: RuleId) -> Option<&K> {
        if self.generations.get(id.slot as usize) != Some(&id.generation) {
            return None;
        }
        self.slots
            .get(id.slot as usize)?
            .as_ref()
            .map(|slot| &slot.name)
    }

    /// Number of patterns in the set.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Names of the patterns matching an event given as JSON text. The text is read only where
    /// some pattern looks; elsewhere it is only checked to be balanced. When every pattern has
    /// a branch of a single field, reading stops as soon as all of them have matched, and the
    /// rest of the event is not read at all; with [`EventKeys::Unique`], also as soon as every
    /// path the patterns name has been read.
    pub fn matching_json(&self, event: &str) -> Result<Vec<&K>, EventError> {
        let stop_at = (self.len > 0 && self.one_field == self.len).then_some(self.len);
        let unique = self.keys == EventKeys::Unique;
        with_scratch(|scratch| {
            let scanned = self
                .engine
                .scan(scratch, event, stop_at, unique)
                .map_err(|e| EventError::at(event, e.message, e.offset))?;
            if scanned == Scanned::Stopped {
                let mut all: Vec<&Slot<K>> = self.slots.iter().flatten().collect();
                all.sort_unstable_by_key(|slot| slot.order);
                return Ok(all.into_iter().map(|slot| &slot.name).collect());
            }
            if stop_at.is_some() && self.decided_early == self.len {
                // Every pattern was decided as the event was read.
                return Ok(self.names(&scratch.early_matched));
            }
            self.engine.run(scratch, event);
            Ok(self.names(&scratch.matched))
        })
    }

    /// Names of the patterns matching a parsed event.
    pub fn matching_value(&self, event: &Value) -> Vec<&K> {
        with_scratch(|scratch| {
            scan::walk_value(event, &self.engine.trie, &mut scratch.leaves);
            self.engine.run(scratch, "");
            self.names(&scratch.matched)
        })
    }

    /// Names of the patterns matching any serializable event.
    pub fn matching<T: Serialize + ?Sized>(&self, event: &T) -> Result<Vec<&K>, EventError> {
        let value = serde_json::to_value(event)?;
        Ok(self.matching_value(&value))
    }

    fn names(&self, matched: &[u32]) -> Vec<&K> {
        let mut found: Vec<&Slot<K>> = matched
            .iter()
            .filter_map(|&slot| self.slots.get(slot as usize)?.as_ref())
            .collect();
        found.sort_unstable_by_key(|slot| slot.order);
        found.into_iter().map(|slot| &slot.name).collect()
    }
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

    /// The names a rule set reports for an event given as text.
    fn names<'r>(rules: &'r RuleSet<&str>, event: &str) -> Vec<&'r str> {
        rules
            .matching_json(event)
            .unwrap()
            .into_iter()
            .copied()
            .collect()
    }

    fn alone<'p>(patterns: &[(&'p str, &str)], event: &str) -> Vec<&'p str> {
        patterns
            .iter()
            .filter(|(_, p)| Pattern::parse(p).unwrap().matches_json(event).unwrap())
            .map(|(n, _)| *n)
            .collect()
    }

    const PATTERNS: &[(&str, &str)] = &[
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
        (
            "absent-or-value",
            r#"{"detail": {"z": [{"exists": false}, 7]}}"#,
        ),
    ];

    const EVENTS: &[&str] = &[
        r#"{"source": "aws.ec2", "detail": {"n": 5, "z": null, "state": "stopped"}}"#,
        r#"{"source": "xyz", "detail": {"missing": 1, "items": [{"k": "a"}, {"v": "1"}]}}"#,
        r#"{"detail": {"items": [{"k": "a", "v": "1"}], "n": 5.0, "z": 7}}"#,
        r#"{"detail": {"ip": "2001:DB8:0::1", "z": 8}}"#,
        r#"{}"#,
    ];

    #[test]
    fn agrees_with_matching_each_pattern_alone() {
        let rules = set(PATTERNS);
        for event in EVENTS {
            assert_eq!(
                names(&rules, event),
                alone(PATTERNS, event),
                "event {event}"
            );
            let value: Value = serde_json::from_str(event).unwrap();
            let got: Vec<&str> = rules.matching_value(&value).into_iter().copied().collect();
            assert_eq!(got, alone(PATTERNS, event), "value {event}");
        }
    }

    #[test]
    fn many_values_on_one_path_are_indexed_and_agree() {
        // Enough matchers on `detail.v` to index them, of every kind.
        let texts: Vec<(String, String)> = (0..30)
            .map(|i| {
                let matcher = match i % 10 {
                    0 => format!(r#""v{i}""#),
                    1 => format!(r#"{{"prefix": "v{i}"}}"#),
                    2 => format!(r#"{{"suffix": "{i}"}}"#),
                    3 => format!(r#"{{"equals-ignore-case": "V{i}"}}"#),
                    4 => format!(r#"{{"prefix": {{"equals-ignore-case": "V{}"}}}}"#, i / 10),
                    5 => format!(r#"{{"suffix": {{"equals-ignore-case": "X{i}"}}}}"#),
                    6 => format!(r#"{{"numeric": [">", {i}, "<=", {}]}}"#, i + 5),
                    7 => format!("{i}"),
                    8 => format!(r#"{{"anything-but": ["v{i}"]}}"#),
                    _ => format!(r#"{{"wildcard": "v*{i}"}}"#),
                };
                (
                    format!("p{i}"),
                    format!(r#"{{"detail": {{"v": [{matcher}]}}}}"#),
                )
            })
            .chain([(
                "ip".to_owned(),
                r#"{"detail": {"v": ["2001:DB8::1"]}}"#.to_owned(),
            )])
            .collect();
        let patterns: Vec<(&str, &str)> = texts
            .iter()
            .map(|(n, p)| (n.as_str(), p.as_str()))
            .collect();
        let rules = RuleSet::new(
            patterns
                .iter()
                .map(|(n, p)| (*n, Pattern::parse(p).unwrap())),
        );
        for v in [
            r#""v10""#,
            r#""v11x""#,
            r#""a12""#,
            r#""V13""#,
            r#""v2zz""#,
            r#""ax15""#,
            "17",
            "26.5",
            "27",
            r#""v18""#,
            r#""vvv19""#,
            r#"["v0", 12]"#,
            "null",
            r#""2001:db8:0::1""#,
        ] {
            let event = format!(r#"{{"detail": {{"v": {v}}}}}"#);
            assert_eq!(
                names(&rules, &event),
                alone(&patterns, &event),
                "event {event}"
            );
        }
    }

    #[test]
    fn removal_leaves_the_others_matching_and_frees_what_only_it_used() {
        let mut rules: RuleSet<&str> = RuleSet::default();
        let ids: Vec<RuleId> = PATTERNS
            .iter()
            .map(|(n, p)| rules.insert(n, &Pattern::parse(p).unwrap()))
            .collect();
        for (i, id) in ids.iter().enumerate().rev() {
            if i % 2 == 1 {
                assert_eq!(rules.remove(*id), Some(PATTERNS[i].0));
                assert_eq!(rules.remove(*id), None, "a removed id is stale");
                assert_eq!(rules.get(*id), None);
            }
        }
        assert_eq!(rules.len(), PATTERNS.len().div_ceil(2));
        let kept: Vec<(&str, &str)> = PATTERNS.iter().copied().step_by(2).collect();
        for event in EVENTS {
            assert_eq!(names(&rules, event), alone(&kept, event), "event {event}");
        }
        // A new pattern reuses a freed slot; the stale id still finds nothing.
        let again = rules.insert("again", &Pattern::parse(PATTERNS[1].1).unwrap());
        assert_eq!(again.slot, ids[1].slot);
        assert_ne!(again, ids[1]);
        assert_eq!(rules.get(ids[1]), None);
        assert_eq!(rules.get(again), Some(&"again"));
        for id in ids.iter().step_by(2) {
            rules.remove(*id);
        }
        rules.remove(again);
        assert!(rules.is_empty());
        assert!(rules.matching_json(EVENTS[0]).unwrap().is_empty());
        assert!(rules.engine.is_bare(), "only the root is left");
    }

    #[test]
    fn values_keep_their_array_elements_while_a_pattern_joins_their_paths() {
        let mut rules: RuleSet<&str> = RuleSet::default();
        rules.insert("x", &Pattern::parse(r#"{"a": {"x": [1]}}"#).unwrap());
        // `x` alone reads its values without their places in `a`.
        assert!(!rules.engine.trie.keeps_places("a.x"));
        let pair = Pattern::parse(r#"{"a": {"x": [1], "y": [2]}}"#).unwrap();
        let id = rules.insert("pair", &pair);
        assert!(rules.engine.trie.keeps_places("a.x"));
        assert!(rules.engine.trie.keeps_places("a.y"));
        // `x` and `y` match only from one element of `a`.
        let apart = r#"{"a": [{"x": 1, "y": 3}, {"x": 4, "y": 2}]}"#;
        let together = r#"{"a": [{"x": 1, "y": 3}, {"x": 1, "y": 2}]}"#;
        assert_eq!(rules.matching_json(apart).unwrap(), vec![&"x"]);
        assert_eq!(rules.matching_json(together).unwrap(), vec![&"x", &"pair"]);
        rules.remove(id);
        assert!(!rules.engine.trie.keeps_places("a.x"));
        assert_eq!(rules.matching_json(together).unwrap(), vec![&"x"]);
        // Inserted again under another name, the pair brings the places back.
        rules.insert("again", &pair);
        assert_eq!(rules.matching_json(apart).unwrap(), vec![&"x"]);
        assert_eq!(rules.matching_json(together).unwrap(), vec![&"x", &"again"]);
    }

    #[test]
    fn results_follow_insertion_order() {
        let mut rules: RuleSet<u32> = RuleSet::default();
        let any = Pattern::parse(r#"{"a": [{"exists": true}]}"#).unwrap();
        let first = rules.insert(0, &any);
        rules.insert(1, &any);
        rules.remove(first);
        rules.insert(2, &any);
        assert_eq!(rules.matching_json(r#"{"a": 1}"#).unwrap(), vec![&1, &2]);
    }

    #[test]
    fn reading_stops_once_every_pattern_has_matched() {
        let mut rules = set(&[
            ("a", r#"{"a": ["x"]}"#),
            (
                "n",
                r#"{"$or": [{"n": [{"numeric": [">", 1]}]}, {"m": ["y"], "k": ["z"]}]}"#,
            ),
        ]);
        // Both have matched by the second leaf: the broken rest is never read.
        let cut = r#"{"a": "x", "n": [0, 5, "#;
        assert_eq!(rules.matching_json(cut).unwrap(), vec![&"a", &"n"]);
        // One pattern has not matched yet: reading goes on, and finds the error.
        assert!(rules.matching_json(r#"{"a": "x", "n": [0, "#).is_err());
        // A pattern without a branch of one field keeps every event read to the end.
        rules.insert(
            "pair",
            &Pattern::parse(r#"{"a": ["x"], "b": ["y"]}"#).unwrap(),
        );
        assert!(rules.matching_json(cut).is_err());
        assert_eq!(
            rules
                .matching_json(r#"{"a": "x", "n": [0, 5], "b": "y"}"#)
                .unwrap(),
            vec![&"a", &"n", &"pair"]
        );
    }

    #[test]
    fn with_unique_keys_reading_stops_once_every_path_is_read() {
        let patterns = [
            (
                "ec2",
                r#"{"source": ["aws.ec2"], "detail": {"state": ["stopped"]}}"#,
            ),
            (
                "absent",
                r#"{"source": ["aws.ec2"], "detail": {"gone": [{"exists": false}]}}"#,
            ),
        ];
        let mut rules = set(&patterns);
        // The paths are `source`, `detail.state`, `detail.gone`: an event without `gone` is
        // read to its end either way.
        let whole = r#"{"detail": {"state": "stopped"}, "source": "aws.ec2", "x": [1"#;
        assert!(rules.matching_json(whole).is_err());
        rules.set_keys(EventKeys::Unique);
        assert!(rules.matching_json(whole).is_err());
        // With all three read, the rest is neither read nor validated; `detail` is left once
        // its two members are read, skipped to its end.
        let cut = r#"{"detail": {"gone": null, "state": "stopped", "n": [1, {"a": "}"}]}, "source": "aws.ec2", "x": [1"#;
        assert_eq!(rules.matching_json(cut).unwrap(), vec![&"ec2"]);
        rules.set_keys(EventKeys::MayRepeat);
        assert!(rules.matching_json(cut).is_err());

        // Each element of an array is an object of its own: a path read in one element does
        // not end the reading of the next.
        let mut rules = RuleSet::with_keys(EventKeys::Unique);
        rules.insert("b", &Pattern::parse(r#"{"items": {"id": ["b"]}}"#).unwrap());
        rules.insert("m", &Pattern::parse(r#"{"more": ["m"]}"#).unwrap());
        let items = r#"{"items": [{"id": "a", "n": 1}, {"id": "b"}], "more": "m"}"#;
        assert_eq!(rules.matching_json(items).unwrap(), vec![&"b", &"m"]);
        // A path spelled twice is taken to occur once: the second `id` is not read.
        let repeated = r#"{"items": {"id": "a", "id": "b"}}"#;
        assert!(rules.matching_json(repeated).unwrap().is_empty());
        rules.set_keys(EventKeys::MayRepeat);
        assert_eq!(rules.matching_json(repeated).unwrap(), vec![&"b"]);
    }

    #[test]
    fn bad_events_say_what_and_where() {
        let rules = set(&[("a", r#"{"a": ["x"]}"#)]);
        let err = rules.matching_json("{\n  \"a\": tru\n}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "event is not valid JSON: expected value at line 2 column 8"
        );
        let at = err.location().expect("a location");
        assert_eq!((at.line, at.column), (2, 8));
        // Skipped parts are only checked for balance.
        assert!(rules.matching_json(r#"{"b": [tru], "a": "x"}"#).is_ok());
        assert!(rules.matching_json(r#"{"b": [1, "a": "x"}"#).is_err());
    }
}
