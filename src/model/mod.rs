//! The shared vocabulary: locations, evidence, facts (what one file says), diagnostics, and the
//! resolved `Model` of components and edges that rules read.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub mod facts;
pub use facts::*;

/// An edge or access keeps the first `MAX_EVIDENCE_PER_FILE` pieces of evidence of each file,
/// for at most `MAX_EVIDENCE_FILES` files, and counts the rest: what a reader can use (a
/// setting and its reference, a database name and its schema), and output that grows with
/// services, not with call sites. A code file keeps its first line only: the other lines
/// that name the same callee add nothing (`inspect` lists them all).
pub const MAX_EVIDENCE_FILES: usize = 5;
pub const MAX_EVIDENCE_PER_FILE: usize = 3;
pub const MAX_EVIDENCE_PER_CODE_FILE: usize = 1;

/// A 1-based position in a repository-relative file (forward slashes). The path is shared:
/// a large repository has millions of locations in a few thousand files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Location {
    pub file: FilePath,
    pub line: u32,
    pub column: u32,
}

/// The scan root's path inside its repository, put before every path an output shows, so that
/// all formats name files relative to the repository root (as code scanning and annotations
/// need) however deep the scanned folder is. Set once per process by the command line
/// (`ScanOptions::repository_paths`); the model's own paths stay relative to the scan root.
static SHOWN_PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Show paths under `prefix` from now on (the first call wins; later ones are ignored).
pub fn show_paths_under(prefix: &str) {
    let _ = SHOWN_PREFIX.set(prefix.to_string());
}

/// What an output puts before a model path.
pub fn shown_prefix() -> &'static str {
    SHOWN_PREFIX.get().map_or("", String::as_str)
}

/// A model path as outputs show it (borrowed when there is no prefix).
pub fn shown_path(file: &str) -> std::borrow::Cow<'_, str> {
    match shown_prefix() {
        "" => std::borrow::Cow::Borrowed(file),
        prefix => std::borrow::Cow::Owned(format!("{prefix}{file}")),
    }
}

thread_local! {
    /// Put before every path read back from a facts file (`read_paths_under`): the name of
    /// the repository the fragment came from, so merged repositories never share a path.
    static READ_PREFIX: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Read facts (deserialise locations) with `prefix` before every path, for `run`.
pub fn read_paths_under<T>(prefix: &str, run: impl FnOnce() -> T) -> T {
    let before = READ_PREFIX.with(|p| std::mem::replace(&mut *p.borrow_mut(), prefix.to_string()));
    let out = run();
    READ_PREFIX.with(|p| *p.borrow_mut() = before);
    out
}

/// A path read back from facts, under the current read prefix.
fn read_path(file: &str) -> String {
    READ_PREFIX.with(|p| format!("{}{file}", p.borrow()))
}

/// A folder under a prefix ending in `/`: the root ("") is the prefix without its slash.
fn dir_under(prefix: &str, dir: &str) -> String {
    if dir.is_empty() {
        prefix.trim_end_matches('/').to_string()
    } else {
        format!("{prefix}{dir}")
    }
}

/// A fact's folder (`""` for the root) as outputs show it: under the shown prefix, like the
/// files of its locations.
pub fn shown_dir<S: serde::Serializer>(dir: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&dir_under(shown_prefix(), dir))
}

/// A fact's folder read back from facts, under the current read prefix.
pub fn read_dir<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::Deserialize;
    let dir = String::deserialize(d)?;
    Ok(READ_PREFIX.with(|p| dir_under(&p.borrow(), &dir)))
}

/// A catalog name held as `&'static str`. Named so that serde's derive does not treat the
/// field as borrowed from the input (it reads the type's spelling), and reads it with
/// `static_str` instead.
pub type StaticStr = &'static str;

/// A catalog name (`postgres`, `http`, `select`) read back from facts: facts hold them as
/// `&'static str`, so each distinct text is kept once for the process.
pub fn static_str<'de, D: serde::Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    use serde::Deserialize;
    static KNOWN: std::sync::Mutex<std::collections::BTreeSet<&'static str>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let text = String::deserialize(d)?;
    let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = known.get(text.as_str()) {
        return Ok(s);
    }
    let s: &'static str = Box::leak(text.into_boxed_str());
    known.insert(s);
    Ok(s)
}

/// `static_str` for an optional name.
pub fn static_str_opt<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<&'static str>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Wrap(#[serde(deserialize_with = "static_str")] StaticStr);
    use serde::Deserialize;
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

impl<'de> serde::Deserialize<'de> for Location {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            file: String,
            line: u32,
            column: u32,
        }
        let raw = Raw::deserialize(d)?;
        Ok(Location::new(&read_path(&raw.file), raw.line, raw.column))
    }
}

impl Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Location", 3)?;
        out.serialize_field("file", &shown_path(&self.file))?;
        out.serialize_field("line", &self.line)?;
        out.serialize_field("column", &self.column)?;
        out.end()
    }
}

/// A shared repository-relative path.
pub type FilePath = std::sync::Arc<str>;

thread_local! {
    /// The path of the last location made on this thread: a parser makes its file's
    /// locations one after another, so they share one path.
    static LAST_PATH: std::cell::RefCell<FilePath> = std::cell::RefCell::new(FilePath::from(""));
}

/// The shared path for `file`.
pub fn file_path(file: &str) -> FilePath {
    LAST_PATH.with(|last| {
        let mut last = last.borrow_mut();
        if &**last != file {
            *last = FilePath::from(file);
        }
        last.clone()
    })
}

impl Location {
    pub fn new(file: &str, line: u32, column: u32) -> Self {
        Location {
            file: file_path(file),
            line: line.max(1),
            column: column.max(1),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{}:{}:{}",
            shown_prefix(),
            self.file,
            self.line,
            self.column
        )
    }
}

/// What was seen at a location. The text is redacted when it is built, so no secret is ever
/// stored, let alone printed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Evidence {
    pub location: Location,
    pub text: String,
}

impl Evidence {
    pub fn new(location: Location, text: &str) -> Self {
        Evidence {
            location,
            text: crate::redact::redact(text),
        }
    }

    /// A setting as `KEY=value`, the value shown as `redact::setting_value` allows: masked
    /// whole under a secret-named key or from a k8s Secret, credentials masked otherwise.
    pub fn of_setting(s: &ResolvedSetting) -> Self {
        let value = crate::redact::setting_value(&s.key, &s.value, s.from_secret());
        let text = if s.key.is_empty() {
            value
        } else {
            format!("{}={value}", s.key)
        };
        Evidence {
            location: s.location.clone(),
            text,
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A problem with one input (unreadable, malformed, skipped) that did not stop the scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub file: String,
    pub line: u32,
    pub severity: Severity,
    pub message: String,
}

impl<'de> serde::Deserialize<'de> for Diagnostic {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            file: String,
            line: u32,
            severity: Severity,
            message: String,
        }
        let raw = Raw::deserialize(d)?;
        Ok(Diagnostic {
            file: if raw.line == 0 {
                raw.file
            } else {
                read_path(&raw.file)
            },
            line: raw.line,
            severity: raw.severity,
            message: raw.message,
        })
    }
}

impl Serialize for Diagnostic {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Diagnostic", 4)?;
        out.serialize_field("file", &self.shown_file())?;
        out.serialize_field("line", &self.line)?;
        out.serialize_field("severity", &self.severity)?;
        out.serialize_field("message", &self.message)?;
        out.end()
    }
}

impl Diagnostic {
    /// `file:line`, or the file (or folder) alone when the diagnostic is about all of it
    /// (line 0: a repository without history, a folder that cannot be walked).
    pub fn place(&self) -> String {
        match self.line {
            0 => self.file.clone(),
            line => format!("{}:{line}", self.shown_file()),
        }
    }

    /// The file as outputs show it: a model path under the shown prefix, or, at line 0, the
    /// scan root or folder as given on the command line.
    pub fn shown_file(&self) -> std::borrow::Cow<'_, str> {
        if self.line == 0 {
            std::borrow::Cow::Borrowed(self.file.as_str())
        } else {
            shown_path(&self.file)
        }
    }

    pub fn warning(file: &str, line: u32, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_string(),
            line: line.max(1),
            severity: Severity::Warning,
            // Diagnostics quote inputs; whatever they quote passes the same masking.
            message: crate::redact::redact(&message.into()),
        }
    }
    pub fn note(file: &str, line: u32, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Note,
            ..Diagnostic::warning(file, line, message)
        }
    }
    /// About a file or folder as a whole, at no line (shown without one).
    pub fn whole(severity: Severity, file: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            line: 0,
            severity,
            ..Diagnostic::warning(file, 1, message)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The resolved model.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ComponentKind {
    Service,
    Datastore,
    Broker,
    Gateway,
    Platform,
    /// Developer tools, admin UIs, mail catchers, load and test clients.
    Tool,
    /// One-shot setup, migration and seed jobs.
    Job,
    /// A helper process attached to one app (daprd, a proxy sharing its network).
    Sidecar,
    External,
}

impl ComponentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::Service => "service",
            ComponentKind::Datastore => "datastore",
            ComponentKind::Broker => "broker",
            ComponentKind::Gateway => "gateway",
            ComponentKind::Platform => "platform",
            ComponentKind::Tool => "tool",
            ComponentKind::Job => "job",
            ComponentKind::Sidecar => "sidecar",
            ComponentKind::External => "external",
        }
    }

    /// Services whose coupling the rules judge: application code, gateways included.
    pub fn is_app(self) -> bool {
        matches!(self, ComponentKind::Service | ComponentKind::Gateway)
    }
}

#[derive(Debug, Clone)]
pub struct Component {
    pub id: String,
    pub kind: ComponentKind,
    pub technology: Option<String>,
    /// Where it is declared (first declaration; `declarations` has all).
    pub location: Location,
    pub declarations: Vec<Location>,
    /// Every name it answers to (k8s Service names, compose aliases, DNS forms).
    pub names: BTreeSet<String>,
    pub owners: Vec<String>,
    pub image: Option<String>,
    /// Rules switched off for this component by the `monolens.dev/ignore` annotation.
    pub ignores: Vec<String>,
    /// Why it has its kind: the rule that decided and the evidence.
    pub kind_reason: KindReason,
    /// Deployment variants that declare it (empty when the repository has only one).
    pub variants: BTreeSet<String>,
    /// When other repositories declare its name too (merge, several roots): whether they are
    /// this component (rule `config`, `image`, `namespace`, `build`) or their own (`apart`), and why.
    pub identity: Option<KindReason>,
}

/// Why a component got its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct KindReason {
    /// Stable id of the deciding rule: `image`, `name`, `connection-string`, `platform-key`,
    /// `gateway-key`, `sidecar-image`, `sidecar-network`, `setup-job`, `k8s-job`, `config`,
    /// `ingress`, `application`, `referenced`.
    pub rule: &'static str,
    /// One sentence a user can check.
    pub detail: String,
    /// Where the evidence is.
    pub location: Location,
}

/// Where a setting a service sees comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SettingSource {
    /// compose `environment` or a k8s container `env` value.
    Env,
    /// k8s `valueFrom.configMapKeyRef`.
    ConfigMapRef,
    /// k8s `valueFrom.secretKeyRef`.
    SecretRef,
    /// k8s `envFrom` a ConfigMap.
    EnvFrom,
    /// k8s `envFrom` a Secret.
    SecretEnvFrom,
    /// compose `env_file`.
    EnvFile,
    /// A connection string passed on the command line.
    Args,
    /// A config file the service owns (Spring, appsettings, `.env` in its folder, …).
    ConfigFile,
    /// `ENV` (or a command's connection strings) in the Dockerfile the service is built from;
    /// compose and k8s env of the same key override it.
    Dockerfile,
    /// A URL or address literal in the service's source code.
    Source,
    /// The default of an env lookup in the service's code (`getenv("X", "default")`): the
    /// lowest precedence, dropped when anything else gives the service the key.
    CodeDefault,
}

impl SettingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            SettingSource::Env => "env",
            SettingSource::ConfigMapRef => "configmap-ref",
            SettingSource::SecretRef => "secret-ref",
            SettingSource::EnvFrom => "env-from",
            SettingSource::SecretEnvFrom => "secret-env-from",
            SettingSource::EnvFile => "env-file",
            SettingSource::Args => "args",
            SettingSource::ConfigFile => "config-file",
            SettingSource::Dockerfile => "dockerfile",
            SettingSource::Source => "source",
            SettingSource::CodeDefault => "code-default",
        }
    }
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
    pub source: SettingSource,
    /// The deployment variant the setting belongs to; `None` for every variant (config files
    /// and source code the service owns).
    pub variant: Option<String>,
}

impl ResolvedSetting {
    /// Read from a k8s Secret: a secret by design, not a plaintext credential.
    pub fn from_secret(&self) -> bool {
        matches!(
            self.source,
            SettingSource::SecretRef | SettingSource::SecretEnvFrom
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeKind {
    Sync,
    Async,
    Data,
    Platform,
    Startup,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Sync => "sync",
            EdgeKind::Async => "async",
            EdgeKind::Data => "data",
            EdgeKind::Platform => "platform",
            EdgeKind::Startup => "startup",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    pub protocol: Option<String>,
    pub database: Option<String>,
    pub topic: Option<String>,
    /// The first evidence of each file, bounded (`MAX_EVIDENCE_FILES`).
    pub evidence: Vec<Evidence>,
    /// How many distinct pieces of evidence were seen, `evidence` included.
    pub evidence_count: usize,
    /// The deployment variants it exists in.
    pub scope: Scope,
    /// Whether the caller's code uses it or it is only configured.
    pub confidence: Confidence,
}

/// Whether an edge is used by the caller's code or only configured for it: an env value
/// (a ConfigMap of every service's address injected by `envFrom`) that the service's own code,
/// which reads other env keys, never reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Read by the code, or nothing says otherwise.
    #[default]
    Used,
    /// Given to the service, never read by its code.
    Configured,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Used => "used",
            Confidence::Configured => "configured",
        }
    }
}

/// An env key as compared across sources: upper case, `.`, `-` and `:` as `_`, no doubled `_`
/// (.NET `Services__Cart` ↔ `Services:Cart`, Spring `balances.api.addr` ↔ `BALANCES_API_ADDR`).
pub fn normal_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for c in key.chars() {
        let c = match c {
            '.' | '-' | ':' => '_',
            c => c.to_ascii_uppercase(),
        };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    out
}

/// The deployment variants an edge or access exists in: all of them (the repository has one,
/// or the evidence is code and config every variant runs), or only some.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    All,
    Only(BTreeSet<String>),
}

impl Scope {
    /// Not yet seen in any variant: the start of a scope built by `widen`.
    pub fn none() -> Self {
        Scope::Only(BTreeSet::new())
    }

    /// Add where one more piece of evidence comes from (`None`: every variant).
    pub fn widen(&mut self, variant: Option<&String>) {
        match (self, variant) {
            (s, None) => *s = Scope::All,
            (Scope::All, Some(_)) => {}
            (Scope::Only(set), Some(v)) => {
                set.insert(v.clone());
            }
        }
    }

    /// What both sides share (a producer and a consumer that run together).
    pub fn intersect(&self, other: &Scope) -> Scope {
        match (self, other) {
            (Scope::All, s) | (s, Scope::All) => s.clone(),
            (Scope::Only(a), Scope::Only(b)) => Scope::Only(a.intersection(b).cloned().collect()),
        }
    }

    pub fn contains(&self, variant: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(set) => set.contains(variant),
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Scope::Only(set) if set.is_empty())
    }

    /// The variants named, empty for all.
    pub fn names(&self) -> Vec<&str> {
        match self {
            Scope::All => Vec::new(),
            Scope::Only(set) => set.iter().map(String::as_str).collect(),
        }
    }
}

/// A service's use of one logical database on one server.
#[derive(Debug, Clone)]
pub struct Access {
    pub service: String,
    /// Datastore component id (the server identity).
    pub datastore: String,
    pub technology: String,
    /// Logical database (name / keyspace / redis db index), when the repository says.
    pub database: Option<String>,
    /// The schema the service works in inside that database, when its connection string or
    /// settings say (`?currentSchema=orders`, `hibernate.default_schema`).
    pub schema: Option<String>,
    /// Bounded as an edge's is.
    pub evidence: Vec<Evidence>,
    pub evidence_count: usize,
    pub scope: Scope,
}

impl Access {
    /// The database as compared: SQL Server and MySQL names are case-insensitive.
    pub fn database_key(&self) -> Option<String> {
        self.database
            .as_deref()
            .map(|d| database_key(&self.technology, d))
    }
}

pub fn database_key(technology: &str, database: &str) -> String {
    if matches!(technology, "mssql" | "mysql" | "mariadb") {
        database.to_ascii_lowercase()
    } else {
        database.to_string()
    }
}

/// A table and the services that own it (whose migrations create it).
#[derive(Debug, Clone, Serialize)]
pub struct TableInfo {
    /// Identity: `datastore/database/schema.name`; `?` where unknown (then unique to its owner).
    pub key: String,
    /// `schema.name` as written (normalised).
    pub name: String,
    pub schema: Option<String>,
    /// Datastore component and logical database the table lives in, when known.
    pub datastore: Option<String>,
    pub database: Option<String>,
    /// Services whose SQL creates it; empty when a datastore's init script creates it.
    pub owners: Vec<String>,
    /// Where it is created: (creator — a service or datastore id —, location).
    pub created: Vec<(String, Location)>,
}

/// A table used by a statement of a service's SQL (select, insert, view, …).
#[derive(Debug, Clone)]
pub struct TableUse {
    pub service: String,
    pub table: String,
    pub statement: &'static str,
    pub location: Location,
}

/// A foreign key in a service's SQL, located at its REFERENCES target.
#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub service: String,
    pub from: String,
    pub to: String,
    pub location: Location,
}

/// One deployable unit (compose service or pod template) and its containers.
#[derive(Debug, Clone)]
pub struct DeployUnit {
    pub component: String,
    pub declared: Location,
    pub containers: Vec<UnitContainer>,
}

#[derive(Debug, Clone)]
pub struct UnitContainer {
    pub name: String,
    pub image: Option<String>,
    pub location: Location,
    pub init: bool,
    /// An istio-proxy, log shipper, cloud-sql-proxy…: never an app service of its own.
    pub sidecar: bool,
    /// The image is a datastore, broker or platform image.
    pub infrastructure: bool,
    /// Entrypoint or command and args as written, when the declaration overrides the image's.
    pub command: Option<String>,
}

/// A version one build declaration gives several services: a Maven reactor, a Gradle root,
/// an npm workspace root, `Directory.Build.props`, a Helm chart's `appVersion`.
#[derive(Debug, Clone)]
pub struct SharedVersion {
    pub system: BuildSystem,
    pub version: String,
    pub location: Location,
    /// The services it versions, sorted, each with where it takes the version (its build
    /// file, or the image line whose tag defaults to the chart's `appVersion`).
    pub services: Vec<(String, Location)>,
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub root: String,
    /// The scan root's path inside its git repository (`fixtures/demo/`), so outputs that need
    /// repository-relative paths (SARIF, GitHub annotations) can prefix `Location::file`.
    pub repo_prefix: String,
    pub components: Vec<Component>,
    pub edges: Vec<Edge>,
    pub accesses: Vec<Access>,
    pub diagnostics: Vec<Diagnostic>,
    /// Repository-relative directory → owning service, longest prefix wins.
    pub service_dirs: Vec<(String, String)>,
    pub units: Vec<DeployUnit>,
    pub release_tags: Vec<ReleaseTag>,
    /// Each image's tag as written after interpolation, per app component: (component, image, location).
    pub app_images: Vec<(String, String, Location)>,
    /// Versions build files share between services (not bound to a deployment variant).
    pub shared_versions: Vec<SharedVersion>,
    /// Tables by key (sorted).
    pub tables: Vec<TableInfo>,
    pub table_uses: Vec<TableUse>,
    pub foreign_keys: Vec<ForeignKey>,
    /// Pairs of services that change together in git history.
    pub co_changes: Vec<CoChange>,
    pub ignores: Vec<IgnoreComment>,
    /// Passwords committed in plaintext, by location, with the components that read them.
    pub credentials: Vec<Credential>,
    /// Sync calls (from, to) with a timeout, retry or circuit breaker the repository shows,
    /// with the policy that protects each.
    pub protected_calls: BTreeMap<(String, String), Evidence>,
    /// Signs of two-phase commit, by service then location.
    pub transactions: Vec<TxUse>,
    /// Every setting each component sees, by component id (for `inspect`).
    pub settings: BTreeMap<String, Vec<ResolvedSetting>>,
    /// The deployment variants found, the primary first (empty when there is only one).
    pub variants: Vec<String>,
    /// Declaration file → variant, when there are several (compose projects by folder).
    pub variant_of_file: BTreeMap<String, String>,
    /// The repositories resolved as one system (`merge`, `scan A B C`), whose names start
    /// every path; empty for one repository.
    pub repositories: Vec<String>,
}

/// A sign of two-phase commit in one service: a marker in a file it owns, or a setting it
/// is given (`spring.jta.enabled=true`, an XA data-source class).
#[derive(Debug, Clone)]
pub struct TxUse {
    pub service: String,
    pub what: &'static str,
    pub kind: TxKind,
    pub evidence: Evidence,
    /// The deployment variant of the setting it comes from; `None` for every variant.
    pub variant: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Credential {
    /// What it is: `password`, `token`, `key`, `secret`, `signature` or `credential`.
    pub noun: &'static str,
    pub evidence: Evidence,
    pub components: Vec<String>,
}

/// Which services own a file: the deepest owned ancestor directory (or the file itself) wins.
pub struct OwnerIndex<'a> {
    dirs: std::collections::HashMap<&'a str, Vec<String>>,
}

impl<'a> OwnerIndex<'a> {
    pub fn new(service_dirs: &'a [(String, String)]) -> Self {
        let mut dirs: std::collections::HashMap<&str, Vec<String>> =
            std::collections::HashMap::new();
        for (dir, svc) in service_dirs {
            dirs.entry(dir.as_str()).or_default().push(svc.clone());
        }
        OwnerIndex { dirs }
    }

    /// O(depth) per path.
    pub fn owners_of(&self, path: &str) -> Vec<String> {
        let mut p = path;
        loop {
            if let Some(owners) = self.dirs.get(p) {
                return owners.clone();
            }
            if p.is_empty() {
                return Vec::new();
            }
            p = p.rsplit_once('/').map_or("", |(d, _)| d);
        }
    }
}

impl Model {
    pub fn component(&self, id: &str) -> Option<&Component> {
        self.components
            .binary_search_by(|c| c.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.components[i])
    }

    pub fn app_services(&self) -> impl Iterator<Item = &Component> {
        self.components.iter().filter(|c| c.kind.is_app())
    }

    /// The variant a declaration file belongs to; `None` for files every variant shares.
    pub fn variant_of(&self, file: &str) -> Option<&str> {
        variant_of_file(&self.variant_of_file, file)
    }

    /// The model as one variant runs it: edges and accesses of that variant, its deploy
    /// units, release tags, images and two-phase-commit signs. Rules that combine several
    /// facts read this view, so a finding never mixes variants that never run together.
    pub fn in_variant(&self, variant: &str) -> Model {
        let here = |file: &str| self.variant_of(file).is_none_or(|v| v == variant);
        Model {
            edges: self
                .edges
                .iter()
                .filter(|e| e.scope.contains(variant))
                .cloned()
                .collect(),
            accesses: self
                .accesses
                .iter()
                .filter(|a| a.scope.contains(variant))
                .cloned()
                .collect(),
            units: self
                .units
                .iter()
                .filter(|u| here(&u.declared.file))
                .cloned()
                .collect(),
            release_tags: self
                .release_tags
                .iter()
                .filter(|t| here(&t.location.file))
                .cloned()
                .collect(),
            app_images: self
                .app_images
                .iter()
                .filter(|(_, _, at)| here(&at.file))
                .cloned()
                .collect(),
            shared_versions: self.shared_versions.clone(),
            protected_calls: self.protected_calls.clone(),
            transactions: self
                .transactions
                .iter()
                .filter(|t| t.variant.as_ref().is_none_or(|v| v == variant))
                .cloned()
                .collect(),
            components: self.components.clone(),
            root: self.root.clone(),
            ..Model::default()
        }
    }
}

/// The key, after its folder, that stands for all compose files of one folder (one project).
pub const COMPOSE_PROJECT: &str = "/docker-compose";

/// File → variant: declaration files by name, compose files by their project folder.
pub fn variant_of_file<'a>(map: &'a BTreeMap<String, String>, file: &str) -> Option<&'a str> {
    if map.is_empty() {
        return None;
    }
    let (dir, name) = file.rsplit_once('/').unwrap_or(("", file));
    let compose = name.contains("compose") && (name.ends_with(".yml") || name.ends_with(".yaml"));
    map.get(file)
        .or_else(|| {
            compose
                .then(|| map.get(&format!("{dir}{COMPOSE_PROJECT}")))
                .flatten()
        })
        .map(String::as_str)
}

/// Two services whose directories change in the same commits (from git history).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CoChange {
    /// The pair, sorted.
    pub services: Vec<String>,
    /// Commits touching each service, same order as `services`.
    pub revisions: Vec<usize>,
    /// Commits touching both.
    pub shared: usize,
    /// shared / average(revisions), 0.0–1.0.
    pub degree: f64,
}
