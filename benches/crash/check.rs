//! After the crashes: reads `webhook_inbox` back and checks it against what was acknowledged.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use sqlx::{Connection, Row, SqliteConnection};

use crate::sender::{parse_number, Log};

/// Webhook number of a stored body.
fn number_of(body: &[u8]) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    parse_number(v["payload"]["tracking_number"].as_str()?)
}

/// Prints the counts; true when every 2xx is stored exactly once under its id and nothing
/// is stored twice.
pub async fn verify(url: &str, log: &Log) -> bool {
    let mut db = SqliteConnection::connect(url)
        .await
        .expect("open the crash-test database");
    let rows = sqlx::query("SELECT id, body FROM webhook_inbox")
        .fetch_all(&mut db)
        .await
        .expect("read webhook_inbox");
    let mut stored: HashMap<u64, Vec<i64>> = HashMap::new();
    let mut unreadable = 0;
    for row in &rows {
        let id: i64 = row.get("id");
        let body: Vec<u8> = row.get("body");
        match number_of(&body) {
            Some(n) => stored.entry(n).or_default().push(id),
            None => unreadable += 1,
        }
    }
    let acked = log.acked.lock().expect("log");
    let missing = acked.keys().filter(|n| !stored.contains_key(n)).count();
    let wrong_id = acked
        .iter()
        .filter(|(n, id)| stored.get(n).is_some_and(|ids| !ids.contains(id)))
        .count();
    let twice = stored.values().filter(|ids| ids.len() > 1).count();
    let unacked_stored = stored.keys().filter(|n| !acked.contains_key(n)).count();
    println!("\ncrash test counts:");
    println!("  webhooks sent (numbers used)       {}", log.sent());
    println!("  answered 2xx                       {}", acked.len());
    println!(
        "  answered non-2xx                   {}",
        log.refused.load(Ordering::SeqCst)
    );
    println!(
        "  no answer (gateway killed/down)    {}",
        log.lost.load(Ordering::SeqCst)
    );
    println!("  rows in webhook_inbox              {}", rows.len());
    println!("  distinct webhooks stored           {}", stored.len());
    println!("  stored without a 2xx (answer lost) {unacked_stored}");
    println!("  2xx but missing                    {missing}");
    println!("  2xx stored under another id        {wrong_id}");
    println!("  stored twice                       {twice}");
    println!("  unreadable rows                    {unreadable}");
    let ok = missing == 0 && wrong_id == 0 && twice == 0 && unreadable == 0 && !acked.is_empty();
    println!("crash test: {}", if ok { "PASSED" } else { "FAILED" });
    ok
}
