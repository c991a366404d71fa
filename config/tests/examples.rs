//! Every example in config/examples/ loads and validates; the embedded default is the
//! safe loopback configuration it claims to be.

use std::path::PathBuf;

use planeguard_config::{Boundary, Config, DebugTarget, Protocol, Signal, EMBEDDED_DEFAULT_YAML};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

fn load(name: &str) -> Config {
    match Config::load(example(name)) {
        Ok(c) => c,
        Err(e) => panic!("{name} does not load:\n{e}"),
    }
}

#[test]
fn every_example_loads_and_validates() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "customer-only.yaml",
            "default.yaml",
            "gateway.yaml",
            "restricted.yaml",
            "sidecar.yaml"
        ]
    );
    for name in &names {
        load(name);
    }
}

#[test]
fn embedded_default_is_the_default_example() {
    let embedded = Config::embedded_default().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(embedded, load("default.yaml"));
    let on_disk = std::fs::read_to_string(example("default.yaml")).unwrap_or_default();
    assert_eq!(EMBEDDED_DEFAULT_YAML, on_disk);
}

#[test]
fn embedded_default_is_loopback_strict_stdout_and_closed() {
    let c = Config::embedded_default().unwrap_or_else(|e| panic!("{e}"));
    for l in c.listeners() {
        assert!(l.addr.ip().is_loopback(), "{} on {}", l.path, l.addr);
    }
    assert_eq!(c.admin.listen.to_string(), "127.0.0.1:9901");
    assert_eq!(c.otlp.grpc.listen.to_string(), "127.0.0.1:4317");
    assert_eq!(c.otlp.http.listen.to_string(), "127.0.0.1:4318");
    assert!(c.admission.is_none());
    assert!(c.admission_active().is_none());
    assert!(!c.flows.query_execution.enabled);
    for signal in Signal::ALL {
        let dests = c.destinations_for(signal);
        assert_eq!(dests.len(), 1, "{signal:?}");
        let (_, d) = dests[0];
        assert_eq!(d.protocol, Protocol::Debug);
        assert_eq!(d.debug_target(), Some(DebugTarget::Stdout));
        assert_eq!(d.boundary(), Boundary::Local);
        let profile = &c.profiles[&d.profile];
        assert_eq!(profile.mode, planeguard_config::ProfileMode::Strict);
    }
}

#[test]
fn sidecar_example_has_what_its_comments_say() {
    let c = load("sidecar.yaml");
    let a = c
        .admission_active()
        .unwrap_or_else(|| panic!("admission should be active"));
    assert_eq!(a.endpoints.aws, ["vpce-0a1b2c3d4e5f60718"]);
    assert_eq!(a.trusted_sources[0].to_string(), "10.0.64.0/20");
    assert!(a.routes[1].matches("GET", "/v1/query/plans/42"));
    assert!(!a.routes[0].matches("GET", "/v1/query/online"));
    assert_eq!(
        c.destinations["metadata-plane"].boundary(),
        Boundary::MetadataPlane
    );
    assert_eq!(c.destinations["datadog"].boundary(), Boundary::Customer);
    // File secrets are resolved relative to the example's directory, one newline trimmed.
    assert_eq!(
        c.destinations["datadog"].headers["dd-api-key"].expose(),
        "example-datadog-api-key"
    );
    assert_eq!(
        c.destinations["metadata-plane"].headers["authorization"].expose(),
        "Bearer example-metadata-plane-token"
    );
    assert_eq!(
        c.profiles["metadata-plane"].action_for("order_id"),
        planeguard_config::Action::Hash
    );
    assert_eq!(
        c.profiles["metadata-plane"].action_for("email"),
        planeguard_config::Action::Redact
    );
}

#[test]
fn gateway_example_allows_only_its_list() {
    let c = load("gateway.yaml");
    let e = c
        .egress
        .as_ref()
        .unwrap_or_else(|| panic!("egress missing"));
    assert!(e.permits("123456789012.dkr.ecr.us-east-1.amazonaws.com", 443));
    assert!(e.permits("otel.metadata.example.com", 4317));
    assert!(!e.permits("otel.metadata.example.com", 443));
    assert!(!e.permits("example.org", 443));
    assert!(!e.permits("metadata.google.internal", 80));
    assert!(!c.otlp.grpc.enabled && !c.otlp.http.enabled);
    assert!(c
        .listeners()
        .iter()
        .all(|l| l.path.to_string() != "otlp.grpc.listen"));
}
