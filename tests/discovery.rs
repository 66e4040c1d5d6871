//! Discovery: .gitignore is honoured, tracked files are read even when ignored, hidden files
//! are read, vendored folders are skipped.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

const COMPOSE: &str = "services:\n  a:\n    image: acme/a:1\n    env_file: a.env\n  b:\n    image: acme/b:1\n    environment:\n      DB_URL: postgres://pg/shared\n  pg:\n    image: postgres:16\n";

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs")
        .status
        .success();
    assert!(ok, "git {args:?} failed");
}

fn shared(dir: &Path) -> usize {
    common::scan_dir(dir)
        .findings
        .iter()
        .filter(|f| f.rule == "shared-database")
        .count()
}

#[test]
fn tracked_file_is_read_even_when_gitignore_lists_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fs::write(d.join("docker-compose.yml"), COMPOSE).expect("write");
    fs::write(d.join("a.env"), "DB_URL=postgres://pg/shared\n").expect("write");
    fs::write(d.join(".gitignore"), "a.env\n").expect("write");
    git(d, &["init", "-q"]);
    git(d, &["add", "docker-compose.yml", ".gitignore"]);
    git(d, &["add", "-f", "a.env"]);
    git(d, &["commit", "-q", "-m", "init"]);
    assert_eq!(shared(d), 1, "the tracked, ignored a.env must be read");
}

#[test]
fn untracked_ignored_file_is_not_read_in_git_or_outside() {
    for use_git in [true, false] {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        fs::write(d.join("docker-compose.yml"), COMPOSE).expect("write");
        fs::write(d.join("a.env"), "DB_URL=postgres://pg/shared\n").expect("write");
        fs::write(d.join(".gitignore"), "a.env\n").expect("write");
        if use_git {
            git(d, &["init", "-q"]);
        }
        assert_eq!(shared(d), 0, "ignored a.env was read (git: {use_git})");
    }
}

#[test]
fn vendored_folders_are_skipped_and_hidden_files_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for skipped in ["node_modules/x", "vendor/y", "target/z"] {
        fs::create_dir_all(d.join(skipped)).expect("mkdir");
        fs::write(d.join(skipped).join("docker-compose.yml"), COMPOSE).expect("write");
    }
    assert_eq!(shared(d), 0);
    fs::create_dir_all(d.join(".deploy")).expect("mkdir");
    fs::write(d.join(".deploy/docker-compose.yml"), COMPOSE).expect("write");
    fs::write(d.join(".deploy/a.env"), "DB_URL=postgres://pg/shared\n").expect("write");
    assert_eq!(shared(d), 1, "hidden folders are read");
}
