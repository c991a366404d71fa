//! Admission: who may send PROXY headers, which private endpoints are admitted, which
//! requests may pass.

use super::Checker;
use crate::model::admission::{AdmissionConfig, ProxyProtocol};
use crate::model::Config;
use crate::path::KeyPath;
use crate::url::HttpUrl;

const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// `vpce-` followed by 8 or 17 lower-case hex digits.
pub(crate) fn is_aws_endpoint_id(id: &str) -> bool {
    id.strip_prefix("vpce-").is_some_and(|hex| {
        matches!(hex.len(), 8 | 17)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

pub(super) fn check(config: &Config, c: &mut Checker<'_>) {
    let Some(a) = &config.admission else { return };
    let base = KeyPath::keys(&["admission"]);
    check_proxy_protocol(a, &base, c);
    for (i, id) in a.endpoints.aws.iter().enumerate() {
        if !is_aws_endpoint_id(id) {
            c.error(
                base.key("endpoints").key("aws").index(i),
                format!("`{id}` is not a VPC endpoint id (`vpce-` and 8 or 17 lower-case hex digits, e.g. vpce-0a1b2c3d4e5f60718)"),
            );
        }
    }
    check_routes(a, &base, c);
    if let Some(jwt) = &a.jwt {
        for (key, value) in [
            ("issuer", &jwt.issuer),
            ("audience", &jwt.audience),
            ("roles_claim", &jwt.roles_claim),
        ] {
            if value.trim().is_empty() {
                c.error(base.key("jwt").key(key), "must not be empty");
            }
        }
    }
    if let Err(e) = HttpUrl::parse(&a.upstream) {
        c.error(base.key("upstream"), e);
    }
}

fn check_proxy_protocol(a: &AdmissionConfig, base: &KeyPath, c: &mut Checker<'_>) {
    match a.proxy_protocol {
        ProxyProtocol::Required => {
            if a.trusted_sources.is_empty() {
                c.error(
                    base.key("trusted_sources"),
                    "PROXY headers are required, so list the load balancer's subnets that may send them (e.g. 10.0.64.0/20)",
                );
            }
            if a.endpoints.is_empty() {
                c.error(
                    base.key("endpoints"),
                    "no endpoint ids: every private endpoint behind the load balancer would be admitted; list the metadata plane's (aws, gcp or azure)",
                );
            }
        }
        ProxyProtocol::Forbidden => {
            if !a.endpoints.is_empty() {
                c.error(
                    base.key("endpoints"),
                    "endpoint ids arrive in PROXY v2 headers, which are forbidden here; set proxy_protocol: required",
                );
            }
            if !a.trusted_sources.is_empty() {
                c.error(
                    base.key("trusted_sources"),
                    "trusted_sources only apply to PROXY headers, which are forbidden here",
                );
            }
        }
    }
}

fn check_routes(a: &AdmissionConfig, base: &KeyPath, c: &mut Checker<'_>) {
    if a.routes.is_empty() {
        c.error(
            base.key("routes"),
            "no routes: every request would be refused; list the allowed methods and paths",
        );
    }
    for (i, route) in a.routes.iter().enumerate() {
        let path = base.key("routes").index(i);
        if route.methods.is_empty() {
            c.error(path.key("methods"), "list at least one method")
                .allowed = owned(METHODS);
        }
        for (j, m) in route.methods.iter().enumerate() {
            if !METHODS.contains(&m.as_str()) {
                let p = c.error(
                    path.key("methods").index(j),
                    format!("unknown method `{m}`"),
                );
                p.suggestion = METHODS
                    .iter()
                    .find(|k| k.eq_ignore_ascii_case(m))
                    .map(|k| (*k).to_owned())
                    .or_else(|| crate::suggest::closest(m, METHODS.iter().copied()));
                p.allowed = owned(METHODS);
            }
        }
        let star_inside = route
            .path
            .find('*')
            .is_some_and(|at| at + 1 != route.path.len());
        if !route.path.starts_with('/') {
            c.error(
                path.key("path"),
                format!("`{}` must start with `/`", route.path),
            );
        } else if star_inside {
            c.error(
                path.key("path"),
                "`*` is only allowed at the end (a prefix match)",
            );
        }
        if !route.roles.is_empty() && a.jwt.is_none() {
            c.error(
                path.key("roles"),
                "roles can only be checked with `admission.jwt`; configure it or remove the roles",
            );
        }
    }
}

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_endpoint_ids() {
        assert!(is_aws_endpoint_id("vpce-0a1b2c3d4e5f60718"));
        assert!(is_aws_endpoint_id("vpce-0a1b2c3d"));
        assert!(!is_aws_endpoint_id("vpce-0A1B2C3D"));
        assert!(!is_aws_endpoint_id("vpce-0a1b2c3d4"));
        assert!(!is_aws_endpoint_id("vpc-0a1b2c3d"));
        assert!(!is_aws_endpoint_id("vpce-0a1b2c3g"));
    }
}
