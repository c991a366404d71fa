//! A destination: its queue, its sender and the workers that drain the queue
//! with retries. Every record that does not arrive is counted with a reason.

use std::sync::Arc;
use std::time::{Duration, Instant};

use planeguard_filters::Encoding;
use tokio::task::JoinHandle;

use super::batch::Batch;
use super::client::{self, TlsSpec};
use super::debug::DebugTarget;
use super::otlp::{Attempt, OtlpTarget, Wire};
use super::queue::Queue;
use super::retry::RetryPolicy;
use crate::telemetry::metrics as m;

/// How a destination is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Grpc,
    HttpProtobuf,
    HttpJson,
    Debug,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::HttpJson => "http/json",
            Protocol::Debug => "debug",
        }
    }

    /// The payload encoding the destination needs (`None`: any).
    pub fn encoding(self) -> Option<Encoding> {
        match self {
            Protocol::Grpc | Protocol::HttpProtobuf => Some(Encoding::Protobuf),
            Protocol::HttpJson => Some(Encoding::Json),
            Protocol::Debug => None,
        }
    }
}

/// Whether data sent there leaves the customer's boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    MetadataPlane,
    Customer,
}

/// Everything needed to build a destination (from config).
#[derive(Debug, Clone)]
pub struct DestinationSpec {
    pub name: String,
    pub protocol: Protocol,
    /// URL, or for `debug`: stdout, stderr or a file path.
    pub endpoint: Option<String>,
    pub profile: String,
    pub boundary: Boundary,
    /// Resolved header values (secrets): never logged.
    pub headers: Vec<(String, String)>,
    pub gzip: bool,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub queue_bytes: usize,
    pub concurrency: usize,
    pub tls: TlsSpec,
}

/// Largest export request built from queued payloads (gRPC servers commonly
/// refuse messages over 4 MiB).
const MAX_BATCH_BYTES: usize = 3 << 20;

#[derive(Debug)]
enum Sender {
    Otlp(Box<OtlpTarget>),
    Debug(DebugTarget),
}

#[derive(Debug)]
pub struct Destination {
    pub name: Arc<str>,
    pub spec: DestinationSpec,
    pub queue: Queue,
    sender: Sender,
    /// Per-export metric handles (registered once, not per call).
    pub metrics: m::ExportMetrics,
}

impl Destination {
    /// Builds the client and queue; opens no connection (they are made on first export).
    pub fn new(spec: DestinationSpec) -> Result<Self, String> {
        let sender = match spec.protocol {
            Protocol::Debug => {
                Sender::Debug(DebugTarget::new(&spec.name, spec.endpoint.as_deref())?)
            }
            p => {
                let wire = match p {
                    Protocol::Grpc => Wire::Grpc,
                    Protocol::HttpJson => Wire::HttpJson,
                    _ => Wire::HttpProtobuf,
                };
                let endpoint = spec
                    .endpoint
                    .as_deref()
                    .ok_or_else(|| format!("destination `{}` needs an endpoint", spec.name))?;
                let client = client::build(&spec.tls, wire == Wire::Grpc)
                    .map_err(|e| format!("destination `{}`: {e}", spec.name))?;
                Sender::Otlp(Box::new(
                    OtlpTarget::new(
                        client,
                        endpoint,
                        wire,
                        &spec.headers,
                        spec.gzip,
                        spec.timeout,
                    )
                    .map_err(|e| format!("destination `{}`: {e}", spec.name))?,
                ))
            }
        };
        Ok(Self {
            name: Arc::from(spec.name.as_str()),
            queue: Queue::new(spec.queue_bytes),
            metrics: m::ExportMetrics::new(&spec.name),
            spec,
            sender,
        })
    }

    /// Starts the workers that drain the queue; they end when the queue is closed and empty.
    pub fn spawn_workers(self: &Arc<Self>) -> Vec<JoinHandle<()>> {
        (0..self.spec.concurrency.max(1))
            .map(|_| {
                let d = Arc::clone(self);
                tokio::spawn(async move {
                    while let Some(items) = d.queue.pop_batch(MAX_BATCH_BYTES).await {
                        let reserved: usize = items.iter().map(|i| i.reserved).sum();
                        if let Some(batch) = Batch::of(&items) {
                            d.deliver(&batch).await;
                        }
                        drop(items);
                        d.queue.release(reserved);
                        d.metrics.queue_bytes(d.queue.used());
                    }
                })
            })
            .collect()
    }

    async fn attempt(&self, item: &Batch) -> Attempt {
        match &self.sender {
            Sender::Otlp(t) => t.send(item).await,
            Sender::Debug(t) => t.send(item),
        }
    }

    /// Sends with retries until delivered, refused, out of time, or shutting down.
    async fn deliver(&self, item: &Batch) {
        let started = Instant::now();
        let mut retries = 0u32;
        loop {
            let t0 = Instant::now();
            let outcome = self.attempt(item).await;
            let elapsed = t0.elapsed();
            match outcome {
                Attempt::Delivered { rejected } => {
                    self.metrics.delivered(item, elapsed);
                    if rejected > 0 {
                        m::dropped(item.signal, &self.name, "rejected_by_destination", rejected);
                    }
                    return;
                }
                Attempt::Fail { reason } => {
                    m::export_done(&self.name, item, reason, elapsed);
                    m::dropped(item.signal, &self.name, reason, item.records);
                    tracing::warn!(destination = %self.name, reason, records = item.records, "export refused; data dropped");
                    return;
                }
                Attempt::Retry { after, reason } => {
                    m::export_done(&self.name, item, reason, elapsed);
                    retries += 1;
                    let delay = after.unwrap_or_else(|| self.spec.retry.backoff(retries));
                    if started.elapsed() + delay > self.spec.retry.max_elapsed {
                        m::dropped(item.signal, &self.name, "retries_exhausted", item.records);
                        tracing::warn!(destination = %self.name, reason, retries, records = item.records, "export retries exhausted; data dropped");
                        return;
                    }
                    if self.queue.is_closing() && delay > Duration::from_secs(1) {
                        // Draining: a long backoff would outlive the drain deadline.
                        m::dropped(item.signal, &self.name, "shutdown", item.records);
                        return;
                    }
                    tracing::debug!(destination = %self.name, reason, retries, delay_ms = delay.as_millis() as u64, "export failed; retrying");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }
}
