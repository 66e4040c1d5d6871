//! Text safe to show: control characters from the scanned repository (ESC, BEL, newlines in
//! a service name) are escaped so they cannot drive a terminal or break a report's lines.

use std::borrow::Cow;

/// Every control character escaped (`\u{1b}`, `\n`): for names and other one-line values.
pub fn one_line(s: &str) -> Cow<'_, str> {
    escape(s, |_| true)
}

/// Control characters escaped except line breaks and tabs: for a rendered report, whose own
/// lines are made by the renderer and whose values were made one-line before.
pub fn lines(s: &str) -> Cow<'_, str> {
    escape(s, |c| c != '\n' && c != '\t')
}

fn escape(s: &str, hide: impl Fn(char) -> bool) -> Cow<'_, str> {
    let bad = |c: char| c.is_control() && hide(c);
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_plain_text_is_borrowed() {
        assert_eq!(one_line("evil\x1b[2J\x07"), "evil\\u{1b}[2J\\u{7}");
        assert_eq!(one_line("a\nb"), "a\\nb");
        assert_eq!(lines("a\nb\x1b"), "a\nb\\u{1b}");
        assert!(matches!(one_line("orders-api"), Cow::Borrowed(_)));
    }
}
