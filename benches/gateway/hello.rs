//! The yardstick: an axum hello-world JSON handler (`GET /hello` → `{"message":"Hello,
//! World!"}`), served by this same bench binary re-run as a child process
//! (`--serve-hello ADDR`), on the same tokio defaults as `parcelgate serve`.

use std::net::SocketAddr;
use std::process::{Command, Stdio};

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::process::Gateway;

/// The argument that turns this binary into the hello-world server.
pub const SERVE_FLAG: &str = "--serve-hello";

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

async fn hello() -> Json<Message> {
    Json(Message {
        message: "Hello, World!",
    })
}

/// Serves hello-world on `addr` until killed (the child side).
pub fn serve(addr: &str) {
    let addr: SocketAddr = addr.parse().expect("--serve-hello ADDR");
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .expect("bind hello-world");
        let app = Router::new()
            .route("/hello", get(hello))
            .route("/healthz", get(|| async { "ok" }));
        axum::serve(listener, app).await.expect("serve hello-world");
    });
}

/// Starts the hello-world child process and waits until it answers.
pub async fn spawn() -> Gateway {
    let addr = crate::process::free_addr();
    let exe = std::env::current_exe().expect("current exe");
    let child = Command::new(exe)
        .args([SERVE_FLAG, &addr.to_string()])
        .stdout(Stdio::null())
        .spawn()
        .expect("start hello-world");
    let mut g = Gateway { child, addr };
    g.wait_ready(std::time::Duration::from_secs(10)).await;
    g
}
