//! Read caches, updated after commit: the API's serialized shipment responses (bytes, not
//! structs) and the tracking page's data, both guarded by a per-shipment generation so a
//! slow reader can never put back a value older than a write.
//!
//! Writers call [`ShipmentCache::invalidate`] after their commit; it bumps the generation.
//! A reader notes the generation before loading from the database and stores what it loaded
//! only if the generation is unchanged (atomically, with moka's `and_compute_with`).
//! Both caches are bounded in bytes (`cache.max_bytes`, split between them).

use crate::domain::{MerchantId, ShipmentId};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use carriers::TrackingEvent;
use moka::future::Cache;
use moka::ops::compute::Op;

use crate::domain::{Merchant, Shipment};
use crate::store::{Store, StoreResult};

/// Something whose cached size can be estimated.
pub trait Weigh {
    /// Approximate bytes held.
    fn weight(&self) -> usize;
}

/// A cache slot: a value, or a marker that a write happened.
#[derive(Clone, Debug)]
enum Slot<V> {
    Fresh { generation: u64, value: V },
    Stale { generation: u64 },
}

impl<V> Slot<V> {
    fn generation(&self) -> u64 {
        match self {
            Slot::Fresh { generation, .. } | Slot::Stale { generation } => *generation,
        }
    }
}

/// What a lookup found.
pub enum Lookup<V> {
    /// Cached.
    Hit(V),
    /// Not cached; pass the ticket to `fill` after loading.
    Miss(u64),
}

/// A generation-guarded cache keyed by shipment id.
#[derive(Clone)]
pub struct Versioned<V: Clone + Send + Sync + 'static> {
    slots: Cache<String, Slot<V>>,
}

impl<V: Clone + Send + Sync + Weigh + 'static> Versioned<V> {
    /// A cache holding about `max_bytes`.
    pub fn new(max_bytes: u64) -> Self {
        let slots = Cache::builder()
            .max_capacity(max_bytes.max(1))
            .weigher(|k: &String, v: &Slot<V>| -> u32 {
                let body = match v {
                    Slot::Fresh { value, .. } => value.weight(),
                    Slot::Stale { .. } => 0,
                };
                (k.len() + body + 64).min(u32::MAX as usize) as u32
            })
            .build();
        Versioned { slots }
    }

    /// Looks a key up.
    pub async fn get(&self, key: &str) -> Lookup<V> {
        match self.slots.get(key).await {
            Some(Slot::Fresh { value, .. }) => Lookup::Hit(value),
            Some(slot) => Lookup::Miss(slot.generation()),
            None => Lookup::Miss(0),
        }
    }

    /// Stores a value loaded after a miss, unless a write bumped the generation meanwhile.
    pub async fn fill(&self, key: &str, ticket: u64, value: V) {
        self.slots
            .entry(key.to_string())
            .and_compute_with(|current| {
                let current_gen = current.map(|e| e.value().generation()).unwrap_or(0);
                std::future::ready(if current_gen == ticket {
                    Op::Put(Slot::Fresh {
                        generation: ticket,
                        value,
                    })
                } else {
                    Op::Nop
                })
            })
            .await;
    }

    /// Drops the value and bumps the generation.
    pub async fn invalidate(&self, key: &str) {
        self.slots
            .entry(key.to_string())
            .and_compute_with(|current| {
                let generation = current.map(|e| e.value().generation()).unwrap_or(0) + 1;
                std::future::ready(Op::Put(Slot::Stale { generation }))
            })
            .await;
    }

    /// Entries held.
    pub fn entry_count(&self) -> u64 {
        self.slots.entry_count()
    }
}

/// A cached API response: the owner and the serialized body.
#[derive(Clone, Debug)]
pub struct ApiBody {
    /// Owning merchant (another merchant's request is a miss, then a 404 from the store).
    pub merchant_id: std::sync::Arc<str>,
    /// `GET /v1/shipments/{id}` body.
    pub body: Bytes,
}

impl Weigh for ApiBody {
    fn weight(&self) -> usize {
        self.body.len() + self.merchant_id.len()
    }
}

/// What the tracking page needs of a shipment.
#[derive(Debug)]
pub struct PageData {
    /// The shipment.
    pub shipment: Shipment,
    /// Its timeline, oldest first.
    pub events: Vec<TrackingEvent>,
}

impl Weigh for Arc<PageData> {
    fn weight(&self) -> usize {
        2048 + self.events.len() * 400
    }
}

/// The gateway's read caches.
#[derive(Clone)]
pub struct ShipmentCache {
    api: Versioned<ApiBody>,
    pages: Versioned<Arc<PageData>>,
    tokens: Cache<String, ShipmentId>,
    merchants: Cache<MerchantId, Merchant>,
}

impl ShipmentCache {
    /// Caches holding about `max_bytes` together.
    pub fn new(max_bytes: u64) -> Self {
        ShipmentCache {
            api: Versioned::new(max_bytes / 2),
            pages: Versioned::new(max_bytes / 2),
            tokens: Cache::builder().max_capacity(200_000).build(),
            merchants: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(60))
                .build(),
        }
    }

    /// The cached API body of a shipment, for its owner.
    pub async fn get(&self, id: &str, merchant_id: &str) -> Lookup<Bytes> {
        match self.api.get(id).await {
            Lookup::Hit(b) if *b.merchant_id == *merchant_id => Lookup::Hit(b.body),
            // Not theirs: never served from here; the caller's store lookup answers 404.
            Lookup::Hit(_) => Lookup::Miss(u64::MAX),
            Lookup::Miss(t) => Lookup::Miss(t),
        }
    }

    /// Stores an API body loaded after a miss.
    pub async fn fill(&self, id: &str, ticket: u64, merchant_id: &str, body: Bytes) {
        let value = ApiBody {
            merchant_id: merchant_id.into(),
            body,
        };
        self.api.fill(id, ticket, value).await;
    }

    /// The tracking page's data for a public token, read through the cache.
    pub async fn page(
        &self,
        store: &dyn Store,
        token: &str,
    ) -> StoreResult<Option<(Arc<PageData>, Merchant)>> {
        let id = match self.tokens.get(token).await {
            Some(id) => id,
            None => match store.shipment_by_token(token).await? {
                Some(s) => {
                    self.tokens.insert(token.to_string(), s.id.clone()).await;
                    s.id
                }
                None => return Ok(None),
            },
        };
        let data = match self.pages.get(&id).await {
            Lookup::Hit(d) => d,
            Lookup::Miss(ticket) => {
                let Some(shipment) = store.shipment_by_id(&id).await? else {
                    self.tokens.invalidate(token).await;
                    return Ok(None);
                };
                let events = store.events(&id).await?;
                let d = Arc::new(PageData { shipment, events });
                self.pages.fill(&id, ticket, d.clone()).await;
                d
            }
        };
        // A revoked token may still map to its shipment here; the shipment knows its token.
        if data.shipment.public_token != token {
            self.tokens.invalidate(token).await;
            return Ok(None);
        }
        let merchant_id = data.shipment.merchant_id.clone();
        let merchant = match self.merchants.get(&merchant_id).await {
            Some(m) => m,
            None => match store.merchant(&merchant_id).await? {
                Some(m) => {
                    self.merchants.insert(merchant_id, m.clone()).await;
                    m
                }
                None => return Ok(None),
            },
        };
        Ok(Some((data, merchant)))
    }

    /// Marks a shipment changed (after commit): both caches drop it.
    pub async fn invalidate(&self, id: &str) {
        self.api.invalidate(id).await;
        self.pages.invalidate(id).await;
    }

    /// Marks a merchant's settings changed (branding shown on pages).
    pub async fn invalidate_merchant(&self, merchant_id: &str) {
        self.merchants.invalidate(merchant_id).await;
    }

    /// Entries held (for metrics).
    pub fn entry_count(&self) -> u64 {
        self.api.entry_count() + self.pages.entry_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(b: &'static [u8]) -> Bytes {
        Bytes::from_static(b)
    }

    #[tokio::test]
    async fn a_reader_that_raced_a_write_cannot_store_stale_bytes() {
        let c = ShipmentCache::new(1 << 20);
        let Lookup::Miss(ticket) = c.get("s1", "m1").await else {
            panic!("hit on empty")
        };
        c.invalidate("s1").await; // a write commits while the reader loads
        c.fill("s1", ticket, "m1", body(b"old")).await;
        assert!(matches!(c.get("s1", "m1").await, Lookup::Miss(_)));

        let Lookup::Miss(ticket) = c.get("s1", "m1").await else {
            panic!()
        };
        c.fill("s1", ticket, "m1", body(b"new")).await;
        match c.get("s1", "m1").await {
            Lookup::Hit(b) => assert_eq!(&b[..], b"new"),
            Lookup::Miss(_) => panic!("expected a hit"),
        }
        // Another merchant never sees it, and cannot overwrite it.
        let Lookup::Miss(t) = c.get("s1", "m2").await else {
            panic!("served to another merchant")
        };
        c.fill("s1", t, "m2", body(b"theirs")).await;
        assert!(matches!(c.get("s1", "m1").await, Lookup::Hit(b) if &b[..] == b"new"));
    }
}
