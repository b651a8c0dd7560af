//! The sandbox's push side: as journey hours pass, each newly visible step is announced the
//! way its carrier does it: an InPost ShipX webhook per status, a DHL `subscription.push` with
//! the whole shipment to every matching active subscription, or an event appended to DPD's
//! account feed. A push the gateway does not accept is retried on the next tick, in order.

use std::sync::Arc;
use std::time::Duration;

use carriers::CarrierId;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::dhl;
use super::inpost;
use super::world::{lock, Parcel, Stats, World};

/// The pause between two looks at the clock.
pub fn tick(hour_ms: u64) -> Duration {
    Duration::from_millis((hour_ms / 4).clamp(10, 250))
}

/// Runs until `stop` turns true.
pub async fn run(world: Arc<World>, http: reqwest::Client, mut stop: watch::Receiver<bool>) {
    let pause = tick(world.hour_ms);
    loop {
        push_due(&world, &http).await;
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}

/// Announces every step that became visible since the last call; returns how many steps
/// were announced.
pub async fn push_due(world: &Arc<World>, http: &reqwest::Client) -> usize {
    let elapsed = world.elapsed_hours();
    let pushed = lock(&world.pushed).clone();
    let mut set = JoinSet::new();
    for (i, p) in world.parcels().into_iter().enumerate() {
        let visible = p.visible(elapsed);
        let from = pushed.get(i).copied().unwrap_or(0);
        if visible <= from {
            continue;
        }
        let (w, h) = (world.clone(), http.clone());
        set.spawn(async move {
            let done = announce(&w, &h, &p, i, from, visible).await;
            (i, from, done)
        });
    }
    let mut total = 0;
    while let Some(joined) = set.join_next().await {
        let Ok((i, from, done)) = joined else {
            continue;
        };
        if done > from {
            if let Some(slot) = lock(&world.pushed).get_mut(i) {
                *slot = (*slot).max(done);
            }
            total += done - from;
        }
    }
    total
}

/// Announces steps `from..visible` of parcel `i`; returns how far it got.
async fn announce(
    world: &World,
    http: &reqwest::Client,
    p: &Parcel,
    i: usize,
    from: usize,
    visible: usize,
) -> usize {
    match p.plan.carrier {
        CarrierId::Inpost => {
            let Some(url) = lock(&world.inpost_hook).clone() else {
                // No webhook URL configured: ShipX would not call anyone either.
                return visible;
            };
            for step in from..visible {
                let Some(body) = inpost::webhook_body(p, step) else {
                    return step;
                };
                if !post(world, http, &url, None, body.to_string()).await {
                    return step;
                }
                Stats::inc(&world.stats.inpost_webhooks);
            }
            visible
        }
        CarrierId::Dhl => {
            let subs = dhl::subscribers(world, p, visible);
            if subs.is_empty() {
                // No subscription wants it: the gateway sees it when it polls.
                return visible;
            }
            for sub in &subs {
                let body = dhl::push_body(world, sub, p, visible).to_string();
                let auth = Some((sub.header.as_str(), sub.token.as_str()));
                if !post(world, http, &sub.uri, auth, body).await {
                    return from;
                }
                Stats::inc(&world.stats.dhl_pushes);
            }
            visible
        }
        CarrierId::Dpd => {
            let mut feed = lock(&world.feed);
            for step in from..visible {
                feed.push(i, step);
            }
            visible
        }
    }
}

/// POSTs JSON; true when the receiver answered 2xx.
async fn post(
    world: &World,
    http: &reqwest::Client,
    url: &str,
    auth: Option<(&str, &str)>,
    body: String,
) -> bool {
    let mut req = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    if let Some((name, value)) = auth {
        req = req.header(name, value);
    }
    match req.send().await {
        Ok(r) if r.status().is_success() => true,
        Ok(r) => {
            Stats::inc(&world.stats.push_failures);
            tracing::warn!(status = %r.status(), "sandbox push refused; retrying next tick");
            false
        }
        Err(e) => {
            Stats::inc(&world.stats.push_failures);
            tracing::warn!(error = %e, "sandbox push failed; retrying next tick");
            false
        }
    }
}
