//! The `debug` destination: prints every scrubbed record as one JSON line, to
//! stdout or a file, so a newcomer can see what would leave the pod.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::Mutex;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use planeguard_filters::{Encoding, Signal};
use prost::Message;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::batch::Batch;
use super::otlp::Attempt;

#[derive(Debug)]
enum Out {
    Stdout,
    Stderr,
    File(Mutex<BufWriter<File>>),
}

#[derive(Debug)]
pub struct DebugTarget {
    destination: String,
    out: Out,
}

impl DebugTarget {
    /// `target` is `stdout` (default), `stderr`, or a file path (appended to).
    pub fn new(destination: &str, target: Option<&str>) -> Result<Self, String> {
        let out = match target.unwrap_or("stdout") {
            "" | "stdout" | "-" => Out::Stdout,
            "stderr" => Out::Stderr,
            path => {
                let path = path.strip_prefix("file://").unwrap_or(path);
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| format!("debug destination file {path}: {e}"))?;
                Out::File(Mutex::new(BufWriter::new(f)))
            }
        };
        Ok(Self {
            destination: destination.to_string(),
            out,
        })
    }

    pub fn send(&self, item: &Batch) -> Attempt {
        let lines = match render(&self.destination, item) {
            Ok(l) => l,
            Err(_) => {
                return Attempt::Fail {
                    reason: "undecodable",
                }
            }
        };
        let write = |w: &mut dyn Write| -> std::io::Result<()> {
            w.write_all(lines.as_bytes())?;
            w.flush()
        };
        let result = match &self.out {
            Out::Stdout => write(&mut std::io::stdout().lock()),
            Out::Stderr => write(&mut std::io::stderr().lock()),
            Out::File(f) => match f.lock() {
                Ok(mut g) => write(&mut *g),
                Err(_) => return Attempt::Fail { reason: "io" },
            },
        };
        match result {
            Ok(()) => Attempt::Delivered { rejected: 0 },
            Err(_) => Attempt::Retry {
                after: None,
                reason: "io",
            },
        }
    }
}

fn decode<M: Message + Default + DeserializeOwned + serde::Serialize>(
    item: &Batch,
) -> Result<Value, String> {
    let payload = item.joined();
    let m: M = match item.encoding {
        Encoding::Protobuf => M::decode(payload.as_ref()).map_err(|e| e.to_string())?,
        Encoding::Json => serde_json::from_slice(&payload).map_err(|e| e.to_string())?,
    };
    serde_json::to_value(&m).map_err(|e| e.to_string())
}

/// One JSON line per record, with its resource and scope.
fn render(destination: &str, item: &Batch) -> Result<String, String> {
    let (v, res_key, scope_key, rec_key) = match item.signal {
        Signal::Logs => (
            decode::<ExportLogsServiceRequest>(item)?,
            "resourceLogs",
            "scopeLogs",
            "logRecords",
        ),
        Signal::Metrics => (
            decode::<ExportMetricsServiceRequest>(item)?,
            "resourceMetrics",
            "scopeMetrics",
            "metrics",
        ),
        Signal::Traces => (
            decode::<ExportTraceServiceRequest>(item)?,
            "resourceSpans",
            "scopeSpans",
            "spans",
        ),
    };
    let mut out = String::new();
    let empty = Vec::new();
    for rl in v[res_key].as_array().unwrap_or(&empty) {
        for sl in rl[scope_key].as_array().unwrap_or(&empty) {
            for rec in sl[rec_key].as_array().unwrap_or(&empty) {
                let line = json!({
                    "destination": destination,
                    "signal": item.signal.as_str(),
                    "resource": rl["resource"],
                    "scope": sl["scope"],
                    "record": rec,
                });
                out.push_str(&line.to_string());
                out.push('\n');
            }
        }
    }
    Ok(out)
}
