//! Helpers (harness, jwt, proxy_v2, raw) and, by topic, the admission
//! end-to-end tests.
pub mod harness;
pub mod jwt;
pub mod proxy_v2;
pub mod raw;

mod fast_path;
mod framing_audit;
mod http2;
mod jwt_audit;
mod kill_switch;
mod proxy_admitted;
mod proxy_crc;
mod proxy_refused;
mod requests;
mod upstream_h2;
