//! Compose projects as `docker compose` reads them: override files merged per directory,
//! `extends` applied, `${VAR}` interpolated from the `.env` beside the compose file.

use super::builder::join;
use super::inputs::Inputs;
use crate::interp;
use crate::model::*;
use std::collections::HashMap;

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
        for at in interpolate(w, inputs) {
            diagnostics.push(crate::parse::config::cut_diagnostic(&at.file, at.line));
        }
    }
    inputs.compose = compose;
}

/// `${VAR}` from the `.env` beside the compose file; the places whose value was cut at the cap.
fn interpolate(w: &mut Workload, inputs: &Inputs) -> Vec<Location> {
    let Origin::Compose { dir } = &w.origin else {
        return Vec::new();
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
    let mut cut = Vec::new();
    let mut expand = |text: &str, at: &Location| {
        let (value, c) = interp::compose_capped(text, &lookup);
        if c {
            cut.push(at.clone());
        }
        value
    };
    let declared = w.declared.clone();
    for c in &mut w.containers {
        if let Some((image, at)) = &mut c.image {
            *image = expand(image, at);
        }
        // `KEY=${KEY}` (and `- KEY`, which the parser writes so) takes its value from the
        // shell when `.env` has none: nothing the repository holds, so it is dropped.
        c.env
            .retain(|s| s.value != format!("${{{}}}", s.key) || vars.contains_key(s.key.as_str()));
        for s in &mut c.env {
            s.value = expand(&s.value, &s.location);
        }
    }
    if let Some(ctx) = &mut w.build_context {
        *ctx = expand(ctx, &declared);
    }
    cut
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

/// Apply `extends`: the base service's settings, then the extending service's on top. Chains
/// resolve to a fixpoint whatever the declaration order (`a` extends `b` extends `c` gives `a`
/// everything of `c`); a cycle is reported once with its members and its links are ignored.
fn apply_extends(all: &mut [Workload], diagnostics: &mut Vec<Diagnostic>) {
    let targets: Vec<Option<Result<usize, String>>> =
        (0..all.len()).map(|i| extends_target(all, i)).collect();
    let mut state = vec![Walk::Todo; all.len()];
    for start in 0..all.len() {
        // Follow the chain to a resolved service, a root or a cycle, then apply it backwards.
        let mut path = Vec::new();
        let mut cur = start;
        loop {
            match state[cur] {
                Walk::Done => break,
                Walk::OnPath => {
                    let from = path.iter().position(|&p| p == cur).unwrap_or(0);
                    report_cycle(all, &path[from..], diagnostics);
                    for &m in &path[from..] {
                        state[m] = Walk::Done;
                    }
                    path.truncate(from);
                    break;
                }
                Walk::Todo => {}
            }
            state[cur] = Walk::OnPath;
            path.push(cur);
            match &targets[cur] {
                Some(Ok(j)) => cur = *j,
                Some(Err(service)) => {
                    let w = &all[cur];
                    diagnostics.push(Diagnostic::note(
                        &w.declared.file,
                        w.declared.line,
                        format!(
                            "`extends` names service `{service}`, which was not found; ignored"
                        ),
                    ));
                    break;
                }
                None => break,
            }
        }
        for &k in path.iter().rev() {
            if let Some(Ok(j)) = targets[k]
                && state[j] == Walk::Done
                && j != k
            {
                inherit(all, k, j);
            }
            all[k].extends = None;
            state[k] = Walk::Done;
        }
    }
    for w in all.iter_mut() {
        w.extends = None;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    Todo,
    OnPath,
    Done,
}

/// The service `all[i]` extends: its index, the name that was not found, or `None`.
fn extends_target(all: &[Workload], i: usize) -> Option<Result<usize, String>> {
    let (service, file) = all[i].extends.as_ref()?;
    let Origin::Compose { dir } = &all[i].origin else {
        return None;
    };
    let target_file = file.as_deref().map(|f| join(dir, f));
    let found = all.iter().position(|w| {
        w.name == *service
            && match &target_file {
                Some(f) => *w.declared.file == **f,
                None => matches!(&w.origin, Origin::Compose { dir: d } if d == dir),
            }
    });
    Some(found.ok_or_else(|| service.clone()))
}

/// `all[k]` becomes `all[j]` (already resolved) with `all[k]`'s own settings on top.
fn inherit(all: &mut [Workload], k: usize, j: usize) {
    let mut base = all[j].clone();
    let this = std::mem::replace(&mut all[k], base.clone());
    base.name = this.name.clone();
    base.declared = this.declared.clone();
    base.origin = this.origin.clone();
    merge_into(&mut base, this);
    base.extends = None;
    all[k] = base;
}

/// One diagnostic per cycle, at its first member by location, naming every member in order.
fn report_cycle(all: &[Workload], members: &[usize], diagnostics: &mut Vec<Diagnostic>) {
    let Some(first) = (0..members.len()).min_by_key(|&p| &all[members[p]].declared) else {
        return;
    };
    let mut names: Vec<&str> = (0..members.len())
        .map(|p| all[members[(first + p) % members.len()]].name.as_str())
        .collect();
    names.push(names[0]);
    let w = &all[members[first]];
    let message = if members.len() == 1 {
        format!(
            "`extends` of `{}` names the service itself; ignored",
            w.name
        )
    } else {
        format!("`extends` forms a cycle: {}; ignored", names.join(" → "))
    };
    diagnostics.push(Diagnostic::warning(
        &w.declared.file,
        w.declared.line,
        message,
    ));
}
