//! What a call tells `tracing`: one span per call, with the endpoint, the attempts made, the vendor
//! code, the latency and the time waited on the rate limit. Nothing secret is recorded: no partner
//! key, no sign, no parameters.

use std::time::Duration;

use tracing::Span;
use tracing::field::Empty;

use crate::call::error::{Error, Label, Result};

/// The span of one call. Disabled (and nearly free) when no subscriber listens at DEBUG.
pub(crate) fn span(label: &Label) -> Span {
    tracing::debug_span!(
        "baijiayun",
        endpoint = %label.0,
        attempts = Empty,
        code = Empty,
        latency_ms = Empty,
        limiter_wait_ms = Empty,
    )
}

/// Records how the sending went.
pub(crate) fn sent(span: &Span, attempts: u32, waited: Duration, latency: Duration) {
    span.record("attempts", attempts);
    span.record(
        "limiter_wait_ms",
        u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
    );
    span.record(
        "latency_ms",
        u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
    );
}

/// Records the vendor code of the result (0 on success) and logs failures at DEBUG.
pub(crate) fn decoded<T>(span: &Span, result: &Result<T>) {
    match result {
        Ok(_) => {
            span.record("code", 0);
        }
        Err(e) => {
            if let Error::Api { code, .. } = e {
                span.record("code", *code);
            }
            span.in_scope(|| tracing::debug!(error = %e, "call failed"));
        }
    }
}
