//! The standalone fake server (`baijiayun-mock`), run as a separate process the way a test suite in
//! another language would run it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use baijiayun::{Client, Error};
use baijiayun_mock::seed;

/// The child process, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Result<Server, Box<dyn std::error::Error>> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baijiayun-mock"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--partner-id",
            "100",
            "--partner-key",
            "secret",
        ])
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .ok_or_else(|| format!("no URL in {line:?}"))?
        .to_owned();
    Ok(Server { child, url })
}

#[test]
fn serves_the_api_and_refuses_a_wrong_key_with_the_sign_error()
-> Result<(), Box<dyn std::error::Error>> {
    let server = start()?;
    let url = server.url.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let good = Client::builder(100, "secret")
            .base_url(url.clone())
            .build()?;
        let info = good.get_basic_info(seed::ROOM).send().await?;
        assert_eq!(info.status, baijiayun::types::PlaybackStatus::Ready);
        let bad = Client::builder(100, "wrong")
            .base_url(url.clone())
            .build()?;
        match bad.get_basic_info(seed::ROOM).send().await {
            Err(Error::Api { code: 1002, .. }) => Ok::<(), Box<dyn std::error::Error>>(()),
            other => Err(format!("async: expected 1002, got {other:?}").into()),
        }
    })?;
    drop(runtime);
    let bad: baijiayun::blocking::Client = baijiayun::blocking::Client::builder(100, "wrong")
        .base_url(url)
        .build()?;
    match bad.get_basic_info(seed::ROOM).send() {
        Err(Error::Api { code: 1002, .. }) => Ok(()),
        other => Err(format!("blocking: expected 1002, got {other:?}").into()),
    }
}

#[test]
fn refuses_bad_arguments() -> Result<(), Box<dyn std::error::Error>> {
    let out = Command::new(env!("CARGO_BIN_EXE_baijiayun-mock"))
        .args(["--partner-id", "abc"])
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--partner-id abc"));
    Ok(())
}
