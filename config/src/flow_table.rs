//! The effective flow table: the seed's "Summary of Data Flows" computed from a config,
//! so that an operator (and `/flows`, and `planeguard check`) can see what leaves the
//! customer boundary, and whether it can carry customer data after scrubbing.

use serde::Serialize;

use crate::model::destination::Boundary;
use crate::model::flows::Signal;
use crate::model::profile::ProfileMode;
use crate::model::Config;

/// One destination of a flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlowDestination {
    /// Destination name.
    pub name: String,
    /// Where it lies.
    pub boundary: Boundary,
    /// Profile applied before export.
    pub profile: String,
    /// That profile's mode (`None` if the profile does not exist; validation prevents it).
    pub mode: Option<ProfileMode>,
}

/// One row of the flow table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlowRow {
    /// Stable identifier: `logs`, `metrics`, `traces`, `query_execution`, `eks_api`,
    /// `container_images`.
    pub key: &'static str,
    /// Display name, as in the seed table.
    pub name: &'static str,
    /// Which way data moves, e.g. `Data → Metadata`.
    pub direction: String,
    /// Whether customer data can cross the boundary in this flow, after scrubbing, and why.
    pub contains_customer_data: String,
    /// Required for the product to work.
    pub required: bool,
    /// Whether configuration can switch it off.
    pub can_be_disabled: bool,
    /// Whether it is on in this config.
    pub enabled: bool,
    /// Where the data goes (telemetry flows only).
    pub destinations: Vec<FlowDestination>,
    /// How planeguard is involved.
    pub note: String,
}

impl Config {
    /// The flow table for this config: Logs, Metrics, Traces, Query Execution, EKS API
    /// Access, Container Images.
    pub fn flow_table(&self) -> Vec<FlowRow> {
        let mut rows: Vec<FlowRow> = Signal::ALL.iter().map(|s| self.signal_row(*s)).collect();
        rows.push(self.query_execution_row());
        rows.push(FlowRow {
            key: "eks_api",
            name: "EKS API Access",
            direction: "Metadata → Data".into(),
            contains_customer_data: "no".into(),
            required: true,
            can_be_disabled: false,
            enabled: true,
            destinations: Vec::new(),
            note: "Kubernetes API server access; not proxied by planeguard".into(),
        });
        let images_note = if self.egress.is_some() {
            "image pulls go through the egress gateway's allow list"
        } else {
            "image pulls are not proxied by planeguard"
        };
        rows.push(FlowRow {
            key: "container_images",
            name: "Container Images",
            direction: "Metadata → Data".into(),
            contains_customer_data: "no".into(),
            required: true,
            can_be_disabled: false,
            enabled: true,
            destinations: Vec::new(),
            note: images_note.into(),
        });
        rows
    }

    fn signal_row(&self, signal: Signal) -> FlowRow {
        let flow = self.flows.signal(signal);
        let destinations: Vec<FlowDestination> = self
            .destinations_for(signal)
            .into_iter()
            .map(|(name, d)| FlowDestination {
                name: name.to_owned(),
                boundary: d.boundary(),
                profile: d.profile.clone(),
                mode: self.profiles.get(&d.profile).map(|p| p.mode),
            })
            .collect();
        let enabled = flow.is_active();
        let (key, name) = match signal {
            Signal::Logs => ("logs", "Logs"),
            Signal::Metrics => ("metrics", "Metrics"),
            Signal::Traces => ("traces", "Traces"),
        };
        FlowRow {
            key,
            name,
            direction: direction(&destinations),
            contains_customer_data: customer_data(enabled, &destinations),
            required: false,
            can_be_disabled: true,
            enabled,
            note: if enabled {
                "received on the OTLP listeners, scrubbed per destination profile".into()
            } else if !flow.to.is_empty() {
                "disabled (enabled: false); not accepted".into()
            } else {
                "no destinations; not accepted".into()
            },
            destinations,
        }
    }

    fn query_execution_row(&self) -> FlowRow {
        let active = self.admission_active();
        let note = match active {
            Some(a) => format!(
                "admission on {} → {}; PROXY v2 {}; {} endpoint id(s); {} route(s){}",
                a.listen,
                a.upstream,
                match a.proxy_protocol {
                    crate::model::admission::ProxyProtocol::Required => "required",
                    crate::model::admission::ProxyProtocol::Forbidden => "forbidden",
                },
                a.endpoints.aws.len() + a.endpoints.gcp.len() + a.endpoints.azure.len(),
                a.routes.len(),
                if a.jwt.is_some() { "; JWT roles" } else { "" },
            ),
            None => "admission listener not started (restricted connectivity)".into(),
        };
        FlowRow {
            key: "query_execution",
            name: "Query Execution",
            direction: "Metadata → Data".into(),
            contains_customer_data: if active.is_some() {
                "yes (feature values)".into()
            } else {
                "no (disabled: restricted connectivity)".into()
            },
            required: false,
            can_be_disabled: true,
            enabled: active.is_some(),
            destinations: Vec::new(),
            note,
        }
    }
}

fn direction(destinations: &[FlowDestination]) -> String {
    let mut sides = Vec::new();
    for (boundary, label) in [
        (Boundary::MetadataPlane, "Metadata"),
        (Boundary::Customer, "Customer backends"),
        (Boundary::Local, "local debug output"),
    ] {
        if destinations.iter().any(|d| d.boundary == boundary) {
            sides.push(label);
        }
    }
    if sides.is_empty() {
        "Data → nowhere".into()
    } else {
        format!("Data → {}", sides.join(", "))
    }
}

/// The worst case over the destinations outside the customer boundary.
fn customer_data(enabled: bool, destinations: &[FlowDestination]) -> String {
    if !enabled {
        return "no (disabled)".into();
    }
    let leaving: Vec<&FlowDestination> = destinations
        .iter()
        .filter(|d| d.boundary.leaves_customer_boundary())
        .collect();
    if leaving.is_empty() {
        return "no (stays inside the customer boundary)".into();
    }
    let worst = leaving
        .iter()
        .map(|d| match d.mode {
            None => 3,
            Some(ProfileMode::Passthrough) => 2,
            Some(ProfileMode::Detect) => 1,
            Some(ProfileMode::Strict) => 0,
        })
        .max()
        .unwrap_or(0);
    match worst {
        0 => "no (scrubbed: strict profile)".into(),
        1 => "possibly (detect profile: only detected values are removed)".into(),
        2 => "yes: passthrough profile".into(),
        _ => "yes: unknown profile".into(),
    }
}

/// Renders rows as an aligned plain-text table.
pub fn render_text(rows: &[FlowRow]) -> String {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    let header = [
        "Flow",
        "Direction",
        "Contains customer data?",
        "Required?",
        "Can be disabled?",
        "Enabled?",
        "Destinations",
    ];
    let mut table: Vec<Vec<String>> = vec![header.iter().map(|s| (*s).to_owned()).collect()];
    for r in rows {
        let dests = if r.destinations.is_empty() {
            r.note.clone()
        } else {
            r.destinations
                .iter()
                .map(|d| {
                    format!(
                        "{} ({}, profile {})",
                        d.name,
                        d.boundary.as_str(),
                        d.profile
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        table.push(vec![
            r.name.to_owned(),
            r.direction.clone(),
            r.contains_customer_data.clone(),
            yes_no(r.required),
            yes_no(r.can_be_disabled),
            yes_no(r.enabled),
            dests,
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|col| {
            table
                .iter()
                .map(|row| row[col].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, row) in table.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - cell.chars().count())))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out
}
