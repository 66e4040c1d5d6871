//! shared-database: ≥2 app services use the same logical database on the same server.

use super::{Context, database_label};
use crate::finding::Finding;
use crate::model::Access;
use std::collections::{BTreeMap, BTreeSet};

pub fn check(ctx: &Context) -> Vec<Finding> {
    let mut groups: BTreeMap<(&str, String), Vec<&Access>> = BTreeMap::new();
    for a in &ctx.model.accesses {
        if let Some(key) = a.database_key() {
            groups
                .entry((a.datastore.as_str(), key))
                .or_default()
                .push(a);
        }
    }
    let mut out = Vec::new();
    for ((server, key), mut accesses) in groups {
        accesses.sort_by(|x, y| x.service.cmp(&y.service));
        let services: Vec<String> = accesses.iter().map(|a| a.service.clone()).collect();
        if services.len() < 2 {
            continue;
        }
        let tech = &accesses[0].technology;
        let db = accesses[0].database.as_deref().unwrap_or_default();
        let schemas = schemas_of(ctx, server, &key, &accesses);
        let split = services.iter().all(|s| {
            schemas
                .get(s.as_str())
                .is_some_and(|set| !set.is_empty() && set.iter().all(Option::is_some))
        }) && {
            let all: Vec<&Option<&str>> = schemas.values().flatten().collect();
            let unique: BTreeSet<&Option<&str>> = all.iter().copied().collect();
            all.len() == unique.len()
        };
        let mut message = format!(
            "{} services share {}: {}",
            services.len(),
            database_label(Some(db), server, tech),
            crate::finding::names(&services)
        );
        let mut severity = ctx.severity("shared-database");
        if split {
            let layout: Vec<String> = schemas
                .iter()
                .map(|(s, set)| {
                    format!(
                        "{s} → {}",
                        set.iter().flatten().copied().collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            message.push_str(&format!(
                " (separate schemas by convention: {}; still one database)",
                layout.join("; ")
            ));
            severity =
                crate::parse_severity(&ctx.option("shared-database", "separate-schemas-severity"))
                    .unwrap_or(severity);
        }
        // Two processes of one bounded context (`ordering-api`, `ordering-backgroundtasks`)
        // sharing its database is one service deployed twice, not two services coupled.
        let contexts: BTreeSet<String> = services
            .iter()
            .map(|s| crate::classify::bounded_context(s))
            .collect();
        if !split && contexts.len() == 1 {
            message.push_str(" (processes of one bounded context)");
        }
        let primary = &accesses[0].evidence[0];
        let mut f = Finding::new(
            "shared-database",
            severity,
            message,
            primary.location.clone(),
            services.clone(),
            &format!("{server}/{key}"),
        );
        if split {
            f = f.case("separate-schemas");
        } else if contexts.len() == 1 {
            f = f.case("same-context");
        }
        for a in &accesses {
            f.edges.push((
                a.service.clone(),
                a.datastore.clone(),
                crate::model::EdgeKind::Data,
            ));
            for e in &a.evidence {
                f = f.related(
                    e.location.clone(),
                    format!("{} uses it here: {}", a.service, e.text),
                );
            }
        }
        out.push(f);
    }
    out
}

/// The schemas each service works in inside one database: the schema its connection string or
/// settings name, and the schemas its SQL creates tables in (an unqualified table sits in the
/// named schema). Separate schemas by convention are a lesser smell: still one database.
fn schemas_of<'a>(
    ctx: &Context<'a>,
    server: &str,
    key: &str,
    accesses: &[&'a Access],
) -> BTreeMap<&'a str, BTreeSet<Option<&'a str>>> {
    let tech = &accesses[0].technology;
    let named: BTreeMap<&str, &str> = accesses
        .iter()
        .filter_map(|a| Some((a.service.as_str(), a.schema.as_deref()?)))
        .collect();
    let mut schemas: BTreeMap<&str, BTreeSet<Option<&str>>> = BTreeMap::new();
    for (service, schema) in &named {
        schemas.entry(service).or_default().insert(Some(schema));
    }
    for t in ctx.model.tables.iter().filter(|t| {
        t.datastore.as_deref() == Some(server)
            && t.database
                .as_deref()
                .is_some_and(|d| crate::model::database_key(tech, d) == key)
    }) {
        for o in &t.owners {
            let schema = t
                .schema
                .as_deref()
                .or_else(|| named.get(o.as_str()).copied());
            schemas.entry(o.as_str()).or_default().insert(schema);
        }
    }
    schemas
}
