//! Shared build versions: which services one version declaration versions together. A Maven
//! pom's version reaches the modules whose parent chain leads to it without a version of
//! their own; a Gradle `allprojects`/`subprojects` version the projects its settings file
//! includes; an npm workspace root's version its workspace packages; `Directory.Build.props`
//! the projects below it; a Helm `appVersion` the chart's images whose tag defaults to it. A
//! module that declares a different version of its own is not covered.

use super::builder::{Builder, join};
use super::inputs::Inputs;
use crate::classify;
use crate::model::*;
use std::collections::{BTreeMap, HashMap};

/// Parent chains longer than this are cycles or nonsense; the search stops.
const MAX_PARENT_DEPTH: usize = 32;

/// Every shared version that covers at least one service.
pub(super) fn shared(b: &Builder, inputs: &Inputs) -> Vec<SharedVersion> {
    let owners = Owners::new(b);
    let mut out = Vec::new();
    let of = |system| {
        inputs
            .build_versions
            .iter()
            .filter(move |v| v.system == system)
            .collect::<Vec<_>>()
    };
    for (root, members) in maven(&of(BuildSystem::Maven)) {
        let modules = members.iter().map(|m| (m.dir.as_str(), m.location.clone()));
        out.extend(owners.version(root, modules));
    }
    let own = own_versions(&inputs.build_versions);
    for v in &inputs.build_versions {
        let modules = match &v.scope {
            VersionScope::Projects { root } => gradle_projects(v, *root, inputs),
            VersionScope::Members(globs) => workspace_members(v, globs, inputs),
            VersionScope::Below => projects_below(v, inputs),
            VersionScope::Chart => {
                out.extend(chart(b, v, inputs));
                continue;
            }
            VersionScope::Module { .. } => continue,
        };
        let keep = |(dir, _): &(&str, Location)| {
            own.get(&(v.system, *dir))
                .is_none_or(|o| *o == v.version.as_deref())
        };
        let modules: Vec<(&str, Location)> = modules.into_iter().filter(keep).collect();
        out.extend(owners.version(v, modules.into_iter()));
    }
    out.sort_by(|a, b| a.location.cmp(&b.location));
    out
}

/// Service folders: (exact) directory → the app services that own it.
struct Owners<'a> {
    by_dir: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Owners<'a> {
    fn new(b: &'a Builder) -> Self {
        let mut by_dir: HashMap<&str, Vec<&str>> = HashMap::new();
        for (dir, svc) in &b.service_dirs {
            if b.kind(svc) == Some(ComponentKind::Service) {
                by_dir.entry(dir.as_str()).or_default().push(svc.as_str());
            }
        }
        Owners { by_dir }
    }

    /// The version with the services owning the module folders, if any.
    fn version<'m>(
        &self,
        v: &BuildVersion,
        modules: impl Iterator<Item = (&'m str, Location)>,
    ) -> Option<SharedVersion> {
        let mut services: BTreeMap<String, Location> = BTreeMap::new();
        for (dir, at) in modules {
            for svc in self.by_dir.get(dir).into_iter().flatten() {
                services
                    .entry(svc.to_string())
                    .or_insert_with(|| at.clone());
            }
        }
        shared_version(v, services)
    }
}

fn shared_version(v: &BuildVersion, services: BTreeMap<String, Location>) -> Option<SharedVersion> {
    if services.is_empty() {
        return None;
    }
    Some(SharedVersion {
        system: v.system,
        version: v.version.clone()?,
        location: v.location.clone(),
        services: services.into_iter().collect(),
    })
}

/// A module's own version, by (system, folder): `None` when it declares none.
fn own_versions(all: &[BuildVersion]) -> HashMap<(BuildSystem, &str), Option<&str>> {
    all.iter()
        .filter(|v| matches!(v.scope, VersionScope::Module { .. }))
        .map(|v| ((v.system, v.dir.as_str()), v.version.as_deref()))
        .collect()
}

/// Maven reactors: each pom that versions itself, with the poms whose parent chain reaches
/// it while declaring no version, a property (`${revision}`) or the same one.
fn maven<'a>(poms: &[&'a BuildVersion]) -> Vec<(&'a BuildVersion, Vec<&'a BuildVersion>)> {
    let by_name: HashMap<&str, &BuildVersion> = poms
        .iter()
        .filter_map(|p| names(p).0.map(|n| (n, *p)))
        .collect();
    let mut groups: BTreeMap<&Location, (&BuildVersion, Vec<&BuildVersion>)> = BTreeMap::new();
    for p in poms {
        if let Some(root) = maven_root(p, &by_name, 0) {
            let entry = groups.entry(&root.location).or_insert((root, Vec::new()));
            entry.1.push(p);
        }
    }
    groups.into_values().collect()
}

/// (own name, parent name) of a module.
fn names(v: &BuildVersion) -> (Option<&str>, Option<&str>) {
    match &v.scope {
        VersionScope::Module { name, parent } => (name.as_deref(), parent.as_deref()),
        _ => (None, None),
    }
}

fn maven_root<'a>(
    p: &'a BuildVersion,
    by_name: &HashMap<&str, &'a BuildVersion>,
    depth: usize,
) -> Option<&'a BuildVersion> {
    let parent = names(p)
        .1
        .and_then(|n| by_name.get(n))
        .filter(|_| depth < MAX_PARENT_DEPTH);
    if let Some(root) = parent.and_then(|parent| maven_root(parent, by_name, depth + 1)) {
        let inherits = p
            .version
            .as_deref()
            .is_none_or(|v| v.contains("${") || Some(v) == root.version.as_deref());
        if inherits {
            return Some(root);
        }
    }
    p.version.is_some().then_some(p)
}

/// The projects the settings file beside a Gradle root includes (and the root itself for
/// `allprojects`), each at its `include`.
fn gradle_projects<'a>(
    v: &BuildVersion,
    root: bool,
    inputs: &'a Inputs,
) -> Vec<(&'a str, Location)> {
    let settings = ["settings.gradle", "settings.gradle.kts"].map(|f| join(&v.dir, f));
    inputs
        .projects
        .iter()
        .filter(|p| {
            p.what == ProjectName::Build && settings.iter().any(|f| **f == *p.location.file)
        })
        .filter(|p| root || p.dir != v.dir)
        .map(|p| (p.dir.as_str(), p.location.clone()))
        .collect()
}

/// The packages under a workspace root whose folders match its `workspaces` globs.
fn workspace_members<'a>(
    v: &BuildVersion,
    globs: &[String],
    inputs: &'a Inputs,
) -> Vec<(&'a str, Location)> {
    let mut set = globset::GlobSetBuilder::new();
    for g in globs {
        let pattern = join(&v.dir, g.trim_start_matches("./"));
        if let Ok(glob) = globset::GlobBuilder::new(&pattern)
            .literal_separator(true)
            .build()
        {
            set.add(glob);
        }
    }
    let Ok(set) = set.build() else {
        return Vec::new();
    };
    inputs
        .projects
        .iter()
        .filter(|p| p.what == ProjectName::Build && p.location.file.ends_with("package.json"))
        .filter(|p| p.dir != v.dir && set.is_match(&p.dir))
        .map(|p| (p.dir.as_str(), p.location.clone()))
        .collect()
}

/// The `.csproj` projects below a `Directory.Build.props` that no nearer one governs (MSBuild
/// imports only the nearest).
fn projects_below<'a>(v: &BuildVersion, inputs: &'a Inputs) -> Vec<(&'a str, Location)> {
    let props: Vec<&str> = inputs
        .build_versions
        .iter()
        .filter(|p| p.scope == VersionScope::Below)
        .map(|p| p.dir.as_str())
        .collect();
    let under = |dir: &str, root: &str| {
        root.is_empty() || dir == root || dir.starts_with(&format!("{root}/"))
    };
    let nearest = |dir: &str| {
        props
            .iter()
            .filter(|p| under(dir, p))
            .max_by_key(|p| p.len())
            .copied()
    };
    inputs
        .projects
        .iter()
        .filter(|p| p.what == ProjectName::Build && p.location.file.ends_with(".csproj"))
        .filter(|p| nearest(&p.dir) == Some(v.dir.as_str()))
        .map(|p| (p.dir.as_str(), p.location.clone()))
        .collect()
}

/// A chart's images whose tag defaults to `.Chart.AppVersion`, named like release tags (the
/// component the template's file or image names), datastore and broker images left out.
fn chart(b: &Builder, v: &BuildVersion, inputs: &Inputs) -> Option<SharedVersion> {
    let templates = join(&v.dir, "templates") + "/";
    let mut services: BTreeMap<String, Location> = BTreeMap::new();
    for t in &inputs.release_tags {
        let in_chart = t.location.file.starts_with(&templates);
        if !in_chart
            || !t.group.contains(".Chart.AppVersion")
            || classify::image(&t.image).is_some()
        {
            continue;
        }
        let name = helm_service(&t.image, &t.location.file);
        let id = b.id_in(&name, &t.location.file);
        if b.kind(&id).is_none_or(|k| k.is_app()) {
            services.entry(id).or_insert_with(|| t.location.clone());
        }
    }
    shared_version(v, services)
}

/// The service a Helm image line stands for: the image's last path segment, or the template
/// file's stem when the image name is itself an expression.
pub(crate) fn helm_service(image: &str, file: &str) -> String {
    let (name, _) = crate::parse::release::split_tag(image);
    let name = name.rsplit('/').next().unwrap_or(name);
    if !name.contains("{{") {
        return name.to_string();
    }
    let file = file.rsplit('/').next().unwrap_or(file);
    file.split('.').next().unwrap_or(file).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pom(dir: &str, name: &str, parent: Option<&str>, version: Option<&str>) -> BuildVersion {
        BuildVersion {
            system: BuildSystem::Maven,
            dir: dir.to_string(),
            version: version.map(str::to_string),
            scope: VersionScope::Module {
                name: Some(name.to_string()),
                parent: parent.map(str::to_string),
            },
            location: Location::new(&format!("{dir}/pom.xml"), 1, 1),
        }
    }

    fn groups(poms: &[BuildVersion]) -> Vec<(String, Vec<String>)> {
        let refs: Vec<&BuildVersion> = poms.iter().collect();
        maven(&refs)
            .into_iter()
            .map(|(root, members)| {
                (
                    root.dir.clone(),
                    members.iter().map(|m| m.dir.clone()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn reactor_roots_follow_parents_without_own_versions() {
        let poms = [
            pom("root", "g:root", Some("spring:parent"), Some("1.0")),
            pom("a", "g:a", Some("g:root"), None),
            pom("b", "g:b", Some("g:root"), Some("${revision}")),
            pom("c", "g:c", Some("g:root"), Some("2.0")),
            pom("d", "g:d", Some("g:a"), None),
        ];
        let want = vec![
            ("c".to_string(), vec!["c".to_string()]),
            (
                "root".to_string(),
                ["root", "a", "b", "d"].map(String::from).to_vec(),
            ),
        ];
        let mut got = groups(&poms);
        got.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn parent_cycles_end() {
        let poms = [
            pom("a", "g:a", Some("g:b"), None),
            pom("b", "g:b", Some("g:a"), Some("1.0")),
        ];
        assert_eq!(groups(&poms).len(), 1);
    }
}
