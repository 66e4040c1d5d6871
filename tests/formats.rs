//! Snapshots of every output format on the demo, SARIF validated against the SARIF 2.1.0
//! schema (the demo and every corpus system), and secrets redacted in every format.

mod common;

use monolens::report::{self, Format, Style};

fn render(format: Format) -> String {
    let dir = common::root().join("fixtures/demo");
    let scan = common::scan_dir(&dir);
    // The checkout's absolute path is not part of the output's meaning.
    report::render(format, &scan.report(), Style::default())
        .replace(&dir.display().to_string(), "<root>/fixtures/demo")
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!(render(Format::Table));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(render(Format::Json));
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!(render(Format::Sarif));
}

#[test]
fn github_snapshot() {
    insta::assert_snapshot!(render(Format::Github));
}

fn assert_valid_sarif(text: &str, what: &str) {
    let value: serde_json::Value = serde_json::from_str(text).expect("SARIF is JSON");
    let validator = common::sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: SARIF schema errors:\n{}",
        errors.join("\n")
    );
    let run = &value["runs"][0];
    assert!(
        run["results"].is_array(),
        "{what}: results must always be an array"
    );
    for rule in run["tool"]["driver"]["rules"].as_array().expect("rules") {
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(
                rule[key]["text"].is_string(),
                "{what}: rule {} lacks {key}",
                rule["id"]
            );
        }
    }
}

#[test]
fn demo_sarif_is_valid() {
    assert_valid_sarif(&render(Format::Sarif), "demo");
}

#[test]
fn empty_sarif_is_valid_and_has_results() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scan = common::scan_dir(dir.path());
    let text = report::render(Format::Sarif, &scan.report(), Style::default());
    assert_valid_sarif(&text, "empty");
    assert!(text.contains("\"results\": []"));
}

#[test]
fn corpus_sarif_is_valid() {
    for name in ["eshoponcontainers", "ftgo", "sock-shop", "online-boutique"] {
        let Some(dir) = common::corpus(name) else {
            continue;
        };
        let scan = common::scan_dir(&dir);
        let text = report::render(Format::Sarif, &scan.report(), Style::default());
        assert_valid_sarif(&text, name);
    }
}

#[test]
fn passwords_never_reach_any_output() {
    for format in [Format::Table, Format::Json, Format::Sarif, Format::Github] {
        let text = render(format);
        for secret in ["b1ll1ng", "orders-secret"] {
            assert!(!text.contains(secret), "{format:?} leaks {secret}");
        }
    }
    let corpus = common::corpus("eshoponcontainers");
    if let Some(dir) = corpus {
        let scan = common::scan_dir(&dir);
        let text = report::render(Format::Json, &scan.report(), Style::default());
        assert!(!text.contains("Pass@word"), "eShop's sa password leaked");
        assert!(text.contains("Password=***"));
    }
}

/// The JSON report matches `schemas/report.schema.json` on the demo, every corpus system and
/// every rule fixture (which between them have suppressed findings and diagnostics).
#[test]
fn json_matches_its_schema_everywhere() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("schemas/report.schema.json"))
            .expect("schema present"),
    )
    .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let mut dirs = vec![common::root().join("fixtures/demo")];
    let corpus = common::root().join("../shared/corpus");
    if corpus.is_dir() {
        dirs.extend(common::dirs_in(&corpus));
    } else {
        eprintln!("../shared/corpus is not here: the schema is checked on fixtures only");
    }
    for rule in common::dirs_in(&common::root().join("fixtures/rules")) {
        dirs.extend(common::dirs_in(&rule));
    }
    dirs.extend(common::dirs_in(&common::root().join("fixtures/verdict")));
    let mut scans: Vec<(String, monolens::Scan)> = dirs
        .iter()
        .map(|d| (d.display().to_string(), common::scan_dir(d)))
        .collect();
    // Every kind of suppression and a stale baseline entry.
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    common::copy_dir(&common::root().join("fixtures/demo"), &repo);
    // Above the demo's first plaintext password (line 24).
    let compose = std::fs::read_to_string(repo.join("docker-compose.yml")).expect("compose");
    let mut lines: Vec<&str> = compose.lines().collect();
    lines.insert(
        23,
        "      # monolens:ignore plaintext-credentials -- demo values",
    );
    std::fs::write(repo.join("docker-compose.yml"), lines.join("\n") + "\n").expect("write");
    let first = common::scan_dir(&repo);
    let active: Vec<_> = first
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .take(1)
        .cloned()
        .collect();
    let mut baseline = monolens::suppress::Baseline::from_findings(&active);
    baseline.findings.push(monolens::suppress::BaselineEntry {
        fingerprint: "0000000000000000".into(),
        rule: "shared-database".into(),
        components: vec!["gone".into()],
        message: "no longer found".into(),
    });
    let file = tmp.path().join("baseline.json");
    std::fs::write(&file, serde_json::to_string(&baseline).expect("json")).expect("write");
    let opts = monolens::ScanOptions {
        no_history: true,
        baseline: Some(file),
        ..Default::default()
    };
    let config = monolens::config::Config::default();
    let with_baseline = monolens::scan(monolens::Input::Dir(&repo), &config, &opts).expect("scan");
    assert!(!with_baseline.stale.is_empty());
    scans.push(("demo with a baseline".into(), with_baseline));
    let mut kinds = std::collections::BTreeSet::new();
    let mut checked = 0;
    for (what, scan) in scans {
        for f in &scan.findings {
            if let Some(s) = &f.suppressed {
                kinds.insert(serde_json::to_value(s).expect("json")["kind"].to_string());
            }
        }
        let text = report::render(Format::Json, &scan.report(), Style::default());
        let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .take(5)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{what}: {}", errors.join("\n"));
        checked += 1;
    }
    assert!(checked > 10, "only {checked} reports checked");
    assert!(kinds.len() >= 3, "suppression kinds seen: {kinds:?}");
}
