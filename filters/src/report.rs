//! What one scrub call did: counts only, never values.

use crate::detect::DetectorId;

/// Where in an OTLP payload a value was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Location {
    ResourceAttribute,
    ScopeName,
    ScopeAttribute,
    SchemaUrl,
    EntityRef,
    AttributeKey,
    LogBody,
    LogAttribute,
    LogSeverityText,
    LogEventName,
    SpanName,
    SpanAttribute,
    SpanTraceState,
    SpanEventName,
    SpanEventAttribute,
    SpanLinkAttribute,
    SpanLinkTraceState,
    SpanStatusMessage,
    MetricName,
    MetricDescription,
    MetricUnit,
    MetricMetadata,
    DataPointAttribute,
    ExemplarAttribute,
}

impl Location {
    pub const ALL: [Location; 24] = [
        Self::ResourceAttribute,
        Self::ScopeName,
        Self::ScopeAttribute,
        Self::SchemaUrl,
        Self::EntityRef,
        Self::AttributeKey,
        Self::LogBody,
        Self::LogAttribute,
        Self::LogSeverityText,
        Self::LogEventName,
        Self::SpanName,
        Self::SpanAttribute,
        Self::SpanTraceState,
        Self::SpanEventName,
        Self::SpanEventAttribute,
        Self::SpanLinkAttribute,
        Self::SpanLinkTraceState,
        Self::SpanStatusMessage,
        Self::MetricName,
        Self::MetricDescription,
        Self::MetricUnit,
        Self::MetricMetadata,
        Self::DataPointAttribute,
        Self::ExemplarAttribute,
    ];
    pub const COUNT: usize = Self::ALL.len();

    /// Stable label for metrics and reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ResourceAttribute => "resource.attributes",
            Self::ScopeName => "scope.name",
            Self::ScopeAttribute => "scope.attributes",
            Self::SchemaUrl => "schema_url",
            Self::EntityRef => "resource.entity_refs",
            Self::AttributeKey => "attribute.key",
            Self::LogBody => "log.body",
            Self::LogAttribute => "log.attributes",
            Self::LogSeverityText => "log.severity_text",
            Self::LogEventName => "log.event_name",
            Self::SpanName => "span.name",
            Self::SpanAttribute => "span.attributes",
            Self::SpanTraceState => "span.trace_state",
            Self::SpanEventName => "span.event.name",
            Self::SpanEventAttribute => "span.event.attributes",
            Self::SpanLinkAttribute => "span.link.attributes",
            Self::SpanLinkTraceState => "span.link.trace_state",
            Self::SpanStatusMessage => "span.status.message",
            Self::MetricName => "metric.name",
            Self::MetricDescription => "metric.description",
            Self::MetricUnit => "metric.unit",
            Self::MetricMetadata => "metric.metadata",
            Self::DataPointAttribute => "datapoint.attributes",
            Self::ExemplarAttribute => "exemplar.attributes",
        }
    }
}

/// Why a value was replaced: a detector, or a key rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    Detector(DetectorId),
    /// Strict mode: the key is not in `allow_keys`.
    KeyNotAllowed,
    /// The key matches `deny_keys`.
    DeniedKey,
    /// The key matches `hash_keys`.
    HashedKey,
}

/// Counts for one scrub call. Reusable: [`Report::clear`] keeps the allocation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Records seen (log records, spans, metric data points).
    pub records_in: u64,
    /// Records written out.
    pub records_out: u64,
    /// Records removed by a `drop_record` action.
    pub dropped_records: u64,
    /// Fields not in the OTLP schema, removed under a scrubbing profile.
    pub unknown_fields_dropped: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// `[reason slot][location]` counts; see [`Report::redactions`].
    counts: Vec<u32>,
}

/// Reason slots after the detector ids.
const KEY_REASONS: usize = 3;

impl Report {
    pub fn clear(&mut self) {
        let counts = std::mem::take(&mut self.counts);
        *self = Self {
            counts,
            ..Self::default()
        };
        self.counts.iter_mut().for_each(|c| *c = 0);
    }

    fn slot(reason: Reason, detector_count: usize) -> usize {
        match reason {
            Reason::Detector(id) => id as usize,
            Reason::KeyNotAllowed => detector_count,
            Reason::DeniedKey => detector_count + 1,
            Reason::HashedKey => detector_count + 2,
        }
    }

    pub(crate) fn count(&mut self, reason: Reason, location: Location, detector_count: usize) {
        let needed = Self::slot_count(detector_count);
        if self.counts.len() < needed {
            self.counts.resize(needed, 0);
        }
        let i = Self::slot(reason, detector_count) * Location::COUNT + location as usize;
        self.counts[i] = self.counts[i].saturating_add(1);
    }

    /// Number of (reason, location) slots of a scrubber with `detector_count`
    /// detectors: the range of the slot indexes of [`Report::redaction_slots`].
    pub fn slot_count(detector_count: usize) -> usize {
        (detector_count + KEY_REASONS) * Location::COUNT
    }

    /// Every non-zero count: (reason, location, count).
    /// `detector_count` is the scrubber's [`crate::Scrubber::detector_count`].
    pub fn redactions(
        &self,
        detector_count: usize,
    ) -> impl Iterator<Item = (Reason, Location, u32)> + '_ {
        self.redaction_slots(detector_count)
            .map(|(_, reason, location, n)| (reason, location, n))
    }

    /// [`Report::redactions`] with each count's slot index, the same for
    /// every report of one scrubber (below [`Report::slot_count`]), so a
    /// caller can keep per-slot state such as metric handles.
    pub fn redaction_slots(
        &self,
        detector_count: usize,
    ) -> impl Iterator<Item = (usize, Reason, Location, u32)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(move |(i, c)| {
                let slot = i / Location::COUNT;
                let location = Location::ALL[i % Location::COUNT];
                let reason = match slot.checked_sub(detector_count) {
                    None => Reason::Detector(slot as DetectorId),
                    Some(0) => Reason::KeyNotAllowed,
                    Some(1) => Reason::DeniedKey,
                    Some(_) => Reason::HashedKey,
                };
                (i, reason, location, *c)
            })
    }

    /// Total number of replaced values.
    pub fn total_redactions(&self) -> u64 {
        self.counts.iter().map(|c| u64::from(*c)).sum()
    }

    /// Adds another report's counts into this one.
    pub fn merge(&mut self, other: &Report) {
        self.records_in += other.records_in;
        self.records_out += other.records_out;
        self.dropped_records += other.dropped_records;
        self.unknown_fields_dropped += other.unknown_fields_dropped;
        self.bytes_in += other.bytes_in;
        self.bytes_out += other.bytes_out;
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a = a.saturating_add(*b);
        }
    }
}
