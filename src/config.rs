//! `monolens.yaml`: rule severities and options, excludes, explicit service mapping, platform
//! and sidecar names. Unknown keys are errors that name the key and its line.

use crate::parse::source::user;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Globs (relative to the scan root) of files to skip.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Read test folders and test compose files too (skipped by default).
    #[serde(default)]
    pub include_tests: bool,
    /// Directory or glob → service name, for repositories the heuristics get wrong.
    #[serde(default)]
    pub services: BTreeMap<String, String>,
    /// Component names that are platform (registries, telemetry, config servers).
    #[serde(default)]
    pub platform: Vec<String>,
    /// Image substrings that are sidecars, never app services.
    #[serde(default)]
    pub sidecars: Vec<String>,
    /// A name declared in several repositories (merge, several roots) → the repositories in
    /// which it is one component; without an entry, same-named components of different
    /// repositories stay apart unless their image or k8s namespace says they are one.
    #[serde(default)]
    pub one_component: BTreeMap<String, serde_saphyr::Spanned<Vec<String>>>,
    /// Per-rule settings.
    #[serde(default)]
    pub rules: BTreeMap<String, serde_saphyr::Spanned<RuleConfig>>,
    /// Read git history for co-change coupling (default true).
    #[serde(default = "yes")]
    pub history: bool,
    /// Accepted findings: each names a rule, the exact set of services, and why.
    #[serde(default)]
    pub allow: Vec<serde_saphyr::Spanned<AllowEntry>>,
    /// Your own client code that calls a service: `{language, pattern, target}`.
    #[serde(default)]
    pub calls: Vec<serde_saphyr::Spanned<CallPattern>>,
    /// Your own client code that sends or takes messages: `{language, pattern, role}`.
    #[serde(default)]
    pub messages: Vec<serde_saphyr::Spanned<MessagePattern>>,
}

/// One language or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Languages {
    One(String),
    Many(Vec<String>),
}

impl Languages {
    fn list(&self) -> Vec<String> {
        match self {
            Languages::One(l) => vec![l.clone()],
            Languages::Many(l) => l.clone(),
        }
    }
}

/// Code that calls a service: `OrdersClient.create($SERVICE)`, target `$SERVICE` (the
/// default) or a fixed component name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CallPattern {
    pub language: Languages,
    pub pattern: String,
    #[serde(default = "service_placeholder")]
    pub target: String,
}

fn service_placeholder() -> String {
    "$SERVICE".to_string()
}

/// Code that sends (`producer`) or takes (`consumer`) messages on `$TOPIC`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MessagePattern {
    pub language: Languages,
    pub pattern: String,
    pub role: PatternRole,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PatternRole {
    Producer,
    Consumer,
}

/// One accepted finding.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AllowEntry {
    pub rule: String,
    /// The services of the finding (order does not matter; the set must be equal).
    pub components: Vec<String>,
    /// Why this coupling is accepted. Required.
    pub reason: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RuleConfig {
    /// error | warning | note | off
    pub severity: Option<String>,
    /// The rule's options, by name.
    #[serde(flatten)]
    pub options: BTreeMap<String, serde_json::Value>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            exclude: Vec::new(),
            include_tests: false,
            services: BTreeMap::new(),
            platform: Vec::new(),
            sidecars: Vec::new(),
            one_component: BTreeMap::new(),
            rules: BTreeMap::new(),
            history: true,
            allow: Vec::new(),
            calls: Vec::new(),
            messages: Vec::new(),
        }
    }
}

impl Config {
    /// Read and validate a config file. Errors are one sentence naming the file and line.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
        let config: Config = serde_saphyr::from_str(&text).map_err(|e| {
            let line = e.location().map_or(1, |l| l.line());
            let first = e.to_string();
            let first = first.lines().next().unwrap_or("invalid").trim().to_string();
            format!("invalid config {} line {line}: {first}", path.display())
        })?;
        config.validate(path, &text)?;
        Ok(config)
    }

    fn validate(&self, path: &Path, text: &str) -> Result<(), String> {
        for entry in &self.allow {
            let line = entry.referenced.line();
            let e = &entry.value;
            if crate::catalog::get(&e.rule).is_none() {
                return Err(format!(
                    "invalid config {} line {line}: allow entry names unknown rule `{}`",
                    path.display(),
                    e.rule
                ));
            }
            if e.reason.trim().is_empty() {
                return Err(format!(
                    "invalid config {} line {line}: allow entry for `{}` needs a reason",
                    path.display(),
                    e.rule
                ));
            }
            if e.components.is_empty() {
                return Err(format!(
                    "invalid config {} line {line}: allow entry for `{}` needs components",
                    path.display(),
                    e.rule
                ));
            }
        }
        self.validate_patterns(path)?;
        self.validate_services(path, text)?;
        for (id, rc) in &self.rules {
            let line = rc.referenced.line();
            let fail = |what: String| {
                Err(format!(
                    "invalid config {} line {line}: rule `{id}` {what}",
                    path.display()
                ))
            };
            let Some(doc) = crate::catalog::get(id) else {
                return Err(format!(
                    "invalid config {} line {line}: unknown rule `{id}` under `rules`",
                    path.display()
                ));
            };
            if let Some(s) = &rc.value.severity
                && !matches!(s.as_str(), "error" | "warning" | "note" | "off")
            {
                return fail(format!(
                    "severity `{s}` is not one of error, warning, note, off"
                ));
            }
            for (name, value) in &rc.value.options {
                let Some(option) = doc.options.iter().find(|o| &o.name == name) else {
                    return fail(format!("has no option `{name}`"));
                };
                if let Err(why) = option.kind.check(value) {
                    return Err(format!(
                        "invalid config {} line {}: rule `{id}` option `{name}` {why}",
                        path.display(),
                        key_line(text, line as usize, name)
                    ));
                }
            }
        }
        Ok(())
    }

    /// `services:` keys that are globs must compile, as the folder mapping compiles them.
    fn validate_services(&self, path: &Path, text: &str) -> Result<(), String> {
        for pattern in self.services.keys() {
            let pattern = pattern.trim_end_matches('/');
            if pattern.contains(['*', '?', '[', '{']) {
                globset::GlobBuilder::new(pattern)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| {
                        format!(
                            "invalid config {} line {}: `services` glob `{pattern}` is not valid: {}",
                            path.display(),
                            text.lines().position(|l| l.contains(pattern)).map_or(1, |i| i + 1),
                            e.kind()
                        )
                    })?;
            }
        }
        Ok(())
    }

    /// `calls:` and `messages:` entries: known languages, patterns that compile.
    fn validate_patterns(&self, path: &Path) -> Result<(), String> {
        let lines = self
            .calls
            .iter()
            .map(|c| c.referenced.line())
            .chain(self.messages.iter().map(|m| m.referenced.line()));
        for (spec, line) in self.code_patterns().iter().zip(lines) {
            let fail =
                |what: String| format!("invalid config {} line {line}: {what}", path.display());
            if let Some(l) = spec
                .languages
                .iter()
                .find(|l| user::extensions_of(l).is_none())
            {
                let known: Vec<&str> = user::LANGUAGES.iter().map(|(n, _)| *n).collect();
                return Err(fail(format!(
                    "unknown language `{l}` (known: {})",
                    known.join(", ")
                )));
            }
            let capture = match &spec.declares {
                user::Declares::Call { fixed: Some(_) } => None,
                user::Declares::Call { fixed: None } => Some("$SERVICE"),
                user::Declares::Message { .. } => Some("$TOPIC"),
            };
            user::compile(&spec.pattern, capture).map_err(fail)?;
        }
        Ok(())
    }

    /// The code patterns of `calls:` then `messages:`, for the source scanner.
    pub fn code_patterns(&self) -> Vec<user::Spec> {
        let calls = self.calls.iter().map(|c| {
            let c = &c.value;
            let fixed = (c.target != "$SERVICE").then(|| c.target.clone());
            user::Spec {
                languages: c.language.list(),
                pattern: c.pattern.clone(),
                declares: user::Declares::Call { fixed },
            }
        });
        let messages = self.messages.iter().map(|m| {
            let m = &m.value;
            let role = match m.role {
                PatternRole::Producer => crate::model::MessageRole::Producer,
                PatternRole::Consumer => crate::model::MessageRole::Consumer,
            };
            user::Spec {
                languages: m.language.list(),
                pattern: m.pattern.clone(),
                declares: user::Declares::Message { role },
            }
        });
        calls.chain(messages).collect()
    }

    /// Options as strings, by rule then option name.
    pub fn rule_options(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        self.rules
            .iter()
            .map(|(id, rc)| {
                let opts = rc
                    .value
                    .options
                    .iter()
                    .map(|(k, v)| {
                        let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                        (k.clone(), text.trim().to_string())
                    })
                    .collect();
                (id.clone(), opts)
            })
            .collect()
    }
}

/// The line of option `name` in the rule mapping that starts at `from` (flattened options keep
/// no position of their own); `from` when it is not found.
fn key_line(text: &str, from: usize, name: &str) -> usize {
    let is_key = |l: &str| {
        l.split([' ', '{', ',', '"', '\''])
            .any(|w| w.strip_suffix(':') == Some(name))
    };
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| is_key(l))
        .map_or(from, |(i, _)| i + 1)
}

/// The JSON Schema of `monolens.yaml`, built from the catalog so every rule and option is
/// listed (a test keeps `schemas/monolens.schema.json` in sync).
pub fn json_schema() -> serde_json::Value {
    use serde_json::json;
    let mut rules = serde_json::Map::new();
    for d in crate::catalog::all() {
        let mut props = serde_json::Map::new();
        props.insert("severity".into(), json!({"enum": ["error", "warning", "note", "off"], "description": format!("Default: {}.", d.severity.as_str())}));
        for o in &d.options {
            props.insert(o.name.clone(), option_schema(o));
        }
        rules.insert(d.id.clone(), json!({"type": "object", "description": d.title, "additionalProperties": false, "properties": props}));
    }
    let names: Vec<&str> = user::LANGUAGES.iter().map(|(n, _)| *n).collect();
    let languages = json!({"oneOf": [{"enum": names}, {"type": "array", "items": {"enum": names}, "minItems": 1}]});
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "monolens.yaml",
        "description": "Configuration of monolens, read from the scan root or --config.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "exclude": {"type": "array", "items": {"type": "string"}, "description": "Globs (relative to the scan root) of files to skip."},
            "include-tests": {"type": "boolean", "default": false, "description": "Read test folders and test compose files too."},
            "services": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Directory or glob → service name, checked before the heuristics."},
            "platform": {"type": "array", "items": {"type": "string"}, "description": "Component names that are platform (registries, telemetry, config servers)."},
            "sidecars": {"type": "array", "items": {"type": "string"}, "description": "Image substrings that are sidecars, never app services."},
            "one-component": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 2}, "description": "A name declared in several repositories (merge, several roots) → the repositories in which it is one component. Without an entry, same-named components of different repositories stay apart unless their image or k8s namespace says they are one."},
            "history": {"type": "boolean", "default": true, "description": "Read git history for co-change coupling."},
            "rules": {"type": "object", "additionalProperties": false, "properties": rules, "description": "Per-rule severity and options."},
            "calls": {
                "type": "array",
                "description": "Your own client code that calls a service. Placeholders: $SERVICE (the callee's name), $_ (one argument), ... (anything).",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["language", "pattern"],
                    "properties": {
                        "language": languages.clone(),
                        "pattern": {"type": "string", "examples": ["OrdersClient.create($SERVICE)"]},
                        "target": {"type": "string", "default": "$SERVICE", "description": "$SERVICE, or the component every match calls."}
                    }
                }
            },
            "messages": {
                "type": "array",
                "description": "Your own client code that sends (producer) or takes (consumer) messages on $TOPIC.",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["language", "pattern", "role"],
                    "properties": {
                        "language": languages,
                        "pattern": {"type": "string", "examples": ["bus.Publish($TOPIC, ...)"]},
                        "role": {"enum": ["producer", "consumer"]}
                    }
                }
            },
            "allow": {
                "type": "array",
                "description": "Accepted findings. An entry that matches nothing is reported.",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["rule", "components", "reason"],
                    "properties": {
                        "rule": {"enum": crate::catalog::all().iter().map(|d| d.id.clone()).collect::<Vec<_>>()},
                        "components": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "The finding's services (the set must be equal)."},
                        "reason": {"type": "string", "minLength": 1}
                    }
                }
            }
        }
    })
}

/// The schema of one rule option, from its kind.
fn option_schema(o: &crate::catalog::RuleOption) -> serde_json::Value {
    use crate::catalog::OptionKind;
    use serde_json::json;
    let description = format!("{} Default: {}.", o.description, o.default);
    match o.kind {
        OptionKind::Count => json!({"anyOf": [
            {"type": "integer", "minimum": 0},
            {"type": "string", "pattern": "^[0-9]+$"}
        ], "description": description}),
        OptionKind::Percent => json!({"anyOf": [
            {"type": "number", "minimum": 0, "maximum": 1},
            {"type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?%|0(\\.[0-9]+)?|1(\\.0+)?)$"}
        ], "description": description}),
        OptionKind::Severity => {
            json!({"enum": ["error", "warning", "note", "off"], "description": description})
        }
        OptionKind::List => json!({"type": "string", "description": description}),
    }
}

/// Services, dirs and rules named in the starter config at most (a large repository's list is
/// cut with a count).
const STARTER_LIST: usize = 200;

/// The commented `monolens.yaml` that `monolens init` writes: every key with its default, and
/// as comments what the scan detected (services and their folders, platform components,
/// variants) and each rule's settings.
pub fn starter(model: &crate::model::Model) -> String {
    use crate::model::ComponentKind;
    let mut out = String::from(
        "# monolens configuration, written by `monolens init` from what the scan detected.\n\
         # Every key is optional. Paths and globs are relative to the scan root.\n\
         # The schema: schemas/monolens.schema.json; a rule's options: `monolens explain <rule>`.\n\n\
         # Files to skip (globs), e.g. \"legacy/**\".\nexclude: []\n\n\
         # Read git history for co-change-coupling.\nhistory: true\n\n\
         # Read test folders and test compose files too.\ninclude-tests: false\n\n\
         # Folder or glob -> service, only where the detection below is wrong.\n",
    );
    let dirs: Vec<&(String, String)> = model
        .service_dirs
        .iter()
        .filter(|(d, _)| !d.is_empty())
        .collect();
    if dirs.is_empty() {
        out.push_str("# No service folder was detected.\n");
    } else {
        out.push_str("# Detected:\n");
        for (dir, service) in dirs.iter().take(STARTER_LIST) {
            out.push_str(&format!(
                "#   {}: {service}\n",
                yaml_key(dir.trim_end_matches('/'))
            ));
        }
        if dirs.len() > STARTER_LIST {
            out.push_str(&format!("#   … and {} more\n", dirs.len() - STARTER_LIST));
        }
    }
    out.push_str("services: {}\n\n# Names that are platform (registries, telemetry, config servers), not business services.\n");
    let platform: Vec<&str> = model
        .components
        .iter()
        .filter(|c| c.kind == ComponentKind::Platform)
        .map(|c| c.id.as_str())
        .collect();
    out.push_str(&match platform.len() {
        0 => "# None was detected.\n".to_string(),
        _ => format!("# Detected: {}\n", crate::finding::names(&platform)),
    });
    out.push_str("platform: []\n\n# Image substrings that are sidecars, never app services.\nsidecars: []\n\n");
    out.push_str(&match model.variants.len() {
        0 => "# One deployment variant was found.\n\n".to_string(),
        _ => format!(
            "# Deployment variants found (from the files; nothing to set): {}\n\n",
            model.variants.join(", ")
        ),
    });
    out.push_str(
        "# Rule settings: `severity` (error, warning, note, off) and each rule's options.\n",
    );
    for d in crate::catalog::all() {
        let mut opts = vec![format!("severity: {}", d.severity.as_str())];
        opts.extend(
            d.options
                .iter()
                .map(|o| format!("{}: {}", o.name, yaml_key(&o.default))),
        );
        out.push_str(&format!("#   {}: {{{}}}\n", d.id, opts.join(", ")));
    }
    out.push_str(
        "rules: {}\n\n# Accepted findings: the rule, the finding's exact services and why.\n\
         #   - {rule: shared-database, components: [a, b], reason: one bounded context}\nallow: []\n",
    );
    out
}

/// A key or value as YAML reads it back: quoted when it holds YAML syntax.
fn yaml_key(key: &str) -> String {
    let plain = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-%*".contains(c))
        && !key.starts_with('*');
    if plain {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}
