//! Discovery: which files of the repository are read, and what kind of input each one is.
//!
//! Inside a git work tree the file list comes from `git ls-files` (tracked files, plus
//! untracked ones that are not ignored), because real systems commit files that .gitignore
//! lists (`.env`). Outside one, the `ignore` walker honours .gitignore. Hidden files are read.

use crate::model::Diagnostic;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What kind of input a file is; decides which parser reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputKind {
    Compose,
    Kubernetes,
    DotEnv,
    SpringYaml,
    Properties,
    AppSettings,
    Sql,
    Codeowners,
    Source,
    Nginx,
    Envoy,
    /// A YAML file with Helm/Go template syntax: not YAML until rendered.
    HelmTemplate,
    /// A build file that names the project in its folder (`pom.xml`, `package.json`, …).
    BuildFile,
    /// `Dockerfile`, `Dockerfile.<x>`, `<x>.Dockerfile`: the image a service runs.
    Dockerfile,
    /// A .NET Aspire AppHost (`DistributedApplication.CreateBuilder`): the system's resources
    /// and their wiring, in C#.
    AspireHost,
    /// A JSON config document code loads and reads by key (`config.json`,
    /// `service-config.json`): a registry of hosts, read entry by entry.
    JsonConfig,
    /// A Kafka Connect connector's JSON configuration (`"connector.class": …`).
    Connector,
}

/// Words in a JSON file's name that make it a config document code may load by key.
const JSON_CONFIG_WORDS: &[&str] = &["config", "services", "registry", "endpoints"];

/// JSON files of tools (editors, linters, bundlers, package managers), never read by a service.
const JSON_TOOL_WORDS: &[&str] = &[
    "tsconfig",
    "jsconfig",
    "eslint",
    "prettier",
    "babel",
    "jest",
    "tslint",
    "renovate",
    "lerna",
    "nx",
    "turbo",
    "vercel",
    "firebase",
    "nest-cli",
    "angular",
    "launch",
    "tasks",
    "devcontainer",
    "composer",
    "package",
    "lock",
    "webpack",
    "vite",
    "karma",
    "stylelint",
    "commitlint",
    "swc",
    "biome",
    "deno",
    "omnisharp",
    "global",
];

/// Build files by exact (lowercase) file name; `.csproj` goes by extension.
const BUILD_FILES: &[&str] = &[
    "pom.xml",
    "settings.gradle",
    "settings.gradle.kts",
    "build.gradle",
    "build.gradle.kts",
    "package.json",
    "go.mod",
    "skaffold.yaml",
    "skaffold.yml",
    "directory.build.props",
    "chart.yaml",
];

/// Folders whose plain `*.yml` files are Spring configuration (a config server's native search
/// locations and Spring's own resource folder), matched against the end of a file's folder.
const SPRING_CONFIG_DIRS: &[&str] = &[
    "src/main/resources",
    "src/main/resources/shared",
    "src/main/resources/config",
    "src/main/resources/configs",
    "src/main/resources/config-repo",
    "config-repo",
];

/// Whether a YAML file sits where Spring (or a config server) reads configuration.
fn in_spring_config_dir(rel: &str) -> bool {
    let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
    SPRING_CONFIG_DIRS
        .iter()
        .any(|s| dir == *s || dir.ends_with(&format!("/{s}")))
}

/// Directories never descended into.
const SKIP_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    "vendor",
    "bower_components",
    ".venv",
    "venv",
    "__pycache__",
    "dist",
    "build",
    ".gradle",
    ".idea",
    "bin",
    "obj",
];

const SOURCE_EXTENSIONS: &[&str] = &[
    "java", "kt", "kts", "go", "js", "mjs", "cjs", "ts", "tsx", "jsx", "py", "cs", "php", "rb",
    "rs", "scala", "groovy", "c", "cc", "cpp", "cxx", "h", "hh", "hpp", "lua",
];

/// Source sets of integration tests under `src/` (Maven failsafe, Gradle conventions).
const TEST_SOURCE_SETS: &[&str] = &["it", "integrationtest", "integration-test", "inttest"];

/// Words of a folder name that make it a test harness: end-to-end and UI test projects
/// (`automation-ui`, `e2e-tests`, `acceptance`, `cypress`), whatever build file they have.
const TEST_HARNESS_WORDS: &[&str] = &[
    "e2e",
    "end2end",
    "endtoend",
    "automation",
    "acceptance",
    "cucumber",
    "selenium",
    "playwright",
    "cypress",
];

fn is_test_harness(folder: &str) -> bool {
    folder
        .split(['-', '_', '.'])
        .any(|w| TEST_HARNESS_WORDS.contains(&w))
}

/// Paths that hold tests rather than the system: skipped unless tests are included.
fn is_test_path(rel: &str) -> bool {
    let mut parts = rel.split('/').peekable();
    let mut parent = String::new();
    while let Some(part) = parts.next() {
        let lower = part.to_ascii_lowercase();
        let is_file = parts.peek().is_none();
        // Maven and Gradle test source sets beside `src/main`: `src/it`, `src/integrationTest`.
        if !is_file && parent == "src" && TEST_SOURCE_SETS.contains(&lower.as_str()) {
            return true;
        }
        parent.clone_from(&lower);
        if is_file {
            let stem = lower.split('.').next().unwrap_or("");
            if (lower.starts_with("docker-compose") || lower.starts_with("compose"))
                && lower.contains("test")
            {
                return true;
            }
            if stem.ends_with("test") || stem.ends_with("tests") || lower.contains(".test.") {
                return true;
            }
        } else if matches!(
            lower.as_str(),
            "test" | "tests" | "__tests__" | "e2e" | "testdata"
        ) || lower.ends_with("tests")
            || lower.ends_with(".test")
            || is_test_harness(&lower)
        {
            return true;
        }
    }
    false
}

/// Options for discovery.
#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    pub exclude: Vec<String>,
    pub include_tests: bool,
}

/// A file selected for reading, with the kind its name suggests (content may refine it).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub rel: String,
    pub abs: PathBuf,
}

/// List the files under `root` worth reading, sorted by relative path.
pub fn candidates(
    root: &Path,
    opts: &DiscoverOptions,
) -> Result<(Vec<Candidate>, Vec<Diagnostic>), String> {
    let excludes = build_globs(&opts.exclude)?;
    let mut diagnostics = Vec::new();
    let files = match git_files(root) {
        // A scan root that its repository ignores (a generated tree under `target/`, say) is
        // walked on its own terms, without the enclosing repository's ignore files.
        Some(files) if files.is_empty() && git_ignores(root) => walk(root, false, &mut diagnostics),
        Some(files) => files,
        None => walk(root, true, &mut diagnostics),
    };
    let wanted = |rel: &str| {
        !rel.split('/').any(|p| SKIP_DIRS.contains(&p))
            && !excludes.is_match(rel)
            && (opts.include_tests || !is_test_path(rel))
            && kind_by_name(rel).is_some()
    };
    let inside = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut out: Vec<Candidate> = files
        .into_iter()
        .filter(|(rel, _)| wanted(rel))
        .filter_map(|(rel, abs)| within_root(&inside, rel, abs, &mut diagnostics))
        .collect();
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out.dedup_by(|a, b| a.rel == b.rel);
    Ok((out, diagnostics))
}

fn build_globs(patterns: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|e| format!("invalid --exclude glob `{p}`: {e}"))?;
        builder.add(glob);
        // `dir` and `dir/` also exclude everything below them.
        let trimmed = p.trim_end_matches('/');
        if !trimmed.contains('*')
            && let Ok(g) = Glob::new(&format!("{trimmed}/**"))
        {
            builder.add(g);
        }
    }
    builder
        .build()
        .map_err(|e| format!("invalid --exclude globs: {e}"))
}

/// Files git knows under `root` (tracked, and untracked-but-not-ignored), or None when
/// `root` is not inside a git work tree or git is unavailable.
fn git_files(root: &Path) -> Option<Vec<(String, PathBuf)>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let files = output
        .stdout
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| (display_name(s), root.join(os_path(s))))
        .filter(|(_, abs)| abs.is_file() || abs.is_symlink())
        .collect();
    Some(files)
}

/// A path from raw bytes (git prints names as they are on disk).
#[cfg(unix)]
fn os_path(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn os_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// A file name as every output shows it: bytes that are not UTF-8 as `\xNN`, and control
/// characters (ESC, BEL, newline…) escaped, so a name can neither vanish nor drive a terminal.
pub fn display_name(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(&crate::visible::one_line(chunk.valid()));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Keep a file unless it is a symlink whose target leaves the scan root: a tracked link to
/// `/etc/passwd` or `/proc/self/pagemap` is skipped with a diagnostic, in git and walker mode
/// alike. Links to directories are not files and are dropped.
fn within_root(
    root: &Path,
    rel: String,
    abs: PathBuf,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Candidate> {
    if abs.is_symlink() {
        let target = std::fs::canonicalize(&abs).ok();
        match target {
            Some(t) if t.starts_with(root) && t.is_file() => {}
            Some(t) if t.is_dir() => return None,
            _ => {
                diagnostics.push(Diagnostic::note(
                    &rel,
                    1,
                    "symlink to a file outside the scan root (or to nothing); skipped",
                ));
                return None;
            }
        }
    }
    Some(Candidate { rel, abs })
}

/// Whether git ignores the directory itself.
fn git_ignores(root: &Path) -> bool {
    Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["check-ignore", "-q", "."])
        .status()
        .is_ok_and(|s| s.success())
}

fn walk(root: &Path, parents: bool, diagnostics: &mut Vec<Diagnostic>) -> Vec<(String, PathBuf)> {
    use std::sync::Mutex;
    type Found = (Vec<(String, PathBuf)>, Vec<Diagnostic>);
    let found: Mutex<Found> = Mutex::new((Vec::new(), Vec::new()));
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .parents(parents)
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && SKIP_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        })
        .build_parallel();
    // The parallel walker; results are sorted by the caller.
    walker.run(|| {
        Box::new(|entry| {
            let mut out = found.lock().unwrap_or_else(|p| p.into_inner());
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file() || t.is_symlink()) => {
                    if let Ok(rel) = e.path().strip_prefix(root) {
                        out.0.push((rel_string(rel), e.path().to_path_buf()));
                    }
                }
                Ok(_) => {}
                Err(err) => out.1.push(Diagnostic::whole(
                    crate::model::Severity::Warning,
                    &root.to_string_lossy(),
                    format!("cannot walk: {err}"),
                )),
            }
            ignore::WalkState::Continue
        })
    });
    let (files, diags) = found.into_inner().unwrap_or_else(|p| p.into_inner());
    diagnostics.extend(diags);
    files
}

/// A path relative to the scan root with forward slashes.
pub fn rel_string(path: &Path) -> String {
    path.components()
        .map(|c| display_name(c.as_os_str().as_encoded_bytes()))
        .collect::<Vec<_>>()
        .join("/")
}

fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

fn extension(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(_, e)| e)
}

pub fn is_compose_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.starts_with("docker-compose") || lower.starts_with("compose"))
        && (lower.ends_with(".yml") || lower.ends_with(".yaml"))
}

/// The kind a file's name alone implies; `None` for files monolens never reads.
pub fn kind_by_name(rel: &str) -> Option<InputKind> {
    let name = file_name(rel);
    let lower = name.to_ascii_lowercase();
    let ext = extension(&lower);
    if lower == ".env" || lower.starts_with(".env.") || (ext == "env" && lower != ".envrc") {
        return Some(InputKind::DotEnv);
    }
    if lower == "dockerfile" || lower.starts_with("dockerfile.") || ext == "dockerfile" {
        return Some(InputKind::Dockerfile);
    }
    if lower == "codeowners" {
        return Some(InputKind::Codeowners);
    }
    if is_compose_name(&lower) {
        return Some(InputKind::Compose);
    }
    if (lower.starts_with("application") || lower.starts_with("bootstrap"))
        && (ext == "yml" || ext == "yaml")
    {
        return Some(InputKind::SpringYaml);
    }
    if lower.starts_with("appsettings") && ext == "json" {
        return Some(InputKind::AppSettings);
    }
    // The nginx image runs envsubst on `templates/*.conf.template` into `conf.d/*.conf`.
    if lower.ends_with(".conf.template") {
        return Some(InputKind::Nginx);
    }
    if BUILD_FILES.contains(&lower.as_str()) || ext == "csproj" {
        return Some(InputKind::BuildFile);
    }
    if is_apphost_name(rel, &lower) {
        return Some(InputKind::AspireHost);
    }
    match ext {
        "json" if is_json_config(&lower) => Some(InputKind::JsonConfig),
        "yml" | "yaml" => Some(InputKind::Kubernetes),
        "properties" => Some(InputKind::Properties),
        "conf" => Some(InputKind::Nginx),
        "sql" => Some(InputKind::Sql),
        "json" => Some(InputKind::Connector),
        e if SOURCE_EXTENSIONS.contains(&e) => Some(InputKind::Source),
        _ => None,
    }
}

/// `AppHost.cs`, or `Program.cs` in a `*AppHost` project folder: read with the configuration,
/// before the other sources, because it declares components.
fn is_apphost_name(rel: &str, lower_name: &str) -> bool {
    lower_name == "apphost.cs"
        || (lower_name == "program.cs"
            && rel
                .rsplit('/')
                .nth(1)
                .is_some_and(|d| d.to_ascii_lowercase().ends_with("apphost")))
}

/// `config.json`, `service-config.json`, `services.json`; not a tool's JSON.
fn is_json_config(lower: &str) -> bool {
    let stem = lower.strip_suffix(".json").unwrap_or(lower);
    JSON_CONFIG_WORDS.iter().any(|w| stem.contains(w))
        && !JSON_TOOL_WORDS.iter().any(|w| stem.contains(w))
}

/// Refine the kind with a cheap look at the content. `None`: not an input after all
/// (a YAML file that is neither compose nor Kubernetes, a compose-named file without
/// `services`).
pub fn classify(rel: &str, text: &str) -> Option<InputKind> {
    let kind = kind_by_name(rel)?;
    match kind {
        InputKind::Compose => has_top_level_key(text, "services").then_some(kind),
        InputKind::Nginx => {
            (text.contains("proxy_pass") || text.contains("grpc_pass")).then_some(kind)
        }
        InputKind::Kubernetes => {
            if has_top_level_key(text, "static_resources") {
                return Some(InputKind::Envoy);
            }
            let k8s = has_top_level_key(text, "apiVersion") && has_top_level_key(text, "kind");
            if !k8s {
                // `<app>.yml` in a config server's folder is that app's Spring configuration.
                return in_spring_config_dir(rel).then_some(InputKind::SpringYaml);
            }
            if text.contains("{{") {
                Some(InputKind::HelmTemplate)
            } else {
                Some(kind)
            }
        }
        InputKind::AspireHost | InputKind::Source => {
            if rel.ends_with(".cs") && text.contains(crate::parse::aspire::MARKER) {
                Some(InputKind::AspireHost)
            } else {
                Some(InputKind::Source)
            }
        }
        InputKind::JsonConfig => text.trim_start().starts_with('{').then_some(kind),
        InputKind::Connector => text.contains("\"connector.class\"").then_some(kind),
        _ => Some(kind),
    }
}

/// Whether a line starts with `key:` at column 1 (top-level mapping key of some document).
fn has_top_level_key(text: &str, key: &str) -> bool {
    text.lines().any(|l| {
        l.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
            || l.strip_prefix("- ")
                .and_then(|l| l.strip_prefix(key))
                .is_some_and(|r| r.starts_with(':'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(kind_by_name("a/.env"), Some(InputKind::DotEnv));
        assert_eq!(
            kind_by_name("docker-compose.override.yml"),
            Some(InputKind::Compose)
        );
        assert_eq!(kind_by_name("compose.yaml"), Some(InputKind::Compose));
        assert_eq!(
            kind_by_name("x/application-dev.yml"),
            Some(InputKind::SpringYaml)
        );
        assert_eq!(
            kind_by_name("x/appsettings.Development.json"),
            Some(InputKind::AppSettings)
        );
        assert_eq!(kind_by_name("x/package.json"), Some(InputKind::BuildFile));
        assert_eq!(
            kind_by_name("src/Ordering.API/Ordering.API.csproj"),
            Some(InputKind::BuildFile)
        );
        assert_eq!(
            kind_by_name("settings.gradle.kts"),
            Some(InputKind::BuildFile)
        );
        assert_eq!(
            classify("x/tsconfig.json", "{\"compilerOptions\": {}}"),
            None
        );
        assert_eq!(
            classify("c/debezium.json", "{\"connector.class\": \"x\"}"),
            Some(InputKind::Connector)
        );
        assert_eq!(kind_by_name("x/.envrc"), None);
        for df in [
            "a/Dockerfile",
            "Dockerfile.prod",
            "web.Dockerfile",
            "b/api.dockerfile",
        ] {
            assert_eq!(kind_by_name(df), Some(InputKind::Dockerfile), "{df}");
        }
    }

    #[test]
    fn content() {
        assert_eq!(
            classify("k.yaml", "apiVersion: v1\nkind: Service\n"),
            Some(InputKind::Kubernetes)
        );
        assert_eq!(
            classify(
                "k.yaml",
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Values.x }}\n"
            ),
            Some(InputKind::HelmTemplate)
        );
        assert_eq!(classify("ci.yaml", "jobs:\n  x: 1\n"), None);
        assert_eq!(
            classify(
                "config/src/main/resources/shared/orders.yml",
                "server:\n  port: 1\n"
            ),
            Some(InputKind::SpringYaml)
        );
        assert_eq!(
            classify("x/src/main/resources/db/changelog/master.yaml", "a: 1\n"),
            None
        );
        assert_eq!(
            classify("docker-compose.yml", "version: '3'\nservices:\n  a: {}\n"),
            Some(InputKind::Compose)
        );
    }

    #[test]
    fn test_paths() {
        assert!(is_test_path("src/Tests/Services/appsettings.json"));
        assert!(is_test_path(
            "src/Ordering.FunctionalTests/appsettings.json"
        ));
        assert!(is_test_path("src/docker-compose-tests.override.yml"));
        assert!(is_test_path("src/main/FooTest.java"));
        assert!(is_test_path(
            "payment/src/it/resources/application.properties"
        ));
        assert!(is_test_path("cart/src/integrationTest/java/A.java"));
        assert!(!is_test_path(
            "it/src/main/resources/application.properties"
        ));
        assert!(!is_test_path("src/Services/Ordering/appsettings.json"));
        assert!(!is_test_path("docker-compose.yml"));
        assert!(is_test_path(
            "automation-ui/backoffice/src/main/resources/application.properties"
        ));
        assert!(is_test_path("web/e2e-tests/cypress.config.ts"));
        assert!(!is_test_path("automations/src/main/Main.java"));
        assert!(!is_test_path("cypress.config.ts"));
    }
}
