//! `egress`: gateway mode. A default-deny forward proxy (HTTP CONNECT) that lets out only
//! what the allow list names: image registry, token exchange, the metadata plane's OTLP
//! endpoint.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use ipnet::IpNet;
use serde::de::{Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::units;

/// How a pattern matches host names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostMatch {
    /// Exactly this name or IP literal (lower case, no trailing dot).
    Exact(String),
    /// `*.example.com`: any name ending in `.example.com` (not `example.com` itself).
    Suffix(String),
    /// `*`: any host (only meaningful in `deny`).
    Any,
}

/// `host[:port]` with an optional `*.` wildcard. Without a port, an allow entry means port
/// 443 and a deny entry means every port: the default is whichever lets out less.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPattern {
    /// Host part.
    pub host: HostMatch,
    /// `None` = every port.
    pub port: Option<u16>,
    text: String,
}

impl HostPattern {
    /// Parses a pattern; `default_port` applies when none is written (`*` = any port).
    pub fn parse(text: &str, default_port: Option<u16>) -> Result<HostPattern, String> {
        let bad = |why: &str| format!("`{text}` is not a host[:port] pattern: {why}");
        let (host, port) = match text.strip_suffix(":*") {
            Some(h) => (h, None),
            None => {
                let (h, p) = crate::url::split_host_port(text).map_err(|e| bad(&e))?;
                (h, p.or(default_port))
            }
        };
        let lower = host.to_ascii_lowercase();
        // One trailing dot (a fully qualified name) is the same host.
        let host = lower.strip_suffix('.').unwrap_or(&lower);
        let valid_name = |s: &str| {
            !s.is_empty()
                && s.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        };
        let matcher = if lower == "*" {
            HostMatch::Any
        } else if let Some(suffix) = lower.strip_prefix("*.") {
            let suffix = suffix.strip_suffix('.').unwrap_or(suffix);
            if !valid_name(suffix) {
                return Err(bad("invalid domain after `*.`"));
            }
            HostMatch::Suffix(suffix.to_owned())
        } else if host.parse::<std::net::IpAddr>().is_ok() || valid_name(host) {
            HostMatch::Exact(host.to_owned())
        } else {
            return Err(bad(
                "use letters, digits, `-` and `.`, optionally starting with `*.`",
            ));
        };
        Ok(HostPattern {
            host: matcher,
            port,
            text: text.to_owned(),
        })
    }

    /// True if a connection to `host:port` matches this pattern (case-insensitive).
    pub fn matches(&self, host: &str, port: u16) -> bool {
        if self.port.is_some_and(|p| p != port) {
            return false;
        }
        let lower = host.to_ascii_lowercase();
        // One trailing dot (a fully qualified name) is the same host.
        let host = lower.strip_suffix('.').unwrap_or(&lower);
        match &self.host {
            HostMatch::Any => true,
            HostMatch::Exact(h) => h == host,
            HostMatch::Suffix(s) => host
                .strip_suffix(s.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for HostPattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

struct PatternVisitor(Option<u16>);

impl Visitor<'_> for PatternVisitor {
    type Value = HostPattern;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a host[:port] pattern such as *.amazonaws.com:443")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<HostPattern, E> {
        HostPattern::parse(v, self.0).map_err(E::custom)
    }
}

/// An allow-list entry: port 443 unless written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AllowPattern(pub HostPattern);

impl<'de> Deserialize<'de> for AllowPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(PatternVisitor(Some(443)))
            .map(AllowPattern)
    }
}

/// A deny-list entry: every port unless written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DenyPattern(pub HostPattern);

impl<'de> Deserialize<'de> for DenyPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(PatternVisitor(None)).map(DenyPattern)
    }
}

/// `egress`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EgressConfig {
    /// HTTP CONNECT proxy address. Default `127.0.0.1:3128`.
    #[serde(deserialize_with = "units::socket_addr::deserialize")]
    pub listen: SocketAddr,
    /// Destinations that may be reached; everything else is refused.
    pub allow: Vec<AllowPattern>,
    /// Destinations that are refused even if allowed (deny beats allow).
    pub deny: Vec<DenyPattern>,
    /// Resolved addresses in these networks are refused at dial time.
    #[serde(deserialize_with = "units::cidr_list::deserialize")]
    pub deny_networks: Vec<IpNet>,
    /// Permit dialing private, loopback, link-local and cloud metadata addresses after
    /// resolution. Default `false` (a public name resolving to 169.254.169.254 is refused).
    pub allow_private_addresses: bool,
    /// Upstream connect timeout. Default 10 s.
    #[serde(with = "units::duration")]
    pub connect_timeout: Duration,
    /// Tunnels idle this long are closed. Default 5 min.
    #[serde(with = "units::duration")]
    pub idle_timeout: Duration,
}

impl Default for EgressConfig {
    fn default() -> Self {
        EgressConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 3128)),
            allow: Vec::new(),
            deny: Vec::new(),
            deny_networks: Vec::new(),
            allow_private_addresses: false,
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(300),
        }
    }
}

impl EgressConfig {
    /// The name-level decision: allowed by some `allow` entry and by no `deny` entry.
    /// Address checks (`deny_networks`, private addresses) happen after resolution.
    pub fn permits(&self, host: &str, port: u16) -> bool {
        self.allow.iter().any(|a| a.0.matches(host, port))
            && !self.deny.iter().any(|d| d.0.matches(host, port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(p: &str) -> HostPattern {
        match HostPattern::parse(p, Some(443)) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn wildcard_and_port_matching() {
        let p = allow("*.dkr.ecr.us-east-1.amazonaws.com");
        assert!(p.matches("123.dkr.ecr.us-east-1.amazonaws.com", 443));
        assert!(p.matches("123.DKR.ecr.us-east-1.amazonaws.com.", 443));
        assert!(!p.matches("dkr.ecr.us-east-1.amazonaws.com", 443));
        assert!(!p.matches("evil-dkr.ecr.us-east-1.amazonaws.com", 443));
        assert!(!p.matches("123.dkr.ecr.us-east-1.amazonaws.com", 80));
        let p = allow("otel.example.com:4317");
        assert!(p.matches("otel.example.com", 4317));
        assert!(!p.matches("otel.example.com", 443));
        let p = allow("api.example.com:*");
        assert!(p.matches("api.example.com", 8443));
    }

    #[test]
    fn deny_without_port_covers_every_port() {
        let d = HostPattern::parse("metadata.google.internal", None).ok();
        assert_eq!(
            d.map(|d| d.matches("metadata.google.internal", 80)),
            Some(true)
        );
    }

    #[test]
    fn bad_patterns() {
        for p in [
            "",
            "*.",
            "a..b",
            "exa mple.com",
            "x.com:0",
            "x.com:http",
            "*x.com",
        ] {
            assert!(HostPattern::parse(p, Some(443)).is_err(), "{p}");
        }
    }
}
