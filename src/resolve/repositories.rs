//! Names across repositories (merge, several roots): a name that workloads of several
//! repositories declare (`api` in two) is one component only where the config's
//! `one-component`, one application image, one k8s namespace, or a build in the service's own
//! repository and a deployment of its image elsewhere says so (`LINKS`). Otherwise each
//! repository's is its own component, `repository/name`, and the name resolves only inside
//! the repository that declares it. Every decision is kept on the component (`inspect`).

use super::builder::{Builder, normalise, reason};
use super::inputs::Inputs;
use super::kinds;
use crate::classify;
use crate::model::*;
use std::collections::{BTreeMap, HashSet};

/// What links two repositories' declarations of one name, strongest first.
const LINKS: &[(&str, Link)] = &[
    ("config", by_config),
    ("image", by_image),
    ("namespace", by_namespace),
    ("build", by_build),
];

/// Whether the declarations `a` and `b` (of one name, in two repositories) are one
/// component; the sentence saying why, with where.
type Link = fn(&Builder, &Side, &Side) -> Option<(String, Location)>;

/// One repository's declarations of a name.
struct Side<'a> {
    repository: String,
    workloads: Vec<&'a Workload>,
    /// It builds the name from source: a compose `build`, a build file's project of that
    /// name, or a Dockerfile in a folder of that name.
    builds: bool,
    /// The only repository that builds the name.
    sole_builder: bool,
}

pub(super) fn run(b: &mut Builder, inputs: &Inputs) {
    if b.opts.repositories.len() < 2 {
        return;
    }
    // normalised name → repository → its workloads of that name
    let mut by_name: BTreeMap<String, BTreeMap<String, Vec<&Workload>>> = BTreeMap::new();
    for w in inputs.workloads() {
        if let Some(repo) = b.repository_of(&w.declared.file) {
            let repos = by_name.entry(normalise(&w.name)).or_default();
            repos.entry(repo.to_string()).or_default().push(w);
        }
    }
    let mut used = vec![false; b.opts.one_component.len()];
    let sources = sources(b, inputs);
    for (name, repos) in by_name {
        if repos.len() < 2 {
            continue;
        }
        let mut sides: Vec<Side> = repos
            .into_iter()
            .map(|(repository, workloads)| Side {
                builds: workloads.iter().any(|w| w.build_context.is_some())
                    || sources.contains(&(repository.clone(), name.clone())),
                sole_builder: false,
                repository,
                workloads,
            })
            .collect();
        let builders = sides.iter().filter(|s| s.builds).count();
        for s in &mut sides {
            s.sole_builder = builders == 1 && s.builds;
        }
        mark_config(b, &name, &sides, &mut used);
        decide(b, &sides);
    }
    unused_config(b, &used);
}

/// Union the repositories whose declarations link, then name each group.
fn decide(b: &mut Builder, sides: &[Side]) {
    let mut group: Vec<usize> = (0..sides.len()).collect();
    let mut why: Vec<Option<(&'static str, String, Location)>> = vec![None; sides.len()];
    for i in 0..sides.len() {
        for j in i + 1..sides.len() {
            let found = LINKS
                .iter()
                .find_map(|(rule, link)| link(b, &sides[i], &sides[j]).map(|w| (*rule, w)));
            if let Some((rule, (detail, at))) = found {
                let (gi, gj) = (root(&group, i), root(&group, j));
                group[gj.max(gi)] = gi.min(gj);
                why[j].get_or_insert((rule, detail, at));
            }
        }
    }
    let roots: Vec<usize> = (0..sides.len()).map(|i| root(&group, i)).collect();
    let groups: std::collections::BTreeSet<usize> = roots.iter().copied().collect();
    let bare = &sides[0].workloads[0].name;
    if groups.len() == 1 {
        let repos = repositories(sides.iter());
        let reasons: Vec<&str> = why.iter().flatten().map(|(_, d, _)| d.as_str()).collect();
        let detail = first_and_more(&reasons);
        let (rule, _, at) = why.iter().flatten().next().cloned().unwrap_or_default();
        let sentence = format!("`{bare}` of {repos} is one component: {detail}");
        // Its id is decided when its workloads are added; `identity::run` finds it by name.
        b.identities
            .push((bare.clone(), reason(rule, sentence, &at)));
        return;
    }
    let mut ids = Vec::new();
    for g in &groups {
        let in_group: Vec<usize> = (0..sides.len()).filter(|i| roots[*i] == *g).collect();
        let members: Vec<&Side> = in_group.iter().map(|i| &sides[*i]).collect();
        let links: Vec<&str> = in_group
            .iter()
            .filter_map(|i| why[*i].as_ref().map(|(_, d, _)| d.as_str()))
            .collect();
        ids.push(format!("`{}`", keep_apart(b, &members, sides, &links)));
    }
    let at = &sides[0].workloads[0].declared;
    b.diagnostics.push(Diagnostic::note(
        &at.file,
        at.line,
        format!(
            "`{bare}` is declared in {}: kept apart as {} (say they are one with `one-component` in monolens.yaml)",
            repositories(sides.iter()),
            and_list(&ids)
        ),
    ));
}

fn root(group: &[usize], mut i: usize) -> usize {
    while group[i] != i {
        i = group[i];
    }
    i
}

fn repositories<'a>(sides: impl Iterator<Item = &'a Side<'a>>) -> String {
    let names: Vec<String> = sides.map(|s| format!("`{}`", s.repository)).collect();
    and_list(&names)
}

/// `a`, `a and b`, `a, b and c`; past eight, the first eight and how many more.
fn and_list(items: &[String]) -> String {
    const SHOWN: usize = 8;
    match items {
        [] => String::new(),
        [one] => one.clone(),
        long if long.len() > SHOWN + 1 => format!(
            "{} and {} more",
            long[..SHOWN].join(", "),
            long.len() - SHOWN
        ),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The first reason, and how many more there are (a group of many repositories has one per
/// link).
fn first_and_more(reasons: &[&str]) -> String {
    match reasons {
        [] => String::new(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first}; and {} more", rest.len()),
    }
}

/// One group of repositories whose declarations of a name are their own component: it is
/// `first-repository/name`, and the name means it only inside those repositories.
fn keep_apart(b: &mut Builder, members: &[&Side], all: &[Side], links: &[&str]) -> String {
    let first = members[0];
    let bare = first.workloads[0].name.clone();
    let id = format!("{}/{}", first.repository, bare);
    for side in members {
        b.qualified
            .insert((side.repository.clone(), normalise(&bare)), id.clone());
        for w in &side.workloads {
            b.ambiguous.insert(w.name.to_ascii_lowercase());
        }
    }
    let others = repositories(
        all.iter()
            .filter(|s| !members.iter().any(|m| m.repository == s.repository)),
    );
    let mut detail = format!(
        "`{bare}` is also declared in {others}, and nothing (config, image, k8s namespace, a \
         build and its deployment) says they are one: this is the `{bare}` of {}; `{bare}` \
         means it only there, and from other repositories names none of them",
        repositories(members.iter().copied())
    );
    if !links.is_empty() {
        let links = first_and_more(links);
        detail.push_str(&format!(" (one across its repositories: {links})"));
    }
    let at = first.workloads[0].declared.clone();
    b.identities
        .push((id.clone(), reason("apart", detail, &at)));
    id
}

/// `one-component: {name: [repo-a, repo-b]}` lists both repositories.
fn by_config(b: &Builder, x: &Side, y: &Side) -> Option<(String, Location)> {
    let name = normalise(&x.workloads[0].name);
    let listed = b.opts.one_component.iter().any(|e| {
        normalise(&e.name) == name
            && e.repositories.contains(&x.repository)
            && e.repositories.contains(&y.repository)
    });
    listed.then(|| {
        (
            format!(
                "the config's `one-component` lists `{}` and `{}`",
                x.repository, y.repository
            ),
            x.workloads[0].declared.clone(),
        )
    })
}

/// Both run one application image (a public image such as `postgres` says nothing: each
/// repository runs its own server; nor does a bare local name such as `frontend`, which a
/// build tool substitutes).
fn by_image(b: &Builder, x: &Side, y: &Side) -> Option<(String, Location)> {
    for wx in &x.workloads {
        let Some(ix) = app_image(b, wx) else { continue };
        for wy in &y.workloads {
            if app_image(b, wy).as_ref() == Some(&ix) {
                let detail = format!(
                    "both run image `{ix}` ({} and {})",
                    wx.declared, wy.declared
                );
                return Some((detail, wy.declared.clone()));
            }
        }
    }
    None
}

fn app_image(b: &Builder, w: &Workload) -> Option<String> {
    let (image, _) = kinds::main_container(w, &b.opts)?.image.as_ref()?;
    if classify::image(image).is_some() {
        return None;
    }
    let repo = classify::image_repository(image);
    // A registry or path from a variable (`${REGISTRY}/orders`) is unknown, not a name.
    let kept: Vec<&str> = repo
        .split('/')
        .filter(|p| !p.contains('$') && !p.contains('{'))
        .collect();
    (kept.len() > 1).then(|| kept.join("/"))
}

/// Built from source here with no image named: what it deploys elsewhere is unknown by name.
fn builds(b: &Builder, w: &Workload) -> bool {
    w.build_context.is_some() && app_image(b, w).is_none()
}

/// (repository, normalised name) for every name a repository holds the source of: a build
/// file's project of that name, or a Dockerfile in a folder of that name.
fn sources(b: &Builder, inputs: &Inputs) -> HashSet<(String, String)> {
    let mut out = HashSet::new();
    for p in &inputs.projects {
        if let Some(repo) = b.repository_of(&p.dir) {
            out.insert((repo.to_string(), normalise(&p.name)));
        }
    }
    for path in &inputs.all_paths {
        let mut parts = path.rsplit('/');
        if !parts.next().is_some_and(|f| f.starts_with("Dockerfile")) {
            continue;
        }
        if let Some(repo) = b.repository_of(path) {
            let folders: Vec<&str> = parts.collect();
            // Every folder between the repository and the Dockerfile.
            for d in &folders[..folders.len().saturating_sub(1)] {
                out.insert((repo.to_string(), normalise(d)));
            }
        }
    }
    out
}

/// The service's own repository (its name holds the service's: `orders-service`) is the only
/// one that builds it from source, and another runs an application image named after it
/// (`registry/shop/orders:${TAG}`): the image that build makes.
fn by_build(b: &Builder, x: &Side, y: &Side) -> Option<(String, Location)> {
    let (built, deployed) = match (x.sole_builder, y.sole_builder) {
        (true, false) => (x, y),
        (false, true) => (y, x),
        _ => return None,
    };
    // A build that names its own image is linked by that image or not at all; and only the
    // service's own repository (`orders-service` builds `orders`) says which image it makes.
    let own_repository =
        normalise(&built.repository).contains(&normalise(&built.workloads[0].name));
    if !own_repository || built.workloads.iter().any(|w| app_image(b, w).is_some()) {
        return None;
    }
    let from = built
        .workloads
        .iter()
        .find(|w| builds(b, w))
        .unwrap_or(&built.workloads[0]);
    for w in &deployed.workloads {
        let Some(image) = app_image(b, w) else {
            continue;
        };
        let last = image.rsplit('/').next().unwrap_or(&image);
        if normalise(last) == normalise(&from.name) {
            let detail = format!(
                "{} runs image `{image}`, named after the `{}` that its own repository `{}` builds from source ({})",
                w.declared, from.name, built.repository, from.declared
            );
            return Some((detail, w.declared.clone()));
        }
    }
    None
}

/// Both k8s workloads in one explicit namespace: one object of one cluster.
fn by_namespace(_: &Builder, x: &Side, y: &Side) -> Option<(String, Location)> {
    for wx in &x.workloads {
        let Some(nx) = namespace(wx) else { continue };
        for wy in &y.workloads {
            if namespace(wy) == Some(nx) {
                let detail = format!(
                    "both are k8s workloads in namespace `{nx}` ({} and {})",
                    wx.declared, wy.declared
                );
                return Some((detail, wy.declared.clone()));
            }
        }
    }
    None
}

fn namespace(w: &Workload) -> Option<&str> {
    match &w.origin {
        Origin::Kubernetes { namespace, .. } => namespace.as_deref(),
        _ => None,
    }
}

/// Which `one-component` entries named a name declared in the repositories they list.
fn mark_config(b: &Builder, name: &str, sides: &[Side], used: &mut [bool]) {
    for (i, e) in b.opts.one_component.iter().enumerate() {
        let here = e
            .repositories
            .iter()
            .filter(|r| sides.iter().any(|s| &s.repository == *r))
            .count();
        if normalise(&e.name) == name && here >= 2 {
            used[i] = true;
        }
    }
}

/// An entry that never matched: a typo, or a repository that no longer declares the name.
fn unused_config(b: &mut Builder, used: &[bool]) {
    let file = b.opts.config_file.as_deref().unwrap_or("monolens.yaml");
    let mut notes = Vec::new();
    for (i, e) in b.opts.one_component.iter().enumerate() {
        if !used[i] {
            let repos: Vec<String> = e.repositories.iter().map(|r| format!("`{r}`")).collect();
            notes.push(Diagnostic::note(
                file,
                e.line,
                format!(
                    "one-component entry `{}` matches nothing: no two of {} declare it; remove it",
                    e.name,
                    and_list(&repos)
                ),
            ));
        }
    }
    b.diagnostics.extend(notes);
}
