//! docker-compose files: facts or diagnostics, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use monolens::discover::InputKind;

fuzz_target!(|text: &str| {
    let _ = monolens::parse::parse(InputKind::Compose, "docker-compose.yml", text);
});
