//! unprotected-sync-call: one note per calling service, listing the services it calls
//! synchronously with no timeout, retry or circuit breaker anywhere the scan can see (its code,
//! its settings, mesh policies for the callee; `resolve::resilience`). One note over every
//! deployment variant: a callee only some variants call is named with them.

use super::Context;
use crate::finding::Finding;
use crate::model::{ComponentKind, Confidence, Edge, EdgeKind, Scope};
use std::collections::{BTreeMap, BTreeSet};

pub fn check(ctx: &Context) -> Vec<Finding> {
    let m = ctx.model;
    let mut by_caller: BTreeMap<&str, Vec<&Edge>> = BTreeMap::new();
    for e in m
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Sync)
        .filter(|e| {
            !m.protected_calls
                .contains_key(&(e.from.clone(), e.to.clone()))
        })
        // A call only configured for the service, never made by its code, needs no breaker.
        .filter(|e| e.confidence == Confidence::Used)
        // A gateway's routes are its own concern; the rule is about service-to-service calls.
        .filter(|e| {
            m.component(&e.from)
                .is_some_and(|c| c.kind == ComponentKind::Service)
        })
        .filter(|e| !e.evidence.is_empty())
    {
        by_caller.entry(e.from.as_str()).or_default().push(e);
    }
    by_caller
        .into_iter()
        .filter_map(|(caller, edges)| note(ctx, caller, &edges))
        .collect()
}

fn note(ctx: &Context, caller: &str, edges: &[&Edge]) -> Option<Finding> {
    let first = edges.first()?.evidence.first()?;
    let all = ctx.model.variants.len();
    // The variants the note holds in: those of its calls, or every one.
    let mut union: BTreeSet<&String> = BTreeSet::new();
    let everywhere = edges.iter().any(|e| match &e.scope {
        Scope::All => true,
        Scope::Only(vs) => {
            union.extend(vs);
            vs.len() >= all
        }
    });
    // A callee named with its variants when fewer call it than the note holds in.
    let held = if everywhere { all } else { union.len() };
    let callees: Vec<String> = edges
        .iter()
        .map(|e| {
            let protocol = e.protocol.as_deref().unwrap_or("sync");
            match &e.scope {
                Scope::Only(vs) if vs.len() < held => {
                    let vs = in_model_order(ctx, |v| vs.contains(v));
                    format!("{} ({protocol}, in {})", e.to, vs.join(", "))
                }
                _ => format!("{} ({protocol})", e.to),
            }
        })
        .collect();
    let mut components = vec![caller.to_string()];
    components.extend(edges.iter().map(|e| e.to.clone()));
    let mut message = format!(
        "{caller} calls {} synchronously with no timeout, retry or circuit breaker configured where monolens can see",
        crate::finding::names(&callees)
    );
    if !everywhere && all > 1 {
        let vs = in_model_order(ctx, |v| union.contains(v));
        let word = if vs.len() == 1 { "variant" } else { "variants" };
        message.push_str(&format!(" (in {word}: {})", vs.join(", ")));
    }
    let mut f = Finding::new(
        "unprotected-sync-call",
        ctx.severity("unprotected-sync-call"),
        message,
        first.location.clone(),
        components,
        caller,
    );
    for e in edges {
        // One location per callee, the first by file order: the note stays as long as its
        // callee list, however many lines mention each callee (`inspect` lists them all).
        if let Some(ev) = e.evidence.first() {
            f = f.related(ev.location.clone(), format!("{caller} calls {} here", e.to));
        }
        f.edges.push((e.from.clone(), e.to.clone(), e.kind));
    }
    if !everywhere && all > 1 {
        let vs = in_model_order(ctx, |v| union.contains(v));
        f.variants = vs.into_iter().map(str::to_string).collect();
    }
    Some(f)
}

/// The variants that `keep` keeps, in the model's order (as every rule names them).
fn in_model_order<'a>(ctx: &'a Context, keep: impl Fn(&String) -> bool) -> Vec<&'a str> {
    let vs = ctx.model.variants.iter().filter(|v| keep(v));
    vs.map(String::as_str).collect()
}
