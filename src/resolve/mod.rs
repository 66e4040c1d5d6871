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

mod calls;
mod data;
mod ownership;
mod sql;

use calls::*;
use data::*;
use ownership::*;
use sql::*;

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
    let mut mesh_policies: Vec<String> = Vec::new();
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
                Fact::Resilience { host, .. } => mesh_policies.push(host),
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

    // ---- protected sync calls -------------------------------------------------------------------
    let guarded_hosts: BTreeSet<String> = mesh_policies
        .iter()
        .filter_map(|h| b.lookup_host(h))
        .collect();
    let guarded_callers: BTreeSet<&String> = b
        .settings
        .iter()
        .filter(|(_, list)| list.iter().any(|s| is_resilience_key(&s.key)))
        .map(|(svc, _)| svc)
        .collect();
    let protected_calls: BTreeSet<(String, String)> = b
        .edges
        .values()
        .filter(|e| {
            e.kind == EdgeKind::Sync
                && (guarded_callers.contains(&e.from) || guarded_hosts.contains(&e.to))
        })
        .map(|e| (e.from.clone(), e.to.clone()))
        .collect();

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
    model.protected_calls = protected_calls;
    model.table_uses = table_uses;
    model.foreign_keys = foreign_keys;
    ignores.sort_by(|a, b| a.location.cmp(&b.location));
    model.ignores = ignores;
    model
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

/// Settings that configure timeouts, retries or circuit breakers for a service's calls
/// (resilience4j, Hystrix, Polly, Spring Cloud Circuit Breaker, HTTP client timeouts).
fn is_resilience_key(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    [
        "TIMEOUT",
        "CIRCUIT",
        "BREAKER",
        "RESILIENCE4J",
        "HYSTRIX",
        "RETRY",
        "RETRIES",
        "POLLY",
        "BULKHEAD",
    ]
    .iter()
    .any(|w| k.contains(w))
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
}
