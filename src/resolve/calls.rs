//! Calls: sync and platform edges from the URLs and addresses in each service's settings.

use super::builder::{Builder, push_evidence};
use super::routes::{Routes, invoked_app};
use crate::connstr;
use crate::model::*;

/// Sync and platform edges of every app and platform component.
pub(super) fn run(b: &mut Builder, routes: &Routes) {
    let settings = std::mem::take(&mut b.settings);
    for (svc, list) in &settings {
        if b.is_app(svc) || b.kind(svc) == Some(ComponentKind::Platform) {
            calls(b, svc, list, routes);
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
    value: &str,
    routes: &Routes,
) -> Vec<(String, Option<Evidence>)> {
    if let Some(app) = invoked_app(value) {
        return b
            .lookup_host(&app)
            .into_iter()
            .map(|to| (to, None))
            .collect();
    }
    if connstr::is_local_host(host) {
        return Vec::new();
    }
    let hops = routes.through(b, svc, host, value);
    if !hops.is_empty() {
        return hops.into_iter().map(|h| (h.to, Some(h.evidence))).collect();
    }
    b.resolve_host(host)
        .ok()
        .into_iter()
        .map(|to| (to, None))
        .collect()
}

/// Sync and platform edges from one service's settings.
fn calls(b: &mut Builder, svc: &str, list: &[ResolvedSetting], routes: &Routes) {
    for s in list.iter().filter(|s| !is_handed_out(&s.key)) {
        let used = is_used(b, svc, s);
        if connstr::parse(&s.value).is_some() {
            continue; // a datastore or broker: an access, not a call
        }
        for (host, port, protocol) in call_targets(&s.key, &s.value) {
            for (to, hop) in reached(b, svc, &host, &s.value, routes) {
                call(b, svc, s, used, (&to, port, protocol), hop);
            }
        }
    }
}

/// One sync or platform edge from a setting to a component, with the route it took.
fn call(
    b: &mut Builder,
    svc: &str,
    s: &ResolvedSetting,
    used: bool,
    (to, port, protocol): (&str, Option<u16>, &'static str),
    hop: Option<Evidence>,
) {
    if to == svc {
        return;
    }
    let kind = match b.components[to].kind {
        ComponentKind::Service | ComponentKind::Gateway => EdgeKind::Sync,
        ComponentKind::Platform => EdgeKind::Platform,
        _ => return,
    };
    // Health probes and calls made by platform components are not business coupling.
    let lower = s.value.to_ascii_lowercase();
    let health = (!s.key.is_empty() && upper_key(&s.key).contains("HEALTH"))
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
    let grpc = b.grpc_ports.get(to).is_some_and(|ports| match port {
        Some(p) => ports.contains(&p),
        None => !ports.is_empty(),
    });
    let protocol = if protocol == "tcp" && grpc {
        "grpc"
    } else {
        protocol
    };
    let edge = b.edge(svc, to, kind, Some(protocol.to_string()));
    // Configured only while every piece of its evidence is.
    if used {
        edge.confidence = Confidence::Used;
    } else if edge.evidence.is_empty() {
        edge.confidence = Confidence::Configured;
    }
    edge.scope.widen(s.variant.as_ref());
    let mut evidence = vec![Evidence::of_setting(s)];
    evidence.extend(hop);
    push_evidence(&mut edge.evidence, evidence);
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
