//! A positioned YAML tree: every node carries the line and column where it was written.
//!
//! serde-saphyr parses (anchors, aliases and `<<` merge keys included); `Spanned` gives each
//! node its location. Parsers walk this tree instead of typed structs because compose and
//! Kubernetes allow several shapes for one field (list or map `environment`, …), and a
//! hand-written walk keeps every position.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// One YAML node with its 1-based position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

static NULL: Node = Node {
    value: Value::Null,
    line: 0,
    column: 0,
};

impl Node {
    /// The value of `key` in a mapping; keys compare as their scalar text.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.scalar().as_deref() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Like `get`, but a missing key yields a Null node so lookups chain.
    pub fn at(&self, key: &str) -> &Node {
        self.get(key).unwrap_or(&NULL)
    }

    /// A nested lookup: `node.path(&["spec", "template", "spec"])`.
    pub fn path(&self, keys: &[&str]) -> &Node {
        keys.iter().fold(self, |n, k| n.at(k))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Scalar text of any scalar (numbers and booleans included), as YAML would print it.
    pub fn scalar(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            _ => None,
        }
    }

    pub fn seq(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            value: spanned.value,
            line: spanned.referenced.line() as u32,
            column: spanned.referenced.column() as u32,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Str(v.to_string()), Value::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((k, v)) = map.next_entry::<Node, Node>()? {
            entries.push((k, v));
        }
        Ok(Value::Map(entries))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        // Custom tags (`!reset`, `!override`, `!Ref`) arrive as enums: keep the tagged value.
        use de::VariantAccess;
        let (_tag, variant): (String, _) = data.variant()?;
        variant.newtype_variant::<Value>()
    }
}

/// Why a YAML text could not be read, with the 1-based line where the parser stopped.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

fn options() -> serde_saphyr::Options {
    let mut opts = serde_saphyr::Options::default();
    // Real manifests (rendered Helm output, big lists) exceed the default limits.
    if let Some(budget) = opts.budget.as_mut() {
        budget.max_documents = 100_000;
        budget.max_nodes = 10_000_000;
        budget.max_events = 50_000_000;
        budget.max_total_scalar_bytes = 64 * 1024 * 1024;
    }
    // An overflowing number (`replicas: 1e400`) is one odd value, not a broken manifest: it
    // reaches the tree as an infinite float instead of failing the whole file.
    opts.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::PassThrough;
    opts
}

fn to_error(e: serde_saphyr::Error) -> YamlError {
    let (line, column) = e
        .location()
        .map(|l| (l.line() as u32, l.column() as u32))
        .unwrap_or((1, 1));
    let full = e.to_string();
    // The error's Display carries a source snippet over several lines: keep the first.
    let message = full
        .lines()
        .next()
        .unwrap_or("invalid YAML")
        .trim()
        .to_string();
    YamlError {
        line: line.max(1),
        column: column.max(1),
        message,
    }
}

/// Parse every document of a (possibly multi-document) YAML text.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut docs = Vec::new();
    for part in read_documents(text, |d: Vec<Node>| d)? {
        docs.extend(part);
    }
    Ok(docs)
}

/// Parse every document and hand them to `read`, one piece of a large stream at a time and
/// in parallel, so that only the pieces being read are in memory; the results in text order.
/// Any error fails the whole text, with the first error in text order, as a whole parse would.
pub fn read_documents<T: Send>(
    text: &str,
    read: impl Fn(Vec<Node>) -> T + Sync,
) -> Result<Vec<T>, YamlError> {
    let Some(chunks) = chunks(text) else {
        return parse_one(text).map(|docs| vec![read(docs)]);
    };
    use rayon::prelude::*;
    let parsed: Vec<Result<T, YamlError>> = chunks
        .par_iter()
        .map(|&(first, text)| parse_piece(first, text).map(&read))
        .collect();
    parsed.into_iter().collect()
}

fn parse_one(text: &str) -> Result<Vec<Node>, YamlError> {
    let docs: Vec<Option<Node>> =
        serde_saphyr::from_multiple_with_options(text, options()).map_err(to_error)?;
    Ok(docs.into_iter().flatten().collect())
}

/// A stream larger than this is cut at document markers into pieces of about `CHUNK_BYTES`,
/// parsed in parallel: rendered Helm output on stdin is one text of thousands of documents,
/// and anchors never cross a document.
const SPLIT_BYTES: usize = 256 * 1024;
const CHUNK_BYTES: usize = 64 * 1024;

/// The pieces of a large stream, each with the line it starts on; `None` to parse it whole
/// (small, one document, or with `%` directives, which belong to the document after them).
fn chunks(text: &str) -> Option<Vec<(u32, &str)>> {
    if text.len() <= SPLIT_BYTES {
        return None;
    }
    let mut out = Vec::new();
    let (mut start, mut start_line, mut at, mut line) = (0, 1u32, 0, 1u32);
    for l in text.split_inclusive('\n') {
        if l.starts_with('%') {
            return None;
        }
        let marker = l
            .strip_prefix("---")
            .is_some_and(|rest| rest.chars().next().is_none_or(char::is_whitespace));
        if marker && at - start >= CHUNK_BYTES {
            out.push((start_line, &text[start..at]));
            (start, start_line) = (at, line);
        }
        at += l.len();
        line += 1;
    }
    out.push((start_line, &text[start..]));
    (out.len() > 1).then_some(out)
}

/// One piece of a stream, its lines counted from the stream's start.
fn parse_piece(first_line: u32, text: &str) -> Result<Vec<Node>, YamlError> {
    let offset = first_line - 1;
    match parse_one(text) {
        Ok(mut docs) => {
            docs.iter_mut().for_each(|d| shift(d, offset));
            Ok(docs)
        }
        Err(mut e) => {
            e.line += offset;
            Err(e)
        }
    }
}

fn shift(node: &mut Node, offset: u32) {
    if node.line > 0 {
        node.line += offset;
    }
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| shift(n, offset)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            shift(k, offset);
            shift(v, offset);
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(n: usize) -> String {
        (0..n)
            .map(|i| {
                format!(
                    "---\nkind: Deployment\nmetadata:\n  name: svc{i}\nspec:\n  env: &e\n    - {{name: A, value: \"{i}\"}}\n  again: *e\n"
                )
            })
            .collect()
    }

    #[test]
    fn a_large_stream_parses_in_pieces_as_it_does_whole() {
        let text = stream(5000);
        let pieces = chunks(&text).expect("large enough to cut");
        assert!(pieces.len() > 4);
        assert_eq!(
            parse_documents(&text).expect("parses"),
            parse_one(&text).expect("parses")
        );
    }

    #[test]
    fn an_error_in_a_later_piece_keeps_its_line() {
        let mut text = stream(5000);
        text.push_str("---\nkind: [unclosed\n");
        let whole = parse_one(&text).expect_err("invalid");
        let cut = parse_documents(&text).expect_err("invalid");
        assert_eq!((cut.line, cut.column), (whole.line, whole.column));
    }

    #[test]
    fn directives_and_small_texts_are_parsed_whole() {
        assert!(chunks("---\na: 1\n").is_none());
        let mut text = String::from("%YAML 1.2\n");
        text.push_str(&stream(5000));
        assert!(chunks(&text).is_none());
    }
}
