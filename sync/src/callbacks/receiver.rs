//! The callback receiver: every callback kind at `POST /callback`, verified with the partner key,
//! claimed in [`SqlDeliveryStore`], stored in `callback_events` and completed in one transaction.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use baijiayun::callback::{CallbackError, Reply, ServeLimits, Verifier};

use super::{DEFAULT_KEEP, EventRow, SqlDeliveryStore, Stored};
use crate::db::Database;
use crate::metrics;

/// Receives the vendor's callbacks into the sync's database: each verified event is stored once in
/// `callback_events` (its body as received), whichever of any number of receivers on one database
/// gets it and however often it is delivered; a duplicate is answered `{"code":0}` and not stored
/// again. The instance that syncs then refreshes the room each event names.
///
/// Mount [`CallbackReceiver::router`] in your axum application, or serve it on its own with
/// [`CallbackReceiver::serve`] (the client's serving limits: timeouts, body size, connections).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use baijiayun_sync::Database;
/// use baijiayun_sync::callbacks::CallbackReceiver;
///
/// let db = Database::open("postgres://sync:secret@db/app").await?;
/// let key = std::env::var("BAIJIAYUN_PARTNER_KEY")?;
/// let receiver = CallbackReceiver::new(db, key);
/// // Your application's routes, and the callbacks at POST /baijiayun/callback.
/// let app = axum::Router::new().nest("/baijiayun", receiver.router());
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
/// baijiayun::callback::axum::serve(listener, app, Default::default()).await;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct CallbackReceiver {
    verifier: Verifier,
    store: Arc<SqlDeliveryStore>,
}

impl CallbackReceiver {
    /// A receiver of callbacks signed with `partner_key` (the verifier's default timestamp
    /// tolerance, 24 h), storing into `db`.
    pub fn new(db: Database, partner_key: impl Into<String>) -> CallbackReceiver {
        CallbackReceiver::with_verifier(db, Verifier::new(partner_key))
    }

    /// A receiver with a verifier of your own settings (tolerance, lease, clock); its store is
    /// replaced by the database's, and completed deliveries are kept for [`DEFAULT_KEEP`] unless
    /// [`CallbackReceiver::keep_completed`] says otherwise.
    pub fn with_verifier(db: Database, verifier: Verifier) -> CallbackReceiver {
        let store = Arc::new(SqlDeliveryStore::new(db));
        CallbackReceiver {
            verifier: verifier
                .shared_store(store.clone())
                .keep_completed(DEFAULT_KEEP),
            store,
        }
    }

    /// How long a completed delivery is remembered, so that a duplicate is recognised (default
    /// [`DEFAULT_KEEP`], twice the verifier's default tolerance): at least twice the tolerance.
    #[must_use]
    pub fn keep_completed(self, keep: Duration) -> CallbackReceiver {
        let db = self.store.database().clone();
        let store = Arc::new(SqlDeliveryStore::new(db).keep_completed(keep));
        CallbackReceiver {
            verifier: self
                .verifier
                .shared_store(store.clone())
                .keep_completed(keep),
            store,
        }
    }

    /// The delivery store (for [`SqlDeliveryStore::sweep_expired`]).
    pub fn store(&self) -> &SqlDeliveryStore {
        &self.store
    }

    /// Handles one request as it arrived (its query string and body): verify, claim, store and
    /// complete, or refuse. Returns the answer for the vendor. For other web frameworks than axum.
    pub async fn receive(&self, query: Option<&str>, body: &[u8]) -> Reply {
        let claimed = match self.verifier.claim(query, body).await {
            Ok(claimed) => claimed,
            Err(e) => {
                match &e {
                    CallbackError::AlreadyHandled { .. } => metrics::callback_duplicate(),
                    CallbackError::InProgress { .. } => {}
                    _ => metrics::callback_failed(),
                }
                if !matches!(e, CallbackError::AlreadyHandled { .. }) {
                    tracing::info!(error = %e, "callback refused");
                }
                return e.reply();
            }
        };
        metrics::callback_received();
        // The body as received; when it is empty the event came in the query string.
        let text = if body.trim_ascii().is_empty() {
            query.unwrap_or_default().to_owned()
        } else {
            String::from_utf8_lossy(body).into_owned()
        };
        let row = EventRow::new(claimed.callback(), &text);
        match self.store.store_event(&row).await {
            Ok(stored) => {
                if stored == Stored::Duplicate {
                    metrics::callback_duplicate();
                }
                tracing::debug!(qid = %row.qid, kind = %row.kind, ?stored, "callback stored");
                claimed.complete().await
            }
            Err(e) => {
                metrics::callback_failed();
                tracing::warn!(qid = %row.qid, error = %e, "could not store a callback; the vendor will retry");
                claimed
                    .release("the event could not be stored; retry later")
                    .await
            }
        }
    }

    /// An axum router with every callback kind at `POST /callback`. Merge or nest it into your
    /// application (`Router::nest("/baijiayun", receiver.router())`).
    pub fn router(&self) -> Router {
        Router::new()
            .route("/callback", post(handle))
            .with_state(self.clone())
    }

    /// Serves [`CallbackReceiver::router`] on `listener` within `limits` (the client's
    /// `callback::axum::serve`) until the process ends.
    pub async fn serve(self, listener: tokio::net::TcpListener, limits: ServeLimits) {
        baijiayun::callback::axum::serve(listener, self.router(), limits).await;
    }
}

async fn handle(
    State(receiver): State<CallbackReceiver>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    receiver
        .receive(query.as_deref(), &body)
        .await
        .into_response()
}
