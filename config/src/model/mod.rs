//! The configuration types: plain data, one module per top-level section.

pub mod admission;
pub mod destination;
pub mod egress;
pub mod flows;
pub mod profile;
pub mod runtime;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::path::KeyPath;
use crate::secret::Secret;
use admission::AdmissionConfig;
use destination::DestinationConfig;
use egress::EgressConfig;
use flows::{FlowsConfig, Signal};
use profile::ProfileConfig;
use runtime::{AdminConfig, OtlpConfig, ShutdownConfig, TelemetryConfig};

/// The whole configuration file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Admin endpoint.
    pub admin: AdminConfig,
    /// OTLP receivers and their limits.
    pub otlp: OtlpConfig,
    /// Scrubbing profiles by name.
    pub profiles: BTreeMap<String, ProfileConfig>,
    /// Exporters by name.
    pub destinations: BTreeMap<String, DestinationConfig>,
    /// Signal routing and query execution.
    pub flows: FlowsConfig,
    /// Metadata-plane query admission (and the direct listener).
    pub admission: Option<AdmissionConfig>,
    /// Egress gateway mode.
    pub egress: Option<EgressConfig>,
    /// planeguard's own logs.
    pub telemetry: TelemetryConfig,
    /// Graceful shutdown.
    pub shutdown: ShutdownConfig,
}

/// A listener the proxy will bind, named by its key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenerAddr {
    /// The config key (`otlp.grpc.listen`).
    pub path: KeyPath,
    /// The address.
    pub addr: SocketAddr,
}

impl Config {
    /// The admission section when query execution is enabled; `None` means the admission
    /// listener must not run (restricted connectivity), even if `admission` is configured.
    pub fn admission_active(&self) -> Option<&AdmissionConfig> {
        if self.flows.query_execution.enabled {
            self.admission.as_ref()
        } else {
            None
        }
    }

    /// The destinations a signal is sent to now, with their configs, in `to` order.
    pub fn destinations_for(&self, signal: Signal) -> Vec<(&str, &DestinationConfig)> {
        self.flows
            .signal(signal)
            .active_destinations()
            .iter()
            .filter_map(|name| self.destinations.get(name).map(|d| (name.as_str(), d)))
            .collect()
    }

    /// Every listener that will be bound, given what is enabled.
    pub fn listeners(&self) -> Vec<ListenerAddr> {
        let mut out = Vec::new();
        let mut add = |keys: &[&str], addr: SocketAddr| {
            out.push(ListenerAddr {
                path: KeyPath::keys(keys),
                addr,
            })
        };
        if self.admin.enabled {
            add(&["admin", "listen"], self.admin.listen);
        }
        if self.otlp.grpc.enabled {
            add(&["otlp", "grpc", "listen"], self.otlp.grpc.listen);
        }
        if self.otlp.http.enabled {
            add(&["otlp", "http", "listen"], self.otlp.http.listen);
        }
        if let Some(a) = &self.admission {
            if self.flows.query_execution.enabled {
                add(&["admission", "listen"], a.listen);
            }
            if let Some(d) = &a.direct {
                add(&["admission", "direct", "listen"], d.listen);
            }
        }
        if let Some(e) = &self.egress {
            add(&["egress", "listen"], e.listen);
        }
        out
    }

    /// Every secret in the config with its key path, for resolution and reporting.
    pub fn secrets_mut(&mut self) -> Vec<(KeyPath, &mut Secret)> {
        let mut out = Vec::new();
        for (name, p) in &mut self.profiles {
            if let Some(s) = &mut p.hash_key {
                out.push((KeyPath::keys(&["profiles", name, "hash_key"]), s));
            }
        }
        for (name, d) in &mut self.destinations {
            for (header, s) in &mut d.headers {
                out.push((KeyPath::keys(&["destinations", name, "headers", header]), s));
            }
        }
        out
    }
}
