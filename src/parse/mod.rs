//! Parsing: one module per input kind, each a pure function from (path, text) to facts.
//! A parser never opens another file; a file it cannot read becomes a diagnostic.

pub mod aspire;
pub mod build;
pub mod cdc;
pub mod compose;
pub mod config;
pub mod dapr;
pub mod dockerfile;
pub mod gateway;
pub mod k8s;
pub mod release;
pub mod source;
pub mod sql;
pub mod versions;

use crate::discover::InputKind;
use crate::model::{Diagnostic, FileFacts, Location};
use crate::yaml::Node;

/// Whether a manifest with `{{` is a template to render rather than YAML to read: a file in a
/// Helm chart's `templates/` folder, text that is not YAML, or YAML where a `{{` stands
/// outside every string (where YAML reads it as flow syntax: `name: {{ .Values.x }}`). Found by
/// counting: every `{{` of the text must be inside a parsed key or value.
pub fn is_template(path: &str, text: &str) -> bool {
    if path.starts_with("templates/") || path.contains("/templates/") {
        return true;
    }
    let Ok(docs) = crate::yaml::parse_documents(text) else {
        return true;
    };
    let in_text: usize = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| l.matches("{{").count())
        .sum();
    in_text != docs.iter().map(braces_in_strings).sum::<usize>()
}

/// How many `{{` the strings (keys and values) of a YAML tree hold.
fn braces_in_strings(node: &Node) -> usize {
    match &node.value {
        crate::yaml::Value::Str(s) => s.matches("{{").count(),
        crate::yaml::Value::Seq(items) => items.iter().map(braces_in_strings).sum(),
        crate::yaml::Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| braces_in_strings(k) + braces_in_strings(v))
            .sum(),
        _ => 0,
    }
}

/// Parse one file of a known kind.
pub fn parse(kind: InputKind, path: &str, text: &str) -> FileFacts {
    let mut out = FileFacts {
        path: path.to_string(),
        ..FileFacts::default()
    };
    match kind {
        InputKind::Compose => compose::parse(path, text, &mut out),
        InputKind::Kubernetes => k8s::parse(path, text, &mut out),
        // `{{` only inside strings (an alert rule's "{{ $value }}", a `{{PROJECT_ID}}`
        // placeholder) is valid YAML, and the file is read as the manifest it is.
        InputKind::HelmTemplate if !is_template(path, text) => k8s::parse(path, text, &mut out),
        InputKind::HelmTemplate => {
            out.diagnostics.push(Diagnostic::note(
                path,
                first_line_with(text, "{{"),
                "Helm template syntax is not YAML; render it and scan the result: \
                 `helm template <release> <chart> | monolens scan -`",
            ));
            // Image tag expressions are still read: they show lockstep releases.
            release::helm_tags(path, text, &mut out);
        }
        InputKind::DotEnv => config::parse_dotenv(path, text, &mut out),
        InputKind::Properties => config::parse_properties(path, text, &mut out),
        InputKind::SpringYaml => config::parse_yaml_settings(path, text, &mut out),
        InputKind::AppSettings => config::parse_json_settings(path, text, &mut out),
        InputKind::JsonConfig => config::parse_json_registry(path, text, &mut out),
        InputKind::BuildFile => build::parse(path, text, &mut out),
        InputKind::Connector => cdc::parse_json(path, text, &mut out),
        InputKind::Dockerfile => dockerfile::parse(path, text, &mut out),
        InputKind::AspireHost => aspire::parse(path, text, &mut out),
        InputKind::Nginx => gateway::parse_nginx(path, text, &mut out),
        InputKind::Envoy => gateway::parse_envoy(path, text, &mut out),
        // Without the model's names, only connection-string literals are found.
        InputKind::Source => source::parse(path, text, &source::Matcher::default(), &mut out),
        // Read by later stages of the roadmap; discovered now so the file list is complete.
        InputKind::Codeowners => release::codeowners(path, text, &mut out),
        InputKind::Sql => {
            let (facts, diagnostics) = sql::parse(path, text);
            out.facts
                .extend(facts.into_iter().map(crate::model::Fact::Sql));
            out.diagnostics.extend(diagnostics);
        }
    }
    ignores(path, text, &mut out);
    out
}

/// `monolens:ignore rule-a,rule-b -- reason` anywhere in a comment, in any kind of file.
pub fn ignores(path: &str, text: &str, out: &mut FileFacts) {
    const MARK: &str = "monolens:ignore";
    if !text.contains(MARK) {
        return;
    }
    for (i, line) in text.lines().enumerate() {
        let Some(at) = line.find(MARK) else { continue };
        let rest = &line[at + MARK.len()..];
        let (rules, reason) = rest.split_once("--").unwrap_or((rest, ""));
        let rules: Vec<String> = rules
            .split([',', ' '])
            .map(|r| r.trim().trim_end_matches("*/").trim())
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect();
        if rules.is_empty() {
            continue;
        }
        out.facts
            .push(crate::model::Fact::Ignore(crate::model::IgnoreComment {
                location: Location::new(path, i as u32 + 1, at as u32 + 1),
                rules,
                reason: reason.trim().trim_end_matches("*/").trim().to_string(),
            }));
    }
}

/// The first line holding `needle` outside a `#` comment line (1 when none does).
fn first_line_with(text: &str, needle: &str) -> u32 {
    text.lines()
        .position(|l| l.contains(needle) && !l.trim_start().starts_with('#'))
        .map_or(1, |i| i as u32 + 1)
}

/// The location of a YAML node in `path`.
pub(crate) fn loc(path: &str, node: &Node) -> Location {
    Location::new(path, node.line, node.column)
}

/// Report a YAML error as a diagnostic with its line.
pub(crate) fn yaml_error(path: &str, e: &crate::yaml::YamlError, out: &mut FileFacts) {
    out.diagnostics.push(Diagnostic::warning(
        path,
        e.line,
        format!("invalid YAML: {}", e.message),
    ));
}

/// Byte offset → (line, column), both 1-based; column counts characters.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    pub fn position(&self, text: &str, offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = text.get(start..offset).map_or(1, |s| s.chars().count() + 1);
        (line as u32 + 1, column as u32)
    }

    /// Positions of offsets given in increasing order, counting each line's characters once:
    /// a one-line minified file can hold tens of thousands of matches.
    pub fn cursor<'a>(&'a self, text: &'a str) -> Cursor<'a> {
        Cursor {
            index: self,
            text,
            line: usize::MAX,
            offset: 0,
            column: 1,
        }
    }
}

/// See `LineIndex::cursor`.
pub struct Cursor<'a> {
    index: &'a LineIndex,
    text: &'a str,
    line: usize,
    offset: usize,
    column: usize,
}

impl Cursor<'_> {
    pub fn position(&mut self, offset: usize) -> (u32, u32) {
        let line = self.index.starts.partition_point(|&s| s <= offset) - 1;
        let from = if line == self.line && offset >= self.offset {
            self.offset
        } else {
            self.column = 1;
            self.index.starts[line]
        };
        self.column += self.text.get(from..offset).map_or(0, |s| s.chars().count());
        (self.line, self.offset) = (line, offset);
        (line as u32 + 1, self.column as u32)
    }
}

/// The settings a parse produced as (key, value, line), for parser tests.
#[cfg(test)]
pub(crate) fn settings_of(out: &FileFacts) -> Vec<(String, String, u32)> {
    out.facts
        .iter()
        .filter_map(|f| match f {
            crate::model::Fact::Setting(s) => {
                Some((s.key.clone(), s.value.clone(), s.location.line))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod cursor_tests {
    use super::LineIndex;

    #[test]
    fn a_cursor_gives_the_same_positions_as_the_index() {
        let text = "ab\né\"x\" \"y\"\n\nlast é line";
        let index = LineIndex::new(text);
        let mut cursor = index.cursor(text);
        let offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for &o in &offsets {
            assert_eq!(cursor.position(o), index.position(text, o), "offset {o}");
        }
        // Repeats and a fresh line after a gap agree too.
        let mut cursor = index.cursor(text);
        for o in [3, 3, 9, 14, 15] {
            assert_eq!(cursor.position(o), index.position(text, o), "offset {o}");
        }
    }
}

#[cfg(test)]
mod template_tests {
    use super::is_template;

    #[test]
    fn braces_inside_strings_are_yaml() {
        let alert = "apiVersion: v1\nkind: ConfigMap\ndata:\n  rules: |\n    summary: {{ $value }}\n  title: \"{{ range .Alerts }}{{ end }}\"\n";
        assert!(!is_template("k8s/alerts.yaml", alert));
        let placeholder =
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  image: gcr.io/{{PROJECT_ID}}/app\n";
        assert!(!is_template("k8s/app.yaml", placeholder));
    }

    #[test]
    fn braces_as_flow_syntax_or_in_a_chart_are_a_template() {
        let flow = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Values.name }}\n";
        assert!(is_template("k8s/svc.yaml", flow));
        let control = "apiVersion: v1\nkind: Service\n{{- if .Values.x }}\nmetadata:\n  name: x\n{{- end }}\n";
        assert!(is_template("k8s/svc.yaml", control));
        let quoted = "apiVersion: v1\nkind: Service\nmetadata:\n  name: \"{{ .Release.Name }}\"\n";
        assert!(is_template("chart/templates/svc.yaml", quoted));
        assert!(!is_template("k8s/svc.yaml", quoted));
    }
}
