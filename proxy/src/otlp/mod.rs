//! OTLP receivers: HTTP (protobuf and JSON, HTTP/1.1 and h2c) and gRPC.

pub mod body;
pub mod grpc;
pub mod grpc_service;
pub mod http_service;
pub mod response;

use std::time::Duration;

/// Limits applied to every OTLP request.
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    /// After decompression.
    pub max_request_bytes: usize,
    /// Time allowed to receive the whole body.
    pub body_timeout: Duration,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            max_request_bytes: 8 * 1024 * 1024,
            body_timeout: Duration::from_secs(30),
        }
    }
}
