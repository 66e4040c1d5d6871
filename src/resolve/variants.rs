//! Deployment variants: which declaration files deploy together. A repository may hold a k8s
//! base, `extras/` copies, a monolith variant, `-istio` / `-linkerd` copies of manifests, and
//! compose projects beside them; each redefines the same workloads or ConfigMaps. Files are
//! grouped bottom-up over the folder tree: a folder (or a `<name>-<tag>` family of files in
//! one folder) joins its parent's group unless it declares a name the group already declares,
//! in which case it stays a variant of its own. A repository whose files never collide has
//! one variant, and nothing downstream changes. Several repositories resolved as one system
//! are parts of it, not alternatives: their main groups are one, and only the alternatives
//! inside a repository are variants.

use super::builder::{Builder, dir_of};
use super::inputs::Inputs;
use crate::model::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Folder and file-suffix words that name an alternative deployment, merged last.
const VARIANT_WORDS: &[&str] = &[
    "extras",
    "extra",
    "examples",
    "example",
    "samples",
    "sample",
    "contrib",
    "variants",
    "alternatives",
    "legacy",
    "deprecated",
    "old",
    "archive",
    "istio",
    "linkerd",
    "openshift",
    "knative",
    "swarm",
    "nomad",
    "canary",
    "e2e",
    "test",
    "tests",
];

struct Group {
    name: String,
    /// Compose projects and k8s manifests never run together.
    compose: bool,
    keys: HashSet<String>,
    files: Vec<String>,
}

impl Group {
    fn absorb(&mut self, other: Group) {
        self.keys.extend(other.keys);
        self.files.extend(other.files);
    }

    fn collides(&self, other: &Group) -> bool {
        if self.compose != other.compose {
            return true;
        }
        let (small, large) = if self.keys.len() < other.keys.len() {
            (&self.keys, &other.keys)
        } else {
            (&other.keys, &self.keys)
        };
        small.iter().any(|k| large.contains(k))
    }
}

/// The names each declaration file declares: workloads, k8s Services, ConfigMaps and Secrets.
fn declared_keys(inputs: &Inputs) -> BTreeMap<String, HashSet<String>> {
    let mut keys: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for w in inputs.workloads() {
        // All compose files of one folder form one project (overrides are merged).
        let file = match &w.origin {
            Origin::Compose { dir } => format!("{dir}{COMPOSE_PROJECT}"),
            Origin::Kubernetes { .. } => w.declared.file.to_string(),
        };
        keys.entry(file)
            .or_default()
            .insert(format!("w:{}", w.name));
    }
    for s in &inputs.k8s_services {
        let k = format!("s:{}", s.name);
        keys.entry(s.declared.file.to_string())
            .or_default()
            .insert(k);
    }
    for c in &inputs.config_data {
        let k = format!("c:{:?}:{}", c.kind, c.name);
        keys.entry(c.declared.file.to_string())
            .or_default()
            .insert(k);
    }
    keys
}

fn stem(file: &str) -> &str {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

/// `orders-istio.yaml` beside `orders.yaml`: the tag `istio`.
fn file_tag(file: &str, stems: &HashSet<&str>) -> Option<String> {
    let s = stem(file);
    let (base, tag) = s.rsplit_once(['-', '.', '_'])?;
    (stems.contains(base) && tag.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| tag.to_ascii_lowercase())
}

/// Folder words of deployments that are not the system: examples, samples, tests.
const EXAMPLE_WORDS: &[&str] = &[
    "examples", "example", "samples", "sample", "e2e", "test", "tests",
];

/// Is a variant an example or test deployment (`vendor/lib/example/docker-compose`)?
pub(super) fn is_example(name: &str) -> bool {
    name.split(['/', ' '])
        .any(|w| EXAMPLE_WORDS.contains(&w.to_ascii_lowercase().as_str()))
}

/// Does a group's name (its folder path, with a file tag) name an alternative deployment?
fn is_variant_word(name: &str) -> bool {
    name.split(['/', ' '])
        .map(|w| w.trim_matches(['(', ')', '-']).to_ascii_lowercase())
        .any(|w| VARIANT_WORDS.contains(&w.as_str()))
}

/// Groups of one folder: its own files (split by file tag), keyed by folder.
fn folder_groups(keys: BTreeMap<String, HashSet<String>>) -> BTreeMap<String, Vec<Group>> {
    let mut by_dir: BTreeMap<String, Vec<(String, HashSet<String>)>> = BTreeMap::new();
    for (file, k) in keys {
        by_dir
            .entry(dir_of(&file).to_string())
            .or_default()
            .push((file, k));
    }
    let mut out = BTreeMap::new();
    for (dir, files) in by_dir {
        let stems: HashSet<&str> = files.iter().map(|(f, _)| stem(f)).collect();
        let mut tagged: BTreeMap<(bool, Option<String>), Group> = BTreeMap::new();
        for (file, k) in &files {
            let compose = file.ends_with(COMPOSE_PROJECT);
            let tag = if compose {
                None
            } else {
                file_tag(file, &stems)
            };
            let name = match &tag {
                Some(t) => format!("{} (-{t})", display(&dir)),
                None if compose => file.trim_start_matches('/').to_string(),
                None => display(&dir),
            };
            let g = tagged.entry((compose, tag)).or_insert_with(|| Group {
                name,
                compose,
                keys: HashSet::new(),
                files: Vec::new(),
            });
            g.keys.extend(k.iter().cloned());
            g.files.push(file.clone());
        }
        out.insert(dir, tagged.into_values().collect());
    }
    out
}

fn display(dir: &str) -> String {
    if dir.is_empty() {
        ".".into()
    } else {
        dir.to_string()
    }
}

/// Merge order: own files first, then alternatives last, shallow before deep, larger first.
fn order(g: &Group) -> (bool, usize, std::cmp::Reverse<usize>, String) {
    let depth = g
        .files
        .iter()
        .map(|f| f.matches('/').count())
        .min()
        .unwrap_or(0);
    (
        is_variant_word(&g.name),
        depth,
        std::cmp::Reverse(g.keys.len()),
        g.name.clone(),
    )
}

/// Merge the groups of folder `dir` into bins: each group joins the first bin it does not
/// collide with. The first bin (seeded by the folder's own files, else its best child) goes up
/// to the parent; the others are finished variants. A bin that absorbed a group at `dir` is
/// named after `dir` (the first) or after what its members share (`*/k8s`).
fn merge_level(
    dir: &str,
    own: Vec<Group>,
    mut children: Vec<Group>,
    done: &mut Vec<Group>,
) -> Option<Group> {
    children.sort_by_key(order);
    let alone = own.is_empty() && children.len() == 1;
    let mut bins: Vec<(Group, Vec<String>)> = Vec::new();
    for g in own.into_iter().chain(children) {
        // An `examples/` or `extras/` tree is an alternative deployment even when its names
        // do not collide: it never joins another group, unless nothing else is here.
        if !alone && !bins.is_empty() && is_variant_word(&g.name) {
            done.push(g);
            continue;
        }
        match bins.iter_mut().find(|(bin, _)| !bin.collides(&g)) {
            Some((bin, members)) => {
                members.push(g.name.clone());
                bin.absorb(g);
            }
            None => {
                let name = g.name.clone();
                bins.push((g, vec![name]));
            }
        }
    }
    let mut bins = bins.into_iter();
    let (mut top, members) = bins.next()?;
    if members.len() > 1 {
        top.name = display(dir);
    }
    for (mut bin, members) in bins {
        if members.len() > 1 {
            bin.name = shared_name(&members);
        }
        done.push(bin);
    }
    Some(top)
}

/// `a/src/k8s`, `b/src/k8s` → `*/src/k8s`; no shared tail → `a/src/k8s +1`.
fn shared_name(members: &[String]) -> String {
    let split: Vec<Vec<&str>> = members
        .iter()
        .map(|m| m.split('/').rev().collect())
        .collect();
    let mut tail = Vec::new();
    for i in 0.. {
        let Some(seg) = split[0].get(i) else { break };
        if split
            .iter()
            .all(|s| s.get(i) == Some(seg) && s.len() > i + 1)
        {
            tail.push(*seg);
        } else {
            break;
        }
    }
    if tail.is_empty() {
        return format!("{} +{}", members[0], members.len() - 1);
    }
    tail.reverse();
    format!("*/{}", tail.join("/"))
}

pub(super) fn assign(b: &mut Builder, inputs: &Inputs) {
    let mut pending = folder_groups(declared_keys(inputs));
    let mut done = Vec::new();
    // Deepest folders first; each passes its group up to its parent.
    let mut carried: HashMap<String, Vec<Group>> = HashMap::new();
    let mut dirs: Vec<String> = pending.keys().cloned().collect();
    let mut seen: HashSet<String> = dirs.iter().cloned().collect();
    let mut i = 0;
    while i < dirs.len() {
        let d = dirs[i].clone();
        if !d.is_empty() && seen.insert(dir_of(&d).to_string()) {
            dirs.push(dir_of(&d).to_string());
        }
        i += 1;
    }
    dirs.sort_by_key(|d| (std::cmp::Reverse(depth(d)), d.clone()));
    let mut top = None;
    for d in dirs {
        let own = pending.remove(&d).unwrap_or_default();
        let children = carried.remove(&d).unwrap_or_default();
        let merged = if d.is_empty() && b.opts.repositories.len() > 1 {
            complementary(own.into_iter().chain(children))
        } else {
            merge_level(&d, own, children, &mut done)
        };
        let Some(g) = merged else {
            continue;
        };
        if d.is_empty() {
            top = Some(g);
        } else {
            carried.entry(dir_of(&d).to_string()).or_default().push(g);
        }
    }
    let Some(top) = top else { return };
    if b.opts.repositories.len() > 1 {
        done = across_repositories(done);
    }
    if done.is_empty() {
        return;
    }
    b.primary_variant = Some(top.name.clone());
    // The primary variant first: findings every variant shares are reported as it sees them.
    done.sort_by(|a, b| a.name.cmp(&b.name));
    done.insert(0, top);
    for g in done {
        for f in &g.files {
            b.variant_of_file.insert(f.clone(), g.name.clone());
        }
        b.variants.push(g.name);
    }
}

/// Several repositories resolved as one system: what each deploys is a part of the system,
/// not an alternative to another repository's, so their main groups are one (each keeps its
/// own alternatives as variants).
fn complementary(groups: impl Iterator<Item = Group>) -> Option<Group> {
    groups.reduce(|mut all, g| {
        all.compose |= g.compose;
        all.absorb(g);
        all.name = display("");
        all
    })
}

/// Several repositories' alternatives (each repository's k8s beside its compose): one variant
/// for all that do not collide, as one repository's folders would be binned; never two of one
/// repository, and `examples/`-like trees stay their own.
fn across_repositories(mut done: Vec<Group>) -> Vec<Group> {
    done.sort_by_key(order);
    let repository = |g: &Group| {
        let f = g.files.first().map_or("", String::as_str);
        f.split('/').next().unwrap_or_default().to_string()
    };
    let mut out = Vec::new();
    let mut bins: Vec<(Group, HashSet<String>, Vec<String>)> = Vec::new();
    for g in done {
        if is_variant_word(&g.name) {
            out.push(g);
            continue;
        }
        let repo = repository(&g);
        match bins
            .iter_mut()
            .find(|(bin, repos, _)| !repos.contains(&repo) && !bin.collides(&g))
        {
            Some((bin, repos, members)) => {
                repos.insert(repo);
                members.push(g.name.clone());
                bin.absorb(g);
            }
            None => {
                let name = g.name.clone();
                bins.push((g, HashSet::from([repo]), vec![name]));
            }
        }
    }
    for (mut bin, _, members) in bins {
        if members.len() > 1 {
            bin.name = shared_name(&members);
        }
        out.push(bin);
    }
    out
}

fn depth(dir: &str) -> usize {
    if dir.is_empty() {
        0
    } else {
        dir.matches('/').count() + 1
    }
}

/// The variant of a workload's declaring file (compose projects by folder).
pub(super) fn of_workload(b: &Builder, w: &Workload) -> Option<String> {
    b.variant(&w.declared.file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        let stems: HashSet<&str> = ["orders", "orders-v1"].into_iter().collect();
        assert_eq!(
            file_tag("k8s/orders-istio.yaml", &stems).as_deref(),
            Some("istio")
        );
        assert_eq!(
            file_tag("k8s/orders-v1-istio.yaml", &stems).as_deref(),
            Some("istio")
        );
        assert_eq!(file_tag("k8s/billing-istio.yaml", &stems), None);
        assert!(is_variant_word("extras"));
        assert!(is_variant_word("src/k8s (-linkerd)"));
        assert!(!is_variant_word("kubernetes-manifests"));
    }
}
