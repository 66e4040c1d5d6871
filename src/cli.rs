//! The command line: argument parsing, config loading, output and exit codes (all in one
//! place: 0 clean, 1 findings at or above the fail level, 2 usage/config/I/O error).

use crate::config::Config;
use crate::report::{self, Format};
use crate::{Input, catalog};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Exit codes.
pub mod exit {
    pub const CLEAN: i32 = 0;
    pub const FINDINGS: i32 = 1;
    pub const ERROR: i32 = 2;
}

#[derive(Parser, Debug)]
#[command(
    name = "monolens",
    version,
    about = "Finds the signs of a distributed monolith in a microservice repository"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// What to scan and how: shared by `scan`, `baseline` and `inspect`.
#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Directory to scan, or `-` to read a multi-document YAML stream from stdin.
    #[arg(default_value = ".")]
    pub path: String,
    /// More directories (repositories) scanned with the first as one system, each named by
    /// its folder (`scan` only).
    #[arg(value_name = "MORE")]
    pub more: Vec<String>,
    /// The name of a scanned directory in merged locations: `--name ../orders=orders-repo`
    /// when several are scanned, `--name orders-repo` for `facts` (default: the folder's name).
    #[arg(long = "name", value_name = "DIR=NAME")]
    pub names: Vec<String>,
    /// Skip files matching this glob (repeatable).
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Config file (default: monolens.yaml in the scan root, or in the nearest parent up to the
    /// repository root).
    #[arg(long, short = 'c')]
    pub config: Option<PathBuf>,
    /// Read git history from this git directory (e.g. a bare mirror) for co-change.
    #[arg(long)]
    pub git_dir: Option<PathBuf>,
    /// Revision to read history from (default HEAD; a repository is needed only when it is
    /// given).
    #[arg(long)]
    pub rev: Option<String>,
    /// Do not read git history.
    #[arg(long)]
    pub no_history: bool,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
    /// Run only these rules (comma-separated ids), whatever the config switches off.
    #[arg(long, value_delimiter = ',', value_name = "RULE,…")]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated ids), as `severity: off` in the config does.
    #[arg(long, value_delimiter = ',', value_name = "RULE,…")]
    pub ignore: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan a repository (or `-` for a rendered manifest stream on stdin).
    Scan {
        #[command(flatten)]
        args: ScanArgs,
        /// Output format.
        #[arg(long, short = 'f', value_enum, default_value = "table")]
        format: Format,
        /// Write the report to this file instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Exit 1 when a finding at or above this severity exists.
        #[arg(long, value_enum, default_value = "error")]
        fail_on: FailOn,
        /// Report only findings that are not in this baseline file.
        #[arg(long, conflicts_with = "new_since")]
        baseline: Option<PathBuf>,
        /// Report and fail only on findings the same scan of REV did not have (read with git
        /// archive; history is not read), and list the ones this change removed.
        #[arg(long, value_name = "REV")]
        new_since: Option<String>,
        /// Exit 1 when the baseline has entries that no longer match a finding.
        #[arg(long)]
        fail_on_stale: bool,
        #[arg(long, value_enum, default_value = "auto")]
        color: ColorChoice,
        /// Add the per-service table (owner, datastores, tables, sync/async in and out, findings):
        /// table, markdown and html; json always has it.
        #[arg(long)]
        by_service: bool,
    },
    /// For a pre-commit hook: fail only on what the change adds, against
    /// `.monolens-baseline.json` when the repository has one, else against HEAD
    /// (`scan --new-since HEAD`), and print the table.
    PreCommit {
        #[command(flatten)]
        args: ScanArgs,
        /// Exit 1 when the change adds a finding at or above this severity.
        #[arg(long, value_enum, default_value = "error")]
        fail_on: FailOn,
    },
    /// Resolve several repositories' facts (from `monolens facts`) as one system and run every
    /// rule over the union: shared databases, cycles and release trains across repositories.
    Merge {
        /// Facts files, one per repository.
        #[arg(required = true)]
        facts: Vec<PathBuf>,
        #[arg(long, short = 'f', value_enum, default_value = "table")]
        format: Format,
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "error")]
        fail_on: FailOn,
        /// Config for the merged system (rules, allow entries).
        #[arg(long, short = 'c')]
        config: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "auto")]
        color: ColorChoice,
        #[arg(long)]
        by_service: bool,
    },
    /// Write this repository's parsed facts (before resolution, redacted) for a merge of many
    /// repositories: components, settings, literals, SQL, owners, release tags.
    Facts {
        #[command(flatten)]
        args: ScanArgs,
        /// Write the facts here instead of stdout. The repository's name in merged locations is
        /// the folder's, or `--name NAME`.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Write a commented monolens.yaml for this repository (what the scan detected: services,
    /// platform components, variants) and print the next steps.
    Init {
        #[command(flatten)]
        args: ScanArgs,
        /// Also write the current findings to .monolens-baseline.json.
        #[arg(long)]
        baseline: bool,
        /// Replace an existing monolens.yaml.
        #[arg(long)]
        force: bool,
    },
    /// Write the current findings to a baseline file (default .monolens-baseline.json).
    Baseline {
        #[command(flatten)]
        args: ScanArgs,
        /// Where to write the baseline.
        #[arg(long, short, default_value = ".monolens-baseline.json")]
        output: PathBuf,
    },
    /// Show one component: why it has its kind, what it owns, its settings and its edges.
    Inspect {
        /// Component id or any of its names (case-insensitive; `-service`, `-svc`, `-api` optional).
        name: String,
        #[command(flatten)]
        args: ScanArgs,
        /// Inspect the merge of these facts files (from `monolens facts`) instead of a scan.
        #[arg(long, num_args = 1.., value_name = "FACTS")]
        facts: Vec<PathBuf>,
        /// Output format.
        #[arg(long, short = 'f', value_enum, default_value = "text")]
        format: report::inspect::InspectFormat,
        /// Write the output to this file instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "auto")]
        color: ColorChoice,
    },
    /// List the rules.
    Rules {
        /// `text` (id, severity, title) or `json` (the catalog's fields).
        #[arg(long, short = 'f', value_enum, default_value = "text")]
        format: RulesFormat,
    },
    /// Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), e.g. `monolens man > monolens.1`.
    Man,
    /// Print a rule's documentation (or `patterns`: how to teach monolens your clients;
    /// `verdict`: how the verdict weighs the findings).
    Explain {
        /// Rule id, e.g. shared-database; or `patterns`, or `verdict`.
        rule: String,
    },
}

/// `monolens explain patterns`: the `calls:` and `messages:` guide.
const PATTERNS_DOC: &str = include_str!("../docs/patterns.md");

/// Run the CLI and return the process exit code.
pub fn run(args: impl IntoIterator<Item = String>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::CLEAN
            };
            let _ = e.print();
            return code;
        }
    };
    match execute(cli.command) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("monolens: {msg}");
            exit::ERROR
        }
    }
}

fn execute(command: Command) -> Result<i32, String> {
    match command {
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "monolens",
                &mut out,
            );
            print_stdout(&String::from_utf8_lossy(&out))?;
            Ok(exit::CLEAN)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut out)
                .map_err(|e| format!("cannot render the man page: {e}"))?;
            print_stdout(&String::from_utf8_lossy(&out))?;
            Ok(exit::CLEAN)
        }
        Command::Rules {
            format: RulesFormat::Json,
        } => {
            let mut text =
                serde_json::to_string_pretty(&catalog::listing()).map_err(|e| e.to_string())?;
            text.push('\n');
            print_stdout(&text)?;
            Ok(exit::CLEAN)
        }
        Command::Rules { .. } => {
            let mut out = String::new();
            for d in catalog::all() {
                out.push_str(&format!(
                    "{:<28} {:<8} {}\n",
                    d.id,
                    d.severity.as_str(),
                    d.title
                ));
            }
            print_stdout(&out)?;
            Ok(exit::CLEAN)
        }
        Command::Explain { rule } if ["patterns", "calls", "messages"].contains(&rule.as_str()) => {
            print_stdout(PATTERNS_DOC)?;
            Ok(exit::CLEAN)
        }
        Command::Explain { rule } if rule == "verdict" => {
            print_stdout(&crate::verdict::scale_markdown())?;
            Ok(exit::CLEAN)
        }
        Command::Explain { rule } => {
            let doc = catalog::get(&rule)
                .ok_or_else(|| format!("unknown rule `{rule}`; `monolens rules` lists them"))?;
            print_stdout(&doc.markdown())?;
            Ok(exit::CLEAN)
        }
        Command::Scan {
            args,
            format,
            output,
            fail_on,
            baseline,
            new_since,
            fail_on_stale,
            color,
            by_service,
        } => {
            let delivery = Delivery {
                format,
                output,
                fail_on,
                fail_on_stale,
                color,
                by_service,
            };
            delivery.check()?;
            deliver(&run_scan(&args, baseline, new_since)?, delivery)
        }
        Command::Merge {
            facts,
            format,
            output,
            fail_on,
            config,
            color,
            by_service,
        } => {
            let delivery = Delivery {
                format,
                output,
                fail_on,
                fail_on_stale: false,
                color,
                by_service,
            };
            delivery.check()?;
            deliver(&merge(&facts, config.as_deref())?, delivery)
        }
        Command::Init {
            args,
            baseline,
            force,
        } => init(&args, baseline, force),
        Command::Facts { args, output } => facts(&args, output.as_deref()),
        Command::PreCommit { args, fail_on } => {
            one_directory(&args, "pre-commit")?;
            let baseline = PathBuf::from(&args.path).join(".monolens-baseline.json");
            let (baseline, new_since) = if baseline.is_file() {
                (Some(baseline), None)
            } else {
                (None, Some("HEAD".to_string()))
            };
            execute(Command::Scan {
                args,
                format: Format::Table,
                output: None,
                fail_on,
                baseline,
                new_since,
                fail_on_stale: false,
                color: ColorChoice::Auto,
                by_service: false,
            })
        }
        Command::Inspect {
            name,
            args,
            facts,
            format,
            output,
            color,
        } => {
            let scan = if facts.is_empty() {
                run_scan(&args, None, None)?
            } else {
                merge(&facts, args.config.as_deref())?
            };
            let component = report::inspect::find(&scan.model, &name)?;
            let view = report::inspect::View::new(&scan.model, component);
            let color = use_color(color, output.is_some());
            write_output(
                output.as_deref(),
                &report::inspect::render(&view, format, color),
            )?;
            Ok(exit::CLEAN)
        }
        Command::Baseline { args, output } => {
            let scan = run_scan(&args, None, None)?;
            let baseline = crate::suppress::Baseline::from_findings(&scan.findings);
            let mut text = serde_json::to_string_pretty(&baseline).map_err(|e| e.to_string())?;
            text.push('\n');
            std::fs::write(&output, text)
                .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
            eprintln!(
                "monolens: wrote {} findings to {}",
                baseline.findings.len(),
                output.display()
            );
            Ok(exit::CLEAN)
        }
    }
}

fn run_scan(
    args: &ScanArgs,
    baseline: Option<PathBuf>,
    new_since: Option<String>,
) -> Result<crate::Scan, String> {
    if !args.more.is_empty() {
        if baseline.is_some() || new_since.is_some() {
            return Err("--baseline and --new-since take one directory, not several".into());
        }
        return scan_roots(args);
    }
    if !args.names.is_empty() {
        return Err("--name is for `facts` and for scanning several directories".into());
    }
    let root = PathBuf::from(&args.path);
    let (config, config_path) = load_config(args, &args.path)?;
    let input = if args.path == "-" {
        let bytes = match crate::read_capped(Ok(std::io::stdin().lock()), crate::MAX_FILE_BYTES) {
            Ok(crate::Capped::Whole(b)) => b,
            Ok(crate::Capped::Over) => {
                return Err(format!(
                    "stdin is over the {} MB limit",
                    crate::MAX_FILE_BYTES / (1024 * 1024)
                ));
            }
            Err(e) => return Err(format!("cannot read stdin: {e}")),
        };
        let text = String::from_utf8(bytes).map_err(|_| "stdin is not valid UTF-8".to_string())?;
        Input::Stdin(text)
    } else {
        Input::Dir(&root)
    };
    let options = crate::ScanOptions {
        repository_paths: true,
        rules: rule_filter(args)?,
        internal_urls: false,
        exclude: args.exclude.clone(),
        git_dir: args.git_dir.clone(),
        rev: args.rev.clone(),
        // Both sides of `--new-since` are scanned without history: co-change measures the
        // history, not the change.
        no_history: args.no_history || new_since.is_some(),
        progress: crate::progress::allowed(args.quiet),
        baseline,
        new_since,
        // Shown relative to the scan root when it lives there.
        config_file: config_path.map(|p| {
            p.strip_prefix(&root)
                .map_or_else(|_| p.display().to_string(), |r| r.display().to_string())
        }),
    };
    crate::scan(input, &config, &options)
}

/// The config `--config` names, or the one `find_config` finds for `dir` (none for stdin),
/// loaded; with its path.
fn load_config(args: &ScanArgs, dir: &str) -> Result<(Config, Option<PathBuf>), String> {
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None if dir != "-" => find_config(std::path::Path::new(dir)),
        None => None,
    };
    let config = match &path {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    Ok((config, path))
}

/// `monolens.yaml` in the scan root, or the nearest parent that has one, up to the root of the
/// git repository the scan root is in (only the scan root itself outside a repository).
fn find_config(root: &std::path::Path) -> Option<PathBuf> {
    let top = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let start = std::fs::canonicalize(root).ok()?;
    let top = top.and_then(|t| std::fs::canonicalize(t).ok());
    for dir in start.ancestors() {
        let candidate = dir.join("monolens.yaml");
        if candidate.is_file() {
            // Shown as the user would write it: relative to the scan root when inside it.
            return Some(if dir == start {
                root.join("monolens.yaml")
            } else {
                candidate
            });
        }
        if top.as_deref().is_none_or(|t| dir == t) {
            break;
        }
    }
    None
}

/// How a scan's report is written and what exit code it gives.
struct Delivery {
    format: Format,
    output: Option<PathBuf>,
    fail_on: FailOn,
    fail_on_stale: bool,
    color: ColorChoice,
    by_service: bool,
}

impl Delivery {
    /// A usage error known before scanning: `--by-service` with a format that cannot show it.
    fn check(&self) -> Result<(), String> {
        if self.by_service && !self.format.shows_services() {
            let name = self
                .format
                .to_possible_value()
                .map_or(String::new(), |v| v.get_name().to_string());
            return Err(format!(
                "--by-service has no place in --format {name}; use table, markdown, html or json"
            ));
        }
        Ok(())
    }
}

fn deliver(scan: &crate::Scan, d: Delivery) -> Result<i32, String> {
    let color = use_color(d.color, d.output.is_some());
    let style = report::Style {
        color,
        by_service: d.by_service,
        width: report::table::width(),
    };
    stream_output(d.output.as_deref(), |out| {
        report::write(d.format, &scan.report(), style, out)
    })?;
    let threshold = match d.fail_on {
        FailOn::Error => Some(crate::model::Severity::Error),
        FailOn::Warning => Some(crate::model::Severity::Warning),
        FailOn::Note => Some(crate::model::Severity::Note),
        FailOn::Never => None,
    };
    let failed = threshold.is_some_and(|t| {
        scan.findings
            .iter()
            .any(|f| f.suppressed.is_none() && f.severity >= t)
    });
    let stale = d.fail_on_stale && !scan.stale.is_empty();
    Ok(if failed || stale {
        exit::FINDINGS
    } else {
        exit::CLEAN
    })
}

/// `monolens merge`: the union of several repositories' facts, resolved as one system.
fn merge(files: &[PathBuf], config_path: Option<&std::path::Path>) -> Result<crate::Scan, String> {
    let config = match config_path {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let mut seen = std::collections::BTreeSet::new();
    let (mut all, mut co_changes) = (Vec::new(), Vec::new());
    for path in files {
        let facts = crate::facts::read(path)?;
        check_repository_name(&facts.repository).map_err(|e| format!("{}: {e}", path.display()))?;
        if !seen.insert(facts.repository.clone()) {
            return Err(format!(
                "two facts files name the repository `{}`; emit one again with --name",
                facts.repository
            ));
        }
        all.extend(facts.files);
        co_changes.extend(facts.co_changes);
    }
    let collected = crate::Collected {
        files: all,
        root_label: "merge".into(),
        prefix: String::new(),
        diagnostics: Vec::new(),
        repositories: seen.into_iter().collect(),
        co_changes,
    };
    let options = crate::ScanOptions {
        no_history: true,
        config_file: config_path.map(|p| p.display().to_string()),
        ..Default::default()
    };
    crate::analyse_facts(collected, &config, &options)
}

/// Commands that read one directory refuse several.
fn one_directory(args: &ScanArgs, command: &str) -> Result<(), String> {
    if args.more.is_empty() {
        Ok(())
    } else {
        Err(format!("monolens {command} takes one directory"))
    }
}

/// The name a scanned directory goes by: `--name DIR=NAME`, else its folder's name.
/// A repository's name, checked: it is the first segment of every merged path.
fn root_name(dir: &str, names: &[String]) -> Result<String, String> {
    let name = given_or_folder_name(dir, names);
    check_repository_name(&name)?;
    Ok(name)
}

/// A repository name is one path segment a reader can type: no `/`, `\`, spaces or control
/// characters, and not `.` or `..`.
fn check_repository_name(name: &str) -> Result<(), String> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_whitespace() || c.is_control());
    if bad {
        return Err(format!(
            "repository name `{}` must be one path segment (no `/`, `\\`, spaces; not `.` or `..`): give one with --name",
            name.escape_debug()
        ));
    }
    Ok(())
}

fn given_or_folder_name(dir: &str, names: &[String]) -> String {
    for n in names {
        match n.split_once('=') {
            Some((d, name))
                if d == dir || std::fs::canonicalize(d).ok() == std::fs::canonicalize(dir).ok() =>
            {
                return name.to_string();
            }
            None => return n.clone(),
            Some(_) => {}
        }
    }
    std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "repository".into())
}

/// `scan A B C`: each directory collected as `monolens facts` would, named, and resolved as one
/// system (as `merge` resolves their facts; without history).
fn scan_roots(args: &ScanArgs) -> Result<crate::Scan, String> {
    let roots: Vec<&String> = std::iter::once(&args.path).chain(&args.more).collect();
    let (config, config_path) = load_config(args, roots[0])?;
    let options = crate::ScanOptions {
        config_file: config_path.map(|p| p.display().to_string()),
        exclude: args.exclude.clone(),
        progress: crate::progress::allowed(args.quiet),
        internal_urls: true,
        no_history: true,
        rules: rule_filter(args)?,
        ..Default::default()
    };
    let mut seen = std::collections::BTreeSet::new();
    let (mut files, mut diagnostics) = (Vec::new(), Vec::new());
    for root in roots {
        if root == "-" || !std::path::Path::new(root).is_dir() {
            return Err(format!("{root} is not a directory"));
        }
        let name = root_name(root, &args.names)?;
        if !seen.insert(name.clone()) {
            return Err(format!(
                "two scanned directories are named `{name}`; name one with --name DIR=NAME"
            ));
        }
        let collected = crate::collect(
            crate::Input::Dir(std::path::Path::new(root)),
            &config,
            &options,
        )?;
        let prefix = format!("{name}/{}", collected.prefix);
        files.extend(crate::facts::namespaced(collected.files, &prefix)?);
        // Discovery's own notes (a symlink skipped), under the directory's name too.
        diagnostics.extend(collected.diagnostics.into_iter().map(|mut d| {
            if d.line > 0 {
                d.file = format!("{prefix}{}", d.file);
            }
            d
        }));
    }
    let collected = crate::Collected {
        files,
        root_label: "merge".into(),
        prefix: String::new(),
        diagnostics,
        repositories: seen.into_iter().collect(),
        co_changes: Vec::new(),
    };
    crate::analyse_facts(collected, &config, &options)
}

/// `monolens facts`: discover and parse only, and write what was read.
fn facts(args: &ScanArgs, output: Option<&std::path::Path>) -> Result<i32, String> {
    one_directory(args, "facts")?;
    if args.path == "-" {
        return Err("monolens facts reads a directory, not stdin".into());
    }
    let root = PathBuf::from(&args.path);
    if !root.is_dir() {
        return Err(format!("{} is not a directory", root.display()));
    }
    let (config, _) = load_config(args, &args.path)?;
    let name = root_name(&args.path, &args.names)?;
    let options = crate::ScanOptions {
        exclude: args.exclude.clone(),
        progress: crate::progress::allowed(args.quiet),
        internal_urls: true,
        ..Default::default()
    };
    let collected = crate::collect(crate::Input::Dir(&root), &config, &options)?;
    // History is read here, where the repository is: its pairs travel with the facts.
    let co_changes = if config.history && !args.no_history {
        let history = crate::ScanOptions {
            git_dir: args.git_dir.clone(),
            rev: args.rev.clone(),
            ..Default::default()
        };
        crate::history_pairs(&root, collected.files.clone(), &config, &history).0
    } else {
        Vec::new()
    };
    // Locations inside the facts are written relative to the repository root, like outputs.
    crate::model::show_paths_under(&collected.prefix);
    let text = crate::facts::to_json(&name, &collected.prefix, collected.files, co_changes)?;
    write_output(output, &text)?;
    Ok(exit::CLEAN)
}

/// `monolens init`: a commented config from what the scan detected, optionally a baseline.
fn init(args: &ScanArgs, with_baseline: bool, force: bool) -> Result<i32, String> {
    one_directory(args, "init")?;
    let root = PathBuf::from(&args.path);
    let path = root.join("monolens.yaml");
    if path.exists() && !force {
        return Err(format!(
            "{} exists; pass --force to replace it",
            path.display()
        ));
    }
    let scan = run_scan(args, None, None)?;
    let text = crate::config::starter(&scan.model);
    std::fs::write(&path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    // What init writes must load: it is the user's starting point.
    Config::load(&path)
        .map_err(|e| format!("the written config does not load ({e}); this is a bug"))?;
    let platform = scan
        .model
        .components
        .iter()
        .filter(|c| c.kind == crate::model::ComponentKind::Platform)
        .count();
    let mut steps = format!(
        "monolens: wrote {} ({}, {}, {})\n",
        path.display(),
        crate::finding::plural(scan.model.app_services().count(), "service"),
        crate::finding::plural(platform, "platform component"),
        crate::finding::plural(scan.model.variants.len().max(1), "variant")
    );
    if with_baseline {
        let file = root.join(".monolens-baseline.json");
        let baseline = crate::suppress::Baseline::from_findings(&scan.findings);
        let mut json = serde_json::to_string_pretty(&baseline).map_err(|e| e.to_string())?;
        json.push('\n');
        std::fs::write(&file, json).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        steps.push_str(&format!(
            "monolens: wrote {} with {}\n",
            file.display(),
            crate::finding::plural(baseline.findings.len(), "finding")
        ));
    }
    steps.push_str(
        "next steps:\n  1. read monolens.yaml and correct what was detected (services, platform)\n  \
         2. monolens scan            see the findings and the verdict\n  \
         3. monolens scan --new-since origin/main   what a branch adds (or --baseline .monolens-baseline.json)\n  \
         4. add the GitHub Action or the pre-commit hook (README, \"Use in CI\")\n",
    );
    eprint!("{steps}");
    Ok(exit::CLEAN)
}

/// `--select` and `--ignore`, with every id checked against the catalog.
fn rule_filter(args: &ScanArgs) -> Result<crate::RuleFilter, String> {
    for id in args.select.iter().chain(&args.ignore) {
        if catalog::get(id).is_none() {
            return Err(format!("unknown rule `{id}`; `monolens rules` lists them"));
        }
    }
    Ok(crate::RuleFilter {
        select: args.select.iter().cloned().collect(),
        ignore: args.ignore.iter().cloned().collect(),
    })
}

/// Colour only on a terminal without `NO_COLOR`, unless forced; never into a file.
fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    !to_file
        && match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
}

fn write_output(path: Option<&std::path::Path>, text: &str) -> Result<(), String> {
    match path {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))
        }
        None => print_stdout(text),
    }
}

/// Write a report through a buffer into the output file or stdout.
fn stream_output(
    path: Option<&std::path::Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    match path {
        Some(p) => {
            let file = std::fs::File::create(p)
                .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
            let mut out = std::io::BufWriter::new(file);
            write(&mut out)
                .and_then(|_| out.flush())
                .map_err(|e| format!("cannot write {}: {e}", p.display()))
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match write(&mut out).and_then(|_| out.flush()) {
                // A closed pipe (`monolens … | head`) is not an error worth a message.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|e| format!("cannot write output: {e}")),
            }
        }
    }
}

fn print_stdout(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`monolens … | head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write output: {e}")),
    }
}
