//! Redaction of secrets in any text that may reach an output: URL passwords and
//! `password=`-style key/value pairs.

use regex::Regex;
use std::sync::LazyLock;

static URL_PASSWORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(://[^/\s:@;,]*:)([^\s@/]+)@").expect("valid regex"));

/// `key=value` / `key: value` with a secret-like key: 1 = through the separator, 2 = the key,
/// 3 = the value.
static KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(([A-Za-z0-9_.\-]*(?:password|passwd|pwd|secret|token|api[_-]?key|credentials?)[A-Za-z0-9_.\-]*)"?\s*[=:]\s*"?)([^;,&\s"'}]+)"#,
    )
    .expect("valid regex")
});

/// Values that switch something on or off: whatever the key, never a credential.
const FLAG_VALUES: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "0", "1", "y", "n", "enabled", "disabled",
];

/// Keys (as upper-case words, matched as the key's last words) that are switches about a
/// password rather than one: the database images' `MYSQL_ALLOW_EMPTY_PASSWORD=yes`,
/// `MYSQL_RANDOM_ROOT_PASSWORD=yes`, `POSTGRES_HOST_AUTH_METHOD=trust`.
const FLAG_KEYS: &[&str] = &[
    "ALLOW_EMPTY_PASSWORD",
    "ALLOW_EMPTY_ROOT_PASSWORD",
    "RANDOM_ROOT_PASSWORD",
    "ONETIME_PASSWORD",
    "HOST_AUTH_METHOD",
    "PASSWORD_AUTHENTICATION",
    "PASSWORD_REQUIRED",
];

/// Whether a setting is a flag, not a credential: an empty or on/off value, or a key that
/// switches password handling.
pub fn is_flag(key: &str, value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    let words = key.to_ascii_uppercase().replace(['.', '-'], "_");
    v.is_empty()
        || FLAG_VALUES.iter().any(|f| f.eq_ignore_ascii_case(v))
        || FLAG_KEYS
            .iter()
            .any(|k| words == *k || words.strip_suffix(k).is_some_and(|p| p.ends_with('_')))
}

/// Words one of which every `KEY_VALUE` match contains: most texts hold none, and checking
/// them first spares the regex (evidence is redacted as it is built, hundreds of thousands
/// of times on a large repository).
static SECRET_WORDS: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(["pass", "pwd", "secret", "token", "key", "credential"])
        .expect("valid words")
});

/// Replace every password-like value in `text` with `***`.
pub fn redact(text: &str) -> String {
    let step = if text.contains('@') {
        URL_PASSWORD.replace_all(text, "${1}***@")
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    if !SECRET_WORDS.is_match(step.as_ref()) {
        return step.into_owned();
    }
    KEY_VALUE
        .replace_all(&step, |c: &regex::Captures| {
            if &c[3] == "***" || is_flag(&c[2], &c[3]) {
                c[0].to_string()
            } else {
                format!("{}***", &c[1])
            }
        })
        .into_owned()
}

/// Whether `text` holds a password written in place (not a `${VAR}` reference or empty).
pub fn has_plaintext_password(text: &str) -> bool {
    let literal = |v: &str| !v.is_empty() && !v.starts_with('$') && !v.starts_with('{');
    URL_PASSWORD
        .captures_iter(text)
        .any(|c| literal(c.get(2).map_or("", |m| m.as_str())))
        || KEY_VALUE
            .captures_iter(text)
            .any(|c| literal(&c[3]) && !is_flag(&c[2], &c[3]))
}

static PASSWORD_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(password|passwd|pwd)").expect("valid regex"));

/// Whether a setting commits a password in plaintext: a password in a connection string, or a
/// password-named key with a literal value (not a `${VAR}` reference or a template).
pub fn plaintext_password(key: &str, value: &str) -> bool {
    let v = value.trim();
    let literal = |v: &str| {
        !v.is_empty() && !v.starts_with('$') && !v.starts_with("{{") && !v.starts_with('<')
    };
    if is_flag(key, v) {
        return false;
    }
    if PASSWORD_KEY.is_match(key) && !key.to_ascii_lowercase().contains("file") {
        return literal(v);
    }
    has_plaintext_password(v)
}

static SECRET_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(password|passwd|pwd|(^|[_.\-])pass($|[_.\-])|secret|token|api[_.\-]?key|access[_.\-]?key|private[_.\-]?key|credential)",
    )
    .expect("valid regex")
});

/// Keys that name a secret's address rather than the secret (`TOKEN_URL`, `SECRET_FILE`), and
/// nginx's `proxy_pass`-style directives.
static ADDRESS_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)([_.\-](url|uri|endpoint|host|file|path|dir)$|^(proxy|fastcgi|uwsgi|scgi|grpc|memcached)_pass$)",
    )
    .expect("valid regex")
});

/// Whether a setting key names a secret (`DB_PASSWORD`, `API_KEY`, `spring.datasource.password`).
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEY.is_match(key) && !ADDRESS_KEY.is_match(key)
}

/// A setting's value as it may be shown: masked whole when its key names a secret or it comes
/// from a k8s Secret (unless it is a URL or connection string, which `redact` handles), else
/// redacted.
pub fn setting_value(key: &str, value: &str, from_secret: bool) -> String {
    let address = value.contains("://") || (value.contains('=') && value.contains(';'));
    if value.is_empty() {
        String::new()
    } else if is_flag(key, value) {
        redact(value)
    } else if is_secret_key(key) || (from_secret && !address) {
        "***".to_string()
    } else {
        redact(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_urls_and_pairs() {
        assert_eq!(
            redact("postgres://app:s3cr3t@db/x"),
            "postgres://app:***@db/x"
        );
        assert_eq!(
            redact("Server=sqldata;Database=X;User Id=sa;Password=Pass@word;Encrypt=False"),
            "Server=sqldata;Database=X;User Id=sa;Password=***;Encrypt=False"
        );
        assert_eq!(redact("DB_PASSWORD=hunter2"), "DB_PASSWORD=***");
        assert_eq!(
            redact("spring.datasource.password: x1"),
            "spring.datasource.password: ***"
        );
        assert_eq!(redact(r#""Password": "abc""#), r#""Password": "***""#);
        assert_eq!(redact("mysql://db:3306/orders"), "mysql://db:3306/orders");
        assert_eq!(
            redact("redis://:pw@cache:6379/2"),
            "redis://:***@cache:6379/2"
        );
    }

    #[test]
    fn redaction_is_idempotent() {
        let once = redact("amqp://u:p@rabbit:5672 password=x");
        assert_eq!(redact(&once), once);
    }

    #[test]
    fn plaintext_settings() {
        assert!(plaintext_password("DB_PASSWORD", "hunter2"));
        assert!(!plaintext_password("DB_PASSWORD", "${DB_PASSWORD}"));
        assert!(!plaintext_password("DB_PASSWORD_FILE", "/run/secrets/db"));
        assert!(plaintext_password("DATABASE_URL", "postgres://u:pw@h/d"));
        assert!(plaintext_password(
            "ConnectionString",
            "Server=s;Database=d;Password=Pass@word"
        ));
        assert!(!plaintext_password("DATABASE_URL", "postgres://h/d"));
        assert!(!plaintext_password("TOKEN_URL", "http://auth/token"));
    }

    #[test]
    fn plaintext_detection() {
        assert!(has_plaintext_password("postgres://a:b@h/d"));
        assert!(!has_plaintext_password("postgres://a:${PW}@h/d"));
        assert!(!has_plaintext_password("postgres://h/d"));
    }

    #[test]
    fn setting_values() {
        assert_eq!(setting_value("DB_PASSWORD", "hunter2", false), "***");
        assert_eq!(setting_value("DB_PASS", "hunter2", false), "***");
        assert_eq!(setting_value("STRIPE_API_KEY", "sk_live_1", false), "***");
        assert_eq!(
            setting_value("spring.datasource.password", "x", false),
            "***"
        );
        assert_eq!(
            setting_value("TOKEN_URL", "http://auth/token", false),
            "http://auth/token"
        );
        assert_eq!(
            setting_value("DATABASE_URL", "postgres://u:pw@h/d", false),
            "postgres://u:***@h/d"
        );
        assert_eq!(setting_value("STRIPE", "sk_live_1", true), "***");
        assert_eq!(
            setting_value("DATABASE_URL", "postgres://u:pw@h/d", true),
            "postgres://u:***@h/d"
        );
        assert_eq!(setting_value("PASSPORT_MODE", "strict", false), "strict");
        assert_eq!(setting_value("CACHE_BYPASS", "true", false), "true");
        assert_eq!(
            setting_value("proxy_pass", "http://orders:8080", false),
            "http://orders:8080"
        );
        assert_eq!(setting_value("PORT", "8080", false), "8080");
    }

    #[test]
    fn flags_are_never_credentials() {
        for (k, v) in [
            ("MYSQL_ALLOW_EMPTY_PASSWORD", "true"),
            ("MYSQL_RANDOM_ROOT_PASSWORD", "yes"),
            ("MARIADB_ALLOW_EMPTY_ROOT_PASSWORD", "1"),
            ("POSTGRES_HOST_AUTH_METHOD", "trust"),
            ("PASSWORD", ""),
            ("DB_PASSWORD", "false"),
            ("REDIS_PASSWORD", "off"),
            ("SMTP_PASSWORD", "0"),
        ] {
            assert!(!plaintext_password(k, v), "{k}={v}");
            assert_eq!(setting_value(k, v, false), v, "{k}={v}");
            let text = format!("{k}={v}");
            assert_eq!(redact(&text), text);
            assert!(!has_plaintext_password(&text), "{text}");
        }
        assert!(plaintext_password("MYSQL_ROOT_PASSWORD", "s3cret"));
        assert_eq!(
            redact("MYSQL_ROOT_PASSWORD=s3cret"),
            "MYSQL_ROOT_PASSWORD=***"
        );
        assert_eq!(
            redact(r#""MYSQL_ALLOW_EMPTY_PASSWORD": "yes""#),
            r#""MYSQL_ALLOW_EMPTY_PASSWORD": "yes""#
        );
        assert_eq!(setting_value("MYSQL_PASSWORD", "hunter2", false), "***");
    }
}
