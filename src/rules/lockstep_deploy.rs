//! lockstep-deploy: services that cannot ship alone. Five signals, one finding each: several
//! app containers in one pod; one image run by several services; one release tag shared by
//! many images; one build version shared by many services; startup ordering on another app
//! service (compose `depends_on`, k8s initContainers that wait).

use super::Context;
use crate::classify;
use crate::finding::Finding;
use crate::model::{BuildSystem, ComponentKind, EdgeKind, Location, Model};
use crate::parse::release::{split_tag, strip_digest};
use std::collections::{BTreeMap, BTreeSet};

const RULE: &str = "lockstep-deploy";

/// `repo/{{ .Values.x }}/adservice:{{ … }}` → `adservice`.
fn image_name(image: &str) -> String {
    let (name, _) = split_tag(image);
    name.rsplit('/').next().unwrap_or(name).to_string()
}

pub fn check(ctx: &Context) -> Vec<Finding> {
    let min: usize = ctx.option(RULE, "min-services").parse().unwrap_or(3);
    let mut out = pods(ctx);
    out.extend(shared_image(ctx));
    out.extend(release_tags(ctx, min));
    out.extend(build_versions(ctx, min));
    out.extend(startup(ctx));
    out
}

fn is_service(m: &Model, id: &str) -> bool {
    m.component(id)
        .is_some_and(|c| c.kind == ComponentKind::Service)
}

/// Several app containers in one pod.
fn pods(ctx: &Context) -> Vec<Finding> {
    let m = ctx.model;
    let app = |id: &str| m.component(id).is_some_and(|c| c.kind.is_app());
    let mut out = Vec::new();
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
                crate::finding::names(&names)
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
    out
}

/// One image repository run by several app services, each with its own command: one build
/// artifact shipped as many services. Replicas under other names (same command) and
/// datastore or broker images run twice are not this.
fn shared_image(ctx: &Context) -> Vec<Finding> {
    let m = ctx.model;
    // image repository → service → (command, image location)
    let mut by_repo: BTreeMap<String, BTreeMap<&str, (Option<&str>, &Location)>> = BTreeMap::new();
    for unit in m.units.iter().filter(|u| is_service(m, &u.component)) {
        let apps = unit
            .containers
            .iter()
            .filter(|c| !c.init && !c.sidecar && !c.infrastructure);
        for c in apps {
            let Some(image) = &c.image else { continue };
            let repo = classify::image_repository(image);
            if repo.contains(['$', '{']) {
                continue; // an unresolved expression names no image
            }
            by_repo
                .entry(repo)
                .or_default()
                .entry(&unit.component)
                .or_insert((c.command.as_deref(), &c.location));
        }
    }
    let mut out = Vec::new();
    for (repo, services) in by_repo {
        let commands: BTreeSet<Option<&str>> = services.values().map(|(c, _)| *c).collect();
        if services.len() < 2 || commands.len() < 2 {
            continue;
        }
        let list: Vec<&str> = services.keys().copied().collect();
        let mut f = Finding::new(
            RULE,
            ctx.severity(RULE),
            format!(
                "{} services run one image {repo}, each with its own command, so they are \
                 built and released as one artifact: {}",
                list.len(),
                crate::finding::names(&list)
            ),
            services[list[0]].1.clone(),
            list.iter().map(|s| s.to_string()).collect(),
            &format!("shared-image:{repo}"),
        )
        .case("shared-image");
        for (s, (_, at)) in &services {
            f = f.related((*at).clone(), format!("{s} runs the image here"));
        }
        out.push(f);
    }
    out
}

/// One release version for all: image tags from the same variable or expression, or the same
/// fixed tag (digests aside). Tags a reported Helm `appVersion` sets are reported with it.
fn release_tags(ctx: &Context, min: usize) -> Vec<Finding> {
    let m = ctx.model;
    let by_chart: BTreeSet<&Location> = m
        .shared_versions
        .iter()
        .filter(|v| v.system == BuildSystem::Helm && v.services.len() >= min)
        .flat_map(|v| v.services.iter().map(|(_, at)| at))
        .collect();
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
        if by_chart.contains(&t.location) {
            continue;
        }
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
    let fixed = fixed_tags(m, &from_variable, min);
    let mut out = Vec::new();
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
                crate::finding::names(&list)
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
    out
}

/// The same fixed, non-`latest` tag (digest aside) on the images of app services built here,
/// by tag. Several services running one image share its tag without being a release train
/// (that is `shared-image`): a group needs `min` distinct images.
fn fixed_tags<'a>(
    m: &'a Model,
    from_variable: &BTreeSet<&Location>,
    min: usize,
) -> BTreeMap<String, Vec<(String, &'a Location)>> {
    let mut fixed: BTreeMap<String, Vec<(String, &Location)>> = BTreeMap::new();
    let mut images: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (component, image, at) in &m.app_images {
        if from_variable.contains(at) {
            continue;
        }
        if let (_, Some(tag)) = split_tag(strip_digest(image))
            && !tag.is_empty()
            && tag != "latest"
            && !tag.contains('$')
        {
            let group = format!("fixed tag {tag}");
            let repo = classify::image_repository(image);
            images.entry(group.clone()).or_default().insert(repo);
            fixed
                .entry(group)
                .or_default()
                .push((component.clone(), at));
        }
    }
    fixed.retain(|group, _| images.get(group).is_some_and(|i| i.len() >= min));
    fixed
}

/// One version a build declares for `min` or more services (a Maven reactor, a Gradle root,
/// an npm workspace root, `Directory.Build.props`, a Helm `appVersion`), at its declaration.
fn build_versions(ctx: &Context, min: usize) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in ctx
        .model
        .shared_versions
        .iter()
        .filter(|v| v.services.len() >= min)
    {
        let list: Vec<&str> = v.services.iter().map(|(s, _)| s.as_str()).collect();
        let mut f = Finding::new(
            RULE,
            ctx.severity(RULE),
            format!(
                "{} services release in lockstep, one {} {} versions them all: {}",
                list.len(),
                v.system.describe(),
                v.version,
                crate::finding::names(&list)
            ),
            v.location.clone(),
            list.iter().map(|s| s.to_string()).collect(),
            &format!("build-version:{}", v.system.as_str()),
        )
        .case("build-version");
        for (s, at) in &v.services {
            f = f.related(at.clone(), format!("{s} takes the version here"));
        }
        out.push(f);
    }
    out
}

/// Startup-order coupling on another app service.
fn startup(ctx: &Context) -> Vec<Finding> {
    let m = ctx.model;
    let mut out = Vec::new();
    for e in m.edges.iter().filter(|e| e.kind == EdgeKind::Startup) {
        if !is_service(m, &e.from) || !is_service(m, &e.to) {
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
