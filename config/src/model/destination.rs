//! `destinations`: where scrubbed telemetry is exported, and on which side of the customer
//! boundary each one lies.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;
use crate::units;

/// `destinations.*.protocol`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Protocol {
    /// OTLP over gRPC. The default.
    #[default]
    #[serde(rename = "grpc")]
    Grpc,
    /// OTLP over HTTP with protobuf bodies.
    #[serde(rename = "http/protobuf")]
    HttpProtobuf,
    /// OTLP over HTTP with JSON bodies.
    #[serde(rename = "http/json")]
    HttpJson,
    /// Print scrubbed records to stdout or a file (never leaves the host).
    #[serde(rename = "debug")]
    Debug,
}

impl Protocol {
    /// The name used in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::HttpJson => "http/json",
            Protocol::Debug => "debug",
        }
    }
}

/// `destinations.*.boundary`: where the data ends up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Boundary {
    /// Outside the customer's boundary (the vendor's metadata plane). The default for
    /// network destinations: a destination nobody classified is treated as leaving.
    MetadataPlane,
    /// The customer's own backends (Datadog, Dynatrace, their own collector).
    Customer,
    /// This host only: the `debug` protocol's stdout or file.
    Local,
}

impl Boundary {
    /// The name used in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Boundary::MetadataPlane => "metadata-plane",
            Boundary::Customer => "customer",
            Boundary::Local => "local",
        }
    }

    /// True if data sent here leaves the customer's boundary.
    pub fn leaves_customer_boundary(self) -> bool {
        self == Boundary::MetadataPlane
    }
}

/// `destinations.*.compression`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    /// gzip request bodies. The default.
    #[default]
    Gzip,
    /// Send uncompressed.
    None,
}

/// `destinations.*.tls`: how the exporter verifies the server and presents itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientTls {
    /// CA bundle (PEM) to verify the server; omitted = the system roots.
    pub ca_file: Option<PathBuf>,
    /// Client certificate (PEM) for mTLS; needs `key_file`.
    pub cert_file: Option<PathBuf>,
    /// Client private key (PEM) for mTLS; needs `cert_file`.
    pub key_file: Option<PathBuf>,
    /// Skip server verification. Default `false`; refused for metadata-plane destinations.
    pub insecure_skip_verify: bool,
}

/// `destinations.*.retry`: exponential backoff with jitter on OTLP-retryable failures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryConfig {
    /// Default `true`. `false` = one attempt, then drop (counted).
    pub enabled: bool,
    /// First backoff. Default 1 s.
    #[serde(with = "units::duration")]
    pub initial_interval: Duration,
    /// Largest backoff. Default 30 s.
    #[serde(with = "units::duration")]
    pub max_interval: Duration,
    /// Give up on a batch after this long. Default 300 s.
    #[serde(with = "units::duration")]
    pub max_elapsed_time: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            enabled: true,
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(30),
            max_elapsed_time: Duration::from_secs(300),
        }
    }
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_queue_bytes() -> u64 {
    16 << 20
}

/// Where a `debug` destination writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DebugTarget {
    /// Standard output (`endpoint` omitted or `stdout`).
    Stdout,
    /// Standard error (`endpoint: stderr`).
    Stderr,
    /// Appended to this file.
    File(PathBuf),
}

/// `destinations.<name>`: one exporter with its own queue and retries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationConfig {
    /// `http(s)://host[:port][/path]`; for `debug`: omitted/`stdout`, `stderr` or a file path.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// `grpc` (default), `http/protobuf`, `http/json` or `debug`.
    #[serde(default)]
    pub protocol: Protocol,
    /// The profile applied before export. Required: no profile, no export (fail closed).
    pub profile: String,
    /// `metadata-plane`, `customer` or `local`. Omitted: `local` for `debug`, else
    /// `metadata-plane` (an unclassified destination is treated as leaving the boundary).
    #[serde(default)]
    pub boundary: Option<Boundary>,
    /// TLS settings for `https` endpoints.
    #[serde(default)]
    pub tls: Option<ClientTls>,
    /// Extra request headers / gRPC metadata; values are secrets.
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
    /// `gzip` (default) or `none`.
    #[serde(default)]
    pub compression: Compression,
    /// Per-export-request timeout. Default 10 s.
    #[serde(default = "default_timeout", with = "units::duration")]
    pub timeout: Duration,
    /// Backoff settings.
    #[serde(default)]
    pub retry: RetryConfig,
    /// Queue size in bytes; a full queue answers 429 / RESOURCE_EXHAUSTED. Default 16 MiB.
    #[serde(default = "default_queue_bytes", with = "units::bytes")]
    pub queue_bytes: u64,
}

impl DestinationConfig {
    /// A destination with every optional key at its default.
    pub fn new(protocol: Protocol, endpoint: Option<String>, profile: impl Into<String>) -> Self {
        DestinationConfig {
            endpoint,
            protocol,
            profile: profile.into(),
            boundary: None,
            tls: None,
            headers: BTreeMap::new(),
            compression: Compression::default(),
            timeout: default_timeout(),
            retry: RetryConfig::default(),
            queue_bytes: default_queue_bytes(),
        }
    }

    /// The effective boundary (see the `boundary` field for the defaults).
    pub fn boundary(&self) -> Boundary {
        match (self.boundary, self.protocol) {
            (Some(b), _) => b,
            (None, Protocol::Debug) => Boundary::Local,
            (None, _) => Boundary::MetadataPlane,
        }
    }

    /// Where a `debug` destination writes; `None` for network protocols.
    pub fn debug_target(&self) -> Option<DebugTarget> {
        if self.protocol != Protocol::Debug {
            return None;
        }
        Some(match self.endpoint.as_deref() {
            None | Some("stdout") | Some("-") => DebugTarget::Stdout,
            Some("stderr") => DebugTarget::Stderr,
            Some(path) => DebugTarget::File(PathBuf::from(path)),
        })
    }

    /// The parsed endpoint of a network destination (validated at load time).
    pub fn endpoint_url(&self) -> Option<crate::HttpUrl> {
        if self.protocol == Protocol::Debug {
            return None;
        }
        crate::HttpUrl::parse(self.endpoint.as_deref()?).ok()
    }
}
