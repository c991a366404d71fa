//! Benign vocabulary: what a feature-serving platform's telemetry looks like
//! when nothing sensitive is in it. None of it matches a detector: no dotted
//! quads, no e-mail addresses, no capitalised name pairs, no long digit runs.

use super::rng::Rng;

pub const SERVICES: &[&str] = &[
    "query-server",
    "resolver-worker",
    "stream-worker",
    "engine-api",
    "metadata-server",
    "branch-server",
];

pub const RESOLVERS: &[&str] = &[
    "get_account_features",
    "fraud_txn_velocity_1h",
    "risk_account_age_days",
    "merchant_category_stats",
    "session_count_7d",
    "card_decline_rate_30d",
    "device_fingerprint_score",
    "geo_distance_from_home",
    "chargeback_ratio_90d",
    "login_failures_24h",
];

pub const ROUTES: &[&str] = &[
    "/v1/query/online",
    "/v1/query/offline",
    "/v1/upload_features",
    "/v1/resolvers/{name}/run",
    "/v1/runs/{run_id}",
    "/v2/feature_sets/{id}",
    "/healthz",
];

pub const FEATURE_SETS: &[&str] = &[
    "fraud_v3",
    "risk_core",
    "growth_ltv",
    "payments_v2",
    "ato_signals",
];

pub const TOPICS: &[&str] = &[
    "events.transactions",
    "events.logins",
    "cdc.accounts",
    "events.card_auth",
];

pub const DEPENDENCIES: &[&str] = &[
    "online-store",
    "offline-store",
    "feature-cache",
    "model-gateway",
    "metadata-db",
];

pub const METHODS: &[&str] = &["GET", "POST", "POST", "POST", "PUT"];

pub const SEVERITIES: &[(i32, &str, u32)] = &[
    // (severity_number, severity_text, weight out of 100)
    (5, "DEBUG", 10),
    (9, "INFO", 68),
    (13, "WARN", 16),
    (17, "ERROR", 6),
];

pub fn severity(rng: &mut Rng) -> (i32, &'static str) {
    let mut x = rng.below(100) as u32;
    for (n, t, w) in SEVERITIES {
        if x < *w {
            return (*n, t);
        }
        x -= w;
    }
    (9, "INFO")
}

/// A latency in milliseconds with one decimal, log-normal-ish.
pub fn latency(rng: &mut Rng) -> f64 {
    let base = [0.8, 2.5, 6.0, 14.0, 40.0, 120.0][rng.index(6)];
    ((base * (0.5 + rng.unit() * 1.5)) * 10.0).round() / 10.0
}

/// A query-server / resolver / stream-worker log line (~70-130 bytes).
pub fn log_line(rng: &mut Rng, severity_number: i32) -> String {
    let resolver = rng.pick(RESOLVERS);
    let lat = latency(rng);
    if severity_number >= 17 {
        return format!(
            "upstream {} returned {} after {lat}ms, retrying ({}/3)",
            rng.pick(DEPENDENCIES),
            rng.pick(&[500, 502, 503, 504]),
            rng.range(1, 3)
        );
    }
    if severity_number >= 13 {
        return format!(
            "resolver {resolver} exceeded budget: elapsed={lat}ms budget={}ms, serving cached value age={}s",
            rng.pick(&[50, 100, 250]),
            rng.range(1, 900)
        );
    }
    match rng.below(4) {
        0 => format!(
            "query {} served resolvers={} latency_ms={lat} cache={} rows={}",
            rng.uuid(),
            rng.range(1, 40),
            rng.pick(&["hit", "miss", "partial"]),
            rng.range(1, 500)
        ),
        1 => format!(
            "resolver {resolver} completed in {lat}ms inputs={} outputs={} retries={}",
            rng.range(1, 8),
            rng.range(1, 64),
            rng.below(3)
        ),
        2 => format!(
            "stream worker {} committed offset {} topic={} partition={} lag_ms={}",
            rng.below(16),
            rng.range(1_000, 9_999_999),
            rng.pick(TOPICS),
            rng.below(32),
            rng.below(5_000)
        ),
        _ => format!(
            "{} {} {} {lat}ms req_id={} bytes={}",
            rng.pick(METHODS),
            route(rng),
            rng.pick(&[200, 200, 200, 201, 204, 400, 404, 429]),
            rng.lower_alnum(12),
            rng.range(80, 40_000)
        ),
    }
}

/// An HTTP route with its template parameters filled in by identifiers.
pub fn route(rng: &mut Rng) -> String {
    let r = *rng.pick(ROUTES);
    let name: &str = RESOLVERS[rng.index(RESOLVERS.len())];
    r.replace("{name}", name)
        .replace("{run_id}", &format!("run_{}", rng.lower_alnum(10)))
        .replace("{id}", &format!("fs_{}", rng.lower_alnum(8)))
}

/// A span name of a feature pipeline.
pub fn span_name(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => format!("{} {}", rng.pick(METHODS), rng.pick(ROUTES)),
        1 => format!("resolver.run {}", rng.pick(RESOLVERS)),
        2 => format!("{}.get", rng.pick(DEPENDENCIES)),
        3 => "query.plan".to_string(),
        _ => format!("stream.consume {}", rng.pick(TOPICS)),
    }
}

/// Scope (instrumentation library) names.
pub const SCOPES: &[&str] = &[
    "chalk.engine.query",
    "chalk.engine.resolver",
    "chalk.stream.consumer",
    "io.opentelemetry.http",
    "chalk.engine.cache",
];
