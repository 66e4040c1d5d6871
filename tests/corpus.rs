//! Real systems in ../shared/corpus (read in place, never copied). Each test is skipped when
//! the corpus folder is absent.

mod common;

use monolens::finding::Finding;

fn findings(name: &str) -> Option<Vec<Finding>> {
    common::corpus(name).map(|dir| common::scan_dir(&dir).findings)
}

fn of_rule<'a>(f: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    f.iter().filter(|x| x.rule == rule).collect()
}

#[test]
fn eshop_ordering_services_share_the_ordering_database() {
    let Some(f) = findings("eshoponcontainers") else {
        return;
    };
    let shared = of_rule(&f, "shared-database");
    assert_eq!(shared.len(), 1, "{shared:#?}");
    assert_eq!(
        shared[0].components,
        ["ordering-api", "ordering-backgroundtasks"]
    );
    assert!(shared[0].message.contains("OrderingDb") && shared[0].message.contains("sqldata"));
    assert_eq!(&*shared[0].location.file, "src/docker-compose.override.yml");
    assert_eq!(shared[0].location.line, 108);
    let servers = of_rule(&f, "shared-database-server");
    assert_eq!(servers.len(), 1, "{servers:#?}");
    for s in [
        "identity-api",
        "catalog-api",
        "ordering-api",
        "webhooks-api",
    ] {
        assert!(
            servers[0].components.iter().any(|c| c == s),
            "{s} missing from {:?}",
            servers[0].components
        );
    }
}

#[test]
fn ftgo_kubernetes_shares_one_database_and_compose_does_not() {
    let Some(f) = findings("ftgo") else { return };
    let shared = of_rule(&f, "shared-database");
    assert_eq!(shared.len(), 1, "{shared:#?}");
    assert!(
        shared[0].message.contains("`eventuate` on `ftgo-mysql`"),
        "{}",
        shared[0].message
    );
    assert!(shared[0].components.len() >= 5);
    assert!(
        shared[0].location.file.ends_with(".yml") && shared[0].location.file.contains("kubernetes")
    );
    // The compose variant gives each service its own database on `mysql`: a note only.
    let compose_note = of_rule(&f, "shared-database-server")
        .into_iter()
        .find(|n| n.message.contains("server `mysql`"))
        .expect("a note for the compose mysql server");
    assert_eq!(&*compose_note.location.file, "docker-compose.yml");
}

#[test]
fn sock_shop_and_online_boutique_share_no_database() {
    for name in ["sock-shop", "online-boutique"] {
        let Some(f) = findings(name) else { continue };
        assert!(
            of_rule(&f, "shared-database").is_empty(),
            "{name}: {:#?}",
            of_rule(&f, "shared-database")
        );
    }
}

fn sync_edges(name: &str) -> Option<Vec<(String, String, String)>> {
    let dir = common::corpus(name)?;
    let scan = common::scan_dir(&dir);
    Some(
        scan.model
            .edges
            .iter()
            .filter(|e| e.kind == monolens::model::EdgeKind::Sync)
            .map(|e| {
                (
                    e.from.clone(),
                    e.to.clone(),
                    e.protocol.clone().unwrap_or_default(),
                )
            })
            .collect(),
    )
}

#[test]
fn online_boutique_frontend_calls_come_from_service_addr_env_and_form_no_cycle() {
    let Some(edges) = sync_edges("online-boutique") else {
        return;
    };
    for callee in [
        "productcatalogservice",
        "currencyservice",
        "cartservice",
        "recommendationservice",
        "shippingservice",
        "checkoutservice",
        "adservice",
    ] {
        assert!(
            edges
                .iter()
                .any(|(f, t, p)| f == "frontend" && t == callee && p == "grpc"),
            "frontend → {callee} (grpc) missing: {edges:?}"
        );
    }
    let dir = common::corpus("online-boutique").expect("present");
    let scan = common::scan_dir(&dir);
    let frontend_cart = scan
        .model
        .edges
        .iter()
        .find(|e| e.from == "frontend" && e.to == "cartservice")
        .expect("edge");
    assert!(
        frontend_cart
            .evidence
            .iter()
            .any(|e| e.text.starts_with("CART_SERVICE_ADDR=")),
        "{:?}",
        frontend_cart.evidence
    );
    assert!(of_rule(&scan.findings, "cyclic-sync-calls").is_empty());
}

#[test]
fn sock_shop_has_no_sync_cycle() {
    let Some(f) = findings("sock-shop") else {
        return;
    };
    assert!(
        of_rule(&f, "cyclic-sync-calls").is_empty(),
        "{:#?}",
        of_rule(&f, "cyclic-sync-calls")
    );
}
