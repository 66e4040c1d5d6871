//! Startup coupling: compose `depends_on` and k8s init containers that wait for another
//! component before the app starts.

use super::builder::{Builder, push_evidence};
use super::inputs::Inputs;
use crate::model::*;

pub(super) fn run(b: &mut Builder, inputs: &Inputs) {
    for w in &inputs.compose {
        let from = b.id_of_workload(w);
        let variant = b.variant(&w.declared.file);
        for d in &w.depends_on {
            let Some(to) = b.lookup_host(&d.name, &d.location.file) else {
                continue;
            };
            let ev = Evidence::new(d.location.clone(), &d.text);
            let edge = b.edge(&from, &to, EdgeKind::Startup, d.condition.clone());
            edge.scope.widen(variant.as_ref());
            edge.evidence.push(ev);
        }
    }
    let waits: Vec<(String, String, Evidence, Option<String>)> = b
        .units
        .iter()
        .flat_map(|u| {
            let waits = init_waits(&u.id, &u.workload);
            waits
                .into_iter()
                .map(|(f, h, e)| (f, h, e, u.variant.clone()))
        })
        .collect();
    for (from, host, ev, variant) in waits {
        let Some(to) = b
            .lookup_host(&host, &ev.location.file)
            .filter(|to| *to != from)
        else {
            continue;
        };
        let edge = b.edge(&from, &to, EdgeKind::Startup, Some("init-wait".into()));
        edge.scope.widen(variant.as_ref());
        push_evidence(&mut edge.evidence, vec![ev]);
    }
}

/// (component, host, evidence) for every host an init container of `w` waits for.
fn init_waits(id: &str, w: &Workload) -> Vec<(String, String, Evidence)> {
    let mut out = Vec::new();
    for c in w.containers.iter().filter(|c| c.init) {
        let Some((cmd, at)) = &c.command else {
            continue;
        };
        for host in wait_targets(cmd) {
            let ev = Evidence::new(at.clone(), &format!("initContainer {}: {cmd}", c.name));
            out.push((id.to_string(), host, ev));
        }
    }
    out
}

/// Hosts an init container waits for: `nc -z host port`, `wait-for host:port`,
/// `wait-for-it.sh host:port`, `curl http://host/…`, `until nslookup host`, `pg_isready -h host`.
fn wait_targets(cmd: &str) -> Vec<String> {
    let words: Vec<&str> = cmd
        .split(|c: char| c.is_whitespace() || c == ';' || c == '"' || c == '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let waits = words.iter().any(|w| {
        let w = w.rsplit('/').next().unwrap_or(w);
        w == "nc"
            || w.starts_with("wait-for")
            || w == "curl"
            || w == "wget"
            || w == "until"
            || w == "nslookup"
            || w == "pg_isready"
            || w == "dockerize"
    });
    if !waits {
        return Vec::new();
    }
    let mut hosts = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let candidate = if let Some((_, rest)) = w.split_once("://") {
            rest.split(['/', ':', '?']).next().unwrap_or("")
        } else if w.starts_with('-') {
            continue;
        } else if i > 0
            && matches!(
                words[i - 1],
                "-z" | "-h" | "--host" | "-wait" | "nslookup" | "nc"
            )
            || w.contains(':')
        {
            w.split(':').next().unwrap_or("")
        } else {
            continue;
        };
        let candidate = candidate.trim_start_matches("tcp://");
        if !candidate.is_empty()
            && candidate.chars().any(|c| c.is_ascii_alphabetic())
            && candidate
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            hosts.push(candidate.to_string());
        }
    }
    hosts.sort();
    hosts.dedup();
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_waits() {
        assert_eq!(
            wait_targets("sh -c until nc -z orders 8080; do sleep 1; done"),
            vec!["orders"]
        );
        assert_eq!(
            wait_targets("/wait-for-it.sh billing:8080 -t 30"),
            vec!["billing"]
        );
        assert_eq!(
            wait_targets("curl -sf http://catalog/health"),
            vec!["catalog"]
        );
        assert!(wait_targets("java -jar app.jar").is_empty());
    }
}
