//! The generator against the sink: short bounded runs, closed and open loop,
//! every protocol; what the generator reports matches what the sink counted.

mod common;

use std::time::Duration;

use common::{sink, small_corpus};
use planeguard_filters::Signal;
use planeguard_loadtest::gen::{self, GenConfig, Protocol};

fn cfg(target: std::net::SocketAddr, protocol: Protocol) -> GenConfig {
    let mut g = GenConfig::new(target, protocol);
    g.corpus = small_corpus();
    g.connections = 4;
    g.warmup = Duration::ZERO;
    g.duration = Duration::from_millis(600);
    g.timeout = Duration::from_secs(5);
    g
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_loop_otlp_http_matches_sink_counts() {
    let sink = sink(&small_corpus()).await;
    for (json, gzip, signal) in [
        (false, false, Signal::Logs),
        (true, false, Signal::Metrics),
        (false, true, Signal::Traces),
    ] {
        let before = sink.stats();
        let mut g = cfg(sink.addr(), Protocol::OtlpHttp);
        g.json = json;
        g.gzip = gzip;
        g.signal = signal;
        let r = gen::run(&g).await.expect("run");
        let got = sink.stats().since(&before);
        assert!(r.requests > 10, "{r}");
        assert_eq!(r.errors, 0, "{r}");
        assert_eq!(r.mode, "closed");
        // No warm-up: only answers arriving after the window are outside it.
        assert!(r.total_requests >= r.requests && r.total_requests <= r.requests + 4);
        assert_eq!(got.signal(signal).requests, r.total_requests);
        assert_eq!(got.signal(signal).records, r.total_records);
        assert!(
            got.signal(signal).leaked_payloads > 0,
            "canaries are planted"
        );
        assert!(r.latency_us.p50 > 0 && r.latency_us.p50 <= r.latency_us.p99);
        assert!(r.latency_us.p99 <= r.latency_us.max);
        assert!(r.req_per_s > 0.0 && r.mb_per_s > 0.0);
    }
    sink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_loop_grpc_and_plain_http() {
    let sink = sink(&small_corpus()).await;
    let mut g = cfg(sink.addr(), Protocol::OtlpGrpc);
    g.gzip = true;
    let r = gen::run(&g).await.expect("grpc run");
    assert!(r.requests > 10 && r.errors == 0, "{r}");
    assert_eq!(sink.stats().logs.records, r.total_records);

    let mut g = cfg(sink.addr(), Protocol::Http);
    g.size = 65536;
    g.max_requests = Some(50);
    let r = gen::run(&g).await.expect("http run");
    assert_eq!(r.requests, 50, "{r}");
    let st = sink.stats();
    assert_eq!(st.other_requests, 50);
    assert_eq!(st.other_bytes, 50 * 65536);
    assert_eq!(r.bytes, 50 * 65536);
    sink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_loop_holds_the_rate() {
    let sink = sink(&small_corpus()).await;
    let mut g = cfg(sink.addr(), Protocol::OtlpHttp);
    g.rate = Some(200.0);
    g.duration = Duration::from_secs(1);
    let r = gen::run(&g).await.expect("run");
    assert_eq!(r.mode, "open");
    assert_eq!(r.errors, 0, "{r}");
    // 200 req/s for 1 s; allow for scheduling jitter at the window's edges
    // and for a busy CI machine, but never more than the schedule allows.
    assert!((140..=205).contains(&r.requests), "{r}");
    assert!(r.behind_schedule <= 20, "{r}");
    sink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_non_loopback_targets() {
    let g = cfg("10.1.2.3:4318".parse().unwrap(), Protocol::OtlpHttp);
    let e = gen::run(&g).await.expect_err("not loopback");
    assert!(e.contains("loopback"), "{e}");
}
