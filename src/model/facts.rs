//! Facts: what one file says, before anything is linked across files. Parsers produce them,
//! resolution consumes them; nothing here knows another file.

use super::{Diagnostic, Location};

/// Where an environment value comes from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum EnvSource {
    /// Written in place (may still hold `${VAR}` interpolation for compose).
    Literal,
    /// k8s `valueFrom.configMapKeyRef` / `secretKeyRef`.
    Ref {
        kind: RefKind,
        name: String,
        key: String,
    },
    /// `valueFrom.fieldRef` and the like: not a value the repository holds.
    Runtime,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum RefKind {
    ConfigMap,
    Secret,
}

/// One `KEY=value` setting: an env entry, a `.env` line, a config-file property.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub source: EnvSource,
    pub location: Location,
}

/// k8s `envFrom` entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EnvFrom {
    pub kind: RefKind,
    pub name: String,
    pub prefix: String,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Container {
    pub name: String,
    pub image: Option<(String, Location)>,
    pub init: bool,
    pub env: Vec<Setting>,
    pub env_from: Vec<EnvFrom>,
    /// command + args joined, for wait-for detection.
    pub command: Option<(String, Location)>,
}

/// Where an image's tag comes from, when it is shared by design: a variable
/// (`repo/x:${TAG}`), a Helm expression (`{{ .Values.image.tag }}`), a kustomize `newTag`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct ReleaseTag {
    /// What the images share: `${TAG}`, `helm:chart:.Values.tag`, `kustomize:dir:1.2.0`.
    pub group: String,
    /// The image (or image name) it applies to.
    pub image: String,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DependsOn {
    pub name: String,
    pub condition: Option<String>,
    pub location: Location,
    /// The declaration as written, for evidence (`depends_on: db`, `WaitFor(db)`).
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Origin {
    Compose {
        /// Directory of the compose file ("" for the root).
        #[serde(
            serialize_with = "super::shown_dir",
            deserialize_with = "super::read_dir"
        )]
        dir: String,
    },
    Kubernetes {
        kind: String,
        namespace: Option<String>,
    },
}

/// A deployable thing declared in one file: a compose service or a k8s workload.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Workload {
    pub origin: Origin,
    pub name: String,
    pub declared: Location,
    pub containers: Vec<Container>,
    /// Pod template labels (k8s), for Service selectors.
    pub labels: Vec<(String, String)>,
    /// Compose `build` context and dockerfile, relative to the compose file.
    pub build_context: Option<String>,
    pub dockerfile: Option<String>,
    pub env_files: Vec<(String, Location)>,
    pub depends_on: Vec<DependsOn>,
    /// Other names this workload answers to: compose links targets are not here; network
    /// aliases, `hostname`, `container_name` are.
    pub aliases: Vec<String>,
    pub links: Vec<String>,
    pub profiles: Vec<String>,
    /// Compose `extends`: (service, file).
    pub extends: Option<(String, Option<String>)>,
    pub annotations: Vec<(String, String)>,
    /// Mounts: compose bind mounts (host path relative to the compose file, container path);
    /// k8s ConfigMap volumes as (`configmap:<name>`, mount path).
    pub volumes: Vec<(String, String, Location)>,
    /// Compose `network_mode: service:X` (a sidecar sharing X's network), with its location.
    pub network_mode: Option<(String, Location)>,
    /// Ports the containers listen on (compose `ports` container side and `expose`, k8s
    /// `containerPort`), sorted.
    pub ports: Vec<u16>,
}

impl Workload {
    /// A workload with nothing declared but its origin, name and place.
    pub fn new(origin: Origin, name: &str, declared: Location) -> Self {
        Workload {
            origin,
            name: name.to_string(),
            declared,
            containers: Vec::new(),
            labels: Vec::new(),
            build_context: None,
            dockerfile: None,
            env_files: Vec::new(),
            depends_on: Vec::new(),
            aliases: Vec::new(),
            links: Vec::new(),
            profiles: Vec::new(),
            extends: None,
            annotations: Vec::new(),
            volumes: Vec::new(),
            network_mode: None,
            ports: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct K8sService {
    pub name: String,
    pub namespace: Option<String>,
    pub selector: Vec<(String, String)>,
    pub external_name: Option<String>,
    /// (port name, port)
    pub ports: Vec<(Option<String>, u16)>,
    pub declared: Location,
}

/// A k8s Ingress (or a gateway route list): a gateway with backends.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Ingress {
    pub name: String,
    pub namespace: Option<String>,
    pub declared: Location,
    /// Backend Service names with the location of each reference.
    pub backends: Vec<(String, Location)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConfigData {
    pub kind: RefKind,
    pub name: String,
    pub namespace: Option<String>,
    pub entries: Vec<Setting>,
    pub declared: Location,
    /// SQL held in `*.sql` keys (init scripts mounted into a database container).
    pub sql: Vec<SqlFact>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Fact {
    Workload(Box<Workload>),
    K8sService(K8sService),
    /// Endpoints / EndpointSlice addresses for a selectorless Service.
    K8sEndpoints {
        name: String,
        namespace: Option<String>,
        addresses: Vec<String>,
        location: Location,
    },
    ConfigData(ConfigData),
    Ingress(Ingress),
    ReleaseTag(ReleaseTag),
    /// A mesh policy that protects calls to a host: Istio DestinationRule outlier detection or
    /// connection pool, VirtualService timeout or retries.
    Resilience {
        host: String,
        what: String,
        location: Location,
    },
    /// What a SQL script says (tables, foreign keys, uses, databases).
    Sql(SqlFact),
    /// A `monolens:ignore rule[,rule] -- reason` comment.
    Ignore(IgnoreComment),
    /// Who owns a path pattern (CODEOWNERS line) or a component (Backstage `spec.owner`).
    Owner(OwnerRule),
    /// A key/value from `.env`, Spring, appsettings or another config file.
    Setting(Setting),
    /// A project a build file declares (Maven, Gradle, npm, Go, .NET, skaffold): a name it
    /// goes by and the folder it builds.
    Project(Project),
    /// A module of the repository a build file depends on.
    ModuleDependency(ModuleDependency),
    /// A version a build file declares, for its own module or for the modules that share it.
    BuildVersion(BuildVersion),
    /// A string literal in source code that looks like a URL or connection string.
    Literal {
        value: String,
        location: Location,
    },
    /// An env key (or Spring property) a source file's own code reads: `os.getenv("X")`;
    /// `ANY_ENV_KEY` when the code computes the key (`getenv(name)`).
    EnvRead {
        key: String,
        location: Location,
    },
    /// A key a configuration binder fills by name: Spring `@ConfigurationProperties(prefix =
    /// "yas.services") record Urls(String product, Map<String, String> extra)` binds
    /// `yas.services.product`, and (`subtree`, a `Map` or nested member) every key under
    /// `yas.services.extra`. The code reads them when it reads the member (`MemberRead`).
    Bound {
        key: String,
        member: String,
        subtree: bool,
        /// The binder's prefix when its members are all the keys it takes under it (a Java
        /// record's components): Spring ignores any other key under that prefix.
        closed: Option<String>,
        location: Location,
    },
    /// A member the code reads off an object named like configuration:
    /// `serviceUrlConfig.product()`, `props.getCartUrl()` (member `cartUrl`).
    MemberRead {
        member: String,
        location: Location,
    },
    /// A breaker, retry or timeout policy a source file's code wraps calls or clients in
    /// (`@CircuitBreaker(name = "product")`, `new CircuitBreaker(fn)`, a resilience handler on
    /// an `HttpClient`); `name` is the policy's or client's name when it has one.
    Guard {
        policy: String,
        name: Option<String>,
        text: String,
        location: Location,
    },
    /// A message a source file's code sends to or takes from a topic, queue or exchange
    /// (`@KafkaListener(topics = "order")`, `kafkaTemplate.send("order", …)`).
    /// A service name written in code without a URL: one the file's service registers in a
    /// service registry, or a candidate callee (only a name some service registers counts).
    ServiceName {
        name: String,
        role: NameRole,
        location: Location,
    },
    /// A key the code reads from a loaded config document (`config_json["text-service"]
    /// ["addr"]` is `text-service.addr`; `result["GeoMongoAddress"]`), joined with `.`.
    ConfigRead {
        key: String,
        location: Location,
    },
    /// A logical database the code opens with a driver call (`client.Database("geo-db")`).
    DatabaseNamed {
        name: String,
        #[serde(deserialize_with = "super::static_str")]
        technology: super::StaticStr,
        location: Location,
    },
    /// A leaf of a JSON config document that code loads and reads by key (a service registry
    /// such as `service-config.json`): only the entries a service's code reads are its settings.
    RegistryEntry(Setting),
    ChangeCapture(ChangeCapture),
    DaprComponent(DaprComponent),
    Message {
        topic: String,
        role: MessageRole,
        /// `kafka`, `rabbitmq`: the broker technology the declaration belongs to.
        #[serde(deserialize_with = "super::static_str_opt")]
        technology: Option<super::StaticStr>,
        /// The declaration as written, for evidence.
        text: String,
        location: Location,
    },
    /// One route of a gateway: requests for a host and path prefix go to a backend.
    Route(Route),
    /// Code that calls a component by a name, not a URL: a Dapr app id
    /// (`DaprClient.CreateInvokeHttpClient("basket-api")`).
    Call {
        target: String,
        #[serde(deserialize_with = "super::static_str")]
        protocol: super::StaticStr,
        /// The call as written, for evidence.
        text: String,
        location: Location,
    },
    /// A k8s NetworkPolicy: which pods may connect to which.
    NetworkPolicy(NetworkPolicy),
    /// A sign of two-phase commit in a build file or source file: an XA transaction manager
    /// (`com.atomikos`), an XA data source, a distributed .NET transaction.
    Transaction(TxMarker),
}

/// What a two-phase-commit sign is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum TxKind {
    /// An XA / JTA transaction manager: Atomikos, Narayana, Bitronix, Spring Boot JTA.
    Manager,
    /// An XA data source or resource, enlisted in a global transaction.
    XaResource,
    /// A .NET distributed transaction: a promoted `TransactionScope`, MSDTC.
    Dtc,
}

impl TxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TxKind::Manager => "XA transaction manager",
            TxKind::XaResource => "XA resource",
            TxKind::Dtc => "distributed .NET transaction",
        }
    }
}

/// One two-phase-commit sign as written: what the catalog calls it, and the line.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TxMarker {
    /// What it is, from the catalog (`Atomikos XA transaction manager`).
    #[serde(deserialize_with = "super::static_str")]
    pub what: super::StaticStr,
    pub kind: TxKind,
    /// The line as written, for evidence.
    pub text: String,
    pub location: Location,
}

/// One route of a gateway (nginx `server_name` + `location`, an Ingress rule path, an Envoy
/// virtual host route): requests for `host` under `prefix` go to `backend`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Route {
    /// The gateway, when the declaration names it (an Ingress); else the file's owner.
    pub gateway: Option<String>,
    /// `server_name`, Ingress `host`, Envoy domain; `None` for any host.
    pub host: Option<String>,
    /// The path prefix (`/` for everything).
    pub prefix: String,
    /// The backend as written: `http://product`, `product:8080`, a k8s Service name; may hold
    /// `${VAR}` placeholders (nginx templates) the gateway's own env fills in.
    pub backend: String,
    pub location: Location,
}

/// A k8s NetworkPolicy: the pods it admits traffic into and, per `from` pod selector, the
/// pods allowed in, on the ports of their rule.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NetworkPolicy {
    pub name: String,
    pub namespace: Option<String>,
    pub pods: Vec<(String, String)>,
    pub from: Vec<PolicyPeer>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PolicyPeer {
    pub pods: Vec<(String, String)>,
    /// Ports of the rule as written (numbers or port names); empty for every port.
    pub ports: Vec<String>,
    pub location: Location,
}

/// What a `Fact::ServiceName` says about the name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum NameRole {
    /// The file's service registers itself under the name (`registry.Register(name, …)`
    /// with `const name = "srv-geo"`, a Consul `AgentServiceRegistration{Name: …}`).
    Registers,
    /// The code names a service to call, without a URL: a literal argument
    /// (`initGeoClient("srv-geo")`, `dialer.Dial("srv-rate", …)`, `@FeignClient("orders")`).
    Calls,
    /// A `calls:` pattern of `monolens.yaml` says the code calls the name: it counts whenever
    /// a component goes by it, registered or not.
    Declared,
}

/// A change-data-capture connector (Debezium on Kafka Connect): it reads a database and
/// writes each captured table to a topic, `<prefix>.<table>` (`dbproduct.public.product`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChangeCapture {
    /// The database server's host (`database.hostname`).
    pub host: String,
    /// The logical database (`database.dbname`), when the connector names one.
    pub database: Option<String>,
    /// `topic.prefix` (or the older `database.server.name`).
    pub prefix: String,
    /// The captured tables as the connector lists them (`public.product`); empty when it
    /// captures every table, or lists them as patterns.
    pub tables: Vec<String>,
    pub text: String,
    pub location: Location,
}

impl ChangeCapture {
    /// Whether the connector writes `topic`: `<prefix>.<table>` for a listed table, any
    /// `<prefix>.…` when it lists none.
    pub fn writes(&self, topic: &str) -> bool {
        let Some(rest) = topic
            .strip_prefix(&self.prefix)
            .and_then(|r| r.strip_prefix('.'))
        else {
            return false;
        };
        self.tables.is_empty() || self.tables.iter().any(|t| t == rest)
    }
}

/// A Dapr component (`kind: Component`, `apiVersion: dapr.io/…`): a pub/sub broker, state or
/// secret store the apps it is scoped to reach through their sidecars.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DaprComponent {
    pub name: String,
    /// `pubsub.rabbitmq`, `state.redis`, …
    pub component_type: String,
    /// The app ids the component is scoped to; empty when every app may use it.
    pub scopes: Vec<String>,
    /// The server it connects to, as written (`amqp://rabbitmq:5672`, `redis:6379`).
    pub address: Option<String>,
    /// The logical database (`redisDB`, `databaseName`), when the metadata names one.
    pub database: Option<String>,
    /// State key prefix (`keyPrefix`: `appid` by default, `name`, `none`).
    pub key_prefix: Option<String>,
    pub location: Location,
}

/// Which side of a topic a `Fact::Message` is on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum MessageRole {
    Producer,
    Consumer,
}

/// The key of an `EnvRead` whose key the code computes: it may read any key.
pub const ANY_ENV_KEY: &str = "*";

/// What a project's name is: the build's own name for it, or the image it builds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum ProjectName {
    /// `artifactId`, `rootProject.name`, package `name`, module path, `.csproj` stem.
    Build,
    /// An image the build makes (jib `<to><image>`, spring-boot `<image><name>`).
    Image,
    /// A skaffold artifact: an image built from a context folder, as strong as compose `build`.
    Artifact,
}

/// A module a build file depends on by name: Maven `<dependency><artifactId>`, Gradle
/// `project(':common-library')`. When that module is a library of the repository (no service
/// owns its folder), its binders configure the depending service.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ModuleDependency {
    /// The folder of the depending build file, repository-relative.
    #[serde(
        serialize_with = "super::shown_dir",
        deserialize_with = "super::read_dir"
    )]
    pub dir: String,
    pub name: String,
    pub location: Location,
}

/// The build system a `BuildVersion` comes from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum BuildSystem {
    Maven,
    Gradle,
    Npm,
    MsBuild,
    Helm,
}

impl BuildSystem {
    /// How a message names the declaration.
    pub fn describe(self) -> &'static str {
        match self {
            BuildSystem::Maven => "Maven reactor version",
            BuildSystem::Gradle => "Gradle root version",
            BuildSystem::Npm => "npm workspace root version",
            BuildSystem::MsBuild => "Directory.Build.props version",
            BuildSystem::Helm => "Helm chart appVersion",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BuildSystem::Maven => "maven",
            BuildSystem::Gradle => "gradle",
            BuildSystem::Npm => "npm",
            BuildSystem::MsBuild => "msbuild",
            BuildSystem::Helm => "helm",
        }
    }
}

/// Which modules a `BuildVersion` applies to.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum VersionScope {
    /// The build file's own module: a Maven pom (named `groupId:artifactId`, inheriting from
    /// `parent` when it declares no version of its own), a Gradle subproject, a workspace
    /// package, a `.csproj`.
    Module {
        name: Option<String>,
        parent: Option<String>,
    },
    /// Workspace members, folders or globs relative to the file's folder (npm `workspaces`).
    Members(Vec<String>),
    /// The projects the `settings.gradle` beside it includes (`allprojects`: the root too).
    Projects { root: bool },
    /// Every project below the file's folder that has no nearer one (`Directory.Build.props`).
    Below,
    /// The chart's images whose tag defaults to `.Chart.AppVersion` (Helm `appVersion`).
    Chart,
}

/// A version declared by a build file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BuildVersion {
    pub system: BuildSystem,
    /// The build file's folder, repository-relative ("" for the root).
    #[serde(
        serialize_with = "super::shown_dir",
        deserialize_with = "super::read_dir"
    )]
    pub dir: String,
    /// As written; `None` for a module that declares none (it takes its parent's).
    pub version: Option<String>,
    pub scope: VersionScope,
    /// The version's declaration; the build file's first line when there is none.
    pub location: Location,
}

/// One name a build file gives the folder it builds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Project {
    pub name: String,
    pub what: ProjectName,
    /// The folder built, repository-relative ("" for the root).
    #[serde(
        serialize_with = "super::shown_dir",
        deserialize_with = "super::read_dir"
    )]
    pub dir: String,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IgnoreComment {
    pub location: Location,
    pub rules: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum OwnerRule {
    /// A CODEOWNERS line: a gitignore-style pattern (relative to the CODEOWNERS scope root)
    /// and its owners, in file order.
    Path {
        pattern: String,
        owners: Vec<String>,
        location: Location,
    },
    /// Backstage `catalog-info.yaml`: a component and its owner.
    Component {
        name: String,
        owner: String,
        depends_on: Vec<String>,
        location: Location,
    },
}

/// Everything one file said, plus what went wrong reading it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    pub path: String,
    pub facts: Vec<Fact>,
    pub diagnostics: Vec<Diagnostic>,
}

// ---- SQL -------------------------------------------------------------------------------------

/// A table (or view) name as compared: unquoted parts case-folded, default schemas (`public`,
/// `dbo`) dropped, and the database filled in from a preceding `USE` / `\c`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct TableName {
    pub database: Option<String>,
    pub schema: Option<String>,
    pub name: String,
}

impl TableName {
    /// `database.schema.name`, missing parts omitted.
    pub fn key(&self) -> String {
        let mut parts: Vec<&str> = Vec::with_capacity(3);
        parts.extend(self.database.as_deref());
        parts.extend(self.schema.as_deref());
        parts.push(&self.name);
        parts.join(".")
    }

    /// `schema.name` without the database, for matching a script that names its database
    /// against one whose database comes from a connection string.
    pub fn local_key(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{schema}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

impl std::fmt::Display for TableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SqlFactKind {
    /// `CREATE DATABASE x`; MySQL's `CREATE SCHEMA x` too (a synonym there).
    CreateDatabase {
        name: String,
    },
    /// `USE x`, psql `\c x`: later unqualified names are in this database.
    UseDatabase {
        name: String,
    },
    CreateSchema {
        name: String,
    },
    /// `SET search_path TO x`: later unqualified names are in this schema.
    UseSchema {
        name: String,
    },
    CreateTable {
        table: TableName,
    },
    CreateView {
        view: TableName,
    },
    /// Located at the referenced (`to`) table's name.
    ForeignKey {
        from: TableName,
        to: TableName,
    },
    /// A table used by a statement. `statement` is one of `select`, `insert`, `update`,
    /// `delete`, `merge`, `copy`, `truncate`, `alter`, `drop`, `index`, `like`, `view`,
    /// `procedure`, `function`, `trigger`; the last four mean "inside that object's body".
    /// Reported once per file for each table and statement kind.
    References {
        table: TableName,
        #[serde(deserialize_with = "super::static_str")]
        statement: super::StaticStr,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SqlFact {
    pub kind: SqlFactKind,
    pub location: Location,
}
