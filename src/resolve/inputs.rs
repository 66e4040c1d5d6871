//! The first pass: facts of every file, sorted by kind into one place the later passes read.
//! Nothing is linked here.

use crate::discover;
use crate::model::*;
use std::collections::{BTreeMap, HashMap};

#[derive(Default)]
pub(super) struct Inputs {
    /// Compose services per compose directory, as parsed (merged by `compose::prepare`).
    pub compose_by_dir: BTreeMap<String, Vec<Workload>>,
    /// Compose services after override merging, `extends` and interpolation.
    pub compose: Vec<Workload>,
    pub k8s_workloads: Vec<Workload>,
    pub k8s_services: Vec<K8sService>,
    /// Selectorless Services' Endpoints with addresses, by name.
    pub endpoints: HashMap<String, Location>,
    pub config_data: Vec<ConfigData>,
    pub ingresses: Vec<Ingress>,
    pub release_tags: Vec<ReleaseTag>,
    pub owner_rules: Vec<OwnerRule>,
    pub ignores: Vec<IgnoreComment>,
    /// Hosts a mesh policy protects: (host, what the policy sets, where).
    pub mesh_policies: Vec<(String, String, Location)>,
    /// Breaker, retry and timeout policies in source code, by file.
    pub guards: BTreeMap<String, Vec<Guard>>,
    pub sql_facts: BTreeMap<String, Vec<SqlFact>>,
    /// Settings of `.env`, Spring, appsettings and other config files, by file.
    pub file_settings: BTreeMap<String, Vec<Setting>>,
    /// Projects build files declare (names and images of folders).
    pub projects: Vec<Project>,
    pub module_dependencies: Vec<ModuleDependency>,
    /// Versions build files declare (own, inherited or shared).
    pub build_versions: Vec<BuildVersion>,
    /// Defaults of env lookups in source code, by file (lowest precedence).
    pub code_defaults: BTreeMap<String, Vec<Setting>>,
    /// Env keys source code reads, by file.
    pub env_reads: BTreeMap<String, Vec<(String, Location)>>,
    /// Keys configuration binders bind, by file.
    pub bound: BTreeMap<String, Vec<Bound>>,
    /// Members code reads off configuration objects, by file.
    pub member_reads: BTreeMap<String, Vec<String>>,
    /// Messages source code sends or takes, by file.
    pub messages: BTreeMap<String, Vec<Message>>,
    /// Change-data-capture connectors.
    pub captures: Vec<ChangeCapture>,
    /// Dapr components (brokers and stores reached through sidecars).
    pub dapr_components: Vec<DaprComponent>,
    /// Source literals by file.
    pub literals: BTreeMap<String, Vec<(String, Location)>>,
    /// Service names code registers or passes to clients, by file.
    pub service_names: BTreeMap<String, Vec<(String, NameRole, Location)>>,
    /// Keys code reads from loaded config documents, by file.
    pub config_reads: BTreeMap<String, Vec<(String, Location)>>,
    /// Databases code opens: (technology, name, location), by file.
    pub code_databases: BTreeMap<String, Vec<(&'static str, String, Location)>>,
    /// Entries of JSON config documents code reads by key (registries), by file.
    pub registries: BTreeMap<String, Vec<Setting>>,
    /// Gateway routes (host + path prefix → backend), by file.
    pub routes: BTreeMap<String, Vec<Route>>,
    /// Calls code makes by name (Dapr app ids), by file.
    pub code_calls: BTreeMap<String, Vec<CodeCall>>,
    pub network_policies: Vec<NetworkPolicy>,
    /// Signs of two-phase commit in build and source files, by file.
    pub transactions: BTreeMap<String, Vec<TxMarker>>,
    pub all_paths: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A `Fact::Guard`, as gathered.
pub(super) struct Guard {
    pub policy: String,
    pub name: Option<String>,
    pub text: String,
    pub location: Location,
}

/// A `Fact::Bound`, as gathered.
pub(super) struct Bound {
    pub key: String,
    pub member: String,
    pub subtree: bool,
    pub closed: Option<String>,
}

/// A `Fact::Message`, as gathered.
pub(super) struct Message {
    pub topic: String,
    pub role: MessageRole,
    pub technology: Option<&'static str>,
    pub text: String,
    pub location: Location,
}

/// A `Fact::Call`, as gathered.
pub(super) struct CodeCall {
    pub target: String,
    pub protocol: &'static str,
    pub text: String,
    pub location: Location,
}

impl Inputs {
    /// Every workload: compose services first, then k8s workloads.
    pub fn workloads(&self) -> impl Iterator<Item = &Workload> {
        self.compose.iter().chain(self.k8s_workloads.iter())
    }
}

pub(super) fn gather(files: Vec<FileFacts>) -> Inputs {
    let mut i = Inputs::default();
    for f in files {
        i.diagnostics.extend(f.diagnostics);
        for fact in f.facts {
            add(&mut i, &f.path, fact);
        }
        i.all_paths.push(f.path);
    }
    i
}

/// Push onto a file's list. Facts arrive file by file, so the file is most often the map's
/// last key: no key is built or searched for then.
fn push_at<T>(map: &mut BTreeMap<String, Vec<T>>, path: &str, item: T) {
    if let Some(mut last) = map.last_entry()
        && last.key() == path
    {
        last.get_mut().push(item);
        return;
    }
    map.entry(path.to_string()).or_default().push(item);
}

fn add(i: &mut Inputs, path: &str, fact: Fact) {
    match fact {
        Fact::Workload(w) => match &w.origin {
            Origin::Compose { dir } => i.compose_by_dir.entry(dir.clone()).or_default().push(*w),
            Origin::Kubernetes { .. } => i.k8s_workloads.push(*w),
        },
        Fact::K8sService(s) => i.k8s_services.push(s),
        Fact::K8sEndpoints {
            name,
            addresses,
            location,
            ..
        } => {
            if !addresses.is_empty() {
                i.endpoints.insert(name, location);
            }
        }
        Fact::ConfigData(c) => i.config_data.push(c),
        Fact::Ingress(x) => i.ingresses.push(x),
        Fact::ReleaseTag(t) => i.release_tags.push(t),
        Fact::Owner(o) => i.owner_rules.push(o),
        Fact::Ignore(c) => i.ignores.push(c),
        Fact::Sql(q) => push_at(&mut i.sql_facts, path, q),
        Fact::Resilience {
            host,
            what,
            location,
        } => i.mesh_policies.push((host, what, location)),
        Fact::Guard {
            policy,
            name,
            text,
            location,
        } => push_at(
            &mut i.guards,
            path,
            Guard {
                policy,
                name,
                text,
                location,
            },
        ),
        // A source file's settings are its env lookups' defaults: kept apart, they lose to
        // every other source and never name a folder's owner.
        Fact::Setting(s) if discover::kind_by_name(path) == Some(discover::InputKind::Source) => {
            push_at(&mut i.code_defaults, path, s)
        }
        Fact::Setting(s) => push_at(&mut i.file_settings, path, s),
        Fact::EnvRead { key, location } => push_at(&mut i.env_reads, path, (key, location)),
        Fact::Bound {
            key,
            member,
            subtree,
            closed,
            ..
        } => push_at(
            &mut i.bound,
            path,
            Bound {
                key,
                member,
                subtree,
                closed,
            },
        ),
        Fact::MemberRead { member, .. } => push_at(&mut i.member_reads, path, member),
        Fact::Message {
            topic,
            role,
            technology,
            text,
            location,
        } => push_at(
            &mut i.messages,
            path,
            Message {
                topic,
                role,
                technology,
                text,
                location,
            },
        ),
        Fact::ChangeCapture(c) => i.captures.push(c),
        Fact::DaprComponent(c) => i.dapr_components.push(c),
        Fact::Project(p) => i.projects.push(p),
        Fact::ModuleDependency(d) => i.module_dependencies.push(d),
        Fact::BuildVersion(v) => i.build_versions.push(v),
        Fact::ServiceName {
            name,
            role,
            location,
        } => push_at(&mut i.service_names, path, (name, role, location)),
        Fact::ConfigRead { key, location } => push_at(&mut i.config_reads, path, (key, location)),
        Fact::DatabaseNamed {
            name,
            technology,
            location,
        } => push_at(&mut i.code_databases, path, (technology, name, location)),
        Fact::RegistryEntry(s) => push_at(&mut i.registries, path, s),
        Fact::Literal { value, location } => push_at(&mut i.literals, path, (value, location)),
        Fact::Route(r) => push_at(&mut i.routes, path, r),
        Fact::Call {
            target,
            protocol,
            text,
            location,
        } => push_at(
            &mut i.code_calls,
            path,
            CodeCall {
                target,
                protocol,
                text,
                location,
            },
        ),
        Fact::NetworkPolicy(p) => i.network_policies.push(p),
        Fact::Transaction(t) => push_at(&mut i.transactions, path, t),
    }
}
