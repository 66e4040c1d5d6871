//! The thin binary: run the CLI, exit with its code.

use monolens::cli::exit;

// mimalloc: a scan makes millions of small allocations and frees most of them pass by pass;
// with glibc's allocator about a fifth of the CPU went to malloc, free and page faults.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mimalloc.h` (v3, which the pinned libmimalloc-sys
/// builds; the crate names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // Freed memory goes back to the system after 1 ms rather than 10: a scan frees a pass's
    // data and allocates the next one's, and the longer delay let peak RSS grow by a third.
    // SAFETY: sets a process-wide allocator option; no other thread runs yet.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 1) };
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
