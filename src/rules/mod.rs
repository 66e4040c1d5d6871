//! Rules: one module per rule, each reading the model and graph and returning findings.
//! Metadata lives in the catalog (`rules/<id>.yaml`); a test keeps the two 1:1.

mod co_change_coupling;
mod cross_service_foreign_key;
mod cyclic_sync_calls;
mod deep_sync_chain;
mod lockstep_deploy;
mod plaintext_credentials;
mod services_per_team;
mod shared_database;
mod shared_database_server;
mod shared_table;
mod sync_fan_out;
mod unprotected_sync_call;

use crate::catalog;
use crate::finding::Finding;
use crate::graph::Graph;
use crate::model::{Model, Severity};
use std::collections::{BTreeMap, HashMap};

/// What a rule sees.
pub struct Context<'a> {
    pub model: &'a Model,
    pub graph: &'a Graph,
    /// Per-rule options from config, by rule id then option name.
    pub options: &'a BTreeMap<String, BTreeMap<String, String>>,
}

impl Context<'_> {
    /// An option's value: config first, then the catalog default.
    pub fn option(&self, rule: &str, name: &str) -> String {
        catalog::option_value(self.options, rule, name)
    }

    pub fn severity(&self, rule: &str) -> Severity {
        catalog::get(rule).map_or(Severity::Warning, |r| r.severity)
    }
}

pub struct Rule {
    pub id: &'static str,
    pub check: fn(&Context) -> Vec<Finding>,
}

/// Rules whose findings combine facts that must run together (accesses, call paths, deploy
/// units): with several deployment variants they run once per variant.
const PER_VARIANT: &[&str] = &[
    "shared-database",
    "shared-database-server",
    "cyclic-sync-calls",
    "deep-sync-chain",
    "sync-fan-out",
    "unprotected-sync-call",
    "lockstep-deploy",
];

/// Run the given rules (with an optional severity override each). Rules that combine facts
/// run on each variant's view when the repository has several, one view at a time; findings
/// that several variants share are merged and name the variants they hold in.
pub fn check_all(ctx: &Context, rules: &[(&Rule, Option<Severity>)]) -> Vec<Finding> {
    let variants = &ctx.model.variants;
    let split = |r: &Rule| variants.len() > 1 && PER_VARIANT.contains(&r.id);
    let mut out = Vec::new();
    for (rule, severity) in rules.iter().filter(|(r, _)| !split(r)) {
        out.extend(with_severity((rule.check)(ctx), *severity));
    }
    let mut merged: Vec<Finding> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for name in variants
        .iter()
        .filter(|_| rules.iter().any(|(r, _)| split(r)))
    {
        let model = ctx.model.in_variant(name);
        let graph = Graph::build(&model);
        let view = Context {
            model: &model,
            graph: &graph,
            options: ctx.options,
        };
        for (rule, severity) in rules.iter().filter(|(r, _)| split(r)) {
            for f in with_severity((rule.check)(&view), *severity) {
                match seen.get(&f.fingerprint) {
                    Some(&i) => merged[i].variants.push(name.clone()),
                    None => {
                        seen.insert(f.fingerprint.clone(), merged.len());
                        merged.push(Finding {
                            variants: vec![name.clone()],
                            ..f
                        });
                    }
                }
            }
        }
    }
    // A finding every variant shares needs no variant named.
    for f in merged
        .iter_mut()
        .filter(|f| f.variants.len() < variants.len())
    {
        f.message.push_str(&format!(
            " (in {}: {})",
            plural(f.variants.len()),
            f.variants.join(", ")
        ));
    }
    out.extend(merged);
    out
}

fn with_severity(mut found: Vec<Finding>, severity: Option<Severity>) -> Vec<Finding> {
    if let Some(s) = severity {
        found.iter_mut().for_each(|f| f.severity = s);
    }
    found
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "variant" } else { "variants" }
}

/// Every rule, in catalog order.
pub const RULES: &[Rule] = &[
    Rule {
        id: "shared-database",
        check: shared_database::check,
    },
    Rule {
        id: "shared-database-server",
        check: shared_database_server::check,
    },
    Rule {
        id: "shared-table",
        check: shared_table::check,
    },
    Rule {
        id: "cross-service-foreign-key",
        check: cross_service_foreign_key::check,
    },
    Rule {
        id: "cyclic-sync-calls",
        check: cyclic_sync_calls::check,
    },
    Rule {
        id: "deep-sync-chain",
        check: deep_sync_chain::check,
    },
    Rule {
        id: "sync-fan-out",
        check: sync_fan_out::check,
    },
    Rule {
        id: "unprotected-sync-call",
        check: unprotected_sync_call::check,
    },
    Rule {
        id: "lockstep-deploy",
        check: lockstep_deploy::check,
    },
    Rule {
        id: "co-change-coupling",
        check: co_change_coupling::check,
    },
    Rule {
        id: "services-per-team",
        check: services_per_team::check,
    },
    Rule {
        id: "plaintext-credentials",
        check: plaintext_credentials::check,
    },
];

/// A human label for a database on a server: `OrderingDb on sqldata (mssql)`.
pub(crate) fn database_label(db: Option<&str>, server: &str, tech: &str) -> String {
    match db {
        Some(d) if tech == "redis" => format!("redis db {d} on `{server}`"),
        Some(d) => format!("database `{d}` on `{server}` ({tech})"),
        None => format!("`{server}` ({tech})"),
    }
}
