//! The rule catalog: metadata for every rule, read from `rules/<id>.yaml` at build time. It is
//! the single source for `monolens rules`, `monolens explain`, SARIF rule help and docs.

use crate::finding::Strength;
use crate::model::Severity;
use serde::Deserialize;
use std::sync::LazyLock;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOption {
    pub name: String,
    /// What values the option takes; config values are checked against it at load time.
    pub kind: OptionKind,
    pub default: String,
    pub description: String,
}

/// The value types rule options take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OptionKind {
    /// A whole number, 0 or more.
    Count,
    /// A share: `50%`, or a fraction from 0 to 1 (`0.5`).
    Percent,
    /// error, warning, note or off.
    Severity,
    /// Comma-separated words.
    List,
}

impl OptionKind {
    /// What a valid value looks like, for error messages and the schema.
    pub fn describe(self) -> &'static str {
        match self {
            OptionKind::Count => "a whole number, 0 or more",
            OptionKind::Percent => "a percentage such as `50%`, or a fraction from 0 to 1",
            OptionKind::Severity => "one of error, warning, note, off",
            OptionKind::List => "a comma-separated list of words",
        }
    }

    /// The value as the rules read it (a string), or why it is not valid.
    pub fn check(self, value: &serde_json::Value) -> Result<String, String> {
        let text = match value {
            serde_json::Value::String(s) => s.trim().to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            other => other.to_string(),
        };
        let ok = match self {
            OptionKind::Count => text.parse::<u64>().is_ok(),
            OptionKind::Percent => percent(&text).is_some(),
            OptionKind::Severity => matches!(text.as_str(), "error" | "warning" | "note" | "off"),
            OptionKind::List => value.is_string(),
        };
        if ok {
            Ok(text)
        } else {
            Err(format!("must be {}, not `{text}`", self.describe()))
        }
    }
}

/// A share from 0 to 1: `50%` is one half, as is `0.5`; `1%` is one hundredth.
pub fn percent(text: &str) -> Option<f64> {
    let text = text.trim();
    let share = match text.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok()? / 100.0,
        None => text.parse::<f64>().ok()?,
    };
    (0.0..=1.0).contains(&share).then_some(share)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// How strongly a finding of this rule ties its services, unless its case says otherwise.
    pub strength: Strength,
    /// Strength by case, for rules whose cases weigh differently (`release-tag: weak`).
    #[serde(default, rename = "case-strength")]
    pub case_strength: std::collections::BTreeMap<String, Strength>,
    /// Number of the principle in DESIGN.md / README that the rule checks.
    pub principle: u8,
    pub summary: String,
    pub what: String,
    pub why: String,
    pub example: String,
    /// The example's language, for its code fence (`yaml`, `sql`, `text`).
    #[serde(rename = "example-language")]
    pub example_language: ExampleLanguage,
    pub fix: String,
    #[serde(default)]
    pub options: Vec<RuleOption>,
    /// How often a finding is right on real repositories (SARIF `precision`).
    pub precision: Precision,
    /// What kind of problem it is: `architecture` rules are about coupling; `security` ones
    /// carry a `security-severity` for GitHub code scanning.
    pub kind: RuleKind,
    /// GitHub's `security-severity` (0.1–10) for a `security` rule.
    #[serde(default, rename = "security-severity")]
    pub security_severity: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExampleLanguage {
    Yaml,
    Sql,
    Text,
}

/// SARIF's precision levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    VeryHigh,
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    Architecture,
    Security,
}

impl ExampleLanguage {
    pub fn as_str(self) -> &'static str {
        match self {
            ExampleLanguage::Yaml => "yaml",
            ExampleLanguage::Sql => "sql",
            ExampleLanguage::Text => "text",
        }
    }
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::VeryHigh => "very-high",
            Precision::High => "high",
            Precision::Medium => "medium",
            Precision::Low => "low",
        }
    }
}

impl RuleKind {
    /// SARIF tags.
    pub fn tags(self) -> &'static [&'static str] {
        match self {
            RuleKind::Architecture => &["architecture", "coupling"],
            RuleKind::Security => &["security"],
        }
    }
}

/// One rule as `monolens rules --format json` lists it.
#[derive(Debug, serde::Serialize)]
pub struct Listing<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub severity: &'static str,
    pub strength: &'static str,
    pub precision: &'static str,
    pub tags: &'static [&'static str],
    pub principle: u8,
    pub summary: &'a str,
    pub options: Vec<ListedOption<'a>>,
}

#[derive(Debug, serde::Serialize)]
pub struct ListedOption<'a> {
    pub name: &'a str,
    pub takes: &'static str,
    pub default: &'a str,
    pub description: &'a str,
}

/// Every rule, for `monolens rules --format json`; options include `severity`.
pub fn listing() -> Vec<Listing<'static>> {
    all()
        .iter()
        .map(|d| Listing {
            id: &d.id,
            title: &d.title,
            severity: d.severity.as_str(),
            strength: d.strength.as_str(),
            precision: d.precision.as_str(),
            tags: d.kind.tags(),
            principle: d.principle,
            summary: &d.summary,
            options: std::iter::once(ListedOption {
                name: "severity",
                takes: SEVERITY_TAKES,
                default: d.severity.as_str(),
                description: SEVERITY_OPTION,
            })
            .chain(d.options.iter().map(|o| ListedOption {
                name: &o.name,
                takes: o.kind.describe(),
                default: &o.default,
                description: &o.description,
            }))
            .collect(),
        })
        .collect()
}

/// The option every rule has.
const SEVERITY_TAKES: &str = "error, warning, note or off";
const SEVERITY_OPTION: &str = "the severity of its findings; `off` does not run the rule";

/// The principles the rules enforce, numbered as the catalog cites them: the one-line form
/// (`explain`, SARIF help) and what it means (docs/principles.md).
pub const PRINCIPLES: &[&str] = &[
    "Each service owns its own data store.",
    "Independent deployability is the goal.",
    "Synchronous calls create temporal coupling; use events when no immediate answer is needed.",
    "Circuit breakers stop cascade failures.",
    "Distributed transactions go through sagas, not cross-service ACID.",
    "Boundaries follow bounded contexts; things that change together belong together.",
    "Microservices solve organisational scale; many services for few people is a cost.",
];

const PRINCIPLE_TEXT: &[&str] = &[
    "A service's data is part of its private implementation. When two services read and write \
     one schema, neither can change a column, a table or an index without the other, and a \
     migration becomes a joint release. Other services get the data through the owner's API or \
     its events, never through its tables.",
    "The point of splitting a system into services is that each can be changed, tested and \
     released on its own schedule. Shared release tags, start-up order between app services and \
     shared build versions are signs that services are released as one unit, whatever the \
     repository layout says.",
    "A synchronous call makes the caller wait for the callee, so both must be up at once and \
     the caller's latency includes the callee's. Chains and cycles of such calls multiply the \
     failure rate. Where no immediate answer is needed, a message or an event decouples the two \
     in time.",
    "A remote call without a timeout, a bounded retry or a circuit breaker lets one slow \
     service exhaust its callers' threads and connections, and the failure spreads along the \
     call graph. Each synchronous call needs a policy for when the other side does not answer.",
    "One ACID transaction over two services' databases (XA, two-phase commit, a shared \
     transaction manager) couples their availability and their schemas. A saga (a sequence of \
     local transactions with compensations, driven by events or an orchestrator) keeps each \
     service's data its own.",
    "A service boundary should follow a bounded context of the domain: what changes together \
     lives together. Services that keep changing in the same commits, or that are split from \
     one context, pay the cost of distribution without its independence.",
    "Microservices let many teams work without waiting on each other. One team owning many \
     services pays for the network, the deployments and the operations of each while gaining \
     no independence, since the same people change them all.",
];

const _: () = assert!(PRINCIPLES.len() == PRINCIPLE_TEXT.len());

/// `docs/principles.md`: the seven principles the rules cite, each with an anchor the rule
/// documentation links to.
pub fn principles_markdown() -> String {
    let mut out = String::from(
        "# The principles monolens checks\n\n<!-- Generated from src/catalog.rs by the test suite \
         (MONOLENS_BLESS=1 cargo test --test docs); do not edit by hand. -->\n\n\
         Every rule cites one of these. A finding is a place where the repository works against it.\n",
    );
    for (i, (line, text)) in PRINCIPLES.iter().zip(PRINCIPLE_TEXT).enumerate() {
        let n = i + 1;
        let rules: Vec<String> = all()
            .iter()
            .filter(|d| d.principle as usize == n)
            .map(|d| format!("[`{0}`](rules.md#{0})", d.id))
            .collect();
        out.push_str(&format!(
            "\n<a id=\"principle-{n}\"></a>\n## {n}. {line}\n\n{text}\n\nRules: {}.\n",
            if rules.is_empty() {
                "none yet".to_string()
            } else {
                rules.join(", ")
            }
        ));
    }
    out
}

const SOURCES: &[(&str, &str)] = &[
    (
        "shared-database",
        include_str!("../rules/shared-database.yaml"),
    ),
    (
        "shared-database-server",
        include_str!("../rules/shared-database-server.yaml"),
    ),
    ("shared-table", include_str!("../rules/shared-table.yaml")),
    (
        "cross-service-foreign-key",
        include_str!("../rules/cross-service-foreign-key.yaml"),
    ),
    (
        "cyclic-sync-calls",
        include_str!("../rules/cyclic-sync-calls.yaml"),
    ),
    (
        "deep-sync-chain",
        include_str!("../rules/deep-sync-chain.yaml"),
    ),
    ("sync-fan-out", include_str!("../rules/sync-fan-out.yaml")),
    (
        "lockstep-deploy",
        include_str!("../rules/lockstep-deploy.yaml"),
    ),
    (
        "co-change-coupling",
        include_str!("../rules/co-change-coupling.yaml"),
    ),
    (
        "services-per-team",
        include_str!("../rules/services-per-team.yaml"),
    ),
    (
        "plaintext-credentials",
        include_str!("../rules/plaintext-credentials.yaml"),
    ),
    (
        "unprotected-sync-call",
        include_str!("../rules/unprotected-sync-call.yaml"),
    ),
    (
        "distributed-transaction",
        include_str!("../rules/distributed-transaction.yaml"),
    ),
];

static CATALOG: LazyLock<Vec<RuleDoc>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(file, text)| {
            // The catalog is compiled in and checked by tests, so a parse failure is a build bug.
            serde_saphyr::from_str::<RuleDoc>(text)
                .unwrap_or_else(|e| panic!("rules/{file}.yaml is invalid: {e}"))
        })
        .collect()
});

pub fn all() -> &'static [RuleDoc] {
    &CATALOG
}

pub fn get(id: &str) -> Option<&'static RuleDoc> {
    CATALOG.iter().find(|r| r.id == id)
}

/// The strength of a rule's finding in one of its cases (the rule's own when the case has
/// none; weak for an unknown rule).
pub fn strength(rule: &str, case: Option<&str>) -> Strength {
    let Some(doc) = get(rule) else {
        return Strength::Weak;
    };
    case.and_then(|c| doc.case_strength.get(c))
        .copied()
        .unwrap_or(doc.strength)
}

/// A rule option's value: what the config sets, else the catalog default.
pub fn option_value(
    configured: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
    rule: &str,
    name: &str,
) -> String {
    configured
        .get(rule)
        .and_then(|o| o.get(name))
        .cloned()
        .or_else(|| {
            get(rule)?
                .options
                .iter()
                .find(|o| o.name == name)
                .map(|o| o.default.clone())
        })
        .unwrap_or_default()
}

pub fn principle(doc: &RuleDoc) -> &'static str {
    PRINCIPLES
        .get(doc.principle as usize - 1)
        .copied()
        .unwrap_or("")
}

impl RuleDoc {
    /// `strong`, or `weak; startup: medium, pod: strong` when cases differ.
    fn strength_text(&self) -> String {
        let mut out = self.strength.as_str().to_string();
        for (case, st) in &self.case_strength {
            out.push_str(&format!(", {case}: {}", st.as_str()));
        }
        out
    }

    /// The rule's documentation as markdown: used by `explain`, SARIF help and docs/rules.md.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "## {}\n\n{} (default severity: {}; strength: {}; precision: {})\n\n### What it does\n\n{}\n\n\
             ### Why it matters\n\nPrinciple {} ([the principles](principles.md#principle-{})): {}\n\n{}\n\n\
             ### Example\n\n```{}\n{}```\n\n### How to fix\n\n{}\n\n### Options\n\n",
            self.id,
            self.title,
            self.severity.as_str(),
            self.strength_text(),
            self.precision.as_str(),
            self.what.trim(),
            self.principle,
            self.principle,
            principle(self),
            self.why.trim(),
            self.example_language.as_str(),
            self.example,
            self.fix.trim(),
        );
        out.push_str(&format!(
            "- `severity` ({SEVERITY_TAKES}; default `{}`): {SEVERITY_OPTION}\n",
            self.severity.as_str()
        ));
        for o in &self.options {
            out.push_str(&format!(
                "- `{}` ({}; default `{}`): {}\n",
                o.name,
                o.kind.describe(),
                o.default,
                o.description
            ));
        }
        out
    }
}

/// `docs/rules.md`: every rule's documentation, generated from the catalog (a test keeps the
/// committed file in sync).
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "# monolens rules\n\n<!-- Generated from rules/*.yaml by the test suite \
         (MONOLENS_BLESS=1 cargo test --test docs); do not edit by hand. -->\n\n\
         | id | default | title | principle |\n| --- | --- | --- | --- |\n",
    );
    for d in all() {
        out.push_str(&format!(
            "| [`{0}`](#{0}) | {1} | {2} | {3} |\n",
            d.id,
            d.severity.as_str(),
            d.title,
            d.principle
        ));
    }
    out.push_str("\n## Principles\n\n");
    for (i, p) in PRINCIPLES.iter().enumerate() {
        out.push_str(&format!("{}. {p}\n", i + 1));
    }
    for d in all() {
        out.push('\n');
        out.push_str(&d.markdown());
    }
    out
}
