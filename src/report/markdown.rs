//! Markdown for CI job summaries and PR comments: the verdict, the findings table and the
//! coupled clusters.

use super::Report;

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('\n', "<br>")
}

pub fn render(r: &Report, style: super::Style) -> String {
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
    if let Some(picture) = clusters_mermaid(r) {
        out.push_str("\n```mermaid\n");
        out.push_str(&picture);
        out.push_str("```\n");
    }
    if !r.verdict.weak_links.is_empty() {
        out.push_str("\n### Weak links: released together or on one server (not clusters)\n\n");
        for w in &r.verdict.weak_links {
            out.push_str(&format!("- `{}`: {}\n", w.rule, w.message));
        }
    }
    out.push_str(&format!("\n{}\n", super::counts(&s)));
    if style.by_service {
        out.push_str(&services(r));
    }
    if !r.stale.is_empty() {
        out.push_str(&format!("\n**{}**\n\n", super::stale_heading(r)));
        for e in r.stale {
            out.push_str(&format!(
                "- `{}` ({}): {}\n",
                e.rule,
                cell(&e.components.join(", ")),
                cell(&e.message)
            ));
        }
    }
    out
}

/// The most nodes the clusters' Mermaid picture draws: GitHub renders larger ones slowly and
/// refuses very large ones.
const MERMAID_NODES: usize = 40;

/// The coupled clusters as one Mermaid flowchart (a subgraph per cluster, the datastores and
/// brokers its members use beside it), whole clusters only, up to `MERMAID_NODES`.
fn clusters_mermaid(r: &Report) -> Option<String> {
    use super::picture::{self, NodeKind};
    let mut ids: Vec<String> = Vec::new();
    let mut nodes = String::new();
    let mut edges: Vec<(usize, usize, crate::model::EdgeKind, bool)> = Vec::new();
    let mut left_out = 0;
    for i in 0..r.verdict.clusters.len() {
        let Some(g) = picture::cluster(r, i) else {
            left_out += 1;
            continue;
        };
        let new = g.nodes.iter().filter(|n| !ids.contains(&n.id)).count();
        if ids.len() + new > MERMAID_NODES || g.note.is_some() {
            left_out += 1;
            continue;
        }
        let at = |ids: &mut Vec<String>, id: &str| match ids.iter().position(|x| x == id) {
            Some(p) => (p, false),
            None => {
                ids.push(id.to_string());
                (ids.len() - 1, true)
            }
        };
        let mut members = String::new();
        for n in &g.nodes {
            let (k, fresh) = at(&mut ids, &n.id);
            if !fresh {
                continue;
            }
            let text = super::graphviz::mermaid_text(&n.label);
            let shape = match n.kind {
                NodeKind::Component(crate::model::ComponentKind::Datastore) => {
                    format!("[(\"{text}\")]")
                }
                NodeKind::Component(crate::model::ComponentKind::Broker) => {
                    format!("{{{{\"{text}\"}}}}")
                }
                _ => format!("[\"{text}\"]"),
            };
            let line = format!("    n{k}{shape}\n");
            if n.cluster.is_some() {
                members.push_str(&line)
            } else {
                nodes.push_str(&line)
            }
        }
        nodes.push_str(&format!(
            "  subgraph c{0}[\"cluster {0}\"]\n{members}  end\n",
            i + 1
        ));
        for l in &g.lines {
            let from = at(&mut ids, &g.nodes[l.from].id).0;
            let to = at(&mut ids, &g.nodes[l.to].id).0;
            edges.push((from, to, l.kind, l.flagged.is_some()));
        }
    }
    if ids.is_empty() {
        return None;
    }
    edges.sort();
    edges.dedup();
    let mut out = String::from("flowchart LR\n");
    out.push_str(&nodes);
    let mut styles = String::new();
    for (i, (from, to, kind, flagged)) in edges.iter().enumerate() {
        let arrow = match kind {
            crate::model::EdgeKind::Sync | crate::model::EdgeKind::Platform => "-->",
            _ => "-.->",
        };
        out.push_str(&format!("  n{from} {arrow}|{}| n{to}\n", kind.as_str()));
        if *flagged {
            styles.push_str(&format!("  linkStyle {i} stroke:#d00,stroke-width:2px\n"));
        }
    }
    out.push_str(&styles);
    if left_out > 0 {
        out.push_str(&format!(
            "  %% {left_out} more clusters are too large to draw here\n"
        ));
    }
    Some(out)
}

/// The per-service table of `--by-service`.
fn services(r: &Report) -> String {
    let mut out = format!(
        "\n### Services\n\n| {} |\n| --- | --- | --- | ---: | ---: | ---: | ---: |\n",
        super::SERVICE_COLUMNS.join(" | ")
    );
    for row in &r.verdict.services {
        let cells: Vec<String> = super::service_cells(row).iter().map(|c| cell(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}
