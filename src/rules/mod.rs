//! Rules: one module per rule, each reading the model and graph and returning findings.
//! Metadata lives in the catalog (`rules/<id>.yaml`); a test keeps the two 1:1.

mod co_change_coupling;
mod cross_service_foreign_key;
mod cyclic_sync_calls;
mod deep_sync_chain;
mod distributed_transaction;
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
use crate::model::{EdgeKind, Model, Severity};
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
    "lockstep-deploy",
    "distributed-transaction",
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
    // A rule whose inputs are the same in two variants gives the same findings: run it once.
    let mut memo: HashMap<(&str, Vec<usize>), Vec<String>> = HashMap::new();
    for name in variants
        .iter()
        .filter(|_| rules.iter().any(|(r, _)| split(r)))
    {
        let mut view: Option<(Model, Graph)> = None;
        for (rule, severity) in rules.iter().filter(|(r, _)| split(r)) {
            let key = (rule.id, inputs_in(ctx.model, rule.id, name));
            if let Some(fingerprints) = memo.get(&key) {
                for fp in fingerprints {
                    merged[seen[fp]].variants.push(name.clone());
                }
                continue;
            }
            let (model, graph) = view.get_or_insert_with(|| {
                let model = ctx.model.in_variant(name);
                let graph = Graph::build(&model);
                (model, graph)
            });
            let here = Context {
                model,
                graph,
                options: ctx.options,
            };
            let mut fingerprints = Vec::new();
            for f in with_severity((rule.check)(&here), *severity) {
                fingerprints.push(f.fingerprint.clone());
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
            memo.insert(key, fingerprints);
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
    out.iter_mut().for_each(Finding::dedup_related);
    out
}

/// What a per-variant rule reads of one variant, as indices into the whole model: the sync
/// edges (calls rules), the accesses (data rules), the accesses and two-phase-commit signs
/// (distributed transactions), or the deploy units, release tags, images and startup edges
/// (lockstep).
fn inputs_in(m: &Model, rule: &str, variant: &str) -> Vec<usize> {
    let here = |file: &str| m.variant_of(file).is_none_or(|v| v == variant);
    let edges = |kind: EdgeKind| {
        let e = m.edges.iter().enumerate();
        e.filter(move |(_, e)| e.kind == kind && e.scope.contains(variant))
            .map(|(i, _)| i)
    };
    match rule {
        "shared-database" | "shared-database-server" => {
            let a = m.accesses.iter().enumerate();
            a.filter(|(_, a)| a.scope.contains(variant))
                .map(|(i, _)| i)
                .collect()
        }
        "distributed-transaction" => {
            let a = m.accesses.iter().enumerate();
            let mut out: Vec<usize> = a
                .filter(|(_, a)| a.scope.contains(variant))
                .map(|(i, _)| i)
                .collect();
            out.push(usize::MAX);
            let t = m.transactions.iter().enumerate();
            out.extend(
                t.filter(|(_, t)| t.variant.as_ref().is_none_or(|v| v == variant))
                    .map(|(i, _)| i),
            );
            out
        }
        "lockstep-deploy" => {
            // Each list is closed by usize::MAX so equal concatenations mean equal lists.
            let units = m
                .units
                .iter()
                .enumerate()
                .filter(|(_, u)| here(&u.declared.file));
            let tags = m
                .release_tags
                .iter()
                .enumerate()
                .filter(|(_, t)| here(&t.location.file));
            let images = m
                .app_images
                .iter()
                .enumerate()
                .filter(|(_, i)| here(&i.2.file));
            let mut out: Vec<usize> = units.map(|(i, _)| i).collect();
            out.push(usize::MAX);
            out.extend(tags.map(|(i, _)| i));
            out.push(usize::MAX);
            out.extend(images.map(|(i, _)| i));
            out.push(usize::MAX);
            out.extend(edges(EdgeKind::Startup));
            out
        }
        _ => edges(EdgeKind::Sync).collect(),
    }
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
    Rule {
        id: "distributed-transaction",
        check: distributed_transaction::check,
    },
];

/// A human label for a database on a server: `OrderingDb on sqldata (mssql)`.
pub(crate) fn database_label(db: Option<&str>, server: &str, tech: &str) -> String {
    match db {
        Some(d) if tech == "redis" => format!("redis db {d} on `{server}`"),
        Some("") => format!("`{server}` ({tech}, one key space)"),
        Some(d) => format!("database `{d}` on `{server}` ({tech})"),
        None => format!("`{server}` ({tech})"),
    }
}
