//! Two-phase commit per service: the signs in the build and source files it owns
//! (`Fact::Transaction`), and the settings it is given that switch XA on (`spring.jta.*`, an
//! XA data-source class; both tables are in `parse::source::transactions`). A
//! `spring.jta.enabled=false` that wins switches Spring Boot's JTA off: the service's JTA
//! dependencies and settings then do nothing, while code that builds an XA manager itself still
//! counts. A library folder no service owns counts for none, and test code is not scanned.

use super::builder::Builder;
use super::inputs::Inputs;
use crate::discover::{self, InputKind};
use crate::model::*;
use crate::parse::source::transactions::{JTA_SWITCH, setting_sign, switches_jta_off};
use std::collections::BTreeSet;

pub(super) fn run(b: &Builder, inputs: &Inputs) -> Vec<TxUse> {
    let off = jta_off(b);
    let index = OwnerIndex::new(&b.service_dirs);
    let mut out = Vec::new();
    for (path, markers) in &inputs.transactions {
        let build = discover::kind_by_name(path) == Some(InputKind::BuildFile);
        let owners = index.owners_of(path);
        for svc in owners.iter().filter(|s| b.is_app(s)) {
            if build && off.contains(svc) {
                continue;
            }
            out.extend(markers.iter().map(|m| TxUse {
                service: svc.clone(),
                what: m.what,
                kind: m.kind,
                evidence: Evidence::new(m.location.clone(), &m.text),
                variant: None,
            }));
        }
    }
    for (svc, list) in &b.settings {
        if !b.is_app(svc) || off.contains(svc) {
            continue;
        }
        for s in list {
            let Some((what, kind)) = setting_sign(&s.key, &s.value) else {
                continue;
            };
            out.push(TxUse {
                service: svc.clone(),
                what,
                kind,
                evidence: Evidence::of_setting(s),
                variant: s.variant.clone(),
            });
        }
    }
    out.sort_by(|x, y| (&x.service, &x.evidence).cmp(&(&y.service, &y.evidence)));
    out.dedup_by(|x, y| x.service == y.service && x.evidence.location == y.evidence.location);
    out
}

/// Services whose winning `spring.jta.enabled` says `false`: the values of the most
/// precedent source that sets it all do.
fn jta_off(b: &Builder) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (svc, list) in &b.settings {
        let switches: Vec<&ResolvedSetting> = list
            .iter()
            .filter(|s| normal_key(&s.key) == JTA_SWITCH)
            .collect();
        let Some(top) = switches.iter().map(|s| rank(s.source)).max() else {
            continue;
        };
        let winning = switches.iter().filter(|s| rank(s.source) == top);
        if winning.clone().all(|s| switches_jta_off(&s.key, &s.value)) {
            out.insert(svc.clone());
        }
    }
    out
}

/// Precedence of where a setting is written: what the deployment gives the container beats
/// the image's `ENV`, which beats config files, which beat code.
fn rank(source: SettingSource) -> u8 {
    match source {
        SettingSource::Source | SettingSource::CodeDefault => 0,
        SettingSource::ConfigFile => 1,
        SettingSource::Dockerfile => 2,
        _ => 3,
    }
}
