//! The terminal report: a findings table (comfy-table), diagnostics and a summary line.

use super::Report;
use comfy_table::{Cell, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

/// Width when neither `COLUMNS` nor the terminal says (output to a file or a pipe).
pub const DEFAULT_WIDTH: usize = 100;
/// Narrower than this, no table is readable; `COLUMNS` below it is raised to it.
const MIN_WIDTH: usize = 60;
/// Diagnostics shown (grouped by message); the rest are counted.
const DIAGNOSTIC_GROUPS: usize = 20;
/// Files named for a group of identical diagnostics.
const GROUP_FILES: usize = 3;

/// The report's width: `COLUMNS` when set, else the terminal's, else `DEFAULT_WIDTH`.
pub fn width() -> usize {
    let from_env = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok());
    let from_terminal = || Table::new().width().map(usize::from);
    from_env
        .or_else(from_terminal)
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

pub fn render(r: &Report, style: super::Style) -> String {
    let width = style.width.max(MIN_WIDTH);
    let mut out = String::new();
    let active = r.active_by_severity();
    if !active.is_empty() {
        out.push_str(&findings_table(&active, width));
        out.push('\n');
    }
    diagnostics(&mut out, r, width);
    if !r.stale.is_empty() {
        out.push('\n');
        push_wrapped(&mut out, &super::stale_heading(r), "", "", width);
        for e in r.stale {
            let text = format!(
                "{} {} [{}] {}",
                e.fingerprint,
                e.rule,
                e.components.join(", "),
                e.message
            );
            push_wrapped(&mut out, &text, "  ", "    ", width);
        }
    }
    if style.by_service {
        out.push('\n');
        out.push_str(&services_table(r, width));
        out.push('\n');
    }
    clusters(&mut out, r, width);
    out.push('\n');
    push_wrapped(&mut out, &super::counts(&r.summary()), "", "", width);
    push_wrapped(&mut out, &r.verdict.line, "", "", width);
    if r.verdict.risk == crate::verdict::Risk::Unknown {
        push_wrapped(&mut out, UNKNOWN_HINT.trim_end(), "", "", width);
    }
    if !active.is_empty() {
        push_wrapped(
            &mut out,
            "`monolens explain <rule>` says what a rule finds, why it matters and how to fix it.",
            "",
            "",
            width,
        );
    }
    let out = crate::visible::lines(&out).into_owned();
    if style.color {
        paint_severities(&out)
    } else {
        out
    }
}

/// Three columns (severity; rule over location; message), each cell wrapped here so that
/// paths break at `/` and text at spaces, never inside a word.
fn findings_table(active: &[&crate::finding::Finding], width: usize) -> String {
    // Four borders and one space of padding either side of each of the three columns.
    let room = width - 10;
    let sev = "severity".len();
    let longest = active
        .iter()
        .map(|f| f.rule.len().max(f.location.to_string().chars().count()))
        .max()
        .unwrap_or(0);
    let place = longest.min((room - sev) * 2 / 5).max(12);
    let message = room - sev - place;
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_content_arrangement(ContentArrangement::Disabled);
    // Colour is added after the text is made safe, so the only escapes are our own.
    table.force_no_tty();
    table.set_header(vec!["severity", "rule / location", "message"]);
    for f in active {
        let mut text = wrap(&f.message, message);
        if let Some(d) = &f.detail {
            for line in d.trim_end().lines() {
                text.extend(wrap(line, message));
            }
        }
        for rel in f.related.iter().take(5) {
            let line = format!("{} {}", rel.location, rel.message);
            text.extend(wrap_hanging(&line, "↳ ", "  ", message));
        }
        if f.related_count > 5 {
            text.push(format!("↳ … {} more", f.related_count - 5));
        }
        let mut place_lines = wrap(f.rule, place);
        place_lines.extend(wrap(&f.location.to_string(), place));
        table.add_row(vec![
            Cell::new(f.severity.as_str()),
            Cell::new(place_lines.join("\n")),
            Cell::new(text.join("\n")),
        ]);
    }
    table.to_string()
}

/// Identical diagnostics (one Helm note for 70 templates) are one line with a count and the
/// first files.
fn diagnostics(out: &mut String, r: &Report, width: usize) {
    let all = &r.model.diagnostics;
    if all.is_empty() {
        return;
    }
    let mut groups: Vec<(&crate::model::Diagnostic, Vec<&crate::model::Diagnostic>)> = Vec::new();
    let mut at: std::collections::HashMap<(crate::model::Severity, &str), usize> =
        std::collections::HashMap::new();
    for d in all {
        match at.get(&(d.severity, d.message.as_str())) {
            Some(&i) => groups[i].1.push(d),
            None => {
                at.insert((d.severity, d.message.as_str()), groups.len());
                groups.push((d, vec![d]));
            }
        }
    }
    out.push('\n');
    out.push_str(&format!("{}:\n", super::plural(all.len(), "diagnostic")));
    for (first, members) in groups.iter().take(DIAGNOSTIC_GROUPS) {
        if let [one] = members.as_slice() {
            let text = format!(
                "{}: {}: {}",
                one.place(),
                one.severity.as_str(),
                one.message
            );
            push_wrapped(out, &text, "  ", "    ", width);
            continue;
        }
        let head = format!(
            "{}: {} ({} files)",
            first.severity.as_str(),
            first.message,
            members.len()
        );
        push_wrapped(out, &head, "  ", "    ", width);
        let mut files: Vec<String> = members
            .iter()
            .take(GROUP_FILES)
            .map(|d| d.place())
            .collect();
        if members.len() > GROUP_FILES {
            files.push(format!("… and {} more", members.len() - GROUP_FILES));
        }
        push_wrapped(out, &files.join(", "), "    ", "    ", width);
    }
    if groups.len() > DIAGNOSTIC_GROUPS {
        let rest: usize = groups[DIAGNOSTIC_GROUPS..].iter().map(|g| g.1.len()).sum();
        out.push_str(&format!("  … {rest} more (see --format json)\n"));
    }
}

fn clusters(out: &mut String, r: &Report, width: usize) {
    if !r.verdict.clusters.is_empty() {
        out.push_str("\nCoupled clusters (deployment units in disguise):\n");
        for (i, c) in r.verdict.clusters.iter().enumerate() {
            let head = format!(
                "{}. {} ({})",
                i + 1,
                super::names(&c.services),
                c.strength.as_str()
            );
            push_wrapped(out, &head, "  ", "     ", width);
            for reason in &c.reasons {
                let line = format!(
                    "- {} [{}]: {}",
                    reason.rule,
                    reason.strength.as_str(),
                    reason.message
                );
                push_wrapped(out, &line, "     ", "       ", width);
            }
            for line in &c.advice {
                push_wrapped(out, &format!("→ {line}"), "     ", "       ", width);
            }
        }
    }
    if !r.verdict.weak_links.is_empty() {
        out.push_str("\nWeak links: released together or on one server (not clusters):\n");
        for w in &r.verdict.weak_links {
            push_wrapped(
                out,
                &format!("- {}: {}", w.rule, w.message),
                "  ",
                "    ",
                width,
            );
        }
    }
}

/// Append `text` wrapped to `width`, the first line after `first`, the others after `rest`.
fn push_wrapped(out: &mut String, text: &str, first: &str, rest: &str, width: usize) {
    for line in wrap_hanging(text, first, rest, width) {
        out.push_str(&line);
        out.push('\n');
    }
}

/// Lines of `text` within `width`, the first prefixed by `first`, the others by `rest`.
fn wrap_hanging(text: &str, first: &str, rest: &str, width: usize) -> Vec<String> {
    let inner = width.saturating_sub(rest.chars().count().max(first.chars().count()));
    wrap(text, inner.max(8))
        .into_iter()
        .enumerate()
        .map(|(i, l)| format!("{}{l}", if i == 0 { first } else { rest }))
        .collect()
}

/// Characters after which a word too long for its line may break: path, name and list
/// separators, so `docker-compose.monitoring.yml` breaks as `docker-compose.` +
/// `monitoring.yml`, never inside `monitoring`.
const BREAK_AFTER: &[char] = &['/', '\\', '.', '-', '_', ',', ':', '=', '&', '?', '@'];

/// Greedy wrap at spaces; a word longer than `width` breaks after a `BREAK_AFTER` character,
/// and only a run with none of them (rare: a hash, a long token) is cut at the width.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        // The pieces of one word are glued to each other, not spaced.
        for (i, piece) in pieces(word, width).into_iter().enumerate() {
            let n = piece.chars().count();
            let gap = usize::from(len > 0 && i == 0);
            if len > 0 && len + gap + n > width {
                lines.push(std::mem::take(&mut line));
                len = 0;
            } else if gap == 1 {
                line.push(' ');
                len += 1;
            }
            line.push_str(&piece);
            len += n;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A word as pieces of at most `width` characters, split after `BREAK_AFTER` characters; a
/// segment with none of them that is longer than the line is cut at the width.
fn pieces(word: &str, width: usize) -> Vec<String> {
    if word.chars().count() <= width {
        return vec![word.to_string()];
    }
    let mut segments: Vec<String> = Vec::new();
    let mut segment = String::new();
    for c in word.chars() {
        segment.push(c);
        if BREAK_AFTER.contains(&c) {
            segments.push(std::mem::take(&mut segment));
        }
    }
    if !segment.is_empty() {
        segments.push(segment);
    }
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for segment in segments {
        let (have, n) = (current.chars().count(), segment.chars().count());
        if have + n <= width {
            current.push_str(&segment);
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if n <= width {
            current = segment;
            continue;
        }
        let chars: Vec<char> = segment.chars().collect();
        let mut chunks = chars.chunks(width).peekable();
        while let Some(chunk) = chunks.next() {
            let text: String = chunk.iter().collect();
            if chunks.peek().is_some() {
                out.push(text);
            } else {
                current = text;
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// ANSI colour for the severity column: the first cell of a findings row.
fn paint_severities(text: &str) -> String {
    const PAINT: &[(&str, &str)] = &[("error", "31"), ("warning", "33"), ("note", "34")];
    let mut out = String::with_capacity(text.len() + 256);
    for line in text.split_inclusive('\n') {
        let rest = line.strip_prefix("│ ");
        let hit = rest.and_then(|r| {
            PAINT
                .iter()
                .find(|(word, _)| r.strip_prefix(word).is_some_and(|t| t.starts_with(' ')))
        });
        match (rest, hit) {
            (Some(r), Some((word, code))) => {
                out.push_str("│ \x1b[");
                out.push_str(code);
                out.push('m');
                out.push_str(word);
                out.push_str("\x1b[0m");
                out.push_str(&r[word.len()..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// Where to look when the scan saw too little.
pub(super) const UNKNOWN_HINT: &str = "Run `monolens inspect <service>` to see what was read for a service, and teach monolens \
your clients (README, \"Teach monolens your clients\"; `monolens explain patterns`).\n";

fn services_table(r: &Report, width: usize) -> String {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.force_no_tty();
    table.set_content_arrangement(ContentArrangement::Dynamic);
    table.set_width(u16::try_from(width).unwrap_or(u16::MAX));
    table.set_header(super::SERVICE_COLUMNS.to_vec());
    for row in &r.verdict.services {
        table.add_row(super::service_cells(row).to_vec());
    }
    table.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_wrap_at_spaces() {
        assert_eq!(wrap("one two three four", 9), ["one two", "three", "four"]);
        assert_eq!(wrap("", 9), [""]);
    }

    #[test]
    fn a_long_path_breaks_after_its_separators() {
        let lines = wrap("at deploy/docker-compose.monitoring.yml:12", 20);
        assert_eq!(
            lines,
            ["at deploy/docker-", "compose.monitoring.", "yml:12"]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 20));
    }

    /// Many generated texts: no line is over the width, nothing is lost or reordered, and a
    /// word is only split after a break character or inside a run longer than the line.
    #[test]
    fn wrapping_keeps_every_character_within_the_width() {
        let alphabet: Vec<char> = "ab cd/ef.gh-ij_kl,mn:op=qr→st…uv  wxyz0123"
            .chars()
            .collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..2_000 {
            let len = next(120);
            let text: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            let width = 1 + next(40);
            let lines = wrap(&text, width);
            for l in &lines {
                assert!(l.chars().count() <= width, "{l:?} over {width} in {text:?}");
            }
            let squeeze = |s: &str| s.chars().filter(|c| *c != ' ').collect::<String>();
            assert_eq!(
                squeeze(&lines.concat()),
                squeeze(&text),
                "{text:?} at {width}"
            );
        }
    }

    #[test]
    fn only_a_run_without_separators_is_cut() {
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    }
}
