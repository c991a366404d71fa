//! One planeguard with an admission (and optionally a direct) listener in
//! front of a recording upstream, on ephemeral loopback ports, with its audit
//! log in a private temp directory.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use planeguard::app::Running;
use planeguard_tests::{start_planeguard, Sink};
use serde_json::Value;

/// The routes used unless a test says otherwise.
pub const ROUTES: &str = r#"
    - { methods: [POST], path: /v1/query/online }
    - { methods: [GET], path: /v1/query/plans/* }"#;

/// A marker placed in request bodies; it must never show up in the audit log.
pub const CANARY_BODY: &str = "BODY-CANARY-7f3a9c";

/// What to start.
pub struct Setup {
    pub query_execution: bool,
    /// `trusted_sources` CIDRs (YAML flow list body).
    pub trusted: &'static str,
    pub header_read_timeout: &'static str,
    pub max_request_bytes: &'static str,
    /// JWKS document; `Some` enables `admission.jwt`.
    pub jwks: Option<String>,
    pub routes: &'static str,
    pub direct: bool,
    /// `proxy_protocol: off` (then no trusted sources and no endpoint ids).
    pub proxy_off: bool,
    /// `upstream_protocol: http2` (h2c with prior knowledge to the upstream).
    pub upstream_http2: bool,
    /// An upstream other than the recording sink (e.g. an HTTP/2-only server).
    pub upstream_url: Option<String>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            query_execution: true,
            trusted: "127.0.0.1/32",
            header_read_timeout: "3s",
            max_request_bytes: "64KiB",
            jwks: None,
            routes: ROUTES,
            direct: false,
            proxy_off: false,
            upstream_http2: false,
            upstream_url: None,
        }
    }
}

/// A running planeguard and what it talks to.
pub struct Pg {
    running: Option<Running>,
    pub sink: Sink,
    pub admission: SocketAddr,
    pub direct: Option<SocketAddr>,
    pub audit_path: PathBuf,
    dir: PathBuf,
}

fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "planeguard-admission-e2e-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

impl Pg {
    pub async fn start(s: Setup) -> Pg {
        let sink = Sink::start().await;
        Self::start_with_sink(s, sink).await
    }

    pub async fn start_with_sink(s: Setup, sink: Sink) -> Pg {
        let dir = temp_dir();
        let audit_path = dir.join("audit.jsonl");
        let jwt = match &s.jwks {
            None => String::new(),
            Some(doc) => {
                let path = dir.join("jwks.json");
                std::fs::write(&path, doc).expect("write jwks");
                format!(
                    "  jwt: {{ jwks_file: \"{}\", issuer: \"{}\", audience: \"{}\", leeway: 5s }}\n",
                    path.display(),
                    super::jwt::ISSUER,
                    super::jwt::AUDIENCE
                )
            }
        };
        let direct = if s.direct {
            "  direct: { listen: \"127.0.0.1:0\" }\n"
        } else {
            ""
        };
        let proxy = if s.proxy_off {
            "  proxy_protocol: off\n".to_owned()
        } else {
            format!(
                "  proxy_protocol: required\n  trusted_sources: [{}]\n  endpoints:\n    aws: [{}]\n    gcp: [{}]\n    azure: [{}]\n",
                s.trusted,
                super::proxy_v2::AWS_ID,
                super::proxy_v2::GCP_ID,
                super::proxy_v2::AZURE_ID,
            )
        };
        let yaml = format!(
            r#"
admin: {{ enabled: false }}
otlp:
  grpc: {{ enabled: false }}
  http: {{ enabled: false }}
flows:
  query_execution: {{ enabled: {qe} }}
shutdown: {{ drain_timeout: 2s }}
admission:
  listen: "127.0.0.1:0"
{proxy}  routes:{routes}
  upstream: "{upstream}"
  upstream_protocol: {protocol}
  header_read_timeout: {hrt}
  max_request_bytes: {mrb}
  audit_log: "{audit}"
{jwt}{direct}"#,
            qe = s.query_execution,
            routes = s.routes,
            upstream = s.upstream_url.clone().unwrap_or_else(|| sink.url()),
            protocol = if s.upstream_http2 { "http2" } else { "http1" },
            hrt = s.header_read_timeout,
            mrb = s.max_request_bytes,
            audit = audit_path.display(),
        );
        let running = start_planeguard(&yaml).await;
        let admission = running.bound.admission.expect("admission listener bound");
        let direct = running.bound.direct;
        assert_eq!(
            direct.is_some(),
            s.direct,
            "direct listener bound iff configured"
        );
        Pg {
            running: Some(running),
            sink,
            admission,
            direct,
            audit_path,
            dir,
        }
    }

    /// Graceful shutdown, then the temp directory goes.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// The audit log as written so far.
    pub fn audit_text(&self) -> String {
        std::fs::read_to_string(&self.audit_path).unwrap_or_default()
    }

    /// One JSON object per line (panics on a line that is not JSON).
    pub fn audit(&self) -> Vec<Value> {
        self.audit_text()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("audit line {l:?}: {e}")))
            .collect()
    }

    /// The audit entries with this decision reason.
    pub fn audit_reason(&self, reason: &str) -> Vec<Value> {
        self.audit()
            .into_iter()
            .filter(|e| e["reason"] == reason)
            .collect()
    }

    /// The upstream saw neither a connection nor a request (after a short settle,
    /// so a late forward would still be caught).
    pub async fn assert_upstream_untouched(&self, what: &str) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            self.sink.connections.load(Ordering::SeqCst),
            0,
            "{what}: upstream got a connection"
        );
        assert_eq!(self.sink.count(), 0, "{what}: upstream got a request");
    }

    pub fn upstream_connections(&self) -> usize {
        self.sink.connections.load(Ordering::SeqCst)
    }
}

/// A minimal HTTP/1.1 request with `Connection: close`, Content-Length for a body.
pub fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\nHost: query.internal\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("connection"))
    {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// The online-query request used by most tests.
pub fn query(headers: &[(&str, &str)]) -> Vec<u8> {
    request(
        "POST",
        "/v1/query/online",
        &[&[("Content-Type", "application/json")], headers].concat(),
        br#"{"q":"select 1"}"#,
    )
}
