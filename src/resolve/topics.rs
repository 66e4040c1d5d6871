//! Messages: topic and queue settings become async edges to their broker, and producer →
//! consumer edges where both sides of a topic can be told apart. Messages a service's own
//! code declares (`@KafkaListener(topics = "order")`) join the same topics; a change-data-capture
//! connector makes the services of its database the producers of its topics.

use super::builder::{Builder, push_evidence};
use super::calls::upper_key;
use super::inputs::Inputs;
use crate::model::*;

/// Topic edges of every app service, from its settings and its code's messages, then
/// producer → consumer edges.
pub(super) fn run(b: &mut Builder, inputs: &Inputs) {
    let settings = std::mem::take(&mut b.settings);
    for (svc, list) in &settings {
        if b.is_app(svc) {
            topics(b, svc, list);
        }
    }
    b.settings = settings;
    messages(b, inputs);
    captures(b, inputs);
    derive_topic_edges(b);
}

/// Messages of the files each service owns: code runs in every variant the service does.
fn messages(b: &mut Builder, inputs: &Inputs) {
    let dirs = b.service_dirs.clone();
    let index = OwnerIndex::new(&dirs);
    for (path, list) in &inputs.messages {
        for svc in index.owners_of(path) {
            if !b.is_app(&svc) {
                continue;
            }
            for m in list {
                let role = match m.role {
                    MessageRole::Producer => Role::Producer,
                    MessageRole::Consumer => Role::Consumer,
                };
                let evidence = Evidence::new(m.location.clone(), &m.text);
                join(b, &svc, &m.topic, role, m.technology, evidence, None);
            }
        }
    }
}

/// Change-data-capture: the app services using a captured database produce its connector's
/// topics (`dbproduct.public.product`); every other service on such a topic consumes it, and
/// so depends on the producer's table schema.
fn captures(b: &mut Builder, inputs: &Inputs) {
    for c in &inputs.captures {
        let Some(store) = b.lookup_host(&c.host, &c.location.file) else {
            continue;
        };
        let mut producers: Vec<String> = b
            .accesses
            .values()
            .filter(|a| a.datastore == store && b.is_app(&a.service))
            .filter(|a| match &c.database {
                Some(d) => a.database_key() == Some(database_key(&a.technology, d)),
                None => true,
            })
            .map(|a| a.service.clone())
            .collect();
        producers.sort();
        producers.dedup();
        if producers.is_empty() {
            continue;
        }
        let captured = Evidence::new(c.location.clone(), &c.text);
        let uses: Vec<(String, String, String, Vec<Evidence>)> = b
            .edges
            .values()
            .filter(|e| {
                e.kind == EdgeKind::Async && b.components[&e.to].kind == ComponentKind::Broker
            })
            .filter_map(|e| {
                let topic = e.topic.as_ref().filter(|t| c.writes(t))?;
                Some((
                    e.from.clone(),
                    e.to.clone(),
                    topic.clone(),
                    e.evidence.clone(),
                ))
            })
            .collect();
        for (svc, broker, topic, evidence) in uses {
            let usage = b.topic_roles.entry((broker, topic)).or_default();
            for p in &producers {
                push_evidence(
                    usage.producers.entry(p.clone()).or_default(),
                    vec![captured.clone()],
                );
            }
            if !producers.contains(&svc) {
                push_evidence(usage.consumers.entry(svc).or_default(), evidence);
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Producer,
    Consumer,
    Unknown,
}

/// Topic and queue settings: `*_TOPIC`, `*_QUEUE`, `*_EXCHANGE`, Spring Cloud Stream
/// `bindings.<name>.destination`, kafka `topics`. Returns (topic, role, technology hint).
fn topic_setting(key: &str, value: &str) -> Vec<(String, Role, Option<&'static str>)> {
    let k = upper_key(key);
    let is_topic = [
        "_TOPIC",
        "_TOPICS",
        "_QUEUE",
        "_QUEUES",
        "_EXCHANGE",
        "_DESTINATION",
        "_SUBJECT",
        "TOPIC",
        "TOPICS",
        "_TOPIC_NAME",
        "_QUEUE_NAME",
        "_EXCHANGE_NAME",
    ]
    .iter()
    .any(|s| k.ends_with(s));
    if !is_topic || value.contains("://") || value.trim().is_empty() || value.contains('$') {
        return Vec::new();
    }
    let has = |words: &[&str]| words.iter().any(|w| k.contains(w));
    let binding = key.contains("bindings.").then(|| {
        key.split("bindings.")
            .nth(1)
            .unwrap_or("")
            .split('.')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    });
    let role = match binding.as_deref() {
        Some(b) if b.contains("-out-") || b.ends_with("output") || b.ends_with("out") => {
            Role::Producer
        }
        Some(b) if b.contains("-in-") || b.ends_with("input") || b.ends_with("in") => {
            Role::Consumer
        }
        _ if has(&[
            "PRODUC", "PUBLISH", "_PUB_", "OUTBOUND", "_OUT", "SEND", "EMIT", "WRITE", "SINK",
        ]) =>
        {
            Role::Producer
        }
        _ if has(&[
            "CONSUM", "SUBSCRI", "_SUB_", "INBOUND", "_IN_", "LISTEN", "RECEIV", "READ", "SOURCE",
            "HANDLER", "GROUP",
        ]) =>
        {
            Role::Consumer
        }
        _ => Role::Unknown,
    };
    let tech = if has(&["KAFKA"]) {
        Some("kafka")
    } else if has(&["RABBIT", "AMQP"]) {
        Some("rabbitmq")
    } else if has(&["NATS"]) {
        Some("nats")
    } else if has(&["SQS", "SNS"]) {
        Some("sqs")
    } else if has(&["PUBSUB"]) {
        Some("pubsub")
    } else {
        None
    };
    value
        .split(',')
        .map(str::trim)
        .filter(|t| {
            !t.is_empty()
                && t.len() < 250
                && !matches!(
                    t.to_ascii_lowercase().as_str(),
                    "true" | "false" | "none" | "null"
                )
                && !t.chars().all(|c| c.is_ascii_digit())
        })
        .map(|t| (t.to_string(), role, tech))
        .collect()
}

fn topics(b: &mut Builder, svc: &str, list: &[ResolvedSetting]) {
    for s in list {
        for (topic, role, tech) in topic_setting(&s.key, &s.value) {
            let evidence = Evidence::of_setting(s);
            join(b, svc, &topic, role, tech, evidence, s.variant.as_ref());
        }
    }
}

/// One service's use of a topic: its async edge to the broker and its role on the topic.
fn join(
    b: &mut Builder,
    svc: &str,
    topic: &str,
    role: Role,
    tech: Option<&str>,
    evidence: Evidence,
    variant: Option<&String>,
) {
    // The broker: one this service already connects to (matching the technology), else the
    // repository's only broker of that technology. Edges are keyed by
    // (from, to, kind, topic): a range scan finds this service's.
    let mut own: Vec<String> = b
        .edges
        .range((svc.to_string(), String::new(), EdgeKind::Sync, None)..)
        .take_while(|((from, _, _, _), _)| from == svc)
        .filter(|(_, e)| e.kind == EdgeKind::Async && e.topic.is_none())
        .map(|(_, e)| e.to.clone())
        .collect();
    let matches_tech =
        |b: &Builder, id: &str| tech.is_none() || b.components[id].technology.as_deref() == tech;
    own.retain(|id| matches_tech(b, id));
    let broker = match own.first() {
        Some(id) => id.clone(),
        None => {
            let all: Vec<&Component> = b
                .components
                .values()
                .filter(|c| c.kind == ComponentKind::Broker && matches_tech(b, &c.id))
                .collect();
            // Several repositories: the service's own repository's broker first.
            let mine: Vec<&Component> = all
                .iter()
                .copied()
                .filter(|c| b.same_repository(svc, &c.id))
                .collect();
            let all = if mine.is_empty() { all } else { mine };
            match all.as_slice() {
                [only] => only.id.clone(),
                _ => return,
            }
        }
    };
    let technology = b.components[&broker].technology.clone();
    let edge = b.edge_on(
        svc,
        &broker,
        EdgeKind::Async,
        technology,
        Some(topic.to_string()),
    );
    edge.scope.widen(variant);
    push_evidence(&mut edge.evidence, vec![evidence.clone()]);
    let usage = b
        .topic_roles
        .entry((broker, topic.to_string()))
        .or_default();
    match role {
        Role::Producer => usage
            .producers
            .entry(svc.to_string())
            .or_default()
            .push(evidence),
        Role::Consumer => usage
            .consumers
            .entry(svc.to_string())
            .or_default()
            .push(evidence),
        Role::Unknown => {}
    }
}

/// Producer → consumer async edges for every topic whose two sides can be told apart.
fn derive_topic_edges(b: &mut Builder) {
    let roles = std::mem::take(&mut b.topic_roles);
    for ((broker, topic), usage) in &roles {
        let technology = b.components.get(broker).and_then(|c| c.technology.clone());
        for (producer, pe) in &usage.producers {
            for (consumer, ce) in &usage.consumers {
                let side = |svc: &String| {
                    let key = (
                        svc.clone(),
                        broker.clone(),
                        EdgeKind::Async,
                        Some(topic.clone()),
                    );
                    b.edges.get(&key).map_or(Scope::All, |e| e.scope.clone())
                };
                let scope = side(producer).intersect(&side(consumer));
                if producer == consumer || scope.is_empty() {
                    continue;
                }
                let edge = b.edge_on(
                    producer,
                    consumer,
                    EdgeKind::Async,
                    technology.clone(),
                    Some(topic.clone()),
                );
                edge.scope = scope;
                push_evidence(&mut edge.evidence, pe.iter().chain(ce).cloned().collect());
            }
        }
    }
    b.topic_roles = roles;
}
