//! The thin binary: run the CLI, exit with its code.

fn main() {
    // A panic is a bug; parsers contain theirs per file, so keep the default hook quiet.
    std::panic::set_hook(Box::new(|_| {}));
    std::process::exit(monolens::cli::run(std::env::args()));
}
