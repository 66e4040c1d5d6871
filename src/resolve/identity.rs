//! Identity: one component per thing that runs, with every name it answers to. Compose
//! services and k8s workloads become components; canary Deployments behind one Service are
//! one component; a workload described under another name in another variant (same image,
//! same ports) is the same component; k8s Services add DNS names, ExternalName redirects and
//! declared external servers.

use super::builder::{Builder, Unit, normalise, reason};
use super::inputs::Inputs;
use super::kinds;
use super::variants;
use crate::classify;
use crate::model::*;
use std::collections::{BTreeMap, HashMap, HashSet};

pub(super) fn run(b: &mut Builder, inputs: &Inputs) {
    super::repositories::run(b, inputs);
    canaries(b, inputs);
    same_image_across_variants(b, inputs);
    let setup = kinds::setup_targets(inputs.workloads());
    for w in inputs.workloads() {
        let image = kinds::main_container(w, &b.opts).and_then(|c| c.image.as_ref());
        let class = kinds::classify(w, image, &b.opts, &setup);
        let image = image.map(|(i, _)| i.clone());
        // Its repository's own component when other repositories declare the name too.
        let name = b.scoped(&w.name.to_ascii_lowercase(), &w.declared.file);
        let name = name.as_deref().unwrap_or(&w.name);
        let id = b.add_component(name, class, w.declared.clone(), image);
        let variant = variants::of_workload(b, w);
        if let Some(c) = b.components.get_mut(&id) {
            // A kept-apart component still answers to its own name inside its repository.
            c.names.insert(w.name.to_ascii_lowercase());
            c.ignores.extend(ignored_rules(w));
            c.variants.extend(variant.clone());
        }
        for a in &w.aliases {
            b.add_name(a, &id);
        }
        b.units.push(Unit {
            id,
            workload: w.clone(),
            variant,
        });
    }
    k8s_services(b, inputs);
    examples_only(b);
    // A kept-apart decision names its qualified id, a merged one the shared name.
    for (name, why) in std::mem::take(&mut b.identities) {
        let id = if b.components.contains_key(&name) {
            name
        } else {
            b.id_of(&name)
        };
        if let Some(c) = b.components.get_mut(&id) {
            c.identity = Some(why);
        }
    }
    // Component names themselves come last so an alias never shadows a real name.
    let ids: Vec<String> = b.components.keys().cloned().collect();
    for id in &ids {
        b.names.insert(id.to_ascii_lowercase(), id.clone());
    }
}

/// A service declared only in example or test deployments, beside a deployment that is not
/// one, is not a service of the system (a vendored library's example, an e2e harness).
fn examples_only(b: &mut Builder) {
    if !b.variants.iter().any(|v| !variants::is_example(v)) {
        return;
    }
    let ids: Vec<(String, String, Location)> = b
        .components
        .values()
        .filter(|c| !c.variants.is_empty() && c.variants.iter().all(|v| variants::is_example(v)))
        .map(|c| {
            (
                c.id.clone(),
                c.variants.iter().next().cloned().unwrap_or_default(),
                c.location.clone(),
            )
        })
        .collect();
    for (id, variant, at) in ids {
        let why = reason(
            "example",
            format!("declared only in the example or test deployment `{variant}`"),
            &at,
        );
        b.reclassify(&id, ComponentKind::Tool, why);
    }
}

/// Rules switched off by the `monolens.dev/ignore` annotation.
fn ignored_rules(w: &Workload) -> Vec<String> {
    w.annotations
        .iter()
        .filter(|(k, _)| k == "monolens.dev/ignore")
        .flat_map(|(_, rules)| rules.split([',', ' ']))
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect()
}

fn namespace(w: &Workload) -> Option<&str> {
    match &w.origin {
        Origin::Kubernetes { namespace, .. } => namespace.as_deref(),
        _ => None,
    }
}

/// The k8s workloads a Service selects, in the Service's own variant when it has one there.
fn selected<'a>(
    b: &Builder,
    s: &K8sService,
    by_label: &HashMap<&(String, String), Vec<&'a Workload>>,
) -> Vec<&'a Workload> {
    let Some(first) = s.selector.first() else {
        return Vec::new();
    };
    let ns = s.namespace.as_deref();
    let all: Vec<&Workload> = by_label
        .get(first)
        .into_iter()
        .flatten()
        .copied()
        .filter(|w| {
            (ns.is_none() || namespace(w).is_none() || ns == namespace(w))
                && s.selector.iter().all(|sel| w.labels.contains(sel))
        })
        .collect();
    // Its own repository's workloads first (several repositories), then its own variant's.
    let repo = b.repository_of(&s.declared.file);
    let home: Vec<&Workload> = all
        .iter()
        .copied()
        .filter(|w| repo.is_some() && b.repository_of(&w.declared.file) == repo)
        .collect();
    let all = if home.is_empty() { all } else { home };
    let own = b.variant(&s.declared.file);
    let mine: Vec<&Workload> = all
        .iter()
        .copied()
        .filter(|w| own.is_some() && b.variant(&w.declared.file) == own)
        .collect();
    if mine.is_empty() { all } else { mine }
}

fn label_index(inputs: &Inputs) -> HashMap<&(String, String), Vec<&Workload>> {
    let mut by_label: HashMap<&(String, String), Vec<&Workload>> = HashMap::new();
    for w in &inputs.k8s_workloads {
        for l in &w.labels {
            by_label.entry(l).or_default().push(w);
        }
    }
    by_label
}

/// Pod labels that name the application a workload runs.
const APP_LABELS: &[&str] = &["app", "app.kubernetes.io/name", "k8s-app"];

/// Canary Deployments: workloads with one `app` label, one image repository and names that
/// extend the label (`orders-v1`, `orders-v2` with `app: orders`) are one component named
/// after it, whichever version a Service currently selects.
fn canaries(b: &mut Builder, inputs: &Inputs) {
    let mut by_app: BTreeMap<&str, Vec<&Workload>> = BTreeMap::new();
    for w in &inputs.k8s_workloads {
        let app = w
            .labels
            .iter()
            .find(|(k, _)| APP_LABELS.contains(&k.as_str()));
        if let Some((_, v)) = app {
            by_app.entry(v.as_str()).or_default().push(w);
        }
    }
    for (app, ws) in by_app {
        let names: HashSet<&str> = ws.iter().map(|w| w.name.as_str()).collect();
        let repos: HashSet<Option<String>> = ws.iter().map(|w| image_repo(w, b)).collect();
        let prefix = format!("{app}-");
        let extends = |n: &&str| *n == app || n.starts_with(&prefix);
        if names.len() < 2
            || repos.len() != 1
            || repos.contains(&None)
            || !names.iter().all(extends)
        {
            continue;
        }
        for n in names {
            b.canonical.insert(normalise(n), app.to_string());
        }
    }
}

fn image_repo(w: &Workload, b: &Builder) -> Option<String> {
    kinds::main_container(w, &b.opts)
        .and_then(|c| c.image.as_ref())
        .map(|(i, _)| classify::image_repository(i))
}

/// One workload per variant running an image repository no other workload of its variant
/// runs, with the same ports: the same component under two names (compose `identity`, k8s
/// `keycloak`). Only across variants; within one variant two names are two components.
fn same_image_across_variants(b: &mut Builder, inputs: &Inputs) {
    if b.variants.len() < 2 {
        return;
    }
    // (variant, image repository) → workloads
    // Keyed by repository too (several repositories): two repositories' workloads are one
    // only as `repositories` decides, never for running one image; and within a repository
    // this finds what it finds when the repository is scanned alone.
    // (repository, image repository, variant) → workloads
    type Key<'a> = (Option<&'a str>, String, String);
    let mut by_repo: BTreeMap<Key, Vec<&Workload>> = BTreeMap::new();
    for w in inputs.workloads() {
        if let (Some(v), Some(image)) = (variants::of_workload(b, w), image_repo(w, b)) {
            let home = b.repository_of(&w.declared.file);
            by_repo.entry((home, image, v)).or_default().push(w);
        }
    }
    let mut first: HashMap<(Option<&str>, String, Vec<u16>), &Workload> = HashMap::new();
    for ((home, image, _), ws) in &by_repo {
        let [w] = ws.as_slice() else { continue };
        if w.ports.is_empty() {
            continue;
        }
        let key = (*home, image.clone(), w.ports.clone());
        match first.get(&key) {
            Some(f) if normalise(&f.name) != normalise(&w.name) => {
                let target = b.id_of_workload(f);
                b.canonical.insert(normalise(&w.name), target);
            }
            Some(_) => {}
            None => {
                first.insert(key, w);
            }
        }
    }
}

/// A Service name that several repositories declare for different workloads (`api-svc` in
/// two) names, like a workload name they share, its own repository's: it resolves only there.
fn scope_service_names(
    b: &mut Builder,
    inputs: &Inputs,
    by_label: &HashMap<&(String, String), Vec<&Workload>>,
) {
    if b.opts.repositories.len() < 2 {
        return;
    }
    // lowercase Service name → (repository, the component it selects there)
    let mut homes: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for s in inputs
        .k8s_services
        .iter()
        .filter(|s| !s.selector.is_empty())
    {
        let (Some(repo), Some(w)) = (
            b.repository_of(&s.declared.file),
            selected(b, s, by_label).first().copied(),
        ) else {
            continue;
        };
        let target = b.id_of_workload(w);
        let at = homes.entry(s.name.to_ascii_lowercase()).or_default();
        at.insert(repo.to_string(), target);
    }
    for (name, at) in homes {
        let targets: HashSet<&String> = at.values().collect();
        if at.len() < 2 || targets.len() < 2 {
            continue;
        }
        for (repo, target) in &at {
            b.qualified
                .insert((repo.clone(), normalise(&name)), target.clone());
        }
        b.ambiguous.insert(name);
    }
}

/// k8s Services: names for the workloads they select, ExternalName redirects, and
/// selectorless Services (external servers declared in-cluster).
fn k8s_services(b: &mut Builder, inputs: &Inputs) {
    let by_label = label_index(inputs);
    scope_service_names(b, inputs, &by_label);
    for s in &inputs.k8s_services {
        if let Some(target) = &s.external_name {
            b.external_names
                .insert(s.name.to_ascii_lowercase(), target.clone());
            b.declared_external
                .insert(target.to_ascii_lowercase(), s.declared.clone());
            continue;
        }
        if s.selector.is_empty() {
            // Its name becomes an external datastore once a connection string uses it.
            let at = inputs
                .endpoints
                .get(&s.name)
                .cloned()
                .unwrap_or_else(|| s.declared.clone());
            b.declared_external.insert(s.name.to_ascii_lowercase(), at);
            continue;
        }
        let targets: Vec<String> = selected(b, s, &by_label)
            .iter()
            .map(|w| b.id_of_workload(w))
            .collect();
        for t in targets {
            b.add_name(&s.name, &t);
            let grpc = s
                .ports
                .iter()
                .filter(|(name, _)| name.as_deref().is_some_and(|n| n.starts_with("grpc")))
                .map(|(_, p)| *p);
            b.grpc_ports.entry(t).or_default().extend(grpc);
        }
    }
}
