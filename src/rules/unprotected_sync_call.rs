//! unprotected-sync-call: a synchronous call with no timeout, retry or circuit-breaker
//! configuration anywhere the scan can see (caller settings, Istio policies for the callee).

use super::Context;
use crate::finding::Finding;
use crate::model::{ComponentKind, Confidence, EdgeKind};

pub fn check(ctx: &Context) -> Vec<Finding> {
    let m = ctx.model;
    m.edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Sync && !m.protected_calls.contains(&(e.from.clone(), e.to.clone())))
        // A call only configured for the service, never made by its code, needs no breaker.
        .filter(|e| e.confidence == Confidence::Used)
        // A gateway's routes are its own concern; the rule is about service-to-service calls.
        .filter(|e| m.component(&e.from).is_some_and(|c| c.kind == ComponentKind::Service))
        .filter_map(|e| {
            let first = e.evidence.first()?;
            let mut f = Finding::new(
                "unprotected-sync-call",
                ctx.severity("unprotected-sync-call"),
                format!(
                    "{} calls {} synchronously ({}) with no timeout, retry or circuit breaker configured where monolens can see",
                    e.from,
                    e.to,
                    e.protocol.as_deref().unwrap_or("sync")
                ),
                first.location.clone(),
                vec![e.from.clone(), e.to.clone()],
                &format!("{}>{}", e.from, e.to),
            );
            for ev in &e.evidence[1..] {
                f = f.related(ev.location.clone(), format!("{} calls {} here", e.from, e.to));
            }
            Some(f)
        })
        .collect()
}
