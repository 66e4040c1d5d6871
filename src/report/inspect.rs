//! `monolens inspect NAME`: one component as the model sees it — why it has its kind, what it
//! owns, every setting it is given (redacted) and its edges with their evidence.
//!
//! A renderer: it selects the component, its directories, settings and edges from the `Model`
//! and formats them; it computes nothing else.

use crate::model::{Component, Confidence, Edge, Location, Model, ResolvedSetting};
use crate::redact;
use serde_json::{Value, json};

/// Output formats of `inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InspectFormat {
    Text,
    Json,
}

/// Values longer than this (in characters) are cut in the text output.
const MAX_VALUE_CHARS: usize = 120;

/// Suffixes a name may carry or lack and still match (`orders-service` = `orders`).
const SUFFIXES: [&str; 6] = ["-service", "-svc", "-api", "_service", "_svc", "_api"];

/// What the model holds about one component.
pub struct View<'a> {
    pub model: &'a Model,
    pub component: &'a Component,
    /// Directories (and files) it owns, sorted; `""` is the scan root.
    pub dirs: Vec<&'a str>,
    /// Its settings, by key (source literals last), in the model's order within a key.
    pub settings: Vec<&'a ResolvedSetting>,
    pub outgoing: Vec<&'a Edge>,
    pub incoming: Vec<&'a Edge>,
}

impl<'a> View<'a> {
    pub fn new(model: &'a Model, component: &'a Component) -> Self {
        let id = component.id.as_str();
        let mut dirs: Vec<&str> = model
            .service_dirs
            .iter()
            .filter(|(_, svc)| svc == id)
            .map(|(d, _)| d.as_str())
            .collect();
        dirs.sort_unstable();
        dirs.dedup();
        let mut settings: Vec<&ResolvedSetting> = model
            .settings
            .get(id)
            .map_or_else(Vec::new, |list| list.iter().collect());
        settings.sort_by(|a, b| (a.key.is_empty(), &a.key).cmp(&(b.key.is_empty(), &b.key)));
        View {
            model,
            component,
            dirs,
            settings,
            outgoing: model.edges.iter().filter(|e| e.from == id).collect(),
            incoming: model.edges.iter().filter(|e| e.to == id).collect(),
        }
    }
}

/// Find a component by id or by any of its names, without case, then allowing a trailing
/// `-service`/`-svc`/`-api` difference when that leaves one component. The error is one
/// sentence naming up to ten close names.
pub fn find<'a>(model: &'a Model, name: &str) -> Result<&'a Component, String> {
    let query = name.trim().to_lowercase();
    if let Some(c) = model.component(name.trim()) {
        return Ok(c);
    }
    let names =
        |c: &'a Component| std::iter::once(c.id.as_str()).chain(c.names.iter().map(String::as_str));
    let pick = |matches: Vec<&'a Component>| -> Option<Result<&'a Component, String>> {
        match matches.as_slice() {
            [] => None,
            [one] => Some(Ok(*one)),
            many => Some(Err(format!(
                "`{name}` names {} components ({}); give one of these ids",
                many.len(),
                many.iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    };
    let exact: Vec<&Component> = model
        .components
        .iter()
        .filter(|c| names(c).any(|n| n.to_lowercase() == query))
        .collect();
    if let Some(found) = pick(exact) {
        return found;
    }
    let query_stem = stem(&query);
    let loose: Vec<&Component> = model
        .components
        .iter()
        .filter(|c| names(c).any(|n| stem(&n.to_lowercase()) == query_stem))
        .collect();
    if let Some(found) = pick(loose) {
        return found;
    }
    let mut close: Vec<&str> = model
        .components
        .iter()
        .filter(|c| {
            names(c).any(|n| {
                let n = n.to_lowercase();
                n.contains(query_stem)
                    || (n.len() >= 3 && query.contains(&n))
                    || common_prefix(&n, &query) >= 3
            })
        })
        .map(|c| c.id.as_str())
        .collect();
    let root = &model.root;
    Err(if close.is_empty() {
        let some: Vec<&str> = model
            .components
            .iter()
            .take(10)
            .map(|c| c.id.as_str())
            .collect();
        if some.is_empty() {
            format!("no component named `{name}` in {root}: the scan found no components")
        } else {
            format!(
                "no component named `{name}` in {root}; its {} components include: {}",
                model.components.len(),
                some.join(", ")
            )
        }
    } else {
        let more = close.len().saturating_sub(10);
        close.truncate(10);
        format!(
            "no component named `{name}` in {root}; close names: {}{}",
            close.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    })
}

fn stem(name: &str) -> &str {
    SUFFIXES
        .iter()
        .find_map(|s| name.strip_suffix(s).filter(|rest| !rest.is_empty()))
        .unwrap_or(name)
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// A setting's value as shown: redacted (masked whole when the key names a secret).
fn shown_value(s: &ResolvedSetting) -> String {
    redact::setting_value(&s.key, &s.value, s.from_secret())
}

/// A directory as outputs show it: under the repository prefix, `.` for the root itself.
fn dir_label(d: &str) -> String {
    let shown = crate::model::shown_path(d);
    let shown = shown.trim_end_matches('/');
    if shown.is_empty() {
        ".".to_string()
    } else {
        shown.to_string()
    }
}

fn loc(l: &Location) -> String {
    l.to_string()
}

fn truncate(text: &str, max: usize) -> String {
    // One line: a multi-line value would break the columns.
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn or_dash(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let list: Vec<String> = items.into_iter().map(|s| s.as_ref().to_string()).collect();
    if list.is_empty() {
        "-".to_string()
    } else {
        list.join(", ")
    }
}

/// Rows as columns separated by two spaces, every column but the last padded.
fn columns(out: &mut String, indent: &str, rows: &[Vec<String>]) {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = indent.to_string();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 < row.len() {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// The text rendering; `color` makes headings bold.
pub fn text(v: &View, color: bool) -> String {
    let bold = anstyle::Style::new().bold();
    let heading = |t: &str| {
        if color {
            format!("{bold}{t}{bold:#}\n")
        } else {
            format!("{t}\n")
        }
    };
    let c = v.component;
    let mut out = heading(&format!("{} ({})", c.id, c.kind.as_str()));
    identity_rows(&mut out, c);
    out.push('\n');
    out.push_str(&heading(&format!("Owns ({})", v.dirs.len())));
    if v.dirs.is_empty() {
        out.push_str("  no directory or file is assigned to it\n");
    }
    for d in &v.dirs {
        out.push_str(&format!("  {}\n", dir_label(d)));
    }
    out.push('\n');
    out.push_str(&heading(&format!("Settings ({})", v.settings.len())));
    settings_table(&mut out, &v.settings);
    for (title, edges, outgoing) in [
        ("Edges out", &v.outgoing, true),
        ("Edges in", &v.incoming, false),
    ] {
        out.push('\n');
        out.push_str(&heading(&format!("{title} ({})", edges.len())));
        edges_table(&mut out, v.model, edges, outgoing);
    }
    out
}

fn identity_rows(out: &mut String, c: &Component) {
    let reason = &c.kind_reason;
    let mut rows = vec![
        vec!["kind".into(), c.kind.as_str().to_string()],
        vec!["kind rule".into(), reason.rule.to_string()],
        vec!["kind reason".into(), redact::redact(&reason.detail)],
        vec!["reason at".into(), loc(&reason.location)],
        vec!["names".into(), or_dash(&c.names)],
        vec!["variants".into(), or_dash(&c.variants)],
        vec!["owners".into(), or_dash(&c.owners)],
        vec![
            "technology".into(),
            c.technology.clone().unwrap_or_else(|| "-".into()),
        ],
        vec![
            "image".into(),
            c.image
                .as_deref()
                .map_or_else(|| "-".into(), redact::redact),
        ],
        vec!["declared".into(), or_dash(c.declarations.iter().map(loc))],
    ];
    if let Some(why) = &c.identity {
        rows.push(vec!["identity".into(), why.rule.to_string()]);
        rows.push(vec!["identity reason".into(), redact::redact(&why.detail)]);
        rows.push(vec!["identity at".into(), loc(&why.location)]);
    }
    columns(out, "  ", &rows);
}

/// Settings with their source, location, reference and variant (columns only when used).
fn settings_table(out: &mut String, settings: &[&ResolvedSetting]) {
    if settings.is_empty() {
        out.push_str("  none\n");
        return;
    }
    let with_via = settings.iter().any(|s| s.via.is_some());
    let with_variant = settings.iter().any(|s| s.variant.is_some());
    let mut head = vec!["key".to_string(), "source".into(), "location".into()];
    if with_via {
        head.push("via".into());
    }
    if with_variant {
        head.push("variant".into());
    }
    head.push("value".into());
    let mut rows = vec![head];
    for s in settings {
        let key = if s.key.is_empty() {
            "(source literal)".to_string()
        } else {
            truncate(&s.key, 60)
        };
        let mut row = vec![key, s.source.as_str().to_string(), loc(&s.location)];
        if with_via {
            row.push(s.via.as_ref().map_or_else(|| "-".into(), loc));
        }
        if with_variant {
            row.push(s.variant.clone().unwrap_or_else(|| "-".into()));
        }
        row.push(truncate(&shown_value(s), MAX_VALUE_CHARS));
        rows.push(row);
    }
    columns(out, "  ", &rows);
}

/// Edges in one direction, columns aligned across the section, each followed by its evidence.
fn edges_table(out: &mut String, model: &Model, edges: &[&Edge], outgoing: bool) {
    if edges.is_empty() {
        out.push_str("  none\n");
        return;
    }
    let rows: Vec<Vec<String>> = edges
        .iter()
        .map(|e| {
            let peer = if outgoing {
                format!("→ {}", e.to)
            } else {
                format!("← {}", e.from)
            };
            let what = match (&e.database, &e.topic) {
                (Some(d), Some(t)) => format!("database {d}, topic {t}"),
                (Some(d), None) => format!("database {d}"),
                (None, Some(t)) => format!("topic {t}"),
                (None, None) => String::new(),
            };
            let protocol = e.protocol.clone().unwrap_or_else(|| "-".into());
            // Given to the service, never read by its code: listed, not counted.
            let what = match e.confidence {
                Confidence::Configured if what.is_empty() => "configured only".to_string(),
                Confidence::Configured => format!("{what}, configured only"),
                Confidence::Used => what,
            };
            vec![peer, e.kind.as_str().to_string(), protocol, what]
        })
        .collect();
    let mut table = String::new();
    columns(&mut table, "  ", &rows);
    for (line, e) in table.lines().zip(edges.iter()) {
        out.push_str(line);
        out.push('\n');
        for ev in &e.evidence {
            let text = truncate(&ev.text, MAX_VALUE_CHARS);
            out.push_str(&format!("      {}  {text}\n", loc(&ev.location)));
        }
        if let Some(p) = protection(model, e) {
            let text = truncate(&p.text, MAX_VALUE_CHARS);
            out.push_str(&format!(
                "      protected by  {}  {text}\n",
                loc(&p.location)
            ));
        }
    }
}

/// The policy that guards a sync call, when the scan saw one.
fn protection<'a>(model: &'a Model, e: &Edge) -> Option<&'a crate::model::Evidence> {
    model.protected_calls.get(&(e.from.clone(), e.to.clone()))
}

/// The JSON rendering: the same content, `schema_version` first, keys in a fixed order.
pub fn to_value(v: &View) -> Value {
    let c = v.component;
    let settings: Vec<Value> = v
        .settings
        .iter()
        .map(|s| {
            json!({
                "key": s.key,
                "value": shown_value(s),
                "source": s.source.as_str(),
                "location": s.location,
                "via": s.via,
                "variant": s.variant,
            })
        })
        .collect();
    json!({
        "schema_version": super::json::SCHEMA_VERSION,
        "tool": {"name": "monolens", "version": env!("CARGO_PKG_VERSION")},
        "root": v.model.root,
        "component": {
            "id": c.id,
            "kind": c.kind.as_str(),
            "kind_reason": super::json::kind_reason(&c.kind_reason),
            "identity": c.identity.as_ref().map(super::json::kind_reason),
            "names": c.names,
            "variants": c.variants,
            "owners": c.owners,
            "technology": c.technology,
            "image": c.image.as_deref().map(redact::redact),
            "location": c.location,
            "declarations": c.declarations,
        },
        "directories": v.dirs.iter().map(|d| dir_label(d)).collect::<Vec<_>>(),
        "settings": settings,
        "edges": {
            "out": v.outgoing.iter().map(|e| {
                let mut j = super::json::edge(e);
                j["protection"] = protection(v.model, e).map_or(Value::Null, |p| json!({
                    "file": crate::model::shown_path(&p.location.file), "line": p.location.line,
                    "column": p.location.column, "text": p.text,
                }));
                j
            }).collect::<Vec<_>>(),
            "in": v.incoming.iter().map(|e| super::json::edge(e)).collect::<Vec<_>>(),
        },
    })
}

pub fn json(v: &View) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(v)).unwrap_or_default();
    text.push('\n');
    text
}

pub fn render(v: &View, format: InspectFormat, color: bool) -> String {
    match format {
        InspectFormat::Text => text(v, color),
        InspectFormat::Json => json(v),
    }
}
