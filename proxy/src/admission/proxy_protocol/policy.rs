//! Who may send a PROXY header, and which private endpoints may reach the listener.
//!
//! A PROXY header is just bytes: anyone who can open a TCP connection can write one. It means
//! something only when the peer is the load balancer ([`TrustedSources`]), and only the endpoint
//! ids the customer listed may come through it ([`EndpointAllowlist`]).

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

use super::EndpointId;

/// Why a connection was refused by policy. [`DenyReason::reason`] is a stable metric label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DenyReason {
    /// The peer is not in `trusted_sources`, so its PROXY header cannot be believed.
    UntrustedSource(IpAddr),
    /// The header carried no AWS/GCP/Azure endpoint TLV.
    MissingEndpointId,
    /// The endpoint id is not in the allowlist for its cloud.
    EndpointNotAllowed(EndpointId),
}

impl DenyReason {
    pub fn reason(&self) -> &'static str {
        match self {
            DenyReason::UntrustedSource(_) => "untrusted_source",
            DenyReason::MissingEndpointId => "missing_endpoint_id",
            DenyReason::EndpointNotAllowed(_) => "endpoint_not_allowed",
        }
    }
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DenyReason::UntrustedSource(ip) => write!(
                f,
                "peer {ip} is not a trusted PROXY protocol source (admission.trusted_sources)"
            ),
            DenyReason::MissingEndpointId => {
                f.write_str("PROXY header carries no private endpoint id TLV")
            }
            DenyReason::EndpointNotAllowed(id) => {
                write!(f, "private endpoint {id} is not in admission.endpoints")
            }
        }
    }
}

/// A `trusted_sources` entry that is neither a CIDR nor an IP address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadSource(pub String);

impl fmt::Display for BadSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "trusted source {:?} is not a CIDR (10.0.64.0/20) or an IP address",
            self.0
        )
    }
}

impl std::error::Error for BadSource {}

/// The networks whose PROXY headers are honoured (the load balancer's subnets).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedSources {
    nets: Vec<IpNet>,
}

impl TrustedSources {
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self { nets }
    }

    /// Parses entries like `10.0.64.0/20`, `fd00::/8` or a bare address (a single host).
    pub fn parse<I, S>(entries: I) -> Result<Self, BadSource>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let nets = entries
            .into_iter()
            .map(|e| {
                let e = e.as_ref().trim();
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| BadSource(e.to_owned()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { nets })
    }

    pub fn nets(&self) -> &[IpNet] {
        &self.nets
    }

    /// True when `ip` is inside a trusted network. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`,
    /// what a dual-stack socket reports for an IPv4 peer) is also tested as the IPv4 address, so
    /// `10.0.64.0/20` trusts `::ffff:10.0.64.5`.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let canonical = ip.to_canonical();
        self.nets
            .iter()
            .any(|net| net.contains(&ip) || net.contains(&canonical))
    }

    /// [`TrustedSources::contains`] as a verdict.
    pub fn check(&self, ip: IpAddr) -> Result<(), DenyReason> {
        if self.contains(ip) {
            Ok(())
        } else {
            Err(DenyReason::UntrustedSource(ip))
        }
    }
}

/// Allowed private endpoint ids, per cloud. An empty list admits nothing from that cloud.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointAllowlist {
    pub aws: Vec<String>,
    pub gcp: Vec<u64>,
    pub azure: Vec<u32>,
}

impl EndpointAllowlist {
    /// Admits only a header whose endpoint id is listed for its cloud. AWS ids compare
    /// case-insensitively (they are hex; the parser already insists on lowercase).
    pub fn check(&self, endpoint: &Option<EndpointId>) -> Result<(), DenyReason> {
        let Some(id) = endpoint else {
            return Err(DenyReason::MissingEndpointId);
        };
        let allowed = match id {
            EndpointId::Aws(vpce) => self.aws.iter().any(|a| a.eq_ignore_ascii_case(vpce)),
            EndpointId::Gcp(psc) => self.gcp.contains(psc),
            EndpointId::Azure(link) => self.azure.contains(link),
        };
        if allowed {
            Ok(())
        } else {
            Err(DenyReason::EndpointNotAllowed(id.clone()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn trusted_sources_match_cidrs_and_hosts() {
        let t = TrustedSources::parse(["10.0.64.0/20", "192.168.1.7", "fd00::/8"]).unwrap();
        assert!(t.contains(ip("10.0.64.1")));
        assert!(t.contains(ip("10.0.79.255")));
        assert!(!t.contains(ip("10.0.80.0")));
        assert!(!t.contains(ip("10.0.63.255")));
        assert!(t.contains(ip("192.168.1.7")));
        assert!(!t.contains(ip("192.168.1.8")));
        assert!(t.contains(ip("fd12::1")));
        assert!(!t.contains(ip("fe80::1")));
        assert_eq!(
            t.check(ip("8.8.8.8")).unwrap_err().reason(),
            "untrusted_source"
        );
        assert!(t.check(ip("10.0.64.9")).is_ok());
    }

    #[test]
    fn ipv4_mapped_ipv6_is_treated_as_ipv4() {
        let t = TrustedSources::parse(["10.0.64.0/20"]).unwrap();
        assert!(t.contains(ip("::ffff:10.0.64.5")));
        assert!(!t.contains(ip("::ffff:10.0.80.5")));
        // An IPv4-compatible (deprecated, not mapped) address is not rewritten.
        assert!(!t.contains(ip("::10.0.64.5")));
        // A mapped-range CIDR written in IPv6 form still matches the mapped address.
        let t6 = TrustedSources::parse(["::ffff:10.0.64.0/116"]).unwrap();
        assert!(t6.contains(ip("::ffff:10.0.64.5")));
    }

    #[test]
    fn empty_trusted_sources_trust_nobody() {
        let t = TrustedSources::default();
        assert!(!t.contains(ip("127.0.0.1")));
        assert!(!t.contains(ip("::1")));
    }

    #[test]
    fn bad_trusted_source_is_reported() {
        let err = TrustedSources::parse(["10.0.0.0/8", "10.0.0.0/33"]).unwrap_err();
        assert_eq!(err, BadSource("10.0.0.0/33".into()));
        assert!(TrustedSources::parse(["nlb.internal"]).is_err());
    }

    #[test]
    fn endpoint_allowlist_per_cloud() {
        let allow = EndpointAllowlist {
            aws: vec!["vpce-0a1b2c3d4e5f60718".into()],
            gcp: vec![1234],
            azure: vec![5678],
        };
        assert!(allow
            .check(&Some(EndpointId::Aws("vpce-0a1b2c3d4e5f60718".into())))
            .is_ok());
        assert!(allow.check(&Some(EndpointId::Gcp(1234))).is_ok());
        assert!(allow.check(&Some(EndpointId::Azure(5678))).is_ok());

        let denied = allow
            .check(&Some(EndpointId::Aws("vpce-0a1b2c3d4e5f60719".into())))
            .unwrap_err();
        assert_eq!(denied.reason(), "endpoint_not_allowed");
        assert_eq!(
            denied.to_string(),
            "private endpoint aws:vpce-0a1b2c3d4e5f60719 is not in admission.endpoints"
        );
        // Ids never cross clouds: 1234 is allowed for GCP, not for Azure.
        assert_eq!(
            allow.check(&Some(EndpointId::Azure(1234))).unwrap_err(),
            DenyReason::EndpointNotAllowed(EndpointId::Azure(1234))
        );
        assert_eq!(
            allow
                .check(&Some(EndpointId::Gcp(5678)))
                .unwrap_err()
                .reason(),
            "endpoint_not_allowed"
        );
        assert_eq!(
            allow.check(&None).unwrap_err().reason(),
            "missing_endpoint_id"
        );
        assert_eq!(
            EndpointAllowlist::default()
                .check(&Some(EndpointId::Gcp(1)))
                .unwrap_err()
                .reason(),
            "endpoint_not_allowed"
        );
    }
}
