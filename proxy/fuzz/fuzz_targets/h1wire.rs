//! Fuzzes the fast HTTP/1.1 path's head handling: request eligibility and the
//! rewritten upstream head, response framing, and the chunked-body end tracker.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planeguard::admission::h1wire::{
    parse_request, parse_response, write_client_response, write_upstream_request, ChunkedEnd,
    Forwarding, RequestParse, ResponseParse,
};

fuzz_target!(|data: &[u8]| {
    if let RequestParse::Head(h) = parse_request(data) {
        assert!(h.len <= data.len());
        assert!(h.method.end <= h.len && h.target.end <= h.len);
        let fwd = Forwarding {
            client_ip: b"10.0.0.1",
            forwarded: b"for=10.0.0.1;proto=http",
            proto: b"http",
            authoritative: true,
            peer: Some(b"aws:vpce-1"),
            default_host: b"upstream",
        };
        let mut out = Vec::new();
        write_upstream_request(data, &h, "/", &fwd, &mut out);
        // The rewritten head is one complete head (nothing of the body or a
        // next request folded in), and no client-supplied identity survives.
        let mut headers = [httparse::EMPTY_HEADER; 128];
        let mut req = httparse::Request::new(&mut headers);
        assert_eq!(req.parse(&out), Ok(httparse::Status::Complete(out.len())));
        let peers = req
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("x-planeguard-peer"))
            .count();
        assert_eq!(peers, 1);
    }
    if let ResponseParse::Head(h) = parse_response(data, false) {
        // One complete head with CRLF line ends (the client may be strict),
        // however the upstream ended its lines.
        let mut out = Vec::new();
        write_client_response(data, &h, true, &mut out);
        let mut headers = [httparse::EMPTY_HEADER; 160];
        let mut resp = httparse::Response::new(&mut headers);
        assert_eq!(resp.parse(&out), Ok(httparse::Status::Complete(out.len())));
        assert!(!out.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'));
    }
    // Chunk-end tracking agrees whether the bytes come at once or split.
    let cut = data.first().map_or(0, |b| *b as usize % (data.len() + 1));
    let mut whole = ChunkedEnd::default();
    let mut split = ChunkedEnd::default();
    let at_once = whole.feed(data);
    let in_two = match split.feed(&data[..cut]) {
        Ok(Some(end)) => Ok(Some(end)),
        Ok(None) => split.feed(&data[cut..]).map(|e| e.map(|e| e + cut)),
        Err(e) => Err(e),
    };
    assert_eq!(at_once, in_two);
});
