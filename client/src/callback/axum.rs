//! Receiving callbacks in an axum application.
//!
//! ```no_run
//! use axum::{Router, routing::post};
//! use baijiayun::callback::Verifier;
//! use baijiayun::callback::axum::{Ack, VerifiedCallback};
//!
//! async fn receive(VerifiedCallback(callback): VerifiedCallback) -> Ack {
//!     println!("{:?}", callback.event);
//!     Ack
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let app = Router::new()
//!     .route("/baijiayun/callback", post(receive))
//!     .with_state(Verifier::new("partner-key"));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Callback, CallbackError, Verifier, reply_error, reply_ok};

/// Extracts a callback verified by the state's [`Verifier`] (from the form body, a JSON body, or
/// the query string). A body that fails verification is answered `{"code":1,"msg":"..."}`.
#[derive(Clone, Debug)]
pub struct VerifiedCallback(pub Callback);

/// Why a callback was not accepted, answered in the vendor's format.
#[derive(Debug)]
pub struct Rejection(pub CallbackError);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        json(reply_error(&self.0.to_string()))
    }
}

/// The answer to a handled callback: `{"code":0}`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ack;

impl IntoResponse for Ack {
    fn into_response(self) -> Response {
        json(reply_ok().to_owned())
    }
}

fn json(body: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
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
            .verify_request(query.as_deref(), &body)
            .map(VerifiedCallback)
            .map_err(Rejection)
    }
}
