//! planeguard's own logs (tracing) and metrics (Prometheus text on the admin port).

pub mod metrics;
pub mod scrub_metrics;

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static PROMETHEUS: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// How often histogram samples are folded into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(1);
/// Name of the thread that does it (`/proc/PID/task/*/comm`, at most 15
/// bytes).
pub const UPKEEP_THREAD: &str = "pg-upkeep";

/// Installs the process-wide metrics recorder once; later calls reuse it.
pub fn prometheus() -> Option<&'static PrometheusHandle> {
    PROMETHEUS
        .get_or_init(|| {
            let buckets = [
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0,
            ];
            let handle = PrometheusBuilder::new()
                .set_buckets(&buckets)
                .ok()?
                .install_recorder()
                .ok()?;
            start_upkeep(handle.clone());
            Some(handle)
        })
        .as_ref()
}

/// The recorder keeps every histogram sample (8 bytes each) until upkeep
/// folds them into buckets; `install_recorder` leaves upkeep to the caller,
/// and scrapes alone do not suffice: a sidecar nobody scrapes grew by 8 bytes
/// per proxied request (about 24 MB in one plain-proxy benchmark run).
/// Folding every second keeps each pass short (a few thousand samples at
/// typical rates) so it never holds the proxy's core for long.
fn start_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name(UPKEEP_THREAD.into())
        .stack_size(64 * 1024)
        .spawn(move || loop {
            std::thread::sleep(UPKEEP_EVERY);
            handle.run_upkeep();
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the metrics upkeep thread; histogram samples are folded only when /metrics is scraped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread_names() -> Vec<String> {
        std::fs::read_dir("/proc/self/task")
            .map(|d| {
                d.flatten()
                    .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
                    .map(|n| n.trim().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn installing_the_recorder_starts_one_upkeep_thread() {
        assert!(prometheus().is_some());
        assert!(prometheus().is_some());
        let n = thread_names()
            .iter()
            .filter(|n| n.as_str() == UPKEEP_THREAD)
            .count();
        assert_eq!(n, 1, "threads: {:?}", thread_names());
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Initializes tracing to stderr (stdout is left to the `debug` destination).
/// `RUST_LOG` overrides `level`. A second call is a no-op.
pub fn init_logging(format: LogFormat, level: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
