//! planeguard: sidecar proxy and egress gateway.
pub mod cli {
    pub fn main() {}
}
