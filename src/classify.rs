//! What a container image or a name says a component is: datastore (and which technology),
//! broker, gateway, platform (telemetry, registries, config servers), tool (dev tools, admin
//! UIs, mail catchers, load clients), job (migrations, seeds) or sidecar. The tables are the
//! catalog: a pattern is one line here, never an `if`.

use crate::model::ComponentKind;
use aho_corasick::AhoCorasick;
use std::sync::LazyLock;

/// Known images, matched as substrings of the repository path (registry and tag stripped),
/// first match wins: tools before the datastores their names contain (`mongo-express`).
const IMAGES: &[(&str, ComponentKind, &str)] = &[
    ("maildev", ComponentKind::Tool, "maildev"),
    ("mailhog", ComponentKind::Tool, "mailhog"),
    ("mailpit", ComponentKind::Tool, "mailpit"),
    ("mailcatcher", ComponentKind::Tool, "mailcatcher"),
    ("smtp4dev", ComponentKind::Tool, "smtp4dev"),
    ("greenmail", ComponentKind::Tool, "greenmail"),
    ("pgadmin", ComponentKind::Tool, "pgadmin"),
    ("adminer", ComponentKind::Tool, "adminer"),
    ("phpmyadmin", ComponentKind::Tool, "phpmyadmin"),
    ("swagger-ui", ComponentKind::Tool, "swagger-ui"),
    ("swagger-editor", ComponentKind::Tool, "swagger-editor"),
    ("redoc", ComponentKind::Tool, "redoc"),
    ("kafka-ui", ComponentKind::Tool, "kafka-ui"),
    ("kafdrop", ComponentKind::Tool, "kafdrop"),
    ("akhq", ComponentKind::Tool, "akhq"),
    ("redpanda-console", ComponentKind::Tool, "redpanda-console"),
    ("redis-commander", ComponentKind::Tool, "redis-commander"),
    ("redisinsight", ComponentKind::Tool, "redisinsight"),
    ("mongo-express", ComponentKind::Tool, "mongo-express"),
    ("portainer", ComponentKind::Tool, "portainer"),
    ("dozzle", ComponentKind::Tool, "dozzle"),
    (
        "kubernetesui/dashboard",
        ComponentKind::Tool,
        "kubernetes-dashboard",
    ),
    ("locust", ComponentKind::Tool, "locust"),
    ("grafana/k6", ComponentKind::Tool, "k6"),
    ("loadimpact/k6", ComponentKind::Tool, "k6"),
    ("jmeter", ComponentKind::Tool, "jmeter"),
    ("gatling", ComponentKind::Tool, "gatling"),
    ("wrk2", ComponentKind::Tool, "wrk2"),
    ("selenium", ComponentKind::Tool, "selenium"),
    ("wiremock", ComponentKind::Tool, "wiremock"),
    ("mockserver", ComponentKind::Tool, "mockserver"),
    ("flyway", ComponentKind::Job, "flyway"),
    ("liquibase", ComponentKind::Job, "liquibase"),
    ("migrate/migrate", ComponentKind::Job, "migrate"),
    ("postgis", ComponentKind::Datastore, "postgres"),
    ("timescale", ComponentKind::Datastore, "postgres"),
    ("postgres", ComponentKind::Datastore, "postgres"),
    ("mariadb", ComponentKind::Datastore, "mariadb"),
    ("mysql", ComponentKind::Datastore, "mysql"),
    ("mongo", ComponentKind::Datastore, "mongodb"),
    ("redis", ComponentKind::Datastore, "redis"),
    ("valkey", ComponentKind::Datastore, "redis"),
    ("keydb", ComponentKind::Datastore, "redis"),
    ("dragonfly", ComponentKind::Datastore, "redis"),
    ("mssql", ComponentKind::Datastore, "mssql"),
    ("azure-sql-edge", ComponentKind::Datastore, "mssql"),
    ("sqlserver", ComponentKind::Datastore, "mssql"),
    ("cassandra", ComponentKind::Datastore, "cassandra"),
    ("scylla", ComponentKind::Datastore, "cassandra"),
    ("elasticsearch", ComponentKind::Datastore, "elasticsearch"),
    ("opensearch", ComponentKind::Datastore, "elasticsearch"),
    ("cockroach", ComponentKind::Datastore, "cockroachdb"),
    ("couchdb", ComponentKind::Datastore, "couchdb"),
    ("couchbase", ComponentKind::Datastore, "couchbase"),
    ("neo4j", ComponentKind::Datastore, "neo4j"),
    ("dynamodb", ComponentKind::Datastore, "dynamodb"),
    ("memcached", ComponentKind::Datastore, "memcached"),
    ("clickhouse", ComponentKind::Datastore, "clickhouse"),
    ("influxdb", ComponentKind::Datastore, "influxdb"),
    ("oracle/database", ComponentKind::Datastore, "oracle"),
    ("oracle-xe", ComponentKind::Datastore, "oracle"),
    ("cosmosdb", ComponentKind::Datastore, "cosmosdb"),
    ("spanner-emulator", ComponentKind::Datastore, "spanner"),
    ("redpanda", ComponentKind::Broker, "kafka"),
    ("kafka", ComponentKind::Broker, "kafka"),
    ("rabbitmq", ComponentKind::Broker, "rabbitmq"),
    ("nats", ComponentKind::Broker, "nats"),
    ("activemq", ComponentKind::Broker, "activemq"),
    ("artemis", ComponentKind::Broker, "activemq"),
    ("pulsar", ComponentKind::Broker, "pulsar"),
    ("localstack", ComponentKind::Broker, "sqs"),
    ("pubsub-emulator", ComponentKind::Broker, "pubsub"),
    ("zookeeper", ComponentKind::Platform, "zookeeper"),
    ("eventuate-cdc", ComponentKind::Platform, "cdc"),
    ("debezium", ComponentKind::Platform, "cdc"),
    ("consul", ComponentKind::Platform, "consul"),
    ("eureka", ComponentKind::Platform, "eureka"),
    ("config-server", ComponentKind::Platform, "config-server"),
    ("jaeger", ComponentKind::Platform, "jaeger"),
    ("zipkin", ComponentKind::Platform, "zipkin"),
    ("prometheus", ComponentKind::Platform, "prometheus"),
    ("grafana", ComponentKind::Platform, "grafana"),
    (
        "opentelemetry-collector",
        ComponentKind::Platform,
        "otel-collector",
    ),
    ("otel-collector", ComponentKind::Platform, "otel-collector"),
    ("otel/", ComponentKind::Platform, "otel-collector"),
    ("datalust/seq", ComponentKind::Platform, "seq"),
    ("kibana", ComponentKind::Platform, "kibana"),
    ("fluentd", ComponentKind::Platform, "fluentd"),
    ("fluent-bit", ComponentKind::Platform, "fluent-bit"),
    ("logstash", ComponentKind::Platform, "logstash"),
    ("alertmanager", ComponentKind::Platform, "alertmanager"),
    ("cortex", ComponentKind::Platform, "cortex"),
    ("vault", ComponentKind::Platform, "vault"),
    ("flagd", ComponentKind::Platform, "flagd"),
    ("daprio/dapr", ComponentKind::Platform, "dapr"),
    ("keycloak", ComponentKind::Platform, "keycloak"),
    ("unleash", ComponentKind::Platform, "unleash"),
    ("nginx", ComponentKind::Gateway, "nginx"),
    ("envoy", ComponentKind::Gateway, "envoy"),
    ("traefik", ComponentKind::Gateway, "traefik"),
    ("haproxy", ComponentKind::Gateway, "haproxy"),
    ("kong", ComponentKind::Gateway, "kong"),
    ("httpd", ComponentKind::Gateway, "apache"),
];

/// Words that say what a component is when they are a whole `-`/`_`/`.`-separated word of
/// its name (`db-migrate`, `hr-client`, `redis-cluster-setup`), checked after the images.
const NAME_WORDS: &[(&str, ComponentKind, &str)] = &[
    ("migrate", ComponentKind::Job, "migration job"),
    ("migration", ComponentKind::Job, "migration job"),
    ("migrations", ComponentKind::Job, "migration job"),
    ("migrator", ComponentKind::Job, "migration job"),
    ("seed", ComponentKind::Job, "seed job"),
    ("seeder", ComponentKind::Job, "seed job"),
    ("populate", ComponentKind::Job, "seed job"),
    ("setup", ComponentKind::Job, "setup job"),
    ("init", ComponentKind::Job, "setup job"),
    ("loadgenerator", ComponentKind::Tool, "load or test client"),
    ("loadtest", ComponentKind::Tool, "load or test client"),
    ("locust", ComponentKind::Tool, "load or test client"),
    ("apache", ComponentKind::Gateway, "web server"),
    ("operator", ComponentKind::Platform, "k8s operator"),
];

/// Hyphenated name patterns with the same meaning (`load-test`, `user-sim`).
const NAME_PHRASES: &[(&str, ComponentKind, &str)] = &[
    ("load-generator", ComponentKind::Tool, "load or test client"),
    ("load-test", ComponentKind::Tool, "load or test client"),
    ("user-sim", ComponentKind::Tool, "load or test client"),
];

/// Images of sidecars: never an app service of their own. A pattern with a `/` is matched
/// inside the repository path; one without must start a path segment (`daprd` in
/// `daprio/daprd`, not in `eshopdapr/basket.api`).
const SIDECARS: &[&str] = &[
    "istio/proxy",
    "proxyv2",
    "envoyproxy",
    "linkerd",
    "cloud-sql-proxy",
    "cloudsql-proxy",
    "vault-agent",
    "hashicorp/vault",
    "fluent-bit",
    "fluentd",
    "filebeat",
    "promtail",
    "otel/opentelemetry-collector",
    "opentelemetry-collector",
    "datadog/agent",
    "oauth2-proxy",
    "daprd",
    "gce-proxy",
    "cloudsql-docker",
];

/// The repository path of an image: registry host and tag/digest removed, lowercased.
/// Words that name a process's role, not its bounded context: `ordering-api` and
/// `ordering-backgroundtasks` are two processes of one context, `ordering`.
const ROLE_WORDS: &[&str] = &[
    "api",
    "service",
    "svc",
    "app",
    "server",
    "web",
    "worker",
    "workers",
    "job",
    "jobs",
    "backgroundtasks",
    "background",
    "tasks",
    "consumer",
    "processor",
    "handler",
    "signalrhub",
    "grpc",
    "http",
    "ms",
];

/// The bounded context a service id names: its words, without trailing role words
/// (`ordering-backgroundtasks` → `ordering`; `user-mention-service` → `user-mention`).
pub fn bounded_context(id: &str) -> String {
    let lower = id.to_ascii_lowercase();
    let mut words: Vec<&str> = lower
        .split(['-', '_', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    while words.len() > 1 && words.last().is_some_and(|w| ROLE_WORDS.contains(w)) {
        words.pop();
    }
    words.join("-")
}

pub fn image_repository(image: &str) -> String {
    let image = image.split('@').next().unwrap_or(image);
    let mut parts: Vec<&str> = image.split('/').collect();
    if parts.len() > 1
        && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
    {
        parts.remove(0);
    }
    let joined = parts.join("/");
    let without_tag = match joined.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => repo.to_string(),
        _ => joined,
    };
    without_tag.to_ascii_lowercase()
}

/// The tag of an image, if written.
pub fn image_tag(image: &str) -> Option<&str> {
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split('@')
        .next()
        .and_then(|s| s.split_once(':'))
        .map(|(_, t)| t)
}

/// Classify an image. `None`: application code (or unknown).
pub fn image(image: &str) -> Option<(ComponentKind, &'static str)> {
    let repo = image_repository(image);
    first_image(&repo).map(|(_, kind, tech)| (*kind, *tech))
}

/// All image patterns in one automaton: one pass over a name finds every pattern in it.
static IMAGE_PATTERNS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::new(IMAGES.iter().map(|(p, _, _)| p)).expect("image patterns build")
});

/// The first catalog entry, in table order, whose pattern occurs in `text`.
fn first_image(text: &str) -> Option<&'static (&'static str, ComponentKind, &'static str)> {
    IMAGE_PATTERNS
        .find_overlapping_iter(text)
        .map(|m| m.pattern().as_usize())
        .min()
        .map(|i| &IMAGES[i])
}

pub fn is_sidecar(image: &str, extra: &[String]) -> bool {
    let repo = image_repository(image);
    let hit = |p: &str| {
        if p.contains('/') {
            repo.contains(p)
        } else {
            repo.split('/').any(|seg| seg.starts_with(p))
        }
    };
    SIDECARS.iter().any(|p| hit(p)) || extra.iter().any(|p| repo.contains(p.as_str()))
}

/// Classify a component by its name (`mysql` built from `./mysql`, `redis-cart`): a known
/// image pattern that starts one of the name's `-`/`_`/`.`-separated words.
pub fn name(name: &str) -> Option<(ComponentKind, &'static str)> {
    let lower = name.to_ascii_lowercase();
    let last = lower.rsplit('/').next().unwrap_or(&lower);
    let found: Vec<(usize, usize)> = IMAGE_PATTERNS
        .find_overlapping_iter(last)
        .map(|m| (m.pattern().as_usize(), m.start()))
        .filter(|(i, _)| !IMAGES[*i].0.contains('/'))
        .collect();
    let pick = |keep: &dyn Fn(usize, usize) -> bool| {
        found
            .iter()
            .filter(|(i, at)| keep(*i, *at))
            .map(|(i, _)| *i)
            .min()
            .map(|i| (IMAGES[i].1, IMAGES[i].2))
    };
    if let Some(tool) = pick(&|i, _| IMAGES[i].1 == ComponentKind::Tool) {
        return Some(tool);
    }
    if last.ends_with("-gui") || last.ends_with("-ui") || last.ends_with("-exporter") {
        return None;
    }
    // A pattern that starts one of the name's `-`/`_`/`.`-separated words.
    let word_start = |at: usize| at == 0 || matches!(last.as_bytes()[at - 1], b'-' | b'_' | b'.');
    pick(&|i, at| !IMAGES[i].0.contains('-') && word_start(at))
}

/// A role a name's words give (job, tool, web server), with what it means.
pub fn name_role(name: &str) -> Option<(ComponentKind, &'static str)> {
    let lower = name.to_ascii_lowercase();
    let last = lower.rsplit('/').next().unwrap_or(&lower);
    let words: Vec<&str> = last.split(['-', '_', '.']).collect();
    NAME_PHRASES
        .iter()
        .find(|(p, _, _)| last.contains(p))
        .or_else(|| NAME_WORDS.iter().find(|(w, _, _)| words.contains(w)))
        .map(|(_, kind, what)| (*kind, *what))
}

/// The technology a datastore container's own env reveals (`MYSQL_ROOT_PASSWORD`).
pub fn technology_from_env<'a>(keys: impl Iterator<Item = &'a str>) -> Option<&'static str> {
    for k in keys {
        let k = k.to_ascii_uppercase();
        for (prefix, tech) in [
            ("MYSQL_", "mysql"),
            ("MARIADB_", "mariadb"),
            ("POSTGRES_", "postgres"),
            ("PG", "postgres"),
            ("MONGO_", "mongodb"),
            ("REDIS_", "redis"),
            ("MSSQL_", "mssql"),
        ] {
            if k.starts_with(prefix) {
                return Some(tech);
            }
        }
    }
    None
}

/// A name that says "database" without a known image: `user-db`, `orders_db`, `catalogdb`.
pub fn name_says_datastore(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let last = lower.rsplit('/').next().unwrap_or(&lower);
    last.ends_with("-db") || last.ends_with("_db") || last.ends_with("db") && last.len() > 2
}

/// Names of platform components (telemetry, registries, config servers) seen by name.
pub fn name_says_platform(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "config-server",
        "configserver",
        "eureka",
        "registry",
        "discovery",
        "zipkin",
        "jaeger",
        "otel-collector",
        "opentelemetry-collector",
        "prometheus",
        "grafana",
        "consul",
        "heapster",
        "kube-state-metrics",
        "node-exporter",
        "cadvisor",
        "metrics",
        "log-server",
        "fluentd",
        "logstash",
    ]
    .iter()
    .any(|p| lower.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_contexts() {
        for (id, ctx) in [
            ("ordering-api", "ordering"),
            ("ordering-backgroundtasks", "ordering"),
            ("Ordering.SignalrHub", "ordering"),
            ("user-service", "user"),
            ("user-mention-service", "user-mention"),
            ("api", "api"),
            ("catalog_api_grpc", "catalog"),
        ] {
            assert_eq!(bounded_context(id), ctx, "{id}");
        }
    }

    #[test]
    fn images() {
        assert_eq!(
            image_repository("mcr.microsoft.com/mssql/server:2019-latest"),
            "mssql/server"
        );
        assert_eq!(image_repository("localhost:5000/orders:1"), "orders");
        assert_eq!(image_repository("redis:alpine"), "redis");
        assert_eq!(
            image("mcr.microsoft.com/mssql/server:2019-latest"),
            Some((ComponentKind::Datastore, "mssql"))
        );
        assert_eq!(
            image("confluentinc/cp-kafka:7"),
            Some((ComponentKind::Broker, "kafka"))
        );
        assert_eq!(image("acme/orders:1.0"), None);
        assert_eq!(image_tag("r.io/a/b:1.2"), Some("1.2"));
        assert_eq!(image_tag("r.io:5000/a/b"), None);
        assert!(is_sidecar("docker.io/istio/proxyv2:1.20", &[]));
        assert!(name_says_datastore("weaveworksdemos/user-db"));
        assert!(!name_says_datastore("orders"));
    }
}
