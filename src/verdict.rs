//! The verdict: after the rules, which services are tied into coupled clusters (deployment
//! units in disguise), whether a finding crosses team boundaries, and a per-service summary.
//! It reads findings and the model; renderers only print it.

use crate::finding::Finding;
use crate::model::{ComponentKind, Confidence, EdgeKind, Model};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Rules whose findings tie services into one deployment unit.
pub const TYING_RULES: &[&str] = &[
    "shared-database",
    "shared-table",
    "cross-service-foreign-key",
    "cyclic-sync-calls",
    "lockstep-deploy",
    "co-change-coupling",
];

#[derive(Debug, Clone, Serialize)]
pub struct Reason {
    pub rule: String,
    pub message: String,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub services: Vec<String>,
    pub reasons: Vec<Reason>,
    pub suggestion: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Risk {
    None,
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceRow {
    pub service: String,
    pub owners: Vec<String>,
    pub datastores: Vec<String>,
    pub tables_owned: usize,
    pub sync_out: usize,
    pub sync_in: usize,
    pub async_out: usize,
    pub async_in: usize,
    pub findings: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub clusters: Vec<Cluster>,
    pub coupled_services: usize,
    pub total_services: usize,
    pub risk: Risk,
    pub line: String,
    #[serde(skip)]
    pub services: Vec<ServiceRow>,
}

/// Mark findings whose services belong to different owners, and say so in the message.
pub fn annotate_teams(model: &Model, findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        let teams: BTreeSet<&str> = f
            .components
            .iter()
            .filter_map(|c| model.component(c))
            .flat_map(|c| c.owners.iter().map(String::as_str))
            .collect();
        let owned: Vec<_> = f
            .components
            .iter()
            .filter_map(|c| model.component(c))
            .filter(|c| !c.owners.is_empty())
            .collect();
        // Different owners on at least two services that are each owned.
        let distinct: BTreeSet<&Vec<String>> = owned.iter().map(|c| &c.owners).collect();
        if f.rule != "services-per-team" && owned.len() >= 2 && distinct.len() >= 2 {
            f.crosses_teams = true;
            f.message.push_str(&format!(
                "; crosses team boundary: {}",
                teams.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }
}

fn suggestion(rules: &BTreeSet<&str>) -> String {
    let data = rules.iter().any(|r| {
        matches!(
            *r,
            "shared-database" | "shared-table" | "cross-service-foreign-key"
        )
    });
    let sync = rules.contains("cyclic-sync-calls");
    let release = rules.contains("lockstep-deploy");
    let change = rules.contains("co-change-coupling");
    let mut parts = Vec::new();
    if data {
        parts.push("give each service its own data (split the shared database or tables)");
    }
    if sync {
        parts.push("replace one direction of the synchronous calls with events");
    }
    if release {
        parts.push("version, start and release each service on its own");
    }
    if change {
        parts.push("move code that always changes together into one service");
    }
    format!("Merge them into one service, or {}.", parts.join(", and "))
}

pub fn verdict(model: &Model, findings: &[Finding]) -> Verdict {
    let apps: BTreeSet<&str> = model
        .components
        .iter()
        .filter(|c| c.kind == ComponentKind::Service || c.kind == ComponentKind::Gateway)
        .map(|c| c.id.as_str())
        .collect();
    // Union-find over services tied by one finding.
    let mut parent: BTreeMap<&str, &str> = apps.iter().map(|a| (*a, *a)).collect();
    fn find<'a>(p: &mut BTreeMap<&'a str, &'a str>, x: &'a str) -> &'a str {
        let mut r = x;
        while p[r] != r {
            r = p[r];
        }
        let mut c = x;
        while p[c] != r {
            let next = p[c];
            p.insert(c, r);
            c = next;
        }
        r
    }
    let tying: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.suppressed.is_none() && TYING_RULES.contains(&f.rule))
        .collect();
    for f in &tying {
        let members: Vec<&str> = f
            .components
            .iter()
            .map(String::as_str)
            .filter(|c| apps.contains(c))
            .collect();
        for w in members.windows(2) {
            let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
            if a != b {
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                parent.insert(hi, lo);
            }
        }
    }
    let mut groups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for a in &apps {
        let r = find(&mut parent, a);
        groups.entry(r).or_default().insert(a);
    }
    let mut clusters: Vec<Cluster> = groups
        .into_values()
        .filter(|g| g.len() >= 2)
        .map(|g| {
            let reasons: Vec<Reason> = tying
                .iter()
                .filter(|f| f.components.iter().any(|c| g.contains(c.as_str())))
                .map(|f| Reason {
                    rule: f.rule.to_string(),
                    message: f.message.clone(),
                    fingerprint: f.fingerprint.clone(),
                })
                .collect();
            let rules: BTreeSet<&str> = reasons.iter().map(|r| r.rule.as_str()).collect();
            Cluster {
                services: g.iter().map(|s| s.to_string()).collect(),
                suggestion: suggestion(&rules),
                reasons,
            }
        })
        .collect();
    clusters.sort_by(|a, b| {
        b.services
            .len()
            .cmp(&a.services.len())
            .then(a.services.cmp(&b.services))
    });
    let coupled: usize = clusters.iter().map(|c| c.services.len()).sum();
    let total = apps.len();
    let largest = clusters.first().map_or(0, |c| c.services.len());
    let share = if total == 0 {
        0.0
    } else {
        coupled as f64 / total as f64
    };
    let risk = if clusters.is_empty() {
        Risk::None
    } else if share > 0.5 || largest >= 5 {
        Risk::High
    } else if share > 0.25 || largest >= 3 {
        Risk::Medium
    } else {
        Risk::Low
    };
    let line = if clusters.is_empty() {
        format!("0 of {total} services form a coupled cluster: distributed-monolith risk NONE")
    } else {
        format!(
            "{coupled} of {total} services form {} coupled cluster{}: distributed-monolith risk {}",
            clusters.len(),
            if clusters.len() == 1 { "" } else { "s" },
            match risk {
                Risk::None => "NONE",
                Risk::Low => "LOW",
                Risk::Medium => "MEDIUM",
                Risk::High => "HIGH",
            }
        )
    };
    Verdict {
        clusters,
        coupled_services: coupled,
        total_services: total,
        risk,
        line,
        services: service_rows(model, findings),
    }
}

fn service_rows(model: &Model, findings: &[Finding]) -> Vec<ServiceRow> {
    // One pass over edges, accesses, tables and findings; then one row per service.
    #[derive(Default)]
    struct Acc<'a> {
        peers: [BTreeSet<&'a str>; 4],
        datastores: BTreeSet<&'a str>,
        tables: usize,
        findings: usize,
    }
    let mut acc: BTreeMap<&str, Acc> = BTreeMap::new();
    // A configured-only call is listed, not counted.
    for e in model
        .edges
        .iter()
        .filter(|e| e.confidence == Confidence::Used)
    {
        let slot = match e.kind {
            EdgeKind::Sync => 0,
            EdgeKind::Async => 2,
            _ => continue,
        };
        acc.entry(e.from.as_str()).or_default().peers[slot].insert(e.to.as_str());
        acc.entry(e.to.as_str()).or_default().peers[slot + 1].insert(e.from.as_str());
    }
    for a in &model.accesses {
        acc.entry(a.service.as_str())
            .or_default()
            .datastores
            .insert(a.datastore.as_str());
    }
    for t in &model.tables {
        for o in &t.owners {
            acc.entry(o.as_str()).or_default().tables += 1;
        }
    }
    for f in findings.iter().filter(|f| f.suppressed.is_none()) {
        for c in &f.components {
            acc.entry(c.as_str()).or_default().findings += 1;
        }
    }
    model
        .components
        .iter()
        .filter(|c| c.kind.is_app())
        .map(|c| {
            let a = acc.remove(c.id.as_str()).unwrap_or_default();
            ServiceRow {
                service: c.id.clone(),
                owners: c.owners.clone(),
                datastores: a.datastores.iter().map(|d| d.to_string()).collect(),
                tables_owned: a.tables,
                sync_out: a.peers[0].len(),
                sync_in: a.peers[1].len(),
                async_out: a.peers[2].len(),
                async_in: a.peers[3].len(),
                findings: a.findings,
            }
        })
        .collect()
}
