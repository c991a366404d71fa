//! The effective flow table of the example deployments.

use std::path::PathBuf;

use planeguard_config::{render_text, Boundary, Config, FlowRow};

fn table(example: &str) -> Vec<FlowRow> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(example);
    Config::load(path)
        .unwrap_or_else(|e| panic!("{e}"))
        .flow_table()
}

fn row<'a>(rows: &'a [FlowRow], key: &str) -> &'a FlowRow {
    rows.iter()
        .find(|r| r.key == key)
        .unwrap_or_else(|| panic!("no row {key}"))
}

/// (customer data, enabled, destination names) of a row.
fn summary(r: &FlowRow) -> (&str, bool, Vec<&str>) {
    (
        r.contains_customer_data.as_str(),
        r.enabled,
        r.destinations.iter().map(|d| d.name.as_str()).collect(),
    )
}

#[test]
fn rows_follow_the_seed_table() {
    let rows = table("default.yaml");
    let keys: Vec<&str> = rows.iter().map(|r| r.key).collect();
    assert_eq!(
        keys,
        [
            "logs",
            "metrics",
            "traces",
            "query_execution",
            "eks_api",
            "container_images"
        ]
    );
    let eks = row(&rows, "eks_api");
    assert_eq!(
        (eks.required, eks.can_be_disabled, eks.enabled),
        (true, false, true)
    );
    assert_eq!(eks.direction, "Metadata → Data");
    let images = row(&rows, "container_images");
    assert_eq!((images.required, images.can_be_disabled), (true, false));
    let logs = row(&rows, "logs");
    assert_eq!((logs.required, logs.can_be_disabled), (false, true));
    assert_eq!(
        logs.contains_customer_data,
        "no (stays inside the customer boundary)"
    );
    assert_eq!(logs.direction, "Data → local debug output");
}

#[test]
fn restricted() {
    let rows = table("restricted.yaml");
    assert_eq!(
        summary(row(&rows, "logs")),
        (
            "no (scrubbed: strict profile)",
            true,
            vec!["metadata-plane"]
        )
    );
    assert_eq!(
        summary(row(&rows, "metrics")),
        (
            "no (scrubbed: strict profile)",
            true,
            vec!["metadata-plane"]
        )
    );
    assert_eq!(
        summary(row(&rows, "traces")),
        ("no (disabled)", false, vec![])
    );
    assert_eq!(
        summary(row(&rows, "query_execution")),
        ("no (disabled: restricted connectivity)", false, vec![])
    );
    assert_eq!(row(&rows, "logs").direction, "Data → Metadata");
    assert_eq!(
        row(&rows, "logs").destinations[0].boundary,
        Boundary::MetadataPlane
    );
}

#[test]
fn customer_only() {
    let rows = table("customer-only.yaml");
    let inside = "no (stays inside the customer boundary)";
    assert_eq!(
        summary(row(&rows, "logs")),
        (inside, true, vec!["datadog", "dynatrace", "collector"])
    );
    assert_eq!(
        summary(row(&rows, "metrics")),
        (inside, true, vec!["datadog", "collector"])
    );
    assert_eq!(
        summary(row(&rows, "traces")),
        (inside, true, vec!["dynatrace", "collector"])
    );
    assert!(rows
        .iter()
        .flat_map(|r| &r.destinations)
        .all(|d| d.boundary == Boundary::Customer));
    assert_eq!(row(&rows, "logs").direction, "Data → Customer backends");
    assert!(!row(&rows, "query_execution").enabled);
}

#[test]
fn sidecar() {
    let rows = table("sidecar.yaml");
    assert_eq!(
        summary(row(&rows, "logs")),
        (
            "no (scrubbed: strict profile)",
            true,
            vec!["metadata-plane", "datadog"]
        )
    );
    assert_eq!(
        row(&rows, "logs").direction,
        "Data → Metadata, Customer backends"
    );
    assert_eq!(
        summary(row(&rows, "traces")),
        (
            "no (stays inside the customer boundary)",
            true,
            vec!["customer-collector"]
        )
    );
    let q = row(&rows, "query_execution");
    assert_eq!(summary(q), ("yes (feature values)", true, vec![]));
    assert!(
        q.note.contains("0.0.0.0:8443") && q.note.contains("1 endpoint id"),
        "{}",
        q.note
    );
}

#[test]
fn passthrough_or_detect_to_the_metadata_plane_is_flagged() {
    let src = "profiles:\n  all: { mode: passthrough }\n  d: { mode: detect }\n  s: {}\ndestinations:\n  mp: { endpoint: https://mp.example.com, profile: all }\n  mp2: { endpoint: https://mp.example.com, profile: d }\n  unclassified: { endpoint: https://x.example.com, profile: s }\nflows:\n  logs: { to: [mp] }\n  metrics: { to: [mp2] }\n  traces: { to: [unclassified] }\n";
    let rows = Config::from_yaml_str(src, "t")
        .unwrap_or_else(|e| panic!("{e}"))
        .flow_table();
    assert_eq!(
        row(&rows, "logs").contains_customer_data,
        "yes: passthrough profile"
    );
    assert_eq!(
        row(&rows, "metrics").contains_customer_data,
        "possibly (detect profile: only detected values are removed)"
    );
    // A destination without `boundary` counts as leaving the customer boundary.
    assert_eq!(
        row(&rows, "traces").destinations[0].boundary,
        Boundary::MetadataPlane
    );
}

#[test]
fn serializes_to_json_and_renders_text() {
    let rows = table("sidecar.yaml");
    let json: serde_json::Value = serde_json::to_value(&rows).unwrap_or_default();
    assert_eq!(json[0]["key"], "logs");
    assert_eq!(
        json[0]["contains_customer_data"],
        "no (scrubbed: strict profile)"
    );
    assert_eq!(json[0]["destinations"][0]["boundary"], "metadata-plane");
    assert_eq!(json[0]["destinations"][0]["mode"], "strict");
    assert_eq!(json[3]["enabled"], true);

    let text = render_text(&rows);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2 + rows.len(), "{text}");
    assert!(
        lines[0].starts_with("Flow              Direction"),
        "{text}"
    );
    assert!(lines[1].starts_with("----"), "{text}");
    assert!(lines[2].starts_with("Logs "), "{text}");
    assert!(lines[2].contains("metadata-plane (metadata-plane, profile metadata-plane); datadog (customer, profile passthrough)"), "{text}");
    assert!(text.contains("EKS API Access"), "{text}");
}
