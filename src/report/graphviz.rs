//! Architecture pictures: Graphviz DOT and Mermaid. Node shapes by component kind, edge styles
//! by edge kind (solid sync, dashed async, dotted data); what findings flag is drawn red.

use super::Report;
use crate::model::{ComponentKind, Confidence, EdgeKind, Severity};
use std::collections::{BTreeMap, BTreeSet};

/// What the findings flag: services in a sync cycle, and the edges a finding names, with the
/// colour of the most severe such finding (errors red, warnings orange).
pub(super) struct Flagged {
    pub(super) nodes: BTreeSet<String>,
    edges: BTreeMap<(String, String, EdgeKind), Severity>,
}

impl Flagged {
    /// The most severe finding that names this edge.
    pub(super) fn severity(&self, e: &crate::model::Edge) -> Option<Severity> {
        self.edges
            .get(&(e.from.clone(), e.to.clone(), e.kind))
            .copied()
    }

    fn edge(&self, e: &crate::model::Edge) -> Option<(&'static str, &'static str)> {
        match self.severity(e)? {
            Severity::Error => Some(("red", "#d00")),
            Severity::Warning => Some(("darkorange", "#e80")),
            Severity::Note => None,
        }
    }
}

pub(super) fn flagged(r: &Report) -> Flagged {
    let mut nodes = BTreeSet::new();
    let mut edges: BTreeMap<(String, String, EdgeKind), Severity> = BTreeMap::new();
    for f in r.findings.iter().filter(|f| f.suppressed.is_none()) {
        if f.rule == "cyclic-sync-calls" {
            nodes.extend(f.components.iter().cloned());
        }
        for e in &f.edges {
            let s = edges.entry(e.clone()).or_insert(f.severity);
            *s = (*s).max(f.severity);
        }
    }
    Flagged { nodes, edges }
}

fn label(e: &crate::model::Edge) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(p) = &e.protocol {
        parts.push(p.clone());
    }
    if let Some(t) = &e.topic {
        parts.push(format!("topic {t}"));
    }
    if let Some(d) = &e.database {
        parts.push(format!("db {d}"));
    }
    if e.confidence == Confidence::Configured {
        parts.push("configured".to_string());
    }
    parts.join(", ")
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

pub fn dot(r: &Report) -> String {
    let flag = flagged(r);
    let mut out = String::from(
        "digraph monolens {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    for c in &r.model.components {
        let shape = match c.kind {
            ComponentKind::Service => "shape=box, style=rounded",
            ComponentKind::Datastore => "shape=cylinder",
            ComponentKind::Broker => "shape=cds",
            ComponentKind::Gateway => "shape=house",
            ComponentKind::Platform
            | ComponentKind::Tool
            | ComponentKind::Job
            | ComponentKind::Sidecar => "shape=component, color=gray50, fontcolor=gray40",
            ComponentKind::External => "shape=box, style=dashed",
        };
        let red = if flag.nodes.contains(&c.id) {
            ", color=red, fontcolor=red, penwidth=2"
        } else {
            ""
        };
        out.push_str(&format!("  \"{}\" [{shape}{red}];\n", dot_escape(&c.id)));
    }
    for e in &r.model.edges {
        // A configured-only call is drawn dashed: given to the service, never read by its code.
        let style = match e.kind {
            EdgeKind::Sync if e.confidence == Confidence::Configured => "style=dashed",
            EdgeKind::Sync => "style=solid",
            EdgeKind::Async => "style=dashed",
            EdgeKind::Data => "style=dotted",
            EdgeKind::Platform => "style=solid, color=gray60, fontcolor=gray50",
            EdgeKind::Startup => "style=dashed, color=gray60, fontcolor=gray50, arrowhead=odot",
        };
        let red = flag.edge(e).map_or(String::new(), |(c, _)| {
            format!(", color={c}, fontcolor={c}, penwidth=2")
        });
        out.push_str(&format!(
            "  \"{}\" -> \"{}\" [{style}{red}, label=\"{}\"];\n",
            dot_escape(&e.from),
            dot_escape(&e.to),
            dot_escape(&label(e))
        ));
    }
    out.push_str("}\n");
    out
}

pub(super) fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
}

pub fn mermaid(r: &Report) -> String {
    let flag = flagged(r);
    let mut out = String::from("flowchart LR\n");
    let ids: std::collections::HashMap<&str, String> = r
        .model
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), format!("n{i}")))
        .collect();
    for c in &r.model.components {
        let t = mermaid_text(&c.id);
        let shape = match c.kind {
            ComponentKind::Service => format!("[\"{t}\"]"),
            ComponentKind::Datastore => format!("[(\"{t}\")]"),
            ComponentKind::Broker => format!("{{{{\"{t}\"}}}}"),
            ComponentKind::Gateway => format!("[/\"{t}\"\\]"),
            ComponentKind::Platform
            | ComponentKind::Tool
            | ComponentKind::Job
            | ComponentKind::Sidecar => format!(">\"{t}\"]"),
            ComponentKind::External => format!("([\"{t}\"])"),
        };
        out.push_str(&format!("  {}{shape}\n", ids[c.id.as_str()]));
    }
    let mut styles = Vec::new();
    let mut index = 0usize;
    for e in &r.model.edges {
        let (Some(a), Some(b)) = (ids.get(e.from.as_str()), ids.get(e.to.as_str())) else {
            continue;
        };
        let arrow = match e.kind {
            _ if e.confidence == Confidence::Configured => "-.->",
            EdgeKind::Sync | EdgeKind::Platform => "-->",
            EdgeKind::Async | EdgeKind::Data | EdgeKind::Startup => "-.->",
        };
        let l = label(e);
        if l.is_empty() {
            out.push_str(&format!("  {a} {arrow} {b}\n"));
        } else {
            out.push_str(&format!("  {a} {arrow}|\"{}\"| {b}\n", mermaid_text(&l)));
        }
        let mut style: Vec<&str> = Vec::new();
        match e.kind {
            EdgeKind::Async => style.push("stroke-dasharray: 6 4"),
            EdgeKind::Data => style.push("stroke-dasharray: 2 3"),
            EdgeKind::Platform | EdgeKind::Startup => style.push("stroke: #999"),
            EdgeKind::Sync => {}
        }
        let stroke;
        if let Some((_, hex)) = flag.edge(e) {
            stroke = format!("stroke: {hex}");
            style.push(&stroke);
            style.push("stroke-width: 2px");
        }
        if !style.is_empty() {
            styles.push(format!("  linkStyle {index} {}\n", style.join(", ")));
        }
        index += 1;
    }
    for s in styles {
        out.push_str(&s);
    }
    let red: Vec<&str> = r
        .model
        .components
        .iter()
        .filter(|c| flag.nodes.contains(&c.id))
        .map(|c| ids[c.id.as_str()].as_str())
        .collect();
    if !red.is_empty() {
        out.push_str("  classDef flagged stroke:#d00,stroke-width:2px,color:#d00\n");
        out.push_str(&format!("  class {} flagged\n", red.join(",")));
    }
    out
}
