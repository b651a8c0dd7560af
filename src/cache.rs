//! The read cache: serialized shipment responses (bytes, not structs), guarded by a
//! per-shipment generation so a slow reader can never put back a value older than a write.
//!
//! Writers call [`ShipmentCache::invalidate`] after their commit; it bumps the generation.
//! A reader notes the generation before loading from the database and stores its bytes only
//! if the generation is unchanged (atomically, with moka's `and_compute_with`).

use bytes::Bytes;
use moka::future::Cache;
use moka::ops::compute::Op;

/// A cache slot: either fresh bytes or a marker that a write happened.
#[derive(Clone, Debug)]
enum Slot {
    Fresh {
        generation: u64,
        merchant_id: String,
        body: Bytes,
    },
    Stale {
        generation: u64,
    },
}

impl Slot {
    fn generation(&self) -> u64 {
        match self {
            Slot::Fresh { generation, .. } | Slot::Stale { generation } => *generation,
        }
    }
}

/// Cached `GET /v1/shipments/{id}` bodies, bounded in bytes.
#[derive(Clone)]
pub struct ShipmentCache {
    slots: Cache<String, Slot>,
}

/// What a lookup found.
pub enum Lookup {
    /// Cached bytes (for this merchant).
    Hit(Bytes),
    /// Not cached; pass the ticket to [`ShipmentCache::fill`] after loading.
    Miss(u64),
}

impl ShipmentCache {
    /// A cache holding at most `max_bytes` of bodies.
    pub fn new(max_bytes: u64) -> Self {
        let slots = Cache::builder()
            .max_capacity(max_bytes.max(1))
            .weigher(|k: &String, v: &Slot| -> u32 {
                let body = match v {
                    Slot::Fresh { body, .. } => body.len(),
                    Slot::Stale { .. } => 0,
                };
                (k.len() + body + 64).min(u32::MAX as usize) as u32
            })
            .build();
        ShipmentCache { slots }
    }

    /// Looks a shipment up for a merchant. Another merchant's entry is a miss (and their
    /// request then gets 404 from the store).
    pub async fn get(&self, id: &str, merchant_id: &str) -> Lookup {
        match self.slots.get(id).await {
            Some(Slot::Fresh {
                body,
                merchant_id: owner,
                ..
            }) if owner == merchant_id => Lookup::Hit(body),
            Some(slot) => Lookup::Miss(slot.generation()),
            None => Lookup::Miss(0),
        }
    }

    /// Stores bytes loaded after a miss, unless a write bumped the generation meanwhile.
    pub async fn fill(&self, id: &str, ticket: u64, merchant_id: &str, body: Bytes) {
        let merchant_id = merchant_id.to_string();
        self.slots
            .entry(id.to_string())
            .and_compute_with(|current| {
                let current_gen = current.map(|e| e.value().generation()).unwrap_or(0);
                let op = if current_gen == ticket {
                    Op::Put(Slot::Fresh {
                        generation: ticket,
                        merchant_id,
                        body,
                    })
                } else {
                    Op::Nop
                };
                std::future::ready(op)
            })
            .await;
    }

    /// Marks a shipment changed: drops its bytes and bumps the generation.
    pub async fn invalidate(&self, id: &str) {
        self.slots
            .entry(id.to_string())
            .and_compute_with(|current| {
                let generation = current.map(|e| e.value().generation()).unwrap_or(0) + 1;
                std::future::ready(Op::Put(Slot::Stale { generation }))
            })
            .await;
    }

    /// Entries held (for metrics).
    pub fn entry_count(&self) -> u64 {
        self.slots.entry_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_reader_that_raced_a_write_cannot_store_stale_bytes() {
        let c = ShipmentCache::new(1 << 20);
        let Lookup::Miss(ticket) = c.get("s1", "m1").await else {
            panic!("hit on empty")
        };
        c.invalidate("s1").await; // a write commits while the reader loads
        c.fill("s1", ticket, "m1", Bytes::from_static(b"old")).await;
        assert!(matches!(c.get("s1", "m1").await, Lookup::Miss(_)));

        let Lookup::Miss(ticket) = c.get("s1", "m1").await else {
            panic!()
        };
        c.fill("s1", ticket, "m1", Bytes::from_static(b"new")).await;
        match c.get("s1", "m1").await {
            Lookup::Hit(b) => assert_eq!(&b[..], b"new"),
            Lookup::Miss(_) => panic!("expected a hit"),
        }
        // Another merchant never sees it.
        assert!(matches!(c.get("s1", "m2").await, Lookup::Miss(_)));
    }
}
