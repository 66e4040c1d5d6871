//! Glob-driven fixture tests: every folder under `fixtures/rules/<rule>/<case>/` is a small
//! repository with `expected.txt` beside its files. Adding a case needs no Rust edits.
//! Run with `MONOLENS_BLESS=1` to rewrite the expectations after reviewing a change.

mod common;

#[test]
fn every_fixture_matches_its_expected_output() {
    let base = common::root().join("fixtures/rules");
    let rules = common::dirs_in(&base);
    let cases = rules.iter().flat_map(|rule| common::dirs_in(rule));
    let (cases, failures) = common::check_expected(&base, cases, |case| {
        common::compact(&common::scan_dir(case))
    });
    assert!(cases > 0, "no fixture cases found");
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}
