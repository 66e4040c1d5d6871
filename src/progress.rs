//! Progress on a terminal: a spinner on stderr for work that takes more than a second, never
//! when stderr is not a terminal, in CI, or when the caller says quiet.

use std::io::IsTerminal;
use std::sync::mpsc;
use std::time::Duration;

/// Whether progress may be drawn at all.
pub fn allowed(quiet: bool) -> bool {
    !quiet && std::env::var_os("CI").is_none() && std::io::stderr().is_terminal()
}

/// Run `work`; when `enabled` and it takes longer than a second, show a spinner with `label`.
pub fn after<T: Send>(enabled: bool, label: &str, work: impl FnOnce() -> T + Send) -> T {
    if !enabled {
        return work();
    }
    let (done, wait) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        let label = label.to_string();
        s.spawn(move || {
            if wait.recv_timeout(Duration::from_secs(1)).is_ok() {
                return;
            }
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_message(label);
            bar.enable_steady_tick(Duration::from_millis(100));
            let _ = wait.recv();
            bar.finish_and_clear();
        });
        let out = work();
        let _ = done.send(());
        out
    })
}
