//! Exporters: one bounded queue and retry loop per destination, so a slow or
//! dead backend never stalls another.

pub mod batch;
pub mod client;
pub mod debug;
pub mod destination;
pub mod otlp;
pub mod queue;
pub mod retry;
pub mod transcode;

pub use destination::{Boundary, Destination, DestinationSpec, Protocol};
