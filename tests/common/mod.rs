//! Helpers shared by the integration tests.
#![allow(dead_code)]

use assert_cmd::Command;
use monolens::config::Config;
use monolens::{Input, Scan};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// `monolens scan --no-history --quiet --fail-on never -f FORMAT`: add options and folders.
pub fn quiet_scan(format: &str) -> Command {
    let mut cmd = Command::cargo_bin("monolens").expect("binary");
    cmd.args([
        "scan",
        "--no-history",
        "--quiet",
        "--fail-on",
        "never",
        "-f",
        format,
    ]);
    cmd
}

/// The JSON report of `quiet_scan` with `extra` options over `dirs` (one system); it must
/// succeed.
pub fn scan_json<D: AsRef<OsStr>>(dirs: impl IntoIterator<Item = D>, extra: &[&str]) -> Value {
    let out = quiet_scan("json")
        .args(extra)
        .args(dirs)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// `monolens facts root/repo` written to `root/repo.facts.json`; its path.
pub fn facts_file(root: &Path, repo: &str) -> PathBuf {
    let out = root.join(format!("{repo}.facts.json"));
    Command::cargo_bin("monolens")
        .expect("binary")
        .args(["facts", "--quiet", "-o"])
        .arg(&out)
        .arg(root.join(repo))
        .assert()
        .success();
    out
}

/// `monolens merge FILES -f FORMAT --fail-on never`, as run.
pub fn merge_output(files: &[PathBuf], format: &str) -> std::process::Output {
    Command::cargo_bin("monolens")
        .expect("binary")
        .args(["merge", "--fail-on", "never", "-f", format])
        .args(files)
        .output()
        .expect("runs")
}

/// The JSON report of merging `files`; it must succeed.
pub fn merge_json(files: &[PathBuf]) -> Value {
    let out = merge_output(files, "json");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// A k8s Deployment of one container, with an optional namespace and env entries.
pub fn k8s_deployment(
    name: &str,
    namespace: Option<&str>,
    image: &str,
    env: &[(&str, &str)],
) -> String {
    let ns = namespace.map_or(String::new(), |n| format!("  namespace: {n}\n"));
    let env: String = env
        .iter()
        .map(|(k, v)| format!("            - name: {k}\n              value: {v}\n"))
        .collect();
    let env = if env.is_empty() {
        String::new()
    } else {
        format!("          env:\n{env}")
    };
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n{ns}spec:\n  template:\n    spec:\n      containers:\n        - name: {name}\n          image: {image}\n{env}"
    )
}

/// Write `text` at `root/rel`, making the folders.
pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn scan_dir(dir: &Path) -> Scan {
    let config = if dir.join("monolens.yaml").is_file() {
        Config::load(&dir.join("monolens.yaml")).expect("fixture config is valid")
    } else {
        Config::default()
    };
    // Fixtures live in this repository; its history must not change their results.
    let opts = monolens::ScanOptions {
        no_history: true,
        ..Default::default()
    };
    monolens::scan(Input::Dir(dir), &config, &opts).expect("scan succeeds")
}

/// The corpus of real systems, when this checkout sits beside it.
pub fn corpus(name: &str) -> Option<PathBuf> {
    let p = root().join("../shared/corpus").join(name);
    p.is_dir().then_some(p)
}

/// A compact, reviewable rendering of findings: one line per finding, related locations
/// indented below it.
pub fn compact(scan: &Scan) -> String {
    let mut out = String::new();
    for f in &scan.findings {
        out.push_str(&format!(
            "{} {} {} [{}]{} {}\n",
            f.severity.as_str(),
            f.rule,
            f.location,
            f.components.join(", "),
            if f.suppressed.is_some() {
                " (suppressed)"
            } else {
                ""
            },
            f.message
        ));
        if let Some(d) = &f.detail {
            for line in d.lines() {
                out.push_str(&format!("  detail {}\n", line.trim()));
            }
        }
        for r in &f.related {
            out.push_str(&format!("  related {} {}\n", r.location, r.message));
        }
    }
    if out.is_empty() {
        out.push_str("no findings\n");
    }
    out
}

/// Compare `render(case)` with `expected.txt` in each case folder (`MONOLENS_BLESS=1`
/// rewrites the expectations instead). Returns the number of cases and one report per
/// difference, named by the case's path below `base`.
pub fn check_expected(
    base: &Path,
    cases: impl IntoIterator<Item = PathBuf>,
    render: impl Fn(&Path) -> String,
) -> (usize, Vec<String>) {
    let bless = std::env::var_os("MONOLENS_BLESS").is_some();
    let mut failures = Vec::new();
    let mut count = 0;
    for case in cases.into_iter().filter(|c| c.is_dir()) {
        count += 1;
        let got = render(&case);
        let expected_path = case.join("expected.txt");
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got == expected {
            continue;
        }
        if bless {
            std::fs::write(&expected_path, &got).expect("writable");
        } else {
            failures.push(format!(
                "{}\n--- expected\n{expected}--- got\n{got}",
                case.strip_prefix(base).unwrap_or(&case).display()
            ));
        }
    }
    (count, failures)
}

/// The sub-folders of a folder.
pub fn dirs_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .expect("readable fixture folder")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.is_dir())
        .collect()
}

/// Copy a folder tree (a fixture into a temporary repository).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The SARIF 2.1.0 schema, compiled.
pub fn sarif_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/schemas/sarif-2.1.0.json"))
            .expect("schema present"),
    )
    .expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}
