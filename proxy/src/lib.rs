//! planeguard: sidecar proxy and egress gateway that keeps customer data inside
//! the customer's cloud. See the README for the picture; each module owns one concern.
#![forbid(unsafe_code)]

pub mod admin;
pub mod admission;
pub mod app;
pub mod base64;
pub mod cli;
mod delegate;
pub mod egress;
pub mod export;
pub mod idle;
pub mod otlp;
pub mod pipeline;
pub mod server;
pub mod telemetry;
