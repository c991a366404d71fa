//! The OTLP pipeline: one payload in, scrubbed once per distinct profile,
//! queued for every destination of its signal (all or nothing).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use planeguard_filters::{Encoding, Profile, Report, Scrubber, Signal};

use crate::export::queue::{Item, Reservation};
use crate::export::transcode::transcode;
use crate::export::Destination;
use crate::telemetry::metrics as m;
use crate::telemetry::scrub_metrics::{self as sm, ScrubMetrics};

/// Destinations of one signal that share a profile: scrubbed once for all of them.
#[derive(Debug)]
pub struct ProfileRoute {
    pub profile: Arc<str>,
    pub scrubber: Arc<Scrubber>,
    pub destinations: Vec<Arc<Destination>>,
    /// This profile's redaction counters (registered handles).
    pub metrics: ScrubMetrics,
}

/// What the receiver tells the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Queued for every destination; `rejected` records were withheld by policy.
    Accepted { rejected: u64, message: String },
    /// The payload cannot be parsed or scrubbed: forwarded nowhere; do not retry.
    Invalid(String),
    /// A destination's queue is full: retry after the delay.
    Busy { retry_after: Duration },
    /// Shutting down: retry elsewhere or later.
    Unavailable { retry_after: Duration },
}

#[derive(Debug)]
pub struct Pipeline {
    routes: [Vec<ProfileRoute>; 3],
    /// Validates payloads of signals whose flow is off (they are still checked and counted).
    validator: Scrubber,
    draining: AtomicBool,
}

/// Suggested client delay when a queue is full.
const BUSY_RETRY: Duration = Duration::from_secs(1);

impl Pipeline {
    pub fn new(
        logs: Vec<ProfileRoute>,
        metrics: Vec<ProfileRoute>,
        traces: Vec<ProfileRoute>,
    ) -> Self {
        Self {
            routes: [logs, metrics, traces],
            validator: Scrubber::new(&Profile::passthrough())
                .unwrap_or_else(|_| unreachable!("passthrough always compiles")),
            draining: AtomicBool::new(false),
        }
    }

    pub fn routes(&self, signal: Signal) -> &[ProfileRoute] {
        &self.routes[signal.index()]
    }

    /// Every destination, once.
    pub fn destinations(&self) -> Vec<Arc<Destination>> {
        let mut all: Vec<Arc<Destination>> = Vec::new();
        for d in self.routes.iter().flatten().flat_map(|r| &r.destinations) {
            if !all.iter().any(|x| Arc::ptr_eq(x, d)) {
                all.push(Arc::clone(d));
            }
        }
        all
    }

    /// New requests get `Unavailable` from now on.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Release);
    }

    /// Scrubs and queues one export request.
    pub fn submit(&self, signal: Signal, encoding: Encoding, payload: Bytes) -> Outcome {
        if self.draining.load(Ordering::Acquire) {
            m::rejected(signal, "draining");
            return Outcome::Unavailable {
                retry_after: BUSY_RETRY,
            };
        }
        let routes = &self.routes[signal.index()];
        if routes.is_empty() {
            return match self.validator.validate(signal, encoding, &payload) {
                Ok(r) => {
                    sm::received(signal, r.records_in, payload.len());
                    m::dropped(signal, "-", "flow_disabled", r.records_in);
                    Outcome::Accepted {
                        rejected: 0,
                        message: String::new(),
                    }
                }
                Err(e) => {
                    m::rejected(signal, "invalid_payload");
                    Outcome::Invalid(e.to_string())
                }
            };
        }

        // 1. Scrub once per profile. Any failure: nothing is forwarded anywhere.
        let mut prepared: Vec<(Bytes, Report)> = Vec::with_capacity(routes.len());
        for route in routes {
            let result = if route.scrubber.is_scrubbing() {
                let mut out = Vec::new();
                route
                    .scrubber
                    .scrub(signal, encoding, &payload, &mut out)
                    .map(|r| (Bytes::from(out), r))
            } else {
                route
                    .scrubber
                    .validate(signal, encoding, &payload)
                    .map(|mut r| {
                        r.records_out = r.records_in;
                        (payload.clone(), r)
                    })
            };
            match result {
                Ok((bytes, report)) => {
                    route.metrics.record(signal, &route.scrubber, &report);
                    prepared.push((bytes, report));
                }
                Err(e) => {
                    m::rejected(signal, "invalid_payload");
                    return Outcome::Invalid(e.to_string());
                }
            }
        }
        let records_in = prepared.first().map(|(_, r)| r.records_in).unwrap_or(0);
        sm::received(signal, records_in, payload.len());

        // 2. Payload per destination, in the encoding it speaks (re-encoded at most once per route).
        let mut plan: Vec<(&Arc<Destination>, Bytes, Encoding, u64)> = Vec::new();
        for (route, (bytes, report)) in routes.iter().zip(&prepared) {
            let mut other: Option<Bytes> = None;
            for dest in &route.destinations {
                let want = dest.spec.protocol.encoding().unwrap_or(encoding);
                let body = if want == encoding {
                    bytes.clone()
                } else if let Some(o) = &other {
                    o.clone()
                } else {
                    match transcode(signal, encoding, want, bytes) {
                        Ok(o) => {
                            other = Some(o.clone());
                            o
                        }
                        Err(e) => {
                            m::rejected(signal, "transcode_failed");
                            return Outcome::Invalid(format!(
                                "cannot re-encode for destination `{}`: {e}",
                                dest.name
                            ));
                        }
                    }
                };
                plan.push((dest, body, want, report.records_out));
            }
        }

        // 3. Reserve queue space everywhere first, so a retry never duplicates data.
        let mut reserved: Vec<Reservation<'_>> = Vec::with_capacity(plan.len());
        for (dest, body, _, _) in &plan {
            match dest.queue.try_reserve(body.len()) {
                Some(r) => reserved.push(r),
                None => {
                    m::rejected(signal, "queue_full");
                    m::dropped(signal, &dest.name, "queue_full", records_in);
                    return Outcome::Busy {
                        retry_after: BUSY_RETRY,
                    };
                }
            }
        }

        // 4. Commit.
        let now = std::time::Instant::now();
        for (r, (dest, body, enc, records)) in reserved.into_iter().zip(plan) {
            r.commit(Item {
                signal,
                encoding: enc,
                payload: body,
                records,
                enqueued: now,
                reserved: 0,
            });
            dest.metrics.queue_bytes(dest.queue.used());
        }

        // 5. Records withheld by a drop_record policy are reported as partial success.
        let mut rejected = 0;
        let mut message = String::new();
        for (route, (_, report)) in routes.iter().zip(&prepared) {
            if report.dropped_records > 0 {
                for d in &route.destinations {
                    m::dropped(
                        signal,
                        &d.name,
                        "drop_record_policy",
                        report.dropped_records,
                    );
                }
                if report.dropped_records > rejected {
                    rejected = report.dropped_records;
                    message = format!(
                        "{} record(s) withheld by the drop_record policy of profile `{}`",
                        report.dropped_records, route.profile
                    );
                }
            }
        }
        Outcome::Accepted { rejected, message }
    }
}
