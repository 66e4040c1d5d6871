//! The command line: exit codes, formats, output files, stdin, config errors.

mod common;

use assert_cmd::Command;

fn monolens() -> Command {
    let mut c = Command::cargo_bin("monolens").expect("binary built");
    c.env("NO_COLOR", "1").env_remove("CI");
    c
}

fn fixture(rel: &str) -> String {
    common::root().join(rel).display().to_string()
}

#[test]
fn exit_codes_follow_fail_on() {
    let demo = fixture("fixtures/demo");
    monolens()
        .args(["scan", "--no-history", &demo])
        .assert()
        .code(1);
    monolens()
        .args(["scan", "--no-history", &demo, "--fail-on", "never"])
        .assert()
        .code(0);
    let clean = fixture("fixtures/rules/shared-database/same-name-different-hosts");
    monolens()
        .args(["scan", "--no-history", &clean, "--fail-on", "note"])
        .assert()
        .code(0);
    let note_only = fixture("fixtures/rules/shared-database-server/separate-databases-one-server");
    monolens()
        .args(["scan", "--no-history", &note_only])
        .assert()
        .code(0);
    monolens()
        .args(["scan", "--no-history", &note_only, "--fail-on", "note"])
        .assert()
        .code(1);
}

#[test]
fn usage_and_io_errors_exit_2_with_one_sentence() {
    let out = monolens()
        .args(["scan", "--no-history", "/definitely/not/here"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("not a directory"));
    monolens()
        .args(["scan", "--no-history", "--format", "xml"])
        .assert()
        .code(2);
    monolens()
        .args(["explain", "no-such-rule"])
        .assert()
        .code(2);
}

/// stdin has the files' byte cap: an endless or huge stream ends in one sentence, exit 2,
/// after reading at most the cap.
#[test]
fn stdin_over_the_cap_is_one_sentence() {
    let big = "a: b\n".repeat(3 * 1024 * 1024); // 12 MB
    let out = monolens()
        .args(["scan", "--no-history", "-"])
        .write_stdin(big)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("over the 10 MB limit"), "{stderr}");
}

#[test]
fn unknown_config_key_names_key_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("monolens.yaml"),
        "exclude: []\nrulez:\n  x: 1\n",
    )
    .expect("write");
    let out = monolens()
        .args(["scan", "--no-history", &dir.path().display().to_string()])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("rulez") && stderr.contains("line 2"),
        "{stderr}"
    );
}

#[test]
fn option_values_are_type_and_range_checked() {
    let cases = [
        (
            "rules:\n  deep-sync-chain: {max-depth: \"abc\"}\n",
            "line 2",
            "`max-depth` must be a whole number",
        ),
        (
            "rules:\n  deep-sync-chain: {max-depth: -5}\n",
            "line 2",
            "not `-5`",
        ),
        (
            "rules:\n  co-change-coupling:\n    min-shared: 2\n    min-degree: 150%\n",
            "line 4",
            "`min-degree` must be a percentage",
        ),
        (
            "rules:\n  shared-database: {separate-schemas-severity: loud}\n",
            "line 2",
            "one of error, warning, note, off",
        ),
        (
            "services:\n  x: a\n  \"[[\": b\n",
            "line 3",
            "`services` glob `[[` is not valid",
        ),
    ];
    for (config, line, wanted) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("monolens.yaml"), config).expect("write");
        let out = monolens()
            .args(["scan", "--no-history", &dir.path().display().to_string()])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            stderr.contains(wanted) && stderr.contains(line),
            "{config}: {stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
    // Valid forms of the same options are accepted.
    let dir = tempfile::tempdir().expect("tempdir");
    let ok = "rules:\n  deep-sync-chain: {max-depth: 4}\n  co-change-coupling: {min-degree: 0.3, min-shared: \"2\"}\n";
    std::fs::write(dir.path().join("monolens.yaml"), ok).expect("write");
    monolens()
        .args(["scan", "--no-history", &dir.path().display().to_string()])
        .assert()
        .code(0);
}

#[test]
fn min_degree_percentages_are_percentages() {
    use monolens::catalog::percent;
    assert_eq!(percent("50%"), Some(0.5));
    assert_eq!(percent("1%"), Some(0.01));
    assert_eq!(percent("2%"), Some(0.02));
    assert_eq!(percent("0.75"), Some(0.75));
    assert_eq!(percent("75"), None, "a bare number above 1 is ambiguous");
    assert_eq!(percent("101%"), None);
}

#[test]
fn an_unreadable_git_dir_or_revision_is_a_usage_error() {
    let demo = fixture("fixtures/demo");
    let not_repo = tempfile::tempdir().expect("tempdir");
    let not_repo = not_repo.path().display().to_string();
    let cases = [
        (
            vec!["--git-dir", not_repo.as_str()],
            "is not a git repository",
        ),
        (
            vec!["--rev", "no-such-revision-here"],
            "does not name a commit",
        ),
    ];
    for (args, wanted) in cases {
        let out = monolens()
            .args(["scan", &demo])
            .args(&args)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains(wanted), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
    // With history off, the flags are not read at all.
    monolens()
        .args([
            "scan",
            &demo,
            "--no-history",
            "--rev",
            "no-such-revision-here",
            "--fail-on",
            "never",
        ])
        .assert()
        .code(0);
}

#[test]
fn bad_code_patterns_are_one_sentence_with_their_line() {
    let cases = [
        (
            "calls:\n  - language: cobol\n    pattern: 'Client.call($SERVICE)'\n",
            "unknown language `cobol`",
        ),
        (
            "exclude: []\ncalls:\n  - language: go\n    pattern: 'Client.call()'\n",
            "has no `$SERVICE`",
        ),
        (
            "messages:\n  - language: go\n    pattern: 'x($TOPIC)'\n    role: producer\n",
            "literal word",
        ),
        (
            "messages:\n  - language: go\n    pattern: 'bus.send($TOPIC)'\n    role: sender\n",
            "line 4",
        ),
    ];
    for (config, wanted) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("monolens.yaml"), config).expect("write");
        let out = monolens()
            .args(["scan", "--no-history", &dir.path().display().to_string()])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains(wanted), "{config}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
}

#[test]
fn config_can_switch_a_rule_off_or_change_its_severity() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = common::root().join("fixtures/rules/shared-database/compose-env/docker-compose.yml");
    std::fs::copy(src, dir.path().join("docker-compose.yml")).expect("copy");
    let path = dir.path().display().to_string();
    monolens()
        .args(["scan", "--no-history", &path])
        .assert()
        .code(1);
    std::fs::write(
        dir.path().join("monolens.yaml"),
        "rules:\n  shared-database:\n    severity: warning\n  plaintext-credentials:\n    severity: note\n",
    )
    .expect("write");
    monolens()
        .args(["scan", "--no-history", &path])
        .assert()
        .code(0);
    monolens()
        .args(["scan", "--no-history", &path, "--fail-on", "warning"])
        .assert()
        .code(1);
    std::fs::write(
        dir.path().join("monolens.yaml"),
        "rules:\n  shared-database:\n    severity: off\n  plaintext-credentials:\n    severity: off\n",
    )
    .expect("write");
    monolens()
        .args(["scan", "--no-history", &path, "--fail-on", "note"])
        .assert()
        .code(0);
    std::fs::write(
        dir.path().join("monolens.yaml"),
        "rules:\n  shared-database:\n    severity: loud\n",
    )
    .expect("write");
    monolens()
        .args(["scan", "--no-history", &path])
        .assert()
        .code(2);
}

#[test]
fn output_file_and_formats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.sarif");
    let demo = fixture("fixtures/demo");
    monolens()
        .args([
            "scan",
            "--no-history",
            &demo,
            "--format",
            "sarif",
            "--output",
            &out.display().to_string(),
            "--fail-on",
            "never",
        ])
        .assert()
        .code(0)
        .stdout("");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("json");
    assert_eq!(sarif["version"], "2.1.0");
    let gh = monolens()
        .args(["scan", "--no-history", &demo, "--format", "github"])
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&gh.get_output().stdout).to_string();
    assert!(
        text.lines()
            .any(|l| l.starts_with("::error file=fixtures/demo/docker-compose.yml,line=")),
        "{text}"
    );
}

#[test]
fn stdin_reads_a_rendered_manifest_stream() {
    let stream = std::fs::read_to_string(
        common::root()
            .join("fixtures/rules/shared-database/k8s-secret-and-service-alias/manifests.yaml"),
    )
    .expect("fixture");
    let out = monolens()
        .args(["scan", "--no-history", "-", "--format", "json"])
        .write_stdin(stream)
        .assert()
        .code(1);
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("json");
    assert_eq!(json["findings"][0]["rule"], "shared-database");
    assert_eq!(json["findings"][0]["location"]["file"], "stdin.yaml");
}

#[test]
fn exclude_glob_skips_files() {
    let demo = fixture("fixtures/demo");
    let out = monolens()
        .args([
            "scan",
            "--no-history",
            &demo,
            "--format",
            "json",
            "--exclude",
            "k8s/**",
            "--fail-on",
            "never",
        ])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(!text.contains("k8s/billing.yaml"));
}

#[test]
fn rules_and_explain() {
    let out = monolens().arg("rules").assert().code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("shared-database ") && text.contains("error"));
    let out = monolens()
        .args(["explain", "shared-database"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("### Why it matters")
            && text.contains("Each service owns its own data store")
    );
}

#[test]
fn no_colour_when_piped() {
    let out = monolens()
        .args(["scan", "--no-history", &fixture("fixtures/demo")])
        .assert()
        .code(1);
    assert!(
        !out.get_output().stdout.contains(&0x1b),
        "escape codes in piped output"
    );
}

fn scan_json(extra: &[&str]) -> serde_json::Value {
    common::scan_json([fixture("fixtures/demo")], extra)
}

fn rules_of(json: &serde_json::Value) -> std::collections::BTreeSet<String> {
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_string())
        .collect()
}

#[test]
fn select_and_ignore_choose_the_rules() {
    let all = rules_of(&scan_json(&[]));
    assert!(all.contains("shared-database") && all.contains("cyclic-sync-calls"));
    let selected = rules_of(&scan_json(&[
        "--select",
        "shared-database,cyclic-sync-calls",
    ]));
    assert_eq!(
        selected.into_iter().collect::<Vec<_>>(),
        ["cyclic-sync-calls", "shared-database"]
    );
    let ignored = rules_of(&scan_json(&["--ignore", "shared-database"]));
    assert!(!ignored.contains("shared-database"));
    assert_eq!(ignored.len(), all.len() - 1);
    let out = monolens()
        .args(["scan", "--no-history", "--ignore", "no-such-rule"])
        .arg(fixture("fixtures/demo"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("unknown rule `no-such-rule`"), "{stderr}");
}

#[test]
fn by_service_is_shown_or_refused() {
    for format in ["table", "markdown", "html"] {
        let out = monolens()
            .args([
                "scan",
                "--no-history",
                "--quiet",
                "--fail-on",
                "never",
                "--by-service",
            ])
            .args(["-f", format])
            .arg(fixture("fixtures/demo"))
            .output()
            .expect("runs");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("tables owned"),
            "{format}: no per-service table"
        );
    }
    for format in ["sarif", "github", "junit", "dot", "mermaid"] {
        let out = monolens()
            .args(["scan", "--no-history", "--by-service", "-f", format])
            .arg(fixture("fixtures/demo"))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            stderr.contains("--by-service has no place in --format"),
            "{stderr}"
        );
    }
}

#[test]
fn rules_list_as_json_with_the_severity_option() {
    let out = monolens()
        .args(["rules", "--format", "json"])
        .output()
        .expect("runs");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), monolens::catalog::all().len());
    for rule in list {
        assert_eq!(rule["options"][0]["name"], "severity", "{rule}");
        assert!(rule["precision"].is_string() && rule["tags"].is_array());
    }
}

#[test]
fn scan_help_lists_the_formats() {
    let out = monolens().args(["scan", "--help"]).output().expect("runs");
    let help = String::from_utf8_lossy(&out.stdout);
    for f in [
        "table", "json", "sarif", "github", "dot", "mermaid", "markdown", "junit", "html",
    ] {
        assert!(
            help.lines().any(|l| l
                .trim_start()
                .trim_start_matches("- ")
                .starts_with(&format!("{f}:"))),
            "`{f}` is not described in scan --help:\n{help}"
        );
    }
}

/// `monolens init` writes a config that loads and names what was detected, a baseline on
/// request, refuses to overwrite, and a scan of a subfolder finds the config in a parent.
#[test]
fn init_writes_a_loadable_commented_config() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    common::copy_dir(&common::root().join("fixtures/demo"), &repo);
    monolens()
        .args(["init", "--no-history", "--baseline"])
        .arg(&repo)
        .assert()
        .success();
    let text = std::fs::read_to_string(repo.join("monolens.yaml")).expect("written");
    assert!(text.contains("#   services/orders: orders"), "{text}");
    assert!(text.contains("# Detected: config"), "{text}");
    assert!(text.contains("docker-compose, k8s"), "{text}");
    monolens::config::Config::load(&repo.join("monolens.yaml")).expect("loads");
    assert!(repo.join(".monolens-baseline.json").is_file());
    monolens().args(["init"]).arg(&repo).assert().code(2);
    // Every rule's commented line loads when uncommented.
    let uncommented = text.replace("#   ", "  ").replace("rules: {}\n", "");
    let rules: String = uncommented
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains("{severity"))
        .map(|l| format!("{l}\n"))
        .collect();
    let config = tmp.path().join("all-rules.yaml");
    std::fs::write(&config, format!("rules:\n{rules}")).expect("write");
    monolens::config::Config::load(&config).expect("every rule line is valid");
}

#[test]
fn a_config_in_a_parent_folder_is_found_up_to_the_repository_root() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    common::copy_dir(&common::root().join("fixtures/demo"), &repo.join("shop"));
    let ok = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(&repo)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok);
    std::fs::write(
        repo.join("monolens.yaml"),
        "rules:\n  shared-database: {severity: off}\n",
    )
    .expect("write");
    let json = common::scan_json([repo.join("shop")], &[]);
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(
        !rules.is_empty() && !rules.contains(&"shared-database"),
        "{rules:?}"
    );
}
