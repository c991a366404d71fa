//! planeguard-config: planeguard's YAML configuration.
//!
//! * [`Config`] and the section types in [`model`] are plain data; the proxy converts a
//!   [`ProfileConfig`] into the filters crate's `Profile` (this crate does not depend on it).
//! * [`Config::load`], [`Config::from_yaml_str`] and [`Config::embedded_default`] parse,
//!   resolve `${env:NAME}` / `${file:/path}` secrets and validate, reporting every problem
//!   as ``FILE:LINE:COLUMN: key path `a.b[2].c`: what is wrong; allowed: ...``.
//! * [`Config::flow_table`] and [`render_text`] show what leaves the customer boundary.
//!
//! YAML parsing uses serde-saphyr (maintained, pure Rust, `Spanned` values with exact
//! line/column for keys and values); key paths and "did you mean" come from this crate's
//! own deserializer over the located tree.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod flow_table;
mod load;
pub mod model;
mod path;
mod secret;
mod suggest;
pub mod units;
mod url;
mod validate;
mod yaml;

pub use error::{ConfigError, Pos, Problem};
pub use flow_table::{render_text, FlowDestination, FlowRow};
pub use load::EMBEDDED_DEFAULT_YAML;
pub use model::admission::{
    AdmissionConfig, DirectConfig, EndpointIds, JwtConfig, ProxyProtocol, Route, ServerTls,
    UpstreamProtocol,
};
pub use model::destination::{
    Boundary, ClientTls, Compression, DebugTarget, DestinationConfig, Protocol, RetryConfig,
};
pub use model::egress::{AllowPattern, DenyPattern, EgressConfig, HostMatch, HostPattern};
pub use model::flows::{FlowsConfig, QueryExecutionFlow, Signal, SignalFlow};
pub use model::profile::{Action, CustomDetector, ProfileConfig, ProfileMode, BUILTIN_DETECTORS};
pub use model::runtime::{
    AdminConfig, LogFormat, OtlpConfig, OtlpGrpcConfig, OtlpHttpConfig, ShutdownConfig,
    TelemetryConfig,
};
pub use model::{Config, ListenerAddr};
pub use path::{KeyPath, Seg};
pub use secret::{Secret, SecretError};
pub use url::{HttpUrl, Scheme};
