//! .env, properties, Spring YAML and appsettings JSON: never a panic. The first byte picks the
//! kind, so one corpus exercises all four.
#![no_main]
use libfuzzer_sys::fuzz_target;
use monolens::discover::InputKind;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (kind, path) = match pick % 4 {
        0 => (InputKind::DotEnv, ".env"),
        1 => (InputKind::Properties, "src/main/resources/application.properties"),
        2 => (InputKind::SpringYaml, "src/main/resources/application.yml"),
        _ => (InputKind::AppSettings, "appsettings.json"),
    };
    let _ = monolens::parse::parse(kind, path, &text);
});
