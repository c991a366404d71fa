//! planeguard: sidecar proxy and egress gateway.
pub mod admission;
pub mod cli {
    pub fn main() {}
}
