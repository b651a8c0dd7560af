//! The application: the router composed from its parts, background workers, and serving
//! with graceful shutdown.

use std::net::SocketAddr;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;
pub use crate::state::{AppState, SharedState};

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
pub async fn start(config: Config) -> anyhow::Result<Running> {
    let store = crate::store::connect(&config.database_url).await?;
    store.migrate().await?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let state = AppState::new(config, store);
    let (tx, rx) = watch::channel(false);
    let mut tasks = crate::workers::spawn(&state, rx.clone());
    let router = crate::api::router(state.clone());
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
