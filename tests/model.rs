//! Glob-driven model fixtures: every folder under `fixtures/model/<case>/` is a small
//! repository with `expected.txt` beside its files, holding what resolution made of it: each
//! component with its kind and the reason, which service owns which folder, the variants and
//! the edges. Adding a case needs no Rust edits; `MONOLENS_BLESS=1` rewrites expectations.

mod common;

use monolens::model::{Confidence, Model};
use std::fs;

fn render(m: &Model) -> String {
    let mut out = String::new();
    for v in &m.variants {
        out.push_str(&format!("variant {v}\n"));
    }
    for c in &m.components {
        let r = &c.kind_reason;
        let others: Vec<&str> = c
            .names
            .iter()
            .map(String::as_str)
            .filter(|n| *n != c.id.to_ascii_lowercase())
            .collect();
        let aka = if others.is_empty() {
            String::new()
        } else {
            format!(" (also {})", others.join(", "))
        };
        out.push_str(&format!(
            "component {}{aka} {} [{}] {} @ {}\n",
            c.id,
            c.kind.as_str(),
            r.rule,
            r.detail,
            r.location
        ));
    }
    for (dir, svc) in &m.service_dirs {
        out.push_str(&format!("owns {dir} -> {svc}\n"));
    }
    for e in &m.edges {
        let what = e.topic.as_deref().or(e.database.as_deref()).unwrap_or("");
        let scope = e.scope.names();
        let scope = if scope.is_empty() {
            String::new()
        } else {
            format!(" in {}", scope.join(", "))
        };
        let confidence = match e.confidence {
            Confidence::Configured => " configured",
            Confidence::Used => "",
        };
        out.push_str(&format!(
            "edge {} -> {} {} {what}{scope}{confidence}\n",
            e.from,
            e.to,
            e.kind.as_str()
        ));
    }
    out
}

#[test]
fn every_model_fixture_matches_its_expected_output() {
    let base = common::root().join("fixtures/model");
    let bless = std::env::var_os("MONOLENS_BLESS").is_some();
    let mut failures = Vec::new();
    let mut cases = 0;
    for case in fs::read_dir(&base).expect("fixtures/model exists") {
        let case = case.expect("readable").path();
        if !case.is_dir() {
            continue;
        }
        cases += 1;
        let got = render(&common::scan_dir(&case).model);
        let expected_path = case.join("expected.txt");
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            if bless {
                fs::write(&expected_path, &got).expect("writable");
            } else {
                failures.push(format!(
                    "{}\n--- expected\n{expected}--- got\n{got}",
                    case.file_name().unwrap_or_default().to_string_lossy()
                ));
            }
        }
    }
    assert!(cases > 0, "no model fixture cases found");
    assert!(
        failures.is_empty(),
        "{} model fixture(s) differ:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}
