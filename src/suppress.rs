//! Suppression, after the rules: inline `monolens:ignore` comments, the k8s annotation
//! `monolens.dev/ignore`, `allow:` entries in the config, and a baseline file. Suppressed
//! findings stay in JSON and SARIF, marked, and never fail the build. Allow entries and baseline
//! entries that match nothing are reported.

use crate::config::Config;
use crate::finding::Finding;
pub use crate::finding::Suppression;
use crate::model::{Diagnostic, Model};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A baseline file: accepted findings by semantic fingerprint.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub schema_version: u32,
    pub findings: Vec<BaselineEntry>,
    /// Made by `--new-since REV` from the scan of REV, not read from a file.
    #[serde(skip)]
    pub since: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    pub components: Vec<String>,
    pub message: String,
}

impl Baseline {
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.to_string(),
                components: f.components.clone(),
                message: f.message.clone(),
            })
            .collect();
        entries.sort_by(|a, b| (&a.rule, &a.fingerprint).cmp(&(&b.rule, &b.fingerprint)));
        entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Baseline {
            schema_version: 1,
            findings: entries,
            since: None,
        }
    }

    pub fn load(path: &std::path::Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("invalid baseline {} line {}: {e}", path.display(), e.line()))
    }
}

/// What suppression found besides the findings it marked.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Baseline entries that match no finding any more.
    pub stale: Vec<BaselineEntry>,
}

/// Mark suppressed findings; report unused allow entries as diagnostics (notes).
pub fn apply(
    model: &mut Model,
    config: &Config,
    config_file: Option<&str>,
    baseline: Option<&Baseline>,
    findings: &mut [Finding],
) -> Outcome {
    // Inline comments by (file, line).
    let mut comments: BTreeMap<(&str, u32), Vec<&crate::model::IgnoreComment>> = BTreeMap::new();
    for c in &model.ignores {
        comments
            .entry((&*c.location.file, c.location.line))
            .or_default()
            .push(c);
    }
    let annotated: BTreeMap<&str, &Vec<String>> = model
        .components
        .iter()
        .filter(|c| !c.ignores.is_empty())
        .map(|c| (c.id.as_str(), &c.ignores))
        .collect();
    let mut allow_used = vec![false; config.allow.len()];
    let baseline_prints: BTreeSet<&str> = baseline
        .map(|b| b.findings.iter().map(|e| e.fingerprint.as_str()).collect())
        .unwrap_or_default();
    let mut baseline_used: BTreeSet<&str> = BTreeSet::new();
    for f in findings.iter_mut() {
        let locations = std::iter::once(&f.location).chain(f.related.iter().map(|r| &r.location));
        let mut inline = None;
        'outer: for l in locations {
            for line in [l.line, l.line.saturating_sub(1)] {
                if let Some(list) = comments.get(&(&*l.file, line))
                    && let Some(c) = list
                        .iter()
                        .find(|c| c.rules.iter().any(|r| r == f.rule || r == "all"))
                {
                    inline = Some(Suppression::InSource {
                        file: c.location.file.to_string(),
                        line: c.location.line,
                        reason: c.reason.clone(),
                    });
                    break 'outer;
                }
            }
        }
        let annotation = || {
            f.components.iter().find_map(|c| {
                annotated
                    .get(c.as_str())
                    .filter(|rules| rules.iter().any(|r| r == f.rule || r == "all"))
                    .map(|_| Suppression::Annotation {
                        component: c.clone(),
                    })
            })
        };
        let wanted: BTreeSet<&str> = f.components.iter().map(String::as_str).collect();
        let allow = config.allow.iter().enumerate().find(|(_, a)| {
            a.value.rule == f.rule
                && a.value
                    .components
                    .iter()
                    .map(String::as_str)
                    .collect::<BTreeSet<_>>()
                    == wanted
        });
        let by_allow = allow.map(|(i, a)| {
            allow_used[i] = true;
            Suppression::Allow {
                reason: a.value.reason.clone(),
            }
        });
        let by_baseline = baseline_prints.get(f.fingerprint.as_str()).map(|p| {
            baseline_used.insert(p);
            match baseline.and_then(|b| b.since.clone()) {
                Some(rev) => Suppression::Existing { rev },
                None => Suppression::Baseline,
            }
        });
        f.suppressed = inline.or_else(annotation).or(by_allow).or(by_baseline);
    }
    for (i, a) in config.allow.iter().enumerate() {
        if !allow_used[i] {
            model.diagnostics.push(Diagnostic::note(
                config_file.unwrap_or("monolens.yaml"),
                a.referenced.line() as u32,
                format!(
                    "allow entry for `{}` ({}) matches no finding; remove it",
                    a.value.rule,
                    a.value.components.join(", ")
                ),
            ));
        }
    }
    let stale = baseline
        .map(|b| {
            b.findings
                .iter()
                .filter(|e| !baseline_used.contains(e.fingerprint.as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    Outcome { stale }
}
