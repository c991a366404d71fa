//! The sink's fault modes as a client sees them: slow answers, a chosen
//! failure status (HTTP and gRPC), refused connections, and recovery.

mod common;

use std::time::Duration;

use common::{grpc_status, post_grpc, post_h1, sink, small_corpus};
use planeguard_loadtest::gen::{self, GenConfig, Protocol};
use planeguard_loadtest::sink::Fault;

fn cfg(target: std::net::SocketAddr, protocol: Protocol) -> GenConfig {
    let mut g = GenConfig::new(target, protocol);
    g.corpus = small_corpus();
    g.connections = 2;
    g.warmup = Duration::ZERO;
    g.duration = Duration::from_millis(500);
    g.timeout = Duration::from_secs(5);
    g
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_answers_show_in_latency() {
    let sink = sink(&small_corpus()).await;
    sink.set_fault(Fault::Delay(Duration::from_millis(100)));
    let r = gen::run(&cfg(sink.addr(), Protocol::OtlpHttp))
        .await
        .unwrap();
    assert_eq!(r.errors, 0, "{r}");
    assert!(r.latency_us.p50 >= 100_000, "{r}");
    // 2 connections x ~5 requests each in 0.5 s.
    assert!(r.requests <= 12, "{r}");
    sink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_status_on_http_and_grpc() {
    let sink = sink(&small_corpus()).await;
    sink.set_fault(Fault::Status(503));
    let (s, _) = post_h1(sink.addr(), "/v1/logs", &[], &b""[..]).await;
    assert_eq!(s, 503);
    let r = gen::run(&cfg(sink.addr(), Protocol::OtlpHttp))
        .await
        .unwrap();
    assert_eq!(r.requests, 0);
    assert!(r.errors > 0);
    assert_eq!(
        r.errors_by_kind.keys().collect::<Vec<_>>(),
        vec!["http_503"]
    );

    sink.set_fault(Fault::Status(429));
    let (s, h, t) = post_grpc(
        sink.addr(),
        "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
        &[],
        &[0u8, 0, 0, 0, 0][..],
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        grpc_status(&h, &t).as_deref(),
        Some("8"),
        "429 maps to RESOURCE_EXHAUSTED"
    );
    let r = gen::run(&cfg(sink.addr(), Protocol::OtlpGrpc))
        .await
        .unwrap();
    assert_eq!(r.requests, 0);
    assert_eq!(r.errors_by_kind.keys().collect::<Vec<_>>(), vec!["grpc_8"]);
    let faults = sink.stats().fault_responses;
    assert!(faults >= 2 + r.errors, "{faults}");
    // Nothing was counted as received.
    assert_eq!(sink.stats().logs.requests, 0);

    sink.set_fault(Fault::None);
    let r = gen::run(&cfg(sink.addr(), Protocol::OtlpHttp))
        .await
        .unwrap();
    assert!(r.requests > 0 && r.errors == 0, "{r}");
    sink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_then_recovery() {
    let sink = sink(&small_corpus()).await;
    let addr = sink.addr();
    sink.set_fault(Fault::Refuse);
    // The listener is closed: connecting fails.
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "connections are refused");
    let r = gen::run(&cfg(addr, Protocol::OtlpHttp)).await.unwrap();
    assert_eq!(r.requests, 0);
    assert!(r.errors_by_kind.contains_key("connect"), "{r}");

    sink.set_fault(Fault::None);
    let mut back = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(back, "the sink listens again on the same port");
    let r = gen::run(&cfg(addr, Protocol::OtlpHttp)).await.unwrap();
    assert!(r.requests > 0 && r.errors == 0, "{r}");
    sink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuse_drops_open_keepalive_connections() {
    let sink = sink(&small_corpus()).await;
    // A long closed-loop run on kept-alive connections, refused midway.
    let mut g = cfg(sink.addr(), Protocol::OtlpHttp);
    g.duration = Duration::from_millis(800);
    let run = tokio::spawn(async move { gen::run(&g).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    sink.set_fault(Fault::Refuse);
    let r = run.await.unwrap().unwrap();
    assert!(r.requests > 0, "{r}");
    assert!(r.errors > 0, "{r}");
    sink.stop().await;
}
