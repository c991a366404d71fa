//! Destinations (endpoints, boundaries, TLS, headers) and the flows that reference them.

use std::time::Duration;

use super::Checker;
use crate::model::destination::{Boundary, DestinationConfig, Protocol};
use crate::model::flows::Signal;
use crate::model::Config;
use crate::path::KeyPath;
use crate::url::{HttpUrl, Scheme};

/// Headers the exporter sets itself; configuring them would corrupt requests.
const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "host",
    "te",
    "connection",
];

pub(super) fn check(config: &Config, c: &mut Checker<'_>) {
    let profiles: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
    for (name, dest) in &config.destinations {
        let base = KeyPath::keys(&["destinations", name]);
        if !config.profiles.contains_key(&dest.profile) {
            c.unknown_name(base.key("profile"), "profile", &dest.profile, &profiles);
        }
        if dest.protocol == Protocol::Debug {
            check_debug(dest, &base, c);
        } else {
            check_network(dest, &base, c);
        }
        check_headers(dest, &base, c);
        check_timing(dest, &base, c);
    }
}

fn check_debug(dest: &DestinationConfig, base: &KeyPath, c: &mut Checker<'_>) {
    if let Some(b) = dest.boundary.filter(|b| *b != Boundary::Local) {
        c.error(
            base.key("boundary"),
            format!(
                "a debug destination writes on this host, it cannot be `{}`; use `local` or omit the key",
                b.as_str()
            ),
        )
        .allowed = vec!["local".into()];
    }
    if dest.tls.is_some() {
        c.error(
            base.key("tls"),
            "a debug destination does not use TLS; delete the key",
        );
    }
    if dest.endpoint.as_deref() == Some("") {
        c.error(
            base.key("endpoint"),
            "empty; omit it for stdout, or write `stderr` or a file path",
        );
    }
}

fn check_network(dest: &DestinationConfig, base: &KeyPath, c: &mut Checker<'_>) {
    if dest.boundary == Some(Boundary::Local) {
        c.error(
            base.key("boundary"),
            format!(
                "only debug destinations are local; a {} destination sends over the network",
                dest.protocol.as_str()
            ),
        )
        .allowed = vec!["metadata-plane".into(), "customer".into()];
    }
    let Some(endpoint) = &dest.endpoint else {
        c.error(
            base.key("endpoint"),
            format!(
                "missing required key `endpoint` for protocol {}",
                dest.protocol.as_str()
            ),
        );
        return;
    };
    let url = match HttpUrl::parse(endpoint) {
        Ok(url) => url,
        Err(e) => {
            c.error(base.key("endpoint"), e);
            return;
        }
    };
    let Some(tls) = &dest.tls else { return };
    if url.scheme == Scheme::Http {
        c.error(
            base.key("tls"),
            "tls is set but the endpoint is http://; use an https:// endpoint",
        );
    }
    if tls.cert_file.is_some() != tls.key_file.is_some() {
        c.error(
            base.key("tls"),
            "client certificates need both cert_file and key_file",
        );
    }
    if tls.insecure_skip_verify && dest.boundary() == Boundary::MetadataPlane {
        c.error(
            base.key("tls").key("insecure_skip_verify"),
            "data leaving the customer boundary must go to a verified server; set a ca_file instead",
        );
    }
}

fn check_headers(dest: &DestinationConfig, base: &KeyPath, c: &mut Checker<'_>) {
    for name in dest.headers.keys() {
        let path = base.key("headers").key(name.clone());
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            c.key_error(path, format!("`{name}` is not a valid header name"));
        } else if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            c.key_error(path, format!("`{name}` is set by the exporter itself"));
        } else if dest.protocol == Protocol::Grpc && name.bytes().any(|b| b.is_ascii_uppercase()) {
            c.key_error(
                path,
                format!(
                    "gRPC metadata keys are lower case; write `{}`",
                    name.to_ascii_lowercase()
                ),
            );
        }
    }
}

fn check_timing(dest: &DestinationConfig, base: &KeyPath, c: &mut Checker<'_>) {
    if dest.timeout == Duration::ZERO {
        c.error(base.key("timeout"), "must be greater than 0s");
    }
    if dest.queue_bytes == 0 {
        c.error(base.key("queue_bytes"), "must be greater than 0");
    }
    let r = &dest.retry;
    if r.enabled {
        let retry = base.key("retry");
        if r.initial_interval == Duration::ZERO {
            c.error(retry.key("initial_interval"), "must be greater than 0s");
        }
        if r.max_interval < r.initial_interval {
            c.error(
                retry.key("max_interval"),
                "must not be shorter than initial_interval",
            );
        }
    }
}

/// Every flow names existing destinations, once each; query execution has an admission.
pub(super) fn check_flows(config: &Config, c: &mut Checker<'_>) {
    let names: Vec<&str> = config.destinations.keys().map(String::as_str).collect();
    for signal in Signal::ALL {
        let path = KeyPath::keys(&["flows", signal.as_str(), "to"]);
        let to = &config.flows.signal(signal).to;
        for (i, name) in to.iter().enumerate() {
            if !config.destinations.contains_key(name) {
                c.unknown_name(path.index(i), "destination", name, &names);
            } else if to[..i].contains(name) {
                c.error(
                    path.index(i),
                    format!("destination `{name}` is listed twice"),
                );
            }
        }
    }
    if config.flows.query_execution.enabled && config.admission.is_none() {
        c.error(
            KeyPath::keys(&["flows", "query_execution", "enabled"]),
            "query execution needs an `admission` section (listener, trusted sources, endpoints, routes, upstream)",
        );
    }
}
