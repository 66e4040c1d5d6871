//! Variable interpolation: compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?msg}`, `${VAR:+alt}`, `$VAR`, `$$`; and Spring's `${name:default}` placeholders.

/// The longest value interpolation makes. References that repeat a large value (`${A}` 300
/// times over a 1 MB `A`) would otherwise grow without bound; the value is cut here.
pub const MAX_LEN: usize = 64 * 1024;

/// Interpolate compose-style references. `lookup` answers a variable's value when the
/// repository defines it; an unset variable without a default becomes "".
pub fn compose(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    compose_capped(text, lookup).0
}

/// [`compose`], and whether the result was cut at [`MAX_LEN`] (the caller reports it).
pub fn compose_capped(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> (String, bool) {
    capped(expand(text, lookup, Style::Compose, 0), text)
}

/// Interpolate Spring-style `${name:default}` placeholders.
pub fn spring(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    spring_capped(text, lookup).0
}

/// [`spring`], and whether the result was cut at [`MAX_LEN`].
pub fn spring_capped(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> (String, bool) {
    capped(expand(text, lookup, Style::Spring, 0), text)
}

/// A value that grew past the cap by interpolation is cut (a long literal value stays).
fn capped(mut out: String, text: &str) -> (String, bool) {
    if out.len() <= MAX_LEN.max(text.len()) {
        return (out, false);
    }
    out.truncate(floor_char_boundary(&out, MAX_LEN));
    (out, true)
}

fn floor_char_boundary(s: &str, at: usize) -> usize {
    (0..=at.min(s.len()))
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0)
}

/// The variable names a text references, in order (for `image: x:${TAG}` grouping).
pub fn variables(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && i + 1 < bytes.len() {
            if bytes[i + 1] == b'$' {
                i += 2;
                continue;
            }
            let start = if bytes[i + 1] == b'{' { i + 2 } else { i + 1 };
            let end = start
                + text[start..]
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
            if end > start {
                names.push(text[start..end].to_string());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    names
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Compose,
    Spring,
}

/// Index of the `}` closing the `${` that starts at `open` (which points at `{`).
fn closing_brace(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate().skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>, style: Style, depth: u32) -> String {
    if depth > 8 || !text.contains('$') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let limit = MAX_LEN.max(text.len());
    while let Some(pos) = rest.find('$') {
        if out.len() > limit {
            // Past the cap: the caller cuts the value; expanding further only costs memory.
            return out;
        }
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if style == Style::Compose && after.starts_with('$') {
            out.push('$');
            rest = &after[1..];
        } else if after.starts_with('{') {
            let Some(close) = closing_brace(after, 0) else {
                out.push_str(&rest[pos..]);
                return out;
            };
            let inner = &after[1..close];
            out.push_str(&resolve_braced(inner, lookup, style, depth));
            rest = &after[close + 1..];
        } else if style == Style::Compose {
            let len = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            if len == 0 {
                out.push('$');
            } else {
                out.push_str(&lookup(&after[..len]).unwrap_or_default());
            }
            rest = &after[len..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn resolve_braced(
    inner: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    style: Style,
    depth: u32,
) -> String {
    let again = |s: &str| expand(s, lookup, style, depth + 1);
    match style {
        Style::Spring => match inner.split_once(':') {
            Some((name, default)) => lookup(name).unwrap_or_else(|| again(default)),
            None => lookup(inner).unwrap_or_else(|| format!("${{{inner}}}")),
        },
        Style::Compose => {
            let name_len = inner
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            let (name, op) = inner.split_at(name_len);
            let value = lookup(name);
            let set_nonempty = value.as_deref().is_some_and(|v| !v.is_empty());
            if let Some(default) = op.strip_prefix(":-") {
                if set_nonempty {
                    value.unwrap_or_default()
                } else {
                    again(default)
                }
            } else if let Some(default) = op.strip_prefix('-') {
                value.unwrap_or_else(|| again(default))
            } else if let Some(alt) = op.strip_prefix(":+") {
                if set_nonempty {
                    again(alt)
                } else {
                    String::new()
                }
            } else if let Some(alt) = op.strip_prefix('+') {
                if value.is_some() {
                    again(alt)
                } else {
                    String::new()
                }
            } else {
                // `${VAR}`, `${VAR:?msg}`, `${VAR?msg}`: the value, or nothing.
                value.unwrap_or_default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TAG" => Some("1.2".into()),
            "EMPTY" => Some(String::new()),
            "HOST" => Some("db".into()),
            _ => None,
        }
    }

    #[test]
    fn compose_forms() {
        assert_eq!(compose("x:${TAG}", &env), "x:1.2");
        assert_eq!(compose("x:$TAG-y", &env), "x:1.2-y");
        assert_eq!(compose("${NOPE:-a;b=c}", &env), "a;b=c");
        assert_eq!(compose("${EMPTY:-d}", &env), "d");
        assert_eq!(compose("${EMPTY-d}", &env), "");
        assert_eq!(compose("${NOPE-d}", &env), "d");
        assert_eq!(compose("${NOPE:?must be set}", &env), "");
        assert_eq!(compose("${TAG:?must be set}", &env), "1.2");
        assert_eq!(compose("$$HOME", &env), "$HOME");
        assert_eq!(compose("${NOPE:-${HOST}:5432}", &env), "db:5432");
        assert_eq!(compose("${TAG:+yes}", &env), "yes");
        assert_eq!(compose("${broken", &env), "${broken");
    }

    #[test]
    fn spring_forms() {
        assert_eq!(
            spring("jdbc:mysql://${HOST:localhost}/x", &env),
            "jdbc:mysql://db/x"
        );
        assert_eq!(spring("${NOPE:mysql}:3306", &env), "mysql:3306");
        assert_eq!(spring("${NOPE}", &env), "${NOPE}");
    }

    #[test]
    fn amplification_is_cut_at_the_cap() {
        let big = "x".repeat(1 << 20);
        let lookup = |n: &str| (n == "A").then(|| big.clone());
        let text = "${A}".repeat(300);
        let (value, cut) = compose_capped(&text, &lookup);
        assert!(cut);
        assert_eq!(value.len(), MAX_LEN);
        // One reference to a long value is that value, not a cut.
        let (value, cut) = compose_capped("${A}", &|_| Some("y".repeat(10)));
        assert_eq!((value.as_str(), cut), ("yyyyyyyyyy", false));
        let (_, cut) = spring_capped(&"${A}".repeat(300), &lookup);
        assert!(cut);
    }

    #[test]
    fn variable_names() {
        assert_eq!(
            variables("r/x:${TAG:-latest}-$ARCH $$NOT"),
            vec!["TAG", "ARCH"]
        );
    }
}
