//! Calls and messages: sync and platform edges from URLs and addresses, gateways, topics and
//! derived producer → consumer edges, Ingress backends.

use super::*;

/// Keys that say what their target is: a config server, a registry, telemetry (platform); and
/// keys that make their own service a gateway (Spring Cloud Gateway routes, proxy passes).
const PLATFORM_KEYS: &[&str] = &[
    "CONFIG_URI",
    "CONFIG_SERVER",
    "CLOUD_CONFIG",
    "CONFIGSERVER",
    "EUREKA",
    "ZIPKIN",
    "JAEGER",
    "OTEL",
    "OTLP",
    "COLLECTOR",
    "TRACING",
    "TELEMETRY",
    "CONSUL",
    "DISCOVERY",
    "SERVICE_REGISTRY",
    "METRICS",
    "PROMETHEUS",
    "FEATURE_FLAG",
    "FLAGD",
    "UNLEASH",
    "LOGSTASH",
    "SEQ_SERVER",
];

fn upper_key(key: &str) -> String {
    key.to_ascii_uppercase().replace(['.', '-', ':'], "_")
}

fn is_platform_key(key: &str) -> bool {
    let k = upper_key(key);
    PLATFORM_KEYS.iter().any(|p| k.contains(p))
}

pub(super) fn promote_by_keys(b: &mut Builder, settings: &BTreeMap<String, Vec<ResolvedSetting>>) {
    for (svc, list) in settings {
        for s in list {
            let k = upper_key(&s.key);
            if k.starts_with("SPRING_CLOUD_GATEWAY")
                || k == "PROXY_PASS"
                || k == "GRPC_PASS"
                || k.starts_with("ENVOY_CLUSTERS")
            {
                if let Some(c) = b.components.get_mut(svc)
                    && c.kind == ComponentKind::Service
                {
                    c.kind = ComponentKind::Gateway;
                }
                continue;
            }
            if !is_platform_key(&s.key) {
                continue;
            }
            for (host, _, _) in call_targets(&s.key, &s.value) {
                if let Ok(id) = b.resolve_host(&host)
                    && id != *svc
                    && let Some(c) = b.components.get_mut(&id)
                    && c.kind == ComponentKind::Service
                {
                    c.kind = ComponentKind::Platform;
                }
            }
        }
    }
}

/// Keys whose plain `host[:port]` value names a server to call.
fn is_address_key(key: &str) -> bool {
    let k = upper_key(key);
    [
        "ADDR", "ADDRESS", "HOST", "HOSTNAME", "URL", "URI", "ENDPOINT", "SERVICE", "SERVER",
        "TARGET", "HOSTS", "BASEURL", "BASE_URL", "API",
    ]
    .iter()
    .any(|s| k.ends_with(s))
        || k == "PROXY_PASS"
        || k == "GRPC_PASS"
}

/// The (host, port, protocol) a setting calls: URLs with a call scheme (http, https, grpc,
/// ws, tcp, `lb://`, `dns:///`), and `host[:port]` in address-like keys (or source literals,
/// which the source parser only keeps when they address a known name).
fn call_targets(key: &str, value: &str) -> Vec<(String, Option<u16>, &'static str)> {
    let mut out = Vec::new();
    for token in value.split([',', ' ', ';', '\t']).filter(|t| !t.is_empty()) {
        if let Some((scheme, rest)) = token.split_once("://") {
            let protocol = match scheme.to_ascii_lowercase().as_str() {
                "http" | "https" | "lb" | "h2c" => "http",
                "grpc" | "grpcs" | "dns" | "xds" => "grpc",
                "ws" | "wss" => "ws",
                "tcp" | "thrift" => "tcp",
                _ => continue,
            };
            // `dns:///cart:7070` has an empty authority; the target is in the path.
            let rest = rest.trim_start_matches('/');
            let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            if let Some((h, p)) = connstr::host_port(authority) {
                out.push((h, p, protocol));
            }
        } else if (key.is_empty() || is_address_key(key))
            && let Some((h, p)) = connstr::host_port(token)
            && h.chars().any(|c| c.is_ascii_alphabetic())
        {
            out.push((h, p, "tcp"));
        }
    }
    out
}

/// Sync and platform edges from one service's settings.
pub(super) fn calls(b: &mut Builder, svc: &str, list: &[ResolvedSetting]) {
    for s in list {
        if connstr::parse(&s.value).is_some() {
            continue; // a datastore or broker: an access, not a call
        }
        for (host, port, protocol) in call_targets(&s.key, &s.value) {
            if LOCAL_HOSTS.contains(&host.as_str()) {
                continue;
            }
            let Ok(to) = b.resolve_host(&host) else {
                continue;
            };
            if to == svc {
                continue;
            }
            let kind = match b.components[&to].kind {
                ComponentKind::Service | ComponentKind::Gateway => EdgeKind::Sync,
                ComponentKind::Platform => EdgeKind::Platform,
                _ => continue,
            };
            // Health probes and calls made by platform components are not business coupling.
            let lower = s.value.to_ascii_lowercase();
            let health = upper_key(&s.key).contains("HEALTH")
                || [
                    "/hc",
                    "/health",
                    "/liveness",
                    "/readiness",
                    "/actuator/health",
                ]
                .iter()
                .any(|p| lower.contains(p));
            let kind = if b.components[svc].kind == ComponentKind::Platform || health {
                EdgeKind::Platform
            } else {
                kind
            };
            let grpc = b.grpc_ports.get(&to).is_some_and(|ports| match port {
                Some(p) => ports.contains(&p),
                None => !ports.is_empty(),
            });
            let protocol = if protocol == "tcp" && grpc {
                "grpc"
            } else {
                protocol
            };
            let text = if s.key.is_empty() {
                s.value.clone()
            } else {
                format!("{}={}", s.key, s.value)
            };
            let edge = b
                .edges
                .entry((svc.to_string(), to.clone(), kind, None))
                .or_insert_with(|| Edge {
                    from: svc.to_string(),
                    to: to.clone(),
                    kind,
                    protocol: Some(protocol.to_string()),
                    database: None,
                    topic: None,
                    evidence: Vec::new(),
                });
            push_unique(
                &mut edge.evidence,
                vec![Evidence::new(s.location.clone(), &text)],
            );
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
            "GROUP",
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

pub(super) fn topics(b: &mut Builder, svc: &str, list: &[ResolvedSetting]) {
    for s in list {
        for (topic, role, tech) in topic_setting(&s.key, &s.value) {
            // The broker: one this service already connects to (matching the key's
            // technology), else the repository's only broker of that technology.
            // Edges are keyed by (from, to, kind, topic): a range scan finds this service's.
            let mut own: Vec<String> = b
                .edges
                .range((svc.to_string(), String::new(), EdgeKind::Sync, None)..)
                .take_while(|((from, _, _, _), _)| from == svc)
                .filter(|(_, e)| e.kind == EdgeKind::Async && e.topic.is_none())
                .map(|(_, e)| e.to.clone())
                .collect();
            let matches_tech = |b: &Builder, id: &str| {
                tech.is_none() || b.components[id].technology.as_deref() == tech
            };
            own.retain(|id| matches_tech(b, id));
            let broker = match own.first() {
                Some(id) => id.clone(),
                None => {
                    let all: Vec<&Component> = b
                        .components
                        .values()
                        .filter(|c| c.kind == ComponentKind::Broker && matches_tech(b, &c.id))
                        .collect();
                    match all.as_slice() {
                        [only] => only.id.clone(),
                        _ => continue,
                    }
                }
            };
            let technology = b.components[&broker].technology.clone();
            let evidence = Evidence::new(s.location.clone(), &format!("{}={}", s.key, s.value));
            let edge = b
                .edges
                .entry((
                    svc.to_string(),
                    broker.clone(),
                    EdgeKind::Async,
                    Some(topic.clone()),
                ))
                .or_insert_with(|| Edge {
                    from: svc.to_string(),
                    to: broker.clone(),
                    kind: EdgeKind::Async,
                    protocol: technology,
                    database: None,
                    topic: Some(topic.clone()),
                    evidence: Vec::new(),
                });
            push_unique(&mut edge.evidence, vec![evidence.clone()]);
            let usage = b.topic_roles.entry((broker, topic)).or_default();
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
    }
}

/// Producer → consumer async edges for every topic whose two sides can be told apart.
pub(super) fn derive_topic_edges(b: &mut Builder) {
    let roles = std::mem::take(&mut b.topic_roles);
    for ((broker, topic), usage) in &roles {
        let technology = b.components.get(broker).and_then(|c| c.technology.clone());
        for (producer, pe) in &usage.producers {
            for (consumer, ce) in &usage.consumers {
                if producer == consumer {
                    continue;
                }
                let edge = b
                    .edges
                    .entry((
                        producer.clone(),
                        consumer.clone(),
                        EdgeKind::Async,
                        Some(topic.clone()),
                    ))
                    .or_insert_with(|| Edge {
                        from: producer.clone(),
                        to: consumer.clone(),
                        kind: EdgeKind::Async,
                        protocol: technology.clone(),
                        database: None,
                        topic: Some(topic.clone()),
                        evidence: Vec::new(),
                    });
                push_unique(&mut edge.evidence, pe.iter().chain(ce).cloned().collect());
            }
        }
    }
    b.topic_roles = roles;
}

/// A k8s Ingress is a gateway component with sync edges to its backends.
pub(super) fn ingress(b: &mut Builder, ing: &Ingress) {
    let targets: Vec<(String, &Location, &String)> = ing
        .backends
        .iter()
        .filter_map(|(svc, at)| b.lookup_host(svc).map(|id| (id, at, svc)))
        .collect();
    if targets.is_empty() {
        return;
    }
    let id = if b.components.contains_key(&ing.name) {
        format!("{}-ingress", ing.name)
    } else {
        ing.name.clone()
    };
    let id = b.add_component(
        &id,
        ComponentKind::Gateway,
        Some("ingress"),
        ing.declared.clone(),
        None,
    );
    for (to, at, svc) in targets {
        if to == id {
            continue;
        }
        let edge = b
            .edges
            .entry((id.clone(), to.clone(), EdgeKind::Sync, None))
            .or_insert_with(|| Edge {
                from: id.clone(),
                to: to.clone(),
                kind: EdgeKind::Sync,
                protocol: Some("http".into()),
                database: None,
                topic: None,
                evidence: Vec::new(),
            });
        push_unique(
            &mut edge.evidence,
            vec![Evidence::new(at.clone(), &format!("backend: {svc}"))],
        );
    }
}
