//! `monolens inspect`: one component by id or alias, as text and JSON; secrets redacted;
//! unknown names exit 2 with one sentence.

mod common;

use assert_cmd::Command;

fn monolens() -> Command {
    let mut c = Command::cargo_bin("monolens").expect("binary built");
    c.env("NO_COLOR", "1").env_remove("CI");
    c
}

fn demo() -> String {
    common::root().join("fixtures/demo").display().to_string()
}

fn stdout(args: &[&str]) -> String {
    let out = monolens().args(args).assert().code(0);
    String::from_utf8_lossy(&out.get_output().stdout).to_string()
}

/// A repository with an alias and passwords written in place.
fn accounts_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  accounts:\n    image: shop/accounts:1.0\n    hostname: ledger\n    environment:\n      DB_PASSWORD: hunter2plain\n      DATABASE_URL: postgres://acc:s3cretpw@pg:5432/acc\n  pg:\n    image: postgres:16\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("payments.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: payments\nspec:\n  template:\n    metadata:\n      labels:\n        app: payments\n    spec:\n      containers:\n        - name: payments\n          image: shop/payments:1.0\n          env:\n            - name: STRIPE\n              valueFrom:\n                secretKeyRef:\n                  name: payments-secrets\n                  key: stripe\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: payments-secrets\nstringData:\n  stripe: sk-live-plain-123\n",
    )
    .expect("write");
    dir
}

#[test]
fn text_by_id_shows_kind_reason_dirs_settings_and_edges() {
    let text = stdout(&["inspect", "orders", &demo(), "--no-history"]);
    assert!(text.starts_with("orders (service)\n"), "{text}");
    for want in [
        "kind rule    application",
        "application workload: nothing says it is infrastructure",
        "reason at    fixtures/demo/docker-compose.yml:17:3",
        "owners       @shop/orders-team",
        "services/orders",
        "BILLING_URL",
        "http://billing:8080/invoices",
        "(source literal)",
        "fixtures/demo/services/orders/src/main/java/shop/StockClient.java:5:46",
        "→ billing",
        "← gateway",
        "fixtures/demo/gateway/nginx.conf:4:5  proxy_pass=http://orders:8080",
        "database shop",
        "topic order-events",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    assert!(!text.contains('\x1b'), "escape codes in piped output");
    // The password the compose file writes as a default is masked.
    assert!(!text.contains("orders-secret"), "{text}");
    assert!(text.contains("SPRING_DATASOURCE_PASSWORD"));
}

#[test]
fn by_alias_case_and_suffix() {
    let repo = accounts_repo();
    let path = repo.path().display().to_string();
    let by_alias = stdout(&["inspect", "LEDGER", &path, "--no-history"]);
    assert!(by_alias.starts_with("accounts (service)\n"), "{by_alias}");
    assert!(by_alias.contains("names        accounts, ledger"));
    let by_suffix = stdout(&["inspect", "Orders-Service", &demo(), "--no-history"]);
    assert!(by_suffix.starts_with("orders (service)\n"), "{by_suffix}");
    let datastore = stdout(&["inspect", "pg", &demo(), "--no-history"]);
    assert!(datastore.contains("kind rule    image"), "{datastore}");
    assert!(datastore.contains("← billing"), "{datastore}");
}

#[test]
fn passwords_are_redacted_in_text_and_json() {
    let repo = accounts_repo();
    let path = repo.path().display().to_string();
    for format in ["text", "json"] {
        for name in ["accounts", "payments"] {
            let out = stdout(&["inspect", name, &path, "--no-history", "--format", format]);
            for secret in ["hunter2plain", "s3cretpw", "sk-live-plain-123"] {
                assert!(!out.contains(secret), "{format} leaks {secret}:\n{out}");
            }
        }
    }
    let text = stdout(&["inspect", "accounts", &path, "--no-history"]);
    assert!(text.contains("postgres://acc:***@pg:5432/acc"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&[
        "inspect",
        "payments",
        &path,
        "--no-history",
        "--format",
        "json",
    ]))
    .expect("json");
    let stripe = &json["settings"][0];
    assert_eq!(stripe["key"], "STRIPE");
    assert_eq!(stripe["value"], "***");
    assert_eq!(stripe["source"], "secret-ref");
    assert!(stripe["via"]["line"].is_number());
    for demo_secret in ["orders-secret", "b1ll1ng"] {
        for name in ["orders", "billing", "pg"] {
            let out = stdout(&["inspect", name, &demo(), "--no-history", "--format", "json"]);
            assert!(!out.contains(demo_secret), "{name} leaks {demo_secret}");
        }
    }
}

#[test]
fn json_has_the_same_content_in_a_stable_order() {
    let text = stdout(&[
        "inspect",
        "billing",
        &demo(),
        "--no-history",
        "--format",
        "json",
    ]);
    assert!(
        text.starts_with("{\n  \"schema_version\": 1,\n  \"tool\""),
        "{text}"
    );
    let again = stdout(&[
        "inspect",
        "billing",
        &demo(),
        "--no-history",
        "--format",
        "json",
    ]);
    assert_eq!(text, again, "JSON is not deterministic");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "schema_version",
            "tool",
            "root",
            "component",
            "directories",
            "settings",
            "edges"
        ]
    );
    let c = &v["component"];
    assert_eq!(c["id"], "billing");
    assert_eq!(c["kind"], "service");
    assert_eq!(c["kind_reason"]["rule"], "application");
    assert_eq!(c["kind_reason"]["location"]["line"], 34);
    assert_eq!(c["variants"], serde_json::json!(["docker-compose", "k8s"]));
    assert_eq!(
        v["directories"],
        serde_json::json!(["fixtures/demo/services/billing"])
    );
    let env_from = v["settings"]
        .as_array()
        .expect("settings")
        .iter()
        .find(|s| s["source"] == "env-from")
        .expect("the k8s envFrom setting");
    assert_eq!(env_from["variant"], "k8s");
    assert_eq!(env_from["via"]["file"], "fixtures/demo/k8s/billing.yaml");
    assert!(
        v["edges"]["out"]
            .as_array()
            .expect("out")
            .iter()
            .any(|e| e["to"] == "orders" && e["kind"] == "sync")
    );
    assert!(
        v["edges"]["in"]
            .as_array()
            .expect("in")
            .iter()
            .any(|e| e["from"] == "orders" && e["evidence"][0]["line"] == 25)
    );
}

#[test]
fn output_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("orders.txt");
    monolens()
        .args([
            "inspect",
            "orders",
            &demo(),
            "--no-history",
            "-o",
            &out.display().to_string(),
        ])
        .assert()
        .code(0)
        .stdout("");
    let text = std::fs::read_to_string(&out).expect("written");
    assert!(text.starts_with("orders (service)"));
}

#[test]
fn unknown_name_exits_2_with_one_sentence_and_close_names() {
    let out = monolens()
        .args(["inspect", "ordr", &demo(), "--no-history"])
        .assert()
        .code(2)
        .stdout("");
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no component named `ordr`"), "{stderr}");
    assert!(stderr.contains("close names: orders"), "{stderr}");
    let out = monolens()
        .args(["inspect", "zzz", &demo(), "--no-history"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("billing"), "{stderr}");
}

#[test]
fn help_lists_the_formats() {
    let text = stdout(&["inspect", "--help"]);
    assert!(text.contains("[possible values: text, json]"), "{text}");
    assert!(text.contains("--config") && text.contains("--no-history"));
}

#[test]
fn ambiguous_suffix_match_names_the_candidates() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  orders:\n    image: shop/orders:1\n  orders-api:\n    image: shop/orders-api:1\n",
    )
    .expect("write");
    let path = dir.path().display().to_string();
    assert!(stdout(&["inspect", "orders", &path, "--no-history"]).starts_with("orders (service)"));
    let out = monolens()
        .args(["inspect", "orders-svc", &path, "--no-history"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("orders, orders-api"), "{stderr}");
}

/// Every component of the demo and of eShop (when the corpus is beside this checkout), in both
/// formats: no committed password survives.
#[test]
fn no_component_leaks_a_password() {
    use monolens::report::inspect::{InspectFormat, View, render};
    let mut cases = vec![(
        common::root().join("fixtures/demo"),
        vec!["b1ll1ng", "orders-secret"],
    )];
    if let Some(dir) = common::corpus("eshoponcontainers") {
        cases.push((dir, vec!["Pass@word"]));
    }
    for (dir, secrets) in cases {
        let scan = common::scan_dir(&dir);
        for c in &scan.model.components {
            let view = View::new(&scan.model, c);
            for format in [InspectFormat::Text, InspectFormat::Json] {
                let out = render(&view, format, false);
                for s in &secrets {
                    assert!(!out.contains(s), "{} leaks {s} ({format:?})", c.id);
                }
            }
        }
    }
}

#[test]
fn dockerfile_settings_show_their_source() {
    let case = common::root().join("fixtures/model/dockerfile-env");
    let text = stdout(&[
        "inspect",
        "web",
        &case.display().to_string(),
        "--no-history",
    ]);
    for want in [
        "CART_URL   dockerfile  fixtures/model/dockerfile-env/web/Dockerfile:9:5",
        "args       dockerfile  fixtures/model/dockerfile-env/web/Dockerfile:11:39",
        "→ cart",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}
