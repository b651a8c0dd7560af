//! `parcelgate track NUMBER [--carrier C]`: one lookup, no server or database needed.

use std::sync::Arc;

use anyhow::Context;
use carriers::registry::normalize_number;
use carriers::{CarrierId, TrackRequest};
use chrono::FixedOffset;
use parcelgate::config::Config;
use parcelgate::state::AppState;

/// `parcelgate track NUMBER`: one lookup at the carrier, the normalized timeline printed.
pub async fn track(config: Config, number: &str, carrier: Option<&str>) -> anyhow::Result<()> {
    // No database needed: an in-memory store only to build the carrier registry.
    let store = parcelgate::store::connect("sqlite::memory:").await?;
    let state = AppState::new(config, Arc::clone(&store));
    let n = normalize_number(number);
    let id = match carrier {
        Some(c) => CarrierId::parse(c)
            .with_context(|| format!("unknown carrier {c:?}: use dhl, dpd or inpost"))?,
        None => state
            .registry
            .detect(&n)
            .first()
            .map(|d| d.carrier)
            .with_context(|| format!("no enabled carrier recognises {n}; pass --carrier"))?,
    };
    let adapter = state
        .registry
        .get(id)
        .with_context(|| format!("{id} is not enabled (configure its credentials)"))?;
    let outcome = adapter
        .track(&[TrackRequest::number(n.clone())])
        .await
        .pop()
        .context("the adapter returned nothing")?;
    let mut snap = outcome.result?;
    snap.events.sort_by_key(|e| e.occurred_at);
    let (status, substatus, _) = parcelgate::engine::merge::derive_status(&snap.events);
    println!(
        "{} {}  status: {status} ({substatus})",
        id.display_name(),
        snap.tracking_number
    );
    if let Some(eta) = snap.eta {
        println!("ETA: {} – {}", eta.from, eta.to);
    }
    for e in &snap.events {
        let local = FixedOffset::east_opt(e.utc_offset_seconds)
            .map(|o| {
                e.occurred_at
                    .with_timezone(&o)
                    .format("%Y-%m-%d %H:%M %:z")
                    .to_string()
            })
            .unwrap_or_default();
        let place = e.location.text.clone().unwrap_or_default();
        println!(
            "{local}  {:<22} {:<40} {} {}",
            e.status.as_str(),
            e.substatus,
            e.raw_code,
            if place.is_empty() {
                String::new()
            } else {
                format!("@ {place}")
            }
        );
    }
    Ok(())
}
