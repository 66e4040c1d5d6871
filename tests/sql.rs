//! SQL ownership end to end: a statement sqlparser cannot read becomes a diagnostic with its
//! line while the rest of the file still counts; owned tables reach the JSON components.

mod common;

use std::fs;

#[test]
fn a_bad_statement_between_two_good_ones_is_a_diagnostic_and_the_rest_still_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::write(
        d.join("docker-compose.yml"),
        "services:\n  orders: {build: ./orders, environment: {DB: 'postgres://pg/shop'}}\n  billing: {build: ./billing, environment: {DB: 'postgres://pg/shop'}}\n  pg: {image: postgres}\n",
    )
    .expect("write");
    fs::create_dir_all(d.join("orders")).expect("mkdir");
    fs::create_dir_all(d.join("billing")).expect("mkdir");
    fs::write(
        d.join("orders/V1__init.sql"),
        "CREATE TABLE orders (id BIGINT PRIMARY KEY);\n",
    )
    .expect("write");
    fs::write(
        d.join("billing/V1__init.sql"),
        "CREATE TABLE invoices (id BIGINT PRIMARY KEY, order_id BIGINT REFERENCES orders(id));\n\
         CREATE FANCY THING nobody knows;\n\
         SELECT * FROM orders;\n",
    )
    .expect("write");
    let scan = common::scan_dir(d);
    let diag = scan
        .model
        .diagnostics
        .iter()
        .find(|x| x.file == "billing/V1__init.sql")
        .expect("a diagnostic for the bad statement");
    assert_eq!(diag.line, 2, "{diag:?}");
    let rules: Vec<&str> = scan.findings.iter().map(|f| f.rule).collect();
    assert!(rules.contains(&"cross-service-foreign-key"), "{rules:?}");
    let use_ = scan
        .findings
        .iter()
        .find(|f| f.rule == "shared-table")
        .expect("the SELECT after the bad statement counts");
    assert_eq!(use_.location.line, 3);
    let json = monolens::report::render(
        monolens::report::Format::Json,
        &scan.report(),
        Default::default(),
    );
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let orders = v["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["id"] == "orders")
        .expect("orders");
    assert_eq!(orders["tables"][0]["name"], "orders");
    assert_eq!(orders["tables"][0]["locations"][0]["line"], 1);
}

#[test]
fn an_init_script_in_a_mounted_configmap_describes_the_datastore() {
    let scan = common::scan_dir(
        &common::root().join("fixtures/rules/shared-database-server/k8s-configmap-init-script"),
    );
    let t = scan
        .model
        .tables
        .iter()
        .find(|t| t.name == "audit_log")
        .expect("the init script's table");
    assert!(
        t.owners.is_empty(),
        "an init script's table belongs to the database: {t:?}"
    );
    assert_eq!(t.datastore.as_deref(), Some("pg"));
    assert_eq!(t.database.as_deref(), Some("orders"));
    assert_eq!(
        (&*t.created[0].1.file, t.created[0].1.line),
        ("manifests.yaml", 10)
    );
    assert!(scan.findings.iter().all(|f| f.rule != "shared-database"));
}

#[test]
fn hsqldb_syntax_yields_its_tables_and_no_diagnostic() {
    let scan = common::scan_dir(
        &common::root().join("fixtures/rules/shared-table/hsqldb-syntax-recovered"),
    );
    assert!(
        scan.model.diagnostics.is_empty(),
        "{:#?}",
        scan.model.diagnostics
    );
    let names: Vec<&str> = scan.model.tables.iter().map(|t| t.name.as_str()).collect();
    for table in ["vets", "specialties", "vet_specialties", "visits"] {
        assert!(names.contains(&table), "{table} missing from {names:?}");
    }
}

#[test]
fn a_sql_file_that_yields_no_table_gets_one_diagnostic_with_its_line() {
    let scan =
        common::scan_dir(&common::root().join("fixtures/rules/shared-table/garbage-sql-near-miss"));
    let mut got: Vec<(&str, u32)> = scan
        .model
        .diagnostics
        .iter()
        .map(|d| (d.file.as_str(), d.line))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![("vets/db/V1__notes.sql", 2), ("visits/db/V1__notes.sql", 2)],
        "{:#?}",
        scan.model.diagnostics
    );
}
