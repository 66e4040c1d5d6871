//! The thin binary: run the CLI, exit with its code.

use monolens::cli::exit;

fn main() {
    // A panic is a bug. Per-file ones are contained (a diagnostic, the scan goes on); any
    // other ends the run with one sentence and exit 2, never a backtrace or exit 101.
    std::panic::set_hook(Box::new(|info| {
        if monolens::panic_is_contained() {
            return;
        }
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map_or(String::new(), |l| format!(" at {}:{}", l.file(), l.line()));
        eprintln!(
            "error: monolens hit an internal error{at} ({what}); this is a bug, please report it with the command you ran"
        );
    }));
    let code = std::panic::catch_unwind(|| monolens::cli::run(std::env::args()));
    std::process::exit(code.unwrap_or(exit::ERROR));
}
