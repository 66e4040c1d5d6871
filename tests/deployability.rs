//! Deployability: co-change coupling from a real git history built in the test, coupling
//! clusters and the verdict, team boundaries, and the eShop corpus signals.

mod common;

use monolens::config::Config;
use monolens::{Input, ScanOptions};
use std::fs;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str], author: &str) {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args([
            "-c",
            &format!("user.name={author}"),
            "-c",
            "user.email=dev@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn commit(dir: &Path, files: &[&str], author: &str, n: usize) {
    for f in files {
        let p = dir.join(f);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(&p, format!("change {n}\n")).expect("write");
    }
    git(dir, &["add", "-A"], author);
    git(dir, &["commit", "-q", "-m", &format!("change {n}")], author);
}

const COMPOSE: &str = "services:\n  orders: {build: ./orders}\n  billing: {build: ./billing}\n  users: {build: ./users}\n";

#[test]
fn co_change_finds_the_pair_that_always_changes_together() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::write(d.join("docker-compose.yml"), COMPOSE).expect("write");
    git(d, &["init", "-q"], "dev");
    git(d, &["add", "docker-compose.yml"], "dev");
    git(d, &["commit", "-q", "-m", "compose"], "dev");
    for n in 1..=6 {
        commit(d, &["orders/src/a.txt", "billing/src/b.txt"], "dev", n);
        commit(d, &["users/src/c.txt"], "dev", n);
    }
    // A mass edit and a bot's commit touching both must not count.
    let many: Vec<String> = (0..31).map(|i| format!("orders/gen/f{i}.txt")).collect();
    let mut mass: Vec<&str> = many.iter().map(String::as_str).collect();
    mass.push("billing/src/b.txt");
    commit(d, &mass, "dev", 100);
    commit(
        d,
        &["orders/src/a.txt", "billing/src/b.txt"],
        "dependabot[bot]",
        101,
    );

    let scan =
        monolens::scan(Input::Dir(d), &Config::default(), &ScanOptions::default()).expect("scan");
    let pairs = &scan.model.co_changes;
    assert_eq!(pairs.len(), 1, "{pairs:#?} {:#?}", scan.model.diagnostics);
    assert_eq!(pairs[0].services, ["billing", "orders"]);
    assert_eq!(pairs[0].revisions, [6, 6]);
    assert_eq!(pairs[0].shared, 6);
    assert!((pairs[0].degree - 1.0).abs() < 1e-9);
    let found: Vec<_> = scan
        .findings
        .iter()
        .filter(|f| f.rule == "co-change-coupling")
        .collect();
    assert_eq!(found.len(), 1);
    assert!(
        found[0].message.contains(
            "billing (6 revisions) and orders (6) changed together in 6 commits, degree 100%"
        ),
        "{}",
        found[0].message
    );
    assert_eq!(&*found[0].location.file, "docker-compose.yml");
    // The pair is a coupled cluster; users is not in it.
    assert_eq!(scan.verdict.clusters.len(), 1);
    assert_eq!(scan.verdict.clusters[0].services, ["billing", "orders"]);
}

#[test]
fn shallow_clone_is_a_diagnostic_not_silence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("src");
    fs::create_dir_all(&src).expect("mkdir");
    fs::write(src.join("docker-compose.yml"), COMPOSE).expect("write");
    git(&src, &["init", "-q"], "dev");
    for n in 0..3 {
        commit(&src, &["orders/a.txt", "billing/b.txt"], "dev", n);
    }
    let clone = dir.path().join("clone");
    let url = format!("file://{}", src.display());
    let ok = Command::new("git")
        .args([
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            &clone.display().to_string(),
        ])
        .status()
        .expect("git")
        .success();
    assert!(ok);
    let scan = monolens::scan(
        Input::Dir(&clone),
        &Config::default(),
        &ScanOptions::default(),
    )
    .expect("scan");
    assert!(
        scan.model
            .diagnostics
            .iter()
            .any(|d| d.message.contains("fetch-depth: 0")),
        "{:#?}",
        scan.model.diagnostics
    );
}

#[test]
fn two_disjoint_coupled_pairs_are_two_clusters() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  a: {image: x/a, environment: {DB: 'postgres://pg/one'}}\n  b: {image: x/b, environment: {DB: 'postgres://pg/one'}}\n  \
         c: {image: x/c, environment: {D_URL: 'http://d'}}\n  d: {image: x/d, environment: {C_URL: 'http://c'}}\n  e: {image: x/e}\n  pg: {image: postgres}\n",
    )
    .expect("write");
    let scan = common::scan_dir(dir.path());
    let clusters: Vec<_> = scan
        .verdict
        .clusters
        .iter()
        .map(|c| c.services.clone())
        .collect();
    assert_eq!(
        clusters,
        vec![
            vec!["a".to_string(), "b".into()],
            vec!["c".into(), "d".into()]
        ]
    );
    assert_eq!(scan.verdict.clusters[0].reasons[0].rule, "shared-database");
    assert_eq!(
        scan.verdict.clusters[1].reasons[0].rule,
        "cyclic-sync-calls"
    );
    assert!(
        scan.verdict
            .line
            .starts_with("4 of 5 services form 2 coupled clusters: distributed-monolith risk HIGH"),
        "{}",
        scan.verdict.line
    );
}

#[test]
fn a_shared_database_across_teams_says_so() {
    let scan =
        common::scan_dir(&common::root().join("fixtures/rules/shared-database/crosses-teams"));
    let f = scan
        .findings
        .iter()
        .find(|f| f.rule == "shared-database")
        .expect("finding");
    assert!(f.crosses_teams);
    assert!(
        f.message
            .ends_with("crosses team boundary: @shop/orders-team, @shop/payments-team")
    );
    let json = monolens::report::render(
        monolens::report::Format::Json,
        &scan.report(),
        Default::default(),
    );
    assert!(json.contains("\"crosses_teams\": true"));
}

#[test]
fn eshop_tag_variable_and_app_depends_on_are_reported() {
    let Some(dir) = common::corpus("eshoponcontainers") else {
        return;
    };
    let scan = common::scan_dir(&dir);
    let lockstep: Vec<_> = scan
        .findings
        .iter()
        .filter(|f| f.rule == "lockstep-deploy")
        .collect();
    let tags: Vec<_> = lockstep
        .iter()
        .filter(|f| f.message.contains("every image tag comes from"))
        .collect();
    assert_eq!(tags.len(), 1, "{tags:#?}");
    assert!(tags[0].message.contains("${TAG}"));
    assert!(tags[0].components.len() >= 10);
    assert!(lockstep.iter().any(|f| {
        f.message
            .starts_with("basket-api starts after identity-api (depends_on)")
    }));
    assert!(
        lockstep
            .iter()
            .any(|f| f.message.starts_with("webspa starts after webshoppingagg"))
    );
}
