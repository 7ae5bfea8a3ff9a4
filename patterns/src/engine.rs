//! Many patterns compiled into one tree of field steps.
//!
//! Every `$or` branch of every pattern is a sequence of fields (path, accepted values, whether
//! absence also does), in a fixed order: the most selective kinds first, then by path. Branches
//! are inserted into a tree whose edges are such fields; branches that start with the same
//! fields share the start of their way through it, as in event-ruler's and quamina's automata.
//! A state keeps its outgoing edges by path, and at each path an index over the values the
//! edges accept: a hash table for exact values (and case-folded ones), tables by length for
//! prefixes and suffixes, ranges sorted by lower bound, and a short list for the rest.
//!
//! Matching an event starts at the root with the event's leaves grouped by path. At a state,
//! each path the event has is looked up once in the state's index, and every edge a leaf
//! satisfies leads to its child. Reaching a state where a branch ends is a match, once the
//! fields taken from arrays are checked to come from one element (`consistency`). The work
//! depends on the event and on the states it reaches, not on how many patterns the tree holds.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use rustc_hash::FxBuildHasher;

use crate::consistency::{Memberships, consistent};
use crate::flat::{Number, Scalar};
use crate::matcher::{Literal, Matcher, Range};
use crate::pattern::{Branch, Field};
use crate::scan::{self, Leaves, PathId, PathTrie, ScanError, Scanned, Watch};

type StateId = u32;
const ROOT: StateId = 0;
const NONE: u32 = u32::MAX;
/// Up to this many matchers on one path of one state are tried one by one; beyond, indexed.
const LINEAR_MATCHERS: u32 = 8;

#[derive(Debug, Clone)]
pub(crate) struct Engine {
    states: Vec<State>,
    free_states: Vec<StateId>,
    paths: PathTable,
    /// The paths the scanner reads.
    pub(crate) trie: PathTrie,
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            states: vec![State::default()],
            free_states: Vec::new(),
            paths: PathTable::default(),
            trie: PathTrie::default(),
        }
    }
}

/// Distinct paths, each counted once per transition that reads it.
#[derive(Debug, Clone, Default)]
struct PathTable {
    texts: Vec<Box<str>>,
    uses: Vec<u32>,
    /// By path: how many branches of more than one field read it. Only their leaves need
    /// their places in the event's arrays, to tell whether two values share an element.
    joined: Vec<u32>,
    by_text: HashMap<Box<str>, PathId, FxBuildHasher>,
    free: Vec<PathId>,
}

impl PathTable {
    fn id(&self, text: &str) -> Option<PathId> {
        self.by_text.get(text).copied()
    }

    fn acquire(&mut self, text: &str, trie: &mut PathTrie) -> PathId {
        if let Some(id) = self.id(text) {
            if let Some(uses) = self.uses.get_mut(id as usize) {
                *uses += 1;
            }
            return id;
        }
        let id = match self.free.pop() {
            Some(id) => {
                if let (Some(t), Some(u), Some(j)) = (
                    self.texts.get_mut(id as usize),
                    self.uses.get_mut(id as usize),
                    self.joined.get_mut(id as usize),
                ) {
                    *t = text.into();
                    *u = 1;
                    *j = 0;
                }
                id
            }
            None => {
                self.texts.push(text.into());
                self.uses.push(1);
                self.joined.push(0);
                to_u32(self.texts.len() - 1)
            }
        };
        self.by_text.insert(text.into(), id);
        trie.add(text, id);
        id
    }

    fn release(&mut self, id: PathId, trie: &mut PathTrie) {
        let Some(uses) = self.uses.get_mut(id as usize) else {
            return;
        };
        *uses = uses.saturating_sub(1);
        if *uses > 0 {
            return;
        }
        if let Some(text) = self.texts.get_mut(id as usize) {
            trie.remove(text);
            self.by_text.remove(&**text);
            *text = Box::from("");
        }
        self.free.push(id);
    }

    /// Counts a branch of more than one field reading `id` (`by` 1) or no longer (`by` -1);
    /// the trie keeps the places of the path's leaves while any does.
    fn join(&mut self, id: PathId, by: i32, trie: &mut PathTrie) {
        let (Some(joined), Some(text)) = (
            self.joined.get_mut(id as usize),
            self.texts.get(id as usize),
        ) else {
            return;
        };
        let was = *joined > 0;
        *joined = joined.saturating_add_signed(by);
        if was != (*joined > 0) {
            trie.keep_places(text, *joined > 0);
        }
    }

    fn len(&self) -> usize {
        self.texts.len()
    }
}

#[derive(Debug, Clone, Default)]
struct State {
    /// Ordered by path.
    transitions: Vec<Transition>,
    /// How many transitions have an edge taken when the event has no value at their path.
    absent_transitions: u32,
    /// Slots of the patterns with a branch ending here.
    terminals: Vec<u32>,
    /// (parent state, path, edge) of the edge that leads here.
    parent: (StateId, PathId, u32),
}

#[derive(Debug, Clone)]
struct Transition {
    path: PathId,
    /// Edge slots; removed edges leave `None` until reused.
    edges: Vec<Option<Edge>>,
    live: u32,
    matchers: u32,
    /// How many edges are also taken when the event has no value at the path.
    absent: u32,
    /// Built once the edges carry more than [`LINEAR_MATCHERS`] matchers.
    index: Option<Box<Index>>,
}

#[derive(Debug, Clone)]
struct Edge {
    child: StateId,
    matchers: Box<[Matcher]>,
    absent_ok: bool,
}

impl Edge {
    fn is(&self, field: &Field) -> bool {
        self.absent_ok == field.absent_ok && *self.matchers == *field.matchers
    }
}

/// One edge id, or several, without a heap allocation for the usual single one.
#[derive(Debug, Clone)]
enum Edges {
    One(u32),
    Many(Vec<u32>),
}

impl Edges {
    fn push(&mut self, edge: u32) {
        match self {
            Edges::One(first) => *self = Edges::Many(vec![*first, edge]),
            Edges::Many(edges) => edges.push(edge),
        }
    }

    /// Removes `edge`; true when none is left.
    fn remove(&mut self, edge: u32) -> bool {
        match self {
            Edges::One(e) => *e == edge,
            Edges::Many(edges) => {
                if let Some(at) = edges.iter().position(|&e| e == edge) {
                    edges.swap_remove(at);
                }
                if let [only] = edges.as_slice() {
                    *self = Edges::One(*only);
                }
                false
            }
        }
    }

    fn as_slice(&self) -> &[u32] {
        match self {
            Edges::One(e) => std::slice::from_ref(e),
            Edges::Many(edges) => edges,
        }
    }
}

fn add_to<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Edges, FxBuildHasher>, key: K, edge: u32) {
    match map.entry(key) {
        std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().push(edge),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(Edges::One(edge));
        }
    }
}

fn remove_from<K, Q>(map: &mut HashMap<K, Edges, FxBuildHasher>, key: &Q, edge: u32)
where
    K: std::hash::Hash + Eq + std::borrow::Borrow<Q>,
    Q: std::hash::Hash + Eq + ?Sized,
{
    if map.get_mut(key).is_some_and(|edges| edges.remove(edge)) {
        map.remove(key);
    }
}

/// Exact numbers: by value, or by representation ([`crate::NumberEquality`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum NumKey {
    Value(u64),
    Int(i128),
    Float(u64),
}

/// The bits of a double, with `-0.0` and `0.0` as one key, as they compare equal.
fn key_bits(f: f64) -> u64 {
    if f == 0.0 { 0 } else { f.to_bits() }
}

/// Prefixes or suffixes, found by looking up each length they come in.
#[derive(Debug, Clone, Default)]
struct Affixes {
    by_text: HashMap<Box<str>, Edges, FxBuildHasher>,
    /// (length in bytes, how many affixes have it), by length.
    lengths: Vec<(usize, u32)>,
}

impl Affixes {
    fn add(&mut self, affix: &str, edge: u32) {
        add_to(&mut self.by_text, affix.into(), edge);
        match self.lengths.binary_search_by_key(&affix.len(), |&(l, _)| l) {
            Ok(at) => self.lengths[at].1 += 1,
            Err(at) => self.lengths.insert(at, (affix.len(), 1)),
        }
    }

    fn remove(&mut self, affix: &str, edge: u32) {
        remove_from(&mut self.by_text, affix, edge);
        if let Ok(at) = self.lengths.binary_search_by_key(&affix.len(), |&(l, _)| l) {
            self.lengths[at].1 -= 1;
            if self.lengths[at].1 == 0 {
                self.lengths.remove(at);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    fn prefixes_of(&self, s: &str, hit: &mut impl FnMut(u32)) {
        for &(len, _) in &self.lengths {
            if len > s.len() {
                break;
            }
            if let Some(edges) = s.get(..len).and_then(|p| self.by_text.get(p)) {
                edges.as_slice().iter().for_each(|&e| hit(e));
            }
        }
    }

    fn suffixes_of(&self, s: &str, hit: &mut impl FnMut(u32)) {
        for &(len, _) in &self.lengths {
            if len > s.len() {
                break;
            }
            if let Some(edges) = s.get(s.len() - len..).and_then(|p| self.by_text.get(p)) {
                edges.as_slice().iter().for_each(|&e| hit(e));
            }
        }
    }
}

/// The values the edges of one transition accept, indexed.
#[derive(Debug, Clone, Default)]
struct Index {
    /// Exact strings; IP addresses under their canonical spelling.
    strings: HashMap<Box<str>, Edges, FxBuildHasher>,
    ips: u32,
    numbers: HashMap<NumKey, Edges, FxBuildHasher>,
    by_value: u32,
    by_representation: u32,
    prefixes: Affixes,
    suffixes: Affixes,
    /// Case-folded: `equals-ignore-case`, and prefixes and suffixes ignoring case.
    folded: HashMap<Box<str>, Edges, FxBuildHasher>,
    folded_prefixes: Affixes,
    folded_suffixes: Affixes,
    /// `numeric` ranges by lower bound (none first).
    ranges: Vec<(f64, Range, u32)>,
    /// (edge, matcher) pairs tried one by one: booleans, null, wildcards, CIDR, anything-but,
    /// exists.
    others: Vec<(u32, u32)>,
    /// Edges by a fingerprint of their field, to find an equal one when inserting.
    by_field: HashMap<u64, Edges, FxBuildHasher>,
}

fn lower_key(range: &Range) -> f64 {
    range.lower.map_or(f64::NEG_INFINITY, |b| b.value)
}

fn fingerprint(matchers: &[Matcher], absent_ok: bool) -> u64 {
    let mut text = String::new();
    let _ = write!(text, "{absent_ok}{matchers:?}");
    crate::flat::path_hash(&text)
}

impl Index {
    fn add(&mut self, edge: u32, e: &Edge) {
        add_to(
            &mut self.by_field,
            fingerprint(&e.matchers, e.absent_ok),
            edge,
        );
        for (i, m) in e.matchers.iter().enumerate() {
            match m {
                Matcher::Exact(Literal::Str(s)) => {
                    add_to(&mut self.strings, s.as_str().into(), edge)
                }
                Matcher::Exact(Literal::Ip(ip)) => {
                    self.ips += 1;
                    add_to(&mut self.strings, ip.1.to_string().into(), edge);
                }
                Matcher::Exact(Literal::NumValue(f)) => {
                    self.by_value += 1;
                    add_to(&mut self.numbers, NumKey::Value(key_bits(*f)), edge);
                }
                Matcher::Exact(Literal::Num(n)) => {
                    self.by_representation += 1;
                    add_to(&mut self.numbers, representation(*n), edge);
                }
                Matcher::Prefix(p) => self.prefixes.add(p, edge),
                Matcher::Suffix(p) => self.suffixes.add(p, edge),
                Matcher::PrefixIgnoreCase(p) => self.folded_prefixes.add(p, edge),
                Matcher::SuffixIgnoreCase(p) => self.folded_suffixes.add(p, edge),
                Matcher::EqualsIgnoreCase(p) => add_to(&mut self.folded, p.as_str().into(), edge),
                Matcher::Numeric(r) => {
                    let lower = lower_key(r);
                    let at = self.ranges.partition_point(|(l, _, _)| *l <= lower);
                    self.ranges.insert(at, (lower, *r, edge));
                }
                _ => self.others.push((edge, to_u32(i))),
            }
        }
    }

    fn remove(&mut self, edge: u32, e: &Edge) {
        remove_from(
            &mut self.by_field,
            &fingerprint(&e.matchers, e.absent_ok),
            edge,
        );
        for m in e.matchers.iter() {
            match m {
                Matcher::Exact(Literal::Str(s)) => remove_from(&mut self.strings, s.as_str(), edge),
                Matcher::Exact(Literal::Ip(ip)) => {
                    self.ips -= 1;
                    remove_from(&mut self.strings, ip.1.to_string().as_str(), edge);
                }
                Matcher::Exact(Literal::NumValue(f)) => {
                    self.by_value -= 1;
                    remove_from(&mut self.numbers, &NumKey::Value(key_bits(*f)), edge);
                }
                Matcher::Exact(Literal::Num(n)) => {
                    self.by_representation -= 1;
                    remove_from(&mut self.numbers, &representation(*n), edge);
                }
                Matcher::Prefix(p) => self.prefixes.remove(p, edge),
                Matcher::Suffix(p) => self.suffixes.remove(p, edge),
                Matcher::PrefixIgnoreCase(p) => self.folded_prefixes.remove(p, edge),
                Matcher::SuffixIgnoreCase(p) => self.folded_suffixes.remove(p, edge),
                Matcher::EqualsIgnoreCase(p) => remove_from(&mut self.folded, p.as_str(), edge),
                Matcher::Numeric(_) => self.ranges.retain(|&(_, _, e)| e != edge),
                _ => {}
            }
        }
        self.others.retain(|&(e, _)| e != edge);
    }

    /// Calls `hit` with every edge some matcher of which accepts `value` (an edge may come more
    /// than once).
    fn lookup(
        &self,
        value: &Scalar<'_>,
        edges: &[Option<Edge>],
        folded: &mut String,
        hit: &mut impl FnMut(u32),
    ) {
        let mut all = |found: Option<&Edges>| {
            if let Some(found) = found {
                found.as_slice().iter().for_each(|&e| hit(e));
            }
        };
        match value {
            Scalar::Str(s) => {
                all(self.strings.get(s.as_ref()));
                if self.ips > 0
                    && let Ok(ip) = s.parse::<IpAddr>()
                {
                    let canonical = ip.to_string();
                    if canonical != *s {
                        all(self.strings.get(canonical.as_str()));
                    }
                }
                self.prefixes.prefixes_of(s, hit);
                self.suffixes.suffixes_of(s, hit);
                if !self.folded.is_empty()
                    || !self.folded_prefixes.is_empty()
                    || !self.folded_suffixes.is_empty()
                {
                    folded.clear();
                    folded.extend(s.chars().flat_map(char::to_lowercase));
                    if let Some(found) = self.folded.get(folded.as_str()) {
                        found.as_slice().iter().for_each(|&e| hit(e));
                    }
                    self.folded_prefixes.prefixes_of(folded, hit);
                    self.folded_suffixes.suffixes_of(folded, hit);
                }
            }
            Scalar::Num(n) => {
                if self.by_value > 0 {
                    all(self.numbers.get(&NumKey::Value(key_bits(n.as_f64()))));
                }
                if self.by_representation > 0 {
                    all(self.numbers.get(&representation(*n)));
                }
                let x = n.as_f64();
                for (lower, range, edge) in &self.ranges {
                    if *lower > x {
                        break;
                    }
                    if Matcher::Numeric(*range).accepts(value) {
                        hit(*edge);
                    }
                }
            }
            Scalar::Bool(_) | Scalar::Null => {}
        }
        for &(edge, matcher) in &self.others {
            let accepts = edges
                .get(edge as usize)
                .and_then(Option::as_ref)
                .and_then(|e| e.matchers.get(matcher as usize))
                .is_some_and(|m| m.accepts(value));
            if accepts {
                hit(edge);
            }
        }
    }
}

fn representation(n: Number) -> NumKey {
    match n.as_integer() {
        Some(i) => NumKey::Int(i),
        None => NumKey::Float(key_bits(n.as_f64())),
    }
}

impl Transition {
    fn new(path: PathId) -> Transition {
        Transition {
            path,
            edges: Vec::new(),
            live: 0,
            matchers: 0,
            absent: 0,
            index: None,
        }
    }

    fn find(&self, field: &Field) -> Option<u32> {
        let matches = |e: u32| {
            self.edges
                .get(e as usize)
                .and_then(Option::as_ref)
                .is_some_and(|edge| edge.is(field))
        };
        match &self.index {
            Some(index) => index
                .by_field
                .get(&fingerprint(&field.matchers, field.absent_ok))?
                .as_slice()
                .iter()
                .copied()
                .find(|&e| matches(e)),
            None => (0..to_u32(self.edges.len())).find(|&e| matches(e)),
        }
    }

    fn free_slot(&self) -> u32 {
        to_u32(
            self.edges
                .iter()
                .position(Option::is_none)
                .unwrap_or(self.edges.len()),
        )
    }

    fn add(&mut self, slot: u32, edge: Edge) {
        self.live += 1;
        self.matchers += to_u32(edge.matchers.len());
        if edge.absent_ok {
            self.absent += 1;
        }
        if let Some(index) = &mut self.index {
            index.add(slot, &edge);
        }
        let at = slot as usize;
        if at >= self.edges.len() {
            let more = at + 1 - self.edges.len();
            reserve_compact(&mut self.edges, more);
            self.edges.resize(at + 1, None);
        }
        self.edges[at] = Some(edge);
        if self.index.is_none() && self.matchers > LINEAR_MATCHERS {
            let mut index = Index::default();
            for (e, edge) in self.edges.iter().enumerate() {
                if let Some(edge) = edge {
                    index.add(to_u32(e), edge);
                }
            }
            self.index = Some(Box::new(index));
        }
    }

    fn remove(&mut self, slot: u32) {
        let Some(edge) = self.edges.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        self.live -= 1;
        self.matchers -= to_u32(edge.matchers.len());
        if edge.absent_ok {
            self.absent -= 1;
        }
        if let Some(index) = &mut self.index {
            index.remove(slot, &edge);
        }
        while self.edges.last().is_some_and(Option::is_none) {
            self.edges.pop();
        }
    }
}

/// Per-event working memory, kept between events.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub(crate) leaves: Leaves,
    /// By path: (generation, first leaf at the path).
    heads: Vec<(u32, u32)>,
    /// By leaf: the next leaf at the same path.
    next: Vec<u32>,
    /// Paths the event has values at.
    present: Vec<PathId>,
    generation: u32,
    /// (state, chain of constrained fields, their number) still to visit.
    work: Vec<(StateId, u32, u32)>,
    /// Fields whose accepted values all sit in arrays: (previous, candidates start, length).
    chain: Vec<(u32, u32, u32)>,
    candidates: Vec<u32>,
    hits: Vec<(u32, u32)>,
    folded: String,
    /// By pattern slot: the generation it last matched in.
    stamps: Vec<u32>,
    /// Slots of the patterns that matched.
    pub(crate) matched: Vec<u32>,
    /// By pattern slot: the event it last matched in while being read ([`Early`]).
    early_stamps: Vec<u32>,
    early_generation: u32,
    /// Slots of the patterns matched while the event was read, each once.
    pub(crate) early_matched: Vec<u32>,
}

/// Matches the branches made of one field while the event is read, so that reading can stop
/// once every pattern has matched: nothing later in the event can undo a match.
struct Early<'a> {
    engine: &'a Engine,
    stamps: &'a mut Vec<u32>,
    slots: &'a mut Vec<u32>,
    generation: u32,
    folded: &'a mut String,
    matched: usize,
    needed: usize,
}

impl Watch for Early<'_> {
    fn leaf(&mut self, path: PathId, value: &Scalar<'_>) -> bool {
        let states = &self.engine.states;
        let Some(root) = states.get(ROOT as usize) else {
            return false;
        };
        let Ok(t) = root.transitions.binary_search_by_key(&path, |t| t.path) else {
            return false;
        };
        let t = &root.transitions[t];
        let (stamps, slots, generation, matched) = (
            &mut *self.stamps,
            &mut *self.slots,
            self.generation,
            &mut self.matched,
        );
        let mut hit = |e: u32| {
            let Some(Some(edge)) = t.edges.get(e as usize) else {
                return;
            };
            for &slot in states
                .get(edge.child as usize)
                .map_or(&[][..], |s| &s.terminals)
            {
                let at = slot as usize;
                if stamps.len() <= at {
                    stamps.resize(at + 1, 0);
                }
                if stamps[at] != generation {
                    stamps[at] = generation;
                    slots.push(slot);
                    *matched += 1;
                }
            }
        };
        match &t.index {
            Some(index) => index.lookup(value, &t.edges, self.folded, &mut hit),
            None => {
                for (e, edge) in t.edges.iter().enumerate() {
                    if let Some(edge) = edge
                        && edge.matchers.iter().any(|m| m.accepts(value))
                    {
                        hit(to_u32(e));
                    }
                }
            }
        }
        self.matched >= self.needed
    }
}

impl Engine {
    /// Adds the branches of a pattern stored in `slot`; returns the state each branch ends at.
    pub(crate) fn insert(&mut self, branches: &[Branch], slot: u32) -> Box<[StateId]> {
        branches
            .iter()
            .map(|branch| self.insert_branch(branch, slot))
            .collect()
    }

    fn insert_branch(&mut self, branch: &Branch, slot: u32) -> StateId {
        let joined = branch.fields.len() > 1;
        let mut state = ROOT;
        for field in &branch.fields {
            let existing = self.paths.id(&field.path).and_then(|id| {
                let s = self.states.get(state as usize)?;
                let t = s.transitions.binary_search_by_key(&id, |t| t.path).ok()?;
                Some((id, t))
            });
            let (path, t) = match existing {
                Some(found) => found,
                None => {
                    let id = self.paths.acquire(&field.path, &mut self.trie);
                    let s = &mut self.states[state as usize];
                    let at = s
                        .transitions
                        .binary_search_by_key(&id, |t| t.path)
                        .unwrap_or_else(|at| at);
                    reserve_compact(&mut s.transitions, 1);
                    s.transitions.insert(at, Transition::new(id));
                    (id, at)
                }
            };
            if joined {
                self.paths.join(path, 1, &mut self.trie);
            }
            let transition = &self.states[state as usize].transitions[t];
            if let Some(e) = transition.find(field) {
                state = transition.edges[e as usize]
                    .as_ref()
                    .map_or(ROOT, |edge| edge.child);
                continue;
            }
            let slot_in_transition = transition.free_slot();
            let child = self.new_state((state, path, slot_in_transition));
            let s = &mut self.states[state as usize];
            if field.absent_ok && s.transitions[t].absent == 0 {
                s.absent_transitions += 1;
            }
            s.transitions[t].add(
                slot_in_transition,
                Edge {
                    child,
                    matchers: field.matchers.clone().into_boxed_slice(),
                    absent_ok: field.absent_ok,
                },
            );
            state = child;
        }
        let terminals = &mut self.states[state as usize].terminals;
        reserve_compact(terminals, 1);
        terminals.push(slot);
        state
    }

    fn new_state(&mut self, parent: (StateId, PathId, u32)) -> StateId {
        let state = State {
            parent,
            ..State::default()
        };
        match self.free_states.pop() {
            Some(id) => {
                self.states[id as usize] = state;
                id
            }
            None => {
                self.states.push(state);
                to_u32(self.states.len() - 1)
            }
        }
    }

    /// Removes the branches of the pattern in `slot`, which end at `ends`, and every state and
    /// edge no other pattern needs.
    pub(crate) fn remove(&mut self, ends: &[StateId], slot: u32) {
        for &end in ends {
            if !self.is_one_field(end) {
                let mut state = end;
                while let Some(&State {
                    parent: (parent, path, _),
                    ..
                }) = self.states.get(state as usize).filter(|_| state != ROOT)
                {
                    self.paths.join(path, -1, &mut self.trie);
                    state = parent;
                }
            }
            let Some(s) = self.states.get_mut(end as usize) else {
                continue;
            };
            if let Some(at) = s.terminals.iter().position(|&t| t == slot) {
                s.terminals.swap_remove(at);
            }
            let mut state = end;
            while state != ROOT {
                let s = &self.states[state as usize];
                if !s.terminals.is_empty() || !s.transitions.is_empty() {
                    break;
                }
                let (parent, path, edge) = s.parent;
                self.states[state as usize] = State::default();
                self.free_states.push(state);
                let p = &mut self.states[parent as usize];
                if let Ok(t) = p.transitions.binary_search_by_key(&path, |t| t.path) {
                    let transition = &mut p.transitions[t];
                    let had_absent = transition.absent > 0;
                    transition.remove(edge);
                    if had_absent && transition.absent == 0 {
                        p.absent_transitions -= 1;
                    }
                    if transition.live == 0 {
                        p.transitions.remove(t);
                        self.paths.release(path, &mut self.trie);
                    }
                }
                state = parent;
            }
        }
    }

    /// Whether a branch ending at `end` is made of one field.
    pub(crate) fn is_one_field(&self, end: StateId) -> bool {
        end != ROOT
            && self
                .states
                .get(end as usize)
                .is_some_and(|s| s.parent.0 == ROOT)
    }

    /// Whether a branch ending at `end` is made of one field that needs a value (rather than
    /// also matching when the field is missing): one that matching while reading decides alone.
    pub(crate) fn is_one_present_field(&self, end: StateId) -> bool {
        if !self.is_one_field(end) {
            return false;
        }
        let (_, path, edge) = self.states[end as usize].parent;
        let root = &self.states[ROOT as usize];
        root.transitions
            .binary_search_by_key(&path, |t| t.path)
            .ok()
            .and_then(|t| root.transitions[t].edges.get(edge as usize))
            .is_some_and(|e| e.as_ref().is_some_and(|e| !e.absent_ok))
    }

    /// Reads the leaves of an event into `scratch`. With `stop_at` (the number of patterns,
    /// each with a branch of one field), reading stops once all of them have matched; with
    /// `unique` keys, once every path the patterns name has been read.
    pub(crate) fn scan(
        &self,
        scratch: &mut Scratch,
        text: &str,
        stop_at: Option<usize>,
        unique: bool,
    ) -> Result<Scanned, ScanError> {
        let Scratch {
            leaves,
            folded,
            early_stamps,
            early_generation,
            early_matched,
            ..
        } = scratch;
        let Some(needed) = stop_at else {
            return scan::scan_json(text, &self.trie, leaves, None, unique);
        };
        *early_generation = early_generation.wrapping_add(1);
        if *early_generation == 0 {
            early_stamps.iter_mut().for_each(|s| *s = 0);
            *early_generation = 1;
        }
        early_matched.clear();
        let mut early = Early {
            engine: self,
            stamps: early_stamps,
            slots: early_matched,
            generation: *early_generation,
            folded,
            matched: 0,
            needed,
        };
        scan::scan_json(text, &self.trie, leaves, Some(&mut early), unique)
    }

    /// Finds the patterns matching the leaves in `scratch` (read from `text`); their slots end
    /// up in `scratch.matched`, each once.
    pub(crate) fn run(&self, scratch: &mut Scratch, text: &str) {
        let Scratch {
            leaves,
            heads,
            next,
            present,
            generation,
            work,
            chain,
            candidates,
            hits,
            folded,
            stamps,
            matched,
            ..
        } = scratch;
        *generation = generation.wrapping_add(1);
        if *generation == 0 {
            heads.iter_mut().for_each(|h| h.0 = 0);
            stamps.iter_mut().for_each(|s| *s = 0);
            *generation = 1;
        }
        let generation = *generation;
        matched.clear();
        present.clear();
        work.clear();
        chain.clear();
        candidates.clear();
        if heads.len() < self.paths.len() {
            heads.resize(self.paths.len(), (0, NONE));
        }
        next.clear();
        for (i, leaf) in leaves.leaves.iter().enumerate() {
            let Some(head) = heads.get_mut(leaf.path as usize) else {
                next.push(NONE);
                continue;
            };
            if head.0 != generation {
                *head = (generation, NONE);
                present.push(leaf.path);
            }
            next.push(head.1);
            head.1 = to_u32(i);
        }
        let walk = Walk {
            engine: self,
            leaves,
            text,
            heads,
            next,
            generation,
        };
        let mut frontier = Frontier {
            work,
            chain,
            candidates,
            hits,
            folded,
        };
        frontier.work.push((ROOT, NONE, 0));
        while let Some((state, at, constrained)) = frontier.work.pop() {
            let Some(s) = self.states.get(state as usize) else {
                continue;
            };
            if !s.terminals.is_empty()
                && (constrained <= 1
                    || chain_is_consistent(frontier.chain, frontier.candidates, at, leaves))
            {
                for &slot in &s.terminals {
                    let at = slot as usize;
                    if stamps.len() <= at {
                        stamps.resize(at + 1, 0);
                    }
                    if stamps[at] != generation {
                        stamps[at] = generation;
                        matched.push(slot);
                    }
                }
            }
            if s.transitions.len() <= present.len() {
                for t in &s.transitions {
                    walk.visit(t, (at, constrained), &mut frontier);
                }
            } else {
                for &path in present.iter() {
                    if let Ok(t) = s.transitions.binary_search_by_key(&path, |t| t.path) {
                        walk.visit(&s.transitions[t], (at, constrained), &mut frontier);
                    }
                }
                if s.absent_transitions > 0 {
                    for t in &s.transitions {
                        if t.absent > 0 && walk.first_leaf(t.path) == NONE {
                            walk.visit(t, (at, constrained), &mut frontier);
                        }
                    }
                }
            }
        }
    }
}

/// What [`Engine::run`] reads while it walks the states for one event.
struct Walk<'a> {
    engine: &'a Engine,
    leaves: &'a Leaves,
    text: &'a str,
    /// By path: (generation, first leaf at the path).
    heads: &'a [(u32, u32)],
    /// By leaf: the next leaf at the same path.
    next: &'a [u32],
    generation: u32,
}

/// What [`Engine::run`] changes while it walks: the states still to visit and what the
/// constrained fields on the way to them matched.
struct Frontier<'s> {
    work: &'s mut Vec<(StateId, u32, u32)>,
    chain: &'s mut Vec<(u32, u32, u32)>,
    candidates: &'s mut Vec<u32>,
    hits: &'s mut Vec<(u32, u32)>,
    folded: &'s mut String,
}

impl Walk<'_> {
    fn first_leaf(&self, path: PathId) -> u32 {
        match self.heads.get(path as usize) {
            Some(&(g, first)) if g == self.generation => first,
            _ => NONE,
        }
    }

    fn next_leaf(&self, leaf: u32) -> u32 {
        self.next.get(leaf as usize).copied().unwrap_or(NONE)
    }

    /// A field leading to a state with no further field only needs one value.
    fn is_last(&self, state: StateId) -> bool {
        self.engine
            .states
            .get(state as usize)
            .is_none_or(|s| s.transitions.is_empty())
    }

    /// Follows the edges of `t` the event's values at its path take, from a state reached with
    /// `(at, constrained)` (its place in the chain of constrained fields, and their number).
    fn visit(&self, t: &Transition, (at, constrained): (u32, u32), f: &mut Frontier<'_>) {
        let leaves = self.leaves;
        let first = self.first_leaf(t.path);
        if first == NONE {
            if t.absent > 0 {
                for edge in t.edges.iter().flatten().filter(|e| e.absent_ok) {
                    f.work.push((edge.child, at, constrained));
                }
            }
            return;
        }
        let Some(index) = &t.index else {
            // Few edges: each goes through the leaves, stopping at one outside arrays, or at
            // the first one when no other field can share its arrays.
            for edge in t.edges.iter().flatten() {
                let start = f.candidates.len();
                let mut free = false;
                let alone = constrained == 0 && self.is_last(edge.child);
                let mut leaf = first;
                while leaf != NONE {
                    let value = leaves.scalar(leaf as usize, self.text);
                    if edge.matchers.iter().any(|m| m.accepts(&value)) {
                        if alone || leaves.membership(leaf as usize).is_empty() {
                            free = true;
                            break;
                        }
                        f.candidates.push(leaf);
                    }
                    leaf = self.next_leaf(leaf);
                }
                if free {
                    f.candidates.truncate(start);
                    f.work.push((edge.child, at, constrained));
                } else if f.candidates.len() > start {
                    let found = to_u32(f.candidates.len() - start);
                    f.chain.push((at, to_u32(start), found));
                    f.work
                        .push((edge.child, to_u32(f.chain.len() - 1), constrained + 1));
                }
            }
            return;
        };
        f.hits.clear();
        let mut leaf = first;
        while leaf != NONE {
            let value = leaves.scalar(leaf as usize, self.text);
            let hits = &mut *f.hits;
            index.lookup(&value, &t.edges, f.folded, &mut |e| hits.push((e, leaf)));
            leaf = self.next_leaf(leaf);
        }
        f.hits.sort_unstable();
        f.hits.dedup();
        for group in f.hits.chunk_by(|a, b| a.0 == b.0) {
            let Some(Some(edge)) = group.first().and_then(|&(e, _)| t.edges.get(e as usize)) else {
                continue;
            };
            let free = (constrained == 0 && self.is_last(edge.child))
                || group
                    .iter()
                    .any(|&(_, l)| leaves.membership(l as usize).is_empty());
            if free {
                f.work.push((edge.child, at, constrained));
            } else {
                let start = to_u32(f.candidates.len());
                f.candidates.extend(group.iter().map(|&(_, l)| l));
                f.chain.push((at, start, to_u32(group.len())));
                f.work
                    .push((edge.child, to_u32(f.chain.len() - 1), constrained + 1));
            }
        }
    }
}

#[cfg(test)]
impl Engine {
    /// True when nothing but an empty root is left.
    pub(crate) fn is_bare(&self) -> bool {
        self.states.len() == self.free_states.len() + 1
            && self.states[ROOT as usize].transitions.is_empty()
            && self.paths.by_text.is_empty()
    }
}

/// Whether the constrained fields on the way to a state can take their values from one element
/// of every array they share.
fn chain_is_consistent(
    chain: &[(u32, u32, u32)],
    candidates: &[u32],
    mut at: u32,
    leaves: &Leaves,
) -> bool {
    let mut fields: Vec<Vec<usize>> = Vec::new();
    while let Some(&(previous, start, len)) = chain.get(at as usize) {
        fields.push(
            candidates
                .get(start as usize..(start + len) as usize)
                .unwrap_or(&[])
                .iter()
                .map(|&l| l as usize)
                .collect(),
        );
        at = previous;
    }
    consistent(fields, 0, leaves)
}

/// Makes room for `more` elements; most states hold one transition, one edge and one ending
/// pattern, so small vectors grow one element at a time instead of to four at once.
fn reserve_compact<T>(v: &mut Vec<T>, more: usize) {
    if v.len() + more <= v.capacity() {
        return;
    }
    if v.len() < 4 {
        v.reserve_exact(more);
    } else {
        v.reserve(more);
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
