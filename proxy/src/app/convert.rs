//! From configuration to runtime parts: profiles into scrubbers, destinations
//! into exporters. Errors name the config key.

use planeguard_config as cfg;
use planeguard_filters as filters;

use crate::export::client::TlsSpec;
use crate::export::retry::RetryPolicy;
use crate::export::{Boundary, DestinationSpec, Protocol};

fn action(a: cfg::Action) -> filters::Action {
    match a {
        cfg::Action::Redact => filters::Action::Redact,
        cfg::Action::Hash => filters::Action::Hash,
        cfg::Action::Mask => filters::Action::Mask,
        cfg::Action::DropRecord => filters::Action::DropRecord,
    }
}

/// A profile as the filters crate sees it. Secret-bearing keys
/// ([`filters::DEFAULT_DENY_KEYS`]) are always denied under a scrubbing profile:
/// a global deny list beats any allow.
pub fn profile(p: &cfg::ProfileConfig) -> filters::Profile {
    let mode = match p.mode {
        cfg::ProfileMode::Strict => filters::Mode::Strict,
        cfg::ProfileMode::Detect => filters::Mode::Detect,
        cfg::ProfileMode::Passthrough => filters::Mode::Passthrough,
    };
    let mut deny_keys = p.deny_keys.clone();
    if mode != filters::Mode::Passthrough {
        deny_keys.extend(filters::DEFAULT_DENY_KEYS.iter().map(|s| s.to_string()));
    }
    filters::Profile {
        mode,
        allow_keys: p.allow_keys.clone(),
        deny_keys,
        hash_keys: p.hash_keys.clone(),
        hash_key: p.hash_key.as_ref().map(|s| s.expose().as_bytes().to_vec()),
        detectors: p.detectors.clone(),
        features: p.features.clone(),
        custom: p
            .custom
            .iter()
            .map(|c| filters::CustomDetector {
                name: c.name.clone(),
                regex: c.regex.clone(),
                action: c.action.map(action),
            })
            .collect(),
        on_match: action(p.on_match),
        actions: p
            .actions
            .iter()
            .map(|(k, v)| (k.clone(), action(*v)))
            .collect(),
        limits: filters::Limits::default(),
    }
}

/// Exporter settings of one destination.
pub fn destination(name: &str, d: &cfg::DestinationConfig) -> Result<DestinationSpec, String> {
    let protocol = match d.protocol {
        cfg::Protocol::Grpc => Protocol::Grpc,
        cfg::Protocol::HttpProtobuf => Protocol::HttpProtobuf,
        cfg::Protocol::HttpJson => Protocol::HttpJson,
        cfg::Protocol::Debug => Protocol::Debug,
    };
    let tls = d.tls.clone().unwrap_or_default();
    if tls.insecure_skip_verify && d.boundary().leaves_customer_boundary() {
        // Validation refuses this too; never trust it to have run.
        return Err(format!(
            "destinations.{name}.tls.insecure_skip_verify: refused for a metadata-plane destination"
        ));
    }
    let retry = if d.retry.enabled {
        RetryPolicy {
            initial: d.retry.initial_interval,
            max: d.retry.max_interval,
            max_elapsed: d.retry.max_elapsed_time,
        }
    } else {
        RetryPolicy {
            initial: d.retry.initial_interval,
            max: d.retry.max_interval,
            max_elapsed: std::time::Duration::ZERO,
        }
    };
    Ok(DestinationSpec {
        name: name.to_string(),
        protocol,
        endpoint: d.endpoint.clone(),
        profile: d.profile.clone(),
        boundary: if d.boundary().leaves_customer_boundary() {
            Boundary::MetadataPlane
        } else {
            Boundary::Customer
        },
        headers: d
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.expose().to_string()))
            .collect(),
        gzip: d.compression == cfg::Compression::Gzip,
        timeout: d.timeout,
        retry,
        queue_bytes: usize::try_from(d.queue_bytes).unwrap_or(usize::MAX),
        concurrency: 4,
        tls: TlsSpec {
            ca_file: tls.ca_file,
            cert_file: tls.cert_file,
            key_file: tls.key_file,
            insecure_skip_verify: tls.insecure_skip_verify,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The config crate validates detector names against its own list (it
    /// does not depend on the filters crate): the two must name the same
    /// built-ins, in the same order.
    #[test]
    fn config_and_filters_name_the_same_built_in_detectors() {
        let filters: Vec<&str> = filters::detect::BuiltinDetector::ALL
            .iter()
            .map(|d| d.name())
            .collect();
        assert_eq!(cfg::BUILTIN_DETECTORS, filters.as_slice());
    }
}
