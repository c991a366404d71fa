//! Admission over TLS with client certificates: a CA, a server certificate and
//! two client certificates are made with the openssl CLI for each run; only the
//! client whose SAN is allowed gets through, and its identity is audited.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use planeguard_tests::{start_planeguard, Sink};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI is needed by this test (Debian package openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes `name.key` + `name.pem` signed by the CA, with one DNS SAN.
fn leaf(dir: &Path, name: &str, san: &str) {
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
            "-subj",
            &format!("/CN={san}"),
        ],
    );
    std::fs::write(
        dir.join(format!("{name}.ext")),
        format!("subjectAltName=DNS:{san}\n"),
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &format!("{name}.pem"),
            "-days",
            "2",
            "-extfile",
            &format!("{name}.ext"),
        ],
    );
}

fn pki(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=planeguard-test-ca",
        ],
    );
    leaf(dir, "server", "localhost");
    leaf(dir, "allowed", "mp-client.example.com");
    leaf(dir, "other", "someone-else.example.com");
}

fn client_config(dir: &Path, cert: Option<&str>) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(dir.join("ca.pem")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let b = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    Arc::new(match cert {
        Some(name) => {
            let certs: Vec<_> = CertificateDer::pem_file_iter(dir.join(format!("{name}.pem")))
                .unwrap()
                .map(|c| c.unwrap())
                .collect();
            let key = PrivateKeyDer::from_pem_file(dir.join(format!("{name}.key"))).unwrap();
            b.with_client_auth_cert(certs, key).unwrap()
        }
        None => b.with_no_client_auth(),
    })
}

/// Sends one request over TLS; the status code, or `None` if refused before any answer.
async fn request(addr: std::net::SocketAddr, config: Arc<rustls::ClientConfig>) -> Option<u16> {
    let tcp = TcpStream::connect(addr).await.ok()?;
    let connector = tokio_rustls::TlsConnector::from(config);
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .ok()?;
    tls.write_all(b"POST /v1/query/online HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        .await
        .ok()?;
    let mut resp = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tls.read_to_end(&mut resp)).await;
    let text = String::from_utf8_lossy(&resp);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

#[tokio::test]
async fn mtls_admits_only_allowed_client_certificates() {
    let dir = std::env::temp_dir().join(format!("pg-mtls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    pki(&dir);
    let upstream = Sink::start().await;
    let audit = dir.join("audit.jsonl");
    let d = dir.display();
    let yaml = format!(
        r#"
admin: {{ listen: "127.0.0.1:0" }}
otlp: {{ grpc: {{ enabled: false }}, http: {{ enabled: false }} }}
flows: {{ query_execution: {{ enabled: true }} }}
admission:
  listen: "127.0.0.1:0"
  proxy_protocol: off
  tls:
    cert_file: {d}/server.pem
    key_file: {d}/server.key
    client_ca_file: {d}/ca.pem
    allowed_sans: [mp-client.example.com]
  routes: [{{ methods: [POST], path: /v1/query/online }}]
  upstream: "{}"
  audit_log: {}
"#,
        upstream.url(),
        audit.display()
    );
    let pg = start_planeguard(&yaml).await;
    let addr = pg.bound.admission.unwrap();

    assert_eq!(
        request(addr, client_config(&dir, Some("allowed"))).await,
        Some(200)
    );
    let got = upstream.wait_for(1).await;
    assert_eq!(got[0].headers["x-forwarded-proto"], "https");

    assert_eq!(
        request(addr, client_config(&dir, Some("other"))).await,
        None,
        "SAN not allowed"
    );
    assert_eq!(
        request(addr, client_config(&dir, None)).await,
        None,
        "no client certificate"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(upstream.count(), 1, "refused clients forward nothing");

    let log = std::fs::read_to_string(&audit).unwrap();
    assert!(
        log.contains("\"tls_identity\":\"san:mp-client.example.com\""),
        "{log}"
    );
    assert!(log.contains("client_san_not_allowed"), "{log}");
    pg.shutdown().await;
    std::fs::remove_dir_all(&dir).ok();
}
