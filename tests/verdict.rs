//! Glob-driven verdict fixtures: every folder under `fixtures/verdict/<case>/` is a small
//! system with `expected.txt` beside it, holding its verdict line, the reason, the clusters
//! with the strength of each link and the advice, and the weak links. The cases together must
//! span every risk level. `MONOLENS_BLESS=1` rewrites expectations.

mod common;

use monolens::verdict::{Risk, Verdict};
use std::collections::BTreeSet;

fn render(v: &Verdict) -> String {
    let mut out = format!("{}\nreason: {}\n", v.line, v.reason);
    for c in &v.clusters {
        out.push_str(&format!(
            "cluster {} ({})\n",
            c.services.join(", "),
            c.strength.as_str()
        ));
        for r in &c.reasons {
            let sup = if r.suppressed { " (suppressed)" } else { "" };
            out.push_str(&format!("  link {} {}{sup}\n", r.rule, r.strength.as_str()));
        }
        for a in &c.advice {
            out.push_str(&format!("  advice {a}\n"));
        }
    }
    for w in &v.weak_links {
        out.push_str(&format!("weak {} {}\n", w.rule, w.services.join(", ")));
    }
    out
}

#[test]
fn every_verdict_fixture_matches_and_the_cases_span_every_risk() {
    let base = common::root().join("fixtures/verdict");
    let risks = std::cell::RefCell::new(BTreeSet::new());
    let (cases, failures) = common::check_expected(&base, common::dirs_in(&base), |case| {
        let scan = common::scan_dir(case);
        risks.borrow_mut().insert(scan.verdict.risk);
        render(&scan.verdict)
    });
    assert!(cases >= 6, "at least six verdict cases, found {cases}");
    assert!(
        failures.is_empty(),
        "{} verdict fixture(s) differ:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
    let want: BTreeSet<Risk> = [
        Risk::None,
        Risk::Unknown,
        Risk::Low,
        Risk::Medium,
        Risk::High,
    ]
    .into();
    assert_eq!(
        *risks.borrow(),
        want,
        "the cases must span every risk level"
    );
}

/// An adopted baseline silences the findings in CI, not in the verdict: the risk stays, and
/// the line says how many of its findings are baselined.
#[test]
fn a_baseline_keeps_the_verdict_and_says_so() {
    let dir = common::root().join("fixtures/verdict/high-data-and-calls");
    let before = common::scan_dir(&dir);
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("baseline.json");
    let baseline = monolens::suppress::Baseline::from_findings(&before.findings);
    std::fs::write(&file, serde_json::to_string(&baseline).expect("json")).expect("write");
    let opts = monolens::ScanOptions {
        no_history: true,
        baseline: Some(file),
        ..Default::default()
    };
    let after = monolens::scan(
        monolens::Input::Dir(&dir),
        &monolens::config::Config::default(),
        &opts,
    )
    .expect("scan");
    assert!(after.findings.iter().all(|f| f.suppressed.is_some()));
    assert_eq!(after.verdict.risk, before.verdict.risk);
    assert_eq!(after.verdict.risk, Risk::High);
    let tying = after.verdict.suppressed_findings;
    assert!(tying >= 2, "{}", after.verdict.line);
    assert!(
        after.verdict.line.ends_with(&format!(
            "({tying} of the findings behind it are baselined or suppressed)"
        )),
        "{}",
        after.verdict.line
    );
}

/// UNKNOWN points at what to do next, and leaves the exit code alone.
#[test]
fn unknown_points_at_inspect_and_the_patterns_guide() {
    let dir = common::root().join("fixtures/verdict/unknown-too-little");
    for format in ["table", "markdown"] {
        let out = assert_cmd::Command::cargo_bin("monolens")
            .expect("binary built")
            .args(["scan", "--no-history", "-q", "--format", format])
            .arg(&dir)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{format}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("risk UNKNOWN"), "{format}: {text}");
        assert!(text.contains("monolens inspect"), "{format}: {text}");
        assert!(
            text.contains("Teach monolens your clients"),
            "{format}: {text}"
        );
    }
}
