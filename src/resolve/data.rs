//! Datastore accesses: connection strings, split settings and bare hosts in a service's
//! settings become accesses to datastore components (and edges to brokers); the database
//! named in the service's code fills an access whose settings name none.

use super::builder::{AccessKey, Builder, Classified, push_evidence, reason};
use super::inputs::Inputs;
use crate::connstr::{self, ConnInfo};
use crate::model::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Every app service's settings become accesses and broker edges; an access whose settings
/// name no database takes the one the service's code opens.
pub(super) fn run(b: &mut Builder, inputs: &Inputs) {
    let settings = std::mem::take(&mut b.settings);
    for (svc, list) in &settings {
        if b.is_app(svc) {
            connections(b, svc, list);
        }
    }
    b.settings = settings;
    databases_from_code(b, inputs);
}

/// Technologies without logical databases: every client of a server shares its one key space.
const ONE_KEY_SPACE: &[&str] = &["memcached"];

/// For each service, the databases its own code opens, per technology; where it opens exactly
/// one and its access of that technology names none, the access is to that database.
fn databases_from_code(b: &mut Builder, inputs: &Inputs) {
    let index = OwnerIndex::new(&b.service_dirs);
    let mut opened: BTreeMap<(String, &str), BTreeMap<&str, &Location>> = BTreeMap::new();
    for (path, list) in &inputs.code_databases {
        for svc in index.owners_of(path) {
            for (tech, name, at) in list {
                let names = opened.entry((svc.clone(), *tech)).or_default();
                names.entry(name.as_str()).or_insert(at);
            }
        }
    }
    for ((svc, tech), names) in opened {
        let [(name, at)] = names.into_iter().collect::<Vec<_>>()[..] else {
            continue;
        };
        let key = (svc, String::new(), None);
        let unnamed: Vec<AccessKey> = b
            .accesses
            .range(key.clone()..)
            .take_while(|(k, _)| k.0 == key.0)
            .filter(|(k, a)| k.2.is_none() && a.technology == tech)
            .map(|(k, _)| k.clone())
            .collect();
        for k in unnamed {
            let Some(mut access) = b.accesses.remove(&k) else {
                continue;
            };
            access.database = Some(name.to_string());
            let text = format!("{tech} database `{name}` opened in code");
            push_evidence(&mut access.evidence, vec![Evidence::new(at.clone(), &text)]);
            let rekeyed = (k.0, k.1, Some(database_key(tech, name)));
            match b.accesses.get_mut(&rekeyed) {
                Some(existing) => push_evidence(&mut existing.evidence, access.evidence),
                None => {
                    b.accesses.insert(rekeyed, access);
                }
            }
        }
    }
}

/// Setting keys (as upper-case words) that name the schema a service works in, matched as the
/// key's last words: Hibernate's `default_schema`, Flyway's `schemas` and `default-schema`,
/// Liquibase's `default-schema`, Hikari's `schema`. (Spring's `spring.datasource.schema` is a
/// script location, not a schema.)
const SCHEMA_KEY_SUFFIXES: &[&str] = &["DEFAULT_SCHEMA", "FLYWAY_SCHEMAS", "HIKARI_SCHEMA"];

/// Env-style keys that name it, matched whole: a framework's `EVENTUATE_DATABASE_SCHEMA`
/// places that framework's own tables, not the service's.
const SCHEMA_KEYS: &[&str] = &[
    "DB_SCHEMA",
    "DB_SCHEMA_NAME",
    "DATABASE_SCHEMA",
    "POSTGRES_SCHEMA",
    "PG_SCHEMA",
    "DB_SEARCH_PATH",
    "PG_SEARCH_PATH",
];

/// Values that name no schema.
const NO_SCHEMA: &[&str] = &["none", "null", "default"];

/// Suffixes of the setting that names the database beside a host setting (`DB_HOST` +
/// `DB_NAME`), in order of preference.
const DATABASE_SUFFIXES: &[&str] = &[
    "DATABASE", "DB", "NAME", "DBNAME", "DB_NAME", "SCHEMA", "KEYSPACE", "INDEX", "DB_INDEX",
];

/// Technologies where a schema sits inside a database: a service-wide schema setting applies
/// to their accesses only.
const SCHEMA_TECHNOLOGIES: &[&str] = &[
    "postgres",
    "cockroachdb",
    "mssql",
    "oracle",
    "mysql",
    "mariadb",
    "unknown",
];

/// The schema a setting names, when its key is a schema key and its value one identifier
/// (the first of a list).
fn schema_setting(s: &ResolvedSetting) -> Option<String> {
    let key = words_key(&s.key);
    let named = SCHEMA_KEYS.contains(&key.as_str())
        || SCHEMA_KEY_SUFFIXES
            .iter()
            .any(|k| key == *k || key.strip_suffix(k).is_some_and(|p| p.ends_with('_')));
    if !named {
        return None;
    }
    schema_value(&s.value)
}

/// A schema setting's value as a schema: one identifier (the first of a list), not `none`.
fn schema_value(value: &str) -> Option<String> {
    let first = value.split(',').next()?.trim();
    let identifier = first
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'));
    let none = NO_SCHEMA.iter().any(|n| n.eq_ignore_ascii_case(first));
    (!first.is_empty() && identifier && !none).then(|| first.to_string())
}

/// Whether a key-less setting (a source literal) can never be a connection, whatever the
/// model holds: no connection string, and no bare `host[:port]` (a URL with a path, most
/// often).
fn never_connects(value: &str) -> bool {
    let host_part = value.split(',').next().unwrap_or(value);
    connstr::parse(value).is_none()
        && connstr::host_port(host_part).is_none_or(|(h, _)| h.bytes().all(|c| c.is_ascii_digit()))
}

/// Turn one service's settings into datastore accesses and broker edges.
fn connections(b: &mut Builder, svc: &str, list: &[ResolvedSetting]) {
    let by_key: HashMap<String, &ResolvedSetting> =
        list.iter().map(|s| (words_key(&s.key), s)).collect();
    // A schema set service-wide applies to the connections that name none, in its variant.
    let schemas: Vec<(String, &ResolvedSetting)> = list
        .iter()
        .filter_map(|s| Some((schema_setting(s)?, s)))
        .collect();
    let service_schema = |s: &ResolvedSetting| {
        schemas
            .iter()
            .find(|(_, at)| at.variant.is_none() || at.variant == s.variant)
            .map(|(name, at)| Schema::Service(name.clone(), at))
    };
    // Source literals repeat: a value that can never connect is judged once.
    let mut nowhere: HashSet<&str> = HashSet::new();
    for s in list {
        let value = s.value.trim();
        if value.is_empty() || (s.key.is_empty() && nowhere.contains(value)) {
            continue;
        }
        if s.key.is_empty() && never_connects(value) {
            nowhere.insert(value);
            continue;
        }
        if let Some(info) = connstr::parse(value) {
            let schema = match &info.schema {
                Some(name) => Some(Schema::Named(name.clone())),
                None => service_schema(s),
            };
            record(b, svc, &info, s, None, schema);
            continue;
        }
        // Split settings and bare hosts: DB_HOST + DB_NAME, PGHOST + PGDATABASE,
        // `ConnectionString=basketdata`, `REDIS_ADDR=cache:6379`.
        // A source literal (no key) is a bare host when it names a datastore.
        let key = words_key(&s.key);
        let Some(prefix) = (if key.is_empty() {
            Some(key)
        } else {
            host_key_prefix(&key)
        }) else {
            continue;
        };
        let host_part = value.split(',').next().unwrap_or(value);
        let Some((host, port)) = connstr::host_port(host_part) else {
            continue;
        };
        // A number (`connections: 512`) counts something; it names no server.
        if host.bytes().all(|c| c.is_ascii_digit()) {
            continue;
        }
        // A source literal names a datastore only (brokers get their edges from topics).
        let datastore = |id: String| b.kind(&id) == Some(ComponentKind::Datastore);
        if prefix.is_empty() && !b.resolve_host(&host, &s.location.file).is_ok_and(datastore) {
            continue;
        }
        let sibling = |suffix: &str| {
            let candidates = [format!("{prefix}_{suffix}"), format!("{prefix}{suffix}")];
            candidates
                .into_iter()
                .find_map(|k| by_key.get(&k).copied())
                .filter(|d| !d.value.trim().is_empty())
        };
        let found = DATABASE_SUFFIXES
            .iter()
            .filter(|_| !prefix.is_empty())
            .find_map(|suffix| sibling(suffix).map(|d| (*suffix, d)));
        // `DB_SCHEMA` beside `DB_NAME` is the schema in it; alone, it is the database.
        let schema = match found {
            Some((suffix, _)) if suffix != "SCHEMA" => sibling("SCHEMA")
                .and_then(|d| Some(Schema::Service(schema_value(&d.value)?, d)))
                .or_else(|| service_schema(s)),
            _ => service_schema(s),
        };
        let database_setting = found.map(|(_, d)| d);
        let info = ConnInfo {
            technology: technology_hint(&prefix),
            hosts: vec![(host, port)],
            database: database_setting.map(|d| d.value.trim().to_string()),
            schema: None,
        };
        record(b, svc, &info, s, database_setting, schema);
    }
}

/// Where an access's schema comes from: its own connection string, or a setting of the
/// service (whose location becomes evidence).
#[derive(Clone)]
enum Schema<'a> {
    Named(String),
    Service(String, &'a ResolvedSetting),
}

/// A key as upper-case words: `spring.redis.host` → `SPRING_REDIS_HOST`, camel case split
/// (`GeoMongoAddress` → `GEO_MONGO_ADDRESS`).
fn words_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut prev_lower = false;
    for c in key.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(match c {
            '.' | '-' => '_',
            c => c.to_ascii_uppercase(),
        });
    }
    out
}

/// For a key naming a server (`DB_HOST`, `PGHOST`, `spring.redis.host`, `ConnectionString`),
/// the prefix its sibling keys share.
fn host_key_prefix(key: &str) -> Option<String> {
    for suffix in [
        "_HOSTNAME",
        "_HOST",
        "_SERVER",
        "_ADDR",
        "_ADDRESS",
        "_ADDRESSES",
        "HOST",
        "_URL",
        "_URI",
        "_SERVERS",
        "_BROKERS",
        "_BROKER",
    ] {
        if let Some(p) = key.strip_suffix(suffix)
            && !p.is_empty()
        {
            return Some(p.trim_end_matches('_').to_string());
        }
    }
    (key.contains("CONNECTION") || key.ends_with("DSN")).then(|| key.to_string())
}

fn technology_hint(prefix: &str) -> Option<&'static str> {
    let p = prefix.to_ascii_uppercase();
    [
        ("POSTGRES", "postgres"),
        ("PG", "postgres"),
        ("MYSQL", "mysql"),
        ("MARIADB", "mariadb"),
        ("MONGO", "mongodb"),
        ("REDIS", "redis"),
        ("CASSANDRA", "cassandra"),
        ("ELASTIC", "elasticsearch"),
        ("KAFKA", "kafka"),
        ("RABBIT", "rabbitmq"),
        ("AMQP", "rabbitmq"),
        ("NATS", "nats"),
        ("MSSQL", "mssql"),
        ("SQLSERVER", "mssql"),
    ]
    .iter()
    .find(|(k, _)| p.contains(k))
    .map(|(_, t)| *t)
}

fn record(
    b: &mut Builder,
    svc: &str,
    info: &ConnInfo,
    s: &ResolvedSetting,
    extra: Option<&ResolvedSetting>,
    schema: Option<Schema>,
) {
    let mut evidence = vec![Evidence::of_setting(s)];
    if let Some(via) = &s.via {
        evidence.push(Evidence::new(
            via.clone(),
            &format!("{} (reference)", s.key),
        ));
    }
    if let Some(e) = extra {
        evidence.push(Evidence::of_setting(e));
    }
    let hosts: Vec<&(String, Option<u16>)> = info
        .hosts
        .iter()
        .filter(|(h, _)| !connstr::is_local_host(h) && !h.contains('$') && !h.contains('{'))
        .collect();
    // In a host list (replica set, cluster), a host the repository declares names the server.
    let Some((host, port)) = hosts
        .iter()
        .find(|(h, _)| b.resolve_host(h, &s.location.file).is_ok())
        .or(hosts.first())
        .map(|(h, p)| (h.clone(), *p))
    else {
        return;
    };
    let (id, tech) = match b.resolve_host(&host, &s.location.file) {
        Ok(id) => {
            let comp = &b.components[&id];
            if !matches!(comp.kind, ComponentKind::Datastore | ComponentKind::Broker) {
                return; // a call to another service or platform component: the call graph's business
            }
            let tech = comp
                .technology
                .clone()
                .or_else(|| info.technology.map(str::to_string));
            (id, tech)
        }
        Err(host) => {
            // Only a connection string form says an unknown host is a datastore.
            let Some(tech) = info.technology else { return };
            let id = match port {
                Some(p) if Some(p) != connstr::default_port(tech) => format!("{host}:{p}"),
                _ => host.clone(),
            };
            let kind = if connstr::technology_is_broker(tech) {
                ComponentKind::Broker
            } else {
                ComponentKind::Datastore
            };
            let declared = b.declared_external.get(&host).cloned();
            let at = declared.unwrap_or_else(|| s.location.clone());
            let why = format!("a {tech} connection string of `{svc}` names it");
            let class = Classified::new(kind, Some(tech), reason("referenced", why, &s.location));
            b.add_component(&id, class, at, None);
            (id, Some(tech.to_string()))
        }
    };
    if let (Some(t), Some(c)) = (&tech, b.components.get_mut(&id))
        && c.technology.is_none()
    {
        c.technology = Some(t.clone());
    }
    let tech = tech.unwrap_or_else(|| "unknown".into());
    let is_broker = b.components[&id].kind == ComponentKind::Broker;
    if is_broker {
        let edge = b.edge(svc, &id, EdgeKind::Async, Some(tech.clone()));
        edge.scope.widen(s.variant.as_ref());
        push_evidence(&mut edge.evidence, evidence);
        return;
    }
    let database = info
        .database
        .clone()
        .filter(|d| !d.is_empty())
        .or_else(|| (tech == "redis").then(|| "0".to_string()))
        .or_else(|| ONE_KEY_SPACE.contains(&tech.as_str()).then(String::new));
    let key = (
        svc.to_string(),
        id.clone(),
        database.as_deref().map(|d| database_key(&tech, d)),
    );
    let schema = match schema {
        Some(Schema::Named(name)) => Some(name),
        Some(Schema::Service(name, at)) if SCHEMA_TECHNOLOGIES.contains(&tech.as_str()) => {
            let text = format!("{}={}", at.key, at.value);
            evidence.push(Evidence::new(at.location.clone(), &text));
            Some(name)
        }
        _ => None,
    }
    // Unquoted schema names fold to one case in every engine that has schemas.
    .map(|name| name.to_ascii_lowercase());
    let access = b.accesses.entry(key).or_insert_with(|| Access {
        service: svc.to_string(),
        datastore: id.clone(),
        technology: tech.clone(),
        database: database.clone(),
        schema: None,
        evidence: Vec::new(),
        evidence_count: 0,
        scope: Scope::none(),
    });
    if access.schema.is_none() {
        access.schema = schema;
    }
    access.scope.widen(s.variant.as_ref());
    push_evidence(&mut access.evidence, evidence);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_keys() {
        assert_eq!(host_key_prefix("DB_HOST").as_deref(), Some("DB"));
        assert_eq!(host_key_prefix("PGHOST").as_deref(), Some("PG"));
        assert_eq!(
            host_key_prefix("SPRING_REDIS_HOST").as_deref(),
            Some("SPRING_REDIS")
        );
        assert_eq!(
            host_key_prefix("CONNECTIONSTRING").as_deref(),
            Some("CONNECTIONSTRING")
        );
        assert_eq!(host_key_prefix("KAFKA_ADDRESSES").as_deref(), Some("KAFKA"));
        assert_eq!(host_key_prefix("JAVA_OPTS"), None);
        assert_eq!(words_key("GeoMongoAddress"), "GEO_MONGO_ADDRESS");
        assert_eq!(words_key("spring.redis.host"), "SPRING_REDIS_HOST");
        assert_eq!(words_key("DB_HOST"), "DB_HOST");
    }
}
