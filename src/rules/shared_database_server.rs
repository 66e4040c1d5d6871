//! shared-database-server: ≥2 app services use different databases on one server instance.

use super::Context;
use crate::finding::Finding;
use crate::model::Access;
use std::collections::{BTreeMap, BTreeSet};

pub fn check(ctx: &Context) -> Vec<Finding> {
    let mut by_server: BTreeMap<&str, Vec<&Access>> = BTreeMap::new();
    for a in &ctx.model.accesses {
        by_server.entry(a.datastore.as_str()).or_default().push(a);
    }
    let mut out = Vec::new();
    for (server, mut accesses) in by_server {
        accesses.sort_by(|x, y| (&x.service, &x.database).cmp(&(&y.service, &y.database)));
        let databases: BTreeSet<Option<String>> =
            accesses.iter().map(|a| a.database_key()).collect();
        let services: BTreeSet<&str> = accesses.iter().map(|a| a.service.as_str()).collect();
        if databases.len() < 2 || services.len() < 2 {
            continue;
        }
        let uses: Vec<String> = accesses
            .iter()
            .map(|a| {
                format!(
                    "{} ({})",
                    a.service,
                    a.database.as_deref().unwrap_or("database not named")
                )
            })
            .collect();
        let message = format!(
            "{} services use {} separate databases on one server `{}` ({}): {}",
            services.len(),
            databases.len(),
            server,
            accesses[0].technology,
            crate::finding::names(&uses)
        );
        let mut f = Finding::new(
            "shared-database-server",
            ctx.severity("shared-database-server"),
            message,
            accesses[0].evidence[0].location.clone(),
            services.iter().map(|s| s.to_string()).collect(),
            server,
        );
        for a in &accesses {
            let db = a.database.as_deref().unwrap_or("?");
            f = f.related(
                a.evidence[0].location.clone(),
                format!("{} uses database {db} here", a.service),
            );
        }
        out.push(f);
    }
    out
}
