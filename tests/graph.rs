//! The call graph: typed edges, what makes no edge, and the DOT/Mermaid exports.

mod common;

use monolens::model::EdgeKind;
use monolens::report::{self, Format, Style};

fn scan(rel: &str) -> monolens::Scan {
    common::scan_dir(&common::root().join(rel))
}

#[test]
fn a_url_to_a_name_that_is_not_a_service_makes_no_edge() {
    let s = scan("fixtures/rules/cyclic-sync-calls/two-services-env-urls");
    assert!(s.model.edges.iter().all(|e| !e.to.contains("example.com")));
    assert!(
        s.model
            .components
            .iter()
            .all(|c| !c.id.contains("example.com"))
    );
    let orders_out: Vec<_> = s
        .model
        .edges
        .iter()
        .filter(|e| e.from == "orders")
        .collect();
    assert_eq!(orders_out.len(), 1, "{orders_out:#?}");
    assert_eq!(orders_out[0].kind, EdgeKind::Sync);
    assert_eq!(orders_out[0].protocol.as_deref(), Some("http"));
}

#[test]
fn k8s_service_name_resolves_to_its_deployment_and_grpc_port_names_the_protocol() {
    let s = scan("fixtures/rules/cyclic-sync-calls/k8s-service-name-differs");
    let e = s
        .model
        .edges
        .iter()
        .find(|e| e.from == "payments" && e.to == "orders-v2")
        .expect("payments → orders-v2");
    assert_eq!(e.protocol.as_deref(), Some("http"));
    let g = s
        .model
        .edges
        .iter()
        .find(|e| e.from == "orders-v2" && e.to == "payments")
        .expect("orders-v2 → payments");
    assert_eq!(g.protocol.as_deref(), Some("grpc"));
}

#[test]
fn topics_make_async_edges_and_derived_producer_consumer_edges() {
    let s = scan("fixtures/rules/cyclic-sync-calls/kafka-only-cycle");
    let derived: Vec<_> = s
        .model
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Async && e.from != "kafka" && e.to != "kafka")
        .map(|e| {
            (
                e.from.as_str(),
                e.to.as_str(),
                e.topic.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        derived,
        vec![
            ("orders", "shipping", "order-events"),
            ("shipping", "orders", "shipment-events")
        ]
    );
    assert!(s.model.edges.iter().all(|e| e.kind != EdgeKind::Sync));
}

#[test]
fn platform_calls_are_platform_edges() {
    let s = scan("fixtures/rules/cyclic-sync-calls/config-server-cycle");
    let to_config: Vec<_> = s
        .model
        .edges
        .iter()
        .filter(|e| e.to == "configserver")
        .collect();
    assert_eq!(to_config.len(), 2);
    assert!(to_config.iter().all(|e| e.kind == EdgeKind::Platform));
    let from_config: Vec<_> = s
        .model
        .edges
        .iter()
        .filter(|e| e.from == "configserver")
        .collect();
    assert!(
        from_config.iter().all(|e| e.kind == EdgeKind::Platform),
        "{from_config:#?}"
    );
}

fn render(format: Format) -> String {
    let s = scan("fixtures/demo");
    report::render(format, &s.report(), Style::default())
}

#[test]
fn dot_export_draws_kinds_and_flags() {
    let dot = render(Format::Dot);
    assert!(dot.starts_with("digraph monolens {"));
    assert!(dot.contains("\"pg\" [shape=cylinder]"));
    assert!(dot.contains("\"kafka\" [shape=cds]"));
    assert!(dot.contains("\"gateway\" [shape=house]"));
    assert!(
        dot.contains("\"orders\" [shape=box, style=rounded, color=red"),
        "cycle members are red"
    );
    assert!(
        dot.contains("\"orders\" -> \"pg\" [style=dotted, color=red"),
        "shared access is red"
    );
    assert!(
        dot.contains("\"orders\" -> \"shipping\" [style=dashed"),
        "async is dashed"
    );
    insta::assert_snapshot!(dot);
}

#[test]
fn dot_renders_with_graphviz_when_installed() {
    let Ok(mut child) = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        return; // Graphviz is optional for the test suite; CI installs it and runs this.
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(render(Format::Dot).as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("dot runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "dot warned: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
}

#[test]
fn mermaid_export() {
    let m = render(Format::Mermaid);
    assert!(m.starts_with("flowchart LR\n"));
    assert!(m.contains("[(\"pg\")]"));
    assert!(m.contains("class ") && m.contains(" flagged"));
    insta::assert_snapshot!(m);
}

#[test]
fn ingress_and_spring_cloud_gateway_routes_are_gateway_edges() {
    let s = scan("fixtures/graph/gateways");
    let kind = |id: &str| s.model.component(id).map(|c| c.kind);
    assert_eq!(
        kind("shop"),
        Some(monolens::model::ComponentKind::Gateway),
        "the Ingress is a gateway"
    );
    assert_eq!(
        kind("gw"),
        Some(monolens::model::ComponentKind::Gateway),
        "Spring Cloud Gateway routes make gw a gateway"
    );
    let sync: Vec<(&str, &str)> = s
        .model
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Sync)
        .map(|e| (e.from.as_str(), e.to.as_str()))
        .collect();
    assert_eq!(
        sync,
        vec![("gw", "orders"), ("shop", "catalog"), ("shop", "gw")]
    );
    let route = s
        .model
        .edges
        .iter()
        .find(|e| e.from == "gw")
        .expect("route edge");
    assert_eq!(
        &*route.evidence[0].location.file,
        "gw/src/main/resources/application.yml"
    );
    assert_eq!(route.evidence[0].location.line, 6);
}

#[test]
fn a_selectorless_service_is_an_external_datastore_declared_by_its_endpoints() {
    let s = scan("fixtures/graph/gateways");
    let db = s
        .model
        .component("legacy-db")
        .expect("external datastore named by the Service");
    assert_eq!(db.kind, monolens::model::ComponentKind::Datastore);
    assert_eq!(&*db.location.file, "manifests.yaml");
    assert_eq!(db.location.line, 73, "declared where the Endpoints are");
    assert!(s.model.accesses.iter().any(|a| a.service == "catalog"
        && a.datastore == "legacy-db"
        && a.database.as_deref() == Some("catalog")));
}
