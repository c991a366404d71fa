//! OTLP response payloads: Export*ServiceResponse (with partial success) and
//! google.rpc.Status, in the request's encoding.

use bytes::{BufMut, Bytes, BytesMut};
use planeguard_filters::{Encoding, Signal};

/// Name of the rejected-count field of `Export*PartialSuccess`, in OTLP/JSON.
fn rejected_field(signal: Signal) -> &'static str {
    match signal {
        Signal::Logs => "rejectedLogRecords",
        Signal::Metrics => "rejectedDataPoints",
        Signal::Traces => "rejectedSpans",
    }
}

fn put_varint(out: &mut BytesMut, mut v: u64) {
    while v >= 0x80 {
        out.put_u8((v as u8) | 0x80);
        v >>= 7;
    }
    out.put_u8(v as u8);
}

fn put_len_field(out: &mut BytesMut, tag: u8, data: &[u8]) {
    out.put_u8(tag);
    put_varint(out, data.len() as u64);
    out.put_slice(data);
}

/// `Export*ServiceResponse`; `partial_success` only when something was rejected
/// or there is a message for the client.
pub fn export(signal: Signal, encoding: Encoding, rejected: u64, message: &str) -> Bytes {
    let partial = rejected > 0 || !message.is_empty();
    match encoding {
        Encoding::Protobuf => {
            if !partial {
                return Bytes::new();
            }
            let mut inner = BytesMut::new();
            if rejected > 0 {
                inner.put_u8(0x08);
                put_varint(&mut inner, rejected);
            }
            if !message.is_empty() {
                put_len_field(&mut inner, 0x12, message.as_bytes());
            }
            let mut out = BytesMut::with_capacity(inner.len() + 6);
            put_len_field(&mut out, 0x0A, &inner);
            out.freeze()
        }
        Encoding::Json => {
            if !partial {
                return Bytes::from_static(b"{}");
            }
            let body = serde_json::json!({
                "partialSuccess": {
                    rejected_field(signal): rejected.to_string(),
                    "errorMessage": message,
                }
            });
            Bytes::from(body.to_string())
        }
    }
}

/// `google.rpc.Status` with a code and message (the body of 4xx/5xx answers).
pub fn status(encoding: Encoding, code: i32, message: &str) -> Bytes {
    match encoding {
        Encoding::Protobuf => status_proto(code, message, None),
        Encoding::Json => {
            Bytes::from(serde_json::json!({ "code": code, "message": message }).to_string())
        }
    }
}

/// `google.rpc.Status` protobuf, optionally with a `google.rpc.RetryInfo` detail.
pub fn status_proto(code: i32, message: &str, retry_delay: Option<std::time::Duration>) -> Bytes {
    let mut out = BytesMut::new();
    if code != 0 {
        out.put_u8(0x08);
        put_varint(&mut out, code as u32 as u64);
    }
    if !message.is_empty() {
        put_len_field(&mut out, 0x12, message.as_bytes());
    }
    if let Some(d) = retry_delay {
        // RetryInfo { retry_delay: Duration { seconds, nanos } } packed in an Any.
        let mut dur = BytesMut::new();
        dur.put_u8(0x08);
        put_varint(&mut dur, d.as_secs());
        if d.subsec_nanos() > 0 {
            dur.put_u8(0x10);
            put_varint(&mut dur, u64::from(d.subsec_nanos()));
        }
        let mut info = BytesMut::new();
        put_len_field(&mut info, 0x0A, &dur);
        let mut any = BytesMut::new();
        put_len_field(&mut any, 0x0A, RETRY_INFO_TYPE.as_bytes());
        put_len_field(&mut any, 0x12, &info);
        put_len_field(&mut out, 0x1A, &any);
    }
    out.freeze()
}

pub const RETRY_INFO_TYPE: &str = "type.googleapis.com/google.rpc.RetryInfo";

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
    use prost::Message;

    #[test]
    fn partial_success_decodes_with_reference_types() {
        let b = export(
            Signal::Logs,
            Encoding::Protobuf,
            3,
            "3 records dropped by policy",
        );
        let r = ExportLogsServiceResponse::decode(b).unwrap();
        let p = r.partial_success.unwrap();
        assert_eq!(p.rejected_log_records, 3);
        assert_eq!(p.error_message, "3 records dropped by policy");
        assert!(export(Signal::Logs, Encoding::Protobuf, 0, "").is_empty());
        let j = export(Signal::Metrics, Encoding::Json, 2, "x");
        let v: serde_json::Value = serde_json::from_slice(&j).unwrap();
        assert_eq!(v["partialSuccess"]["rejectedDataPoints"], "2");
    }

    #[test]
    fn status_with_retry_info() {
        let b = status_proto(
            8,
            "queue full",
            Some(std::time::Duration::from_millis(1500)),
        );
        // code 8, message, details Any
        assert_eq!(&b[..2], &[0x08, 0x08]);
        assert!(b
            .windows(RETRY_INFO_TYPE.len())
            .any(|w| w == RETRY_INFO_TYPE.as_bytes()));
    }
}
