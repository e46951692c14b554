//! `cargo xtask bench-build`: what the generated client costs to build.
//!
//! 1. A clean release build of `baijiayun`, against a crate that depends only on reqwest, serde and
//!    serde_json with the same features (both in fresh target directories, dependencies fetched
//!    beforehand so downloads are not timed).
//! 2. The incremental release rebuild of `baijiayun` after a one-line change to the spec, and the
//!    regeneration itself.
//! 3. Full code generation of the spec, in process.
//!
//! Everything happens on a copy of the workspace's files (as `git ls-files` lists them) under `target/bench-build/`; the workspace is
//! never modified.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

const BASELINE_MANIFEST: &str = r#"[package]
name = "build-baseline"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
reqwest = { version = "0.13", default-features = false, features = ["rustls", "http2", "blocking"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"

[workspace]
"#;

const BASELINE_LIB: &str = r#"//! A client a user could write by hand: it uses what the generated client uses.
#[derive(serde::Deserialize)]
pub struct Envelope { pub code: i64, pub data: Option<serde_json::Value> }

pub fn post(url: &str, form: String) -> Result<Envelope, Box<dyn std::error::Error>> {
    let body = reqwest::blocking::Client::new().post(url).body(form).send()?.bytes()?;
    Ok(serde_json::from_slice(&body)?)
}

pub async fn post_async(url: &str, form: String) -> Result<Envelope, Box<dyn std::error::Error>> {
    let body = reqwest::Client::new().post(url).body(form).send().await?.bytes().await?;
    Ok(serde_json::from_slice(&body)?)
}
"#;

fn run(dir: &Path, target: &Path, args: &[&str]) -> Result<Duration> {
    let start = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed in {}", args.join(" "), dir.display());
    }
    Ok(start.elapsed())
}

/// Copies the files git knows (tracked, or new and not ignored; the working tree's versions) to `to`.
fn copy_tracked(root: &Path, to: &Path) -> Result<()> {
    let out = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .context("git ls-files")?;
    if !out.status.success() {
        bail!("git ls-files failed");
    }
    for name in out.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name);
        let (from, dest) = (root.join(name.as_ref()), to.join(name.as_ref()));
        if let Some(dir) = dest.parent() {
            fs::create_dir_all(dir)?;
        }
        if from.is_file() {
            fs::copy(&from, &dest).with_context(|| format!("copying {}", from.display()))?;
        }
    }
    Ok(())
}

/// Regenerates the copy's generated files from its spec; returns the time generation took.
fn regenerate(repo: &Path) -> Result<Duration> {
    let sources = crate::codegen::read_spec(repo)?;
    let start = Instant::now();
    let files = codegen::generate_client(&sources).map_err(|d| anyhow::anyhow!("{d}"))?;
    let took = start.elapsed();
    for f in files {
        let path = repo.join(&f.path);
        if fs::read_to_string(&path).ok().as_deref() != Some(f.contents.as_str()) {
            fs::write(&path, f.contents)?;
        }
    }
    Ok(took)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

pub(crate) fn run_all(root: &Path, rounds_wanted: u32) -> Result<()> {
    let work = root.join("target/bench-build");
    if work.exists() {
        fs::remove_dir_all(&work).context("clearing target/bench-build")?;
    }
    let repo = work.join("repo");
    let baseline = work.join("baseline");
    copy_tracked(root, &repo)?;
    fs::create_dir_all(baseline.join("src"))?;
    fs::write(baseline.join("Cargo.toml"), BASELINE_MANIFEST)?;
    fs::write(baseline.join("src/lib.rs"), BASELINE_LIB)?;
    fs::copy(root.join("Cargo.lock"), baseline.join("Cargo.lock"))?;

    eprintln!("fetching dependencies (not timed)…");
    run(&repo, &work.join("t-client"), &["fetch", "--locked"])?;
    run(&baseline, &work.join("t-baseline"), &["fetch"])?;

    // Clean builds alternate, baseline then client, so that a slow spell of a shared machine
    // falls on both; each round's ratio is shown, and the ratio of the totals is the figure.
    let build = ["build", "--release", "--offline", "--quiet"];
    let client_build = [&build[..], &["-p", "baijiayun"]].concat();
    let client_target = work.join("t-client");
    let mut rounds = Vec::new();
    for round in 1..=rounds_wanted {
        for t in ["t-baseline", "t-client"] {
            let release = work.join(t).join("release");
            if release.exists() {
                fs::remove_dir_all(&release).context("clearing a release build")?;
            }
        }
        eprintln!("round {round}/{rounds_wanted}: clean release build of the baseline…");
        let base = run(&baseline, &work.join("t-baseline"), &build)?;
        eprintln!("round {round}/{rounds_wanted}: clean release build of baijiayun…");
        let client = run(&repo, &client_target, &client_build)?;
        rounds.push((base, client));
    }

    eprintln!("one-line spec change, regeneration and incremental rebuild…");
    let spec = repo.join("spec/playback.yaml");
    let text = fs::read_to_string(&spec)?;
    let changed = text.replacen(
        "summary: Query a room's playback status and details.",
        "summary: Query a room's playback status and its details.",
        1,
    );
    if changed == text {
        bail!("the line to change was not found in spec/playback.yaml");
    }
    fs::write(&spec, changed)?;
    let regen = regenerate(&repo)?;
    let incremental = run(&repo, &client_target, &client_build)?;

    let mut gens = Vec::new();
    for _ in 0..10 {
        gens.push(regenerate(&repo)?);
    }
    let codegen_time = median(gens);

    let out = report(&rounds, incremental, codegen_time, regen);
    #[allow(clippy::print_stdout, reason = "the report is the command's output")]
    {
        print!("{out}");
    }
    fs::write(work.join("report.txt"), out)?;
    Ok(())
}

/// The report: each round's clean builds and their ratio, the ratio of the totals against its
/// target, the incremental rebuild, and generation's times.
fn report(
    rounds: &[(Duration, Duration)],
    incremental: Duration,
    codegen_time: Duration,
    regen: Duration,
) -> String {
    let secs = |f: fn(&(Duration, Duration)) -> Duration| -> f64 {
        rounds.iter().map(f).map(|d| d.as_secs_f64()).sum()
    };
    let (base_total, client_total) = (secs(|r| r.0), secs(|r| r.1));
    let ratio = client_total / base_total.max(1e-9);
    let mut out = String::new();
    out.push_str(&format!(
        "{:<58} {:>10}\n",
        "build cost (release profile, default jobs)", "seconds"
    ));
    for (i, (base, client)) in rounds.iter().enumerate() {
        out.push_str(&format!(
            "{:<58} {:>10.1}\n{:<58} {:>10.1}\n{:<58} {:>10.3}\n",
            format!(
                "round {}: clean build, reqwest + serde + serde_json baseline",
                i + 1
            ),
            base.as_secs_f64(),
            format!("round {}: clean build, baijiayun", i + 1),
            client.as_secs_f64(),
            format!("round {}: ratio", i + 1),
            client.as_secs_f64() / base.as_secs_f64().max(1e-9),
        ));
    }
    out.push_str(&format!(
        "{:<58} {:>10.3}  target ≤1.3 {}\n",
        "ratio baijiayun / baseline (all rounds)",
        ratio,
        if ratio <= 1.3 { "met" } else { "MISSED" }
    ));
    out.push_str(&format!(
        "{:<58} {:>10.1}\n",
        "incremental rebuild after a one-line spec change",
        incremental.as_secs_f64()
    ));
    out.push_str(&format!(
        "{:<58} {:>10.3}  target <1 s {}\n",
        "code generation of the full spec (median of 10)",
        codegen_time.as_secs_f64(),
        if codegen_time < Duration::from_secs(1) {
            "met"
        } else {
            "MISSED"
        }
    ));
    out.push_str(&format!(
        "{:<58} {:>10.3}\n",
        "code generation after the change",
        regen.as_secs_f64()
    ));
    out
}
