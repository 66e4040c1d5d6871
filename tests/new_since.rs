//! `scan --new-since REV` on a scripted repository: a commit that adds a shared database
//! fails the scan with that finding only; a commit that removes it passes and lists it as
//! removed; the work tree is not touched.

use assert_cmd::Command;
use std::path::Path;

const OWN: &str = "services:
  orders:
    image: shop/orders:1.0
    environment:
      DATABASE_URL: postgres://orders-db:5432/orders
  billing:
    image: shop/billing:1.0
    environment:
      DATABASE_URL: postgres://billing-db:5432/billing
  orders-db:
    image: postgres:16
  billing-db:
    image: postgres:16
";

fn git(repo: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(repo)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn commit(repo: &Path, compose: &str, message: &str) -> String {
    std::fs::write(repo.join("shop/docker-compose.yml"), compose).unwrap();
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
    git(repo, &["rev-parse", "HEAD"])
}

fn scan_since(repo: &Path, rev: &str) -> (i32, serde_json::Value) {
    let out = Command::cargo_bin("monolens")
        .unwrap()
        .args(["scan", "--quiet", "-f", "json", "--new-since", rev])
        .arg(repo.join("shop"))
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), json)
}

fn active(json: &serde_json::Value, rule: &str) -> usize {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule && f["suppressed"] == false)
        .count()
}

#[test]
fn only_the_change_s_findings_count() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir_all(repo.join("shop")).unwrap();
    let own = commit(repo, OWN, "own databases");
    let shared = OWN.replace(
        "postgres://billing-db:5432/billing",
        "postgres://orders-db:5432/orders",
    );
    let adds = commit(repo, &shared, "billing reads the orders database");

    // The change that adds a shared database fails with it, and only it is new.
    let (code, json) = scan_since(repo, &own);
    assert_eq!(code, 1, "{json}");
    assert_eq!(active(&json, "shared-database"), 1, "{json}");
    assert_eq!(json["new_since"], own.as_str());
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "shared-database")
        .unwrap();
    assert_eq!(f["location"]["file"], "shop/docker-compose.yml");

    // Against itself nothing is new.
    let (code, json) = scan_since(repo, &adds);
    assert_eq!(code, 0, "{json}");
    assert_eq!(active(&json, "shared-database"), 0);

    // The change that removes it passes and lists it as removed.
    commit(repo, OWN, "billing gets its own database back");
    let (code, json) = scan_since(repo, &adds);
    assert_eq!(code, 0, "{json}");
    let removed = json["stale_baseline"].as_array().unwrap();
    assert!(
        removed.iter().any(|e| e["rule"] == "shared-database"),
        "{json}"
    );

    // Nothing in the work tree or the index changed.
    assert_eq!(git(repo, &["status", "--porcelain"]), "");
    let out = Command::cargo_bin("monolens")
        .unwrap()
        .args(["scan", "--quiet", "--new-since", &adds])
        .arg(repo.join("shop"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("1 finding of {adds} gone with this change:")),
        "{text}"
    );

    // A revision that names no commit is a usage error.
    Command::cargo_bin("monolens")
        .unwrap()
        .args(["scan", "--quiet", "--new-since", "no-such-rev"])
        .arg(repo.join("shop"))
        .assert()
        .code(2);
}

/// `monolens pre-commit`: an uncommitted change that adds a shared database fails against
/// HEAD; once a baseline holds it, the same tree passes.
#[test]
fn pre_commit_fails_only_on_what_the_change_adds() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir_all(repo.join("shop")).unwrap();
    commit(repo, OWN, "own databases");
    let hook = |dir: &Path| {
        Command::cargo_bin("monolens")
            .unwrap()
            .args(["pre-commit", "--quiet"])
            .arg(dir)
            .output()
            .unwrap()
    };
    assert_eq!(
        hook(&repo.join("shop")).status.code(),
        Some(0),
        "nothing added"
    );
    let shared = OWN.replace(
        "postgres://billing-db:5432/billing",
        "postgres://orders-db:5432/orders",
    );
    std::fs::write(repo.join("shop/docker-compose.yml"), &shared).unwrap();
    let out = hook(&repo.join("shop"));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("shared-database"));
    Command::cargo_bin("monolens")
        .unwrap()
        .args(["baseline", "--no-history", "--quiet", "-o"])
        .arg(repo.join("shop/.monolens-baseline.json"))
        .arg(repo.join("shop"))
        .assert()
        .success();
    assert_eq!(
        hook(&repo.join("shop")).status.code(),
        Some(0),
        "the baseline holds it"
    );
}
