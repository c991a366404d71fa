//! The admission audit log: one JSON line per decision (time, listener, source,
//! endpoint, identities, method, normalized path, decision, reason, status,
//! latency, bytes). Never bodies, tokens, query strings or other header values.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

#[derive(Debug)]
enum Sink {
    Off,
    Stdout,
    Stderr,
    File(Mutex<BufWriter<File>>),
}

#[derive(Debug)]
pub struct AuditLog {
    sink: Sink,
}

/// One audited decision.
#[derive(Debug, Serialize)]
pub struct Entry<'a> {
    pub time: String,
    pub listener: &'a str,
    pub source: Option<SocketAddr>,
    pub peer: SocketAddr,
    pub endpoint: Option<String>,
    pub tls_identity: Option<&'a str>,
    pub jwt_subject: Option<&'a str>,
    pub method: Option<&'a str>,
    pub path: Option<&'a str>,
    pub decision: &'a str,
    pub reason: &'a str,
    pub status: Option<u16>,
    pub latency_ms: f64,
    pub bytes_in: u64,
    pub bytes_out: Option<u64>,
}

impl AuditLog {
    /// `stdout`, `stderr`, `off`, or a file path (appended).
    pub fn open(target: &str) -> Result<Self, String> {
        let sink = match target {
            "off" | "none" => Sink::Off,
            "" | "stdout" | "-" => Sink::Stdout,
            "stderr" => Sink::Stderr,
            path => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| format!("admission.audit_log {path}: {e}"))?;
                Sink::File(Mutex::new(BufWriter::new(f)))
            }
        };
        Ok(Self { sink })
    }

    pub fn is_off(&self) -> bool {
        matches!(self.sink, Sink::Off)
    }

    pub fn write(&self, entry: &Entry<'_>) {
        if self.is_off() {
            return;
        }
        let Ok(mut line) = serde_json::to_vec(entry) else {
            return;
        };
        line.push(b'\n');
        let result = match &self.sink {
            Sink::Off => Ok(()),
            Sink::Stdout => std::io::stdout().lock().write_all(&line),
            Sink::Stderr => std::io::stderr().lock().write_all(&line),
            Sink::File(f) => match f.lock() {
                Ok(mut w) => w.write_all(&line).and_then(|_| w.flush()),
                Err(_) => Ok(()),
            },
        };
        if result.is_err() {
            metrics::counter!("planeguard_audit_write_errors_total").increment(1);
        }
    }
}

/// RFC 3339 UTC time with milliseconds, without a date crate.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_millis(1_700_000_000_123)),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00.000Z"
        );
    }
}
