//! Markdown for CI job summaries and PR comments: the verdict, the findings table and the
//! coupled clusters.

use super::Report;

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('\n', "<br>")
}

pub fn render(r: &Report) -> String {
    let s = r.summary();
    let mut out = format!("## monolens\n\n**{}**\n\n", r.verdict.line);
    if r.verdict.risk == crate::verdict::Risk::Unknown {
        out.push_str(super::table::UNKNOWN_HINT);
        out.push('\n');
    }
    let active: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    if active.is_empty() {
        out.push_str("No findings.\n");
    } else {
        out.push_str("| severity | rule | location | message |\n| --- | --- | --- | --- |\n");
        for f in active {
            out.push_str(&format!(
                "| {} | `{}` | `{}` | {} |\n",
                f.severity.as_str(),
                f.rule,
                cell(&f.location.to_string()),
                cell(&f.message)
            ));
        }
    }
    if !r.verdict.clusters.is_empty() {
        out.push_str("\n### Coupled clusters (deployment units in disguise)\n\n");
        for (i, c) in r.verdict.clusters.iter().enumerate() {
            out.push_str(&format!(
                "{}. **{}** ({})\n",
                i + 1,
                c.services.join(", "),
                c.strength.as_str()
            ));
            for reason in &c.reasons {
                out.push_str(&format!(
                    "   - `{}` ({}): {}\n",
                    reason.rule,
                    reason.strength.as_str(),
                    reason.message
                ));
            }
            for line in &c.advice {
                out.push_str(&format!("   - → {line}\n"));
            }
        }
    }
    if !r.verdict.weak_links.is_empty() {
        out.push_str("\n### Weak links: released together or on one server (not clusters)\n\n");
        for w in &r.verdict.weak_links {
            out.push_str(&format!("- `{}`: {}\n", w.rule, w.message));
        }
    }
    out.push_str(&format!(
        "\n{} services, {} datastores, {} brokers, {} edges · {} errors, {} warnings, {} notes, {} suppressed\n",
        s.services, s.datastores, s.brokers, s.edges, s.errors, s.warnings, s.notes, s.suppressed
    ));
    if !r.stale.is_empty() {
        out.push_str(&format!(
            "\n{} stale baseline entries: remove them from the baseline.\n",
            r.stale.len()
        ));
    }
    out
}
