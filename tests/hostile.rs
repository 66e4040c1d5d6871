//! Hostile inputs (../shared/robustness): each one finishes, prints no secret it should not
//! reach, and reports what it skipped as a diagnostic.

mod common;

use assert_cmd::Command;
use std::path::Path;

fn monolens() -> Command {
    Command::cargo_bin("monolens").expect("binary built")
}

use common::write;

/// Make `dir` a git work tree with every file tracked (git mode of discovery).
fn track(dir: &Path) {
    for args in [&["init", "-q"][..], &["add", "-A"]] {
        let ok = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "git {args:?}");
    }
}

/// `monolens scan DIR` in one format, never failing on findings: its stdout.
fn scan(dir: &Path, format: &str) -> String {
    let out = monolens()
        .args([
            "scan",
            "--no-history",
            "--fail-on",
            "never",
            "--format",
            format,
        ])
        .arg(dir)
        .output()
        .expect("runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `monolens scan DIR --format json`, parsed.
fn scan_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&scan(dir, "json")).expect("the scan writes JSON")
}

/// The entries of a top-level JSON array of the report.
fn items<'a>(json: &'a serde_json::Value, key: &str) -> std::slice::Iter<'a, serde_json::Value> {
    json[key].as_array().expect(key).iter()
}

/// A repository with a tracked symlink out of the scan root (to a file full of secrets), one
/// to nothing, and one inside the root that must still be read.
#[cfg(unix)]
fn symlinked_repo(root: &Path, outside: &Path) {
    write(
        outside,
        "docker-compose.yml",
        "services:\n  leak:\n    image: x\n    environment:\n      DB: postgres://u:LEAKpw@pg/x\n",
    );
    let compose = "services:\n  orders:\n    image: acme/orders:1\n";
    write(root, "deploy/docker-compose.yml", compose);
    std::os::unix::fs::symlink(
        outside.join("docker-compose.yml"),
        root.join("docker-compose.yml"),
    )
    .expect("symlink");
    std::os::unix::fs::symlink(root.join("nowhere.yml"), root.join("compose.yaml"))
        .expect("symlink");
    std::fs::create_dir_all(root.join("inner")).expect("mkdir");
    std::os::unix::fs::symlink(
        root.join("deploy/docker-compose.yml"),
        root.join("inner/docker-compose.yml"),
    )
    .expect("symlink");
}

#[cfg(unix)]
fn symlinks_leaving_the_root_are_skipped(use_git: bool) {
    let root = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("tempdir");
    symlinked_repo(root.path(), outside.path());
    if use_git {
        track(root.path());
    }
    let text = scan(root.path(), "json");
    assert!(
        !text.contains("LEAK"),
        "git {use_git}: the outside file was read"
    );
    assert!(!text.contains("\"leak\""), "git {use_git}");
    for skipped in ["docker-compose.yml", "compose.yaml"] {
        assert!(
            text.contains(&format!("\"file\": \"{skipped}\""))
                && text.contains("outside the scan root"),
            "git {use_git}: no diagnostic for {skipped}: {text}"
        );
    }
    // The link that stays inside the root is read like any file.
    assert!(
        text.contains("\"inner/docker-compose\""),
        "git {use_git}: {text}"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_leaving_the_root_are_skipped_in_walker_mode() {
    symlinks_leaving_the_root_are_skipped(false);
}

#[cfg(unix)]
#[test]
fn symlinks_leaving_the_root_are_skipped_in_git_mode() {
    symlinks_leaving_the_root_are_skipped(true);
}

/// Names that are not UTF-8, or hold ESC or a newline, are read, and shown escaped.
#[cfg(unix)]
#[test]
fn odd_file_names_are_read_and_escaped() {
    use std::os::unix::ffi::OsStrExt;
    for use_git in [false, true] {
        let root = tempfile::tempdir().expect("tempdir");
        let compose = "services:\n  orders:\n    image: acme/orders:1\n    environment:\n      DB: postgres://u:pw@pg/shop\n  billing:\n    image: acme/billing:1\n    environment:\n      DB: postgres://u:pw@pg/shop\n  pg:\n    image: postgres:16\n";
        let odd = std::ffi::OsStr::from_bytes(b"ops\xff\x1b[31m\nx");
        std::fs::create_dir_all(root.path().join(odd)).expect("mkdir");
        std::fs::write(root.path().join(odd).join("docker-compose.yml"), compose).expect("write");
        if use_git {
            track(root.path());
        }
        let text = scan(root.path(), "github");
        assert!(
            text.contains("shared-database"),
            "git {use_git}: not read: {text}"
        );
        assert!(
            text.contains("ops\\xff\\u{1b}[31m\\nx/docker-compose.yml"),
            "git {use_git}: {text}"
        );
        assert!(
            !text.contains('\u{1b}'),
            "git {use_git}: raw ESC in the output"
        );
    }
}

/// A diamond ladder from `b` back to `b` beside `a ↔ b`: a depth-first search from `a`
/// meets 2^K simple paths. The cycle is still reported, its count marked as incomplete.
#[test]
fn a_cycle_ladder_is_reported_with_bounded_work() {
    const RUNGS: usize = 40; // 2^40 paths: unbounded enumeration would never end
    let mut calls: Vec<(String, String)> = vec![("a".into(), "b".into()), ("b".into(), "a".into())];
    let layer = |i: usize| [format!("c{i:03}x"), format!("c{i:03}y")];
    calls.extend(layer(0).map(|n| ("b".to_string(), n)));
    for i in 0..RUNGS - 1 {
        for u in layer(i) {
            calls.extend(layer(i + 1).map(|v| (u.clone(), v)));
        }
    }
    calls.extend(layer(RUNGS - 1).map(|u| (u, "b".to_string())));
    let mut services: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (from, to) in &calls {
        services.entry(from.clone()).or_default().push(to.clone());
        services.entry(to.clone()).or_default();
    }
    let mut compose = String::from("services:\n");
    for (s, targets) in &services {
        compose.push_str(&format!("  {s}:\n    image: shop/{s}:1\n"));
        if !targets.is_empty() {
            compose.push_str("    environment:\n");
            for (j, t) in targets.iter().enumerate() {
                compose.push_str(&format!("      T{j}_URL: http://{t}:8080\n"));
            }
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "docker-compose.yml", &compose);
    let json = scan_json(dir.path());
    let cycle = items(&json, "findings")
        .find(|f| f["rule"] == "cyclic-sync-calls")
        .expect("the cycle is reported");
    let detail = cycle["detail"].as_str().expect("detail");
    assert!(detail.contains("+ elementary cycles"), "{detail}");
    assert!(
        cycle["message"]
            .as_str()
            .expect("message")
            .contains("82 services")
    );
}

#[test]
fn extends_chains_resolve_in_any_order_and_cycles_are_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let compose = "services:\n  a:\n    extends: b\n  b:\n    extends: c\n  c:\n    image: x\n    environment:\n      ORDERS_URL: http://orders:80\n  orders:\n    image: y\n  p:\n    extends: q\n  q:\n    extends: p\n  s:\n    extends: s\n";
    write(dir.path(), "docker-compose.yml", compose);
    let json = scan_json(dir.path());
    let calls_orders =
        |from: &str| items(&json, "edges").any(|e| e["from"] == from && e["to"] == "orders");
    assert!(calls_orders("a"), "a inherits c through b");
    let diags = json["diagnostics"].to_string();
    assert!(diags.contains("cycle: p → q → p"), "{diags}");
    assert!(diags.contains("`s` names the service itself"), "{diags}");
    assert!(!diags.contains("not found"), "{diags}");
}

/// Every `--format` value, from the CLI's own list, so a new format is covered here at once.
fn every_format() -> Vec<String> {
    use clap::ValueEnum;
    monolens::report::Format::value_variants()
        .iter()
        .filter_map(|f| f.to_possible_value())
        .map(|v| v.get_name().to_string())
        .collect()
}

#[test]
fn control_characters_in_names_are_escaped_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let compose = "services:\n  pg:\n    image: postgres\n  \"evil\\e[2J\\e[31mRED\\e]0;title\\a\":\n    image: x\n    environment:\n      DATABASE_URL: postgres://pg/shop\n  \"line1\\nline2\\\"]; click A call alert(1)\\n%%\":\n    image: y\n    environment:\n      DATABASE_URL: postgres://pg/shop\n      X_URL: \"http://evil\\e[2J\\a:80\"\n";
    write(dir.path(), "docker-compose.yml", compose);
    for format in every_format() {
        let format = format.as_str();
        let out = scan(dir.path(), format);
        assert!(out.contains("evil"), "{format}: the service is reported");
        assert!(
            !out.contains(['\x1b', '\x07']),
            "{format}: a raw control character reached the output"
        );
        assert!(
            !out.lines().any(|l| l.starts_with("line2")),
            "{format}: a newline in a name broke a line"
        );
    }
    // With colour on, the only escapes are the severity colours monolens adds.
    let out = monolens()
        .args([
            "scan",
            "--no-history",
            "--fail-on",
            "never",
            "--color",
            "always",
        ])
        .arg(dir.path())
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\x1b[31merror\x1b[0m"), "{text}");
    assert_eq!(
        text.matches('\x1b').count(),
        2 * text.matches("\x1b[0m").count()
    );
}

#[test]
fn interpolation_amplification_is_cut_with_a_diagnostic() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), ".env", &format!("A={}\n", "x".repeat(1 << 20)));
    let refs = "${A}".repeat(300);
    write(
        dir.path(),
        "docker-compose.yml",
        &format!("services:\n  web:\n    image: a\n    environment:\n      X: \"{refs}\"\n"),
    );
    let out = scan(dir.path(), "json");
    assert!(
        out.len() < 1 << 20,
        "the expanded value is not in the report"
    );
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    let cut = items(&json, "diagnostics")
        .find(|d| d["message"].as_str().is_some_and(|m| m.contains("was cut")))
        .expect("a diagnostic says the value was cut");
    assert_eq!(cut["line"], 5, "at the env entry");
}

#[test]
fn oversized_sql_statements_are_skipped_with_a_note_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "docker-compose.yml",
        "services:\n  orders:\n    build: ./orders\n",
    );
    // Thousands of JOINs overflowed sqlparser's stack; a long seed INSERT built a huge AST.
    let joins: Vec<String> = (0..3000)
        .map(|i| format!("JOIN t{i} ON a.id = t{i}.id"))
        .collect();
    let big = format!("SELECT * FROM a {};\n", joins.join(" "));
    write(
        dir.path(),
        "orders/migrations/V1__big.sql",
        &format!("{big}CREATE TABLE orders (id INT PRIMARY KEY);\n"),
    );
    let rows: Vec<String> = (0..5000).map(|i| format!("({i},'x')")).collect();
    write(
        dir.path(),
        "orders/migrations/V2__seed.sql",
        &format!(
            "CREATE TABLE seed (id INT, v TEXT);\nINSERT INTO seed VALUES {};\n",
            rows.join(",")
        ),
    );
    let out = scan(dir.path(), "json");
    let json: serde_json::Value = serde_json::from_str(&out).expect("the scan finishes with JSON");
    let notes: Vec<(String, u64)> = items(&json, "diagnostics")
        .filter(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.contains("too large to parse"))
        })
        .map(|d| {
            (
                d["file"].as_str().unwrap_or("").to_owned(),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        notes,
        [
            ("orders/migrations/V1__big.sql".to_owned(), 1),
            ("orders/migrations/V2__seed.sql".to_owned(), 2)
        ]
    );
    let tables: Vec<&str> = json["components"][0]["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        tables,
        ["orders", "seed"],
        "statements after the big one are still read"
    );
}

/// Every credential form the redactor knows, planted once each; every planted value starts
/// with `PLANTED`. Services read them, so they reach evidence, findings and `inspect`.
fn planted_repo(root: &Path) {
    let env = [
        "DATABASE_URL: postgres://app:PLANTEDurl@pg/shop",
        "PG2_URL: postgres://app:PLANTED@at@pg/shop",
        "PG3_URL: postgres://app:PLANTED/slash@pg/shop",
        "PG4_URL: postgres://app@pg/shop?pass=PLANTEDquery",
        "MONGO_URL: mongodb://u:PLANTEDmongo@mongo:27017,mongo2:27017/db",
        "REDIS_URL: redis://:PLANTEDredis@redis:6379/2",
        "BILLING_URL: http://admin:PLANTEDhttp@billing:8080/api",
        "INVENTORY_URL: https://PLANTEDtoken@inventory:8443",
        "SIGNED_URL: \"http://billing:8080/api?access_token=PLANTEDa&api_key=PLANTEDb&sig=PLANTEDc\"",
        "AUTH_URL: http://billing:8080/api?auth=PLANTEDauth",
        "MYSQL_DSN: app:PLANTEDgo@tcp(mysql:3306)/inv",
        "ORACLE_URL: jdbc:oracle:thin:scott/PLANTEDora@oracle:1521:orcl",
        "SPRING_DATASOURCE_URL: jdbc:mysql://mysql:3306/inv?user=app&password=PLANTEDjdbc",
        "ADO: \"Server=sqldata;Database=orders;User Id=sa;Password=PLANTEDado;\"",
        "ADO2: \"Server=sqldata;Database=orders;User=sa;Pass=PLANTEDpass\"",
        "ADO3: \"Server=sqldata;Database=orders;User Id=sa;Password=\\\"PLANTED;q\\\";\"",
        "ADO4: \"Server=sqldata;Database=orders;User Id=sa;Password=PLANTED 36 x;\"",
        "PDO_DSN: \"mysql:host=mysql;dbname=inv;password=PLANTEDpdo\"",
        "STORAGE: \"DefaultEndpointsProtocol=https;AccountName=a;AccountKey=PLANTEDkey;EndpointSuffix=x\"",
        "BUS: \"Endpoint=sb://bus.example.net/;SharedAccessKeyName=Root;SharedAccessKey=PLANTEDsas\"",
        "KAFKA_JAAS: 'PlainLoginModule required username=\"u\" password=\"PLANTEDjaas\";'",
        "HOST_ONLY: \"PLANTEDuser:PLANTEDpw@billing\"",
        "DB_PASS: PLANTEDsplit",
        "API_TOKEN: PLANTEDapitoken",
        "AUTH_HEADER: \"Authorization: Bearer PLANTEDbearer1\"",
    ];
    let mut compose = String::from(
        "services:\n  billing:\n    image: acme/billing:1\n  pg:\n    image: postgres:16\n\
         \x20 mysql:\n    image: mysql:8\n  orders:\n    image: acme/orders:1\n\
         \x20   command: [\"--db-password\", \"PLANTEDarg\", \"--dsn=app:PLANTEDarg2@tcp(mysql:3306)/inv\"]\n\
         \x20   environment:\n",
    );
    for line in env {
        compose.push_str(&format!("      {line}\n"));
    }
    write(root, "docker-compose.yml", &compose);
    write(
        root,
        "k8s/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  DSN: app:PLANTEDk8s@tcp(mysql:3306)/inv\n  ORDERS: http://u:PLANTEDk8s2@orders:8080\n---\n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shipping\nspec:\n  template:\n    spec:\n      containers:\n        - name: shipping\n          image: acme/shipping:1\n          envFrom:\n            - secretRef:\n                name: db\n",
    );
    write(
        root,
        "orders/src/Client.java",
        "class C {\n  String db = \"postgres://u:PLANTEDsrc@pg/shop\";\n  String b = \"http://svc:PLANTEDsrc2@billing:8080/x\";\n}\n",
    );
    write(
        root,
        "sql/init.sql",
        "ALTER USER app IDENTIFIED BY \"PLANTEDsql1\";\nCREATE USER app2 PASSWORD \"PLANTEDsql2\";\nCREATE USER 'a'@'%' IDENTIFIED BY 'PLANTEDsql3';\n",
    );
}

#[test]
fn no_planted_secret_reaches_any_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    planted_repo(dir.path());
    let mut outputs: Vec<(String, String)> = Vec::new();
    for format in every_format() {
        let format = format.as_str();
        for by_service in [false, true] {
            let mut cmd = monolens();
            cmd.args([
                "scan",
                "--no-history",
                "--fail-on",
                "never",
                "--format",
                format,
            ]);
            if by_service {
                cmd.arg("--by-service");
            }
            let out = cmd.arg(dir.path()).output().expect("runs");
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            outputs.push((
                format!("scan --format {format} by-service={by_service}"),
                text,
            ));
        }
    }
    for format in ["table", "json"] {
        let out = monolens()
            .args(["inspect", "--no-history", "--format", format])
            .arg(dir.path())
            .output()
            .expect("runs");
        outputs.push((
            format!("inspect --format {format}"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ));
    }
    // The facts a repository exports for a merge hold no password either.
    let facts = monolens()
        .args(["facts", "--quiet"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(facts.status.success());
    outputs.push((
        "facts".into(),
        String::from_utf8_lossy(&facts.stdout).into_owned(),
    ));
    let baseline = dir.path().join("baseline.json");
    monolens()
        .args(["baseline", "--no-history", "-o"])
        .arg(&baseline)
        .arg(dir.path())
        .assert()
        .success();
    outputs.push((
        "baseline".into(),
        std::fs::read_to_string(&baseline).expect("baseline"),
    ));
    let json = &outputs
        .iter()
        .find(|(what, _)| what == "scan --format json by-service=false")
        .expect("json was scanned")
        .1;
    assert!(
        json.contains("plaintext-credentials"),
        "the planted secrets are read: {json}"
    );
    assert!(
        json.contains("\"diagnostics\""),
        "diagnostics are part of the output"
    );
    for (what, text) in &outputs {
        let leaks: Vec<&str> = text.lines().filter(|l| l.contains("PLANTED")).collect();
        assert!(
            leaks.is_empty(),
            "{what} prints a planted secret:\n{}",
            leaks.join("\n")
        );
    }
}

#[test]
fn an_overflowing_number_costs_that_value_not_the_manifest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let compose = "services:\n  orders:\n    image: acme/orders:1\n    environment:\n      RATIO: 1e400\n      BILLING_URL: http://billing:8080\n  billing:\n    image: acme/billing:1\n";
    write(dir.path(), "docker-compose.yml", compose);
    let k8s = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shipping\nspec:\n  replicas: -9e999\n  template:\n    spec:\n      containers:\n        - name: shipping\n          image: acme/shipping:1\n";
    write(dir.path(), "k8s/shipping.yaml", k8s);
    let json = scan_json(dir.path());
    let ids: Vec<&str> = items(&json, "components")
        .filter_map(|c| c["id"].as_str())
        .collect();
    for id in ["orders", "billing", "shipping"] {
        assert!(ids.contains(&id), "{id} is still read: {ids:?}");
    }
    let sync = items(&json, "edges")
        .any(|e| e["from"] == "orders" && e["to"] == "billing" && e["kind"] == "sync");
    assert!(
        sync,
        "the value beside the bad one still makes its edge: {}",
        json["edges"]
    );
    assert_eq!(json["diagnostics"], serde_json::json!([]));
}

/// The planted values of `../shared/robustness`: `LEAK…` in `secrets/`, `…Pw<digit>` and
/// `TokenUser5` in `secret-forms/`.
fn planted_value(line: &str) -> bool {
    static PLANTED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"LEAK|[A-Za-z0-9]Pw[0-9]|TokenUser5").expect("valid regex")
    });
    PLANTED.is_match(line)
}

#[test]
fn no_robustness_secret_reaches_any_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/robustness");
    if !root.join("secrets").is_dir() {
        eprintln!("skipped: ../shared/robustness is not here");
        return;
    }
    let work = tempfile::tempdir().expect("tempdir");
    for input in ["secrets", "secret-forms", "secret-forms/more"] {
        let dir = root.join(input);
        let mut outputs: Vec<(String, String)> = Vec::new();
        for format in every_format() {
            let format = format.as_str();
            let out = monolens()
                .args([
                    "scan",
                    "--no-history",
                    "--fail-on",
                    "never",
                    "--by-service",
                    "--format",
                    format,
                ])
                .arg(&dir)
                .output()
                .expect("runs");
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            outputs.push((format!("{input}: scan --format {format}"), text));
        }
        let facts = monolens()
            .args(["facts", "--quiet"])
            .arg(&dir)
            .output()
            .expect("runs");
        outputs.push((
            format!("{input}: facts"),
            String::from_utf8_lossy(&facts.stdout).into_owned(),
        ));
        let json = &outputs
            .iter()
            .find(|(what, _)| what.ends_with("--format json"))
            .expect("json was scanned")
            .1;
        assert!(
            json.contains("plaintext-credentials"),
            "{input}: the secrets are read"
        );
        for format in ["table", "json"] {
            let out = monolens()
                .args(["inspect", "--no-history", "--format", format, "orders"])
                .arg(&dir)
                .output()
                .expect("runs");
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            outputs.push((format!("{input}: inspect --format {format}"), text));
        }
        let baseline = work.path().join("baseline.json");
        monolens()
            .args(["baseline", "--no-history", "-o"])
            .arg(&baseline)
            .arg(&dir)
            .assert()
            .success();
        outputs.push((
            format!("{input}: baseline"),
            std::fs::read_to_string(&baseline).expect("read"),
        ));
        for (what, text) in &outputs {
            let leaks: Vec<&str> = text.lines().filter(|l| planted_value(l)).collect();
            assert!(
                leaks.is_empty(),
                "{what} prints a planted secret:\n{}",
                leaks.join("\n")
            );
        }
    }
}

#[test]
fn a_minified_line_naming_a_service_thousands_of_times_is_one_edge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let urls = vec!["\"http://orders:8080/x\""; 20_000].join(",");
    write(dir.path(), "web/app.min.js", &format!("var a=[{urls}];"));
    write(
        dir.path(),
        "docker-compose.yml",
        "services:\n  orders:\n    image: acme/orders:1\n  web:\n    build: ./web\n",
    );
    let json = scan_json(dir.path());
    let edges: Vec<&serde_json::Value> = items(&json, "edges")
        .filter(|e| e["from"] == "web" && e["to"] == "orders")
        .collect();
    assert_eq!(edges.len(), 1, "{}", json["edges"]);
}

#[test]
fn many_codeowners_patterns_resolve_by_the_last_match() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut compose = String::from("services:\n");
    let mut owners = String::new();
    for i in 0..200 {
        write(dir.path(), &format!("svc{i}/main.go"), "package main\n");
        compose.push_str(&format!("  svc{i}:\n    build: ./svc{i}\n"));
    }
    for i in 0..400 {
        owners.push_str(&format!("/svc{}/ @team{}\n", i % 200, i % 37));
    }
    write(dir.path(), "docker-compose.yml", &compose);
    write(dir.path(), "CODEOWNERS", &owners);
    let json = scan_json(dir.path());
    for row in json["services"].as_array().expect("services") {
        let i: usize = row["service"].as_str().expect("name")[3..]
            .parse()
            .expect("index");
        let want = format!("@team{}", (i + 200) % 37);
        assert_eq!(row["owners"], serde_json::json!([want]), "svc{i}");
    }
}

#[test]
fn a_two_thousand_service_ring_is_one_cycle_finding() {
    let mut stream = String::new();
    let n = 2000;
    for i in 0..n {
        stream.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc{i}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: shop/svc{i}:1\n        env:\n        - name: NEXT_URL\n          value: http://svc{}:8080\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc{i}\nspec:\n  selector: {{app: svc{i}}}\n  ports: [{{port: 8080}}]\n",
            (i + 1) % n
        ));
    }
    let out = monolens()
        .args([
            "scan",
            "-",
            "--no-history",
            "--fail-on",
            "never",
            "--format",
            "json",
        ])
        .write_stdin(stream)
        .output()
        .expect("runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let cycles: Vec<&serde_json::Value> = items(&json, "findings")
        .filter(|f| f["rule"] == "cyclic-sync-calls")
        .collect();
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0]["components"].as_array().map(Vec::len), Some(n));
}

#[test]
fn an_edge_keeps_a_few_pieces_of_evidence_and_counts_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "docker-compose.yml",
        "services:\n  orders:\n    image: acme/orders:1\n  web:\n    build: ./web\n    environment:\n      ORDERS_URL: http://orders:8080\n      ORDERS_ADMIN_URL: http://orders:8081/admin\n",
    );
    for file in 0..8 {
        let lines: String = (0..40)
            .map(|i| format!("  String u{i} = \"http://orders:8080/x{i}\";\n"))
            .collect();
        write(
            dir.path(),
            &format!("web/src/C{file}.java"),
            &format!("class C{file} {{\n{lines}}}\n"),
        );
    }
    let json = scan_json(dir.path());
    let edge = items(&json, "edges")
        .find(|e| e["from"] == "web" && e["to"] == "orders")
        .expect("the edge");
    let evidence = edge["evidence"].as_array().expect("evidence");
    let files: std::collections::BTreeSet<&str> =
        evidence.iter().filter_map(|e| e["file"].as_str()).collect();
    assert_eq!(files.len(), 5, "five files: {files:?}");
    assert!(files.contains("docker-compose.yml"), "{files:?}");
    // Each setting of a config file, the first line of a code file.
    assert_eq!(evidence.len(), 2 + 4, "{evidence:?}");
    assert_eq!(edge["evidence_count"], 322);
}

#[test]
fn a_statement_over_a_megabyte_is_read_by_its_head_and_the_file_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "docker-compose.yml",
        "services:\n  orders:\n    build: ./orders\n",
    );
    let rows: Vec<String> = (0..150_000).map(|i| format!("({i},'x;y')")).collect();
    let sql = format!(
        "CREATE TABLE seed (id INT, v TEXT);\nINSERT INTO seed VALUES {};\nCREATE TABLE after_seed (id INT PRIMARY KEY);\n",
        rows.join(",")
    );
    assert!(sql.len() > 1024 * 1024);
    write(dir.path(), "orders/migrations/V1__seed.sql", &sql);
    let json = scan_json(dir.path());
    let orders = items(&json, "components")
        .find(|c| c["id"] == "orders")
        .expect("orders");
    let tables: Vec<&str> = orders["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(
        tables.contains(&"seed") && tables.contains(&"after_seed"),
        "{tables:?}"
    );
    let notes: Vec<&str> = items(&json, "diagnostics")
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("MB, too large to parse"), "{notes:?}");
}
