//! Code patterns from `monolens.yaml` (`calls:` and `messages:`): a team's own client library
//! taught in a few lines. A pattern is the code as written with placeholders: `$SERVICE` or
//! `$TOPIC` (a name, quoted or not), `$_` (one argument) and `...` (anything on the line).
//! Each pattern is compiled once to a regex behind its longest literal word, so a file that
//! does not contain the word costs one automaton pass for all patterns together.

use super::LineIndex;
use crate::model::{Fact, Location, MessageRole, NameRole};
use aho_corasick::AhoCorasick;
use regex::Regex;

/// Languages by the name a user writes, with their file extensions.
pub const LANGUAGES: &[(&str, &[&str])] = &[
    ("java", &["java"]),
    ("kotlin", &["kt", "kts"]),
    ("scala", &["scala"]),
    ("groovy", &["groovy"]),
    ("go", &["go"]),
    ("javascript", &["js", "mjs", "cjs", "jsx"]),
    ("typescript", &["ts", "tsx"]),
    ("python", &["py"]),
    ("csharp", &["cs"]),
    ("php", &["php"]),
    ("ruby", &["rb"]),
    ("rust", &["rs"]),
    ("cpp", &["c", "cc", "cpp", "cxx", "h", "hh", "hpp"]),
    ("lua", &["lua"]),
];

/// What a match declares.
#[derive(Debug, Clone, PartialEq)]
pub enum Declares {
    /// A call to the captured `$SERVICE`, or to a fixed component.
    Call { fixed: Option<String> },
    /// A message on the captured `$TOPIC`.
    Message { role: MessageRole },
}

/// One pattern as the configuration gives it, already checked.
#[derive(Debug, Clone)]
pub struct Spec {
    pub languages: Vec<String>,
    pub pattern: String,
    pub declares: Declares,
}

struct Compiled {
    extensions: Vec<&'static str>,
    regex: Regex,
    declares: Declares,
    pattern: String,
}

/// The compiled patterns of one scan.
#[derive(Default)]
pub struct UserPatterns {
    triggers: Option<AhoCorasick>,
    compiled: Vec<Compiled>,
}

/// The placeholder a capture stands for.
fn placeholder(declares: &Declares) -> Option<&'static str> {
    match declares {
        Declares::Call { fixed: Some(_) } => None,
        Declares::Call { fixed: None } => Some("$SERVICE"),
        Declares::Message { .. } => Some("$TOPIC"),
    }
}

/// `pattern` as a regex, and its longest literal word (the trigger). Errors are one sentence.
pub fn compile(pattern: &str, capture: Option<&str>) -> Result<(Regex, String), String> {
    const NAME: &str = r#"["'`]?(?P<name>[A-Za-z0-9_][A-Za-z0-9_.:/-]*)["'`]?"#;
    let mut regex = String::new();
    let mut words: Vec<String> = Vec::new();
    let mut literal = String::new();
    let mut rest = pattern.trim();
    let mut captured = false;
    let flush = |literal: &mut String, regex: &mut String, words: &mut Vec<String>| {
        for part in literal.split_whitespace() {
            words.extend(
                part.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .filter(|w| w.len() >= 3)
                    .map(str::to_string),
            );
        }
        let parts: Vec<String> = literal
            .split_whitespace()
            .map(|p| {
                // Space is allowed around punctuation, as code formatters put it.
                p.chars()
                    .map(|c| {
                        let e = regex::escape(&c.to_string());
                        if c.is_alphanumeric() || c == '_' {
                            e
                        } else {
                            format!(r"\s*{e}\s*")
                        }
                    })
                    .collect()
            })
            .collect();
        regex.push_str(&parts.join(r"\s+"));
        literal.clear();
    };
    while !rest.is_empty() {
        let token = ["$SERVICE", "$TOPIC", "$_", "..."]
            .into_iter()
            .find(|t| rest.starts_with(t));
        match token {
            Some(t) => {
                flush(&mut literal, &mut regex, &mut words);
                match t {
                    "$_" => regex.push_str(r"[^,()]*?"),
                    "..." => regex.push_str(r".*?"),
                    _ if Some(t) == capture && !captured => {
                        regex.push_str(NAME);
                        captured = true;
                    }
                    _ => {
                        return Err(format!(
                            "pattern `{pattern}` uses `{t}`, which this entry does not capture"
                        ));
                    }
                }
                rest = &rest[t.len()..];
            }
            None => {
                let c = rest.chars().next().unwrap_or(' ');
                literal.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    flush(&mut literal, &mut regex, &mut words);
    if let Some(c) = capture
        && !captured
    {
        return Err(format!("pattern `{pattern}` has no `{c}`"));
    }
    let trigger = words.into_iter().max_by_key(|w| w.len()).ok_or_else(|| {
        format!("pattern `{pattern}` needs a literal word of 3 or more characters")
    })?;
    // Space around punctuation is optional inside the pattern, not at its ends: a match
    // starts and ends on code, so its location is the code's.
    let regex = regex.trim_start_matches(r"\s*").trim_end_matches(r"\s*");
    let regex =
        Regex::new(regex).map_err(|e| format!("pattern `{pattern}` does not compile: {e}"))?;
    Ok((regex, trigger))
}

impl UserPatterns {
    /// Compile checked specs; an error names the pattern (the config check calls `compile`
    /// first, so a scan never gets here with a bad one).
    pub fn new(specs: &[Spec]) -> Result<Self, String> {
        let mut compiled = Vec::new();
        let mut triggers = Vec::new();
        for s in specs {
            let (regex, trigger) = compile(&s.pattern, placeholder(&s.declares))?;
            let extensions = s
                .languages
                .iter()
                .flat_map(|l| extensions_of(l).unwrap_or(&[]))
                .copied()
                .collect();
            compiled.push(Compiled {
                extensions,
                regex,
                declares: s.declares.clone(),
                pattern: s.pattern.clone(),
            });
            triggers.push(trigger);
        }
        let triggers = (!triggers.is_empty())
            .then(|| AhoCorasick::builder().build(&triggers))
            .transpose()
            .map_err(|e| e.to_string())?;
        Ok(UserPatterns { triggers, compiled })
    }

    /// The facts the patterns find in one source file.
    pub fn scan(&self, path: &str, text: &str, out: &mut Vec<Fact>) {
        let Some(ac) = &self.triggers else { return };
        let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
        let mut on = vec![false; self.compiled.len()];
        for m in ac.find_overlapping_iter(text) {
            on[m.pattern().as_usize()] = true;
        }
        let mut lines: Option<LineIndex> = None;
        for (c, _) in self.compiled.iter().zip(&on).filter(|(_, on)| **on) {
            if !c.extensions.iter().any(|e| e.eq_ignore_ascii_case(ext)) {
                continue;
            }
            for cap in c.regex.captures_iter(text) {
                let Some(whole) = cap.get(0) else { continue };
                let lines = lines.get_or_insert_with(|| LineIndex::new(text));
                let (line, column) = lines.position(text, whole.start());
                let location = Location::new(path, line, column);
                let name = cap.name("name").map(|m| m.as_str().to_string());
                out.extend(fact(c, name, whole.as_str(), location));
            }
        }
    }
}

fn fact(c: &Compiled, name: Option<String>, text: &str, location: Location) -> Option<Fact> {
    match &c.declares {
        Declares::Call { fixed } => Some(Fact::ServiceName {
            name: fixed.clone().or(name)?.to_ascii_lowercase(),
            role: NameRole::Declared,
            location,
        }),
        Declares::Message { role } => Some(Fact::Message {
            topic: name?,
            role: *role,
            technology: None,
            text: format!("{text} (monolens.yaml pattern `{}`)", c.pattern),
            location,
        }),
    }
}

/// The extensions of a language name, `None` when monolens does not know it.
pub fn extensions_of(language: &str) -> Option<&'static [&'static str]> {
    LANGUAGES
        .iter()
        .find(|(l, _)| l.eq_ignore_ascii_case(language))
        .map(|(_, e)| *e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(lang: &str, pattern: &str, declares: Declares) -> Spec {
        Spec {
            languages: vec![lang.to_string()],
            pattern: pattern.to_string(),
            declares,
        }
    }

    #[test]
    fn placeholders_and_spacing() {
        let (re, trigger) = compile("OrdersClient.create($SERVICE, $_)", Some("$SERVICE")).unwrap();
        assert_eq!(trigger, "OrdersClient");
        let caps = re
            .captures(r#"x = OrdersClient.create( "billing-api" , opts);"#)
            .unwrap();
        assert_eq!(&caps["name"], "billing-api");
        assert!(re.captures("OrdersClient.build(\"billing-api\")").is_none());
    }

    #[test]
    fn errors_are_sentences() {
        assert!(
            compile("Client.create()", Some("$SERVICE"))
                .unwrap_err()
                .contains("no `$SERVICE`")
        );
        assert!(
            compile("f($SERVICE)", Some("$SERVICE"))
                .unwrap_err()
                .contains("literal word")
        );
        assert!(
            compile("Bus.publish($TOPIC)", Some("$SERVICE"))
                .unwrap_err()
                .contains("does not capture")
        );
    }

    #[test]
    fn scan_respects_language_and_trigger() {
        let p = UserPatterns::new(&[
            spec(
                "java",
                "Orders.client($SERVICE)",
                Declares::Call { fixed: None },
            ),
            spec(
                "go",
                "bus.Emit($TOPIC, ...)",
                Declares::Message {
                    role: MessageRole::Producer,
                },
            ),
        ])
        .unwrap();
        let mut out = Vec::new();
        p.scan(
            "a/App.java",
            "class A {\n  var c = Orders.client(\"billing\");\n}",
            &mut out,
        );
        p.scan(
            "a/app.go",
            "Orders.client(\"nope\")\nbus.Emit(\"order-placed\", evt)",
            &mut out,
        );
        p.scan("a/app.py", "bus.Emit('ignored', e)", &mut out);
        let got: Vec<String> = out
            .iter()
            .map(|f| match f {
                Fact::ServiceName { name, location, .. } => {
                    format!("call {name} {}", location.line)
                }
                Fact::Message {
                    topic, location, ..
                } => format!("msg {topic} {}", location.line),
                _ => String::new(),
            })
            .collect();
        assert_eq!(got, ["call billing 2", "msg order-placed 2"]);
    }
}
