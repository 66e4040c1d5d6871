//! The builder every pass adds to: components with their names, settings, accesses, edges and
//! the lookups (host → component) that later passes ask, plus small path and name helpers.

use super::ResolveOptions;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Producers and consumers of one (broker, topic), with their evidence.
#[derive(Default)]
pub(super) struct TopicUse {
    pub producers: BTreeMap<String, Vec<Evidence>>,
    pub consumers: BTreeMap<String, Vec<Evidence>>,
}

/// A deployable unit after identity: its component, the workload and its variant.
pub(super) struct Unit {
    pub id: String,
    pub workload: Workload,
    pub variant: Option<String>,
}

/// A kind decided for a component, with its reason.
pub(super) struct Classified {
    pub kind: ComponentKind,
    pub technology: Option<&'static str>,
    pub reason: KindReason,
}

impl Classified {
    pub fn new(kind: ComponentKind, technology: Option<&'static str>, reason: KindReason) -> Self {
        Classified {
            kind,
            technology,
            reason,
        }
    }
}

pub(super) fn reason(rule: &'static str, detail: impl Into<String>, at: &Location) -> KindReason {
    KindReason {
        rule,
        detail: detail.into(),
        location: at.clone(),
    }
}

pub(super) type EdgeKey = (String, String, EdgeKind, Option<String>);
pub(super) type AccessKey = (String, String, Option<String>);

pub(super) struct Builder {
    pub opts: ResolveOptions,
    pub components: BTreeMap<String, Component>,
    /// lowercase name → component id
    pub names: HashMap<String, String>,
    /// k8s ExternalName Service → target host
    pub external_names: HashMap<String, String>,
    /// Selectorless k8s Services: an external server declared in-cluster.
    pub declared_external: HashMap<String, Location>,
    /// normalised name → component id: `ordering.backgroundtasks` and
    /// `ordering-backgroundtasks` are one service written two ways.
    pub canonical: HashMap<String, String>,
    /// Ports that k8s Services name `grpc*`, per component: a `host:port` call there is gRPC.
    pub grpc_ports: HashMap<String, BTreeSet<u16>>,
    /// (broker, topic) → producers and consumers with their evidence.
    pub topic_roles: BTreeMap<(String, String), TopicUse>,
    pub settings: BTreeMap<String, Vec<ResolvedSetting>>,
    /// Normalised env keys each service is known to read (its code's lookups, and keys its
    /// config files name); absent when its code reads none, so use is unknowable.
    pub env_reads: HashMap<String, BTreeSet<String>>,
    /// Normalised config-file keys each service's binders bind through a member its code
    /// never reads: values it is given and provably does not use.
    pub unread_config: HashMap<String, BTreeSet<String>>,
    pub accesses: BTreeMap<AccessKey, Access>,
    pub edges: BTreeMap<EdgeKey, Edge>,
    pub diagnostics: Vec<Diagnostic>,
    pub units: Vec<Unit>,
    /// Repository-relative directory → owning service.
    pub service_dirs: Vec<(String, String)>,
    /// Library module directory (no service owns it) → a service whose build depends on it.
    pub library_dirs: Vec<(String, String)>,
    /// File → deployment variant, for declaration files when the repository has several.
    pub variant_of_file: BTreeMap<String, String>,
    pub variants: Vec<String>,
    /// The variant a name resolves in when its own variant does not declare it.
    pub primary_variant: Option<String>,
    /// Lowercase names that components of several repositories declare and that stay apart:
    /// they resolve only inside a repository, through `qualified`, never globally.
    pub ambiguous: HashSet<String>,
    /// (repository, normalised name) → the component that name is in that repository.
    pub qualified: HashMap<(String, String), String>,
    /// Names other repositories declare too (a kept-apart component's id, or the name merged
    /// components share), with why they are one or apart; put on the components once made.
    pub identities: Vec<(String, KindReason)>,
    /// `opts.repositories` as a set, when there are several (each file lookup asks it).
    repositories: HashSet<String>,
}

impl Builder {
    pub fn new(opts: &ResolveOptions, diagnostics: Vec<Diagnostic>) -> Self {
        Builder {
            opts: opts.clone(),
            components: BTreeMap::new(),
            names: HashMap::new(),
            external_names: HashMap::new(),
            declared_external: HashMap::new(),
            canonical: HashMap::new(),
            grpc_ports: HashMap::new(),
            topic_roles: BTreeMap::new(),
            settings: BTreeMap::new(),
            env_reads: HashMap::new(),
            unread_config: HashMap::new(),
            accesses: BTreeMap::new(),
            edges: BTreeMap::new(),
            diagnostics,
            units: Vec::new(),
            service_dirs: Vec::new(),
            library_dirs: Vec::new(),
            variant_of_file: BTreeMap::new(),
            variants: Vec::new(),
            primary_variant: None,
            ambiguous: HashSet::new(),
            qualified: HashMap::new(),
            identities: Vec::new(),
            repositories: match opts.repositories.as_slice() {
                [] | [_] => HashSet::new(),
                many => many.iter().cloned().collect(),
            },
        }
    }

    /// The variant a declaration file belongs to, when there are several.
    pub fn variant(&self, file: &str) -> Option<String> {
        variant_of_file(&self.variant_of_file, file).map(str::to_string)
    }

    /// The repository a file belongs to when several are resolved as one system.
    pub fn repository_of<'f>(&self, file: &'f str) -> Option<&'f str> {
        let first = file.split('/').next()?;
        self.repositories.contains(first).then_some(first)
    }

    /// The root of the repository, or of one of the repositories resolved as one system.
    pub fn is_root(&self, dir: &str) -> bool {
        dir.is_empty() || (self.opts.repositories.len() > 1 && self.repository_of(dir) == Some(dir))
    }

    /// The repositories that declare a component (none for one repository).
    pub fn repositories_of(&self, id: &str) -> BTreeSet<&str> {
        if self.repositories.is_empty() {
            return BTreeSet::new();
        }
        self.components.get(id).map_or_else(BTreeSet::new, |c| {
            c.declarations
                .iter()
                .filter_map(|d| self.repository_of(&d.file))
                .collect()
        })
    }

    /// Whether two components are declared in one repository (always, for one repository).
    pub fn same_repository(&self, a: &str, b: &str) -> bool {
        self.opts.repositories.len() < 2
            || !self
                .repositories_of(a)
                .is_disjoint(&self.repositories_of(b))
    }

    /// The component a name declared (or referred to) in `file` is: its repository's own
    /// when other repositories declare the name too.
    pub fn id_in(&self, name: &str, file: &str) -> String {
        self.scoped(&name.to_ascii_lowercase(), file)
            .unwrap_or_else(|| self.id_of(name))
    }

    /// The component of `workload`.
    pub fn id_of_workload(&self, w: &Workload) -> String {
        self.id_in(&w.name, &w.declared.file)
    }

    /// For an ambiguous lowercase name, the component it is in `file`'s repository.
    pub fn scoped(&self, lower: &str, file: &str) -> Option<String> {
        if !self.ambiguous.contains(lower) {
            return None;
        }
        let repo = self.repository_of(file)?;
        self.qualified
            .get(&(repo.to_string(), normalise(lower)))
            .cloned()
    }

    /// The component a lowercase name (host) names, seen from `file`: an ambiguous name only
    /// inside a repository that declares it.
    fn named(&self, lower: &str, file: &str) -> Option<String> {
        if self.ambiguous.contains(lower) {
            return self.scoped(lower, file);
        }
        self.names.get(lower).cloned()
    }

    /// The component id a workload name maps to.
    pub fn id_of(&self, name: &str) -> String {
        self.canonical
            .get(&canonical_key(name))
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    pub fn kind(&self, id: &str) -> Option<ComponentKind> {
        self.components.get(id).map(|c| c.kind)
    }

    pub fn is_app(&self, id: &str) -> bool {
        self.kind(id).is_some_and(ComponentKind::is_app)
    }

    /// Add (or merge into) a component; returns its id.
    pub fn add_component(
        &mut self,
        name: &str,
        class: Classified,
        location: Location,
        image: Option<String>,
    ) -> String {
        let id = self
            .canonical
            .entry(canonical_key(name))
            // A name is shown in every report: it carries no control characters.
            .or_insert_with(|| crate::visible::one_line(name).into_owned())
            .clone();
        let entry = self
            .components
            .entry(id.clone())
            .or_insert_with(|| Component {
                id: id.to_string(),
                kind: class.kind,
                technology: class.technology.map(str::to_string),
                location: location.clone(),
                declarations: Vec::new(),
                names: BTreeSet::new(),
                owners: Vec::new(),
                image: image.clone(),
                ignores: Vec::new(),
                kind_reason: class.reason.clone(),
                variants: BTreeSet::new(),
                identity: None,
            });
        if entry.technology.is_none() {
            entry.technology = class.technology.map(str::to_string);
        }
        if entry.image.is_none() {
            entry.image = image;
        }
        if !entry.declarations.contains(&location) {
            entry.declarations.push(location);
        }
        entry.names.insert(id.to_ascii_lowercase());
        entry.names.insert(name.to_ascii_lowercase());
        // A service described twice (compose and k8s): a specific reading wins over "application".
        if entry.kind == ComponentKind::Service && class.kind != ComponentKind::Service {
            entry.kind = class.kind;
            entry.kind_reason = class.reason;
        }
        self.names.insert(name.to_ascii_lowercase(), id.clone());
        id
    }

    /// Change an application service's kind, with the reason; other kinds stay as they are.
    pub fn reclassify(&mut self, id: &str, kind: ComponentKind, reason: KindReason) -> bool {
        match self.components.get_mut(id) {
            Some(c) if c.kind == ComponentKind::Service && kind != c.kind => {
                c.kind = kind;
                c.kind_reason = reason;
                true
            }
            _ => false,
        }
    }

    pub fn add_name(&mut self, name: &str, id: &str) {
        let lower = name.to_ascii_lowercase();
        if let Some(c) = self.components.get_mut(id) {
            c.names.insert(lower.clone());
        }
        // A name several repositories declare resolves only through `qualified`.
        if !self.ambiguous.contains(&lower) {
            self.names.entry(lower).or_insert_with(|| id.to_string());
        }
    }

    /// The component a host named in `from` (a file) names, following k8s DNS forms and
    /// ExternalName Services.
    pub fn lookup_host(&self, host: &str, from: &str) -> Option<String> {
        self.resolve_host(host, from).ok()
    }

    /// `Ok(component id)` for a host the repository declares; `Err(host)` with the final
    /// external host name (after ExternalName redirects) otherwise. `from` is the file that
    /// names the host: a name several repositories declare means its own repository's.
    pub fn resolve_host(&self, host: &str, from: &str) -> Result<String, String> {
        let mut h = host.to_ascii_lowercase();
        for _ in 0..4 {
            if let Some(id) = self.named(&h, from) {
                return Ok(id);
            }
            let short = h
                .trim_end_matches('.')
                .trim_end_matches(".cluster.local")
                .trim_end_matches(".svc")
                .to_string();
            let first = short.split('.').next().unwrap_or(&short).to_string();
            // `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`; a longer name is a real
            // domain and is not cut down.
            if short != h || short.matches('.').count() == 1 {
                // A cluster DNS form names a k8s Service: its ExternalName wins over a
                // compose service of the same name.
                if let Some(target) = self.external_names.get(&first) {
                    h = target.to_ascii_lowercase();
                    continue;
                }
                if let Some(id) = self.named(&first, from) {
                    return Ok(id);
                }
                // A selectorless Service: the external server goes by the Service's name.
                if self.declared_external.contains_key(&first) {
                    return Err(first);
                }
            }
            match self.external_names.get(&h) {
                Some(target) => h = target.to_ascii_lowercase(),
                None => return Err(h),
            }
        }
        Err(h)
    }

    /// The edge for a key, created empty on first use.
    pub fn edge(
        &mut self,
        from: &str,
        to: &str,
        kind: EdgeKind,
        protocol: Option<String>,
    ) -> &mut Edge {
        self.edge_on(from, to, kind, protocol, None)
    }

    pub fn edge_on(
        &mut self,
        from: &str,
        to: &str,
        kind: EdgeKind,
        protocol: Option<String>,
        topic: Option<String>,
    ) -> &mut Edge {
        self.edges
            .entry((from.to_string(), to.to_string(), kind, topic.clone()))
            .or_insert_with(|| Edge {
                from: from.to_string(),
                to: to.to_string(),
                kind,
                protocol,
                database: None,
                topic,
                evidence: Vec::new(),
                evidence_count: 0,
                scope: Scope::none(),
                confidence: Confidence::Used,
            })
    }
}

pub(super) fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Join a relative path onto a directory and normalise `.` and `..`.
pub fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|p| !p.is_empty()).collect()
    };
    for p in rel.split(['/', '\\']) {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The `canonical` key of a name: `normalise`d, except a repository-qualified id
/// (`ftgo/kafka`, kept apart from another repository's `kafka`), which must never meet a
/// real name (`ftgo-kafka`) and keeps its `/`.
fn canonical_key(name: &str) -> String {
    if name.contains('/') {
        format!("/{}", name.to_ascii_lowercase())
    } else {
        normalise(name)
    }
}

/// Letters and digits only, lowercase: `Ordering.API` and `ordering-api` meet as `orderingapi`.
pub(super) fn normalise(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

pub(super) fn strip_role_suffix(n: &str) -> &str {
    for s in ["service", "svc", "api", "app", "server"] {
        if let Some(stripped) = n.strip_suffix(s)
            && stripped.len() >= 3
        {
            return stripped;
        }
    }
    n
}

/// Add evidence; repeats are dropped once, when the model is finished.
pub(super) fn push_evidence(list: &mut Vec<Evidence>, items: Vec<Evidence>) {
    list.extend(items);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            join("src", "./Services/X/Dockerfile"),
            "src/Services/X/Dockerfile"
        );
        assert_eq!(join("a/b", "../c"), "a/c");
        assert_eq!(join("", "."), "");
        assert_eq!(normalise("Ordering.API"), "orderingapi");
        assert_eq!(strip_role_suffix("cartservice"), "cart");
    }
}
