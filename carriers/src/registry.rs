//! The set of configured carriers, and detection across all of them.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::carrier::{Carrier, CarrierId, Detection};

/// An adapter's own settings, from which the gateway builds the adapter. Each carrier's
/// config type implements it in the carrier's folder.
pub trait AdapterConfig {
    /// Which carrier these settings are for.
    fn carrier(&self) -> CarrierId;

    /// Whether the settings hold what the adapter needs to run (credentials); decides
    /// whether it runs when the gateway's config does not force it on or off.
    fn configured(&self) -> bool;

    /// Builds the adapter (and its HTTP client, with the adapter's own timeout).
    fn build(&self) -> Arc<dyn Carrier>;
}

/// The configured adapters, by id.
#[derive(Clone, Default)]
pub struct Registry {
    carriers: BTreeMap<CarrierId, Arc<dyn Carrier>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) an adapter.
    pub fn register(&mut self, carrier: Arc<dyn Carrier>) {
        self.carriers.insert(carrier.id(), carrier);
    }

    /// The adapter for `id`, if configured.
    pub fn get(&self, id: CarrierId) -> Option<&Arc<dyn Carrier>> {
        self.carriers.get(&id)
    }

    /// All adapters, in id order.
    pub fn all(&self) -> impl Iterator<Item = &Arc<dyn Carrier>> {
        self.carriers.values()
    }

    /// Every carrier that claims the number, most confident first.
    pub fn detect(&self, tracking_number: &str) -> Vec<Detection> {
        let mut found: Vec<Detection> = self
            .carriers
            .values()
            .filter_map(|c| c.detect(tracking_number))
            .collect();
        found.sort_by(|a, b| {
            b.confidence
                .cmp(&a.confidence)
                .then(a.carrier.cmp(&b.carrier))
        });
        found
    }
}

/// Strips spaces and dashes and upper-cases: how people paste tracking numbers.
pub fn normalize_number(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_pasted_numbers() {
        assert_eq!(normalize_number(" jjd 0001-2345 "), "JJD00012345");
    }
}
