//! co-change-coupling: services whose directories change in the same commits (git history),
//! as pairs, or as one group when several services are all mutually coupled.

use super::Context;
use crate::finding::Finding;
use std::collections::{BTreeMap, BTreeSet};

pub fn check(ctx: &Context) -> Vec<Finding> {
    let pairs = &ctx.model.co_changes;
    let mut neighbours: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in pairs {
        let (a, b) = (p.services[0].as_str(), p.services[1].as_str());
        neighbours.entry(a).or_default().insert(b);
        neighbours.entry(b).or_default().insert(a);
    }
    // Connected groups of coupled services; a group where every pair is coupled (≥3) is one
    // finding, anything else is reported pair by pair.
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for start in neighbours.keys() {
        if !seen.insert(start) {
            continue;
        }
        let mut group = BTreeSet::from([*start]);
        let mut todo = vec![*start];
        while let Some(n) = todo.pop() {
            for m in &neighbours[n] {
                if group.insert(m) {
                    seen.insert(m);
                    todo.push(m);
                }
            }
        }
        let members: Vec<&str> = group.iter().copied().collect();
        let in_group: Vec<_> = pairs
            .iter()
            .filter(|p| group.contains(p.services[0].as_str()))
            .collect();
        let clique =
            members.len() >= 3 && in_group.len() == members.len() * (members.len() - 1) / 2;
        let units: Vec<Vec<&crate::history::CoChange>> = if clique {
            vec![in_group]
        } else {
            in_group.into_iter().map(|p| vec![p]).collect()
        };
        for unit in units {
            let services: BTreeSet<&str> = unit
                .iter()
                .flat_map(|p| p.services.iter().map(String::as_str))
                .collect();
            let figures: Vec<String> = unit
                .iter()
                .map(|p| {
                    format!(
                        "{} ({} revisions) and {} ({}) changed together in {} commits, degree {:.0}%",
                        p.services[0], p.revisions[0], p.services[1], p.revisions[1], p.shared, p.degree * 100.0
                    )
                })
                .collect();
            let names: Vec<&str> = services.iter().copied().collect();
            let message = if unit.len() == 1 {
                format!("co-change coupling: {}", figures[0])
            } else {
                format!(
                    "{} services always change together: {}",
                    names.len(),
                    figures.join("; ")
                )
            };
            let locations: Vec<_> = names
                .iter()
                .filter_map(|s| ctx.model.component(s))
                .map(|c| (c.id.clone(), c.location.clone()))
                .collect();
            let Some((_, first)) = locations.first() else {
                continue;
            };
            let mut f = Finding::new(
                "co-change-coupling",
                ctx.severity("co-change-coupling"),
                message,
                first.clone(),
                names.iter().map(|s| s.to_string()).collect(),
                &names.join("+"),
            );
            for (id, at) in &locations {
                f = f.related(at.clone(), format!("{id} is declared here"));
            }
            out.push(f);
        }
    }
    out
}
