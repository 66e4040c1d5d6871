//! Calls: sync and platform edges from the URLs and addresses in each service's settings.

use super::builder::{Builder, push_evidence};
use super::routes::{Routes, invoked_app};
use crate::connstr;
use crate::model::*;

/// Sync and platform edges of every app and platform component. Each service's settings are
/// read in parallel into its edges; the edges are then written in service order.
pub(super) fn run(b: &mut Builder, routes: &Routes) {
    use rayon::prelude::*;
    let settings = std::mem::take(&mut b.settings);
    let callers: Vec<(&String, &Vec<ResolvedSetting>)> = settings
        .iter()
        .filter(|(svc, _)| b.is_app(svc) || b.kind(svc) == Some(ComponentKind::Platform))
        .collect();
    let reader: &Builder = b;
    let edges: Vec<(&String, Vec<Group>)> = callers
        .par_iter()
        .map(|&(svc, list)| (svc, calls(reader, svc, list, routes)))
        .collect();
    for (svc, groups) in edges {
        for g in groups {
            let edge = b.edge(svc, &g.to, g.kind, Some(g.protocol.to_string()));
            // Configured only while every piece of its evidence is.
            if g.used {
                edge.confidence = Confidence::Used;
            } else if edge.evidence.is_empty() {
                edge.confidence = Confidence::Configured;
            }
            match &g.scope {
                Scope::All => edge.scope.widen(None),
                Scope::Only(variants) => variants.iter().for_each(|v| edge.scope.widen(Some(v))),
            }
            push_evidence(&mut edge.evidence, g.evidence);
        }
    }
    b.settings = settings;
}

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

pub(super) fn upper_key(key: &str) -> String {
    key.to_ascii_uppercase().replace(['.', '-', ':'], "_")
}

pub(super) fn is_platform_key(key: &str) -> bool {
    // Source literals have no key: most settings of a large repository.
    if key.is_empty() {
        return false;
    }
    let k = upper_key(key);
    PLATFORM_KEYS.iter().any(|p| k.contains(p))
}

/// Keys whose plain `host[:port]` value names a server to call.
fn is_address_key(key: &str) -> bool {
    let k = upper_key(key);
    [
        "ADDR",
        "ADDRS",
        "ADDRESS",
        "ADDRESSES",
        "HOST",
        "HOSTNAME",
        "URL",
        "URI",
        "ENDPOINT",
        "SERVICE",
        "SERVER",
        "TARGET",
        "HOSTS",
        "BASEURL",
        "BASE_URL",
        "API",
    ]
    .iter()
    .any(|s| k.ends_with(s))
        || k == "PROXY_PASS"
        || k == "GRPC_PASS"
}

/// The (host, port, protocol) a setting calls: URLs with a call scheme (http, https, grpc,
/// ws, tcp, `lb://`, `dns:///`), and `host[:port]` in address-like keys (or source literals,
/// which the source parser only keeps when they address a known name).
pub(super) fn call_targets(key: &str, value: &str) -> Vec<(String, Option<u16>, &'static str)> {
    let mut out = Vec::new();
    for token in value.split([',', ' ', ';', '\t']).filter(|t| !t.is_empty()) {
        if let Some((scheme, rest)) = connstr::split_scheme(token) {
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

/// Whether a setting's call is used: anything but an injected env value counts, and an
/// injected one counts when the service's code reads its key, or reads no key at all (then
/// nothing can be known). Keys libraries read by themselves count too: platform keys (the
/// OpenTelemetry SDK, config and registry clients) and .NET configuration paths
/// (`HealthChecksUI__HealthChecks__0__Uri`, bound by sections the code never spells out).
fn is_used(b: &Builder, svc: &str, s: &ResolvedSetting) -> bool {
    if is_platform_key(&s.key) || s.key.contains("__") {
        return true;
    }
    // A config-file key a binder binds through a member the code never reads is not used.
    if s.source == SettingSource::ConfigFile
        && b.unread_config
            .get(svc)
            .is_some_and(|keys| keys.contains(&normal_key(&s.key)))
    {
        return false;
    }
    let injected = matches!(
        s.source,
        SettingSource::Env
            | SettingSource::ConfigMapRef
            | SettingSource::SecretRef
            | SettingSource::EnvFrom
            | SettingSource::SecretEnvFrom
            | SettingSource::EnvFile
    );
    !injected
        || b.env_reads
            .get(svc)
            .is_none_or(|keys| reads(keys, &normal_key(&s.key)))
}

/// Whether a set of read keys covers a key: the key itself, any key (`*`), or a subtree a
/// binder member holds (`YAS_SERVICES_*`, every key the member's `Map` collects).
fn reads(keys: &std::collections::BTreeSet<String>, key: &str) -> bool {
    keys.contains(key)
        || keys
            .iter()
            .filter_map(|k| k.strip_suffix(ANY_ENV_KEY))
            .any(|prefix| key.starts_with(prefix))
}

/// Key words of URLs a service hands to browsers or partners (redirects, callbacks, its own
/// public address), not URLs it calls.
const HANDED_OUT: &[&str] = &[
    "REDIRECT",
    "CALLBACK",
    "RETURN_URL",
    "RETURNURL",
    "PUBLIC_URL",
    "PUBLICURL",
    "SUCCESS_URL",
    "CANCEL_URL",
    "FAILURE_URL",
    "LOGOUT",
];

fn is_handed_out(key: &str) -> bool {
    if key.is_empty() {
        return false;
    }
    let k = upper_key(key);
    HANDED_OUT.iter().any(|w| k.contains(w))
}

/// The components a call to `host` in `value` reaches: through a gateway route (with the
/// route as evidence) or Dapr's invoke API when one applies, else the host itself.
fn reached(
    b: &Builder,
    svc: &str,
    host: &str,
    s: &ResolvedSetting,
    routes: &Routes,
) -> Vec<(String, Option<Evidence>)> {
    let (value, from) = (s.value.as_str(), s.location.file.as_ref());
    if let Some(app) = invoked_app(value) {
        return b
            .lookup_host(&app, from)
            .into_iter()
            .map(|to| (to, None))
            .collect();
    }
    if connstr::is_local_host(host) {
        return Vec::new();
    }
    let hops = routes.through(b, svc, host, value, from);
    if !hops.is_empty() {
        return hops.into_iter().map(|h| (h.to, Some(h.evidence))).collect();
    }
    b.resolve_host(host, from)
        .ok()
        .into_iter()
        .map(|to| (to, None))
        .collect()
}

/// The calls of one service to one component and kind: the protocol of the first, whether
/// any is used, the variants they come from and their evidence.
struct Group {
    to: String,
    kind: EdgeKind,
    protocol: &'static str,
    used: bool,
    scope: Scope,
    evidence: Vec<Evidence>,
}

/// A call a setting's value makes: the group it joins and the route it took.
struct Target {
    group: usize,
    hop: Option<Evidence>,
}

/// One service's calls, grouped by edge in the order they first appear. What a (key, value)
/// calls is worked out once: a service repeats the same URL in many files.
fn calls(b: &Builder, svc: &str, list: &[ResolvedSetting], routes: &Routes) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut targets: std::collections::HashMap<(&str, &str), Vec<Target>> = Default::default();
    for s in list.iter().filter(|s| !is_handed_out(&s.key)) {
        let found = targets
            .entry((s.key.as_str(), s.value.as_str()))
            .or_insert_with(|| targets_of(b, svc, s, routes, &mut groups));
        if found.is_empty() {
            continue;
        }
        let used = is_used(b, svc, s);
        for t in found.iter() {
            let g = &mut groups[t.group];
            g.used |= used;
            g.scope.widen(s.variant.as_ref());
            g.evidence.push(Evidence::of_setting(s));
            g.evidence.extend(t.hop.clone());
        }
    }
    groups
}

/// The calls a setting makes, each joined to its group (created on first use).
fn targets_of(
    b: &Builder,
    svc: &str,
    s: &ResolvedSetting,
    routes: &Routes,
    groups: &mut Vec<Group>,
) -> Vec<Target> {
    if connstr::parse(&s.value).is_some() {
        return Vec::new(); // a datastore or broker: an access, not a call
    }
    let mut out = Vec::new();
    for (host, port, protocol) in call_targets(&s.key, &s.value) {
        for (to, hop) in reached(b, svc, &host, s, routes) {
            let Some(kind) = call_kind(b, svc, s, &to) else {
                continue;
            };
            let protocol = call_protocol(b, &to, port, protocol);
            let group = match groups.iter().position(|g| g.to == to && g.kind == kind) {
                Some(i) => i,
                None => {
                    groups.push(Group {
                        to,
                        kind,
                        protocol,
                        used: false,
                        scope: Scope::none(),
                        evidence: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            out.push(Target { group, hop });
        }
    }
    out
}

/// The kind of a call from `svc` to `to`, if it is one: sync to services and gateways,
/// platform to platform components; health probes and calls made by platform components
/// are not business coupling.
fn call_kind(b: &Builder, svc: &str, s: &ResolvedSetting, to: &str) -> Option<EdgeKind> {
    if to == svc {
        return None;
    }
    let kind = match b.components[to].kind {
        ComponentKind::Service | ComponentKind::Gateway => EdgeKind::Sync,
        ComponentKind::Platform => EdgeKind::Platform,
        _ => return None,
    };
    let lower = s.value.to_ascii_lowercase();
    let health = (!s.key.is_empty() && upper_key(&s.key).contains("HEALTH"))
        || HEALTH_PATHS.iter().any(|p| lower.contains(p));
    if b.components[svc].kind == ComponentKind::Platform || health {
        Some(EdgeKind::Platform)
    } else {
        Some(kind)
    }
}

/// Paths of health probes.
const HEALTH_PATHS: &[&str] = &[
    "/hc",
    "/health",
    "/liveness",
    "/readiness",
    "/actuator/health",
];

/// A plain `host:port` call to a port a k8s Service names `grpc*` is gRPC.
fn call_protocol(b: &Builder, to: &str, port: Option<u16>, protocol: &'static str) -> &'static str {
    let grpc = b.grpc_ports.get(to).is_some_and(|ports| match port {
        Some(p) => ports.contains(&p),
        None => !ports.is_empty(),
    });
    if protocol == "tcp" && grpc {
        "grpc"
    } else {
        protocol
    }
}

#[cfg(test)]
mod tests {
    use super::is_address_key;

    #[test]
    fn address_keys() {
        for k in ["CART_ADDR", "CART_ADDRESSES", "peers.addrs", "Cart:BaseUrl"] {
            assert!(is_address_key(k), "{k}");
        }
        for k in ["CART_ADDRESS_FAMILY", "MAIL_FROM"] {
            assert!(!is_address_key(k), "{k}");
        }
    }
}
