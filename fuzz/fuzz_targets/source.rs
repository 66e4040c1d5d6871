//! The source literal scanner, with service names to match: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use monolens::model::FileFacts;
use monolens::parse::source::{Matcher, parse};

fuzz_target!(|text: &str| {
    let matcher = Matcher::new(["orders".to_string(), "billing".to_string(), "cart-api".to_string()]);
    let mut out = FileFacts::default();
    parse("src/Client.java", text, &matcher, &mut out);
});
