//! planeguard-config
