//! The verdict: after the rules, which services are tied into coupled clusters (deployment
//! units in disguise), whether a finding crosses team boundaries, and a per-service summary.
//! It reads findings and the model; renderers only print it.

use crate::finding::{Finding, Strength};
use crate::model::{ComponentKind, Confidence, EdgeKind, Model};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Rules whose findings tie their services together (how strongly is each finding's
/// `strength`, from the catalog), with the kind of coupling each shows: two strong kinds in
/// one cluster (a shared database and a sync cycle) are independent signs of one system.
const COUPLING_KIND: &[(&str, &str)] = &[
    ("shared-database", "data"),
    ("shared-database-server", "data"),
    ("shared-table", "data"),
    ("cross-service-foreign-key", "data"),
    ("cyclic-sync-calls", "calls"),
    ("deep-sync-chain", "calls"),
    ("lockstep-deploy", "deploy"),
    ("co-change-coupling", "change"),
    ("distributed-transaction", "transactions"),
];

/// The kind of coupling a rule shows; `None` for rules that do not tie services.
fn coupling_kind(rule: &str) -> Option<&'static str> {
    COUPLING_KIND
        .iter()
        .find(|(r, _)| *r == rule)
        .map(|(_, kind)| *kind)
}

/// The verdict scale, read from the top: the first row that holds decides. `explain verdict`
/// and the README print it.
pub const SCALE: &[(Risk, &str)] = &[
    (
        Risk::High,
        "strong links (runtime coupling: a shared database or table, a cross-service foreign key, a sync cycle, app containers in one pod, one image run as several services, a distributed transaction) tie more than half of the app services, or tie one cluster by two kinds of coupling (data, calls, deploy, transactions)",
    ),
    (
        Risk::Medium,
        "strong links tie a smaller cluster, or medium links (startup order, co-change, a deep sync chain) tie more than a quarter of the app services or three or more in one cluster",
    ),
    (
        Risk::Unknown,
        "no strong or medium link, and too little was seen to judge: fewer sync and async edges between app services than half their number, and datastore access for at most half of them",
    ),
    (
        Risk::Low,
        "medium links tie a small cluster, or only weak links exist: a shared release tag or build version (a release train), a shared server with separate databases",
    ),
    (Risk::None, "nothing ties app services together"),
];

/// `docs/verdict.md` and `monolens explain verdict`: the scale, and every rule's strength by
/// case, from the catalog.
pub fn scale_markdown() -> String {
    let mut out = String::from(
        "# The verdict

<!-- Generated from src/verdict.rs and rules/*.yaml by the test suite \
         (MONOLENS_BLESS=1 cargo test --test docs); do not edit by hand. -->\n\n\
         Every finding carries a strength. Clusters of services (deployment units in disguise) \
         are built from strong and medium links only; weak links are listed beside them as \
         released together. Baselined and suppressed findings still count: the verdict \
         describes the architecture, not the CI gate, and says how many of its findings are \
         baselined or suppressed. The verdict never changes the exit code.\n\n\
         ## Scale\n\nRead from the top; the first row that holds decides.\n\n\
         | risk | when |\n| --- | --- |\n",
    );
    for (risk, when) in SCALE {
        out.push_str(&format!("| {} | {when} |\n", risk.as_str()));
    }
    out.push_str("\n## Strength by rule\n\n| rule | strength | by case |\n| --- | --- | --- |\n");
    for d in crate::catalog::all() {
        let cases: Vec<String> = d
            .case_strength
            .iter()
            .map(|(c, st)| format!("`{c}`: {}", st.as_str()))
            .collect();
        let ties = if coupling_kind(&d.id).is_some() {
            d.strength.as_str().to_string()
        } else {
            format!("{} (does not tie services)", d.strength.as_str())
        };
        out.push_str(&format!("| `{}` | {ties} | {} |\n", d.id, cases.join(", ")));
    }
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct Reason {
    pub rule: String,
    pub strength: Strength,
    pub message: String,
    pub fingerprint: String,
    /// Baselined or suppressed: it still describes the architecture.
    pub suppressed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub services: Vec<String>,
    /// The strongest link inside it.
    pub strength: Strength,
    pub reasons: Vec<Reason>,
    /// What to change, one line per link kind, derived from the links.
    pub advice: Vec<String>,
}

/// Services tied by weak links only (one release tag, one build version, one server): listed
/// beside the clusters as released together, never a cluster.
#[derive(Debug, Clone, Serialize)]
pub struct WeakLink {
    pub rule: String,
    pub services: Vec<String>,
    pub message: String,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Risk {
    None,
    Unknown,
    Low,
    Medium,
    High,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::None => "NONE",
            Risk::Unknown => "UNKNOWN",
            Risk::Low => "LOW",
            Risk::Medium => "MEDIUM",
            Risk::High => "HIGH",
        }
    }
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
    pub weak_links: Vec<WeakLink>,
    pub coupled_services: usize,
    pub total_services: usize,
    pub risk: Risk,
    /// Why the risk is what it is, in one sentence (the scale row that decided it).
    pub reason: String,
    /// Tying findings that are baselined or suppressed but still count.
    pub suppressed_findings: usize,
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

/// Union-find over app service ids.
struct Groups<'a> {
    parent: BTreeMap<&'a str, &'a str>,
}

impl<'a> Groups<'a> {
    fn new(apps: &BTreeSet<&'a str>) -> Self {
        Groups {
            parent: apps.iter().map(|a| (*a, *a)).collect(),
        }
    }

    fn find(&mut self, x: &'a str) -> &'a str {
        let mut r = x;
        while self.parent[r] != r {
            r = self.parent[r];
        }
        let mut c = x;
        while self.parent[c] != r {
            let next = self.parent[c];
            self.parent.insert(c, r);
            c = next;
        }
        r
    }

    fn join(&mut self, members: &[&'a str]) {
        for w in members.windows(2) {
            let (a, b) = (self.find(w[0]), self.find(w[1]));
            if a != b {
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                self.parent.insert(hi, lo);
            }
        }
    }

    /// Groups of two or more, each sorted.
    fn sets(mut self) -> Vec<BTreeSet<&'a str>> {
        let keys: Vec<&str> = self.parent.keys().copied().collect();
        let mut by_root: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for k in keys {
            let r = self.find(k);
            by_root.entry(r).or_default().insert(k);
        }
        by_root.into_values().filter(|g| g.len() >= 2).collect()
    }
}

/// App services (services and gateways) by id.
fn app_ids(model: &Model) -> BTreeSet<&str> {
    model
        .components
        .iter()
        .filter(|c| c.kind == ComponentKind::Service || c.kind == ComponentKind::Gateway)
        .map(|c| c.id.as_str())
        .collect()
}

fn members<'a>(f: &'a Finding, apps: &BTreeSet<&str>) -> Vec<&'a str> {
    f.components
        .iter()
        .map(String::as_str)
        .filter(|c| apps.contains(c))
        .collect()
}

/// Clusters tied by the given findings.
fn clusters_of<'a>(apps: &BTreeSet<&'a str>, links: &[&'a Finding]) -> Vec<BTreeSet<&'a str>> {
    let mut groups = Groups::new(apps);
    for f in links {
        groups.join(&members(f, apps));
    }
    groups.sets()
}

/// What the scan saw, for "too little to judge".
struct Seen {
    apps: usize,
    edges: usize,
    with_data: usize,
}

fn seen(model: &Model, apps: &BTreeSet<&str>) -> Seen {
    let edges = model
        .edges
        .iter()
        .filter(|e| matches!(e.kind, EdgeKind::Sync | EdgeKind::Async))
        .filter(|e| e.confidence == Confidence::Used)
        .filter(|e| apps.contains(e.from.as_str()))
        .count();
    let with_data: BTreeSet<&str> = model
        .accesses
        .iter()
        .map(|a| a.service.as_str())
        .filter(|s| apps.contains(s))
        .collect();
    Seen {
        apps: apps.len(),
        edges,
        with_data: with_data.len(),
    }
}

impl Seen {
    fn too_little(&self) -> bool {
        self.apps >= 2 && self.edges * 2 < self.apps && self.with_data * 2 <= self.apps
    }
}

pub fn verdict(model: &Model, findings: &[Finding]) -> Verdict {
    let apps = app_ids(model);
    // Baselined and suppressed findings count: the verdict describes the architecture.
    let tying: Vec<&Finding> = findings
        .iter()
        .filter(|f| coupling_kind(f.rule).is_some())
        .collect();
    let linked: Vec<&Finding> = tying
        .iter()
        .copied()
        .filter(|f| f.strength >= Strength::Medium)
        .collect();
    let strong: Vec<&Finding> = linked
        .iter()
        .copied()
        .filter(|f| f.strength == Strength::Strong)
        .collect();
    let mut clusters: Vec<Cluster> = clusters_of(&apps, &linked)
        .into_iter()
        .map(|g| cluster(model, &g, &linked))
        .collect();
    clusters.sort_by(|a, b| {
        (b.strength, b.services.len())
            .cmp(&(a.strength, a.services.len()))
            .then(a.services.cmp(&b.services))
    });
    let weak_links = weak_links(&tying, &apps);
    let total = apps.len();
    let coupled: usize = clusters.iter().map(|c| c.services.len()).sum();
    let strong_coupled: usize = clusters_of(&apps, &strong).iter().map(BTreeSet::len).sum();
    let two_kinds = clusters.iter().any(|c| strong_kinds(c) >= 2);
    let largest = clusters.first().map_or(0, |c| c.services.len());
    let seen = seen(model, &apps);
    let risk = if strong_coupled * 2 > total || two_kinds {
        Risk::High
    } else if strong_coupled > 0 || coupled * 4 > total || largest >= 3 {
        Risk::Medium
    } else if clusters.is_empty() && seen.too_little() {
        Risk::Unknown
    } else if !clusters.is_empty() || !weak_links.is_empty() {
        Risk::Low
    } else {
        Risk::None
    };
    let reason = SCALE
        .iter()
        .find(|(r, _)| *r == risk)
        .map_or("", |(_, why)| why)
        .to_string();
    let suppressed = tying.iter().filter(|f| f.suppressed.is_some()).count();
    let line = line(
        risk,
        coupled,
        total,
        &clusters,
        &weak_links,
        &seen,
        suppressed,
    );
    Verdict {
        clusters,
        weak_links,
        coupled_services: coupled,
        total_services: total,
        risk,
        reason,
        suppressed_findings: suppressed,
        line,
        services: service_rows(model, findings),
    }
}

fn cluster(model: &Model, group: &BTreeSet<&str>, linked: &[&Finding]) -> Cluster {
    let inside: Vec<&Finding> = linked
        .iter()
        .copied()
        .filter(|f| f.components.iter().any(|c| group.contains(c.as_str())))
        .collect();
    let mut reasons: Vec<Reason> = inside
        .iter()
        .map(|f| Reason {
            rule: f.rule.to_string(),
            strength: f.strength,
            message: f.message.clone(),
            fingerprint: f.fingerprint.clone(),
            suppressed: f.suppressed.is_some(),
        })
        .collect();
    reasons.sort_by_key(|r| std::cmp::Reverse(r.strength));
    Cluster {
        services: group.iter().map(|s| s.to_string()).collect(),
        strength: inside
            .iter()
            .map(|f| f.strength)
            .max()
            .unwrap_or(Strength::Medium),
        advice: crate::advice::for_cluster(model, &inside),
        reasons,
    }
}

fn strong_kinds(c: &Cluster) -> usize {
    let kinds: BTreeSet<&str> = c
        .reasons
        .iter()
        .filter(|r| r.strength == Strength::Strong)
        .filter_map(|r| coupling_kind(&r.rule))
        .collect();
    kinds.len()
}

fn weak_links(tying: &[&Finding], apps: &BTreeSet<&str>) -> Vec<WeakLink> {
    tying
        .iter()
        .filter(|f| f.strength == Strength::Weak)
        .filter(|f| members(f, apps).len() >= 2)
        .map(|f| WeakLink {
            rule: f.rule.to_string(),
            services: members(f, apps).iter().map(|s| s.to_string()).collect(),
            message: f.message.clone(),
            fingerprint: f.fingerprint.clone(),
        })
        .collect()
}

fn line(
    risk: Risk,
    coupled: usize,
    total: usize,
    clusters: &[Cluster],
    weak: &[WeakLink],
    seen: &Seen,
    suppressed: usize,
) -> String {
    let released: BTreeSet<&str> = weak
        .iter()
        .flat_map(|w| w.services.iter().map(String::as_str))
        .collect();
    let what = if risk == Risk::Unknown {
        format!(
            "too little evidence to judge ({}, {} between them, datastore access seen for {})",
            crate::finding::plural(seen.apps, "app service"),
            crate::finding::plural(seen.edges, "sync or async edge"),
            seen.with_data
        )
    } else if clusters.is_empty() && !released.is_empty() {
        format!(
            "0 of {} form a coupled cluster; {} share only a release train or a server (weak links)",
            crate::finding::plural(total, "service"),
            released.len()
        )
    } else if clusters.is_empty() {
        format!(
            "0 of {} form a coupled cluster",
            crate::finding::plural(total, "service")
        )
    } else {
        format!(
            "{coupled} of {} form {}",
            crate::finding::plural(total, "service"),
            crate::finding::plural(clusters.len(), "coupled cluster")
        )
    };
    let mut line = format!("{what}: distributed-monolith risk {}", risk.as_str());
    if suppressed > 0 {
        line.push_str(&format!(
            " ({suppressed} of the findings behind it {} baselined or suppressed)",
            if suppressed == 1 { "is" } else { "are" }
        ));
    }
    line
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
