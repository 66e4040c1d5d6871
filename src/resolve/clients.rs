//! Clients that name a service without a URL, after `settings`: a name a service's code
//! registers in a service registry becomes one of that service's names, so code elsewhere that
//! passes the name to a client (`initGeoClient("srv-geo")`) calls it; and the entries of a
//! registry file (`service-config.json`) that a service's own code reads by key become its
//! settings, at the line that reads them (`config_json["text-service"]["addr"]`). Entries it
//! does not read are not its settings, though the file is mounted into every service.

use super::builder::{Builder, dir_of};
use super::inputs::Inputs;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn run(b: &mut Builder, inputs: &Inputs) {
    let registered = register(b, inputs);
    let mut given = named_calls(b, inputs, &registered);
    given.extend(registry_reads(b, inputs));
    for (svc, list) in given {
        b.settings.entry(svc).or_default().extend(list);
    }
}

/// Registered names become names of the one app service that owns the registering file,
/// unless a component already goes by that name. Returns the names registered.
fn register(b: &mut Builder, inputs: &Inputs) -> BTreeSet<String> {
    let index = OwnerIndex::new(&b.service_dirs);
    let mut found: Vec<(String, String)> = Vec::new();
    for (path, names) in &inputs.service_names {
        let owners: Vec<String> = index.owners_of(path);
        let [owner] = &owners[..] else { continue };
        for (name, role, _) in names {
            if *role == NameRole::Registers && b.is_app(owner) {
                found.push((name.to_ascii_lowercase(), owner.clone()));
            }
        }
    }
    let mut registered = BTreeSet::new();
    for (name, owner) in found {
        if b.names.get(&name).is_some_and(|id| *id != owner) {
            continue;
        }
        b.names.insert(name.clone(), owner.clone());
        if let Some(c) = b.components.get_mut(&owner) {
            c.names.insert(name.clone());
        }
        registered.insert(name);
    }
    registered
}

fn given(key: &str, value: &str, at: &Location, via: Option<&Location>) -> ResolvedSetting {
    ResolvedSetting {
        key: key.to_string(),
        value: value.to_string(),
        location: at.clone(),
        via: via.cloned(),
        source: SettingSource::ConfigFile,
        variant: None,
    }
}

/// A registered name passed to a client by another service's code: a call, as a source
/// literal of the caller. Names nobody registers stay unknown (log lines, span names). A
/// name a user's `calls:` pattern matched counts when any component goes by it.
fn named_calls(
    b: &Builder,
    inputs: &Inputs,
    registered: &BTreeSet<String>,
) -> Vec<(String, Vec<ResolvedSetting>)> {
    let index = OwnerIndex::new(&b.service_dirs);
    let mut out = Vec::new();
    for (path, names) in &inputs.service_names {
        let calls: Vec<ResolvedSetting> = names
            .iter()
            .filter(|(n, role, _)| {
                let n = n.to_ascii_lowercase();
                match role {
                    NameRole::Calls => registered.contains(&n),
                    NameRole::Declared => b.names.contains_key(&n),
                    NameRole::Registers => false,
                }
            })
            .map(|(n, _, at)| ResolvedSetting {
                source: SettingSource::Source,
                ..given("", n, at, None)
            })
            .collect();
        if calls.is_empty() {
            continue;
        }
        for svc in index.owners_of(path) {
            out.push((svc, calls.clone()));
        }
    }
    out
}

/// The registry files a reading file sees: those its service owns (mounted into it), else the
/// nearest one in its own folder or above that no other service owns.
fn visible<'a>(
    index: &OwnerIndex,
    registries: &'a BTreeMap<String, Vec<Setting>>,
    svc: &str,
    reader: &str,
) -> Vec<&'a String> {
    let owned: Vec<&String> = registries
        .keys()
        .filter(|r| index.owners_of(r).iter().any(|o| o == svc))
        .collect();
    if !owned.is_empty() {
        return owned;
    }
    let mut dir = dir_of(reader);
    loop {
        let here: Vec<&String> = registries
            .keys()
            .filter(|r| dir_of(r) == dir && index.owners_of(r).is_empty())
            .collect();
        if !here.is_empty() || dir.is_empty() {
            return here;
        }
        dir = dir_of(dir);
    }
}

/// The entry a read names: the read key when it is an object of the registry
/// (`config["text-service"]`), else the object holding the leaf it reads
/// (`text-service.port` → `text-service`), or the leaf itself at the top (`GeoMongoAddress`).
fn entry_of<'a>(key: &'a str, entries: &[Setting]) -> Option<&'a str> {
    let object = format!("{key}.");
    if entries.iter().any(|e| e.key.starts_with(&object)) {
        return Some(key);
    }
    if !entries.iter().any(|e| e.key == key) {
        return None;
    }
    Some(key.rsplit_once('.').map_or(key, |(parent, _)| parent))
}

/// The leaves of an entry: itself when it is a leaf, else its direct leaf children.
fn leaves<'a>(entry: &'a str, entries: &'a [Setting]) -> impl Iterator<Item = &'a Setting> {
    entries.iter().filter(move |e| {
        e.key == entry
            || e.key
                .strip_prefix(entry)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|leaf| !leaf.contains('.'))
    })
}

/// Registry entries each service's code reads, once per leaf, at the read of that very leaf
/// when there is one, else at the first read of its entry.
fn registry_reads(b: &Builder, inputs: &Inputs) -> Vec<(String, Vec<ResolvedSetting>)> {
    if inputs.registries.is_empty() {
        return Vec::new();
    }
    let index = OwnerIndex::new(&b.service_dirs);
    // (service, registry leaf key) → (exact read?, read location, entry)
    let mut picked: BTreeMap<(String, String), (bool, &Location, &Setting)> = BTreeMap::new();
    for (path, reads) in &inputs.config_reads {
        for svc in index.owners_of(path).into_iter().filter(|s| b.is_app(s)) {
            for registry in visible(&index, &inputs.registries, &svc, path) {
                let entries = &inputs.registries[registry];
                for (key, at) in reads {
                    let Some(entry) = entry_of(key, entries) else {
                        continue;
                    };
                    for leaf in leaves(entry, entries) {
                        let exact = leaf.key == *key;
                        let slot = picked.entry((svc.clone(), leaf.key.clone()));
                        let better = |old: &(bool, &Location, &Setting)| exact && !old.0;
                        slot.and_modify(|old| {
                            if better(old) {
                                *old = (exact, at, leaf);
                            }
                        })
                        .or_insert((exact, at, leaf));
                    }
                }
            }
        }
    }
    let mut out: BTreeMap<String, Vec<ResolvedSetting>> = BTreeMap::new();
    for ((svc, key), (_, at, leaf)) in picked {
        let s = given(&key, &leaf.value, at, Some(&leaf.location));
        out.entry(svc).or_default().push(s);
    }
    out.into_iter().collect()
}
