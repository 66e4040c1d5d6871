//! GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`.

use super::Report;
use crate::model::Severity;

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    for f in r.findings.iter().filter(|f| f.suppressed.is_none()) {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        out.push_str(&format!(
            "::{level} file={},line={},col={},title={}::{}\n",
            escape_property(&crate::model::shown_path(&f.location.file)),
            f.location.line,
            f.location.column,
            escape_property(&format!("monolens {}", f.rule)),
            escape_data(&f.message),
        ));
    }
    out
}
