//! JUnit XML for CI systems that show test reports: one suite per rule, one test case per
//! finding (errors and warnings fail, notes pass, suppressed findings are skipped), and a
//! passing case for a rule with no findings.

use super::Report;
use crate::catalog;
use crate::model::Severity;

fn xml(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

pub fn render(r: &Report) -> String {
    let mut suites = String::new();
    let (mut total, mut total_failures, mut total_skipped) = (0, 0, 0);
    for doc in catalog::all() {
        let findings: Vec<_> = r.findings.iter().filter(|f| f.rule == doc.id).collect();
        let mut cases = String::new();
        let (mut failures, mut skipped) = (0, 0);
        if findings.is_empty() {
            cases.push_str(&format!(
                "    <testcase classname=\"monolens.{0}\" name=\"{0}: no findings\"/>\n",
                doc.id
            ));
        }
        for f in &findings {
            let name = xml(&format!(
                "{} [{}] {}",
                f.location,
                f.components.join(", "),
                f.rule
            ));
            cases.push_str(&format!("    <testcase classname=\"monolens.{}\" name=\"{name}\" file=\"{}\" line=\"{}\">\n", doc.id, xml(&crate::model::shown_path(&f.location.file)), f.location.line));
            match (&f.suppressed, f.severity) {
                (Some(s), _) => {
                    skipped += 1;
                    cases.push_str(&format!(
                        "      <skipped message=\"{}\"/>\n",
                        xml(&format!("suppressed: {}", s.justification()))
                    ));
                }
                (None, Severity::Error | Severity::Warning) => {
                    failures += 1;
                    let mut body = f.message.clone();
                    for rel in &f.related {
                        body.push_str(&format!("\n{} {}", rel.location, rel.message));
                    }
                    if f.related_count > f.related.len() {
                        body.push_str(&format!(
                            "\n… and {} more",
                            f.related_count - f.related.len()
                        ));
                    }
                    cases.push_str(&format!(
                        "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                        f.severity.as_str(),
                        xml(&f.message),
                        xml(&body)
                    ));
                }
                (None, Severity::Note) => cases.push_str(&format!(
                    "      <system-out>{}</system-out>\n",
                    xml(&f.message)
                )),
            }
            cases.push_str("    </testcase>\n");
        }
        let count = findings.len().max(1);
        total += count;
        total_failures += failures;
        total_skipped += skipped;
        suites.push_str(&format!(
            "  <testsuite name=\"monolens.{}\" tests=\"{count}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n{cases}  </testsuite>\n",
            doc.id
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"monolens\" tests=\"{total}\" failures=\"{total_failures}\" errors=\"0\" skipped=\"{total_skipped}\">\n{suites}</testsuites>\n"
    )
}
