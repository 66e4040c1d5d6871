//! Findings: what a rule reports, with exact locations and a fingerprint that survives line
//! shifts and file renames.

use crate::model::{Location, Severity};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

/// How strongly a finding ties its services together (defined per rule and case in the
/// catalog): runtime coupling is strong, startup and change coupling medium, a shared release
/// tag or server weak. The verdict builds clusters from strong and medium links only.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    Weak,
    Medium,
    Strong,
}

impl Strength {
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Weak => "weak",
            Strength::Medium => "medium",
            Strength::Strong => "strong",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// Which of the rule's cases this is (`startup`, `release-tag`…), when it has several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<&'static str>,
    /// From the catalog, by rule and case (set once the rules have run).
    pub strength: Strength,
    pub message: String,
    pub location: Location,
    /// The first `MAX_RELATED` related locations, in order.
    pub related: Vec<Related>,
    /// How many distinct related locations there were, `related` included.
    pub related_count: usize,
    /// App services involved, sorted.
    pub components: Vec<String>,
    /// What makes this finding itself, beyond its services (the database, the cycle…).
    #[serde(skip)]
    pub key: String,
    pub fingerprint: String,
    /// Why the finding is suppressed, if it is (it still appears in JSON and SARIF).
    pub suppressed: Option<Suppression>,
    /// The services involved have different owners.
    pub crosses_teams: bool,
    /// Longer explanation (e.g. the list of cycles of a large SCC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Model edges (from, to, kind) this finding is about, so pictures can colour them.
    #[serde(skip)]
    pub edges: Vec<(String, String, crate::model::EdgeKind)>,
    /// The deployment variants it was found in, when the repository has several.
    pub variants: Vec<String>,
}

impl Finding {
    pub fn new(
        rule: &'static str,
        severity: Severity,
        message: String,
        location: Location,
        mut components: Vec<String>,
        key: &str,
    ) -> Self {
        components.sort();
        components.dedup();
        let fingerprint = fingerprint(rule, &components, key);
        Finding {
            rule,
            severity,
            case: None,
            strength: crate::catalog::strength(rule, None),
            message,
            location,
            related: Vec::new(),
            related_count: 0,
            components,
            key: key.to_string(),
            fingerprint,
            suppressed: None,
            crosses_teams: false,
            detail: None,
            edges: Vec::new(),
            variants: Vec::new(),
        }
    }

    /// Mark the case of its rule this finding is; its strength follows from the catalog.
    pub fn case(mut self, case: &'static str) -> Self {
        self.case = Some(case);
        self.strength = crate::catalog::strength(self.rule, Some(case));
        self
    }

    /// Add a related location; repeats (and the finding's own location) are dropped once
    /// the rules have run (`dedup_related`), so adding stays O(1) on findings with thousands.
    pub fn related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Related {
            location,
            message: message.into(),
        });
        self
    }

    /// Keep the first related entry per location, in order, without the finding's own; count
    /// them, and keep the first `MAX_RELATED`.
    pub fn dedup_related(&mut self) {
        let mut seen: std::collections::HashSet<Location> = std::collections::HashSet::new();
        seen.insert(self.location.clone());
        self.related.retain(|r| seen.insert(r.location.clone()));
        self.related_count = self.related.len();
        self.related.truncate(MAX_RELATED);
    }
}

/// A finding keeps this many related locations; renderers say how many more there were.
pub const MAX_RELATED: usize = 10;

/// A message names this many members of a group, then "… and N more"; the full list is the
/// finding's `components`.
pub const MAX_NAMED: usize = 8;

/// `1 service`, `2 services`: the count and the word, singular for one.
pub fn plural(count: usize, word: &str) -> String {
    let s = if count == 1 { "" } else { "s" };
    format!("{count} {word}{s}")
}

/// `a, b, c` — or, for a longer list, its first `MAX_NAMED` and "… and N more".
pub fn names<S: AsRef<str>>(list: &[S]) -> String {
    let shown = if list.len() <= MAX_NAMED + 1 {
        list.len()
    } else {
        MAX_NAMED
    };
    let mut text = list[..shown]
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ");
    if shown < list.len() {
        text.push_str(&format!(", … and {} more", list.len() - shown));
    }
    text
}

/// A path `a → b → c`; a longer one keeps its first `MAX_NAMED` steps and its end.
pub fn path<S: AsRef<str>>(steps: &[S]) -> String {
    let all: Vec<&str> = steps.iter().map(AsRef::as_ref).collect();
    if all.len() <= MAX_NAMED + 2 {
        return all.join(" → ");
    }
    let hidden = all.len() - MAX_NAMED - 1;
    format!(
        "{} → … {hidden} more … → {}",
        all[..MAX_NAMED].join(" → "),
        all[all.len() - 1]
    )
}

/// FNV-1a over rule, sorted components and key: stable across runs, platforms and line moves.
pub fn fingerprint(rule: &str, components: &[String], key: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    };
    feed(rule.as_bytes());
    for c in components {
        feed(c.as_bytes());
    }
    feed(key.as_bytes());
    format!("{hash:016x}")
}

/// Why a finding is suppressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Suppression {
    /// A `monolens:ignore` comment at a location of the finding.
    InSource {
        file: String,
        line: u32,
        reason: String,
    },
    /// `monolens.dev/ignore` on a workload of the finding.
    Annotation { component: String },
    /// An `allow:` entry of the config.
    Allow { reason: String },
    /// A baseline entry.
    Baseline,
    /// `--new-since REV`: the same scan of REV found it too, so this change did not add it.
    Existing { rev: String },
}

impl Suppression {
    pub fn justification(&self) -> String {
        match self {
            Suppression::InSource { reason, .. } | Suppression::Allow { reason }
                if !reason.is_empty() =>
            {
                reason.clone()
            }
            Suppression::InSource { file, line, .. } => format!("monolens:ignore at {file}:{line}"),
            Suppression::Allow { .. } => "accepted in monolens.yaml".into(),
            Suppression::Annotation { component } => format!("monolens.dev/ignore on {component}"),
            Suppression::Baseline => "in the baseline".into(),
            Suppression::Existing { rev } => format!("already found at {rev}"),
        }
    }

    /// SARIF suppression kind.
    pub fn sarif_kind(&self) -> &'static str {
        match self {
            Suppression::InSource { .. } | Suppression::Annotation { .. } => "inSource",
            Suppression::Allow { .. } | Suppression::Baseline | Suppression::Existing { .. } => {
                "external"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("s{i}")).collect()
    }

    #[test]
    fn short_lists_and_paths_are_whole() {
        assert_eq!(names(&list(3)), "s0, s1, s2");
        assert_eq!(names(&list(9)), list(9).join(", "));
        assert_eq!(path(&list(10)), list(10).join(" → "));
    }

    #[test]
    fn long_lists_and_paths_name_eight_then_count() {
        assert_eq!(
            names(&list(1000)),
            "s0, s1, s2, s3, s4, s5, s6, s7, … and 992 more"
        );
        assert_eq!(
            path(&list(1000)),
            "s0 → s1 → s2 → s3 → s4 → s5 → s6 → s7 → … 991 more … → s999"
        );
    }

    #[test]
    fn related_locations_are_counted_then_bounded() {
        let mut f = Finding::new(
            "cyclic-sync-calls",
            Severity::Error,
            "m".into(),
            Location::new("a.yml", 1, 1),
            vec![],
            "k",
        );
        for line in 0..30 {
            f = f.related(Location::new("a.yml", line, 1), "here");
        }
        f.dedup_related();
        // Line 0 and 1 are both line 1 (the finding's own location), dropped.
        assert_eq!(f.related_count, 28);
        assert_eq!(f.related.len(), MAX_RELATED);
    }
}
