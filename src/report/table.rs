//! The terminal report: a findings table (comfy-table), diagnostics and a summary line.

use super::Report;
use comfy_table::{Cell, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

pub fn render(r: &Report, style: super::Style) -> String {
    let color = style.color;
    let mut out = String::new();
    let active: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    if !active.is_empty() {
        let mut table = Table::new();
        table.load_style(UTF8_FULL_CONDENSED);
        table.set_content_arrangement(ContentArrangement::Dynamic);
        table.set_width(120);
        // Colour is added after the text is made safe, so the only escapes are our own.
        table.force_no_tty();
        table.set_header(vec!["severity", "rule", "location", "message"]);
        for f in &active {
            let sev = Cell::new(f.severity.as_str());
            let mut message = f.message.clone();
            if let Some(d) = &f.detail {
                message.push('\n');
                message.push_str(d.trim_end());
            }
            for rel in f.related.iter().take(5) {
                message.push_str(&format!("\n  ↳ {} {}", rel.location, rel.message));
            }
            if f.related_count > 5 {
                message.push_str(&format!("\n  ↳ … {} more", f.related_count - 5));
            }
            table.add_row(vec![
                sev,
                Cell::new(f.rule),
                Cell::new(f.location.to_string()),
                Cell::new(message),
            ]);
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }
    if !r.model.diagnostics.is_empty() {
        out.push_str(&format!("\n{} diagnostics:\n", r.model.diagnostics.len()));
        for d in r.model.diagnostics.iter().take(20) {
            out.push_str(&format!(
                "  {}:{}: {}: {}\n",
                d.file,
                d.line,
                d.severity.as_str(),
                d.message
            ));
        }
        if r.model.diagnostics.len() > 20 {
            out.push_str(&format!(
                "  … {} more (see --format json)\n",
                r.model.diagnostics.len() - 20
            ));
        }
    }
    if !r.stale.is_empty() {
        out.push_str(&format!(
            "\n{} stale baseline entries (no longer found; remove them):\n",
            r.stale.len()
        ));
        for e in r.stale {
            out.push_str(&format!(
                "  {} {} [{}] {}\n",
                e.fingerprint,
                e.rule,
                e.components.join(", "),
                e.message
            ));
        }
    }
    if style.by_service {
        out.push('\n');
        out.push_str(&services_table(r));
        out.push('\n');
    }
    if !r.verdict.clusters.is_empty() {
        out.push_str("\nCoupled clusters (deployment units in disguise):\n");
        for (i, c) in r.verdict.clusters.iter().enumerate() {
            out.push_str(&format!(
                "  {}. {} ({})\n",
                i + 1,
                c.services.join(", "),
                c.strength.as_str()
            ));
            for reason in &c.reasons {
                out.push_str(&format!(
                    "     - {} [{}]: {}\n",
                    reason.rule,
                    reason.strength.as_str(),
                    reason.message
                ));
            }
            for line in &c.advice {
                out.push_str(&format!("     → {line}\n"));
            }
        }
    }
    if !r.verdict.weak_links.is_empty() {
        out.push_str("\nWeak links: released together or on one server (not clusters):\n");
        for w in &r.verdict.weak_links {
            out.push_str(&format!("  - {}: {}\n", w.rule, w.message));
        }
    }
    out.push('\n');
    out.push_str(&super::counts(&r.summary()));
    out.push('\n');
    out.push_str(&format!("{}\n", r.verdict.line));
    if r.verdict.risk == crate::verdict::Risk::Unknown {
        out.push_str(UNKNOWN_HINT);
    }
    let out = crate::visible::lines(&out).into_owned();
    if color { paint_severities(&out) } else { out }
}

/// ANSI colour for the severity column: the first cell of a findings row.
fn paint_severities(text: &str) -> String {
    const PAINT: &[(&str, &str)] = &[("error", "31"), ("warning", "33"), ("note", "34")];
    let mut out = String::with_capacity(text.len() + 256);
    for line in text.split_inclusive('\n') {
        let rest = line.strip_prefix("│ ");
        let hit = rest.and_then(|r| {
            PAINT
                .iter()
                .find(|(word, _)| r.strip_prefix(word).is_some_and(|t| t.starts_with(' ')))
        });
        match (rest, hit) {
            (Some(r), Some((word, code))) => {
                out.push_str("│ \x1b[");
                out.push_str(code);
                out.push('m');
                out.push_str(word);
                out.push_str("\x1b[0m");
                out.push_str(&r[word.len()..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// Where to look when the scan saw too little.
pub(super) const UNKNOWN_HINT: &str = "Run `monolens inspect <service>` to see what was read for a service, and teach monolens \
your clients (README, \"Teach monolens your clients\"; `monolens explain patterns`).\n";

fn services_table(r: &Report) -> String {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.force_no_tty();
    table.set_header(vec![
        "service",
        "owner",
        "datastores",
        "tables owned",
        "sync out/in",
        "async out/in",
        "findings",
    ]);
    for row in &r.verdict.services {
        table.add_row(vec![
            row.service.clone(),
            if row.owners.is_empty() {
                "-".into()
            } else {
                row.owners.join(", ")
            },
            if row.datastores.is_empty() {
                "-".into()
            } else {
                row.datastores.join(", ")
            },
            row.tables_owned.to_string(),
            format!("{}/{}", row.sync_out, row.sync_in),
            format!("{}/{}", row.async_out, row.async_in),
            row.findings.to_string(),
        ]);
    }
    table.to_string()
}
