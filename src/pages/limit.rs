//! Per-client-address attempt limits for the public forms (order lookup, dashboard login):
//! a fixed window per address, kept in memory (moka, bounded, expiring with the window).
//!
//! In memory means per process: behind a load balancer each gateway process counts on its
//! own, so the effective limit is the configured one times the number of processes.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long one counting window lasts.
pub const WINDOW: Duration = Duration::from_secs(600);

/// Counts attempts per address in fixed windows of [`WINDOW`].
pub struct IpLimiter {
    per_window: u32,
    counts: moka::future::Cache<IpAddr, Arc<AtomicU32>>,
}

impl IpLimiter {
    /// A limiter allowing `per_window` attempts per address per window.
    pub fn new(per_window: u32) -> Self {
        IpLimiter {
            per_window,
            counts: moka::future::Cache::builder()
                .max_capacity(200_000)
                .time_to_live(WINDOW)
                .build(),
        }
    }

    /// Counts one attempt; false when the address has used up its window.
    pub async fn allow(&self, ip: IpAddr) -> bool {
        let key = normalize(ip);
        let counter = self
            .counts
            .get_with(key, async { Arc::new(AtomicU32::new(0)) })
            .await;
        counter.fetch_add(1, Ordering::Relaxed) < self.per_window
    }
}

/// IPv6 clients are counted per /64 (one household or host gets a whole /64).
fn normalize(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_per_address_and_per_v6_prefix() {
        let l = IpLimiter::new(2);
        let a = IpAddr::from([10, 0, 0, 1]);
        assert!(l.allow(a).await && l.allow(a).await && !l.allow(a).await);
        assert!(l.allow(IpAddr::from([10, 0, 0, 2])).await);
        let v6a: IpAddr = "2001:db8::1".parse().unwrap_or(a);
        let v6b: IpAddr = "2001:db8::2".parse().unwrap_or(a);
        assert!(l.allow(v6a).await && l.allow(v6b).await && !l.allow(v6a).await);
    }
}
