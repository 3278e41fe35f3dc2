//! Compact, immutable JSON trees: how kvdiag holds captured objects.
//!
//! A `serde_json::Value` gives every map, key and string an allocation of its own, and its maps
//! are B-trees whose smallest node takes some 600 bytes: a Kubernetes object of 2 KB of JSON
//! becomes some 20 KB. A [`Tree`] is two allocations, its nodes (8 bytes each) and the text of
//! all its keys and strings, about the size of the object's JSON (a third, rarely, for numbers
//! that do not fit a node: floats and integers beyond ±2^60). [`Node`] is a view into a tree;
//! [`Node::to_value`] builds a `Value` where one is wanted (evidence, JSONPath filters).
//!
//! Maps keep the order of the input; a key given twice counts once, with its last value, as in
//! a `Value`. A `Value` made from a tree has its keys sorted, as every `Value` of serde_json.

use std::fmt;
use std::hash::BuildHasher;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// One node, as it is read. Strings are ranges of the text; arrays are ranges of nodes; objects
/// are ranges of nodes holding key (a `Str`) and value in turn. A tree holds its nodes
/// [`Packed`].
#[derive(Clone, Copy, Debug, PartialEq)]
enum Slot {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str { at: u32, len: u32 },
    Array { at: u32, len: u32 },
    Object { at: u32, len: u32 },
}

/// A [`Slot`] in 8 bytes: a 3-bit tag in the low bits, then the payload. Strings, arrays and
/// objects keep their offset in the high 32 bits and their length in the 29 bits between;
/// integers within ±2^60 are held in the payload, other numbers in the tree's `numbers` (the
/// payload is their index, times 4, plus their kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Packed(u64);

const NULL: u64 = 0;
const FALSE: u64 = 1;
const TRUE: u64 = 2;
const SMALL_INT: u64 = 3;
const NUMBER: u64 = 4;
const STR: u64 = 5;
const ARRAY: u64 = 6;
const OBJECT: u64 = 7;
/// Numbers out of line: an `i64` too large to be held in the node, a `u64`, an `f64`.
const BIG_INT: u64 = 0;
const UINT: u64 = 1;
const FLOAT: u64 = 2;
/// The longest string (bytes), array or object (members) a tree holds: 29 bits.
const MAX_LEN: u32 = (1 << 29) - 1;
/// Integers held in the node: 61 bits, signed.
const SMALL: i64 = 1 << 60;

impl Packed {
    /// Packs `slot`; numbers that do not fit go to `numbers`; a length of more than
    /// [`MAX_LEN`] sets `too_large`.
    fn of(slot: Slot, numbers: &mut Vec<u64>, too_large: &mut bool) -> Packed {
        let (bits, kind) = match slot {
            Slot::Null => return Packed(NULL),
            Slot::Bool(b) => return Packed(if b { TRUE } else { FALSE }),
            Slot::Int(n) if (-SMALL..SMALL).contains(&n) => {
                return Packed((n as u64) << 3 | SMALL_INT);
            }
            Slot::Str { at, len } => return Packed::range(STR, at, len, too_large),
            Slot::Array { at, len } => return Packed::range(ARRAY, at, len, too_large),
            Slot::Object { at, len } => return Packed::range(OBJECT, at, len, too_large),
            Slot::Int(n) => (n as u64, BIG_INT),
            Slot::UInt(n) => (n, UINT),
            Slot::Float(n) => (n.to_bits(), FLOAT),
        };
        let index = numbers.len() as u64;
        if index >= 1 << 58 {
            *too_large = true;
        }
        numbers.push(bits);
        Packed((index << 2 | kind) << 3 | NUMBER)
    }

    /// A string, array or object: `tag`, offset and length; a length of more than [`MAX_LEN`]
    /// sets `too_large`.
    fn range(tag: u64, at: u32, len: u32, too_large: &mut bool) -> Packed {
        if len > MAX_LEN {
            *too_large = true;
        }
        Packed(u64::from(at) << 32 | u64::from(len.min(MAX_LEN)) << 3 | tag)
    }

    /// The slot, its out-of-line number read from `numbers`.
    fn slot(self, numbers: &[u64]) -> Slot {
        let p = self.0;
        let at = (p >> 32) as u32;
        let len = (p >> 3) as u32 & MAX_LEN;
        match p & 7 {
            FALSE => Slot::Bool(false),
            TRUE => Slot::Bool(true),
            SMALL_INT => Slot::Int(p as i64 >> 3),
            NUMBER => {
                let bits = numbers.get((p >> 5) as usize).copied().unwrap_or_default();
                match p >> 3 & 3 {
                    BIG_INT => Slot::Int(bits as i64),
                    UINT => Slot::UInt(bits),
                    _ => Slot::Float(f64::from_bits(bits)),
                }
            }
            STR => Slot::Str { at, len },
            ARRAY => Slot::Array { at, len },
            OBJECT => Slot::Object { at, len },
            _ => Slot::Null,
        }
    }
}

/// A JSON value held compactly: what [`Object`](crate::Object)s are made of.
#[derive(Clone, PartialEq)]
pub struct Tree {
    /// Every node; the root is the last.
    slots: Box<[Packed]>,
    text: Box<str>,
    /// Numbers that do not fit a node (most trees have none).
    numbers: Box<[u64]>,
}

/// A tree larger than 4 GiB of text or 4 billion nodes (the offsets are 32-bit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a document too large to hold (over 4 GiB of text or 4 billion values)")]
pub struct TooLarge;

impl Tree {
    /// The tree of a `Value`.
    pub fn from_value(value: &Value) -> Result<Tree, TooLarge> {
        thread_local! {
            /// Buffers reused from one value to the next.
            static SCRATCH: std::cell::RefCell<Builder> = std::cell::RefCell::default();
        }
        SCRATCH.with(|b| match b.try_borrow_mut() {
            Ok(mut b) => {
                b.value(value);
                b.finish()
            }
            Err(_) => {
                let mut b = Builder::default();
                b.value(value);
                b.finish()
            }
        })
    }

    /// The root node.
    pub fn root(&self) -> Node<'_> {
        Node {
            tree: self,
            slot: self.unpack(self.slots.last().copied().unwrap_or(Packed(NULL))),
        }
    }

    /// The whole tree as a `Value`.
    pub fn to_value(&self) -> Value {
        self.root().to_value()
    }

    /// Every member of every object of the tree, at any depth, in no particular order: one pass
    /// over the nodes, without walking down.
    pub fn all_members(&self) -> impl Iterator<Item = (&str, Node<'_>)> {
        self.slots.iter().flat_map(move |&slot| {
            let pairs = match self.unpack(slot) {
                Slot::Object { at, len } => self.slots(at, 2 * len as usize),
                _ => &[],
            };
            pairs.chunks_exact(2).map(move |pair| self.member(pair))
        })
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        (self.slots.len() + self.numbers.len()) * 8 + self.text.len()
    }

    fn unpack(&self, slot: Packed) -> Slot {
        slot.slot(&self.numbers)
    }

    /// The member of an object whose key and value are the two nodes of `pair`.
    fn member(&self, pair: &[Packed]) -> (&str, Node<'_>) {
        let key = match pair.first().map(|&k| self.unpack(k)) {
            Some(Slot::Str { at, len }) => self.str(at, len),
            _ => "",
        };
        let slot = pair.get(1).map_or(Slot::Null, |&v| self.unpack(v));
        (key, Node { tree: self, slot })
    }

    fn str(&self, at: u32, len: u32) -> &str {
        text_at(&self.text, at, len)
    }

    fn slots(&self, at: u32, len: usize) -> &[Packed] {
        let at = at as usize;
        self.slots.get(at..at + len).unwrap_or_default()
    }
}

impl fmt::Debug for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tree({})", self.to_value())
    }
}

/// A node of a [`Tree`]: a cheap, copyable view.
#[derive(Clone, Copy)]
pub struct Node<'a> {
    tree: &'a Tree,
    slot: Slot,
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_value())
    }
}

impl<'a> Node<'a> {
    /// The member `key` of an object (the last one, if the key was given twice).
    pub fn get(self, key: &str) -> Option<Node<'a>> {
        let Slot::Object { at, len } = self.slot else {
            return None;
        };
        let tree = self.tree;
        let pairs = tree.slots(at, 2 * len as usize);
        // Rules and correlation look keys up all the time: a key of another length is passed
        // over without reading its text, and only the found member's value is unpacked.
        let text = tree.text.as_bytes();
        pairs.chunks_exact(2).rev().find_map(|pair| {
            let Slot::Str { at, len } = tree.unpack(pair[0]) else {
                return None;
            };
            let (at, len) = (at as usize, len as usize);
            if len != key.len() || text.get(at..at + len)? != key.as_bytes() {
                return None;
            }
            Some(Node {
                tree,
                slot: tree.unpack(pair[1]),
            })
        })
    }

    /// The node found by walking object keys from this one.
    pub fn at(self, keys: &[&str]) -> Option<Node<'a>> {
        keys.iter().try_fold(self, |node, k| node.get(k))
    }

    /// The string found by walking object keys from this one.
    pub fn str_at(self, keys: &[&str]) -> Option<&'a str> {
        self.at(keys)?.as_str()
    }

    /// The `i`th element of an array.
    pub fn index(self, i: usize) -> Option<Node<'a>> {
        self.items().nth(i)
    }

    /// The elements of an array; none for anything else.
    pub fn items(self) -> impl ExactSizeIterator<Item = Node<'a>> + DoubleEndedIterator + 'a {
        let tree = self.tree;
        let items = match self.slot {
            Slot::Array { at, len } => tree.slots(at, len as usize),
            _ => &[],
        };
        items.iter().map(move |&slot| Node {
            tree,
            slot: tree.unpack(slot),
        })
    }

    /// The members of an object, in input order; none for anything else.
    pub fn members(self) -> impl Iterator<Item = (&'a str, Node<'a>)> + 'a {
        let tree = self.tree;
        let pairs = match self.slot {
            Slot::Object { at, len } => tree.slots(at, 2 * len as usize),
            _ => &[],
        };
        pairs.chunks_exact(2).map(move |pair| tree.member(pair))
    }

    /// How many elements or members; 0 for a scalar.
    pub fn len(self) -> usize {
        match self.slot {
            Slot::Array { len, .. } | Slot::Object { len, .. } => len as usize,
            _ => 0,
        }
    }

    /// Whether this is an empty array or object, or a scalar.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The text of a string.
    pub fn as_str(self) -> Option<&'a str> {
        match self.slot {
            Slot::Str { at, len } => Some(self.tree.str(at, len)),
            _ => None,
        }
    }

    /// A boolean.
    pub fn as_bool(self) -> Option<bool> {
        match self.slot {
            Slot::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// An integer that fits an `i64`.
    pub fn as_i64(self) -> Option<i64> {
        match self.slot {
            Slot::Int(n) => Some(n),
            Slot::UInt(n) => i64::try_from(n).ok(),
            _ => None,
        }
    }

    /// Any number, as a float.
    pub fn as_f64(self) -> Option<f64> {
        match self.slot {
            Slot::Int(n) => Some(n as f64),
            Slot::UInt(n) => Some(n as f64),
            Slot::Float(n) => Some(n),
            _ => None,
        }
    }

    /// `null`.
    pub fn is_null(self) -> bool {
        self.slot == Slot::Null
    }

    /// An object (a map).
    pub fn is_object(self) -> bool {
        matches!(self.slot, Slot::Object { .. })
    }

    /// An array.
    pub fn is_array(self) -> bool {
        matches!(self.slot, Slot::Array { .. })
    }

    /// This node and everything under it as a `Value`.
    pub fn to_value(self) -> Value {
        match self.slot {
            Slot::Null => Value::Null,
            Slot::Bool(b) => Value::Bool(b),
            Slot::Int(n) => Value::Number(n.into()),
            Slot::UInt(n) => Value::Number(n.into()),
            Slot::Float(n) => Number::from_f64(n).map_or(Value::Null, Value::Number),
            Slot::Str { at, len } => Value::String(self.tree.str(at, len).to_owned()),
            Slot::Array { .. } => Value::Array(self.items().map(Node::to_value).collect()),
            Slot::Object { .. } => {
                let mut map = Map::new();
                for (k, v) in self.members() {
                    map.insert(k.to_owned(), v.to_value());
                }
                Value::Object(map)
            }
        }
    }
}

/// Builds a [`Tree`] from events: scalars, keys, and the ends of arrays and objects.
///
/// Children wait on a stack until their container ends; then they are moved, side by side, to
/// the tree's nodes, and the container becomes one node on the stack.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    slots: Vec<Packed>,
    numbers: Vec<u64>,
    text: String,
    /// The strings in `text` (offset, length), by hash: a string met again in the same tree
    /// (a key of every container, a condition's status) points at its first copy.
    strings: hashbrown::HashTable<(u32, u32)>,
    hasher: foldhash::fast::FixedState,
    stack: Vec<Slot>,
    /// Where on the stack each open container's children start.
    open: Vec<usize>,
    /// Values pushed while muted are dropped (how skipped parts of a document are read).
    muted: usize,
    too_large: bool,
}

impl Builder {
    fn push(&mut self, slot: Slot) {
        if self.muted == 0 {
            self.stack.push(slot);
        }
    }

    /// Stops keeping values until [`Builder::unmute`].
    pub(crate) fn mute(&mut self) {
        self.muted += 1;
    }

    /// Keeps values again.
    pub(crate) fn unmute(&mut self) {
        self.muted = self.muted.saturating_sub(1);
    }

    pub(crate) fn null(&mut self) {
        self.push(Slot::Null);
    }

    pub(crate) fn bool(&mut self, b: bool) {
        self.push(Slot::Bool(b));
    }

    pub(crate) fn i64(&mut self, n: i64) {
        self.push(Slot::Int(n));
    }

    pub(crate) fn u64(&mut self, n: u64) {
        match i64::try_from(n) {
            Ok(n) => self.push(Slot::Int(n)),
            Err(_) => self.push(Slot::UInt(n)),
        }
    }

    pub(crate) fn f64(&mut self, n: f64) {
        self.push(Slot::Float(n));
    }

    /// A string, or an object's key (keys and values are pushed in turn).
    pub(crate) fn str(&mut self, s: &str) {
        if self.muted > 0 {
            return;
        }
        let Builder {
            text,
            strings,
            hasher,
            ..
        } = self;
        let hash = hasher.hash_one(s);
        if let Some(&(at, len)) = strings.find(hash, |&(at, len)| text_at(text, at, len) == s) {
            self.stack.push(Slot::Str { at, len });
            return;
        }
        let at = offset(text.len(), &mut self.too_large);
        let len = offset(s.len(), &mut self.too_large);
        text.push_str(s);
        let text = &*text;
        strings.insert_unique(hash, (at, len), |&(at, len)| {
            hasher.hash_one(text_at(text, at, len))
        });
        self.stack.push(Slot::Str { at, len });
    }

    /// Opens an array or an object.
    pub(crate) fn begin(&mut self) {
        if self.muted == 0 {
            self.open.push(self.stack.len());
        }
    }

    /// Closes the innermost open container as an array.
    pub(crate) fn end_array(&mut self) {
        if let Some((at, len)) = self.close() {
            self.stack.push(Slot::Array { at, len });
        }
    }

    /// Closes the innermost open container as an object (its children are key, value, ...).
    pub(crate) fn end_object(&mut self) {
        if let Some((at, len)) = self.close() {
            self.stack.push(Slot::Object { at, len: len / 2 });
        }
    }

    fn close(&mut self) -> Option<(u32, u32)> {
        if self.muted > 0 {
            return None;
        }
        let start = self.open.pop()?.min(self.stack.len());
        let at = offset(self.slots.len(), &mut self.too_large);
        let len = offset(self.stack.len() - start, &mut self.too_large);
        let (numbers, too_large) = (&mut self.numbers, &mut self.too_large);
        self.slots.extend(
            self.stack
                .drain(start..)
                .map(|slot| Packed::of(slot, numbers, too_large)),
        );
        Some((at, len))
    }

    /// A whole `Value`.
    pub(crate) fn value(&mut self, value: &Value) {
        match value {
            Value::Null => self.null(),
            Value::Bool(b) => self.bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => self.i64(i),
                (None, Some(u), _) => self.u64(u),
                (None, None, f) => self.f64(f.unwrap_or(f64::NAN)),
            },
            Value::String(s) => self.str(s),
            Value::Array(items) => {
                self.begin();
                items.iter().for_each(|v| self.value(v));
                self.end_array();
            }
            Value::Object(map) => {
                self.begin();
                for (k, v) in map {
                    self.str(k);
                    self.value(v);
                }
                self.end_object();
            }
        }
    }

    /// A copy of a node of another tree.
    pub(crate) fn node(&mut self, node: Node<'_>) {
        match node.slot {
            Slot::Str { .. } => self.str(node.as_str().unwrap_or_default()),
            Slot::Array { .. } => {
                self.begin();
                node.items().for_each(|n| self.node(n));
                self.end_array();
            }
            Slot::Object { .. } => {
                self.begin();
                for (k, v) in node.members() {
                    self.str(k);
                    self.node(v);
                }
                self.end_object();
            }
            scalar => self.push(scalar),
        }
    }

    /// The tree of the one value pushed, in allocations of its exact size; the builder is
    /// empty again after, and keeps its buffers for the next value.
    pub(crate) fn finish(&mut self) -> Result<Tree, TooLarge> {
        let root = self.stack.pop().unwrap_or(Slot::Null);
        let root = Packed::of(root, &mut self.numbers, &mut self.too_large);
        let too_large = std::mem::take(&mut self.too_large);
        self.stack.clear();
        self.open.clear();
        self.muted = 0;
        let tree = (!too_large).then(|| {
            self.slots.push(root);
            // A large value's buffers become its tree, shrunk in place, rather than copied:
            // the copy would hold a large document twice while it is built.
            if self.text.capacity() >= HANDED_OVER_BYTES
                || self.slots.capacity() * std::mem::size_of::<Packed>() >= HANDED_OVER_BYTES
            {
                return Tree {
                    slots: std::mem::take(&mut self.slots).into_boxed_slice(),
                    text: std::mem::take(&mut self.text).into_boxed_str(),
                    numbers: std::mem::take(&mut self.numbers).into_boxed_slice(),
                };
            }
            Tree {
                slots: self.slots.as_slice().into(),
                text: self.text.as_str().into(),
                numbers: self.numbers.as_slice().into(),
            }
        });
        self.slots.clear();
        self.numbers.clear();
        self.text.clear();
        self.strings.clear();
        tree.ok_or(TooLarge)
    }
}

/// Buffers at least this large are handed over to the tree [`Builder::finish`] makes.
const HANDED_OVER_BYTES: usize = 1 << 20;

/// The string at `at`, `len` bytes long, of a tree's text (empty where there is none).
fn text_at(text: &str, at: u32, len: u32) -> &str {
    let (at, len) = (at as usize, len as usize);
    text.get(at..at + len).unwrap_or_default()
}

/// A 32-bit offset; marks the builder too large past that.
fn offset(n: usize, too_large: &mut bool) -> u32 {
    u32::try_from(n).unwrap_or_else(|_| {
        *too_large = true;
        0
    })
}

/// Reads any serde data format (JSON, YAML) straight into a [`Builder`], without a `Value`.
pub(crate) struct Seed<'b>(pub(crate) &'b mut Builder);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<(), E> {
        self.0.bool(b);
        Ok(())
    }

    fn visit_i64<E>(self, n: i64) -> Result<(), E> {
        self.0.i64(n);
        Ok(())
    }

    fn visit_u64<E>(self, n: u64) -> Result<(), E> {
        self.0.u64(n);
        Ok(())
    }

    fn visit_f64<E>(self, n: f64) -> Result<(), E> {
        self.0.f64(n);
        Ok(())
    }

    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        self.0.str(s);
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.0.null();
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        self.0.null();
        Ok(())
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.begin();
        while seq.next_element_seed(Seed(&mut *self.0))?.is_some() {}
        self.0.end_array();
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.begin();
        while map.next_key_seed(Key(&mut *self.0))?.is_some() {
            map.next_value_seed(Seed(&mut *self.0))?;
        }
        self.0.end_object();
        Ok(())
    }
}

/// An object's key: a string.
struct Key<'b>(&'b mut Builder);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for Key<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        self.0.str(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn from_json(text: &str) -> Tree {
        let mut b = Builder::default();
        let mut d = serde_json::Deserializer::from_str(text);
        Seed(&mut b).deserialize(&mut d).expect("JSON");
        b.finish().expect("small")
    }

    #[test]
    fn values_make_the_same_value_back() {
        let v = json!({
            "s": "text", "n": null, "t": true, "i": -3, "u": u64::MAX, "f": 1.5,
            "a": [1, [], {}, ["x", {"k": "v"}]], "o": {"deep": {"er": [null]}}, "": "empty key"
        });
        let tree = Tree::from_value(&v).expect("small");
        assert_eq!(tree.to_value(), v);
        assert_eq!(from_json(&v.to_string()).to_value(), v);
        assert_eq!(
            Tree::from_value(&json!(7)).expect("small").to_value(),
            json!(7)
        );
    }

    #[test]
    fn a_string_met_again_is_held_once() {
        let v = json!([
            {"type": "Ready", "status": "True"},
            {"type": "Ready", "status": "False"},
            {"status": "Ready"}
        ]);
        let tree = Tree::from_value(&v).expect("small");
        assert_eq!(tree.to_value(), v);
        assert_eq!(&*tree.text, "statusTruetypeReadyFalse");
        // Each tree keeps its own text: the builder forgets what the last tree held.
        let next = Tree::from_value(&json!({"status": "x"})).expect("small");
        assert_eq!(&*next.text, "statusx");
    }

    #[test]
    fn every_number_comes_back_whole() {
        let small = (1i64 << 60) - 1;
        let integers = [
            0,
            1,
            -1,
            small,
            -small - 1,
            small + 1,
            -small - 2,
            i64::MAX,
            i64::MIN,
        ];
        let mut all: Vec<serde_json::Value> = integers.iter().map(|&i| json!(i)).collect();
        all.extend([
            json!(u64::MAX),
            json!((i64::MAX as u64) + 1),
            json!(0.0),
            json!(-0.5),
            json!(1e300),
            json!(f64::MIN_POSITIVE),
        ]);
        let numbers = serde_json::Value::Array(all);
        let tree = Tree::from_value(&numbers).expect("small");
        assert_eq!(tree.to_value(), numbers);
        let n = tree.root().items().map(|n| n.as_i64()).collect::<Vec<_>>();
        assert_eq!(&n[..9], &integers.map(Some));
        assert_eq!(n[9], None, "u64::MAX is no i64");
        // Held in the node: nothing out of line; beyond ±2^60, out of line.
        assert!(
            Tree::from_value(&json!([small, -small - 1]))
                .expect("small")
                .numbers
                .is_empty()
        );
        assert_eq!(tree.numbers.len(), 10);
    }

    #[test]
    fn large_values_keep_their_buffers_and_the_builder_goes_on() {
        let big = json!({"items": (0..40_000).map(|i| json!({"n": i, "s": format!("{i:030}")})).collect::<Vec<_>>()});
        let mut b = Builder::default();
        b.value(&big);
        let tree = b.finish().expect("small enough");
        assert_eq!(tree.to_value(), big);
        b.value(&json!({"after": [1, "two"]}));
        assert_eq!(
            b.finish().expect("small").to_value(),
            json!({"after": [1, "two"]})
        );
    }

    #[test]
    fn nodes_answer_as_values_do() {
        let tree = from_json(r#"{"m": {"a": "x", "b": [1, 2.5, "3"]}, "u": 18446744073709551615}"#);
        let root = tree.root();
        assert_eq!(root.str_at(&["m", "a"]), Some("x"));
        assert_eq!(root.at(&["m", "b"]).map(Node::len), Some(3));
        let b = root.at(&["m", "b"]).expect("b");
        assert_eq!(b.index(0).and_then(Node::as_i64), Some(1));
        assert_eq!(b.index(1).and_then(Node::as_f64), Some(2.5));
        assert_eq!(b.index(2).and_then(Node::as_str), Some("3"));
        assert!(b.index(3).is_none());
        assert!(root.get("missing").is_none() && b.get("a").is_none());
        assert_eq!(root.get("u").and_then(Node::as_i64), None);
        assert_eq!(root.get("u").and_then(Node::as_f64), Some(u64::MAX as f64));
        let keys: Vec<&str> = root.members().map(|(k, _)| k).collect();
        assert_eq!(keys, ["m", "u"], "input order");
        assert!(
            root.at(&["m", "a"])
                .is_some_and(|a| a.is_empty() && a.items().len() == 0)
        );
    }

    #[test]
    fn all_members_are_every_member_at_every_depth_once() {
        let tree = from_json(r#"{"a": {"b": [{"c": 1}, {"d": [{"e": 2}]}]}, "f": []}"#);
        let mut keys: Vec<&str> = tree.all_members().map(|(k, _)| k).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["a", "b", "c", "d", "e", "f"]);
    }

    #[test]
    fn a_repeated_key_counts_with_its_last_value() {
        let tree = from_json(r#"{"k": 1, "other": 0, "k": 2}"#);
        assert_eq!(tree.root().get("k").and_then(Node::as_i64), Some(2));
        assert_eq!(tree.to_value(), json!({"k": 2, "other": 0}));
    }

    #[test]
    fn muted_values_are_dropped_and_trees_are_copied() {
        let mut b = Builder::default();
        b.begin();
        b.str("kept");
        b.i64(1);
        b.mute();
        b.str("dropped");
        b.begin();
        b.str("x");
        b.end_array();
        b.unmute();
        b.end_object();
        let tree = b.finish().expect("small");
        assert_eq!(tree.to_value(), json!({"kept": 1}));
        b.node(tree.root());
        assert_eq!(b.finish().expect("small"), tree);
    }
}
