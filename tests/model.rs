//! Glob-driven model fixtures: every folder under `fixtures/model/<case>/` is a small
//! repository with `expected.txt` beside its files, holding what resolution made of it: each
//! component with its kind and the reason, which service owns which folder, the variants, the
//! edges, and the policy that protects each protected call. Adding a case needs no Rust edits;
//! `MONOLENS_BLESS=1` rewrites expectations.

mod common;

use monolens::model::{Confidence, Model};

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
    for ((from, to), ev) in &m.protected_calls {
        out.push_str(&format!(
            "protected {from} -> {to} by {} @ {}\n",
            ev.text, ev.location
        ));
    }
    for d in &m.diagnostics {
        out.push_str(&format!(
            "diagnostic {}:{} {}: {}\n",
            d.file,
            d.line,
            d.severity.as_str(),
            d.message
        ));
    }
    out
}

#[test]
fn every_model_fixture_matches_its_expected_output() {
    let base = common::root().join("fixtures/model");
    let (cases, failures) = common::check_expected(&base, common::dirs_in(&base), |case| {
        render(&common::scan_dir(case).model)
    });
    assert!(cases > 0, "no model fixture cases found");
    assert!(
        failures.is_empty(),
        "{} model fixture(s) differ:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}
