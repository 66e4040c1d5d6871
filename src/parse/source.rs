//! Source files of any common language: string literals that name a known component as a URL
//! or `host:port` (`"http://ts-order-service:12031/api"`), found with one multi-pattern
//! (Aho-Corasick) pass over the bytes, plus literals that hold a database or broker connection
//! string (`process.env.X || 'mongodb://m/users'`); and env lookups with their code defaults
//! (`env`); the topics and queues the code sends to or takes from (`messages`); and the
//! service names code registers or dials, and the config keys it reads (`clients`); the
//! logical databases driver calls open (`databases`); Spring `@ConfigurationProperties`
//! binders and the members code reads off them (`binders`); breaker, retry and timeout
//! policies (`resilience`); the Dapr app ids it invokes (`dapr`); signs of two-phase commit
//! (`transactions`); and the patterns `monolens.yaml` adds (`user`). A known
//! name passed with a port (`connect("media-mongodb" .. suffix, 27017)`) is its `host:port`.

mod binders;
mod clients;
mod dapr;
mod databases;
mod env;
mod messages;
mod resilience;
pub mod transactions;
pub mod user;

use super::LineIndex;
use crate::model::{Fact, FileFacts, Location};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use std::sync::LazyLock;

/// The pattern tables of source scanning. Their trigger words share one automaton, so a file
/// is searched for all of them in one pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Table {
    Env,
    Messages,
    Clients,
    Databases,
    Binders,
    Resilience,
    Dapr,
    Transactions,
}

const TABLES: usize = 8;

/// Regexes behind trigger words: the one case-insensitive Aho-Corasick pass over a file
/// (`Hits`) says which patterns can match, and only their regexes run.
pub(super) struct Triggered {
    table: Table,
    triggers: Vec<&'static str>,
    regexes: Vec<Regex>,
}

impl Triggered {
    /// One (trigger, regex) per pattern, in table order.
    fn new<'a>(table: Table, patterns: impl Iterator<Item = (&'static str, &'a str)>) -> Self {
        let (triggers, regexes): (Vec<&str>, Vec<Regex>) = patterns
            .map(|(t, r)| (t, Regex::new(r).expect("valid source pattern")))
            .unzip();
        Triggered {
            table,
            triggers,
            regexes,
        }
    }

    /// The patterns whose trigger occurs in the file, in table order, with their regex.
    fn active(&self, hits: &Hits) -> Vec<(usize, &Regex)> {
        let on = &hits.on[self.table as usize];
        let all = self.regexes.iter().enumerate();
        all.filter(|(i, _)| on.get(*i).copied().unwrap_or(false))
            .collect()
    }
}

/// Every table's trigger words in one automaton; each distinct word (case-folded) maps to
/// the (table, pattern) pairs it triggers.
struct AllTriggers {
    automaton: AhoCorasick,
    targets: Vec<Vec<(Table, usize)>>,
    sizes: [usize; TABLES],
}

static ALL_TRIGGERS: LazyLock<AllTriggers> = LazyLock::new(|| {
    let tables: [&Triggered; TABLES] = [
        &env::COMPILED,
        &messages::COMPILED.patterns,
        &clients::COMPILED,
        &databases::COMPILED,
        &binders::MEMBER_READS,
        &resilience::COMPILED,
        &dapr::COMPILED,
        &transactions::COMPILED,
    ];
    let mut words: Vec<String> = Vec::new();
    let mut targets: Vec<Vec<(Table, usize)>> = Vec::new();
    let mut sizes = [0; TABLES];
    for t in tables {
        sizes[t.table as usize] = t.triggers.len();
        for (i, word) in t.triggers.iter().enumerate() {
            let word = word.to_ascii_lowercase();
            let at = match words.iter().position(|w| *w == word) {
                Some(at) => at,
                None => {
                    words.push(word);
                    targets.push(Vec::new());
                    words.len() - 1
                }
            };
            targets[at].push((t.table, i));
        }
    }
    // A DFA: built once, then the fastest overlapping search over every source file.
    let automaton = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(&words)
        .expect("valid triggers");
    AllTriggers {
        automaton,
        targets,
        sizes,
    }
});

/// Which patterns of each table can match in one file.
pub(super) struct Hits {
    on: [Vec<bool>; TABLES],
}

impl Hits {
    pub(super) fn of(text: &str) -> Self {
        let all = &*ALL_TRIGGERS;
        let mut on: [Vec<bool>; TABLES] = std::array::from_fn(|t| vec![false; all.sizes[t]]);
        for m in all.automaton.find_overlapping_iter(text) {
            for (table, i) in &all.targets[m.pattern().as_usize()] {
                on[*table as usize][*i] = true;
            }
        }
        Hits { on }
    }
}

/// The names the model knows, compiled once for all source files.
#[derive(Default)]
pub struct Matcher {
    automaton: Option<AhoCorasick>,
    /// The `calls:` and `messages:` patterns of `monolens.yaml`.
    user: user::UserPatterns,
    /// Also keep web URLs whose host is a bare service name (`http://orders:8080`), known or
    /// not: a repository's facts are written for a merge where the names come from elsewhere.
    internal_urls: bool,
}

impl Matcher {
    pub fn new<I: IntoIterator<Item = String>>(names: I) -> Self {
        let mut names: Vec<String> = names.into_iter().filter(|n| n.len() >= 2).collect();
        names.sort();
        names.dedup();
        if names.is_empty() {
            return Matcher::default();
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&names)
            .ok();
        Matcher {
            automaton,
            user: user::UserPatterns::default(),
            internal_urls: false,
        }
    }

    /// The same matcher with the configuration's own code patterns.
    pub fn with_patterns(mut self, user: user::UserPatterns) -> Self {
        self.user = user;
        self
    }

    /// The same matcher keeping internal URLs whatever their host (`monolens facts`).
    pub fn keeping_internal_urls(mut self, keep: bool) -> Self {
        self.internal_urls = keep;
        self
    }
}

/// A quoted web or gRPC URL whose host is one DNS label, or a label with a Kubernetes suffix
/// (`orders.shop.svc.cluster.local`): a service inside the system, not a public site.
static INTERNAL_URL_LITERAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"["'`]((?i:https?|grpcs?|wss?)://[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9-]+\.svc(?:\.cluster\.local)?)?(?::\d{1,5})?(?:/[^"'`\s]*)?)["'`]"#,
    )
    .expect("valid regex")
});

/// A quoted literal with a non-HTTP scheme (`postgres://`, `jdbc:mysql://`, `amqp://`) or an
/// ADO.NET `Server=`/`Host=`/`Data Source=` string: connection strings, whatever the host.
static CONNECTION_LITERAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"["'`]((?:jdbc:[a-z0-9:]+|(?i:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|nats|kafka|sqlserver|mssql|cassandra|clickhouse|r2dbc:[a-z]+))://[^"'`\s]+|(?i:server|host|data source)=[^"'`\n]+;[^"'`\n]*)["'`]"#,
    )
    .expect("valid regex")
});

const QUOTES: &[u8] = b"\"'`";

/// What follows a quoted host passed with its port: an optional concatenated suffix
/// (`.. k8s_suffix`, `+ domain`), then the port argument (`, 9090)`).
static HOST_PORT_ARGS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:(?:\.\.|\+)\s*[\w.]+\s*)?,\s*(\d{2,5})\s*[,)]").expect("valid regex")
});

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// How far before a known name its literal's opening quote may be (`"jdbc:postgresql://user@`),
/// and how far after it the closing quote (a path and query).
const MAX_LITERAL_PREFIX: usize = 256;
const MAX_LITERAL_SUFFIX: usize = 4096;

pub fn parse(path: &str, text: &str, matcher: &Matcher, out: &mut FileFacts) {
    let hits = Hits::of(text);
    let defaults = env::scan(path, text, &hits, &mut out.facts);
    messages::scan(path, text, &hits, &mut out.facts);
    clients::scan(path, text, &hits, &mut out.facts);
    databases::scan(path, text, &hits, &mut out.facts);
    binders::scan(path, text, &hits, &mut out.facts);
    resilience::scan(path, text, &hits, &mut out.facts);
    dapr::scan(path, text, &hits, &mut out.facts);
    transactions::scan(
        path,
        text,
        &hits,
        transactions::Files::Source,
        &mut out.facts,
    );
    matcher.user.scan(path, text, &mut out.facts);
    let mut found: Vec<(usize, usize)> = Vec::new();
    // Literals that are a known name passed with a port, as `name:port`.
    let mut paired: Vec<(usize, String)> = Vec::new();
    if let Some(ac) = &matcher.automaton {
        let bytes = text.as_bytes();
        for m in ac.find_iter(bytes) {
            let (s, e) = (m.start(), m.end());
            if s > 0 && is_name_byte(bytes[s - 1]) || e < bytes.len() && is_name_byte(bytes[e]) {
                continue;
            }
            // Look back and ahead a bounded span: a minified one-line file names a service
            // tens of thousands of times, and an unbounded search per match is quadratic.
            let back = s.saturating_sub(MAX_LITERAL_PREFIX);
            let Some(open) = bytes[back..s]
                .iter()
                .rposition(|b| QUOTES.contains(b) || *b == b'\n')
                .map(|i| i + back)
                .filter(|&i| bytes[i] != b'\n')
            else {
                continue;
            };
            let quote = bytes[open];
            let ahead = (e + MAX_LITERAL_SUFFIX).min(bytes.len());
            let Some(close) = bytes[e..ahead]
                .iter()
                .position(|b| *b == quote || *b == b'\n')
                .map(|i| i + e)
            else {
                continue;
            };
            if bytes[close] != quote {
                continue;
            }
            let before = &text[open + 1..s];
            let after = bytes.get(e).copied().unwrap_or(0);
            let ends_with = |k: &str| {
                let b = before.as_bytes();
                b.len() >= k.len() && b[b.len() - k.len()..].eq_ignore_ascii_case(k.as_bytes())
            };
            // The name must be the host: `://name`, `dns:///name`, `user@name`, `Server=name`,
            // or `name:port` on its own; not a path segment or a query value.
            let addressed = (before.ends_with("//")
                && before.contains("://")
                && before.matches("://").count() == 1
                && !before.trim_end_matches('/').contains('/'))
                || before.ends_with('@') && before.contains("://")
                || ["server=", "host=", "data source=", "address=", "addr="]
                    .iter()
                    .any(|k| ends_with(k))
                || before.is_empty()
                    && after == b':'
                    && bytes.get(e + 1).is_some_and(u8::is_ascii_digit);
            if addressed {
                found.push((open + 1, close));
            } else if before.is_empty()
                && close == e
                && let Some(port) = HOST_PORT_ARGS
                    .captures(&text[close + 1..])
                    .and_then(|c| c.get(1))
            {
                paired.push((s, format!("{}:{}", &text[s..e], port.as_str())));
            }
        }
    }
    for cap in CONNECTION_LITERAL.captures_iter(text) {
        if let Some(m) = cap.get(1) {
            found.push((m.start(), m.end()));
        }
    }
    if matcher.internal_urls && text.contains("://") {
        for cap in INTERNAL_URL_LITERAL.captures_iter(text) {
            if let Some(m) = cap.get(1) {
                found.push((m.start(), m.end()));
            }
        }
    }
    if found.is_empty() && paired.is_empty() {
        return;
    }
    // A literal that is an env lookup's default is already a setting, under its key: kept
    // twice, it would survive an override of that key.
    found.retain(|(s, _)| !defaults.iter().any(|(ds, de)| ds <= s && s < de));
    found.sort_unstable();
    found.dedup();
    let mut literals: Vec<(usize, String)> = found
        .into_iter()
        .filter_map(|(s, e)| Some((s, text.get(s..e)?.to_string())))
        .collect();
    if !paired.is_empty() {
        literals.extend(paired);
        literals.sort();
        literals.dedup();
    }
    let index = LineIndex::new(text);
    let mut cursor = index.cursor(text);
    out.facts.reserve(literals.len());
    for (start, value) in literals {
        let (line, column) = cursor.position(start);
        out.facts.push(Fact::Literal {
            value,
            location: Location::new(path, line, column),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literals(src: &str, names: &[&str]) -> Vec<(String, u32, u32)> {
        let mut out = FileFacts::default();
        let m = Matcher::new(names.iter().map(|s| s.to_string()));
        parse("a.js", src, &m, &mut out);
        out.facts
            .iter()
            .filter_map(|f| match f {
                Fact::Literal { value, location } => {
                    Some((value.clone(), location.line, location.column))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn finds_connection_strings_anywhere() {
        let src = "const u = process.env.MONGO_URL || 'mongodb://mongodb:27017/users';\n\
                   String s = \"jdbc:mysql://db:3306/orders\";\nvar c = \"Server=sql;Database=X\";\nlet n = 'no url';\n";
        assert_eq!(
            literals(src, &[]),
            vec![
                ("jdbc:mysql://db:3306/orders".into(), 2, 13),
                ("Server=sql;Database=X".into(), 3, 10)
            ]
        );
    }

    #[test]
    fn an_env_default_is_a_setting_not_a_literal() {
        let mut out = FileFacts::default();
        let src = "const u = process.env.MONGO_URL || 'mongodb://mongodb:27017/users';\n";
        parse("a.js", src, &Matcher::default(), &mut out);
        let setting = out.facts.iter().find_map(|f| match f {
            Fact::Setting(s) => Some((s.key.as_str(), s.value.as_str(), s.location.column)),
            _ => None,
        });
        assert_eq!(
            setting,
            Some(("MONGO_URL", "mongodb://mongodb:27017/users", 37))
        );
        assert!(!out.facts.iter().any(|f| matches!(f, Fact::Literal { .. })));
    }

    #[test]
    fn a_known_name_passed_with_a_port_is_its_host_port() {
        let src = "c = pool:connection(Client, \"user-service\" .. k8s_suffix, 9090)\n\
                   ok = conn:connect(\"media-db\", 27017)\nngx.say(\"user-service\", name)\n\
                   n = count(\"media-db\" .. s, limit)\n";
        assert_eq!(
            literals(src, &["user-service", "media-db"]),
            vec![
                ("user-service:9090".into(), 1, 30),
                ("media-db:27017".into(), 2, 20)
            ]
        );
    }

    #[test]
    fn finds_known_names_as_urls_and_host_ports_only() {
        let src = "a = \"http://ts-order-service:12031/api/v1/orderservice/order\"\n\
                   b = 'cart:7070'\nc = 'dns:///cart:7070'\nd = \"orders\"\ne = orders.get(1)\n\
                   f = 'http://example.com/orders'\ng = `https://payments.default.svc.cluster.local/pay`\n";
        assert_eq!(
            literals(src, &["ts-order-service", "cart", "orders", "payments"]),
            vec![
                (
                    "http://ts-order-service:12031/api/v1/orderservice/order".into(),
                    1,
                    6
                ),
                ("cart:7070".into(), 2, 6),
                ("dns:///cart:7070".into(), 3, 6),
                (
                    "https://payments.default.svc.cluster.local/pay".into(),
                    7,
                    6
                ),
            ]
        );
    }
}
