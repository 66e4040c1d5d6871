//! Credentials in text. One table of the forms a credential is written in (`FORMS`) serves
//! both sides: masking every credential in anything that may reach an output (`redact`,
//! `setting_value`) and finding the ones committed in plaintext (`plaintext_credential`), so
//! what `plaintext-credentials` flags is exactly what the outputs hide.

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// One credential in a text: the bytes to mask and what they are.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    span: Range<usize>,
    noun: &'static str,
    /// `false` for a user name standing alone (`postgres://app@db`): masked all the same, since
    /// the form cannot tell it from a token, but not reported as a credential.
    credential: bool,
}

/// A credential form: a name, an example a reader can check against, and its finder.
// The name and example are read by the test that runs every form on its own example.
#[cfg_attr(not(test), allow(dead_code))]
struct Form {
    name: &'static str,
    example: &'static str,
    find: fn(&str, &mut Vec<Found>),
}

/// Every form a credential is written in. A form added here is masked in every output and
/// flagged by `plaintext-credentials`. In each example the secret is `PW`.
const FORMS: &[Form] = &[
    Form {
        name: "url-userinfo",
        example: "postgres://app:PW@db/shop, https://PW@git.example.com/x",
        find: url_userinfo,
    },
    Form {
        name: "go-dsn",
        example: "app:PW@tcp(mysql:3306)/inventory",
        find: go_dsn,
    },
    Form {
        name: "oracle-userinfo",
        example: "jdbc:oracle:thin:scott/PW@oracle:1521:orcl",
        find: oracle_userinfo,
    },
    Form {
        name: "host-userinfo",
        example: "admin:PW@orders:8080",
        find: host_userinfo,
    },
    Form {
        name: "keyword",
        example: "Server=db;Password=PW; ?sig=PW&x=1 DB_PASS: PW --requirepass PW",
        find: keyword,
    },
    Form {
        name: "auth-scheme",
        example: "Authorization: Bearer PWxyz123",
        find: auth_scheme,
    },
];

// ---------------------------------------------------------------------------------------------
// What names a secret.
// ---------------------------------------------------------------------------------------------

/// Key parts that name a secret wherever they appear in a key (`sslpassword`, `JWT_SECRET`).
const SECRET_PARTS: &[(&str, &str)] = &[
    ("password", "password"),
    ("passwd", "password"),
    ("passphrase", "password"),
    ("pwd", "password"),
    ("requirepass", "password"),
    ("masterauth", "password"),
    ("secret", "secret"),
    ("token", "token"),
    ("credential", "credential"),
    ("apikey", "key"),
];

/// Key words that name a secret as a whole word (`DB_PASS`, `?sig=`), too short to match
/// inside other words (`PASSPORT`, `signal`).
const SECRET_WORDS: &[(&str, &str)] = &[
    ("pass", "password"),
    ("pw", "password"),
    ("sas", "token"),
    ("sig", "signature"),
    ("signature", "signature"),
];

/// Words that name a secret only as a key's last word: `auth=`, `BASIC_AUTH`; `key=`,
/// `API_KEY`, `AccountKey` (with a qualifier from `KEY_QUALIFIERS`, so `ROUTING_KEY` stays
/// readable).
const LAST_WORDS: &[(&str, &str)] = &[("auth", "credential"), ("key", "key")];

/// What makes a `…_KEY` a secret key rather than a routing, cache or partition key.
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "secret",
    "private",
    "account",
    "shared",
    "signing",
    "encryption",
    "master",
    "client",
    "subscription",
    "license",
    "app",
    "storage",
    "primary",
    "secondary",
    "auth",
    "hmac",
    "jwt",
];

/// Last words that make a key the secret's address, name or policy rather than the secret
/// (`TOKEN_URL`, `PASSWORD_FILE`, `SharedAccessKeyName`, `AUTH_METHOD`).
const ADDRESS_WORDS: &[&str] = &[
    "url",
    "uri",
    "urls",
    "endpoint",
    "host",
    "hostname",
    "server",
    "service",
    "file",
    "path",
    "dir",
    "name",
    "id",
    "user",
    "username",
    "ref",
    "type",
    "kind",
    "method",
    "mode",
    "header",
    "enabled",
    "disabled",
    "required",
    "length",
    "ttl",
    "expiry",
    "expires",
    "expiration",
    "version",
    "plugin",
    "provider",
    "policy",
    "level",
    "port",
    "size",
    "algorithm",
    "format",
    "timeout",
    "prefix",
    "field",
    "store",
    "issuer",
    "audience",
    "scope",
    "realm",
];

/// nginx directives that end in `_pass` and hold an upstream address.
const PASS_DIRECTIVES: &[&str] = &[
    "proxy_pass",
    "fastcgi_pass",
    "uwsgi_pass",
    "scgi_pass",
    "grpc_pass",
    "memcached_pass",
];

/// URL schemes whose lone userinfo is a token (`https://TOKEN@host`); elsewhere it is a user.
const TOKEN_SCHEMES: &[&str] = &["http", "https", "ws", "wss", "git+https", "grpc", "grpcs"];

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

/// A key's words, lower-case: split at `_ . - ` and at camel-case steps (`SharedAccessKey`,
/// `APIKey` → api, key).
fn words(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    let mut out = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            out.extend((!word.is_empty()).then(|| std::mem::take(&mut word)));
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
        let step = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next_lower)
            });
        if step && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        word.push(c.to_ascii_lowercase());
    }
    out.extend((!word.is_empty()).then_some(word));
    out
}

/// What secret a key names (`password`, `token`, `key`…), if any.
fn secret_noun(key: &str) -> Option<&'static str> {
    // Every secret-naming key holds one of the words: most keys hold none.
    if !KEY_WORDS.is_match(key) {
        return None;
    }
    let lower = key.to_ascii_lowercase();
    if PASS_DIRECTIVES.contains(&lower.as_str()) {
        return None;
    }
    let words = words(key);
    let last = words.last()?;
    if ADDRESS_WORDS.contains(&last.as_str()) {
        return None;
    }
    let part = SECRET_PARTS.iter().find(|(p, _)| lower.contains(p));
    let word = || {
        SECRET_WORDS
            .iter()
            .find(|(w, _)| words.contains(&w.to_string()))
    };
    let qualified = words.len() == 1
        || KEY_QUALIFIERS.contains(&words[words.len() - 2].as_str())
        || last != "key";
    let last_word = || LAST_WORDS.iter().find(|(w, _)| w == last && qualified);
    part.or_else(word).or_else(last_word).map(|(_, noun)| *noun)
}

/// Whether a setting key names a secret (`DB_PASSWORD`, `API_KEY`, `spring.datasource.password`).
pub fn is_secret_key(key: &str) -> bool {
    secret_noun(key).is_some()
}

// ---------------------------------------------------------------------------------------------
// The finders, one per form.
// ---------------------------------------------------------------------------------------------

static SCHEME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z][A-Za-z0-9+.\-]*://").expect("valid regex"));

/// `scheme://user:password@host` and `scheme://token@host`.
fn url_userinfo(text: &str, out: &mut Vec<Found>) {
    if !text.contains('@') || !text.contains("://") {
        return;
    }
    for m in SCHEME.find_iter(text) {
        let scheme = text[m.start()..m.end() - 3].to_ascii_lowercase();
        let start = m.end();
        let rest = &text[start..];
        let token = &rest[..rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>' | ';'))
            .unwrap_or(rest.len())];
        let Some(info) = userinfo(token).filter(|u| !u.is_empty()) else {
            continue;
        };
        out.push(match info.split_once(':') {
            Some((user, _)) => Found {
                span: start + user.len() + 1..start + info.len(),
                noun: "password",
                credential: true,
            },
            None => Found {
                span: start..start + info.len(),
                noun: "token",
                credential: TOKEN_SCHEMES.contains(&scheme.as_str()),
            },
        });
    }
}

/// A URL's userinfo: up to the last `@` of the authority, or, for a password that holds `/`,
/// `?` or `#` unencoded, up to the last `@` of the token when what precedes it reads as
/// `user:password` rather than `host:port/path`.
fn userinfo(token: &str) -> Option<&str> {
    let authority_end = token.find(['/', '?', '#']).unwrap_or(token.len());
    if let Some(at) = token[..authority_end].rfind('@') {
        return Some(&token[..at]);
    }
    let info = &token[..token.rfind('@')?];
    let (user, password) = info.split_once(':')?;
    let digits = password.bytes().take_while(u8::is_ascii_digit).count();
    let port_then_path = digits > 0 && password[digits..].starts_with(['/', '?', '#']);
    let plain = !user.contains(['/', '?', '#', '=', '&']);
    // A path and a query before the `@` (`/api?email=a@b`) are a URL, not a password.
    let path_and_query = info.contains('/') && info.contains(['=', '&']);
    (plain && !path_and_query && !port_then_path).then_some(info)
}

static GO_DSN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"([^\s:"'=/@,;]*):([^\s"']+)@(?:tcp[46]?|udp|unix)\(|([^\s:"'=/@,;]+):([^\s"'@/]+)@/"#,
    )
    .expect("valid regex")
});

/// The Go MySQL driver's `user:password@tcp(host)/db` and `user:password@/db`.
fn go_dsn(text: &str, out: &mut Vec<Found>) {
    if !text.contains('@') {
        return;
    }
    for c in GO_DSN.captures_iter(text) {
        if let Some(pw) = c.get(2).or_else(|| c.get(4)) {
            out.push(password(pw.range()));
        }
    }
}

static ORACLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)jdbc:oracle:[a-z0-9]+:[^/\s@"':]*/([^\s"']+)@"#).expect("valid regex")
});

/// Oracle's `jdbc:oracle:thin:user/password@host`.
fn oracle_userinfo(text: &str, out: &mut Vec<Found>) {
    if !text.contains('@') {
        return;
    }
    for c in ORACLE.captures_iter(text) {
        out.push(password(c.get(1).map_or(0..0, |m| m.range())));
    }
}

static HOST_USERINFO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?:^|[\s"'=,\[(])([A-Za-z0-9_.\-]+:[^\s"'@/]+)@([A-Za-z0-9_\[][A-Za-z0-9_.\-\]]*)"#,
    )
    .expect("valid regex")
});

/// `user:password@host` without a scheme, masked whole: with no scheme to say which part is a
/// user, either may be a token. An image digest (`redis:7@sha256:…`) is not one, and a Go DSN
/// (`@tcp(`) has its own form.
fn host_userinfo(text: &str, out: &mut Vec<Found>) {
    if !text.contains('@') {
        return;
    }
    for c in HOST_USERINFO.captures_iter(text) {
        let end = c.get(0).map_or(0, |m| m.end());
        let go_dsn = text[end..].starts_with(['(', '@']);
        if !go_dsn && !c[2].to_ascii_lowercase().starts_with("sha") {
            out.push(password(c.get(1).map_or(0..0, |m| m.range())));
        }
    }
}

/// Every word that may start a secret-naming key, found in one pass; most texts hold none.
static KEY_WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    let words = SECRET_PARTS
        .iter()
        .chain(SECRET_WORDS)
        .chain(LAST_WORDS)
        .map(|(w, _)| *w);
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(words)
        .expect("valid words")
});

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// `key=value`, `key: value`, `"key": "value"`, `key="value"`, `key={value}` and the
/// command-line `--key value`, where the key names a secret: ADO.NET, JDBC, PDO and libpq
/// keywords, URL query values, env, YAML, JSON, properties and JAAS entries.
fn keyword(text: &str, out: &mut Vec<Found>) {
    let bytes = text.as_bytes();
    let mut from = 0;
    for m in KEY_WORDS.find_iter(text) {
        if m.start() < from {
            continue;
        }
        let mut start = m.start();
        while start > 0 && is_key_byte(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = m.end();
        while end < bytes.len() && is_key_byte(bytes[end]) {
            end += 1;
        }
        let dashes = text[start..end].bytes().take_while(|&b| b == b'-').count();
        let key = text[start + dashes..end].trim_end_matches(['.', '-']);
        let Some(noun) = secret_noun(key) else {
            continue;
        };
        let Some(value) = value_after(text, start + dashes + key.len(), dashes > 0) else {
            continue;
        };
        from = value.end;
        let v = &text[value.clone()];
        if !value.is_empty() && !is_flag(key, v) && !is_address(v) {
            out.push(Found {
                span: value,
                noun,
                credential: true,
            });
        }
    }
}

/// Where the value after a key ends its separator, and the value's bytes.
fn value_after(text: &str, key_end: usize, cli: bool) -> Option<Range<usize>> {
    let b = text.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let mut i = key_end;
    let quoted_key = matches!(at(i), Some(b'"' | b'\''));
    i += usize::from(quoted_key);
    let spaced = |i: &mut usize| {
        let s = *i;
        while matches!(at(*i), Some(b' ' | b'\t')) {
            *i += 1;
        }
        *i > s
    };
    let had_space = spaced(&mut i);
    match at(i) {
        Some(b'=') if at(i + 1) != Some(b'=') => i += 1,
        // YAML and JSON separate with `: `; `host:port` and `scheme://` are no separator.
        Some(b':')
            if quoted_key || matches!(at(i + 1), None | Some(b' ' | b'\t' | b'"' | b'\'')) =>
        {
            i += 1
        }
        // `--password X`, and the JSON-array form `"--password", "X"`.
        Some(b'"' | b'\'' | b',') if cli => {
            while matches!(at(i), Some(b'"' | b'\'' | b',' | b' ')) {
                i += 1
            }
            return Some(unquoted_value(text, i));
        }
        Some(_) if cli && had_space => return Some(unquoted_value(text, i)),
        _ => return None,
    }
    spaced(&mut i);
    Some(match at(i) {
        Some(q @ (b'"' | b'\'')) => {
            i + 1..text[i + 1..].find(q as char).map_or(b.len(), |e| i + 1 + e)
        }
        Some(b'{') => i + 1..text[i + 1..].find('}').map_or(b.len(), |e| i + 1 + e),
        _ => unquoted_value(text, i),
    })
}

/// An unquoted value from `start`: to the next delimiter, or, in a keyword string
/// (`Password=a b,c;`), to the next `;` when no other key or quote comes first.
fn unquoted_value(text: &str, start: usize) -> Range<usize> {
    let rest = &text[start..];
    // A reference is one value even where it holds a delimiter (`${PW}`, `{{ .Values.pw }}`).
    for (open, close) in [("${", "}"), ("{{", "}}"), ("$(", ")")] {
        if rest.starts_with(open)
            && let Some(e) = rest.find(close)
        {
            return start..start + e + close.len();
        }
    }
    if rest.starts_with(['"', '\'']) {
        let q = rest.as_bytes()[0] as char;
        return start + 1..rest[1..].find(q).map_or(text.len(), |e| start + 1 + e);
    }
    if let Some(semi) = rest.find(';')
        && !rest[..semi].contains(['\n', '"', '\'', '=', '&'])
    {
        return start..start + semi;
    }
    let end = rest
        .find(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '"' | '\'' | ';' | '&' | ',' | '}' | ')' | ']' | '<' | '>' | '|'
                )
        })
        .unwrap_or(rest.len());
    start..start + end
}

static AUTH_SCHEME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:basic|bearer)\s+([A-Za-z0-9+/=._~\-]{6,})").expect("valid regex")
});

/// `Basic …` and `Bearer …` credentials, as in an `Authorization` header; prose
/// ("basic authentication") has no digit or base64 padding and is left alone.
fn auth_scheme(text: &str, out: &mut Vec<Found>) {
    for c in AUTH_SCHEME.captures_iter(text) {
        let m = c.get(1).expect("group 1");
        let v = m.as_str();
        if v.len() >= 20 || v.contains(|c: char| c.is_ascii_digit() || "+/=".contains(c)) {
            out.push(Found {
                span: m.range(),
                noun: "token",
                credential: true,
            });
        }
    }
}

fn password(span: Range<usize>) -> Found {
    Found {
        span,
        noun: "password",
        credential: true,
    }
}

// ---------------------------------------------------------------------------------------------
// Masking and detection.
// ---------------------------------------------------------------------------------------------

/// Words that start an `Authorization` credential.
static AUTH_WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(["basic", "bearer"])
        .expect("valid words")
});

/// Whether any form could match: every one needs an `@`, a secret word or an auth scheme.
/// Most texts have none, and this one pass spares every finder.
fn might_hold_credential(text: &str) -> bool {
    memchr::memchr(b'@', text.as_bytes()).is_some()
        || KEY_WORDS.is_match(text)
        || AUTH_WORDS.is_match(text)
}

fn find(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    if !might_hold_credential(text) {
        return out;
    }
    for form in FORMS {
        (form.find)(text, &mut out);
    }
    out
}

static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\$\{[A-Za-z_][A-Za-z0-9_.]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\$\([A-Za-z_][A-Za-z0-9_]*\)|\{\{[^}]*\}\}|<[^<>]*>|\*+|#\{[^}]*\}|%\([a-z_]+\)s)$",
    )
    .expect("valid regex")
});

/// A value that names where the secret comes from (`${DB_PASSWORD}`, `{{ .Values.pw }}`,
/// `<password>`, or an already masked `***`) rather than holding it.
fn is_reference(value: &str) -> bool {
    REFERENCE.is_match(value.trim())
}

/// Replace every credential in `text` with `***`; references to secrets stay readable.
///
/// Masking can make a new form appear (a URL nested in another's userinfo), so it runs again
/// until nothing changes: the result is stable, and masking a masked text changes nothing.
pub fn redact(text: &str) -> String {
    let Some(mut out) = mask_once(text) else {
        return text.to_string();
    };
    // Each pass only shortens the text, so a few passes always reach the fixpoint.
    for _ in 0..8 {
        match mask_once(&out) {
            Some(next) if next != out => out = next,
            _ => break,
        }
    }
    out
}

/// One masking pass; `None` when there is nothing to mask.
fn mask_once(text: &str) -> Option<String> {
    let mut spans: Vec<Range<usize>> = find(text)
        .into_iter()
        .map(|f| f.span)
        .filter(|s| !s.is_empty() && !is_reference(&text[s.clone()]))
        .collect();
    if spans.is_empty() {
        return None;
    }
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in spans {
        // A span starting inside a masked one is a second reading of the same secret.
        if s.start < at {
            continue;
        }
        out.push_str(&text[at..s.start]);
        out.push_str("***");
        at = s.end;
    }
    out.push_str(&text[at..]);
    Some(out)
}

/// A value written in place: not empty, not a reference, and not an env-default expression
/// (`${PW:-dev}` is masked, but the reference is what the service reads).
fn literal(v: &str) -> bool {
    let v = v.trim();
    !v.is_empty()
        && !v.starts_with('$')
        && !v.starts_with("{{")
        && !is_reference(v)
        && !EXPRESSION.is_match(v)
}

/// Code that reads the secret from somewhere (`config_json["secret"]`, `getenv("PW")`), as a
/// source line's assignment holds it.
static EXPRESSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z_][A-Za-z0-9_.:]*\s*[\[(]").expect("valid regex"));

/// A URL is an address even under a secret-named key (`token-uri: http://auth/token`,
/// `SECRET_STORE=vault://…`): only the credential forms inside it are secret.
fn is_address(v: &str) -> bool {
    crate::connstr::split_scheme(v.trim())
        .is_some_and(|(scheme, _)| SCHEME.is_match(&format!("{scheme}://")))
}

/// Values that stand in for a credential a deployment supplies: masked like any value, never
/// reported as committed (`API_KEY=your-api-key`). A demo's working value (`dummy`,
/// `fake_password`) is a committed credential all the same.
const PLACEHOLDERS: &[&str] = &[
    "placeholder",
    "example",
    "none",
    "null",
    "unset",
    "tbd",
    "todo",
];

/// Placeholder prefixes and suffixes (`your-key`, `<token>`, `GOOGLE_API_KEY_VAL`, `xxxx`).
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(your[-_ ].*|x{3,}|\*{3,}|.*[-_](val|value|here|placeholder)|replace[-_ ]?me.*)$",
    )
    .expect("valid regex")
});

/// Whether a value is a stand-in: a placeholder word or shape, or the key's own name.
fn is_placeholder(key: &str, value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(v))
        || PLACEHOLDER.is_match(v)
        || (!key.is_empty() && v.eq_ignore_ascii_case(key))
}

/// A number or duration (`3600`, `30s`) under a token or key name is a lifetime or a size.
fn is_quantity(v: &str) -> bool {
    let digits = v.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && v.len() - digits.len() <= 2
}

/// What credential a setting commits in plaintext (`password`, `token`, `key`…), if any: a
/// secret-named key with a literal value, or a credential form inside the value.
pub fn plaintext_credential(key: &str, value: &str) -> Option<&'static str> {
    let v = value.trim();
    if !KEY_WORDS.is_match(key) && !might_hold_credential(v) {
        return None;
    }
    if is_flag(key, v) || is_placeholder(key, v) {
        return None;
    }
    if let Some(noun) = secret_noun(key).filter(|_| !is_address(v)) {
        let counts = literal(v) && (noun == "password" || !is_quantity(v));
        return counts.then_some(noun);
    }
    find(v)
        .into_iter()
        .find(|f| f.credential && literal(&v[f.span.clone()]))
        .map(|f| f.noun)
}

/// A setting's value as it may be shown: masked whole when its key names a secret, or when it
/// comes from a k8s Secret and is no connection string; else with its credentials masked.
pub fn setting_value(key: &str, value: &str, from_secret: bool) -> String {
    let secret = is_secret_key(key);
    if value.is_empty() {
        String::new()
    } else if (!secret && !from_secret) || is_flag(key, value) {
        redact(value)
    } else if (secret && !is_address(value))
        || (from_secret && crate::connstr::parse(value).is_none())
    {
        "***".to_string()
    } else {
        redact(value)
    }
}

static SQL_LITERAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"'(?:[^']|'')*'?|"(?:[^"]|"")*"?|\$([A-Za-z_]*)\$[\s\S]*?(?:\$[A-Za-z_]*\$|$)"#)
        .expect("valid regex")
});

/// SQL text as a diagnostic may quote it: every string literal (single-, double- or
/// dollar-quoted, closed or not) becomes `'…'`, since any of them may be a password.
pub fn mask_sql_literals(text: &str) -> String {
    SQL_LITERAL.replace_all(text, "'…'").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_masks_its_example() {
        for form in FORMS {
            let masked = redact(form.example);
            assert!(!masked.contains("PW"), "{}: {masked}", form.name);
            assert!(masked.contains("***"), "{}: {masked}", form.name);
            let mut found = Vec::new();
            (form.find)(form.example, &mut found);
            assert!(!found.is_empty(), "{} finds its own example", form.name);
        }
    }

    #[test]
    fn redacts_urls_and_pairs() {
        for (text, want) in [
            ("postgres://app:s3cr3t@db/x", "postgres://app:***@db/x"),
            (
                "Server=sqldata;Database=X;User Id=sa;Password=Pass@word;Encrypt=False",
                "Server=sqldata;Database=X;User Id=sa;Password=***;Encrypt=False",
            ),
            ("DB_PASSWORD=hunter2", "DB_PASSWORD=***"),
            (
                "spring.datasource.password: x1",
                "spring.datasource.password: ***",
            ),
            (r#""Password": "abc""#, r#""Password": "***""#),
            ("mysql://db:3306/orders", "mysql://db:3306/orders"),
            ("redis://:pw@cache:6379/2", "redis://:***@cache:6379/2"),
            (
                "https://ghp_abc123@github.com/x",
                "https://***@github.com/x",
            ),
            ("postgres://app:p@ss@pg/shop", "postgres://app:***@pg/shop"),
            (
                "http://admin:a/b?c#d@orders:8080",
                "http://admin:***@orders:8080",
            ),
            (
                "http://orders:8080/a/@scope/pkg",
                "http://orders:8080/a/@scope/pkg",
            ),
            (
                "http://orders:8080/api?email=a@b.com",
                "http://orders:8080/api?email=a@b.com",
            ),
            ("http://orders:8080?x=a@b", "http://orders:8080?x=a@b"),
            // Found by the connstr fuzz target: a password holding `?` and `=`.
            (
                "postgres://app:PW:b:8080api?sig=***@db/x",
                "postgres://app:***@db/x",
            ),
            ("app:pw@tcp(mysql:3306)/inv", "app:***@tcp(mysql:3306)/inv"),
            (
                "--dsn=app:p@w@tcp(mysql)/inv",
                "--dsn=app:***@tcp(mysql)/inv",
            ),
            (
                "jdbc:oracle:thin:scott/tiger@db:1521:orcl",
                "jdbc:oracle:thin:scott/***@db:1521:orcl",
            ),
            ("admin:pw@orders:8080", "***@orders:8080"),
            (
                "postgres://app@pg/shop?pass=x1&sslmode=off",
                "postgres://***@pg/shop?pass=***&sslmode=off",
            ),
            (
                "http://o/api?access_token=a&api_key=b&sig=c&auth=d",
                "http://o/api?access_token=***&api_key=***&sig=***&auth=***",
            ),
            ("Server=s;User=app;Pass=x1", "Server=s;User=app;Pass=***"),
            ("Server=s;Password=\"a;b\";", "Server=s;Password=\"***\";"),
            ("Host=pg;PWD={a;b}", "Host=pg;PWD={***}"),
            ("Server=s;Password=a b,c;", "Server=s;Password=***;"),
            (
                "Endpoint=sb://bus/;SharedAccessKeyName=Root;SharedAccessKey=k1",
                "Endpoint=sb://bus/;SharedAccessKeyName=Root;SharedAccessKey=***",
            ),
            (
                "AccountName=a;AccountKey=k2;EndpointSuffix=x",
                "AccountName=a;AccountKey=***;EndpointSuffix=x",
            ),
            (
                r#"PlainLoginModule required username="u" password="p1";"#,
                r#"PlainLoginModule required username="u" password="***";"#,
            ),
            (r#"["--password", "p2"]"#, r#"["--password", "***"]"#),
            (
                "redis-server --requirepass p3",
                "redis-server --requirepass ***",
            ),
            ("--db-password=p4", "--db-password=***"),
            (
                "Authorization: Basic dXNlcjpwdw==",
                "Authorization: Basic ***",
            ),
        ] {
            assert_eq!(redact(text), want, "{text}");
        }
    }

    #[test]
    fn leaves_addresses_names_and_references_readable() {
        for text in [
            "ROUTING_KEY=orders.created",
            "TOKEN_URL=http://auth:8080/token",
            "AUTH_SERVICE_URL=http://auth:8080",
            "proxy_pass http://orders:8080;",
            "image: redis:7@sha256:abcdef",
            "DB_PASSWORD=${DB_PASSWORD}",
            "postgres://app:${PW}@pg/shop",
            "PASSPORT_MODE=strict",
            "basic authentication",
            "SharedAccessKeyName=Root",
            "password_file: /run/secrets/db",
        ] {
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn redaction_is_idempotent() {
        for text in [
            "amqp://u:p@rabbit:5672 password=x https://tok@h",
            // Found by the connstr fuzz target: a URL nested in another's userinfo.
            "gs://${postgresql://accounts-aGCS_PATHdmin:accounvs-gs://${Gse=\u{4}@_PATH}/jwt-seC\u{3}\u{0}\u{0}\u{0}rm;Usercre-db}/jwt-secret.yaml",
        ] {
            let once = redact(text);
            assert_eq!(redact(&once), once, "{text}");
        }
    }

    #[test]
    fn detection_covers_what_is_masked() {
        for (key, value, noun) in [
            ("DB_PASSWORD", "hunter2", Some("password")),
            ("DB_PASSWORD", "${DB_PASSWORD}", None),
            ("DB_PASSWORD_FILE", "/run/secrets/db", None),
            ("DATABASE_URL", "postgres://u:pw@h/d", Some("password")),
            (
                "ConnectionString",
                "Server=s;Database=d;Password=Pass@word",
                Some("password"),
            ),
            ("DATABASE_URL", "postgres://h/d", None),
            ("DATABASE_URL", "postgres://app@h/d", None),
            ("TOKEN_URL", "http://auth/token", None),
            ("MYSQL_DSN", "app:pw@tcp(mysql:3306)/inv", Some("password")),
            (
                "ORACLE_URL",
                "jdbc:oracle:thin:scott/tiger@db:1521:x",
                Some("password"),
            ),
            ("B_URL", "https://TokenUser5@b:8443", Some("token")),
            ("O_URL", "http://o/api?sig=abc", Some("signature")),
            ("DB", "Server=s;User=app;Pass=x1", Some("password")),
            ("API_TOKEN", "t0k3n", Some("token")),
            ("TOKEN_EXPIRES_IN", "3600", None),
            ("JWT_SECRET", "dev-secret", Some("secret")),
            ("ROUTING_KEY", "orders", None),
            ("token-identity", "http://identity/realms/x/token", None),
            ("secret", "config_json[\"secret\"]", None),
            ("SECRET_STORE_URL", "vault://u:pw@vault", Some("password")),
            ("AWS_SECRET_ACCESS_KEY", "example", None),
            ("AWS_SECRET_ACCESS_KEY", "dummy", Some("secret")),
            ("GOOGLE_API_KEY", "GOOGLE_API_KEY_VAL", None),
            ("API_KEY", "your-api-key", None),
            ("DB_PASSWORD", "DB_PASSWORD", None),
            ("DB_PASSWORD", "postgres", Some("password")),
            // A demo's working password, however it is named, is committed.
            ("MYSQL_ROOT_PASSWORD", "fake_password", Some("password")),
        ] {
            assert_eq!(plaintext_credential(key, value), noun, "{key}={value}");
            let shown = setting_value(key, value, false);
            if noun.is_some() {
                assert!(shown.contains("***"), "{key}={value} shown as {shown}");
            }
        }
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
        assert_eq!(
            setting_value("MYSQL_DSN", "app:pw@tcp(db:3306)/x", true),
            "app:***@tcp(db:3306)/x"
        );
        assert_eq!(setting_value("ORDERS", "http://u:pw@orders", true), "***");
        assert_eq!(setting_value("PASSPORT_MODE", "strict", false), "strict");
        assert_eq!(setting_value("CACHE_BYPASS", "true", false), "true");
        assert_eq!(
            setting_value("proxy_pass", "http://orders:8080", false),
            "http://orders:8080"
        );
        assert_eq!(setting_value("PORT", "8080", false), "8080");
        assert_eq!(
            setting_value("token-uri", "http://auth/token", false),
            "http://auth/token"
        );
        assert_eq!(
            redact("token-uri: http://u:pw@auth/t"),
            "token-uri: http://u:***@auth/t"
        );
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
            assert_eq!(plaintext_credential(k, v), None, "{k}={v}");
            assert_eq!(setting_value(k, v, false), v, "{k}={v}");
            let text = format!("{k}={v}");
            assert_eq!(redact(&text), text);
        }
        assert_eq!(
            plaintext_credential("MYSQL_ROOT_PASSWORD", "s3cret"),
            Some("password")
        );
        assert_eq!(
            redact("MYSQL_ROOT_PASSWORD=s3cret"),
            "MYSQL_ROOT_PASSWORD=***"
        );
        assert_eq!(
            redact(r#""MYSQL_ALLOW_EMPTY_PASSWORD": "yes""#),
            r#""MYSQL_ALLOW_EMPTY_PASSWORD": "yes""#
        );
    }

    #[test]
    fn key_words() {
        assert_eq!(words("SharedAccessKey"), ["shared", "access", "key"]);
        assert_eq!(words("APIKey"), ["api", "key"]);
        assert_eq!(
            words("spring.datasource.password"),
            ["spring", "datasource", "password"]
        );
        assert_eq!(words("DB_PASS"), ["db", "pass"]);
    }

    #[test]
    fn sql_literals_of_every_quote_are_masked() {
        assert_eq!(
            mask_sql_literals(r#"ALTER USER a IDENTIFIED BY "p1"; CREATE USER b PASSWORD 'p''2'"#),
            "ALTER USER a IDENTIFIED BY '…'; CREATE USER b PASSWORD '…'"
        );
        assert_eq!(mask_sql_literals("PASSWORD $$p3$$ x"), "PASSWORD '…' x");
        assert_eq!(mask_sql_literals("PASSWORD 'unclosed"), "PASSWORD '…'");
    }
}
