//! The process around the pipelines: admin endpoint, OTLP listeners, logging, shutdown.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::units;

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

/// `admin`: health, readiness, Prometheus metrics and the flow table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// Address of `/healthz`, `/readyz`, `/metrics`, `/flows`. Default `127.0.0.1:9901`.
    #[serde(deserialize_with = "units::socket_addr::deserialize")]
    pub listen: SocketAddr,
    /// Whether the admin listener runs at all. Default `true`.
    pub enabled: bool,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            listen: loopback(9901),
            enabled: true,
        }
    }
}

/// `otlp.grpc`: the OTLP/gRPC receiver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtlpGrpcConfig {
    /// Default `127.0.0.1:4317`, where OTel SDKs send by default.
    #[serde(deserialize_with = "units::socket_addr::deserialize")]
    pub listen: SocketAddr,
    /// Default `true`.
    pub enabled: bool,
}

impl Default for OtlpGrpcConfig {
    fn default() -> Self {
        OtlpGrpcConfig {
            listen: loopback(4317),
            enabled: true,
        }
    }
}

/// `otlp.http`: the OTLP/HTTP receiver (protobuf and JSON on the same port).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtlpHttpConfig {
    /// Default `127.0.0.1:4318`, where OTel SDKs send by default.
    #[serde(deserialize_with = "units::socket_addr::deserialize")]
    pub listen: SocketAddr,
    /// Default `true`.
    pub enabled: bool,
}

impl Default for OtlpHttpConfig {
    fn default() -> Self {
        OtlpHttpConfig {
            listen: loopback(4318),
            enabled: true,
        }
    }
}

/// `otlp`: receivers and the limits that protect them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtlpConfig {
    /// The gRPC receiver.
    pub grpc: OtlpGrpcConfig,
    /// The HTTP receiver.
    pub http: OtlpHttpConfig,
    /// Largest request body accepted, after decompression. Default 8 MiB.
    #[serde(with = "units::bytes")]
    pub max_request_bytes: u64,
    /// Largest header block accepted (HTTP/1 headers, HTTP/2 header list). Default 64 KiB.
    #[serde(with = "units::bytes")]
    pub max_header_bytes: u64,
    /// Time a client has to send its request headers. Default 10 s.
    #[serde(with = "units::duration")]
    pub header_read_timeout: Duration,
    /// Idle keep-alive connections are closed after this long. Default 60 s.
    #[serde(with = "units::duration")]
    pub idle_timeout: Duration,
    /// Connections accepted at once per listener; more wait in the kernel backlog. Default 1024.
    pub max_connections: u32,
}

impl Default for OtlpConfig {
    fn default() -> Self {
        OtlpConfig {
            grpc: OtlpGrpcConfig::default(),
            http: OtlpHttpConfig::default(),
            max_request_bytes: 8 << 20,
            max_header_bytes: 64 << 10,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// `telemetry.log_format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// `telemetry`: planeguard's own logs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetryConfig {
    /// `text` (default) or `json`.
    pub log_format: LogFormat,
    /// A tracing filter: `info` (default), `debug`, or `info,planeguard::export=debug`.
    pub log_level: String,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            log_format: LogFormat::Text,
            log_level: "info".into(),
        }
    }
}

/// `shutdown`: what happens on SIGTERM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShutdownConfig {
    /// How long queued data may take to drain before exit. Default 15 s.
    #[serde(with = "units::duration")]
    pub drain_timeout: Duration,
}

impl Default for ShutdownConfig {
    fn default() -> Self {
        ShutdownConfig {
            drain_timeout: Duration::from_secs(15),
        }
    }
}
