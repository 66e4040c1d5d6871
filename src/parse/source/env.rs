//! Env lookups in source code, per language, as a data table of patterns: the key a service's
//! own code reads (`Fact::EnvRead`) and the fallback written beside it (`Fact::Setting`), which
//! is that key's value for the service when nothing else sets it.

use super::{Hits, LineIndex, Table, Triggered};
use crate::model::{ANY_ENV_KEY, EnvSource, Fact, Location, Setting};
use regex::Regex;
use std::sync::LazyLock;

/// One lookup form. `k` captures the key; `d` or `e` (when present) the default literal.
struct Pattern {
    /// A substring every match contains, checked before the regex runs (case-insensitive).
    trigger: &'static str,
    regex: &'static str,
    does: Does,
}

/// What a match says about the keys the code reads.
#[derive(PartialEq)]
enum Does {
    /// Reads the key `k`.
    Read,
    /// `k` is a command-line flag, not an env key; only its default counts.
    Flag,
    /// Reads a key the code computes: the file's env-like string literals (a list of names
    /// checked in a loop), or any key when it has none.
    Computed,
    /// Binds a whole options object by name: any key.
    Binds,
}

// Building blocks: a quote, a key, a default literal's text.
macro_rules! q {
    () => {
        r#"["'`]"#
    };
}
macro_rules! key {
    () => {
        r#"(?P<k>[A-Za-z_][A-Za-z0-9_.:\-]*)"#
    };
}
macro_rules! dflt {
    ($name:literal) => {
        concat!(r#"(?P<"#, $name, r#">[^"'`\n]*)"#)
    };
}

const PATTERNS: &[Pattern] = &[
    // Any function whose name says env: Python/PHP/C `getenv`, Go `os.Getenv`, `getEnv(k, d)`
    // and `mustMapEnv(&target, k)` helpers, .NET `GetEnvironmentVariable`; the default is a
    // second argument or follows `??`, `||`, `?:`, `or`.
    Pattern {
        trigger: "env",
        regex: concat!(
            r"\b(?P<f>\w*(?i:env)\w*)\(\s*(?:&?[\w.]+\s*,\s*)?",
            q!(),
            key!(),
            q!(),
            r"(?:\s*,\s*",
            q!(),
            dflt!("d"),
            q!(),
            r"\s*[,)]|\s*\)\s*(?:\?\?|\|\||\?:|\bor\b)\s*",
            q!(),
            dflt!("e"),
            q!(),
            ")?"
        ),
        does: Does::Read,
    },
    // Python `os.environ.get(k, d)`.
    Pattern {
        trigger: "environ",
        regex: concat!(
            r"\benviron\.get\(\s*",
            q!(),
            key!(),
            q!(),
            r"(?:\s*,\s*",
            q!(),
            dflt!("d"),
            q!(),
            r"\s*[,)])?"
        ),
        does: Does::Read,
    },
    // Python `os.environ[k]`, Ruby `ENV[k] || d`.
    Pattern {
        trigger: "env",
        regex: concat!(
            r"\b(?:environ|ENV)\[\s*",
            q!(),
            key!(),
            q!(),
            r"\s*\](?:\s*(?:\|\||\?\?|\bor\b)\s*",
            q!(),
            dflt!("d"),
            q!(),
            ")?"
        ),
        does: Does::Read,
    },
    // Ruby `ENV.fetch(k, d)`.
    Pattern {
        trigger: "ENV.fetch",
        regex: concat!(
            r"\bENV\.fetch\(\s*",
            q!(),
            key!(),
            q!(),
            r"(?:\s*,\s*",
            q!(),
            dflt!("d"),
            q!(),
            r"\s*[,)])?"
        ),
        does: Does::Read,
    },
    // JS/TS `process.env.K || d`, `process.env.K ?? d`.
    Pattern {
        trigger: "process.env",
        regex: concat!(
            r"\bprocess\.env\.(?P<k>[A-Za-z_][A-Za-z0-9_]*)(?:\s*(?:\|\||\?\?)\s*",
            q!(),
            dflt!("d"),
            q!(),
            ")?"
        ),
        does: Does::Read,
    },
    // JS/TS `process.env['K'] || d`.
    Pattern {
        trigger: "process.env",
        regex: concat!(
            r"\bprocess\.env\[\s*",
            q!(),
            key!(),
            q!(),
            r"\s*\](?:\s*(?:\|\||\?\?)\s*",
            q!(),
            dflt!("d"),
            q!(),
            ")?"
        ),
        does: Does::Read,
    },
    // Java `System.getenv().getOrDefault(k, d)`.
    Pattern {
        trigger: "getOrDefault",
        regex: concat!(
            r"\bSystem\.getenv\(\)\s*\.getOrDefault\(\s*",
            q!(),
            key!(),
            q!(),
            r"\s*,\s*",
            q!(),
            dflt!("d"),
            q!()
        ),
        does: Does::Read,
    },
    // Spring `@Value("${cart.url:http://cart:8080}")`, also inside a longer value
    // (`"http://${BALANCES_API_ADDR}/balances"`); Kotlin escapes the `$`.
    Pattern {
        trigger: "@Value",
        regex: r#"@Value\(\s*"[^"\n$]*\\?\$\{(?P<k>[^:}"\s]+)(?::(?P<d>[^}"\n]*))?\}"#,
        does: Does::Read,
    },
    // .NET `configuration["K"] ?? "d"`.
    Pattern {
        trigger: "config",
        regex: concat!(
            r"\b(?i:_?config(?:uration)?)\[\s*",
            q!(),
            key!(),
            q!(),
            r"\s*\](?:\s*\?\?\s*",
            q!(),
            dflt!("d"),
            q!(),
            ")?"
        ),
        does: Does::Read,
    },
    // .NET `GetValue<string>("K", "d")`, `GetValue("K", "d")`.
    Pattern {
        trigger: "GetValue",
        regex: concat!(
            r"\bGetValue(?:<[\w?]+>)?\(\s*",
            q!(),
            key!(),
            q!(),
            r"(?:\s*,\s*",
            q!(),
            dflt!("d"),
            q!(),
            r"\s*[,)])?"
        ),
        does: Does::Read,
    },
    // Rust `env::var("K").unwrap_or("d"…)`, `.unwrap_or_else(|_| "d".into())`.
    Pattern {
        trigger: "env::var",
        regex: concat!(
            r"\benv::var(?:_os)?\(\s*",
            q!(),
            key!(),
            q!(),
            r"\s*\)(?:\s*\.\s*unwrap_or(?:_else)?\(\s*(?:\|_\|\s*)?(?:String::from\(\s*)?",
            q!(),
            dflt!("d"),
            q!(),
            ")?"
        ),
        does: Does::Read,
    },
    // Go `flag.String("user-addr", "user:8081", …)`, `flag.StringVar(&x, "k", "d", …)`.
    Pattern {
        trigger: "flag.String",
        regex: concat!(
            r"\bflag\.String(?:Var\(\s*&?[\w.\[\]]+\s*,|\()\s*",
            q!(),
            key!(),
            q!(),
            r"\s*,\s*",
            q!(),
            dflt!("d"),
            q!()
        ),
        does: Does::Flag,
    },
    // Lookups of a key the code computes (`getenv(name)`, `process.env[k]`, destructuring all
    // of `process.env`, `env::vars()`). No `k` group.
    Pattern {
        trigger: "env",
        regex: r"\b(?P<f>\w*(?i:env)\w*)\(\s*[A-Za-z_][\w.]*\s*[,)]",
        does: Does::Computed,
    },
    Pattern {
        trigger: "env",
        regex: r"\b(?:environ|ENV|process\.env)(?:\[\s*[A-Za-z_]|\.get\(\s*[A-Za-z_])",
        does: Does::Computed,
    },
    Pattern {
        trigger: "process.env",
        regex: r"\}\s*=\s*process\.env\b",
        does: Does::Computed,
    },
    Pattern {
        trigger: "env::var",
        regex: r"\benv::var(?:s\(|(?:_os)?\(\s*[A-Za-z_&])",
        does: Does::Computed,
    },
    // Binders that fill a whole options object from env and config by name (.NET
    // `GetSection`, Go envconfig/viper/caarlos0 env, pydantic `BaseSettings`): the keys are
    // not written as strings, so any key may be read. Spring `@ConfigurationProperties` names
    // its keys by its members (`binders`).
    Pattern {
        trigger: "GetSection",
        regex: r"\bGetSection\(",
        does: Does::Binds,
    },
    Pattern {
        trigger: "env",
        regex: r"\b(?:envconfig\.Process|AutomaticEnv|env\.Parse|BaseSettings)\b",
        does: Does::Binds,
    },
    // Spring `environment.getProperty("cart.url", "http://cart")`.
    Pattern {
        trigger: "Property(",
        regex: concat!(
            r"\.get(?:Required)?Property\(\s*",
            q!(),
            key!(),
            q!(),
            r"(?:\s*,\s*",
            q!(),
            dflt!("d"),
            q!(),
            r"\s*[,)])?"
        ),
        does: Does::Read,
    },
];

pub(super) static COMPILED: LazyLock<Triggered> =
    LazyLock::new(|| Triggered::new(Table::Env, PATTERNS.iter().map(|p| (p.trigger, p.regex))));

/// A quoted env-like name (`"BALANCES_API_ADDR"`): what a computed lookup may read.
static ENV_LIKE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"["'`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)["'`]"#).expect("valid"));

/// A function named like env that writes, not reads.
fn is_writer(function: &str) -> bool {
    let f = function.to_ascii_lowercase();
    ["set", "put", "unset", "clear", "with"]
        .iter()
        .any(|w| f.starts_with(w))
        || f.ends_with("setenv")
}

/// The env reads and code defaults of one source file, and the byte spans of the defaults (so
/// the literal scan does not keep a default a second time, without its key).
pub(super) fn scan(
    path: &str,
    text: &str,
    hits: &Hits,
    facts: &mut Vec<Fact>,
) -> Vec<(usize, usize)> {
    // Several triggers share patterns' work; every pattern whose trigger occurs runs once.
    let mut reads: Vec<(String, usize)> = Vec::new();
    let mut defaults: Vec<(String, usize, usize)> = Vec::new();
    let mut computed: Option<usize> = None;
    for (i, regex) in COMPILED.active(hits) {
        let p = &PATTERNS[i];
        for cap in regex.captures_iter(text) {
            if cap.name("f").is_some_and(|f| is_writer(f.as_str())) {
                continue;
            }
            let Some(m) = cap.get(0) else { continue };
            let Some(k) = cap.name("k") else {
                if p.does == Does::Computed {
                    computed.get_or_insert(m.start());
                }
                if p.does == Does::Binds {
                    reads.push((ANY_ENV_KEY.to_string(), m.start()));
                }
                continue;
            };
            if p.does == Does::Read {
                reads.push((k.as_str().to_string(), k.start()));
            }
            if let Some(d) = cap.name("d").or_else(|| cap.name("e"))
                && !d.as_str().trim().is_empty()
            {
                defaults.push((k.as_str().to_string(), d.start(), d.end()));
            }
        }
    }
    if let Some(at) = computed {
        let before = reads.len();
        reads.extend(
            ENV_LIKE
                .captures_iter(text)
                .filter_map(|c| c.get(1))
                .map(|k| (k.as_str().to_string(), k.start())),
        );
        if reads.len() == before {
            reads.push((ANY_ENV_KEY.to_string(), at));
        }
    }
    if reads.is_empty() && defaults.is_empty() {
        return Vec::new();
    }
    reads.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    reads.dedup();
    defaults.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    defaults.dedup();
    let index = LineIndex::new(text);
    let at = |offset: usize| {
        let (line, column) = index.position(text, offset);
        Location::new(path, line, column)
    };
    for (key, offset) in reads {
        facts.push(Fact::EnvRead {
            key,
            location: at(offset),
        });
    }
    let mut spans = Vec::new();
    for (key, start, end) in defaults {
        facts.push(Fact::Setting(Setting {
            key,
            value: text[start..end].to_string(),
            source: EnvSource::Literal,
            location: at(start),
        }));
        spans.push((start, end));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> (Vec<String>, Vec<(String, String)>) {
        let mut facts = Vec::new();
        scan("a.src", src, &Hits::of(src), &mut facts);
        let mut reads = Vec::new();
        let mut defaults = Vec::new();
        for f in facts {
            match f {
                Fact::EnvRead { key, .. } => reads.push(key),
                Fact::Setting(s) => defaults.push((s.key, s.value)),
                _ => unreachable!(),
            }
        }
        (reads, defaults)
    }

    fn d(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn defaults_per_language() {
        let cases: &[(&str, &str, &str)] = &[
            ("h = os.getenv('CART_HOST', 'cart')", "CART_HOST", "cart"),
            ("h = os.environ.get(\"X_ADDR\", \"x:1\")", "X_ADDR", "x:1"),
            (
                "const h = process.env.CATALOGUE_HOST || 'catalogue';",
                "CATALOGUE_HOST",
                "catalogue",
            ),
            (
                "const h = process.env.A_URL ?? \"http://a\";",
                "A_URL",
                "http://a",
            ),
            (
                "String u = System.getenv().getOrDefault(\"X_URL\", \"http://x\");",
                "X_URL",
                "http://x",
            ),
            (
                "@Value(\"${cart.url:http://cart:8080}\") String u;",
                "cart.url",
                "http://cart:8080",
            ),
            ("$h = getenv('X_HOST') ?: 'x';", "X_HOST", "x"),
            (
                "addr := getEnv(\"USER_ADDR\", \"user:8081\")",
                "USER_ADDR",
                "user:8081",
            ),
            (
                "a := flag.String(\"user-addr\", \"user:8081\", \"help\")",
                "user-addr",
                "user:8081",
            ),
            (
                "var u = configuration[\"CART_URL\"] ?? \"http://cart\";",
                "CART_URL",
                "http://cart",
            ),
            (
                "var u = config.GetValue<string>(\"CartUrl\", \"http://cart\");",
                "CartUrl",
                "http://cart",
            ),
            (
                "u = ENV.fetch('CART_URL', 'http://cart')",
                "CART_URL",
                "http://cart",
            ),
            (
                "u = ENV['CART_URL'] || 'http://cart'",
                "CART_URL",
                "http://cart",
            ),
            (
                "let u = env::var(\"CART_URL\").unwrap_or(\"http://cart\".into());",
                "CART_URL",
                "http://cart",
            ),
            (
                "let u = env::var(\"CART_URL\").unwrap_or_else(|_| \"http://cart\".into());",
                "CART_URL",
                "http://cart",
            ),
        ];
        for (src, k, v) in cases {
            assert_eq!(run(src).1, vec![d(k, v)], "{src}");
        }
    }

    #[test]
    fn plain_reads_and_writers() {
        let (reads, defaults) = run(
            "os.getenv('A')\nprocess.env.B\nSystem.getenv(\"C\")\n@Value(\"${d.e}\")\n\
             configuration[\"F\"]\nENV['G']\nenv::var(\"H\")\ngetEnv(\"I\")\nos.Setenv(\"J\", \"j\")\n\
             mustMapEnv(&svc.addr, \"K_ADDR\")\n",
        );
        assert_eq!(reads, ["A", "B", "C", "d.e", "F", "G", "H", "I", "K_ADDR"]);
        assert!(defaults.is_empty());
    }

    #[test]
    fn computed_keys_read_anything() {
        for src in [
            "v = System.getenv(name);",
            "v = os.environ.get(key)",
            "v = process.env[key]",
            "const { A, B } = process.env;",
            "for (k, v) in std::env::vars() {}",
            "services.Configure<Urls>(configuration.GetSection(\"urls\"));",
            "viper.AutomaticEnv()",
        ] {
            assert_eq!(run(src).0, [ANY_ENV_KEY], "{src}");
        }
        let (reads, defaults) = run("@Value(\"http://${BALANCES_API_ADDR}/balances\") String u;");
        assert_eq!(reads, ["BALANCES_API_ADDR"]);
        assert!(defaults.is_empty());
    }

    #[test]
    fn computed_keys_over_a_list_of_names_read_those_names() {
        let src = "String[] NEED = {\"BALANCES_API_ADDR\", \"PORT\"};\nfor (String v : NEED) System.getenv(v);\n";
        assert_eq!(run(src).0, ["BALANCES_API_ADDR"]);
    }

    #[test]
    fn flags_are_not_env_reads() {
        let (reads, defaults) = run("flag.StringVar(&addr, \"user-addr\", \"user:8081\", \"\")");
        assert!(reads.is_empty());
        assert_eq!(defaults, vec![d("user-addr", "user:8081")]);
    }
}
