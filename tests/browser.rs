//! The HTML report in a real browser: headless Chromium renders the demo's report, the
//! script runs to its end without a console message, and the screenshot shows the picture
//! (the flagged edges' red and the datastores' fill). `MONOLENS_BLESS=1` copies the
//! screenshot to `docs/report.png`. Skipped, with a message, when Chromium is absent.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn chromium() -> Option<PathBuf> {
    let from_env = std::env::var_os("MONOLENS_CHROMIUM").map(PathBuf::from);
    let known = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ];
    from_env
        .into_iter()
        .chain(known.iter().map(PathBuf::from))
        .find(|p| p.is_file())
}

fn run_chromium(bin: &Path, args: &[&str], page: &Path) -> std::process::Output {
    let url = format!("file://{}", page.display());
    std::process::Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args([
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1400,1000",
        ])
        .args(args)
        .arg(&url)
        .output()
        .expect("chromium runs")
}

/// Pixels within a small distance of `rgb`.
fn count_near(data: &[u8], channels: usize, rgb: [u8; 3]) -> usize {
    data.chunks(channels)
        .filter(|p| (0..3).all(|i| (p[i] as i32 - rgb[i] as i32).abs() <= 24))
        .count()
}

#[test]
fn the_demo_report_renders_in_chromium() {
    let Some(bin) = chromium() else {
        eprintln!("skipped: no Chromium (install Debian's `chromium`, or set MONOLENS_CHROMIUM)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    Command::cargo_bin("monolens")
        .unwrap()
        .args([
            "scan",
            "fixtures/demo",
            "--no-history",
            "--quiet",
            "--fail-on",
            "never",
        ])
        .args(["--format", "html", "--output"])
        .arg(&page)
        .assert()
        .success();

    let dom = run_chromium(&bin, &["--dump-dom"], &page);
    let text = String::from_utf8_lossy(&dom.stdout);
    let log = String::from_utf8_lossy(&dom.stderr);
    assert!(
        text.contains("data-ready=\"yes\""),
        "the script did not finish:\n{log}"
    );
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.is_empty(),
        "console messages:\n{}",
        console.join("\n")
    );
    assert!(text.contains("<svg") && text.contains("class=\"node service"));

    let shot = dir.path().join("report.png");
    let arg = format!("--screenshot={}", shot.display());
    let out = run_chromium(&bin, &[&arg], &page);
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    // Flagged edges (#c62828) and datastore fills (#fff6e5) only exist in the picture.
    let red = count_near(pixels, channels, [0xc6, 0x28, 0x28]);
    let store = count_near(pixels, channels, [0xff, 0xf6, 0xe5]);
    assert!(red > 150, "too few red pixels in the picture: {red}");
    assert!(
        store > 1000,
        "too few datastore pixels in the picture: {store}"
    );
    if std::env::var_os("MONOLENS_BLESS").is_some() {
        std::fs::copy(&shot, "docs/report.png").unwrap();
    }
}
