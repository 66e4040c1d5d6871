//! Logical databases named in code: the database a driver call opens
//! (`mongoc_client_get_collection(client, "user", "user")`, `client.Database("geo-db")`). A
//! connection whose setting names no database takes it from the owning service's code.

use super::{Hits, LineIndex, Table, Triggered};
use crate::model::{Fact, Location};
use std::sync::LazyLock;

struct Pattern {
    /// A substring every match contains, checked before the regex runs (case-insensitive).
    trigger: &'static str,
    /// A word the file must contain as well (case-insensitive).
    context: &'static str,
    /// `d` captures the database name.
    regex: &'static str,
    technology: &'static str,
}

const PATTERNS: &[Pattern] = &[
    // MongoDB C driver.
    Pattern {
        trigger: "mongoc_client_get_",
        context: "mongoc",
        regex: r#"\bmongoc_client_get_(?:collection|database)\(\s*[^,()]+,\s*"(?P<d>[\w.-]+)""#,
        technology: "mongodb",
    },
    // Go `client.Database("geo-db")`, Java `getDatabase("orders")`, Python
    // `client.get_database("orders")`, Node `client.db("orders")`.
    Pattern {
        trigger: "database(",
        context: "mongo",
        regex: r#"(?:\.Database|\bgetDatabase|\.get_database)\(\s*["'](?P<d>[\w.-]+)["']"#,
        technology: "mongodb",
    },
    Pattern {
        trigger: ".db(",
        context: "mongo",
        regex: r#"\.db\(\s*["'](?P<d>[\w.-]+)["']"#,
        technology: "mongodb",
    },
];

pub(super) static COMPILED: LazyLock<Triggered> = LazyLock::new(|| {
    Triggered::new(
        Table::Databases,
        PATTERNS.iter().map(|p| (p.trigger, p.regex)),
    )
});

/// The databases one source file's code opens.
pub(super) fn scan(path: &str, text: &str, hits: &Hits, facts: &mut Vec<Fact>) {
    let active = COMPILED.active(hits);
    if active.is_empty() {
        return;
    }
    let lower = text.to_ascii_lowercase();
    let index = LineIndex::new(text);
    for (i, regex) in active {
        let p = &PATTERNS[i];
        if !lower.contains(p.context) {
            continue;
        }
        for d in regex.captures_iter(text).filter_map(|c| c.name("d")) {
            let (line, column) = index.position(text, d.start());
            let fact = Fact::DatabaseNamed {
                name: d.as_str().to_string(),
                technology: p.technology,
                location: Location::new(path, line, column),
            };
            facts.push(fact);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(src: &str) -> Vec<(String, u32)> {
        let mut facts = Vec::new();
        scan("a.src", src, &Hits::of(src), &mut facts);
        facts
            .into_iter()
            .filter_map(|f| match f {
                Fact::DatabaseNamed { name, location, .. } => Some((name, location.line)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn databases_per_driver() {
        let c = "#include <mongoc.h>\nauto c = mongoc_client_get_collection(\n  mongodb_client, \"user\", \"user\");\n";
        assert_eq!(names(c), [("user".to_string(), 3)]);
        let go = "import \"go.mongodb.org/mongo-driver/mongo\"\nc := client.Database(\"geo-db\").Collection(\"geo\")\n";
        assert_eq!(names(go), [("geo-db".to_string(), 2)]);
        let js = "const { MongoClient } = require('mongodb');\nconst db = client.db('orders');\n";
        assert_eq!(names(js), [("orders".to_string(), 2)]);
    }

    #[test]
    fn without_a_mongo_driver_nothing() {
        assert!(names("sql.Database(\"x\")\nknex.db('y')\n").is_empty());
        assert!(names("mongoc_client_get_database(client, db_name.c_str());\n").is_empty());
    }
}
