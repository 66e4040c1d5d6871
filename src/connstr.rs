//! Connection-string forms: URLs (many hosts allowed), JDBC, ADO.NET key/value and PDO DSNs.
//! Pure text → `ConnInfo`; which component a host names is decided later, in resolve.

use memchr::memmem::Finder;
use std::sync::LazyLock;

static SCHEME_END: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("://"));

/// `scheme://rest` split at the first `://`; a precompiled search, since it runs on every
/// setting of the repository several times.
pub fn split_scheme(text: &str) -> Option<(&str, &str)> {
    let at = SCHEME_END.find(text.as_bytes())?;
    Some((&text[..at], &text[at + 3..]))
}

/// What a connection string says: technology, server host(s) and the logical database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnInfo {
    /// Canonical technology (postgres, mysql, mongodb, redis, rabbitmq, kafka, mssql, …);
    /// `None` when the form does not say (ADO.NET `Server=…`), and resolve decides.
    pub technology: Option<&'static str>,
    pub hosts: Vec<(String, Option<u16>)>,
    pub database: Option<String>,
    /// The schema the connection works in (`?currentSchema=`, `search_path`, `Search Path=`),
    /// when the string says.
    pub schema: Option<String>,
}

/// URL query keys (lowercase) that set the working schema: PostgreSQL JDBC `currentSchema`,
/// Prisma `schema`, libpq-style `search_path`.
const SCHEMA_QUERY_KEYS: &[&str] = &["currentschema", "schema", "search_path", "searchpath"];

/// Keyword-form keys (lowercase) that set the working schema: Npgsql `Search Path`, DB2
/// `CurrentSchema`.
const SCHEMA_KEYWORDS: &[&str] = &[
    "search path",
    "searchpath",
    "current schema",
    "currentschema",
];

/// The schema a `search_path`-style list works in: its first entry, unless that is a
/// per-user placeholder (`"$user"`), which names no one schema.
fn first_schema(list: &str) -> Option<String> {
    let first = list.split([',', ' ']).find(|p| !p.is_empty())?;
    let first = first.trim_matches(|c| c == '"' || c == '\'');
    (!first.is_empty() && !first.starts_with('$') && !first.contains('{'))
        .then(|| first.to_string())
}

/// The schema a URL query sets: a schema key, or libpq's `options=-c search_path=x`
/// (percent-encoded as `-csearch_path%3Dx`).
fn query_schema(query: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        let k = k.to_ascii_lowercase();
        if SCHEMA_QUERY_KEYS.contains(&k.as_str()) {
            return first_schema(&percent_decode(v));
        }
        if k != "options" {
            return None;
        }
        let options = percent_decode(v);
        let at = options.to_ascii_lowercase().find("search_path=")? + "search_path=".len();
        let list = options[at..].split_whitespace().next()?;
        first_schema(list)
    })
}

/// `%XX` escapes decoded (and `+` as a space); a malformed escape stays as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Canonical technology for a URL scheme.
fn scheme_technology(scheme: &str) -> Option<&'static str> {
    Some(match scheme {
        "postgres" | "postgresql" | "pgsql" | "r2dbc:postgresql" | "r2dbc:postgres" => "postgres",
        "mysql" | "r2dbc:mysql" | "mysqlx" => "mysql",
        "mariadb" | "r2dbc:mariadb" => "mariadb",
        "mongodb" | "mongodb+srv" => "mongodb",
        "redis" | "rediss" | "redis+sentinel" => "redis",
        "amqp" | "amqps" => "rabbitmq",
        "nats" | "tls+nats" => "nats",
        "kafka" | "kafka+ssl" => "kafka",
        "sqlserver" | "mssql" | "r2dbc:mssql" | "r2dbc:sqlserver" => "mssql",
        "cassandra" => "cassandra",
        "clickhouse" | "r2dbc:clickhouse" => "clickhouse",
        "cockroachdb" | "cockroach" => "cockroachdb",
        "neo4j" | "bolt" | "neo4j+s" => "neo4j",
        "couchdb" => "couchdb",
        "memcached" => "memcached",
        "pulsar" | "pulsar+ssl" => "pulsar",
        "stomp" | "tcp+activemq" => "activemq",
        "elasticsearch" => "elasticsearch",
        _ => return None,
    })
}

fn is_broker(tech: &str) -> bool {
    matches!(tech, "rabbitmq" | "nats" | "kafka" | "pulsar" | "activemq")
}

/// Whether a technology is a message broker rather than a datastore.
pub fn technology_is_broker(tech: &str) -> bool {
    is_broker(tech)
}

/// Parse any connection-string form. Returns `None` for text that is not one.
pub fn parse(text: &str) -> Option<ConnInfo> {
    let text = text.trim().trim_matches(|c| c == '"' || c == '\'');
    if text.len() < 4 || text.contains('\n') {
        return None;
    }
    if let Some(rest) = strip_prefix_ci(text, "jdbc:") {
        return parse_jdbc(rest);
    }
    if let Some(info) = parse_url(text) {
        return Some(info);
    }
    // `http://…`, `grpc://…`: a URL whose scheme names no datastore or broker is no other
    // form either (a keyword form's `Endpoint=sb://…` has no plain scheme before `://`).
    if split_scheme(text).is_some_and(|(scheme, _)| is_plain_scheme(scheme)) {
        return None;
    }
    if let Some(info) = parse_go_dsn(text) {
        return Some(info);
    }
    if let Some(info) = parse_pdo(text) {
        return Some(info);
    }
    parse_ado(text)
}

fn is_plain_scheme(scheme: &str) -> bool {
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// `host[:port]` with IPv6 brackets tolerated; the host lowercased.
pub fn host_port(s: &str) -> Option<(String, Option<u16>)> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    // `::1` has colons but no port.
    if is_local_host(s) {
        return Some((s.to_ascii_lowercase(), None));
    }
    let (host, port) = if let Some(stripped) = s.strip_prefix('[') {
        let (h, rest) = stripped.split_once(']')?;
        (h, rest.strip_prefix(':').and_then(|p| p.parse().ok()))
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => match p.parse::<u16>() {
                Ok(port) => (h, Some(port)),
                Err(_) if p.is_empty() => (h, None),
                Err(_) => return None,
            },
            None => (s, None),
        }
    };
    valid_host(host).then(|| (host.to_ascii_lowercase(), port))
}

fn valid_host(h: &str) -> bool {
    is_local_host(h)
        || (!h.is_empty()
            && h.len() <= 253
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':')))
}

/// Hosts that name the machine the service runs on, or a design-time server on the
/// developer's own machine (SQL Server's `.`, `(local)`, `(localdb)\MSSQLLocalDB`): a
/// database there is private to whoever runs the service, never one that services share.
const LOCAL_HOSTS: &[&str] = &[
    "localhost",
    "localhost.localdomain",
    "127.0.0.1",
    "0.0.0.0",
    "::1",
    "host.docker.internal",
    ".",
    "(local)",
    "(localdb)",
];

/// Whether a host (as written; an instance name after `\` already cut off) is a local or
/// design-time host. The parser admits these forms as hosts; resolve never makes them a
/// component.
pub fn is_local_host(host: &str) -> bool {
    LOCAL_HOSTS.iter().any(|l| l.eq_ignore_ascii_case(host))
}

fn hosts(list: &str) -> Option<Vec<(String, Option<u16>)>> {
    let hosts: Vec<_> = list.split(',').filter_map(host_port).collect();
    (!hosts.is_empty()).then_some(hosts)
}

fn parse_url(text: &str) -> Option<ConnInfo> {
    let (scheme, rest) = split_scheme(text)?;
    let technology = scheme_technology(&scheme.to_ascii_lowercase())?;
    let (authority, path_query) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    // Userinfo ends at the last '@' of the authority (passwords may hold '@' unencoded).
    let host_list = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let hosts = hosts(host_list)?;
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    let first_segment = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let query_db = query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        matches!(
            k,
            "db" | "database" | "dbname" | "databaseName" | "keyspace"
        )
        .then(|| v.to_string())
    });
    let mut database = (!first_segment.is_empty())
        .then(|| first_segment.to_string())
        .or(query_db);
    match technology {
        "redis" => {
            database = Some(
                database
                    .filter(|d| d.parse::<u32>().is_ok())
                    .unwrap_or_else(|| "0".into()),
            )
        }
        // A broker's "path" is a vhost or nothing: not a database.
        t if is_broker(t) => database = None,
        _ => {}
    }
    Some(ConnInfo {
        technology: Some(technology),
        hosts,
        database,
        schema: query_schema(query),
    })
}

fn parse_jdbc(rest: &str) -> Option<ConnInfo> {
    let lower = rest.to_ascii_lowercase();
    if lower.starts_with("oracle:") {
        // jdbc:oracle:thin:@host:port:SID | @//host:port/service | @host:port/service
        let at = rest.split_once('@')?.1.trim_start_matches("//");
        if at.starts_with('(') {
            let at = at.to_ascii_lowercase();
            let at = at.as_str();
            let host = between(at, "host=", ")")?;
            let port = between(at, "port=", ")").and_then(|p| p.trim().parse().ok());
            let db = between(at, "service_name=", ")").or_else(|| between(at, "sid=", ")"));
            return Some(ConnInfo {
                technology: Some("oracle"),
                hosts: vec![(host.trim().to_string(), port)],
                database: db.map(|d| d.trim().to_string()),
                schema: None,
            });
        }
        let (hp, db) = match at.split_once('/') {
            Some((hp, db)) => (hp.to_string(), Some(db.to_string())),
            None => {
                let mut parts = at.splitn(3, ':');
                let h = parts.next()?;
                let p = parts.next();
                let sid = parts.next();
                (
                    p.map_or(h.to_string(), |p| format!("{h}:{p}")),
                    sid.map(str::to_string),
                )
            }
        };
        return Some(ConnInfo {
            technology: Some("oracle"),
            hosts: vec![host_port(&hp)?],
            database: db,
            schema: None,
        });
    }
    if lower.starts_with("sqlserver://") || lower.starts_with("jtds:sqlserver://") {
        let body = &rest[rest.find("//")? + 2..];
        let mut parts = body.split(';');
        let server = parts.next()?;
        let server = server.split('\\').next().unwrap_or(server);
        let mut database = None;
        for kv in parts {
            if let Some((k, v)) = kv.split_once('=')
                && matches!(
                    k.trim().to_ascii_lowercase().as_str(),
                    "databasename" | "database"
                )
            {
                database = Some(v.trim().to_string());
            }
        }
        let (host, port) = host_port(server)?;
        return Some(ConnInfo {
            technology: Some("mssql"),
            hosts: vec![(host, port)],
            database: database.or_else(|| {
                // jtds: //host:port/db
                server.split_once('/').map(|(_, d)| d.to_string())
            }),
            schema: None,
        });
    }
    parse_url(rest)
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = text.find(start)? + start.len();
    let j = text[i..].find(end)? + i;
    Some(&text[i..j])
}

/// Go MySQL driver DSN: `user:pass@tcp(host:3306)/db?opts`.
fn parse_go_dsn(text: &str) -> Option<ConnInfo> {
    let at = text
        .find("@tcp(")
        .map(|i| i + 5)
        .or_else(|| text.strip_prefix("tcp(").map(|_| 4))?;
    let close = text[at..].find(')')? + at;
    let (host, port) = host_port(&text[at..close])?;
    let db = text[close + 1..]
        .strip_prefix('/')?
        .split('?')
        .next()
        .unwrap_or("");
    Some(ConnInfo {
        technology: Some("mysql"),
        hosts: vec![(host, port)],
        database: (!db.is_empty()).then(|| db.to_string()),
        schema: None,
    })
}

/// PDO DSN: `mysql:host=db;port=3306;dbname=shop`.
fn parse_pdo(text: &str) -> Option<ConnInfo> {
    let (driver, rest) = text.split_once(':')?;
    let technology = match driver.to_ascii_lowercase().as_str() {
        "mysql" => "mysql",
        "pgsql" => "postgres",
        "sqlsrv" => "mssql",
        _ => return None,
    };
    let pairs = key_values(rest, ';');
    let host = pairs
        .iter()
        .find(|(k, _)| k == "host" || k == "server")?
        .1
        .clone();
    let port = pairs
        .iter()
        .find(|(k, _)| k == "port")
        .and_then(|(_, p)| p.parse().ok());
    let database = pairs
        .iter()
        .find(|(k, _)| k == "dbname" || k == "database")
        .map(|(_, v)| v.clone());
    let (host, hport) = host_port(&host)?;
    Some(ConnInfo {
        technology: Some(technology),
        hosts: vec![(host, port.or(hport))],
        database,
        schema: None,
    })
}

fn key_values(text: &str, sep: char) -> Vec<(String, String)> {
    text.split(sep)
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect()
}

/// ADO.NET: `Server=…;Database=…`, `Host=…;Database=…`, `Data Source=…;Initial Catalog=…`.
fn parse_ado(text: &str) -> Option<ConnInfo> {
    if !text.contains('=') || !text.contains(';') {
        return None;
    }
    let parsed = text.parse::<connection_string::AdoNetString>().ok()?;
    let get = |names: &[&str]| {
        names.iter().find_map(|n| {
            parsed
                .get(*n)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        })
    };
    let server = get(&[
        "server",
        "data source",
        "address",
        "addr",
        "network address",
        "host",
    ])?;
    let database = get(&["database", "initial catalog"]);
    let schema = get(SCHEMA_KEYWORDS).and_then(|s| first_schema(&s));
    let port = get(&["port"]).and_then(|p| p.parse::<u16>().ok());
    // Npgsql writes `Host=`; SQL Server `Data Source`/`Initial Catalog`/`User Id`;
    // MySQL connectors `Uid`/`Pwd` or port 3306. Otherwise the server's image decides.
    let technology = if parsed.get("host").is_some() {
        Some("postgres")
    } else if parsed.get("data source").is_some()
        || parsed.get("initial catalog").is_some()
        || parsed.get("trustservercertificate").is_some()
        || parsed.get("integrated security").is_some()
        || parsed.get("multipleactiveresultsets").is_some()
    {
        Some("mssql")
    } else if parsed.get("uid").is_some() || port == Some(3306) || parsed.get("sslmode").is_some() {
        Some("mysql")
    } else {
        None
    };
    // `tcp:host,1433`, `host,1433`, `host\instance`, `host:port`.
    let server = server.trim_start_matches("tcp:");
    let server = server.split('\\').next().unwrap_or(server);
    let (host_part, comma_port) = match server.split_once(',') {
        Some((h, p)) => (h, p.trim().parse::<u16>().ok()),
        None => (server, None),
    };
    let (host, colon_port) = host_port(host_part)?;
    Some(ConnInfo {
        technology,
        hosts: vec![(host, port.or(comma_port).or(colon_port))],
        database,
        schema,
    })
}

/// The default port of a technology, for server identity of external hosts.
pub fn default_port(tech: &str) -> Option<u16> {
    Some(match tech {
        "postgres" | "cockroachdb" => 5432,
        "mysql" | "mariadb" => 3306,
        "mongodb" => 27017,
        "redis" => 6379,
        "rabbitmq" => 5672,
        "nats" => 4222,
        "kafka" => 9092,
        "mssql" => 1433,
        "cassandra" => 9042,
        "clickhouse" => 8123,
        "oracle" => 1521,
        "elasticsearch" => 9200,
        "neo4j" => 7687,
        "memcached" => 11211,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> (Option<&'static str>, Vec<String>, Option<String>) {
        let i = parse(s).unwrap_or_else(|| panic!("not parsed: {s}"));
        let hosts = i
            .hosts
            .iter()
            .map(|(h, p)| p.map_or(h.clone(), |p| format!("{h}:{p}")))
            .collect();
        (i.technology, hosts, i.database)
    }

    #[test]
    fn urls() {
        assert_eq!(
            p("postgres://app:pw@orders-db:5432/orders?sslmode=disable"),
            (
                Some("postgres"),
                vec!["orders-db:5432".into()],
                Some("orders".into())
            )
        );
        assert_eq!(
            p("mongodb://m1:27017,m2:27017/users?replicaSet=rs0"),
            (
                Some("mongodb"),
                vec!["m1:27017".into(), "m2:27017".into()],
                Some("users".into())
            )
        );
        assert_eq!(
            p("mongodb+srv://u:p@cluster0.x.net/db").2,
            Some("db".into())
        );
        assert_eq!(p("redis://cache:6379/2").2, Some("2".into()));
        assert_eq!(p("redis://cache").2, Some("0".into()));
        assert_eq!(p("amqp://guest:guest@rabbitmq:5672/").0, Some("rabbitmq"));
        assert_eq!(p("amqp://guest:guest@rabbitmq:5672/").2, None);
        assert_eq!(p("r2dbc:postgresql://db/x").2, Some("x".into()));
        assert_eq!(
            p("cassandra://c1:9042/keyspace1").2,
            Some("keyspace1".into())
        );
        assert!(parse("http://orders:8080/api").is_none());
        assert!(parse("just some text").is_none());
    }

    #[test]
    fn jdbc() {
        assert_eq!(
            p("jdbc:mysql://a:3306,b:3306/ftgo?useSSL=false"),
            (
                Some("mysql"),
                vec!["a:3306".into(), "b:3306".into()],
                Some("ftgo".into())
            )
        );
        assert_eq!(
            p("jdbc:postgresql://pg/orders"),
            (Some("postgres"), vec!["pg".into()], Some("orders".into()))
        );
        assert_eq!(
            p("jdbc:sqlserver://sql1:1433;databaseName=Billing;encrypt=true"),
            (
                Some("mssql"),
                vec!["sql1:1433".into()],
                Some("Billing".into())
            )
        );
        assert_eq!(
            p("jdbc:oracle:thin:@ora:1521:ORCL"),
            (Some("oracle"), vec!["ora:1521".into()], Some("ORCL".into()))
        );
        assert_eq!(
            p("jdbc:oracle:thin:@//ora:1521/svc"),
            (Some("oracle"), vec!["ora:1521".into()], Some("svc".into()))
        );
    }

    #[test]
    fn ado_and_pdo() {
        assert_eq!(
            p("Server=sqldata;Database=OrderingDb;User Id=sa;Password=Pass@word;Encrypt=False"),
            (None, vec!["sqldata".into()], Some("OrderingDb".into()))
        );
        assert_eq!(
            p("Data Source=tcp:sql,1433;Initial Catalog=Cat;"),
            (Some("mssql"), vec!["sql:1433".into()], Some("Cat".into()))
        );
        assert_eq!(
            p("Host=pg;Port=5433;Database=app;Username=u;Password=p"),
            (Some("postgres"), vec!["pg:5433".into()], Some("app".into()))
        );
        assert_eq!(
            p("mysql:host=db;port=3306;dbname=shop"),
            (Some("mysql"), vec!["db:3306".into()], Some("shop".into()))
        );
        assert!(parse("a=b;c=d").is_none());
        // A plain non-datastore URL is no keyword form; a keyword form holding `://` still
        // reaches the keyword parser.
        assert!(parse("http://orders:8080/api;Database=x").is_none());
        let keyed = "Server=sql;Database=Cat;Application Name=see http://wiki";
        assert_eq!(p(keyed), (None, vec!["sql".into()], Some("Cat".into())));
        assert_eq!(
            p("catalogue_user:pw@tcp(catalogue-db:3306)/socksdb"),
            (
                Some("mysql"),
                vec!["catalogue-db:3306".into()],
                Some("socksdb".into())
            )
        );
    }

    #[test]
    fn local_hosts() {
        for (text, host) in [
            (
                "Server=.;Initial Catalog=Orders;Integrated Security=true",
                ".",
            ),
            (
                r"Server=.\SQLEXPRESS;Database=Orders;Trusted_Connection=True",
                ".",
            ),
            (
                r"Data Source=(localdb)\MSSQLLocalDB;Initial Catalog=Orders;",
                "(localdb)",
            ),
            (
                r"Data Source=(localdb)\\MSSQLLocalDB;Initial Catalog=Orders;",
                "(localdb)",
            ),
            ("Server=(local);Database=Orders;", "(local)"),
            ("Server=localhost,1433;Database=Orders;", "localhost"),
            ("Server=::1;Database=Orders;", "::1"),
            ("postgres://u@127.0.0.1:5432/orders", "127.0.0.1"),
            ("postgres://u@[::1]:5432/orders", "::1"),
        ] {
            let info = parse(text).unwrap_or_else(|| panic!("not parsed: {text}"));
            assert_eq!(info.hosts[0].0, host, "{text}");
            assert!(is_local_host(&info.hosts[0].0), "{text}");
            let db = info.database.as_deref().unwrap_or_default();
            assert!(db.eq_ignore_ascii_case("orders"), "{text}");
        }
        assert!(!is_local_host("sql.acme.internal"));
        assert!(!is_local_host("localhost-db"));
        assert!(is_local_host("(LocalDB)"));
    }

    #[test]
    fn schemas() {
        let schema = |s: &str| parse(s).and_then(|i| i.schema);
        assert_eq!(
            schema("jdbc:postgresql://pg:5432/shop?currentSchema=orders").as_deref(),
            Some("orders")
        );
        assert_eq!(
            schema("postgresql://u:p@pg/shop?schema=billing").as_deref(),
            Some("billing")
        );
        assert_eq!(
            schema("postgres://pg/shop?sslmode=disable&search_path=stock,public").as_deref(),
            Some("stock")
        );
        assert_eq!(
            schema("postgres://pg/shop?options=-csearch_path%3Dpayments").as_deref(),
            Some("payments")
        );
        assert_eq!(
            schema("postgres://pg/shop?options=-c%20search_path%3Dledger%2Cpublic").as_deref(),
            Some("ledger")
        );
        assert_eq!(
            schema("Host=pg;Database=shop;Search Path=billing;Username=u").as_deref(),
            Some("billing")
        );
        assert_eq!(
            schema("postgres://pg/shop?search_path=%22$user%22,public"),
            None
        );
        assert_eq!(schema("postgres://pg/shop"), None);
        assert_eq!(schema("Host=pg;Database=shop;Username=u"), None);
    }
}
