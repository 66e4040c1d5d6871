//! services-per-team: a team that owns more than `max-services-per-team` services.

use super::Context;
use crate::finding::Finding;
use crate::model::ComponentKind;
use std::collections::BTreeMap;

pub fn check(ctx: &Context) -> Vec<Finding> {
    let max: usize = ctx
        .option("services-per-team", "max-services-per-team")
        .parse()
        .unwrap_or(5);
    let mut by_team: BTreeMap<&str, Vec<&crate::model::Component>> = BTreeMap::new();
    for c in ctx
        .model
        .components
        .iter()
        .filter(|c| c.kind == ComponentKind::Service)
    {
        for o in &c.owners {
            by_team.entry(o.as_str()).or_default().push(c);
        }
    }
    let mut out = Vec::new();
    for (team, services) in by_team {
        if services.len() <= max {
            continue;
        }
        let names: Vec<String> = services.iter().map(|c| c.id.clone()).collect();
        let mut f = Finding::new(
            "services-per-team",
            ctx.severity("services-per-team"),
            format!(
                "{team} owns {} services (more than {max}): {}",
                services.len(),
                crate::finding::names(&names)
            ),
            services[0].location.clone(),
            names,
            team,
        );
        for c in &services[1..] {
            f = f.related(c.location.clone(), format!("{} is declared here", c.id));
        }
        out.push(f);
    }
    out
}
