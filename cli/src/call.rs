//! Sending an endpoint's typed request, for every generated subcommand: the confirmation of
//! writes, `--verbose`, `--raw`, `--all` and printing the result.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::time::Instant;

use baijiayun::Client;
use baijiayun::Endpoint;
use baijiayun::info::OperationInfo;
use baijiayun::operations::Operation;
use futures_util::{Stream, StreamExt as _};
use serde::Serialize;

use crate::config::Settings;
use crate::exchange::{self, Answer};
use crate::output::{Failure, Printer};

/// What a subcommand's run ends with.
pub(crate) type Outcome = Result<(), Failure>;

/// The global flags of every endpoint subcommand.
#[derive(Clone, Copy, Debug, clap::Args)]
#[command(next_help_heading = "Output")]
pub(crate) struct Flags {
    /// Print the vendor's whole envelope {code, data, msg, ts} as received, instead of the
    /// decoded `data`.
    #[arg(long, global = true)]
    pub(crate) raw: bool,

    /// Do not ask before a call that deletes, replaces, crops or changes state.
    #[arg(long, short = 'y', global = true)]
    pub(crate) yes: bool,

    /// Show each request (path and parameters, sign redacted) and its timing on stderr.
    #[arg(long, short = 'v', global = true)]
    pub(crate) verbose: bool,
}

/// Sends requests for one command.
#[derive(Debug)]
pub(crate) struct Call {
    client: Client,
    flags: Flags,
}

/// Logs the client's per-call spans (endpoint, attempts, code, latency) to stderr; only the
/// client's own, which record no secret.
pub(crate) fn trace_to_stderr() {
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_span_events(FmtSpan::CLOSE)
        .with_target(false)
        .without_time()
        .with_ansi(std::io::stderr().is_terminal());
    let only_the_client =
        tracing_subscriber::filter::Targets::new().with_target("baijiayun", tracing::Level::DEBUG);
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(only_the_client)
        .try_init();
}

/// A request's parameters as text, in the order they are signed.
fn params_of<E: Endpoint>(request: &E) -> Vec<(String, String)> {
    request
        .params()
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_text().into_owned()))
        .collect()
}

/// `k=v k=v`, each value quoted when it holds a space.
fn show(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| {
            if v.contains([' ', '"']) || v.is_empty() {
                format!("{k}={v:?}")
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Call {
    /// Builds the client for `settings`.
    pub(crate) fn new(settings: &Settings, flags: Flags) -> Result<Self, Failure> {
        let client = settings.client()?;
        Ok(Call { client, flags })
    }

    /// The client the generated code builds requests with.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The method and path an operation is sent with.
    fn wire(&self, info: &OperationInfo) -> (baijiayun::info::Method, String) {
        let method = info
            .methods
            .first()
            .copied()
            .unwrap_or(baijiayun::info::Method::Post);
        (method, self.client.path(info.operation()).to_owned())
    }

    /// Asks before a write: on a terminal, a question; without one, a refusal unless `--yes`.
    fn confirm(&self, info: &OperationInfo, params: &[(String, String)]) -> Outcome {
        if info.retry_safe || self.flags.yes {
            return Ok(());
        }
        let name = info.name.replace('_', "-");
        if !crate::interactive() {
            return Err(Failure::Usage(format!(
                "{name} changes state ({}); pass --yes to run it without a terminal to confirm on",
                info.title_zh
            )));
        }
        eprint!(
            "{name} ({}) changes state: {} on {}. Continue? [y/N] ",
            info.title_zh,
            show(params),
            self.client.base_url()
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| Failure::Io(format!("cannot read the answer: {e}")))?;
        if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES") {
            Ok(())
        } else {
            Err(Failure::Usage(format!(
                "{name}: not confirmed; nothing was sent"
            )))
        }
    }

    /// Sends `request` and prints its decoded `data` (or, with `--raw`, the whole envelope).
    pub(crate) async fn send<E: Endpoint>(&self, request: &E) -> Outcome {
        let info = E::INFO;
        let params = params_of(request);
        self.confirm(info, &params)?;
        let (method, path) = self.wire(info);
        if self.flags.verbose {
            eprintln!(
                "> {} {}{path} {} partner_id={} timestamp=<now> sign=[redacted]",
                method.as_str(),
                self.client.base_url(),
                show(&params),
                self.client.partner_id(),
            );
        }
        if self.flags.raw {
            if request.upload().is_some() {
                return Err(Failure::Usage(
                    "--raw cannot send a file; leave out --raw or the file".into(),
                ));
            }
            return self.raw(method, &path, &params).await;
        }
        let started = Instant::now();
        let result = self.client.execute(request).await;
        if self.flags.verbose {
            eprintln!(
                "< {} in {} ms",
                if result.is_ok() { "ok" } else { "failed" },
                started.elapsed().as_millis()
            );
        }
        Printer::for_stdout().print(&result?)
    }

    /// One exchange, its body printed as received; a refusal or a non-envelope still fails.
    async fn raw(
        &self,
        method: baijiayun::info::Method,
        path: &str,
        params: &[(String, String)],
    ) -> Outcome {
        let answer: Answer = exchange::send(&self.client, method, path, params)
            .await
            .map_err(Failure::Call)?;
        if self.flags.verbose {
            eprintln!(
                "< HTTP {} in {} ms",
                answer.status,
                answer.elapsed.as_millis()
            );
        }
        // As received, byte for byte but for invalid UTF-8 and the trailing newline.
        Printer::lines().print_text(String::from_utf8_lossy(&answer.body).trim_end())?;
        if !(200..300).contains(&answer.status) {
            return Err(Failure::Call(baijiayun::Error::Http {
                endpoint: path.to_owned().into(),
                status: answer.status,
                body: answer.body.into(),
            }));
        }
        match answer.envelope() {
            Some(env) => match Answer::code(&env) {
                Some(0) => Ok(()),
                code => Err(Failure::Refused(format!(
                    "{path}: the vendor refused the request with code {}: {}",
                    code.map_or_else(|| "?".into(), |c| c.to_string()),
                    env.get("msg").and_then(|m| m.as_str()).unwrap_or("")
                ))),
            },
            None => Err(Failure::Call(baijiayun::Error::Decode {
                endpoint: path.to_owned().into(),
                path: ".".into(),
                message: "not the vendor's envelope {code, data, msg, ts}".into(),
                body: answer.body.into(),
            })),
        }
    }

    /// Prints every item of every page as JSON lines, with a progress bar on a terminal.
    pub(crate) async fn all<P: Serialize>(
        &self,
        operation: Operation,
        pages: impl Stream<Item = baijiayun::Result<P>>,
    ) -> Outcome {
        let info = operation.info();
        let Some(paging) = info.pagination else {
            return Err(Failure::Usage(format!("{} does not page", info.name)));
        };
        if self.flags.raw {
            return Err(Failure::Usage(
                "--all prints items; it cannot be used with --raw".into(),
            ));
        }
        let printer = Printer::lines();
        let bar = if std::io::stderr().is_terminal() {
            indicatif::ProgressBar::new(0)
        } else {
            indicatif::ProgressBar::hidden()
        };
        let started = Instant::now();
        let mut pages = std::pin::pin!(pages);
        let mut count = 0_u64;
        while let Some(page) = pages.next().await {
            let page = serde_json::to_value(page?)
                .map_err(|e| Failure::Io(format!("cannot encode a page as JSON: {e}")))?;
            if let Some(total) = page.get(paging.total).and_then(serde_json::Value::as_u64) {
                bar.set_length(total);
            }
            let items = page
                .get(paging.items)
                .and_then(serde_json::Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            for item in items {
                printer.print(item)?;
                count += 1;
            }
            bar.set_position(count);
        }
        bar.finish_and_clear();
        if self.flags.verbose {
            eprintln!("< {count} items in {} ms", started.elapsed().as_millis());
        }
        Ok(())
    }
}
