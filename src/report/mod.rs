//! Reports: renderers only. Each turns a finished `Report` into text; none computes findings.

pub mod github;
pub mod graphviz;
pub mod html;
pub mod inspect;
pub mod json;
pub mod junit;
pub mod markdown;
mod picture;
pub mod sarif;
pub mod table;

use crate::finding::Finding;
pub(crate) use crate::finding::{names, plural};
use crate::model::{ComponentKind, Model, Severity};

/// Everything a renderer needs.
pub struct Report<'a> {
    pub model: &'a Model,
    pub findings: &'a [Finding],
    pub verdict: &'a crate::verdict::Verdict,
    pub stale: &'a [crate::suppress::BaselineEntry],
    /// `--new-since REV`: `stale` holds the findings of REV that are gone.
    pub since: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Findings table, diagnostics, clusters and verdict for a terminal
    Table,
    /// The whole report: model, findings, verdict (schemas/report.schema.json)
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers
    Sarif,
    /// GitHub Actions annotations (::error file=…::)
    Github,
    /// Graphviz DOT picture of the architecture
    Dot,
    /// Mermaid flowchart of the architecture
    Mermaid,
    /// Markdown for job summaries and PR comments, with a Mermaid picture of the clusters
    Markdown,
    /// JUnit XML for CI test reports: one suite per rule
    Junit,
    /// One self-contained HTML page: verdict, architecture picture, findings, rule docs
    Html,
}

impl Format {
    /// Whether the format can show the per-service table of `--by-service` (JSON always has
    /// it, as `services`).
    pub fn shows_services(self) -> bool {
        matches!(
            self,
            Format::Table | Format::Json | Format::Markdown | Format::Html
        )
    }
}

/// Counts for the summary line and JSON `summary`.
pub struct Summary {
    pub services: usize,
    pub datastores: usize,
    pub brokers: usize,
    pub edges: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
}

impl<'a> Report<'a> {
    /// Active findings, most severe first, then by rule and location (the order a person
    /// reads them in: the table and the HTML page).
    pub fn active_by_severity(&self) -> Vec<&'a Finding> {
        let mut active: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .collect();
        active.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.rule.cmp(b.rule))
                .then(a.location.cmp(&b.location))
        });
        active
    }

    pub fn summary(&self) -> Summary {
        let count_kind =
            |k: ComponentKind| self.model.components.iter().filter(|c| c.kind == k).count();
        let active = |s: Severity| {
            self.findings
                .iter()
                .filter(|f| f.suppressed.is_none() && f.severity == s)
                .count()
        };
        Summary {
            services: self.model.app_services().count(),
            datastores: count_kind(ComponentKind::Datastore),
            brokers: count_kind(ComponentKind::Broker),
            edges: self.model.edges.len(),
            errors: active(Severity::Error),
            warnings: active(Severity::Warning),
            notes: active(Severity::Note),
            suppressed: self
                .findings
                .iter()
                .filter(|f| f.suppressed.is_some())
                .count(),
        }
    }
}

/// The summary line: `3 services, 1 datastore, 0 brokers, 5 edges · 1 error, 2 warnings,
/// 0 notes` and the suppressed count when there are any.
pub fn counts(s: &Summary) -> String {
    let suppressed = if s.suppressed > 0 {
        format!(" ({} suppressed)", s.suppressed)
    } else {
        String::new()
    };
    format!(
        "{}, {}, {}, {} · {}, {}, {}{suppressed}",
        plural(s.services, "service"),
        plural(s.datastores, "datastore"),
        plural(s.brokers, "broker"),
        plural(s.edges, "edge"),
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.notes, "note"),
    )
}

/// The columns of the per-service table (`--by-service`).
pub const SERVICE_COLUMNS: [&str; 7] = [
    "service",
    "owner",
    "datastores",
    "tables owned",
    "sync out/in",
    "async out/in",
    "findings",
];

/// One service's cells under `SERVICE_COLUMNS`, as text for each renderer to escape.
pub fn service_cells(row: &crate::verdict::ServiceRow) -> [String; 7] {
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(", ")
        }
    };
    [
        row.service.clone(),
        list(&row.owners),
        list(&row.datastores),
        row.tables_owned.to_string(),
        format!("{}/{}", row.sync_out, row.sync_in),
        format!("{}/{}", row.async_out, row.async_in),
        row.findings.to_string(),
    ]
}

/// The heading over `Report::stale`: baseline entries nothing matches any more, or, with
/// `--new-since REV`, the findings REV had that this change removed.
pub fn stale_heading(r: &Report) -> String {
    match (r.since, r.stale.len()) {
        (Some(rev), n) => format!("{} of {rev} gone with this change:", plural(n, "finding")),
        (None, 1) => "1 stale baseline entry (no longer found; remove it):".to_string(),
        (None, n) => format!("{n} stale baseline entries (no longer found; remove them):"),
    }
}

/// Presentation switches that do not change what is computed.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// The table format adds the per-service table.
    pub by_service: bool,
    /// Columns the table format fits in (`table::width()`).
    pub width: usize,
}

impl Default for Style {
    /// No colour, no per-service table, `table::DEFAULT_WIDTH` columns.
    fn default() -> Self {
        Style {
            color: false,
            by_service: false,
            width: table::DEFAULT_WIDTH,
        }
    }
}

/// Write the report in `format` to `out`: JSON is serialised straight into it; the other
/// formats are small and rendered first.
pub fn write(
    format: Format,
    report: &Report,
    style: Style,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        _ => out.write_all(render(format, report, style).as_bytes()),
    }
}

pub fn render(format: Format, report: &Report, style: Style) -> String {
    // JSON and SARIF escape control characters themselves; the text formats are made safe
    // here, in one place, so no value from the repository reaches a terminal raw.
    let text = |s: String| crate::visible::lines(&s).into_owned();
    match format {
        Format::Table => table::render(report, style),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => text(github::render(report)),
        Format::Dot => text(graphviz::dot(report)),
        Format::Mermaid => text(graphviz::mermaid(report)),
        Format::Markdown => text(markdown::render(report, style)),
        Format::Junit => text(junit::render(report)),
        // Escapes every value itself (control characters made visible, markup escaped).
        Format::Html => html::render(report, style),
    }
}
