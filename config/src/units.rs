//! Human-friendly scalar formats: durations (`10s`, `250ms`, `1m30s`), byte sizes (`8MiB` or
//! a plain integer), socket addresses and CIDR blocks, with error messages that show an
//! example of the right form. Used through `#[serde(with = ...)]`/`deserialize_with`.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use ipnet::IpNet;
use serde::de::{self, Deserializer, Visitor};
use serde::Serializer;

/// Parses `10s`, `250ms`, `2m`, `1h`, `1m30s`. A bare number is refused: its unit would be
/// a guess.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!("`{text}` is not a duration; write a number with a unit: ms, s, m or h (for example 10s, 250ms, 2m, 1m30s)")
    };
    let s = text.trim();
    if s.is_empty() {
        return Err(bad());
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let part = match &rest[..unit_len] {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.checked_mul(60).ok_or_else(bad)?),
            "h" => Duration::from_secs(n.checked_mul(3600).ok_or_else(bad)?),
            _ => return Err(bad()),
        };
        total = total.checked_add(part).ok_or_else(bad)?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// Prints a duration the way [`parse_duration`] reads it back (`1m30s`, `250ms`, `0s`).
pub fn format_duration(d: Duration) -> String {
    let millis = d.as_millis();
    if millis % 1000 != 0 {
        return format!("{millis}ms");
    }
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// Parses a byte size: `8388608`, `8MiB`, `64 KiB`, `1GB`. Binary units (KiB, MiB, GiB)
/// are powers of 1024, decimal units (KB, MB, GB) powers of 1000.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let bad = || {
        format!("`{text}` is not a size; write bytes as an integer or with a unit: B, KiB, MiB, GiB, KB, MB, GB (for example 8MiB)")
    };
    let s = text.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if digits == 0 {
        return Err(bad());
    }
    let n: u64 = s[..digits].parse().map_err(|_| bad())?;
    let factor: u64 = match s[digits..].trim_start() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        _ => return Err(bad()),
    };
    n.checked_mul(factor).ok_or_else(bad)
}

/// Parses an `IP:port` socket address (`127.0.0.1:4317`, `[::1]:4317`). Host names are
/// refused: a listener binds an address, and resolving names at bind time hides mistakes.
pub fn parse_socket_addr(text: &str) -> Result<SocketAddr, String> {
    text.trim().parse().map_err(|_| {
        format!("`{text}` is not an IP:port address (for example 127.0.0.1:4317 or [::]:4317)")
    })
}

/// Parses a CIDR block (`10.0.64.0/20`, `fd00::/8`); a bare address means that one host.
pub fn parse_cidr(text: &str) -> Result<IpNet, String> {
    let s = text.trim();
    if let Ok(net) = s.parse::<IpNet>() {
        return Ok(net);
    }
    match s.parse::<std::net::IpAddr>() {
        Ok(ip) => Ok(IpNet::from(ip)),
        Err(_) => Err(format!(
            "`{text}` is not a CIDR block (for example 10.0.64.0/20 or fd00::/8)"
        )),
    }
}

/// A visitor that accepts a string and runs `parse` on it, or an integer when `int` allows.
struct TextVisitor<T> {
    what: &'static str,
    parse: fn(&str) -> Result<T, String>,
    int: Option<fn(u64) -> Result<T, String>>,
}

impl<'de, T> Visitor<'de> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        match self.int {
            Some(int) => int(v).map_err(E::custom),
            None => Err(E::custom(format!(
                "`{v}` has no unit; expected {}",
                self.what
            ))),
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        match u64::try_from(v) {
            Ok(u) => self.visit_u64(u),
            Err(_) => Err(E::custom(format!(
                "`{v}` is negative; expected {}",
                self.what
            ))),
        }
    }
}

/// serde glue for `Duration` fields written as `10s`.
pub mod duration {
    use super::*;

    /// Reads a duration string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        d.deserialize_any(TextVisitor {
            what: "a duration such as 10s, 250ms or 2m",
            parse: parse_duration,
            int: None,
        })
    }

    /// Writes a duration string.
    pub fn serialize<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_duration(*value))
    }
}

/// serde glue for byte sizes written as an integer or `8MiB`.
pub mod bytes {
    use super::*;

    /// Reads a byte size.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        d.deserialize_any(TextVisitor {
            what: "a size such as 8388608 or 8MiB",
            parse: parse_bytes,
            int: Some(Ok),
        })
    }

    /// Writes the size as an integer number of bytes.
    pub fn serialize<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(*value)
    }
}

/// serde glue for `IP:port` socket addresses.
pub mod socket_addr {
    use super::*;

    /// Reads an `IP:port` address.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
        d.deserialize_str(TextVisitor {
            what: "an IP:port address",
            parse: parse_socket_addr,
            int: None,
        })
    }
}

/// serde glue for lists of CIDR blocks.
pub mod cidr_list {
    use super::*;
    use serde::Deserialize;

    /// One CIDR block with a helpful message when it is not one.
    struct Cidr(IpNet);

    impl<'de> Deserialize<'de> for Cidr {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_str(TextVisitor {
                what: "a CIDR block such as 10.0.64.0/20",
                parse: parse_cidr,
                int: None,
            })
            .map(Cidr)
        }
    }

    /// Reads a list of CIDR blocks.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
        Ok(Vec::<Cidr>::deserialize(d)?
            .into_iter()
            .map(|c| c.0)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip() {
        for (text, d) in [
            ("10s", Duration::from_secs(10)),
            ("250ms", Duration::from_millis(250)),
            ("2m", Duration::from_secs(120)),
            ("1m30s", Duration::from_secs(90)),
            ("1h", Duration::from_secs(3600)),
            ("0s", Duration::ZERO),
        ] {
            assert_eq!(parse_duration(text), Ok(d), "{text}");
            assert_eq!(format_duration(d), text);
        }
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn bad_durations_are_refused() {
        for text in ["", "10", "s", "10x", "1.5s", "-1s", "10 s"] {
            assert!(parse_duration(text).is_err(), "{text}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("8388608"), Ok(8 << 20));
        assert_eq!(parse_bytes("8MiB"), Ok(8 << 20));
        assert_eq!(parse_bytes("64 KiB"), Ok(64 << 10));
        assert_eq!(parse_bytes("1GB"), Ok(1_000_000_000));
        assert!(parse_bytes("8mb").is_err());
        assert!(parse_bytes("MiB").is_err());
        assert!(parse_bytes("99999999999999GiB").is_err());
    }

    #[test]
    fn addresses_and_cidrs() {
        assert!(parse_socket_addr("127.0.0.1:4317").is_ok());
        assert!(parse_socket_addr("[::1]:4317").is_ok());
        assert!(parse_socket_addr("localhost:4317").is_err());
        assert_eq!(parse_cidr("10.0.64.0/20").map(|n| n.prefix_len()), Ok(20));
        assert_eq!(parse_cidr("10.0.0.1").map(|n| n.prefix_len()), Ok(32));
        assert!(parse_cidr("10.0.64.0/33").is_err());
    }
}
