//! Key/value configuration: `.env` files, `.properties`, Spring `application*.yml` and .NET
//! `appsettings*.json`. Each leaf value becomes a `Setting` with its exact line; the leaves of
//! other JSON config documents (`service-config.json`) become `RegistryEntry` facts.

use super::{loc, yaml_error};
use crate::interp;
use crate::model::{Diagnostic, EnvSource, Fact, FileFacts, Location, Setting};
use crate::yaml::{Node, Value, parse_documents};
use std::collections::HashMap;

fn push(out: &mut FileFacts, key: String, value: String, location: Location) {
    out.facts.push(Fact::Setting(Setting {
        key,
        value,
        source: EnvSource::Literal,
        location,
    }));
}

/// The note for a value that interpolation made longer than the cap.
pub fn cut_diagnostic(path: &str, line: u32) -> Diagnostic {
    Diagnostic::warning(
        path,
        line,
        format!(
            "the interpolated value is longer than {} KiB and was cut there",
            interp::MAX_LEN / 1024
        ),
    )
}

/// `.env`: `KEY=value`, `export KEY=value`, quotes, `#` comments. Values may use earlier keys
/// of the same file (`ADDR=cart:${PORT}`), as compose reads them; single-quoted values are
/// literal, and a value naming a key the file does not define earlier is kept as written.
pub fn parse_dotenv(path: &str, text: &str, out: &mut FileFacts) {
    let mut earlier: HashMap<String, String> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let body = trimmed.strip_prefix("export ").unwrap_or(trimmed);
        let Some((key, value)) = body.split_once('=') else {
            out.diagnostics.push(Diagnostic::note(
                path,
                i as u32 + 1,
                "not a KEY=value line; ignored",
            ));
            continue;
        };
        let value = value.trim();
        let (value, literal) =
            if let Some(q) = value.strip_prefix('"').and_then(|v| v.split_once('"')) {
                (q.0.to_string(), false)
            } else if let Some(q) = value.strip_prefix('\'').and_then(|v| v.split_once('\'')) {
                (q.0.to_string(), true)
            } else {
                // An unquoted value ends at ` #`.
                let v = value.split(" #").next().unwrap_or(value).trim();
                (v.to_string(), false)
            };
        let known = |v: &str| interp::variables(v).iter().all(|n| earlier.contains_key(n));
        let value = if !literal && value.contains('$') && known(&value) {
            let (value, cut) = interp::compose_capped(&value, &|n| earlier.get(n).cloned());
            if cut {
                out.diagnostics.push(cut_diagnostic(path, i as u32 + 1));
            }
            value
        } else {
            value
        };
        let key = key.trim().to_string();
        earlier.insert(key.clone(), value.clone());
        let column = (line.len() - trimmed.len()) as u32 + 1;
        push(out, key, value, Location::new(path, i as u32 + 1, column));
    }
}

/// Java `.properties`: `key=value`, `key: value`, `key value`, `\` continuations.
pub fn parse_properties(path: &str, text: &str, out: &mut FileFacts) {
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
            continue;
        }
        let mut logical = trimmed.to_string();
        while logical.ends_with('\\') {
            logical.pop();
            match lines.next() {
                Some((_, next)) => logical.push_str(next.trim_start()),
                None => break,
            }
        }
        let split = logical.find(['=', ':', ' ', '\t']);
        let (key, value) = match split {
            Some(at) => {
                let (k, rest) = logical.split_at(at);
                let rest = rest.trim_start();
                let rest = rest.strip_prefix(['=', ':']).unwrap_or(rest);
                (k.to_string(), rest.trim().to_string())
            }
            None => (logical.clone(), String::new()),
        };
        let column = (line.len() - trimmed.len()) as u32 + 1;
        push(out, key, value, Location::new(path, i as u32 + 1, column));
    }
}

/// Flatten a YAML tree into dotted keys (`spring.datasource.url`); sequences get `[i]`.
fn flatten(path: &str, prefix: &str, node: &Node, sep: &str, out: &mut FileFacts) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                let Some(k) = k.scalar() else { continue };
                let key = if prefix.is_empty() {
                    k
                } else {
                    format!("{prefix}{sep}{k}")
                };
                flatten(path, &key, v, sep, out);
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(path, &format!("{prefix}[{i}]"), item, sep, out);
            }
        }
        Value::Null => {}
        _ => {
            if let Some(value) = node.scalar() {
                push(out, prefix.to_string(), value, loc(path, node));
            }
        }
    }
}

/// Spring `application*.yml` (every profile document).
pub fn parse_yaml_settings(path: &str, text: &str, out: &mut FileFacts) {
    match parse_documents(text) {
        Ok(docs) => docs.iter().for_each(|d| flatten(path, "", d, ".", out)),
        Err(e) => yaml_error(path, &e, out),
    }
}

/// `appsettings*.json`. JSON is read by the YAML parser (JSON is YAML 1.2), which keeps
/// positions; `//` and `/* */` comments, which .NET allows, are blanked first.
pub fn parse_json_settings(path: &str, text: &str, out: &mut FileFacts) {
    let text = strip_trailing_commas(&strip_json_comments(text));
    for d in json_documents(path, &text, out) {
        flatten(path, "", &d, ":", out);
    }
}

/// A JSON config document code loads by key (`config.json`, `service-config.json`): its
/// leaves, keyed by their `.`-joined path, as registry entries. A service is given only the
/// entries its own code reads (resolution), so a registry mounted into every service does not
/// make every service call every host in it.
pub fn parse_json_registry(path: &str, text: &str, out: &mut FileFacts) {
    let mut leaves = FileFacts::default();
    for d in json_documents(path, text, out) {
        flatten(path, "", &d, ".", &mut leaves);
    }
    out.diagnostics.append(&mut leaves.diagnostics);
    out.facts.extend(leaves.facts.into_iter().map(|f| match f {
        Fact::Setting(s) => Fact::RegistryEntry(s),
        other => other,
    }));
}

/// JSON as positioned nodes (read by the YAML parser, which keeps positions), or a
/// diagnostic where serde_json says the JSON breaks: YAML accepts more than JSON (`"b": }`).
pub(crate) fn json_documents(path: &str, text: &str, out: &mut FileFacts) -> Vec<Node> {
    let text = text.replace('\t', " ");
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&text) {
        let msg = format!("invalid JSON: {e}");
        out.diagnostics
            .push(Diagnostic::warning(path, e.line() as u32, msg));
        return Vec::new();
    }
    match parse_documents(&text) {
        Ok(docs) => docs,
        Err(e) => {
            let msg = format!("invalid JSON: {}", e.message);
            out.diagnostics.push(Diagnostic::warning(path, e.line, msg));
            Vec::new()
        }
    }
}

/// Blank commas before `}`/`]` (.NET reads appsettings with trailing commas allowed).
fn strip_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            if c == '\\' {
                out.push(c);
                i += 1;
                if let Some(n) = chars.get(i) {
                    out.push(*n);
                }
            } else {
                in_string = c != '"';
                out.push(c);
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            out.push(if matches!(next, Some('}') | Some(']')) {
                ' '
            } else {
                ','
            });
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// Replace comments with spaces, keeping newlines so positions stay exact.
fn strip_json_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut prev = ' ';
                for n in chars.by_ref() {
                    out.push(if n == '\n' { '\n' } else { ' ' });
                    if prev == '*' && n == '/' {
                        break;
                    }
                    prev = n;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::settings_of as settings;

    #[test]
    fn dotenv() {
        let mut out = FileFacts::default();
        parse_dotenv(
            ".env",
            "# c\nA=1\nexport B=\"x y\"\nC=z # trailing\n\nbad line\n",
            &mut out,
        );
        assert_eq!(
            settings(&out),
            vec![
                ("A".into(), "1".into(), 2),
                ("B".into(), "x y".into(), 3),
                ("C".into(), "z".into(), 4)
            ]
        );
        assert_eq!(out.diagnostics.len(), 1);
    }

    #[test]
    fn dotenv_uses_earlier_keys() {
        let mut out = FileFacts::default();
        let text = "PORT=7070\nADDR=cart:${PORT}\nURL=\"http://$ADDR/x\"\n\
                    RAW='cart:${PORT}'\nLATER=${NEXT}:1\nNEXT=2\n";
        parse_dotenv(".env", text, &mut out);
        let values: Vec<String> = settings(&out).into_iter().map(|s| s.1).collect();
        assert_eq!(
            values,
            [
                "7070",
                "cart:7070",
                "http://cart:7070/x",
                "cart:${PORT}",
                "${NEXT}:1",
                "2"
            ]
        );
    }

    #[test]
    fn properties() {
        let mut out = FileFacts::default();
        parse_properties(
            "a.properties",
            "a.b=1\n# x\nc: two\nd three\ne=long\\\n  tail\n",
            &mut out,
        );
        assert_eq!(
            settings(&out),
            vec![
                ("a.b".into(), "1".into(), 1),
                ("c".into(), "two".into(), 3),
                ("d".into(), "three".into(), 4),
                ("e".into(), "longtail".into(), 5)
            ]
        );
    }

    #[test]
    fn json_with_comments_and_positions() {
        let mut out = FileFacts::default();
        let text = "{\n  // comment\n  \"ConnectionStrings\": {\n\t\"Db\": \"Server=s;Database=d\", /* x */\n  },\n}\n";
        parse_json_settings("appsettings.json", text, &mut out);
        assert_eq!(
            settings(&out),
            vec![(
                "ConnectionStrings:Db".into(),
                "Server=s;Database=d".into(),
                4
            )]
        );
    }

    #[test]
    fn spring_yaml() {
        let mut out = FileFacts::default();
        parse_yaml_settings(
            "application.yml",
            "spring:\n  datasource:\n    url: jdbc:mysql://db/x\n---\nserver:\n  port: 8080\n",
            &mut out,
        );
        assert_eq!(
            settings(&out),
            vec![
                (
                    "spring.datasource.url".into(),
                    "jdbc:mysql://db/x".into(),
                    3
                ),
                ("server.port".into(), "8080".into(), 6)
            ]
        );
    }
}
