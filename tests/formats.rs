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

fn sarif_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("tests/schemas/sarif-2.1.0.json"))
            .expect("schema present"),
    )
    .expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn assert_valid_sarif(text: &str, what: &str) {
    let value: serde_json::Value = serde_json::from_str(text).expect("SARIF is JSON");
    let validator = sarif_validator();
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
