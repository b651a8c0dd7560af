//! Durable webhook ingest: concurrent bodies are group-committed, every 2xx is stored once.

use crate::common::app::{fixture, TestApp, INPOST_SECRET};
use crate::common::db;

async fn burst(app: TestApp) {
    const N: usize = 200;
    let url = format!("{}/v1/webhooks/inpost/{INPOST_SECRET}", app.base);
    let template = fixture("inpost/webhook_status_changed.json");
    let mut tasks = Vec::new();
    for i in 0..N {
        let number = format!("6026774393316303376{i:05}");
        let body = template.replace("602677439331630337653846", &number);
        let (http, url) = (app.http.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let r = http.post(url).body(body).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let id = r.json::<serde_json::Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap();
            (id, number)
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        let (id, number) = t.await.unwrap();
        // The id answered is the row holding this very body.
        let item = app
            .state()
            .store
            .inbox_item(id)
            .await
            .unwrap()
            .expect("acknowledged body is stored");
        assert!(
            String::from_utf8_lossy(&item.body).contains(&number),
            "inbox {id} holds another body"
        );
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        N,
        "every acknowledged body has its own inbox row"
    );
    for id in &ids {
        let item = app
            .state()
            .store
            .inbox_item(*id)
            .await
            .unwrap()
            .expect("acknowledged body is stored");
        assert!(String::from_utf8_lossy(&item.body).contains("shipment_status_changed"));
    }
    let batches = app.state().ingest.batches();
    assert!(
        batches < N as u64,
        "{N} concurrent bodies took {batches} transactions: group commit"
    );
}

#[tokio::test]
async fn concurrent_webhooks_are_group_committed_sqlite() {
    burst(TestApp::start().await).await;
}

#[tokio::test]
async fn concurrent_webhooks_are_group_committed_postgres() {
    if let Some(pg) = db::pg_store().await {
        burst(TestApp::start_with(pg, |_| {}).await).await;
    }
}

#[tokio::test]
async fn inbox_rows_are_stored_and_finished_in_batches_on_every_store() {
    use parcelgate::store::{InboxState, NewInboxItem};
    for store in db::stores().await {
        let now = chrono::Utc::now();
        let item = |n: u8| NewInboxItem {
            carrier: carriers::CarrierId::Inpost,
            body: vec![b'{', n, b'}'],
            remote_addr: Some("91.216.25.1".into()),
            received_at: now,
        };
        let ids = store
            .inbox_insert_batch(&[item(1), item(2), item(3)])
            .await
            .unwrap();
        assert_eq!(ids.len(), 3, "{}", store.name);
        for (id, n) in ids.iter().zip(1u8..) {
            assert_eq!(
                store.inbox_item(*id).await.unwrap().unwrap().body,
                vec![b'{', n, b'}'],
                "{}",
                store.name
            );
        }
        store
            .inbox_finish_batch(&[(ids[0], None), (ids[1], Some("bad body".into()))], now)
            .await
            .unwrap();
        let a = store.inbox_item(ids[0]).await.unwrap().unwrap();
        let b = store.inbox_item(ids[1]).await.unwrap().unwrap();
        let c = store.inbox_item(ids[2]).await.unwrap().unwrap();
        assert_eq!(
            (a.state, a.error),
            (InboxState::Done, None),
            "{}",
            store.name
        );
        assert_eq!(
            (b.state, b.error.as_deref()),
            (InboxState::Failed, Some("bad body")),
            "{}",
            store.name
        );
        assert_eq!(c.state, InboxState::Pending, "{}", store.name);
    }
}
