//! The example receiver (`examples/callback_receiver.rs`), run as a process over 127.0.0.1, fed
//! bodies signed by an independent implementation of the vendor's rule.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use md5::{Digest, Md5};

/// The vendor's rule written out again, apart from the crate: fields sorted by key, `k=v` joined
/// with `&`, `&partner_key=` appended, md5 in lowercase hex; and a form body by hand.
fn vendor_signed_body(fields: &[(&str, &str)], key: &str) -> String {
    let mut sorted = fields.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut text: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    text.push(format!("partner_key={key}"));
    let sign: String = Md5::digest(text.join("&").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let mut pairs: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    pairs.push(format!("sign={sign}"));
    pairs.join("&")
}

struct Receiver {
    child: Child,
    url: String,
    /// What the receiver printed, read by a thread so the pipe never fills or closes.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The example's binary, built (or found up to date) by cargo, as `cargo run --example` would.
fn example_binary() -> Result<PathBuf, Box<dyn std::error::Error>> {
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "baijiayun",
            "--example",
            "callback_receiver",
        ])
        .status()?;
    if !status.success() {
        return Err("cannot build the callback_receiver example".into());
    }
    let exe = std::env::current_exe()?;
    let debug_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .ok_or("no target directory")?;
    Ok(debug_dir
        .join("examples")
        .join(format!("callback_receiver{}", std::env::consts::EXE_SUFFIX)))
}

fn start(key: &str, extra: &[&str]) -> Result<Receiver, Box<dyn std::error::Error>> {
    let mut child = Command::new(example_binary()?)
        .args(["--addr", "127.0.0.1:0"])
        .args(extra)
        .env("BAIJIAYUN_PARTNER_KEY", key)
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .ok_or_else(|| format!("no URL in {line:?}"))?
        .to_owned();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&log);
    std::thread::spawn(move || {
        for line in reader.lines().map_while(Result::ok) {
            if let Ok(mut l) = sink.lock() {
                l.push(line);
            }
        }
    });
    Ok(Receiver { child, url, log })
}

fn post(url: &str, body: &str) -> Result<String, Box<dyn std::error::Error>> {
    Ok(reqwest::blocking::Client::new()
        .post(format!("{url}/baijiayun/callback"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()?
        .text()?)
}

#[test]
fn accepts_an_independently_signed_body_and_rejects_it_with_one_byte_changed()
-> Result<(), Box<dyn std::error::Error>> {
    let receiver = start("secret", &[])?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        .to_string();
    let fields = [
        ("room_id", "17081558148393"),
        ("video_id", "145058"),
        ("status", "100"),
        ("preface_url", "http://img.example.com/1.jpg"),
        ("total_size", "11353211"),
        ("length", "620"),
        ("now_definition", "low,std,high"),
        ("qid", "delivery-1"),
        ("timestamp", now.as_str()),
    ];
    let body = vendor_signed_body(&fields, "secret");
    assert_eq!(post(&receiver.url, &body)?, r#"{"code":0}"#);
    // It logged the typed event (written before the answer; read here by another thread).
    let wanted = "callback delivery-1: Transcode(Succeeded(TranscodeSucceeded";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let logged = loop {
        let logged = receiver
            .log
            .lock()
            .map(|l| l.join("\n"))
            .unwrap_or_default();
        if logged.contains(wanted) || std::time::Instant::now() > deadline {
            break logged;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert!(logged.contains(wanted), "{logged}");

    // One byte changed: "length=620" becomes "length=621".
    let changed = body.replace("length=620", "length=621");
    assert_ne!(changed, body);
    let refused = post(&receiver.url, &changed)?;
    assert!(refused.starts_with(r#"{"code":1,"msg":"#), "{refused}");

    // The same delivery again is acknowledged, and not handled (logged) a second time.
    assert_eq!(post(&receiver.url, &body)?, r#"{"code":0}"#);
    let logged = receiver
        .log
        .lock()
        .map(|l| l.join("\n"))
        .unwrap_or_default();
    assert_eq!(
        logged.matches("callback delivery-1:").count(),
        1,
        "{logged}"
    );

    // Signed with another key.
    let other = vendor_signed_body(
        &[("qid", "delivery-2"), ("timestamp", now.as_str())],
        "other",
    );
    assert!(post(&receiver.url, &other)?.starts_with(r#"{"code":1"#));
    Ok(())
}

/// Reads until the peer closes (or `within` passes); whether it closed, and what it sent.
fn read_until_closed(
    stream: &mut std::net::TcpStream,
    within: std::time::Duration,
) -> Result<(bool, Vec<u8>), Box<dyn std::error::Error>> {
    use std::io::Read as _;
    stream.set_read_timeout(Some(within))?;
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok((true, got)),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Ok((false, got));
            }
            Err(_) => return Ok((true, got)),
        }
    }
}

#[test]
fn closes_a_half_sent_request_after_its_timeout() -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write as _;
    // A 1 s timeout instead of the default 30 s.
    let receiver = start("secret", &["--timeout", "1"])?;
    let addr = receiver.url.trim_start_matches("http://").to_owned();
    let wait = std::time::Duration::from_secs(15);
    // Headers cut off in the middle.
    let mut headers = std::net::TcpStream::connect(&addr)?;
    headers.write_all(b"POST /baijiayun/callback HTTP/1.1\r\nHost: x\r\n")?;
    let (closed, _) = read_until_closed(&mut headers, wait)?;
    assert!(closed, "a half-sent header still open after {wait:?}");
    // Whole headers, half the body: closed, and nothing was handled.
    let mut body = std::net::TcpStream::connect(&addr)?;
    body.write_all(
        b"POST /baijiayun/callback HTTP/1.1\r\nHost: x\r\nContent-Length: 400\r\n\r\nroom_id=1&qid=",
    )?;
    let (closed, answered) = read_until_closed(&mut body, wait)?;
    assert!(closed, "a half-sent body still open after {wait:?}");
    assert!(
        answered.is_empty(),
        "{}",
        String::from_utf8_lossy(&answered)
    );
    // And it still answers whole requests.
    assert!(post(&receiver.url, "qid=1")?.starts_with(r#"{"code":1"#));
    Ok(())
}
