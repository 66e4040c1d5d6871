//! Resolution: the only place that links facts across files. It merges compose files per
//! directory, interpolates variables, follows ConfigMap/Secret references, decides service
//! identity and which files belong to which service, and turns connection strings into
//! accesses to datastore components. Output: the `Model`.

use crate::classify;
use crate::connstr::{self, ConnInfo};
use crate::discover::{self, InputKind};
use crate::interp;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Settings from `monolens.yaml` that steer resolution.
#[derive(Debug, Clone, Default)]
pub struct ResolveOptions {
    /// Explicit directory (or glob) → service mapping, checked before the heuristics.
    pub services: Vec<(String, String)>,
    /// Extra image substrings that are sidecars.
    pub sidecars: Vec<String>,
    /// Extra component names that are platform.
    pub platform: Vec<String>,
}

/// One setting after interpolation and reference-following, as a service sees it.
#[derive(Debug, Clone)]
pub struct ResolvedSetting {
    pub key: String,
    pub value: String,
    /// Where the value is written.
    pub location: Location,
    /// Where the service refers to it, when that is elsewhere (`valueFrom`, `envFrom`).
    pub via: Option<Location>,
    /// Read from a k8s Secret (a secret by design, not a plaintext credential).
    pub from_secret: bool,
}

#[derive(Default)]
struct TopicUse {
    producers: BTreeMap<String, Vec<Evidence>>,
    consumers: BTreeMap<String, Vec<Evidence>>,
}

struct Builder {
    components: BTreeMap<String, Component>,
    /// lowercase name → component id
    names: HashMap<String, String>,
    /// k8s ExternalName Service → target host
    external_names: HashMap<String, String>,
    /// Selectorless k8s Services: an external server declared in-cluster.
    declared_external: HashMap<String, Location>,
    /// normalised name → component id: `ordering.backgroundtasks` and
    /// `ordering-backgroundtasks` are one service written two ways.
    canonical: HashMap<String, String>,
    /// Ports that k8s Services name `grpc*`, per component: a `host:port` call there is gRPC.
    grpc_ports: HashMap<String, BTreeSet<u16>>,
    /// (broker, topic) → producers and consumers with their evidence.
    topic_roles: BTreeMap<(String, String), TopicUse>,
    settings: BTreeMap<String, Vec<ResolvedSetting>>,
    accesses: BTreeMap<(String, String, Option<String>), Access>,
    edges: BTreeMap<(String, String, EdgeKind, Option<String>), Edge>,
    diagnostics: Vec<Diagnostic>,
}

fn is_base_compose(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    matches!(
        name.as_str(),
        "docker-compose.yml" | "docker-compose.yaml" | "compose.yml" | "compose.yaml"
    )
}

fn dir_of(path: &str) -> &str {
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

/// Letters and digits only, lowercase: `Ordering.API` and `ordering-api` meet as `orderingapi`.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn strip_role_suffix(n: &str) -> &str {
    for s in ["service", "svc", "api", "app", "server"] {
        if let Some(stripped) = n.strip_suffix(s)
            && stripped.len() >= 3
        {
            return stripped;
        }
    }
    n
}

const LOCAL_HOSTS: &[&str] = &[
    "localhost",
    "127.0.0.1",
    "0.0.0.0",
    "::1",
    "host.docker.internal",
];

/// Merge compose services that share a name within one directory: the base file first, then
/// the others by name (override files are merged, as `docker compose` does by default).
fn merge_compose(mut list: Vec<Workload>) -> Vec<Workload> {
    list.sort_by(|a, b| {
        (
            !is_base_compose(&a.declared.file),
            &a.declared.file,
            a.declared.line,
        )
            .cmp(&(
                !is_base_compose(&b.declared.file),
                &b.declared.file,
                b.declared.line,
            ))
    });
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
    base.env_files.extend(over.env_files);
    base.depends_on.extend(over.depends_on);
    base.aliases.extend(over.aliases);
    base.links.extend(over.links);
    base.profiles.extend(over.profiles);
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

impl Builder {
    /// The component id a workload name maps to.
    fn id_of(&self, name: &str) -> String {
        self.canonical
            .get(&normalise(name))
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// Add (or merge into) a component; returns its id.
    fn add_component(
        &mut self,
        name: &str,
        kind: ComponentKind,
        technology: Option<&str>,
        location: Location,
        image: Option<String>,
    ) -> String {
        let id = self
            .canonical
            .entry(normalise(name))
            .or_insert_with(|| name.to_string())
            .clone();
        let entry = self
            .components
            .entry(id.clone())
            .or_insert_with(|| Component {
                id: id.to_string(),
                kind,
                technology: technology.map(str::to_string),
                location: location.clone(),
                declarations: Vec::new(),
                names: BTreeSet::new(),
                owners: Vec::new(),
                image: image.clone(),
                ignores: Vec::new(),
            });
        if entry.technology.is_none() {
            entry.technology = technology.map(str::to_string);
        }
        if entry.image.is_none() {
            entry.image = image;
        }
        // A service described twice (compose and k8s): the app reading wins over "unknown".
        if !entry.declarations.contains(&location) {
            entry.declarations.push(location);
        }
        entry.names.insert(id.to_ascii_lowercase());
        entry.names.insert(name.to_ascii_lowercase());
        if entry.kind == ComponentKind::Service && kind != ComponentKind::Service {
            entry.kind = kind;
        }
        self.names.insert(name.to_ascii_lowercase(), id.clone());
        id
    }

    fn add_name(&mut self, name: &str, id: &str) {
        let lower = name.to_ascii_lowercase();
        if let Some(c) = self.components.get_mut(id) {
            c.names.insert(lower.clone());
        }
        self.names.entry(lower).or_insert_with(|| id.to_string());
    }

    /// The component a host names, following k8s DNS forms and ExternalName Services.
    fn lookup_host(&self, host: &str) -> Option<String> {
        self.resolve_host(host).ok()
    }

    /// `Ok(component id)` for a host the repository declares; `Err(host)` with the final
    /// external host name (after ExternalName redirects) otherwise.
    fn resolve_host(&self, host: &str) -> Result<String, String> {
        let mut h = host.to_ascii_lowercase();
        for _ in 0..4 {
            if let Some(id) = self.names.get(&h) {
                return Ok(id.clone());
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
                if let Some(id) = self.names.get(&first) {
                    return Ok(id.clone());
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
}

/// Resolve all facts into the model.
pub fn resolve(root: &str, files: Vec<FileFacts>, opts: &ResolveOptions) -> Model {
    let mut b = Builder {
        components: BTreeMap::new(),
        names: HashMap::new(),
        external_names: HashMap::new(),
        declared_external: HashMap::new(),
        canonical: HashMap::new(),
        grpc_ports: HashMap::new(),
        topic_roles: BTreeMap::new(),
        settings: BTreeMap::new(),
        accesses: BTreeMap::new(),
        edges: BTreeMap::new(),
        diagnostics: Vec::new(),
    };

    // ---- gather -------------------------------------------------------------------------
    let mut compose_by_dir: BTreeMap<String, Vec<Workload>> = BTreeMap::new();
    let mut k8s_workloads = Vec::new();
    let mut k8s_services = Vec::new();
    let mut endpoints: HashMap<String, Location> = HashMap::new();
    let mut config_data: Vec<ConfigData> = Vec::new();
    let mut ingresses: Vec<Ingress> = Vec::new();
    let mut release_tags: Vec<ReleaseTag> = Vec::new();
    let mut owner_rules: Vec<OwnerRule> = Vec::new();
    let mut ignores: Vec<IgnoreComment> = Vec::new();
    let mut sql_facts: BTreeMap<String, Vec<crate::parse::sql::SqlFact>> = BTreeMap::new();
    let mut file_settings: BTreeMap<String, Vec<Setting>> = BTreeMap::new();
    let mut literals: BTreeMap<String, Vec<(String, Location)>> = BTreeMap::new();
    let mut all_paths = Vec::new();
    for f in files {
        b.diagnostics.extend(f.diagnostics);
        all_paths.push(f.path.clone());
        for fact in f.facts {
            match fact {
                Fact::Workload(w) => match &w.origin {
                    Origin::Compose { dir } => {
                        compose_by_dir.entry(dir.clone()).or_default().push(*w)
                    }
                    Origin::Kubernetes { .. } => k8s_workloads.push(*w),
                },
                Fact::K8sService(s) => k8s_services.push(s),
                Fact::K8sEndpoints {
                    name,
                    addresses,
                    location,
                    ..
                } => {
                    if !addresses.is_empty() {
                        endpoints.insert(name, location);
                    }
                }
                Fact::ConfigData(c) => config_data.push(c),
                Fact::Ingress(i) => ingresses.push(i),
                Fact::ReleaseTag(t) => release_tags.push(t),
                Fact::Owner(o) => owner_rules.push(o),
                Fact::Ignore(c) => ignores.push(c),
                Fact::Sql(q) => sql_facts.entry(f.path.clone()).or_default().push(q),
                Fact::Setting(s) => file_settings.entry(f.path.clone()).or_default().push(s),
                Fact::Literal { value, location } => literals
                    .entry(f.path.clone())
                    .or_default()
                    .push((value, location)),
            }
        }
    }

    // ---- compose: merge per directory, extends, interpolation ----------------------------
    let mut compose: Vec<Workload> = compose_by_dir
        .into_values()
        .flat_map(merge_compose)
        .collect();
    apply_extends(&mut compose, &mut b.diagnostics);
    for w in &mut compose {
        let Origin::Compose { dir } = &w.origin else {
            continue;
        };
        let dotenv_path = join(dir, ".env");
        let vars: HashMap<&str, &str> = file_settings
            .get(&dotenv_path)
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
            for s in &mut c.env {
                s.value = interp::compose(&s.value, &lookup);
            }
        }
        if let Some(ctx) = &mut w.build_context {
            *ctx = interp::compose(ctx, &lookup);
        }
    }

    // ---- components from workloads --------------------------------------------------------
    let mut units: Vec<(String, Workload, Vec<ResolvedSetting>)> = Vec::new();
    let config_index: HashMap<(RefKind, &str), &ConfigData> = config_data
        .iter()
        .map(|c| ((c.kind, c.name.as_str()), c))
        .collect();
    for w in compose.iter().chain(k8s_workloads.iter()) {
        let main = w
            .containers
            .iter()
            .filter(|c| !c.init)
            .find(|c| {
                !c.image
                    .as_ref()
                    .is_some_and(|(i, _)| classify::is_sidecar(i, &opts.sidecars))
            })
            .or_else(|| w.containers.iter().find(|c| !c.init));
        let image = main.and_then(|c| c.image.as_ref()).map(|(i, _)| i.clone());
        let by_image = image.as_deref().and_then(classify::image);
        let by_name = || {
            classify::name(&w.name).or_else(|| {
                image
                    .as_deref()
                    .and_then(|i| classify::name(&classify::image_repository(i)))
            })
        };
        let env_keys = w
            .containers
            .iter()
            .flat_map(|c| c.env.iter().map(|s| s.key.as_str()));
        let (kind, tech) = match by_image.or_else(by_name) {
            Some((k, t)) => (k, Some(t)),
            None if classify::name_says_datastore(&w.name)
                || image.as_deref().is_some_and(classify::name_says_datastore) =>
            {
                (
                    ComponentKind::Datastore,
                    classify::technology_from_env(env_keys),
                )
            }
            None if classify::name_says_platform(&w.name) || opts.platform.contains(&w.name) => {
                (ComponentKind::Platform, None)
            }
            None => (ComponentKind::Service, None),
        };
        let kind = if opts.platform.contains(&w.name) {
            ComponentKind::Platform
        } else {
            kind
        };
        let id = b.add_component(&w.name, kind, tech, w.declared.clone(), image);
        if let Some((_, rules)) = w
            .annotations
            .iter()
            .find(|(k, _)| k == "monolens.dev/ignore")
            && let Some(c) = b.components.get_mut(&id)
        {
            c.ignores.extend(
                rules
                    .split([',', ' '])
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_string),
            );
        }
        for a in &w.aliases {
            b.add_name(a, &id);
        }
        // Settings as this workload's containers see them.
        let mut settings = Vec::new();
        for c in w.containers.iter() {
            // Connection strings passed as arguments: `-DSN=…`, `--spring.datasource.url=…`.
            if let Some((cmd, at)) = &c.command {
                for token in cmd.split_whitespace() {
                    let value = token.split_once('=').map_or(token, |(_, v)| v);
                    if connstr::parse(value).is_some() {
                        settings.push(ResolvedSetting {
                            key: "args".into(),
                            value: value.to_string(),
                            location: at.clone(),
                            via: None,
                            from_secret: false,
                        });
                    }
                }
            }
            for s in &c.env {
                match &s.source {
                    EnvSource::Literal => settings.push(ResolvedSetting {
                        key: s.key.clone(),
                        value: s.value.clone(),
                        location: s.location.clone(),
                        via: None,
                        from_secret: false,
                    }),
                    EnvSource::Ref { kind, name, key } => {
                        if let Some(e) = config_index
                            .get(&(*kind, name.as_str()))
                            .and_then(|c| c.entries.iter().find(|e| &e.key == key))
                        {
                            settings.push(ResolvedSetting {
                                key: s.key.clone(),
                                value: e.value.clone(),
                                location: e.location.clone(),
                                via: Some(s.location.clone()),
                                from_secret: *kind == RefKind::Secret,
                            });
                        }
                    }
                    EnvSource::Runtime => {}
                }
            }
            for ef in &c.env_from {
                if let Some(cd) = config_index.get(&(ef.kind, ef.name.as_str())) {
                    for e in &cd.entries {
                        settings.push(ResolvedSetting {
                            key: format!("{}{}", ef.prefix, e.key),
                            value: e.value.clone(),
                            location: e.location.clone(),
                            via: Some(ef.location.clone()),
                            from_secret: ef.kind == RefKind::Secret,
                        });
                    }
                }
            }
        }
        if let Origin::Compose { dir } = &w.origin {
            for (file, at) in &w.env_files {
                let path = join(dir, file);
                match file_settings.get(&path) {
                    Some(list) => settings.extend(list.iter().map(|s| ResolvedSetting {
                        key: s.key.clone(),
                        value: s.value.clone(),
                        location: s.location.clone(),
                        via: Some(at.clone()),
                        from_secret: false,
                    })),
                    None => b.diagnostics.push(Diagnostic::note(
                        &at.file,
                        at.line,
                        format!("env_file `{file}` was not found among the scanned files"),
                    )),
                }
            }
        }
        units.push((id, w.clone(), settings));
    }

    // ---- k8s Services: names for workloads, ExternalName, selectorless -------------------
    let mut by_label: HashMap<&(String, String), Vec<usize>> = HashMap::new();
    for (i, w) in k8s_workloads.iter().enumerate() {
        for l in &w.labels {
            by_label.entry(l).or_default().push(i);
        }
    }
    for s in &k8s_services {
        if let Some(target) = &s.external_name {
            b.external_names
                .insert(s.name.to_ascii_lowercase(), target.clone());
            b.declared_external
                .insert(target.to_ascii_lowercase(), s.declared.clone());
            continue;
        }
        if s.selector.is_empty() {
            // Selectorless (+ Endpoints): an external server modelled in-cluster.
            // Its name becomes an external datastore once a connection string uses it.
            let at = endpoints
                .get(&s.name)
                .cloned()
                .unwrap_or_else(|| s.declared.clone());
            b.declared_external.insert(s.name.to_ascii_lowercase(), at);
            continue;
        }
        let ns = s.namespace.as_deref();
        // Candidates carry the selector's first label; the rest is checked on those only.
        let Some(first) = s.selector.first() else {
            continue;
        };
        let targets: Vec<String> = by_label
            .get(first)
            .into_iter()
            .flatten()
            .map(|&i| &k8s_workloads[i])
            .filter(|w| {
                let wns = match &w.origin {
                    Origin::Kubernetes { namespace, .. } => namespace.as_deref(),
                    _ => None,
                };
                (ns.is_none() || wns.is_none() || ns == wns)
                    && s.selector.iter().all(|sel| w.labels.contains(sel))
            })
            .map(|w| b.id_of(&w.name))
            .collect();
        for t in targets {
            b.add_name(&s.name, &t);
            let grpc = s
                .ports
                .iter()
                .filter(|(name, _)| name.as_deref().is_some_and(|n| n.starts_with("grpc")))
                .map(|(_, p)| *p);
            b.grpc_ports.entry(t).or_default().extend(grpc);
        }
    }
    // Component names themselves come last so an alias never shadows a real name.
    let ids: Vec<String> = b.components.keys().cloned().collect();
    for id in &ids {
        b.names.insert(id.to_ascii_lowercase(), id.clone());
    }

    // ---- file ownership ---------------------------------------------------------------------
    let service_dirs = ownership(&b, &units, &all_paths, opts);
    let index = OwnerIndex::new(&service_dirs);
    let owners_of = |path: &str| index.owners_of(path);

    // Settings of workloads, then owned config files and source literals.
    for (id, _, settings) in &mut units {
        b.settings.entry(id.clone()).or_default().append(settings);
    }
    let compose_dirs: BTreeSet<&str> = compose
        .iter()
        .filter_map(|w| match &w.origin {
            Origin::Compose { dir } => Some(dir.as_str()),
            _ => None,
        })
        .collect();
    for (path, list) in &file_settings {
        let kind = discover::kind_by_name(path);
        // A `.env` beside a compose file feeds interpolation, not a service.
        if kind == Some(InputKind::DotEnv) && compose_dirs.contains(dir_of(path)) {
            continue;
        }
        for svc in owners_of(path) {
            let env: HashMap<String, String> = b
                .settings
                .get(&svc)
                .map(|s| s.iter().map(|s| (s.key.clone(), s.value.clone())).collect())
                .unwrap_or_default();
            let lookup = |name: &str| {
                env.get(name)
                    .or_else(|| env.get(&name.replace(['.', '-'], "_").to_ascii_uppercase()))
                    .cloned()
            };
            let resolved: Vec<ResolvedSetting> = list
                .iter()
                .map(|s| ResolvedSetting {
                    key: s.key.clone(),
                    value: interp::spring(&s.value, &lookup),
                    location: s.location.clone(),
                    via: None,
                    from_secret: false,
                })
                .collect();
            b.settings.entry(svc).or_default().extend(resolved);
        }
    }
    for (path, list) in &literals {
        for svc in owners_of(path) {
            b.settings
                .entry(svc)
                .or_default()
                .extend(list.iter().map(|(v, l)| ResolvedSetting {
                    key: String::new(),
                    value: v.clone(),
                    location: l.clone(),
                    via: None,
                    from_secret: false,
                }));
        }
    }

    // ---- accesses ---------------------------------------------------------------------------
    let settings = std::mem::take(&mut b.settings);
    promote_by_connection_strings(&mut b, &settings);
    for (svc, list) in &settings {
        if !b.components.get(svc).is_some_and(|c| c.kind.is_app()) {
            continue;
        }
        connections(&mut b, svc, list);
    }

    // ---- calls, gateways, topics ------------------------------------------------------------
    promote_by_keys(&mut b, &settings);
    for (svc, list) in &settings {
        if b.components
            .get(svc)
            .is_some_and(|c| c.kind.is_app() || c.kind == ComponentKind::Platform)
        {
            calls(&mut b, svc, list);
        }
    }
    for (svc, list) in &settings {
        if b.components.get(svc).is_some_and(|c| c.kind.is_app()) {
            topics(&mut b, svc, list);
        }
    }
    derive_topic_edges(&mut b);
    b.settings = settings;
    for ing in &ingresses {
        ingress(&mut b, ing);
    }

    // ---- startup edges ------------------------------------------------------------------------
    for w in &compose {
        for d in &w.depends_on {
            let Some(to) = b.lookup_host(&d.name) else {
                continue;
            };
            let from = b.id_of(&w.name);
            let key = (from.clone(), to.clone(), EdgeKind::Startup, None);
            let edge = b.edges.entry(key).or_insert_with(|| Edge {
                from,
                to,
                kind: EdgeKind::Startup,
                protocol: d.condition.clone(),
                database: None,
                topic: None,
                evidence: Vec::new(),
            });
            edge.evidence.push(Evidence::new(
                d.location.clone(),
                &format!("depends_on: {}", d.name),
            ));
        }
    }

    // ---- SQL: who owns which table -----------------------------------------------------------
    // Scripts mounted into a database container's init folder describe that datastore.
    let mut init_dirs: Vec<(String, String)> = Vec::new();
    for (id, w, _) in &units {
        if b.components
            .get(id)
            .is_none_or(|c| c.kind != ComponentKind::Datastore)
        {
            continue;
        }
        for (source, _, _) in w.volumes.iter().filter(|(_, t, _)| t.contains("initdb")) {
            match (&w.origin, source.strip_prefix("configmap:")) {
                // A ConfigMap's scripts: filed under a path of their own, owned by the datastore.
                (Origin::Kubernetes { .. }, Some(cm)) => {
                    for c in config_data
                        .iter()
                        .filter(|c| c.name == cm && !c.sql.is_empty())
                    {
                        let key = format!("{}#configmap/{}", c.declared.file, c.name);
                        sql_facts
                            .entry(key.clone())
                            .or_default()
                            .extend(c.sql.iter().cloned());
                        init_dirs.push((key, id.clone()));
                    }
                }
                (Origin::Compose { dir }, None) if !source.starts_with('/') => {
                    init_dirs.push((join(dir, source), id.clone()))
                }
                _ => {}
            }
        }
    }
    let (tables, table_uses, foreign_keys) =
        sql_tables(&mut b, &sql_facts, &OwnerIndex::new(&init_dirs), &index);

    // ---- deploy units, init-container waits, app images ------------------------------------
    let mut deploy_units = Vec::new();
    let mut app_images = Vec::new();
    for (id, w, _) in &units {
        let containers: Vec<UnitContainer> = w
            .containers
            .iter()
            .map(|c| {
                let image = c.image.as_ref().map(|(i, _)| i.clone());
                UnitContainer {
                    name: c.name.clone(),
                    sidecar: image
                        .as_deref()
                        .is_some_and(|i| classify::is_sidecar(i, &opts.sidecars)),
                    infrastructure: image
                        .as_deref()
                        .is_some_and(|i| classify::image(i).is_some()),
                    location: c
                        .image
                        .as_ref()
                        .map_or_else(|| w.declared.clone(), |(_, l)| l.clone()),
                    image,
                    init: c.init,
                }
            })
            .collect();
        if b.components
            .get(id)
            .is_some_and(|c| c.kind == ComponentKind::Service)
        {
            for c in containers
                .iter()
                .filter(|c| !c.init && !c.sidecar && !c.infrastructure)
            {
                if let Some(image) = &c.image {
                    app_images.push((id.clone(), image.clone(), c.location.clone()));
                }
            }
        }
        for c in w.containers.iter().filter(|c| c.init) {
            let Some((cmd, at)) = &c.command else {
                continue;
            };
            for host in wait_targets(cmd) {
                let Some(to) = b.lookup_host(&host) else {
                    continue;
                };
                if to == *id {
                    continue;
                }
                let edge = b
                    .edges
                    .entry((id.clone(), to.clone(), EdgeKind::Startup, None))
                    .or_insert_with(|| Edge {
                        from: id.clone(),
                        to,
                        kind: EdgeKind::Startup,
                        protocol: Some("init-wait".into()),
                        database: None,
                        topic: None,
                        evidence: Vec::new(),
                    });
                push_unique(
                    &mut edge.evidence,
                    vec![Evidence::new(
                        at.clone(),
                        &format!("initContainer {}: {cmd}", c.name),
                    )],
                );
            }
        }
        deploy_units.push(DeployUnit {
            component: id.clone(),
            declared: w.declared.clone(),
            containers,
        });
    }

    // ---- plaintext credentials ------------------------------------------------------------------
    let mut credentials: BTreeMap<Location, Credential> = BTreeMap::new();
    for (svc, list) in &b.settings {
        for s in list.iter().filter(|s| {
            !s.from_secret
                && !s.key.is_empty()
                && crate::redact::plaintext_password(&s.key, &s.value)
        }) {
            let c = credentials
                .entry(s.location.clone())
                .or_insert_with(|| Credential {
                    evidence: Evidence::new(s.location.clone(), &format!("{}={}", s.key, s.value)),
                    components: Vec::new(),
                });
            if !c.components.contains(svc) {
                c.components.push(svc.clone());
            }
        }
    }

    // ---- owners -------------------------------------------------------------------------------
    assign_owners(&mut b, &owner_rules, &service_dirs);

    let mut model = finish(b, root, service_dirs);
    deploy_units.sort_by(|a, b| (&a.component, &a.declared).cmp(&(&b.component, &b.declared)));
    release_tags.sort();
    app_images.sort();
    model.units = deploy_units;
    model.release_tags = release_tags;
    model.app_images = app_images;
    model.tables = tables;
    model.credentials = credentials.into_values().collect();
    model.table_uses = table_uses;
    model.foreign_keys = foreign_keys;
    ignores.sort_by(|a, b| a.location.cmp(&b.location));
    model.ignores = ignores;
    model
}

/// Technologies whose databases hold SQL tables.
fn is_sql(tech: &str) -> bool {
    matches!(
        tech,
        "postgres"
            | "mysql"
            | "mariadb"
            | "mssql"
            | "oracle"
            | "cockroachdb"
            | "clickhouse"
            | "unknown"
    )
}

/// Where a service's SQL lives: every (SQL datastore, database) it uses.
/// A datastore and database a service's SQL runs against, either part unknown.
type SqlContext = (Option<String>, Option<String>);

fn sql_contexts(b: &Builder) -> HashMap<String, Vec<SqlContext>> {
    let mut out: HashMap<String, BTreeSet<SqlContext>> = HashMap::new();
    for a in b.accesses.values().filter(|a| is_sql(&a.technology)) {
        out.entry(a.service.clone())
            .or_default()
            .insert((Some(a.datastore.clone()), a.database.clone()));
    }
    out.into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect()
}

/// The server named when SQL names a database that no connection string reaches.
const UNDECLARED_SERVER: &str = "undeclared-sql-server";

/// Tables, their owners, their uses and foreign keys, from every SQL file a service or a
/// datastore's init folder owns. A table's identity is its server, database and
/// `schema.name`; where those are unknown the key stays private to its creator, so two
/// unrelated `outbox` tables are never matched.
fn sql_tables(
    b: &mut Builder,
    files: &BTreeMap<String, Vec<crate::parse::sql::SqlFact>>,
    init: &OwnerIndex,
    owners: &OwnerIndex,
) -> (Vec<TableInfo>, Vec<TableUse>, Vec<crate::model::ForeignKey>) {
    use crate::parse::sql::{SqlFactKind, TableName};
    let mut tables: BTreeMap<String, TableInfo> = BTreeMap::new();
    let contexts_of = sql_contexts(b);
    let mut uses = Vec::new();
    let mut fks = Vec::new();
    for (path, facts) in files {
        let datastores = init.owners_of(path);
        let (from_init, creators) = if datastores.is_empty() {
            let svcs: Vec<String> = owners
                .owners_of(path)
                .into_iter()
                .filter(|s| b.components.get(s).is_some_and(|c| c.kind.is_app()))
                .collect();
            (false, svcs)
        } else {
            (true, datastores)
        };
        for creator in creators {
            // A service deployed in several variants (compose, k8s) runs its migrations against
            // each database it uses: the tables exist in each.
            let contexts = if from_init {
                vec![(Some(creator.clone()), None)]
            } else {
                contexts_of
                    .get(&creator)
                    .cloned()
                    .unwrap_or_else(|| vec![(None, None)])
            };
            for (ds, db) in contexts {
                let technology = ds
                    .as_ref()
                    .and_then(|d| b.components.get(d))
                    .and_then(|c| c.technology.clone())
                    .unwrap_or_default();
                let key_of = |t: &TableName| -> (String, Option<String>, Option<String>) {
                    let database = t
                        .database
                        .clone()
                        .or_else(|| db.clone())
                        .map(|d| database_key(&technology, &d));
                    let server = ds
                        .clone()
                        .or_else(|| database.as_ref().map(|_| UNDECLARED_SERVER.to_string()));
                    let key = match (&server, &database) {
                        (None, None) => format!("?{creator}/{}", t.local_key()),
                        (s, d) => format!(
                            "{}/{}/{}",
                            s.as_deref().unwrap_or("?"),
                            d.as_deref().unwrap_or("?"),
                            t.local_key()
                        ),
                    };
                    (key, server, database)
                };
                let sql_access = |b: &mut Builder, database: &str, at: &Location, text: String| {
                    if from_init {
                        return;
                    }
                    let server = ds.clone().unwrap_or_else(|| UNDECLARED_SERVER.to_string());
                    if !b.components.contains_key(&server) {
                        b.add_component(
                            &server,
                            ComponentKind::Datastore,
                            Some("unknown"),
                            at.clone(),
                            None,
                        );
                    }
                    let technology = b.components[&server]
                        .technology
                        .clone()
                        .unwrap_or_else(|| "unknown".into());
                    let k = (
                        creator.clone(),
                        server.clone(),
                        Some(database_key(&technology, database)),
                    );
                    let access = b.accesses.entry(k).or_insert_with(|| Access {
                        service: creator.clone(),
                        datastore: server.clone(),
                        technology,
                        database: Some(database.to_string()),
                        evidence: Vec::new(),
                    });
                    push_unique(&mut access.evidence, vec![Evidence::new(at.clone(), &text)]);
                };
                for f in facts {
                    match &f.kind {
                        SqlFactKind::CreateTable { table }
                        | SqlFactKind::CreateView { view: table } => {
                            let (key, server, database) = key_of(table);
                            let info = tables.entry(key.clone()).or_insert_with(|| TableInfo {
                                key,
                                name: table.local_key(),
                                schema: table.schema.clone(),
                                datastore: server,
                                database: database.clone(),
                                owners: Vec::new(),
                                created: Vec::new(),
                            });
                            if !from_init && !info.owners.contains(&creator) {
                                info.owners.push(creator.clone());
                            }
                            info.created.push((creator.clone(), f.location.clone()));
                            // A table created in a database the script names is a use of it.
                            if let Some(d) = &table.database {
                                sql_access(
                                    b,
                                    d,
                                    &f.location,
                                    format!("CREATE TABLE {}", table.key()),
                                );
                            }
                        }
                        SqlFactKind::CreateDatabase { name } => {
                            sql_access(b, name, &f.location, format!("CREATE DATABASE {name}"))
                        }
                        SqlFactKind::UseDatabase { name } => {
                            sql_access(b, name, &f.location, format!("USE {name}"))
                        }
                        SqlFactKind::References { table, statement } if !from_init => {
                            uses.push(TableUse {
                                service: creator.clone(),
                                table: key_of(table).0,
                                statement,
                                location: f.location.clone(),
                            })
                        }
                        SqlFactKind::ForeignKey { from, to } if !from_init => {
                            fks.push(crate::model::ForeignKey {
                                service: creator.clone(),
                                from: key_of(from).0,
                                to: key_of(to).0,
                                location: f.location.clone(),
                            })
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    let mut tables: Vec<TableInfo> = tables.into_values().collect();
    for t in &mut tables {
        t.owners.sort();
        t.created.sort_by(|a, b| a.1.cmp(&b.1));
    }
    uses.sort_by(|a, b| a.location.cmp(&b.location));
    fks.sort_by(|a, b| a.location.cmp(&b.location));
    (tables, uses, fks)
}

/// Hosts an init container waits for: `nc -z host port`, `wait-for host:port`,
/// `wait-for-it.sh host:port`, `curl http://host/…`, `until nslookup host`, `pg_isready -h host`.
fn wait_targets(cmd: &str) -> Vec<String> {
    let words: Vec<&str> = cmd
        .split(|c: char| c.is_whitespace() || c == ';' || c == '"' || c == '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let waits = words.iter().any(|w| {
        let w = w.rsplit('/').next().unwrap_or(w);
        w == "nc"
            || w.starts_with("wait-for")
            || w == "curl"
            || w == "wget"
            || w == "until"
            || w == "nslookup"
            || w == "pg_isready"
            || w == "dockerize"
    });
    if !waits {
        return Vec::new();
    }
    let mut hosts = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let candidate = if let Some((_, rest)) = w.split_once("://") {
            rest.split(['/', ':', '?']).next().unwrap_or("")
        } else if w.starts_with('-') {
            continue;
        } else if i > 0
            && matches!(
                words[i - 1],
                "-z" | "-h" | "--host" | "-wait" | "nslookup" | "nc"
            )
            || w.contains(':')
        {
            w.split(':').next().unwrap_or("")
        } else {
            continue;
        };
        let candidate = candidate.trim_start_matches("tcp://");
        if !candidate.is_empty()
            && candidate.chars().any(|c| c.is_ascii_alphabetic())
            && candidate
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            hosts.push(candidate.to_string());
        }
    }
    hosts.sort();
    hosts.dedup();
    hosts
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
fn ownership(
    b: &Builder,
    units: &[(String, Workload, Vec<ResolvedSetting>)],
    all_paths: &[String],
    opts: &ResolveOptions,
) -> Vec<(String, String)> {
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
    for (id, w, _) in units {
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

/// Turn one service's settings into datastore accesses and broker edges.
fn connections(b: &mut Builder, svc: &str, list: &[ResolvedSetting]) {
    let by_key: HashMap<String, &ResolvedSetting> = list
        .iter()
        .map(|s| (s.key.to_ascii_uppercase().replace(['.', '-'], "_"), s))
        .collect();
    for s in list {
        let value = s.value.trim();
        if value.is_empty() {
            continue;
        }
        if let Some(info) = connstr::parse(value) {
            record(b, svc, &info, s, None);
            continue;
        }
        // Split settings and bare hosts: DB_HOST + DB_NAME, PGHOST + PGDATABASE,
        // `ConnectionString=basketdata`, `REDIS_ADDR=cache:6379`.
        let key = s.key.to_ascii_uppercase().replace(['.', '-'], "_");
        let Some(prefix) = host_key_prefix(&key) else {
            continue;
        };
        let host_part = value.split(',').next().unwrap_or(value);
        let Some((host, port)) = host_port_lenient(host_part) else {
            continue;
        };
        let database_setting = [
            "DATABASE", "DB", "NAME", "DBNAME", "DB_NAME", "SCHEMA", "KEYSPACE", "INDEX",
            "DB_INDEX",
        ]
        .iter()
        .find_map(|suffix| {
            let candidates = [format!("{prefix}_{suffix}"), format!("{prefix}{suffix}")];
            candidates.into_iter().find_map(|k| by_key.get(&k).copied())
        })
        .filter(|d| !d.value.trim().is_empty());
        let hinted = technology_hint(&prefix);
        let info = ConnInfo {
            technology: hinted,
            hosts: vec![(host, port)],
            database: database_setting.map(|d| d.value.trim().to_string()),
        };
        record(b, svc, &info, s, database_setting);
    }
}

/// A component that some connection string addresses with a datastore or broker scheme
/// (`jdbc:mysql://mysql/x` at a compose service built from `./mysql`) is that datastore.
fn promote_by_connection_strings(
    b: &mut Builder,
    settings: &BTreeMap<String, Vec<ResolvedSetting>>,
) {
    for list in settings.values() {
        for s in list {
            let Some(info) = connstr::parse(&s.value) else {
                continue;
            };
            let Some(tech) = info.technology else {
                continue;
            };
            for (host, _) in &info.hosts {
                let Some(id) = b.lookup_host(host) else {
                    continue;
                };
                if let Some(c) = b.components.get_mut(&id)
                    && c.kind == ComponentKind::Service
                {
                    c.kind = if connstr::technology_is_broker(tech) {
                        ComponentKind::Broker
                    } else {
                        ComponentKind::Datastore
                    };
                    c.technology.get_or_insert_with(|| tech.to_string());
                }
            }
        }
    }
}

fn host_port_lenient(s: &str) -> Option<(String, Option<u16>)> {
    let s = s.trim();
    let (h, p) = match s.rsplit_once(':') {
        Some((h, p)) => (h, Some(p.parse::<u16>().ok()?)),
        None => (s, None),
    };
    let ok = !h.is_empty()
        && h.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'));
    ok.then(|| (h.to_ascii_lowercase(), p))
}

/// For a key naming a server (`DB_HOST`, `PGHOST`, `spring.redis.host`, `ConnectionString`),
/// the prefix its sibling keys share.
fn host_key_prefix(key: &str) -> Option<String> {
    for suffix in [
        "_HOSTNAME",
        "_HOST",
        "_SERVER",
        "_ADDR",
        "_ADDRESS",
        "HOST",
        "_URL",
        "_URI",
        "_SERVERS",
        "_BROKERS",
        "_BROKER",
    ] {
        if let Some(p) = key.strip_suffix(suffix)
            && !p.is_empty()
        {
            return Some(p.trim_end_matches('_').to_string());
        }
    }
    (key.contains("CONNECTION") || key.ends_with("DSN")).then(|| key.to_string())
}

fn technology_hint(prefix: &str) -> Option<&'static str> {
    let p = prefix.to_ascii_uppercase();
    [
        ("POSTGRES", "postgres"),
        ("PG", "postgres"),
        ("MYSQL", "mysql"),
        ("MARIADB", "mariadb"),
        ("MONGO", "mongodb"),
        ("REDIS", "redis"),
        ("CASSANDRA", "cassandra"),
        ("ELASTIC", "elasticsearch"),
        ("KAFKA", "kafka"),
        ("RABBIT", "rabbitmq"),
        ("AMQP", "rabbitmq"),
        ("NATS", "nats"),
        ("MSSQL", "mssql"),
        ("SQLSERVER", "mssql"),
    ]
    .iter()
    .find(|(k, _)| p.contains(k))
    .map(|(_, t)| *t)
}

fn record(
    b: &mut Builder,
    svc: &str,
    info: &ConnInfo,
    s: &ResolvedSetting,
    extra: Option<&ResolvedSetting>,
) {
    let text = if s.key.is_empty() {
        s.value.clone()
    } else {
        format!("{}={}", s.key, s.value)
    };
    let mut evidence = vec![Evidence::new(s.location.clone(), &text)];
    if let Some(via) = &s.via {
        evidence.push(Evidence::new(
            via.clone(),
            &format!("{} (reference)", s.key),
        ));
    }
    if let Some(e) = extra {
        evidence.push(Evidence::new(
            e.location.clone(),
            &format!("{}={}", e.key, e.value),
        ));
    }
    let hosts: Vec<&(String, Option<u16>)> = info
        .hosts
        .iter()
        .filter(|(h, _)| !LOCAL_HOSTS.contains(&h.as_str()) && !h.contains('$') && !h.contains('{'))
        .collect();
    // In a host list (replica set, cluster), a host the repository declares names the server.
    let Some((host, port)) = hosts
        .iter()
        .find(|(h, _)| b.resolve_host(h).is_ok())
        .or(hosts.first())
        .map(|(h, p)| (h.clone(), *p))
    else {
        return;
    };
    let (id, tech) = match b.resolve_host(&host) {
        Ok(id) => {
            let comp = &b.components[&id];
            if !matches!(comp.kind, ComponentKind::Datastore | ComponentKind::Broker) {
                return; // a call to another service or platform component: the call graph's business
            }
            let tech = comp
                .technology
                .clone()
                .or_else(|| info.technology.map(str::to_string));
            (id, tech)
        }
        Err(host) => {
            // Only a connection string form says an unknown host is a datastore.
            let Some(tech) = info.technology else { return };
            let id = match port {
                Some(p) if Some(p) != connstr::default_port(tech) => format!("{host}:{p}"),
                _ => host.clone(),
            };
            let kind = if connstr::technology_is_broker(tech) {
                ComponentKind::Broker
            } else {
                ComponentKind::Datastore
            };
            let declared = b.declared_external.get(&host).cloned();
            b.add_component(
                &id,
                kind,
                Some(tech),
                declared.unwrap_or_else(|| s.location.clone()),
                None,
            );
            (id, Some(tech.to_string()))
        }
    };
    if let (Some(t), Some(c)) = (&tech, b.components.get_mut(&id))
        && c.technology.is_none()
    {
        c.technology = Some(t.clone());
    }
    let tech = tech.unwrap_or_else(|| "unknown".into());
    let is_broker = b.components[&id].kind == ComponentKind::Broker;
    if is_broker {
        let key = (svc.to_string(), id.clone(), EdgeKind::Async, None);
        let edge = b.edges.entry(key).or_insert_with(|| Edge {
            from: svc.to_string(),
            to: id.clone(),
            kind: EdgeKind::Async,
            protocol: Some(tech.clone()),
            database: None,
            topic: None,
            evidence: Vec::new(),
        });
        push_unique(&mut edge.evidence, evidence);
        return;
    }
    let database = info
        .database
        .clone()
        .filter(|d| !d.is_empty())
        .or_else(|| (tech == "redis").then(|| "0".to_string()));
    let key = (
        svc.to_string(),
        id.clone(),
        database.as_deref().map(|d| database_key(&tech, d)),
    );
    let access = b.accesses.entry(key).or_insert_with(|| Access {
        service: svc.to_string(),
        datastore: id.clone(),
        technology: tech.clone(),
        database: database.clone(),
        evidence: Vec::new(),
    });
    push_unique(&mut access.evidence, evidence);
}

/// Keys that say what their target is: a config server, a registry, telemetry (platform); and
/// keys that make their own service a gateway (Spring Cloud Gateway routes, proxy passes).
const PLATFORM_KEYS: &[&str] = &[
    "CONFIG_URI",
    "CONFIG_SERVER",
    "CLOUD_CONFIG",
    "CONFIGSERVER",
    "EUREKA",
    "ZIPKIN",
    "JAEGER",
    "OTEL",
    "OTLP",
    "COLLECTOR",
    "TRACING",
    "TELEMETRY",
    "CONSUL",
    "DISCOVERY",
    "SERVICE_REGISTRY",
    "METRICS",
    "PROMETHEUS",
    "FEATURE_FLAG",
    "FLAGD",
    "UNLEASH",
    "LOGSTASH",
    "SEQ_SERVER",
];

fn upper_key(key: &str) -> String {
    key.to_ascii_uppercase().replace(['.', '-', ':'], "_")
}

fn is_platform_key(key: &str) -> bool {
    let k = upper_key(key);
    PLATFORM_KEYS.iter().any(|p| k.contains(p))
}

fn promote_by_keys(b: &mut Builder, settings: &BTreeMap<String, Vec<ResolvedSetting>>) {
    for (svc, list) in settings {
        for s in list {
            let k = upper_key(&s.key);
            if k.starts_with("SPRING_CLOUD_GATEWAY")
                || k == "PROXY_PASS"
                || k == "GRPC_PASS"
                || k.starts_with("ENVOY_CLUSTERS")
            {
                if let Some(c) = b.components.get_mut(svc)
                    && c.kind == ComponentKind::Service
                {
                    c.kind = ComponentKind::Gateway;
                }
                continue;
            }
            if !is_platform_key(&s.key) {
                continue;
            }
            for (host, _, _) in call_targets(&s.key, &s.value) {
                if let Ok(id) = b.resolve_host(&host)
                    && id != *svc
                    && let Some(c) = b.components.get_mut(&id)
                    && c.kind == ComponentKind::Service
                {
                    c.kind = ComponentKind::Platform;
                }
            }
        }
    }
}

/// Keys whose plain `host[:port]` value names a server to call.
fn is_address_key(key: &str) -> bool {
    let k = upper_key(key);
    [
        "ADDR", "ADDRESS", "HOST", "HOSTNAME", "URL", "URI", "ENDPOINT", "SERVICE", "SERVER",
        "TARGET", "HOSTS", "BASEURL", "BASE_URL", "API",
    ]
    .iter()
    .any(|s| k.ends_with(s))
        || k == "PROXY_PASS"
        || k == "GRPC_PASS"
}

/// The (host, port, protocol) a setting calls: URLs with a call scheme (http, https, grpc,
/// ws, tcp, `lb://`, `dns:///`), and `host[:port]` in address-like keys (or source literals,
/// which the source parser only keeps when they address a known name).
fn call_targets(key: &str, value: &str) -> Vec<(String, Option<u16>, &'static str)> {
    let mut out = Vec::new();
    for token in value.split([',', ' ', ';', '\t']).filter(|t| !t.is_empty()) {
        if let Some((scheme, rest)) = token.split_once("://") {
            let protocol = match scheme.to_ascii_lowercase().as_str() {
                "http" | "https" | "lb" | "h2c" => "http",
                "grpc" | "grpcs" | "dns" | "xds" => "grpc",
                "ws" | "wss" => "ws",
                "tcp" | "thrift" => "tcp",
                _ => continue,
            };
            // `dns:///cart:7070` has an empty authority; the target is in the path.
            let rest = rest.trim_start_matches('/');
            let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            if let Some((h, p)) = host_port_lenient(authority) {
                out.push((h, p, protocol));
            }
        } else if (key.is_empty() || is_address_key(key))
            && let Some((h, p)) = host_port_lenient(token)
            && h.chars().any(|c| c.is_ascii_alphabetic())
        {
            out.push((h, p, "tcp"));
        }
    }
    out
}

/// Sync and platform edges from one service's settings.
fn calls(b: &mut Builder, svc: &str, list: &[ResolvedSetting]) {
    for s in list {
        if connstr::parse(&s.value).is_some() {
            continue; // a datastore or broker: an access, not a call
        }
        for (host, port, protocol) in call_targets(&s.key, &s.value) {
            if LOCAL_HOSTS.contains(&host.as_str()) {
                continue;
            }
            let Ok(to) = b.resolve_host(&host) else {
                continue;
            };
            if to == svc {
                continue;
            }
            let kind = match b.components[&to].kind {
                ComponentKind::Service | ComponentKind::Gateway => EdgeKind::Sync,
                ComponentKind::Platform => EdgeKind::Platform,
                _ => continue,
            };
            // Health probes and calls made by platform components are not business coupling.
            let lower = s.value.to_ascii_lowercase();
            let health = upper_key(&s.key).contains("HEALTH")
                || [
                    "/hc",
                    "/health",
                    "/liveness",
                    "/readiness",
                    "/actuator/health",
                ]
                .iter()
                .any(|p| lower.contains(p));
            let kind = if b.components[svc].kind == ComponentKind::Platform || health {
                EdgeKind::Platform
            } else {
                kind
            };
            let grpc = b.grpc_ports.get(&to).is_some_and(|ports| match port {
                Some(p) => ports.contains(&p),
                None => !ports.is_empty(),
            });
            let protocol = if protocol == "tcp" && grpc {
                "grpc"
            } else {
                protocol
            };
            let text = if s.key.is_empty() {
                s.value.clone()
            } else {
                format!("{}={}", s.key, s.value)
            };
            let edge = b
                .edges
                .entry((svc.to_string(), to.clone(), kind, None))
                .or_insert_with(|| Edge {
                    from: svc.to_string(),
                    to: to.clone(),
                    kind,
                    protocol: Some(protocol.to_string()),
                    database: None,
                    topic: None,
                    evidence: Vec::new(),
                });
            push_unique(
                &mut edge.evidence,
                vec![Evidence::new(s.location.clone(), &text)],
            );
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Producer,
    Consumer,
    Unknown,
}

/// Topic and queue settings: `*_TOPIC`, `*_QUEUE`, `*_EXCHANGE`, Spring Cloud Stream
/// `bindings.<name>.destination`, kafka `topics`. Returns (topic, role, technology hint).
fn topic_setting(key: &str, value: &str) -> Vec<(String, Role, Option<&'static str>)> {
    let k = upper_key(key);
    let is_topic = [
        "_TOPIC",
        "_TOPICS",
        "_QUEUE",
        "_QUEUES",
        "_EXCHANGE",
        "_DESTINATION",
        "_SUBJECT",
        "TOPIC",
        "TOPICS",
    ]
    .iter()
    .any(|s| k.ends_with(s));
    if !is_topic || value.contains("://") || value.trim().is_empty() || value.contains('$') {
        return Vec::new();
    }
    let has = |words: &[&str]| words.iter().any(|w| k.contains(w));
    let binding = key.contains("bindings.").then(|| {
        key.split("bindings.")
            .nth(1)
            .unwrap_or("")
            .split('.')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    });
    let role = match binding.as_deref() {
        Some(b) if b.contains("-out-") || b.ends_with("output") || b.ends_with("out") => {
            Role::Producer
        }
        Some(b) if b.contains("-in-") || b.ends_with("input") || b.ends_with("in") => {
            Role::Consumer
        }
        _ if has(&[
            "PRODUC", "PUBLISH", "_PUB_", "OUTBOUND", "_OUT", "SEND", "EMIT", "WRITE", "SINK",
        ]) =>
        {
            Role::Producer
        }
        _ if has(&[
            "CONSUM", "SUBSCRI", "_SUB_", "INBOUND", "_IN_", "LISTEN", "RECEIV", "READ", "SOURCE",
            "GROUP",
        ]) =>
        {
            Role::Consumer
        }
        _ => Role::Unknown,
    };
    let tech = if has(&["KAFKA"]) {
        Some("kafka")
    } else if has(&["RABBIT", "AMQP"]) {
        Some("rabbitmq")
    } else if has(&["NATS"]) {
        Some("nats")
    } else if has(&["SQS", "SNS"]) {
        Some("sqs")
    } else if has(&["PUBSUB"]) {
        Some("pubsub")
    } else {
        None
    };
    value
        .split(',')
        .map(str::trim)
        .filter(|t| {
            !t.is_empty()
                && t.len() < 250
                && !matches!(
                    t.to_ascii_lowercase().as_str(),
                    "true" | "false" | "none" | "null"
                )
                && !t.chars().all(|c| c.is_ascii_digit())
        })
        .map(|t| (t.to_string(), role, tech))
        .collect()
}

fn topics(b: &mut Builder, svc: &str, list: &[ResolvedSetting]) {
    for s in list {
        for (topic, role, tech) in topic_setting(&s.key, &s.value) {
            // The broker: one this service already connects to (matching the key's
            // technology), else the repository's only broker of that technology.
            // Edges are keyed by (from, to, kind, topic): a range scan finds this service's.
            let mut own: Vec<String> = b
                .edges
                .range((svc.to_string(), String::new(), EdgeKind::Sync, None)..)
                .take_while(|((from, _, _, _), _)| from == svc)
                .filter(|(_, e)| e.kind == EdgeKind::Async && e.topic.is_none())
                .map(|(_, e)| e.to.clone())
                .collect();
            let matches_tech = |b: &Builder, id: &str| {
                tech.is_none() || b.components[id].technology.as_deref() == tech
            };
            own.retain(|id| matches_tech(b, id));
            let broker = match own.first() {
                Some(id) => id.clone(),
                None => {
                    let all: Vec<&Component> = b
                        .components
                        .values()
                        .filter(|c| c.kind == ComponentKind::Broker && matches_tech(b, &c.id))
                        .collect();
                    match all.as_slice() {
                        [only] => only.id.clone(),
                        _ => continue,
                    }
                }
            };
            let technology = b.components[&broker].technology.clone();
            let evidence = Evidence::new(s.location.clone(), &format!("{}={}", s.key, s.value));
            let edge = b
                .edges
                .entry((
                    svc.to_string(),
                    broker.clone(),
                    EdgeKind::Async,
                    Some(topic.clone()),
                ))
                .or_insert_with(|| Edge {
                    from: svc.to_string(),
                    to: broker.clone(),
                    kind: EdgeKind::Async,
                    protocol: technology,
                    database: None,
                    topic: Some(topic.clone()),
                    evidence: Vec::new(),
                });
            push_unique(&mut edge.evidence, vec![evidence.clone()]);
            let usage = b.topic_roles.entry((broker, topic)).or_default();
            match role {
                Role::Producer => usage
                    .producers
                    .entry(svc.to_string())
                    .or_default()
                    .push(evidence),
                Role::Consumer => usage
                    .consumers
                    .entry(svc.to_string())
                    .or_default()
                    .push(evidence),
                Role::Unknown => {}
            }
        }
    }
}

/// Producer → consumer async edges for every topic whose two sides can be told apart.
fn derive_topic_edges(b: &mut Builder) {
    let roles = std::mem::take(&mut b.topic_roles);
    for ((broker, topic), usage) in &roles {
        let technology = b.components.get(broker).and_then(|c| c.technology.clone());
        for (producer, pe) in &usage.producers {
            for (consumer, ce) in &usage.consumers {
                if producer == consumer {
                    continue;
                }
                let edge = b
                    .edges
                    .entry((
                        producer.clone(),
                        consumer.clone(),
                        EdgeKind::Async,
                        Some(topic.clone()),
                    ))
                    .or_insert_with(|| Edge {
                        from: producer.clone(),
                        to: consumer.clone(),
                        kind: EdgeKind::Async,
                        protocol: technology.clone(),
                        database: None,
                        topic: Some(topic.clone()),
                        evidence: Vec::new(),
                    });
                push_unique(&mut edge.evidence, pe.iter().chain(ce).cloned().collect());
            }
        }
    }
    b.topic_roles = roles;
}

/// A k8s Ingress is a gateway component with sync edges to its backends.
fn ingress(b: &mut Builder, ing: &Ingress) {
    let targets: Vec<(String, &Location, &String)> = ing
        .backends
        .iter()
        .filter_map(|(svc, at)| b.lookup_host(svc).map(|id| (id, at, svc)))
        .collect();
    if targets.is_empty() {
        return;
    }
    let id = if b.components.contains_key(&ing.name) {
        format!("{}-ingress", ing.name)
    } else {
        ing.name.clone()
    };
    let id = b.add_component(
        &id,
        ComponentKind::Gateway,
        Some("ingress"),
        ing.declared.clone(),
        None,
    );
    for (to, at, svc) in targets {
        if to == id {
            continue;
        }
        let edge = b
            .edges
            .entry((id.clone(), to.clone(), EdgeKind::Sync, None))
            .or_insert_with(|| Edge {
                from: id.clone(),
                to: to.clone(),
                kind: EdgeKind::Sync,
                protocol: Some("http".into()),
                database: None,
                topic: None,
                evidence: Vec::new(),
            });
        push_unique(
            &mut edge.evidence,
            vec![Evidence::new(at.clone(), &format!("backend: {svc}"))],
        );
    }
}

/// Every name the repository gives a component (workloads, aliases, k8s Services), for the
/// source-literal matcher. Cheap: reads facts, links nothing.
pub fn known_names(files: &[FileFacts]) -> Vec<String> {
    let mut names = BTreeSet::new();
    for f in files {
        for fact in &f.facts {
            match fact {
                Fact::Workload(w) => {
                    names.insert(w.name.to_ascii_lowercase());
                    names.extend(w.aliases.iter().map(|a| a.to_ascii_lowercase()));
                }
                Fact::K8sService(s) => {
                    names.insert(s.name.to_ascii_lowercase());
                }
                _ => {}
            }
        }
    }
    names.into_iter().collect()
}

fn push_unique(list: &mut Vec<Evidence>, items: Vec<Evidence>) {
    for e in items {
        if !list.contains(&e) {
            list.push(e);
        }
    }
}

/// Evidence order: the default compose files (base and `.override`) and everything else
/// before compose variants (`docker-compose.prod.yml`), then by location.
fn sort_evidence(list: &mut [Evidence]) {
    let rank = |file: &str| {
        let name = file.rsplit('/').next().unwrap_or(file).to_ascii_lowercase();
        let variant = discover::is_compose_name(&name)
            && !is_base_compose(&name)
            && !name.contains(".override.");
        u8::from(variant)
    };
    list.sort_by(|a, b| {
        (rank(&a.location.file), &a.location).cmp(&(rank(&b.location.file), &b.location))
    });
}

fn finish(b: Builder, root: &str, service_dirs: Vec<(String, String)>) -> Model {
    // An unnamed database next to a named one on the same server, for the same service, is
    // the same use seen through a weaker setting (`DB_HOST` without `DB_NAME`).
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
    for a in &mut accesses {
        sort_evidence(&mut a.evidence);
    }
    let mut edges: Vec<Edge> = b.edges.into_values().collect();
    for e in &mut edges {
        sort_evidence(&mut e.evidence);
    }
    edges.extend(accesses.iter().map(|a| Edge {
        from: a.service.clone(),
        to: a.datastore.clone(),
        kind: EdgeKind::Data,
        protocol: Some(a.technology.clone()),
        database: a.database.clone(),
        topic: None,
        evidence: a.evidence.clone(),
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
        components,
        edges,
        accesses,
        diagnostics,
        service_dirs,
        ..Model::default()
    }
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

    #[test]
    fn init_waits() {
        assert_eq!(
            wait_targets("sh -c until nc -z orders 8080; do sleep 1; done"),
            vec!["orders"]
        );
        assert_eq!(
            wait_targets("/wait-for-it.sh billing:8080 -t 30"),
            vec!["billing"]
        );
        assert_eq!(
            wait_targets("curl -sf http://catalog/health"),
            vec!["catalog"]
        );
        assert!(wait_targets("java -jar app.jar").is_empty());
    }

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
    fn host_keys() {
        assert_eq!(host_key_prefix("DB_HOST").as_deref(), Some("DB"));
        assert_eq!(host_key_prefix("PGHOST").as_deref(), Some("PG"));
        assert_eq!(
            host_key_prefix("SPRING_REDIS_HOST").as_deref(),
            Some("SPRING_REDIS")
        );
        assert_eq!(
            host_key_prefix("CONNECTIONSTRING").as_deref(),
            Some("CONNECTIONSTRING")
        );
        assert_eq!(host_key_prefix("JAVA_OPTS"), None);
    }
}
