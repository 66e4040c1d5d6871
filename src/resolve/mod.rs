//! Resolution: the only place that links facts across files. It runs as named passes over
//! the normalised facts (`inputs`) and one `Builder`; each pass reads what earlier passes
//! built and adds to it, and none reaches back into a parser. Output: the `Model`.
//!
//! The order, and why (see docs/architecture.md):
//! 1. `compose`: override files, `extends` and `.env` interpolation, so every later pass sees
//!    a compose service as `docker compose` runs it.
//! 2. `variants`: which declaration files deploy together, before any name is resolved.
//! 3. `identity`: components and their names (canaries, aliases, k8s Services) and each
//!    workload's kind from its own declaration, before anything looks a host up. With
//!    several repositories it starts with `repositories`: which same-named workloads of
//!    different repositories are one component, and which stay `repository/name`.
//! 4. `ownership`: which service owns each folder, from the identities just built, strongest
//!    evidence first (`folders`: build contexts, build files, images, Spring names, folders).
//! 5. `settings`: what each service is given, which needs ownership (config files) and
//!    variants (ConfigMaps); code defaults last, as they lose to everything else; and the env
//!    keys each service's code reads (used versus configured edges in `calls`); then
//!    `clients`: names services register (new names of theirs, called by code that passes
//!    them) and the registry-file entries each service's code reads.
//! 6. `kinds::refine`: what other services' settings say a component is (connection string
//!    schemes, gateway keys), before any edge is drawn from kinds.
//! 7. targets: `data` (accesses), `dapr` (the apps Dapr components are scoped to, before
//!    `topics` picks a service's broker), `calls` (sync and platform), `gateways`, `topics`,
//!    `startup`; then `sql`, which needs accesses to place tables.
//! 8. `ownership::teams` once every component exists, and `finish` (which places protected
//!    calls and two-phase-commit signs, `transactions`, once settings and owners are final,
//!    and shared build versions, `versions`, which need every service's folder and final kind).

mod builder;
mod calls;
mod clients;
mod compose;
mod dapr;
mod dapr_apps;
mod data;
mod finish;
mod folders;
mod gateways;
mod identity;
mod inputs;
mod kinds;
mod ownership;
mod repositories;
mod resilience;
mod routes;
mod settings;
mod sql;
mod startup;
mod topics;
mod transactions;
mod variants;
mod versions;

pub use builder::join;

use crate::model::*;
use std::collections::BTreeSet;

/// Settings from `monolens.yaml` that steer resolution.
#[derive(Debug, Clone, Default)]
pub struct ResolveOptions {
    /// Explicit directory (or glob) → service mapping, checked before the heuristics.
    pub services: Vec<(String, String)>,
    /// Extra image substrings that are sidecars.
    pub sidecars: Vec<String>,
    /// Extra component names that are platform.
    pub platform: Vec<String>,
    /// Names declared in several repositories that are one component there.
    pub one_component: Vec<OneComponent>,
    /// The repositories resolved as one system (merge, several roots): every path starts with
    /// one of their names. Empty for one repository.
    pub repositories: Vec<String>,
    /// The config file, for diagnostics about its entries.
    pub config_file: Option<String>,
}

/// A `one-component` entry: a name that is one component in these repositories.
#[derive(Debug, Clone)]
pub struct OneComponent {
    pub name: String,
    pub repositories: Vec<String>,
    /// Its line in the config file.
    pub line: u32,
}

/// Resolve all facts into the model.
pub fn resolve(root: &str, files: Vec<FileFacts>, opts: &ResolveOptions) -> Model {
    let mut inputs = inputs::gather(files);
    let mut b = builder::Builder::new(opts, std::mem::take(&mut inputs.diagnostics));
    compose::prepare(&mut inputs, &mut b.diagnostics);
    variants::assign(&mut b, &inputs);
    identity::run(&mut b, &inputs);
    dapr_apps::app_ids(&mut b, &inputs);
    ownership::run(&mut b, &inputs);
    settings::run(&mut b, &mut inputs);
    clients::run(&mut b, &inputs);
    kinds::refine(&mut b);
    data::run(&mut b, &inputs);
    dapr::run(&mut b, &inputs);
    let routes = routes::build(&b, &inputs);
    calls::run(&mut b, &routes);
    dapr_apps::calls(&mut b, &inputs);
    topics::run(&mut b, &inputs);
    gateways::run(&mut b, &inputs);
    startup::run(&mut b, &inputs);
    let sql = sql::run(&mut b, &mut inputs);
    ownership::teams(&mut b, &inputs);
    finish::model(b, inputs, sql, root)
}

/// Every name the repository gives a component (workloads, aliases, k8s Services), for the
/// source-literal matcher. Cheap: reads facts, links nothing.
pub fn known_names(files: &[FileFacts]) -> Vec<String> {
    let mut names = BTreeSet::new();
    for f in files {
        for fact in &f.facts {
            match fact {
                Fact::Workload(w) => {
                    names.insert(w.name.to_ascii_lowercase());
                    names.extend(w.aliases.iter().map(|a| a.to_ascii_lowercase()));
                }
                Fact::K8sService(s) => {
                    names.insert(s.name.to_ascii_lowercase());
                }
                _ => {}
            }
        }
    }
    names.into_iter().collect()
}
