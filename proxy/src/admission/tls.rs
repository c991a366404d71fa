//! TLS termination for the admission listener, with optional client
//! certificates verified against a CA and an allowlist of SANs.

use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};

/// Server TLS settings (from `admission.tls`).
#[derive(Debug, Clone)]
pub struct TlsSettings {
    pub config: Arc<ServerConfig>,
    /// DNS/IP SANs a client certificate must carry one of (empty: any CA-signed cert).
    pub allowed_sans: Vec<String>,
    pub client_auth: bool,
}

pub fn server_config(cfg: &planeguard_config::ServerTls) -> Result<TlsSettings, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs = CertificateDer::pem_file_iter(&cfg.cert_file)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("admission.tls.cert_file {}: {e}", cfg.cert_file.display()))?;
    let key = PrivateKeyDer::from_pem_file(&cfg.key_file)
        .map_err(|e| format!("admission.tls.key_file {}: {e}", cfg.key_file.display()))?;
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("admission.tls: {e}"))?;
    let builder = match &cfg.client_ca_file {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(ca)
                .map_err(|e| format!("admission.tls.client_ca_file {}: {e}", ca.display()))?
            {
                let cert = cert
                    .map_err(|e| format!("admission.tls.client_ca_file {}: {e}", ca.display()))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("admission.tls.client_ca_file {}: {e}", ca.display()))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("admission.tls.client_ca_file: {e}"))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| format!("admission.tls: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsSettings {
        config: Arc::new(config),
        allowed_sans: cfg.allowed_sans.clone(),
        client_auth: cfg.client_ca_file.is_some(),
    })
}

/// The identity of a verified client certificate for audit: the first allowed SAN it
/// carries, or its SHA-256 fingerprint. `Err` when SANs are required and none matches.
pub fn client_identity(
    settings: &TlsSettings,
    cert: &CertificateDer<'_>,
) -> Result<String, &'static str> {
    if !settings.allowed_sans.is_empty() {
        let ee = webpki::EndEntityCert::try_from(cert).map_err(|_| "bad_client_certificate")?;
        for san in &settings.allowed_sans {
            let Ok(name) = ServerName::try_from(san.as_str()) else {
                continue;
            };
            if ee.verify_is_valid_for_subject_name(&name).is_ok() {
                return Ok(format!("san:{san}"));
            }
        }
        return Err("client_san_not_allowed");
    }
    let digest = ring::digest::digest(&ring::digest::SHA256, cert.as_ref());
    let hex: String = digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("sha256:{hex}"))
}
