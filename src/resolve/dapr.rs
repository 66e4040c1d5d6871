//! Dapr components: each app a pub/sub component is scoped to gets an async edge to the
//! component's broker, each app a state store is scoped to a data access to its datastore.
//! State keys are prefixed with the app id unless `keyPrefix` says otherwise, so apps on one
//! state store share a server, not a database. Unscoped components name no app.

use super::builder::{Builder, push_evidence};
use super::inputs::Inputs;
use crate::model::*;

pub(super) fn run(b: &mut Builder, inputs: &Inputs) {
    for c in &inputs.dapr_components {
        let Some(store) = c
            .address
            .as_deref()
            .and_then(host_of)
            .and_then(|h| b.lookup_host(&h, &c.location.file))
        else {
            continue;
        };
        let kind = b.components[&store].kind;
        let broker = match kind {
            ComponentKind::Broker if c.component_type.starts_with("pubsub.") => true,
            ComponentKind::Datastore if c.component_type.starts_with("state.") => false,
            _ => continue,
        };
        let evidence = Evidence::new(
            c.location.clone(),
            &format!("Dapr component {} ({})", c.name, c.component_type),
        );
        for app in &c.scopes {
            let Some(svc) = b.lookup_host(app, &c.location.file).filter(|s| b.is_app(s)) else {
                continue;
            };
            if broker {
                let tech = b.components[&store].technology.clone();
                let edge = b.edge(&svc, &store, EdgeKind::Async, tech);
                push_evidence(&mut edge.evidence, vec![evidence.clone()]);
            } else {
                access(b, &svc, &store, c, app, evidence.clone());
            }
        }
    }
}

/// A state store access: the database is the store's logical database, narrowed to the keys
/// of one app (`keyPrefix: appid`, the default) or of the component (`name`).
fn access(b: &mut Builder, svc: &str, store: &str, c: &DaprComponent, app: &str, ev: Evidence) {
    let tech = b.components[store]
        .technology
        .clone()
        .unwrap_or_else(|| "unknown".into());
    let db = c
        .database
        .clone()
        .or_else(|| (tech == "redis").then(|| "0".to_string()));
    let database = match c.key_prefix.as_deref().unwrap_or("appid") {
        "none" => db,
        "name" => Some(format!("{} keys {}", db.unwrap_or_default(), c.name)),
        _ => Some(format!("{} keys {app}", db.unwrap_or_default())),
    }
    .map(|d| d.trim().to_string());
    let key = (
        svc.to_string(),
        store.to_string(),
        database.as_deref().map(|d| database_key(&tech, d)),
    );
    let access = b.accesses.entry(key).or_insert_with(|| Access {
        service: svc.to_string(),
        datastore: store.to_string(),
        technology: tech.clone(),
        database: database.clone(),
        schema: None,
        evidence: Vec::new(),
        evidence_count: 0,
        scope: Scope::All,
    });
    push_evidence(&mut access.evidence, vec![ev]);
}

/// The first host of an address: `amqp://user:pw@rabbitmq:5672/vhost`, `redis:6379`,
/// `kafka-1:9092,kafka-2:9092`.
fn host_of(address: &str) -> Option<String> {
    let rest = address.split_once("://").map_or(address, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let first = rest.split([',', '/', ';']).next()?.trim();
    let host = first.split(':').next()?.trim();
    let ok = !host.is_empty()
        && !host.contains(['$', '{', '='])
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'));
    ok.then(|| host.to_string())
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn hosts() {
        for (a, h) in [
            ("amqp://u:p@rabbitmq:5672/v", Some("rabbitmq")),
            ("redis:6379", Some("redis")),
            ("kafka-1:9092,kafka-2:9092", Some("kafka-1")),
            ("{{ .Values.host }}", None),
            ("Server=sql;Database=x", None),
        ] {
            assert_eq!(host_of(a).as_deref(), h, "{a}");
        }
    }
}
