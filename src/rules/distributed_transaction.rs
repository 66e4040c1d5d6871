//! distributed-transaction: a service that commits in two phases. One finding per service, at
//! its first sign (an XA transaction manager or data source, a distributed .NET transaction;
//! `resolve::transactions`) with its other signs related. When the databases it enlists
//! include ones other services use, the finding names those services (`cross-service`).

use super::{Context, database_label};
use crate::finding::Finding;
use crate::model::{Access, EdgeKind, Model, TxUse};
use std::collections::{BTreeMap, BTreeSet};

const RULE: &str = "distributed-transaction";

/// Technologies an XA transaction enlists as resources, so a database of one: relational ones.
const XA_TECHNOLOGIES: &[&str] = &[
    "postgres",
    "mysql",
    "mariadb",
    "mssql",
    "oracle",
    "db2",
    "cockroachdb",
];

pub fn check(ctx: &Context) -> Vec<Finding> {
    let mut by_service: BTreeMap<&str, Vec<&TxUse>> = BTreeMap::new();
    for t in &ctx.model.transactions {
        by_service.entry(t.service.as_str()).or_default().push(t);
    }
    by_service
        .into_iter()
        .map(|(svc, signs)| finding(ctx, svc, &signs))
        .collect()
}

fn finding(ctx: &Context, svc: &str, signs: &[&TxUse]) -> Finding {
    let first = signs[0];
    let enlisted = enlisted(ctx.model, svc);
    let others: BTreeSet<&str> = enlisted
        .iter()
        .flat_map(|(_, o)| o.iter().copied())
        .collect();
    let mut f = if others.is_empty() {
        Finding::new(
            RULE,
            ctx.severity(RULE),
            format!("two-phase commit in {svc}: {}", first.what),
            first.evidence.location.clone(),
            vec![svc.to_string()],
            &format!("xa-manager:{svc}"),
        )
        .case("xa-manager")
    } else {
        cross_service(ctx, svc, first, &enlisted, &others)
    };
    // One related sign per kind and file: ten `spring.jta.*` keys are one configuration.
    let mut shown: BTreeSet<(&str, &str)> = BTreeSet::new();
    shown.insert((&*first.evidence.location.file, first.what));
    for t in &signs[1..] {
        if shown.insert((&*t.evidence.location.file, t.what)) {
            f = f.related(
                t.evidence.location.clone(),
                format!("also {}: {}", t.what, t.evidence.text),
            );
        }
    }
    f
}

/// The finding of a transaction manager that enlists other services' databases.
fn cross_service(
    ctx: &Context,
    svc: &str,
    first: &TxUse,
    enlisted: &[(&Access, Vec<&str>)],
    others: &BTreeSet<&str>,
) -> Finding {
    let labels: Vec<String> = enlisted.iter().map(|(a, _)| label(a)).collect();
    let who: Vec<&str> = others.iter().copied().collect();
    let mut components: Vec<String> = who.iter().map(|s| s.to_string()).collect();
    components.push(svc.to_string());
    let mut f = Finding::new(
        RULE,
        ctx.severity(RULE),
        format!(
            "two-phase commit across services: a distributed transaction in {svc} ({}) enlists {} \
             databases that {} use too: {}",
            first.what,
            enlisted.len(),
            crate::finding::names(&who),
            labels.join("; ")
        ),
        first.evidence.location.clone(),
        components,
        &format!("cross-service:{svc}"),
    )
    .case("cross-service");
    for (a, users) in enlisted {
        f.edges
            .push((svc.to_string(), a.datastore.clone(), EdgeKind::Data));
        let note = if users.is_empty() {
            format!("{svc} opens {} here", label(a))
        } else {
            format!(
                "{svc} opens {} here, which {} uses",
                label(a),
                crate::finding::names(users)
            )
        };
        for e in &a.evidence {
            f = f.related(e.location.clone(), format!("{note}: {}", e.text));
        }
    }
    f
}

fn label(a: &Access) -> String {
    database_label(a.database.as_deref(), &a.datastore, &a.technology)
}

/// The databases one service's XA transactions can enlist, each with the other app services
/// that use it; empty unless there are at least two (one resource commits in one phase).
fn enlisted<'a>(m: &'a Model, svc: &str) -> Vec<(&'a Access, Vec<&'a str>)> {
    let xa = |a: &&Access| XA_TECHNOLOGIES.contains(&a.technology.as_str());
    let own: Vec<&Access> = m
        .accesses
        .iter()
        .filter(|a| a.service == svc && a.database.is_some())
        .filter(xa)
        .collect();
    if own.len() < 2 {
        return Vec::new();
    }
    own.into_iter()
        .map(|a| {
            let users = m
                .accesses
                .iter()
                .filter(|o| o.service != svc && o.datastore == a.datastore)
                .filter(|o| o.database_key() == a.database_key())
                .filter(|o| m.component(&o.service).is_some_and(|c| c.kind.is_app()))
                .map(|o| o.service.as_str());
            let mut users: Vec<&str> = users.collect();
            users.sort_unstable();
            users.dedup();
            (a, users)
        })
        .collect()
}
