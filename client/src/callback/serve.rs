//! Serving HTTP/1 on a listener so that slow, idle or too many clients cannot hold it: a header
//! read timeout, a body deadline, a cap on concurrent connections, and an accept loop that backs
//! off when the process runs out of file descriptors. [`super::axum::serve`] (and with it the
//! callback receiver example) serves through it.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// How patient a server is with its clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServeLimits {
    /// A connection that has not sent a request's headers within this time (idle keep-alive
    /// connections included) is closed. Default 30 s.
    pub header_timeout: Duration,
    /// A request whose body has not fully arrived within this time after its headers is
    /// dropped with its connection. Default 30 s.
    pub body_timeout: Duration,
    /// The largest body read; a larger one is answered 413. Default 2 MiB.
    pub max_body: usize,
    /// Connections served at once; more wait in the listener's backlog. Default 1024.
    pub max_connections: usize,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            max_body: 2 * 1024 * 1024,
            max_connections: 1024,
        }
    }
}

impl ServeLimits {
    /// Sets both timeouts: a request must send its headers, then its body, each within
    /// `timeout`.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self.body_timeout = timeout;
        self
    }

    /// Sets the largest body read.
    #[must_use]
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Sets the number of connections served at once (at least 1).
    #[must_use]
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }
}

/// Why a request was not answered (its body did not arrive in time, could not be read, or the
/// handler failed); hyper then closes the connection.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Unanswered(String);

/// Where connections come from: a TCP listener, or a test's stand-in.
pub(crate) trait Listener: Send + 'static {
    /// A connection.
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// The next connection.
    fn accept(&self) -> impl Future<Output = io::Result<Self::Io>> + Send;
}

impl Listener for TcpListener {
    type Io = TcpStream;

    async fn accept(&self) -> io::Result<TcpStream> {
        TcpListener::accept(self).await.map(|(s, _)| s)
    }
}

/// The first pause after a failed `accept`, doubled on each failure in a row up to
/// [`MAX_ACCEPT_BACKOFF`]: out of descriptors (`EMFILE`), `accept` fails at once, every time, and
/// retrying at once would spin a core.
const MIN_ACCEPT_BACKOFF: Duration = Duration::from_millis(10);
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Serves `handler` on `listener` within `limits` until `shutdown` resolves. The handler gets
/// the request with its whole body read; an error from it closes the connection unanswered.
pub(crate) async fn serve<L, H, Fut, B, E>(
    listener: L,
    limits: ServeLimits,
    handler: H,
    shutdown: impl Future<Output = ()> + Send,
) where
    L: Listener,
    H: Fn(Request<Bytes>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<B>, E>> + Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut backoff = MIN_ACCEPT_BACKOFF;
    tokio::pin!(shutdown);
    loop {
        // A free place first, then a connection: past the cap, clients wait in the backlog.
        let permit = tokio::select! {
            () = &mut shutdown => return,
            p = Arc::clone(&permits).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
        };
        let io = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok(io) => {
                    backoff = MIN_ACCEPT_BACKOFF;
                    io
                }
                Err(e) => {
                    tracing::warn!(error = %e, ?backoff, "accept failed; backing off");
                    tokio::select! {
                        () = &mut shutdown => return,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_ACCEPT_BACKOFF);
                    continue;
                }
            },
        };
        let handler = handler.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let handler = handler.clone();
                async move { read_then(req, limits, handler).await }
            });
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let _ = builder.serve_connection(TokioIo::new(io), service).await;
            drop(permit);
        });
    }
}

/// Reads the whole body within the limits, then hands the request over.
async fn read_then<H, Fut, B, E>(
    req: Request<Incoming>,
    limits: ServeLimits,
    handler: H,
) -> Result<Response<Either<B, Full<Bytes>>>, Unanswered>
where
    H: Fn(Request<Bytes>) -> Fut,
    Fut: Future<Output = Result<Response<B>, E>>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = req.into_parts();
    let read = Limited::new(body, limits.max_body).collect();
    let body = match tokio::time::timeout(limits.body_timeout, read).await {
        Err(_) => {
            return Err(Unanswered(format!(
                "the request body did not arrive within {:?}",
                limits.body_timeout
            )));
        }
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            return Ok(too_large());
        }
        Ok(Err(e)) => return Err(Unanswered(e.to_string())),
    };
    let response = handler(Request::from_parts(parts, body))
        .await
        .map_err(|e| Unanswered(e.into().to_string()))?;
    Ok(response.map(Either::Left))
}

fn too_large<B>() -> Response<Either<B, Full<Bytes>>> {
    let mut r = Response::new(Either::Right(Full::new(Bytes::from_static(
        b"request body too large",
    ))));
    *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    r
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use std::convert::Infallible;

    use super::*;

    /// A listener out of file descriptors: every `accept` fails at once.
    struct Exhausted(Arc<AtomicUsize>);

    impl Listener for Exhausted {
        type Io = tokio::io::DuplexStream;

        async fn accept(&self) -> io::Result<Self::Io> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Err(io::Error::other("Too many open files (os error 24)"))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn accept_failures_back_off_instead_of_spinning() {
        let calls = Arc::new(AtomicUsize::new(0));
        let handler = |_req: Request<Bytes>| async {
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())))
        };
        // Ten seconds of the paused clock: 10 + 20 + ... ms, then 1 s each.
        let _ = tokio::time::timeout(
            Duration::from_secs(10),
            serve(
                Exhausted(Arc::clone(&calls)),
                ServeLimits::default(),
                handler,
                std::future::pending(),
            ),
        )
        .await;
        let n = calls.load(Ordering::SeqCst);
        assert!((5..=20).contains(&n), "{n} accepts in 10 s");
    }
}
