//! cyclic-sync-calls: every strongly connected component of ≥2 services in the sync graph.

use super::Context;
use crate::finding::{Finding, names, path};

/// How many elementary cycles a finding lists, and how far it counts them.
const LISTED: usize = 10;
const COUNTED: usize = 100_000;
/// Search steps for the count: bounded work whatever the graph's shape (about 10 ms).
const STEPS: usize = 2_000_000;

pub fn check(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for scc in ctx.graph.sync_cycles() {
        let cycle = ctx.graph.shortest_cycle(&scc);
        if cycle.len() < 3 {
            continue;
        }
        let hops: Vec<_> = cycle
            .windows(2)
            .filter_map(|w| ctx.graph.edge(ctx.model, &w[0], &w[1]).map(|e| (w, e)))
            .collect();
        let Some((_, first)) = hops.first() else {
            continue;
        };
        let mut message = format!("synchronous call cycle: {}", path(&cycle));
        if scc.len() + 1 > cycle.len() {
            message.push_str(&format!(
                " (the cycle's strongly connected group has {} services: {})",
                scc.len(),
                names(&scc)
            ));
        }
        let mut f = Finding::new(
            "cyclic-sync-calls",
            ctx.severity("cyclic-sync-calls"),
            message,
            first.evidence[0].location.clone(),
            scc.clone(),
            &scc.join(","),
        );
        for (pair, edge) in &hops {
            // One location per hop, the first by file order: a cycle's related list stays as
            // long as the cycle, however many lines mention each callee.
            if let Some(e) = edge.evidence.first() {
                f = f.related(
                    e.location.clone(),
                    format!("{} calls {} here", pair[0], pair[1]),
                );
            }
            f.edges.push((
                pair[0].clone(),
                pair[1].clone(),
                crate::model::EdgeKind::Sync,
            ));
        }
        if scc.len() > 2 {
            let (cycles, count, complete) =
                ctx.graph.elementary_cycles(&scc, LISTED, COUNTED, STEPS);
            let more = if complete { "" } else { "+" };
            let mut detail = format!("{count}{more} elementary cycles:\n");
            for c in &cycles {
                detail.push_str(&format!("  {}\n", path(c)));
            }
            if count > cycles.len() {
                detail.push_str(&format!("  … and {}{more} more\n", count - cycles.len()));
            }
            f.detail = Some(detail);
        }
        out.push(f);
    }
    out
}
