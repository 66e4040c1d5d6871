//! SQL migrations: facts and diagnostics, never a panic, with no quoted literal in a diagnostic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let (_, diagnostics) = monolens::parse::sql::parse("db/V1__init.sql", text);
    for d in diagnostics {
        assert!(!d.message.contains("PLANTED"), "{}", d.message);
    }
});
