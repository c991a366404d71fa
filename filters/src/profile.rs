//! The plain-data description of what a destination may receive.
//!
//! `config/` builds a [`Profile`] from YAML; this crate never reads files itself.

/// How values are treated by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// Values of keys not in `allow_keys` are redacted; free text goes through the detectors.
    #[default]
    Strict,
    /// Only deny/hash/feature key rules and detectors apply; other values pass.
    Detect,
    /// Nothing is removed (the customer's own backends). Input is still validated.
    Passthrough,
}

/// What happens to a detected value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Action {
    /// Replace with `[REDACTED:<detector>]`.
    #[default]
    Redact,
    /// Replace with `hmac:<16 hex>` (keyed HMAC-SHA256, truncated).
    Hash,
    /// Keep the last four characters: `****1234`.
    Mask,
    /// Remove the whole record (log record, span, data point); reported as partial success.
    DropRecord,
}

/// A detector defined in configuration by a regular expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomDetector {
    pub name: String,
    pub regex: String,
    /// Overrides the profile's `on_match` for this detector.
    pub action: Option<Action>,
}

/// Limits that bound the work spent on one payload (fail closed beyond them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of AnyValue arrays/kvlists.
    pub max_value_depth: u32,
    /// Maximum size of one string or bytes value.
    pub max_string_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // 24 nested arrays/kvlists stay within the 100-message recursion limit
            // of common protobuf decoders (prost, the Go and Java runtimes), so a
            // payload planeguard accepts is one the destination can read.
            max_value_depth: 24,
            max_string_bytes: 4 * 1024 * 1024,
        }
    }
}

/// A scrubbing profile: plain data, compiled by [`crate::Scrubber::new`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Profile {
    pub mode: Mode,
    /// Glob patterns (`*` matches any run, including dots) of keys whose values may pass.
    pub allow_keys: Vec<String>,
    /// Keys whose values are always redacted (beats allow).
    pub deny_keys: Vec<String>,
    /// Keys whose values are replaced by their keyed hash.
    pub hash_keys: Vec<String>,
    /// Key for `hash` actions; required when `hash_keys` is set or any action is `hash`.
    pub hash_key: Option<Vec<u8>>,
    /// Built-in detector names; `None` = every built-in detector.
    pub detectors: Option<Vec<String>>,
    /// Feature namespaces whose values never leave (`user.*`).
    pub features: Vec<String>,
    pub custom: Vec<CustomDetector>,
    /// Default action for detector matches.
    pub on_match: Action,
    /// Per-detector action overrides, by detector name.
    pub actions: Vec<(String, Action)>,
    pub limits: Limits,
}

impl Profile {
    /// The strict default profile: every detector, nothing allowed but operational keys.
    pub fn strict_default() -> Self {
        Self {
            mode: Mode::Strict,
            allow_keys: DEFAULT_ALLOW_KEYS.iter().map(|s| s.to_string()).collect(),
            deny_keys: DEFAULT_DENY_KEYS.iter().map(|s| s.to_string()).collect(),
            ..Self::default()
        }
    }

    /// A profile that removes nothing.
    pub fn passthrough() -> Self {
        Self {
            mode: Mode::Passthrough,
            ..Self::default()
        }
    }
}

/// Operational keys that carry no customer data in a well-behaved deployment.
/// Their values still pass through the detectors.
pub const DEFAULT_ALLOW_KEYS: &[&str] = &[
    "service.*",
    "telemetry.*",
    "host.name",
    "host.arch",
    "os.type",
    "process.runtime.*",
    "process.pid",
    "k8s.*",
    "container.*",
    "cloud.*",
    "deployment.environment*",
    "resolver.*",
    "feature_set",
    "latency_ms",
    "duration_ms",
    "error.type",
    "exception.type",
    "exception.message",
    "exception.stacktrace",
    "code.*",
    "thread.*",
    "http.request.method",
    "http.method",
    "http.route",
    "http.response.status_code",
    "http.status_code",
    "rpc.*",
    "db.system",
    "db.operation*",
    "messaging.system",
    "messaging.operation*",
    "otel.*",
    "log.*",
    "event.*",
    "status",
    "level",
    "severity",
    "query.id",
    "query.name",
    "operation",
    "component",
];

/// Keys that name secrets; always redacted.
pub const DEFAULT_DENY_KEYS: &[&str] = &[
    "*password*",
    "*passwd*",
    "*secret*",
    "*token*",
    "*api_key*",
    "*apikey*",
    "*authorization*",
    "*cookie*",
    "*credential*",
    "*private_key*",
];
