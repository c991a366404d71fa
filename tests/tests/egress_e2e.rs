//! Gateway mode over loopback: CONNECT tunnels to allowed names only, and
//! allowed names that resolve to private addresses are refused at dial time.

use std::time::Duration;

use planeguard_tests::start_planeguard;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// An echo server on 127.0.0.1.
async fn echo() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

fn config(echo_port: u16, allow_private: bool) -> String {
    format!(
        r#"
admin: {{ listen: "127.0.0.1:0" }}
otlp:
  grpc: {{ enabled: false }}
  http: {{ enabled: false }}
egress:
  listen: "127.0.0.1:0"
  allow: ["localhost:{echo_port}", "*.example.com"]
  deny: ["blocked.example.com"]
  allow_private_addresses: {allow_private}
"#
    )
}

/// Sends a CONNECT and returns the status line.
async fn connect(gw: std::net::SocketAddr, target: &str) -> (String, TcpStream) {
    let mut s = TcpStream::connect(gw).await.unwrap();
    s.write_all(format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match tokio::time::timeout(Duration::from_secs(5), s.read(&mut byte)).await {
            Ok(Ok(1)) => head.push(byte[0]),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&head).to_string();
    (text.lines().next().unwrap_or("").to_string(), s)
}

#[tokio::test]
async fn allowed_destination_gets_a_tunnel() {
    let port = echo().await;
    let pg = start_planeguard(&config(port, true)).await;
    let gw = pg.bound.egress.unwrap();
    let (status, mut s) = connect(gw, &format!("localhost:{port}")).await;
    assert!(status.contains(" 200 "), "{status}");
    s.write_all(b"ping through the tunnel").await.unwrap();
    let mut buf = [0u8; 23];
    s.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"ping through the tunnel");
    pg.shutdown().await;
}

#[tokio::test]
async fn default_deny_and_deny_beats_allow() {
    let port = echo().await;
    let pg = start_planeguard(&config(port, true)).await;
    let gw = pg.bound.egress.unwrap();
    assert!(connect(gw, "evil.invalid:443").await.0.contains(" 403 "));
    assert!(
        connect(gw, &format!("localhost:{}", port + 1))
            .await
            .0
            .contains(" 403 "),
        "port must match"
    );
    assert!(connect(gw, "blocked.example.com:443")
        .await
        .0
        .contains(" 403 "));
    // Only CONNECT.
    let mut s = TcpStream::connect(gw).await.unwrap();
    s.write_all(b"GET http://localhost/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_string(&mut out)).await;
    assert!(out.starts_with("HTTP/1.1 405"), "{out}");
    pg.shutdown().await;
}

#[tokio::test]
async fn allowed_name_resolving_to_a_private_address_is_refused() {
    let port = echo().await;
    let pg = start_planeguard(&config(port, false)).await;
    let gw = pg.bound.egress.unwrap();
    let (status, _) = connect(gw, &format!("localhost:{port}")).await;
    assert!(
        status.contains(" 403 "),
        "loopback refused at dial time: {status}"
    );
    pg.shutdown().await;
}
