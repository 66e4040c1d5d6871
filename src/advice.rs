//! Advice per coupled cluster: what to change, derived from the links that tie it (which
//! service owns which tables, the cycle edge to turn into an event, the `depends_on` to replace),
//! one line per link. The verdict calls it; renderers only print the lines.

use crate::finding::Finding;
use crate::model::{EdgeKind, Model};
use std::collections::BTreeSet;

/// How to advise on one kind of link: by rule and case (`None` matches any case).
type Advise = fn(&Model, &Finding) -> Option<String>;

const ADVICE: &[(&str, Option<&str>, Advise)] = &[
    ("shared-database", None, shared_database),
    ("shared-table", None, shared_table),
    ("cross-service-foreign-key", None, foreign_key),
    ("cyclic-sync-calls", None, cycle),
    ("deep-sync-chain", None, chain),
    ("lockstep-deploy", Some("startup"), startup),
    ("lockstep-deploy", Some("pod"), pod),
    ("lockstep-deploy", Some("shared-image"), shared_image),
    ("co-change-coupling", None, co_change),
    ("distributed-transaction", None, transaction),
];

/// At most this many lines per cluster: the strongest links first, as the findings list them.
const MAX_LINES: usize = 8;

pub fn for_cluster(model: &Model, links: &[&Finding]) -> Vec<String> {
    let mut ordered: Vec<&&Finding> = links.iter().collect();
    ordered.sort_by_key(|f| std::cmp::Reverse(f.strength));
    let mut out: Vec<String> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for f in ordered {
        let advise = ADVICE
            .iter()
            .find(|(rule, case, _)| *rule == f.rule && (case.is_none() || *case == f.case));
        let Some(line) = advise.and_then(|(_, _, advise)| advise(model, f)) else {
            continue;
        };
        if seen.insert(line.clone()) {
            out.push(line);
        }
    }
    let extra = out.len().saturating_sub(MAX_LINES);
    out.truncate(MAX_LINES);
    if extra > 0 {
        out.push(format!("… and {extra} more"));
    }
    out
}

/// The datastore a data finding is about: the target of its data edges.
fn datastore(f: &Finding) -> Option<&str> {
    f.edges
        .iter()
        .find(|(_, _, k)| *k == EdgeKind::Data)
        .map(|(_, to, _)| to.as_str())
}

/// Which service owns which tables on the shared server, and which uses cross: the split the
/// data already suggests. Without table facts, the owner is a decision to make.
fn shared_database(model: &Model, f: &Finding) -> Option<String> {
    let server = datastore(f)?;
    let services: BTreeSet<&str> = f.components.iter().map(String::as_str).collect();
    let mut owned: Vec<String> = Vec::new();
    for s in &services {
        let tables: Vec<&str> = model
            .tables
            .iter()
            .filter(|t| t.datastore.as_deref() == Some(server))
            .filter(|t| t.owners.iter().any(|o| o == s))
            .map(|t| t.name.as_str())
            .collect();
        if !tables.is_empty() {
            owned.push(format!("{s} owns {}", list(&tables, 4)));
        }
    }
    let crossing: Vec<String> = model
        .table_uses
        .iter()
        .filter(|u| services.contains(u.service.as_str()))
        .filter_map(|u| {
            let t = model.tables.iter().find(|t| {
                t.key == u.table
                    && t.datastore.as_deref() == Some(server)
                    && !t.owners.is_empty()
                    && !t.owners.contains(&u.service)
            })?;
            Some(format!("{} uses {} ({})", u.service, t.name, u.location))
        })
        .collect();
    let names = f.components.join(", ");
    Some(if owned.is_empty() {
        format!(
            "Database on `{server}`: decide which of {names} owns it; the others read through its API or its events."
        )
    } else if crossing.is_empty() {
        format!(
            "Database on `{server}`: {}; give each owner its own database.",
            owned.join("; ")
        )
    } else {
        format!(
            "Database on `{server}`: {}; move these uses behind the owner's API or events: {}.",
            owned.join("; "),
            list(&crossing, 3)
        )
    })
}

fn shared_table(_: &Model, f: &Finding) -> Option<String> {
    Some(format!(
        "Keep the table at {} to its owner; the other services read it through the owner's API or a copy fed by its events.",
        f.location
    ))
}

fn foreign_key(_: &Model, f: &Finding) -> Option<String> {
    Some(format!(
        "Drop the foreign key at {}; keep the id and check it through the owning service.",
        f.location
    ))
}

/// The cycle edge with the fewest call sites: the cheapest to turn into an event.
fn cycle(model: &Model, f: &Finding) -> Option<String> {
    // One pass over the model's edges: a cycle can hold thousands of them.
    let wanted: std::collections::HashSet<(&str, &str)> = f
        .edges
        .iter()
        .filter(|(_, _, k)| *k == EdgeKind::Sync)
        .map(|(a, b, _)| (a.as_str(), b.as_str()))
        .collect();
    let (from, to, evidence) = model
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Sync && wanted.contains(&(e.from.as_str(), e.to.as_str())))
        .map(|e| (&e.from, &e.to, e))
        .min_by(|x, y| (x.2.evidence_count, x.0, x.1).cmp(&(y.2.evidence_count, y.0, y.1)))?;
    let at = evidence
        .evidence
        .first()
        .map_or(String::new(), |e| format!(", at {}", e.location));
    let n = evidence.evidence_count;
    Some(format!(
        "Break the cycle by turning {from} → {to} into an event ({n} call site{}{at}).",
        if n == 1 { "" } else { "s" }
    ))
}

fn chain(_: &Model, f: &Finding) -> Option<String> {
    Some(format!(
        "Shorten the chain starting at {}: answer from local data kept fresh by events, or call asynchronously.",
        f.location
    ))
}

fn startup(_: &Model, f: &Finding) -> Option<String> {
    let (from, to, _) = f.edges.first()?;
    Some(format!(
        "Replace the wait of {from} on {to} ({}) with a retry on connect or a readiness probe.",
        f.location
    ))
}

fn pod(_: &Model, f: &Finding) -> Option<String> {
    Some(format!(
        "Split the pod at {} so that it runs one app service plus its sidecars.",
        f.location
    ))
}

fn shared_image(_: &Model, f: &Finding) -> Option<String> {
    Some(format!(
        "Split the build: {} services run one image ({}); give each its own image and pipeline.",
        f.components.len(),
        f.location
    ))
}

fn co_change(_: &Model, f: &Finding) -> Option<String> {
    Some(format!(
        "{} change together: move the code that always changes together into one of them, or redraw the boundary.",
        f.components.join(" and ")
    ))
}

fn transaction(_: &Model, f: &Finding) -> Option<String> {
    Some(format!(
        "Replace the distributed transaction at {} with a saga: local transactions plus compensating steps, driven by events.",
        f.location
    ))
}

fn list(items: &[impl AsRef<str>], max: usize) -> String {
    let shown: Vec<&str> = items.iter().take(max).map(AsRef::as_ref).collect();
    let rest = items.len().saturating_sub(max);
    if rest > 0 {
        format!("{} and {rest} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}
