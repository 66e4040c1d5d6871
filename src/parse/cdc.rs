//! Change-data-capture connectors: a Debezium connector's Kafka Connect configuration (a JSON
//! file, flat or `{"name", "config": {…}}`, or a Strimzi `KafkaConnector`'s `spec.config`)
//! names the database it reads and the topics it writes (`Fact::ChangeCapture`).

use super::config::json_documents;
use super::loc;
use crate::model::{ChangeCapture, Fact, FileFacts};
use crate::yaml::Node;

/// Keys of a connector's configuration, in order of preference.
const CLASS: &str = "connector.class";
const HOST: &[&str] = &["database.hostname"];
const DATABASE: &[&str] = &["database.dbname", "database.names", "database.include.list"];
const PREFIX: &[&str] = &["topic.prefix", "database.server.name"];
const TABLES: &[&str] = &[
    "table.include.list",
    "table.whitelist",
    "collection.include.list",
];

/// A Kafka Connect configuration file.
pub fn parse_json(path: &str, text: &str, out: &mut FileFacts) {
    for doc in json_documents(path, text, out) {
        let config = doc.get("config").unwrap_or(&doc);
        connector(path, config.get(CLASS), config, out);
    }
}

/// One connector: `class` is its `connector.class` (or a `KafkaConnector`'s `spec.class`).
/// Only Debezium connectors are read: their topics are `<prefix>.<table>`.
pub fn connector(path: &str, class: Option<&Node>, config: &Node, out: &mut FileFacts) {
    let debezium = class
        .and_then(Node::scalar)
        .is_some_and(|c| c.contains("debezium"));
    let first = |keys: &[&str]| keys.iter().find_map(|k| config.get(k));
    let (Some(host), Some(prefix)) = (first(HOST), first(PREFIX)) else {
        return;
    };
    let (Some(host_name), Some(prefix_name)) = (host.scalar(), prefix.scalar()) else {
        return;
    };
    if !debezium || host_name.contains('$') || prefix_name.contains('$') {
        return;
    }
    let tables_node = first(TABLES);
    let listed: Vec<String> = tables_node
        .and_then(Node::scalar)
        .map(|t| t.split(',').map(|t| t.trim().to_string()).collect())
        .unwrap_or_default();
    // A pattern (`public.order_.*`) names no one topic: any topic of the prefix may be it.
    let literal = |t: &String| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    };
    let tables = if listed.iter().all(literal) {
        listed
    } else {
        Vec::new()
    };
    let database = first(DATABASE)
        .and_then(Node::scalar)
        .and_then(|d| d.split(',').next().map(|d| d.trim().to_string()))
        .filter(|d| !d.is_empty() && !d.contains('$'));
    let at = tables_node.unwrap_or(prefix);
    let text = format!(
        "CDC of {host_name}/{} to {prefix_name}.{}",
        database.as_deref().unwrap_or("*"),
        if tables.is_empty() {
            "*".to_string()
        } else {
            tables.join(",")
        }
    );
    out.facts.push(Fact::ChangeCapture(ChangeCapture {
        host: host_name,
        database,
        prefix: prefix_name,
        tables,
        text,
        location: loc(path, at),
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Vec<ChangeCapture> {
        let mut out = FileFacts::default();
        parse_json("c.json", text, &mut out);
        out.facts
            .into_iter()
            .filter_map(|f| match f {
                Fact::ChangeCapture(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn debezium_connectors() {
        let flat = "{\n \"connector.class\": \"io.debezium.connector.postgresql.PostgresConnector\",\n \"topic.prefix\": \"dbproduct\",\n \"database.dbname\": \"product\",\n \"database.hostname\": \"postgres\",\n \"table.include.list\": \"public.product, public.brand\"\n}";
        let c = &run(flat)[0];
        assert_eq!(
            (c.host.as_str(), c.database.as_deref(), c.location.line),
            ("postgres", Some("product"), 6)
        );
        assert!(c.writes("dbproduct.public.brand") && !c.writes("dbproduct.public.x"));
        let wrapped = "{\"name\": \"c\", \"config\": {\"connector.class\": \"io.debezium.connector.mysql.MySqlConnector\", \"database.hostname\": \"mysql\", \"database.server.name\": \"shop\", \"table.include.list\": \"shop\\\\.orders.*\"}}";
        let c = &run(wrapped)[0];
        assert!(c.tables.is_empty() && c.writes("shop.shop.orders_2") && !c.writes("shopx.a"));
    }

    #[test]
    fn near_misses() {
        for text in [
            // Not Debezium: a sink, or a JDBC source whose topics are not `<prefix>.<table>`.
            "{\"connector.class\": \"io.confluent.connect.jdbc.JdbcSourceConnector\", \"database.hostname\": \"pg\", \"topic.prefix\": \"p\"}",
            // A placeholder host.
            "{\"connector.class\": \"io.debezium.connector.postgresql.PostgresConnector\", \"database.hostname\": \"${HOST}\", \"topic.prefix\": \"p\"}",
            "{\"name\": \"x\"}",
            "[1, 2]",
        ] {
            assert!(run(text).is_empty(), "{text}");
        }
    }
}
