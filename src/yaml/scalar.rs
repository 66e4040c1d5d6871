//! How a plain YAML scalar is typed: null, boolean, integer, float or text.
//!
//! The forms are YAML 1.2 core schema plus the YAML 1.1 booleans (`yes`, `on`, `y`) that
//! compose and Helm files still write; a number that overflows stays a float (`1e400` is
//! infinite) and anything else is text, so a scalar never fails its file.

use super::Value;

/// Plain scalars that mean null.
const NULLS: &[&str] = &["", "~", "null", "Null", "NULL"];

/// YAML 1.1 booleans, compared without case.
const TRUES: &[&str] = &["true", "yes", "y", "on"];
const FALSES: &[&str] = &["false", "no", "n", "off"];

/// Non-finite float spellings (YAML 1.2 core schema).
const NANS: &[&str] = &[".nan", ".NaN", ".NAN"];
const INFS: &[&str] = &[".inf", ".Inf", ".INF"];

/// The value of a plain, untagged scalar.
pub(super) fn plain(text: &str) -> Value {
    if NULLS.contains(&text) {
        return Value::Null;
    }
    if let Some(b) = boolean(text) {
        return Value::Bool(b);
    }
    number(text).unwrap_or_else(|| Value::Str(text.to_owned()))
}

/// A scalar with a core-schema tag (`!!str`, `!!int`, …): the tag decides, and a value that
/// does not fit its tag is kept as text.
pub(super) fn tagged(suffix: &str, text: &str) -> Value {
    let typed = match suffix {
        "null" => Some(Value::Null),
        "bool" => boolean(text).map(Value::Bool),
        "int" => integer(text),
        "float" => float(text),
        _ => None,
    };
    typed.unwrap_or_else(|| Value::Str(text.to_owned()))
}

fn boolean(text: &str) -> Option<bool> {
    let t = text.trim_matches([' ', '\t']);
    if TRUES.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Some(true)
    } else if FALSES.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Some(false)
    } else {
        None
    }
}

fn number(text: &str) -> Option<Value> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    // Upper-case radix prefixes and signed NaN are text in the core schema.
    let upper_radix = matches!(unsigned.as_bytes(), [b'0', b'X' | b'O' | b'B', ..]);
    if upper_radix || (unsigned.len() < text.len() && NANS.contains(&unsigned)) {
        return None;
    }
    integer(text).or_else(|| float(text))
}

/// A decimal (no redundant leading zero), `0x`, `0o` or `0b` integer with `_` separators
/// between digits; one beyond i64 stays its decimal text.
fn integer(text: &str) -> Option<Value> {
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(d) = rest.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = rest.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = rest.strip_prefix("0b") {
        (2, d)
    } else {
        if rest.len() > 1 && rest.starts_with('0') {
            return None;
        }
        (10, rest)
    };
    let magnitude = digits_value(digits, radix)?;
    if negative {
        let v = i128::try_from(magnitude).ok()?.checked_neg()?;
        i64::try_from(v).ok().map(Value::Int)
    } else {
        let v = u64::try_from(magnitude).ok()?;
        Some(i64::try_from(v).map_or(Value::Str(v.to_string()), Value::Int))
    }
}

fn digits_value(digits: &str, radix: u32) -> Option<u128> {
    let bytes = digits.as_bytes();
    let mut value: u128 = 0;
    let mut seen = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let between =
                i > 0 && bytes[i - 1] != b'_' && bytes.get(i + 1).is_some_and(|&n| n != b'_');
            if !between {
                return None;
            }
            continue;
        }
        let d = (b as char).to_digit(radix)?;
        value = value
            .checked_mul(u128::from(radix))?
            .checked_add(u128::from(d))?;
        seen = true;
    }
    seen.then_some(value)
}

/// A float: `.inf`/`.nan` forms, a finite decimal, or a numeral that overflows to infinity.
fn float(text: &str) -> Option<Value> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if NANS.contains(&unsigned) {
        return Some(Value::Float(f64::NAN));
    }
    if INFS.contains(&unsigned) {
        let inf = if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        return Some(Value::Float(inf));
    }
    let v: f64 = text.parse().ok()?;
    // Rust also reads `inf` and `nan`, which YAML keeps as text.
    let numeral = unsigned.as_bytes().first().is_some_and(u8::is_ascii_digit);
    (v.is_finite() || (v.is_infinite() && numeral)).then_some(Value::Float(v))
}
