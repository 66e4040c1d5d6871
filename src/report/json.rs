//! JSON output: versioned (`schema_version`), stable key order, sorted arrays.

use super::Report;
use crate::model::{Confidence, Edge, KindReason};
use serde_json::{Value, json};

pub const SCHEMA_VERSION: u32 = 1;

pub fn to_value(r: &Report) -> Value {
    let s = r.summary();
    let components: Vec<Value> = r
        .model
        .components
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "kind": c.kind.as_str(),
                "technology": c.technology,
                "location": c.location,
                "names": c.names,
                "owners": c.owners,
                "kind_reason": kind_reason(&c.kind_reason),
                "variants": c.variants,
                "tables": r.model.tables.iter().filter(|t| t.owners.contains(&c.id)).map(|t| json!({
                    "name": t.name,
                    "database": t.database,
                    "locations": t.created.iter().filter(|(who, _)| *who == c.id).map(|(_, l)| l).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
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
    let edges: Vec<Value> = used.into_iter().map(edge).collect();
    let configured_edges: Vec<Value> = configured.into_iter().map(edge).collect();
    let findings: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            json!({
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "message": f.message,
                "location": f.location,
                "related": f.related,
                "related_count": f.related_count,
                "components": f.components,
                "fingerprint": f.fingerprint,
                "suppressed": f.suppressed.is_some(),
                "suppression": f.suppressed,
                "crosses_teams": f.crosses_teams,
                "detail": f.detail,
                "variants": f.variants,
            })
        })
        .collect();
    json!({
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "monolens", "version": env!("CARGO_PKG_VERSION")},
        "root": r.model.root,
        "variants": r.model.variants,
        "components": components,
        "edges": edges,
        "configured_edges": configured_edges,
        "findings": findings,
        "clusters": r.verdict.clusters,
        "weak_links": r.verdict.weak_links,
        "verdict": {"risk": r.verdict.risk, "reason": r.verdict.reason, "coupled_services": r.verdict.coupled_services, "total_services": r.verdict.total_services, "suppressed_findings": r.verdict.suppressed_findings, "text": r.verdict.line},
        "services": r.verdict.services,
        "stale_baseline": r.stale,
        "diagnostics": r.model.diagnostics,
        "summary": {
            "services": s.services,
            "datastores": s.datastores,
            "brokers": s.brokers,
            "edges": edges.len(),
            "configured_edges": configured_edges.len(),
            "findings": {"error": s.errors, "warning": s.warnings, "note": s.notes, "suppressed": s.suppressed},
            "diagnostics": r.model.diagnostics.len(),
        },
    })
}

/// Why a component has its kind: `{rule, detail, location}`, the detail redacted.
pub(crate) fn kind_reason(k: &KindReason) -> Value {
    json!({
        "rule": k.rule,
        "detail": crate::redact::redact(&k.detail),
        "location": k.location,
    })
}

/// One edge with its evidence (shared with `inspect`).
pub(crate) fn edge(e: &Edge) -> Value {
    json!({
        "from": e.from,
        "to": e.to,
        "kind": e.kind.as_str(),
        "protocol": e.protocol,
        "database": e.database,
        "topic": e.topic,
        "variants": e.scope.names(),
        "confidence": e.confidence.as_str(),
        "evidence": e.evidence.iter().map(|ev| json!({
            "file": ev.location.file, "line": ev.location.line,
            "column": ev.location.column, "text": ev.text,
        })).collect::<Vec<_>>(),
        "evidence_count": e.evidence_count,
    })
}

pub fn render(r: &Report) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(r)).unwrap_or_default();
    text.push('\n');
    text
}
