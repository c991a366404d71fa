//! Error messages: exact `FILE:LINE:COLUMN: key path `...`: ...` for each kind of mistake.

use planeguard_config::{Config, ConfigError};

fn errors(src: &str) -> Vec<String> {
    match Config::from_yaml_str(src, "cfg.yaml") {
        Ok(_) => panic!("expected an error for:\n{src}"),
        Err(e) => e.problems().iter().map(|p| p.to_string()).collect(),
    }
}

fn one_error(src: &str) -> String {
    let all = errors(src);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.into_iter().next().unwrap_or_default()
}

const BASE: &str =
    "profiles:\n  strict: {}\ndestinations:\n  out: { protocol: debug, profile: strict }\n";

#[test]
fn unknown_key_with_suggestion() {
    let e =
        one_error("admin:\n  listen: 127.0.0.1:9901\notlp:\n  grcp: { listen: 127.0.0.1:4317 }\n");
    assert_eq!(
        e,
        "cfg.yaml:4:3: key path `otlp.grcp`: unknown key `grcp`; did you mean `grpc`?; allowed: grpc, http, max_request_bytes, max_header_bytes, header_read_timeout, idle_timeout, max_connections"
    );
}

#[test]
fn unknown_top_level_key_without_close_match() {
    let e = one_error("zzzzzz: 1\n");
    assert!(
        e.starts_with(
            "cfg.yaml:1:1: key path `zzzzzz`: unknown key `zzzzzz`; allowed: admin, otlp,"
        ),
        "{e}"
    );
    assert!(!e.contains("did you mean"), "{e}");
}

#[test]
fn bad_enum_value_lists_allowed_values() {
    let src = format!("{BASE}  dd:\n    endpoint: https://x.example.com\n    protocol: http/protobf\n    profile: strict\n");
    assert_eq!(
        one_error(&src),
        "cfg.yaml:7:15: key path `destinations.dd.protocol`: unknown value `http/protobf`; did you mean `http/protobuf`?; allowed: grpc, http/protobuf, http/json, debug"
    );
}

#[test]
fn wrong_type() {
    assert_eq!(
        one_error("otlp:\n  max_request_bytes: [1, 2]\n"),
        "cfg.yaml:2:22: key path `otlp.max_request_bytes`: expected a size such as 8388608 or 8MiB, found a list"
    );
    assert_eq!(
        one_error("admin:\n  enabled: \"maybe\"\n"),
        "cfg.yaml:2:12: key path `admin.enabled`: expected true or false, found a string"
    );
    assert_eq!(
        one_error("otlp: 5\n"),
        "cfg.yaml:1:7: key path `otlp`: expected a mapping with keys grpc, http, max_request_bytes, max_header_bytes, header_read_timeout, idle_timeout, max_connections, found an integer"
    );
}

#[test]
fn missing_profile_reference() {
    let src =
        format!("{BASE}  mp:\n    endpoint: https://otel.example.com:4317\n    profile: stict\n");
    assert_eq!(
        one_error(&src),
        "cfg.yaml:7:14: key path `destinations.mp.profile`: no profile named `stict`; did you mean `strict`?; allowed: strict"
    );
}

#[test]
fn missing_required_profile_key() {
    let e = one_error("destinations:\n  mp:\n    endpoint: https://otel.example.com:4317\n");
    assert_eq!(
        e,
        "cfg.yaml:3:5: key path `destinations.mp.profile`: missing required key `profile`"
    );
}

#[test]
fn bad_cidr() {
    let src = "admission:\n  listen: 0.0.0.0:8443\n  trusted_sources: [10.0.64.0/20, 10.0.300.0/24]\n  endpoints: { aws: [vpce-0a1b2c3d] }\n  routes: [{ methods: [POST], path: /q }]\n  upstream: http://127.0.0.1:1337\n";
    assert_eq!(
        one_error(src),
        "cfg.yaml:3:35: key path `admission.trusted_sources[1]`: `10.0.300.0/24` is not a CIDR block (for example 10.0.64.0/20 or fd00::/8)"
    );
}

#[test]
fn bad_duration() {
    assert_eq!(
        one_error("shutdown:\n  drain_timeout: 15 seconds\n"),
        "cfg.yaml:2:18: key path `shutdown.drain_timeout`: `15 seconds` is not a duration; write a number with a unit: ms, s, m or h (for example 10s, 250ms, 2m, 1m30s)"
    );
    assert_eq!(
        one_error("shutdown:\n  drain_timeout: 15\n"),
        "cfg.yaml:2:18: key path `shutdown.drain_timeout`: `15` has no unit; expected a duration such as 10s, 250ms or 2m"
    );
}

#[test]
fn yaml_syntax_error_is_located() {
    let e = one_error("otlp:\n  grpc: { listen: 127.0.0.1:4317\n");
    assert!(e.starts_with("cfg.yaml:2:"), "{e}");
}

#[test]
fn every_structural_problem_is_reported_at_once() {
    let src = "admin: { listen: nope }\notlp: { grpc: { lisen: 1 }, max_header_bytes: true }\nprofiles: { p: { mode: x } }\n";
    assert_eq!(
        errors(src),
        [
            "cfg.yaml:1:18: key path `admin.listen`: `nope` is not an IP:port address (for example 127.0.0.1:4317 or [::]:4317)",
            "cfg.yaml:2:17: key path `otlp.grpc.lisen`: unknown key `lisen`; did you mean `listen`?; allowed: listen, enabled",
            "cfg.yaml:2:47: key path `otlp.max_header_bytes`: expected a size such as 8388608 or 8MiB, found a boolean",
            "cfg.yaml:3:24: key path `profiles.p.mode`: unknown value `x`; allowed: strict, detect, passthrough",
        ]
    );
}

#[test]
fn every_validation_problem_is_reported_at_once() {
    let src = format!(
        "{BASE}flows:\n  logs: {{ to: [out, nowhere] }}\n  metrics: {{ to: [out, out] }}\n  query_execution: {{ enabled: true }}\n"
    );
    assert_eq!(
        errors(&src),
        [
            "cfg.yaml:6:21: key path `flows.logs.to[1]`: no destination named `nowhere`; allowed: out",
            "cfg.yaml:7:24: key path `flows.metrics.to[1]`: destination `out` is listed twice",
            "cfg.yaml:8:31: key path `flows.query_execution.enabled`: query execution needs an `admission` section (listener, trusted sources, endpoints, routes, upstream)",
        ]
    );
}

#[test]
fn listener_clash_points_at_the_written_key() {
    let e = one_error("otlp:\n  grpc:\n    listen: 127.0.0.1:4318\n");
    assert_eq!(
        e,
        "cfg.yaml:3:13: key path `otlp.grpc.listen`: 127.0.0.1:4318 clashes with `otlp.http.listen` (127.0.0.1:4318); every listener needs its own port"
    );
    // Port 0 (ephemeral, used by tests) never clashes.
    let ok = Config::from_yaml_str(
        "admin: {listen: 127.0.0.1:0}\notlp: {grpc: {listen: 127.0.0.1:0}, http: {listen: 127.0.0.1:0}}\n",
        "t",
    );
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn hashing_needs_a_key() {
    let e = one_error("profiles:\n  p:\n    hash_keys: [query.id]\n");
    assert_eq!(
        e,
        "cfg.yaml:3:5: key path `profiles.p.hash_key`: this profile hashes values (hash_keys or a `hash` action) but has no hash_key; add `hash_key: ${file:/etc/planeguard/hmac.key}`"
    );
    let e = one_error(
        "profiles:\n  p:\n    actions: { emial: hash }\n    hash_key: 0123456789abcdef\n",
    );
    assert!(e.starts_with("cfg.yaml:3:16: key path `profiles.p.actions.emial`: no detector named `emial`; did you mean `email`?"), "{e}");
}

#[test]
fn admission_rules() {
    let src = "flows: { query_execution: { enabled: true } }\nadmission:\n  listen: 0.0.0.0:8443\n  trusted_sources: [10.0.64.0/20]\n  endpoints: { aws: [vpce-XYZ], gcp: [18446744073709551615], azure: [4294967295] }\n  jwt: { jwks_file: /j.json, issuer: i, audience: a }\n  routes:\n    - { methods: [post], path: v1/query }\n    - { methods: [], path: /a*b }\n  upstream: ftp://x\n";
    assert_eq!(
        errors(src),
        [
            "cfg.yaml:5:22: key path `admission.endpoints.aws[0]`: `vpce-XYZ` is not a VPC endpoint id (`vpce-` and 8 or 17 lower-case hex digits, e.g. vpce-0a1b2c3d4e5f60718)",
            "cfg.yaml:8:19: key path `admission.routes[0].methods[0]`: unknown method `post`; did you mean `POST`?; allowed: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
            "cfg.yaml:8:32: key path `admission.routes[0].path`: `v1/query` must start with `/`",
            "cfg.yaml:9:18: key path `admission.routes[1].methods`: list at least one method; allowed: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
            "cfg.yaml:9:28: key path `admission.routes[1].path`: `*` is only allowed at the end (a prefix match)",
            "cfg.yaml:10:13: key path `admission.upstream`: `ftp://x` is not an http:// or https:// URL (for example https://otel.example.com:4317)",
        ]
    );
    // gcp ids are u64 and azure ids u32: one more is a type error.
    let e = one_error("admission:\n  listen: 0.0.0.0:8443\n  upstream: http://q\n  endpoints: { azure: [4294967296] }\n");
    assert_eq!(
        e,
        "cfg.yaml:4:24: key path `admission.endpoints.azure[0]`: expected an integer from 0 to 4294967295, found the integer 4294967296"
    );
}

#[test]
fn jwt_requires_issuer_audience_and_jwks() {
    let e = one_error("admission:\n  listen: 0.0.0.0:8443\n  upstream: http://q\n  trusted_sources: [10.0.0.0/8]\n  endpoints: { gcp: [7] }\n  routes: [{ methods: [GET], path: / }]\n  jwt: { jwks_file: /j.json, issuer: i }\n");
    assert_eq!(
        e,
        "cfg.yaml:7:8: key path `admission.jwt.audience`: missing required key `audience`"
    );
}

#[test]
fn destination_rules() {
    let src = format!(
        "{BASE}  a: {{ endpoint: otel.example.com:4317, profile: strict }}\n  b: {{ protocol: grpc, profile: strict }}\n  c: {{ endpoint: http://x, profile: strict, tls: {{ insecure_skip_verify: true }} }}\n  d: {{ protocol: debug, profile: strict, boundary: metadata-plane }}\n"
    );
    assert_eq!(
        errors(&src),
        [
            "cfg.yaml:5:18: key path `destinations.a.endpoint`: `otel.example.com:4317` is not an http:// or https:// URL (for example https://otel.example.com:4317)",
            "cfg.yaml:6:6: key path `destinations.b.endpoint`: missing required key `endpoint` for protocol grpc",
            "cfg.yaml:7:50: key path `destinations.c.tls`: tls is set but the endpoint is http://; use an https:// endpoint",
            "cfg.yaml:7:74: key path `destinations.c.tls.insecure_skip_verify`: data leaving the customer boundary must go to a verified server; set a ca_file instead",
            "cfg.yaml:8:52: key path `destinations.d.boundary`: a debug destination writes on this host, it cannot be `metadata-plane`; use `local` or omit the key; allowed: local",
        ]
    );
}

#[test]
fn passthrough_with_rules_is_refused() {
    let e = one_error("profiles:\n  p: { mode: passthrough, deny_keys: [\"*.password\"] }\n");
    assert!(
        e.starts_with(
            "cfg.yaml:2:27: key path `profiles.p.deny_keys`: a passthrough profile removes nothing"
        ),
        "{e}"
    );
}

#[test]
fn empty_and_unreadable_files() {
    assert_eq!(
        one_error("# nothing here\n"),
        "cfg.yaml: the config is empty; start from config/examples/default.yaml"
    );
    let err: ConfigError = match Config::load("/nonexistent/planeguard.yaml") {
        Ok(_) => panic!("should fail"),
        Err(e) => e,
    };
    assert!(
        err.to_string()
            .starts_with("/nonexistent/planeguard.yaml: cannot read:"),
        "{err}"
    );
}

#[test]
fn unquoted_numbers_become_strings_where_strings_are_expected() {
    let c = Config::from_yaml_str(
        "telemetry: { log_level: info }\nprofiles:\n  p: { allow_keys: [404, true] }\n",
        "t",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.profiles["p"].allow_keys, ["404", "true"]);
}

#[test]
fn enum_spellings_that_yaml_might_read_as_other_types() {
    let src = format!(
        "{BASE}  d2: {{ endpoint: https://x.example.com, profile: strict, compression: none }}\n"
    );
    let c = Config::from_yaml_str(&src, "t").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.destinations["d2"].compression,
        planeguard_config::Compression::None
    );
    // `no` is a YAML 1.1 boolean; as an enum value it is simply unknown, and says so.
    let src = format!(
        "{BASE}  d2: {{ endpoint: https://x.example.com, profile: strict, compression: no }}\n"
    );
    assert_eq!(
        one_error(&src),
        "cfg.yaml:5:72: key path `destinations.d2.compression`: unknown value `no`; allowed: gzip, none"
    );
}

#[test]
fn configs_built_in_code_are_validated_without_positions() {
    use planeguard_config::{DestinationConfig, Protocol};
    let mut c = Config::default();
    c.destinations.insert(
        "out".into(),
        DestinationConfig::new(Protocol::Debug, None, "missing"),
    );
    let err = c
        .validate("built")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        err,
        "built: key path `destinations.out.profile`: no profile named `missing`"
    );
    c.profiles.insert("missing".into(), Default::default());
    assert_eq!(c.validate("built"), Ok(()));
}
