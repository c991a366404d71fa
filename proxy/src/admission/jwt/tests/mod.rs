//! End-to-end tests with real keys: RSA from `testdata/` (ring cannot generate RSA
//! keys), EC and Ed25519 generated per run with ring.

mod fixtures;
mod jwks;
mod validate;
