//! The last pass: deploy units and app images, protected calls (`resilience`), plaintext
//! credentials, two-phase-commit signs (`transactions`), shared build versions (`versions`),
//! and the sorted `Model` the rules read.

use super::builder::{Builder, Unit};
use super::compose::is_base_compose;
use super::inputs::Inputs;
use super::sql::SqlModel;
use crate::classify;
use crate::discover;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn model(mut b: Builder, mut inputs: Inputs, sql: SqlModel, root: &str) -> Model {
    let (units, app_images) = deploy_units(&b);
    let protected_calls = super::resilience::protected_calls(&b, &inputs);
    let credentials = credentials(&b);
    let transactions = super::transactions::run(&b, &inputs);
    // A sidecar's tag (istio-proxy, otel collector…) is its vendor's release, not the apps'.
    let sidecars = &b.opts.sidecars;
    inputs
        .release_tags
        .retain(|t| !classify::is_sidecar(&t.image, sidecars));
    let shared_versions = super::versions::shared(&b, &inputs);
    let settings = std::mem::take(&mut b.settings);
    let variants = std::mem::take(&mut b.variants);
    let mut model = assemble(b, root);
    inputs.release_tags.sort();
    inputs.ignores.sort_by(|a, b| a.location.cmp(&b.location));
    model.units = units;
    model.release_tags = inputs.release_tags;
    model.app_images = app_images;
    model.shared_versions = shared_versions;
    model.tables = sql.tables;
    model.table_uses = sql.uses;
    model.foreign_keys = sql.foreign_keys;
    model.credentials = credentials;
    model.protected_calls = protected_calls;
    model.transactions = transactions;
    model.ignores = inputs.ignores;
    model.settings = settings;
    model.variants = variants;
    model
}

fn unit_containers(b: &Builder, u: &Unit) -> Vec<UnitContainer> {
    let w = &u.workload;
    w.containers
        .iter()
        .map(|c| {
            let image = c.image.as_ref().map(|(i, _)| i.clone());
            UnitContainer {
                name: c.name.clone(),
                sidecar: image
                    .as_deref()
                    .is_some_and(|i| classify::is_sidecar(i, &b.opts.sidecars)),
                infrastructure: image
                    .as_deref()
                    .is_some_and(|i| classify::image(i).is_some()),
                location: c
                    .image
                    .as_ref()
                    .map_or_else(|| w.declared.clone(), |(_, l)| l.clone()),
                image,
                init: c.init,
                command: c.command.as_ref().map(|(t, _)| t.clone()),
            }
        })
        .collect()
}

/// Deploy units, and each app service's images as written (for release-tag checks).
fn deploy_units(b: &Builder) -> (Vec<DeployUnit>, Vec<(String, String, Location)>) {
    let mut units = Vec::new();
    let mut app_images = Vec::new();
    for u in &b.units {
        let containers = unit_containers(b, u);
        if b.kind(&u.id) == Some(ComponentKind::Service) {
            for c in containers
                .iter()
                .filter(|c| !c.init && !c.sidecar && !c.infrastructure)
            {
                if let Some(image) = &c.image {
                    app_images.push((u.id.clone(), image.clone(), c.location.clone()));
                }
            }
        }
        units.push(DeployUnit {
            component: u.id.clone(),
            declared: u.workload.declared.clone(),
            containers,
        });
    }
    units.sort_by(|a, b| (&a.component, &a.declared).cmp(&(&b.component, &b.declared)));
    app_images.sort();
    (units, app_images)
}

fn credentials(b: &Builder) -> Vec<Credential> {
    let mut credentials: BTreeMap<Location, Credential> = BTreeMap::new();
    for (svc, list) in &b.settings {
        for (s, noun) in list
            .iter()
            .filter(|s| !s.from_secret() && !s.key.is_empty())
            .filter_map(|s| {
                crate::redact::plaintext_credential(&s.key, &s.value).map(|noun| (s, noun))
            })
        {
            let c = credentials
                .entry(s.location.clone())
                .or_insert_with(|| Credential {
                    noun,
                    evidence: Evidence::of_setting(s),
                    components: Vec::new(),
                });
            if !c.components.contains(svc) {
                c.components.push(svc.clone());
            }
        }
    }
    credentials.into_values().collect()
}

/// Evidence order: the default compose files (base and `.override`) and everything else
/// before compose variants (`docker-compose.prod.yml`), then by location; repeats dropped
/// (passes push evidence without looking, so that adding stays O(1)). Then bounded: the first
/// few of each file, for the first few files (`MAX_EVIDENCE_FILES`). Returns how many
/// distinct pieces there were.
fn sort_evidence(list: &mut Vec<Evidence>) -> usize {
    let rank = |file: &str| {
        let name = file.rsplit('/').next().unwrap_or(file).to_ascii_lowercase();
        let variant = discover::is_compose_name(&name)
            && !is_base_compose(&name)
            && !name.contains(".override.");
        u8::from(variant)
    };
    let keep: Vec<bool> = {
        let mut seen = std::collections::HashSet::new();
        list.iter().map(|e| seen.insert(e)).collect()
    };
    let mut keep = keep.into_iter();
    list.retain(|_| keep.next().unwrap_or(true));
    // Two stable sorts: by location, then by rank computed once per item.
    list.sort_by(|a, b| a.location.cmp(&b.location));
    list.sort_by_cached_key(|e| rank(&e.location.file));
    let count = list.len();
    // (file, pieces kept so far, pieces it may keep)
    let mut files: Vec<(FilePath, usize, usize)> = Vec::new();
    list.retain(|e| {
        let open = files.len() < crate::model::MAX_EVIDENCE_FILES;
        match files.iter_mut().find(|(f, _, _)| *f == e.location.file) {
            Some((_, n, cap)) => {
                *n += 1;
                *n <= *cap
            }
            None if open => {
                let file = &e.location.file;
                let code = discover::kind_by_name(file) == Some(discover::InputKind::Source);
                let cap = if code {
                    crate::model::MAX_EVIDENCE_PER_CODE_FILE
                } else {
                    crate::model::MAX_EVIDENCE_PER_FILE
                };
                files.push((file.clone(), 1, cap));
                true
            }
            None => false,
        }
    });
    count
}

/// A scope no variant-bound evidence narrowed (ingress of a single variant, SQL) is all.
fn settle(scope: &mut Scope) {
    if scope.is_empty() {
        *scope = Scope::All;
    }
}

/// Accesses (an unnamed database beside a named one on the same server, for the same
/// service, is the same use seen through a weaker setting), edges and components, sorted.
fn assemble(b: Builder, root: &str) -> Model {
    let named: BTreeSet<(String, String)> = b
        .accesses
        .values()
        .filter(|a| a.database.is_some())
        .map(|a| (a.service.clone(), a.datastore.clone()))
        .collect();
    let mut accesses: Vec<Access> = b
        .accesses
        .into_values()
        .filter(|a| {
            a.database.is_some() || !named.contains(&(a.service.clone(), a.datastore.clone()))
        })
        .collect();
    use rayon::prelude::*;
    accesses.par_iter_mut().for_each(|a| {
        a.evidence_count = sort_evidence(&mut a.evidence);
        settle(&mut a.scope);
    });
    let mut edges: Vec<Edge> = b.edges.into_values().collect();
    edges.par_iter_mut().for_each(|e| {
        e.evidence_count = sort_evidence(&mut e.evidence);
        settle(&mut e.scope);
    });
    edges.extend(accesses.iter().map(|a| Edge {
        from: a.service.clone(),
        to: a.datastore.clone(),
        kind: EdgeKind::Data,
        protocol: Some(a.technology.clone()),
        database: a.database.clone(),
        topic: None,
        evidence: a.evidence.clone(),
        evidence_count: a.evidence_count,
        scope: a.scope.clone(),
        confidence: Confidence::Used,
    }));
    edges.sort_by(|x, y| {
        (&x.from, &x.to, x.kind, &x.database, &x.topic).cmp(&(
            &y.from,
            &y.to,
            y.kind,
            &y.database,
            &y.topic,
        ))
    });
    let mut components: Vec<Component> = b.components.into_values().collect();
    for c in &mut components {
        c.declarations.sort();
        if let Some(first) = c.declarations.first() {
            c.location = first.clone();
        }
    }
    let mut diagnostics = b.diagnostics;
    diagnostics.sort();
    diagnostics.dedup();
    Model {
        root: root.to_string(),
        repo_prefix: String::new(),
        repositories: Vec::new(),
        components,
        edges,
        accesses,
        diagnostics,
        service_dirs: b.service_dirs,
        variant_of_file: b.variant_of_file,
        ..Model::default()
    }
}
