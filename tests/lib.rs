//! Shared helpers for planeguard end-to-end tests.
