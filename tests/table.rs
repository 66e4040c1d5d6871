//! The terminal table fits its width: at `COLUMNS=80` no line of the eshoponcontainers
//! corpus's report is over 80 characters, and no word is cut except after a path or name
//! separator (`/`, `.`, `-`…), compared with the same report at a width that wraps nothing.

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::path::Path;

/// Where the table may break a word: after one of these (as the renderer's `BREAK_AFTER`).
const BREAK_AFTER: &[char] = &['/', '\\', '.', '-', '_', ',', ':', '=', '&', '?', '@'];

fn table(dir: &Path, columns: &str) -> String {
    let out = Command::cargo_bin("monolens")
        .unwrap()
        .env("COLUMNS", columns)
        .args(["scan", "--no-history", "--quiet", "--fail-on", "never"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || "│┆".contains(c))
        .filter(|w| !w.is_empty() && !w.chars().all(|c| "─┌┐└┘┬┴├┤┼╞╡╪═".contains(c)))
        .map(str::to_string)
        .collect()
}

/// `piece` is a whole word, or a part of one that starts and ends at break points.
fn is_clean_piece(piece: &str, whole: &BTreeSet<String>) -> bool {
    whole.contains(piece)
        || whole.iter().any(|w| {
            w.match_indices(piece).any(|(at, _)| {
                let starts = at == 0 || w[..at].ends_with(BREAK_AFTER);
                let ends = at + piece.len() == w.len() || piece.ends_with(BREAK_AFTER);
                starts && ends
            })
        })
}

#[test]
fn an_80_column_table_fits_and_cuts_no_word() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/eshoponcontainers");
    if !dir.is_dir() {
        eprintln!("skipped: ../shared/corpus is not here");
        return;
    }
    let narrow = table(&dir, "80");
    for line in narrow.lines() {
        assert!(line.chars().count() <= 80, "over 80 columns: {line}");
    }
    let whole: BTreeSet<String> = words(&table(&dir, "100000")).into_iter().collect();
    let cut: Vec<String> = words(&narrow)
        .into_iter()
        .filter(|w| !is_clean_piece(w, &whole))
        .collect();
    assert!(cut.is_empty(), "words cut mid-way: {cut:?}");
    // Sorted by severity: the one error comes first.
    let first_row = narrow.lines().nth(3).unwrap_or_default();
    assert!(first_row.contains("error"), "{first_row}");
    // One line for the 70 identical Helm notes, not 70.
    assert_eq!(
        narrow.matches("Helm template syntax").count(),
        1,
        "{narrow}"
    );
}

#[test]
fn columns_sets_the_width() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    for columns in ["80", "120", "160"] {
        let out = table(&dir, columns);
        let widest = out.lines().map(|l| l.chars().count()).max().unwrap();
        let n: usize = columns.parse().unwrap();
        assert!(
            widest <= n && widest > n - 10,
            "COLUMNS={columns}: widest line {widest}"
        );
    }
}
