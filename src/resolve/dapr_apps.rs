//! Dapr: app ids as names of components, and calls code makes by name. An app id comes from
//! the `dapr.io/app-id` annotation of a k8s workload, or the `-app-id`/`--app-id` argument of a
//! daprd sidecar (compose: the service whose network it shares) or of `dapr run`. Service
//! invocation in code (`Fact::Call`, e.g. `CreateInvokeHttpClient("basket-api")`) is a sync
//! edge from the file's owner to the component the id names.

use super::builder::{Builder, push_evidence};
use super::inputs::Inputs;
use crate::model::*;

/// Register every workload's Dapr app id as a name of its component.
pub(super) fn app_ids(b: &mut Builder, inputs: &Inputs) {
    let mut names = Vec::new();
    for w in inputs.workloads() {
        let owner = w
            .network_mode
            .as_ref()
            .map_or(&w.name, |(target, _)| target);
        let annotated = w
            .annotations
            .iter()
            .filter(|(k, _)| k == "dapr.io/app-id")
            .map(|(_, v)| v.clone());
        let argued = w
            .containers
            .iter()
            .filter_map(|c| c.command.as_ref())
            .filter_map(|(cmd, _)| app_id_argument(cmd));
        for id in annotated.chain(argued) {
            names.push((id, owner.clone(), w.declared.file.clone()));
        }
    }
    for (id, owner, file) in names {
        if let Some(component) = b.lookup_host(&owner, &file) {
            b.add_name(&id, &component);
        }
    }
}

/// `-app-id x`, `--app-id x`, `--app-id=x` in a command line.
fn app_id_argument(cmd: &str) -> Option<String> {
    let mut words = cmd.split_whitespace();
    while let Some(w) = words.next() {
        let flag = w.trim_matches(['"', '\'', ',']);
        if let Some(v) = flag.strip_prefix("--app-id=") {
            return Some(v.to_string());
        }
        if flag == "-app-id" || flag == "--app-id" {
            let v = words.next()?.trim_matches(['"', '\'', ',']);
            return (!v.is_empty() && !v.contains('$')).then(|| v.to_string());
        }
    }
    None
}

/// Sync edges from the calls code makes by app id.
pub(super) fn calls(b: &mut Builder, inputs: &Inputs) {
    let dirs = std::mem::take(&mut b.service_dirs);
    let index = OwnerIndex::new(&dirs);
    for (path, list) in &inputs.code_calls {
        for svc in index.owners_of(path) {
            if !b.is_app(&svc) {
                continue;
            }
            for call in list {
                let Some(to) = b.lookup_host(&call.target, path) else {
                    continue;
                };
                if to == svc || !b.is_app(&to) {
                    continue;
                }
                let edge = b.edge(&svc, &to, EdgeKind::Sync, Some(call.protocol.to_string()));
                edge.confidence = Confidence::Used;
                edge.scope.widen(None);
                let evidence = Evidence::new(call.location.clone(), &call.text);
                push_evidence(&mut edge.evidence, vec![evidence]);
            }
        }
    }
    b.service_dirs = dirs;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_id_arguments() {
        let daprd = "./daprd -app-id basket-api -app-port 80";
        assert_eq!(app_id_argument(daprd), Some("basket-api".into()));
        assert_eq!(
            app_id_argument("dapr run --app-id=orders -- node app.js"),
            Some("orders".into())
        );
        assert_eq!(app_id_argument("./daprd -app-port 80"), None);
        assert_eq!(app_id_argument("daprd --app-id $APP"), None);
    }
}
