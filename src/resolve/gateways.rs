//! Gateways: a k8s Ingress is a gateway component with sync edges to its backends.

use super::builder::{Builder, Classified, push_evidence, reason};
use super::inputs::Inputs;
use crate::model::*;

pub(super) fn run(b: &mut Builder, inputs: &Inputs) {
    for ing in &inputs.ingresses {
        ingress(b, ing);
    }
}

/// A k8s Ingress is a gateway component with sync edges to its backends.
fn ingress(b: &mut Builder, ing: &Ingress) {
    let targets: Vec<(String, &Location, &String)> = ing
        .backends
        .iter()
        .filter_map(|(svc, at)| b.lookup_host(svc, &at.file).map(|id| (id, at, svc)))
        .collect();
    if targets.is_empty() {
        return;
    }
    let taken = b.ambiguous.contains(&ing.name.to_ascii_lowercase());
    let id = if taken || b.components.contains_key(&ing.name) {
        format!("{}-ingress", ing.name)
    } else {
        ing.name.clone()
    };
    let why = reason(
        "ingress",
        "a k8s Ingress routing to backends",
        &ing.declared,
    );
    let class = Classified::new(ComponentKind::Gateway, Some("ingress"), why);
    let id = b.add_component(&id, class, ing.declared.clone(), None);
    for (to, at, svc) in targets {
        if to == id {
            continue;
        }
        let variant = b.variant(&ing.declared.file);
        let edge = b.edge(&id, &to, EdgeKind::Sync, Some("http".into()));
        edge.scope.widen(variant.as_ref());
        push_evidence(
            &mut edge.evidence,
            vec![Evidence::new(at.clone(), &format!("backend: {svc}"))],
        );
    }
}
