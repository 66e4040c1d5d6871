//! Glob-driven fixture tests: every folder under `fixtures/rules/<rule>/<case>/` is a small
//! repository with `expected.txt` beside its files. Adding a case needs no Rust edits.
//! Run with `MONOLENS_BLESS=1` to rewrite the expectations after reviewing a change.

mod common;

use std::fs;

#[test]
fn every_fixture_matches_its_expected_output() {
    let base = common::root().join("fixtures/rules");
    let bless = std::env::var_os("MONOLENS_BLESS").is_some();
    let mut failures = Vec::new();
    let mut cases = 0;
    for rule in fs::read_dir(&base).expect("fixtures/rules exists") {
        let rule = rule.expect("readable").path();
        for case in fs::read_dir(&rule).expect("readable rule folder") {
            let case = case.expect("readable").path();
            if !case.is_dir() {
                continue;
            }
            cases += 1;
            let got = common::compact(&common::scan_dir(&case));
            let expected_path = case.join("expected.txt");
            let expected = fs::read_to_string(&expected_path).unwrap_or_default();
            if got != expected {
                if bless {
                    fs::write(&expected_path, &got).expect("writable");
                } else {
                    failures.push(format!(
                        "{}\n--- expected\n{expected}--- got\n{got}",
                        case.strip_prefix(&base).unwrap_or(&case).display()
                    ));
                }
            }
        }
    }
    assert!(cases > 0, "no fixture cases found");
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}
