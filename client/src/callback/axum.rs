//! Receiving callbacks in an axum application.
//!
//! The extractor verifies the body and claims the delivery in the verifier's store; the handler
//! completes it once handled (or releases it when handling failed) and returns the [`Reply`].
//! A duplicate of a handled delivery never reaches the handler: the extractor answers it
//! `{"code":0}` itself.
//!
//! ```no_run
//! use axum::{Router, routing::post};
//! use baijiayun::callback::{MemoryStore, Reply, Verifier};
//! use baijiayun::callback::axum::VerifiedCallback;
//!
//! async fn save(event: &baijiayun::callback::CallbackEvent) -> Result<(), std::io::Error> {
//!     # let _ = event;
//!     Ok(())
//! }
//!
//! async fn receive(VerifiedCallback(delivery): VerifiedCallback) -> Reply {
//!     match save(&delivery.event).await {
//!         Ok(()) => delivery.complete().await,
//!         Err(e) => delivery.release(&e.to_string()).await,
//!     }
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let app = Router::new()
//!     .route("/baijiayun/callback", post(receive))
//!     .with_state(Verifier::new("partner-key").store(MemoryStore::new()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{CallbackError, Claimed, Reply, ServeLimits, Verifier};

/// Extracts a callback verified by the state's [`Verifier`] (from the form body, a JSON body, or
/// the query string) and claimed in its store: see [`Verifier::claim`].
#[derive(Debug)]
pub struct VerifiedCallback(pub Claimed);

/// Why a callback was not handed to the handler, answered in the vendor's format by
/// [`CallbackError::reply`] (`{"code":0}` for a delivery handled before).
#[derive(Debug)]
pub struct Rejection(pub CallbackError);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        self.0.reply().into_response()
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            self.body(),
        )
            .into_response()
    }
}

/// `{"code":0}`, for a handler without a store to complete in.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ack;

impl IntoResponse for Ack {
    fn into_response(self) -> Response {
        Reply::Ack.into_response()
    }
}

impl<S> FromRequest<S> for VerifiedCallback
where
    S: Send + Sync,
    Verifier: FromRef<S>,
{
    type Rejection = Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        let query = req.uri().query().map(str::to_owned);
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|e| Rejection(CallbackError::Malformed(e.to_string())))?;
        verifier
            .claim(query.as_deref(), &body)
            .await
            .map(VerifiedCallback)
            .map_err(Rejection)
    }
}

/// Serves `app` on `listener` within `limits` (timeouts, body size, connection cap; see
/// [`ServeLimits`]), backing off when `accept` fails (out of file descriptors) instead of
/// spinning. Runs until the process ends. Unlike `axum::serve`, a client that sends its request
/// slowly, or never, is closed after the timeout instead of being held forever.
pub async fn serve(listener: tokio::net::TcpListener, app: axum::Router, limits: ServeLimits) {
    let service = hyper_util::service::TowerToHyperService::new(app);
    let handler = move |req: hyper::Request<Bytes>| {
        use hyper::service::Service as _;
        service.call(req.map(axum::body::Body::from))
    };
    super::serve::serve(listener, limits, handler, std::future::pending()).await;
}
