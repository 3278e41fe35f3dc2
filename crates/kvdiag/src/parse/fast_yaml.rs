//! A fast reader for the YAML that `kubectl`, `oc` and must-gather write, falling back to the
//! full parser (serde-saphyr) for everything else.
//!
//! Captured YAML is overwhelmingly one shape: block mappings and sequences indented with
//! spaces (sequences at their key's indentation), plain and quoted scalars, `|` literal
//! blocks, `{}` and `[]`, `---` between documents. This reader handles exactly that shape and
//! gives up (returns `None`) on anything else: tabs, carriage returns, control characters,
//! anchors, aliases, tags, directives, flow collections that are not empty, folded blocks,
//! multi-line plain scalars, complex keys, merge keys, odd indentation, keys that would read as
//! numbers or booleans, and so on. Plain scalars that could be anything but a string or a small
//! integer (numbers, dates, `yes`, `.inf`, ...) are resolved by serde-saphyr itself, one by one,
//! with the same options as whole documents. So whatever this reader returns is what
//! serde-saphyr would return; a test compares both on every YAML file in the repository and on
//! hand-written edge cases.

use std::borrow::Cow;

use serde_json::Value;

use super::yaml;
use crate::tree::{Builder, Node, TooLarge, Tree};

/// Deepest nesting handled here; deeper documents go to serde-saphyr and its configured limit.
/// Kubernetes objects nest under 30; this stays within the default YAML depth limit (64) so
/// that the fast path serves by default, and far from a 2 MiB thread stack in debug builds.
pub(super) const MAX_DEPTH: usize = 64;

/// The non-empty documents of a YAML stream, or `None` when the input is not of the handled
/// shape (the caller then uses the full parser).
pub(super) fn documents(bytes: &[u8]) -> Option<Result<Vec<Tree>, TooLarge>> {
    if has_control(bytes) {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    if text.starts_with('\u{feff}') {
        return None;
    }
    let mut p = Reader {
        text,
        pos: 0,
        end: line_end(text, 0),
        depth: 0,
        skipped_in_items: false,
        keep_all: false,
        out: Builder::default(),
    };
    p.stream()
}

/// Whether `bytes` holds a control character other than a line feed (tabs, carriage returns
/// and the like are left to serde-saphyr). Checked 64 bytes at a time with no early exit per
/// byte, which the compiler turns into vector instructions: every document passes here.
fn has_control(bytes: &[u8]) -> bool {
    let control = |b: u8| ((b < 0x20) & (b != b'\n')) | (b == 0x7f);
    bytes
        .chunks(64)
        .any(|chunk| chunk.iter().fold(false, |found, &b| found | control(b)))
}

struct Reader<'a> {
    text: &'a str,
    /// Where the current line starts and ends (before its `\n`).
    pos: usize,
    end: usize,
    depth: usize,
    /// `metadata.managedFields` of list items was read without being kept (see [`Place`]).
    skipped_in_items: bool,
    /// Keep everything (a document is read again when skipping turned out not to apply).
    keep_all: bool,
    /// Where the values go.
    out: Builder,
}

/// Where a node is, as far as dropping `metadata.managedFields` is concerned: the parser of
/// documents removes it from every object (a document, an item of a `<X>List` or of a
/// top-level sequence), so it is read here without building it — unless the document turns
/// out not to be a list after all, and then it is read again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// The document itself.
    Root,
    /// The value of the document's `items`.
    Items,
    /// An element of `items` or of a top-level sequence.
    Item,
    /// The `metadata` of the document or of an item.
    Metadata {
        of_item: bool,
    },
    /// Read and checked, not kept.
    Skip,
    Other,
}

/// The end of the line starting at `pos` (the position of its `\n`, or the end of the text).
fn line_end(text: &str, pos: usize) -> usize {
    let b = text.as_bytes();
    if pos >= b.len() {
        return b.len();
    }
    memchr::memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i)
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_blank(line: &str) -> bool {
    let t = line.trim_start_matches(' ');
    t.is_empty() || t.starts_with('#')
}

/// `-` alone or followed by a space: a sequence entry.
fn is_entry(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

impl<'a> Reader<'a> {
    fn line(&self) -> Option<&'a str> {
        (self.pos < self.text.len()).then(|| &self.text[self.pos..self.end])
    }

    /// Moves to the next line.
    fn advance(&mut self) {
        self.pos = self.end + 1;
        self.end = line_end(self.text, self.pos);
    }

    fn mark(&self) -> (usize, usize) {
        (self.pos, self.end)
    }

    fn reset(&mut self, (pos, end): (usize, usize)) {
        self.pos = pos;
        self.end = end;
    }

    fn skip_blank(&mut self) {
        while self.line().is_some_and(is_blank) {
            self.advance();
        }
    }

    fn stream(&mut self) -> Option<Result<Vec<Tree>, TooLarge>> {
        let mut docs = Vec::new();
        loop {
            self.skip_blank();
            let Some(line) = self.line() else { break };
            if line.trim_end_matches(' ') == "---" {
                self.advance();
                continue;
            }
            if line.starts_with("---") || line.starts_with("...") || line.starts_with('%') {
                return None;
            }
            if indent(line) != 0 {
                return None;
            }
            let start = self.mark();
            self.skipped_in_items = false;
            self.block(0, Place::Root)?;
            let mut doc = self.out.finish();
            if self.skipped_in_items && !doc.as_ref().is_ok_and(|d| is_list(d.root())) {
                self.reset(start);
                self.keep_all = true;
                self.block(0, Place::Root)?;
                doc = self.out.finish();
                self.keep_all = false;
            }
            match doc {
                Ok(doc) => docs.push(doc),
                Err(e) => return Some(Err(e)),
            }
            self.skip_blank();
            if let Some(next) = self.line()
                && next.trim_end_matches(' ') != "---"
            {
                return None;
            }
        }
        Some(Ok(docs))
    }

    /// A block node whose first line (the current one) is indented by `n`.
    fn block(&mut self, n: usize, at: Place) -> Option<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let line = self.line()?;
        let content = &line[n..];
        let value = if is_entry(content) {
            self.sequence(n, at)
        } else if key(content).is_some() {
            self.mapping(n, false, at)
        } else {
            None
        };
        self.depth -= 1;
        value
    }

    /// A block mapping at indentation `n`. With `inline_first`, its first entry starts at
    /// column `n` of the current line (after a sequence entry's `- `).
    fn mapping(&mut self, n: usize, inline_first: bool, at: Place) -> Option<()> {
        self.out.begin();
        let mut first = inline_first;
        loop {
            if !first {
                self.skip_blank();
            }
            let Some(line) = self.line() else { break };
            if !first {
                let ind = indent(line);
                if ind < n {
                    break;
                }
                if ind > n {
                    return None;
                }
                if n == 0 && (line.starts_with("---") || line.starts_with("...")) {
                    break;
                }
            }
            first = false;
            let content = &line[n..];
            if is_entry(content) {
                // A sequence at a mapping's indentation belongs to a key with no inline value,
                // and that was handled there.
                return None;
            }
            let (k, rest) = key(content)?;
            let child = match (at, &*k) {
                (Place::Skip, _) => Place::Skip,
                (Place::Root | Place::Item, "metadata") => Place::Metadata {
                    of_item: at == Place::Item,
                },
                (Place::Metadata { of_item }, "managedFields") if !self.keep_all => {
                    self.skipped_in_items |= of_item;
                    Place::Skip
                }
                (Place::Root, "items") => Place::Items,
                _ => Place::Other,
            };
            if child == Place::Skip {
                self.out.mute();
            } else {
                self.out.str(&k);
            }
            self.after_key(n, rest, child)?;
            if child == Place::Skip {
                self.out.unmute();
            }
        }
        self.out.end_object();
        Some(())
    }

    /// The value of a key at indentation `n`; `rest` is what follows the `:` on its line.
    fn after_key(&mut self, n: usize, rest: &'a str, at: Place) -> Option<()> {
        let r = rest.trim_start_matches(' ');
        if r.len() == rest.len() && !rest.is_empty() {
            return None; // `key:value` is not a mapping entry
        }
        if r.is_empty() || r.starts_with('#') {
            self.advance();
            self.skip_blank();
            let Some(line) = self.line() else {
                self.out.null();
                return Some(());
            };
            let ind = indent(line);
            if ind > n {
                return self.block(ind, at);
            }
            if ind == n && is_entry(&line[n..]) {
                return self.sequence(n, at);
            }
            self.out.null();
            return Some(());
        }
        self.scalar(n, r, at == Place::Skip)
    }

    /// A block sequence at indentation `n`.
    fn sequence(&mut self, n: usize, at: Place) -> Option<()> {
        let child = match at {
            Place::Skip => Place::Skip,
            Place::Root | Place::Items => Place::Item,
            _ => Place::Other,
        };
        self.out.begin();
        loop {
            self.skip_blank();
            let Some(line) = self.line() else { break };
            let ind = indent(line);
            if ind < n {
                break;
            }
            if ind > n {
                return None;
            }
            let content = &line[n..];
            if !is_entry(content) {
                break;
            }
            let after = &content[1..];
            let text = after.trim_start_matches(' ');
            if text.is_empty() || text.starts_with('#') {
                self.advance();
                self.skip_blank();
                match self.line() {
                    Some(next) if indent(next) > n => self.block(indent(next), child)?,
                    _ => self.out.null(),
                }
                continue;
            }
            let column = n + 1 + (after.len() - text.len());
            if is_entry(text) {
                return None;
            }
            if key(text).is_some() {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
                self.mapping(column, true, child)?;
                self.depth -= 1;
            } else {
                self.scalar(n, text, child == Place::Skip)?;
            }
        }
        self.out.end_array();
        Some(())
    }

    /// A scalar starting with `text` on the current line, inside a node indented by `n`
    /// (continuation lines must be indented more). Moves past its last line.
    fn scalar(&mut self, n: usize, text: &'a str, skip: bool) -> Option<()> {
        let first = text.as_bytes()[0];
        match first {
            b'|' => self.literal(n, text),
            b'\'' | b'"' => {
                let s = self.quoted(n, text)?;
                self.out.str(&s);
                Some(())
            }
            b'{' | b'[' => {
                let object = match text.trim_end_matches(' ') {
                    "{}" => true,
                    "[]" => false,
                    _ => return None,
                };
                self.out.begin();
                if object {
                    self.out.end_object();
                } else {
                    self.out.end_array();
                }
                self.advance();
                Some(())
            }
            b'>' | b'&' | b'*' | b'!' | b'%' | b'@' | b'`' | b',' | b']' | b'}' | b'#' => None,
            b'-' | b'?' | b':' if text.len() == 1 || text.as_bytes()[1] == b' ' => None,
            _ => {
                // ` #` starts a comment. (Most scalars hold neither `#` nor `:`: a byte
                // search rules both out before a substring search is set up.)
                let plain = match memchr::memchr(b'#', text.as_bytes()) {
                    Some(_) => text.split(" #").next().unwrap_or(text),
                    None => text,
                }
                .trim_end_matches(' ');
                if memchr::memchr(b':', plain.as_bytes()).is_some()
                    && (plain.contains(": ") || plain.ends_with(':'))
                {
                    return None;
                }
                self.advance();
                // A plain scalar continued on the next lines is not handled here.
                let save = self.mark();
                self.skip_blank_lines_only();
                if self.line().is_some_and(|l| indent(l) > n && !is_blank(l)) {
                    return None;
                }
                self.reset(save);
                if skip && plain_string(plain) {
                    return Some(());
                }
                resolve_plain(plain, &mut self.out)
            }
        }
    }

    /// Skips empty lines (not comments).
    fn skip_blank_lines_only(&mut self) {
        while self
            .line()
            .is_some_and(|l| l.trim_start_matches(' ').is_empty())
        {
            self.advance();
        }
    }

    /// A `|` or `|-` literal block scalar; `header` is the `|...` text.
    fn literal(&mut self, n: usize, header: &str) -> Option<()> {
        let strip = match header.trim_end_matches(' ') {
            "|" => false,
            "|-" => true,
            _ => return None,
        };
        self.advance();
        let mut body: Vec<&str> = Vec::new();
        let mut m = None;
        while let Some(line) = self.line() {
            if line.is_empty() {
                body.push("");
                self.advance();
                continue;
            }
            let ind = indent(line);
            if ind == line.len() {
                return None; // a line of spaces only: kept or not depends on details
            }
            match m {
                None if ind > n => m = Some(ind),
                None => break,
                Some(m) if ind < m => break,
                Some(_) => {}
            }
            let m = m.unwrap_or(ind);
            body.push(&line[m..]);
            self.advance();
        }
        while body.last() == Some(&"") {
            body.pop();
        }
        let mut s = body.join("\n");
        if !strip && !s.is_empty() {
            s.push('\n');
        }
        if m.is_none() && !body.is_empty() {
            return None;
        }
        self.out.str(&s);
        Some(())
    }

    /// A single- or double-quoted scalar, possibly folded over several lines.
    fn quoted(&mut self, n: usize, text: &'a str) -> Option<String> {
        let double = text.starts_with('"');
        let mut raw = String::new();
        let mut segment = &text[1..];
        let mut first = true;
        loop {
            if let Some(end) = closing(segment, double) {
                let after = &segment[end + 1..];
                let tail = after.trim_start_matches(' ');
                if !(tail.is_empty() || (tail.starts_with('#') && after.starts_with(' '))) {
                    return None;
                }
                let part = &segment[..end];
                let part = if first {
                    part
                } else {
                    part.trim_start_matches(' ')
                };
                raw.push_str(part);
                self.advance();
                break;
            }
            // The line ends inside the scalar: fold it.
            let part = if first {
                segment
            } else {
                segment.trim_start_matches(' ')
            };
            let part = part.trim_end_matches(' ');
            if double && part.ends_with('\\') {
                return None;
            }
            raw.push_str(part);
            first = false;
            self.advance();
            let mut breaks = 0;
            while self
                .line()
                .is_some_and(|l| l.trim_start_matches(' ').is_empty())
            {
                breaks += 1;
                self.advance();
            }
            let next = self.line()?;
            if indent(next) <= n || next.starts_with("---") || next.starts_with("...") {
                return None;
            }
            if breaks == 0 {
                raw.push(' ');
            } else {
                for _ in 0..breaks {
                    raw.push('\n');
                }
            }
            segment = next;
        }
        if double {
            unescape(&raw)
        } else {
            Some(raw.replace("''", "'"))
        }
    }
}

/// Where the closing quote is in `s` (after the opening one), if on this line.
fn closing(s: &str, double: bool) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if double => i += 2,
            b'"' if double => return Some(i),
            b'\'' if !double => {
                if b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The escapes of a double-quoted scalar that JSON also has; anything else gives up.
fn unescape(raw: &str) -> Option<String> {
    if !raw.contains('\\') {
        return Some(raw.to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '/' => out.push('/'),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            '0' => out.push('\0'),
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                if hex.len() != 4 {
                    return None;
                }
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// A mapping key at the start of `content`, and what follows its `:`.
fn key(content: &str) -> Option<(Cow<'_, str>, &str)> {
    let b = content.as_bytes();
    match b.first()? {
        q @ (b'\'' | b'"') => {
            let double = *q == b'"';
            let end = closing(&content[1..], double)? + 1;
            let rest = content[end + 1..].strip_prefix(':')?;
            if !(rest.is_empty() || rest.starts_with(' ')) {
                return None;
            }
            let raw = &content[1..end];
            let k = if double {
                Cow::Owned(unescape(raw)?)
            } else if raw.contains("''") {
                Cow::Owned(raw.replace("''", "'"))
            } else {
                Cow::Borrowed(raw)
            };
            Some((k, rest))
        }
        _ => {
            // A plain key ends at the first `: ` or a final `:`.
            let colon =
                memchr::memchr_iter(b':', b).find(|&i| i + 1 == b.len() || b[i + 1] == b' ')?;
            let k = &content[..colon];
            if !plain_key(k) {
                return None;
            }
            Some((Cow::Borrowed(k), &content[colon + 1..]))
        }
    }
}

/// A plain key that reads as a string, whatever the schema.
fn plain_key(k: &str) -> bool {
    let Some(first) = k.bytes().next() else {
        return false;
    };
    if (k.as_bytes().contains(&b'#') && k.contains(" #")) || k.ends_with(' ') || k == "<<" {
        return false;
    }
    // Keys are read as strings whatever they look like (serde_json's map asks for a string);
    // only the indicators and the words some schema reads as booleans or null are left out.
    let starts_ok = first.is_ascii_alphanumeric()
        || matches!(first, b'_' | b'/' | b'.')
        || (first == b'-' && k.len() > 1 && k.as_bytes()[1] != b' ');
    starts_ok && !special_word(k) && k != "~"
}

/// Words some YAML schema reads as something other than a string (booleans, nulls, floats).
fn special_word(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "nan", "inf", "infinity",
    ];
    s.len() <= 8 && WORDS.iter().any(|w| w.eq_ignore_ascii_case(s))
}

/// A plain scalar that is a string whatever the schema.
fn plain_string(s: &str) -> bool {
    let first = s.as_bytes()[0];
    (first.is_ascii_alphabetic() || matches!(first, b'/' | b'_' | b'$' | b'(')) && !special_word(s)
}

/// A plain scalar that no schema reads as a number, boolean or null although it starts like
/// one: it holds a character no such form has (`2Gi`, `200m`, `2024-05-14T10:00:00Z`), or is
/// digits with two dots or more (`10.128.2.15`).
fn not_a_number(s: &str) -> bool {
    /// The bytes a number, boolean or null can hold, as a table (looked up for every byte of
    /// every plain scalar that starts like a number).
    const NUMBERISH: [bool; 256] = {
        let chars = b"0123456789abcdefABCDEF+-._:xXoOiInNtTyY";
        let mut table = [false; 256];
        let mut i = 0;
        while i < chars.len() {
            table[chars[i] as usize] = true;
            i += 1;
        }
        table
    };
    let b = s.as_bytes();
    if !(b[0].is_ascii_digit() || matches!(b[0], b'+' | b'-' | b'.')) {
        return false;
    }
    if b.iter().any(|&c| !NUMBERISH[usize::from(c)]) {
        return true;
    }
    // Starting with a decimal digit, a number's only letter is an exponent's `e`
    // (`7b9c5d8f4`, `02:c1:cc:00:00:05` are strings; `0x1F`, `0o17`, `0b1` are left to serde-saphyr).
    let body = s.trim_start_matches(['+', '-']);
    if body.starts_with(|c: char| c.is_ascii_digit())
        && !["0x", "0o", "0b"].iter().any(|p| body.starts_with(p))
        && body
            .bytes()
            .any(|c| c.is_ascii_alphabetic() && !matches!(c, b'e' | b'E'))
    {
        return true;
    }
    b.iter().all(|c| c.is_ascii_digit() || *c == b'.')
        && b.iter().filter(|c| **c == b'.').count() >= 2
}

/// Whether a document is a `<X>List` with `items` (whose items the parser of documents takes
/// as objects).
fn is_list(doc: Node<'_>) -> bool {
    doc.get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && doc.get("items").is_some_and(Node::is_array)
}

/// A plain scalar's value: strings and small integers here, anything else as serde-saphyr
/// reads it.
fn resolve_plain(s: &str, out: &mut Builder) -> Option<()> {
    match s {
        "null" | "~" => out.null(),
        "true" => out.bool(true),
        "false" => out.bool(false),
        _ if plain_string(s) || not_a_number(s) => out.str(s),
        _ => return resolve_number(s, out),
    }
    Some(())
}

/// A plain scalar that may be a number.
fn resolve_number(s: &str, out: &mut Builder) -> Option<()> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if !digits.is_empty()
        && digits.len() <= 18
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && s != "-0"
    {
        out.i64(s.parse::<i64>().ok()?);
        return Some(());
    }
    let v = yaml::documents::<Value>(s.as_bytes(), yaml::data_options())
        .ok()?
        .into_iter()
        .next()
        .filter(|v| !(v.is_object() || v.is_array()))?;
    out.value(&v);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The objects (values and origins) and the count of ignored values, as the parser of
    /// documents makes them from the fast reader's documents and from serde-saphyr's.
    type Objects = (Vec<(Value, crate::Origin)>, usize);

    fn objects(trees: Vec<Tree>) -> Objects {
        let d = super::super::document::from_trees(&trees, &std::sync::Arc::from("t"));
        let list = d
            .objects
            .into_iter()
            .map(|o| (o.tree.to_value(), o.origin))
            .collect();
        (list, d.ignored)
    }

    /// What the fast reader reads, as values.
    fn values(bytes: &[u8]) -> Option<Vec<Value>> {
        let trees = documents(bytes)?.expect("small enough");
        Some(trees.iter().map(Tree::to_value).collect())
    }

    /// What serde-saphyr reads.
    fn full_values(bytes: &[u8]) -> Option<Vec<Value>> {
        yaml::documents::<Value>(bytes, yaml::data_options()).ok()
    }

    fn full_objects(bytes: &[u8]) -> Option<Objects> {
        let trees = full_values(bytes)?
            .iter()
            .map(|v| Tree::from_value(v).expect("small enough"))
            .collect();
        Some(objects(trees))
    }

    fn both(text: &str) -> (Option<Objects>, Option<Objects>) {
        let fast = documents(text.as_bytes()).map(|t| objects(t.expect("small enough")));
        (fast, full_objects(text.as_bytes()))
    }

    /// The fast reader either gives up or agrees with serde-saphyr.
    fn agrees(text: &str) -> bool {
        let (fast, full) = both(text);
        match fast {
            None => true,
            Some(v) => Some(v) == full,
        }
    }

    #[test]
    fn managed_fields_of_objects_are_not_built() {
        let list = "apiVersion: v1\nitems:\n- kind: Pod\n  metadata:\n    managedFields:\n    - manager: a\n    name: p\nkind: PodList\n";
        let (fast, full) = both(list);
        assert_eq!(fast, full);
        let raw = values(list.as_bytes()).expect("read");
        assert!(raw[0].pointer("/items/0/metadata/managedFields").is_none());
        // `items` of something that is not a list are not objects: kept as they are.
        let other = "items:\n- metadata:\n    managedFields:\n    - manager: a\nkind: Thing\n";
        let raw = values(other.as_bytes()).expect("read");
        assert!(raw[0].pointer("/items/0/metadata/managedFields").is_some());
        assert!(agrees(other));
    }

    #[test]
    fn kubectl_shapes_are_read_and_agree() {
        let text = "---\napiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    annotations:\n      a/b: '[\"x\", \"y\"]'\n      k: \"1\"\n    labels: {}\n    managedFields:\n    - fieldsV1:\n        f:metadata:\n          .: {}\n          k:{\"name\":\"compute\"}:\n            .: {}\n      manager: kubelet\n    name: p\n  spec:\n    containers:\n    - args:\n      - --a\n      - -1\n      command: []\n      num: 12\n      f: 1.5\n      t: true\n      z: null\n      e:\n      m: |\n        line 1\n\n        line 3\n      s: |-\n        x\n      q: 'it''s\n        folded'\n      d: \"a\\tb \\u00e9\n        c\"\nkind: PodList\n";
        let (fast, full) = both(text);
        assert!(fast.is_some(), "the fast reader handles it");
        assert_eq!(fast, full);
    }

    #[test]
    fn anything_else_is_left_to_the_full_parser() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: [1, 2]\n",
            "a: >\n  folded\n",
            "a:\tb\n",
            "a: b\r\n",
            "? a\n: b\n",
            "a: plain\n  continued\n",
            "<<: {}\n",
            "yes: a\n",
            "a: b: c\n",
            "just a scalar\n",
            "%YAML 1.2\n---\na: 1\n",
            "a:\n  b: 1\n c: 2\n",
        ] {
            assert!(documents(text.as_bytes()).is_none(), "{text:?}");
        }
    }

    #[test]
    fn scalars_resolve_as_the_full_parser_does() {
        for v in [
            "0",
            "7",
            "-3",
            "007",
            "1_000",
            "1e3",
            "0x1F",
            "0o17",
            ".inf",
            "-.inf",
            ".nan",
            "+1",
            "1.0",
            "-0",
            "True",
            "FALSE",
            "Null",
            "yes",
            "on",
            "2024-05-14T10:00:00Z",
            "10.0.0.1",
            "02:c1:cc:00:00:05",
            "200m",
            "2Gi",
            "~",
            "a b",
            "x:y",
            "/dev/kvm",
            "-",
            "9223372036854775807",
            "99999999999999999999",
            "infinity",
            "NaN",
            "7b9c5d8f4",
            "0c4ff9ebc79c8c46602352710a27df45",
            "720c29337a596abf8912892b9c3fa14d8e5440cd",
            "02:29:2a:00:00:ba",
            "02:00:00:00:00:05",
            "1:20",
            "1e5",
            "1E5",
            "12e",
            "0b101",
            "0x1Fg",
            "$(NODE_NAME)",
            "$x",
            "(a)",
        ] {
            let text = format!("k: {v}\nl:\n- {v}\n");
            let fast = values(text.as_bytes());
            let full = full_values(text.as_bytes());
            assert!(fast.is_none() || fast == full, "{v}");
        }
    }

    #[test]
    fn keys_are_their_text() {
        for k in [
            "123",
            "1e3",
            "0x1F",
            "9c20486a-676e-4273-bc93-1205110f614b",
            "007",
            ".inf",
            "-1",
            "1.5",
            "2024-05-14",
            "1_000",
            ".",
            ".a",
        ] {
            let text = format!("{k}: v\n");
            let fast = values(text.as_bytes());
            let full = full_values(text.as_bytes());
            assert_eq!(fast, full, "{k}");
        }
    }

    #[test]
    fn control_characters_but_line_feeds_are_found_anywhere() {
        let mut text = vec![b'a'; 200];
        assert!(!has_control(&text));
        text[150] = b'\n';
        assert!(!has_control(&text));
        for c in [b'\t', b'\r', 0, 0x1f, 0x7f] {
            for at in [0, 63, 64, 199] {
                let mut t = text.clone();
                t[at] = c;
                assert!(has_control(&t), "{c:#x} at {at}");
            }
        }
        assert!(!has_control("é ü – 日本".as_bytes()));
    }

    #[test]
    fn documents_and_comments() {
        for text in [
            "---\n---\nkind: Pod\n---\n# only a comment\n---\nkind: Node\n",
            "# c\na: 1 # trailing\nb:\n  # inside\n  c: 2\n",
            "a:\n- b: 1\n  c:\n  - x\n- 'q'\n-\n  d: 1\n",
            "- a: 1\n- b: 2\n",
            "a: ''\nb: \"\"\nc: ' x '\n",
            "a: |\n\n  x\n",
            "a: |\nb: 1\n",
            "a: 'x\n\n  y'\n",
        ] {
            let fast = values(text.as_bytes());
            let full = full_values(text.as_bytes());
            assert!(fast.is_some(), "{text:?}");
            assert_eq!(fast, full, "{text:?}");
        }
    }

    /// Every YAML file of the repository (fixtures but their expectations, the sample, rules,
    /// docs): the fast reader
    /// agrees with serde-saphyr wherever it answers, and answers for most of them.
    #[test]
    fn every_yaml_file_of_the_repository_agrees() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml")
                    // Fixture expectations are not captures.
                    && p.file_name().is_some_and(|n| n != "expected.yaml")
                {
                    out.push(p);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for d in ["fixtures", "examples", "rules", "crates"] {
            walk(&root.join(d), &mut files);
        }
        assert!(files.len() > 50);
        let mut handled = 0;
        for f in &files {
            let bytes = std::fs::read(f).expect("readable");
            let Some(fast) = documents(&bytes) else {
                continue;
            };
            handled += 1;
            let fast = objects(fast.expect("small enough"));
            assert_eq!(Some(fast), full_objects(&bytes), "{}", f.display());
        }
        assert!(
            handled * 10 >= files.len() * 8,
            "{handled} of {}",
            files.len()
        );
    }
}
