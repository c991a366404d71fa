//! Admission for the metadata-plane listener: the pure, sans-IO pieces.
//!
//! A connection from the metadata plane arrives through a cloud load balancer that prepends a
//! PROXY protocol header naming the private endpoint it came through. Before a single byte is
//! forwarded, the listener must (1) parse that header ([`proxy_protocol`]), (2) trust it only from
//! the load balancer's subnets and only for allowed endpoint ids ([`proxy_protocol::policy`]), and
//! (3) admit only allowlisted routes, matched on a normalized path so that encoding tricks cannot
//! reach a route the allowlist never named ([`path`]); bearer tokens are checked by [`jwt`].
//!
//! Nothing here touches a socket or a clock: the listener feeds bytes in and acts on the verdicts,
//! which keeps every rule unit-testable and fuzzable.
pub mod audit;
pub mod fast;
pub mod forward;
pub mod framing;
pub mod h1pool;
pub mod h1wire;
pub mod jwt;
pub mod listener;
pub mod path;
pub mod proxy_protocol;
pub mod rawpool;
pub mod rewind;
pub mod service;
pub mod tls;
