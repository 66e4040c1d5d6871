//! Folder ownership: which service each folder (or single file) belongs to, from the strongest
//! evidence first. A folder is claimed by one kind of evidence only; a weaker claim never takes
//! a folder a stronger one holds (the deepest owned folder still wins, in `OwnerIndex`).

use super::ResolveOptions;
use super::builder::{Builder, dir_of, join, normalise, strip_role_suffix};
use super::inputs::Inputs;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Evidence, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    /// `services:` in monolens.yaml.
    Explicit,
    /// Compose `build` and bind mounts, skaffold artifacts.
    Build,
    /// A build file's project name or the image it builds.
    BuildFile,
    /// The last segment of the service's image is the folder's name.
    Image,
    /// `spring.application.name` in the project's own resources.
    SpringName,
    /// `<app>.yml` in a config server's folder.
    ConfigRepo,
    /// The folder is named like the service.
    FolderName,
    /// The folder is named like the service once a prefix or suffix its siblings share is cut.
    SiblingName,
}

/// Claims on folders, each with the tier that made it; ties within a tier are kept.
struct Claims<'b> {
    /// Folder → the tier of its claims and the services claiming it at that tier.
    by_dir: BTreeMap<String, (Tier, BTreeSet<String>)>,
    /// Several repositories: a service claims folders only in the repositories that declare
    /// it, and the root of a repository named like it (its own code repository, deployed
    /// from another).
    builder: &'b Builder,
}

impl<'b> Claims<'b> {
    fn new(builder: &'b Builder) -> Self {
        Claims {
            by_dir: BTreeMap::new(),
            builder,
        }
    }

    fn claim(&mut self, dir: &str, svc: &str, tier: Tier) {
        let homes = self.builder.repositories_of(svc);
        let repo = dir.split('/').next().unwrap_or_default();
        if !homes.is_empty() && !homes.contains(repo) && dir != repo {
            return;
        }
        let entry = self
            .by_dir
            .entry(dir.to_string())
            .or_insert_with(|| (tier, BTreeSet::new()));
        if tier < entry.0 {
            *entry = (tier, BTreeSet::new());
        }
        if tier == entry.0 {
            entry.1.insert(svc.to_string());
        }
    }

    fn is_claimed(&self, dir: &str) -> bool {
        self.by_dir.contains_key(dir)
    }

    /// Whether a folder lies inside one another service already holds: a `cart` package
    /// inside the order service's sources, or a `cart` page inside the storefront's, is that
    /// service's code, not the cart service's.
    fn inside_other(&self, dir: &str, svc: &str) -> bool {
        let mut d = dir_of(dir);
        while !d.is_empty() {
            if self.by_dir.get(d).is_some_and(|(_, s)| !s.contains(svc)) {
                return true;
            }
            d = dir_of(d);
        }
        false
    }
}

/// App services by the names they go by: normalised, and with a role suffix cut.
struct Names<'a> {
    exact: HashMap<String, BTreeSet<&'a str>>,
    stripped: HashMap<String, BTreeSet<&'a str>>,
}

impl<'a> Names<'a> {
    fn new(b: &'a Builder) -> Self {
        let mut names = Names {
            exact: HashMap::new(),
            stripped: HashMap::new(),
        };
        for c in b.components.values().filter(|c| c.kind.is_app()) {
            for n in &c.names {
                let n = normalise(n);
                let s = strip_role_suffix(&n).to_string();
                names.stripped.entry(s).or_default().insert(&c.id);
                names.exact.entry(n).or_default().insert(&c.id);
            }
        }
        names
    }

    /// The services a name means: exact first, then with role suffixes cut on both sides.
    fn find(&self, name: &str) -> Vec<&'a str> {
        let n = normalise(name);
        let hit = self
            .exact
            .get(&n)
            .or_else(|| self.stripped.get(strip_role_suffix(&n)));
        hit.into_iter().flatten().copied().collect()
    }

    /// Exact names only, for evidence that is already loose (file stems).
    fn find_exact(&self, name: &str) -> Vec<&'a str> {
        let hit = self.exact.get(&normalise(name));
        hit.into_iter().flatten().copied().collect()
    }
}

/// The repository (no registry path, tag or digest) an image's name ends in:
/// `gcr.io/acme/orders:1.0@sha256:…` → `orders`.
pub(super) fn image_name(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last)
}

/// Directory → service, strongest evidence first.
pub(super) fn ownership(b: &Builder, inputs: &Inputs) -> Vec<(String, String)> {
    let opts = &b.opts;
    let mut all_dirs: BTreeSet<&str> = BTreeSet::new();
    for p in &inputs.all_paths {
        let mut d = dir_of(p);
        while !d.is_empty() && all_dirs.insert(d) {
            d = dir_of(d);
        }
    }
    let mut claims = Claims::new(b);
    let explicit = explicit(&mut claims, &all_dirs, opts);
    let names = Names::new(b);
    let files: BTreeSet<&str> = inputs.all_paths.iter().map(String::as_str).collect();
    build_contexts(&mut claims, b, &files);
    projects(&mut claims, b, &names, &inputs.projects);
    // Folders by their normalised last segment: one lookup per service name.
    let mut by_name: HashMap<String, Vec<&str>> = HashMap::new();
    for d in &all_dirs {
        by_name
            .entry(normalise(d.rsplit('/').next().unwrap_or(d)))
            .or_default()
            .push(d);
    }
    images(&mut claims, b, &by_name);
    spring_names(&mut claims, &names, &inputs.file_settings);
    config_repos(&mut claims, &names, &inputs.file_settings);
    folder_names(&mut claims, b, &by_name);
    sibling_names(&mut claims, &names, &all_dirs);
    // Inside an explicitly mapped folder, the heuristics have no say.
    let inside_explicit = |d: &str| {
        explicit
            .iter()
            .any(|e| d != e && (e.is_empty() || d.starts_with(&format!("{e}/"))))
    };
    let mut out = Vec::new();
    for (dir, (_, svcs)) in claims.by_dir {
        if !inside_explicit(&dir) {
            out.extend(svcs.into_iter().map(|s| (dir.clone(), s)));
        }
    }
    out
}

/// Explicit mapping: a directory, or a glob matched against the repository's folders.
fn explicit(claims: &mut Claims, all_dirs: &BTreeSet<&str>, opts: &ResolveOptions) -> Vec<String> {
    let mut dirs = Vec::new();
    for (pattern, svc) in &opts.services {
        let pattern = pattern.trim_end_matches('/');
        if pattern.contains(['*', '?', '[', '{']) {
            let Ok(glob) = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
            else {
                continue;
            };
            let m = glob.compile_matcher();
            for d in all_dirs.iter().filter(|d| m.is_match(d)) {
                claims.claim(d, svc, Tier::Explicit);
                dirs.push(d.to_string());
            }
        } else {
            claims.claim(pattern, svc, Tier::Explicit);
            dirs.push(pattern.to_string());
        }
    }
    dirs
}

/// Compose build contexts (or the Dockerfile's folder when every service shares one context)
/// and bind-mounted config, for app and platform services; a Dockerfile outside the claimed
/// folder is claimed as a file.
fn build_contexts(claims: &mut Claims, b: &Builder, files: &BTreeSet<&str>) {
    for u in &b.units {
        let (id, w) = (&u.id, &u.workload);
        let kind = b.kind(id);
        if !b.is_app(id) && kind != Some(ComponentKind::Platform) {
            continue;
        }
        let Origin::Compose { dir } = &w.origin else {
            continue;
        };
        if let Some(ctx) = &w.build_context
            && !ctx.contains("://")
        {
            let context = join(dir, ctx);
            let root = match &w.dockerfile {
                Some(df) if context == *dir || context.is_empty() => {
                    dir_of(&join(&context, df)).to_string()
                }
                _ => context.clone(),
            };
            let root_claimed = !root.is_empty() && root != *dir;
            if root_claimed {
                claims.claim(&root, id, Tier::Build);
            }
            // The Dockerfile itself, wherever it is (`dockerfile: ../x/Dockerfile`, or beside
            // the compose file): its ENV is what the service runs with.
            let file = join(&context, w.dockerfile.as_deref().unwrap_or("Dockerfile"));
            let covered = root_claimed && file.starts_with(&format!("{root}/"));
            if !covered && files.contains(file.as_str()) {
                claims.claim(&file, id, Tier::Build);
            }
        }
        // Bind-mounted config (`./nginx.conf:/etc/nginx/nginx.conf`) belongs to the service.
        for (source, _, _) in &w.volumes {
            if !source.starts_with('/') {
                claims.claim(&join(dir, source), id, Tier::Build);
            }
        }
    }
}

/// Build files: a skaffold artifact is as strong as a compose build; a project name or the
/// image a build makes names its folder's service. The repository root is never claimed
/// this way (an aggregator's name is the system's, not a service's).
fn projects(claims: &mut Claims, b: &Builder, names: &Names, projects: &[Project]) {
    let by_image = app_images(b);
    for p in projects.iter().filter(|p| !b.is_root(&p.dir)) {
        let (tier, found) = match p.what {
            ProjectName::Build => (Tier::BuildFile, names.find(&p.name)),
            ProjectName::Image | ProjectName::Artifact => {
                let repo = image_name(&p.name);
                let found = match by_image.get(&normalise(repo)) {
                    // One image for several services names no one's folder.
                    Some(svcs) if svcs.len() > 1 => Vec::new(),
                    Some(svcs) => svcs.iter().copied().collect(),
                    None => names.find_exact(repo),
                };
                let tier = match p.what {
                    ProjectName::Artifact => Tier::Build,
                    _ => Tier::BuildFile,
                };
                (tier, found)
            }
        };
        for svc in found {
            claims.claim(&p.dir, svc, tier);
        }
    }
}

/// A folder named like the last segment of a service's image (`acme/shop-orders:1.0` →
/// `shop-orders/`).
fn images(claims: &mut Claims, b: &Builder, by_name: &HashMap<String, Vec<&str>>) {
    for (image, svcs) in app_images(b) {
        // One image for several services names no one's folder.
        if let [svc] = svcs.iter().copied().collect::<Vec<_>>()[..] {
            for d in by_name.get(&image).into_iter().flatten() {
                if !claims.inside_other(d, svc) {
                    claims.claim(d, svc, Tier::Image);
                }
            }
        }
    }
}

/// App services by the normalised repository name of their image.
fn app_images(b: &Builder) -> HashMap<String, BTreeSet<&str>> {
    let mut by_image: HashMap<String, BTreeSet<&str>> = HashMap::new();
    for c in b.components.values().filter(|c| c.kind.is_app()) {
        if let Some(image) = &c.image {
            by_image
                .entry(normalise(image_name(image)))
                .or_default()
                .insert(&c.id);
        }
    }
    by_image
}

/// Spring's resource folders: the project is the folder above them.
const SPRING_RESOURCES: &[&str] = &["/src/main/resources/", "/src/main/resources"];
/// Settings that name the Spring application a config file configures.
const SPRING_NAME_KEYS: &[&str] = &["spring.application.name"];

/// `spring.application.name` in a project's own `application.yml` / `bootstrap.yml` /
/// `.properties`: the project folder is that service's.
fn spring_names(claims: &mut Claims, names: &Names, files: &BTreeMap<String, Vec<Setting>>) {
    for (path, settings) in files {
        let file = path.rsplit('/').next().unwrap_or(path);
        if !(file.starts_with("application") || file.starts_with("bootstrap")) {
            continue;
        }
        let Some(project) = SPRING_RESOURCES
            .iter()
            .find_map(|r| path.find(r).map(|at| &path[..at]))
        else {
            continue;
        };
        for s in settings
            .iter()
            .filter(|s| SPRING_NAME_KEYS.contains(&&*s.key))
        {
            // `${APP_NAME:orders}`: the default is the name the repository gives.
            let value = crate::interp::spring(&s.value, &|_| None);
            for svc in names.find(&value) {
                claims.claim(project, svc, Tier::SpringName);
            }
        }
    }
}

/// Config-server repositories: a folder with `<app>.yml` / `<app>-<profile>.yml` files for at
/// least two known services; each such file is its app's, and the folder's `application.yml`
/// is every one of those apps'.
fn config_repos(claims: &mut Claims, names: &Names, files: &BTreeMap<String, Vec<Setting>>) {
    let mut by_dir: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for path in files.keys() {
        let file = path.rsplit('/').next().unwrap_or(path);
        let Some((stem, ext)) = file.rsplit_once('.') else {
            continue;
        };
        if !matches!(ext, "yml" | "yaml" | "properties")
            || stem.starts_with("application")
            || stem.starts_with("bootstrap")
        {
            continue;
        }
        let mut found = names.find_exact(stem);
        if found.is_empty()
            && let Some((app, _profile)) = stem.rsplit_once('-')
        {
            found = names.find_exact(app);
        }
        if let [svc] = found[..] {
            by_dir.entry(dir_of(path)).or_default().push((path, svc));
        }
    }
    for (dir, files_here) in &by_dir {
        let apps: BTreeSet<&str> = files_here.iter().map(|(_, s)| *s).collect();
        if apps.len() < 2 {
            continue;
        }
        for (path, svc) in files_here {
            claims.claim(path, svc, Tier::ConfigRepo);
        }
        // `application.yml` there is served to every client of the config server.
        for shared in files
            .keys()
            .filter(|p| dir_of(p) == *dir && is_shared_config(p))
        {
            for svc in &apps {
                claims.claim(shared, svc, Tier::ConfigRepo);
            }
        }
    }
}

/// `application.yml`, `application-<profile>.properties`: what a config server serves to all.
fn is_shared_config(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.rsplit_once('.').is_some_and(|(stem, ext)| {
        matches!(ext, "yml" | "yaml" | "properties")
            && (stem == "application" || stem.starts_with("application-"))
    })
}

/// Folders named like a service (normalised), or like it without a role suffix.
fn folder_names(claims: &mut Claims, b: &Builder, by_name: &HashMap<String, Vec<&str>>) {
    for c in b.components.values().filter(|c| c.kind.is_app()) {
        let wanted: BTreeSet<String> = c.names.iter().map(|n| normalise(n)).collect();
        let lookup = |strip: bool| -> Vec<&str> {
            wanted
                .iter()
                .flat_map(|w| {
                    let key = if strip { strip_role_suffix(w) } else { w };
                    by_name.get(key).into_iter().flatten().copied()
                })
                .collect()
        };
        let mut found = lookup(false);
        if found.is_empty() {
            found = lookup(true);
        }
        for d in found {
            if !claims.inside_other(d, &c.id) {
                claims.claim(d, &c.id, Tier::FolderName);
            }
        }
    }
}

/// Last resort, for services that own nothing yet: folder names after cutting a prefix or a
/// suffix that at least two sibling folders share (`shop-` of `shop-orders`, `shop-vets`;
/// `tools.acme.` of `tools.acme.auth`, `tools.acme.orders`).
fn sibling_names(claims: &mut Claims, names: &Names, all_dirs: &BTreeSet<&str>) {
    let owning: BTreeSet<String> = claims
        .by_dir
        .values()
        .flat_map(|(_, s)| s.clone())
        .collect();
    let mut children: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for d in all_dirs {
        children.entry(dir_of(d)).or_default().push(d);
    }
    for kids in children.values().filter(|k| k.len() >= 2) {
        let leaf = |d: &&str| d.rsplit('/').next().unwrap_or(d).to_string();
        let leaves: Vec<String> = kids.iter().map(leaf).collect();
        let (prefixes, suffixes) = shared_affixes(&leaves);
        for (d, name) in kids.iter().zip(&leaves) {
            if claims.is_claimed(d) {
                continue;
            }
            let found: BTreeSet<&str> = cut_names(name, &prefixes, &suffixes)
                .iter()
                .flat_map(|n| names.find(n))
                .filter(|s| !owning.contains(*s))
                .collect();
            // Ambiguous cuts name nobody.
            if let [svc] = found.iter().copied().collect::<Vec<_>>()[..]
                && !claims.inside_other(d, svc)
            {
                claims.claim(d, svc, Tier::SiblingName);
            }
        }
    }
}

const SEPARATORS: &[char] = &['-', '_', '.'];

/// Prefixes and suffixes (ending / starting at a separator) that two or more names share.
fn shared_affixes(names: &[String]) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut pre: HashMap<&str, usize> = HashMap::new();
    let mut suf: HashMap<&str, usize> = HashMap::new();
    for n in names {
        for (i, _) in n.match_indices(SEPARATORS) {
            *pre.entry(&n[..=i]).or_default() += 1;
            *suf.entry(&n[i..]).or_default() += 1;
        }
    }
    let keep = |m: HashMap<&str, usize>| {
        m.into_iter()
            .filter(|(_, c)| *c >= 2)
            .map(|(a, _)| a.to_string())
            .collect()
    };
    (keep(pre), keep(suf))
}

/// A name with its longest shared prefix cut, its longest shared suffix cut, and both; never
/// down to nothing.
fn cut_names(name: &str, prefixes: &BTreeSet<String>, suffixes: &BTreeSet<String>) -> Vec<String> {
    let longest = |set: &BTreeSet<String>, pre: bool| {
        set.iter()
            .filter(|a| a.len() < name.len())
            .filter(|a| {
                if pre {
                    name.starts_with(a.as_str())
                } else {
                    name.ends_with(a.as_str())
                }
            })
            .map(String::len)
            .max()
            .unwrap_or(0)
    };
    let (p, s) = (longest(prefixes, true), longest(suffixes, false));
    let mut out = Vec::new();
    if p > 0 {
        out.push(name[p..].to_string());
    }
    if s > 0 {
        out.push(name[..name.len() - s].to_string());
    }
    if p > 0 && s > 0 && p + s < name.len() {
        out.push(name[p..name.len() - s].to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affixes() {
        let names: Vec<String> = ["shop-customers-service", "shop-vets-service", "docs"]
            .map(String::from)
            .to_vec();
        let (p, s) = shared_affixes(&names);
        assert!(p.contains("shop-") && s.contains("-service"));
        assert_eq!(
            cut_names("shop-vets-service", &p, &s),
            vec!["vets-service", "shop-vets", "vets"]
        );
        let dotted: Vec<String> = ["tools.acme.shop.auth", "tools.acme.shop.orders"]
            .map(String::from)
            .to_vec();
        let (p, s) = shared_affixes(&dotted);
        assert_eq!(cut_names("tools.acme.shop.auth", &p, &s), vec!["auth"]);
        let lonely = vec!["shop-orders".to_string()];
        let (p, s) = shared_affixes(&lonely);
        assert!(cut_names("shop-orders", &p, &s).is_empty());
    }

    #[test]
    fn image_names() {
        assert_eq!(image_name("gcr.io/acme/orders:1.0@sha256:ab"), "orders");
        assert_eq!(image_name("localhost:5000/orders"), "orders");
        assert_eq!(image_name("orders"), "orders");
    }
}
