//! One signed request with the answer kept as it came: status, `Location`, body and timing.
//!
//! The client's typed calls return the envelope's decoded `data`; `--raw` and `doctor` need the
//! vendor's whole envelope (its `msg` and `ts` too), the HTTP status, and to see a redirect rather
//! than follow it. [`baijiayun::Client::exchange`] gives that answer, through the same signing, rate
//! limit (the fleet's too) and body cap as every call; this module only times it.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use baijiayun::Client;
use baijiayun::info::Method;

/// What came back.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The HTTP status.
    pub(crate) status: u16,
    /// The `Location` of a redirect.
    pub(crate) location: Option<String>,
    /// The body, whole.
    pub(crate) body: Vec<u8>,
    /// Unix seconds halfway through the exchange, for comparing with the envelope's `ts`.
    pub(crate) midpoint_unix: f64,
    /// How long it took.
    pub(crate) elapsed: Duration,
}

impl Answer {
    /// The body as the vendor's envelope: a JSON object with a `code`.
    pub(crate) fn envelope(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        match serde_json::from_slice(&self.body) {
            Ok(serde_json::Value::Object(map)) if map.contains_key("code") => Some(map),
            _ => None,
        }
    }

    /// The envelope's `code` as an integer (the vendor sometimes sends it as a string).
    pub(crate) fn code(envelope: &serde_json::Map<String, serde_json::Value>) -> Option<i64> {
        match envelope.get("code")? {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Sends `params` (plus `partner_id`, `timestamp` and `sign`) to `path` with `method`, once.
pub(crate) async fn send(
    client: &Client,
    method: Method,
    path: &str,
    params: &[(String, String)],
) -> baijiayun::Result<Answer> {
    let started = Instant::now();
    let before = unix_now();
    let answer = client
        .exchange(
            method,
            path,
            params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .await?;
    let after = unix_now();
    Ok(Answer {
        status: answer.status,
        location: answer.location,
        body: answer.body.to_vec(),
        midpoint_unix: before + (after - before) / 2.0,
        elapsed: started.elapsed(),
    })
}
