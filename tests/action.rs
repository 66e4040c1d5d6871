//! The GitHub Action's shell steps (`action/run.sh`, called by action.yml) run here with a
//! fake `GITHUB_*` environment: the release binary is "downloaded" from a local folder and its
//! checksum checked, inputs with globs reach monolens unexpanded, the SARIF category follows
//! the path, a fork's pull request skips the upload with a notice, and on a pull request only
//! findings the base commit did not have fail the job.

use std::path::{Path, PathBuf};
use std::process::Command;

const VERSION: &str = "v9.9.9";
const TARGET: &str = "x86_64-unknown-linux-musl";

fn tools_present() -> bool {
    cfg!(all(target_os = "linux", target_arch = "x86_64"))
        && ["bash", "curl", "jq", "tar", "sha256sum", "git"]
            .iter()
            .all(|t| {
                Command::new("sh")
                    .args(["-c", &format!("command -v {t}")])
                    .output()
                    .is_ok_and(|o| o.status.success())
            })
}

fn sh(dir: &Path, script: &str) {
    let ok = Command::new("bash")
        .args(["-c", script])
        .current_dir(dir)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "{script}");
}

struct Runner {
    _tmp: tempfile::TempDir,
    temp: PathBuf,
    workspace: PathBuf,
    release: PathBuf,
    files: PathBuf,
}

impl Runner {
    fn new() -> Runner {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let (temp, workspace, release, files) = (
            root.join("runner-temp"),
            root.join("workspace"),
            root.join("release"),
            root.join("files"),
        );
        for d in [&temp, &workspace, &release, &files] {
            std::fs::create_dir_all(d).unwrap();
        }
        // The release: the binary under test, packed as the release workflow packs it.
        let bin = assert_cmd::cargo::cargo_bin("monolens");
        std::fs::copy(&bin, release.join("monolens")).unwrap();
        let name = format!("monolens-{VERSION}-{TARGET}.tar.gz");
        sh(
            &release,
            &format!("tar -czf {name} monolens && rm monolens && sha256sum {name} > {name}.sha256"),
        );
        // The repository: the demo, plus a file only a literal `legacy/**` exclude names.
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        sh(
            &workspace,
            &format!(
                "cp -r '{}'/. . && mkdir -p legacy && echo 'services: {{}}' > legacy/b.yml",
                demo.display()
            ),
        );
        sh(
            &workspace,
            "git init -q && git add -A && git -c user.name=t -c user.email=t@example.com commit -qm demo",
        );
        Runner {
            _tmp: tmp,
            temp,
            workspace,
            release,
            files,
        }
    }

    fn event(&self, name: &str, json: &str) -> PathBuf {
        let path = self.files.join(format!("{name}.json"));
        std::fs::write(&path, json).unwrap();
        path
    }

    /// Run one step with the environment GitHub would give it.
    fn step(&self, step: &str, event: (&str, &Path), env: &[(&str, &str)]) -> (i32, String) {
        let path = format!(
            "{}:{}",
            self.temp.join("monolens/bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("action/run.sh"))
            .arg(step)
            .current_dir(&self.workspace)
            .env_clear()
            .env("PATH", path)
            .env("HOME", &self.temp)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TEMP", &self.temp)
            .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
            .env("GITHUB_PATH", self.files.join("path"))
            .env("GITHUB_OUTPUT", self.files.join("output"))
            .env("GITHUB_STEP_SUMMARY", self.files.join("summary"))
            .env("GITHUB_REPOSITORY", "org/shop")
            .env("GITHUB_EVENT_NAME", event.0)
            .env("GITHUB_EVENT_PATH", event.1)
            .env("MONOLENS_REPOSITORY", "org/monolens")
            .env("MONOLENS_VERSION", VERSION)
            .env(
                "MONOLENS_DOWNLOAD_BASE",
                format!("file://{}", self.release.display()),
            )
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code().unwrap_or(-1), text)
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.files.join(name)).unwrap_or_default()
    }
}

#[test]
fn the_action_steps_work_on_a_fake_runner() {
    if !tools_present() {
        eprintln!("skipped: needs Linux x86_64 with bash, curl, jq, tar, sha256sum and git");
        return;
    }
    let r = Runner::new();
    let head = String::from_utf8(
        Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(&r.workspace)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let push = r.event("push", "{}");
    let pr = r.event(
        "pr",
        &format!(r#"{{"pull_request": {{"base": {{"sha": "{}"}}, "head": {{"repo": {{"full_name": "org/shop"}}}}}}}}"#, head.trim()),
    );
    let fork = r.event(
        "fork",
        &format!(r#"{{"pull_request": {{"base": {{"sha": "{}"}}, "head": {{"repo": {{"full_name": "someone/shop"}}}}}}}}"#, head.trim()),
    );

    // A version that is not a release tag is refused before anything is fetched.
    let (code, text) = r.step("install", ("push", &push), &[("MONOLENS_VERSION", "main")]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("release tag"), "{text}");

    // Install: downloaded, checksum verified, on the PATH.
    let (code, text) = r.step("install", ("push", &push), &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("monolens "), "prints its version: {text}");
    assert!(r.file("path").contains("monolens/bin"));

    // Scan on a push: SARIF written, summary appended, category from the path, upload on.
    let facts = r.files.join("facts.json");
    let facts_path = facts.to_str().unwrap();
    let exclude = [
        ("INPUT_PATH", "."),
        ("INPUT_EXCLUDE", "legacy/**\n  *.bak  \n"),
        ("INPUT_EMIT_FACTS", facts_path),
    ];
    let (code, text) = r.step("scan", ("push", &push), &exclude);
    assert_eq!(
        code, 0,
        "a glob input must reach monolens unexpanded: {text}"
    );
    let output = r.file("output");
    assert!(output.contains("category=monolens/.\n"), "{output}");
    assert!(output.contains("upload=true"), "{output}");
    let sarif_path = output
        .lines()
        .find_map(|l| l.strip_prefix("sarif="))
        .unwrap();
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif_path).unwrap()).unwrap();
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    assert!(r.file("summary").contains("## monolens"));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&facts).unwrap()).unwrap();
    assert_eq!(
        written["schema_version"], 1,
        "emit-facts writes the repository's facts"
    );
    assert!(output.contains(&format!("facts={facts_path}")), "{output}");

    // A fork's pull request: no upload, and a notice says why.
    std::fs::write(r.files.join("output"), "").unwrap();
    let (code, text) = r.step(
        "scan",
        ("pull_request", &fork),
        &[("INPUT_PATH", "services")],
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("::notice") && text.contains("fork"), "{text}");
    let output = r.file("output");
    assert!(
        output.contains("upload=false") && output.contains("category=monolens/services\n"),
        "{output}"
    );

    // Fail: on a push every error counts; on a pull request only what the base did not have.
    let (code, text) = r.step("fail", ("push", &push), &[("INPUT_FAIL_ON", "error")]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("::error file=docker-compose.yml"), "{text}");
    let (code, text) = r.step("fail", ("pull_request", &pr), &[("INPUT_FAIL_ON", "error")]);
    assert_eq!(code, 0, "the pull request adds nothing: {text}");

    // A release asset that does not match its checksum is not installed.
    let name = format!("monolens-{VERSION}-{TARGET}.tar.gz");
    std::fs::write(r.release.join(&name), b"tampered").unwrap();
    std::fs::remove_dir_all(r.temp.join("monolens")).unwrap();
    let (code, text) = r.step("install", ("push", &push), &[]);
    assert_ne!(code, 0, "{text}");
    assert!(text.contains("checksum mismatch"), "{text}");
    assert!(!r.temp.join("monolens/bin/monolens").exists());
}
