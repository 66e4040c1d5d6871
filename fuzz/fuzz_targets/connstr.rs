//! Connection strings and redaction: parsing never panics, and masking is stable (masking a
//! masked text changes nothing) and never leaves a URL password in place.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = monolens::connstr::parse(text);
    let once = monolens::redact::redact(text);
    assert_eq!(monolens::redact::redact(&once), once, "redaction is idempotent");
    let _ = monolens::redact::plaintext_credential("DATABASE_URL", text);
    let _ = monolens::redact::setting_value("DB_PASSWORD", text, true);
    let _ = monolens::redact::mask_sql_literals(text);
    let planted = format!("postgres://app:PLANTED{}@db/x", text.replace(['@', '/', ' '], ""));
    if !planted.contains(['"', '\'', '`', '<', '>', ';', '\n', '\t', '\r']) && !planted.chars().any(char::is_whitespace) {
        assert!(!monolens::redact::redact(&planted).contains("PLANTED"), "{planted}");
    }
});
