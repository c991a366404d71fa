//! The sink's plain port: HTTP/1.1 only, the upstream of the plain-proxying
//! benchmarks. Each request's body (`Content-Length` or chunked) is read,
//! counted as `other` and skipped, and the request answered `200 ok`; the
//! fault modes apply as on the OTLP port.
//!
//! Why a port of its own: the sink shares a core with the generator, and in
//! the plain scenarios that core, not the proxy under test, set the pace.
//! hyper's server (a header map, a body channel and a response per request)
//! cost more there than parsing the head in place; OTLP keeps hyper, whose
//! h1/h2 detection and trailers it needs.

use std::sync::Arc;

use http::StatusCode;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::handler::State;
use super::Fault;
use crate::h1io::{self, H1Error, HeadFacts, ReadBuf, MAX_HEAD, MAX_HEADERS};

const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 3\r\n\r\nok\n";

/// Serves requests until the client closes, asks to close, or errs.
pub(crate) async fn serve(mut stream: TcpStream, state: Arc<State>) {
    let mut rb = ReadBuf::default();
    let mut out = Vec::with_capacity(256);
    loop {
        let facts = match read_head(&mut rb, &mut stream).await {
            Ok(Some(f)) => f,
            // Closed between requests.
            Ok(None) | Err(H1Error::Io) => return,
            Err(H1Error::TooLarge) => {
                return refuse(
                    &mut stream,
                    &state,
                    StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                )
                .await
            }
            Err(H1Error::Malformed) => {
                return refuse(&mut stream, &state, StatusCode::BAD_REQUEST).await
            }
        };
        let refusal = if facts.other_coding {
            Some(StatusCode::NOT_IMPLEMENTED)
        } else if facts.chunked && facts.content_length.is_some() {
            // Both framings at once (RFC 9112 section 6.1): refused, not guessed.
            Some(StatusCode::BAD_REQUEST)
        } else if facts
            .content_length
            .is_some_and(|n| n > state.max_body_bytes as u64)
        {
            Some(StatusCode::PAYLOAD_TOO_LARGE)
        } else {
            None
        };
        if let Some(status) = refusal {
            return refuse(&mut stream, &state, status).await;
        }
        if facts.expect_continue
            && stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .is_err()
        {
            return;
        }
        let body = if facts.chunked {
            rb.skip_chunked(&mut stream).await
        } else {
            let n = facts.content_length.unwrap_or(0);
            rb.skip(&mut stream, n).await.map(|()| n)
        };
        let body_len = match body {
            Ok(n) => n,
            // The client went away mid-body: no one to answer.
            Err(H1Error::Io) => {
                state.stats.decode_error();
                return;
            }
            // A broken chunk size or an endless chunk line.
            Err(H1Error::Malformed | H1Error::TooLarge) => {
                return refuse(&mut stream, &state, StatusCode::BAD_REQUEST).await
            }
        };
        let fault = state.fault.borrow().clone();
        if let Fault::Delay(d) = fault {
            tokio::time::sleep(d).await;
        }
        let answer = match fault {
            Fault::Status(code) => {
                state.stats.fault();
                out.clear();
                fault_answer(code, &mut out);
                &out[..]
            }
            _ => {
                state
                    .stats
                    .other(usize::try_from(body_len).unwrap_or(usize::MAX));
                OK
            }
        };
        if stream.write_all(answer).await.is_err() || facts.close {
            return;
        }
    }
}

/// The next request head; `None` when the client closed before one began.
async fn read_head(rb: &mut ReadBuf, stream: &mut TcpStream) -> Result<Option<HeadFacts>, H1Error> {
    loop {
        if !rb.unread().is_empty() {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(rb.unread()) {
                Ok(httparse::Status::Complete(n)) => {
                    let facts = HeadFacts::of(req.version, req.headers)?;
                    rb.consume(n);
                    return Ok(Some(facts));
                }
                Ok(httparse::Status::Partial) if rb.unread().len() >= MAX_HEAD => {
                    return Err(H1Error::TooLarge)
                }
                Ok(httparse::Status::Partial) => {}
                Err(_) => return Err(H1Error::Malformed),
            }
        }
        let was_empty = rb.unread().is_empty();
        if rb.fill(stream).await? == 0 {
            return if was_empty {
                Ok(None)
            } else {
                Err(H1Error::Io)
            };
        }
    }
}

/// Answers a request that cannot be served and closes the connection.
async fn refuse(stream: &mut TcpStream, state: &State, status: StatusCode) {
    state.stats.decode_error();
    let reason = status.canonical_reason().unwrap_or("Error");
    let msg = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reason}\n",
        status.as_u16(),
        reason.len() + 1
    );
    let _ = stream.write_all(msg.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The answer of `--fail-status CODE`, as on the OTLP port.
fn fault_answer(code: u16, out: &mut Vec<u8>) {
    const BODY: &[u8] = b"sink fault injection\n";
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    out.extend_from_slice(b"HTTP/1.1 ");
    h1io::push_decimal(out, u64::from(status.as_u16()));
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("Error").as_bytes());
    out.extend_from_slice(b"\r\ncontent-type: text/plain\r\n");
    if matches!(code, 429 | 503) {
        out.extend_from_slice(b"retry-after: 1\r\n");
    }
    out.extend_from_slice(b"content-length: ");
    h1io::push_decimal(out, BODY.len() as u64);
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(BODY);
}
