//! The request bodies the generator sends and the canaries the sink looks for,
//! both derived from the same [`CorpusArgs`], so a sink started with the same
//! arguments as the generator knows every planted value without being told.

use bytes::Bytes;
use planeguard_filters::corpus::{self, Canary, CorpusConfig};
use planeguard_filters::{Encoding, Signal};
use serde::Serialize;

use crate::canary::CanaryIndex;
use crate::wire;

/// What the generator's corpus looks like. Defaults match the corpus of the
/// filters benchmarks: 100 records per request of about 300 bytes each.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CorpusArgs {
    pub seed: u64,
    /// Records per request (`--batch`).
    pub batch: usize,
    /// Share of records carrying a canary.
    pub pii_share: f64,
    /// Distinct requests generated per signal; the generator cycles through
    /// them. Bounded so that building the pool and the sink's needle set stay
    /// cheap.
    pub pool: usize,
}

impl Default for CorpusArgs {
    fn default() -> Self {
        let c = CorpusConfig::default();
        Self {
            seed: c.seed,
            batch: c.records_per_request,
            pii_share: c.pii_share,
            pool: 32,
        }
    }
}

impl CorpusArgs {
    /// The filters crate's config for these arguments.
    pub fn config(&self) -> CorpusConfig {
        CorpusConfig {
            seed: self.seed,
            records_per_request: self.batch.max(1),
            pii_share: self.pii_share,
            ..CorpusConfig::default()
        }
    }

    /// The `pool` batches of `signal`.
    pub fn batches(&self, signal: Signal) -> Vec<corpus::Batch> {
        corpus::batches(&self.config(), signal, self.pool.max(1) as u64)
    }

    /// Every canary planted in the pool of `signal`.
    pub fn canaries(&self, signal: Signal) -> Vec<Canary> {
        self.batches(signal)
            .into_iter()
            .flat_map(|b| b.canaries)
            .collect()
    }
}

/// One request body, ready to send.
#[derive(Clone, Debug)]
pub struct Payload {
    pub body: Bytes,
    /// Records in it (0 for plain HTTP bodies).
    pub records: usize,
    /// Canaries planted in it.
    pub canaries: usize,
}

/// How an OTLP payload travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// OTLP/HTTP: the message itself (optionally gzip-compressed).
    Http,
    /// OTLP/gRPC: one length-prefixed message (compressed flag set with gzip).
    Grpc,
}

/// The pool of OTLP request bodies for `signal`, pre-encoded (and
/// pre-compressed) so that the generator spends its CPU on sending only.
pub fn otlp_pool(
    args: &CorpusArgs,
    signal: Signal,
    encoding: Encoding,
    gzip: bool,
    framing: Framing,
) -> Vec<Payload> {
    args.batches(signal)
        .into_iter()
        .map(|b| {
            let raw = b.payload(encoding);
            let msg = if gzip { wire::gzip(raw) } else { raw.to_vec() };
            let body = match framing {
                Framing::Http => Bytes::from(msg),
                Framing::Grpc => wire::grpc_frame(&msg, gzip),
            };
            Payload {
                body,
                records: b.records,
                canaries: b.canaries.len(),
            }
        })
        .collect()
}

/// A plain HTTP body of exactly `size` bytes (printable filler, no canaries).
pub fn plain_body(size: usize) -> Payload {
    const FILLER: &[u8] = b"planeguard-loadtest plain body 0123456789abcdefghijklmnopqrstuvwxyz\n";
    let body: Vec<u8> = FILLER.iter().copied().cycle().take(size).collect();
    Payload {
        body: Bytes::from(body),
        records: 0,
        canaries: 0,
    }
}

/// Canary indexes per signal, for the sink.
#[derive(Debug, Default)]
pub struct CanaryBook {
    indexes: [CanaryIndex; 3],
}

impl CanaryBook {
    /// Indexes of every canary planted in the pools of `args`.
    pub fn new(args: &CorpusArgs) -> Self {
        Self {
            indexes: Signal::ALL.map(|s| CanaryIndex::new(&args.canaries(s))),
        }
    }

    /// A book that finds nothing (canary checks off).
    pub fn empty() -> Self {
        Self::default()
    }

    pub fn for_signal(&self, signal: Signal) -> &CanaryIndex {
        &self.indexes[signal.index()]
    }

    /// Total distinct canaries known.
    pub fn len(&self) -> usize {
        self.indexes.iter().map(CanaryIndex::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
