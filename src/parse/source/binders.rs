//! Configuration binders and the members code reads off them: Spring
//! `@ConfigurationProperties(prefix = "yas.services") record Urls(String product, …)` binds the
//! keys `yas.services.product`, … (`Fact::Bound`), and `urls.product()` reads one of them
//! (`Fact::MemberRead`). A binder whose members cannot be read off its declaration binds any
//! key (`EnvRead` of `ANY_ENV_KEY`), as before.

use super::{Hits, LineIndex, Table, Triggered};
use crate::model::{ANY_ENV_KEY, Fact, Location};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// The annotation with its prefix (`prefix =`, `value =` or positional), then the type it
/// annotates: a Java record or class, or a Kotlin (data) class.
static BINDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r#"@ConfigurationProperties\b(?:\s*\(\s*(?:(?:prefix|value)\s*=\s*)?"(?P<p>[^"]*)"[^)]*\))?"#,
        r"(?:\s*@\w+(?:\([^)]*\))?)*",
        r"\s*(?:(?:public|private|protected|final|static|abstract|open|internal|data)\s+)*",
        r"(?P<kind>record|class)\s+\w+(?:<[^>]*>)?\s*(?P<open>[({])",
    ))
    .expect("valid binder pattern")
});

/// Members read off an object named like configuration (`serviceUrlConfig.product()`,
/// `this.props.getCart()`, `settings.cart`), or off a variable the file declares with a type
/// named so (`private final EndpointProperties endpoints;` … `endpoints.getCatalog()`). One
/// trigger per word; the words end a receiver's or a type's name.
const RECEIVERS: &[&str] = &["config", "propert", "props", "settings", "options"];
const CONFIG_WORD: &str = r"(?i:config|configuration|properties|props|settings|options)";

pub(super) static MEMBER_READS: LazyLock<Triggered> = LazyLock::new(|| {
    Triggered::new(
        Table::Binders,
        RECEIVERS.iter().map(|t| (*t, r"(?P<r>\w+)\s*[?!]?\.\s*")),
    )
});

/// `EndpointProperties endpoints` (Java field or parameter), `endpoints: EndpointProperties`
/// (Kotlin): the variable holds a configuration object.
static CONFIG_VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b\w*{CONFIG_WORD}\s+(?P<v>[a-z_]\w*)\s*[;,)=]|\b(?P<k>[a-z_]\w*)\s*:\s*\w*{CONFIG_WORD}\b"
    ))
    .expect("valid")
});

static CONFIG_NAMED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"{CONFIG_WORD}$")).expect("valid"));

/// Types whose member binds one key; any other type (a `Map`, a list, a nested class) binds
/// every key under the member's name.
const SCALARS: &[&str] = &[
    "String",
    "string",
    "int",
    "Integer",
    "Int",
    "long",
    "Long",
    "boolean",
    "Boolean",
    "double",
    "Double",
    "float",
    "Float",
    "URI",
    "URL",
    "Duration",
    "Character",
    "char",
    "short",
    "Short",
];

pub(super) fn scan(path: &str, text: &str, hits: &Hits, facts: &mut Vec<Fact>) {
    // Every binder contains the `config` trigger too: no trigger, nothing to do.
    let Some((_, reads)) = MEMBER_READS.active(hits).into_iter().next() else {
        return;
    };
    let index = LineIndex::new(text);
    let at = |offset: usize| {
        let (line, column) = index.position(text, offset);
        Location::new(path, line, column)
    };
    const ANNOTATION: &str = "@ConfigurationProperties";
    for (start, _) in text.match_indices(ANNOTATION) {
        let after = &text[start + ANNOTATION.len()..];
        if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue; // `@ConfigurationPropertiesScan`
        }
        let binder = BINDER
            .captures_at(text, start)
            .filter(|c| c.get(0).is_some_and(|m| m.start() == start));
        let members = binder.as_ref().and_then(|cap| {
            let open = cap.name("open")?;
            let prefix = cap.name("p").map_or("", |p| p.as_str());
            let list = members(&text[open.end()..], open.as_str() == "(");
            let record = open.as_str() == "(";
            Some((prefix, record, open.end(), list))
        });
        match members {
            Some((prefix, record, body, list)) if !list.is_empty() => {
                let closed = (record && !prefix.is_empty()).then(|| prefix.to_string());
                for (member, subtree, offset) in list {
                    let key = if prefix.is_empty() {
                        kebab(&member)
                    } else {
                        format!("{prefix}.{}", kebab(&member))
                    };
                    facts.push(Fact::Bound {
                        key,
                        member,
                        subtree,
                        closed: closed.clone(),
                        location: at(body + offset),
                    });
                }
            }
            // On a `@Bean` method, or members the scan cannot read: any key.
            _ => facts.push(Fact::EnvRead {
                key: ANY_ENV_KEY.to_string(),
                location: at(start),
            }),
        }
    }
    member_reads(text, reads, facts, &at);
}

/// The members a record's components or a class's fields name: (name, binds a subtree, offset
/// from `body`). `record` is true for a parameter list, false for a class body.
fn members(body: &str, record: bool) -> Vec<(String, bool, usize)> {
    let (close, sep) = if record { (')', ',') } else { ('}', ';') };
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0usize;
    for (i, c) in body.char_indices() {
        match c {
            '(' | '{' | '<' | '[' => depth += 1,
            ')' | '}' | '>' | ']' if depth > 0 => depth -= 1,
            _ if c == close && depth == 0 => {
                out.extend(member(&body[start..i], record).map(|(n, s, o)| (n, s, start + o)));
                break;
            }
            _ if c == sep && depth == 0 => {
                out.extend(member(&body[start..i], record).map(|(n, s, o)| (n, s, start + o)));
                start = i + 1;
            }
            _ => {}
        }
    }
    out
}

static JAVA_MEMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s)(?P<t>[A-Z]\w*|int|long|boolean|double|float|char|short)\s*(?:<[^;]*>)?(?:\[\])?\s+(?P<n>[a-z_]\w*)\s*(?:=[^;]*)?\s*$").expect("valid")
});
static KOTLIN_MEMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:val|var)\s+(?P<n>[a-z_]\w*)\s*:\s*(?P<t>\w+)").expect("valid")
});

/// One declaration (a record component, a field, a Kotlin property), skipping annotations,
/// methods and constants.
fn member(decl: &str, record: bool) -> Option<(String, bool, usize)> {
    let cap = KOTLIN_MEMBER
        .captures(decl)
        .or_else(|| JAVA_MEMBER.captures(decl.trim_end()))?;
    let (n, t) = (cap.name("n")?, cap.name("t")?);
    let constant = decl.contains("static ") || decl.contains("const ");
    if constant || (!record && decl.contains('(') && !decl.contains('=')) {
        return None;
    }
    Some((
        n.as_str().to_string(),
        !SCALARS.contains(&t.as_str()),
        n.start(),
    ))
}

/// `sampleData` → `sample-data`, Spring's canonical form of a member's key.
fn kebab(member: &str) -> String {
    let mut out = String::with_capacity(member.len() + 4);
    for c in member.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A read member's name as a binder member: `getSampleData` → `sampleData`.
fn member_name(read: &str) -> String {
    let bare = ["get", "is"]
        .iter()
        .find_map(|p| {
            read.strip_prefix(p)
                .filter(|r| r.starts_with(|c: char| c.is_ascii_uppercase()))
        })
        .unwrap_or(read);
    let mut chars = bare.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

fn member_reads(text: &str, regex: &Regex, facts: &mut Vec<Fact>, at: &dyn Fn(usize) -> Location) {
    let variables: BTreeSet<&str> = CONFIG_VARIABLE
        .captures_iter(text)
        .filter_map(|c| c.name("v").or_else(|| c.name("k")))
        .map(|v| v.as_str())
        .collect();
    let mut seen = BTreeSet::new();
    for cap in regex.captures_iter(text) {
        let (Some(m), Some(r)) = (cap.get(0), cap.name("r")) else {
            continue;
        };
        if !variables.contains(r.as_str()) && !CONFIG_NAMED.is_match(r.as_str()) {
            continue;
        }
        let rest = &text[m.end()..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let member = member_name(&rest[..len]);
        if seen.insert(member.clone()) {
            facts.push(Fact::MemberRead {
                member,
                location: at(m.end()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (key, member, subtree).
    type BoundKey = (String, String, bool);

    fn run(src: &str) -> (Vec<BoundKey>, Vec<String>, Vec<String>) {
        let mut facts = Vec::new();
        scan("A.java", src, &Hits::of(src), &mut facts);
        let (mut bound, mut reads, mut any) = (Vec::new(), Vec::new(), Vec::new());
        for f in facts {
            match f {
                Fact::Bound {
                    key,
                    member,
                    subtree,
                    ..
                } => bound.push((key, member, subtree)),
                Fact::MemberRead { member, .. } => reads.push(member),
                Fact::EnvRead { key, .. } => any.push(key),
                _ => unreachable!(),
            }
        }
        (bound, reads, any)
    }

    fn b(k: &str, m: &str, s: bool) -> BoundKey {
        (k.to_string(), m.to_string(), s)
    }

    #[test]
    fn record_members_bind_their_keys() {
        let (bound, _, any) = run(
            "@ConfigurationProperties(prefix = \"yas.services\")\npublic record ServiceUrlConfig(\n  String product, String sampleData, Map<String, String> extra) {}\n",
        );
        assert_eq!(
            bound,
            [
                b("yas.services.product", "product", false),
                b("yas.services.sample-data", "sampleData", false),
                b("yas.services.extra", "extra", true),
            ]
        );
        assert!(any.is_empty());
    }

    #[test]
    fn class_fields_and_kotlin_properties_bind_their_keys() {
        let (bound, _, _) = run(
            "@ConfigurationProperties(\"app\")\n@Validated\npublic class AppProps {\n  private static final String X = \"x\";\n  private String cartUrl;\n  private Map<String, Service> services = new HashMap<>();\n  public String getCartUrl() { return cartUrl; }\n}\n",
        );
        assert_eq!(
            bound,
            [
                b("app.cart-url", "cartUrl", false),
                b("app.services", "services", true)
            ]
        );
        let (bound, _, _) = run(
            "@ConfigurationProperties(prefix = \"app\")\ndata class Props(val cartUrl: String, val limits: Limits)\n",
        );
        assert_eq!(
            bound,
            [
                b("app.cart-url", "cartUrl", false),
                b("app.limits", "limits", true)
            ]
        );
    }

    #[test]
    fn a_binder_without_readable_members_binds_any_key() {
        let (bound, _, any) = run("@ConfigurationProperties\n@Bean\npublic Foo foo() {}\n");
        assert!(bound.is_empty());
        assert_eq!(any, [ANY_ENV_KEY]);
    }

    #[test]
    fn members_read_off_configuration_objects() {
        let (_, reads, _) = run(
            "var u = serviceUrlConfig.product();\nthis.appProperties.getCartUrl();\nsettings?.limits\nlist.size();\n",
        );
        assert_eq!(reads, ["product", "cartUrl", "limits"]);
        let (_, reads, _) = run(
            "private final EndpointProperties endpoints;\nif (has(this.endpoints.getCatalog())) {}\nother.getCarts();\n",
        );
        assert_eq!(reads, ["catalog"]);
    }
}
