//! Who owns what: the ownership pass (folders, in `folders`) and the teams that own each
//! component (CODEOWNERS, Backstage).

use super::builder::Builder;
use super::inputs::Inputs;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The ownership pass: which service each folder belongs to, and which library modules each
/// service's build depends on.
pub(super) fn run(b: &mut Builder, inputs: &Inputs) {
    b.service_dirs = super::folders::ownership(b, inputs);
    b.library_dirs = libraries(b, inputs);
}

/// (library folder, service) for every module a service's build file depends on by name
/// whose folder no service owns: a shared module such as `common-library`. Direct
/// dependencies only.
fn libraries(b: &Builder, inputs: &Inputs) -> Vec<(String, String)> {
    let index = OwnerIndex::new(&b.service_dirs);
    let mut folders: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in inputs
        .projects
        .iter()
        .filter(|p| p.what == ProjectName::Build && !b.is_root(&p.dir))
    {
        if index.owners_of(&p.dir).is_empty() {
            folders
                .entry(p.name.as_str())
                .or_default()
                .push(p.dir.as_str());
        }
    }
    let mut out: BTreeSet<(String, String)> = BTreeSet::new();
    for d in &inputs.module_dependencies {
        let Some(dirs) = folders.get(d.name.as_str()) else {
            continue;
        };
        for svc in index.owners_of(&d.dir) {
            out.extend(dirs.iter().map(|dir| (dir.to_string(), svc.clone())));
        }
    }
    out.into_iter().collect()
}

/// Teams: owners of every component, once all components exist.
pub(super) fn teams(b: &mut Builder, inputs: &Inputs) {
    let dirs = std::mem::take(&mut b.service_dirs);
    assign_owners(b, &inputs.owner_rules, &dirs);
    b.service_dirs = dirs;
}

/// The globs a CODEOWNERS pattern (gitignore-style) stands for: itself and everything below
/// it; unanchored names match at any depth. None for an empty or invalid pattern.
fn codeowners_globs(pattern: &str) -> Option<[globset::Glob; 2]> {
    let anchored = pattern.starts_with('/');
    let p = pattern.trim_start_matches('/').trim_end_matches('/');
    if p.is_empty() {
        return None;
    }
    let base = if anchored || p.contains('/') {
        p.to_string()
    } else {
        format!("**/{p}")
    };
    let glob = |g: &str| {
        globset::GlobBuilder::new(g)
            .literal_separator(true)
            .build()
            .ok()
    };
    Some([glob(&base)?, glob(&format!("{base}/**"))?])
}

/// Every line of one CODEOWNERS file compiled once into one set: the last line that
/// matches a path wins, as GitHub reads it.
struct Codeowners<'a> {
    set: globset::GlobSet,
    /// Glob index → the line's owners.
    owners: Vec<&'a Vec<String>>,
}

impl<'a> Codeowners<'a> {
    fn new(lines: &[(&String, &'a Vec<String>)]) -> Self {
        let mut builder = globset::GlobSetBuilder::new();
        let mut owners = Vec::new();
        for (pattern, o) in lines {
            for g in codeowners_globs(pattern).into_iter().flatten() {
                builder.add(g);
                owners.push(*o);
            }
        }
        let set = builder
            .build()
            .unwrap_or_else(|_| globset::GlobSet::empty());
        Codeowners { set, owners }
    }

    fn owners_of(&self, path: &str) -> Option<&'a Vec<String>> {
        let last = self.set.matches(path).into_iter().max()?;
        self.owners.get(last).copied()
    }
}

#[cfg(test)]
fn codeowners_match(pattern: &str, path: &str) -> bool {
    let pattern = pattern.to_string();
    let owners = vec!["@x".to_string()];
    Codeowners::new(&[(&pattern, &owners)])
        .owners_of(path)
        .is_some()
}

/// Where GitHub looks for CODEOWNERS, in its order.
const CODEOWNERS_FILES: &[&str] = &[".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

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
                .entry(&*location.file)
                .or_default()
                .push((pattern, owners));
        }
    }
    // Each repository's own CODEOWNERS, its patterns relative to that repository's root.
    let roots: Vec<String> = match b.opts.repositories.as_slice() {
        [] | [_] => vec![String::new()],
        many => many.iter().map(|r| format!("{r}/")).collect(),
    };
    let compiled: Vec<(String, Codeowners)> = roots
        .into_iter()
        .filter_map(|root| {
            let lines = CODEOWNERS_FILES
                .iter()
                .find_map(|f| by_file.get(format!("{root}{f}").as_str()))?;
            Some((root, Codeowners::new(lines)))
        })
        .collect();
    let owners_of = |path: &str| {
        compiled.iter().find_map(|(root, c)| {
            path.strip_prefix(root.as_str())
                .and_then(|rel| c.owners_of(rel))
        })
    };
    let mut dirs_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for (d, svc) in service_dirs {
        dirs_of.entry(svc.as_str()).or_default().push(d.as_str());
    }
    let ids: Vec<String> = b.components.keys().cloned().collect();
    for id in ids {
        let mut owners: BTreeSet<String> = BTreeSet::new();
        if !compiled.is_empty() {
            let mut paths: Vec<String> = dirs_of
                .get(id.as_str())
                .into_iter()
                .flatten()
                .map(|d| format!("{d}/_"))
                .collect();
            if paths.is_empty()
                && let Some(c) = b.components.get(&id)
            {
                paths.push(c.location.file.to_string());
            }
            for p in &paths {
                if let Some(o) = owners_of(p) {
                    owners.extend(o.iter().cloned());
                }
            }
        }
        for r in rules {
            if let OwnerRule::Component {
                name,
                owner,
                location,
                ..
            } = r
                && b.id_in(name, &location.file) == id
            {
                owners.insert(owner.clone());
            }
        }
        if let Some(c) = b.components.get_mut(&id) {
            c.owners = owners.into_iter().collect();
        }
    }
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

    #[test]
    fn the_last_matching_line_wins_in_the_compiled_set() {
        let (all, orders, none) = (
            "*".to_string(),
            "/services/orders/".to_string(),
            "/docs/".to_string(),
        );
        let (a, b, c) = (
            vec!["@all".to_string()],
            vec!["@orders".to_string()],
            vec![],
        );
        let set = Codeowners::new(&[(&all, &a), (&orders, &b), (&none, &c)]);
        assert_eq!(set.owners_of("services/orders/_"), Some(&b));
        assert_eq!(set.owners_of("services/billing/_"), Some(&a));
        assert_eq!(set.owners_of("docs/_"), Some(&c));
    }
}
