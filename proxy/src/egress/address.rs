//! Which resolved addresses the gateway may dial: never private, loopback,
//! link-local, cloud-metadata or otherwise non-public space unless the operator
//! allows it, and never a network on the deny list.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// Why an address is refused, as a stable label.
pub fn refusal(ip: IpAddr, allow_private: bool, deny: &[IpNet]) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    if deny.iter().any(|n| n.contains(&ip)) {
        return Some("denied_network");
    }
    if is_metadata(ip) {
        // Cloud instance metadata is never a legitimate egress destination.
        return Some("metadata_address");
    }
    if !allow_private && !is_public(ip) {
        return Some("private_address");
    }
    None
}

fn is_metadata(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4 == Ipv4Addr::new(169, 254, 169, 254) || v4 == Ipv4Addr::new(169, 254, 170, 2)
        }
        IpAddr::V6(v6) => v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254),
    }
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])) // CGNAT 100.64/10
                || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF 192.0.0/24
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19)) // benchmarking
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link local
                || (s[0] == 0x2001 && s[1] == 0xdb8)) // documentation
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(ip: &str) -> Option<&'static str> {
        refusal(ip.parse().unwrap(), false, &[])
    }

    #[test]
    fn private_and_special_ranges_are_refused() {
        for ip in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd12::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert_eq!(r(ip), Some("private_address"), "{ip}");
        }
        assert_eq!(r("169.254.169.254"), Some("metadata_address"));
        assert_eq!(
            refusal("169.254.169.254".parse().unwrap(), true, &[]),
            Some("metadata_address")
        );
        assert_eq!(
            refusal("fd00:ec2::254".parse().unwrap(), true, &[]),
            Some("metadata_address")
        );
        assert_eq!(r("93.184.216.34"), None);
        assert_eq!(r("2606:4700::1111"), None);
        assert_eq!(refusal("127.0.0.1".parse().unwrap(), true, &[]), None);
        let deny: Vec<IpNet> = vec!["93.184.0.0/16".parse().unwrap()];
        assert_eq!(
            refusal("93.184.216.34".parse().unwrap(), false, &deny),
            Some("denied_network")
        );
    }
}
