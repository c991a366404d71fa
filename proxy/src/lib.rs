//! planeguard: sidecar proxy and egress gateway.
pub mod admission_jwt;
pub mod cli {
    pub fn main() {}
}
