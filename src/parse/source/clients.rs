//! Clients that name a service without a URL: the name a file's service registers in a service
//! registry (`registry.Register(name, …)` with `const name = "srv-geo"`), the names code passes
//! to client and dial helpers (`initGeoClient("srv-geo")`), and the keys code reads from a
//! loaded config document (`config_json["text-service"]["addr"]`), which pick the entries of a
//! shared registry file that are the service's own. One trigger-then-regex table.

use super::{Hits, LineIndex, Table, Triggered};
use crate::model::{Fact, Location, NameRole};
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// What a match says.
#[derive(Clone, Copy, PartialEq)]
enum Does {
    /// `n` (a literal) or `id` (an identifier bound to a literal in the file) is registered.
    Registers,
    /// `n` is a name passed to a client or dial helper.
    Calls,
    /// `chain` is a run of `["key"]` indexes: a config document read by key.
    ReadsConfig,
}

struct Pattern {
    /// A substring every match contains, checked before the regex runs (case-insensitive).
    trigger: &'static str,
    /// Words one of which the file must contain as well (case-insensitive); empty: none.
    context: &'static [&'static str],
    regex: &'static str,
    does: Does,
}

/// Words of files that talk to a service registry.
const REGISTRY_WORDS: &[&str] = &[
    "consul",
    "registry",
    "eureka",
    "nacos",
    "zookeeper",
    "etcd",
    "discovery",
];

/// A service name as written: a word with inner hyphens (`srv-geo`, `text-service`). Plain
/// words (`"geo"`) are too common as arguments to count as names.
macro_rules! hyphenated {
    () => {
        r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+"
    };
}

const PATTERNS: &[Pattern] = &[
    // `s.Registry.Register(name, id, ip, port)`, `agent.service.register("orders", …)`.
    Pattern {
        trigger: "register",
        context: REGISTRY_WORDS,
        regex: r#"\.(?i:register(?:service)?)\(\s*(?:(?:name\s*=\s*)?["'](?P<n>[A-Za-z][\w.-]*)["']|(?P<id>[A-Za-z_]\w*)\s*[,)])"#,
        does: Does::Registers,
    },
    // Consul `&consul.AgentServiceRegistration{ID: …, Name: name, …}`.
    Pattern {
        trigger: "AgentServiceRegistration",
        context: &[],
        regex: r#"(?s)AgentServiceRegistration\s*\{[^}]*?\bName:\s*(?:"(?P<n>[A-Za-z][\w.-]*)"|(?P<id>[A-Za-z_]\w*))"#,
        does: Does::Registers,
    },
    // A hyphenated name as an argument, in a file that makes clients: `initGeoClient("srv-geo")`,
    // `Dial("srv-rate", …)`, `@FeignClient(name = "customers-service")`.
    Pattern {
        trigger: "client",
        context: &[],
        regex: concat!(
            r#"[(,=]\s*["'](?P<n>"#,
            hyphenated!(),
            r#")(?::\d{2,5})?["']"#
        ),
        does: Does::Calls,
    },
    // The name in a registry-resolved target: `consul://consul:8500/srv-geo`, gRPC's
    // `consul://127.0.0.1:8500/srv-geo?wait=14s`.
    Pattern {
        trigger: "consul://",
        context: &[],
        regex: r#"consul://[^/"'`\s]*/(?P<n>[A-Za-z][\w.-]*)"#,
        does: Does::Calls,
    },
    // `config_json["text-service"]["addr"]`, `result["GeoMongoAddress"]` in a file that loads
    // configuration.
    Pattern {
        trigger: "config",
        context: &[],
        regex: r#"\b[A-Za-z_]\w*(?P<chain>(?:\[\s*["'][^"'\n\[\]]+["']\s*\])+)"#,
        does: Does::ReadsConfig,
    },
];

pub(super) static COMPILED: LazyLock<Triggered> = LazyLock::new(|| {
    Triggered::new(
        Table::Clients,
        PATTERNS.iter().map(|p| (p.trigger, p.regex)),
    )
});

/// One `["key"]` of an index chain.
static INDEX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\[\s*["']([^"'\n\[\]]+)["']\s*\]"#).expect("valid regex"));

/// `name = "srv-geo"`, `name := "srv-geo"`, `String NAME = "orders"`: identifiers bound to a
/// literal, for a registration that passes an identifier.
static BINDING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b([A-Za-z_]\w*)\s*:?=\s*["']([A-Za-z][\w.-]*)["']"#).expect("valid regex")
});

/// Whether the file holds one of `words` (case-insensitive); the lower-cased text is made
/// once, and only for a pattern that asks.
fn has_any(text: &str, lower: &mut Option<String>, words: &[&str]) -> bool {
    if words.is_empty() {
        return true;
    }
    let lower = lower.get_or_insert_with(|| text.to_ascii_lowercase());
    words.iter().any(|w| lower.contains(w))
}

/// What was found at an offset, before it has a line.
enum Found {
    Read(String),
    Name(String, NameRole),
}

/// The service names and config reads of one source file.
pub(super) fn scan(path: &str, text: &str, hits: &Hits, facts: &mut Vec<Fact>) {
    let active = COMPILED.active(hits);
    if active.is_empty() {
        return;
    }
    let mut lower = None;
    let mut found: Vec<(usize, Found)> = Vec::new();
    let mut bindings: Option<HashMap<&str, (&str, usize)>> = None;
    for (i, regex) in active {
        let p = &PATTERNS[i];
        if !has_any(text, &mut lower, p.context) {
            continue;
        }
        for cap in regex.captures_iter(text) {
            if let Some(chain) = cap.name("chain") {
                found.push((chain.start(), Found::Read(read_key(chain.as_str()))));
                continue;
            }
            let name = match (cap.name("n"), cap.name("id")) {
                (Some(n), _) => Some((n.as_str(), n.start())),
                (None, Some(id)) => bindings
                    .get_or_insert_with(|| bind(text))
                    .get(id.as_str())
                    .copied(),
                _ => None,
            };
            let role = match p.does {
                Does::Calls => NameRole::Calls,
                _ => NameRole::Registers,
            };
            if let Some((name, at)) = name {
                found.push((at, Found::Name(name.to_string(), role)));
            }
        }
    }
    place(path, text, found, facts);
}

/// `["text-service"]["addr"]` → `text-service.addr`.
fn read_key(chain: &str) -> String {
    let keys: Vec<&str> = INDEX
        .captures_iter(chain)
        .filter_map(|c| c.get(1).map(|k| k.as_str()))
        .collect();
    keys.join(".")
}

/// Identifiers bound to a literal in the file, first binding wins, with the literal's offset.
fn bind(text: &str) -> HashMap<&str, (&str, usize)> {
    let mut out = HashMap::new();
    for c in BINDING.captures_iter(text) {
        if let (Some(id), Some(v)) = (c.get(1), c.get(2)) {
            out.entry(id.as_str()).or_insert((v.as_str(), v.start()));
        }
    }
    out
}

/// Each find as a fact at its line and column, in file order, once.
fn place(path: &str, text: &str, mut found: Vec<(usize, Found)>, facts: &mut Vec<Fact>) {
    if found.is_empty() {
        return;
    }
    found.sort_by_key(|(at, _)| *at);
    let index = LineIndex::new(text);
    for (at, what) in found {
        let (line, column) = index.position(text, at);
        let location = Location::new(path, line, column);
        let fact = match what {
            Found::Read(key) => Fact::ConfigRead { key, location },
            Found::Name(name, role) => Fact::ServiceName {
                name,
                role,
                location,
            },
        };
        if !facts.contains(&fact) {
            facts.push(fact);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Vec<String> {
        let mut facts = Vec::new();
        scan("a.src", src, &Hits::of(src), &mut facts);
        facts
            .iter()
            .map(|f| match f {
                Fact::ConfigRead { key, location } => format!("read {key} @{}", location.line),
                Fact::ServiceName {
                    name,
                    role,
                    location,
                } => format!("{role:?} {name} @{}", location.line),
                _ => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn registrations_by_literal_or_bound_identifier() {
        let go = "import consul \"github.com/hashicorp/consul/api\"\nconst name = \"srv-geo\"\n\
                  func run() { s.Registry.Register(name, id, ip, port) }\n";
        assert_eq!(run(go), ["Registers srv-geo @2"]);
        let py = "import consul\nc.agent.service.register(\"orders\", port=80)\n";
        assert_eq!(run(py), ["Registers orders @2"]);
        let reg = "r := &api.AgentServiceRegistration{\n  ID: id,\n  Name: \"cart-svc\",\n}\n";
        assert_eq!(run(reg), ["Registers cart-svc @3"]);
    }

    #[test]
    fn registering_without_a_registry_or_a_bound_name_is_nothing() {
        assert!(run("prometheus.MustRegister(collector)\nmux.Register(handler)\n").is_empty());
        assert!(run("consul := 1\nr.Register(h)\n").is_empty());
    }

    #[test]
    fn names_passed_to_clients() {
        let src = "if err := s.initSearchClient(\"srv-search\"); err != nil {}\n\
                   conn, _ := dialer.Dial(\"srv-rate\", dialer.WithTracer(t))\n\
                   log.Info(\"not-a-call\")\nx := \"plain-literal\"\n";
        assert_eq!(
            run(src),
            [
                "Calls srv-search @1",
                "Calls srv-rate @2",
                "Calls not-a-call @3",
                "Calls plain-literal @4"
            ]
        );
        assert!(
            run("log.Info(\"srv-search\")\n").is_empty(),
            "no client words"
        );
        let src = "conn, _ := grpc.Dial(\"srv-rate:8084\") // client\n\
                   t := \"consul://consul:8500/srv-user?wait=14s\"\n";
        assert_eq!(run(src), ["Calls srv-rate @1", "Calls srv-user @2"]);
    }

    #[test]
    fn config_reads_by_key() {
        let src = "json config_json;\nstd::string a = config_json[\"text-service\"][\"addr\"];\n\
                   m := result[\"GeoMongoAddress\"]\nv = other[name][\"x\"]\n";
        assert_eq!(
            run(src),
            ["read text-service.addr @2", "read GeoMongoAddress @3"]
        );
        assert!(
            run("h = headers[\"content-type\"]\n").is_empty(),
            "no config"
        );
    }
}
