//! Protected calls: which sync calls a timeout, retry or circuit-breaker policy guards, and
//! the policy's evidence. A policy comes from the caller's code (`Fact::Guard`), the caller's
//! settings (`resilience4j.*`, `hystrix.command.*`, Feign client timeouts, call timeouts), or a
//! mesh policy for the callee (Istio, Linkerd). A caller's policy that names one of its callees
//! (its instance name, its client's name, or the file it is written in: `TaxService.java`)
//! guards that callee; one that names none of them guards all of the caller's calls.

use super::builder::Builder;
use super::calls::upper_key;
use super::inputs::Inputs;
use crate::model::*;
use std::collections::BTreeMap;

/// Setting families that configure call resilience: the key word, the key segment the
/// instance name follows (`resilience4j.circuitbreaker.instances.<name>.…`), and whether only
/// its timeout and retry keys count (Feign clients have other settings too).
const FAMILIES: &[(&str, &str, bool)] = &[
    ("RESILIENCE4J", "INSTANCES", false),
    ("HYSTRIX", "COMMAND", false),
    ("FEIGN", "CONFIG", true),
    ("POLLY", "", false),
    ("BULKHEAD", "", false),
    ("CIRCUIT", "", false),
    ("BREAKER", "", false),
];

/// Words of timeout and retry keys.
const TIMEOUT_WORDS: &[&str] = &["TIMEOUT", "RETRY", "RETRIES"];

/// Words of a generic timeout or retry key (`HTTP_CLIENT_TIMEOUT`, `UPSTREAM_RETRIES`) that
/// say it is about outgoing calls, not a database, session or lock.
const CALL_WORDS: &[&str] = &[
    "HTTP",
    "CLIENT",
    "REQUEST",
    "UPSTREAM",
    "DOWNSTREAM",
    "BACKEND",
    "CALL",
    "REST",
    "GRPC",
    "API",
];

/// Words that end a name without naming the callee (`ProductService` names `product`).
const NAME_SUFFIXES: &[&str] = &[
    "service", "client", "api", "svc", "proxy", "http", "grpc", "impl", "gateway",
];

/// A policy of one caller.
struct Policy {
    /// Names it may carry: its instance or client name, its file's stem.
    names: Vec<String>,
    /// Guards every call of the caller when it names none of them.
    general: bool,
    evidence: Evidence,
}

/// Sync calls with a policy that guards them, and the policy.
pub(super) fn protected_calls(
    b: &Builder,
    inputs: &Inputs,
) -> BTreeMap<(String, String), Evidence> {
    let mut callees: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in b.edges.values().filter(|e| e.kind == EdgeKind::Sync) {
        callees
            .entry(e.from.as_str())
            .or_default()
            .push(e.to.as_str());
    }
    let mut policies = code_policies(b, inputs);
    for (svc, list) in &b.settings {
        policies
            .entry(svc.clone())
            .or_default()
            .extend(list.iter().filter_map(setting_policy));
    }
    let mut out = BTreeMap::new();
    for (svc, tos) in &callees {
        let list = policies.get(*svc).map(Vec::as_slice).unwrap_or_default();
        for to in tos {
            if let Some(p) = guard_of(b, list, to, tos) {
                out.insert((svc.to_string(), to.to_string()), p.evidence.clone());
            }
        }
    }
    for (host, what, location) in &inputs.mesh_policies {
        let Some(to) = b.lookup_host(host, &location.file) else {
            continue;
        };
        for (svc, tos) in &callees {
            if tos.contains(&to.as_str()) {
                let text = format!("mesh {what} for {host}");
                out.entry((svc.to_string(), to.clone()))
                    .or_insert_with(|| Evidence::new(location.clone(), &text));
            }
        }
    }
    out
}

/// The policy of a caller that guards its call to `to`: one naming `to`, else a general one
/// naming none of its callees.
fn guard_of<'a>(b: &Builder, list: &'a [Policy], to: &str, tos: &[&str]) -> Option<&'a Policy> {
    let names = |id: &str| -> Vec<String> {
        let mut n = vec![id.to_string()];
        n.extend(
            b.components
                .get(id)
                .into_iter()
                .flat_map(|c| c.names.clone()),
        );
        n
    };
    let target = names(to);
    let all: Vec<Vec<String>> = tos.iter().map(|t| names(t)).collect();
    let names_any = |p: &Policy, of: &[String]| p.names.iter().any(|n| names_callee(n, of));
    list.iter().find(|p| names_any(p, &target)).or_else(|| {
        list.iter()
            .find(|p| p.general && !all.iter().any(|of| names_any(p, of)))
    })
}

fn code_policies(b: &Builder, inputs: &Inputs) -> BTreeMap<String, Vec<Policy>> {
    let index = OwnerIndex::new(&b.service_dirs);
    let mut out: BTreeMap<String, Vec<Policy>> = BTreeMap::new();
    for (path, list) in &inputs.guards {
        let file = path.rsplit('/').next().unwrap_or(path);
        let stem = file.split('.').next().unwrap_or(file);
        for svc in index.owners_of(path) {
            out.entry(svc)
                .or_default()
                .extend(list.iter().map(|g| Policy {
                    names: g.name.iter().cloned().chain([stem.to_string()]).collect(),
                    general: true,
                    evidence: Evidence::new(
                        g.location.clone(),
                        &format!("{}: {}", g.policy, g.text),
                    ),
                }));
        }
    }
    out
}

/// A setting that configures resilience for the service's calls: a resilience family key
/// (named by its instance segment), or a timeout or retry key about calls.
fn setting_policy(s: &ResolvedSetting) -> Option<Policy> {
    let k = upper_key(&s.key);
    let evidence = || Evidence::of_setting(s);
    let timeout = TIMEOUT_WORDS.iter().any(|w| k.contains(w));
    if let Some((_, after, _)) = FAMILIES
        .iter()
        .find(|(f, _, only_timeouts)| k.contains(f) && (timeout || !only_timeouts))
    {
        return Some(Policy {
            names: instance(&s.key, after).into_iter().collect(),
            general: true,
            evidence: evidence(),
        });
    }
    timeout.then(|| Policy {
        names: vec![s.key.clone()],
        general: CALL_WORDS.iter().any(|w| k.contains(w)),
        evidence: evidence(),
    })
}

/// The instance name in a family key: the dotted segment after `after`
/// (`…instances.product.…`), or, in an env-style key, everything after it.
fn instance(key: &str, after: &str) -> Option<String> {
    if after.is_empty() {
        return None;
    }
    let parts: Vec<&str> = key.split('.').collect();
    if parts.len() > 1 {
        let i = parts.iter().position(|p| p.eq_ignore_ascii_case(after))?;
        return parts
            .get(i + 1)
            .filter(|n| !n.eq_ignore_ascii_case("default"))
            .map(|n| n.to_string());
    }
    let k = upper_key(key);
    let (_, rest) = k.split_once(&format!("_{after}_"))?;
    Some(rest.to_string())
}

/// A name without case, punctuation or a generic suffix: `ProductService` → `product`.
fn stem(name: &str) -> String {
    let mut k: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    while let Some(rest) = NAME_SUFFIXES
        .iter()
        .find_map(|w| k.strip_suffix(w).filter(|r| r.len() >= 3))
    {
        k = rest.to_string();
    }
    k
}

/// Whether a policy's name names a callee (by any of its names).
fn names_callee(name: &str, callee: &[String]) -> bool {
    let n = stem(name);
    n.len() >= 3
        && callee.iter().any(|c| {
            let c = stem(c);
            c.len() >= 3 && (n == c || n.contains(&c) || c.contains(&n))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_name_callees() {
        let of = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(names_callee("TaxService", &of(&["tax"])));
        assert!(names_callee("product", &of(&["product-api"])));
        assert!(names_callee(
            "BILLING_FAILURE_RATE_THRESHOLD",
            &of(&["billing"])
        ));
        assert!(!names_callee(
            "restCircuitBreaker",
            &of(&["tax", "product"])
        ));
        assert!(!names_callee("ab", &of(&["ab"])));
    }

    #[test]
    fn instance_names() {
        assert_eq!(
            instance(
                "resilience4j.circuitbreaker.instances.cart.sliding-window-size",
                "INSTANCES"
            ),
            Some("cart".into())
        );
        assert_eq!(
            instance("hystrix.command.default.execution.timeout", "COMMAND"),
            None
        );
        assert_eq!(
            instance(
                "RESILIENCE4J_RETRY_INSTANCES_BILLING_MAX_ATTEMPTS",
                "INSTANCES"
            ),
            Some("BILLING_MAX_ATTEMPTS".into())
        );
    }
}
