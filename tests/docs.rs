//! Generated documents stay in sync with the catalog and the config: docs/rules.md and the
//! JSON Schema of monolens.yaml. `MONOLENS_BLESS=1 cargo test --test docs` rewrites them.

mod common;

fn check(rel: &str, generated: &str) {
    let path = common::root().join(rel);
    if std::env::var_os("MONOLENS_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, generated).expect("write");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{rel} is stale: run MONOLENS_BLESS=1 cargo test --test docs"
    );
}

#[test]
fn rules_md_is_generated_from_the_catalog() {
    check("docs/rules.md", &monolens::catalog::rules_markdown());
}

#[test]
fn principles_md_is_generated_from_the_catalog() {
    check(
        "docs/principles.md",
        &monolens::catalog::principles_markdown(),
    );
}

#[test]
fn verdict_md_is_generated_from_the_scale_and_catalog() {
    check("docs/verdict.md", &monolens::verdict::scale_markdown());
}

#[test]
fn config_schema_is_generated_and_in_sync() {
    let schema = monolens::config::json_schema();
    let mut text = serde_json::to_string_pretty(&schema).expect("json");
    text.push('\n');
    check("schemas/monolens.schema.json", &text);
}

/// A config using every key: the schema accepts it and so does the loader; an unknown key is
/// refused by both.
#[test]
fn schema_and_loader_agree() {
    let full = "exclude: [legacy/**]\ninclude-tests: true\nservices: {src/Ordering: ordering-api}\nplatform: [config]\nsidecars: [my-agent]\nhistory: false\n\
                rules:\n  deep-sync-chain: {severity: error, max-depth: 4}\n  co-change-coupling: {min-degree: 60%}\n\
                allow:\n  - {rule: shared-database, components: [a, b], reason: legacy}\n";
    let validator =
        jsonschema::validator_for(&monolens::config::json_schema()).expect("schema compiles");
    let as_json: serde_json::Value = serde_saphyr::from_str(full).expect("yaml");
    assert!(
        validator.is_valid(&as_json),
        "{:?}",
        validator
            .iter_errors(&as_json)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("monolens.yaml");
    std::fs::write(&path, full).expect("write");
    monolens::config::Config::load(&path).expect("loader accepts every schema key");
    for bad in [
        "colour: true\n",
        "rules:\n  deep-sync-chain: {max-deep: 4}\n",
        "allow:\n  - {rule: shared-database, components: [a]}\n",
    ] {
        let v: serde_json::Value = serde_saphyr::from_str(bad).expect("yaml");
        assert!(!validator.is_valid(&v), "schema accepted {bad}");
        std::fs::write(&path, bad).expect("write");
        assert!(
            monolens::config::Config::load(&path).is_err(),
            "loader accepted {bad}"
        );
    }
}
