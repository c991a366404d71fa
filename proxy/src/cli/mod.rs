//! Command line: `run`, `check`, `flows`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use planeguard_config::Config;

use crate::telemetry::{self, LogFormat};

#[derive(Debug, Parser)]
#[command(
    name = "planeguard",
    version,
    about = "Keeps feature values and PII inside the customer's cloud: scrubs outbound OTLP telemetry per destination and admits metadata-plane queries only over the VPC endpoint."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the proxy (without --config: the embedded default, loopback only, debug output).
    Run {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Validate a configuration file; errors point at FILE:LINE:COLUMN and the key.
    Check {
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Print the data-flow table for a configuration (what leaves the customer boundary).
    Flows {
        #[arg(long, short)]
        config: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

fn load(path: Option<&PathBuf>) -> Result<Config, String> {
    match path {
        Some(p) => Config::load(p).map_err(|e| e.to_string()),
        None => Config::embedded_default().map_err(|e| e.to_string()),
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { config } => match Config::load(&config) {
            Ok(c) => {
                let flows = c.flow_table();
                println!(
                    "{}: OK ({} profiles, {} destinations, {} flows)",
                    config.display(),
                    c.profiles.len(),
                    c.destinations.len(),
                    flows.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Command::Flows { config, format } => match load(config.as_ref()) {
            Ok(c) => {
                let rows = c.flow_table();
                match format {
                    Format::Text => print!("{}", planeguard_config::render_text(&rows)),
                    Format::Json => println!(
                        "{}",
                        serde_json::to_string_pretty(&rows).unwrap_or_default()
                    ),
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Command::Run { config } => {
            let c = match load(config.as_ref()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::FAILURE;
                }
            };
            let format = match c.telemetry.log_format {
                planeguard_config::LogFormat::Json => LogFormat::Json,
                planeguard_config::LogFormat::Text => LogFormat::Text,
            };
            telemetry::init_logging(format, &c.telemetry.log_level);
            let runtime = match build_runtime() {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(run(c)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!(error = %e, "planeguard failed to start");
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// Runs until SIGTERM or SIGINT, then drains.
/// The async runtime. With a single usable CPU (a sidecar's CPU limit, or a
/// process pinned with taskset) the current-thread scheduler runs every task
/// on the main thread: a one-worker pool would only add work-stealing
/// bookkeeping and cross-thread wake-ups between the worker and the thread
/// blocked in `block_on`, at a measurable cost per proxied request.
fn build_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut builder = if cpus <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    builder.enable_all().build()
}

pub async fn run(config: Config) -> Result<(), String> {
    // Handlers first: "ready" is logged inside `start`, and a SIGTERM sent
    // right after it must drain, not kill the process.
    let signals = ShutdownSignals::install();
    let running = crate::app::start(&config).await?;
    signals.wait().await;
    tracing::info!("shutdown signal received; draining");
    running.shutdown().await;
    Ok(())
}

/// SIGTERM and SIGINT, registered when installed (not when first awaited).
struct ShutdownSignals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl ShutdownSignals {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Self {
                term: signal(SignalKind::terminate()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    async fn wait(self) {
        #[cfg(unix)]
        {
            let (mut term, mut int) = (self.term, self.int);
            let term = async {
                match term.as_mut() {
                    Some(t) => {
                        t.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(i) => {
                        i.recv().await;
                    }
                    // No SIGINT stream: fall back to tokio's portable Ctrl-C.
                    None => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            };
            tokio::select! {
                _ = term => {}
                _ = int => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
