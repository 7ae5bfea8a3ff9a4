//! Reading only what a rule set reads from an event.
//!
//! [`PathTrie`] holds the field paths the patterns name, as a trie over object keys. The scanner
//! walks raw JSON text with it: a key that leads nowhere in the trie has its value skipped
//! without building anything (blocks through [`crate::skip`]), and the scalars at wanted paths
//! become [`Leaf`]s, with their place in the event's arrays. Parts that are read are validated as
//! strictly as serde_json does; skipped blocks are only checked for balance.
//!
//! Keys join with `.` as in EventBridge, so `{"a": {"b": 1}}` and `{"a.b": 1}` both reach the
//! path `a.b`: the trie has an entry for every way of splitting a wanted path at its dots.

use std::borrow::Cow;
use std::collections::HashMap;

use rustc_hash::FxBuildHasher;
use serde_json::Value;

use crate::consistency::{Member, Memberships, members_of};
use crate::flat::{Number, Scalar};
use crate::json::{BadEscape, unescape};
use crate::skip;

/// Index of a distinct field path in a rule set.
pub(crate) type PathId = u32;
type NodeId = u32;
const ROOT: NodeId = 0;
/// Objects and arrays nest at most this deep where they are read, as in serde_json.
const MAX_DEPTH: u32 = 128;
/// Above this many keys, a node finds them through a hash table instead of a scan.
const LINEAR_KEYS: usize = 12;

/// The paths a rule set reads, with every prefix of them that ends before a `.`.
#[derive(Debug, Clone)]
pub(crate) struct PathTrie {
    nodes: Vec<Node>,
    /// Node of each prefix, by its text; the root is `""`.
    by_text: HashMap<Box<str>, NodeId, FxBuildHasher>,
    free: Vec<NodeId>,
}

#[derive(Debug, Clone, Default)]
struct Node {
    /// Set when this prefix is itself a wanted path.
    path: Option<Wanted>,
    /// Keys that lead further, with how many wanted paths need each.
    keys: Vec<(Box<[u8]>, NodeId, u32)>,
    /// Index into `keys`, once there are many of them.
    lookup: Option<HashMap<Box<[u8]>, usize, FxBuildHasher>>,
    /// How many wanted paths go through this node (the root: how many there are).
    uses: u32,
}

/// A path some pattern reads, as its leaves are recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wanted {
    pub(crate) id: PathId,
    /// Whether its leaves keep their places in the event's arrays. Only a branch that joins
    /// this path with another field can ask whether two values share an array element; a path
    /// no such branch reads has its leaves recorded without them.
    places: bool,
}

impl Default for PathTrie {
    fn default() -> Self {
        let mut by_text = HashMap::default();
        by_text.insert(Box::from(""), ROOT);
        PathTrie {
            nodes: vec![Node::default()],
            by_text,
            free: Vec::new(),
        }
    }
}

/// `path` and every prefix of it that ends before a `.`, shortest first.
fn prefixes(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('.')
        .map(move |(i, _)| &path[..i])
        .chain(std::iter::once(path))
}

/// The key that leads from the prefix `from` to the prefix `to`, if one does: keys join with `.`,
/// except that nothing is put before the first key.
fn key_between<'p>(from: &str, to: &'p str) -> Option<&'p str> {
    if from.is_empty() {
        return Some(to);
    }
    to.strip_prefix(from)?.strip_prefix('.')
}

impl PathTrie {
    /// Starts reading `path` (not yet in the trie) as `id`.
    pub(crate) fn add(&mut self, path: &str, id: PathId) {
        let mut chain: Vec<(&str, NodeId)> = vec![("", ROOT)];
        if !prefixes(path).any(str::is_empty) {
            self.nodes[ROOT as usize].uses += 1;
        }
        for prefix in prefixes(path) {
            let node = self.node_for(prefix);
            if let Some(n) = self.nodes.get_mut(node as usize) {
                n.uses += 1;
            }
            if prefix.is_empty() {
                continue;
            }
            chain.push((prefix, node));
        }
        if let Some(&(_, node)) = chain.last()
            && let Some(n) = self.nodes.get_mut(node as usize)
        {
            n.path = Some(Wanted { id, places: false });
        }
        for &(from, from_node) in &chain {
            for to in prefixes(path) {
                if to.len() <= from.len() && !(from.is_empty() && to.is_empty()) {
                    continue;
                }
                if let (Some(key), Some(&to_node)) = (key_between(from, to), self.by_text.get(to)) {
                    self.link(from_node, key, to_node);
                }
            }
        }
    }

    /// Sets whether the leaves at `path`, added before, keep their places in the event's arrays.
    pub(crate) fn keep_places(&mut self, path: &str, places: bool) {
        if let Some(wanted) = self
            .by_text
            .get(path)
            .and_then(|&node| self.nodes.get_mut(node as usize))
            .and_then(|n| n.path.as_mut())
        {
            wanted.places = places;
        }
    }

    #[cfg(test)]
    pub(crate) fn keeps_places(&self, path: &str) -> bool {
        self.by_text
            .get(path)
            .and_then(|&node| self.nodes.get(node as usize)?.path)
            .is_some_and(|wanted| wanted.places)
    }

    /// Stops reading `path`, added before.
    pub(crate) fn remove(&mut self, path: &str) {
        if !prefixes(path).any(str::is_empty) {
            let root = &mut self.nodes[ROOT as usize];
            root.uses = root.uses.saturating_sub(1);
        }
        let mut chain: Vec<&str> = vec![""];
        chain.extend(prefixes(path).filter(|p| !p.is_empty()));
        for &from in &chain {
            let Some(&from_node) = self.by_text.get(from) else {
                continue;
            };
            for to in prefixes(path) {
                if to.len() <= from.len() && !(from.is_empty() && to.is_empty()) {
                    continue;
                }
                if let Some(key) = key_between(from, to) {
                    self.unlink(from_node, key);
                }
            }
        }
        if let Some(&node) = self.by_text.get(path)
            && let Some(n) = self.nodes.get_mut(node as usize)
        {
            n.path = None;
        }
        for prefix in prefixes(path) {
            let Some(&node) = self.by_text.get(prefix) else {
                continue;
            };
            let Some(n) = self.nodes.get_mut(node as usize) else {
                continue;
            };
            n.uses = n.uses.saturating_sub(1);
            if n.uses == 0 && node != ROOT {
                *n = Node::default();
                self.by_text.remove(prefix);
                self.free.push(node);
            }
        }
    }

    fn node_for(&mut self, prefix: &str) -> NodeId {
        if let Some(&node) = self.by_text.get(prefix) {
            return node;
        }
        let node = match self.free.pop() {
            Some(node) => node,
            None => {
                self.nodes.push(Node::default());
                to_u32(self.nodes.len() - 1)
            }
        };
        self.by_text.insert(prefix.into(), node);
        node
    }

    fn link(&mut self, from: NodeId, key: &str, to: NodeId) {
        let Some(node) = self.nodes.get_mut(from as usize) else {
            return;
        };
        if let Some(entry) = node.find_mut(key) {
            entry.2 += 1;
            return;
        }
        node.keys.push((key.as_bytes().into(), to, 1));
        let at = node.keys.len() - 1;
        if let Some(lookup) = &mut node.lookup {
            lookup.insert(key.as_bytes().into(), at);
        } else if node.keys.len() > LINEAR_KEYS {
            node.lookup = Some(
                node.keys
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _, _))| (k.clone(), i))
                    .collect(),
            );
        }
    }

    fn unlink(&mut self, from: NodeId, key: &str) {
        let Some(node) = self.nodes.get_mut(from as usize) else {
            return;
        };
        let Some(at) = node.position(key.as_bytes()) else {
            return;
        };
        let Some(entry) = node.keys.get_mut(at) else {
            return;
        };
        entry.2 -= 1;
        if entry.2 > 0 {
            return;
        }
        node.keys.swap_remove(at);
        if let Some(lookup) = &mut node.lookup {
            lookup.remove(key.as_bytes());
            if let Some((moved, _, _)) = node.keys.get(at) {
                lookup.insert(moved.clone(), at);
            }
        }
    }

    #[inline(always)]
    fn child(&self, node: NodeId, key: &[u8]) -> Option<NodeId> {
        let node = self.nodes.get(node as usize)?;
        node.position(key)
            .and_then(|at| node.keys.get(at))
            .map(|&(_, to, _)| to)
    }

    /// How many wanted paths are at or under `node`.
    #[inline(always)]
    fn uses(&self, node: NodeId) -> u32 {
        self.nodes.get(node as usize).map_or(0, |n| n.uses)
    }

    fn wanted(&self, node: NodeId) -> (Option<Wanted>, bool) {
        self.nodes
            .get(node as usize)
            .map_or((None, false), |n| (n.path, !n.keys.is_empty()))
    }
}

impl Node {
    #[inline(always)]
    fn position(&self, key: &[u8]) -> Option<usize> {
        match &self.lookup {
            Some(lookup) => lookup.get(key).copied(),
            None => self.keys.iter().position(|(k, _, _)| {
                // Length and first byte reject most keys without a call to compare bytes.
                k.len() == key.len() && k.first() == key.first() && **k == *key
            }),
        }
    }

    fn find_mut(&mut self, key: &str) -> Option<&mut (Box<[u8]>, NodeId, u32)> {
        let at = self.position(key.as_bytes())?;
        self.keys.get_mut(at)
    }
}

/// A scalar at a wanted path. Strings are spans of the event text, or of [`Leaves`]'s own buffer
/// when they had escapes (or came from a `Value`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Val {
    Text { start: u32, len: u32 },
    Decoded { start: u32, len: u32 },
    Num(Number),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Leaf {
    pub path: PathId,
    pub value: Val,
    /// Range of `Leaves::members`.
    members: (u32, u32),
}

/// The leaves of one event, reused from event to event.
#[derive(Debug, Default)]
pub(crate) struct Leaves {
    pub leaves: Vec<Leaf>,
    members: Vec<Member>,
    decoded: String,
    /// Arrays around the value being read.
    stack: Vec<Member>,
    next_array: u32,
}

impl Leaves {
    fn clear(&mut self) {
        self.leaves.clear();
        self.members.clear();
        self.decoded.clear();
        self.stack.clear();
        self.next_array = 0;
    }

    fn push(&mut self, path: Wanted, value: Val) {
        let start = to_u32(self.members.len());
        let mut len = 0;
        if path.places && !self.stack.is_empty() {
            self.places_of_leaf();
            len = to_u32(self.stack.len());
        }
        self.leaves.push(Leaf {
            path: path.id,
            value,
            members: (start, len),
        });
    }

    /// Records the arrays around the leaf being pushed.
    #[inline(never)]
    fn places_of_leaf(&mut self) {
        // Element by element: stacks are a few entries deep, too short for a memcpy call.
        for &member in &self.stack {
            self.members.push(member);
        }
    }

    fn new_array(&mut self) -> u32 {
        let id = self.next_array;
        self.next_array = self.next_array.wrapping_add(1);
        id
    }

    /// The value of a leaf; `text` is the event the leaves were read from.
    pub(crate) fn scalar<'s>(&'s self, leaf: usize, text: &'s str) -> Scalar<'s> {
        let Some(leaf) = self.leaves.get(leaf) else {
            return Scalar::Null;
        };
        let span = |s: &'s str, start: u32, len: u32| {
            Scalar::Str(Cow::Borrowed(
                s.get(start as usize..(start as usize + len as usize))
                    .unwrap_or(""),
            ))
        };
        match leaf.value {
            Val::Text { start, len } => span(text, start, len),
            Val::Decoded { start, len } => span(&self.decoded, start, len),
            Val::Num(n) => Scalar::Num(n),
            Val::Bool(b) => Scalar::Bool(b),
            Val::Null => Scalar::Null,
        }
    }
}

impl Memberships for Leaves {
    fn membership(&self, leaf: usize) -> &[Member] {
        self.leaves
            .get(leaf)
            .map_or(&[], |l| members_of(&self.members, l.members))
    }
}

/// Why an event could not be read, and the byte offset where that was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanError {
    pub message: &'static str,
    pub offset: usize,
}

/// Told of every leaf as it is read; returns true once nothing later in the event can change
/// the outcome, to stop reading there.
pub(crate) trait Watch {
    fn leaf(&mut self, path: PathId, value: &Scalar<'_>) -> bool;
}

/// How far an event was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scanned {
    /// To the end, and it is valid where read.
    Whole,
    /// Until the watcher said the rest does not matter; the rest was not read.
    Stopped,
    /// Until every wanted path had its value, with `unique` keys; the rest was not read.
    AllRead,
}

/// Reads the leaves `trie` wants from an event given as JSON text. With `unique`, the event is
/// taken to hold each path once: an object is left as soon as every wanted path under it has
/// been read, and reading stops once every wanted path has.
pub(crate) fn scan_json<'o>(
    text: &str,
    trie: &PathTrie,
    out: &'o mut Leaves,
    watch: Option<&'o mut dyn Watch>,
    unique: bool,
) -> Result<Scanned, ScanError> {
    out.clear();
    if u32::try_from(text.len()).is_err() {
        return Err(ScanError {
            message: "event larger than 4 GiB",
            offset: 0,
        });
    }
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        trie,
        out,
        depth: 0,
        specials: Specials {
            at: 0,
            bits: skip::special64(text.as_bytes(), 0),
        },
        watch,
        unique,
        stopped: None,
    };
    scanner.whitespace();
    if let Err(e) = scanner.value_at(ROOT) {
        return scanner.stopped.ok_or(e);
    }
    scanner.whitespace();
    if scanner.pos < scanner.bytes.len() {
        return Err(scanner.error("trailing characters"));
    }
    Ok(Scanned::Whole)
}

/// Reads the leaves `trie` wants from a parsed event.
pub(crate) fn walk_value(value: &Value, trie: &PathTrie, out: &mut Leaves) {
    out.clear();
    walk(value, ROOT, trie, out, 0);
}

fn walk(value: &Value, node: NodeId, trie: &PathTrie, out: &mut Leaves, depth: u32) {
    let (path, has_keys) = trie.wanted(node);
    let leaf = match value {
        Value::Object(map) => {
            if has_keys && depth < MAX_DEPTH {
                for (key, item) in map {
                    if let Some(child) = trie.child(node, key.as_bytes()) {
                        walk(item, child, trie, out, depth + 1);
                    }
                }
            }
            return;
        }
        Value::Array(items) => {
            if depth < MAX_DEPTH {
                let id = out.new_array();
                for (index, item) in items.iter().enumerate() {
                    out.stack.push((id, to_u32(index)));
                    walk(item, node, trie, out, depth + 1);
                    out.stack.pop();
                }
            }
            return;
        }
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => Val::Num(Number::from(n)),
        Value::String(s) => {
            if path.is_none() {
                return;
            }
            let start = out.decoded.len();
            out.decoded.push_str(s);
            Val::Decoded {
                start: to_u32(start),
                len: to_u32(s.len()),
            }
        }
    };
    if let Some(path) = path {
        out.push(path, leaf);
    }
}

struct Scanner<'t, 'o> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    trie: &'t PathTrie,
    out: &'o mut Leaves,
    depth: u32,
    specials: Specials,
    watch: Option<&'o mut dyn Watch>,
    /// Whether each path may be taken to occur once (see [`scan_json`]).
    unique: bool,
    /// Set when reading stopped early, and why; the error that unwinds it then means nothing.
    stopped: Option<Scanned>,
}

/// Where [`Scanner::plain_members`] stopped.
enum Plain {
    /// Just after a member's value.
    AfterValue,
    /// At a member's value (or the whitespace before it), its key read: the node the key
    /// leads to.
    AtValue(Option<NodeId>),
    /// At the start of a member.
    AtMember,
}

/// The quotes, backslashes and control characters of the 64 bytes from `at`
/// ([`skip::special64`]): one window serves every string that ends in it.
#[derive(Clone, Copy)]
struct Specials {
    at: usize,
    bits: u64,
}

impl Specials {
    /// Index of the first quote, backslash or control character at or after `from`, or the
    /// length of `bytes`.
    #[inline(always)]
    fn find(&mut self, bytes: &[u8], mut from: usize) -> usize {
        loop {
            let offset = from.wrapping_sub(self.at);
            if offset < 64 {
                let rest = self.bits >> offset;
                if rest != 0 {
                    return (from + rest.trailing_zeros() as usize).min(bytes.len());
                }
                from = self.at + 64;
            }
            if from >= bytes.len() {
                return bytes.len();
            }
            self.at = from;
            self.bits = skip::special64(bytes, from);
        }
    }
}

/// Where a string's text is: in the event, or appended to the decode buffer.
enum Str {
    Text(usize, usize),
    Decoded(usize, usize),
}

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

impl Scanner<'_, '_> {
    /// Index of the first quote, backslash or control character at or after `from`, or the
    /// length of the input.
    #[inline(always)]
    fn find_special(&mut self, from: usize) -> usize {
        self.specials.find(self.bytes, from)
    }

    fn error(&self, message: &'static str) -> ScanError {
        ScanError {
            message,
            offset: self.pos,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn nest(&mut self) -> Result<(), ScanError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        Ok(())
    }

    /// Reads the value at the current position, which sits at a wanted `node`; returns how many
    /// wanted paths it holds a value of.
    fn value_at(&mut self, node: NodeId) -> Result<u32, ScanError> {
        let (path, has_keys) = self.trie.wanted(node);
        let itself = u32::from(path.is_some());
        let value = match self.peek() {
            Some(b'{') if has_keys => {
                self.nest()?;
                let read = self.object(node)?;
                self.depth -= 1;
                return Ok(itself + read);
            }
            Some(b'{') => {
                self.skip_block(b'{', b'}', "EOF while parsing an object")?;
                return Ok(itself);
            }
            Some(b'[') if path.is_some() || has_keys => {
                self.nest()?;
                let read = self.array(node)?;
                self.depth -= 1;
                return Ok(read);
            }
            Some(b'[') => {
                self.skip_block(b'[', b']', "EOF while parsing a list")?;
                return Ok(itself);
            }
            Some(b'"') => {
                let value = self.string()?;
                match value {
                    Str::Text(start, len) => Val::Text {
                        start: to_u32(start),
                        len: to_u32(len),
                    },
                    Str::Decoded(start, len) => Val::Decoded {
                        start: to_u32(start),
                        len: to_u32(len),
                    },
                }
            }
            Some(b'-' | b'0'..=b'9') => Val::Num(self.number()?),
            Some(b't') => {
                self.literal(b"true")?;
                Val::Bool(true)
            }
            Some(b'f') => {
                self.literal(b"false")?;
                Val::Bool(false)
            }
            Some(b'n') => {
                self.literal(b"null")?;
                Val::Null
            }
            Some(_) => return Err(self.error("expected value")),
            None => return Err(self.error("EOF while parsing a value")),
        };
        if let Some(path) = path {
            self.out.push(path, value);
            if let Some(watch) = &mut self.watch {
                let leaf = self.out.leaves.len() - 1;
                if watch.leaf(path.id, &self.out.scalar(leaf, self.text)) {
                    self.stopped = Some(Scanned::Stopped);
                    return Err(self.error("stopped"));
                }
            }
        }
        Ok(itself)
    }

    /// Skips a value no pattern reads. Scalars are still validated; blocks only balanced.
    #[inline(always)]
    fn skip_value(&mut self) -> Result<(), ScanError> {
        match self.peek() {
            Some(b'{') => self.skip_block(b'{', b'}', "EOF while parsing an object"),
            Some(b'[') => self.skip_block(b'[', b']', "EOF while parsing a list"),
            Some(b'"') => {
                let mark = self.out.decoded.len();
                let read = self.string().map(drop);
                self.out.decoded.truncate(mark);
                read
            }
            Some(b'-' | b'0'..=b'9') => self.number().map(drop),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(_) => Err(self.error("expected value")),
            None => Err(self.error("EOF while parsing a value")),
        }
    }

    fn skip_block(&mut self, open: u8, close: u8, message: &'static str) -> Result<(), ScanError> {
        self.pos = skip::skip_block(self.bytes, self.pos, open, close).ok_or(ScanError {
            message,
            offset: self.bytes.len(),
        })?;
        Ok(())
    }

    /// Reads an object at `node`; returns how many wanted paths its members hold values of.
    fn object(&mut self, node: NodeId) -> Result<u32, ScanError> {
        self.pos += 1; // '{'
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(0);
        }
        // The members' paths to read before the object may be left; its own path, when it is
        // one, is counted by the caller.
        let (path, _) = self.trie.wanted(node);
        let goal = self.trie.uses(node) - u32::from(path.is_some());
        let mut read = 0;
        loop {
            let child = match self.plain_members(node) {
                Plain::AfterValue => None,
                Plain::AtValue(child) => {
                    self.whitespace();
                    Some(child)
                }
                Plain::AtMember => Some(self.key(node)?),
            };
            if let Some(child) = child {
                read += match child {
                    Some(child) => self.value_at(child)?,
                    None => {
                        self.skip_value()?;
                        0
                    }
                };
                if self.unique && read >= goal {
                    return self.leave_object(read);
                }
            }
            if !matches!(self.peek(), Some(b',' | b'}')) {
                self.whitespace();
            }
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.one_space();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(read);
                }
                Some(_) => return Err(self.error("expected `,` or `}`")),
                None => return Err(self.error("EOF while parsing an object")),
            }
        }
    }

    /// Skips the members from the current position on whose keys lead nowhere and whose values
    /// are plain ([`plain_value`]), spelled `"key": "value", ` (or without the spaces), as most
    /// members of most events are: the common case, read with the position kept local. Stops
    /// after the value of such a member when no other follows, and otherwise at the first member
    /// it cannot skip so: at its value when its key has been read, at its start when not.
    #[inline(always)]
    fn plain_members(&mut self, node: NodeId) -> Plain {
        let bytes = self.bytes;
        let Some(keys) = self.trie.nodes.get(node as usize) else {
            return Plain::AtMember;
        };
        let mut specials = self.specials;
        let mut pos = self.pos;
        let stop = loop {
            if bytes.get(pos) != Some(&b'"') {
                break Plain::AtMember;
            }
            let key_end = specials.find(bytes, pos + 1);
            let Some(key) = bytes.get(pos + 1..key_end) else {
                break Plain::AtMember;
            };
            let value = match bytes.get(key_end..key_end + 3) {
                Some(b"\": ") => key_end + 3,
                Some([b'"', b':', _]) => key_end + 2,
                _ => break Plain::AtMember,
            };
            let child = keys.position(key).and_then(|at| keys.keys.get(at));
            if let Some(&(_, child, _)) = child {
                pos = value;
                break Plain::AtValue(Some(child));
            }
            let Some(value_end) = plain_value(bytes, &mut specials, value) else {
                pos = value;
                break Plain::AtValue(None);
            };
            match bytes.get(value_end..value_end + 2) {
                Some(b", ") => pos = value_end + 2,
                Some([b',', b'"']) => pos = value_end + 1,
                _ => {
                    pos = value_end;
                    break Plain::AfterValue;
                }
            }
        };
        self.specials = specials;
        self.pos = pos;
        stop
    }

    /// Reads the key of a member of an object at `node` and the `:` after it; returns the node
    /// the key leads to.
    fn key(&mut self, node: NodeId) -> Result<Option<NodeId>, ScanError> {
        if self.peek() != Some(b'"') {
            self.whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error("key must be a string"));
            }
        }
        let start = self.pos + 1;
        let end = self.find_special(start);
        let child = match self.bytes.get(end) {
            Some(b'"') => {
                self.pos = end + 1;
                self.bytes
                    .get(start..end)
                    .and_then(|key| self.trie.child(node, key))
            }
            _ => {
                // Escapes (or an error): decode the key, find it, forget it.
                let mark = self.out.decoded.len();
                let key = self.string()?;
                let child = match key {
                    Str::Text(start, len) => self.bytes.get(start..start + len),
                    Str::Decoded(start, len) => self.out.decoded.as_bytes().get(start..start + len),
                }
                .and_then(|key| self.trie.child(node, key));
                self.out.decoded.truncate(mark);
                child
            }
        };
        self.colon()?;
        Ok(child)
    }

    /// Leaves an object once every wanted path under it has been read, with unique keys: the
    /// outermost object stops the reading, others are skipped to their end.
    #[cold]
    fn leave_object(&mut self, read: u32) -> Result<u32, ScanError> {
        if self.depth == 1 {
            self.stopped = Some(Scanned::AllRead);
            return Err(self.error("stopped"));
        }
        self.pos = skip::skip_rest(self.bytes, self.pos, b'{', b'}').ok_or(ScanError {
            message: "EOF while parsing an object",
            offset: self.bytes.len(),
        })?;
        Ok(read)
    }

    /// Steps over the `:` after a key and the whitespace around it; `": "` and `":"` are the
    /// usual spellings, found first.
    #[inline(always)]
    fn colon(&mut self) -> Result<(), ScanError> {
        if self.peek() != Some(b':') {
            self.whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error("expected `:`"));
            }
        }
        self.pos += 1;
        self.one_space();
        Ok(())
    }

    /// Steps over whitespace, expecting at most one space, as most JSON has.
    #[inline(always)]
    fn one_space(&mut self) {
        if self.peek() == Some(b' ') {
            self.pos += 1;
        }
        if let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.whitespace();
        }
    }

    /// Reads an array at `node`; returns how many wanted paths one of its elements holds values
    /// of, at most (the paths of different elements are not told apart: fewer is safe).
    fn array(&mut self, node: NodeId) -> Result<u32, ScanError> {
        self.pos += 1; // '['
        let id = self.out.new_array();
        let (path, _) = self.trie.wanted(node);
        let mut most = u32::from(path.is_some());
        self.whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(most);
        }
        let mut index = 0u32;
        loop {
            self.out.stack.push((id, index));
            let read = match (path, self.peek()) {
                // Arrays of numbers (coordinates, measures) are common and long: read their
                // elements here rather than one call deeper.
                (Some(path), Some(b'-' | b'0'..=b'9')) if self.watch.is_none() => self
                    .number()
                    .map(|n| self.out.push(path, Val::Num(n)))
                    .map(|()| 1),
                _ => self.value_at(node),
            };
            self.out.stack.pop();
            most = most.max(read?);
            if !matches!(self.peek(), Some(b',' | b']')) {
                self.whitespace();
            }
            match self.peek() {
                Some(b',') => {
                    index = index.saturating_add(1);
                    self.pos += 1;
                    self.one_space();
                    continue;
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(most);
                }
                Some(_) => return Err(self.error("expected `,` or `]`")),
                None => return Err(self.error("EOF while parsing a list")),
            }
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), ScanError> {
        if self.bytes.get(self.pos..self.pos + word.len()) != Some(word) {
            return Err(self.error("expected value"));
        }
        self.pos += word.len();
        Ok(())
    }

    /// Reads a string (at its opening quote), decoding escapes only when there are some.
    #[inline(always)]
    fn string(&mut self) -> Result<Str, ScanError> {
        let start = self.pos + 1;
        let end = self.find_special(start);
        match self.bytes.get(end) {
            Some(b'"') => {
                self.pos = end + 1;
                Ok(Str::Text(start, end - start))
            }
            Some(b'\\') => self.decode(start, end),
            Some(_) => Err(ScanError {
                message: "control character (\\u0000-\\u001F) found while parsing a string",
                offset: end,
            }),
            None => Err(ScanError {
                message: "EOF while parsing a string",
                offset: end,
            }),
        }
    }

    /// Decodes a string with escapes into the decode buffer; `run_end` is its first backslash.
    #[cold]
    fn decode(&mut self, start: usize, mut run_end: usize) -> Result<Str, ScanError> {
        let begin = self.out.decoded.len();
        let mut run_start = start;
        loop {
            self.out
                .decoded
                .push_str(self.text.get(run_start..run_end).unwrap_or(""));
            self.pos = run_end;
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    let len = self.out.decoded.len() - begin;
                    return Ok(Str::Decoded(begin, len));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = self.escape()?;
                    self.out.decoded.push(c);
                }
                Some(_) => {
                    return Err(self.error(
                        "control character (\\u0000-\\u001F) found while parsing a string",
                    ));
                }
                None => return Err(self.error("EOF while parsing a string")),
            }
            run_start = self.pos;
            run_end = self.find_special(run_start);
        }
    }

    /// The character of the escape after a backslash.
    fn escape(&mut self) -> Result<char, ScanError> {
        unescape(self.bytes, &mut self.pos).map_err(|bad| {
            self.error(match bad {
                BadEscape::End => "EOF while parsing a string",
                BadEscape::Hex | BadEscape::Unknown(_) => "invalid escape",
                BadEscape::LoneLeading => "lone leading surrogate in hex escape",
                BadEscape::LoneTrailing => "lone trailing surrogate in hex escape",
            })
        })
    }

    /// Reads a number as serde_json does: integers that fit 64 bits stay integers (except `-0`,
    /// a float), everything else is the nearest double.
    fn number(&mut self) -> Result<Number, ScanError> {
        let bytes = self.bytes;
        let start = self.pos;
        let mut i = start;
        let negative = bytes.get(i) == Some(&b'-');
        if negative {
            i += 1;
        }
        let mut mantissa = 0u64;
        let mut overflow = false;
        let int_start = i;
        let int_digits = digits(bytes, &mut i, &mut mantissa, &mut overflow);
        if int_digits == 0 {
            self.pos = i;
            return Err(self.error("invalid number"));
        }
        if int_digits > 1 && bytes.get(int_start) == Some(&b'0') {
            self.pos = int_start + 1;
            return Err(self.error("invalid number"));
        }
        let mut integer = true;
        let mut fraction_digits = 0;
        if bytes.get(i) == Some(&b'.') {
            integer = false;
            i += 1;
            fraction_digits = digits(bytes, &mut i, &mut mantissa, &mut overflow);
            if fraction_digits == 0 {
                self.pos = i;
                return Err(self.error("invalid number"));
            }
        }
        let mut exponent = 0i64;
        if let Some(b'e' | b'E') = bytes.get(i) {
            integer = false;
            i += 1;
            let exponent_negative = match bytes.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let from = i;
            while let Some(&d @ b'0'..=b'9') = bytes.get(i) {
                exponent = (exponent * 10 + i64::from(d - b'0')).min(1 << 20);
                i += 1;
            }
            if i == from {
                self.pos = i;
                return Err(self.error("invalid number"));
            }
            if exponent_negative {
                exponent = -exponent;
            }
        }
        self.pos = i;
        if integer && !overflow {
            if !negative {
                return Ok(Number::UInt(mantissa));
            }
            if mantissa == 0 {
                return Ok(Number::Float(-0.0));
            }
            if let Some(value) = 0i64.checked_sub_unsigned(mantissa) {
                return Ok(Number::Int(value));
            }
        }
        if !integer && !overflow && mantissa <= 1 << 53 {
            // Both operands are exact doubles, so one correctly rounded operation gives the
            // nearest double (Clinger's fast path).
            let scale = exponent - fraction_digits as i64;
            if let Some(&power) = POW10.get(scale.unsigned_abs() as usize) {
                let m = mantissa as f64;
                let value = if scale >= 0 { m * power } else { m / power };
                return Ok(Number::Float(if negative { -value } else { value }));
            }
        }
        match self.text.get(start..i).map(str::parse::<f64>) {
            Some(Ok(value)) if value.is_finite() => Ok(Number::Float(value)),
            _ => Err(ScanError {
                message: "number out of range",
                offset: start,
            }),
        }
    }
}

/// End of the value at `at` when it is plain: a string without escapes, a plain scalar
/// ([`plain_scalar`]), or an array of those written `[a, b]` or `[a,b]`. `None` leaves the value
/// to [`Scanner::skip_value`].
#[inline(always)]
fn plain_value(bytes: &[u8], specials: &mut Specials, at: usize) -> Option<usize> {
    if bytes.get(at) == Some(&b'"') {
        let end = specials.find(bytes, at + 1);
        return (bytes.get(end) == Some(&b'"')).then_some(end + 1);
    }
    let (end, moved) = plain_scalar_or_array(bytes, *specials, at);
    *specials = moved;
    end
}

/// [`plain_value`] of a value that is not a string, and the window its strings moved to.
#[inline(never)]
fn plain_scalar_or_array(
    bytes: &[u8],
    mut specials: Specials,
    at: usize,
) -> (Option<usize>, Specials) {
    if bytes.get(at) != Some(&b'[') {
        return (plain_scalar(bytes, at), specials);
    }
    let mut i = at + 1;
    if bytes.get(i) == Some(&b']') {
        return (Some(i + 1), specials);
    }
    let end = loop {
        let element = match bytes.get(i) {
            Some(b'"') => {
                let end = specials.find(bytes, i + 1);
                (bytes.get(end) == Some(&b'"')).then_some(end + 1)
            }
            _ => plain_scalar(bytes, i),
        };
        let Some(element) = element else {
            break None;
        };
        i = element;
        match bytes.get(i) {
            Some(b',') => i += 1 + usize::from(bytes.get(i + 1) == Some(&b' ')),
            Some(b']') => break Some(i + 1),
            _ => break None,
        }
    };
    (end, specials)
}

/// End of the number or literal at `at` when it is one of the usual, plainly valid ones: `true`,
/// `false`, `null`, or a number without exponent of fewer than 300 characters (never out of
/// range). `None` leaves the value to [`Scanner::skip_value`].
#[inline(always)]
fn plain_scalar(bytes: &[u8], at: usize) -> Option<usize> {
    let literal =
        |word: &[u8]| (bytes.get(at..at + word.len()) == Some(word)).then_some(at + word.len());
    match *bytes.get(at)? {
        b't' => return literal(b"true"),
        b'f' => return literal(b"false"),
        b'n' => return literal(b"null"),
        _ => {}
    }
    let mut i = at + usize::from(bytes.get(at) == Some(&b'-'));
    let first = i;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if i == first || (i > first + 1 && bytes.get(first) == Some(&b'0')) {
        return None;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let fraction = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == fraction {
            return None;
        }
    }
    (i - at < 300 && !matches!(bytes.get(i), Some(b'e' | b'E'))).then_some(i)
}

/// Reads decimal digits from `bytes[*i..]` onto `mantissa`, up to eight at a time while they
/// last; returns how many there were. `overflow` is set once the mantissa no longer fits.
#[inline(always)]
fn digits(bytes: &[u8], i: &mut usize, mantissa: &mut u64, overflow: &mut bool) -> usize {
    let from = *i;
    while let Some(chunk) = bytes.get(*i..*i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let n = leading_digits(word);
        // Up to 10^19 still fits 64 bits.
        if n == 0 || *mantissa >= POW10_U64[19 - n] {
            break;
        }
        *mantissa = *mantissa * POW10_U64[n] + value_of_leading_digits(word, n);
        *i += n;
        if n < 8 {
            return *i - from;
        }
    }
    while let Some(&b) = bytes.get(*i) {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        match mantissa
            .checked_mul(10)
            .and_then(|m| m.checked_add(u64::from(digit)))
        {
            Some(m) => *mantissa = m,
            None => *overflow = true,
        }
        *i += 1;
    }
    *i - from
}

const POW10_U64: [u64; 20] = {
    let mut powers = [1u64; 20];
    let mut k = 1;
    while k < 20 {
        powers[k] = powers[k - 1] * 10;
        k += 1;
    }
    powers
};

/// How many of the eight bytes of `word` (read little-endian) are ASCII digits before the first
/// that is not.
#[inline(always)]
fn leading_digits(word: u64) -> usize {
    // Digits become 0..=9, whose high nibble stays clear when 6 is added; every other byte has
    // its high nibble set in one of the two. A carry out of a byte only reaches bytes after it.
    let x = word ^ 0x3030_3030_3030_3030;
    let other = (x | x.wrapping_add(0x0606_0606_0606_0606)) & 0xF0F0_F0F0_F0F0_F0F0;
    (other.trailing_zeros() / 8) as usize
}

/// The value of the first `n` (1 to 8) bytes of `word` (read little-endian), ASCII digits, the
/// first digit the most significant (the multiplication trick of the fast_float library).
#[inline(always)]
fn value_of_leading_digits(word: u64, n: usize) -> u64 {
    const MASK: u64 = 0x0000_00FF_0000_00FF;
    const MUL1: u64 = 100 + (1_000_000 << 32);
    const MUL2: u64 = 1 + (10_000 << 32);
    // Each byte's digit, the `n` digits moved to the end of eight, after zeros.
    let v = word.wrapping_sub(0x3030_3030_3030_3030) << (8 * (8 - n));
    let v = v * 10 + (v >> 8);
    let v1 = (v & MASK).wrapping_mul(MUL1);
    let v2 = ((v >> 16) & MASK).wrapping_mul(MUL2);
    u64::from((v1.wrapping_add(v2) >> 32) as u32)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trie(paths: &[&str]) -> PathTrie {
        let mut trie = PathTrie::default();
        for (i, p) in paths.iter().enumerate() {
            trie.add(p, to_u32(i));
            trie.keep_places(p, true);
        }
        trie
    }

    /// (path id, value) of every leaf, in the order read.
    fn read(text: &str, trie: &PathTrie) -> Vec<(PathId, String)> {
        let mut out = Leaves::default();
        scan_json(text, trie, &mut out, None, false).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        let raw: Vec<(PathId, String)> = (0..out.leaves.len())
            .map(|i| {
                (
                    out.leaves[i].path,
                    format!("{:?}", out.scalar(i, text)).replace("Borrowed", "Cow"),
                )
            })
            .collect();
        let value: Value = serde_json::from_str(text).expect("valid JSON");
        walk_value(&value, trie, &mut out);
        let parsed: Vec<(PathId, String)> = (0..out.leaves.len())
            .map(|i| {
                (
                    out.leaves[i].path,
                    format!("{:?}", out.scalar(i, text)).replace("Borrowed", "Cow"),
                )
            })
            .collect();
        // A `Value` keeps object keys sorted, so leaves may come in another order.
        let (mut sorted_raw, mut parsed) = (raw.clone(), parsed);
        sorted_raw.sort();
        parsed.sort();
        assert_eq!(sorted_raw, parsed, "raw and Value reading differ on {text}");
        raw
    }

    #[test]
    fn plain_members_read_as_their_other_spellings_do() {
        let t = trie(&["b", "d.e"]);
        let expected = read(
            r#"{"a": "x", "b": "y", "c": "z", "d": {"e": "w", "f": "v"}}"#,
            &t,
        );
        assert_eq!(expected.len(), 2);
        for text in [
            r#"{"a":"x","b":"y","c":"z","d":{"e":"w","f":"v"}}"#,
            "{ \"a\" : \"x\" ,\n \"b\"\t:\"y\", \"c\":  \"z\",\"d\": {\"e\": \"w\", \"f\": \"v\"} }",
            r#"{"\u0061": "x", "b": "y", "c": "\"z\"", "d": {"e": "w", "f": 1}}"#,
            r#"{"a": 1, "b": "y", "c": [], "d": {"f": "v", "e": "w"}}"#,
            r#"{"a": ["x", 1, true, null, -2.5], "b": "y", "c": [ "z" ], "d": {"e": "w", "f": ["v",{"g": 1}]}}"#,
        ] {
            assert_eq!(read(text, &t), expected, "{text}");
        }
        // Skipped strings are still validated, and an unfinished one is an error.
        let mut out = Leaves::default();
        for text in [
            "{\"a\": \"x\u{1}\", \"b\": \"y\"}",
            r#"{"a": "x", "b"#,
            r#"{"a": ["x", "y"#,
            r#"{"a": ["x", 1"#,
            r#"{"a": "x" "b": "y"}"#,
        ] {
            assert!(
                scan_json(text, &t, &mut out, None, false).is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn dotted_keys_and_nesting_reach_the_same_path() {
        let t = trie(&["a.b.c", "a.d"]);
        let leaves = read(
            r#"{"a": {"b": {"c": 1}, "b.c": 2, "d": 3}, "a.b": {"c": 4}, "a.b.c": 5, "x": {"a": 6}}"#,
            &t,
        );
        let ids: Vec<PathId> = leaves.iter().map(|(p, _)| *p).collect();
        assert_eq!(ids, vec![0, 0, 1, 0, 0]);
    }

    #[test]
    fn unwanted_values_are_skipped_and_wanted_ones_kept() {
        let t = trie(&["k"]);
        let leaves = read(
            r#"{"skip": {"k": [1, "]", {"k": 2}]}, "k": ["x", "y\"z", 3.5, -0, null, true]}"#,
            &t,
        );
        let values: Vec<&str> = leaves.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(
            values,
            vec![
                r#"Str("x")"#,
                r#"Str("y\"z")"#,
                "Num(Float(3.5))",
                "Num(Float(-0.0))",
                "Null",
                "Bool(true)"
            ]
        );
    }

    #[test]
    fn array_membership_is_recorded_for_each_leaf() {
        let t = trie(&["a.x"]);
        let mut out = Leaves::default();
        scan_json(
            r#"{"a": [{"x": 1}, [{"x": 2}]]}"#,
            &t,
            &mut out,
            None,
            false,
        )
        .unwrap();
        assert_eq!(out.membership(0), &[(0, 0)]);
        assert_eq!(out.membership(1), &[(0, 1), (1, 0)]);
    }

    #[test]
    fn places_are_left_out_for_paths_that_do_not_keep_them() {
        let mut t = trie(&["a.x", "b"]);
        t.keep_places("a.x", false);
        let mut out = Leaves::default();
        let text = r#"{"a": [{"x": 1}, [{"x": 2}]], "b": [3]}"#;
        scan_json(text, &t, &mut out, None, false).unwrap();
        assert_eq!(out.leaves.len(), 3);
        assert!(out.membership(0).is_empty());
        assert!(out.membership(1).is_empty());
        assert_eq!(out.membership(2), &[(2, 0)]);
        walk_value(&serde_json::from_str(text).unwrap(), &t, &mut out);
        assert!(out.membership(0).is_empty());
        assert_eq!(out.membership(2), &[(2, 0)]);
    }

    #[test]
    fn numbers_are_the_nearest_double() {
        // serde_json's default parser gives 9.999999999999999e-31 here.
        let t = trie(&["n"]);
        let mut out = Leaves::default();
        for text in [
            "0.000000000000000000000000000001",
            "2.2250738585072011e-308",
        ] {
            let event = format!(r#"{{"n": {text}}}"#);
            scan_json(&event, &t, &mut out, None, false).unwrap();
            assert_eq!(
                out.leaves[0].value,
                Val::Num(Number::Float(text.parse().unwrap()))
            );
        }
    }

    #[test]
    fn up_to_eight_digits_at_a_time() {
        for text in [
            "12345678", "00000000", "99999999", "10203040", "1234567.", "122.5200", "7]", "0,",
            "/1234567", "a2345678", "9:", "00000001", "5\u{0}",
        ] {
            let mut chunk = [b' '; 8];
            chunk[..text.len()].copy_from_slice(text.as_bytes());
            let word = u64::from_le_bytes(chunk);
            let n = text.bytes().take_while(u8::is_ascii_digit).count();
            assert_eq!(leading_digits(word), n, "{text}");
            if n > 0 {
                assert_eq!(
                    value_of_leading_digits(word, n),
                    text[..n].parse::<u64>().unwrap(),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn numbers_follow_serde_json() {
        let t = trie(&["n"]);
        for text in [
            "0",
            "-0",
            "12",
            "-9223372036854775808",
            "-9223372036854775809",
            "18446744073709551615",
            "18446744073709551616",
            "3.0e2",
            "1e-400",
            "0.1",
            "-122.433270000000",
            "123456789012345678901234567890.5",
            "1.7976931348623157e308",
            "4.9e-324",
            "1234567890123456789",
            "12345678901234567890",
            "1234567812345678.25",
            "-1.23456781234e5",
        ] {
            read(&format!(r#"{{"n": {text}}}"#), &t);
        }
    }

    #[test]
    fn bad_input_is_an_error_with_a_position() {
        let t = trie(&["a"]);
        let mut out = Leaves::default();
        for (text, offset) in [
            (r#"{"a": 01}"#, 7),
            (r#"{"a": 1.}"#, 8),
            (r#"{"a": 1e400}"#, 6),
            (r#"{"a": "x\q"}"#, 10),
            (r#"{"a": "\ud800"}"#, 13),
            ("{\"a\": \"\u{1}\"}", 7),
            (r#"{"a": [1 2]}"#, 9),
            (r#"{"a": tru}"#, 6),
            (r#"{"a" 1}"#, 5),
            (r#"{"a": 1} x"#, 9),
            (r#"{"b": [1, }"#, 11),
            (r#"{"b": "x"#, 8),
            (r#"{"a": 1"#, 7),
            ("", 0),
        ] {
            let err = scan_json(text, &t, &mut out, None, false).expect_err(text);
            assert_eq!(err.offset, offset, "{text}: {}", err.message);
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
        }
        let deep = format!(r#"{{"a": {}{}}}"#, "[".repeat(200), "]".repeat(200));
        assert_eq!(
            scan_json(&deep, &t, &mut out, None, false)
                .unwrap_err()
                .message,
            "recursion limit exceeded"
        );
    }

    #[test]
    fn removed_paths_are_no_longer_read() {
        let mut t = trie(&["a.b", "a.c", "d"]);
        t.remove("a.b");
        let leaves = read(r#"{"a": {"b": 1, "c": 2}, "a.b": 3, "d": 4}"#, &t);
        assert_eq!(
            leaves.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
            vec![1, 2]
        );
        t.remove("a.c");
        t.remove("d");
        assert!(read(r#"{"a": {"b": 1, "c": 2}, "d": 4}"#, &t).is_empty());
        assert_eq!(t.by_text.len(), 1, "only the root is left");
        assert!(t.nodes[ROOT as usize].keys.is_empty());
    }

    #[test]
    fn keys_with_the_same_start_and_length_are_told_apart() {
        let t = trie(&["abcdefgh1", "abcdefgh2", "abcdefgh"]);
        let leaves = read(
            r#"{"abcdefgh2": 1, "abcdefgh1": 2, "abcdefgh": 3, "abcdefgh3": 4, "abcdefg": 5}"#,
            &t,
        );
        assert_eq!(
            leaves.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
            vec![1, 0, 2]
        );
    }

    #[test]
    fn many_keys_at_one_node_are_found_through_a_table() {
        let paths: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        let mut t = trie(&refs);
        assert!(t.nodes[ROOT as usize].lookup.is_some());
        let leaves = read(r#"{"k7": 1, "k99": 2, "k100": 3}"#, &t);
        assert_eq!(
            leaves.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
            vec![7, 99]
        );
        for p in &refs[..50] {
            t.remove(p);
        }
        let leaves = read(r#"{"k7": 1, "k99": 2, "k50": 3}"#, &t);
        assert_eq!(
            leaves.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
            vec![99, 50]
        );
    }
}
