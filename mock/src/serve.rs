//! The fake's HTTP/1 serving loop, bounded the way a real server must be: a header read timeout,
//! a body deadline and size cap, a cap on connections served at once, and an accept loop that
//! backs off when the process runs out of file descriptors instead of spinning.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How patient the fake is with its clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ServeLimits {
    /// A connection that sends no request's headers within this time (idle ones included) is
    /// closed.
    pub(crate) header_timeout: Duration,
    /// A request whose body has not arrived this long after its headers is dropped with its
    /// connection.
    pub(crate) body_timeout: Duration,
    /// The largest body read; a larger one is answered 413.
    pub(crate) max_body: usize,
    /// Connections served at once; more wait in the listener's backlog.
    pub(crate) max_connections: usize,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            max_body: 16 * 1024 * 1024,
            max_connections: 1024,
        }
    }
}

/// The first pause after a failed `accept`; it doubles on each failure in a row up to the second.
const ACCEPT_BACKOFF: (Duration, Duration) = (Duration::from_millis(10), Duration::from_secs(1));

/// Why a request goes unanswered; hyper then closes the connection.
#[derive(Debug)]
pub(crate) struct Unanswered(pub(crate) String);

impl std::fmt::Display for Unanswered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unanswered {}

/// The answer type of the fake.
pub(crate) type Answer = Response<Full<Bytes>>;

/// Serves `handler` on `listener` within `limits` until `shutdown` resolves. The handler gets each
/// request with its whole body read; an error from it closes the connection unanswered.
pub(crate) async fn serve<H, Fut>(
    listener: TcpListener,
    limits: ServeLimits,
    handler: H,
    shutdown: impl Future<Output = ()> + Send,
) where
    H: Fn(Request<Bytes>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Answer, Unanswered>> + Send + 'static,
{
    let places = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut pause = ACCEPT_BACKOFF.0;
    tokio::pin!(shutdown);
    loop {
        // A free place first, then a connection: past the cap, clients wait in the backlog.
        let place = tokio::select! {
            () = &mut shutdown => None,
            p = Arc::clone(&places).acquire_owned() => p.ok(),
        };
        let Some(place) = place else {
            return;
        };
        let accepted = tokio::select! {
            () = &mut shutdown => return,
            a = listener.accept() => a,
        };
        let stream = match accepted {
            Ok((stream, _)) => {
                pause = ACCEPT_BACKOFF.0;
                stream
            }
            Err(e) => {
                tracing::warn!(error = %e, ?pause, "the fake's accept failed; backing off");
                tokio::select! {
                    () = &mut shutdown => return,
                    () = tokio::time::sleep(pause) => {}
                }
                pause = (pause * 2).min(ACCEPT_BACKOFF.1);
                continue;
            }
        };
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let handler = handler.clone();
                async move {
                    match read_body(req, limits).await {
                        Ok(req) => handler(req).await,
                        Err(answer) => answer,
                    }
                }
            });
            let mut http = http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let _ = http.serve_connection(TokioIo::new(stream), service).await;
            drop(place);
        });
    }
}

/// The request with its whole body, read within the limits; or what to answer instead.
async fn read_body(
    req: Request<Incoming>,
    limits: ServeLimits,
) -> Result<Request<Bytes>, Result<Answer, Unanswered>> {
    let (parts, body) = req.into_parts();
    let reading = Limited::new(body, limits.max_body).collect();
    match tokio::time::timeout(limits.body_timeout, reading).await {
        Ok(Ok(body)) => Ok(Request::from_parts(parts, body.to_bytes())),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            let mut r = Response::new(Full::new(Bytes::from_static(b"request body too large")));
            *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            Err(Ok(r))
        }
        Ok(Err(e)) => Err(Err(Unanswered(e.to_string()))),
        Err(_) => Err(Err(Unanswered(format!(
            "the request body did not arrive within {:?}",
            limits.body_timeout
        )))),
    }
}
