//! `baijiayun sync --metrics ADDR`: Prometheus text at `GET /metrics` and `GET /healthz`.
//!
//! The recorder is `metrics-exporter-prometheus` without its default features: its own listener
//! (hyper, with `/metrics` only and no other route) and push gateway (a TLS client) are not used.
//! We serve with the axum already in the workspace, so `/healthz` sits beside `/metrics` on the
//! one port the user passes, bound exactly as given.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use baijiayun_sync::Database;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::task::JoinHandle;

use crate::output::Failure;

/// How long `/healthz` waits for `SELECT 1`.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Clone)]
struct Shared {
    handle: PrometheusHandle,
    db: Database,
}

/// The running server: aborted when dropped.
#[derive(Debug)]
pub(crate) struct Server {
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Installs the Prometheus recorder and serves it at `addr` (`host:port`, port 0 for any free one),
/// logging the address bound.
pub(crate) async fn serve(addr: &str, db: Database) -> Result<Server, Failure> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::Io(format!("cannot listen for --metrics on {addr}: {e}")))?;
    let local: SocketAddr = listener
        .local_addr()
        .map_err(|e| Failure::Io(format!("--metrics {addr}: {e}")))?;
    let handle = PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| Failure::Other(format!("cannot install the metrics recorder: {e}")))?;
    baijiayun_sync::metrics::describe();
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(Shared { handle, db });
    tracing::info!(address = %local, "serving /metrics and /healthz");
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the metrics server stopped");
        }
    });
    Ok(Server { task })
}

async fn metrics(State(shared): State<Shared>) -> impl IntoResponse {
    baijiayun_sync::metrics::refresh();
    shared.handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        shared.handle.render(),
    )
}

async fn healthz(State(shared): State<Shared>) -> impl IntoResponse {
    match tokio::time::timeout(HEALTH_TIMEOUT, shared.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok\n".to_owned()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer\n".to_owned(),
            )
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the database did not answer within {}s\n",
                HEALTH_TIMEOUT.as_secs()
            ),
        ),
    }
}
