//! Gateway and reverse-proxy configuration: nginx `proxy_pass`/`grpc_pass` and `upstream`
//! blocks, and Envoy static clusters. Each backend becomes a `Setting` whose value names it;
//! each route by host and path prefix (nginx `server_name` + `location`, Envoy virtual hosts)
//! also becomes a `Route`.

use super::{loc, yaml_error};
use crate::model::{EnvSource, Fact, FileFacts, Location, Route, Setting};
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

/// One block of an nginx file, innermost last.
enum Block {
    Upstream(String),
    /// A `server` block, by its index in the file.
    Server(usize),
    /// A `location` with its path prefix (`None`: a regex or named location).
    Location(Option<String>),
    Other,
}

/// A `proxy_pass`-like directive as found, with where it sits.
struct Pass {
    directive: String,
    target: String,
    at: Location,
    server: Option<usize>,
    prefix: Option<String>,
}

/// What one nginx file declares, gathered while reading its statements.
#[derive(Default)]
struct Nginx {
    upstreams: HashMap<String, Vec<(String, Location)>>,
    passes: Vec<Pass>,
    /// `server_name`s per server block.
    servers: Vec<Vec<String>>,
    /// `set $var "value"` per open block (innermost last), beside `blocks`.
    vars: Vec<Vec<(String, String)>>,
    blocks: Vec<Block>,
}

impl Nginx {
    fn server(&self) -> Option<usize> {
        self.blocks.iter().rev().find_map(|b| match b {
            Block::Server(i) => Some(*i),
            _ => None,
        })
    }

    fn prefix(&self) -> Option<String> {
        self.blocks.iter().rev().find_map(|b| match b {
            Block::Location(p) => p.clone(),
            _ => None,
        })
    }

    /// `$name` and `${name}` replaced by the innermost `set` of that variable.
    fn substitute(&self, target: &str) -> String {
        let mut out = target.to_string();
        for (name, value) in self.vars.iter().rev().flatten() {
            out = out
                .replace(&format!("${{{name}}}"), value)
                .replace(&format!("${name}"), value);
        }
        out
    }

    fn open(&mut self, words: &[&str]) {
        let block = match words {
            ["upstream", name, ..] => Block::Upstream(name.to_string()),
            ["server", ..] => {
                self.servers.push(Vec::new());
                Block::Server(self.servers.len() - 1)
            }
            ["location", rest @ ..] => Block::Location(location_prefix(rest)),
            _ => Block::Other,
        };
        self.blocks.push(block);
        self.vars.push(Vec::new());
    }

    fn close(&mut self) {
        self.blocks.pop();
        self.vars.pop();
    }

    fn statement(&mut self, words: &[&str], at: Location) {
        match words {
            ["server", server, ..] => {
                if let Some(Block::Upstream(up)) = self.blocks.last() {
                    let entry = self.upstreams.entry(up.clone()).or_default();
                    entry.push((server.to_string(), at));
                }
            }
            ["server_name", names @ ..] => {
                if let Some(i) = self.server() {
                    let names = names
                        .iter()
                        .map(|n| n.trim_matches(['"', '\'']).to_string());
                    self.servers[i].extend(names);
                }
            }
            ["set", var, value, ..] => {
                if let (Some(name), Some(scope)) = (var.strip_prefix('$'), self.vars.last_mut()) {
                    let value = value.trim_matches(['"', '\'']).to_string();
                    scope.push((name.to_string(), value));
                }
            }
            [
                d @ ("proxy_pass" | "grpc_pass" | "uwsgi_pass" | "fastcgi_pass"),
                target,
                ..,
            ] => {
                let pass = Pass {
                    directive: d.to_string(),
                    target: self.substitute(target),
                    at,
                    server: self.server(),
                    prefix: self.prefix(),
                };
                self.passes.push(pass);
            }
            _ => {}
        }
    }
}

/// The path prefix of `location [=|^~] /path`; regex (`~`, `~*`) and named (`@x`) locations
/// have none.
fn location_prefix(words: &[&str]) -> Option<String> {
    let path = match words {
        ["=" | "^~", path, ..] => path,
        [path, ..] => path,
        [] => return None,
    };
    path.starts_with('/').then(|| path.to_string())
}

/// The hosts a server block answers for: `None` for a catch-all (`_`, no name, a regex).
fn server_hosts(names: &[String]) -> Vec<Option<String>> {
    let hosts: Vec<Option<String>> = names
        .iter()
        .filter(|n| !n.is_empty() && *n != "_" && !n.starts_with('~'))
        .map(|n| Some(n.to_ascii_lowercase()))
        .collect();
    if hosts.is_empty() { vec![None] } else { hosts }
}

/// nginx: `proxy_pass http://catalogue:8080;`, `grpc_pass grpc://cart:7070;`, and
/// `proxy_pass http://backend;` where `upstream backend { server orders:8080; }`; a target
/// in a variable (`set $h "search"; proxy_pass http://$h;`) takes the variable's value. In an
/// envsubst template (`*.template`), `${VAR}` stays for the gateway's env to fill in. Each
/// pass inside `server { server_name … location /p/ { … } }` is also a `Route`.
pub fn parse_nginx(path: &str, text: &str, out: &mut FileFacts) {
    let mut conf = Nginx::default();
    // Statements end at `;`, `{` or `}`; `#` comments run to the end of the line.
    let mut statement = String::new();
    let mut start: Option<(u32, u32)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("");
        for (col, ch) in line.chars().enumerate() {
            if !matches!(ch, ';' | '{' | '}') {
                if start.is_none() && !ch.is_whitespace() {
                    start = Some((i as u32 + 1, col as u32 + 1));
                }
                statement.push(ch);
                continue;
            }
            let words: Vec<&str> = statement.split_whitespace().collect();
            let at = start.map_or_else(
                || Location::new(path, i as u32 + 1, col as u32 + 1),
                |(l, c)| Location::new(path, l, c),
            );
            match ch {
                '{' => conf.open(&words),
                ';' => conf.statement(&words, at),
                _ => conf.close(),
            }
            statement.clear();
            start = None;
        }
        statement.push(' ');
    }
    let template = path.ends_with(".template");
    for pass in &conf.passes {
        emit_pass(&conf, pass, template, out);
    }
}

/// The settings and routes of one pass: its target, or each server of the upstream it names.
fn emit_pass(conf: &Nginx, pass: &Pass, template: bool, out: &mut FileFacts) {
    let (scheme, rest) = pass
        .target
        .split_once("://")
        .unwrap_or(("http", pass.target.as_str()));
    let host = rest.split(['/', ':']).next().unwrap_or(rest);
    let targets: Vec<(String, Location)> = match conf.upstreams.get(host) {
        Some(servers) => servers
            .iter()
            .map(|(server, at)| (format!("{scheme}://{server}"), at.clone()))
            .collect(),
        None => {
            // An nginx variable left unset here is known only at request time.
            let unresolved = pass.target.replace("${", "").contains('$')
                || !template && pass.target.contains("${");
            if unresolved {
                return;
            }
            vec![(pass.target.clone(), pass.at.clone())]
        }
    };
    for (target, at) in &targets {
        push(out, &pass.directive, target.clone(), at.clone());
    }
    let (Some(server), Some(prefix)) = (pass.server, &pass.prefix) else {
        return;
    };
    for host in server_hosts(&conf.servers[server]) {
        for (target, _) in &targets {
            out.facts.push(Fact::Route(Route {
                gateway: None,
                host: host.clone(),
                prefix: prefix.clone(),
                backend: target.clone(),
                location: pass.at.clone(),
            }));
        }
    }
}

/// Envoy: `static_resources.clusters[].load_assignment…socket_address.{address,port_value}`
/// (and the older `hosts[]` form), and the routes of the listeners' virtual hosts. A route
/// whose `prefix_rewrite` is Dapr's invoke API (`/v1.0/invoke/<app-id>/method/`) calls that app
/// through the cluster (the local daprd sidecar).
pub fn parse_envoy(path: &str, text: &str, out: &mut FileFacts) {
    let docs = match parse_documents(text) {
        Ok(d) => d,
        Err(e) => return yaml_error(path, &e, out),
    };
    for doc in &docs {
        let mut addresses: HashMap<String, String> = HashMap::new();
        for cluster in doc.path(&["static_resources", "clusters"]).seq() {
            let name = cluster.at("name").scalar().unwrap_or_default();
            for (value, at) in cluster_addresses(cluster) {
                let key = format!("envoy.clusters.{name}.address");
                push(out, &key, value.clone(), loc(path, at));
                addresses.entry(name.clone()).or_insert(value);
            }
        }
        for listener in doc.path(&["static_resources", "listeners"]).seq() {
            for chain in listener.at("filter_chains").seq() {
                for filter in chain.at("filters").seq() {
                    for config in [filter.at("config"), filter.at("typed_config")] {
                        let vhosts = config.path(&["route_config", "virtual_hosts"]);
                        for vhost in vhosts.seq() {
                            virtual_host(path, vhost, &addresses, out);
                        }
                    }
                }
            }
        }
    }
}

/// The `address[:port]` of each endpoint of a cluster, with the address node.
fn cluster_addresses(cluster: &Node) -> Vec<(String, &Node)> {
    let mut sockets: Vec<&Node> = Vec::new();
    for ep in cluster.path(&["load_assignment", "endpoints"]).seq() {
        for lb in ep.at("lb_endpoints").seq() {
            sockets.push(lb.path(&["endpoint", "address", "socket_address"]));
        }
    }
    for h in cluster.at("hosts").seq() {
        sockets.push(h.at("socket_address"));
    }
    sockets
        .into_iter()
        .filter_map(|s| {
            let address = s.at("address").scalar()?;
            let value = match s.at("port_value").scalar() {
                Some(port) => format!("{address}:{port}"),
                None => address,
            };
            Some((value, s.at("address")))
        })
        .collect()
}

/// The routes of one Envoy virtual host: one `Route` per domain and route, and a setting for
/// each Dapr invocation (the gateway calls that app).
fn virtual_host(
    path: &str,
    vhost: &Node,
    addresses: &HashMap<String, String>,
    out: &mut FileFacts,
) {
    let hosts: Vec<Option<String>> = vhost
        .at("domains")
        .seq()
        .iter()
        .filter_map(Node::scalar)
        .map(|d| (d != "*").then(|| d.to_ascii_lowercase()))
        .collect();
    for route in vhost.at("routes").seq() {
        let m = route.at("match");
        let Some(prefix) = m.at("prefix").scalar().or_else(|| m.at("path").scalar()) else {
            continue;
        };
        let action = route.at("route");
        let Some(cluster) = action.at("cluster").scalar() else {
            continue;
        };
        let rewrite = action.at("prefix_rewrite");
        let address = addresses.get(&cluster).cloned().unwrap_or(cluster.clone());
        let (backend, at) = match rewrite.scalar() {
            Some(r) if r.contains("/v1.0/invoke/") => {
                let value = format!("http://{address}{r}");
                let key = format!("envoy.clusters.{cluster}.invoke");
                push(out, &key, value.clone(), loc(path, rewrite));
                (value, loc(path, rewrite))
            }
            _ => (address, loc(path, action.at("cluster"))),
        };
        let hosts = if hosts.is_empty() {
            vec![None]
        } else {
            hosts.clone()
        };
        for host in hosts {
            out.facts.push(Fact::Route(Route {
                gateway: None,
                host,
                prefix: prefix.clone(),
                backend: backend.clone(),
                location: at.clone(),
            }));
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
