//! No output says "1 datastores": a repository with one of each thing (one datastore, one
//! broker, one edge, one diagnostic, one finding) is scanned in every format and the text is
//! searched for a count of one before a plural.

mod common;
use clap::ValueEnum;

const COMPOSE: &str = "services:
  orders:
    image: shop/orders:1.0
    environment:
      DATABASE_URL: postgres://orders:secret@pg:5432/orders
  pg:
    image: postgres:16
";

#[test]
fn one_is_never_followed_by_a_plural() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("docker-compose.yml"), COMPOSE).unwrap();
    // One diagnostic: a Kubernetes manifest that is not YAML.
    std::fs::create_dir_all(dir.path().join("k8s")).unwrap();
    std::fs::write(
        dir.path().join("k8s/broken.yaml"),
        "apiVersion: v1\nkind: [\n",
    )
    .unwrap();
    let plural = regex::Regex::new(
        r"\b1 (services|datastores|brokers|edges|errors|warnings|notes|diagnostics|findings|files|entries|clusters|components)\b",
    )
    .unwrap();
    for format in monolens::report::Format::value_variants() {
        let name = format.to_possible_value().unwrap().get_name().to_string();
        let mut cmd = common::quiet_scan(&name);
        if format.shows_services() {
            cmd.arg("--by-service");
        }
        let out = cmd.arg(dir.path()).output().unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        if name == "table" {
            // The repository does hold one of each, so the singular is there to be seen.
            for one in ["1 datastore,", "1 diagnostic:", "1 edge "] {
                assert!(text.contains(one), "no `{one}` in\n{text}");
            }
        }
        if let Some(m) = plural.find(&text) {
            panic!("{name}: `{}` in\n{text}", m.as_str());
        }
    }
}
