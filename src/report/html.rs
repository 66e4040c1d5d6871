//! The HTML report: one self-contained file (inline CSS, SVG and script, nothing fetched)
//! with the verdict, the architecture picture, the coupled clusters, the findings (filterable
//! by rule and severity) and the documentation of every rule that fired.

use super::{Report, picture};
use crate::finding::Finding;
use crate::model::Severity;
use std::collections::BTreeSet;
use std::fmt::Write as _;

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");
/// Related locations shown under a finding (the JSON has up to `MAX_RELATED`).
const RELATED_SHOWN: usize = 10;

/// Text for HTML: control characters made visible, then `& < > " '` escaped.
pub fn escape(s: &str) -> String {
    let s = crate::visible::one_line(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Several lines of text: each escaped, joined by `<br>`.
fn escape_lines(s: &str) -> String {
    s.lines().map(escape).collect::<Vec<_>>().join("<br>")
}

pub fn render(r: &Report, style: super::Style) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>monolens report</title><style>{STYLE}</style></head><body>\n"
    );
    header(&mut out, r);
    architecture(&mut out, r);
    clusters(&mut out, r);
    findings(&mut out, r);
    removed(&mut out, r);
    if style.by_service {
        services(&mut out, r);
    }
    rule_docs(&mut out, r);
    diagnostics(&mut out, r);
    let _ = writeln!(out, "<script>{SCRIPT}</script>\n</body></html>");
    out
}

fn header(out: &mut String, r: &Report) {
    let s = r.summary();
    let risk = format!("{:?}", r.verdict.risk).to_lowercase();
    let _ = writeln!(
        out,
        "<header><h1>monolens</h1><p class=\"verdict risk-{risk}\">{}</p><p class=\"summary\">{}</p></header>",
        escape(&r.verdict.line),
        escape(&super::counts(&s))
    );
}

fn architecture(out: &mut String, r: &Report) {
    out.push_str("<section id=\"architecture\"><h2>Architecture</h2>\n");
    let overview = picture::overview(r);
    let mut views = vec![("Whole system".to_string(), overview.clone())];
    for i in 0..r.verdict.clusters.len() {
        if let Some(g) = picture::cluster(r, i) {
            views.push((format!("Cluster {}", i + 1), g));
        }
    }
    if views.len() > 1 {
        out.push_str("<nav class=\"views\">");
        for (i, (name, _)) in views.iter().enumerate() {
            let _ = write!(
                out,
                "<button type=\"button\" data-view=\"view-{i}\"{}>{}</button>",
                if i == 0 { " class=\"on\"" } else { "" },
                escape(name)
            );
        }
        out.push_str("</nav>");
    }
    out.push_str(LEGEND);
    out.push_str("<div class=\"canvas\">");
    for (i, (_, g)) in views.iter().enumerate() {
        let _ = write!(
            out,
            "<div class=\"view\" id=\"view-{i}\"{}>",
            if i == 0 { "" } else { " hidden" }
        );
        match picture::svg(g, &format!("picture-{i}")) {
            Some(svg) => out.push_str(&svg),
            None => out.push_str("<p class=\"none\">Nothing to draw.</p>"),
        }
        if let Some(note) = &g.note {
            let _ = write!(out, "<p class=\"note\">{}</p>", escape(note));
        }
        out.push_str("</div>");
    }
    out.push_str(
        "</div><aside id=\"selection\" hidden><h3></h3><ul></ul></aside>\
         <p class=\"hint\">Click a service to highlight its edges and list its findings.</p></section>\n",
    );
}

const LEGEND: &str = "<ul class=\"legend\">\
<li><svg width=\"36\" height=\"10\"><line class=\"edge sync\" x1=\"0\" y1=\"5\" x2=\"36\" y2=\"5\"/></svg>sync call</li>\
<li><svg width=\"36\" height=\"10\"><line class=\"edge async\" x1=\"0\" y1=\"5\" x2=\"36\" y2=\"5\"/></svg>async message</li>\
<li><svg width=\"36\" height=\"10\"><line class=\"edge data\" x1=\"0\" y1=\"5\" x2=\"36\" y2=\"5\"/></svg>data access</li>\
<li><svg width=\"36\" height=\"10\"><line class=\"edge startup\" x1=\"0\" y1=\"5\" x2=\"36\" y2=\"5\"/></svg>startup order</li>\
<li><svg width=\"36\" height=\"10\"><line class=\"edge sync flag-error\" x1=\"0\" y1=\"5\" x2=\"36\" y2=\"5\"/></svg>named by a finding</li>\
<li><span class=\"swatch outline\"></span>coupled cluster</li></ul>";

fn clusters(out: &mut String, r: &Report) {
    let v = r.verdict;
    if v.clusters.is_empty() && v.weak_links.is_empty() {
        return;
    }
    out.push_str("<section id=\"clusters\"><h2>Coupled clusters</h2>\n<ol>");
    for c in &v.clusters {
        let _ = write!(
            out,
            "<li><p><strong>{}</strong> <span class=\"strength\">{}</span></p><ul>",
            escape(&super::names(&c.services)),
            c.strength.as_str()
        );
        for reason in &c.reasons {
            let _ = write!(
                out,
                "<li><a href=\"#rule-{0}\"><code>{0}</code></a> ({1}): {2}</li>",
                escape(&reason.rule),
                reason.strength.as_str(),
                escape(&reason.message)
            );
        }
        for line in &c.advice {
            let _ = write!(out, "<li class=\"advice\">→ {}</li>", escape(line));
        }
        out.push_str("</ul></li>");
    }
    out.push_str("</ol>");
    if !v.weak_links.is_empty() {
        out.push_str("<h3>Weak links: released together or on one server</h3><ul>");
        for w in &v.weak_links {
            let _ = write!(
                out,
                "<li><code>{}</code>: {}</li>",
                escape(&w.rule),
                escape(&w.message)
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>\n");
}

fn findings(out: &mut String, r: &Report) {
    let active = r.active_by_severity();
    let _ = writeln!(
        out,
        "<section id=\"findings\"><h2>Findings <span class=\"count\">{}</span></h2>",
        active.len()
    );
    if active.is_empty() {
        out.push_str("<p>No findings.</p></section>\n");
        return;
    }
    out.push_str("<form class=\"filters\">");
    for s in [Severity::Error, Severity::Warning, Severity::Note] {
        let n = active.iter().filter(|f| f.severity == s).count();
        let _ = write!(
            out,
            "<label><input type=\"checkbox\" name=\"severity\" value=\"{0}\" checked> {0} ({n})</label>",
            s.as_str()
        );
    }
    out.push_str("<select name=\"rule\"><option value=\"\">every rule</option>");
    let rules: BTreeSet<&str> = active.iter().map(|f| f.rule).collect();
    for rule in &rules {
        let _ = write!(out, "<option>{}</option>", escape(rule));
    }
    out.push_str("</select></form>\n<table><thead><tr><th>severity</th><th>rule</th><th>location</th><th>message</th></tr></thead><tbody>\n");
    for f in active {
        finding_row(out, f);
    }
    out.push_str("</tbody></table></section>\n");
}

fn finding_row(out: &mut String, f: &Finding) {
    let _ = write!(
        out,
        "<tr data-severity=\"{0}\" data-rule=\"{1}\" data-services=\"{2}\"><td class=\"sev {0}\">{0}</td>\
         <td><a href=\"#rule-{1}\"><code>{1}</code></a></td><td class=\"loc\">{3}</td><td>{4}",
        f.severity.as_str(),
        escape(f.rule),
        escape(&f.components.join(" ")),
        escape(&f.location.to_string()),
        escape(&f.message)
    );
    if let Some(d) = &f.detail {
        let _ = write!(out, "<div class=\"detail\">{}</div>", escape_lines(d));
    }
    if !f.related.is_empty() {
        out.push_str("<ul class=\"related\">");
        for rel in f.related.iter().take(RELATED_SHOWN) {
            let _ = write!(
                out,
                "<li><span class=\"loc\">{}</span> {}</li>",
                escape(&rel.location.to_string()),
                escape(&rel.message)
            );
        }
        if f.related_count > RELATED_SHOWN.min(f.related.len()) {
            let _ = write!(
                out,
                "<li>… and {} more</li>",
                f.related_count - RELATED_SHOWN.min(f.related.len())
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("</td></tr>\n");
}

/// Stale baseline entries, or with `--new-since` the findings this change removed.
fn removed(out: &mut String, r: &Report) {
    if r.stale.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<section id=\"removed\"><h3>{}</h3><ul>",
        escape(&super::stale_heading(r))
    );
    for e in r.stale {
        let _ = write!(
            out,
            "<li><code>{}</code> ({}): {}</li>",
            escape(&e.rule),
            escape(&e.components.join(", ")),
            escape(&e.message)
        );
    }
    out.push_str("</ul></section>\n");
}

/// The per-service table of `--by-service`.
fn services(out: &mut String, r: &Report) {
    out.push_str("<section id=\"services\"><h2>Services</h2><table><thead><tr>");
    for column in super::SERVICE_COLUMNS {
        let _ = write!(out, "<th>{column}</th>");
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in &r.verdict.services {
        out.push_str("<tr>");
        for text in super::service_cells(row) {
            let _ = write!(out, "<td>{}</td>", escape(&text));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></section>\n");
}

/// The documentation of each rule that has an active finding, from the catalog.
fn rule_docs(out: &mut String, r: &Report) {
    let rules: BTreeSet<&str> = r
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| f.rule)
        .collect();
    if rules.is_empty() {
        return;
    }
    out.push_str("<section id=\"rules\"><h2>Rules</h2>\n");
    for doc in rules.iter().filter_map(|id| crate::catalog::get(id)) {
        let _ = write!(
            out,
            "<details class=\"rule\" id=\"rule-{}\"><summary><code>{}</code> {}</summary>",
            escape(&doc.id),
            escape(&doc.id),
            escape(&doc.title)
        );
        // The catalog is ours, not the repository's: its Markdown is rendered as written.
        let markdown = doc.markdown();
        pulldown_cmark::html::push_html(out, pulldown_cmark::Parser::new(&markdown));
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

fn diagnostics(out: &mut String, r: &Report) {
    let d = &r.model.diagnostics;
    if d.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<section id=\"diagnostics\"><details><summary>{}</summary><ul>",
        escape(&super::plural(d.len(), "diagnostic"))
    );
    for x in d.iter().take(500) {
        let _ = write!(
            out,
            "<li><span class=\"loc\">{}</span> {}: {}</li>",
            escape(&x.place()),
            x.severity.as_str(),
            escape(&x.message)
        );
    }
    if d.len() > 500 {
        let _ = write!(
            out,
            "<li>… and {} more (see <code>--format json</code>)</li>",
            d.len() - 500
        );
    }
    out.push_str("</ul></details></section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_are_escaped() {
        assert_eq!(
            escape("<script>\"a\" & 'b'\x1b"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;\\u{1b}"
        );
        assert_eq!(escape_lines("a<\nb"), "a&lt;<br>b");
    }
}
