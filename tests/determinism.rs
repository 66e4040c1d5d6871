//! The same input gives byte-identical JSON, SARIF, table, DOT, HTML and Markdown output
//! across runs and thread counts.

mod common;

use assert_cmd::Command;

fn run(threads: &str, path: &str, format: &str) -> Vec<u8> {
    Command::cargo_bin("monolens")
        .expect("bin")
        .env("RAYON_NUM_THREADS", threads)
        .env("NO_COLOR", "1")
        .args([
            "scan",
            "--no-history",
            path,
            "--format",
            format,
            "--fail-on",
            "never",
        ])
        .output()
        .expect("runs")
        .stdout
}

#[test]
fn output_is_byte_identical_across_thread_counts() {
    let mut targets = vec![common::root().join("fixtures/demo")];
    targets.extend(common::corpus("eshoponcontainers"));
    for t in targets {
        let path = t.display().to_string();
        for format in ["json", "sarif", "table", "dot", "html", "markdown"] {
            let one = run("1", &path, format);
            assert!(!one.is_empty());
            for threads in ["2", "4", "1"] {
                assert!(
                    one == run(threads, &path, format),
                    "{path} {format}: output differs with {threads} threads"
                );
            }
        }
    }
}
