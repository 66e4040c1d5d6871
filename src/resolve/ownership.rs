//! Who owns what: which service each folder (and so each file) belongs to, and the teams
//! that own each component (CODEOWNERS, Backstage).

use super::ResolveOptions;
use super::builder::{Builder, dir_of, join, normalise, strip_role_suffix};
use super::inputs::Inputs;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The ownership pass: which service each folder belongs to.
pub(super) fn run(b: &mut Builder, inputs: &Inputs) {
    b.service_dirs = ownership(b, &inputs.all_paths, &b.opts);
}

/// Teams: owners of every component, once all components exist.
pub(super) fn teams(b: &mut Builder, inputs: &Inputs) {
    let dirs = std::mem::take(&mut b.service_dirs);
    assign_owners(b, &inputs.owner_rules, &dirs);
    b.service_dirs = dirs;
}

/// Does a CODEOWNERS pattern (gitignore-style) cover `path` (a file path)?
fn codeowners_match(pattern: &str, path: &str) -> bool {
    let anchored = pattern.starts_with('/');
    let p = pattern.trim_start_matches('/').trim_end_matches('/');
    if p.is_empty() {
        return false;
    }
    let base = if anchored || p.contains('/') {
        p.to_string()
    } else {
        format!("**/{p}")
    };
    [base.clone(), format!("{base}/**")].iter().any(|g| {
        globset::GlobBuilder::new(g)
            .literal_separator(true)
            .build()
            .is_ok_and(|g| g.compile_matcher().is_match(path))
    })
}

/// Owners from CODEOWNERS (last matching line wins; `.github/`, root, then `docs/`, as GitHub
/// reads them) for each service's directories, and from Backstage components by name.
fn assign_owners(b: &mut Builder, rules: &[OwnerRule], service_dirs: &[(String, String)]) {
    let mut by_file: BTreeMap<&str, Vec<(&String, &Vec<String>)>> = BTreeMap::new();
    for r in rules {
        if let OwnerRule::Path {
            pattern,
            owners,
            location,
        } = r
        {
            by_file
                .entry(location.file.as_str())
                .or_default()
                .push((pattern, owners));
        }
    }
    let chosen = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]
        .iter()
        .find_map(|f| by_file.get(f));
    let mut dirs_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for (d, svc) in service_dirs {
        dirs_of.entry(svc.as_str()).or_default().push(d.as_str());
    }
    let ids: Vec<String> = b.components.keys().cloned().collect();
    for id in ids {
        let mut owners: BTreeSet<String> = BTreeSet::new();
        if let Some(lines) = chosen {
            let mut paths: Vec<String> = dirs_of
                .get(id.as_str())
                .into_iter()
                .flatten()
                .map(|d| format!("{d}/_"))
                .collect();
            if paths.is_empty()
                && let Some(c) = b.components.get(&id)
            {
                paths.push(c.location.file.clone());
            }
            for p in &paths {
                if let Some((_, o)) = lines
                    .iter()
                    .rev()
                    .find(|(pattern, _)| codeowners_match(pattern, p))
                {
                    owners.extend(o.iter().cloned());
                }
            }
        }
        for r in rules {
            if let OwnerRule::Component { name, owner, .. } = r
                && b.id_of(name) == id
            {
                owners.insert(owner.clone());
            }
        }
        if let Some(c) = b.components.get_mut(&id) {
            c.owners = owners.into_iter().collect();
        }
    }
}

/// Directory → service, from explicit config, build contexts, manifest paths and directory
/// names that match service names.
fn ownership(b: &Builder, all_paths: &[String], opts: &ResolveOptions) -> Vec<(String, String)> {
    let mut dirs: BTreeSet<(String, String)> = BTreeSet::new();
    let mut all_dirs: BTreeSet<&str> = BTreeSet::new();
    for p in all_paths {
        let mut d = dir_of(p);
        while !d.is_empty() && all_dirs.insert(d) {
            d = dir_of(d);
        }
    }
    // Explicit mapping first: a directory, or a glob matched against the repository's folders.
    for (pattern, svc) in &opts.services {
        let pattern = pattern.trim_end_matches('/');
        if pattern.contains(['*', '?', '[', '{']) {
            if let Ok(glob) = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
            {
                let m = glob.compile_matcher();
                dirs.extend(
                    all_dirs
                        .iter()
                        .filter(|d| m.is_match(d))
                        .map(|d| (d.to_string(), svc.clone())),
                );
            }
        } else {
            dirs.insert((pattern.to_string(), svc.clone()));
        }
    }
    let explicit: Vec<String> = dirs.iter().map(|(d, _)| d.clone()).collect();
    let app = |name: &str| b.components.get(name).is_some_and(|c| c.kind.is_app());
    for u in &b.units {
        let (id, w) = (&u.id, &u.workload);
        if !app(id)
            && b.components
                .get(id)
                .is_none_or(|c| c.kind != ComponentKind::Platform)
        {
            continue;
        }
        if let (Origin::Compose { dir }, Some(ctx)) = (&w.origin, &w.build_context) {
            if ctx.contains("://") {
                continue;
            }
            let context = join(dir, ctx);
            let root = match &w.dockerfile {
                // A context shared by every service (`.`): the Dockerfile's folder is the service's.
                Some(df) if context == *dir || context.is_empty() => {
                    dir_of(&join(&context, df)).to_string()
                }
                _ => context,
            };
            if !root.is_empty() && root != *dir {
                dirs.insert((root, id.clone()));
            }
        }
        // Bind-mounted config (`./nginx.conf:/etc/nginx/nginx.conf`) belongs to the service.
        if let Origin::Compose { dir } = &w.origin {
            for (source, _, _) in &w.volumes {
                if !source.starts_with('/') {
                    dirs.insert((join(dir, source), id.clone()));
                }
            }
        }
    }
    // Directory names that match a service's names.
    // Folders by their normalised last segment: one lookup per service name.
    let mut by_name: HashMap<String, Vec<&str>> = HashMap::new();
    for d in &all_dirs {
        by_name
            .entry(normalise(d.rsplit('/').next().unwrap_or(d)))
            .or_default()
            .push(d);
    }
    for c in b.components.values().filter(|c| c.kind.is_app()) {
        let wanted: BTreeSet<String> = c.names.iter().map(|n| normalise(n)).collect();
        let lookup = |strip: bool| -> Vec<&str> {
            wanted
                .iter()
                .flat_map(|w| {
                    by_name
                        .get(if strip {
                            strip_role_suffix(w)
                        } else {
                            w.as_str()
                        })
                        .into_iter()
                        .flatten()
                        .copied()
                })
                .collect()
        };
        let mut found = lookup(false);
        if found.is_empty() {
            found = lookup(true);
        }
        for d in found {
            dirs.insert((d.to_string(), c.id.clone()));
        }
    }
    // Inside an explicitly mapped folder, the heuristics have no say.
    dirs.into_iter()
        .filter(|(d, _)| {
            !explicit
                .iter()
                .any(|e| d != e && (e.is_empty() || d.starts_with(&format!("{e}/"))))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codeowners_patterns() {
        assert!(codeowners_match("*", "services/orders/_"));
        assert!(codeowners_match("/services/orders/", "services/orders/_"));
        assert!(codeowners_match("services/orders", "services/orders/_"));
        assert!(codeowners_match("orders/", "x/orders/_"));
        assert!(!codeowners_match("/orders/", "x/orders/_"));
        assert!(!codeowners_match("*.md", "services/orders/_"));
    }
}
