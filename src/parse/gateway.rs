//! Gateway and reverse-proxy configuration: nginx `proxy_pass`/`grpc_pass` and `upstream`
//! blocks, and Envoy static clusters. Each backend becomes a `Setting` whose value names it.

use super::{loc, yaml_error};
use crate::model::{EnvSource, Fact, FileFacts, Location, Setting};
use crate::yaml::{Node, parse_documents};
use std::collections::HashMap;

fn push(out: &mut FileFacts, key: &str, value: String, location: Location) {
    out.facts.push(Fact::Setting(Setting {
        key: key.to_string(),
        value,
        source: EnvSource::Literal,
        location,
    }));
}

/// nginx: `proxy_pass http://catalogue:8080;`, `grpc_pass grpc://cart:7070;`, and
/// `proxy_pass http://backend;` where `upstream backend { server orders:8080; }`.
pub fn parse_nginx(path: &str, text: &str, out: &mut FileFacts) {
    let mut upstreams: HashMap<String, Vec<(String, Location)>> = HashMap::new();
    let mut passes = Vec::new();
    // Statements end at `;`, `{` or `}`; `#` comments run to the end of the line.
    let mut block_stack: Vec<Option<String>> = Vec::new();
    let mut statement = String::new();
    let mut start: Option<(u32, u32)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("");
        for (col, ch) in line.chars().enumerate() {
            match ch {
                ';' | '{' | '}' => {
                    let words: Vec<&str> = statement.split_whitespace().collect();
                    let at = start.map_or_else(
                        || Location::new(path, i as u32 + 1, col as u32 + 1),
                        |(l, c)| Location::new(path, l, c),
                    );
                    let current = block_stack.last().cloned().flatten();
                    match (words.as_slice(), ch) {
                        (["upstream", name, ..], '{') => block_stack.push(Some(name.to_string())),
                        (_, '{') => block_stack.push(None),
                        (["server", server, ..], ';') if current.is_some() => {
                            if let Some(up) = current {
                                upstreams
                                    .entry(up)
                                    .or_default()
                                    .push((server.to_string(), at));
                            }
                        }
                        (
                            [
                                d @ ("proxy_pass" | "grpc_pass" | "uwsgi_pass" | "fastcgi_pass"),
                                target,
                                ..,
                            ],
                            ';',
                        ) => {
                            passes.push((d.to_string(), target.to_string(), at));
                        }
                        _ => {}
                    }
                    if ch == '}' {
                        block_stack.pop();
                    }
                    statement.clear();
                    start = None;
                }
                c => {
                    if start.is_none() && !c.is_whitespace() {
                        start = Some((i as u32 + 1, col as u32 + 1));
                    }
                    statement.push(c);
                }
            }
        }
        statement.push(' ');
    }
    for (directive, target, at) in passes {
        let (scheme, rest) = target
            .split_once("://")
            .unwrap_or(("http", target.as_str()));
        let host = rest.split(['/', ':']).next().unwrap_or(rest);
        match upstreams.get(host) {
            Some(servers) => {
                for (server, server_at) in servers {
                    push(
                        out,
                        &directive,
                        format!("{scheme}://{server}"),
                        server_at.clone(),
                    );
                }
            }
            None if !target.contains('$') => push(out, &directive, target.clone(), at),
            None => {}
        }
    }
}

/// Envoy: `static_resources.clusters[].load_assignment…socket_address.{address,port_value}`
/// (and the older `hosts[]` form).
pub fn parse_envoy(path: &str, text: &str, out: &mut FileFacts) {
    let docs = match parse_documents(text) {
        Ok(d) => d,
        Err(e) => return yaml_error(path, &e, out),
    };
    for doc in &docs {
        for cluster in doc.path(&["static_resources", "clusters"]).seq() {
            let name = cluster.at("name").scalar().unwrap_or_default();
            let mut sockets: Vec<&Node> = Vec::new();
            for ep in cluster.path(&["load_assignment", "endpoints"]).seq() {
                for lb in ep.at("lb_endpoints").seq() {
                    sockets.push(lb.path(&["endpoint", "address", "socket_address"]));
                }
            }
            for h in cluster.at("hosts").seq() {
                sockets.push(h.at("socket_address"));
            }
            for s in sockets {
                let Some(address) = s.at("address").scalar() else {
                    continue;
                };
                let value = match s.at("port_value").scalar() {
                    Some(port) => format!("{address}:{port}"),
                    None => address,
                };
                push(
                    out,
                    &format!("envoy.clusters.{name}.address"),
                    value,
                    loc(path, s.at("address")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::settings_of as settings;

    #[test]
    fn nginx_passes_and_upstreams() {
        let conf = "upstream orders_up {\n  server orders:8080;\n  server orders-2:8080;\n}\nserver {\n  location /c { proxy_pass http://catalogue:80/; }\n  location /o { proxy_pass http://orders_up; }\n  location /x { proxy_pass $dynamic; }\n}\n";
        let mut out = FileFacts::default();
        parse_nginx("nginx.conf", conf, &mut out);
        assert_eq!(
            settings(&out),
            vec![
                ("proxy_pass".into(), "http://catalogue:80/".into(), 6),
                ("proxy_pass".into(), "http://orders:8080".into(), 2),
                ("proxy_pass".into(), "http://orders-2:8080".into(), 3),
            ]
        );
    }

    #[test]
    fn envoy_clusters() {
        let y = "static_resources:\n  clusters:\n  - name: catalog\n    load_assignment:\n      endpoints:\n      - lb_endpoints:\n        - endpoint:\n            address:\n              socket_address:\n                address: catalog-api\n                port_value: 80\n";
        let mut out = FileFacts::default();
        parse_envoy("envoy.yaml", y, &mut out);
        assert_eq!(
            settings(&out),
            vec![(
                "envoy.clusters.catalog.address".into(),
                "catalog-api:80".into(),
                10
            )]
        );
    }
}
