//! Merchant templates and the preview end to end: an override is saved only once it
//! validates (refusals point at line and column), answered with its sample rendering, read
//! back, listed and deleted; it is the one the sender uses for the shopper's real e-mail and
//! only for its own merchant; the preview renders a real shipment's data without sending or
//! logging anything.

use std::time::Duration;

use carriers::{CarrierId, EtaWindow, PickupPoint, Status};
use chrono::Utc;
use parcelgate::store::UpdateSource;
use parcelgate::tracking::ApplyUpdates;
use serde_json::{json, Value};

use crate::common::app::{assert_problem, TestApp};
use crate::common::notify::{app_with_sink, log, log_until, register, status};
use crate::common::snapshots::one_event;

const PATH: &str = "/v1/notification-templates";

async fn put_as(app: &TestApp, key: &str, path: &str, source: &str) -> reqwest::Response {
    app.http
        .put(format!("{}{PATH}/{path}", app.base))
        .bearer_auth(key)
        .json(&json!({ "source": source }))
        .send()
        .await
        .expect("put")
}

async fn put(app: &TestApp, path: &str, source: &str) -> reqwest::Response {
    put_as(app, &app.key, path, source).await
}

async fn delete_as(app: &TestApp, key: &str, path: &str) -> reqwest::Response {
    app.http
        .delete(format!("{}{PATH}/{path}", app.base))
        .bearer_auth(key)
        .send()
        .await
        .expect("delete")
}

async fn json_of(r: reqwest::Response, status: u16) -> Value {
    let code = r.status().as_u16();
    let body: Value = r.json().await.expect("json");
    assert_eq!(code, status, "{body}");
    body
}

async fn list_as(app: &TestApp, key: &str) -> Vec<Value> {
    let v = json_of(app.get_as(key, PATH).await, 200).await;
    v["data"].as_array().cloned().unwrap_or_default()
}

const SMS: &str = "{{ shop_name }}: parcel {{ tracking_number }} is on its way: {{ tracking_url }}";
const EMAIL: &str = "{% block subject %}Own subject {{ tracking_number }}{% endblock %}\n\
    {% block text %}Hello {{ customer_name }}, track it here: {{ tracking_url }}{% endblock %}";

#[tokio::test]
async fn an_override_is_saved_with_its_sample_read_listed_and_deleted() {
    let app = TestApp::start().await;
    let r = json_of(put(&app, "shipped/sms/en", SMS).await, 201).await;
    assert_eq!(
        (r["builtin"].as_bool(), r["source"].as_str()),
        (Some(false), Some(SMS))
    );
    // Rendered for the sample shipment, with its SMS length.
    let sample = &r["sample"];
    assert!(
        sample["text"]
            .as_str()
            .unwrap()
            .starts_with("Anna's Shop: parcel 62"),
        "{r}"
    );
    assert_eq!(sample["sms"]["encoding"], "gsm7", "{r}");
    assert_eq!(sample["sms"]["segments"], 1, "{r}");
    assert!(sample.get("subject").is_none(), "{r}");

    // Saving again replaces (200); GET gives the override with when it was saved.
    let again = format!("{SMS}!");
    json_of(put(&app, "shipped/sms/en", &again).await, 200).await;
    let got = json_of(app.get(&format!("{PATH}/shipped/sms/en")).await, 200).await;
    assert_eq!(got["source"], again.as_str());
    assert_eq!(got["builtin"], false);
    assert!(got["updated_at"].is_string(), "{got}");

    // An e-mail answers with subject, text and a whole HTML document.
    let r = json_of(put(&app, "delivered/email/de", EMAIL).await, 201).await;
    assert!(
        r["sample"]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Own subject 62"),
        "{r}"
    );
    assert!(
        r["sample"]["text"]
            .as_str()
            .unwrap()
            .contains("Hello Anna Kowalska"),
        "{r}"
    );
    assert!(
        r["sample"]["html"].as_str().unwrap().contains("<html"),
        "{r}"
    );

    let listed = list_as(&app, &app.key).await;
    let keys: Vec<(String, String, String)> = listed
        .iter()
        .map(|t| {
            let s = |k: &str| t[k].as_str().unwrap_or_default().to_string();
            assert!(
                t["updated_at"].is_string() && t.get("source").is_none(),
                "{t}"
            );
            (s("trigger"), s("channel"), s("lang"))
        })
        .collect();
    assert_eq!(
        keys,
        vec![
            ("delivered".into(), "email".into(), "de".into()),
            ("shipped".into(), "sms".into(), "en".into())
        ]
    );

    // Deleted, the built-in is back; a second delete finds nothing.
    assert_eq!(
        delete_as(&app, &app.key, "shipped/sms/en").await.status(),
        204
    );
    let got = json_of(app.get(&format!("{PATH}/shipped/sms/en")).await, 200).await;
    assert_eq!(got["builtin"], true);
    assert!(got.get("updated_at").is_none(), "{got}");
    assert!(
        got["source"]
            .as_str()
            .unwrap()
            .contains("{{ tracking_url }}"),
        "{got}"
    );
    assert_problem(delete_as(&app, &app.key, "shipped/sms/en").await, 404).await;
    assert_eq!(list_as(&app, &app.key).await.len(), 1);
}

#[tokio::test]
async fn refusals_point_at_line_and_column_and_store_nothing() {
    let app = TestApp::start().await;
    let at = |p: &Value| {
        (
            p["errors"][0]["at"]["line"].as_u64(),
            p["errors"][0]["at"]["column"].as_u64(),
        )
    };

    // A syntax error: the stray `}` is the 17th character of line 2.
    let p = assert_problem(
        put(&app, "shipped/sms/pl", "Hej\n{{ tracking_url }\n").await,
        422,
    )
    .await;
    assert_eq!(
        p["type"],
        "https://parcelgate.dev/problems/template-invalid"
    );
    assert_eq!(p["field"], "source");
    assert_eq!(at(&p), (Some(2), Some(17)), "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("line 2, column 17: syntax error"),
        "{p}"
    );
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("syntax error"),
        "{p}"
    );

    // A refused construct, at its operator.
    let p = assert_problem(
        put(&app, "shipped/sms/pl", "x\n{{ shop_name ~ tracking_url }}").await,
        422,
    )
    .await;
    assert_eq!(at(&p), (Some(2), Some(14)), "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("`~` is not available"),
        "{p}"
    );

    // Render-time failures: an unknown filter, a runaway loop, an e-mail without a subject.
    let p = assert_problem(
        put(
            &app,
            "shipped/sms/pl",
            "{{ tracking_url }}\n{{ carrier|shout }}",
        )
        .await,
        422,
    )
    .await;
    assert_eq!(at(&p).0, Some(2), "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("unknown filter"),
        "{p}"
    );
    let runaway =
        "{% for i in range(100000) %}{% if i == 0 %}{{ tracking_url }}{% endif %}{% endfor %}";
    let p = assert_problem(put(&app, "shipped/sms/pl", runaway).await, 422).await;
    assert!(p["detail"].as_str().unwrap().contains("steps"), "{p}");
    let p = assert_problem(
        put(
            &app,
            "shipped/email/pl",
            "{% block text %}{{ tracking_url }}{% endblock %}",
        )
        .await,
        422,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("block subject"),
        "{p}"
    );

    // Unknown keys name what is allowed.
    let p = assert_problem(put(&app, "shiped/sms/pl", SMS).await, 404).await;
    assert!(
        p["detail"].as_str().unwrap().contains("out_for_delivery"),
        "{p}"
    );
    let p = assert_problem(put(&app, "shipped/fax/pl", SMS).await, 404).await;
    assert!(p["detail"].as_str().unwrap().contains("email, sms"), "{p}");
    let p = assert_problem(app.get(&format!("{PATH}/shipped/sms/fr")).await, 404).await;
    assert!(p["detail"].as_str().unwrap().contains("pl, en, de"), "{p}");

    assert!(
        list_as(&app, &app.key).await.is_empty(),
        "nothing refused was stored"
    );
}

#[tokio::test]
async fn the_sender_uses_the_merchants_own_template_and_no_one_elses() {
    let (app, sink) = app_with_sink().await;
    // Another merchant's override of the same key: never seen, never used by this one.
    let other = app.another_merchant("Other Shop").await;
    let foreign = "{% block subject %}Foreign subject{% endblock %}{% block text %}{{ tracking_url }}{% endblock %}";
    json_of(put_as(&app, &other, "shipped/email/pl", foreign).await, 201).await;
    assert!(list_as(&app, &app.key).await.is_empty());
    let got = json_of(app.get(&format!("{PATH}/shipped/email/pl")).await, 200).await;
    assert_eq!(got["builtin"], true);
    assert_problem(delete_as(&app, &app.key, "shipped/email/pl").await, 404).await;
    assert_eq!(
        list_as(&app, &other).await.len(),
        1,
        "the other's override is still there"
    );

    let number = "602677439331630337650201";
    let sh = register(&app, number, "anna@example.pl").await;
    let id = sh["id"].as_str().expect("id");
    status(&app, id, number, Status::InTransit, "in_transit").await;
    let first = sink
        .wait_for(1, Duration::from_secs(10))
        .await
        .expect("mail");
    let subject = first[0]
        .parse()
        .expect("parses")
        .subject()
        .unwrap_or_default()
        .to_string();
    assert!(
        subject.to_lowercase().contains("w drodze"),
        "the built-in: {subject}"
    );

    // Its own override changes the subject of the next real e-mail.
    json_of(put(&app, "out_for_delivery/email/pl", EMAIL).await, 201).await;
    status(&app, id, number, Status::OutForDelivery, "out_for_delivery").await;
    let got = sink
        .wait_for(2, Duration::from_secs(10))
        .await
        .expect("mail");
    let p = got[1].parse().expect("parses");
    assert_eq!(p.subject(), Some(format!("Own subject {number}").as_str()));
    let text = p.body_text(0).expect("text").to_string();
    assert!(
        text.starts_with("Hello Anna, track it here: http://parcelgate.test/t/"),
        "{text}"
    );
}

#[tokio::test]
async fn the_preview_renders_a_real_shipment_without_sending_or_logging() {
    let (app, sink) = app_with_sink().await;
    let number = "602677439331630337650202";
    let sh = register(&app, number, "anna@example.pl").await;
    let id = sh["id"].as_str().expect("id");
    let token = sh["public_token"].as_str().expect("token");
    let mut snap = one_event(
        CarrierId::Inpost,
        number,
        Status::AvailableForPickup,
        "available_for_pickup.locker",
        Utc::now(),
    );
    snap.details.pickup_point = Some(PickupPoint {
        id: Some("KRA07N".into()),
        description: Some("Paczkomat KRA07N, ul. Długa 7, Kraków".into()),
        available_until: Some(Utc::now() + chrono::Duration::days(2)),
    });
    let from = Utc::now() + chrono::Duration::days(1);
    snap.eta = Some(EtaWindow {
        from,
        to: from + chrono::Duration::hours(4),
    });
    app.state()
        .store
        .apply_snapshot(id, &snap, UpdateSource::Push, Utc::now())
        .await
        .expect("apply");
    // Let the real message go first, then count what exists.
    log_until(&app, id, |l| l.iter().any(|m| m["status"] == "sent")).await;
    let (sent, logged) = (sink.received(), log(&app, id).await.len());

    let source = "{{ customer_name }}|{{ pickup_point.id }}|{{ collect_by }}|{{ eta_words }}|{{ tracking_number }} {{ tracking_url }}";
    let body = json!({ "shipment_id": id, "trigger": "available_for_pickup", "channel": "sms",
        "lang": "en", "source": source });
    let r = json_of(app.post("/v1/notifications/preview", &body).await, 200).await;
    assert_eq!(
        (r["template"].as_str(), r["lang"].as_str()),
        (Some("request"), Some("en"))
    );
    let text = r["text"].as_str().unwrap();
    let parts: Vec<&str> = text.split('|').collect();
    assert_eq!(&parts[..2], &["Anna", "KRA07N"], "{text}");
    assert!(
        !parts[2].is_empty() && !parts[3].is_empty(),
        "collect-by and ETA: {text}"
    );
    assert!(
        parts[4].starts_with(&format!("{number} http://parcelgate.test/t/{token}")),
        "{text}"
    );
    assert!(r["sms"]["segments"].as_u64().is_some(), "{r}");

    // Without a source: the built-in, in the shipment's language; then the override.
    let body = json!({ "shipment_id": id, "trigger": "available_for_pickup", "channel": "email" });
    let r = json_of(app.post("/v1/notifications/preview", &body).await, 200).await;
    assert_eq!(
        (r["template"].as_str(), r["lang"].as_str()),
        (Some("builtin"), Some("pl"))
    );
    assert!(r["text"].as_str().unwrap().contains("KRA07N"), "{r}");
    assert!(r["html"].as_str().unwrap().contains("KRA07N"), "{r}");
    json_of(put(&app, "available_for_pickup/email/pl", EMAIL).await, 201).await;
    let r = json_of(app.post("/v1/notifications/preview", &body).await, 200).await;
    assert_eq!(r["template"], "override");
    assert_eq!(r["subject"], format!("Own subject {number}").as_str());

    // A bad unsaved source is refused as on save; a bad trigger names the field.
    let bad = json!({ "shipment_id": id, "trigger": "shipped", "channel": "sms", "source": "\n\n{% if %}" });
    let p = assert_problem(app.post("/v1/notifications/preview", &bad).await, 422).await;
    assert_eq!(p["errors"][0]["at"]["line"], 3, "{p}");
    let bad = json!({ "shipment_id": id, "trigger": "lost", "channel": "sms" });
    let p = assert_problem(app.post("/v1/notifications/preview", &bad).await, 422).await;
    assert_eq!(p["field"], "trigger");

    // Another merchant cannot preview this shipment.
    let other = app.another_merchant("Other Shop").await;
    let r = app
        .http
        .post(format!("{}/v1/notifications/preview", app.base))
        .bearer_auth(&other)
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_problem(r, 404).await;

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.received(), sent, "a preview sends nothing");
    assert_eq!(
        log(&app, id).await.len(),
        logged,
        "a preview queues nothing"
    );
}
