//! Never panic, never lose the scan: malformed, binary, non-UTF-8 and huge inputs become
//! diagnostics with file and line, and the rest of the repository is still read.

mod common;

use std::fs;

fn write(dir: &std::path::Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    fs::write(p, bytes).expect("write");
}

#[test]
fn bad_files_become_diagnostics_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let good = fs::read(
        common::root().join("fixtures/rules/shared-database/compose-env/docker-compose.yml"),
    )
    .expect("fixture");
    write(d, "docker-compose.yml", &good);
    write(
        d,
        "k8s/broken.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [unclosed\n",
    );
    write(d, "svc/appsettings.json", b"{\n  \"a\": 1,\n  \"b\": \n}\n");
    write(
        d,
        "svc/application.yml",
        b"spring:\n  datasource:\n    url: [\n",
    );
    write(d, "latin1/.env", b"A=caf\xe9\n");
    write(d, "conf/app.properties", b"\x00\x01\x02binary");
    let mut huge = b"A=1\n".repeat(3_000_000);
    huge.extend_from_slice(b"B=2\n");
    write(d, "big/.env", &huge);
    let scan = common::scan_dir(d);
    assert_eq!(
        scan.findings
            .iter()
            .filter(|f| f.rule == "shared-database")
            .count(),
        1
    );
    let diag = |file: &str| {
        scan.model
            .diagnostics
            .iter()
            .find(|x| x.file == file)
            .unwrap_or_else(|| panic!("no diagnostic for {file}: {:#?}", scan.model.diagnostics))
    };
    assert_eq!(diag("k8s/broken.yaml").line, 5);
    assert!(
        diag("svc/appsettings.json")
            .message
            .contains("invalid JSON")
    );
    assert_eq!(diag("svc/application.yml").line, 3);
    assert!(diag("latin1/.env").message.contains("UTF-8"));
    assert!(diag("big/.env").message.contains("10 MB"));
    assert!(
        !scan
            .model
            .diagnostics
            .iter()
            .any(|x| x.file == "conf/app.properties")
    );
}

#[test]
fn helm_templates_get_one_diagnostic_with_the_way_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "chart/templates/deploy.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    let scan = common::scan_dir(dir.path());
    assert_eq!(scan.model.diagnostics.len(), 1);
    let d = &scan.model.diagnostics[0];
    assert_eq!(d.line, 4);
    assert!(d.message.contains("helm template") && d.message.contains("monolens scan -"));
}

/// A small deterministic generator, so the test needs no extra crate and is reproducible.
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

#[test]
fn no_parser_panics_on_mangled_input() {
    use monolens::discover::InputKind;
    let seeds: Vec<String> = [
        "fixtures/demo/docker-compose.yml",
        "fixtures/demo/k8s/billing.yaml",
        "fixtures/demo/services/catalog/appsettings.json",
        "fixtures/rules/shared-database/k8s-secret-and-service-alias/manifests.yaml",
    ]
    .iter()
    .map(|p| fs::read_to_string(common::root().join(p)).expect("seed"))
    .collect();
    let kinds = [
        InputKind::Compose,
        InputKind::Kubernetes,
        InputKind::DotEnv,
        InputKind::Properties,
        InputKind::SpringYaml,
        InputKind::AppSettings,
        InputKind::Source,
    ];
    let alphabet: Vec<char> = "{}[]:-,'\"&*<>|!%@`#\n\t \\$=;/.?~\u{feff}é"
        .chars()
        .collect();
    let mut rng = Lcg(42);
    for round in 0..400 {
        let seed = &seeds[round % seeds.len()];
        let mut chars: Vec<char> = seed.chars().collect();
        for _ in 0..(1 + rng.next() % 12) {
            let at = (rng.next() as usize) % chars.len().max(1);
            match rng.next() % 3 {
                0 if !chars.is_empty() => {
                    chars.remove(at.min(chars.len() - 1));
                }
                1 => chars.insert(
                    at.min(chars.len()),
                    alphabet[(rng.next() as usize) % alphabet.len()],
                ),
                _ => chars.truncate(at),
            }
        }
        let text: String = chars.into_iter().collect();
        for kind in kinds {
            let _ = monolens::parse::parse(kind, "mangled.yaml", &text);
        }
        let _ = monolens::connstr::parse(&text);
    }
}
