//! The application: the router composed from its parts, background workers, and serving
//! with graceful shutdown.

use std::net::SocketAddr;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::error::{problem_response, ApiError, Problem, PROBLEM_BASE};
pub use crate::state::{AppState, SharedState};

/// The whole HTTP surface: the API and the carrier webhooks inside the problem+json layer
/// (every error a client sees has one shape), the pages outside it (they answer in HTML).
pub fn router(state: AppState) -> Router {
    let pages = crate::pages::router(state.clone());
    crate::api::router()
        .merge(crate::inbound::router(&state))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .fallback(|| async { ApiError::not_found("no such route") })
        .layer(DefaultBodyLimit::max(256 * 1024))
        .layer(middleware::from_fn(problem_everywhere))
        .with_state(state.clone())
        .merge(pages)
        .merge(crate::pages::unsubscribe::router(state))
}

/// A running gateway (tests and `serve`).
pub struct Running {
    /// Bound address.
    pub addr: SocketAddr,
    /// State, for tests that look inside.
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops taking work, finishes in-flight work, and waits for every task.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// Opens the store, migrates, binds and starts the HTTP server and the workers.
pub async fn start(mut config: Config) -> anyhow::Result<Running> {
    // Zero-config SQLite still seals: a key file beside the database, made on first start.
    if config.sealing_key().is_empty() {
        if let Some(path) = crate::dispatch::sealing::local_key_path(&config.database_url) {
            let (key, created) = crate::dispatch::sealing::load_or_create_key(&path)?;
            let verb = if created { "generated" } else { "read" };
            tracing::warn!(path = %path.display(),
                "secrets.key is not set: {verb} a sealing key in a file beside the database; \
                 back it up with the database, or set PARCELGATE_SECRETS__KEY");
            config.secrets.key = key;
        }
    }
    let store = crate::store::connect(&config.database_url).await?;
    store.migrate().await?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let state = AppState::new(config, store);
    let (tx, rx) = watch::channel(false);
    let mut tasks = crate::workers::spawn(&state, rx.clone());
    let router = router(state.clone());
    let mut server_rx = rx;
    tasks.push(tokio::spawn(async move {
        let result = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = server_rx.wait_for(|stop| *stop).await;
        })
        .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "HTTP server failed");
        }
    }));
    tracing::info!(%addr, "parcelgate listening");
    Ok(Running {
        addr,
        state,
        shutdown: tx,
        tasks,
    })
}

/// Counts requests by route template and status class (`parcelgate_http_requests_total`).
async fn count_requests(
    axum::extract::State(state): axum::extract::State<AppState>,
    path: Option<axum::extract::MatchedPath>,
    req: Request,
    next: Next,
) -> Response {
    let resp = next.run(req).await;
    let route = path.as_ref().map_or("unmatched", |p| p.as_str());
    let class = match resp.status().as_u16() {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    state.metrics.inc(
        "parcelgate_http_requests_total",
        &[("route", route), ("status", class)],
    );
    resp
}

/// Rewrites any error response that is not already problem+json (axum's own rejections:
/// 405, 413, 415) into one, so clients only ever parse one error shape.
async fn problem_everywhere(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if status.as_u16() < 400 {
        return resp;
    }
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    if is_problem {
        return resp;
    }
    let (kind, detail) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "this route does not accept that method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ("payload-too-large", "request body is larger than allowed")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported-media-type", "unsupported Content-Type")
        }
        _ => ("http-error", status.canonical_reason().unwrap_or("error")),
    };
    problem_response(&Problem {
        kind: format!("{PROBLEM_BASE}{kind}"),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: detail.to_string(),
        field: None,
        retry_after: None,
        errors: None,
    })
}
