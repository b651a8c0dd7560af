//! A small Chrome DevTools Protocol driver for Debian's headless `chromium`: launch, open a
//! tab, navigate, evaluate JavaScript, take full-page screenshots.
//!
//! When `chromium` is missing it is installed with `apt-get install -y chromium`; if that is
//! impossible the tests fail loudly — they never pass without a browser.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The browser binary, installing it if needed (once per test binary: the tests run in
/// parallel, and concurrent `apt-get`s fail on its lock).
pub fn chromium() -> PathBuf {
    static FOUND: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FOUND.get_or_init(find_or_install).clone()
}

fn find_or_install() -> PathBuf {
    let find = || {
        ["chromium", "chromium-browser"].iter().find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        })
    };
    if let Some(p) = find() {
        return p;
    }
    eprintln!("chromium not found: installing Debian's chromium (apt-get install -y chromium)");
    let ok = Command::new("sh")
        .args(["-c", "export DEBIAN_FRONTEND=noninteractive; (apt-get update -qq || true) && apt-get install -y -qq chromium"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    match find() {
        Some(p) if ok => p,
        _ => panic!(
            "the browser tests need Debian's `chromium` and could not install it; \
             run `apt-get install -y chromium` (as root) and re-run"
        ),
    }
}

/// This test's turn: the browser tests of this binary run one at a time, each holding this
/// from its first line. Run side by side, the demo's mailbox test hung for minutes (its
/// out-of-process frames never answered while the other tests' gateways and Chromiums
/// loaded both cores); serial, the four take under 20 s.
pub async fn exclusive() -> tokio::sync::OwnedMutexGuard<()> {
    static TURN: std::sync::OnceLock<std::sync::Arc<tokio::sync::Mutex<()>>> =
        std::sync::OnceLock::new();
    TURN.get_or_init(Default::default)
        .clone()
        .lock_owned()
        .await
}

/// A running headless browser.
pub struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

/// One tab.
pub struct Tab<'a> {
    browser: &'a mut Browser,
    session: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn devtools_port(profile: &Path, child: &mut Child) -> (u16, String) {
    let file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(text) = std::fs::read_to_string(&file) {
            let mut lines = text.lines();
            if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                if let Ok(port) = port.trim().parse() {
                    return (port, path.trim().to_string());
                }
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("chromium exited before DevTools came up: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "chromium DevTools did not come up in 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Browser {
    /// Launches headless chromium with a throwaway profile.
    pub async fn launch() -> Browser {
        let bin = chromium();
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let (port, path) = devtools_port(profile.path(), &mut child);
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}{path}"))
            .await
            .expect("connect to chromium DevTools");
        Browser {
            child,
            _profile: profile,
            ws,
            next_id: 0,
        }
    }

    async fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::Text(msg.to_string().into()))
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let next = tokio::time::timeout(left, self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("{method}: no answer from chromium in 30 s"));
            let Some(Ok(Message::Text(text))) = next else {
                continue;
            };
            let v: Value = serde_json::from_str(&text).unwrap();
            if v["id"] == id {
                if let Some(e) = v.get("error") {
                    panic!("{method} failed: {e}");
                }
                return v["result"].clone();
            }
        }
    }

    /// Opens a tab with a phone-sized viewport (or `width` CSS pixels wide).
    pub async fn tab(&mut self, width: u32, height: u32, mobile: bool) -> Tab<'_> {
        let t = self
            .call(None, "Target.createTarget", json!({"url": "about:blank"}))
            .await;
        let target = t["targetId"].as_str().unwrap().to_string();
        let a = self
            .call(
                None,
                "Target.attachToTarget",
                json!({"targetId": target, "flatten": true}),
            )
            .await;
        let session = a["sessionId"].as_str().unwrap().to_string();
        let mut tab = Tab {
            browser: self,
            session,
        };
        tab.call("Page.enable", json!({})).await;
        tab.call("Runtime.enable", json!({})).await;
        tab.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": if mobile { 2 } else { 1 }, "mobile": mobile}),
        )
        .await;
        tab
    }
}

impl Tab<'_> {
    async fn call(&mut self, method: &str, params: Value) -> Value {
        let s = self.session.clone();
        self.browser.call(Some(&s), method, params).await
    }

    /// Evaluates `expr` in each out-of-process frame of this tab (a sandboxed frame has an
    /// opaque origin, so Chromium runs it as its own `iframe` target); the JSON values of
    /// those that answered.
    pub async fn eval_in_child_frames(&mut self, expr: &str) -> Vec<Value> {
        let targets = self.call("Target.getTargets", json!({})).await;
        let mut out = Vec::new();
        for t in targets["targetInfos"].as_array().into_iter().flatten() {
            if t["type"] != "iframe" {
                continue;
            }
            let a = self
                .call(
                    "Target.attachToTarget",
                    json!({"targetId": t["targetId"], "flatten": true}),
                )
                .await;
            let Some(sid) = a["sessionId"].as_str().map(str::to_string) else {
                continue;
            };
            let r = self
                .browser
                .call(
                    Some(&sid),
                    "Runtime.evaluate",
                    json!({"expression": expr, "returnByValue": true}),
                )
                .await;
            if r.get("exceptionDetails").is_none() && !r["result"]["value"].is_null() {
                out.push(r["result"]["value"].clone());
            }
            self.call("Target.detachFromTarget", json!({"sessionId": sid}))
                .await;
        }
        out
    }

    /// Sends any DevTools command to this tab.
    pub async fn call_pub(&mut self, method: &str, params: Value) -> Value {
        self.call(method, params).await
    }

    /// Navigates and waits for the load to complete.
    pub async fn goto(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url})).await;
        self.wait_for(
            "document.readyState === 'complete' && location.href !== 'about:blank'",
            15,
        )
        .await;
    }

    /// Evaluates an expression (promises awaited) and returns its JSON value.
    pub async fn eval(&mut self, expr: &str) -> Value {
        let r = self
            .call(
                "Runtime.evaluate",
                json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
            )
            .await;
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expr}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Polls until `expr` is truthy; false after `secs` seconds.
    pub async fn wait_for(&mut self, expr: &str, secs: u64) -> bool {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            let v = self.eval(&format!("!!({expr})")).await;
            if v == json!(true) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// Writes a full-page PNG to `test-artifacts/<name>.png`; returns its path.
    pub async fn screenshot(&mut self, name: &str) -> PathBuf {
        let m = self.call("Page.getLayoutMetrics", json!({})).await;
        let size = &m["cssContentSize"];
        let (w, h) = (
            size["width"].as_f64().unwrap_or(390.0),
            size["height"].as_f64().unwrap_or(800.0),
        );
        let shot = self
            .call(
                "Page.captureScreenshot",
                json!({"format": "png", "captureBeyondViewport": true,
                       "clip": {"x": 0, "y": 0, "width": w, "height": h.min(6000.0), "scale": 1}}),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        assert!(
            std::fs::metadata(&path).unwrap().len() > 1000,
            "screenshot {name} is empty"
        );
        path
    }
}
