//! lockstep-deploy: services that cannot ship alone. Three signals, one finding each: several
//! app containers in one pod; one release tag shared by many images; startup ordering on
//! another app service (compose `depends_on`, k8s initContainers that wait).

use super::Context;
use crate::finding::Finding;
use crate::model::{ComponentKind, EdgeKind, Location};
use crate::parse::release::split_tag;
use std::collections::{BTreeMap, BTreeSet};

const RULE: &str = "lockstep-deploy";

/// `repo/{{ .Values.x }}/adservice:{{ … }}` → `adservice`.
fn image_name(image: &str) -> String {
    let (name, _) = split_tag(image);
    name.rsplit('/').next().unwrap_or(name).to_string()
}

pub fn check(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    let m = ctx.model;
    let min: usize = ctx.option(RULE, "min-services").parse().unwrap_or(3);
    let app = |id: &str| m.component(id).is_some_and(|c| c.kind.is_app());

    // 1. Several app containers in one pod.
    for unit in &m.units {
        if m.component(&unit.component)
            .is_none_or(|c| c.kind != ComponentKind::Service)
        {
            continue;
        }
        let apps: Vec<_> = unit
            .containers
            .iter()
            .filter(|c| !c.init && !c.sidecar && !c.infrastructure)
            .collect();
        if apps.len() < 2 {
            continue;
        }
        let names: Vec<String> = apps.iter().map(|c| c.name.clone()).collect();
        let mut components = vec![unit.component.clone()];
        components.extend(names.iter().filter(|n| app(n)).cloned());
        let mut f = Finding::new(
            RULE,
            ctx.severity(RULE),
            format!(
                "{} runs {} app containers in one pod, so they deploy together: {}",
                unit.component,
                apps.len(),
                names.join(", ")
            ),
            apps[1].location.clone(),
            components,
            &format!("pod {}", unit.component),
        )
        .case("pod");
        for c in &apps {
            f = f.related(
                c.location.clone(),
                format!("container {} is declared here", c.name),
            );
        }
        out.push(f);
    }

    // 2. One release version for all: image tags from the same variable / expression.
    let container_at: BTreeMap<&Location, &str> = m
        .units
        .iter()
        .flat_map(|u| {
            u.containers
                .iter()
                .map(move |c| (&c.location, u.component.as_str()))
        })
        .collect();
    let mut groups: BTreeMap<&str, Vec<(String, &Location)>> = BTreeMap::new();
    let mut from_variable: BTreeSet<&Location> = BTreeSet::new();
    for t in &m.release_tags {
        if crate::classify::image(&t.image).is_some() {
            continue; // a database or broker image pinned by variable is not a release train
        }
        from_variable.insert(&t.location);
        let service = match container_at.get(&t.location) {
            Some(c) => c.to_string(),
            // A Helm template names its image with expressions: the template file names it.
            None if image_name(&t.image).contains("{{") => {
                let file = t
                    .location
                    .file
                    .rsplit('/')
                    .next()
                    .unwrap_or(&t.location.file);
                file.split('.').next().unwrap_or(file).to_string()
            }
            None => image_name(&t.image),
        };
        groups
            .entry(&t.group)
            .or_default()
            .push((service, &t.location));
    }
    // The same fixed, non-`latest` tag on images of app services built here.
    let mut fixed: BTreeMap<String, Vec<(String, &Location)>> = BTreeMap::new();
    for (component, image, at) in &m.app_images {
        if from_variable.contains(at) {
            continue;
        }
        if let (_, Some(tag)) = split_tag(image)
            && !tag.is_empty()
            && tag != "latest"
            && !tag.contains('$')
        {
            fixed
                .entry(format!("fixed tag {tag}"))
                .or_default()
                .push((component.clone(), at));
        }
    }
    let all_groups = groups
        .into_iter()
        .map(|(g, v)| (g.to_string(), v))
        .chain(fixed);
    for (group, mut members) in all_groups {
        members.sort();
        let services: BTreeSet<&str> = members.iter().map(|(s, _)| s.as_str()).collect();
        if services.len() < min {
            continue;
        }
        let list: Vec<&str> = services.iter().copied().collect();
        let what = match group.strip_prefix("fixed tag ") {
            Some(tag) => format!("every image carries the same fixed tag {tag}"),
            None => format!("every image tag comes from {group}"),
        };
        let mut f = Finding::new(
            RULE,
            ctx.severity(RULE),
            format!(
                "{} services release in lockstep, {what}: {}",
                services.len(),
                list.join(", ")
            ),
            members[0].1.clone(),
            list.iter().map(|s| s.to_string()).collect(),
            &format!("tag {group}"),
        )
        .case("release-tag");
        for (s, at) in &members {
            f = f.related((*at).clone(), format!("{s} takes its tag here"));
        }
        out.push(f);
    }

    // 3. Startup-order coupling on another app service.
    for e in m.edges.iter().filter(|e| e.kind == EdgeKind::Startup) {
        let service = |id: &str| {
            m.component(id)
                .is_some_and(|c| c.kind == ComponentKind::Service)
        };
        if !service(&e.from) || !service(&e.to) {
            continue;
        }
        let how = match e.protocol.as_deref() {
            Some("service_healthy") => format!(
                "cannot start until {} is healthy (depends_on, condition: service_healthy)",
                e.to
            ),
            Some("wait-for") => {
                format!("cannot start until {} is healthy (Aspire `WaitFor`)", e.to)
            }
            Some("init-wait") => format!("waits in an initContainer until {} answers", e.to),
            Some(c) => format!("starts after {} (depends_on, condition: {c})", e.to),
            None => format!("starts after {} (depends_on)", e.to),
        };
        let Some(first) = e.evidence.first() else {
            continue;
        };
        let mut f = Finding::new(
            RULE,
            ctx.severity(RULE),
            format!("{} {how}: startup order couples two app services", e.from),
            first.location.clone(),
            vec![e.from.clone(), e.to.clone()],
            &format!("startup {}>{}", e.from, e.to),
        )
        .case("startup");
        for ev in &e.evidence[1..] {
            f = f.related(
                ev.location.clone(),
                format!("{} waits for {} here", e.from, e.to),
            );
        }
        f.edges
            .push((e.from.clone(), e.to.clone(), EdgeKind::Startup));
        out.push(f);
    }
    out
}
