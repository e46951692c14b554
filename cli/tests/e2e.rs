//! The `baijiayun` binary end to end, against the fake server on 127.0.0.1.
//!
//! The endpoints and their required parameters come from the spec itself (read through the
//! generator's IR), not from the command line's generated code, so a spec change that the
//! command line misses fails here. Every run's stdout and stderr is checked for the partner key.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use assert_cmd::cargo::cargo_bin_cmd;
use baijiayun::operations::Operation;
use baijiayun_mock::{MockServer, seed};
use predicates::prelude::*;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A key nobody would print by accident, so finding it in output means it leaked.
const KEY: &str = "cli-e2e-partner-key-5f3a9c";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

fn spec() -> Result<codegen::ir::Api> {
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(root().join("spec"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|x| x == "yaml") {
            sources.push(codegen::SourceFile {
                name: format!(
                    "spec/{}",
                    path.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default()
                ),
                text: std::fs::read_to_string(&path)?,
            });
        }
    }
    codegen::load(&sources).map_err(|d| format!("the spec does not load:\n{d}").into())
}

fn server() -> Result<MockServer> {
    Ok(MockServer::builder()
        .partner_key(KEY)
        .no_rate_limit()
        .start_blocking()?)
}

/// The binary, pointed at `server` through the environment only.
fn cli(server: &MockServer) -> Command {
    let mut cmd = cargo_bin_cmd!("baijiayun");
    cmd.env_clear()
        .env("BAIJIAYUN_PARTNER_ID", server.partner_id().to_string())
        .env("BAIJIAYUN_PARTNER_KEY", KEY)
        .env("BAIJIAYUN_BASE_URL", server.url())
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

/// Runs `cmd`, checks that the key appears in neither stream, and returns (code, stdout, stderr).
fn run(cmd: &mut Command) -> Result<(i32, String, String)> {
    let out = cmd.output()?;
    let stdout = String::from_utf8(out.stdout)?;
    let stderr = String::from_utf8(out.stderr)?;
    assert!(
        !stdout.contains(KEY),
        "the partner key leaked to stdout: {stdout}"
    );
    assert!(
        !stderr.contains(KEY),
        "the partner key leaked to stderr: {stderr}"
    );
    Ok((out.status.code().unwrap_or(-1), stdout, stderr))
}

/// The command line of `endpoint` with a sample for each required flag.
fn command_line(e: &codegen::ir::Endpoint) -> Result<Vec<String>> {
    let mut args = vec![e.name.replace('_', "-")];
    for p in e.params.iter().filter(|p| p.required) {
        let value = sample(e, &p.wire)
            .ok_or_else(|| format!("no sample value for {}.{}: add one", e.name, p.wire))?;
        args.push(format!("--{}", p.wire.replace('_', "-")));
        args.push(value);
    }
    if e.name == "delete_chat" {
        // The vendor wants one of its three optional selections.
        args.extend(["--delete-user-number".into(), seed::USERS[0].to_string()]);
    }
    if !e.retry_safe {
        args.push("--yes".into());
    }
    Ok(args)
}

/// What must run first for `e` to have something to act on: `add_x` before `delete_x`, and the
/// writes that make a pure video before the reads of it.
fn setup<'a>(
    api: &'a codegen::ir::Api,
    e: &codegen::ir::Endpoint,
) -> Option<&'a codegen::ir::Endpoint> {
    let before = match e.name.as_str() {
        "get_record_video_url" => "record_video".to_owned(),
        "get_mixed_playback_video_info" => "create_mixed_playback_video".to_owned(),
        name => format!("add_{}", name.strip_prefix("delete_")?),
    };
    api.endpoints().find(|x| x.name == before)
}

/// A value of a required parameter that the fake server's seed accepts, by wire name.
fn sample(endpoint: &codegen::ir::Endpoint, wire: &str) -> Option<String> {
    let long_term = endpoint
        .params
        .iter()
        .any(|p| p.required && p.wire == "session_id");
    let session = seed::LONG_ROOM_SESSIONS[0];
    Some(match wire {
        "room_id" if long_term => seed::LONG_ROOM.to_string(),
        "room_id" | "source_room_id" => seed::ROOM.to_string(),
        "target_room_id" => seed::SMALL_CLASS_ROOM.to_string(),
        "session_id" => session.to_string(),
        "room_ids" => format!("{},{}-{session}", seed::ROOM, seed::LONG_ROOM),
        "user_ids" => format!("{},{}", seed::USERS[2], seed::USERS[3]),
        "video_id" => seed::VOD_VIDEO_ID.to_string(),
        "mixed_playback_id" => seed::MIXED_PLAYBACK_ID.to_string(),
        "product_type" => "large-class".into(),
        "status" => "blocked".into(),
        "type" => "replace".into(),
        "page" => "1".into(),
        "page_size" => "10".into(),
        "version" => "1".into(),
        "expires_in" => "3600".into(),
        "valid_day" => "30".into(),
        "length_per_segment" => "600".into(),
        "name" => "改名 renamed".into(),
        "url" => "https://receiver.example.com/baijiayun".into(),
        "start_time" => format!("{} 00:00:00", seed::PLAY_DAYS[0]),
        "end_time" => format!("{} 23:59:59", seed::PLAY_DAYS[0]),
        "crop_info" => r#"[{"start_time":60,"end_time":600,"name":"第一段"}]"#.into(),
        "data" => r#"{"video_id":900001,"expire_time":"2030-01-01 00:00:00"}"#.into(),
        _ => return None,
    })
}

#[test]
fn every_subcommand_runs_once_with_its_required_flags() -> Result {
    let api = spec()?;
    let mut failures = Vec::new();
    let mut ran = 0;
    for e in api.endpoints() {
        // A fresh fake per endpoint: writes (deletes, replacements) must not change what the
        // next endpoint sees.
        let server = server()?;
        if let Some(first) = setup(&api, e) {
            let (code, _, stderr) = run(cli(&server).args(command_line(first)?))?;
            assert_eq!(code, 0, "{} before {}: {stderr}", first.name, e.name);
        }
        let (code, stdout, stderr) = run(cli(&server).args(command_line(e)?))?;
        ran += 1;
        if code != 0 {
            failures.push(format!("{}: exit {code}: {stderr}", e.name));
            continue;
        }
        if let Err(err) = serde_json::from_str::<serde_json::Value>(&stdout) {
            failures.push(format!("{}: stdout is not JSON ({err}): {stdout}", e.name));
        }
        let op = Operation::from_name(&e.name).ok_or("an endpoint without an operation")?;
        let calls = server.requests_for(op).len();
        if calls != 1 {
            failures.push(format!(
                "{}: the fake received {calls} calls, not 1",
                e.name
            ));
        }
    }
    assert_eq!(ran, 41, "the spec has 41 endpoints");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}

#[test]
fn help_lists_every_endpoint_with_its_chinese_and_english_titles() -> Result {
    let api = spec()?;
    let server = server()?;
    let (code, stdout, _) = run(cli(&server).arg("--help"))?;
    assert_eq!(code, 0);
    // A long title wraps onto the next line: compare without whitespace.
    let squeezed: String = stdout.split_whitespace().collect();
    for e in api.endpoints() {
        let name = e.name.replace('_', "-");
        assert!(
            stdout.contains(&format!("  {name} ")),
            "--help misses {name}"
        );
        let title: String = e.title_zh.split_whitespace().collect();
        assert!(squeezed.contains(&title), "--help misses {}", e.title_zh);
    }
    let (_, stdout, _) = run(cli(&server).args(["get-list", "--help"]))?;
    // Long descriptions wrap: compare without whitespace.
    let squeezed: String = stdout.split_whitespace().collect();
    assert!(squeezed.contains("产品线") && squeezed.contains("Theproductlinetolist."));
    assert!(stdout.contains("large-class"), "enum names are listed");
    Ok(())
}

#[test]
fn a_wrong_key_exits_with_the_refusal_code_and_message() -> Result {
    let server = server()?;
    let mut cmd = cli(&server);
    cmd.env("BAIJIAYUN_PARTNER_KEY", "not-the-key").args([
        "get-basic-info",
        "--room-id",
        &seed::ROOM.to_string(),
    ]);
    let (code, stdout, stderr) = run(&mut cmd)?;
    assert_eq!(code, 3, "a vendor refusal exits 3: {stderr}");
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("code 1002"), "{stderr}");
    assert!(!stderr.contains("not-the-key"));
    Ok(())
}

#[test]
fn errors_have_an_exit_code_per_kind() -> Result {
    let server = server()?;
    // Transport: nothing listens there.
    let mut cmd = cli(&server);
    cmd.env("BAIJIAYUN_BASE_URL", "http://127.0.0.1:9")
        .args(["get-basic-info", "--room-id", "1"]);
    let (code, _, stderr) = run(&mut cmd)?;
    assert_eq!(code, 5, "{stderr}");
    // HTTP status.
    server.inject(Operation::GetBasicInfo, baijiayun_mock::Fault::Status(503));
    let (code, _, stderr) = run(cli(&server).args(["get-basic-info", "--room-id", "1"]))?;
    assert_eq!(code, 4, "{stderr}");
    // Decode: an HTML page instead of JSON.
    server.clear_faults();
    server.inject(Operation::GetBasicInfo, baijiayun_mock::Fault::HtmlPage);
    let (code, _, stderr) = run(cli(&server).args(["get-basic-info", "--room-id", "1"]))?;
    assert_eq!(code, 6, "{stderr}");
    // Configuration: no key at all.
    server.clear_faults();
    let mut cmd = cli(&server);
    cmd.env_remove("BAIJIAYUN_PARTNER_KEY")
        .args(["get-basic-info", "--room-id", "1"]);
    let (code, _, stderr) = run(&mut cmd)?;
    assert_eq!(code, 7, "{stderr}");
    assert!(stderr.contains("BAIJIAYUN_PARTNER_KEY"), "{stderr}");
    // Configuration through the library's `from_env` rules: a malformed Redis URL is named, and
    // so is a malformed --redis-url over a good environment.
    server.clear_requests();
    let mut cmd = cli(&server);
    cmd.env("BAIJIAYUN_REDIS_URL", "not a url")
        .args(["get-basic-info", "--room-id", "1"]);
    let (code, _, stderr) = run(&mut cmd)?;
    assert_eq!(code, 7, "{stderr}");
    assert!(stderr.contains("BAIJIAYUN_REDIS_URL"), "{stderr}");
    let (code, _, stderr) = run(cli(&server).args([
        "--redis-url",
        "ftp://127.0.0.1:1",
        "get-basic-info",
        "--room-id",
        "1",
    ]))?;
    assert_eq!(code, 7, "{stderr}");
    assert!(stderr.contains("BAIJIAYUN_REDIS_URL"), "{stderr}");
    assert!(server.requests().is_empty(), "nothing was sent");
    Ok(())
}

#[test]
fn a_missing_required_flag_is_a_usage_error() -> Result {
    let server = server()?;
    cli(&server)
        .arg("get-basic-info")
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("--room-id").and(predicate::str::contains(KEY).not()));
    let (code, _, stderr) = run(cli(&server).args(["get-list", "--product-type", "huge"]))?;
    assert_eq!(code, 2, "{stderr}");
    assert!(server.requests().is_empty(), "nothing was sent");
    Ok(())
}

#[test]
fn all_returns_every_item_as_json_lines() -> Result {
    let server = server()?;
    let expected = server
        .blocking_client()?
        .get_list(baijiayun::types::ProductType::LargeClass, 1, 1000)
        .send()?;
    server.clear_requests();
    // A small page size makes `--all` walk several pages.
    let mut cmd = cli(&server);
    cmd.args([
        "get-list",
        "--product-type",
        "1",
        "--page-size",
        "7",
        "--all",
    ]);
    let (code, stdout, stderr) = run(&mut cmd)?;
    assert_eq!(code, 0, "{stderr}");
    let ids: Vec<i64> = stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l)?;
            Ok(v["playback_id"].as_i64().unwrap_or(-1))
        })
        .collect::<std::result::Result<_, serde_json::Error>>()?;
    let want: Vec<i64> = expected
        .list
        .iter()
        .map(|p| p.playback_id.unwrap_or(-1))
        .collect();
    assert_eq!(usize::try_from(expected.total)?, want.len());
    assert_eq!(ids, want, "every item, in order, once");
    assert!(
        server.requests_for(Operation::GetList).len() > 1,
        "it paged"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "no progress bar without a terminal"
    );
    Ok(())
}

#[test]
fn a_write_without_yes_and_without_a_terminal_refuses() -> Result {
    let server = server()?;
    let room = seed::ROOM.to_string();
    let mut cmd = cli(&server);
    cmd.args([
        "set-publish-status",
        "--room-id",
        &room,
        "--status",
        "blocked",
    ])
    .write_stdin("y\n");
    let (code, stdout, stderr) = run(&mut cmd)?;
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("--yes"), "{stderr}");
    assert!(server.requests().is_empty(), "nothing was sent");
    // With --yes it runs; a read never asks.
    let (code, stdout, _) = run(cli(&server).args([
        "set-publish-status",
        "--room-id",
        &room,
        "--status",
        "2",
        "--yes",
    ]))?;
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stdout)?["status"],
        2
    );
    let (code, _, _) = run(cli(&server).args(["get-basic-info", "--room-id", &room]))?;
    assert_eq!(code, 0);
    Ok(())
}

#[test]
fn doctor_reports_every_inferred_read_path_and_calls_no_write() -> Result {
    let api = spec()?;
    let server = server()?;
    let (code, stdout, stderr) = run(cli(&server).args(["doctor", "--format", "json"]))?;
    assert_eq!(code, 0, "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout)?;
    let checks = report["checks"].as_array().ok_or("no checks")?;
    let status = |name: &str| {
        checks
            .iter()
            .find(|c| c["check"] == name)
            .map(|c| c["status"].clone())
    };
    assert_eq!(status("credentials"), Some("ok".into()));
    assert_eq!(status("clock"), Some("ok".into()));
    assert_eq!(status("resolve"), Some("ok".into()));
    let reported: BTreeSet<&str> = checks
        .iter()
        .filter(|c| c["exists"] == true)
        .filter_map(|c| c["endpoint"].as_str())
        .collect();
    let inferred_reads: BTreeSet<&str> = api
        .endpoints()
        .filter(|e| e.retry_safe && !e.path_verified)
        .map(|e| e.name.as_str())
        .collect();
    assert!(!inferred_reads.is_empty());
    assert_eq!(reported, inferred_reads);
    let writes: Vec<_> = server
        .requests()
        .into_iter()
        .filter_map(|r| r.operation)
        .filter(|op| !op.info().retry_safe)
        .collect();
    assert!(writes.is_empty(), "doctor called writes: {writes:?}");

    // A server that does not know a path: reported missing, with the fix.
    server.inject(Operation::GetMarkList, baijiayun_mock::Fault::Status(404));
    let (_, stdout, _) = run(cli(&server).arg("doctor"))?;
    let line = stdout
        .lines()
        .find(|l| l.contains("path get-mark-list"))
        .ok_or("no line for get-mark-list")?;
    assert!(
        line.starts_with("warn") && line.contains("missing"),
        "{line}"
    );
    Ok(())
}

#[test]
fn doctor_fails_on_a_wrong_key() -> Result {
    let server = server()?;
    let mut cmd = cli(&server);
    cmd.env("BAIJIAYUN_PARTNER_KEY", "not-the-key")
        .arg("doctor");
    let (code, stdout, _) = run(&mut cmd)?;
    assert_eq!(code, 1);
    assert!(stdout.contains("FAIL  credentials"), "{stdout}");
    assert!(stdout.contains("fix:"), "{stdout}");
    Ok(())
}

#[test]
fn raw_prints_the_whole_envelope_and_verbose_hides_the_sign() -> Result {
    let server = server()?;
    let room = seed::ROOM.to_string();
    let (code, stdout, stderr) =
        run(cli(&server).args(["get-basic-info", "--room-id", &room, "--raw", "--verbose"]))?;
    assert_eq!(code, 0, "{stderr}");
    let envelope: serde_json::Value = serde_json::from_str(&stdout)?;
    assert_eq!(envelope["code"], 0);
    assert!(envelope["ts"].is_i64() && envelope["data"]["status"] == 100);
    assert!(
        stderr.contains("/openapi/playback/getBasicInfo"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("room_id={room}")), "{stderr}");
    assert!(stderr.contains("sign=[redacted]"), "{stderr}");
    let sent = server.requests_for(Operation::GetBasicInfo);
    let sign = sent
        .first()
        .and_then(|r| r.params.get("sign"))
        .ok_or("no sign received")?;
    assert!(!stderr.contains(sign.as_str()), "the sign leaked: {stderr}");
    Ok(())
}

#[test]
fn a_key_on_the_command_line_warns_about_shell_history() -> Result {
    let server = server()?;
    let mut cmd = cli(&server);
    cmd.env_remove("BAIJIAYUN_PARTNER_KEY").args([
        "--partner-key",
        KEY,
        "get-basic-info",
        "--room-id",
        &seed::ROOM.to_string(),
    ]);
    let (code, _, stderr) = run(&mut cmd)?;
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("shell history"), "{stderr}");
    Ok(())
}

#[test]
fn callback_verify_reads_stdin() -> Result {
    let server = server()?;
    let body = baijiayun::callback::signed_body_from_fields(
        KEY,
        [
            ("room_id", "23111300000001"),
            ("video_id", "900001"),
            ("status", "100"),
            ("qid", "q-1"),
            ("timestamp", "1700000000"),
        ],
    );
    let (code, stdout, stderr) = run(cli(&server)
        .args(["callback", "verify"])
        .write_stdin(body.clone()))?;
    assert_eq!(code, 0, "{stderr}");
    let out: serde_json::Value = serde_json::from_str(&stdout)?;
    assert_eq!(out["verified"], true);
    assert!(
        out["event"]
            .as_str()
            .is_some_and(|e| e.contains("Transcode")),
        "{out}"
    );
    let tampered = body.replace("900001", "900002");
    let (code, _, stderr) = run(cli(&server)
        .args(["callback", "verify"])
        .write_stdin(tampered))?;
    assert_eq!(code, 1);
    assert!(stderr.contains("sign"), "{stderr}");
    Ok(())
}

#[test]
fn completions_are_printed_for_each_shell() -> Result {
    let server = server()?;
    for shell in ["bash", "zsh", "fish"] {
        let (code, stdout, _) = run(cli(&server).args(["completions", shell]))?;
        assert_eq!(code, 0);
        assert!(stdout.contains("get-basic-info"), "{shell}");
    }
    Ok(())
}

#[test]
fn mock_serves_the_fake_and_prints_its_url() -> Result {
    // Started on a free port picked by binding first; the line it prints names it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_baijiayun"))
        .env_clear()
        .args(["mock", "--addr", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line)?;
    }
    let answered = (|| -> Result<(i32, String, String)> {
        let mut cmd = cargo_bin_cmd!("baijiayun");
        cmd.env_clear()
            .env("BAIJIAYUN_PARTNER_ID", seed::PARTNER_ID.to_string())
            .env("BAIJIAYUN_PARTNER_KEY", seed::PARTNER_KEY)
            .env("BAIJIAYUN_BASE_URL", format!("http://127.0.0.1:{port}"))
            .args(["get-basic-info", "--room-id", &seed::ROOM.to_string()])
            .timeout(std::time::Duration::from_secs(30));
        let out = cmd.output()?;
        Ok((
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout)?,
            String::from_utf8(out.stderr)?,
        ))
    })();
    child.kill()?;
    child.wait()?;
    assert!(line.contains(&format!("http://127.0.0.1:{port}")), "{line}");
    let (code, stdout, stderr) = answered?;
    for out in [&line, &stdout, &stderr] {
        assert!(!out.contains(seed::PARTNER_KEY), "the key leaked: {out}");
    }
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"status\":100"), "{stdout}");
    Ok(())
}

#[test]
fn flags_override_the_environment_and_the_key_can_come_from_a_file() -> Result {
    let server = server()?;
    let dir = std::env::temp_dir().join(format!("baijiayun-cli-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let key_file = dir.join("partner-key");
    std::fs::write(&key_file, format!("{KEY}\n"))?;
    let mut cmd = cli(&server);
    cmd.env("BAIJIAYUN_BASE_URL", "http://127.0.0.1:9")
        .env("BAIJIAYUN_PARTNER_KEY", "not-the-key")
        .arg("--base-url")
        .arg(server.url())
        .arg("--partner-key-file")
        .arg(&key_file)
        .args(["get-basic-info", "--room-id", &seed::ROOM.to_string()]);
    let result = run(&mut cmd);
    std::fs::remove_dir_all(&dir)?;
    let (code, stdout, stderr) = result?;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"status\":100"), "{stdout}");
    assert!(
        !stderr.contains("shell history"),
        "a key file is not warned about"
    );
    Ok(())
}

#[test]
fn raw_stops_reading_an_answer_past_the_size_cap() -> Result {
    use std::io::{Read as _, Write as _};
    let server = server()?;
    // A server whose answer claims 40 MiB and streams it until the client hangs up.
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let sent = std::thread::spawn(move || -> std::io::Result<usize> {
        let (mut conn, _) = listener.accept()?;
        let mut head = [0u8; 4096];
        let _ = conn.read(&mut head)?;
        let total = 40 * 1024 * 1024;
        conn.write_all(
            format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {total}\r\n\r\n")
                .as_bytes(),
        )?;
        let chunk = [b' '; 64 * 1024];
        let mut written = 0;
        while written < total {
            match conn.write(&chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => written += n,
            }
        }
        Ok(written)
    });
    let mut cmd = cli(&server);
    cmd.env("BAIJIAYUN_BASE_URL", &url)
        .args(["get-basic-info", "--room-id", "1", "--raw"]);
    let (code, stdout, stderr) = run(&mut cmd)?;
    assert_ne!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "nothing of the answer is printed");
    assert!(stderr.contains("larger than"), "{stderr}");
    let written = sent.join().map_err(|_| "the server thread panicked")??;
    assert!(
        written < 40 * 1024 * 1024,
        "the client stopped reading early: {written}"
    );
    Ok(())
}
