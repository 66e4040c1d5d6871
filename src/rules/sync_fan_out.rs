//! sync-fan-out: a service that calls more than `max-fan-out` services synchronously.

use super::Context;
use crate::finding::Finding;
use crate::model::ComponentKind;

pub fn check(ctx: &Context) -> Vec<Finding> {
    let max: usize = ctx
        .option("sync-fan-out", "max-fan-out")
        .parse()
        .unwrap_or(6);
    let mut out = Vec::new();
    for (svc, callees) in ctx.graph.fan_out() {
        // A gateway routes; it does not compose answers.
        if callees.len() <= max
            || ctx
                .model
                .component(&svc)
                .is_some_and(|c| c.kind == ComponentKind::Gateway)
        {
            continue;
        }
        let edges: Vec<_> = callees
            .iter()
            .filter_map(|c| ctx.graph.edge(ctx.model, &svc, c).map(|e| (c, e)))
            .collect();
        let Some((_, first)) = edges.first() else {
            continue;
        };
        let mut f = Finding::new(
            "sync-fan-out",
            ctx.severity("sync-fan-out"),
            format!(
                "{svc} calls {} services synchronously (more than {max}): {}",
                callees.len(),
                crate::finding::names(&callees)
            ),
            first.evidence[0].location.clone(),
            vec![svc.clone()],
            &svc,
        );
        for (c, e) in &edges {
            f = f.related(
                e.evidence[0].location.clone(),
                format!("{svc} calls {c} here"),
            );
        }
        out.push(f);
    }
    out
}
