//! JSON output: versioned (`schema_version`), stable key order, sorted arrays.

use super::Report;
use crate::model::{Confidence, Edge, KindReason, TableInfo};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

pub const SCHEMA_VERSION: u32 = 1;

/// The document, borrowed from the report and serialised as it is written: no tree of
/// values is built (field order is the key order).
#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    tool: Tool,
    root: &'a str,
    variants: &'a [String],
    components: Vec<ComponentOut<'a>>,
    edges: Vec<EdgeOut<'a>>,
    configured_edges: Vec<EdgeOut<'a>>,
    findings: Vec<FindingOut<'a>>,
    clusters: &'a [crate::verdict::Cluster],
    weak_links: &'a [crate::verdict::WeakLink],
    verdict: VerdictOut<'a>,
    services: &'a [crate::verdict::ServiceRow],
    stale_baseline: &'a [crate::suppress::BaselineEntry],
    /// `--new-since REV`: REV; `stale_baseline` then holds REV's findings this change removed.
    new_since: Option<&'a str>,
    diagnostics: &'a [crate::model::Diagnostic],
    summary: SummaryOut,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct ComponentOut<'a> {
    id: &'a str,
    kind: &'static str,
    technology: &'a Option<String>,
    location: &'a crate::model::Location,
    names: &'a std::collections::BTreeSet<String>,
    owners: &'a [String],
    kind_reason: KindReasonOut<'a>,
    /// Why a name other repositories declare too is this component or kept apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<KindReasonOut<'a>>,
    variants: &'a std::collections::BTreeSet<String>,
    tables: Vec<TableOut<'a>>,
}

#[derive(Serialize)]
struct TableOut<'a> {
    name: &'a str,
    database: &'a Option<String>,
    locations: Vec<&'a crate::model::Location>,
}

#[derive(Serialize)]
pub(crate) struct KindReasonOut<'a> {
    rule: &'static str,
    detail: String,
    location: &'a crate::model::Location,
}

#[derive(Serialize)]
pub(crate) struct EdgeOut<'a> {
    from: &'a str,
    to: &'a str,
    kind: &'static str,
    protocol: &'a Option<String>,
    database: &'a Option<String>,
    topic: &'a Option<String>,
    variants: Vec<&'a str>,
    confidence: &'static str,
    evidence: Vec<EvidenceOut<'a>>,
    evidence_count: usize,
}

#[derive(Serialize)]
struct EvidenceOut<'a> {
    file: std::borrow::Cow<'a, str>,
    line: u32,
    column: u32,
    text: &'a str,
}

#[derive(Serialize)]
struct FindingOut<'a> {
    rule: &'static str,
    severity: &'static str,
    message: &'a str,
    location: &'a crate::model::Location,
    related: &'a [crate::finding::Related],
    related_count: usize,
    components: &'a [String],
    fingerprint: &'a str,
    suppressed: bool,
    suppression: &'a Option<crate::finding::Suppression>,
    crosses_teams: bool,
    detail: &'a Option<String>,
    variants: &'a [String],
}

#[derive(Serialize)]
struct VerdictOut<'a> {
    risk: crate::verdict::Risk,
    reason: &'a str,
    coupled_services: usize,
    total_services: usize,
    suppressed_findings: usize,
    text: &'a str,
}

#[derive(Serialize)]
struct SummaryOut {
    services: usize,
    datastores: usize,
    brokers: usize,
    edges: usize,
    configured_edges: usize,
    findings: FindingCounts,
    diagnostics: usize,
}

#[derive(Serialize)]
struct FindingCounts {
    error: usize,
    warning: usize,
    note: usize,
    suppressed: usize,
}

fn doc<'a>(r: &Report<'a>) -> Doc<'a> {
    let s = r.summary();
    // Tables by owner, once: a lookup per component instead of a scan of every table.
    let mut tables: HashMap<&str, Vec<&TableInfo>> = HashMap::new();
    for t in &r.model.tables {
        for o in &t.owners {
            tables.entry(o.as_str()).or_default().push(t);
        }
    }
    let components = r
        .model
        .components
        .iter()
        .map(|c| ComponentOut {
            id: &c.id,
            kind: c.kind.as_str(),
            technology: &c.technology,
            location: &c.location,
            names: &c.names,
            owners: &c.owners,
            kind_reason: kind_reason(&c.kind_reason),
            identity: c.identity.as_ref().map(kind_reason),
            variants: &c.variants,
            tables: tables
                .get(c.id.as_str())
                .into_iter()
                .flatten()
                .map(|t| TableOut {
                    name: &t.name,
                    database: &t.database,
                    locations: t
                        .created
                        .iter()
                        .filter(|(who, _)| *who == c.id)
                        .map(|(_, l)| l)
                        .collect(),
                })
                .collect(),
        })
        .collect();
    // `edges` are the calls the scan believes happen; an address a service is only given
    // (its own code provably never reads it) is listed apart, so a reader of `edges` never
    // takes it for a call.
    let (used, configured): (Vec<&Edge>, Vec<&Edge>) = r
        .model
        .edges
        .iter()
        .partition(|e| e.confidence == Confidence::Used);
    let edges: Vec<EdgeOut> = used.into_iter().map(edge_out).collect();
    let configured_edges: Vec<EdgeOut> = configured.into_iter().map(edge_out).collect();
    let findings = r
        .findings
        .iter()
        .map(|f| FindingOut {
            rule: f.rule,
            severity: f.severity.as_str(),
            message: &f.message,
            location: &f.location,
            related: &f.related,
            related_count: f.related_count,
            components: &f.components,
            fingerprint: &f.fingerprint,
            suppressed: f.suppressed.is_some(),
            suppression: &f.suppressed,
            crosses_teams: f.crosses_teams,
            detail: &f.detail,
            variants: &f.variants,
        })
        .collect();
    let v = r.verdict;
    Doc {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "monolens",
            version: env!("CARGO_PKG_VERSION"),
        },
        root: &r.model.root,
        variants: &r.model.variants,
        components,
        summary: SummaryOut {
            services: s.services,
            datastores: s.datastores,
            brokers: s.brokers,
            edges: edges.len(),
            configured_edges: configured_edges.len(),
            findings: FindingCounts {
                error: s.errors,
                warning: s.warnings,
                note: s.notes,
                suppressed: s.suppressed,
            },
            diagnostics: r.model.diagnostics.len(),
        },
        edges,
        configured_edges,
        findings,
        clusters: &v.clusters,
        weak_links: &v.weak_links,
        verdict: VerdictOut {
            risk: v.risk,
            reason: &v.reason,
            coupled_services: v.coupled_services,
            total_services: v.total_services,
            suppressed_findings: v.suppressed_findings,
            text: &v.line,
        },
        services: &v.services,
        stale_baseline: r.stale,
        new_since: r.since,
        diagnostics: &r.model.diagnostics,
    }
}

/// The document as a JSON value (for tests and tools that post-process it).
pub fn to_value(r: &Report) -> Value {
    serde_json::to_value(doc(r)).unwrap_or(Value::Null)
}

/// Why a component has its kind: `{rule, detail, location}`, the detail redacted.
pub(crate) fn kind_reason(k: &KindReason) -> KindReasonOut<'_> {
    KindReasonOut {
        rule: k.rule,
        detail: crate::redact::redact(&k.detail),
        location: &k.location,
    }
}

fn edge_out(e: &Edge) -> EdgeOut<'_> {
    EdgeOut {
        from: &e.from,
        to: &e.to,
        kind: e.kind.as_str(),
        protocol: &e.protocol,
        database: &e.database,
        topic: &e.topic,
        variants: e.scope.names(),
        confidence: e.confidence.as_str(),
        evidence: e
            .evidence
            .iter()
            .map(|ev| EvidenceOut {
                file: crate::model::shown_path(&ev.location.file),
                line: ev.location.line,
                column: ev.location.column,
                text: &ev.text,
            })
            .collect(),
        evidence_count: e.evidence_count,
    }
}

/// One edge with its evidence (shared with `inspect`).
pub(crate) fn edge(e: &Edge) -> Value {
    serde_json::to_value(edge_out(e)).unwrap_or(Value::Null)
}

/// The report, written as it is serialised.
pub fn write(r: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &doc(r))?;
    out.write_all(b"\n")
}

pub fn render(r: &Report) -> String {
    let mut out = Vec::new();
    // Writing to memory fails only on a serialisation bug; the text so far is kept.
    let _ = write(r, &mut out);
    String::from_utf8(out).unwrap_or_default()
}
