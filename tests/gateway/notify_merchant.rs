//! A merchant's notification settings end to end (`PATCH /v1/merchant`, `notifications`):
//! a trigger turned off plans nothing and stops queued messages; one off by default is sent
//! once turned on; the review request goes three working days after delivery, only with a
//! review link; "send even in quiet hours"; the merchant's own quiet hours against the
//! operator's default as it is now; the From name and Reply-To in the received message; and
//! the 422s for bad settings. The send rate is in `notify_merchant_rate`.

use carriers::Status;
use chrono::{DateTime, Duration, Timelike, Utc};
use parcelgate::engine::working_days::{local_date, Calendar};
use serde_json::{json, Value};

use crate::common::app::{assert_problem, test_config, TestApp};
use crate::common::notify::{
    app_with_sink, app_with_sink_and, log_until, patch_merchant, register_id, send_to, status,
    window_around_now,
};

async fn set(app: &TestApp, notifications: Value) -> Value {
    let r = patch_merchant(app, &app.key, &json!({ "notifications": notifications })).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    r.json().await.expect("json")
}

fn of<'a>(l: &'a [Value], trigger: &str) -> Option<&'a Value> {
    l.iter().find(|m| m["trigger"] == trigger)
}

fn is(l: &[Value], trigger: &str, state: &str) -> bool {
    of(l, trigger).is_some_and(|m| m["status"] == state)
}

async fn resend(app: &TestApp, id: &str, m: &Value) {
    let nid = m["id"].as_str().expect("id");
    let path = format!("/v1/shipments/{id}/notifications/{nid}/resend");
    assert_eq!(app.post(&path, &Value::Null).await.status(), 202);
}

fn header(p: &mail_parser::Message<'_>, name: &str) -> String {
    p.header_raw(name).unwrap_or_default().trim().to_string()
}

#[tokio::test]
async fn a_trigger_turned_off_plans_nothing_and_stops_queued_messages() {
    let (app, sink) = app_with_sink().await;
    let v = set(
        &app,
        json!({"triggers": {"shipped": {"email": false}, "returned_to_sender": {"email": true}}}),
    )
    .await;
    assert_eq!(
        v["settings"]["notifications"]["triggers"]["shipped"]["email"],
        false
    );
    let number = "602677439331630337650201";
    let id = register_id(&app, number, "ewa@example.pl").await;
    status(&app, &id, number, Status::InTransit, "in_transit").await;
    status(
        &app,
        &id,
        number,
        Status::ReturnedToSender,
        "returned_to_sender",
    )
    .await;
    // Off by default, turned on: sent. Turned off: never planned.
    let l = log_until(&app, &id, |l| is(l, "returned_to_sender", "sent")).await;
    assert!(of(&l, "shipped").is_none(), "{l:?}");

    // Queued (quiet hours), then turned off: cancelled when it comes due, saying why.
    set(&app, json!({"quiet_hours": window_around_now()})).await;
    let number = "602677439331630337650202";
    let id = register_id(&app, number, "ewa@example.pl").await;
    status(&app, &id, number, Status::FailedAttempt, "failed_attempt").await;
    let l = log_until(&app, &id, |l| {
        of(l, "failed_attempt").is_some_and(|m| m["answer"].as_str().is_some())
    })
    .await;
    let queued = of(&l, "failed_attempt").expect("planned");
    assert_eq!(queued["status"], "queued", "{queued}");
    assert_eq!(queued["answer"], "waiting for the end of quiet hours");
    set(
        &app,
        json!({"triggers": {"failed_attempt": {"email": false}}}),
    )
    .await;
    resend(&app, &id, queued).await;
    let l = log_until(&app, &id, |l| is(l, "failed_attempt", "cancelled")).await;
    let answer = of(&l, "failed_attempt").expect("row")["answer"].to_string();
    assert!(
        answer.contains("turned off by the merchant")
            && answer.contains("triggers.failed_attempt.email"),
        "{answer}"
    );
    assert_eq!(sink.received(), 1, "only the return message went out");
}

#[tokio::test]
async fn the_review_request_goes_three_working_days_after_delivery_with_the_merchants_names() {
    let (app, sink) = app_with_sink().await;
    set(
        &app,
        json!({"triggers": {"review_request": {"email": true}},
               "email_from_name": "Sklep Kowalski", "marketing_from_name": "Kowalski Opinie",
               "reply_to": "obsluga@kowalski.pl"}),
    )
    .await;
    // Turned on but without a review link: not planned.
    let number = "602677439331630337650211";
    let id = register_id(&app, number, "adam@example.pl").await;
    status(&app, &id, number, Status::Delivered, "delivered").await;
    let l = log_until(&app, &id, |l| is(l, "delivered", "sent")).await;
    assert!(of(&l, "review_request").is_none(), "{l:?}");
    let got = sink.messages();
    let p = got[0].parse().expect("parses");
    let from = header(&p, "From");
    assert!(
        from.contains("Sklep Kowalski") && from.contains("<noreply@shop.example>"),
        "the merchant's name, the operator's address: {from}"
    );
    assert_eq!(header(&p, "Reply-To"), "obsluga@kowalski.pl");

    let url = "https://kowalski.pl/opinie?zamowienie=1";
    set(&app, json!({"review_url": url})).await;
    let number = "602677439331630337650212";
    let id = register_id(&app, number, "adam@example.pl").await;
    let delivered = Utc::now();
    status(&app, &id, number, Status::Delivered, "delivered").await;
    let l = log_until(&app, &id, |l| is(l, "delivered", "sent")).await;
    let review = of(&l, "review_request").expect("planned with the delivery");
    assert_eq!(review["status"], "queued");
    let due: DateTime<Utc> = review["next_attempt_at"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("due");
    let waw = chrono_tz::Europe::Warsaw;
    let day = Calendar::for_lane(None, None).add_working_days(local_date(delivered, waw), 3);
    let local = due.with_timezone(&waw);
    assert_eq!(local.date_naive(), day, "three working days later: {due}");
    assert_eq!((local.hour(), local.minute()), (10, 0), "{due}");

    // Brought forward (the clock of the test), it goes, marketing-named, with the link.
    resend(&app, &id, review).await;
    log_until(&app, &id, |l| is(l, "review_request", "sent")).await;
    let got = sink.messages();
    let p = got.last().expect("mail").parse().expect("parses");
    assert!(
        header(&p, "From").contains("Kowalski Opinie"),
        "{}",
        header(&p, "From")
    );
    assert_eq!(header(&p, "Reply-To"), "obsluga@kowalski.pl");
    let text = p.body_text(0).unwrap_or_default().to_string();
    assert!(text.contains(url), "{text}");
}

#[tokio::test]
async fn send_in_quiet_hours_goes_at_once_while_the_rest_waits_for_the_morning() {
    let (app, sink) = app_with_sink().await;
    set(
        &app,
        json!({"quiet_hours": window_around_now(),
               "triggers": {"out_for_delivery": {"send_in_quiet_hours": true}}}),
    )
    .await;
    let number = "602677439331630337650221";
    let id = register_id(&app, number, "iga@example.pl").await;
    status(&app, &id, number, Status::InTransit, "in_transit").await;
    status(
        &app,
        &id,
        number,
        Status::OutForDelivery,
        "out_for_delivery",
    )
    .await;
    let l = log_until(&app, &id, |l| {
        is(l, "out_for_delivery", "sent")
            && of(l, "shipped").is_some_and(|m| m["answer"].is_string())
    })
    .await;
    let shipped = of(&l, "shipped").expect("planned");
    assert_eq!(shipped["status"], "queued");
    let due: DateTime<Utc> = shipped["next_attempt_at"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("due");
    assert!(
        due > Utc::now() + Duration::minutes(30),
        "held to the window's end: {due}"
    );
    assert_eq!(sink.received(), 1);
    // `""`: no quiet hours for this merchant; the held message goes when due.
    set(&app, json!({"quiet_hours": ""})).await;
    resend(&app, &id, shipped).await;
    log_until(&app, &id, |l| is(l, "shipped", "sent")).await;
}

#[tokio::test]
async fn without_its_own_window_a_merchant_follows_the_operators_default_as_it_is_now() {
    let window = window_around_now();
    let (mut app, sink) = app_with_sink_and(|c| c.notifications.quiet_hours = window).await;
    let other = app.another_merchant("Nocny Sklep").await;
    let r = patch_merchant(&app, &other, &json!({"notifications": {"quiet_hours": ""}})).await;
    assert_eq!(r.status(), 200);
    let mine = "602677439331630337650231";
    let id = register_id(&app, mine, "ola@example.pl").await;
    let theirs = "602677439331630337650232";
    let body =
        json!({"tracking_number": theirs, "carrier": "inpost", "customer_email": "jan@example.pl"});
    let r = app
        .http
        .post(format!("{}/v1/shipments", app.base))
        .bearer_auth(&other)
        .json(&body)
        .send()
        .await
        .expect("register");
    let their_id = r.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    status(&app, &id, mine, Status::InTransit, "in_transit").await;
    status(&app, &their_id, theirs, Status::InTransit, "in_transit").await;
    sink.wait_for(1, std::time::Duration::from_secs(10))
        .await
        .expect("theirs");
    assert_eq!(
        sink.messages()[0].rcpt_to,
        vec!["jan@example.pl".to_string()]
    );
    let l = log_until(&app, &id, |l| {
        of(l, "shipped").is_some_and(|m| m["answer"].is_string())
    })
    .await;
    let held = of(&l, "shipped").expect("planned").clone();
    assert_eq!(held["answer"], "waiting for the end of quiet hours");

    // The operator drops the default window and restarts: the merchant, which never set its
    // own, follows the setting as it is now (nothing was copied when it was created).
    app.stop().await;
    let mut c = test_config(
        &app.db.url,
        &app.inpost.uri(),
        &app.dhl.uri(),
        &app.dpd.uri(),
    );
    send_to(&mut c, &sink);
    c.notifications.quiet_hours = String::new();
    let running = parcelgate::app::start(c).await.expect("restarts");
    app.base = format!("http://{}", running.addr);
    app.running = Some(running);
    resend(&app, &id, &held).await;
    log_until(&app, &id, |l| is(l, "shipped", "sent")).await;
    assert_eq!(sink.messages_to("ola@example.pl").len(), 1);
}

#[tokio::test]
async fn bad_settings_are_422_naming_the_field_and_change_nothing() {
    let app = TestApp::start().await;
    for (notifications, field, says) in [
        (
            json!({"triggers": {"shiped": {"email": true}, "lost": {}}}),
            "notifications.triggers",
            "`lost`, `shiped`",
        ),
        (
            json!({"triggers": {"shipped": {"fax": true}}}),
            "notifications.triggers.shipped",
            "`fax`",
        ),
        (
            json!({"triggers": {"shipped": {"email": 1}}}),
            "notifications.triggers.shipped.email",
            "true, false",
        ),
        (
            json!({"quiet_hours": "22:00"}),
            "notifications.quiet_hours",
            "HH:MM-HH:MM",
        ),
        (
            json!({"reply_to": "not an address"}),
            "notifications.reply_to",
            "e-mail address",
        ),
        (
            json!({"review_url": "http://kowalski.pl/opinie"}),
            "notifications.review_url",
            "https://",
        ),
        (
            json!({"email_from_name": "x".repeat(81)}),
            "notifications.email_from_name",
            "80",
        ),
    ] {
        let r = patch_merchant(&app, &app.key, &json!({ "notifications": notifications })).await;
        let p = assert_problem(r, 422).await;
        assert_eq!(p["field"], field, "{p}");
        assert!(
            p["detail"].as_str().unwrap_or_default().contains(says),
            "{p}"
        );
    }
    let r = patch_merchant(&app, &app.key, &json!({"notifications": {"colour": "red"}})).await;
    let p = assert_problem(r, 422).await;
    assert!(
        p["detail"].as_str().unwrap_or_default().contains("colour"),
        "{p}"
    );
    let v: Value = app.get("/v1/merchant").await.json().await.expect("json");
    assert_eq!(v["settings"]["notifications"], json!({}), "{v}");
}
