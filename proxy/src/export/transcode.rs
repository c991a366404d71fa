//! Re-encoding a scrubbed payload between OTLP protobuf and OTLP/JSON when a
//! destination speaks the other encoding. Not on the common path (input and
//! destination encodings usually agree), so it uses the reference types.

use bytes::Bytes;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use planeguard_filters::{Encoding, Signal};
use prost::Message;
use serde::{de::DeserializeOwned, Serialize};

fn convert<M: Message + Default + Serialize + DeserializeOwned>(
    from: Encoding,
    payload: &[u8],
) -> Result<Bytes, String> {
    match from {
        Encoding::Protobuf => {
            let m = M::decode(payload).map_err(|e| format!("protobuf: {e}"))?;
            serde_json::to_vec(&m)
                .map(Bytes::from)
                .map_err(|e| format!("json: {e}"))
        }
        Encoding::Json => {
            let m: M = serde_json::from_slice(payload).map_err(|e| format!("json: {e}"))?;
            Ok(Bytes::from(m.encode_to_vec()))
        }
    }
}

/// `payload` (in `from`) re-encoded in `to`.
pub fn transcode(
    signal: Signal,
    from: Encoding,
    to: Encoding,
    payload: &Bytes,
) -> Result<Bytes, String> {
    if from == to {
        return Ok(payload.clone());
    }
    match signal {
        Signal::Logs => convert::<ExportLogsServiceRequest>(from, payload),
        Signal::Metrics => convert::<ExportMetricsServiceRequest>(from, payload),
        Signal::Traces => convert::<ExportTraceServiceRequest>(from, payload),
    }
}
