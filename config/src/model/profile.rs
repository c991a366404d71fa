//! `profiles`: what is removed from telemetry before it goes to a destination.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// The built-in detector names (they mirror `planeguard-filters`; a test in the proxy,
/// `app::convert`, checks that the two lists agree). `detectors`, `actions` and custom detector names are checked against it.
pub const BUILTIN_DETECTORS: &[&str] = &[
    "email",
    "credit_card",
    "us_ssn",
    "phone",
    "iban",
    "ipv4",
    "ipv6",
    "jwt",
    "aws_access_key_id",
    "aws_secret_access_key",
    "bearer_token",
    "url_credentials",
    "url_secret",
    "person_name",
    "feature_value",
    "api_key",
    "private_key",
    "date_of_birth",
];

/// `profiles.*.mode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileMode {
    /// Values of keys not in `allow_keys` are redacted; detectors run on what is kept.
    /// The default: what is not known to be safe does not leave.
    #[default]
    Strict,
    /// Every value is kept unless a detector, `deny_keys` or `features` matches it.
    Detect,
    /// Nothing is removed (the customer's own backends).
    Passthrough,
}

impl ProfileMode {
    /// The name used in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileMode::Strict => "strict",
            ProfileMode::Detect => "detect",
            ProfileMode::Passthrough => "passthrough",
        }
    }
}

/// What happens to a value a detector or key rule matched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Replace the match with `[REDACTED:<detector>]`. The default.
    #[default]
    Redact,
    /// Replace the match with `hmac:<16 hex>` keyed by `hash_key` (joinable, not reversible).
    Hash,
    /// Keep only the last 4 characters: `****1234`.
    Mask,
    /// Drop the whole log record, span or data point.
    DropRecord,
}

/// `profiles.*.custom[]`: a detector defined by a regular expression.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomDetector {
    /// Name used in `[REDACTED:<name>]`, in `actions` and in reports.
    pub name: String,
    /// The pattern (Rust `regex` syntax); compiled by the proxy at load time.
    pub regex: String,
    /// Overrides `on_match` for this detector.
    #[serde(default)]
    pub action: Option<Action>,
}

/// `profiles.<name>`: one scrubbing policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileConfig {
    /// `strict` (default), `detect` or `passthrough`.
    pub mode: ProfileMode,
    /// Attribute keys whose values may pass (strict mode); `*` globs (`http.*`).
    pub allow_keys: Vec<String>,
    /// Attribute keys whose values are always removed; beats `allow_keys`.
    pub deny_keys: Vec<String>,
    /// Attribute keys whose values are replaced by their keyed hash (needs `hash_key`).
    pub hash_keys: Vec<String>,
    /// The HMAC key for `hash` actions and `hash_keys`. A secret reference.
    pub hash_key: Option<Secret>,
    /// Built-in detectors to run; omitted (`None`) = every built-in detector.
    pub detectors: Option<Vec<String>>,
    /// Feature namespaces (`user.*`) whose values never leave, wherever they appear.
    pub features: Vec<String>,
    /// Extra detectors from regular expressions.
    pub custom: Vec<CustomDetector>,
    /// Action for matches without an override. Default `redact`.
    pub on_match: Action,
    /// Per-detector overrides: `{credit_card: mask}`.
    pub actions: BTreeMap<String, Action>,
}

impl ProfileConfig {
    /// The built-in detectors this profile runs (every one when `detectors` is omitted).
    pub fn builtin_detectors(&self) -> Vec<&str> {
        match &self.detectors {
            Some(list) => list.iter().map(String::as_str).collect(),
            None => BUILTIN_DETECTORS.to_vec(),
        }
    }

    /// The action for a detector's matches: its `actions` override, a custom detector's own
    /// `action`, else `on_match`.
    pub fn action_for(&self, detector: &str) -> Action {
        if let Some(a) = self.actions.get(detector) {
            return *a;
        }
        self.custom
            .iter()
            .find(|c| c.name == detector)
            .and_then(|c| c.action)
            .unwrap_or(self.on_match)
    }

    /// True if anything in the profile produces keyed hashes (so `hash_key` is needed).
    pub fn uses_hash(&self) -> bool {
        self.mode != ProfileMode::Passthrough
            && (!self.hash_keys.is_empty()
                || self.on_match == Action::Hash
                || self.actions.values().any(|a| *a == Action::Hash)
                || self.custom.iter().any(|c| c.action == Some(Action::Hash)))
    }
}
