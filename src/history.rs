//! Git history: reads commits with one streamed `git log` and measures co-change coupling
//! between services (code-maat's coupling: shared revisions / average revisions of the pair).
//!
//! Semantics:
//! - Window: the last `max_commits` non-merge commits reachable from `rev` that touch the scan
//!   root, committed in the last `since_days` days (counted from now); both limits are applied
//!   by git, before the mass-edit and bot filters. `0` disables a limit.
//! - Paths: git reports paths relative to the repository top; [`GitLog`] strips the scan root's
//!   prefix (`git rev-parse --show-prefix`) and drops files outside the root, so `owners_of`
//!   sees scan-root-relative paths. A commit's size (`touched`) counts every file it changed,
//!   inside the root or not, so repository-wide mass edits are recognised.
//! - `--git-dir DIR` (e.g. a bare mirror): history is read from DIR. The prefix still comes
//!   from the scan root's own work tree when it has one (a checkout of the same project);
//!   otherwise it is "" and the scan root is taken to be the repository top.
//!
//! Timing (`cargo test --lib history -- --ignored --nocapture`, debug build, 2 cores): 3,000
//! generated commits over 12 services are read and analysed in 70–130 ms.

pub use crate::model::CoChange;
use crate::model::{Diagnostic, Severity};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Which commits to read and which to ignore.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryOptions {
    /// Read history from this git directory (a bare mirror, say) instead of the scan root's.
    pub git_dir: Option<PathBuf>,
    /// Revision to walk back from.
    pub rev: String,
    /// At most this many commits (0: no limit).
    pub max_commits: usize,
    /// Only commits from the last this many days (0: no limit).
    pub since_days: u32,
    /// Commits touching more files than this are mass edits and ignored (0: no limit).
    pub max_files_per_commit: usize,
    /// Case-insensitive substrings of an author's name or email that mark a bot.
    pub bot_patterns: Vec<String>,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions {
            git_dir: None,
            rev: "HEAD".to_string(),
            max_commits: 1000,
            since_days: 365,
            max_files_per_commit: 30,
            bot_patterns: ["renovate", "dependabot", "[bot]"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// One non-merge commit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Commit {
    pub id: String,
    pub author: String,
    pub email: String,
    /// Committer time, Unix seconds.
    pub time: i64,
    /// Changed files inside the scan root, relative to the scan root.
    pub files: Vec<String>,
    /// Number of files the commit changed in the whole repository.
    pub touched: usize,
}

/// Where commits come from: `git log` in production, anything in tests.
pub trait HistorySource {
    fn commits(&self, opts: &HistoryOptions) -> Result<Vec<Commit>, String>;
    fn is_shallow(&self) -> Result<bool, String>;
}

/// Reads history by spawning `git`.
#[derive(Debug, Clone)]
pub struct GitLog {
    /// Where to run git (`-C`), used when `git_dir` is `None`.
    work_dir: PathBuf,
    git_dir: Option<PathBuf>,
    /// The scan root's path inside the repository, "" or ending in `/`.
    prefix: String,
}

impl GitLog {
    /// History of the repository holding `root`, or of `git_dir` when given. Never fails: if
    /// `root` is not in a work tree the prefix is "" and errors surface from the trait methods.
    pub fn new(root: &Path, git_dir: Option<&Path>) -> GitLog {
        let prefix = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["rev-parse", "--show-prefix"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .trim_end_matches(['\n', '\r'])
                    .to_string()
            })
            .unwrap_or_default();
        GitLog {
            work_dir: root.to_path_buf(),
            git_dir: git_dir.map(Path::to_path_buf),
            prefix,
        }
    }

    /// Check what the user named explicitly: a `--git-dir` must be a repository and a `--rev`
    /// must name a commit in it. Errors are one sentence (a usage error, exit 2).
    pub fn verify(&self, git_dir_given: bool, rev: Option<&str>) -> Result<(), String> {
        let place = match &self.git_dir {
            Some(d) => format!("--git-dir {}", d.display()),
            None => self.work_dir.display().to_string(),
        };
        let out = self
            .git()
            .args(["rev-parse", "--git-dir"])
            .output()
            .map_err(|e| format!("cannot run git to read {place}: {e}"))?;
        if !out.status.success() {
            return Err(if git_dir_given {
                format!("{place} is not a git repository")
            } else {
                format!("--rev needs a git repository, and {place} is not inside one")
            });
        }
        let Some(rev) = rev else { return Ok(()) };
        if rev.is_empty() || rev.starts_with('-') {
            return Err(format!("invalid revision `{rev}`"));
        }
        let ok = self
            .git()
            .args(["rev-parse", "--verify", "--quiet"])
            .arg(format!("{rev}^{{commit}}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            Ok(())
        } else {
            Err(format!(
                "revision `{rev}` does not name a commit in {place}"
            ))
        }
    }

    /// The scan root's path inside the repository ("" or ending in `/`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn git(&self) -> Command {
        let mut cmd = Command::new("git");
        match &self.git_dir {
            Some(dir) => cmd.arg("--git-dir").arg(dir),
            None => cmd.arg("-C").arg(&self.work_dir),
        };
        // User configuration must not change the output shape.
        cmd.args([
            "-c",
            "log.showSignature=false",
            "-c",
            "log.showRoot=true",
            "-c",
            "diff.relative=false",
        ]);
        cmd.stdin(Stdio::null());
        cmd
    }
}

fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    line.trim().to_string()
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl HistorySource for GitLog {
    fn is_shallow(&self) -> Result<bool, String> {
        let out = self
            .git()
            .args(["rev-parse", "--is-shallow-repository"])
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(first_line(&out.stderr));
        }
        match String::from_utf8_lossy(&out.stdout).trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(format!(
                "unexpected `git rev-parse --is-shallow-repository` output: {other}"
            )),
        }
    }

    fn commits(&self, opts: &HistoryOptions) -> Result<Vec<Commit>, String> {
        if opts.rev.is_empty() || opts.rev.starts_with('-') {
            return Err(format!("invalid revision `{}`", opts.rev));
        }
        let mut cmd = self.git();
        cmd.args([
            "log",
            "--no-merges",
            "--no-renames",
            "--no-color",
            "--name-only",
            "-z",
            "--full-diff",
            "--format=%x1e%H%x1f%ct%x1f%ae%x1f%an",
        ]);
        if opts.max_commits > 0 {
            cmd.arg(format!("--max-count={}", opts.max_commits));
        }
        if opts.since_days > 0 {
            let since = unix_now() - i64::from(opts.since_days) * 86_400;
            cmd.arg(format!("--since=@{since}"));
        }
        cmd.arg(&opts.rev).arg("--");
        if !self.prefix.is_empty() {
            // Only commits touching the scan root; `--full-diff` still lists all their files.
            cmd.arg(format!(":(top,literal){}", self.prefix));
        }
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| format!("cannot run git: {e}"))?;
        // Drain stderr on the side so a chatty git cannot block on a full pipe.
        let stderr = child.stderr.take().and_then(|mut s| {
            std::thread::Builder::new()
                .spawn(move || {
                    let mut buf = Vec::new();
                    let _ = s.read_to_end(&mut buf);
                    buf
                })
                .ok()
        });
        let parsed = match child.stdout.take() {
            Some(out) => parse_log(BufReader::with_capacity(1 << 16, out), &self.prefix),
            None => Err("git log: no output pipe".to_string()),
        };
        if parsed.is_err() {
            let _ = child.kill();
        }
        let status = child.wait().map_err(|e| format!("git log: {e}"))?;
        let err_text = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
        let commits = parsed?;
        if !status.success() {
            return Err(format!("git log failed: {}", first_line(&err_text)));
        }
        Ok(commits)
    }
}

/// Parse `git log -z --name-only --format=%x1e%H%x1f%ct%x1f%ae%x1f%an` output, one
/// NUL-terminated token at a time. Files outside `prefix` are counted but dropped.
fn parse_log<R: BufRead>(mut reader: R, prefix: &str) -> Result<Vec<Commit>, String> {
    let mut commits: Vec<Commit> = Vec::new();
    let mut first_file = false;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = reader
            .read_until(0, &mut buf)
            .map_err(|e| format!("reading git log: {e}"))?;
        if n == 0 {
            break;
        }
        let token = buf.strip_suffix(&[0]).unwrap_or(&buf);
        if let Some(commit) = parse_header(token) {
            commits.push(commit);
            first_file = true;
            continue;
        }
        let mut name = token;
        if first_file {
            // The name list is separated from the header by one newline.
            name = name.strip_prefix(b"\n").unwrap_or(name);
            first_file = false;
        }
        let Some(commit) = commits.last_mut() else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        commit.touched += 1;
        let path = String::from_utf8_lossy(name);
        if let Some(rel) = path.strip_prefix(prefix)
            && !rel.is_empty()
        {
            commit.files.push(rel.to_string());
        }
    }
    Ok(commits)
}

/// `\x1e<hex id>\x1f<unix time>\x1f<email>\x1f<name>`; anything else is not a header.
fn parse_header(token: &[u8]) -> Option<Commit> {
    let rest = token.strip_prefix(b"\x1e")?;
    let text = String::from_utf8_lossy(rest);
    let mut fields = text.splitn(4, '\x1f');
    let id = fields.next()?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let time = fields.next()?.parse().ok()?;
    let email = fields.next()?.to_string();
    let author = fields.next()?.to_string();
    Some(Commit {
        id: id.to_string(),
        author,
        email,
        time,
        files: Vec::new(),
        touched: 0,
    })
}

/// Thresholds a pair must meet to be reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoChangeOptions {
    pub min_revisions: usize,
    pub min_shared: usize,
    /// 0.0–1.0.
    pub min_degree: f64,
}

impl Default for CoChangeOptions {
    fn default() -> Self {
        CoChangeOptions {
            min_revisions: 5,
            min_shared: 5,
            min_degree: 0.5,
        }
    }
}

/// Count co-changes. Each commit counts once per service it touches (`owners_of` maps a
/// scan-root-relative path to its owning services). Pairs meeting `opts` are returned by degree
/// (descending), then shared (descending), then names. No size filter is applied here.
pub fn co_change(
    commits: &[Commit],
    owners_of: &dyn Fn(&str) -> Vec<String>,
    opts: &CoChangeOptions,
) -> Vec<CoChange> {
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut owner_cache: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut revisions: Vec<usize> = Vec::new();
    let mut shared: HashMap<(usize, usize), usize> = HashMap::new();
    let mut touched: Vec<usize> = Vec::new();
    for commit in commits {
        touched.clear();
        for file in &commit.files {
            let ids = owner_cache.entry(file.as_str()).or_insert_with(|| {
                owners_of(file)
                    .into_iter()
                    .map(|svc| {
                        *index.entry(svc.clone()).or_insert_with(|| {
                            names.push(svc);
                            revisions.push(0);
                            names.len() - 1
                        })
                    })
                    .collect()
            });
            touched.extend_from_slice(ids);
        }
        touched.sort_unstable();
        touched.dedup();
        for (i, &a) in touched.iter().enumerate() {
            revisions[a] += 1;
            for &b in &touched[i + 1..] {
                *shared.entry((a, b)).or_insert(0) += 1;
            }
        }
    }
    let mut pairs: Vec<CoChange> = shared
        .into_iter()
        .filter_map(|((a, b), n)| {
            let (ra, rb) = (revisions[a], revisions[b]);
            let degree = 2.0 * n as f64 / (ra + rb) as f64;
            let keep = ra >= opts.min_revisions
                && rb >= opts.min_revisions
                && n >= opts.min_shared
                && degree + 1e-9 >= opts.min_degree;
            keep.then(|| {
                let (a, b, ra, rb) = if names[a] <= names[b] {
                    (a, b, ra, rb)
                } else {
                    (b, a, rb, ra)
                };
                CoChange {
                    services: vec![names[a].clone(), names[b].clone()],
                    revisions: vec![ra, rb],
                    shared: n,
                    degree,
                }
            })
        })
        .collect();
    pairs.sort_by(|x, y| {
        y.degree
            .total_cmp(&x.degree)
            .then(y.shared.cmp(&x.shared))
            .then_with(|| x.services.cmp(&y.services))
    });
    pairs
}

/// What the history analysis found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryReport {
    /// Commits counted (after the mass-edit and bot filters).
    pub analysed_commits: usize,
    pub skipped_mass: usize,
    pub skipped_bots: usize,
    pub pairs: Vec<CoChange>,
    pub diagnostics: Vec<Diagnostic>,
}

fn is_bot(commit: &Commit, patterns: &[String]) -> bool {
    let name = commit.author.to_lowercase();
    let email = commit.email.to_lowercase();
    patterns
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| p.to_lowercase())
        .any(|p| name.contains(&p) || email.contains(&p))
}

/// Read history from `source` and find coupled pairs. Never fails: no repository (or no git)
/// gives an empty report with a note; a shallow clone gives a warning and no pairs. A commit
/// that is both a mass edit and a bot's counts as a mass edit. `root` labels the diagnostics.
pub fn analyse(
    root: &Path,
    source: &dyn HistorySource,
    hopts: &HistoryOptions,
    copts: &CoChangeOptions,
    owners_of: &dyn Fn(&str) -> Vec<String>,
) -> HistoryReport {
    let label = root.to_string_lossy();
    let mut report = HistoryReport::default();
    match source.is_shallow() {
        Err(e) => {
            // git's own wording for the common case is noise; keep it for real failures.
            let message = if e.contains("not a git repository") {
                "not inside a git repository; co-change coupling not analysed".to_string()
            } else {
                format!("no git history available ({e}); co-change coupling not analysed")
            };
            // An explicit `--git-dir` that cannot be read is the user's mistake, not a missing repo.
            let severity = if hopts.git_dir.is_some() {
                Severity::Warning
            } else {
                Severity::Note
            };
            report
                .diagnostics
                .push(Diagnostic::whole(severity, &label, message));
            return report;
        }
        Ok(true) => {
            report.diagnostics.push(Diagnostic::whole(
                Severity::Warning,
                &label,
                "the repository is a shallow clone, so co-change coupling cannot be measured; \
                 fetch the full history (actions/checkout: `fetch-depth: 0`, or \
                 `git fetch --unshallow`), or point `--git-dir` at a full mirror",
            ));
            return report;
        }
        Ok(false) => {}
    }
    let mut commits = match source.commits(hopts) {
        Ok(c) => c,
        Err(e) => {
            report.diagnostics.push(Diagnostic::whole(
                Severity::Warning,
                &label,
                format!("cannot read git history: {e}; co-change coupling not analysed"),
            ));
            return report;
        }
    };
    commits.retain(|c| {
        if hopts.max_files_per_commit > 0 && c.touched > hopts.max_files_per_commit {
            report.skipped_mass += 1;
            false
        } else if is_bot(c, &hopts.bot_patterns) {
            report.skipped_bots += 1;
            false
        } else {
            true
        }
    });
    report.analysed_commits = commits.len();
    if commits.is_empty() {
        let mut window = vec![format!("from `{}`", hopts.rev)];
        if hopts.max_commits > 0 {
            window.push(format!("last {} commits", hopts.max_commits));
        }
        if hopts.since_days > 0 {
            window.push(format!("last {} days", hopts.since_days));
        }
        report.diagnostics.push(Diagnostic::whole(
            Severity::Note,
            &label,
            format!(
                "no commits to analyse for co-change coupling ({})",
                window.join(", ")
            ),
        ));
    }
    report.pairs = co_change(&commits, owners_of, copts);
    report
}

/// [`analyse`] with [`GitLog`] for `root` (and `hopts.git_dir`).
pub fn analyse_repo(
    root: &Path,
    hopts: &HistoryOptions,
    copts: &CoChangeOptions,
    owners_of: &dyn Fn(&str) -> Vec<String>,
) -> HistoryReport {
    let source = GitLog::new(root, hopts.git_dir.as_deref());
    analyse(root, &source, hopts, copts, owners_of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::io::Write;

    const HOUR: i64 = 3600;

    /// A scratch repository; every git call is isolated from user and system configuration.
    struct Repo {
        dir: tempfile::TempDir,
        clock: i64,
    }

    fn git_cmd(dir: &Path) -> Command {
        let mut cmd = Command::new("git");
        cmd.arg("-C")
            .arg(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_COMMITTER_NAME", "Dev")
            .env("GIT_COMMITTER_EMAIL", "dev@example.com")
            .stdin(Stdio::null());
        cmd
    }

    fn run(mut cmd: Command) -> String {
        let out = cmd.output().expect("git runs");
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    impl Repo {
        fn new() -> Repo {
            let dir = tempfile::tempdir().expect("tempdir");
            let mut cmd = git_cmd(dir.path());
            cmd.args(["init", "-q", "-b", "main"]);
            run(cmd);
            Repo {
                dir,
                clock: unix_now() - 30 * 24 * HOUR,
            }
        }

        fn path(&self) -> &Path {
            self.dir.path()
        }

        /// Write `files` (appending a line so each commit changes them) and commit.
        fn commit(&mut self, author: &str, files: &[&str]) {
            self.clock += HOUR;
            self.commit_at(author, files, self.clock);
        }

        fn commit_at(&self, author: &str, files: &[&str], time: i64) {
            for f in files {
                let p = self.path().join(f);
                std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
                let mut fh = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&p)
                    .expect("open");
                writeln!(fh, "{time}").expect("write");
            }
            let mut add = git_cmd(self.path());
            add.args(["add", "-A"]);
            run(add);
            let date = format!("{time} +0000");
            let mut commit = git_cmd(self.path());
            commit
                .args(["commit", "-q", "--no-verify", "-m", "change"])
                .env("GIT_AUTHOR_NAME", author)
                .env("GIT_AUTHOR_EMAIL", format!("{author}@example.com"))
                .env("GIT_AUTHOR_DATE", &date)
                .env("GIT_COMMITTER_DATE", &date);
            run(commit);
        }
    }

    /// First path component is the service.
    fn top_dir(path: &str) -> Vec<String> {
        match path.split_once('/') {
            Some((dir, _)) => vec![dir.to_string()],
            None => Vec::new(),
        }
    }

    /// orders+billing together `n` times, users alone `n` times.
    fn coupled_history(repo: &mut Repo, base: &str, n: usize) {
        for i in 0..n {
            let o = format!("{base}orders/src/o{i}.rs");
            let b = format!("{base}billing/b.rs");
            repo.commit("alice", &[&o, &b, &format!("{base}orders/Dockerfile")]);
            repo.commit("bob", &[&format!("{base}users/u.rs")]);
        }
    }

    fn report_for(
        root: &Path,
        git_dir: Option<&Path>,
        owners: &dyn Fn(&str) -> Vec<String>,
    ) -> HistoryReport {
        let hopts = HistoryOptions {
            git_dir: git_dir.map(Path::to_path_buf),
            ..HistoryOptions::default()
        };
        analyse_repo(root, &hopts, &CoChangeOptions::default(), owners)
    }

    fn assert_orders_billing(report: &HistoryReport, revs: usize) {
        assert_eq!(report.pairs.len(), 1, "{report:#?}");
        let p = &report.pairs[0];
        assert_eq!(p.services, ["billing", "orders"]);
        assert_eq!(p.revisions, [revs, revs]);
        assert_eq!(p.shared, revs);
        assert!((p.degree - 1.0).abs() < 1e-12);
    }

    #[test]
    fn two_services_changing_together_are_coupled() {
        let mut repo = Repo::new();
        coupled_history(&mut repo, "", 6);
        let report = report_for(repo.path(), None, &top_dir);
        assert_eq!(report.analysed_commits, 12);
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
        assert_orders_billing(&report, 6);
    }

    #[test]
    fn mass_edits_and_bots_do_not_count() {
        let mut repo = Repo::new();
        coupled_history(&mut repo, "", 5);
        let mass: Vec<String> = (0..31)
            .map(|i| format!("{}/f{i}.txt", if i % 2 == 0 { "orders" } else { "billing" }))
            .collect();
        repo.commit(
            "carol",
            &mass.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        repo.commit(
            "dependabot[bot]",
            &["orders/Cargo.lock", "billing/Cargo.lock"],
        );
        repo.commit(
            "Renovate Bot",
            &["orders/package.json", "billing/package.json"],
        );
        let report = report_for(repo.path(), None, &top_dir);
        assert_eq!(report.skipped_mass, 1);
        assert_eq!(report.skipped_bots, 2);
        assert_eq!(report.analysed_commits, 10);
        assert_orders_billing(&report, 5);

        // The filters are options: without them the extra commits count.
        let hopts = HistoryOptions {
            max_files_per_commit: 0,
            bot_patterns: Vec::new(),
            ..HistoryOptions::default()
        };
        let all = analyse_repo(repo.path(), &hopts, &CoChangeOptions::default(), &top_dir);
        assert_eq!((all.skipped_mass, all.skipped_bots), (0, 0));
        assert_orders_billing(&all, 8);
    }

    #[test]
    fn shallow_clone_asks_for_full_history() {
        let mut repo = Repo::new();
        coupled_history(&mut repo, "", 6);
        let parent = tempfile::tempdir().expect("tempdir");
        let mut clone = git_cmd(parent.path());
        clone
            .args(["clone", "-q", "--depth", "1"])
            .arg(format!("file://{}", repo.path().display()))
            .arg("shallow");
        run(clone);
        let report = report_for(&parent.path().join("shallow"), None, &top_dir);
        assert!(report.pairs.is_empty());
        assert_eq!(report.analysed_commits, 0);
        assert_eq!(report.diagnostics.len(), 1);
        assert_eq!(
            report.diagnostics[0].severity,
            crate::model::Severity::Warning
        );
        assert!(report.diagnostics[0].message.contains("fetch-depth: 0"));
    }

    #[test]
    fn scan_root_in_a_subdirectory_sees_root_relative_paths() {
        let mut repo = Repo::new();
        coupled_history(&mut repo, "platform/", 6);
        repo.commit("dave", &["docs/readme.md"]);
        repo.commit(
            "dave",
            &["docs/a.md", "platform/orders/x", "platform/billing/y"],
        );
        let root = repo.path().join("platform");
        let seen = RefCell::new(Vec::new());
        let owners = |p: &str| {
            seen.borrow_mut().push(p.to_string());
            top_dir(p)
        };
        let log = GitLog::new(&root, None);
        assert_eq!(log.prefix(), "platform/");
        let commits = log.commits(&HistoryOptions::default()).expect("log");
        // The docs-only commit is outside the root; the mixed one lists its docs file in
        // `touched` but not in `files`.
        assert_eq!(commits.len(), 13);
        assert_eq!(commits[0].touched, 3);
        assert_eq!(commits[0].files, ["billing/y", "orders/x"]);
        let report = analyse(
            &root,
            &log,
            &HistoryOptions::default(),
            &CoChangeOptions::default(),
            &owners,
        );
        assert_orders_billing(&report, 7);
        assert!(
            seen.borrow()
                .iter()
                .all(|p| !p.starts_with("platform/") && !p.starts_with("docs/")),
            "{:?}",
            seen.borrow()
        );
    }

    #[test]
    fn bare_mirror_via_git_dir() {
        let mut repo = Repo::new();
        coupled_history(&mut repo, "", 6);
        let parent = tempfile::tempdir().expect("tempdir");
        let mut mirror = git_cmd(parent.path());
        mirror
            .args(["clone", "-q", "--mirror"])
            .arg(repo.path())
            .arg("mirror.git");
        run(mirror);
        let mirror = parent.path().join("mirror.git");
        // A scan root outside any work tree: prefix "".
        let plain = tempfile::tempdir().expect("tempdir");
        let report = report_for(plain.path(), Some(&mirror), &top_dir);
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
        assert_orders_billing(&report, 6);

        // A scan root in a checkout: its prefix applies to the mirror's paths.
        let mut nested = Repo::new();
        coupled_history(&mut nested, "svc/", 6);
        let mut mirror2 = git_cmd(parent.path());
        mirror2
            .args(["clone", "-q", "--mirror"])
            .arg(nested.path())
            .arg("nested.git");
        run(mirror2);
        let report = report_for(
            &nested.path().join("svc"),
            Some(&parent.path().join("nested.git")),
            &top_dir,
        );
        assert_orders_billing(&report, 6);
    }

    #[test]
    fn file_names_with_spaces_and_unicode() {
        let mut repo = Repo::new();
        let names = [
            "orders/my file.txt",
            "billing/Überweisung – déjà vu.md",
            "users/a\tb",
        ];
        repo.commit("émile", &names);
        let commits = GitLog::new(repo.path(), None)
            .commits(&HistoryOptions::default())
            .expect("log");
        assert_eq!(commits.len(), 1);
        assert_eq!(commits[0].author, "émile");
        let mut files = commits[0].files.clone();
        files.sort();
        let mut want: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(files, want);
    }

    #[test]
    fn window_limits_commits() {
        let mut repo = Repo::new();
        repo.commit_at(
            "old",
            &["orders/a", "billing/a"],
            unix_now() - 400 * 24 * HOUR,
        );
        coupled_history(&mut repo, "", 3);
        let log = GitLog::new(repo.path(), None);
        let recent = log.commits(&HistoryOptions::default()).expect("log");
        assert_eq!(recent.len(), 6);
        let two = HistoryOptions {
            max_commits: 2,
            ..HistoryOptions::default()
        };
        assert_eq!(log.commits(&two).expect("log").len(), 2);
        let unlimited = HistoryOptions {
            since_days: 0,
            max_commits: 0,
            ..HistoryOptions::default()
        };
        assert_eq!(log.commits(&unlimited).expect("log").len(), 7);
    }

    #[test]
    fn not_a_repository_is_a_note() {
        let dir = tempfile::tempdir().expect("tempdir");
        let report = report_for(dir.path(), None, &top_dir);
        assert_eq!(report.analysed_commits, 0);
        assert!(report.pairs.is_empty());
        assert_eq!(report.diagnostics.len(), 1);
        assert_eq!(report.diagnostics[0].severity, crate::model::Severity::Note);
    }

    #[test]
    fn unreadable_git_dir_is_a_warning() {
        let dir = tempfile::tempdir().expect("tempdir");
        let report = report_for(dir.path(), Some(&dir.path().join("missing.git")), &top_dir);
        assert!(report.pairs.is_empty());
        assert_eq!(report.diagnostics.len(), 1);
        assert_eq!(
            report.diagnostics[0].severity,
            crate::model::Severity::Warning
        );
    }

    #[test]
    fn bad_revision_is_a_warning_not_a_panic() {
        let mut repo = Repo::new();
        repo.commit("a", &["orders/x"]);
        for rev in ["no-such-branch", "--output=/tmp/x"] {
            let hopts = HistoryOptions {
                rev: rev.to_string(),
                ..HistoryOptions::default()
            };
            let report = analyse_repo(repo.path(), &hopts, &CoChangeOptions::default(), &top_dir);
            assert!(report.pairs.is_empty());
            assert_eq!(report.diagnostics.len(), 1, "{:?}", report.diagnostics);
            assert_eq!(
                report.diagnostics[0].severity,
                crate::model::Severity::Warning
            );
        }
    }

    #[test]
    fn parser_handles_empty_commits_and_prefix() {
        let mut raw = Vec::new();
        raw.extend_from_slice(b"\x1eabc1\x1f100\x1fa@x\x1fA\x1f B\0");
        raw.extend_from_slice(b"\x1eabc2\x1f200\x1fb@x\x1fB\0\nsub/a b\0other/c\0sub/\xff\0");
        let commits = parse_log(&raw[..], "sub/").expect("parse");
        assert_eq!(commits.len(), 2);
        assert_eq!(commits[0].author, "A\x1f B");
        assert_eq!(commits[0].touched, 0);
        assert_eq!(commits[1].time, 200);
        assert_eq!(commits[1].touched, 3);
        assert_eq!(commits[1].files, ["a b", "\u{fffd}"]);
    }

    #[test]
    fn degree_and_thresholds() {
        let c = |files: &[&str]| Commit {
            files: files.iter().map(|s| s.to_string()).collect(),
            ..Commit::default()
        };
        let mut commits = Vec::new();
        // a: 10 revs, b: 6 revs, shared 6 → degree 12/16 = 0.75. c: 5 revs with a, 5 alone.
        for _ in 0..6 {
            commits.push(c(&["a/1", "a/2", "b/1"]));
        }
        for _ in 0..4 {
            commits.push(c(&["a/1"]));
        }
        for _ in 0..5 {
            commits.push(c(&["c/1"]));
        }
        let pairs = co_change(&commits, &top_dir, &CoChangeOptions::default());
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].services, ["a", "b"]);
        assert_eq!(pairs[0].revisions, [10, 6]);
        assert!((pairs[0].degree - 0.75).abs() < 1e-12);
        let strict = CoChangeOptions {
            min_degree: 0.8,
            ..CoChangeOptions::default()
        };
        assert!(co_change(&commits, &top_dir, &strict).is_empty());
        let many = CoChangeOptions {
            min_shared: 7,
            ..CoChangeOptions::default()
        };
        assert!(co_change(&commits, &top_dir, &many).is_empty());
    }

    /// Builds ~3,000 commits with `git fast-import` and times the whole analysis.
    #[test]
    #[ignore = "timing; run with --ignored --nocapture"]
    fn timing_3000_commits() {
        let repo = Repo::new();
        let mut script = String::new();
        let start = unix_now() - 200 * 24 * HOUR;
        for i in 0..3000usize {
            let t = start + i as i64 * 600;
            script.push_str(&format!(
                "commit refs/heads/main\ncommitter Dev <dev@example.com> {t} +0000\ndata 2\nc\n"
            ));
            for k in 0..(1 + i % 4) {
                let svc = (i + k * 5) % 12;
                script.push_str(&format!(
                    "M 644 inline svc{svc}/src/file{}.rs\ndata 2\n{k}\n",
                    i % 50
                ));
            }
            script.push('\n');
        }
        let mut cmd = git_cmd(repo.path());
        cmd.args(["fast-import", "--quiet"]).stdin(Stdio::piped());
        let mut child = cmd.spawn().expect("fast-import");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .expect("write");
        assert!(child.wait().expect("wait").success());
        let mut reset = git_cmd(repo.path());
        reset.args(["reset", "-q", "--hard"]);
        run(reset);

        let hopts = HistoryOptions {
            max_commits: 0,
            ..HistoryOptions::default()
        };
        let started = std::time::Instant::now();
        let report = analyse_repo(repo.path(), &hopts, &CoChangeOptions::default(), &top_dir);
        let elapsed = started.elapsed();
        println!(
            "3,000 commits: {} analysed, {} pairs, {:?}",
            report.analysed_commits,
            report.pairs.len(),
            elapsed
        );
        assert_eq!(report.analysed_commits, 3000);
    }
}
