//! `baijiayun sync --metrics ADDR` as a child process against the fake: after its first run,
//! `/metrics` holds the requests by endpoint, the rows by stream, the budget, the last complete
//! run and the lease, matching the run's own report; `/healthz` answers 200 (503 while PostgreSQL
//! is down); SIGTERM ends it; and neither the partner key nor the database password appears in its
//! stderr or its metrics.

#[path = "common/sync_child.rs"]
mod sync_child;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use baijiayun_mock::MockServer;
use sync_child::{lines, terminate};

/// A `sync` child serving metrics on a free port, every hour, its output piped.
fn spawn(server: &MockServer, db: &str) -> Child {
    sync_child::aimed_at(server)
        .args(["sync", "--db", db, "--interval", "1h", "--progress", "json"])
        .args(["--metrics", "127.0.0.1:0", "--page-size", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn baijiayun sync")
}

/// The first line of `rx` for which `pick` says something, waiting at most `within`; every line
/// read is kept in `seen`.
fn wait_line<T>(
    rx: &mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    within: Duration,
    what: &str,
    mut pick: impl FnMut(&str) -> Option<T>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let found = pick(&line);
                seen.push(line);
                if let Some(found) = found {
                    return found;
                }
            }
            Err(e) => panic!(
                "waited {within:?} for {what} ({e}); lines so far:\n{}",
                seen.join("\n")
            ),
        }
    }
}

/// `GET path` over HTTP/1.1: the status and the body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to --metrics");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not HTTP: {answer}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Prometheus text as `(name, labels, value)`, labels as written between the braces.
fn samples(text: &str) -> Vec<(String, String, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (name, labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            Some((name.to_owned(), labels.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// The values of `name` whose labels include every `k="v"` of `labels`.
fn values(samples: &[(String, String, f64)], name: &str, labels: &[(&str, &str)]) -> Vec<f64> {
    samples
        .iter()
        .filter(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.split(',').any(|p| p == format!("{k}=\"{v}\"")))
        })
        .map(|(_, _, v)| *v)
        .collect()
}

fn one(samples: &[(String, String, f64)], name: &str, labels: &[(&str, &str)]) -> f64 {
    match values(samples, name, labels)[..] {
        [v] => v,
        ref other => panic!("{name} {labels:?}: {other:?}"),
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
}

/// Runs the child on `db` until its first run ends, checks `/metrics` and `/healthz` against the
/// run's report, stops it, and checks that none of `secrets` was printed or exported.
async fn scrape_a_run(db: &str, secrets: &[&str], outage: Option<&postgres_test_server::PgServer>) {
    let server = MockServer::builder()
        .no_rate_limit()
        .rooms(40)
        .seed(7)
        .start()
        .await
        .expect("fake");
    let started = unix_now();
    let mut child = spawn(&server, db);
    let stdout = lines(child.stdout.take().expect("stdout"));
    let stderr = lines(child.stderr.take().expect("stderr"));
    let (mut out, mut err) = (Vec::new(), Vec::new());

    // The bound address, from the log line (JSON: stdout is not a terminal).
    let addr: String = wait_line(
        &stderr,
        &mut err,
        Duration::from_secs(60),
        "the metrics address",
        |l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            v["fields"]["address"].as_str().map(str::to_owned)
        },
    );
    // The first run's report: its streams, then the run.
    let mut streams = Vec::new();
    let run: serde_json::Value = wait_line(
        &stdout,
        &mut out,
        Duration::from_secs(120),
        "the first run's report",
        |l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            if v.get("stream").is_some() {
                streams.push(v);
                None
            } else {
                Some(v)
            }
        },
    );
    assert_eq!(run["status"], "complete", "{run}");
    let requests = run["requests"].as_f64().expect("requests");
    let rows = run["rows_written"].as_f64().expect("rows");
    assert!(requests > 0.0 && rows > 0.0, "{run}");

    let (status, body) = get(&addr, "/metrics");
    assert_eq!(status, 200, "{body}");
    let s = samples(&body);

    // Requests by endpoint and outcome: every one the run sent, all ok, from both streams.
    let requests_total = "baijiayun_sync_requests_total";
    let ok = values(&s, requests_total, &[("outcome", "ok")]);
    assert_eq!(ok.iter().sum::<f64>(), requests, "{body}");
    assert_eq!(
        values(&s, requests_total, &[]).len(),
        ok.len(),
        "only ok: {body}"
    );
    assert!(
        ok.len() >= 2,
        "the playback list and the play records: {body}"
    );
    assert!(
        values(&s, requests_total, &[("endpoint", "get_list")]).len() == 1,
        "{body}"
    );

    // Rows by stream, as the report says.
    let mut total = 0.0;
    for stream in &streams {
        let name = stream["stream"].as_str().expect("stream");
        let written = stream["rows_written"].as_f64().expect("rows");
        let exported = values(&s, "baijiayun_sync_rows_written_total", &[("stream", name)]);
        if written > 0.0 {
            assert_eq!(exported, [written], "{name}: {body}");
        }
        total += written;
        // Each stream read to its end has its time, within the run, and a small age.
        assert_eq!(stream["complete"], true, "{stream}");
        let at = one(
            &s,
            "baijiayun_sync_last_complete_run_timestamp_seconds",
            &[("stream", name)],
        );
        assert!(
            at >= started.floor() && at <= unix_now(),
            "{name}: {at} not in the run"
        );
        let age = one(
            &s,
            "baijiayun_sync_last_complete_run_age_seconds",
            &[("stream", name)],
        );
        assert!((0.0..300.0).contains(&age), "{name}: age {age}");
    }
    assert_eq!(total, rows);

    // The budget: 0.8 of the vendor's 200 in 10 s (with the client's margin), some of it used.
    assert_eq!(one(&s, "baijiayun_sync_budget_limit", &[]), 160.0, "{body}");
    let window = one(&s, "baijiayun_sync_budget_window_seconds", &[]);
    assert!((10.0..11.0).contains(&window), "window {window}");
    let used = one(&s, "baijiayun_sync_budget_used", &[]);
    assert!((1.0..=160.0).contains(&used), "budget used {used}");
    // The run, and the right to write, held between runs.
    assert_eq!(
        one(&s, "baijiayun_sync_runs_total", &[("status", "complete")]),
        1.0
    );
    assert_eq!(one(&s, "baijiayun_sync_lease_held", &[]), 1.0, "{body}");
    // Described for Prometheus.
    assert!(
        body.contains("# TYPE baijiayun_sync_requests_total counter"),
        "{body}"
    );
    assert!(body.contains("# HELP baijiayun_sync_lease_held"), "{body}");

    let (status, health) = get(&addr, "/healthz");
    assert_eq!(status, 200, "{health}");
    let (status, _) = get(&addr, "/nothing");
    assert_eq!(status, 404);

    // The database down: 503 (an error, or no answer within the check's timeout); back: 200.
    if let Some(pg) = outage {
        pg.stop().expect("stop PostgreSQL");
        let (status, health) = get(&addr, "/healthz");
        assert_eq!(status, 503, "{health}");
        pg.start_again().expect("start PostgreSQL again");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, health) = get(&addr, "/healthz");
            if status == 200 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "still {status} after the restart: {health}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    terminate(child);
    // What is left on stderr after the exit (the pipe closes).
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Ok(line) = stderr.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        err.push(line);
    }
    let err = err.join("\n");
    assert!(err.contains("sync run started"), "structured logs: {err}");
    for line in err.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(
            v["level"].is_string() && v["fields"]["message"].is_string(),
            "{line}"
        );
    }
    let secrets = [server.partner_key()]
        .into_iter()
        .chain(secrets.iter().copied());
    for secret in secrets {
        assert!(!secret.is_empty());
        assert!(!err.contains(secret), "a secret on stderr: {err}");
        assert!(!body.contains(secret), "a secret in /metrics");
        assert!(!out.join("\n").contains(secret), "a secret on stdout");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_run_is_measured_and_healthy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("sync.db").display());
    scrape_a_run(&db, &[], None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_run_is_measured_and_its_password_never_shown() {
    let pg = postgres_test_server::PgServer::start().unwrap_or_else(|e| {
        panic!("PostgreSQL for the test: {e} (`cargo xtask test` installs it)")
    });
    let url = pg.create_database("metrics").expect("create the database");
    // The test cluster trusts local connections: any password is accepted, and none may show.
    let password = "pw-Qz7rN4xKv9";
    let url = url.replacen("postgres@", &format!("postgres:{password}@"), 1);
    assert!(url.contains(password), "{url}");
    scrape_a_run(&url, &[password], Some(&pg)).await;
}
