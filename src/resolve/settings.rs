//! Settings: every key a service is given, in increasing precedence of where it is written
//! (code defaults, owned config files and source literals, Dockerfile `ENV`, env files, env
//! entries, ConfigMap and Secret references), each with its source and variant. ConfigMaps
//! resolve in the reader's own variant first, then the primary variant. A Dockerfile setting
//! that the service's compose or k8s env sets again is dropped (`precedence`). Also the env
//! keys each service's code reads, which decide whether an injected setting is used or only
//! configured.

use super::builder::{Builder, dir_of, join};
use super::inputs::Inputs;
use crate::connstr;
use crate::discover::{self, InputKind};
use crate::interp;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

type ConfigIndex<'a> = HashMap<(RefKind, &'a str), Vec<&'a ConfigData>>;

pub(super) fn run(b: &mut Builder, inputs: &mut Inputs) {
    let mut index: ConfigIndex = HashMap::new();
    for c in &inputs.config_data {
        index.entry((c.kind, c.name.as_str())).or_default().push(c);
    }
    let mut per_unit = Vec::new();
    let units = std::mem::take(&mut b.units);
    for u in &units {
        let mut list = Vec::new();
        for c in &u.workload.containers {
            list.extend(args(c, &u.variant));
            for s in &c.env {
                list.extend(env(b, &index, s, &u.variant));
            }
            for ef in &c.env_from {
                list.extend(env_from(b, &index, ef, &u.variant));
            }
        }
        list.extend(env_files(b, inputs, &u.workload, &u.variant));
        per_unit.push((u.id.clone(), list));
    }
    b.units = units;
    for (id, list) in per_unit {
        b.settings.entry(id).or_default().extend(list);
    }
    // Source literals are read here only: they move into the settings.
    let literals = std::mem::take(&mut inputs.literals);
    owned_files(b, inputs, literals);
    precedence(b);
}

/// Sources that override a Dockerfile's `ENV` and `CMD` for the same key: what compose and
/// k8s give the container (env, env files, ConfigMap/Secret refs, the command).
fn overrides_image(source: SettingSource) -> bool {
    !matches!(
        source,
        SettingSource::Dockerfile
            | SettingSource::ConfigFile
            | SettingSource::Source
            | SettingSource::CodeDefault
    )
}

/// One value per key where a Dockerfile and the deployment both set it: edges and accesses
/// are read from every setting, so the image's default would add a second, stale target.
/// A Dockerfile setting holds for every variant; where only some variants override its key,
/// it is kept for the others only.
fn precedence(b: &mut Builder) {
    let mut runs_in: HashMap<&str, BTreeSet<Option<String>>> = HashMap::new();
    for u in &b.units {
        runs_in
            .entry(u.id.as_str())
            .or_default()
            .insert(u.variant.clone());
    }
    for (svc, list) in b.settings.iter_mut() {
        // Most services have no Dockerfile setting: nothing to settle.
        if !list.iter().any(|s| s.source == SettingSource::Dockerfile) {
            continue;
        }
        let variants = runs_in.get(svc.as_str()).cloned().unwrap_or_default();
        // For each setting: kept as is (`None`), or the variants its image default holds in.
        let plan: Vec<Option<Vec<Option<String>>>> = {
            let set: BTreeSet<(&str, &Option<String>)> = list
                .iter()
                .filter(|s| overrides_image(s.source))
                .map(|s| (s.key.as_str(), &s.variant))
                .collect();
            let overridden = |key: &str, v: &Option<String>| {
                set.contains(&(key, v)) || set.contains(&(key, &None))
            };
            list.iter()
                .map(|s| {
                    let stale = s.source == SettingSource::Dockerfile
                        && set.iter().any(|(k, _)| *k == s.key);
                    stale.then(|| {
                        let open = variants.iter().filter(|v| !overridden(&s.key, v));
                        open.cloned().collect()
                    })
                })
                .collect()
        };
        let mut kept = Vec::with_capacity(list.len());
        for (s, held) in std::mem::take(list).into_iter().zip(plan) {
            match held {
                None => kept.push(s),
                Some(variants) => {
                    kept.extend(variants.into_iter().map(|variant| ResolvedSetting {
                        variant,
                        ..s.clone()
                    }))
                }
            }
        }
        *list = kept;
    }
}

fn setting(
    key: &str,
    value: &str,
    location: &Location,
    source: SettingSource,
    variant: &Option<String>,
) -> ResolvedSetting {
    ResolvedSetting {
        key: key.to_string(),
        value: value.to_string(),
        location: location.clone(),
        via: None,
        source,
        variant: variant.clone(),
    }
}

/// Connection strings passed as arguments: `-DSN=…`, `--spring.datasource.url=…`.
fn args(c: &Container, variant: &Option<String>) -> Vec<ResolvedSetting> {
    let Some((cmd, at)) = &c.command else {
        return Vec::new();
    };
    cmd.split_whitespace()
        .map(|token| token.split_once('=').map_or(token, |(_, v)| v))
        .filter(|value| connstr::parse(value).is_some())
        .map(|value| setting("args", value, at, SettingSource::Args, variant))
        .collect()
}

/// The ConfigMap or Secret a reader in `variant` sees under a name.
fn pick<'a>(
    b: &Builder,
    index: &ConfigIndex<'a>,
    kind: RefKind,
    name: &str,
    variant: &Option<String>,
) -> Option<&'a ConfigData> {
    let all = index.get(&(kind, name))?;
    let in_variant = |v: &Option<String>| {
        v.as_ref().and_then(|v| {
            all.iter()
                .find(|c| b.variant(&c.declared.file).as_ref() == Some(v))
        })
    };
    in_variant(variant)
        .or_else(|| in_variant(&b.primary_variant))
        .or_else(|| all.first())
        .copied()
}

fn env(
    b: &Builder,
    index: &ConfigIndex,
    s: &Setting,
    variant: &Option<String>,
) -> Option<ResolvedSetting> {
    match &s.source {
        EnvSource::Literal => Some(setting(
            &s.key,
            &s.value,
            &s.location,
            SettingSource::Env,
            variant,
        )),
        EnvSource::Ref { kind, name, key } => {
            let e = pick(b, index, *kind, name, variant)?
                .entries
                .iter()
                .find(|e| &e.key == key)?;
            let source = match kind {
                RefKind::ConfigMap => SettingSource::ConfigMapRef,
                RefKind::Secret => SettingSource::SecretRef,
            };
            let mut r = setting(&s.key, &e.value, &e.location, source, variant);
            r.via = Some(s.location.clone());
            Some(r)
        }
        EnvSource::Runtime => None,
    }
}

fn env_from(
    b: &Builder,
    index: &ConfigIndex,
    ef: &EnvFrom,
    variant: &Option<String>,
) -> Vec<ResolvedSetting> {
    let Some(cd) = pick(b, index, ef.kind, &ef.name, variant) else {
        return Vec::new();
    };
    let source = match ef.kind {
        RefKind::ConfigMap => SettingSource::EnvFrom,
        RefKind::Secret => SettingSource::SecretEnvFrom,
    };
    cd.entries
        .iter()
        .map(|e| {
            let key = format!("{}{}", ef.prefix, e.key);
            let mut r = setting(&key, &e.value, &e.location, source, variant);
            r.via = Some(ef.location.clone());
            r
        })
        .collect()
}

fn env_files(
    b: &mut Builder,
    inputs: &Inputs,
    w: &Workload,
    variant: &Option<String>,
) -> Vec<ResolvedSetting> {
    let Origin::Compose { dir } = &w.origin else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (file, at) in &w.env_files {
        let Some(list) = inputs.file_settings.get(&join(dir, file)) else {
            let msg = format!("env_file `{file}` was not found among the scanned files");
            b.diagnostics.push(Diagnostic::note(&at.file, at.line, msg));
            continue;
        };
        out.extend(list.iter().map(|s| {
            let mut r = setting(
                &s.key,
                &s.value,
                &s.location,
                SettingSource::EnvFile,
                variant,
            );
            r.via = Some(at.clone());
            r
        }));
    }
    out
}

/// Config files, code defaults and source literals a service owns: for every variant it runs
/// in. Spring placeholders resolve against what the service is given.
fn owned_files(
    b: &mut Builder,
    inputs: &Inputs,
    literals: BTreeMap<String, Vec<(String, Location)>>,
) {
    let dirs = std::mem::take(&mut b.service_dirs);
    let index = OwnerIndex::new(&dirs);
    let compose_dirs: BTreeSet<&str> = inputs
        .compose
        .iter()
        .filter_map(|w| match &w.origin {
            Origin::Compose { dir } => Some(dir.as_str()),
            _ => None,
        })
        .collect();
    for (path, list) in &inputs.file_settings {
        // A `.env` beside a compose file feeds interpolation, not a service.
        if discover::kind_by_name(path) == Some(InputKind::DotEnv)
            && compose_dirs.contains(dir_of(path))
        {
            continue;
        }
        let dockerfile = discover::kind_by_name(path) == Some(InputKind::Dockerfile);
        for svc in index.owners_of(path) {
            let resolved = if dockerfile {
                let to = |s: &Setting| {
                    setting(
                        &s.key,
                        &s.value,
                        &s.location,
                        SettingSource::Dockerfile,
                        &None,
                    )
                };
                list.iter().map(to).collect()
            } else {
                config_file(b.settings.get(&svc), list)
            };
            b.settings.entry(svc).or_default().extend(resolved);
        }
    }
    code_defaults(b, inputs, &index);
    let literal = |(value, location): (String, Location)| ResolvedSetting {
        key: String::new(),
        value,
        location,
        via: None,
        source: SettingSource::Source,
        variant: None,
    };
    // Each service's list grows once, to its size: growing it by doubling, literal file by
    // literal file, cost more in fresh pages than the settings themselves.
    let owners: Vec<Vec<String>> = literals.keys().map(|p| index.owners_of(p)).collect();
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for (list, owners) in literals.values().zip(&owners) {
        for svc in owners {
            *sizes.entry(svc).or_default() += list.len();
        }
    }
    for (svc, n) in sizes {
        b.settings.entry(svc.to_string()).or_default().reserve(n);
    }
    for ((_, list), mut owners) in literals.into_iter().zip(owners) {
        // Every owner but the last gets a copy; the last takes the list.
        let Some(last) = owners.pop() else { continue };
        for svc in owners {
            let copies = list.iter().cloned().map(literal);
            b.settings.entry(svc).or_default().extend(copies);
        }
        b.settings
            .entry(last)
            .or_default()
            .extend(list.into_iter().map(literal));
    }
    env_reads(b, inputs, &index);
    b.service_dirs = dirs;
}

/// Defaults of env lookups in a service's code, after everything else it is given: a default
/// only applies when nothing sets the key, so a key the service gets from env, an env file, a
/// ConfigMap or a config file drops it (in every variant: the tool does not split a service's
/// settings by variant here, and a stale default must not draw a second edge).
fn code_defaults(b: &mut Builder, inputs: &Inputs, index: &OwnerIndex) {
    for (path, list) in &inputs.code_defaults {
        for svc in index.owners_of(path) {
            let given: BTreeSet<String> = b
                .settings
                .get(&svc)
                .into_iter()
                .flatten()
                .filter(|s| !s.key.is_empty())
                .map(|s| normal_key(&s.key))
                .collect();
            let defaults: Vec<ResolvedSetting> = list
                .iter()
                .filter(|s| !given.contains(&normal_key(&s.key)))
                .map(|s| {
                    let source = SettingSource::CodeDefault;
                    setting(&s.key, &s.value, &s.location, source, &None)
                })
                .collect();
            b.settings.entry(svc).or_default().extend(defaults);
        }
    }
}

/// The env keys each service is known to read: its code's lookups, the keys its binders bind
/// through members the code reads, plus the keys and `${VAR}` placeholders of its config files
/// (the framework reads those for it), except config keys its binders leave unread (see
/// `Binders::unread`). Only a service whose code reads at least one key, or declares a
/// binder, gets an entry. A binder declared in a library module the service's build depends
/// on is the service's too.
fn env_reads(b: &mut Builder, inputs: &Inputs, index: &OwnerIndex) {
    for (path, list) in &inputs.env_reads {
        for svc in index.owners_of(path) {
            let keys = b.env_reads.entry(svc).or_default();
            keys.extend(list.iter().map(|(k, _)| normal_key(k)));
        }
    }
    let binders = binders(inputs, index, &OwnerIndex::new(&b.library_dirs));
    for (svc, binder) in &binders {
        let keys = b.env_reads.entry(svc.clone()).or_default();
        for x in binder.list.iter().filter(|x| x.read) {
            keys.insert(x.key.clone());
            if x.subtree {
                keys.insert(format!("{}_*", x.key));
            }
        }
    }
    // What the code reads by itself, before config files add their own keys.
    let code_reads: HashMap<&String, BTreeSet<String>> = binders
        .keys()
        .filter_map(|svc| Some((svc, b.env_reads.get(svc)?.clone())))
        .collect();
    for (path, list) in &inputs.file_settings {
        for svc in index.owners_of(path) {
            let unread = |key: &str| {
                binders
                    .get(&svc)
                    .is_some_and(|x| x.unread(key, code_reads.get(&svc)))
            };
            let skipped: Vec<String> = list
                .iter()
                .map(|s| normal_key(&s.key))
                .filter(|k| unread(k))
                .collect();
            let Some(keys) = b.env_reads.get_mut(&svc) else {
                continue;
            };
            for s in list
                .iter()
                .filter(|s| !skipped.contains(&normal_key(&s.key)))
            {
                keys.insert(normal_key(&s.key));
                keys.extend(interp::variables(&s.value).iter().map(|k| normal_key(k)));
            }
            // A service with binders always has an entry above, so nothing skipped is lost.
            if !skipped.is_empty() {
                b.unread_config.entry(svc).or_default().extend(skipped);
            }
        }
    }
}

/// Per service, its binders: the keys they bind, whether the code reads each, and the
/// prefixes they close. A member read anywhere in the service's code counts (`urls.product()`
/// reads `product`; names compare without case, `-` or `_`): the scan does not follow which
/// object it is read off. Binders in a library the service depends on (`libraries`) count.
fn binders(
    inputs: &Inputs,
    index: &OwnerIndex,
    libraries: &OwnerIndex,
) -> HashMap<String, Binders> {
    let flat = |m: &str| m.to_ascii_lowercase().replace(['_', '-'], "");
    let mut read: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (path, list) in &inputs.member_reads {
        for svc in index.owners_of(path) {
            read.entry(svc)
                .or_default()
                .extend(list.iter().map(|m| flat(m)));
        }
    }
    let mut out: HashMap<String, Binders> = HashMap::new();
    for (path, list) in &inputs.bound {
        let mut owners = index.owners_of(path);
        if owners.is_empty() {
            owners = libraries.owners_of(path);
        }
        for svc in owners {
            let members = read.get(&svc);
            let entry = out.entry(svc.clone()).or_default();
            for x in list {
                let is_read = members.is_some_and(|m| m.contains(&flat(&x.member)));
                // Spring's relaxed binding: `sample-data` is bound by `SAMPLE_DATA` and `SAMPLEDATA`.
                for key in [normal_key(&x.key), normal_key(&x.key.replace('-', ""))] {
                    entry.list.push(Binding {
                        key,
                        subtree: x.subtree,
                        read: is_read,
                    });
                }
                entry.closed.extend(x.closed.as_deref().map(normal_key));
            }
        }
    }
    out
}

/// A service's binders.
#[derive(Default)]
struct Binders {
    list: Vec<Binding>,
    /// Normalised prefixes under which the binders take only their own members (a record's
    /// components); Spring ignores any other key there.
    closed: BTreeSet<String>,
}

/// A key one of a service's binders binds (normalised), whether it binds the keys under it
/// too, and whether the service's code reads the member that holds it.
struct Binding {
    key: String,
    subtree: bool,
    read: bool,
}

impl Binders {
    /// Whether a config key is one the service provably never reads: bound only by members
    /// the code never reads, or under a closed prefix where no member binds it and the code
    /// does not look it up by itself.
    fn unread(&self, key: &str, code_reads: Option<&BTreeSet<String>>) -> bool {
        let under = |b: &&Binding| {
            key == b.key
                || (b.subtree
                    && key
                        .strip_prefix(b.key.as_str())
                        .is_some_and(|r| r.starts_with('_')))
        };
        let mut matching = self.list.iter().filter(under).peekable();
        if matching.peek().is_some() {
            return matching.all(|b| !b.read);
        }
        let in_closed = self.closed.iter().any(|p| {
            key.strip_prefix(p.as_str())
                .is_some_and(|r| r.starts_with('_'))
        });
        in_closed && !code_reads.is_some_and(|k| k.contains(key))
    }
}

fn config_file(given: Option<&Vec<ResolvedSetting>>, list: &[Setting]) -> Vec<ResolvedSetting> {
    let env: HashMap<&str, &str> = given
        .map(|s| {
            s.iter()
                .map(|s| (s.key.as_str(), s.value.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let lookup = |name: &str| {
        env.get(name)
            .or_else(|| env.get(name.replace(['.', '-'], "_").to_ascii_uppercase().as_str()))
            .map(|v| v.to_string())
    };
    list.iter()
        .map(|s| {
            let value = interp::spring(&s.value, &lookup);
            setting(
                &s.key,
                &value,
                &s.location,
                SettingSource::ConfigFile,
                &None,
            )
        })
        .collect()
}
