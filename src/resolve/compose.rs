//! Compose projects as `docker compose` reads them: override files merged per directory,
//! `extends` applied, `${VAR}` interpolated from the `.env` beside the compose file.

use super::builder::join;
use super::inputs::Inputs;
use crate::interp;
use crate::model::*;
use std::collections::{BTreeSet, HashMap};

pub(super) fn is_base_compose(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    matches!(
        name.as_str(),
        "docker-compose.yml" | "docker-compose.yaml" | "compose.yml" | "compose.yaml"
    )
}

pub(super) fn prepare(inputs: &mut Inputs, diagnostics: &mut Vec<Diagnostic>) {
    let by_dir = std::mem::take(&mut inputs.compose_by_dir);
    let mut compose: Vec<Workload> = by_dir.into_values().flat_map(merge_compose).collect();
    apply_extends(&mut compose, diagnostics);
    for w in &mut compose {
        interpolate(w, inputs);
    }
    inputs.compose = compose;
}

fn interpolate(w: &mut Workload, inputs: &Inputs) {
    let Origin::Compose { dir } = &w.origin else {
        return;
    };
    let vars: HashMap<&str, &str> = inputs
        .file_settings
        .get(&join(dir, ".env"))
        .map(|s| {
            s.iter()
                .map(|s| (s.key.as_str(), s.value.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let lookup = |name: &str| vars.get(name).map(|v| v.to_string());
    for c in &mut w.containers {
        if let Some((image, _)) = &mut c.image {
            *image = interp::compose(image, &lookup);
        }
        // `KEY=${KEY}` (and `- KEY`, which the parser writes so) takes its value from the
        // shell when `.env` has none: nothing the repository holds, so it is dropped.
        c.env
            .retain(|s| s.value != format!("${{{}}}", s.key) || vars.contains_key(s.key.as_str()));
        for s in &mut c.env {
            s.value = interp::compose(&s.value, &lookup);
        }
    }
    if let Some(ctx) = &mut w.build_context {
        *ctx = interp::compose(ctx, &lookup);
    }
}

/// Merge compose services that share a name within one directory: the base file first, then
/// the others by name (override files are merged, as `docker compose` does by default).
fn merge_compose(mut list: Vec<Workload>) -> Vec<Workload> {
    let order = |w: &Workload| (!is_base_compose(&w.declared.file), w.declared.clone());
    list.sort_by_key(order);
    let mut merged: Vec<Workload> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for w in list {
        match index.get(&w.name) {
            Some(&i) => merge_into(&mut merged[i], w),
            None => {
                index.insert(w.name.clone(), merged.len());
                merged.push(w);
            }
        }
    }
    merged
}

fn merge_into(base: &mut Workload, over: Workload) {
    let (Some(b), Some(o)) = (
        base.containers.first_mut(),
        over.containers.into_iter().next(),
    ) else {
        return;
    };
    if o.image.is_some() {
        b.image = o.image;
    }
    b.env.extend(o.env);
    if o.command.is_some() {
        b.command = o.command;
    }
    if over.build_context.is_some() {
        base.build_context = over.build_context;
        base.dockerfile = over.dockerfile;
    }
    if over.network_mode.is_some() {
        base.network_mode = over.network_mode;
    }
    base.env_files.extend(over.env_files);
    base.depends_on.extend(over.depends_on);
    base.aliases.extend(over.aliases);
    base.links.extend(over.links);
    base.profiles.extend(over.profiles);
    base.ports.extend(over.ports);
    base.ports.sort_unstable();
    base.ports.dedup();
    if over.extends.is_some() {
        base.extends = over.extends;
    }
}

/// Apply `extends`: the base service's settings, then the extending service's on top.
fn apply_extends(all: &mut [Workload], diagnostics: &mut Vec<Diagnostic>) {
    for i in 0..all.len() {
        let mut seen = BTreeSet::new();
        while let Some((service, file)) = all[i].extends.take() {
            let dir = match &all[i].origin {
                Origin::Compose { dir } => dir.clone(),
                _ => break,
            };
            let target_file = file.as_deref().map(|f| join(&dir, f));
            let found = all.iter().position(|w| {
                w.name == service
                    && match &target_file {
                        Some(f) => &w.declared.file == f,
                        None => matches!(&w.origin, Origin::Compose { dir: d } if *d == dir),
                    }
            });
            let Some(j) = found.filter(|j| *j != i && seen.insert(*j)) else {
                diagnostics.push(Diagnostic::note(
                    &all[i].declared.file,
                    all[i].declared.line,
                    format!("`extends` names service `{service}`, which was not found; ignored"),
                ));
                break;
            };
            let mut base = all[j].clone();
            let this = std::mem::replace(&mut all[i], base.clone());
            base.name = this.name.clone();
            base.declared = this.declared.clone();
            base.origin = this.origin.clone();
            base.extends = None;
            let pending = this.extends.clone();
            merge_into(&mut base, this);
            base.extends = pending;
            all[i] = base;
        }
    }
}
