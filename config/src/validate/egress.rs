//! Egress gateway: an allow list that actually restricts something.

use super::Checker;
use crate::model::egress::HostMatch;
use crate::model::Config;
use crate::path::KeyPath;

pub(super) fn check(config: &Config, c: &mut Checker<'_>) {
    let Some(e) = &config.egress else { return };
    let allow = KeyPath::keys(&["egress", "allow"]);
    if e.allow.is_empty() {
        c.error(
            allow.clone(),
            "the allow list is empty, so every connection would be refused; list the registry, token exchange and metadata-plane hosts",
        );
    }
    for (i, pattern) in e.allow.iter().enumerate() {
        if pattern.0.host == HostMatch::Any {
            c.error(
                allow.index(i),
                "`*` would allow every host; name the hosts (wildcards like *.amazonaws.com are fine)",
            );
        }
    }
    if e.connect_timeout.is_zero() {
        c.error(
            KeyPath::keys(&["egress", "connect_timeout"]),
            "must be greater than 0s",
        );
    }
}
