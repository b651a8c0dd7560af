//! SSRF protection for callback URLs. A URL must be `https://` (or `http://` when
//! `callbacks.allow_http` is set), carry no credentials, and every address it is sent to
//! must be public: loopback, private, link-local (with 169.254.169.254, the cloud metadata
//! service), CGNAT, multicast, unspecified, reserved/documentation ranges, IPv4-mapped,
//! IPv4-compatible, NAT64, 6to4 and Teredo IPv6 are refused unless the address lies inside a
//! `callbacks.allowed_cidrs` block (matched as written: `127.0.0.0/8` does not admit
//! `::ffff:127.0.0.1`).
//!
//! The check happens where the connection is made: [`GuardedResolver`] is the HTTP client's
//! DNS resolver and hands it only addresses that passed, so a name that changes its answer
//! between validation and sending (DNS rebinding) still cannot reach a refused address. IP
//! literals never reach a resolver, so [`Policy::check_url`] checks them before sending.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::config::CidrList;

/// Why a URL or address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not a URL we can call.
    #[error("{0}")]
    Url(String),
    /// The address is in a refused range.
    #[error("address {ip} is {why}; callbacks only go to public addresses")]
    Address {
        /// The address.
        ip: IpAddr,
        /// Which range.
        why: &'static str,
    },
    /// Resolution failed or returned nothing usable.
    #[error("{0}")]
    Resolve(String),
}

/// What callbacks may reach.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Allow `http://`.
    pub allow_http: bool,
    /// Blocks that may be reached although refused by default.
    pub allowed: CidrList,
}

/// The refused range an address falls in, if any.
pub fn forbidden_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn in_net(ip: IpAddr, net: &str) -> bool {
    net.parse::<IpNet>().is_ok_and(|n| n.contains(&ip))
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    const RANGES: &[(&str, &str)] = &[
        ("169.254.169.254/32", "the cloud metadata service"),
        ("0.0.0.0/8", "unspecified (\"this network\")"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared address space (CGNAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved for protocol assignments"),
        ("192.0.2.0/24", "reserved for documentation"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "reserved for benchmarking"),
        ("198.51.100.0/24", "reserved for documentation"),
        ("203.0.113.0/24", "reserved for documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved (including broadcast)"),
    ];
    RANGES
        .iter()
        .find(|(net, _)| in_net(IpAddr::V4(ip), net))
        .map(|(_, why)| *why)
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    const RANGES: &[(&str, &str)] = &[
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::ffff:0:0/96", "IPv4-mapped IPv6"),
        ("::/96", "IPv4-compatible IPv6"),
        ("64:ff9b::/96", "NAT64 (IPv4-embedding)"),
        ("64:ff9b:1::/48", "NAT64 (IPv4-embedding)"),
        ("100::/64", "discard-only"),
        ("2001::/32", "Teredo (IPv4-embedding)"),
        ("2001:db8::/32", "reserved for documentation"),
        ("2002::/16", "6to4 (IPv4-embedding)"),
        ("fc00::/7", "unique local (private)"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    ];
    RANGES
        .iter()
        .find(|(net, _)| in_net(IpAddr::V6(ip), net))
        .map(|(_, why)| *why)
}

impl Policy {
    /// Builds the policy from configuration.
    pub fn new(allow_http: bool, allowed: CidrList) -> Self {
        Policy {
            allow_http,
            allowed,
        }
    }

    /// Whether an address may be connected to.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Refused> {
        if self.allowed.0.iter().any(|n| n.contains(&ip)) {
            return Ok(());
        }
        match forbidden_range(ip) {
            Some(why) => Err(Refused::Address { ip, why }),
            None => Ok(()),
        }
    }

    /// Checks what can be checked without DNS: scheme, host, credentials, IP literals.
    pub fn check_url(&self, raw: &str) -> Result<url::Url, Refused> {
        let url = url::Url::parse(raw.trim())
            .map_err(|e| Refused::Url(format!("not an absolute URL: {e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            "http" => {
                return Err(Refused::Url(
                    "must use https (plain http is not allowed by this gateway)".into(),
                ))
            }
            other => return Err(Refused::Url(format!("scheme {other:?} is not https"))),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refused::Url(
                "must not contain credentials; authenticate with the signature".into(),
            ));
        }
        match url.host() {
            None => return Err(Refused::Url("has no host".into())),
            Some(url::Host::Ipv4(v4)) => self.check_ip(IpAddr::V4(v4))?,
            Some(url::Host::Ipv6(v6)) => self.check_ip(IpAddr::V6(v6))?,
            Some(url::Host::Domain(_)) => {}
        }
        Ok(url)
    }

    /// Full check for a subscription URL: [`Self::check_url`], then every address the name
    /// resolves to must pass (sending re-checks at connect time).
    pub async fn check_url_resolved(&self, raw: &str) -> Result<url::Url, Refused> {
        let url = self.check_url(raw)?;
        if let Some(url::Host::Domain(host)) = url.host() {
            let port = url.port_or_known_default().unwrap_or(443);
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| Refused::Resolve(format!("host {host:?} does not resolve: {e}")))?
                .collect();
            if addrs.is_empty() {
                return Err(Refused::Resolve(format!("host {host:?} has no addresses")));
            }
            for a in addrs {
                self.check_ip(a.ip())?;
            }
        }
        Ok(url)
    }
}

/// The HTTP client's resolver: resolves with the system resolver and passes on only the
/// addresses the policy allows, so the address connected to is the address checked.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    policy: Arc<Policy>,
}

impl GuardedResolver {
    /// A resolver enforcing `policy`.
    pub fn new(policy: Arc<Policy>) -> Self {
        GuardedResolver { policy }
    }

    /// Resolves `host` and keeps the allowed addresses; an error when none is left.
    pub async fn resolve_host(&self, host: &str) -> Result<Vec<SocketAddr>, Refused> {
        let all: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
            .await
            .map_err(|e| Refused::Resolve(format!("host {host:?} does not resolve: {e}")))?
            .collect();
        let mut first_refusal = None;
        let mut ok = Vec::new();
        for a in all {
            match self.policy.check_ip(a.ip()) {
                Ok(()) => ok.push(a),
                Err(e) => {
                    first_refusal.get_or_insert(e);
                }
            }
        }
        match (ok.is_empty(), first_refusal) {
            (false, _) => Ok(ok),
            (true, Some(e)) => Err(e),
            (true, None) => Err(Refused::Resolve(format!("host {host:?} has no addresses"))),
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs = this.resolve_host(&host).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}
