//! `baijiayun doctor`: the checks to run before deploying, each ok, warn or fail with its fix.
//!
//! 1. the credentials work (one cheap read);
//! 2. the local clock is within the vendor's tolerance of the envelope's `ts`;
//! 3. the private domain resolves (or, with a base URL, its host);
//! 4. which of the inferred paths this account's server knows: every read-only endpoint whose path
//!    the spec marks unverified is called once with harmless parameters; an answer in the vendor's
//!    envelope (any `code`) means the path exists, a 404, a redirect or a page that is not JSON
//!    means it does not. An endpoint that writes is never called.

use std::net::ToSocketAddrs as _;
use std::process::ExitCode;

use baijiayun::info::{Method, OperationInfo, ParamKind};
use baijiayun::operations::Operation;
use serde::Serialize;

use crate::config::{Settings, Target};
use crate::exchange::{self, Answer};
use crate::output::{Failure, Printer};

/// Clock skew that is fine, and the most the vendor is assumed to accept. The vendor does not
/// publish its tolerance; the public SDKs use 300 s.
const SKEW_OK_SECS: f64 = 30.0;
const SKEW_MAX_SECS: f64 = 300.0;

/// `doctor`'s flags.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Readable text, or JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Ok,
    Warn,
    Fail,
}

/// One check's result.
#[derive(Debug, Serialize)]
struct Check {
    check: String,
    status: Status,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
    /// For path probes: the endpoint, its path, and whether the server knows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    endpoint: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exists: Option<bool>,
}

impl Check {
    fn new(check: &str, status: Status, message: String, fix: Option<String>) -> Self {
        Check {
            check: check.into(),
            status,
            message,
            fix,
            endpoint: None,
            path: None,
            exists: None,
        }
    }
}

/// The report.
#[derive(Debug, Serialize)]
struct Report {
    base_url: String,
    partner_id: i64,
    checks: Vec<Check>,
}

/// Runs every check and prints the report; exits 1 when a check failed.
pub(crate) async fn run(settings: &Settings, args: &Args) -> Result<ExitCode, Failure> {
    let client = settings.client()?;
    let mut checks = Vec::new();

    checks.push(resolves(&settings.target, client.base_url()).await);
    let (credentials, clock) = credentials_and_clock(&client).await;
    checks.push(credentials);
    checks.extend(clock);
    for &op in Operation::ALL {
        let info = op.info();
        if is_probed(info) {
            checks.push(probe(&client, info).await);
        }
    }

    let failed = checks.iter().any(|c| c.status == Status::Fail);
    let report = Report {
        base_url: client.base_url().to_owned(),
        partner_id: settings.partner_id,
        checks,
    };
    match args.format {
        Format::Json => Printer::for_stdout().print(&report)?,
        Format::Text => Printer::lines().print_text(&text(&report))?,
    }
    Ok(if failed {
        ExitCode::from(crate::output::code::OTHER)
    } else {
        ExitCode::SUCCESS
    })
}

/// Whether `doctor` calls this endpoint: it only reads, and its path was inferred.
fn is_probed(info: &OperationInfo) -> bool {
    info.retry_safe && !info.path_verified
}

fn text(report: &Report) -> String {
    let mut out = format!(
        "baijiayun doctor: partner {} at {}\n",
        report.partner_id, report.base_url
    );
    for c in &report.checks {
        let status = match c.status {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        };
        out.push_str(&format!("{status}  {}: {}\n", c.check, c.message));
        if let Some(fix) = &c.fix {
            out.push_str(&format!("      fix: {fix}\n"));
        }
    }
    let probed = report.checks.iter().filter(|c| c.exists.is_some()).count();
    let missing = report
        .checks
        .iter()
        .filter(|c| c.exists == Some(false))
        .count();
    out.push_str(&format!(
        "{probed} inferred read paths probed, {missing} unknown to this server; no endpoint that writes was called."
    ));
    out
}

/// The host requests go to resolves.
async fn resolves(target: &Target, base_url: &str) -> Check {
    let (what, host, port) = match target {
        Target::PrivateDomain(_) => {
            let host = base_url.trim_start_matches("https://").to_owned();
            ("private domain", host, 443)
        }
        Target::BaseUrl(_) => match reqwest::Url::parse(base_url) {
            Ok(url) => (
                "base URL host",
                url.host_str().unwrap_or_default().to_owned(),
                url.port_or_known_default().unwrap_or(443),
            ),
            Err(e) => {
                return Check::new(
                    "resolve",
                    Status::Fail,
                    format!("{base_url} is not a URL: {e}"),
                    Some("set BAIJIAYUN_BASE_URL to http(s)://host[:port]".into()),
                );
            }
        },
    };
    let lookup = host.clone();
    let result = tokio::task::spawn_blocking(move || {
        (lookup.as_str(), port)
            .to_socket_addrs()
            .map(Iterator::count)
    })
    .await;
    match result {
        Ok(Ok(n)) if n > 0 => Check::new(
            "resolve",
            Status::Ok,
            format!(
                "{what} {host} resolves ({n} address{})",
                if n == 1 { "" } else { "es" }
            ),
            None,
        ),
        Ok(Ok(_)) => Check::new(
            "resolve",
            Status::Fail,
            format!("{what} {host} resolves to no address"),
            Some(fix_domain(target)),
        ),
        Ok(Err(e)) => Check::new(
            "resolve",
            Status::Fail,
            format!("{what} {host} does not resolve: {e}"),
            Some(fix_domain(target)),
        ),
        Err(e) => Check::new(
            "resolve",
            Status::Fail,
            format!("the lookup failed: {e}"),
            None,
        ),
    }
}

fn fix_domain(target: &Target) -> String {
    match target {
        Target::PrivateDomain(_) => {
            "check BAIJIAYUN_PRIVATE_DOMAIN: the label of your private domain (专属域名), e.g. e12345678 for e12345678.at.baijiayun.com; check this machine's DNS".into()
        }
        Target::BaseUrl(_) => "check BAIJIAYUN_BASE_URL and this machine's DNS".into(),
    }
}

/// The cheap read the credentials and the clock are checked with: the first endpoint that only
/// reads, has a verified path and needs no parameter.
fn cheap_read() -> Option<&'static OperationInfo> {
    Operation::ALL
        .iter()
        .map(|op| op.info())
        .find(|i| i.retry_safe && i.path_verified && i.params.iter().all(|p| !p.required))
}

async fn credentials_and_clock(client: &baijiayun::Client) -> (Check, Option<Check>) {
    let Some(info) = cheap_read() else {
        return (
            Check::new(
                "credentials",
                Status::Warn,
                "no endpoint fits a cheap read".into(),
                None,
            ),
            None,
        );
    };
    let path = client.path(info.operation()).to_owned();
    let method = info.methods.first().copied().unwrap_or(Method::Post);
    let answer = match exchange::send(client, method, &path, &[]).await {
        Ok(a) => a,
        Err(e) => {
            return (
                Check::new(
                    "credentials",
                    Status::Fail,
                    format!("{} could not be called: {e}", info.name),
                    Some(
                        "check the network and BAIJIAYUN_PRIVATE_DOMAIN / BAIJIAYUN_BASE_URL"
                            .into(),
                    ),
                ),
                None,
            );
        }
    };
    let Some(envelope) = answer.envelope() else {
        return (
            Check::new(
                "credentials",
                Status::Fail,
                format!(
                    "{} answered HTTP {} without the vendor's envelope",
                    info.name, answer.status
                ),
                Some("check BAIJIAYUN_PRIVATE_DOMAIN / BAIJIAYUN_BASE_URL: this is not the Baijiayun API".into()),
            ),
            None,
        );
    };
    let code = Answer::code(&envelope);
    let msg = envelope
        .get("msg")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let credentials = match code {
        Some(0) => Check::new(
            "credentials",
            Status::Ok,
            format!("the partner id and key are accepted ({} answered code 0)", info.name),
            None,
        ),
        Some(c) => Check::new(
            "credentials",
            Status::Fail,
            format!("{} was refused with code {c}: {msg}", info.name),
            Some("check BAIJIAYUN_PARTNER_ID and BAIJIAYUN_PARTNER_KEY (the key is the partner key of the account's console, not a password)".into()),
        ),
        None => Check::new(
            "credentials",
            Status::Warn,
            format!("{} answered an envelope without an integer code", info.name),
            None,
        ),
    };
    (credentials, Some(clock(&envelope, &answer)))
}

/// The envelope's `ts` against the local clock, halfway through the exchange.
fn clock(envelope: &serde_json::Map<String, serde_json::Value>, answer: &Answer) -> Check {
    let ts = match envelope.get("ts") {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let Some(ts) = ts else {
        return Check::new(
            "clock",
            Status::Warn,
            "the envelope carries no `ts` to compare with".into(),
            None,
        );
    };
    // `ts` has whole seconds: allow one second of rounding.
    let skew = answer.midpoint_unix - ts;
    let shown = skew.abs().round();
    let side = if skew > 0.0 { "ahead of" } else { "behind" };
    let fix = Some("synchronise this machine's clock (NTP, e.g. `timedatectl set-ntp true`): every request carries a timestamp the vendor checks".into());
    if skew.abs() <= SKEW_OK_SECS + 1.0 {
        Check::new(
            "clock",
            Status::Ok,
            format!("the local clock is within {shown} s of the server's (ts {ts})"),
            None,
        )
    } else if skew.abs() <= SKEW_MAX_SECS {
        Check::new(
            "clock",
            Status::Warn,
            format!(
                "the local clock is {shown} s {side} the server's; the vendor's tolerance is not published (public SDKs use {SKEW_MAX_SECS} s)"
            ),
            fix,
        )
    } else {
        Check::new(
            "clock",
            Status::Fail,
            format!("the local clock is {shown} s {side} the server's, beyond {SKEW_MAX_SECS} s"),
            fix,
        )
    }
}

/// A harmless value of a parameter's kind, for probing.
fn placeholder(kind: &ParamKind, min: Option<i64>) -> Option<String> {
    Some(match kind {
        ParamKind::Int => min.unwrap_or(1).max(1).to_string(),
        ParamKind::String => "doctor".into(),
        ParamKind::Bool => "0".into(),
        ParamKind::Date => "2000-01-01".into(),
        ParamKind::DateTime => "2000-01-01 00:00:00".into(),
        ParamKind::PlaybackRef => "1".into(),
        ParamKind::IntCode(codes) => codes.first()?.to_string(),
        ParamKind::StrCode(codes) => (*codes.first()?).to_owned(),
        ParamKind::List { item, encoding } => match (item, encoding) {
            (_, baijiayun::info::Encoding::Json) => "[]".into(),
            (item, _) => placeholder(item, None)?,
        },
        // Reads take no files and no bare records; nothing harmless to send.
        _ => return None,
    })
}

/// Calls one inferred read path with harmless parameters and says whether the server knows it.
async fn probe(client: &baijiayun::Client, info: &'static OperationInfo) -> Check {
    let path = client.path(info.operation()).to_owned();
    let method = info.methods.first().copied().unwrap_or(Method::Post);
    let params: Vec<(String, String)> = info
        .params
        .iter()
        .filter(|p| p.required)
        .filter_map(|p| Some((p.name.to_owned(), placeholder(&p.kind, p.min)?)))
        .collect();
    let name = format!("path {}", info.name.replace('_', "-"));
    let mut check = match exchange::send(client, method, &path, &params).await {
        Err(e) => Check::new(
            &name,
            Status::Warn,
            format!("{path}: not answered: {e}"),
            None,
        ),
        Ok(answer) => classify(&path, &answer, info),
    };
    check.endpoint = Some(info.name);
    check.path = Some(path);
    check
}

fn classify(path: &str, answer: &Answer, info: &OperationInfo) -> Check {
    let name = format!("path {}", info.name.replace('_', "-"));
    let fix = || {
        Some(format!(
            "this server does not know {path}; find the right path and override it with ClientBuilder::path(Operation::{:?}, ...), and tell the maintainers",
            info.operation()
        ))
    };
    let mut check = if (300..400).contains(&answer.status) {
        Check::new(
            &name,
            Status::Warn,
            format!(
                "{path}: redirected (HTTP {}) to {}: not the API",
                answer.status,
                answer.location.as_deref().unwrap_or("?")
            ),
            fix(),
        )
    } else if let Some(env) = answer.envelope() {
        let code = Answer::code(&env).map_or_else(|| "?".into(), |c| c.to_string());
        Check::new(
            &name,
            Status::Ok,
            format!("{path}: exists (answered the vendor's envelope, code {code})"),
            None,
        )
    } else {
        let looks = if answer.body.trim_ascii_start().starts_with(b"<") {
            "an HTML page"
        } else {
            "a body that is not the vendor's envelope"
        };
        Check::new(
            &name,
            Status::Warn,
            format!("{path}: missing (HTTP {}, {looks})", answer.status),
            fix(),
        )
    };
    check.exists = Some(check.status == Status::Ok);
    check
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            location: None,
            body: body.as_bytes().to_vec(),
            midpoint_unix: 1_700_000_000.4,
            elapsed: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn only_inferred_reads_are_probed_and_writes_never() {
        let probed: Vec<_> = Operation::ALL
            .iter()
            .map(|op| op.info())
            .filter(|i| is_probed(i))
            .collect();
        assert!(!probed.is_empty());
        assert!(
            probed
                .iter()
                .all(|i| i.retry_safe && !i.path_verified && i.name.starts_with("get"))
        );
    }

    #[test]
    fn an_envelope_means_the_path_exists_and_404_or_html_that_it_does_not() {
        let info = Operation::GetMarkList.info();
        let found = classify(
            "/p",
            &answer(200, r#"{"code":3001,"msg":"x","data":null,"ts":1}"#),
            info,
        );
        assert_eq!((found.status, found.exists), (Status::Ok, Some(true)));
        let missing = classify("/p", &answer(404, "<html>404</html>"), info);
        assert_eq!(
            (missing.status, missing.exists),
            (Status::Warn, Some(false))
        );
        assert!(missing.message.contains("HTML"));
        let other = classify("/p", &answer(200, r#"{"error":"x"}"#), info);
        assert_eq!(other.exists, Some(false));
        let moved = classify("/p", &answer(302, ""), info);
        assert_eq!(moved.exists, Some(false));
    }

    #[test]
    fn the_clock_is_compared_with_ts() {
        let env = |ts: i64| {
            let mut m = serde_json::Map::new();
            m.insert("code".into(), 0.into());
            m.insert("ts".into(), ts.into());
            m
        };
        let a = answer(200, "");
        assert_eq!(clock(&env(1_700_000_000), &a).status, Status::Ok);
        assert_eq!(clock(&env(1_700_000_100), &a).status, Status::Warn);
        assert_eq!(clock(&env(1_699_999_000), &a).status, Status::Fail);
        assert_eq!(clock(&serde_json::Map::new(), &a).status, Status::Warn);
    }

    #[test]
    fn placeholders_fit_their_kind() {
        assert_eq!(placeholder(&ParamKind::Int, Some(5)).as_deref(), Some("5"));
        assert_eq!(
            placeholder(&ParamKind::Date, None).as_deref(),
            Some("2000-01-01")
        );
        assert_eq!(
            placeholder(&ParamKind::IntCode(&[1, 2]), None).as_deref(),
            Some("1")
        );
        assert_eq!(placeholder(&ParamKind::File, None), None);
    }
}
