//! SARIF 2.1.0 for GitHub code scanning: repository-relative URIs, rule descriptors with help
//! from the catalog, levels, regions, related locations and semantic partial fingerprints,
//! within GitHub's per-run limits.

use super::Report;
use crate::catalog;
use crate::finding::Finding;
use crate::model::{Location, Severity};
use serde::Serialize;
use serde_json::{Value, json};

/// GitHub code scanning keeps the first 5,000 results of a run, by severity (and rejects a
/// run of more than 25,000); one location per result and at most `finding::MAX_RELATED`
/// related locations stay far below its 1,000 locations per result.
pub const MAX_RESULTS: usize = 5_000;

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

/// How paths are written: under `%SRCROOT%` with the scan root's prefix, or, for several
/// repositories resolved as one (`merge`, `scan A B C`), under one base id per repository.
#[derive(Clone, Copy)]
struct Paths<'a> {
    prefix: &'a str,
    repositories: &'a [String],
}

fn physical(paths: Paths, l: &Location) -> Value {
    let file: &str = &l.file;
    let (base, rest) = paths
        .repositories
        .iter()
        .find_map(|r| {
            file.strip_prefix(r.as_str())
                .and_then(|rest| rest.strip_prefix('/'))
                .map(|rest| (r.as_str(), rest.to_string()))
        })
        .unwrap_or(("%SRCROOT%", format!("{}{file}", paths.prefix)));
    json!({
        "artifactLocation": {"uri": uri(&rest), "uriBaseId": base},
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

/// Where the rules' documentation is published: `docs/rules.md` in the repository that
/// Cargo.toml's `repository` names; none while it names none.
fn help_uri(id: &str) -> Option<String> {
    let repo = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
    (!repo.is_empty()).then(|| format!("{repo}/blob/main/docs/rules.md#{id}"))
}

fn rules() -> Vec<Value> {
    catalog::all()
        .iter()
        .map(|d| {
            let mut properties = json!({
                "tags": d.kind.tags(),
                "precision": d.precision.as_str(),
                "problem.severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning", Severity::Note => "recommendation" },
            });
            if let Some(score) = d.security_severity {
                // GitHub reads it as a string (0.1–10: 7.0–8.9 is "high").
                properties["security-severity"] = json!(format!("{score:.1}"));
            }
            let mut rule = json!({
                "id": d.id,
                "name": pascal(&d.id),
                "shortDescription": {"text": sentence(&d.title)},
                "fullDescription": {"text": sentence(&d.summary)},
                "help": {"text": format!("{}\n\nHow to fix: {}", d.what.trim(), d.fix.trim()), "markdown": d.markdown()},
                "defaultConfiguration": {"level": level(d.severity)},
                "properties": properties,
            });
            if let Some(uri) = help_uri(&d.id) {
                rule["helpUri"] = json!(uri);
            }
            rule
        })
        .collect()
}

fn result(paths: Paths, f: &Finding) -> Value {
    let rule_index = catalog::all()
        .iter()
        .position(|d| d.id == f.rule)
        .unwrap_or(0);
    let related: Vec<Value> = f
        .related
        .iter()
        .enumerate()
        .map(|(i, rel)| json!({"id": i + 1, "physicalLocation": physical(paths, &rel.location), "message": {"text": sentence(&rel.message)}}))
        .collect();
    let mut result = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": match &f.detail {
            Some(d) => format!("{}\n{}", sentence(&f.message), d.trim_end()),
            None => sentence(&f.message),
        }},
        "locations": [{"physicalLocation": physical(paths, &f.location)}],
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
    #[serde(skip_serializing_if = "Option::is_none")]
    invocations: Option<Value>,
    column_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_uri_base_ids: Option<Value>,
    results: Results<'a>,
}

struct Results<'a> {
    paths: Paths<'a>,
    findings: Vec<&'a Finding>,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.findings.iter().map(|f| result(self.paths, f)))
    }
}

/// The findings a run carries: all of them, or the `MAX_RESULTS` most severe (in report
/// order), with the notification that says how many were left out.
fn within_limits(findings: &[Finding]) -> (Vec<&Finding>, Option<Value>) {
    if findings.len() <= MAX_RESULTS {
        return (findings.iter().collect(), None);
    }
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(findings[i].severity));
    order.truncate(MAX_RESULTS);
    order.sort_unstable();
    let left_out = findings.len() - MAX_RESULTS;
    let text = format!(
        "{left_out} of {} results left out: GitHub code scanning keeps at most {MAX_RESULTS} \
         per run, so the least severe were dropped; `--format json` has them all.",
        findings.len()
    );
    let invocations = json!([{
        "executionSuccessful": true,
        "toolExecutionNotifications": [{"level": "warning", "message": {"text": text}}],
    }]);
    (
        order.into_iter().map(|i| &findings[i]).collect(),
        Some(invocations),
    )
}

fn log<'a>(r: &Report<'a>) -> Log<'a> {
    let (findings, invocations) = within_limits(r.findings);
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
            invocations,
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: (!r.model.repositories.is_empty()).then(|| {
                let bases: serde_json::Map<String, Value> = r
                    .model
                    .repositories
                    .iter()
                    .map(|name| {
                        let text = format!("The root of the repository {name}.");
                        (name.clone(), json!({"description": {"text": text}}))
                    })
                    .collect();
                Value::Object(bases)
            }),
            results: Results {
                paths: Paths {
                    prefix: &r.model.repo_prefix,
                    repositories: &r.model.repositories,
                },
                findings,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(i: usize, severity: Severity) -> Finding {
        let at = Location::new("a.yml", 1, 1);
        Finding::new(
            "shared-database",
            severity,
            format!("f{i}"),
            at,
            vec![],
            &i.to_string(),
        )
    }

    #[test]
    fn a_run_keeps_githubs_result_limit_by_severity() {
        let findings: Vec<Finding> = (0..MAX_RESULTS + 20)
            .map(|i| {
                finding(
                    i,
                    if i % 500 == 7 {
                        Severity::Error
                    } else {
                        Severity::Note
                    },
                )
            })
            .chain((0..5).map(|i| finding(i, Severity::Warning)))
            .collect();
        let (kept, note) = within_limits(&findings);
        assert_eq!(kept.len(), MAX_RESULTS);
        let errors = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        assert_eq!(
            kept.iter()
                .filter(|f| f.severity == Severity::Error)
                .count(),
            errors
        );
        assert_eq!(
            kept.iter()
                .filter(|f| f.severity == Severity::Warning)
                .count(),
            5
        );
        assert!(
            kept.windows(2).all(|w| {
                let pos = |f: &Finding| findings.iter().position(|g| std::ptr::eq(g, f));
                pos(w[0]) < pos(w[1])
            }),
            "report order kept"
        );
        let text = note.expect("says so")[0]["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(text.starts_with("25 of 5025 results left out"), "{text}");
        assert!(within_limits(&findings[..10]).1.is_none());
    }
}
