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

/// The model and graph as each variant runs them; empty when the repository has one variant.
pub struct Views(Vec<(String, Model, Graph)>);

impl Views {
    pub fn new(model: &Model) -> Self {
        if model.variants.len() < 2 {
            return Views(Vec::new());
        }
        let views = model.variants.iter().map(|v| {
            let view = model.in_variant(v);
            let graph = Graph::build(&view);
            (v.clone(), view, graph)
        });
        Views(views.collect())
    }
}

/// Run one rule: on the whole model, or on each variant's view with findings that are the
/// same in several variants merged (and the variants named).
pub fn run(rule: &Rule, ctx: &Context, views: &Views) -> Vec<Finding> {
    if views.0.is_empty() || !PER_VARIANT.contains(&rule.id) {
        return (rule.check)(ctx);
    }
    let mut out: Vec<Finding> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (name, model, graph) in &views.0 {
        let view = Context {
            model,
            graph,
            options: ctx.options,
        };
        for f in (rule.check)(&view) {
            match seen.get(&f.fingerprint) {
                Some(&i) => out[i].variants.push(name.clone()),
                None => {
                    seen.insert(f.fingerprint.clone(), out.len());
                    out.push(Finding {
                        variants: vec![name.clone()],
                        ..f
                    });
                }
            }
        }
    }
    // A finding every variant shares needs no variant named.
    for f in out.iter_mut().filter(|f| f.variants.len() < views.0.len()) {
        f.message.push_str(&format!(
            " (in {}: {})",
            plural(f.variants.len()),
            f.variants.join(", ")
        ));
    }
    out
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
