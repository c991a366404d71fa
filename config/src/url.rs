//! A small `http(s)://host[:port][/path]` parser: enough to check endpoints at load time
//! and hand the proxy the pieces, without a URL crate.

use std::fmt;

/// `http` or `https`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain text.
    Http,
    /// TLS.
    Https,
}

/// A parsed endpoint URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpUrl {
    /// `http` or `https`.
    pub scheme: Scheme,
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// The explicit port, or the scheme's default (80 / 443).
    pub port: u16,
    /// The path, `""` when absent; always starts with `/` when present.
    pub path: String,
}

impl HttpUrl {
    /// Parses `http(s)://host[:port][/path]`. User info, queries and fragments are refused:
    /// credentials belong in `headers` (where they are secrets), not in a URL that is logged.
    pub fn parse(text: &str) -> Result<HttpUrl, String> {
        let (scheme, rest) = if let Some(r) = text.strip_prefix("https://") {
            (Scheme::Https, r)
        } else if let Some(r) = text.strip_prefix("http://") {
            (Scheme::Http, r)
        } else {
            return Err(format!(
                "`{text}` is not an http:// or https:// URL (for example https://otel.example.com:4317)"
            ));
        };
        if rest.contains(['?', '#']) {
            return Err("query strings and fragments are not allowed in an endpoint URL".into());
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(
                "credentials in the URL are not allowed; put them in `headers` as a secret".into(),
            );
        }
        let (host, port) = split_host_port(authority)?;
        if host.is_empty() {
            return Err(format!("`{text}` has no host"));
        }
        let port = match port {
            Some(p) => p,
            None if scheme == Scheme::Https => 443,
            None => 80,
        };
        Ok(HttpUrl {
            scheme,
            host: host.to_owned(),
            port,
            path: path.to_owned(),
        })
    }
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port`.
pub(crate) fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let bad_port = |p: &str| format!("`{p}` is not a port number (1-65535)");
    let parse_port = |p: &str| match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(bad_port(p)),
        Ok(n) => Ok(n),
    };
    if let Some(rest) = authority.strip_prefix('[') {
        let end = rest
            .find(']')
            .ok_or_else(|| format!("`{authority}`: unclosed `[`"))?;
        let host = &rest[..end];
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("`{host}` is not an IPv6 address"));
        }
        return match &rest[end + 1..] {
            "" => Ok((host, None)),
            tail => match tail.strip_prefix(':') {
                Some(p) => Ok((host, Some(parse_port(p)?))),
                None => Err(format!("`{authority}`: unexpected text after `]`")),
            },
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Ok((host, Some(parse_port(port)?))),
        None => Ok((authority, None)),
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}{}", self.host, self.port, self.path)
        } else {
            write!(f, "{scheme}://{}:{}{}", self.host, self.port, self.path)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_endpoints() {
        let u = HttpUrl::parse("https://otel.example.com:4317").ok();
        assert_eq!(
            u.as_ref().map(|u| (u.host.as_str(), u.port)),
            Some(("otel.example.com", 4317))
        );
        let u = HttpUrl::parse("http://[::1]/v1/logs").ok();
        assert_eq!(
            u.map(|u| (u.host, u.port, u.path)),
            Some(("::1".into(), 80, "/v1/logs".into()))
        );
        assert_eq!(
            HttpUrl::parse("https://otlp.datadoghq.com").map(|u| u.port),
            Ok(443)
        );
    }

    #[test]
    fn refuses_bad_urls() {
        for bad in [
            "otel.example.com:4317",
            "ftp://x",
            "https://",
            "https://u:p@x.com",
            "https://x.com:0",
            "https://x.com:99999",
            "https://x.com/?a=b",
        ] {
            assert!(HttpUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
