//! Just enough OTLP to count records: a protobuf field walker and serde
//! shapes of OTLP/JSON that skip everything but the record arrays. Counting
//! must be cheap (the sink must never be the bottleneck), so nothing is
//! decoded into structs beyond the nesting that leads to the records.

use planeguard_filters::Signal;
use serde::de::IgnoredAny;
use serde::Deserialize;

/// HTTP path of the OTLP/HTTP export of `signal`.
pub fn http_path(signal: Signal) -> &'static str {
    match signal {
        Signal::Logs => "/v1/logs",
        Signal::Metrics => "/v1/metrics",
        Signal::Traces => "/v1/traces",
    }
}

/// gRPC method path of the OTLP export of `signal`.
pub fn grpc_path(signal: Signal) -> &'static str {
    match signal {
        Signal::Logs => "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
        Signal::Metrics => "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        Signal::Traces => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    }
}

/// The signal of an OTLP/HTTP path.
pub fn signal_of_http_path(path: &str) -> Option<Signal> {
    Signal::ALL.into_iter().find(|s| http_path(*s) == path)
}

/// The signal of an OTLP/gRPC method path.
pub fn signal_of_grpc_path(path: &str) -> Option<Signal> {
    Signal::ALL.into_iter().find(|s| grpc_path(*s) == path)
}

/// Records (log records, spans, metric data points) in a protobuf
/// `Export*ServiceRequest`.
pub fn count_protobuf(signal: Signal, buf: &[u8]) -> Result<usize, String> {
    // resource_* = 1, scope_* = 2, then log_records / spans / metrics = 2.
    match signal {
        Signal::Logs | Signal::Traces => count_path(buf, &[1, 2, 2]),
        Signal::Metrics => {
            let mut n = 0;
            each_at_path(buf, &[1, 2, 2], &mut |metric| {
                // gauge 5, sum 7, histogram 9, exponential_histogram 10,
                // summary 11: each holds data_points = 1.
                for_each_field(metric, &mut |field, value| {
                    if let (5 | 7 | 9 | 10 | 11, Some(data)) = (field, value) {
                        n += count_path(data, &[1])?;
                    }
                    Ok(())
                })
            })?;
            Ok(n)
        }
    }
}

fn count_path(buf: &[u8], path: &[u32]) -> Result<usize, String> {
    let mut n = 0;
    each_at_path(buf, path, &mut |_| {
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

/// Calls `f` on every length-delimited field reached by following `path`.
fn each_at_path(
    buf: &[u8],
    path: &[u32],
    f: &mut dyn FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    let Some((&first, rest)) = path.split_first() else {
        return f(buf);
    };
    for_each_field(buf, &mut |field, value| match (field == first, value) {
        (true, Some(inner)) => each_at_path(inner, rest, f),
        (true, None) => Err(format!("field {field} is not length-delimited")),
        _ => Ok(()),
    })
}

/// Called per field: number, and the bytes of length-delimited fields.
type FieldFn<'f> = dyn FnMut(u32, Option<&[u8]>) -> Result<(), String> + 'f;

/// Walks the top-level fields of a message: `(field number, Some(bytes))`
/// for length-delimited fields, `None` for scalars.
fn for_each_field(mut buf: &[u8], f: &mut FieldFn<'_>) -> Result<(), String> {
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        let field = u32::try_from(key >> 3).map_err(|_| "field number too large".to_string())?;
        match key & 7 {
            0 => {
                varint(&mut buf)?;
                f(field, None)?;
            }
            1 => {
                buf = buf.get(8..).ok_or("truncated fixed64")?;
                f(field, None)?;
            }
            2 => {
                let len = usize::try_from(varint(&mut buf)?).map_err(|_| "length too large")?;
                let value = buf.get(..len).ok_or("truncated length-delimited field")?;
                buf = &buf[len..];
                f(field, Some(value))?;
            }
            5 => {
                buf = buf.get(4..).ok_or("truncated fixed32")?;
                f(field, None)?;
            }
            w => return Err(format!("unsupported wire type {w}")),
        }
    }
    Ok(())
}

fn varint(buf: &mut &[u8]) -> Result<u64, String> {
    let mut v: u64 = 0;
    for i in 0..10 {
        let (&b, rest) = buf.split_first().ok_or("truncated varint")?;
        *buf = rest;
        v |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Ok(v);
        }
    }
    Err("varint longer than 10 bytes".into())
}

#[derive(Deserialize)]
struct ScopeLogs {
    #[serde(default, rename = "logRecords", alias = "log_records")]
    records: Vec<IgnoredAny>,
}

#[derive(Deserialize)]
struct ScopeSpans {
    #[serde(default)]
    spans: Vec<IgnoredAny>,
}

#[derive(Deserialize)]
struct Points {
    #[serde(default, rename = "dataPoints", alias = "data_points")]
    points: Vec<IgnoredAny>,
}

#[derive(Deserialize)]
struct Metric {
    gauge: Option<Points>,
    sum: Option<Points>,
    histogram: Option<Points>,
    #[serde(rename = "exponentialHistogram", alias = "exponential_histogram")]
    exponential_histogram: Option<Points>,
    summary: Option<Points>,
}

#[derive(Deserialize)]
struct ScopeMetrics {
    #[serde(default)]
    metrics: Vec<Metric>,
}

#[derive(Deserialize)]
struct Resource<S> {
    #[serde(
        default = "Vec::new",
        alias = "scopeLogs",
        alias = "scope_logs",
        alias = "scopeSpans",
        alias = "scope_spans",
        alias = "scopeMetrics",
        alias = "scope_metrics"
    )]
    scopes: Vec<S>,
}

#[derive(Deserialize)]
struct Request<S> {
    #[serde(
        default = "Vec::new",
        alias = "resourceLogs",
        alias = "resource_logs",
        alias = "resourceSpans",
        alias = "resource_spans",
        alias = "resourceMetrics",
        alias = "resource_metrics"
    )]
    resources: Vec<Resource<S>>,
}

/// Records in an OTLP/JSON export request.
pub fn count_json(signal: Signal, buf: &[u8]) -> Result<usize, String> {
    fn parse<S: for<'de> Deserialize<'de>>(buf: &[u8]) -> Result<Request<S>, String> {
        serde_json::from_slice(buf).map_err(|e| format!("bad OTLP/JSON: {e}"))
    }
    Ok(match signal {
        Signal::Logs => parse::<ScopeLogs>(buf)?
            .resources
            .iter()
            .flat_map(|r| &r.scopes)
            .map(|s| s.records.len())
            .sum(),
        Signal::Traces => parse::<ScopeSpans>(buf)?
            .resources
            .iter()
            .flat_map(|r| &r.scopes)
            .map(|s| s.spans.len())
            .sum(),
        Signal::Metrics => parse::<ScopeMetrics>(buf)?
            .resources
            .iter()
            .flat_map(|r| &r.scopes)
            .flat_map(|s| &s.metrics)
            .map(|m| {
                [
                    &m.gauge,
                    &m.sum,
                    &m.histogram,
                    &m.exponential_histogram,
                    &m.summary,
                ]
                .into_iter()
                .flatten()
                .map(|p| p.points.len())
                .sum::<usize>()
            })
            .sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use planeguard_filters::corpus::{self, CorpusConfig};

    #[test]
    fn counts_match_the_corpus_in_both_encodings() {
        for (records, seed) in [(100, 1), (7, 2), (1, 3)] {
            let cfg = CorpusConfig {
                seed,
                records_per_request: records,
                ..CorpusConfig::default()
            };
            for signal in Signal::ALL {
                let b = corpus::batch(&cfg, signal, 0);
                assert_eq!(count_protobuf(signal, &b.protobuf).unwrap(), b.records);
                assert_eq!(count_json(signal, &b.json).unwrap(), b.records);
            }
        }
    }

    #[test]
    fn malformed_input_is_an_error() {
        let b = corpus::logs(&CorpusConfig::default(), 0);
        assert!(count_protobuf(Signal::Logs, &b.protobuf[..b.protobuf.len() - 3]).is_err());
        assert!(count_json(Signal::Logs, b"{not json").is_err());
        assert_eq!(count_protobuf(Signal::Logs, b"").unwrap(), 0);
        assert_eq!(count_json(Signal::Logs, b"{}").unwrap(), 0);
    }

    #[test]
    fn paths_map_to_signals() {
        for s in Signal::ALL {
            assert_eq!(signal_of_http_path(http_path(s)), Some(s));
            assert_eq!(signal_of_grpc_path(grpc_path(s)), Some(s));
        }
        assert_eq!(signal_of_http_path("/v1/other"), None);
    }
}
