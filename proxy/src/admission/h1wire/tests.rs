use super::*;
use proptest::prelude::*;

fn head(raw: &[u8]) -> RequestHead {
    match parse_request(raw) {
        RequestParse::Head(h) => h,
        other => panic!("expected a head, got {other:?}"),
    }
}

fn fallback(raw: &[u8]) -> &'static str {
    match parse_request(raw) {
        RequestParse::Fallback(why) => why,
        other => panic!("expected a fallback, got {other:?}"),
    }
}

#[test]
fn simple_request_is_taken_with_its_parts() {
    let raw = b"POST /q/run?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\nAuthorization: Bearer t\r\n\r\nbody";
    let h = head(raw);
    assert_eq!(&raw[h.method.clone()], b"POST");
    assert_eq!(&raw[h.target.clone()], b"/q/run?x=1");
    assert_eq!(h.content_length, 12);
    assert_eq!(h.len, raw.len() - 4);
    assert!(!h.close);
    assert_eq!(&raw[h.authorization.clone().unwrap()], b"Bearer t");
}

#[test]
fn partial_head_waits_at_every_split() {
    let raw = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    for cut in 0..raw.len() {
        assert_eq!(
            parse_request(&raw[..cut]),
            RequestParse::Partial,
            "cut {cut}"
        );
    }
    assert!(matches!(parse_request(raw), RequestParse::Head(_)));
}

#[test]
fn connection_close_is_seen_among_tokens() {
    let h = head(b"GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n");
    assert!(h.close);
}

#[test]
fn ambiguous_or_unusual_framing_goes_to_hyper() {
    for raw in [
        &b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
        b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: \r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
        b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
        b"GET / HTTP/1.1\r\nConnection: upgrade\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    ] {
        assert_eq!(fallback(raw), "framing", "{}", String::from_utf8_lossy(raw));
    }
    assert_eq!(fallback(b"GET / HTTP/1.0\r\n\r\n"), "version");
    assert_eq!(fallback(b"GET http://a/ HTTP/1.1\r\n\r\n"), "target_form");
    assert_eq!(fallback(b"CONNECT a:443 HTTP/1.1\r\n\r\n"), "target_form");
    assert_eq!(fallback(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), "unparsed");
    assert_eq!(
        fallback(b"GET / HTTP/1.1\r\nContent-Length : 1\r\n\r\n"),
        "unparsed"
    );
    assert_eq!(
        fallback(b"GET / HTTP/1.1\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n"),
        "authorization"
    );
    let many = format!(
        "GET / HTTP/1.1\r\nConnection: {}\r\n\r\n",
        (0..9)
            .map(|i| format!("x-{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert_eq!(fallback(many.as_bytes()), "connection");
}

fn fwd(authoritative: bool, peer: Option<&'static [u8]>) -> Forwarding<'static> {
    Forwarding {
        client_ip: b"10.0.0.9",
        forwarded: b"for=10.0.0.9;proto=http",
        proto: b"http",
        authoritative,
        peer,
        default_host: b"upstream:8080",
    }
}

fn upstream_head(raw: &[u8], target: &str, f: &Forwarding<'_>) -> String {
    let h = head(raw);
    let mut out = Vec::new();
    write_upstream_request(raw, &h, target, f, &mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn upstream_head_drops_hop_by_hop_and_sets_forwarding() {
    let raw = b"POST /a/../b?q HTTP/1.1\r\nHost: client\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic x\r\nProxy-Connection: keep-alive\r\nTrailer: x\r\nX-Planeguard-Peer: spoofed\r\nX-Forwarded-Proto: https\r\nForwarded: for=1.2.3.4\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-For: 5.6.7.8\r\nContent-Length: 3\r\nX-Keep: yes\r\n\r\n";
    let out = upstream_head(raw, "/b?q", &fwd(true, Some(b"vpce-1")));
    assert_eq!(
        out,
        "POST /b?q HTTP/1.1\r\nHost: client\r\nContent-Length: 3\r\nX-Keep: yes\r\nx-forwarded-for: 10.0.0.9\r\nforwarded: for=10.0.0.9;proto=http\r\nx-forwarded-proto: http\r\nx-planeguard-peer: vpce-1\r\n\r\n"
    );
}

#[test]
fn direct_listener_extends_client_forwarding_and_strips_identity() {
    let raw = b"GET / HTTP/1.1\r\nForwarded: for=1.2.3.4\r\nX-Forwarded-For: 1.2.3.4\r\nX-Planeguard-Peer: spoofed\r\n\r\n";
    let out = upstream_head(raw, "/", &fwd(false, None));
    assert_eq!(
        out,
        "GET / HTTP/1.1\r\nForwarded: for=1.2.3.4\r\nhost: upstream:8080\r\nx-forwarded-for: 1.2.3.4, 10.0.0.9\r\nforwarded: for=10.0.0.9;proto=http\r\nx-forwarded-proto: http\r\n\r\n"
    );
}

fn response(raw: &[u8], head_request: bool) -> ResponseHead {
    match parse_response(raw, head_request) {
        ResponseParse::Head(h) => h,
        other => panic!("expected a head, got {other:?}"),
    }
}

#[test]
fn response_framing() {
    let r = response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false);
    assert_eq!(
        (r.framing, r.reusable, r.content_length),
        (BodyFraming::Length(5), true, Some(5))
    );
    let r = response(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        false,
    );
    assert_eq!((r.framing, r.reusable), (BodyFraming::Chunked, true));
    let r = response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false);
    assert_eq!((r.framing, r.reusable), (BodyFraming::UntilClose, false));
    let r = response(b"HTTP/1.1 200 OK\r\n\r\n", false);
    assert_eq!((r.framing, r.reusable), (BodyFraming::UntilClose, false));
    let r = response(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n",
        false,
    );
    assert_eq!((r.framing, r.reusable), (BodyFraming::Length(5), false));
    let r = response(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n", false);
    assert!(!r.reusable);
    let r = response(
        b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n",
        false,
    );
    assert!(r.reusable);
    for (raw, head) in [
        (&b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"[..], true),
        (b"HTTP/1.1 204 No Content\r\n\r\n", false),
        (
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
            false,
        ),
    ] {
        let r = response(raw, head);
        assert_eq!((r.framing, r.reusable), (BodyFraming::Empty, true));
    }
    let r = response(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        false,
    );
    assert_eq!(r.framing, BodyFraming::Length(5));
}

#[test]
fn bad_response_framing_fails_closed() {
    for raw in [
        &b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"[..],
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"garbage\r\n\r\n",
    ] {
        assert!(
            matches!(parse_response(raw, false), ResponseParse::Invalid(_)),
            "{}",
            String::from_utf8_lossy(raw)
        );
    }
    assert_eq!(
        parse_response(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200", false),
        ResponseParse::Interim(25)
    );
}

#[test]
fn client_response_head_keeps_end_to_end_headers() {
    let raw = b"HTTP/1.1 201 Created\r\nConnection: X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\nX-Keep: 1\r\n\r\nok";
    let h = response(raw, false);
    let mut out = Vec::new();
    write_client_response(raw, &h, false, &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-Keep: 1\r\n\r\n"
    );
    let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let h = response(raw, false);
    let mut out = Vec::new();
    write_client_response(raw, &h, true, &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nconnection: close\r\n\r\n"
    );
}

fn end_of(chunks: &[&[u8]]) -> Result<Option<usize>, ChunkError> {
    let mut c = ChunkedEnd::default();
    let mut total = 0;
    for part in chunks {
        if let Some(end) = c.feed(part)? {
            return Ok(Some(total + end));
        }
        total += part.len();
    }
    Ok(None)
}

#[test]
fn chunked_end_is_found_with_extensions_and_trailers() {
    let body = b"5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
    assert_eq!(end_of(&[body]), Ok(Some(body.len() - 4)));
    for cut in 0..body.len() {
        let (a, b) = body.split_at(cut);
        assert_eq!(end_of(&[a, b]), Ok(Some(body.len() - 4)), "cut {cut}");
    }
    let bytewise: Vec<&[u8]> = body.chunks(1).collect();
    assert_eq!(end_of(&bytewise), Ok(Some(body.len() - 4)));
    assert_eq!(end_of(&[b"0\r\n\r\n"]), Ok(Some(5)));
    assert_eq!(end_of(&[b"5\r\nhel"]), Ok(None));
}

#[test]
fn malformed_chunked_bodies_are_errors() {
    for bad in [
        &b"x\r\n"[..],
        b"\r\n",
        b"5\nhello\r\n",
        b"5\r\nhelloXX",
        b"5\r\nhello\r\r",
        b"0\r\n\n",
        b"1234567890abcdef0\r\n",
        b"0\r\nX: y\n",
    ] {
        assert_eq!(
            end_of(&[bad]),
            Err(ChunkError),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

/// Encodes `chunks` (with optional extensions and trailers) as a chunked body.
fn encode(chunks: &[Vec<u8>], ext: bool, trailer: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for c in chunks.iter().filter(|c| !c.is_empty()) {
        out.extend_from_slice(format!("{:x}", c.len()).as_bytes());
        if ext {
            out.extend_from_slice(b";a=b");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n");
    if trailer {
        out.extend_from_slice(b"X-T: 1\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

proptest! {
    #[test]
    fn chunked_end_found_at_any_split(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..6),
        ext: bool,
        trailer: bool,
        tail in prop::collection::vec(any::<u8>(), 0..20),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let body = encode(&chunks, ext, trailer);
        let mut wire = body.clone();
        wire.extend_from_slice(&tail);
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
        points.sort_unstable();
        let mut parts = Vec::new();
        let mut last = 0;
        for p in points {
            parts.push(&wire[last..p]);
            last = p;
        }
        parts.push(&wire[last..]);
        prop_assert_eq!(end_of(&parts), Ok(Some(body.len())));
    }

    #[test]
    fn request_parser_never_panics(raw in prop::collection::vec(any::<u8>(), 0..512)) {
        if let RequestParse::Head(h) = parse_request(&raw) {
            prop_assert!(h.len <= raw.len());
            prop_assert!(h.target.end <= h.len && h.method.end <= h.len);
            let mut out = Vec::new();
            write_upstream_request(&raw, &h, "/", &fwd(true, None), &mut out);
            prop_assert!(out.ends_with(b"\r\n\r\n"));
        }
        let _ = parse_response(&raw, false);
    }
}

#[test]
fn response_head_with_64_headers_rewrites_to_one_complete_head() {
    // Found by the fuzzer: 64 headers (bare LF line ends, an obs-text reason)
    // plus the added `connection: close` are more than the fast path itself
    // parses, but the rewritten head is still exactly one complete head.
    let raw = include_bytes!("crash-response-reason.bin");
    let ResponseParse::Head(h) = parse_response(raw, false) else {
        panic!("the input parses as a response head");
    };
    let mut out = Vec::new();
    write_client_response(raw, &h, true, &mut out);
    let mut headers = [httparse::EMPTY_HEADER; 2 * MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    assert_eq!(resp.parse(&out), Ok(httparse::Status::Complete(out.len())));
    assert!(!out.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'));
}
