//! The YAML layer: any text parses to a positioned tree or a located error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(e) = monolens::yaml::parse_documents(text) {
        assert!(e.line >= 1 && e.column >= 1, "errors carry a position");
    }
});
