//! SARIF 2.1.0 for GitHub code scanning: repository-relative URIs, rule descriptors with help
//! from the catalog, levels, regions, related locations and semantic partial fingerprints.

use super::Report;
use crate::catalog;
use crate::finding::Finding;
use crate::model::{Location, Severity};
use serde::Serialize;
use serde_json::{Value, json};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
        })
        .collect()
}

/// Percent-encode what may not appear raw in a relative URI reference.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn physical(prefix: &str, l: &Location) -> Value {
    json!({
        "artifactLocation": {"uri": uri(&format!("{prefix}{}", l.file)), "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": l.line, "startColumn": l.column},
    })
}

fn sentence(s: &str) -> String {
    let t = s.trim();
    if t.ends_with('.') {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

fn rules() -> Vec<Value> {
    catalog::all()
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "name": pascal(&d.id),
                "shortDescription": {"text": sentence(&d.title)},
                "fullDescription": {"text": sentence(&d.summary)},
                "help": {"text": format!("{}\n\nHow to fix: {}", d.what.trim(), d.fix.trim()), "markdown": d.markdown()},
                "defaultConfiguration": {"level": level(d.severity)},
                "properties": {
                    "tags": ["architecture", "coupling"],
                    "precision": "high",
                    "problem.severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning", Severity::Note => "recommendation" },
                },
            })
        })
        .collect()
}

fn result(prefix: &str, f: &Finding) -> Value {
    let rule_index = catalog::all()
        .iter()
        .position(|d| d.id == f.rule)
        .unwrap_or(0);
    let related: Vec<Value> = f
        .related
        .iter()
        .enumerate()
        .map(|(i, rel)| json!({"id": i + 1, "physicalLocation": physical(prefix, &rel.location), "message": {"text": sentence(&rel.message)}}))
        .collect();
    let mut result = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": match &f.detail {
            Some(d) => format!("{}\n{}", sentence(&f.message), d.trim_end()),
            None => sentence(&f.message),
        }},
        "locations": [{"physicalLocation": physical(prefix, &f.location)}],
        "partialFingerprints": {"monolensFingerprint/v1": f.fingerprint},
        "properties": {"strength": f.strength.as_str()},
    });
    if !related.is_empty() {
        result["relatedLocations"] = Value::Array(related);
    }
    if let Some(sup) = &f.suppressed {
        result["suppressions"] =
            json!([{"kind": sup.sarif_kind(), "justification": sup.justification()}]);
    }
    result
}

/// The SARIF log, serialised as it is written: one result's value exists at a time.
#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Value,
    column_kind: &'static str,
    results: Results<'a>,
}

struct Results<'a> {
    prefix: &'a str,
    findings: &'a [Finding],
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.findings.iter().map(|f| result(self.prefix, f)))
    }
}

fn log<'a>(r: &Report<'a>) -> Log<'a> {
    Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: json!({"driver": {
                "name": "monolens",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules(),
            }}),
            column_kind: "unicodeCodePoints",
            results: Results {
                prefix: &r.model.repo_prefix,
                findings: r.findings,
            },
        }],
    }
}

pub fn to_value(r: &Report) -> Value {
    serde_json::to_value(log(r)).unwrap_or(Value::Null)
}

/// The log, written as it is serialised.
pub fn write(r: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(r))?;
    out.write_all(b"\n")
}

pub fn render(r: &Report) -> String {
    let mut out = Vec::new();
    // Writing to memory fails only on a serialisation bug; the text so far is kept.
    let _ = write(r, &mut out);
    String::from_utf8(out).unwrap_or_default()
}
