//! shared-table: a table owned by one service (its migrations create it) that another service's
//! SQL reads or writes, or that two services both create.

use super::Context;
use crate::finding::Finding;
use std::collections::{BTreeMap, BTreeSet};

pub fn check(ctx: &Context) -> Vec<Finding> {
    let m = ctx.model;
    let tables: BTreeMap<&str, &crate::model::TableInfo> =
        m.tables.iter().map(|t| (t.key.as_str(), t)).collect();
    let mut out = Vec::new();
    // Created by two services.
    let mut created_seen: BTreeSet<(&str, Option<&str>)> = BTreeSet::new();
    for t in m.tables.iter().filter(|t| t.owners.len() >= 2) {
        if !created_seen.insert((t.name.as_str(), t.database.as_deref())) {
            continue;
        }
        let firsts: Vec<_> = t
            .owners
            .iter()
            .filter_map(|o| t.created.iter().find(|(c, _)| c == o))
            .collect();
        let (Some((first, first_at)), Some((_, second_at))) = (firsts.first(), firsts.get(1))
        else {
            continue;
        };
        let mut f = Finding::new(
            "shared-table",
            ctx.severity("shared-table"),
            format!(
                "table `{}` is created by {} services: {}",
                t.name,
                t.owners.len(),
                t.owners.join(", ")
            ),
            second_at.clone(),
            t.owners.clone(),
            &format!("created {}", t.key),
        );
        f = f.related(first_at.clone(), format!("{first} creates it here"));
        for (c, at) in firsts.iter().skip(2) {
            f = f.related(at.clone(), format!("{c} creates it here"));
        }
        out.push(f);
    }
    // Used by a service that does not own it: one finding per (table, user).
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    for u in &m.table_uses {
        let Some(t) = tables.get(u.table.as_str()) else {
            continue;
        };
        if t.owners.is_empty()
            || t.owners.contains(&u.service)
            || !seen.insert((u.table.as_str(), u.service.as_str()))
        {
            continue;
        }
        let statements: Vec<&str> = m
            .table_uses
            .iter()
            .filter(|x| x.table == u.table && x.service == u.service)
            .map(|x| x.statement)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut components = t.owners.clone();
        components.push(u.service.clone());
        let mut f = Finding::new(
            "shared-table",
            ctx.severity("shared-table"),
            format!(
                "{} uses table `{}` ({}), which {} owns",
                u.service,
                t.name,
                statements.join(", "),
                t.owners.join(" and ")
            ),
            u.location.clone(),
            components,
            &format!("used {} by {}", t.key, u.service),
        );
        for (creator, at) in &t.created {
            f = f.related(at.clone(), format!("{creator} creates `{}` here", t.name));
        }
        for x in m
            .table_uses
            .iter()
            .filter(|x| x.table == u.table && x.service == u.service)
            .skip(1)
        {
            f = f.related(
                x.location.clone(),
                format!("{} uses it here ({})", x.service, x.statement),
            );
        }
        out.push(f);
    }
    out
}
