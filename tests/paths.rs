//! One path convention: scanning a subfolder of a repository, every format names the same
//! files relative to the repository root (the folder's path first), as code scanning and
//! annotations need, and each named file exists there.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

fn scan(dir: &Path, format: &str) -> String {
    let out = common::quiet_scan(format).arg(dir).output().unwrap();
    assert!(
        out.status.success(),
        "{format}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The (file, line) of every finding a format reports.
fn places(format: &str, text: &str) -> BTreeSet<(String, u64)> {
    let re = |p: &str| regex::Regex::new(p).unwrap();
    let mut out = BTreeSet::new();
    match format {
        "github" => {
            for c in re(r"file=([^,]+),line=(\d+)").captures_iter(text) {
                out.insert((c[1].to_string(), c[2].parse().unwrap()));
            }
        }
        "junit" => {
            for c in re(r#"file="([^"]+)" line="(\d+)""#).captures_iter(text) {
                out.insert((c[1].to_string(), c[2].parse().unwrap()));
            }
        }
        "markdown" => {
            for c in re(r"\| `([^`]+):(\d+):\d+` \|").captures_iter(text) {
                out.insert((c[1].to_string(), c[2].parse().unwrap()));
            }
        }
        "json" => {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            for f in v["findings"].as_array().unwrap() {
                let l = &f["location"];
                out.insert((
                    l["file"].as_str().unwrap().to_string(),
                    l["line"].as_u64().unwrap(),
                ));
            }
        }
        "sarif" => {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            for r in v["runs"][0]["results"].as_array().unwrap() {
                let p = &r["locations"][0]["physicalLocation"];
                out.insert((
                    p["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                    p["region"]["startLine"].as_u64().unwrap(),
                ));
            }
        }
        _ => unreachable!(),
    }
    out
}

#[test]
fn every_format_names_files_from_the_repository_root() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(repo)
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    let sub = repo.join("platform/shop");
    common::copy_dir(&common::root().join("fixtures/demo"), &sub);
    let mut seen: Vec<(&str, BTreeSet<(String, u64)>)> = Vec::new();
    for format in ["json", "sarif", "github", "markdown", "junit"] {
        let found = places(format, &scan(&sub, format));
        assert!(!found.is_empty(), "{format}: no locations read");
        for (file, _) in &found {
            assert!(file.starts_with("platform/shop/"), "{format}: {file}");
            assert!(repo.join(file).is_file(), "{format}: {file} does not exist");
        }
        seen.push((format, found));
    }
    let (first, expected) = &seen[0];
    for (format, found) in &seen[1..] {
        assert_eq!(
            found, expected,
            "{format} and {first} name different places"
        );
    }
}
