//! Kubernetes manifests: workloads (containers, initContainers, env, envFrom), Services,
//! Endpoints, ConfigMaps and Secrets, Kafka connectors (`parse::cdc`), Dapr components
//! (`parse::dapr`). Multi-document files and `kind: List` are read.

use super::compose::command_text;
use super::{loc, yaml_error};
use crate::model::{
    ConfigData, Container, EnvFrom, EnvSource, Fact, FileFacts, K8sService, Origin, RefKind,
    Setting, Workload,
};
use crate::yaml::{Node, read_documents};
use base64::Engine;

/// Read every object; a large stream (rendered Helm output) piece by piece in parallel, so
/// only the pieces being read are in memory as trees.
pub fn parse(path: &str, text: &str, out: &mut FileFacts) {
    let read = |docs: Vec<Node>| {
        let mut part = FileFacts::default();
        for doc in &docs {
            object(path, doc, &mut part);
        }
        part
    };
    match read_documents(text, read) {
        Ok(parts) => {
            for part in parts {
                out.facts.extend(part.facts);
                out.diagnostics.extend(part.diagnostics);
            }
        }
        Err(e) => yaml_error(path, &e, out),
    }
}

/// Read one object (recursing into `kind: List`).
pub fn object(path: &str, doc: &Node, out: &mut FileFacts) {
    let Some(kind) = doc.at("kind").scalar() else {
        return;
    };
    let meta = doc.at("metadata");
    let name = meta.at("name").scalar().unwrap_or_default();
    let namespace = meta.at("namespace").scalar();
    let declared = loc(
        path,
        if meta.at("name").is_null() {
            doc
        } else {
            meta.at("name")
        },
    );
    match kind.as_str() {
        "List" => {
            for item in doc.at("items").seq() {
                object(path, item, out);
            }
        }
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "Rollout"
        | "DeploymentConfig"
        | "ReplicationController" => {
            let template = doc.path(&["spec", "template"]);
            push_workload(
                out,
                workload(path, &kind, &name, namespace, declared, doc, template),
            );
        }
        "CronJob" => {
            let template = doc.path(&["spec", "jobTemplate", "spec", "template"]);
            push_workload(
                out,
                workload(path, &kind, &name, namespace, declared, doc, template),
            );
        }
        "Pod" => {
            push_workload(
                out,
                workload(path, &kind, &name, namespace, declared, doc, doc),
            );
        }
        "Service" => {
            let spec = doc.at("spec");
            out.facts.push(Fact::K8sService(K8sService {
                name,
                namespace,
                selector: pairs(spec.at("selector")),
                external_name: (spec.at("type").as_str() == Some("ExternalName"))
                    .then(|| spec.at("externalName").scalar())
                    .flatten(),
                ports: spec
                    .at("ports")
                    .seq()
                    .iter()
                    .filter_map(|p| {
                        Some((p.at("name").scalar(), p.at("port").scalar()?.parse().ok()?))
                    })
                    .collect(),
                declared,
            }));
        }
        "Kustomization" => {
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            for img in doc.at("images").seq() {
                let (Some(image), Some(tag)) = (img.at("name").scalar(), img.at("newTag").scalar())
                else {
                    continue;
                };
                out.facts.push(Fact::ReleaseTag(crate::model::ReleaseTag {
                    group: format!("kustomize {dir}: newTag {tag}"),
                    image,
                    location: loc(path, img.at("newTag")),
                }));
            }
        }
        "Component" | "API" | "Resource"
            if doc
                .at("apiVersion")
                .as_str()
                .is_some_and(|v| v.starts_with("backstage.io")) =>
        {
            let spec = doc.at("spec");
            if let Some(owner) = spec.at("owner").scalar() {
                out.facts
                    .push(Fact::Owner(crate::model::OwnerRule::Component {
                        name,
                        owner,
                        depends_on: spec
                            .at("dependsOn")
                            .seq()
                            .iter()
                            .filter_map(Node::scalar)
                            .collect(),
                        location: loc(path, spec.at("owner")),
                    }));
            }
        }
        "Component"
            if doc
                .at("apiVersion")
                .as_str()
                .is_some_and(|v| v.starts_with("dapr.io")) =>
        {
            super::dapr::component(path, doc, out);
        }
        "KafkaConnector" => {
            let (spec, config) = (doc.at("spec"), doc.path(&["spec", "config"]));
            let class = spec.get("class").or_else(|| config.get("connector.class"));
            super::cdc::connector(path, class, config, out);
        }
        "DestinationRule" => {
            let spec = doc.at("spec");
            let policy = spec.at("trafficPolicy");
            if let Some(host) = spec.at("host").scalar() {
                for what in ["outlierDetection", "connectionPool"] {
                    if let Some(n) = policy.get(what) {
                        out.facts.push(Fact::Resilience {
                            host: host.clone(),
                            what: what.into(),
                            location: loc(path, n),
                        });
                    }
                }
            }
        }
        // Linkerd: a ServiceProfile is named by the callee's FQDN; a retry budget, or a route
        // with a timeout or marked retryable, guards calls to it.
        "ServiceProfile" => {
            let spec = doc.at("spec");
            if let Some(host) = doc.path(&["metadata", "name"]).scalar() {
                let mut found: Vec<(&str, &Node)> = Vec::new();
                if let Some(n) = spec.get("retryBudget") {
                    found.push(("retryBudget", n));
                }
                for route in spec.at("routes").seq() {
                    for what in ["timeout", "isRetryable"] {
                        if let Some(n) = route.get(what) {
                            found.push((what, n));
                        }
                    }
                }
                for (what, n) in found {
                    out.facts.push(Fact::Resilience {
                        host: host.clone(),
                        what: what.into(),
                        location: loc(path, n),
                    });
                }
            }
        }
        "VirtualService" => {
            for route in doc.path(&["spec", "http"]).seq() {
                for what in ["timeout", "retries"] {
                    let Some(n) = route.get(what) else { continue };
                    for dest in route.at("route").seq() {
                        if let Some(host) = dest.path(&["destination", "host"]).scalar() {
                            out.facts.push(Fact::Resilience {
                                host,
                                what: what.into(),
                                location: loc(path, n),
                            });
                        }
                    }
                }
            }
        }
        "Ingress" => {
            let mut backends = Vec::new();
            let mut add = |b: &Node| {
                // networking.k8s.io/v1 `service.name`, v1beta1 `serviceName`.
                let svc = b.path(&["service", "name"]);
                let svc = if svc.is_null() {
                    b.at("serviceName")
                } else {
                    svc
                };
                if let Some(n) = svc.scalar() {
                    backends.push((n, loc(path, svc)));
                }
            };
            let spec = doc.at("spec");
            add(spec.at("defaultBackend"));
            add(spec.at("backend"));
            for rule in spec.at("rules").seq() {
                for p in rule.path(&["http", "paths"]).seq() {
                    add(p.at("backend"));
                }
            }
            out.facts.push(Fact::Ingress(crate::model::Ingress {
                name,
                namespace,
                declared,
                backends,
            }));
        }
        "Endpoints" => {
            let addresses = doc
                .at("subsets")
                .seq()
                .iter()
                .flat_map(|s| s.at("addresses").seq())
                .filter_map(|a| a.at("ip").scalar().or_else(|| a.at("hostname").scalar()))
                .collect();
            out.facts.push(Fact::K8sEndpoints {
                name,
                namespace,
                addresses,
                location: declared,
            });
        }
        "EndpointSlice" => {
            let service = meta
                .path(&["labels", "kubernetes.io/service-name"])
                .scalar()
                .unwrap_or(name);
            let addresses = doc
                .at("endpoints")
                .seq()
                .iter()
                .flat_map(|e| e.at("addresses").seq())
                .filter_map(Node::scalar)
                .collect();
            out.facts.push(Fact::K8sEndpoints {
                name: service,
                namespace,
                addresses,
                location: declared,
            });
        }
        "ConfigMap" | "Secret" => {
            let ref_kind = if kind == "Secret" {
                RefKind::Secret
            } else {
                RefKind::ConfigMap
            };
            let mut entries = Vec::new();
            for (k, v) in doc.at("data").entries() {
                let (Some(key), Some(raw)) = (k.scalar(), v.scalar()) else {
                    continue;
                };
                let value = if ref_kind == RefKind::Secret {
                    match base64::engine::general_purpose::STANDARD.decode(raw.trim()) {
                        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                        Err(_) => {
                            out.diagnostics.push(crate::model::Diagnostic::note(
                                path,
                                v.line,
                                format!("Secret {name} key {key} is not valid base64; ignored"),
                            ));
                            continue;
                        }
                    }
                } else {
                    raw
                };
                entries.push(Setting {
                    key,
                    value,
                    source: EnvSource::Literal,
                    location: loc(path, k),
                });
            }
            for (k, v) in doc.at("stringData").entries() {
                let (Some(key), Some(value)) = (k.scalar(), v.scalar()) else {
                    continue;
                };
                entries.push(Setting {
                    key,
                    value,
                    source: EnvSource::Literal,
                    location: loc(path, k),
                });
            }
            // `init.sql: |` keys hold scripts; their lines are offset from the block's start.
            let mut sql = Vec::new();
            for (k, v) in doc.at("data").entries() {
                let (Some(key), Some(text)) = (k.scalar(), v.as_str()) else {
                    continue;
                };
                if !key.ends_with(".sql") {
                    continue;
                }
                let (facts, diags) = super::sql::parse(path, text);
                // A block scalar's content starts on the line after its indicator; the parser
                // places the value there (or on the key's line for a quoted one-liner).
                let offset = if v.line > k.line { v.line - 1 } else { k.line };
                let indent = k.column + 1;
                sql.extend(facts.into_iter().map(|mut f| {
                    f.location.line += offset;
                    f.location.column += indent;
                    f
                }));
                out.diagnostics.extend(diags.into_iter().map(|mut d| {
                    d.line += offset;
                    d
                }));
            }
            out.facts.push(Fact::ConfigData(ConfigData {
                sql,
                kind: ref_kind,
                name,
                namespace,
                entries,
                declared,
            }));
        }
        _ => {}
    }
}

fn pairs(node: &Node) -> Vec<(String, String)> {
    node.entries()
        .iter()
        .filter_map(|(k, v)| Some((k.scalar()?, v.scalar()?)))
        .collect()
}

/// A workload, and a release tag for each image whose tag is a variable (`app:${TAG}`, as
/// `envsubst` or a deploy script fills it): one variable over many images is a release train.
fn push_workload(out: &mut FileFacts, w: Workload) {
    for c in w.containers.iter().filter(|c| !c.init) {
        if let Some((image, at)) = &c.image
            && let Some(tag) = super::release::compose_tag(image, at)
        {
            out.facts.push(tag);
        }
    }
    out.facts.push(Fact::Workload(Box::new(w)));
}

fn workload(
    path: &str,
    kind: &str,
    name: &str,
    namespace: Option<String>,
    declared: crate::model::Location,
    doc: &Node,
    template: &Node,
) -> Workload {
    let spec = template.at("spec");
    let mut containers = Vec::new();
    for (key, init) in [("initContainers", true), ("containers", false)] {
        for c in spec.at(key).seq() {
            containers.push(container(path, c, init));
        }
    }
    let mut annotations = pairs(doc.path(&["metadata", "annotations"]));
    annotations.extend(pairs(template.path(&["metadata", "annotations"])));
    // ConfigMap volumes and where containers mount them.
    let config_volumes: Vec<(String, String)> = spec
        .at("volumes")
        .seq()
        .iter()
        .filter_map(|v| {
            Some((
                v.at("name").scalar()?,
                v.path(&["configMap", "name"]).scalar()?,
            ))
        })
        .collect();
    let mut volumes = Vec::new();
    for c in spec
        .at("containers")
        .seq()
        .iter()
        .chain(spec.at("initContainers").seq())
    {
        for m in c.at("volumeMounts").seq() {
            let (Some(name), Some(mount)) = (m.at("name").scalar(), m.at("mountPath").scalar())
            else {
                continue;
            };
            if let Some((_, cm)) = config_volumes.iter().find(|(v, _)| *v == name) {
                volumes.push((format!("configmap:{cm}"), mount, loc(path, m)));
            }
        }
    }
    let origin = Origin::Kubernetes {
        kind: kind.to_string(),
        namespace,
    };
    Workload {
        containers,
        labels: pairs(template.path(&["metadata", "labels"])),
        annotations,
        volumes,
        ports: container_ports(spec),
        ..Workload::new(origin, name, declared)
    }
}

fn container_ports(spec: &Node) -> Vec<u16> {
    let mut out: Vec<u16> = spec
        .at("containers")
        .seq()
        .iter()
        .flat_map(|c| c.at("ports").seq())
        .filter_map(|p| p.at("containerPort").scalar()?.parse().ok())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn container(path: &str, c: &Node, init: bool) -> Container {
    let mut env = Vec::new();
    for e in c.at("env").seq() {
        let Some(key) = e.at("name").scalar() else {
            continue;
        };
        let location = loc(path, e.get("name").unwrap_or(e));
        let value_from = e.at("valueFrom");
        let (value, source) = if let Some(v) = e.at("value").scalar() {
            (v, EnvSource::Literal)
        } else if let Some(r) = value_from
            .get("configMapKeyRef")
            .or_else(|| value_from.get("secretKeyRef"))
        {
            let kind = if value_from.get("secretKeyRef").is_some() {
                RefKind::Secret
            } else {
                RefKind::ConfigMap
            };
            (
                String::new(),
                EnvSource::Ref {
                    kind,
                    name: r.at("name").scalar().unwrap_or_default(),
                    key: r.at("key").scalar().unwrap_or_default(),
                },
            )
        } else {
            (String::new(), EnvSource::Runtime)
        };
        env.push(Setting {
            key,
            value,
            source,
            location,
        });
    }
    let env_from = c
        .at("envFrom")
        .seq()
        .iter()
        .filter_map(|e| {
            let (kind, r) = match (e.get("configMapRef"), e.get("secretRef")) {
                (Some(r), _) => (RefKind::ConfigMap, r),
                (_, Some(r)) => (RefKind::Secret, r),
                _ => return None,
            };
            Some(EnvFrom {
                kind,
                name: r.at("name").scalar()?,
                prefix: e.at("prefix").scalar().unwrap_or_default(),
                location: loc(path, e),
            })
        })
        .collect();
    Container {
        name: c.at("name").scalar().unwrap_or_default(),
        image: c
            .get("image")
            .and_then(|n| n.scalar().map(|s| (s, loc(path, n)))),
        init,
        env,
        env_from,
        command: command_text(c.at("command"), c.at("args")).map(|t| (t, loc(path, c))),
    }
}
