//! monolens: finds the signs of a distributed monolith in a microservice repository.
//!
//! Data flows one way: discover → parse → resolve → graph → rules → report.

pub mod advice;
pub mod catalog;
pub mod classify;
pub mod cli;
pub mod config;
pub mod connstr;
pub mod discover;
pub mod facts;
pub mod finding;
pub mod graph;
pub mod history;
pub mod interp;
pub mod model;
pub mod parse;
pub mod progress;
pub mod redact;
pub mod report;
pub mod resolve;
pub mod rules;
mod since;
pub mod suppress;
pub mod verdict;
pub mod visible;
pub mod yaml;

use config::Config;
use discover::InputKind;
use finding::Finding;
use model::{Diagnostic, FileFacts, Model, Severity};
use rayon::prelude::*;
use resolve::OneComponent;
use std::path::Path;

/// Files larger than this are skipped with a diagnostic.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// What to scan.
pub enum Input<'a> {
    Dir(&'a Path),
    /// A rendered multi-document stream (`helm template … | monolens scan -`).
    Stdin(String),
}

/// The result of a scan: the model and the findings on it.
pub struct Scan {
    pub model: Model,
    pub findings: Vec<Finding>,
    /// Baseline entries that no longer match a finding (with `since`: the findings of that
    /// revision this change removed).
    pub stale: Vec<suppress::BaselineEntry>,
    pub verdict: verdict::Verdict,
    /// The revision of `--new-since`, when the baseline is that revision's scan.
    pub since: Option<String>,
}

impl Scan {
    pub fn report(&self) -> report::Report<'_> {
        report::Report {
            model: &self.model,
            findings: &self.findings,
            verdict: &self.verdict,
            stale: &self.stale,
            since: self.since.as_deref(),
        }
    }
}

/// Read one file into facts; every failure becomes a diagnostic.
fn read_and_parse(c: &discover::Candidate, names: &parse::source::Matcher) -> FileFacts {
    let skip = |msg: String| FileFacts {
        path: c.rel.clone(),
        facts: Vec::new(),
        diagnostics: vec![Diagnostic::note(&c.rel, 1, msg)],
    };
    // The cap is on bytes actually read: metadata lies for `/proc` files and devices.
    let bytes = match read_capped(std::fs::File::open(&c.abs), MAX_FILE_BYTES) {
        Ok(Capped::Whole(b)) => b,
        Ok(Capped::Over) => {
            return skip(format!(
                "file is over the {} MB limit; skipped",
                MAX_FILE_BYTES / (1024 * 1024)
            ));
        }
        Err(e) => return skip(format!("cannot read: {e}")),
    };
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return FileFacts {
            path: c.rel.clone(),
            ..FileFacts::default()
        };
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = e.as_bytes()[..e.utf8_error().valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            return FileFacts {
                path: c.rel.clone(),
                facts: Vec::new(),
                diagnostics: vec![Diagnostic::note(
                    &c.rel,
                    line as u32,
                    "not valid UTF-8; skipped",
                )],
            };
        }
    };
    parse_text(&c.rel, &text, names)
}

/// What a capped read got: the whole input, or the news that it is over the cap.
pub enum Capped {
    Whole(Vec<u8>),
    Over,
}

/// Read at most `cap` bytes (one more to tell "exactly the cap" from "over it").
pub fn read_capped<R: std::io::Read>(
    source: std::io::Result<R>,
    cap: u64,
) -> std::io::Result<Capped> {
    use std::io::Read;
    let mut bytes = Vec::new();
    source?.take(cap + 1).read_to_end(&mut bytes)?;
    Ok(if bytes.len() as u64 > cap {
        Capped::Over
    } else {
        Capped::Whole(bytes)
    })
}

thread_local! {
    /// Set while a per-file step runs under `contained`: its panic becomes a diagnostic.
    static CONTAINED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run one file's step so that a panic in it (a bug) costs that file only; the panic hook
/// stays quiet for it (`panic_is_contained`).
pub fn contained<T>(step: impl FnOnce() -> T) -> std::thread::Result<T> {
    CONTAINED.set(true);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(step));
    CONTAINED.set(false);
    result
}

/// Whether the panic being raised is inside `contained` (for the binary's panic hook).
pub fn panic_is_contained() -> bool {
    CONTAINED.get()
}

/// Classify and parse one text; a parser panic (a bug) is contained to its file.
fn parse_text(rel: &str, text: &str, names: &parse::source::Matcher) -> FileFacts {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(kind) = discover::classify(rel, text) else {
        return FileFacts {
            path: rel.to_string(),
            ..FileFacts::default()
        };
    };
    let run = || match kind {
        InputKind::Source => {
            let mut out = FileFacts {
                path: rel.to_string(),
                ..FileFacts::default()
            };
            parse::source::parse(rel, text, names, &mut out);
            out
        }
        _ => parse::parse(kind, rel, text),
    };
    contained(run).unwrap_or_else(|_| FileFacts {
        path: rel.to_string(),
        facts: Vec::new(),
        diagnostics: vec![Diagnostic::warning(
            rel,
            1,
            "internal error while parsing; file skipped",
        )],
    })
}

/// The scan root's path inside its git repository, with a trailing slash ("" at the top).
fn repo_prefix(root: &Path) -> String {
    std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--show-prefix"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Run the whole pipeline.
/// Command-line settings for one scan (the config file holds the rest).
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Show every path relative to the repository root rather than the scan root (the
    /// command line's convention: `model::show_paths_under` the scan root's prefix).
    pub repository_paths: bool,
    /// `--select` / `--ignore` from the command line.
    pub rules: RuleFilter,
    /// Keep every internal URL literal of the source (`http://orders:8080`), not only those
    /// naming a component this repository declares: `monolens facts`, for a later merge.
    pub internal_urls: bool,
    pub exclude: Vec<String>,
    /// Read history from this git directory (e.g. a bare mirror).
    pub git_dir: Option<std::path::PathBuf>,
    /// Revision to read history from (default HEAD).
    pub rev: Option<String>,
    /// Skip git history even when the config enables it.
    pub no_history: bool,
    /// Show progress on a terminal (never when piped, in CI or quiet).
    pub progress: bool,
    /// Findings in this baseline file are suppressed; its unmatched entries are stale.
    pub baseline: Option<std::path::PathBuf>,
    /// Report only findings the same scan of this revision did not have (`--new-since`);
    /// the ones it had that are gone are listed as removed.
    pub new_since: Option<String>,
    /// The config file's path as shown in diagnostics.
    pub config_file: Option<String>,
}

/// Which rules run, from the command line: `select` (when not empty) runs only those, over
/// what the config switches off; `ignore` switches rules off as `severity: off` does.
#[derive(Debug, Clone, Default)]
pub struct RuleFilter {
    pub select: std::collections::BTreeSet<String>,
    pub ignore: std::collections::BTreeSet<String>,
}

impl RuleFilter {
    /// Whether `rule` runs, given whether the config switches it off.
    pub fn runs(&self, rule: &str, off_in_config: bool) -> bool {
        let selected = if self.select.is_empty() {
            !off_in_config
        } else {
            self.select.contains(rule)
        };
        selected && !self.ignore.contains(rule)
    }
}

fn history_options(
    config: &Config,
    opts: &ScanOptions,
) -> (history::HistoryOptions, history::CoChangeOptions) {
    let configured = config.rule_options();
    let get = |name: &str| catalog::option_value(&configured, "co-change-coupling", name);
    let num = |name: &str, default: usize| get(name).parse().unwrap_or(default);
    let h = history::HistoryOptions {
        git_dir: opts.git_dir.clone(),
        rev: opts.rev.clone().unwrap_or_else(|| "HEAD".into()),
        max_commits: num("max-commits", 1000),
        since_days: num("since-days", 365) as u32,
        max_files_per_commit: num("max-files-per-commit", 30),
        bot_patterns: get("bot-authors")
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    let degree = catalog::percent(&get("min-degree")).unwrap_or(0.5);
    let c = history::CoChangeOptions {
        min_revisions: num("min-revisions", 5),
        min_shared: num("min-shared", 5),
        min_degree: degree,
    };
    (h, c)
}

/// Phase timings on stderr when `MONOLENS_TIMINGS` is set (for the benchmark notes).
struct Timer(Option<std::sync::Mutex<std::time::Instant>>);

impl Timer {
    fn new() -> Self {
        Timer(
            std::env::var_os("MONOLENS_TIMINGS")
                .map(|_| std::sync::Mutex::new(std::time::Instant::now())),
        )
    }
    fn lap(&self, phase: &str) {
        if let Some(m) = &self.0
            && let Ok(mut start) = m.lock()
        {
            eprintln!(
                "{phase:>22}: {:>7.1} ms",
                start.elapsed().as_secs_f64() * 1000.0
            );
            *start = std::time::Instant::now();
        }
    }
}

/// What discovery and parsing made of the input: every file's facts, before resolution.
pub struct Collected {
    pub files: Vec<FileFacts>,
    /// The scan root as given (`-` for stdin).
    pub root_label: String,
    /// The scan root's path inside its git repository.
    pub prefix: String,
    pub diagnostics: Vec<Diagnostic>,
    /// The repositories whose facts these are, each path starting with its name; empty for
    /// one scanned directory.
    pub repositories: Vec<String>,
    /// Co-change pairs each repository's history showed, when the facts were written with it
    /// (a merge reads no history of its own).
    pub co_changes: Vec<model::CoChange>,
}

/// Discover and parse: each file read once and turned into facts, in parallel.
pub fn collect(input: Input, config: &Config, opts: &ScanOptions) -> Result<Collected, String> {
    collect_timed(input, config, opts, &Timer::new())
}

fn collect_timed(
    input: Input,
    config: &Config,
    opts: &ScanOptions,
    timer: &Timer,
) -> Result<Collected, String> {
    let extra_excludes = &opts.exclude;
    let (files, root_label, prefix, diagnostics) = match input {
        Input::Dir(root) => {
            if !root.is_dir() {
                return Err(format!("{} is not a directory", root.display()));
            }
            if config.history && !opts.no_history && (opts.git_dir.is_some() || opts.rev.is_some())
            {
                history::GitLog::new(root, opts.git_dir.as_deref())
                    .verify(opts.git_dir.is_some(), opts.rev.as_deref())?;
            }
            let discover_opts = discover::DiscoverOptions {
                exclude: config
                    .exclude
                    .iter()
                    .chain(extra_excludes)
                    .cloned()
                    .collect(),
                include_tests: config.include_tests,
            };
            let user = parse::source::user::UserPatterns::new(&config.code_patterns())?;
            let (candidates, diags) = discover::candidates(root, &discover_opts)?;
            timer.lap("discover");
            // Source files are read second, with a matcher for the names the configuration
            // declares, so a literal is only kept when it addresses a known component.
            let (sources, configs): (Vec<_>, Vec<_>) = candidates
                .into_iter()
                .partition(|c| discover::kind_by_name(&c.rel) == Some(InputKind::Source));
            let none = parse::source::Matcher::default();
            let count = configs.len() + sources.len();
            let files = progress::after(opts.progress, &format!("reading {count} files"), || {
                let mut files: Vec<FileFacts> = configs
                    .par_iter()
                    .map(|c| read_and_parse(c, &none))
                    .collect();
                timer.lap("parse config files");
                let names = parse::source::Matcher::new(resolve::known_names(&files))
                    .with_patterns(user)
                    .keeping_internal_urls(opts.internal_urls);
                files.extend(
                    sources
                        .par_iter()
                        .map(|c| read_and_parse(c, &names))
                        .collect::<Vec<_>>(),
                );
                files
            });
            timer.lap("parse source files");
            (files, root.display().to_string(), repo_prefix(root), diags)
        }
        Input::Stdin(text) => {
            let rel = "stdin.yaml";
            let kind = if discover::classify("docker-compose.yml", &text).is_some()
                && discover::classify(rel, &text).is_none()
            {
                InputKind::Compose
            } else {
                InputKind::Kubernetes
            };
            (
                vec![parse::parse(kind, rel, &text)],
                "-".to_string(),
                String::new(),
                Vec::new(),
            )
        }
    };
    Ok(Collected {
        files,
        root_label,
        prefix,
        diagnostics,
        repositories: Vec::new(),
        co_changes: Vec::new(),
    })
}

pub fn scan(input: Input, config: &Config, opts: &ScanOptions) -> Result<Scan, String> {
    let timer = Timer::new();
    let input_root = match &input {
        Input::Dir(root) => Some(*root),
        Input::Stdin(_) => None,
    };
    let collected = collect_timed(input, config, opts, &timer)?;
    analyse(collected, input_root, config, opts, &timer)
}

/// What resolution takes from the config.
fn resolve_options(config: &Config) -> resolve::ResolveOptions {
    resolve::ResolveOptions {
        services: config
            .services
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        sidecars: config.sidecars.clone(),
        platform: config.platform.clone(),
        one_component: config
            .one_component
            .iter()
            .map(|(name, repos)| OneComponent {
                name: name.clone(),
                repositories: repos.value.clone(),
                line: repos.referenced.line() as u32,
            })
            .collect(),
        repositories: Vec::new(),
        config_file: None,
    }
}

/// The co-change pairs of a directory's git history, with the services its facts resolve to,
/// and the diagnostics of reading it (for `monolens facts`, which writes them beside the facts).
pub fn history_pairs(
    root: &Path,
    files: Vec<FileFacts>,
    config: &Config,
    opts: &ScanOptions,
) -> (Vec<model::CoChange>, Vec<Diagnostic>) {
    let resolve_opts = resolve_options(config);
    let model = resolve::resolve(&root.display().to_string(), files, &resolve_opts);
    let (hopts, copts) = history_options(config, opts);
    let index = model::OwnerIndex::new(&model.service_dirs);
    let owners_of = |p: &str| index.owners_of(p);
    let report = history::analyse_repo(root, &hopts, &copts, &owners_of);
    (report.pairs, report.diagnostics)
}

/// Resolve, rules, suppression and verdict over facts already collected: one repository's, or
/// the union of several repositories' (`merge`, several roots), whose paths carry their
/// repository's name. History and `--new-since` need a directory (`root`).
pub fn analyse_facts(
    collected: Collected,
    config: &Config,
    opts: &ScanOptions,
) -> Result<Scan, String> {
    analyse(collected, None, config, opts, &Timer::new())
}

fn analyse(
    collected: Collected,
    input_root: Option<&Path>,
    config: &Config,
    opts: &ScanOptions,
    timer: &Timer,
) -> Result<Scan, String> {
    let Collected {
        files,
        root_label,
        prefix,
        mut diagnostics,
        repositories,
        co_changes,
    } = collected;
    let resolve_opts = resolve::ResolveOptions {
        repositories: repositories.clone(),
        config_file: opts.config_file.clone(),
        ..resolve_options(config)
    };
    if opts.repository_paths {
        // Before resolution: findings' messages and the verdict's advice quote locations.
        model::show_paths_under(&prefix);
    }
    let mut model = resolve::resolve(&root_label, files, &resolve_opts);
    timer.lap("resolve");
    model.repo_prefix = prefix;
    model.repositories = repositories;
    model.co_changes = co_changes;
    // Git history: co-change between the services' directories.
    if config.history && !opts.no_history && input_root.is_some() {
        let (hopts, copts) = history_options(config, opts);
        let index = model::OwnerIndex::new(&model.service_dirs);
        let owners_of = |p: &str| index.owners_of(p);
        let root = Path::new(&root_label);
        let report = progress::after(opts.progress, "reading git history", || {
            history::analyse_repo(root, &hopts, &copts, &owners_of)
        });
        model.co_changes = report.pairs;
        diagnostics.extend(report.diagnostics);
    }
    model.diagnostics.append(&mut diagnostics);
    model.diagnostics.sort();
    timer.lap("history");
    let graph = graph::Graph::build(&model);
    let options = config.rule_options();
    let ctx = rules::Context {
        model: &model,
        graph: &graph,
        options: &options,
    };
    let enabled: Vec<(&rules::Rule, Option<Severity>)> = rules::RULES
        .iter()
        .filter_map(|rule| {
            let severity = config
                .rules
                .get(rule.id)
                .and_then(|r| r.value.severity.as_deref());
            opts.rules
                .runs(rule.id, severity == Some("off"))
                .then(|| (rule, severity.and_then(parse_severity)))
        })
        .collect();
    let mut findings = rules::check_all(&ctx, &enabled);
    findings.sort_by(|a, b| {
        (&a.location, a.rule, &a.fingerprint).cmp(&(&b.location, b.rule, &b.fingerprint))
    });
    timer.lap("graph and rules");
    verdict::annotate_teams(&model, &mut findings);
    let baseline = match (&opts.new_since, input_root) {
        (Some(rev), Some(root)) => Some(since::baseline(
            root,
            &model.repo_prefix,
            rev,
            config,
            opts,
        )?),
        (Some(_), None) => return Err("--new-since needs a directory, not stdin".into()),
        (None, _) => opts
            .baseline
            .as_deref()
            .map(suppress::Baseline::load)
            .transpose()?,
    };
    let outcome = suppress::apply(
        &mut model,
        config,
        opts.config_file.as_deref(),
        baseline.as_ref(),
        &mut findings,
    );
    model.diagnostics.sort();
    let verdict = verdict::verdict(&model, &findings);
    timer.lap("suppress and verdict");
    Ok(Scan {
        model,
        findings,
        stale: outcome.stale,
        verdict,
        since: opts.new_since.clone(),
    })
}

pub fn parse_severity(s: &str) -> Option<Severity> {
    match s {
        "error" => Some(Severity::Error),
        "warning" => Some(Severity::Warning),
        "note" => Some(Severity::Note),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_capped_by_bytes_read_not_metadata() {
        // An endless reader (like `/dev/zero`) stops one byte past the cap.
        let endless = read_capped(Ok(std::io::repeat(0)), 1000).expect("reads");
        assert!(matches!(endless, Capped::Over));
        let exact = read_capped(Ok(&[1u8; 1000][..]), 1000).expect("reads");
        assert!(matches!(exact, Capped::Whole(b) if b.len() == 1000));
    }
}
