//! Dockerfiles: `ENV` values (with `ARG` defaults and earlier `ENV`s substituted) and the
//! connection strings or URLs in `CMD`/`ENTRYPOINT`, of the last build stage only: that is
//! the image that runs. A stage `FROM` an earlier stage inherits its settings.

use crate::connstr;
use crate::interp;
use crate::model::{Diagnostic, EnvSource, Fact, FileFacts, Location, Setting};
use std::collections::HashMap;

/// Instructions Docker knows; anything else is reported (it would fail the build).
const INSTRUCTIONS: &[&str] = &[
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

/// URL schemes of addresses worth keeping from a command line (connection strings are
/// recognised by `connstr`).
const CALL_SCHEMES: &[&str] = &["http://", "https://", "grpc://", "grpcs://"];

/// One instruction after joining `\` continuations: its text and where each piece came from.
struct Logical {
    text: String,
    /// (offset in `text`, line, column of that offset), ascending.
    pieces: Vec<(usize, u32, u32)>,
}

impl Logical {
    fn location(&self, path: &str, offset: usize) -> Location {
        let i = self.pieces.partition_point(|p| p.0 <= offset).max(1) - 1;
        let (start, line, column) = self.pieces[i];
        let chars = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        Location::new(path, line, column + chars as u32)
    }

    fn line(&self) -> u32 {
        self.pieces.first().map_or(1, |p| p.1)
    }
}

/// The settings of one build stage.
#[derive(Default, Clone)]
struct Stage {
    name: Option<String>,
    args: HashMap<String, String>,
    env: Vec<Setting>,
    cmd: Vec<Setting>,
    entrypoint: Vec<Setting>,
}

impl Stage {
    fn lookup(&self, name: &str) -> Option<String> {
        let env = self.env.iter().rev().find(|s| s.key == name);
        env.map(|s| s.value.clone())
            .or_else(|| self.args.get(name).cloned())
    }
}

pub fn parse(path: &str, text: &str, out: &mut FileFacts) {
    let mut global_args: HashMap<String, String> = HashMap::new();
    let mut done: Vec<Stage> = Vec::new();
    let mut stage: Option<Stage> = None;
    for l in logical_lines(text) {
        let body = l.text.trim_start();
        let (word, rest) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
        let instruction = word.to_ascii_uppercase();
        let rest = rest.trim_start();
        // `rest` is a suffix of the logical line: where it starts there.
        let rest_at = l.text.len() - rest.len();
        match instruction.as_str() {
            "FROM" => {
                done.extend(stage.take());
                stage = Some(from(rest, &done));
            }
            "ARG" => arg(rest, rest_at, &mut global_args, stage.as_mut()),
            "ENV" => match stage.as_mut() {
                Some(s) => env(path, &l, rest, rest_at, s, out),
                None => out.diagnostics.push(Diagnostic::note(
                    path,
                    l.line(),
                    "ENV before the first FROM; ignored",
                )),
            },
            "CMD" | "ENTRYPOINT" => {
                let Some(s) = stage.as_mut() else { continue };
                let found = addresses(path, &l, rest, rest_at);
                if instruction == "CMD" {
                    s.cmd = found;
                } else {
                    s.entrypoint = found;
                }
            }
            i if INSTRUCTIONS.contains(&i) => {}
            _ => out.diagnostics.push(Diagnostic::note(
                path,
                l.line(),
                format!("`{word}` is not a Dockerfile instruction; ignored"),
            )),
        }
    }
    let Some(last) = stage else {
        if !text.trim().is_empty() {
            out.diagnostics.push(Diagnostic::note(
                path,
                1,
                "no FROM instruction; nothing runs",
            ));
        }
        return;
    };
    let settings = last.env.into_iter().chain(last.entrypoint).chain(last.cmd);
    out.facts.extend(settings.map(Fact::Setting));
}

/// `ARG NAME=default` (defaults may use earlier args); `ARG NAME` in a stage takes the
/// global default, if any.
fn arg(rest: &str, at: usize, global: &mut HashMap<String, String>, stage: Option<&mut Stage>) {
    let mut stage = stage;
    for (word, _) in words(rest, at) {
        let (name, value) = match word.split_once('=') {
            Some((k, v)) => {
                let lookup = |n: &str| match &stage {
                    Some(s) => s.lookup(n),
                    None => global.get(n).cloned(),
                };
                (k.to_string(), interp::compose(v, &lookup))
            }
            None => match global.get(&word) {
                Some(v) => (word.clone(), v.clone()),
                None => continue,
            },
        };
        match stage.as_deref_mut() {
            Some(s) => s.args.insert(name, value),
            None => global.insert(name, value),
        };
    }
}

/// A new stage: `FROM image [AS name]`; from an earlier stage, it starts with its settings.
fn from(rest: &str, done: &[Stage]) -> Stage {
    let parts: Vec<&str> = rest
        .split_whitespace()
        .filter(|p| !p.starts_with("--"))
        .collect();
    let base = parts.first().map(|b| b.to_ascii_lowercase());
    let name = match parts[..] {
        [_, kw, name, ..] if kw.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
        _ => None,
    };
    let mut stage = done
        .iter()
        .rev()
        .find(|s| s.name.is_some() && s.name == base)
        .cloned()
        .unwrap_or_default();
    stage.args.clear();
    stage.name = name;
    stage
}

/// `ENV KEY=value KEY2="v 2"` or the legacy `ENV KEY value`.
fn env(path: &str, l: &Logical, rest: &str, at: usize, s: &mut Stage, out: &mut FileFacts) {
    let list = words(rest, at);
    let Some((first, _)) = list.first() else {
        let msg = "ENV without a key";
        out.diagnostics
            .push(Diagnostic::warning(path, l.line(), msg));
        return;
    };
    let pairs: Vec<(String, String, usize)> = if first.contains('=') {
        let mut pairs = Vec::new();
        for (word, offset) in &list {
            match word.split_once('=') {
                Some((k, v)) if !k.is_empty() => {
                    pairs.push((k.to_string(), v.to_string(), *offset))
                }
                _ => out.diagnostics.push(Diagnostic::warning(
                    path,
                    l.location(path, *offset).line,
                    format!("ENV `{word}` is not KEY=value; ignored"),
                )),
            }
        }
        pairs
    } else {
        let key = first.clone();
        let value = rest[first.len()..].trim();
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        vec![(key, value.to_string(), at)]
    };
    for (key, value, offset) in pairs {
        let (value, cut) = interp::compose_capped(&value, &|name| s.lookup(name));
        if cut {
            let line = l.location(path, offset).line;
            out.diagnostics
                .push(super::config::cut_diagnostic(path, line));
        }
        s.env.retain(|e| e.key != key);
        s.env.push(Setting {
            key,
            value,
            source: EnvSource::Literal,
            location: l.location(path, offset),
        });
    }
}

/// Connection strings and call URLs among a command's words, exec (`["a", "b"]`) or shell
/// form; `--flag=value` counts by its value. Each becomes an `args` setting, as a compose or
/// k8s command's connection strings do.
fn addresses(path: &str, l: &Logical, rest: &str, at: usize) -> Vec<Setting> {
    let list = if rest.starts_with('[') {
        exec_words(rest, at)
    } else {
        words(rest, at)
    };
    let mut out = Vec::new();
    for (word, offset) in list {
        // `--flag=value` by its value, unless the `=` is in the URL's query.
        let scheme = word.find("://");
        let (value, offset) = match word.find('=') {
            Some(e) if scheme.is_none_or(|s| e < s) => (word[e + 1..].to_string(), offset + e + 1),
            _ => (word, offset),
        };
        let value = value.trim_end_matches([',', ';']).to_string();
        let lower = value.to_ascii_lowercase();
        let is_call = CALL_SCHEMES.iter().any(|s| lower.starts_with(s));
        if is_call || connstr::parse(&value).is_some() {
            out.push(Setting {
                key: "args".to_string(),
                value,
                source: EnvSource::Literal,
                location: l.location(path, offset),
            });
        }
    }
    out
}

/// Shell-like words with quotes and backslash escapes removed, each with its start offset
/// (relative to the logical line, `at` being where `text` starts in it).
fn words(text: &str, at: usize) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut current: Option<(String, usize)> = None;
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if quote.is_none() && c.is_whitespace() {
            out.extend(current.take());
            continue;
        }
        let word = &mut current.get_or_insert_with(|| (String::new(), at + i)).0;
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => word.push(c),
            (_, '\\') => word.extend(chars.next().map(|(_, c)| c)),
            (_, c) => word.push(c),
        }
    }
    out.extend(current);
    out
}

/// The strings of a JSON exec form, each with its offset; not JSON after all → shell words.
fn exec_words(text: &str, at: usize) -> Vec<(String, usize)> {
    match serde_json::from_str::<Vec<String>>(text.trim()) {
        Ok(list) => {
            let mut out = Vec::new();
            let mut from = 0;
            for s in list {
                // Find each string's opening quote in order, for its column.
                let found = text[from..].find('"').map(|q| from + q);
                let offset = found.unwrap_or(from);
                from = text
                    .get(offset + 1..)
                    .and_then(|t| t.find('"'))
                    .map_or(text.len(), |q| offset + q + 2)
                    .min(text.len());
                out.push((s, at + offset + 1));
            }
            out
        }
        Err(_) => words(text, at),
    }
}

/// Instructions with `\` continuations joined; comment lines and heredoc bodies dropped.
fn logical_lines(text: &str) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut current: Option<Logical> = None;
    let mut heredoc: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        if let Some(end) = &heredoc {
            if raw.trim() == end {
                heredoc = None;
            }
            continue;
        }
        let trimmed = raw.trim_start();
        // Docker skips comment and empty lines, also inside a continued instruction.
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        let column = (raw.len() - trimmed.len()) as u32 + 1;
        let body = raw.trim_end();
        let (piece, continued) = match body.strip_suffix('\\') {
            Some(p) => (p, true),
            None => (body, false),
        };
        let piece = piece.trim_start();
        let l = current.get_or_insert_with(|| Logical {
            text: String::new(),
            pieces: Vec::new(),
        });
        l.pieces.push((l.text.len(), line_no, column));
        l.text.push_str(piece);
        if continued {
            l.text.push(' ');
        } else {
            heredoc = heredoc_end(&l.text);
            out.extend(current.take());
        }
    }
    out.extend(current);
    out
}

/// The terminator of a heredoc an instruction opens (`RUN <<EOF`, `<<-"EOF"`).
fn heredoc_end(text: &str) -> Option<String> {
    let at = text.find("<<")?;
    let rest = text[at + 2..].trim_start_matches('-');
    let rest = rest.trim_start_matches(['"', '\'']);
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::settings_of;

    fn run(text: &str) -> FileFacts {
        let mut out = FileFacts::default();
        parse("svc/Dockerfile", text, &mut out);
        out
    }

    fn settings(text: &str) -> Vec<(String, String, u32)> {
        settings_of(&run(text))
    }

    fn kv(k: &str, v: &str, line: u32) -> (String, String, u32) {
        (k.to_string(), v.to_string(), line)
    }

    #[test]
    fn env_forms_and_args() {
        let text = "ARG HOST=cart\nfrom node:20\nARG HOST\nARG PORT=8080\n\
                    ENV A=1 B=\"v 2\"\nenv LEGACY some value\n\
                    ENV URL=http://${HOST:-x}:${PORT} \\\n    NEXT=$A\n";
        assert_eq!(
            settings(text),
            vec![
                kv("A", "1", 5),
                kv("B", "v 2", 5),
                kv("LEGACY", "some value", 6),
                kv("URL", "http://cart:8080", 7),
                kv("NEXT", "1", 8),
            ]
        );
    }

    #[test]
    fn key_locations() {
        let out = run("FROM x\nENV A=1 \\\n  B=2\n");
        let locs: Vec<(u32, u32)> = out
            .facts
            .iter()
            .filter_map(|f| match f {
                Fact::Setting(s) => Some((s.location.line, s.location.column)),
                _ => None,
            })
            .collect();
        assert_eq!(locs, vec![(2, 5), (3, 3)]);
        let text = "FROM x\nRUN a \\\n\n  # note\n    && b\nENV C=1\n";
        assert!(run(text).diagnostics.is_empty());
        assert_eq!(settings(text), vec![kv("C", "1", 6)]);
    }

    #[test]
    fn last_stage_only_and_inheritance() {
        let text = "FROM golang AS build\nENV CART_URL=http://cart:8080\nFROM alpine\nENV X=1\n";
        assert_eq!(settings(text), vec![kv("X", "1", 4)]);
        let text = "FROM node AS base\nENV CART_URL=http://cart:8080\nFROM base\nENV X=1\n";
        assert_eq!(
            settings(text),
            vec![kv("CART_URL", "http://cart:8080", 2), kv("X", "1", 4)]
        );
    }

    #[test]
    fn commands() {
        let text = "FROM x\nCMD [\"app\", \"--db=postgres://u:p@db:5432/shop\", \"http://cart:80\"]\n\
                    ENTRYPOINT app --upstream=https://pay:443 # not a comment\n";
        assert_eq!(
            settings(text),
            vec![
                kv("args", "https://pay:443", 3),
                kv("args", "postgres://u:p@db:5432/shop", 2),
                kv("args", "http://cart:80", 2),
            ]
        );
        let out = run("FROM x\nCMD [\"app\", \"--db=postgres://db/shop\"]\n");
        let Some(Fact::Setting(s)) = out.facts.first() else {
            panic!("no setting")
        };
        assert_eq!((s.location.line, s.location.column), (2, 19));
    }

    #[test]
    fn malformed_is_a_diagnostic() {
        let out = run(
            "ENV A=1\nFROM x\nENV\nENV =x B=2\nBOGUS thing\nRUN <<EOF\nnot an instruction\nEOF\n",
        );
        let lines: Vec<u32> = out.diagnostics.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![1, 3, 4, 5]);
        assert_eq!(settings_of(&out), vec![kv("B", "2", 4)]);
        assert!(run("").diagnostics.is_empty());
        assert_eq!(run("# just a comment\nRUN x\n").diagnostics.len(), 1);
        run("\\\n\\");
        run("FROM x\nCMD [\"\u{e9}\", \"http://a:1\"\n");
    }
}
