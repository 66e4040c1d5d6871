//! docker-compose files: services with image, build, environment, env_file, depends_on,
//! links, network aliases, profiles and extends. Interpolation happens in resolve, where the
//! `.env` beside the file is known.

use super::{loc, yaml_error};
use crate::model::{Container, DependsOn, EnvSource, Fact, FileFacts, Origin, Setting, Workload};
use crate::yaml::{Node, Value, parse_documents};

pub fn parse(path: &str, text: &str, out: &mut FileFacts) {
    let docs = match parse_documents(text) {
        Ok(d) => d,
        Err(e) => return yaml_error(path, &e, out),
    };
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
    for doc in &docs {
        let configs = config_files(doc);
        for (key, svc) in doc.at("services").entries() {
            let Some(name) = key.scalar() else { continue };
            let mut workload = service(path, &dir, &name, key, svc);
            workload
                .volumes
                .extend(mounted_configs(path, svc, &configs));
            if let Some((image, at)) = workload.containers.first().and_then(|c| c.image.as_ref())
                && let Some(tag) = super::release::compose_tag(image, at)
            {
                out.facts.push(tag);
            }
            out.facts.push(Fact::Workload(Box::new(workload)));
        }
    }
}

fn strings(node: &Node) -> Vec<(String, &Node)> {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|i| i.scalar().map(|s| (s, i)))
            .collect(),
        Value::Str(_) => vec![(node.scalar().unwrap_or_default(), node)],
        _ => Vec::new(),
    }
}

fn service(path: &str, dir: &str, name: &str, key: &Node, svc: &Node) -> Workload {
    let image = svc
        .get("image")
        .and_then(|n| n.scalar().map(|s| (s, loc(path, n))));
    let (build_context, dockerfile) = match &svc.at("build").value {
        Value::Str(s) => (Some(s.clone()), None),
        Value::Map(_) => (
            svc.path(&["build", "context"])
                .scalar()
                .or_else(|| Some(".".into())),
            svc.path(&["build", "dockerfile"]).scalar(),
        ),
        _ => (None, None),
    };
    let mut env = Vec::new();
    let environment = svc.at("environment");
    match &environment.value {
        Value::Seq(items) => {
            for item in items {
                let Some(entry) = item.scalar() else { continue };
                match entry.split_once('=') {
                    Some((k, v)) => env.push(setting(k.trim(), v, loc(path, item))),
                    None => env.push(passthrough(entry.trim(), loc(path, item))),
                }
            }
        }
        Value::Map(entries) => {
            for (key_node, v) in entries {
                let Some(k) = key_node.scalar() else { continue };
                match (&v.value, v.scalar()) {
                    (_, Some(v)) => env.push(setting(&k, &v, loc(path, key_node))),
                    (Value::Null, None) => env.push(passthrough(&k, loc(path, key_node))),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    let env_files = match &svc.at("env_file").value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|i| {
                let p = i.scalar().or_else(|| i.at("path").scalar())?;
                Some((p, loc(path, i)))
            })
            .collect(),
        Value::Str(s) => vec![(s.clone(), loc(path, svc.at("env_file")))],
        _ => Vec::new(),
    };
    let depends_on = match &svc.at("depends_on").value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|i| {
                let name = i.scalar()?;
                Some(DependsOn {
                    text: format!("depends_on: {name}"),
                    name,
                    condition: None,
                    location: loc(path, i),
                })
            })
            .collect(),
        Value::Map(entries) => entries
            .iter()
            .filter_map(|(k, v)| {
                let name = k.scalar()?;
                Some(DependsOn {
                    text: format!("depends_on: {name}"),
                    name,
                    condition: v.at("condition").scalar(),
                    location: loc(path, k),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut aliases = Vec::new();
    for net in svc.at("networks").entries() {
        aliases.extend(strings(net.1.at("aliases")).into_iter().map(|(s, _)| s));
    }
    for key in ["hostname", "container_name"] {
        if let Some(s) = svc.at(key).scalar() {
            aliases.push(s);
        }
    }
    let links = strings(svc.at("links"))
        .into_iter()
        .map(|(s, _)| s.split(':').next().unwrap_or(&s).to_string())
        .collect();
    let profiles = strings(svc.at("profiles"))
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let extends = match &svc.at("extends").value {
        Value::Str(s) => Some((s.clone(), None)),
        Value::Map(_) => svc
            .path(&["extends", "service"])
            .scalar()
            .map(|s| (s, svc.path(&["extends", "file"]).scalar())),
        _ => None,
    };
    let volumes = svc
        .at("volumes")
        .seq()
        .iter()
        .filter_map(|v| {
            let (source, target) = match v.scalar() {
                Some(short) => {
                    let mut parts = short.splitn(3, ':');
                    (parts.next()?.to_string(), parts.next()?.to_string())
                }
                None => (v.at("source").scalar()?, v.at("target").scalar()?),
            };
            // Named volumes are not files of the repository.
            (source.starts_with('.') || source.starts_with('/') || source.contains('/'))
                .then(|| (source, target, loc(path, v)))
        })
        .collect();
    let command =
        command_text(svc.at("entrypoint"), svc.at("command")).map(|c| (c, loc(path, svc)));
    let network_mode = svc
        .at("network_mode")
        .scalar()
        .and_then(|m| m.strip_prefix("service:").map(str::to_string))
        .map(|target| (target, loc(path, svc.at("network_mode"))));
    Workload {
        origin: Origin::Compose {
            dir: dir.to_string(),
        },
        name: name.to_string(),
        declared: loc(path, key),
        containers: vec![Container {
            name: name.to_string(),
            image,
            init: false,
            env,
            env_from: Vec::new(),
            command,
        }],
        labels: Vec::new(),
        build_context,
        dockerfile,
        env_files,
        depends_on,
        aliases,
        links,
        profiles,
        extends,
        annotations: Vec::new(),
        volumes,
        network_mode,
        ports: ports(svc),
    }
}

/// Top-level `configs:` that name a file: name → file.
fn config_files(doc: &Node) -> Vec<(String, String)> {
    doc.at("configs")
        .entries()
        .iter()
        .filter_map(|(k, v)| Some((k.scalar()?, v.at("file").scalar()?)))
        .collect()
}

/// A service's `configs:` entries (`- name`, or `{source, target}`) whose config is a file:
/// mounted like a bind mount (the default target is `/<name>`).
fn mounted_configs(
    path: &str,
    svc: &Node,
    configs: &[(String, String)],
) -> Vec<(String, String, crate::model::Location)> {
    svc.at("configs")
        .seq()
        .iter()
        .filter_map(|item| {
            let source = item.scalar().or_else(|| item.at("source").scalar())?;
            let file = configs.iter().find(|(n, _)| *n == source)?.1.clone();
            let target = item
                .at("target")
                .scalar()
                .unwrap_or_else(|| format!("/{source}"));
            Some((file, target, loc(path, item)))
        })
        .collect()
}

/// Container-side ports: `"8080:80"`, `"127.0.0.1:8080:80/tcp"`, `80`, long form `target:`,
/// and `expose`.
fn ports(svc: &Node) -> Vec<u16> {
    let mut out: Vec<u16> = svc
        .at("ports")
        .seq()
        .iter()
        .chain(svc.at("expose").seq())
        .filter_map(|p| {
            let text = p.scalar().or_else(|| p.at("target").scalar())?;
            let container = text.rsplit(':').next()?.split('/').next()?;
            container.split('-').next()?.trim().parse().ok()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn setting(key: &str, value: &str, location: crate::model::Location) -> Setting {
    Setting {
        key: key.to_string(),
        value: value.to_string(),
        source: EnvSource::Literal,
        location,
    }
}

/// `- KEY` (or `KEY:`) with no value: compose takes it from the shell or the `.env` beside
/// the file. Written as `${KEY}`, so resolve's interpolation fills it from `.env` (and drops
/// it when `.env` has no `KEY`).
fn passthrough(key: &str, location: crate::model::Location) -> Setting {
    setting(key, &format!("${{{key}}}"), location)
}

/// Command and args (list or string) joined into one line.
pub(crate) fn command_text(a: &Node, b: &Node) -> Option<String> {
    let parts: Vec<String> = [a, b]
        .iter()
        .flat_map(|n| match &n.value {
            Value::Seq(items) => items.iter().filter_map(Node::scalar).collect::<Vec<_>>(),
            _ => n.scalar().into_iter().collect::<Vec<_>>(),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}
