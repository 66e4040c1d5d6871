//! The rule catalog and the rule implementations stay 1:1, every rule is documented, and
//! every rule has a fixture that fires it and a near-miss that does not.

mod common;

use monolens::{catalog, rules};
use std::collections::BTreeSet;

#[test]
fn every_rule_has_docs_and_a_unique_id() {
    let ids: Vec<&str> = rules::RULES.iter().map(|r| r.id).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "duplicate rule id in {ids:?}");
    let documented: BTreeSet<&str> = catalog::all().iter().map(|d| d.id.as_str()).collect();
    assert_eq!(unique, documented, "rules and rules/*.yaml differ");
    for d in catalog::all() {
        assert!(
            d.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{} is not kebab-case",
            d.id
        );
        for (field, text) in [
            ("title", &d.title),
            ("summary", &d.summary),
            ("what", &d.what),
            ("why", &d.why),
            ("example", &d.example),
            ("fix", &d.fix),
        ] {
            assert!(!text.trim().is_empty(), "{}: empty {field}", d.id);
        }
        // A security rule says how severe for GitHub's security view; no other rule does.
        match d.kind {
            catalog::RuleKind::Security => assert!(
                d.security_severity
                    .is_some_and(|s| (0.1..=10.0).contains(&s)),
                "{}: a security rule needs a security-severity from 0.1 to 10",
                d.id
            ),
            catalog::RuleKind::Architecture => assert!(
                d.security_severity.is_none(),
                "{}: security-severity on an architecture rule",
                d.id
            ),
        }
        assert!(
            !catalog::principle(d).is_empty(),
            "{}: principle {} unknown",
            d.id,
            d.principle
        );
        let md = d.markdown();
        for section in [
            "### What it does",
            "### Why it matters",
            "### Example",
            "### How to fix",
            "### Options",
        ] {
            assert!(md.contains(section), "{}: docs lack {section}", d.id);
        }
    }
}

/// Rules whose input is git history, which a fixture folder in this repository cannot carry:
/// their firing case and near-miss are built as real repositories by these test files.
const HISTORY_RULES: &[(&str, &str)] = &[("co-change-coupling", "tests/deployability.rs")];

#[test]
fn every_option_default_is_valid_for_its_kind() {
    for rule in monolens::catalog::all() {
        for o in &rule.options {
            let value = serde_json::Value::String(o.default.clone());
            assert!(
                o.kind.check(&value).is_ok(),
                "{}: default `{}` of `{}` is not {}",
                rule.id,
                o.default,
                o.name,
                o.kind.describe()
            );
        }
    }
}

#[test]
fn every_rule_has_a_firing_fixture_and_a_near_miss() {
    let base = common::root().join("fixtures/rules");
    for rule in rules::RULES {
        if let Some((_, file)) = HISTORY_RULES.iter().find(|(id, _)| *id == rule.id) {
            let text = std::fs::read_to_string(common::root().join(file)).expect("test file");
            assert!(
                text.contains(rule.id) && text.contains("fn co_change_"),
                "{} has no history test in {file}",
                rule.id
            );
            continue;
        }
        let dir = base.join(rule.id);
        assert!(dir.is_dir(), "no fixtures for {}", rule.id);
        let mut fires = false;
        let mut misses = false;
        for case in std::fs::read_dir(&dir).expect("readable") {
            let expected =
                std::fs::read_to_string(case.expect("readable").path().join("expected.txt"))
                    .unwrap_or_default();
            let hit = expected
                .lines()
                .any(|l| l.split_whitespace().nth(1) == Some(rule.id));
            fires |= hit;
            misses |= !hit;
        }
        assert!(fires, "{}: no fixture fires it", rule.id);
        assert!(misses, "{}: no near-miss fixture", rule.id);
    }
}
