//! shared-database: ≥2 app services use the same logical database on the same server.

use super::{Context, database_label};
use crate::finding::Finding;
use crate::model::Access;
use std::collections::BTreeMap;

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
        let message = format!(
            "{} services share {}: {}",
            services.len(),
            database_label(Some(db), server, tech),
            services.join(", ")
        );
        let primary = &accesses[0].evidence[0];
        let mut f = Finding::new(
            "shared-database",
            ctx.severity("shared-database"),
            message,
            primary.location.clone(),
            services.clone(),
            &format!("{server}/{key}"),
        );
        for a in &accesses {
            f.edges.push((
                a.service.clone(),
                a.datastore.clone(),
                crate::model::EdgeKind::Data,
            ));
            for e in &a.evidence {
                f = f.related(
                    e.location.clone(),
                    format!("{} connects here: {}", a.service, e.text),
                );
            }
        }
        out.push(f);
    }
    out
}
