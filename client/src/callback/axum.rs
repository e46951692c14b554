//! Receiving callbacks in an axum application.
//!
//! The extractor verifies the body and claims the delivery in the verifier's store; the handler
//! completes it once handled (or releases it when handling failed) and returns the [`Reply`].
//! A duplicate of a handled delivery never reaches the handler: the extractor answers it
//! `{"code":0}` itself.
//!
//! * [`VerifiedCallback`] reads the request's body, so it must be the handler's **last**
//!   argument (axum's rule for extractors that take the body); `State` and other extractors of
//!   the request's parts go before it.
//! * The [`Verifier`] comes from the router's state through [`FromRef`]: the state may be the
//!   verifier itself, or your application's state with a `FromRef` impl, as below.
//! * The handler answers `{"code":0}` only by completing the delivery:
//!   [`Claimed::complete`] returns that [`Reply`], and nothing else outside this crate can make
//!   one. Return [`Claimed::release`]'s reply when handling failed. A delivery dropped without
//!   either is released (and a warning logged), so the vendor's retry is handled.
//!   Without a store, `complete()` answers `{"code":0}` all the same.
//! * Serve it with [`serve`], which closes connections that are slow to send their request and
//!   caps how many are open, rather than with `axum::serve`.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use axum::extract::{FromRef, State};
//! use axum::{Router, routing::post};
//! use baijiayun::callback::axum::{VerifiedCallback, serve};
//! use baijiayun::callback::{CallbackEvent, MemoryStore, Reply, ServeLimits, Verifier};
//!
//! #[derive(Clone)]
//! struct App {
//!     verifier: Verifier,
//!     db: Arc<Db>,
//! }
//!
//! // The extractor finds the verifier in the application's state.
//! impl FromRef<App> for Verifier {
//!     fn from_ref(app: &App) -> Verifier {
//!         app.verifier.clone()
//!     }
//! }
//!
//! // The extractor last: it reads the body.
//! async fn receive(State(app): State<App>, VerifiedCallback(delivery): VerifiedCallback) -> Reply {
//!     match app.db.save(&delivery.event).await {
//!         Ok(()) => delivery.complete().await,
//!         Err(e) => delivery.release(&e.to_string()).await,
//!     }
//! }
//!
//! # struct Db;
//! # impl Db {
//! #     async fn save(&self, event: &CallbackEvent) -> std::io::Result<()> { let _ = event; Ok(()) }
//! # }
//! # async fn run() -> std::io::Result<()> {
//! let key = std::env::var("BAIJIAYUN_PARTNER_KEY").map_err(std::io::Error::other)?;
//! let app = App {
//!     verifier: Verifier::new(key).store(MemoryStore::new()),
//!     db: Arc::new(Db),
//! };
//! let router = Router::new()
//!     .route("/baijiayun/callback", post(receive))
//!     .with_state(app);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! serve(listener, router, ServeLimits::default()).await;
//! # Ok(())
//! # }
//! ```
//!
//! A key set but empty does not let forged callbacks through: the verifier then refuses every
//! callback ([`CallbackError::NoKey`]).
//!
//! A handler cannot acknowledge a delivery it did not complete; this does not compile:
//!
//! ```compile_fail
//! use baijiayun::callback::Reply;
//! use baijiayun::callback::axum::VerifiedCallback;
//!
//! async fn receive(VerifiedCallback(delivery): VerifiedCallback) -> Reply {
//!     let _ = &delivery.event;
//!     Reply::Ack // only `delivery.complete().await` makes `{"code":0}`
//! }
//! ```
//!
//! and neither does answering through the "handled already" error, which only the store makes:
//!
//! ```compile_fail
//! use baijiayun::callback::{CallbackError, Reply};
//! use baijiayun::callback::axum::VerifiedCallback;
//!
//! async fn receive(VerifiedCallback(delivery): VerifiedCallback) -> Reply {
//!     let _ = &delivery.event;
//!     CallbackError::AlreadyHandled { qid: String::new() }.reply()
//! }
//! ```
//!
//! while the same handler completing its delivery does:
//!
//! ```
//! use baijiayun::callback::Reply;
//! use baijiayun::callback::axum::VerifiedCallback;
//!
//! async fn receive(VerifiedCallback(delivery): VerifiedCallback) -> Reply {
//!     let _ = &delivery.event;
//!     delivery.complete().await
//! }
//! ```

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{CallbackError, Claimed, Reply, ServeLimits, Verifier};

/// Extracts a callback verified by the state's [`Verifier`] (from the form body, a JSON body, or
/// the query string) and claimed in its store: see [`Verifier::claim`]. It reads the body, so it
/// is the handler's last argument. Answer with [`Claimed::complete`] or [`Claimed::release`]
/// (module docs).
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
