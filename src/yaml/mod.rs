//! A positioned YAML tree: every node carries the line and column where it was written.
//!
//! granit-parser reads the text into events; `build` turns them into this tree (anchors,
//! aliases and `<<` merge keys included) with one allocation per scalar, and `scalar` types
//! plain scalars. Parsers walk this tree instead of typed structs because compose and
//! Kubernetes allow several shapes for one field (list or map `environment`, …), and a
//! hand-written walk keeps every position.

mod build;
#[cfg(test)]
mod legacy;
mod scalar;

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
                .find(|(k, _)| k.is_scalar(key))
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

    /// Whether this is a scalar whose text is `text`, without building the text.
    pub fn is_scalar(&self, text: &str) -> bool {
        match &self.value {
            Value::Str(s) => s == text,
            Value::Seq(_) | Value::Map(_) | Value::Null => false,
            _ => self.scalar().as_deref() == Some(text),
        }
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

/// Why a YAML text could not be read, with the 1-based line where the parser stopped.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub line: u32,
    pub column: u32,
    pub message: String,
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
    build::documents(text)
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

    /// The first place two trees differ, as a path of keys and indexes.
    fn difference(a: &Node, b: &Node, path: &str) -> Option<String> {
        if (a.line, a.column) != (b.line, b.column) {
            return Some(format!(
                "{path}: at {}:{} vs {}:{}",
                a.line, a.column, b.line, b.column
            ));
        }
        match (&a.value, &b.value) {
            (Value::Seq(x), Value::Seq(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| difference(p, q, &format!("{path}[{i}]"))),
            (Value::Map(x), Value::Map(y)) if x.len() == y.len() => {
                x.iter().zip(y).find_map(|((k1, v1), (k2, v2))| {
                    let at = format!("{path}.{}", k1.scalar().unwrap_or_default());
                    difference(k1, k2, &format!("{at}(key)")).or_else(|| difference(v1, v2, &at))
                })
            }
            (Value::Float(x), Value::Float(y)) if x.to_bits() == y.to_bits() => None,
            (x, y) if x == y => None,
            (x, y) => Some(format!("{path}: {x:?} vs {y:?}")),
        }
    }

    fn same_as_legacy(text: &str) -> Result<(), String> {
        let old = legacy::documents(text).map_err(|e| format!("legacy: {}", e.message))?;
        let new = parse_one(text)
            .map_err(|e| format!("new fails where legacy reads: {} at {}", e.message, e.line))?;
        if old.len() != new.len() {
            return Err(format!("{} documents vs {}", old.len(), new.len()));
        }
        match old
            .iter()
            .zip(&new)
            .find_map(|(a, b)| difference(a, b, "$"))
        {
            Some(d) => Err(d),
            None => Ok(()),
        }
    }

    #[test]
    fn scalars_are_typed_as_serde_saphyr_types_them() {
        let scalars = [
            "1",
            "-1",
            "+1",
            "0",
            "-0",
            "007",
            "0x1F",
            "0X1F",
            "0o17",
            "0b101",
            "1_000",
            "1__0",
            "_1",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775809",
            "1.5",
            "1.50",
            "-1.5e3",
            ".5",
            "1.",
            "1e400",
            "-1e400",
            ".inf",
            "-.inf",
            "+.inf",
            ".nan",
            "-.nan",
            ".NaN",
            "inf",
            "nan",
            "true",
            "True",
            "TRUE",
            "yes",
            "Yes",
            "on",
            "off",
            "y",
            "n",
            "N",
            "no",
            "false",
            "null",
            "Null",
            "~",
            "",
            "'1'",
            "\"true\"",
            "!!str 1",
            "!!int 5",
            "!!float 1",
            "!!bool yes",
            "!!null x",
            "!reset 5",
            "!Ref foo",
            "3.8",
            "1:2",
            "08:00",
            "1e5",
            "0.0.1",
            "1,000",
            "12e",
            "0x",
            "-0x10",
            "+0b11",
        ];
        for s in scalars {
            let text = format!("k: {s}\n{s}: v\nl: [{s}]\n");
            if let Err(e) = same_as_legacy(&text) {
                panic!("`{s}`: {e}");
            }
        }
    }

    #[test]
    fn anchors_aliases_and_merge_keys_build_the_same_tree() {
        let texts = [
            "base: &b {a: 1, b: 2}\nuse:\n  <<: *b\n  b: 3\n  c: 4\n",
            "x: &x\n  p: 1\ny: &y\n  p: 2\n  q: 2\nz:\n  <<: [*x, *y]\n  r: 3\n",
            "a: &a [1, 2]\nb: *a\nc: &s text\nd: *s\n",
            "d: &d\n  env: &e\n    - {name: A, value: x}\nsvc:\n  <<: *d\n  more: *e\n",
            "<<: {a: 1}\nb: 2\n",
            "m:\n  <<:\n    k: v\n  j: w\n",
            "m:\n  <<:\n    k:\n      deep: [1, {x: 2}]\n  j: w\n",
            "a: &a\n  k:\n    deep: [1, {x: 2}]\nm:\n  <<: [*a, {k: 3, z: [4]}]\n",
            "a: &a\n  <<: {p: 1}\n  q: 2\nb:\n  <<: *a\n",
        ];
        for t in texts {
            if let Err(e) = same_as_legacy(t) {
                panic!("{t}: {e}");
            }
        }
    }

    /// Every YAML file of the fixtures and the labelled corpus gives the same tree as the
    /// serde-saphyr reader it replaced.
    #[test]
    fn every_fixture_and_corpus_file_builds_the_same_tree() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        let mut failures = Vec::new();
        for dir in [root.join("fixtures"), root.join("../shared/corpus")] {
            let walk = ignore::WalkBuilder::new(&dir)
                .hidden(false)
                .git_ignore(false)
                .build();
            for entry in walk.flatten() {
                let path = entry.path();
                let yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml");
                let Ok(text) = std::fs::read_to_string(path) else {
                    continue;
                };
                if !yaml || text.contains("{{") {
                    continue;
                }
                match same_as_legacy(&text) {
                    Ok(()) => checked += 1,
                    Err(e) if e.starts_with("legacy:") => {}
                    Err(e) => failures.push(format!("{}: {e}", path.display())),
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} differ:\n{}",
            failures.len(),
            checked + failures.len(),
            failures.join("\n")
        );
        assert!(checked > 100, "only {checked} files");
    }

    #[test]
    fn nested_aliases_stop_at_the_expansion_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let e = parse_documents(&text).expect_err("a billion laughs");
        assert!(
            e.message.contains("aliases expand to more than"),
            "{}",
            e.message
        );
        assert_eq!(e.line, 5, "a4 copies 10 × 11,111 nodes");
    }

    #[test]
    fn nesting_beyond_the_depth_limit_fails_with_its_line() {
        let text = format!("{}1{}\n", "[".repeat(70), "]".repeat(70));
        let e = parse_documents(&text).expect_err("too deep");
        assert!(
            e.message.contains("nesting deeper than 64"),
            "{}",
            e.message
        );
        let ok = format!("{}1{}\n", "[".repeat(60), "]".repeat(60));
        assert!(parse_documents(&ok).is_ok());
    }

    #[test]
    fn duplicate_keys_fail_and_merged_keys_yield_to_written_ones() {
        let e = parse_documents("a: 1\nb: 2\na: 3\n").expect_err("duplicate");
        assert_eq!(
            (e.line, e.message.as_str()),
            (3, "duplicate mapping key `a`")
        );
        let docs = parse_documents("d: &d {a: 1, b: 2}\nm:\n  <<: *d\n  a: 9\n").expect("merges");
        let m = docs[0].at("m");
        assert_eq!(m.at("a").scalar().as_deref(), Some("9"));
        assert_eq!(m.at("b").scalar().as_deref(), Some("2"));
        assert_eq!(m.at("b").line, 3, "placed at the alias");
        let e = parse_documents("m:\n  <<: 5\n").expect_err("not a map");
        assert!(e.message.contains("merge value"), "{}", e.message);
    }

    #[test]
    fn a_value_that_does_not_fit_its_tag_is_text_and_the_file_is_read() {
        let docs = parse_documents("replicas: !!int abc\nname: web\nport: !!int \"8080\"\n")
            .expect("reads");
        assert_eq!(docs[0].at("replicas").as_str(), Some("abc"));
        assert_eq!(docs[0].at("name").as_str(), Some("web"));
        assert_eq!(docs[0].at("port").value, Value::Int(8080));
    }

    #[test]
    fn an_alias_to_no_anchor_and_a_syntax_error_keep_their_lines() {
        let e = parse_documents("a: 1\nb: *nothing\n").expect_err("unknown alias");
        assert_eq!(e.line, 2);
        let e = parse_documents("a: 1\nb: [unclosed\nc: 2\n").expect_err("syntax");
        assert!(e.line >= 2, "{}", e.line);
    }

    #[test]
    fn directives_and_small_texts_are_parsed_whole() {
        assert!(chunks("---\na: 1\n").is_none());
        let mut text = String::from("%YAML 1.2\n");
        text.push_str(&stream(5000));
        assert!(chunks(&text).is_none());
    }
}
