//! A polyrepo system as its CI would see it: the Sock Shop deployment repository (from the
//! corpus: k8s manifests and compose files that run `weaveworksdemos/orders` and the rest,
//! no service code) and an `orders` service repository with the code (Spring config and a
//! Java class with its callees' URLs). Alone, the deployment repository's `orders` calls
//! nothing; merged, it calls `payment` and `shipping` and uses `orders-db`, with evidence in
//! the service repository, whether the service repository only holds code or also a compose
//! file that builds `orders` (then one component by its build and the deployed image).

mod common;

use common::write;
use serde_json::Value;
use std::path::Path;

fn orders_repository(root: &Path) {
    write(
        root,
        "orders/pom.xml",
        "<project>\n  <modelVersion>4.0.0</modelVersion>\n  <artifactId>orders</artifactId>\n  <version>1.0</version>\n</project>\n",
    );
    write(
        root,
        "orders/src/main/java/works/weave/socks/orders/config/OrdersConfigurationProperties.java",
        "package works.weave.socks.orders.config;\n\npublic class OrdersConfigurationProperties {\n    private String paymentUri = \"http://payment/paymentAuth\";\n    private String shippingUri = \"http://shipping/shipping\";\n}\n",
    );
    write(
        root,
        "orders/src/main/resources/application.properties",
        "spring.data.mongodb.uri=mongodb://orders-db:27017/data\n",
    );
    write(
        root,
        "orders/Dockerfile",
        "FROM eclipse-temurin:17\nCOPY target/*.jar app.jar\n",
    );
}

fn edges_of(json: &Value, from: &str) -> Vec<(String, String, String)> {
    json["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["from"] == from)
        .map(|e| {
            let file = e["evidence"][0]["file"].as_str().unwrap_or_default();
            (
                e["to"].as_str().unwrap().to_string(),
                e["kind"].as_str().unwrap().to_string(),
                file.split('/').next().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn facts_merge(root: &Path, repos: &[&str]) -> Value {
    let files: Vec<_> = repos.iter().map(|r| common::facts_file(root, r)).collect();
    common::merge_json(&files)
}

#[test]
fn the_deployment_repository_gets_its_services_calls_from_their_repositories() {
    let Some(sock_shop) = common::corpus("sock-shop") else {
        eprintln!("skipped: the corpus is not beside this checkout");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    common::copy_dir(&sock_shop, &root.join("microservices-demo"));
    orders_repository(root);
    let alone = common::scan_dir(&root.join("microservices-demo"));
    assert!(
        !alone
            .model
            .edges
            .iter()
            .any(|e| e.from == "orders" && e.to == "payment"),
        "the deployment repository alone already sees orders → payment"
    );
    let merged = facts_merge(root, &["microservices-demo", "orders"]);
    let edges = edges_of(&merged, "orders");
    for want in [
        ("payment", "sync"),
        ("shipping", "sync"),
        ("orders-db", "data"),
    ] {
        assert!(
            edges
                .iter()
                .any(|(to, kind, repo)| (to.as_str(), kind.as_str()) == want && repo == "orders"),
            "no {want:?} from the orders repository in {edges:?}"
        );
    }
    // A compose file that builds `orders` in its own repository: one component with the
    // deployed `weaveworksdemos/orders` by that build.
    write(
        root,
        "orders/docker-compose.yml",
        "services:\n  orders:\n    build: .\n",
    );
    let merged = facts_merge(root, &["microservices-demo", "orders"]);
    let orders = merged["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "orders")
        .expect("one orders component");
    assert_eq!(orders["identity"]["rule"], "build", "{orders}");
    let edges = edges_of(&merged, "orders");
    assert!(
        edges
            .iter()
            .any(|(to, kind, _)| to == "payment" && kind == "sync"),
        "{edges:?}"
    );
}
