//! Names across repositories: `api` declared in two repositories stays two components unless
//! their image, their k8s namespace, the config's `one-component` or a build in one and a
//! deployment of its image in the other says they are one; each decision is on the component
//! (JSON `identity`, `inspect`). Also: folders and CODEOWNERS stay in their repository.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

use common::{k8s_deployment, write};

/// `monolens scan` of the named repositories under `root` as one system, as JSON.
fn scan(root: &Path, repos: &[&str], extra: &[&str]) -> Value {
    common::scan_json(repos.iter().map(|r| root.join(r)), extra)
}

fn component<'a>(json: &'a Value, id: &str) -> Option<&'a Value> {
    json["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
}

fn ids(json: &Value) -> Vec<String> {
    json["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn edges(json: &Value) -> Vec<(String, String)> {
    json["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap().to_string(),
                e["to"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn identity_rule(json: &Value, id: &str) -> String {
    let c = component(json, id).unwrap_or_else(|| panic!("no {id} in {:?}", ids(json)));
    c["identity"]["rule"].as_str().unwrap_or("-").to_string()
}

/// Two repositories with their own `api` (different images) and a third that calls `api`.
fn two_apis(root: &Path) {
    write(
        root,
        "orders/docker-compose.yml",
        "services:\n  api:\n    image: acme/orders-api:1\n    environment:\n      DATABASE_URL: postgres://orders-db:5432/orders\n  orders-db:\n    image: postgres:16\n",
    );
    write(
        root,
        "billing/docker-compose.yml",
        "services:\n  api:\n    image: acme/billing-api:1\n    environment:\n      LEDGER_URL: http://ledger:8080\n  ledger:\n    image: acme/ledger:1\n",
    );
    write(
        root,
        "edge/k8s/gateway.yaml",
        &k8s_deployment(
            "gateway",
            None,
            "acme/gateway:1",
            &[("API_URL", "http://api:8080")],
        ),
    );
}

#[test]
fn same_names_with_nothing_in_common_stay_apart() {
    let tmp = tempfile::tempdir().unwrap();
    two_apis(tmp.path());
    let json = scan(tmp.path(), &["orders", "billing", "edge"], &[]);
    let all = ids(&json);
    assert!(!all.contains(&"api".to_string()), "{all:?}");
    assert_eq!(identity_rule(&json, "orders/api"), "apart");
    assert_eq!(identity_rule(&json, "billing/api"), "apart");
    let e = edges(&json);
    // Each repository's own `api` keeps its own edges…
    assert!(
        e.contains(&("orders/api".into(), "orders-db".into())),
        "{e:?}"
    );
    assert!(
        e.contains(&("billing/api".into(), "ledger".into())),
        "{e:?}"
    );
    // …and a third repository's `http://api` names neither.
    assert!(!e.iter().any(|(from, _)| from == "gateway"), "{e:?}");
    let notes: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["message"].as_str())
        .filter(|m| m.contains("kept apart"))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("`billing/api` and `orders/api`"),
        "{notes:?}"
    );
    // Unrelated components keep their plain names and have no identity decision.
    assert!(
        component(&json, "ledger")
            .unwrap()
            .get("identity")
            .is_none()
    );
}

#[test]
fn inspect_shows_the_decision() {
    let tmp = tempfile::tempdir().unwrap();
    two_apis(tmp.path());
    let out = Command::cargo_bin("monolens")
        .unwrap()
        .args(["inspect", "orders/api"])
        .args(["orders", "billing", "edge"].map(|r| tmp.path().join(r)))
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("identity"), "{text}");
    assert!(text.contains("apart"), "{text}");
    assert!(text.contains("also declared in `billing`"), "{text}");
    assert!(text.contains("orders/docker-compose.yml:2"), "{text}");
}

#[test]
fn one_image_makes_one_component() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "a/docker-compose.yml",
        "services:\n  api:\n    image: acme/api:1\n",
    );
    write(
        root,
        "b/k8s/api.yaml",
        &k8s_deployment("api", None, "registry.example.com/acme/api:${TAG}", &[]),
    );
    let json = scan(root, &["a", "b"], &[]);
    assert_eq!(identity_rule(&json, "api"), "image");
    // Near miss: one public image (each repository runs its own postgres) is no evidence.
    write(
        root,
        "c/docker-compose.yml",
        "services:\n  db:\n    image: postgres:16\n",
    );
    write(
        root,
        "d/docker-compose.yml",
        "services:\n  db:\n    image: postgres:16\n",
    );
    let json = scan(root, &["c", "d"], &[]);
    assert_eq!(identity_rule(&json, "c/db"), "apart");
    assert_eq!(identity_rule(&json, "d/db"), "apart");
}

#[test]
fn one_namespace_makes_one_component() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let api = |ns: Option<&str>, image: &str| k8s_deployment("api", ns, image, &[]);
    write(root, "a/k8s/api.yaml", &api(Some("shop"), "acme/api:1"));
    write(
        root,
        "b/k8s/api.yaml",
        &api(Some("shop"), "acme/api-next:2"),
    );
    let json = scan(root, &["a", "b"], &[]);
    assert_eq!(identity_rule(&json, "api"), "namespace");
    // Near miss: two namespaces (or none) are two objects.
    write(root, "c/k8s/api.yaml", &api(Some("shop"), "acme/api:1"));
    write(
        root,
        "d/k8s/api.yaml",
        &api(Some("admin"), "acme/admin-api:1"),
    );
    let json = scan(root, &["c", "d"], &[]);
    assert_eq!(identity_rule(&json, "c/api"), "apart");
}

#[test]
fn config_says_they_are_one_and_unused_entries_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    two_apis(tmp.path());
    let config = tmp.path().join("org.yaml");
    std::fs::write(
        &config,
        "one-component:\n  api: [orders, billing]\n  ghost: [orders, billing]\n",
    )
    .unwrap();
    let json = scan(
        tmp.path(),
        &["orders", "billing", "edge"],
        &["-c", config.to_str().unwrap()],
    );
    assert_eq!(identity_rule(&json, "api"), "config");
    let e = edges(&json);
    assert!(e.contains(&("gateway".into(), "api".into())), "{e:?}");
    let unused: Vec<&Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["message"].as_str().is_some_and(|m| m.contains("`ghost`")))
        .collect();
    assert_eq!(unused.len(), 1, "{:?}", json["diagnostics"]);
    assert_eq!(unused[0]["line"], 3);
    assert!(unused[0]["file"].as_str().unwrap().ends_with("org.yaml"));
}

#[test]
fn a_build_and_a_deployment_of_its_image_are_one() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "api/docker-compose.yml",
        "services:\n  api:\n    build: .\n",
    );
    write(root, "api/Dockerfile", "FROM scratch\n");
    write(
        root,
        "deploy/k8s/api.yaml",
        &k8s_deployment("api", None, "registry.example.com/acme/api:${TAG}", &[]),
    );
    let json = scan(root, &["api", "deploy"], &[]);
    assert_eq!(identity_rule(&json, "api"), "build");
    // Near miss: two repositories build their own `api`; a deployment of `acme/api` cannot
    // say which, so all three stay apart.
    write(
        root,
        "other/docker-compose.yml",
        "services:\n  api:\n    build: .\n",
    );
    let json = scan(root, &["api", "deploy", "other"], &[]);
    for id in ["api/api", "deploy/api", "other/api"] {
        assert_eq!(identity_rule(&json, id), "apart", "{id}");
    }
}

#[test]
fn merged_facts_decide_as_the_scan_does() {
    let tmp = tempfile::tempdir().unwrap();
    two_apis(tmp.path());
    let repos = ["orders", "billing", "edge"];
    let files: Vec<_> = repos
        .iter()
        .map(|r| common::facts_file(tmp.path(), r))
        .collect();
    let merged = common::merge_json(&files);
    let scanned = scan(tmp.path(), &repos, &[]);
    assert_eq!(ids(&merged), ids(&scanned));
    assert_eq!(edges(&merged), edges(&scanned));
    // `inspect --facts` shows the merge's decision.
    let out = Command::cargo_bin("monolens")
        .unwrap()
        .args(["inspect", "billing/api", "-f", "json", "--facts"])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let view: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(view["component"]["identity"]["rule"], "apart");
    assert_eq!(
        view["component"]["identity"]["location"]["file"],
        "billing/docker-compose.yml"
    );
}

#[test]
fn codeowners_and_folders_stay_in_their_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "a/docker-compose.yml",
        "services:\n  orders:\n    build: .\n",
    );
    write(root, "a/.github/CODEOWNERS", "* @team-a\n");
    write(
        root,
        "b/docker-compose.yml",
        "services:\n  billing:\n    build: .\n",
    );
    write(root, "b/CODEOWNERS", "* @team-b\n");
    let json = scan(root, &["a", "b"], &[]);
    // Two root compose files are two projects, not an override of one another.
    let owners = |id: &str| component(&json, id).unwrap()["owners"].clone();
    assert_eq!(owners("orders"), serde_json::json!(["@team-a"]));
    assert_eq!(owners("billing"), serde_json::json!(["@team-b"]));
}

#[test]
fn service_names_resolve_inside_their_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: api-svc\nspec:\n  selector:\n    app: api\n  ports:\n    - port: 80\n";
    for (repo, web) in [("a", "shop"), ("b", "admin")] {
        let api = k8s_deployment("api", None, &format!("acme/{repo}-api:1"), &[]).replace(
            "  template:\n",
            "  template:\n    metadata:\n      labels:\n        app: api\n",
        );
        write(
            root,
            &format!("{repo}/k8s/api.yaml"),
            &format!("{api}---\n{service}"),
        );
        write(
            root,
            &format!("{repo}/k8s/{web}.yaml"),
            &k8s_deployment(
                web,
                None,
                &format!("acme/{web}:1"),
                &[("API", "http://api-svc:80")],
            ),
        );
    }
    let json = scan(root, &["a", "b"], &[]);
    let e = edges(&json);
    assert!(e.contains(&("shop".into(), "a/api".into())), "{e:?}");
    assert!(e.contains(&("admin".into(), "b/api".into())), "{e:?}");
    assert!(!e.contains(&("shop".into(), "b/api".into())), "{e:?}");
    assert!(!e.contains(&("admin".into(), "a/api".into())), "{e:?}");
}

#[test]
fn a_repository_name_is_one_path_segment() {
    let tmp = tempfile::tempdir().unwrap();
    two_apis(tmp.path());
    for name in ["a/b", "..", "my repo"] {
        let out = Command::cargo_bin("monolens")
            .unwrap()
            .args(["facts", "--quiet", "--name", name])
            .arg(tmp.path().join("orders"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("one path segment"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}
