//! Typical log and span text that must pass through untouched.

use super::{assert_none, scan_key};

#[test]
fn log_lines_survive() {
    for text in [
        "2024-01-15T10:20:30.123Z INFO request completed status=200 duration=12ms",
        "2024-01-15 10:20:30,123 WARN [main] c.e.Service - retrying in 5s (attempt 3/5)",
        "Mon, 15 Jan 2024 10:20:30 GMT",
        "ts=1705314030 ts_ms=1705314030123 ts_ns=1705314030123456789",
        "took 1234ms p99=45.3 p50=12.1 avg=3.75",
        "uuid=550e8400-e29b-41d4-a716-446655440000",
        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
        "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "commit 9fceb02d0ae598e95dc970b74767f19372d61af8 (HEAD -> main)",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "version 1.2.3 semver=2.0.0-rc.1+build.5 v10.0.19041.1",
        "pod checkout-7d9f8b6c5d-x2k4p restarted on node ip-10-0-1-23.ec2.internal",
        "listening on :8080 and [::]:9090",
        "GET /api/v1/users/12345/orders?page=2&limit=50 HTTP/1.1 404",
        "HTTP 503 Service Unavailable after 30s",
        "Query Failed: deadline exceeded after 2.5s",
        "Bad Request: missing field `name`",
        "cache hit ratio 0.97 size=1048576 evictions=0",
        "gc pause 12.345ms heap=512MiB",
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        "SELECT id, name FROM users WHERE id = $1 LIMIT 10",
        "worker-3 processed batch 42 of 1000 (4.2%)",
        "std::collections::HashMap<String, Vec<u8>>",
        "expires_in=3600 token_type=Bearer scope=read",
        "Service Name: checkout, Host Name: web-1",
        "connection from [::ffff:not-an-ip] refused",
        "build 2024.01.15-1 deployed to eu-west-1",
        "12:34:56 scheduled job ran",
        "MAC 00:1a:2b:3c:4d:5e link up",
        "exit code 137 (OOMKilled) after 3600s",
        "",
    ] {
        assert_none(text);
    }
}

#[test]
fn otel_attribute_values_survive() {
    for (key, value) in [
        ("service.name", "Checkout Service"),
        ("service.version", "1.2.3"),
        ("host.name", "John Smith"),
        ("k8s.pod.name", "api-6f7c9d-abcde"),
        ("http.route", "/users/{id}"),
        ("http.response.status_code", "200"),
        ("server.port", "8080"),
        ("code.function.name", "Maria Garcia"),
        ("telemetry.sdk.version", "1.24.0"),
        ("process.pid", "123456789"),
    ] {
        let got = scan_key(key, value);
        let allowed = key == "host.name" || key == "code.function.name";
        // Free-text name detection still applies to semconv keys, but the key
        // alone never makes the whole value a name.
        assert!(
            got.is_empty()
                || (allowed && got == vec![("person_name".to_string(), value.to_string())]),
            "{key}={value}: {got:?}"
        );
    }
}
