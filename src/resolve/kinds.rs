//! What each component is, and why: a workload's own declaration first (configured
//! platform names, sidecar network or image, k8s Job, setup job, known image, name), then what
//! other services' settings say about it (connection strings, gateway routes, platform keys).
//! Every decision records a `KindReason`.

use super::ResolveOptions;
use super::builder::{Builder, Classified, reason};
use super::calls::{call_targets, is_platform_key, upper_key};
use crate::classify;
use crate::connstr;
use crate::model::*;
use std::collections::HashSet;

/// Compose services that others wait for with `service_completed_successfully`: one-shot jobs.
pub(super) fn setup_targets<'a>(workloads: impl Iterator<Item = &'a Workload>) -> HashSet<String> {
    workloads
        .flat_map(|w| &w.depends_on)
        .filter(|d| d.condition.as_deref() == Some("service_completed_successfully"))
        .map(|d| d.name.clone())
        .collect()
}

/// The main container: the first non-init container that is not a sidecar.
pub(super) fn main_container<'a>(w: &'a Workload, opts: &ResolveOptions) -> Option<&'a Container> {
    let sidecar = |c: &&Container| {
        c.image
            .as_ref()
            .is_some_and(|(i, _)| classify::is_sidecar(i, &opts.sidecars))
    };
    let apps = || w.containers.iter().filter(|c| !c.init);
    apps().find(|c| !sidecar(c)).or_else(|| apps().next())
}

/// A workload's kind from its own declaration; `image` is its main container's.
pub(super) fn classify(
    w: &Workload,
    image: Option<&(String, Location)>,
    opts: &ResolveOptions,
    setup: &HashSet<String>,
) -> Classified {
    let at = &w.declared;
    if opts.platform.contains(&w.name) {
        let r = reason("config", "listed under `platform` in monolens.yaml", at);
        return Classified::new(ComponentKind::Platform, None, r);
    }
    if let Some((target, loc)) = &w.network_mode {
        let r = reason(
            "sidecar-network",
            format!("shares the network of `{target}` (network_mode: service:{target})"),
            loc,
        );
        return Classified::new(ComponentKind::Sidecar, None, r);
    }
    // A known gateway image (envoy) running on its own is a gateway, not a sidecar.
    let lone_sidecar =
        |i: &str| classify::is_sidecar(i, &opts.sidecars) && classify::image(i).is_none();
    if let Some((i, loc)) = image.filter(|(i, _)| lone_sidecar(i)) {
        let r = reason(
            "sidecar-image",
            format!("runs only the sidecar image `{i}`"),
            loc,
        );
        return Classified::new(ComponentKind::Sidecar, None, r);
    }
    if matches!(&w.origin, Origin::Kubernetes { kind, .. } if kind == "Job") {
        let r = reason("k8s-job", "a k8s Job: runs once to completion", at);
        return Classified::new(ComponentKind::Job, None, r);
    }
    if setup.contains(&w.name) {
        let r = reason(
            "setup-job",
            "other services wait for it with `condition: service_completed_successfully`",
            at,
        );
        return Classified::new(ComponentKind::Job, None, r);
    }
    if let Some((i, loc)) = image
        && let Some((kind, tech)) = classify::image(i)
    {
        let r = reason(
            "image",
            format!(
                "runs the known image `{}` ({tech})",
                classify::image_repository(i)
            ),
            loc,
        );
        return Classified::new(kind, Some(tech), r);
    }
    by_name(w, image.map(|(i, _)| i.as_str()), opts)
}

fn by_name(w: &Workload, image: Option<&str>, opts: &ResolveOptions) -> Classified {
    let at = &w.declared;
    let repo = image.map(classify::image_repository);
    let names = || std::iter::once(w.name.as_str()).chain(repo.as_deref());
    if let Some((n, (kind, tech))) = names().find_map(|n| classify::name(n).map(|k| (n, k))) {
        let r = reason("name", format!("the name `{n}` says {tech}"), at);
        return Classified::new(kind, Some(tech), r);
    }
    if let Some((n, (kind, what))) = names().find_map(|n| classify::name_role(n).map(|k| (n, k))) {
        let r = reason("name", format!("the name `{n}` says {what}"), at);
        return Classified::new(kind, None, r);
    }
    if let Some(n) = names().find(|n| classify::name_says_datastore(n)) {
        let keys = w
            .containers
            .iter()
            .flat_map(|c| c.env.iter().map(|s| s.key.as_str()));
        let r = reason("name", format!("the name `{n}` says database"), at);
        return Classified::new(
            ComponentKind::Datastore,
            classify::technology_from_env(keys),
            r,
        );
    }
    if classify::name_says_platform(&w.name) || opts.platform.contains(&w.name) {
        let r = reason(
            "name",
            format!(
                "the name `{}` says platform (registry, telemetry, config)",
                w.name
            ),
            at,
        );
        return Classified::new(ComponentKind::Platform, None, r);
    }
    let r = reason(
        "application",
        "application workload: nothing says it is infrastructure",
        at,
    );
    Classified::new(ComponentKind::Service, None, r)
}

/// What other components' settings say: a connection string with a datastore scheme makes
/// its host a datastore; gateway route keys make their own service a gateway; a platform key
/// of an app service (`EUREKA_URI`) makes its single target platform. Being listed by a
/// platform component (a scrape config, a collector) changes nothing.
pub(super) fn refine(b: &mut Builder) {
    let settings = std::mem::take(&mut b.settings);
    for list in settings.values() {
        for s in list {
            by_connection_string(b, s);
        }
    }
    for (svc, list) in &settings {
        if !b.is_app(svc) {
            continue;
        }
        for s in list {
            by_key(b, svc, s);
        }
    }
    b.settings = settings;
}

fn by_connection_string(b: &mut Builder, s: &ResolvedSetting) {
    let Some(info) = connstr::parse(&s.value) else {
        return;
    };
    let Some(tech) = info.technology else { return };
    let kind = if connstr::technology_is_broker(tech) {
        ComponentKind::Broker
    } else {
        ComponentKind::Datastore
    };
    for (host, _) in &info.hosts {
        let Some(id) = b.lookup_host(host, &s.location.file) else {
            continue;
        };
        let r = reason(
            "connection-string",
            format!("addressed as a {tech} server by `{}`", s.key),
            &s.location,
        );
        if b.reclassify(&id, kind, r)
            && let Some(c) = b.components.get_mut(&id)
        {
            c.technology.get_or_insert_with(|| tech.to_string());
        }
    }
}

/// Keys that make their own service a gateway.
fn is_gateway_key(key: &str) -> bool {
    let k = upper_key(key);
    k.starts_with("SPRING_CLOUD_GATEWAY")
        || k == "PROXY_PASS"
        || k == "GRPC_PASS"
        || k.starts_with("ENVOY_CLUSTERS")
}

fn by_key(b: &mut Builder, svc: &str, s: &ResolvedSetting) {
    if is_gateway_key(&s.key) {
        let r = reason(
            "gateway-key",
            format!("routes requests (`{}`)", s.key),
            &s.location,
        );
        b.reclassify(svc, ComponentKind::Gateway, r);
        return;
    }
    if !is_platform_key(&s.key) {
        return;
    }
    // A list of targets is a scrape or collector list, not the address of one platform server.
    let targets = call_targets(&s.key, &s.value);
    let [(host, _, _)] = targets.as_slice() else {
        return;
    };
    if let Ok(id) = b.resolve_host(host, &s.location.file)
        && id != svc
    {
        let r = reason(
            "platform-key",
            format!("`{svc}` addresses it with the platform key `{}`", s.key),
            &s.location,
        );
        b.reclassify(&id, ComponentKind::Platform, r);
    }
}
