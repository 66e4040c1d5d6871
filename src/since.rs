//! `--new-since REV`: the same scan of the repository as it was at REV, read with
//! `git archive` into a temporary directory (the user's work tree and index are not touched),
//! whose findings become the baseline of this scan. Findings REV had are then suppressed
//! (`existing`), and the ones REV had that are gone are listed as removed.

use crate::config::Config;
use std::path::Path;
use std::process::{Command, Stdio};

/// The baseline of `rev`: the findings of the same scan of `root` (at `prefix` inside its
/// repository, as the scan found it) as it was there.
pub fn baseline(
    root: &Path,
    prefix: &str,
    rev: &str,
    config: &Config,
    opts: &crate::ScanOptions,
) -> Result<crate::suppress::Baseline, String> {
    let tree = checkout(root, prefix, rev)?;
    let old_root = tree.path().join(prefix);
    if !old_root.is_dir() {
        // The scanned folder did not exist at REV: everything in it is new.
        return Ok(since(rev, crate::suppress::Baseline::from_findings(&[])));
    }
    let old_opts = crate::ScanOptions {
        repository_paths: false,
        rules: opts.rules.clone(),
        exclude: opts.exclude.clone(),
        no_history: true,
        progress: false,
        ..Default::default()
    };
    let old = crate::scan(crate::Input::Dir(&old_root), config, &old_opts)
        .map_err(|e| format!("cannot scan {rev}: {e}"))?;
    Ok(since(
        rev,
        crate::suppress::Baseline::from_findings(&old.findings),
    ))
}

fn since(rev: &str, mut b: crate::suppress::Baseline) -> crate::suppress::Baseline {
    b.since = Some(rev.to_string());
    b
}

/// The scanned folder's files at `rev`, under the repository's top level, in a temporary
/// directory that is removed when dropped.
fn checkout(root: &Path, prefix: &str, rev: &str) -> Result<tempfile::TempDir, String> {
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    if !top.status.success() {
        return Err(format!(
            "--new-since needs a git repository, and {} is not inside one",
            root.display()
        ));
    }
    if rev.is_empty() || rev.starts_with('-') {
        return Err(format!("invalid revision `{rev}`"));
    }
    let commit = format!("{rev}^{{commit}}");
    let known = git(&["rev-parse", "--verify", "--quiet", &commit])?;
    if !known.status.success() {
        return Err(format!("--new-since: `{rev}` does not name a commit"));
    }
    let top = String::from_utf8_lossy(&top.stdout).trim().to_string();
    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let mut archive = Command::new("git");
    archive
        .arg("-C")
        .arg(&top)
        .args(["archive", "--format=tar", &commit]);
    if !prefix.is_empty() {
        archive.args(["--", prefix.trim_end_matches('/')]);
    }
    let mut child = archive
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git archive: {e}"))?;
    let stdout = child.stdout.take().expect("piped");
    let unpacked = tar::Archive::new(stdout).unpack(dir.path());
    let status = child
        .wait()
        .map_err(|e| format!("git archive failed: {e}"))?;
    // A folder absent at REV makes git archive fail on its pathspec: nothing was there.
    if !status.success() && prefix.is_empty() {
        return Err(format!("git archive {rev} failed"));
    }
    unpacked.map_err(|e| format!("cannot unpack {rev}: {e}"))?;
    Ok(dir)
}
