//! The sink over real loopback: record and byte counts per signal, canary
//! detection in every envelope (HTTP protobuf, JSON, gzip; gRPC plain and
//! compressed), malformed input, plain bodies and /stats.

mod common;

use common::{grpc_status, post_grpc, post_h1, sink, small_corpus};
use planeguard_filters::corpus;
use planeguard_filters::Signal;
use planeguard_loadtest::corpus::CorpusArgs;
use planeguard_loadtest::otlp;
use planeguard_loadtest::wire;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_protobuf_json_and_gzip_are_counted_and_checked() {
    let args = small_corpus();
    let sink = sink(&args).await;
    let cfg = args.config();
    let mut expected_records = [0u64; 3];
    let mut expected_canaries = [0u64; 3];
    for (i, signal) in Signal::ALL.into_iter().enumerate() {
        let b = corpus::batch(&cfg, signal, 1);
        let path = otlp::http_path(signal);
        let ct = ("content-type", "application/x-protobuf");
        let (s, _) = post_h1(sink.addr(), path, &[ct], b.protobuf.clone()).await;
        assert_eq!(s, 200);
        let (s, body) = post_h1(
            sink.addr(),
            path,
            &[("content-type", "application/json")],
            b.json.clone(),
        )
        .await;
        assert_eq!((s.as_u16(), &body[..]), (200, &b"{}"[..]));
        let (s, _) = post_h1(
            sink.addr(),
            path,
            &[ct, ("content-encoding", "gzip")],
            wire::gzip(&b.protobuf),
        )
        .await;
        assert_eq!(s, 200);
        expected_records[i] = 3 * b.records as u64;
        let distinct = corpus::find_canaries(&b.protobuf, &b.canaries).len() as u64;
        assert!(distinct > 0);
        expected_canaries[i] = distinct;
    }
    let st = sink.stats();
    for (i, signal) in Signal::ALL.into_iter().enumerate() {
        let c = st.signal(signal);
        assert_eq!(c.requests, 3, "{signal:?}");
        assert_eq!(c.records, expected_records[i], "{signal:?}");
        assert_eq!(
            c.leaked_payloads, 3,
            "{signal:?}: every payload carries canaries"
        );
        // The same canaries are found in protobuf, JSON and gzip payloads.
        assert_eq!(c.canaries_found, 3 * expected_canaries[i], "{signal:?}");
        assert!(c.wire_bytes > 0 && c.decoded_bytes > c.wire_bytes / 2);
    }
    assert_eq!(st.decode_errors, 0);
    assert!(!sink.canary_samples().is_empty());
    sink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_payloads_have_no_canaries() {
    let args = small_corpus();
    let sink = sink(&args).await;
    let clean = CorpusArgs {
        pii_share: 0.0,
        ..args
    };
    let b = corpus::logs(&clean.config(), 0);
    assert!(b.canaries.is_empty());
    let (s, _) = post_h1(
        sink.addr(),
        "/v1/logs",
        &[("content-type", "application/x-protobuf")],
        b.protobuf.clone(),
    )
    .await;
    assert_eq!(s, 200);
    let st = sink.stats();
    assert_eq!(st.logs.records, b.records as u64);
    assert_eq!(st.logs.leaked_payloads, 0);
    assert_eq!(st.logs.canaries_found, 0);
    sink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_plain_and_gzip_messages_are_counted_and_checked() {
    let args = small_corpus();
    let sink = sink(&args).await;
    let b = corpus::traces(&args.config(), 2);
    let path = otlp::grpc_path(Signal::Traces);
    let (s, h, t) = post_grpc(sink.addr(), path, &[], wire::grpc_frame(&b.protobuf, false)).await;
    assert_eq!(s, 200);
    assert_eq!(grpc_status(&h, &t).as_deref(), Some("0"));
    let (s, h, t) = post_grpc(
        sink.addr(),
        path,
        &[("grpc-encoding", "gzip")],
        wire::grpc_frame(&wire::gzip(&b.protobuf), true),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(grpc_status(&h, &t).as_deref(), Some("0"));
    let st = sink.stats();
    assert_eq!(st.traces.requests, 2);
    assert_eq!(st.traces.records, 2 * b.records as u64);
    assert_eq!(st.traces.leaked_payloads, 2);
    // A compressed message without grpc-encoding is refused as bad data.
    let (_, h, t) = post_grpc(
        sink.addr(),
        path,
        &[],
        wire::grpc_frame(&wire::gzip(&b.protobuf), true),
    )
    .await;
    assert_eq!(grpc_status(&h, &t).as_deref(), Some("3"));
    assert_eq!(sink.stats().decode_errors, 1);
    sink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_plain_and_stats() {
    let args = small_corpus();
    let sink = sink(&args).await;
    let (s, _) = post_h1(
        sink.addr(),
        "/v1/metrics",
        &[("content-type", "application/x-protobuf")],
        &b"\x0a\xff\xff"[..],
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = post_h1(
        sink.addr(),
        "/v1/logs",
        &[("content-encoding", "gzip")],
        &b"not gzip"[..],
    )
    .await;
    assert_eq!(s, 400);
    let (s, body) = post_h1(sink.addr(), "/anything", &[], vec![b'x'; 4096]).await;
    assert_eq!((s.as_u16(), &body[..]), (200, &b"ok\n"[..]));
    let st = sink.stats();
    assert_eq!(st.decode_errors, 2);
    assert_eq!((st.other_requests, st.other_bytes), (1, 4096));
    // GET /stats answers the same counters as JSON.
    let stream = tokio::net::TcpStream::connect(sink.addr()).await.unwrap();
    let (mut send, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = http::Request::get("/stats")
        .header("host", "x")
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    let body = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["decode_errors"], 2);
    assert_eq!(v["other_bytes"], 4096);
    sink.stop().await;
}
