//! Source files of any common language: string literals that hold a URL or a connection
//! string (many systems keep the default in code: `process.env.X || 'mongodb://m/users'`).

use super::LineIndex;
use crate::model::{Fact, FileFacts, Location};
use regex::Regex;
use std::sync::LazyLock;

/// A quoted literal starting with a scheme (`postgres://`, `jdbc:mysql://`, `http://`) or an
/// ADO.NET `Server=`/`Host=`/`Data Source=` string.
static LITERAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"["'`]((?:jdbc:[a-z0-9:]+|[a-zA-Z][a-zA-Z0-9+.\-]*)://[^"'`\s]+|(?i:server|host|data source)=[^"'`\n]+;[^"'`\n]*)["'`]"#,
    )
    .expect("valid regex")
});

pub fn parse(path: &str, text: &str, out: &mut FileFacts) {
    if !text.contains("://") && !text.contains('=') {
        return;
    }
    let index = LineIndex::new(text);
    for cap in LITERAL.captures_iter(text) {
        let m = cap.get(1).expect("group 1 always participates");
        let (line, column) = index.position(text, m.start());
        out.facts.push(Fact::Literal {
            value: m.as_str().to_string(),
            location: Location::new(path, line, column),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_literals() {
        let src = "const u = process.env.MONGO_URL || 'mongodb://mongodb:27017/users';\n\
                   String s = \"jdbc:mysql://db:3306/orders\";\nvar c = \"Server=sql;Database=X\";\nlet n = 'no url';\n";
        let mut out = FileFacts::default();
        parse("a.js", src, &mut out);
        let got: Vec<(String, u32, u32)> = out
            .facts
            .iter()
            .map(|f| match f {
                Fact::Literal { value, location } => {
                    (value.clone(), location.line, location.column)
                }
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("mongodb://mongodb:27017/users".into(), 1, 37),
                ("jdbc:mysql://db:3306/orders".into(), 2, 13),
                ("Server=sql;Database=X".into(), 3, 10)
            ]
        );
    }
}
