//! cross-service-foreign-key: a foreign key from one service's table to a table another service
//! owns, located at the REFERENCES clause.

use super::Context;
use crate::finding::Finding;
use std::collections::BTreeMap;

pub fn check(ctx: &Context) -> Vec<Finding> {
    let m = ctx.model;
    let tables: BTreeMap<&str, &crate::model::TableInfo> =
        m.tables.iter().map(|t| (t.key.as_str(), t)).collect();
    let mut out = Vec::new();
    for fk in &m.foreign_keys {
        let Some(to) = tables.get(fk.to.as_str()) else {
            continue;
        };
        if to.owners.is_empty() || to.owners.contains(&fk.service) {
            continue;
        }
        let from_name = tables.get(fk.from.as_str()).map_or_else(
            || fk.from.rsplit('/').next().unwrap_or(&fk.from).to_string(),
            |t| t.name.clone(),
        );
        let mut components = to.owners.clone();
        components.push(fk.service.clone());
        let mut f = Finding::new(
            "cross-service-foreign-key",
            ctx.severity("cross-service-foreign-key"),
            format!(
                "foreign key from {}'s table `{from_name}` to `{}`, which {} owns",
                fk.service,
                to.name,
                to.owners.join(" and ")
            ),
            fk.location.clone(),
            components,
            &format!("{}>{}", fk.from, fk.to),
        );
        for (creator, at) in &to.created {
            f = f.related(at.clone(), format!("{creator} creates `{}` here", to.name));
        }
        out.push(f);
    }
    out
}
