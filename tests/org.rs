//! The organisation-wide graph from per-repository facts: three small repositories (orders:
//! compose and SQL; billing: k8s and a source URL; deploy: k8s images on one `${TAG}`), each
//! exported with `monolens facts` and merged with `monolens merge`. The merge finds the
//! shared database, the orders ↔ billing cycle and the release train; no repository alone
//! finds the database or the cycle (the deploy repository's manifests alone do show its
//! release train). Facts are versioned, deterministic and hold no password.

mod common;

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::path::Path;

use common::{facts_file, k8s_deployment, write};

fn repositories(root: &Path) {
    write(
        root,
        "orders/docker-compose.yml",
        "services:\n  orders:\n    image: shop/orders:1.0\n    environment:\n      DATABASE_URL: postgres://shop:hunter2plain@shop-db:5432/shop\n      BILLING_URL: http://billing:8080\n  shop-db:\n    image: postgres:16\n",
    );
    write(
        root,
        "orders/db/V1__orders.sql",
        "CREATE TABLE orders (id BIGINT PRIMARY KEY);\n",
    );
    let env = [(
        "DATABASE_URL",
        "postgres://billing:s3cretpw@shop-db:5432/shop",
    )];
    write(
        root,
        "billing/k8s/billing.yaml",
        &k8s_deployment("billing", None, "shop/billing:1.0", &env),
    );
    write(
        root,
        "billing/src/main/java/billing/OrdersClient.java",
        "package billing;\nclass OrdersClient {\n    static final String ORDERS = \"http://orders:8080/orders\";\n}\n",
    );
    let deploy: Vec<String> = ["orders", "billing", "shipping"]
        .iter()
        .map(|n| {
            k8s_deployment(
                n,
                None,
                &format!("registry.example.com/shop/{n}:${{TAG}}"),
                &[],
            )
        })
        .collect();
    write(root, "deploy/k8s/all.yaml", &deploy.join("---\n"));
}

fn monolens() -> Command {
    Command::cargo_bin("monolens").unwrap()
}

fn rules(json: &serde_json::Value) -> BTreeSet<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// What only the union of the repositories shows.
/// The three repositories' facts, merged, in `format`; with the facts files.
fn merge_all(root: &Path, format: &str) -> (std::process::Output, Vec<std::path::PathBuf>) {
    let files: Vec<_> = ["orders", "billing", "deploy"]
        .iter()
        .map(|r| facts_file(root, r))
        .collect();
    (common::merge_output(&files, format), files)
}

const CROSS: [&str; 2] = ["shared-database", "cyclic-sync-calls"];

#[test]
fn merged_facts_find_what_no_repository_shows_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repositories(root);
    for repo in ["orders", "billing", "deploy"] {
        let alone = rules(&common::scan_json([root.join(repo)], &[]));
        for rule in CROSS {
            assert!(!alone.contains(rule), "{repo} alone already finds {rule}");
        }
    }
    let (out, files) = merge_all(root, "json");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let merged = rules(&json);
    for rule in CROSS.iter().chain(&["lockstep-deploy"]) {
        assert!(
            merged.contains(*rule),
            "the merge misses {rule}: {merged:?}"
        );
    }
    // Cross-repository findings point into their repository: `repo/path`.
    let cycle = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "cyclic-sync-calls")
        .unwrap();
    let file = cycle["location"]["file"].as_str().unwrap();
    assert!(
        file.starts_with("billing/") || file.starts_with("orders/"),
        "{file}"
    );
    // The deploy repository's `orders` and `billing` are the service repositories' (one
    // image each), so the release train names the services whose code and calls are there.
    let train = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "lockstep-deploy")
        .unwrap();
    let members: BTreeSet<&str> = train["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(members, BTreeSet::from(["billing", "orders", "shipping"]));
    for id in ["orders", "billing"] {
        let c = json["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap();
        assert_eq!(c["identity"]["rule"], "image", "{id}: {c}");
    }
    // Facts are deterministic and hold no password.
    let again = std::fs::read_to_string(facts_file(root, "billing")).unwrap();
    assert_eq!(again, std::fs::read_to_string(&files[1]).unwrap());
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for secret in ["hunter2plain", "s3cretpw"] {
            assert!(!text.contains(secret), "{} holds {secret}", f.display());
        }
    }
}

#[test]
fn merge_refuses_other_versions_and_repeated_names() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repositories(root);
    let orders = facts_file(root, "orders");
    let text = std::fs::read_to_string(&orders).unwrap();
    let newer = root.join("newer.json");
    std::fs::write(
        &newer,
        text.replacen("\"schema_version\":1", "\"schema_version\":2", 1),
    )
    .unwrap();
    let out = monolens().arg("merge").arg(&newer).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("facts schema version 2") && err.trim().lines().count() == 1,
        "{err}"
    );
    let out = monolens()
        .arg("merge")
        .args([&orders, &orders])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("two facts files name the repository `orders`"),
        "{err}"
    );
}

/// `scan A B C` gives the same findings as merging the three repositories' facts, but for
/// `plaintext-credentials`: facts hold no secret, so only a scan of the files can see one.
#[test]
fn scanning_several_roots_matches_the_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repositories(root);
    let fingerprints = |out: std::process::Output| -> BTreeSet<String> {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] != "plaintext-credentials")
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let repos: Vec<_> = ["orders", "billing", "deploy"]
        .iter()
        .map(|r| root.join(r))
        .collect();
    let scanned = fingerprints(
        monolens()
            .args(["scan", "--quiet", "--fail-on", "never", "-f", "json"])
            .args(&repos)
            .output()
            .unwrap(),
    );
    let merged = fingerprints(merge_all(root, "json").0);
    assert!(!scanned.is_empty());
    assert_eq!(scanned, merged);
    // Two directories with one name must be told apart.
    monolens()
        .args(["scan", "--quiet"])
        .args([&repos[0], &repos[0]])
        .assert()
        .code(2);
}

/// Every corpus system's facts match `schemas/facts.schema.json`, and every location in them
/// is a `{file, line, column}` object under a file the facts name.
#[test]
fn facts_match_their_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/facts.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")];
    if corpus.is_dir() {
        let mut systems: Vec<_> = std::fs::read_dir(&corpus)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        systems.sort();
        dirs.extend(systems);
    }
    fn locations<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
        match v {
            serde_json::Value::Object(m) => {
                if m.contains_key("file") && m.contains_key("column") {
                    out.push(v);
                }
                m.values().for_each(|x| locations(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| locations(x, out)),
            _ => {}
        }
    }
    for dir in dirs {
        let out = monolens()
            .args(["facts", "--quiet"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .take(5)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", dir.display());
        let files: BTreeSet<&str> = json["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap())
            .collect();
        let mut found = Vec::new();
        locations(&json, &mut found);
        for l in found {
            let file = l["file"].as_str().unwrap();
            assert!(
                files.contains(file) || l["line"].as_u64() == Some(0),
                "{}: {file}",
                dir.display()
            );
        }
    }
}

/// A merged SARIF run names each repository as a base id and every result under one of them,
/// and stays valid SARIF 2.1.0.
#[test]
fn merged_sarif_has_a_base_id_per_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repositories(root);
    let (out, _) = merge_all(root, "sarif");
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let validator = common::sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .take(3)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let run = &sarif["runs"][0];
    let bases: BTreeSet<&str> = run["originalUriBaseIds"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(bases, ["billing", "deploy", "orders"].into_iter().collect());
    for r in run["results"].as_array().unwrap() {
        let at = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        let base = at["uriBaseId"].as_str().unwrap();
        assert!(bases.contains(base), "{at}");
        let file = root.join(base).join(at["uri"].as_str().unwrap());
        assert!(file.is_file(), "{}", file.display());
    }
}

/// History travels with the facts: two services of one repository that always change
/// together are a co-change finding in the merge, which reads no history itself.
#[test]
fn history_pairs_travel_with_the_facts() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let repo = root.join("shop");
    write(
        &repo,
        "docker-compose.yml",
        "services:\n  cart:\n    build: ./services/cart\n  checkout:\n    build: ./services/checkout\n",
    );
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.name=dev", "-c", "user.email=dev@example.com"])
            .args(args)
            .current_dir(&repo)
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    for i in 0..7 {
        write(
            &repo,
            "services/cart/main.go",
            &format!("package main // {i}\n"),
        );
        write(
            &repo,
            "services/checkout/main.go",
            &format!("package main // {i}\n"),
        );
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", &format!("change {i}")]);
    }
    let facts = facts_file(root, "shop");
    let text: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&facts).unwrap()).unwrap();
    assert_eq!(
        text["co_changes"].as_array().map(Vec::len),
        Some(1),
        "{}",
        text["co_changes"]
    );
    let json = common::merge_json(std::slice::from_ref(&facts));
    assert!(
        rules(&json).contains("co-change-coupling"),
        "{:?}",
        rules(&json)
    );
}
