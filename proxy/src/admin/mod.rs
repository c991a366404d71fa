//! Admin listener: /healthz, /readyz, /metrics (Prometheus text), /flows.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;

use crate::otlp::grpc::ChunksBody;

/// Process state seen by probes.
#[derive(Debug, Default)]
pub struct Health {
    ready: AtomicBool,
    draining: AtomicBool,
}

impl Health {
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }
    pub fn set_draining(&self) {
        self.draining.store(true, Ordering::Release);
    }
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire) && !self.draining.load(Ordering::Acquire)
    }
}

#[derive(Debug)]
pub struct Admin {
    pub health: Arc<Health>,
    /// The effective flow table, rendered once at start.
    pub flows_json: Bytes,
}

fn text(status: StatusCode, ct: &'static str, body: impl Into<Bytes>) -> Response<ChunksBody> {
    let mut r = Response::new(ChunksBody::new([body.into()], None));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    r
}

impl Admin {
    pub async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<ChunksBody> {
        if req.method() != http::Method::GET && req.method() != http::Method::HEAD {
            return text(StatusCode::METHOD_NOT_ALLOWED, "text/plain", "GET only\n");
        }
        match req.uri().path() {
            "/healthz" => text(StatusCode::OK, "text/plain", "ok\n"),
            "/readyz" => {
                if self.health.is_ready() {
                    text(StatusCode::OK, "text/plain", "ready\n")
                } else {
                    text(StatusCode::SERVICE_UNAVAILABLE, "text/plain", "not ready\n")
                }
            }
            "/metrics" => match crate::telemetry::prometheus() {
                Some(h) => text(StatusCode::OK, "text/plain; version=0.0.4", h.render()),
                None => text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "text/plain",
                    "metrics recorder unavailable\n",
                ),
            },
            "/flows" => text(StatusCode::OK, "application/json", self.flows_json.clone()),
            _ => text(
                StatusCode::NOT_FOUND,
                "text/plain",
                "not found; try /healthz /readyz /metrics /flows\n",
            ),
        }
    }
}
