//! Limits and logging settings.

use std::time::Duration;

use super::Checker;
use crate::model::Config;
use crate::path::KeyPath;

const LEVELS: &[&str] = &["trace", "debug", "info", "warn", "error", "off"];

pub(super) fn check(config: &Config, c: &mut Checker<'_>) {
    let otlp = &config.otlp;
    if otlp.max_request_bytes == 0 {
        c.error(
            KeyPath::keys(&["otlp", "max_request_bytes"]),
            "must be greater than 0",
        );
    }
    if otlp.max_header_bytes < 1024 {
        c.error(
            KeyPath::keys(&["otlp", "max_header_bytes"]),
            "must be at least 1KiB: smaller cannot hold ordinary request headers",
        );
    }
    if otlp.header_read_timeout == Duration::ZERO {
        c.error(
            KeyPath::keys(&["otlp", "header_read_timeout"]),
            "must be greater than 0s",
        );
    }
    if otlp.max_connections == 0 {
        c.error(
            KeyPath::keys(&["otlp", "max_connections"]),
            "must be greater than 0",
        );
    }
    check_log_level(&config.telemetry.log_level, c);
}

/// Accepts `info` or `info,planeguard::export=debug` style filters.
fn check_log_level(filter: &str, c: &mut Checker<'_>) {
    let path = KeyPath::keys(&["telemetry", "log_level"]);
    if filter.trim().is_empty() {
        c.error(path, "must not be empty").allowed = owned(LEVELS);
        return;
    }
    for directive in filter.split(',').map(str::trim) {
        let level = directive.rsplit_once('=').map_or(directive, |(_, l)| l);
        if !LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
            let p = c.error(
                path.clone(),
                format!("`{directive}` does not end in a log level"),
            );
            p.suggestion = crate::suggest::closest(level, LEVELS.iter().copied());
            p.allowed = owned(LEVELS);
        }
    }
}

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}
