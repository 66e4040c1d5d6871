//! Facts files: one repository's parsed facts before resolution (`monolens facts`), for a
//! later merge of many repositories. Versioned, deterministic (files by path, facts in parse
//! order) and redacted: every string passes the same structural masking as every other
//! output, and a setting's value is masked by its key as `inspect` masks it.

use crate::model::FileFacts;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The facts format's version; a file of another version is refused with a clear error.
pub const SCHEMA_VERSION: u32 = 1;

/// One repository's facts.
#[derive(Debug, Serialize, Deserialize)]
pub struct FactsFile {
    pub schema_version: u32,
    pub tool: Tool,
    /// The repository's name: paths are `repository/path` once merged.
    pub repository: String,
    /// Every file that said something, by path.
    pub files: Vec<FileFacts>,
    /// Pairs of the repository's services that change together in its history (empty when
    /// history was not read).
    #[serde(default)]
    pub co_changes: Vec<crate::model::CoChange>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// The facts document of `files`, redacted, as JSON text; `prefix` (the scan root inside its
/// repository) goes before every file's path, as outputs show it.
pub fn to_json(
    repository: &str,
    prefix: &str,
    mut files: Vec<FileFacts>,
    co_changes: Vec<crate::model::CoChange>,
) -> Result<String, String> {
    files.retain(|f| !f.facts.is_empty() || !f.diagnostics.is_empty());
    for f in &mut files {
        f.path = format!("{prefix}{}", f.path);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let doc = FactsFile {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "monolens".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        repository: repository.to_string(),
        files,
        co_changes,
    };
    let mut value = serde_json::to_value(&doc).map_err(|e| e.to_string())?;
    redact(&mut value, false);
    each_file(&mut value, |facts, path| own_file(facts, path, Elide));
    let mut text = serde_json::to_string(&value).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

/// What `own_file` does to a location in its own file.
#[derive(Clone, Copy)]
enum Own {
    /// Drop its `file`: the file entry says it (most of a fragment's bytes otherwise).
    Elide,
    /// Put the file entry's path back where it was dropped.
    Restore,
}
use Own::{Elide, Restore};

/// `f(facts, path)` for every entry of a facts tree's `files`.
fn each_file(doc: &mut Value, mut f: impl FnMut(&mut Value, &str)) {
    let Some(files) = doc.get_mut("files").and_then(Value::as_array_mut) else {
        return;
    };
    for entry in files {
        let Some(path) = entry
            .get("path")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            continue;
        };
        if let Some(facts) = entry.get_mut("facts") {
            f(facts, &path);
        }
    }
}

/// Elide or restore the `file` of every location (an object of exactly `file`, `line` and
/// `column`) inside one file's facts that points into that file.
fn own_file(value: &mut Value, path: &str, what: Own) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(|v| own_file(v, path, what)),
        Value::Object(map) => {
            let position = map.get("line").is_some_and(Value::is_u64)
                && map.get("column").is_some_and(Value::is_u64);
            match what {
                Elide
                    if position
                        && map.len() == 3
                        && map.get("file").and_then(Value::as_str) == Some(path) =>
                {
                    map.remove("file");
                }
                Restore if position && map.len() == 2 => {
                    map.insert("file".into(), Value::String(path.to_string()));
                }
                _ => map.values_mut().for_each(|v| own_file(v, path, what)),
            }
        }
        _ => {}
    }
}

/// Mask every secret in a facts tree: a `{key, value}` setting by its key (every value of a
/// k8s Secret's entries), every other string by its structure.
fn redact(value: &mut Value, in_secret: bool) {
    match value {
        Value::String(s) => *s = crate::redact::redact(s),
        Value::Array(items) => items.iter_mut().for_each(|v| redact(v, in_secret)),
        Value::Object(map) => {
            let secret = in_secret || map.get("kind").and_then(Value::as_str) == Some("Secret");
            let key = map.get("key").and_then(Value::as_str).map(str::to_string);
            for (field, v) in map.iter_mut() {
                match (field.as_str(), &key, v.as_str()) {
                    ("value", Some(k), Some(text)) => {
                        *v = Value::String(crate::redact::setting_value(k, text, secret));
                    }
                    _ => redact(v, secret),
                }
            }
        }
        _ => {}
    }
}

/// Read a facts file: the version first, then the facts with `repository/` before every path.
pub fn read(path: &std::path::Path) -> Result<FactsFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read facts {}: {e}", path.display()))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a facts file: {e}", path.display()))?;
    let version = value.get("schema_version").and_then(Value::as_u64);
    if version != Some(u64::from(SCHEMA_VERSION)) {
        let found = version.map_or("none".to_string(), |v| v.to_string());
        return Err(format!(
            "{} has facts schema version {found}; this monolens reads version {SCHEMA_VERSION} (emit it again with this version)",
            path.display()
        ));
    }
    let repository = value
        .get("repository")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut value = value;
    each_file(&mut value, |facts, path| own_file(facts, path, Restore));
    let mut facts: FactsFile = crate::model::read_paths_under(&format!("{repository}/"), || {
        serde_json::from_value(value)
            .map_err(|e| format!("{} is not a valid facts file: {e}", path.display()))
    })?;
    for f in &mut facts.files {
        f.path = format!("{repository}/{}", f.path);
    }
    Ok(facts)
}

/// Facts with `prefix` before every path (`scan A B C`: each directory under its name), as
/// reading them from a facts file would place them.
pub fn namespaced(files: Vec<FileFacts>, prefix: &str) -> Result<Vec<FileFacts>, String> {
    let value = serde_json::to_value(&files).map_err(|e| e.to_string())?;
    let mut files: Vec<FileFacts> = crate::model::read_paths_under(prefix, || {
        serde_json::from_value(value).map_err(|e| e.to_string())
    })?;
    for f in &mut files {
        f.path = format!("{prefix}{}", f.path);
    }
    Ok(files)
}
