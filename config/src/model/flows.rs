//! `flows`: which signal goes to which destinations, and whether the metadata plane may
//! run queries against the data plane.

use serde::{Deserialize, Serialize};

/// One telemetry signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// OTLP logs.
    Logs,
    /// OTLP metrics.
    Metrics,
    /// OTLP traces.
    Traces,
}

impl Signal {
    /// Every signal, in flow-table order.
    pub const ALL: [Signal; 3] = [Signal::Logs, Signal::Metrics, Signal::Traces];

    /// The key under `flows`.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Logs => "logs",
            Signal::Metrics => "metrics",
            Signal::Traces => "traces",
        }
    }
}

/// `flows.logs` / `flows.metrics` / `flows.traces`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignalFlow {
    /// Destination names. Empty = the signal is not accepted (nothing to send it to).
    pub to: Vec<String>,
    /// `false` switches the flow off while keeping its destinations listed. Default `true`.
    pub enabled: bool,
}

impl Default for SignalFlow {
    fn default() -> Self {
        SignalFlow {
            to: Vec::new(),
            enabled: true,
        }
    }
}

impl SignalFlow {
    /// The destinations that receive this signal now (none when disabled).
    pub fn active_destinations(&self) -> &[String] {
        if self.enabled {
            &self.to
        } else {
            &[]
        }
    }

    /// True if the signal is accepted and sent somewhere.
    pub fn is_active(&self) -> bool {
        !self.active_destinations().is_empty()
    }
}

/// `flows.query_execution`: the metadata plane querying the data plane through `admission`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueryExecutionFlow {
    /// Default `false` (restricted connectivity): a configured admission listener
    /// refuses every metadata-plane request with 403 and never opens an upstream
    /// connection; the direct listener is unaffected.
    pub enabled: bool,
}

/// `flows`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlowsConfig {
    /// Logs routing.
    pub logs: SignalFlow,
    /// Metrics routing.
    pub metrics: SignalFlow,
    /// Traces routing.
    pub traces: SignalFlow,
    /// Query execution on/off.
    pub query_execution: QueryExecutionFlow,
}

impl FlowsConfig {
    /// The routing of one signal.
    pub fn signal(&self, signal: Signal) -> &SignalFlow {
        match signal {
            Signal::Logs => &self.logs,
            Signal::Metrics => &self.metrics,
            Signal::Traces => &self.traces,
        }
    }
}
