//! End to end over loopback, with crafted raw bytes: metadata-plane query
//! admission (PROXY v2 from trusted load balancers, private endpoint ids,
//! route allowlist on normalized paths, smuggling shapes, JWT roles, the
//! kill switch) in front of a recording upstream, and the direct listener.
//!
//! Every refusal is also checked on the upstream side: a refused connection or
//! request must not cause a single upstream connection.

mod admission;
