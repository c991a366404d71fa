//! `admission`: the listener through which the metadata plane reaches the query server
//! (over a private endpoint and a load balancer speaking PROXY v2), and the `direct`
//! listener for production API clients, which is never filtered.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::units;

/// `admission.proxy_protocol`: never guessed, always declared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyProtocol {
    /// Every connection must start with a PROXY v2 header from a `trusted_sources` address.
    /// The default.
    #[default]
    Required,
    /// No PROXY header is expected (no load balancer in front); `off` is an alias.
    /// A PROXY header is then an invalid HTTP request.
    #[serde(alias = "off")]
    Forbidden,
}

/// `admission.endpoints`: private endpoint ids admitted from the PROXY v2 TLVs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EndpointIds {
    /// AWS VPC endpoint ids (`vpce-` + 8 or 17 lowercase hex digits), TLV 0xEA.
    pub aws: Vec<String>,
    /// GCP Private Service Connect connection ids (u64), TLV 0xE0.
    pub gcp: Vec<u64>,
    /// Azure Private Link LINKIDs (u32), TLV 0xEE.
    pub azure: Vec<u32>,
}

impl EndpointIds {
    /// True if no endpoint id is listed at all.
    pub fn is_empty(&self) -> bool {
        self.aws.is_empty() && self.gcp.is_empty() && self.azure.is_empty()
    }
}

/// `admission.tls`: TLS termination, optionally mutual.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerTls {
    /// Server certificate chain (PEM).
    pub cert_file: PathBuf,
    /// Server private key (PEM).
    pub key_file: PathBuf,
    /// CA (PEM) for client certificates; set = mTLS required.
    #[serde(default)]
    pub client_ca_file: Option<PathBuf>,
    /// With mTLS: client certificates must carry one of these DNS or URI SANs
    /// (empty = any certificate the CA signed).
    #[serde(default)]
    pub allowed_sans: Vec<String>,
}

fn default_roles_claim() -> String {
    "roles".into()
}

fn default_leeway() -> Duration {
    Duration::from_secs(60)
}

/// `admission.jwt`: bearer-token checks for route roles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtConfig {
    /// JWKS (JSON) with the signing keys.
    pub jwks_file: PathBuf,
    /// Required `iss`.
    pub issuer: String,
    /// Required `aud`.
    pub audience: String,
    /// Claim holding the caller's roles (a list of strings). Default `roles`.
    #[serde(default = "default_roles_claim")]
    pub roles_claim: String,
    /// Allowed clock skew for `exp`/`nbf`. Default 60 s.
    #[serde(default = "default_leeway", with = "units::duration")]
    pub leeway: Duration,
}

/// `admission.routes[]`: one allowed request shape. Anything else gets 403.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// HTTP methods, upper case (`POST`).
    pub methods: Vec<String>,
    /// Exact path (`/v1/query/online`); a trailing `*` makes it a prefix (`/v1/query/*`).
    pub path: String,
    /// With `jwt`: the caller needs one of these roles (empty = any valid token).
    #[serde(default)]
    pub roles: Vec<String>,
}

impl Route {
    /// True if the route admits this method and path.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        let path_ok = match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == self.path,
        };
        path_ok && self.methods.iter().any(|m| m == method)
    }
}

/// `admission.direct`: production API clients to the query server, never filtered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectConfig {
    /// Listen address.
    #[serde(deserialize_with = "units::socket_addr::deserialize")]
    pub listen: SocketAddr,
}

fn default_header_read_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_max_request_bytes() -> u64 {
    8 << 20
}

/// `admission`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdmissionConfig {
    /// Listen address for metadata-plane queries (required: exposure is never implicit).
    #[serde(deserialize_with = "units::socket_addr::deserialize")]
    pub listen: SocketAddr,
    /// `required` (default) or `forbidden`.
    #[serde(default)]
    pub proxy_protocol: ProxyProtocol,
    /// Peers allowed to send PROXY headers (the load balancer's subnets), as CIDRs.
    #[serde(default, deserialize_with = "units::cidr_list::deserialize")]
    pub trusted_sources: Vec<IpNet>,
    /// Admitted private endpoint ids.
    #[serde(default)]
    pub endpoints: EndpointIds,
    /// Optional TLS / mTLS.
    #[serde(default)]
    pub tls: Option<ServerTls>,
    /// Optional JWT role checks.
    #[serde(default)]
    pub jwt: Option<JwtConfig>,
    /// Allowed requests; at least one.
    #[serde(default)]
    pub routes: Vec<Route>,
    /// The query server, `http://127.0.0.1:1337` style.
    pub upstream: String,
    /// Optional unfiltered listener for production API clients.
    #[serde(default)]
    pub direct: Option<DirectConfig>,
    /// Time to receive the PROXY header and the request headers. Default 10 s.
    #[serde(default = "default_header_read_timeout", with = "units::duration")]
    pub header_read_timeout: Duration,
    /// Largest request body forwarded. Default 8 MiB.
    #[serde(default = "default_max_request_bytes", with = "units::bytes")]
    pub max_request_bytes: u64,
    /// Where the audit log (one JSON line per request) goes: `stdout` (default),
    /// `stderr`, a file path (appended), or `off`.
    #[serde(default = "default_audit_log")]
    pub audit_log: String,
    /// Protocol to the upstream query server: `http1` (default) or `http2` (prior knowledge).
    #[serde(default)]
    pub upstream_protocol: UpstreamProtocol,
}

fn default_audit_log() -> String {
    "stdout".into()
}

/// `admission.upstream_protocol`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpstreamProtocol {
    /// Pooled HTTP/1.1 connections.
    #[default]
    Http1,
    /// HTTP/2 with prior knowledge (h2c).
    Http2,
}
