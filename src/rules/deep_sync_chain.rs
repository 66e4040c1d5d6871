//! deep-sync-chain: a synchronous call chain longer than `max-depth` hops, from an entry
//! service, with the availability it leaves if every hop is 99.9% available.

use super::Context;
use crate::finding::Finding;

pub fn check(ctx: &Context) -> Vec<Finding> {
    let max_depth: usize = ctx
        .option("deep-sync-chain", "max-depth")
        .parse()
        .unwrap_or(3);
    let mut out = Vec::new();
    for chain in ctx.graph.longest_chains(ctx.model) {
        let hops = chain.len() - 1;
        if hops <= max_depth {
            continue;
        }
        let availability = 100.0 * 0.999_f64.powi(hops as i32);
        // One concrete service per step (the first member of a cyclic group) to find evidence.
        let names: Vec<&str> = chain
            .iter()
            .map(|s| s.split('|').next().unwrap_or(s))
            .collect();
        let edges: Vec<_> = names
            .windows(2)
            .filter_map(|w| {
                // Within a cyclic group, any member may make the call: take the first that does.
                let from_group: Vec<&str> = chain
                    .iter()
                    .find(|c| c.split('|').any(|m| m == w[0]))
                    .map_or(vec![w[0]], |c| c.split('|').collect());
                let to_group: Vec<&str> = chain
                    .iter()
                    .find(|c| c.split('|').any(|m| m == w[1]))
                    .map_or(vec![w[1]], |c| c.split('|').collect());
                from_group
                    .iter()
                    .flat_map(|a| to_group.iter().map(move |b| (*a, *b)))
                    .find_map(|(a, b)| ctx.graph.edge(ctx.model, a, b).map(|e| (a, b, e)))
            })
            .collect();
        let Some((_, _, first)) = edges.first() else {
            continue;
        };
        let services: Vec<String> = chain
            .iter()
            .flat_map(|c| c.split('|').map(str::to_string))
            .collect();
        let mut f = Finding::new(
            "deep-sync-chain",
            ctx.severity("deep-sync-chain"),
            format!(
                "synchronous chain of {hops} hops (more than {max_depth}): {}; {hops} hops: {availability:.1}% availability if each hop is 99.9%",
                crate::finding::path(&chain)
            ),
            first.evidence[0].location.clone(),
            services,
            &chain.join(">"),
        );
        for (a, b, e) in &edges {
            for ev in &e.evidence {
                f = f.related(ev.location.clone(), format!("{a} calls {b} here"));
            }
            f.edges
                .push((a.to_string(), b.to_string(), crate::model::EdgeKind::Sync));
        }
        out.push(f);
    }
    out
}
