//! Suppression: an allow entry, an inline ignore, a k8s annotation and a baseline each remove
//! exactly the findings they name; unused allow entries and stale baseline entries are reported.

mod common;

use assert_cmd::Command;
use std::fs;
use std::path::Path;

// Both callers configure a timeout, so unprotected-sync-call stays out of these tests.
const COMPOSE: &str = "services:
  orders:
    image: acme/orders
    environment:
      DATABASE_URL: postgres://pg/shop
      HTTP_CLIENT_TIMEOUT: 2s
      PAYMENTS_URL: http://payments:8080
  billing:
    image: acme/billing
    environment:
      DATABASE_URL: postgres://pg/shop
  payments:
    image: acme/payments
    environment:
      HTTP_CLIENT_TIMEOUT: 2s
      ORDERS_URL: http://orders:8080
  pg:
    image: postgres:16
";

fn repo(compose: &str, config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("docker-compose.yml"), compose).expect("write");
    if let Some(c) = config {
        fs::write(dir.path().join("monolens.yaml"), c).expect("write");
    }
    dir
}

/// (rule, suppressed) for every finding, sorted.
fn outcome(dir: &Path) -> Vec<(String, bool)> {
    let mut v: Vec<(String, bool)> = common::scan_dir(dir)
        .findings
        .iter()
        .map(|f| (f.rule.to_string(), f.suppressed.is_some()))
        .collect();
    v.sort();
    v
}

#[test]
fn without_suppression_both_findings_are_active() {
    let dir = repo(COMPOSE, None);
    assert_eq!(
        outcome(dir.path()),
        vec![
            ("cyclic-sync-calls".into(), false),
            ("shared-database".into(), false)
        ]
    );
}

#[test]
fn an_allow_entry_removes_exactly_its_finding_and_an_unused_one_is_reported() {
    let config = "allow:\n  - rule: shared-database\n    components: [orders, billing]\n    reason: legacy schema, split planned for Q3\n  - rule: shared-database\n    components: [orders, users]\n    reason: stale\n";
    let dir = repo(COMPOSE, Some(config));
    assert_eq!(
        outcome(dir.path()),
        vec![
            ("cyclic-sync-calls".into(), false),
            ("shared-database".into(), true)
        ]
    );
    let scan = common::scan_dir(dir.path());
    let unused = scan
        .model
        .diagnostics
        .iter()
        .find(|d| d.message.contains("matches no finding"))
        .expect("unused allow reported");
    assert_eq!((unused.file.as_str(), unused.line), ("monolens.yaml", 5));
    let json = monolens::report::render(
        monolens::report::Format::Json,
        &scan.report(),
        Default::default(),
    );
    assert!(json.contains("legacy schema, split planned for Q3"));
    let sarif = monolens::report::render(
        monolens::report::Format::Sarif,
        &scan.report(),
        Default::default(),
    );
    assert!(sarif.contains("\"suppressions\"") && sarif.contains("\"kind\": \"external\""));
}

#[test]
fn an_allow_entry_needs_a_reason() {
    let dir = repo(
        COMPOSE,
        Some(
            "allow:\n  - rule: shared-database\n    components: [orders, billing]\n    reason: ''\n",
        ),
    );
    let out = Command::cargo_bin("monolens")
        .expect("bin")
        .args(["scan", "--no-history", &dir.path().display().to_string()])
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("needs a reason"));
}

#[test]
fn an_inline_ignore_removes_exactly_its_finding() {
    let commented = COMPOSE.replace(
        "      PAYMENTS_URL",
        "      # monolens:ignore cyclic-sync-calls -- payments moves to events next sprint\n      PAYMENTS_URL",
    );
    let dir = repo(&commented, None);
    assert_eq!(
        outcome(dir.path()),
        vec![
            ("cyclic-sync-calls".into(), true),
            ("shared-database".into(), false)
        ]
    );
    let scan = common::scan_dir(dir.path());
    let sarif = monolens::report::render(
        monolens::report::Format::Sarif,
        &scan.report(),
        Default::default(),
    );
    assert!(
        sarif.contains("\"kind\": \"inSource\"")
            && sarif.contains("payments moves to events next sprint")
    );
}

#[test]
fn a_k8s_annotation_removes_its_rule_for_that_workload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = fs::read_to_string(
        common::root()
            .join("fixtures/rules/lockstep-deploy/two-app-containers-in-one-pod/pod.yaml"),
    )
    .expect("fixture");
    assert_eq!(
        outcome(
            &common::root().join("fixtures/rules/lockstep-deploy/two-app-containers-in-one-pod")
        ),
        vec![("lockstep-deploy".into(), false)]
    );
    let annotated = src.replacen(
        "metadata:\n  name: orders\n",
        "metadata:\n  name: orders\n  annotations:\n    monolens.dev/ignore: lockstep-deploy\n",
        1,
    );
    fs::write(dir.path().join("pod.yaml"), annotated).expect("write");
    assert_eq!(outcome(dir.path()), vec![("lockstep-deploy".into(), true)]);
}

fn monolens(dir: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec![
        "scan".to_string(),
        "--no-history".into(),
        dir.display().to_string(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = Command::cargo_bin("monolens")
        .expect("bin")
        .env("NO_COLOR", "1")
        .args(&args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_baseline_keeps_old_findings_quiet_survives_line_moves_and_reports_stale_entries() {
    let dir = repo(COMPOSE, None);
    let d = dir.path();
    let baseline = d.join(".monolens-baseline.json");
    Command::cargo_bin("monolens")
        .expect("bin")
        .args([
            "baseline",
            "--no-history",
            &d.display().to_string(),
            "--output",
            &baseline.display().to_string(),
        ])
        .assert()
        .code(0);
    let b = baseline.display().to_string();
    let (code, _) = monolens(d, &["--baseline", &b]);
    assert_eq!(code, 0, "both findings are in the baseline");
    // Lines move: fingerprints are semantic, so nothing new appears.
    fs::write(
        d.join("docker-compose.yml"),
        format!("# header\n\n\n{COMPOSE}"),
    )
    .expect("write");
    assert_eq!(monolens(d, &["--baseline", &b]).0, 0);
    // A new coupling appears: only it fails the build.
    let grown = COMPOSE.replace("  pg:\n", "  audit:\n    image: acme/audit\n    environment:\n      DATABASE_URL: postgres://pg/shop\n  pg:\n");
    fs::write(d.join("docker-compose.yml"), &grown).expect("write");
    let (code, json) = monolens(d, &["--baseline", &b]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let active: Vec<_> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["suppressed"] == false)
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(
        active[0]["components"],
        serde_json::json!(["audit", "billing", "orders"])
    );
    // The cycle goes away: its entry is stale, which --fail-on-stale turns into a failure.
    let fixed = COMPOSE.replace("      ORDERS_URL: http://orders:8080\n", "");
    fs::write(d.join("docker-compose.yml"), &fixed).expect("write");
    let (code, json) = monolens(d, &["--baseline", &b]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["stale_baseline"].as_array().expect("stale").len(), 1);
    assert_eq!(v["stale_baseline"][0]["rule"], "cyclic-sync-calls");
    assert_eq!(monolens(d, &["--baseline", &b, "--fail-on-stale"]).0, 1);
}
