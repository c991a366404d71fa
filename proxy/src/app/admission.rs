//! The admission (metadata-plane) and direct listeners, from `admission:`.

use std::sync::Arc;
use std::time::Duration;

use planeguard_config::{AdmissionConfig, ProxyProtocol, UpstreamProtocol};

use crate::admission::audit::AuditLog;
use crate::admission::forward::Upstream;
use crate::admission::jwt::{Jwks, JwtPolicy, JwtValidator};
use crate::admission::listener::{ListenerSpec, ProxyMode};
use crate::admission::path::{Route, RoutePattern, RouteTable};
use crate::admission::proxy_protocol::policy::{EndpointAllowlist, TrustedSources};
use crate::admission::proxy_protocol::Limits;
use crate::admission::service::{HotMetrics, Policy};
use crate::admission::tls;
use crate::server::ServerOptions;

/// Upstream answer deadline.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(60);

fn upstream(a: &AdmissionConfig) -> Result<Upstream, String> {
    Upstream::new(
        &a.upstream,
        a.upstream_protocol == UpstreamProtocol::Http2,
        UPSTREAM_TIMEOUT,
    )
}

fn opts(a: &AdmissionConfig) -> ServerOptions {
    ServerOptions {
        http2_only: false,
        max_header_bytes: 64 * 1024,
        header_read_timeout: a.header_read_timeout,
        ..ServerOptions::default()
    }
}

/// The metadata-plane listener. With `query_execution` false every request is
/// refused with 403 and no upstream client exists at all.
pub fn metadata_plane(a: &AdmissionConfig, query_execution: bool) -> Result<ListenerSpec, String> {
    let mut routes = Vec::with_capacity(a.routes.len());
    for (i, r) in a.routes.iter().enumerate() {
        let pattern = RoutePattern::new(r.methods.iter(), &r.path)
            .map_err(|e| format!("admission.routes[{i}]: {e}"))?;
        routes.push(Route {
            pattern,
            roles: r.roles.clone(),
        });
    }
    let jwt = match &a.jwt {
        None => None,
        Some(j) => {
            let jwks = Jwks::load(&j.jwks_file)
                .map_err(|e| format!("admission.jwt.jwks_file {}: {e}", j.jwks_file.display()))?;
            let mut policy = JwtPolicy::new(j.issuer.clone(), vec![j.audience.clone()]);
            policy.leeway = j.leeway;
            policy.roles_claim = j.roles_claim.clone();
            Some(JwtValidator::new(jwks, policy).map_err(|e| format!("admission.jwt: {e}"))?)
        }
    };
    let proxy = match a.proxy_protocol {
        ProxyProtocol::Required => ProxyMode::Required {
            trusted: TrustedSources::new(a.trusted_sources.clone()),
            endpoints: EndpointAllowlist {
                aws: a.endpoints.aws.clone(),
                gcp: a.endpoints.gcp.clone(),
                azure: a.endpoints.azure.clone(),
            },
            limits: Limits::default(),
        },
        ProxyProtocol::Forbidden => ProxyMode::Off,
    };
    let policy = Policy {
        listener: "metadata-plane",
        filtered: true,
        query_execution,
        routes: RouteTable::new(routes),
        jwt,
        upstream: if query_execution {
            Some(upstream(a)?)
        } else {
            None
        },
        audit: AuditLog::open(&a.audit_log)?,
        max_request_bytes: usize::try_from(a.max_request_bytes).unwrap_or(usize::MAX),
        body_timeout: Duration::from_secs(30),
        hot: HotMetrics::new("metadata-plane"),
    };
    Ok(ListenerSpec {
        policy: Arc::new(policy),
        proxy,
        tls: a.tls.as_ref().map(tls::server_config).transpose()?,
        opts: opts(a),
        handshake_timeout: a.header_read_timeout,
    })
}

/// The direct listener for production API clients: no metadata-plane rule
/// applies, whatever `flows.query_execution` says.
pub fn direct(a: &AdmissionConfig) -> Result<ListenerSpec, String> {
    let policy = Policy {
        listener: "direct",
        filtered: false,
        query_execution: true,
        routes: RouteTable::default(),
        jwt: None,
        upstream: Some(upstream(a)?),
        audit: AuditLog::open("off")?,
        max_request_bytes: usize::try_from(a.max_request_bytes).unwrap_or(usize::MAX),
        body_timeout: Duration::from_secs(30),
        hot: HotMetrics::new("direct"),
    };
    Ok(ListenerSpec {
        policy: Arc::new(policy),
        proxy: ProxyMode::Off,
        tls: None,
        opts: opts(a),
        handshake_timeout: a.header_read_timeout,
    })
}
