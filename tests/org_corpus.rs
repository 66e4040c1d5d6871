//! Several unrelated real systems scanned as one (`scan A B C`): they share names (`frontend`,
//! `kafka`, `orders`, `identity-api`, `rabbitmq`) but nothing else, so the union must find
//! exactly what each finds alone — per rule and per repository. This is the check that names
//! across repositories stay apart unless something says they are one, that folders and brokers
//! are looked for in a service's own repository, and that repositories are parts of one
//! system rather than variants of each other.

mod common;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn scan(dirs: &[PathBuf]) -> Value {
    common::scan_json(dirs, &[])
}

/// (rule, repository) → findings, the repository being `alone` or the first path segment.
fn counts(json: &Value, alone: Option<&str>) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for f in json["findings"].as_array().unwrap() {
        let file = f["location"]["file"].as_str().unwrap_or_default();
        let repo = alone.unwrap_or_else(|| file.split('/').next().unwrap_or_default());
        let rule = f["rule"].as_str().unwrap().to_string();
        *out.entry((rule, repo.to_string())).or_default() += 1;
    }
    out
}

#[test]
fn unrelated_systems_together_find_what_each_finds_alone() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    if dirs.len() < 2 {
        eprintln!("skipped: the corpus is not beside this checkout");
        return;
    }
    let mut alone = BTreeMap::new();
    for d in &dirs {
        let name = d.file_name().unwrap().to_str().unwrap().to_string();
        alone.extend(counts(&scan(std::slice::from_ref(d)), Some(&name)));
    }
    let together = scan(&dirs);
    assert_eq!(counts(&together, None), alone);
    // The names they share are kept apart, each with its decision.
    let apart = together["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["identity"]["rule"] == "apart")
        .count();
    assert!(apart >= 10, "only {apart} components kept apart");
    // The report with identity decisions still matches its schema.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas/report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&together)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .take(5)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}
