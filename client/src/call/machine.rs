//! The call core: one sans-IO state machine that decides every step of a call, for both clients.
//!
//! A call is: take a permit from the rate limit ([`Gate`]), send a freshly signed attempt, check
//! the status and decode the body, and on failure perhaps tell the gate the vendor refused for
//! rate, wait, and go again. [`Core`] decides all of that and performs none of it. A driver (the
//! async [`crate::Client`], the [`crate::blocking::Client`]) asks it for the next [`Step`],
//! performs that step with its own I/O, and feeds the outcome back as an [`Event`]:
//!
//! ```text
//! let mut event = Event::Start;
//! loop {
//!     event = match core.step(event, clock::now()) {
//!         Step::Acquire(gate) => Event::Permit(gate.acquire_…(now)),   // may be I/O
//!         Step::Pause(gate) => { gate.pause_…(now); Event::Paused }     // may be I/O
//!         Step::Wait(d) => { sleep(d); Event::Waited }
//!         Step::Send(request) => send it → Event::Response { .. } or Event::Failed(error),
//!         Step::Done(result) => return result,
//!     }
//! }
//! ```
//!
//! The core is not generic: decoding goes through `&mut dyn` [`Decode`], so the whole call path
//! is compiled once for every endpoint (BENCHMARKS.md); only [`Output`] (one small decode call) is
//! instantiated per response type.
//!
//! ## The clock
//!
//! The core never reads a clock: every step is given `now`, and a call is started with the wall
//! clock's unix seconds too, which the core moves on by the time that passes for each attempt's
//! `timestamp`. Both drivers take them from [`clock`](super::clock): `now` is tokio's clock: on a thread inside a tokio runtime whose clock is
//! paused (`#[tokio::test(start_paused = true)]`), the limiter's windows, the retry budget, the
//! waits and the latency in the span all follow that paused clock together; anywhere else it is
//! the monotonic system clock. The blocking client performs its calls on a thread that carries no
//! runtime context (its own thread, or a helper thread when called inside a runtime), so it reads
//! the system clock and sleeps the thread: its reading of the time and its waits always agree.

use std::time::{Duration, Instant};

use bytes::Bytes;
use tracing::Span;

use super::gate::{Gate, Permit};
use super::output::Decode;
use crate::call::envelope;
use crate::call::error::{Error, Label, Result};
use crate::call::observe;
use crate::call::request::{self, Call, CallOptions, Prepared, Shared};
use crate::call::retry::Attempts;

/// What the driver must do next.
#[derive(Debug)]
pub(crate) enum Step<'c> {
    /// Ask `gate` for a permit at `now`; feed back [`Event::Permit`].
    Acquire(&'c Gate),
    /// Tell `gate` the vendor refused for rate; feed back [`Event::Paused`].
    Pause(&'c Gate),
    /// Sleep this long; feed back [`Event::Waited`].
    Wait(Duration),
    /// Send this request; feed back [`Event::Response`] or [`Event::Failed`].
    Send(Prepared),
    /// The call is over.
    Done(Result<()>),
}

/// What happened since the last step.
#[derive(Debug)]
pub(crate) enum Event {
    /// Nothing yet: the first step.
    Start,
    /// The gate's answer.
    Permit(Permit),
    /// The gate was told.
    Paused,
    /// The wait is over.
    Waited,
    /// A response arrived: its status, its `Location` header (which a 3xx should have) and its
    /// whole body.
    Response {
        status: u16,
        location: Option<String>,
        body: Bytes,
    },
    /// The attempt failed before a whole response arrived.
    Failed(Error),
}

/// One call in progress: everything decided, nothing performed.
pub(crate) struct Core<'c> {
    shared: &'c Shared,
    call: Call<'c>,
    options: CallOptions,
    output: &'c mut dyn Decode,
    attempts: Attempts,
    span: Span,
    started: Instant,
    /// The wall clock's unix seconds at `started`: each attempt's `timestamp` is this plus the
    /// time since.
    unix_started: i64,
    /// When the current wait for a permit began.
    acquiring_since: Option<Instant>,
    /// Time spent waiting for permits.
    waited: Duration,
    /// The error of the last attempt, while the gate is told about it.
    failed: Option<Error>,
    done: bool,
}

impl std::fmt::Debug for Core<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("endpoint", &self.call.label)
            .field("attempts", &self.attempts.made)
            .field("waited", &self.waited)
            .finish_non_exhaustive()
    }
}

impl<'c> Core<'c> {
    /// Starts `call` at `now` (the wall clock saying `unix_now`), with the settings of the
    /// client that sends it.
    pub(crate) fn new(
        shared: &'c Shared,
        options: CallOptions,
        call: Call<'c>,
        output: &'c mut dyn Decode,
        now: Instant,
        unix_now: i64,
    ) -> Self {
        Core {
            span: observe::span(&call.label),
            attempts: Attempts::new(options.retry, call.retry_safe, now),
            shared,
            call,
            options,
            output,
            started: now,
            unix_started: unix_now,
            acquiring_since: None,
            waited: Duration::ZERO,
            failed: None,
            done: false,
        }
    }

    /// The call's `tracing` span; drivers run the steps inside it.
    pub(crate) fn span(&self) -> &Span {
        &self.span
    }

    /// Feeds `event`, which happened by `now`, and returns what to do next.
    pub(crate) fn step(&mut self, event: Event, now: Instant) -> Step<'c> {
        if self.done {
            return Step::Done(Err(envelope::missing(&self.call.label)));
        }
        match event {
            Event::Start | Event::Waited => self.begin(now),
            Event::Permit(Permit::Granted) => {
                if let Some(since) = self.acquiring_since.take() {
                    self.waited += now.saturating_duration_since(since);
                }
                self.send(now)
            }
            Event::Permit(Permit::Wait(wait)) if self.options.fail_fast => self.finish(
                Err(Error::RateLimited {
                    endpoint: self.call.label.name(),
                    retry_after: wait,
                }),
                now,
            ),
            Event::Permit(Permit::Wait(wait)) => Step::Wait(wait),
            Event::Permit(Permit::Failed(error)) => self.finish(Err(error), now),
            Event::Response {
                status,
                location,
                body,
            } => {
                let result = request::check_status(&self.call.label, status, location, body)
                    .and_then(|body| self.output.decode(&self.call.label, status, body));
                match result {
                    Ok(()) => self.finish(Ok(()), now),
                    Err(error) => self.failed(error, now),
                }
            }
            Event::Failed(error) => self.failed(error, now),
            Event::Paused => match self.failed.take() {
                Some(error) => self.retry(error, now),
                None => self.finish(Err(envelope::missing(&self.call.label)), now),
            },
        }
    }

    /// Before an attempt: a permit if the call is gated, else the attempt itself.
    fn begin(&mut self, now: Instant) -> Step<'c> {
        match &self.shared.gate {
            Some(gate) => {
                self.acquiring_since.get_or_insert(now);
                Step::Acquire(gate)
            }
            None => self.send(now),
        }
    }

    /// An attempt at `now`, signed afresh.
    fn send(&mut self, now: Instant) -> Step<'c> {
        self.attempts.begin();
        let since = now.saturating_duration_since(self.started).as_secs();
        let timestamp = self
            .unix_started
            .saturating_add(i64::try_from(since).unwrap_or(i64::MAX));
        Step::Send(self.shared.prepare(&mut self.call, timestamp))
    }

    /// After a failed attempt: tell the gate first if the vendor refused for rate.
    fn failed(&mut self, error: Error, now: Instant) -> Step<'c> {
        match &self.shared.gate {
            Some(gate) if error.is_rate_limited() => {
                self.failed = Some(error);
                Step::Pause(gate)
            }
            _ => self.retry(error, now),
        }
    }

    /// Waits and goes again, or gives up with `error`.
    fn retry(&mut self, error: Error, now: Instant) -> Step<'c> {
        match self.attempts.retry_after(&error, now) {
            Some(delay) => {
                self.span.in_scope(|| {
                    tracing::debug!(attempt = self.attempts.made, ?delay, "retrying");
                });
                Step::Wait(delay)
            }
            None => self.finish(Err(error), now),
        }
    }

    /// Records the call in its span and ends it.
    fn finish(&mut self, result: Result<()>, now: Instant) -> Step<'c> {
        self.done = true;
        observe::sent(
            &self.span,
            self.attempts.made,
            self.waited,
            now.saturating_duration_since(self.started),
        );
        observe::decoded(&self.span, &result);
        Step::Done(result)
    }

    /// The call's label, for the driver's transport errors.
    pub(crate) fn label(&self) -> &Label {
        &self.call.label
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use secrecy::SecretString;

    use super::*;
    use crate::call::envelope;
    use crate::call::info::Method;
    use crate::call::output::{AnswerOutput, Output};
    use crate::call::retry::RetryPolicy;
    use crate::call::wire::Params;
    use crate::limit::local::{Limiter, RateLimit};
    use crate::operations::Operation;

    #[test]
    fn an_exchange_answers_any_status_and_keeps_other_errors() {
        let label = Label(std::borrow::Cow::Borrowed("/p"));
        let mut out = AnswerOutput::default();
        assert!(out.decode(&label, 201, Bytes::from_static(b"{}")).is_ok());
        let ok = out.finish(&label, Ok(()));
        assert_eq!(
            ok.map(|a| (a.status, a.body)).ok(),
            Some((201, Bytes::from_static(b"{}")))
        );
        let http = AnswerOutput::default().finish(
            &label,
            Err(Error::Http {
                endpoint: "/p".into(),
                status: 404,
                body: Bytes::from_static(b"<html>"),
            }),
        );
        assert_eq!(
            http.map(|a| (a.status, a.body)).ok(),
            Some((404, Bytes::from_static(b"<html>")))
        );
        let moved = AnswerOutput::default().finish(
            &label,
            Err(Error::Redirect {
                endpoint: "/p".into(),
                status: 302,
                location: Some("https://elsewhere".into()),
            }),
        );
        assert_eq!(
            moved.map(|a| (a.status, a.location)).ok(),
            Some((302, Some("https://elsewhere".to_owned())))
        );
        let limited = AnswerOutput::default().finish(
            &label,
            Err(Error::RateLimited {
                endpoint: "/p".into(),
                retry_after: Duration::from_secs(1),
            }),
        );
        assert!(matches!(limited, Err(Error::RateLimited { .. })));
    }

    fn shared(limit: Option<RateLimit>) -> Shared {
        Shared {
            partner_id: 100,
            partner_key: SecretString::from("secret"),
            base_url: "http://127.0.0.1:9".into(),
            paths: vec![None; Operation::ALL.len()],
            gate: limit.map(|l| Gate::new(Arc::new(Limiter::new(l)))),
            max_response_size: request::DEFAULT_MAX_RESPONSE_SIZE,
        }
    }

    /// One call as a driver performs it, on a fake clock that advances only by the waits, with
    /// permits and pauses from `s`'s gate and each attempt answered by `answer(step, now)`.
    struct Run {
        steps: Vec<&'static str>,
        result: Result<()>,
        output: Option<serde_json::Value>,
        waited: Duration,
    }

    fn run(
        s: &Shared,
        retry: RetryPolicy,
        fail_fast: bool,
        retry_safe: bool,
        t0: Instant,
        mut answer: impl FnMut(&Step<'_>, Instant) -> Event,
    ) -> Run {
        let (options, call) = parts(retry, fail_fast, retry_safe);
        let mut out = Output::new(envelope::decode_json);
        let mut core = Core::new(s, options, call, &mut out, t0, 1_700_000_000);
        let (mut t, mut event, mut steps) = (t0, Event::Start, Vec::new());
        for _ in 0..100 {
            let step = core.step(event, t);
            steps.push(match &step {
                Step::Acquire(_) => "acquire",
                Step::Pause(_) => "pause",
                Step::Wait(_) => "wait",
                Step::Send(_) => "send",
                Step::Done(_) => "done",
            });
            event = match step {
                Step::Done(result) => {
                    assert!(
                        matches!(core.step(Event::Start, t), Step::Done(Err(_))),
                        "over stays over"
                    );
                    let waited = core.waited;
                    return Run {
                        steps,
                        result,
                        output: out.into_value(),
                        waited,
                    };
                }
                Step::Wait(d) => {
                    t += d;
                    Event::Waited
                }
                Step::Acquire(gate) => Event::Permit(gate.acquire_blocking(t)),
                Step::Pause(gate) => {
                    gate.pause_blocking(t);
                    Event::Paused
                }
                ref send => answer(send, t),
            };
        }
        panic!("the call did not end in 100 steps: {steps:?}");
    }

    /// The settings and the call of a test.
    fn parts(
        retry: RetryPolicy,
        fail_fast: bool,
        retry_safe: bool,
    ) -> (CallOptions, Call<'static>) {
        let options = CallOptions {
            retry,
            timeout: None,
            fail_fast,
        };
        let call = Call {
            label: Label(Cow::Borrowed("test")),
            retry_safe,
            path: "/openapi/x",
            method: Method::Post,
            params: Params::new(),
            upload: None,
        };
        (options, call)
    }

    fn response(status: u16, body: &'static [u8]) -> Event {
        Event::Response {
            status,
            location: None,
            body: Bytes::from_static(body),
        }
    }

    fn ok_body() -> Event {
        response(200, br#"{"code":0,"data":{},"msg":""}"#)
    }

    fn quick() -> RetryPolicy {
        RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(1))
    }

    /// A client whose limit of 1 per 10 s was used at `t0`.
    fn full_gate(t0: Instant) -> Shared {
        let s = shared(Some(RateLimit::new(1, Duration::from_secs(10))));
        let Some(gate) = &s.gate else { panic!("gated") };
        assert!(matches!(gate.acquire_blocking(t0), Permit::Granted));
        s
    }

    #[test]
    fn an_ungated_success_is_one_send() {
        let r = run(
            &shared(None),
            RetryPolicy::default(),
            false,
            true,
            Instant::now(),
            |_, _| ok_body(),
        );
        assert_eq!(r.steps, ["send", "done"]);
        assert!(r.result.is_ok());
        assert_eq!(r.output, Some(serde_json::json!({})));
    }

    #[test]
    fn each_attempt_takes_a_permit_and_is_signed_afresh() {
        let s = shared(Some(RateLimit::new(10, Duration::from_secs(10))));
        let mut signs = Vec::new();
        let r = run(&s, quick(), false, true, Instant::now(), |step, _| {
            let Step::Send(p) = step else {
                panic!("{step:?}")
            };
            assert!(p.url.ends_with("/openapi/x"));
            signs.push(p.body.clone());
            if signs.len() < 3 {
                response(503, b"")
            } else {
                ok_body()
            }
        });
        assert_eq!(
            r.steps,
            [
                "acquire", "send", "wait", "acquire", "send", "wait", "acquire", "send", "done"
            ]
        );
        assert!(r.result.is_ok());
        assert!(signs.iter().all(|b| b.windows(5).any(|w| w == b"sign=")));
    }

    #[test]
    fn a_full_limiter_makes_the_call_wait_on_the_same_clock_as_the_retries() {
        let t0 = Instant::now();
        let mut sent_at = None;
        let r = run(
            &full_gate(t0),
            RetryPolicy::none(),
            false,
            true,
            t0,
            |_, t| {
                sent_at = Some(t);
                ok_body()
            },
        );
        assert_eq!(r.steps, ["acquire", "wait", "acquire", "send", "done"]);
        assert!(r.result.is_ok());
        assert_eq!(sent_at, Some(t0 + Duration::from_secs(10)));
        assert_eq!(r.waited, Duration::from_secs(10));
    }

    #[test]
    fn fail_fast_ends_the_call_without_sending() {
        let t0 = Instant::now();
        let r = run(
            &full_gate(t0),
            RetryPolicy::default(),
            true,
            true,
            t0,
            |_, _| panic!("nothing is sent"),
        );
        assert_eq!(r.steps, ["acquire", "done"]);
        assert!(matches!(
            r.result,
            Err(Error::RateLimited { retry_after, .. }) if retry_after == Duration::from_secs(10)
        ));
    }

    #[test]
    fn a_gate_failure_ends_the_call() {
        let s = shared(Some(RateLimit::new(1, Duration::from_secs(10))));
        let mut out = Output::new(envelope::decode_json);
        let t0 = Instant::now();
        let (options, call) = parts(RetryPolicy::default(), false, true);
        let mut core = Core::new(&s, options, call, &mut out, t0, 1_700_000_000);
        assert!(matches!(core.step(Event::Start, t0), Step::Acquire(_)));
        let failure = Error::Config("limiter unreachable".into());
        match core.step(Event::Permit(Permit::Failed(failure)), t0) {
            Step::Done(Err(Error::Config(m))) => assert_eq!(m, "limiter unreachable"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_vendor_refusal_for_rate_pauses_the_gate_then_retries_after_its_window() {
        let s = shared(Some(RateLimit::new(100, Duration::from_secs(10))));
        let retry = quick().budget(Duration::from_secs(60));
        let mut sent = Vec::new();
        // A write: only the refusal for rate makes it go again.
        let r = run(&s, retry, false, false, Instant::now(), |_, t| {
            sent.push(t);
            if sent.len() == 1 {
                response(200, br#"{"code":429,"data":null,"msg":"busy"}"#)
            } else {
                ok_body()
            }
        });
        assert_eq!(
            r.steps,
            [
                "acquire", "send", "pause", "wait", "acquire", "wait", "acquire", "send", "done"
            ]
        );
        assert!(r.result.is_ok());
        assert!(sent[1] - sent[0] >= Duration::from_secs(10), "{sent:?}");
    }

    #[test]
    fn a_redirect_ends_the_call_even_for_a_read() {
        let r = run(
            &shared(None),
            quick(),
            false,
            true,
            Instant::now(),
            |_, _| Event::Response {
                status: 307,
                location: Some("http://elsewhere/openapi/x".into()),
                body: Bytes::new(),
            },
        );
        assert_eq!(r.steps, ["send", "done"]);
        match r.result {
            Err(Error::Redirect {
                status: 307,
                location,
                ..
            }) => {
                assert_eq!(location.as_deref(), Some("http://elsewhere/openapi/x"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn writes_stop_after_a_cut_body_and_reads_go_again() {
        let cut = |_: &Step<'_>, _| {
            Event::Failed(Error::Decode {
                endpoint: "test".into(),
                path: ".".into(),
                message: "cut".into(),
                body: Bytes::new(),
            })
        };
        let write = run(&shared(None), quick(), false, false, Instant::now(), cut);
        assert_eq!(write.steps, ["send", "done"]);
        assert!(matches!(write.result, Err(Error::Decode { .. })));
        let read = run(&shared(None), quick(), false, true, Instant::now(), cut);
        assert_eq!(read.steps, ["send", "wait", "send", "wait", "send", "done"]);
    }
}
