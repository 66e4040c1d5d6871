//! Dapr components (`apiVersion: dapr.io/…`, `kind: Component`): the broker or store a
//! pub/sub, state or secret-store component connects to and the app ids it is scoped to
//! (`Fact::DaprComponent`). App ids are names; resolution matches them to services.

use super::loc;
use crate::model::{DaprComponent, Fact, FileFacts};
use crate::yaml::Node;

/// Metadata entries that name the server, in order of preference.
const ADDRESS: &[&str] = &[
    "host",
    "redisHost",
    "connectionString",
    "url",
    "brokers",
    "servers",
    "natsURL",
    "hosts",
];
/// Metadata entries that name the logical database.
const DATABASE: &[&str] = &["redisDB", "databaseName", "database", "dbName"];

/// One Dapr `Component` manifest.
pub fn component(path: &str, doc: &Node, out: &mut FileFacts) {
    let spec = doc.at("spec");
    let (Some(name), Some(component_type)) = (
        doc.path(&["metadata", "name"]).scalar(),
        spec.at("type").scalar(),
    ) else {
        return;
    };
    let metadata = spec.at("metadata").seq();
    let value = |keys: &[&str]| {
        keys.iter().find_map(|k| {
            metadata
                .iter()
                .find(|m| m.at("name").as_str() == Some(k))
                .and_then(|m| m.at("value").scalar())
                .filter(|v| !v.trim().is_empty())
        })
    };
    out.facts.push(Fact::DaprComponent(DaprComponent {
        name,
        component_type,
        scopes: doc
            .at("scopes")
            .seq()
            .iter()
            .filter_map(Node::scalar)
            .collect(),
        address: value(ADDRESS),
        database: value(DATABASE),
        key_prefix: value(&["keyPrefix"]),
        location: loc(path, spec.at("type")),
    }));
}
