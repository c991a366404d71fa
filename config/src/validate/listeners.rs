//! No two listeners may bind the same port on overlapping addresses.

use std::net::SocketAddr;

use super::Checker;
use crate::model::Config;

/// True if binding both would clash: same port, and the same IP or a wildcard of the same
/// family. Port 0 (an ephemeral port, used in tests) never clashes.
fn overlaps(a: SocketAddr, b: SocketAddr) -> bool {
    if a.port() == 0 || a.port() != b.port() || a.is_ipv4() != b.is_ipv4() {
        return false;
    }
    a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified()
}

pub(super) fn check(config: &Config, c: &mut Checker<'_>) {
    let listeners = config.listeners();
    for (i, later) in listeners.iter().enumerate() {
        if let Some(earlier) = listeners[..i].iter().find(|e| overlaps(e.addr, later.addr)) {
            // Point at a listener that is written in the file; a defaulted one has no line.
            let (at, other) = if !c.is_written(&later.path) && c.is_written(&earlier.path) {
                (earlier, later)
            } else {
                (later, earlier)
            };
            c.error(
                at.path.clone(),
                format!(
                    "{} clashes with `{}` ({}); every listener needs its own port",
                    at.addr, other.path, other.addr
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn overlap_rules() {
        assert!(overlaps(a("127.0.0.1:80"), a("127.0.0.1:80")));
        assert!(overlaps(a("0.0.0.0:80"), a("127.0.0.1:80")));
        assert!(!overlaps(a("127.0.0.1:80"), a("127.0.0.2:80")));
        assert!(!overlaps(a("127.0.0.1:80"), a("127.0.0.1:81")));
        assert!(!overlaps(a("127.0.0.1:0"), a("127.0.0.1:0")));
        assert!(!overlaps(a("[::]:80"), a("127.0.0.1:80")));
    }
}
