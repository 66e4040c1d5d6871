//! The positioned tree built straight from parser events: one node per event with the line
//! and column of its span, anchors and aliases, `<<` merge keys, and the limits that keep a
//! hostile text bounded (nesting depth, alias expansion).

use super::{Node, Value, YamlError, scalar};
use granit_parser::{Event, Parser, ScalarStyle, ScanError, Span, Tag};
use std::collections::{HashMap, HashSet};

/// Collections nested deeper than this fail the text (the stack and the walkers stay small).
const MAX_DEPTH: usize = 64;
/// Nodes that aliases may copy: an allowance plus a multiple of the nodes written, so that a
/// document of nested aliases ("billion laughs") fails instead of growing without end.
const ALIAS_ALLOWANCE: usize = 100_000;
const ALIAS_FACTOR: usize = 10;
/// The handle of YAML's core-schema tags (`!!str` is `tag:yaml.org,2002:str`).
const CORE_TAGS: &str = "tag:yaml.org,2002:";

/// Every non-null document of a YAML text, in order.
pub(super) fn documents(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut b = Builder::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(scan_error)?;
        b.event(event, span)?;
    }
    Ok(b.docs)
}

#[derive(Default)]
struct Builder {
    docs: Vec<Node>,
    root: Option<Node>,
    stack: Vec<Frame>,
    /// Anchored nodes of the current document, with their node counts.
    anchors: HashMap<usize, (Node, usize)>,
    written: usize,
    copied: usize,
}

struct Frame {
    line: u32,
    column: u32,
    anchor: usize,
    kind: Kind,
}

enum Kind {
    Seq(Vec<Node>),
    Map(MapFrame),
}

#[derive(Default)]
struct MapFrame {
    entries: Vec<(Node, Node)>,
    /// The key waiting for its value, and whether it is a merge key.
    key: Option<(Node, bool)>,
    merges: Vec<Node>,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let (line, column) = position(&span);
        match event {
            Event::DocumentStart(..) => {
                self.anchors.clear();
                self.root = None;
            }
            Event::DocumentEnd => {
                if let Some(root) = self.root.take().filter(|r| !r.is_null()) {
                    self.docs.push(root);
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.written += 1;
                let merge = is_merge_key(&text, style, tag.as_deref());
                let node = Node {
                    value: scalar_value(&text, style, tag.as_deref()),
                    line,
                    column,
                };
                self.remember(anchor, &node);
                self.attach(node, merge)?;
            }
            Event::SequenceStart(_, anchor, _) => {
                self.open(line, column, anchor, Kind::Seq(Vec::new()))?
            }
            Event::MappingStart(_, anchor, _) => {
                self.open(line, column, anchor, Kind::Map(MapFrame::default()))?
            }
            Event::SequenceEnd | Event::MappingEnd => self.close()?,
            Event::Alias(id) => self.alias(id, line, column)?,
            _ => {}
        }
        Ok(())
    }

    fn open(&mut self, line: u32, column: u32, anchor: usize, kind: Kind) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(error(
                line,
                column,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.written += 1;
        self.stack.push(Frame {
            line,
            column,
            anchor,
            kind,
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), YamlError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let value = match frame.kind {
            Kind::Seq(items) => Value::Seq(items),
            Kind::Map(map) => Value::Map(merged(map)?),
        };
        let node = Node {
            value,
            line: frame.line,
            column: frame.column,
        };
        self.remember(frame.anchor, &node);
        self.attach(node, false)
    }

    fn alias(&mut self, id: usize, line: u32, column: u32) -> Result<(), YamlError> {
        let Some((node, size)) = self.anchors.get(&id) else {
            return Err(error(
                line,
                column,
                "alias to an unknown anchor".to_string(),
            ));
        };
        self.copied += size;
        let budget = ALIAS_ALLOWANCE + ALIAS_FACTOR * self.written;
        if self.copied > budget {
            let message = format!("aliases expand to more than {budget} nodes");
            return Err(error(line, column, message));
        }
        // Every node of the copy is placed at the alias: that is where this use of it is.
        let mut node = node.clone();
        place(&mut node, line, column);
        self.attach(node, false)
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size(node)));
        }
    }

    /// Hand a finished node to the collection it belongs to, or make it the document's root.
    fn attach(&mut self, node: Node, merge_key: bool) -> Result<(), YamlError> {
        match self.stack.last_mut().map(|f| &mut f.kind) {
            None => self.root = Some(node),
            Some(Kind::Seq(items)) => items.push(node),
            Some(Kind::Map(map)) => match map.key.take() {
                None => map.key = Some((node, merge_key)),
                Some((_, true)) => map.merges.push(node),
                Some((key, false)) => map.entries.push((key, node)),
            },
        }
        Ok(())
    }
}

/// A mapping's entries: duplicate keys fail the text (as compose and kubectl reject them);
/// merged entries follow the written ones, and a key already present wins over them.
fn merged(map: MapFrame) -> Result<Vec<(Node, Node)>, YamlError> {
    let mut entries = map.entries;
    let mut seen: HashSet<KeyId> = HashSet::with_capacity(entries.len());
    for (k, _) in &entries {
        if let Some(id) = key_id(&k.value)
            && !seen.insert(id)
        {
            let name = k.scalar().unwrap_or_default();
            return Err(error(
                k.line,
                k.column,
                format!("duplicate mapping key `{name}`"),
            ));
        }
    }
    for source in map.merges {
        for (k, v) in merge_entries(source)? {
            let fresh = key_id(&k.value).is_none_or(|id| seen.insert(id));
            if fresh {
                entries.push((k, v));
            }
        }
    }
    Ok(entries)
}

/// The entries a `<<` value brings: a mapping's, or those of each mapping in a sequence. They
/// are placed where the merge refers to them (the `*alias`), as that is the line to click.
fn merge_entries(source: Node) -> Result<Vec<(Node, Node)>, YamlError> {
    let (line, column) = (source.line, source.column);
    let not_a_map = || {
        let message = "a merge value must be a mapping or a list of mappings";
        error(line, column, message.to_string())
    };
    let placed = |map: Node| match map.value {
        Value::Map(entries) => {
            let (line, column) = (map.line, map.column);
            Ok(entries.into_iter().map(move |(mut k, mut v)| {
                place(&mut k, line, column);
                place(&mut v, line, column);
                (k, v)
            }))
        }
        _ => Err(not_a_map()),
    };
    match source.value {
        Value::Null => Ok(Vec::new()),
        Value::Seq(items) => {
            let mut out = Vec::new();
            for item in items {
                out.extend(placed(item)?);
            }
            Ok(out)
        }
        Value::Map(_) => Ok(placed(source)?.collect()),
        _ => Err(not_a_map()),
    }
}

/// A scalar key's identity for duplicate checks; collection keys are not compared.
#[derive(PartialEq, Eq, Hash)]
enum KeyId {
    Null,
    Bool(bool),
    Int(i64),
    Float(u64),
    Str(String),
}

fn key_id(value: &Value) -> Option<KeyId> {
    Some(match value {
        Value::Null => KeyId::Null,
        Value::Bool(b) => KeyId::Bool(*b),
        Value::Int(i) => KeyId::Int(*i),
        Value::Float(f) => KeyId::Float(f.to_bits()),
        Value::Str(s) => KeyId::Str(s.clone()),
        Value::Seq(_) | Value::Map(_) => return None,
    })
}

fn place(node: &mut Node, line: u32, column: u32) {
    (node.line, node.column) = (line, column);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| place(n, line, column)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            place(k, line, column);
            place(v, line, column);
        }),
        _ => {}
    }
}

fn size(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(size).sum(),
        Value::Map(entries) => entries.iter().map(|(k, v)| size(k) + size(v)).sum(),
        _ => 0,
    }
}

/// Plain untagged scalars are typed by their text; quoted and block scalars are text; a
/// core-schema tag decides for itself; other tags (`!reset`, `!Ref`) keep the value.
fn scalar_value(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    match tag.filter(|t| t.handle() == CORE_TAGS) {
        Some(t) => scalar::tagged(t.suffix(), text),
        None if style == ScalarStyle::Plain => scalar::plain(text),
        None => Value::Str(text.to_owned()),
    }
}

fn is_merge_key(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> bool {
    match tag {
        Some(t) => t.handle() == CORE_TAGS && t.suffix() == "merge",
        None => style == ScalarStyle::Plain && text == "<<",
    }
}

/// 1-based line and column of a span's start (the parser counts columns from 0).
fn position(span: &Span) -> (u32, u32) {
    let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
    let column = u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX);
    (line, column)
}

fn error(line: u32, column: u32, message: String) -> YamlError {
    YamlError {
        line: line.max(1),
        column: column.max(1),
        message,
    }
}

fn scan_error(e: ScanError) -> YamlError {
    let m = e.marker();
    let info = e.info();
    let message = info
        .lines()
        .next()
        .unwrap_or("invalid YAML")
        .trim()
        .to_string();
    let line = u32::try_from(m.line()).unwrap_or(u32::MAX);
    let column = u32::try_from(m.col() + 1).unwrap_or(u32::MAX);
    error(line, column, message)
}
