//! The demo's shopper mailbox in a browser: once the demo's gateway has sent its first
//! e-mails, `/mailbox` shows them with each message's HTML rendered inside a sandboxed
//! frame (an opaque origin: the page itself cannot reach into it).

use std::time::Duration;

use parcelgate::demo::{self, DemoOptions};
use parcelgate::sandbox::Knobs;
use serde_json::Value;

use crate::cdp::Browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_mailbox_shows_a_received_email_rendered_in_a_sandboxed_frame() {
    let _turn = crate::cdp::exclusive().await;
    let demo = demo::start(DemoOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        hour_ms: 40,
        knobs: Knobs::default(),
    })
    .await
    .unwrap();
    demo.mailbox
        .wait_for(1, Duration::from_secs(30))
        .await
        .expect("the demo's first e-mail");

    let mut browser = Browser::launch().await;
    let mut tab = browser.tab(1100, 900, false).await;
    tab.goto(&demo.receiver.mailbox_url()).await;
    assert!(
        tab.wait_for("document.querySelector('article iframe.mail')", 10)
            .await,
        "no message on the page"
    );
    let first = tab
        .eval(
            "JSON.stringify({subject: document.querySelector('article h2').textContent,
              lang: document.querySelector('article').dataset.lang,
              sandbox: document.querySelector('iframe.mail').getAttribute('sandbox'),
              reachable: document.querySelector('iframe.mail').contentDocument !== null})",
        )
        .await;
    let first: Value = serde_json::from_str(first.as_str().unwrap()).unwrap();
    assert!(!first["subject"].as_str().unwrap().is_empty(), "{first}");
    assert!(
        ["pl", "en", "de"].contains(&first["lang"].as_str().unwrap()),
        "{first}"
    );
    assert_eq!(first["sandbox"], "", "{first}");
    assert_eq!(
        first["reachable"], false,
        "the frame has an opaque origin: {first}"
    );

    // The page reloads every few seconds; read the frames again if they go away mid-read.
    let mut rendered = None;
    for _ in 0..20 {
        let seen = tab
            .eval_in_child_frames(
                "JSON.stringify({text: document.body ? document.body.innerText : '',
                  links: [...document.querySelectorAll('a[href*=\"/t/\"]')].length})",
            )
            .await;
        if let Some(Value::String(s)) = seen.into_iter().next() {
            rendered = Some(serde_json::from_str::<Value>(&s).unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let rendered = rendered.expect("no message frame could be read");
    assert!(
        rendered["text"].as_str().unwrap().contains("Demo Shop"),
        "{rendered}"
    );
    assert!(
        rendered["links"].as_u64().unwrap() >= 1,
        "tracking link: {rendered}"
    );
    tab.screenshot("demo-mailbox").await;
    drop(tab);
    drop(browser);
    demo.shutdown().await;
}
