//! The comparison's scenarios and the listener group each one needs.

use std::net::SocketAddr;
use std::time::Duration;

use planeguard_filters::Signal;
use serde::Serialize;

use crate::corpus::CorpusArgs;
use crate::gen::{GenConfig, Protocol};

/// What a target must listen for. Each group is a separate listener (and,
/// for planeguard, a separate process, so that one failing to start does not
/// take the others down).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    /// Plain HTTP/1.1 reverse proxying to the sink.
    Plain,
    /// OTLP/HTTP in (planeguard: scrubbed, exported as http/protobuf).
    OtlpHttp,
    /// OTLP/gRPC in (planeguard: scrubbed, exported as grpc).
    OtlpGrpc,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::Plain, Group::OtlpHttp, Group::OtlpGrpc];

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Plain => "plain",
            Group::OtlpHttp => "otlp-http",
            Group::OtlpGrpc => "otlp-grpc",
        }
    }

    pub fn is_otlp(self) -> bool {
        self != Group::Plain
    }
}

/// One measured workload.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Scenario {
    pub id: &'static str,
    pub title: &'static str,
    pub group: Group,
    /// Plain HTTP body size.
    pub size: usize,
    pub gzip: bool,
}

pub const SCENARIOS: [Scenario; 6] = [
    Scenario {
        id: "plain-4k",
        title: "plain HTTP/1.1 POST, 4 KiB",
        group: Group::Plain,
        size: 4096,
        gzip: false,
    },
    Scenario {
        id: "plain-64k",
        title: "plain HTTP/1.1 POST, 64 KiB",
        group: Group::Plain,
        size: 65536,
        gzip: false,
    },
    Scenario {
        id: "otlp-http-logs",
        title: "OTLP/HTTP protobuf logs, strict profile",
        group: Group::OtlpHttp,
        size: 0,
        gzip: false,
    },
    Scenario {
        id: "otlp-http-logs-gzip",
        title: "OTLP/HTTP protobuf logs, gzip, strict profile",
        group: Group::OtlpHttp,
        size: 0,
        gzip: true,
    },
    Scenario {
        id: "otlp-grpc-logs",
        title: "OTLP/gRPC logs, strict profile",
        group: Group::OtlpGrpc,
        size: 0,
        gzip: false,
    },
    Scenario {
        id: "otlp-grpc-logs-gzip",
        title: "OTLP/gRPC logs, gzip, strict profile",
        group: Group::OtlpGrpc,
        size: 0,
        gzip: true,
    },
];

/// Load shape shared by every run of one comparison.
#[derive(Clone, Debug, Serialize)]
pub struct Load {
    pub corpus: CorpusArgs,
    pub plain_connections: usize,
    pub otlp_connections: usize,
    /// Open-loop rate of the latency phase, plain scenarios.
    pub plain_rate: f64,
    /// Open-loop rate of the latency phase, OTLP scenarios.
    pub otlp_rate: f64,
    #[serde(serialize_with = "secs")]
    pub warmup: Duration,
    /// Closed-loop (throughput) phase.
    #[serde(serialize_with = "secs")]
    pub duration: Duration,
    /// Open-loop (latency) phase per target and round; zero = latency from
    /// the closed-loop phase.
    #[serde(serialize_with = "secs")]
    pub latency_duration: Duration,
    /// The latency phase runs in this many slices per round, the targets
    /// taking turns slice by slice (in rotated order): the host's slow
    /// spells, which move a proxy's p99 by up to 2x between runs of
    /// seconds, then fall on every target alike instead of on whichever
    /// ran at the time.
    pub latency_slices: usize,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl Scenario {
    /// The closed-loop generator run of this scenario against `target`.
    pub fn throughput(&self, target: SocketAddr, load: &Load) -> GenConfig {
        let mut g = GenConfig::new(
            target,
            match self.group {
                Group::Plain => Protocol::Http,
                Group::OtlpHttp => Protocol::OtlpHttp,
                Group::OtlpGrpc => Protocol::OtlpGrpc,
            },
        );
        g.signal = Signal::Logs;
        g.gzip = self.gzip;
        g.size = self.size;
        g.corpus = load.corpus;
        g.connections = if self.group.is_otlp() {
            load.otlp_connections
        } else {
            load.plain_connections
        };
        g.warmup = load.warmup;
        g.duration = load.duration;
        g
    }

    /// One slice of the open-loop latency phase, if the load has one.
    pub fn latency_slice(&self, target: SocketAddr, load: &Load) -> Option<GenConfig> {
        if load.latency_duration.is_zero() {
            return None;
        }
        let mut g = self.throughput(target, load);
        g.rate = Some(if self.group.is_otlp() {
            load.otlp_rate
        } else {
            load.plain_rate
        });
        g.duration = load.latency_duration / load.latency_slices.max(1) as u32;
        // New connections each slice: long enough for every connection to
        // have sent a few requests before the window opens.
        g.warmup = load.warmup.min(SLICE_WARMUP);
        Some(g)
    }
}

/// Warm-up of each latency slice (at most the load's warm-up).
const SLICE_WARMUP: Duration = Duration::from_millis(250);

#[cfg(test)]
mod tests {
    use super::*;

    /// The full run's load, with another latency phase.
    fn load(latency: Duration, slices: usize) -> Load {
        let mut load = crate::compare::CompareConfig::full().load;
        load.latency_duration = latency;
        load.latency_slices = slices;
        load
    }

    #[test]
    fn the_latency_phase_is_split_into_slices() {
        let to = SocketAddr::from(([127, 0, 0, 1], 9));
        let plain = SCENARIOS[0];
        let g = plain
            .latency_slice(to, &load(Duration::from_secs(5), 5))
            .expect("a latency phase");
        assert_eq!(g.duration, Duration::from_secs(1));
        assert_eq!(g.warmup, SLICE_WARMUP);
        assert_eq!(g.rate, Some(4000.0));
        assert_eq!(g.connections, 32);
        let otlp = SCENARIOS[2];
        let g = otlp
            .latency_slice(to, &load(Duration::from_secs(3), 0))
            .expect("zero slices count as one");
        assert_eq!((g.duration, g.rate), (Duration::from_secs(3), Some(400.0)));
        assert!(plain.latency_slice(to, &load(Duration::ZERO, 5)).is_none());
    }
}
