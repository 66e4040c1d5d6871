//! Routes: gateways by host and path. The routes gateways declare (nginx `server_name` +
//! `location`, Envoy virtual hosts, Ingress rules, Spring Cloud Gateway `Path=` predicates,
//! Zuul routes) form one table; a URL that names a gateway's virtual host (or the gateway
//! itself, with a path) resolves through the longest matching prefix to the backend behind it.
//! The caller's edge goes to that backend, with the route as a second piece of evidence: the
//! coupling is to the backend, and an edge to the gateway would join every caller to every
//! backend in cycles and chains. Dapr's invoke API (`/v1.0/invoke/<app-id>/method/…` on the
//! local sidecar) is a route too: its target is the app id.

use super::builder::Builder;
use super::calls::call_targets;
use super::inputs::Inputs;
use crate::model::*;
use crate::{connstr, interp};
use std::collections::HashMap;
use std::sync::LazyLock;

/// One route whose backend is a known component.
pub(super) struct Entry {
    /// The gateway component (or, for an Ingress, its name).
    gateway: Option<String>,
    host: Option<String>,
    prefix: String,
    backend: String,
    text: String,
    location: Location,
}

#[derive(Default)]
pub(super) struct Routes {
    entries: Vec<Entry>,
}

/// A backend reached through a route: the component and the route's evidence.
pub(super) struct Hop {
    pub to: String,
    pub evidence: Evidence,
}

/// The route table: declared routes, and the path routes of gateway services' settings.
pub(super) fn build(b: &Builder, inputs: &Inputs) -> Routes {
    let index = OwnerIndex::new(&b.service_dirs);
    let mut routes = Routes::default();
    for (path, list) in &inputs.routes {
        let owners = index.owners_of(path);
        for r in list {
            let gateways: Vec<Option<String>> = match (&r.gateway, owners.as_slice()) {
                (Some(g), _) => vec![Some(g.clone())],
                (None, []) => vec![None],
                (None, owners) => owners.iter().cloned().map(Some).collect(),
            };
            for gateway in gateways {
                let given = gateway.as_ref().and_then(|g| b.settings.get(g));
                let backend = fill(&r.backend, given.map(Vec::as_slice).unwrap_or_default());
                routes.add(b, gateway, r.host.clone(), &r.prefix, &backend, &r.location);
            }
        }
    }
    for (svc, list) in &b.settings {
        if b.kind(svc) == Some(ComponentKind::Gateway) {
            for r in setting_routes(list) {
                routes.add(
                    b,
                    Some(svc.clone()),
                    r.host,
                    &r.prefix,
                    &r.backend,
                    &r.location,
                );
            }
        }
    }
    routes
}

/// `${VAR}` in a route's backend (an envsubst template) from the gateway's own settings.
fn fill(backend: &str, given: &[ResolvedSetting]) -> String {
    if !backend.contains("${") {
        return backend.to_string();
    }
    let env: HashMap<&str, &str> = given
        .iter()
        .map(|s| (s.key.as_str(), s.value.as_str()))
        .collect();
    interp::spring(backend, &|name: &str| env.get(name).map(|v| v.to_string()))
}

impl Routes {
    fn add(
        &mut self,
        b: &Builder,
        gateway: Option<String>,
        host: Option<String>,
        prefix: &str,
        backend: &str,
        at: &Location,
    ) {
        let target = invoked_app(backend).or_else(|| {
            let targets = call_targets("proxy_pass", backend);
            targets.into_iter().next().map(|(h, _, _)| h)
        });
        let Some(to) = target.and_then(|h| b.lookup_host(&h, &at.file)) else {
            return;
        };
        if gateway.as_ref() == Some(&to) {
            return;
        }
        let via = gateway.as_deref().unwrap_or("gateway");
        let on = host.as_deref().unwrap_or("*");
        self.entries.push(Entry {
            text: format!("via {via}: {on}{prefix} -> {backend}"),
            gateway,
            host,
            prefix: prefix.to_string(),
            backend: to,
            location: at.clone(),
        });
    }

    /// The backends a call to `host` with `value`'s path reaches through a route: the routes
    /// of the virtual host `host` names, or, when `host` is a gateway's own name and the URL
    /// has a path, that gateway's routes for any host. Longest prefix wins.
    pub fn through(
        &self,
        b: &Builder,
        caller: &str,
        host: &str,
        value: &str,
        from: &str,
    ) -> Vec<Hop> {
        if self.entries.is_empty() {
            return Vec::new();
        }
        let Some(path) = url_path(value, host) else {
            return Vec::new();
        };
        let mut candidates: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.host.as_deref().is_some_and(|h| host_matches(h, host)))
            .collect();
        if candidates.is_empty() && !path.trim_start_matches('/').is_empty() {
            let own = b.lookup_host(host, from);
            candidates = self
                .entries
                .iter()
                .filter(|e| e.host.is_none() && e.gateway.is_some() && e.gateway == own)
                .collect();
        }
        candidates
            .retain(|e| prefix_matches(&e.prefix, &path) && e.gateway.as_deref() != Some(caller));
        let Some(best) = candidates.iter().map(|e| e.prefix.len()).max() else {
            return Vec::new();
        };
        candidates
            .into_iter()
            .filter(|e| e.prefix.len() == best)
            .map(|e| Hop {
                to: e.backend.clone(),
                evidence: Evidence::new(e.location.clone(), &e.text),
            })
            .collect()
    }
}

/// A route host (`api.example.local`, `*.example.local`, `.example.local`) against a URL host.
fn host_matches(route: &str, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    if let Some(suffix) = route.strip_prefix('*') {
        return host.ends_with(suffix);
    }
    if let Some(domain) = route.strip_prefix('.') {
        return host == domain || host.ends_with(route);
    }
    route == host
}

/// Whether a base URL's path falls under a route prefix: `/media` and `/media/x` are under
/// `/media/` and `/media`, `/mediax` is not; `/` holds everything.
fn prefix_matches(prefix: &str, path: &str) -> bool {
    let p = prefix.trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    path.starts_with(p) && (path.len() == p.len() || path[p.len()..].starts_with('/'))
}

/// The path of the URL in `value` whose host is `host` (`""` when it has none); `None` when
/// no URL there names `host`.
fn url_path(value: &str, host: &str) -> Option<String> {
    value
        .split([',', ' ', ';', '\t'])
        .filter_map(|t| connstr::split_scheme(t).map(|(_, rest)| rest))
        .find_map(|rest| {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let authority = &rest[..end];
            let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            let h = authority.split(':').next().unwrap_or(authority);
            if !h.eq_ignore_ascii_case(host) {
                return None;
            }
            let path = &rest[end..];
            let path = path.split(['?', '#']).next().unwrap_or(path);
            Some(path.to_string())
        })
}

/// Dapr's service invocation API: `…/v1.0/invoke/<app-id>/method/…` (on the local sidecar,
/// `http://localhost:3500`, or as an Envoy `prefix_rewrite`) calls the app `<app-id>`.
pub(super) fn invoked_app(value: &str) -> Option<String> {
    const MARK: &str = "/v1.0/invoke/";
    // Precompiled: every setting value of the repository is searched.
    static FINDER: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(MARK));
    let at = FINDER.find(value.as_bytes())?;
    let rest = &value[at + MARK.len()..];
    let id = rest.split(['/', '?', '"', '\'']).next()?;
    // `<app-id>.<namespace>` names an app in another namespace.
    let id = id.split('.').next().unwrap_or(id);
    (!id.is_empty() && !id.contains(['$', '{', '<'])).then(|| id.to_ascii_lowercase())
}

/// A route from a gateway service's settings.
struct SettingRoute {
    host: Option<String>,
    prefix: String,
    backend: String,
    location: Location,
}

/// Spring Cloud Gateway (`…routes[i].uri` with `…routes[i].predicates[j]=Path=/p/**`, and
/// `Host=`) and Zuul (`zuul.routes.<r>.path` with `.url` or `.serviceId`, or the short
/// `zuul.routes.<service>=/p/**`) routes.
fn setting_routes(list: &[ResolvedSetting]) -> Vec<SettingRoute> {
    #[derive(Default)]
    struct Parts<'a> {
        backend: Option<&'a ResolvedSetting>,
        paths: Vec<&'a str>,
        hosts: Vec<&'a str>,
    }
    let mut by_route: HashMap<String, Parts> = HashMap::new();
    for s in list {
        let key = s.key.to_ascii_lowercase();
        if let Some(at) = key.find("routes[") {
            let Some(close) = key[at..].find(']') else {
                continue;
            };
            let route = key[..at + close + 1].to_string();
            let field = &key[at + close + 1..];
            let parts = by_route.entry(route).or_default();
            if field == ".uri" {
                parts.backend = Some(s);
            } else if field.starts_with(".predicates") {
                for p in s.value.split(',') {
                    let p = p.trim();
                    if let Some(v) = p.strip_prefix("Path=") {
                        parts.paths.push(v);
                    } else if let Some(v) = p.strip_prefix("Host=") {
                        parts.hosts.push(v);
                    } else if parts.paths.is_empty() && p.starts_with('/') {
                        parts.paths.push(p); // `Path=/a/**, /b/**`
                    }
                }
            }
        } else if let Some(rest) = key.strip_prefix("zuul.routes.") {
            let (route, field) = rest.split_once('.').unwrap_or((rest, ""));
            let parts = by_route.entry(format!("zuul.{route}")).or_default();
            match field {
                "url" | "serviceid" | "service-id" => parts.backend = Some(s),
                "path" => parts.paths.push(&s.value),
                "" => {
                    parts.paths.push(&s.value);
                    parts.backend.get_or_insert(s);
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for parts in by_route.into_values() {
        let Some(backend) = parts.backend else {
            continue;
        };
        // The short Zuul form `zuul.routes.<service>=/p/**` names the service by its key.
        let key = backend.key.to_ascii_lowercase();
        let target = match key.strip_prefix("zuul.routes.") {
            Some(service) if !service.contains('.') => backend.key[12..].to_string(),
            _ => backend.value.clone(),
        };
        let hosts: Vec<Option<String>> = if parts.hosts.is_empty() {
            vec![None]
        } else {
            parts
                .hosts
                .iter()
                .map(|h| Some(h.trim_start_matches("**").to_ascii_lowercase()))
                .map(|h| {
                    h.map(|h| {
                        if h.starts_with('.') {
                            format!("*{h}")
                        } else {
                            h
                        }
                    })
                })
                .collect()
        };
        for path in &parts.paths {
            let prefix = path.split('*').next().unwrap_or(path).trim().to_string();
            for host in &hosts {
                out.push(SettingRoute {
                    host: host.clone(),
                    prefix: prefix.clone(),
                    backend: target.clone(),
                    location: backend.location.clone(),
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.location, &a.prefix).cmp(&(&b.location, &b.prefix)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_by_segment() {
        assert!(prefix_matches("/media/", "/media"));
        assert!(prefix_matches("/media/", "/media/x"));
        assert!(!prefix_matches("/media/", "/mediax"));
        assert!(prefix_matches("/", "/anything"));
        assert!(prefix_matches("/", ""));
        assert!(prefix_matches("/api", "/api/x"));
        assert!(!prefix_matches("/api", "/apix"));
    }

    #[test]
    fn hosts_and_paths() {
        assert!(host_matches("*.example.com", "api.example.com"));
        assert!(host_matches(".example.com", "example.com"));
        assert!(!host_matches("api.example.com", "example.com"));
        assert_eq!(
            url_path("http://api.yas.local/promotion", "api.yas.local"),
            Some("/promotion".into())
        );
        assert_eq!(url_path("http://nginx", "nginx"), Some(String::new()));
        assert_eq!(url_path("http://other/x", "nginx"), None);
    }

    #[test]
    fn dapr_invoke_paths() {
        assert_eq!(
            invoked_app("http://localhost:3500/v1.0/invoke/basket-api/method/api/v1"),
            Some("basket-api".into())
        );
        assert_eq!(
            invoked_app("/v1.0/invoke/orders.prod/method/"),
            Some("orders".into())
        );
        assert_eq!(invoked_app("/v1.0/invoke/${APP}/method"), None);
        assert_eq!(invoked_app("http://basket-api/api"), None);
    }
}
