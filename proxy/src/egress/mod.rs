//! Gateway mode: a default-deny egress proxy speaking HTTP CONNECT. A
//! destination must be allowed by name (deny beats allow); the gateway then
//! resolves the name itself and refuses private, loopback, link-local and
//! cloud-metadata addresses at dial time (Smokescreen's rule), so an allowed
//! name that resolves somewhere it should not still goes nowhere.

pub mod address;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use metrics::counter;
use planeguard_config::EgressConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::idle::IdleIo;

/// Largest CONNECT request head accepted.
const MAX_HEAD: usize = 8 * 1024;
/// Time allowed for the client to send its CONNECT request.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed CONNECT request.
#[derive(Debug, PartialEq, Eq)]
pub struct ConnectTarget {
    pub host: String,
    pub port: u16,
}

/// Why a request is refused: (HTTP status, stable reason).
type Refusal = (u16, &'static str);

/// Parses a request head; `Ok(None)` while incomplete.
pub fn parse_head(buf: &[u8]) -> Result<Option<(ConnectTarget, usize)>, Refusal> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    let consumed = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err((400, "bad_request")),
    };
    if req.method != Some("CONNECT") {
        return Err((405, "only_connect"));
    }
    let target = req.path.ok_or((400, "bad_request"))?;
    let (host, port) = target.rsplit_once(':').ok_or((400, "bad_target"))?;
    let port: u16 = port.parse().map_err(|_| (400, "bad_target"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || port == 0 {
        return Err((400, "bad_target"));
    }
    Ok(Some((
        ConnectTarget {
            host: host.to_ascii_lowercase(),
            port,
        },
        consumed,
    )))
}

async fn refuse(stream: &mut TcpStream, (status, reason): Refusal) {
    let text = match status {
        403 => "Forbidden",
        405 => "Method Not Allowed",
        502 => "Bad Gateway",
        504 => "Gateway Timeout",
        _ => "Bad Request",
    };
    let body = format!("{{\"error\":\"{reason}\"}}\n");
    let resp = format!(
        "HTTP/1.1 {status} {text}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(resp.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn record(decision: &'static str, reason: &'static str) {
    counter!("planeguard_egress_connections_total", "decision" => decision, "reason" => reason)
        .increment(1);
}

/// Handles one client connection to the gateway.
async fn handle(cfg: Arc<EgressConfig>, mut client: TcpStream, peer: SocketAddr) {
    let started = Instant::now();
    let mut buf = BytesMut::with_capacity(1024);
    let (target, consumed) = loop {
        let read = tokio::time::timeout(
            HEAD_TIMEOUT.saturating_sub(started.elapsed()),
            client.read_buf(&mut buf),
        )
        .await;
        match read {
            Ok(Ok(0)) | Ok(Err(_)) => return,
            Err(_) => {
                record("deny", "head_timeout");
                return refuse(&mut client, (400, "head_timeout")).await;
            }
            Ok(Ok(_)) => {}
        }
        match parse_head(&buf) {
            Ok(Some(t)) => break t,
            Ok(None) if buf.len() > MAX_HEAD => {
                record("deny", "head_too_large");
                return refuse(&mut client, (400, "head_too_large")).await;
            }
            Ok(None) => continue,
            Err(r) => {
                record("deny", r.1);
                return refuse(&mut client, r).await;
            }
        }
    };
    if !cfg.permits(&target.host, target.port) {
        tracing::info!(%peer, host = %target.host, port = target.port, "egress denied: destination not allowed");
        record("deny", "destination_not_allowed");
        return refuse(&mut client, (403, "destination_not_allowed")).await;
    }
    let resolved = match tokio::time::timeout(
        cfg.connect_timeout,
        tokio::net::lookup_host((target.host.as_str(), target.port)),
    )
    .await
    {
        Ok(Ok(addrs)) => addrs.collect::<Vec<_>>(),
        _ => {
            record("deny", "resolve_failed");
            return refuse(&mut client, (502, "resolve_failed")).await;
        }
    };
    // Every resolved address must be acceptable: a name must not straddle public and private space.
    if let Some(reason) = resolved
        .iter()
        .find_map(|a| address::refusal(a.ip(), cfg.allow_private_addresses, &cfg.deny_networks))
    {
        tracing::info!(%peer, host = %target.host, port = target.port, reason, "egress denied at dial time");
        record("deny", reason);
        return refuse(&mut client, (403, reason)).await;
    }
    let mut upstream = None;
    for addr in &resolved {
        if let Ok(Ok(s)) = tokio::time::timeout(cfg.connect_timeout, TcpStream::connect(addr)).await
        {
            upstream = Some(s);
            break;
        }
    }
    let Some(mut upstream) = upstream else {
        record("deny", "connect_failed");
        return refuse(&mut client, (502, "connect_failed")).await;
    };
    let _ = upstream.set_nodelay(true);
    if client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await
        .is_err()
    {
        return;
    }
    // Bytes the client sent after its CONNECT head belong to the tunnel.
    if buf.len() > consumed && upstream.write_all(&buf[consumed..]).await.is_err() {
        return;
    }
    record("allow", "tunnel");
    tracing::info!(%peer, host = %target.host, port = target.port, "egress tunnel opened");
    let mut client = IdleIo::new(client, cfg.idle_timeout);
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

/// Serves the gateway until `shutdown`; open tunnels end with their connections.
pub async fn serve(listener: TcpListener, cfg: EgressConfig, mut shutdown: watch::Receiver<bool>) {
    let cfg = Arc::new(cfg);
    if *shutdown.borrow() {
        return;
    }
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(handle(Arc::clone(&cfg), stream, peer));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "egress accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_heads() {
        let head = b"CONNECT Registry.Example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n";
        let mut with_tunnel_bytes = head.to_vec();
        with_tunnel_bytes.extend_from_slice(b"rest");
        let (t, n) = parse_head(&with_tunnel_bytes).unwrap().unwrap();
        assert_eq!(
            t,
            ConnectTarget {
                host: "registry.example.com".into(),
                port: 443
            }
        );
        assert_eq!(n, head.len());
        assert_eq!(
            parse_head(b"CONNECT [2001:db8::1]:8443 HTTP/1.1\r\n\r\n")
                .unwrap()
                .unwrap()
                .0
                .port,
            8443
        );
        assert_eq!(parse_head(b"CONNECT a.b:443 HTTP/1.1\r\n"), Ok(None));
        assert_eq!(
            parse_head(b"GET http://a.b/ HTTP/1.1\r\n\r\n"),
            Err((405, "only_connect"))
        );
        assert_eq!(
            parse_head(b"CONNECT a.b HTTP/1.1\r\n\r\n"),
            Err((400, "bad_target"))
        );
        assert_eq!(
            parse_head(b"CONNECT a.b:0 HTTP/1.1\r\n\r\n"),
            Err((400, "bad_target"))
        );
        assert_eq!(
            parse_head(b"\x16\x03\x01garbage\r\n\r\n").map(|_| ()),
            Err((400, "bad_request"))
        );
    }
}
