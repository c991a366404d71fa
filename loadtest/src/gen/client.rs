//! One client connection of the generator (HTTP/1.1, or HTTP/2 prior
//! knowledge for gRPC) and the classification of each answer.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_ENCODING, CONTENT_TYPE, HOST};
use http::{HeaderMap, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use super::h1::H1Conn;

/// A connection ready to carry requests.
pub(crate) enum Conn {
    H1(H1Conn),
    H2(http2::SendRequest<Full<Bytes>>),
}

/// What became of one request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ok,
    /// An answer that is an error (`http_503`, `grpc_8`); the connection
    /// stays usable.
    Failed(String),
    /// The connection broke (`io`, `timeout`); open a new one.
    Broken(&'static str),
}

pub(crate) async fn connect(
    addr: SocketAddr,
    h2: bool,
    timeout: Duration,
) -> Result<Conn, &'static str> {
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(_)) => return Err("connect"),
        Err(_) => return Err("connect_timeout"),
    };
    let _ = stream.set_nodelay(true);
    if h2 {
        let io = TokioIo::new(stream);
        let (send, conn) = http2::Builder::new(TokioExecutor::new())
            .initial_stream_window_size(4 << 20)
            .initial_connection_window_size(8 << 20)
            .handshake(io)
            .await
            .map_err(|_| "handshake")?;
        tokio::spawn(conn);
        Ok(Conn::H2(send))
    } else {
        Ok(Conn::H1(H1Conn::new(stream)))
    }
}

/// Method, URI and headers shared by every request of a run.
#[derive(Clone, Debug)]
pub(crate) struct Template {
    pub uri: Uri,
    pub headers: HeaderMap,
    pub grpc: bool,
    /// HTTP/1.1: request line and headers up to `content-length: `, encoded
    /// once.
    h1_head: Vec<u8>,
}

impl Template {
    /// `path` on `addr`; the URI is absolute for h2 (pseudo-headers need the
    /// authority) and origin-form with a Host header for h1.
    pub fn new(
        addr: SocketAddr,
        path: &str,
        h2: bool,
        grpc: bool,
        headers: &[(&'static str, &'static str)],
    ) -> Result<Self, String> {
        let uri: Uri = if h2 {
            format!("http://{addr}{path}")
        } else {
            path.to_string()
        }
        .parse()
        .map_err(|e| format!("bad path {path:?}: {e}"))?;
        let mut map = HeaderMap::new();
        if !h2 {
            let host = HeaderValue::from_str(&addr.to_string()).map_err(|e| e.to_string())?;
            map.insert(HOST, host);
        }
        for (k, v) in headers {
            map.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        let mut h1_head = format!("POST {path} HTTP/1.1\r\n").into_bytes();
        for (k, v) in &map {
            h1_head.extend_from_slice(k.as_str().as_bytes());
            h1_head.extend_from_slice(b": ");
            h1_head.extend_from_slice(v.as_bytes());
            h1_head.extend_from_slice(b"\r\n");
        }
        h1_head.extend_from_slice(b"content-length: ");
        Ok(Self {
            uri,
            headers: map,
            grpc,
            h1_head,
        })
    }

    /// OTLP/HTTP headers for the encoding.
    pub fn otlp_http_headers(json: bool, gzip: bool) -> Vec<(&'static str, &'static str)> {
        let mut h = vec![(
            CONTENT_TYPE.as_str(),
            if json {
                "application/json"
            } else {
                "application/x-protobuf"
            },
        )];
        if gzip {
            h.push((CONTENT_ENCODING.as_str(), "gzip"));
        }
        h
    }

    /// OTLP/gRPC headers.
    pub fn grpc_headers(gzip: bool) -> Vec<(&'static str, &'static str)> {
        let mut h = vec![
            (CONTENT_TYPE.as_str(), "application/grpc"),
            ("te", "trailers"),
        ];
        if gzip {
            h.push(("grpc-encoding", "gzip"));
        }
        h
    }

    fn request(&self, body: Bytes) -> Request<Full<Bytes>> {
        let mut req = Request::new(Full::new(body));
        *req.method_mut() = Method::POST;
        *req.uri_mut() = self.uri.clone();
        *req.headers_mut() = self.headers.clone();
        req
    }
}

impl Conn {
    /// The server closed the connection after its last answer (HTTP/1.1
    /// `Connection: close`): open a new one for the next request.
    pub fn closed(&self) -> bool {
        match self {
            Conn::H1(c) => c.closed(),
            Conn::H2(_) => false,
        }
    }

    /// Sends one request and reads the whole answer.
    pub async fn send(&mut self, template: &Template, body: Bytes) -> Outcome {
        let s = match self {
            Conn::H1(c) => {
                return match c.exchange(&template.h1_head, &body).await {
                    Ok(200) => Outcome::Ok,
                    Ok(status) => Outcome::Failed(format!("http_{status}")),
                    Err(e) => Outcome::Broken(super::h1::error_kind(&e)),
                }
            }
            Conn::H2(s) => s,
        };
        if s.ready().await.is_err() {
            return Outcome::Broken("io");
        }
        let resp = match s.send_request(template.request(body)).await {
            Ok(r) => r,
            Err(_) => return Outcome::Broken("io"),
        };
        let (parts, body) = resp.into_parts();
        let collected = match body.collect().await {
            Ok(c) => c,
            Err(_) => return Outcome::Broken("io"),
        };
        if parts.status != StatusCode::OK {
            return Outcome::Failed(format!("http_{}", parts.status.as_u16()));
        }
        if !template.grpc {
            return Outcome::Ok;
        }
        // Trailers-only answers carry grpc-status in the headers.
        let status = parts
            .headers
            .get("grpc-status")
            .or_else(|| collected.trailers().and_then(|t| t.get("grpc-status")))
            .and_then(|v| v.to_str().ok().map(str::to_owned));
        match status.as_deref() {
            Some("0") => Outcome::Ok,
            Some(code) => Outcome::Failed(format!("grpc_{code}")),
            None => Outcome::Failed("grpc_no_status".into()),
        }
    }
}
