//! gen-monorepo: writes a synthetic microservice monorepo for benchmarks.
//!
//! `gen-monorepo N DIR [SEED]` — N services, each with a k8s Deployment + Service, a compose
//! entry, `.env`, `application.yml`, a SQL migration and source files with URL literals.
//! Seeded: every 10th service shares its database with the next one, every 25th pair forms a
//! synchronous cycle, and each service calls the next in a chain of five.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(p) = path.parent() {
        fs::create_dir_all(p)?;
    }
    fs::write(path, text)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(n), Some(dir)) = (
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
        args.get(2),
    ) else {
        eprintln!("usage: gen-monorepo N DIR [SEED]");
        std::process::exit(2);
    };
    let seed = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(42);
    if let Err(e) = generate(n, Path::new(dir), seed) {
        eprintln!("gen-monorepo: {e}");
        std::process::exit(2);
    }
}

fn generate(n: usize, root: &Path, seed: u64) -> std::io::Result<()> {
    let mut rng = Lcg(seed);
    let name = |i: usize| format!("svc-{i:05}");
    let database = |i: usize| {
        if i % 10 == 1 {
            format!("db_{:05}", i - 1)
        } else {
            format!("db_{i:05}")
        }
    };
    let servers = n.div_ceil(50).max(1);
    let mut compose = String::from("services:\n");
    for s in 0..servers {
        let _ = writeln!(compose, "  pg-{s}:\n    image: postgres:16");
    }
    let _ = writeln!(compose, "  kafka:\n    image: bitnami/kafka:3.7");
    for i in 0..n {
        let svc = name(i);
        let pg = format!("pg-{}", i / 50);
        let next = name((i + 1) % n);
        // Chains of five hops, then a break; every 25th service calls back to its caller.
        let calls_next = i % 6 != 5 && i + 1 < n;
        let calls_back = i % 25 == 24 && i > 0;
        let _ = write!(
            compose,
            "  {svc}:\n    image: registry.example.com/{svc}:${{TAG}}\n    build: ./services/{svc}\n    environment:\n      DATABASE_URL: postgres://app:secret@{pg}:5432/{}\n      KAFKA_BOOTSTRAP_SERVERS: kafka:9092\n      {}_EVENTS_PRODUCER_TOPIC: {svc}-events\n",
            database(i),
            svc.to_uppercase().replace('-', "_"),
        );
        if calls_next {
            let _ = writeln!(compose, "      NEXT_SERVICE_URL: http://{next}:8080/api");
        }
        if calls_back {
            let _ = writeln!(compose, "      CALLER_URL: http://{}:8080/api", name(i - 1));
        }
        let _ = writeln!(compose, "    depends_on:\n      - {pg}\n      - kafka");

        let base = root.join("services").join(&svc);
        write(
            &root.join("k8s").join(format!("{svc}.yaml")),
            &format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {svc}\nspec:\n  template:\n    metadata:\n      labels:\n        app: {svc}\n    spec:\n      containers:\n        - name: {svc}\n          image: registry.example.com/{svc}:1.0.{}\n          env:\n            - name: DB_HOST\n              value: {pg}\n            - name: DB_NAME\n              value: {}\n{}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {svc}\nspec:\n  selector:\n    app: {svc}\n  ports:\n    - name: http\n      port: 8080\n",
                rng.next() % 10,
                database(i),
                if calls_next {
                    format!(
                        "            - name: NEXT_ADDR\n              value: {next}.default.svc.cluster.local:8080\n"
                    )
                } else {
                    String::new()
                }
            ),
        )?;
        write(
            &base.join(".env"),
            &format!("LOG_LEVEL=info\nCACHE_TTL={}\n", rng.next() % 600),
        )?;
        write(
            &base.join("src/main/resources/application.yml"),
            &format!(
                "spring:\n  application:\n    name: {svc}\n  datasource:\n    url: jdbc:postgresql://{pg}:5432/{}\n",
                database(i)
            ),
        )?;
        let fk = if i > 0 {
            format!(
                ",\n    parent_id BIGINT REFERENCES {}_items(id)",
                name(i - 1).replace('-', "_")
            )
        } else {
            String::new()
        };
        write(
            &base.join("src/main/resources/db/migration/V1__init.sql"),
            &format!(
                "CREATE TABLE {t}_items (\n    id BIGSERIAL PRIMARY KEY,\n    name TEXT NOT NULL{fk}\n);\nCREATE INDEX {t}_items_name ON {t}_items (name);\n",
                t = svc.replace('-', "_")
            ),
        )?;
        let mut java = format!("package shop;\n\nclass Client{i} {{\n");
        for k in 0..20 {
            let _ = writeln!(
                java,
                "    static final String DOC_{k} = \"https://docs.example.com/{svc}/{k}\";"
            );
        }
        if calls_next {
            let _ = writeln!(
                java,
                "    static final String NEXT = \"http://{next}:8080/api/v1/items\";"
            );
        }
        java.push_str("}\n");
        write(
            &base.join(format!("src/main/java/shop/Client{i}.java")),
            &java,
        )?;
    }
    write(&root.join("docker-compose.yml"), &compose)?;
    write(&root.join(".env"), "TAG=2.0.0\n")?;
    Ok(())
}
