//! planeguard-loadtest: a load generator, a canary-checking OTLP sink, and a
//! comparison of planeguard against a direct path and peer proxies.
//!
//! The binary (`planeguard-loadtest sink|gen|compare`) is a thin shell over
//! this library so that the tests drive the same code over real loopback
//! sockets:
//!
//! * [`sink`]: an OTLP receiver (gRPC and HTTP, protobuf and JSON, gzip) that
//!   counts records and bytes per signal and checks every payload for the
//!   canaries the generator planted; fault modes for failure tests.
//! * [`gen`]: closed-loop and open-loop load (OTLP or plain HTTP POSTs) with
//!   latency histograms corrected for coordinated omission.
//! * [`compare`]: interleaved rounds direct / planeguard / nginx / haproxy with
//!   the proxy pinned to its own core, proxy CPU time and RSS from `/proc`,
//!   a table, JSON and an SVG chart.
#![forbid(unsafe_code)]

pub mod canary;
pub mod compare;
pub mod corpus;
pub mod gen;
mod h1io;
pub mod otlp;
pub mod sink;
pub mod wire;

/// Load is only ever sent to loopback: a mistyped address must not turn a
/// benchmark into traffic against someone else's host.
pub fn ensure_loopback(addr: std::net::SocketAddr) -> Result<(), String> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(format!(
            "{addr} is not a loopback address: load tests only send to 127.0.0.0/8 or ::1"
        ))
    }
}
