//! A lean pool of HTTP/1.1 connections to the one upstream of a listener.
//!
//! hyper-util's general client keys its pool by scheme and authority, races
//! a checkout against a lazily built connect future, and spawns a task per
//! request to put the connection back once its response body is read. With
//! a single upstream none of that is needed: idle senders sit in one list,
//! a sender goes back as soon as the response head is in, and a checkout
//! takes the most recently returned one that is ready for a new request
//! (its previous response read to the end), so no task is spawned per
//! request. Closed and long-idle connections are dropped at checkout.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::otlp::grpc::ChunksBody;

type Sender = SendRequest<ChunksBody>;

/// A connection waiting for its next request.
struct Idle {
    sender: Sender,
    since: Instant,
}

/// Why a request was not answered.
#[derive(Debug)]
pub enum PoolError {
    /// No connection could be opened.
    Connect,
    /// The connection failed after the request was (maybe) sent.
    Send,
}

pub struct H1Pool {
    /// `host:port` of the upstream.
    addr: String,
    idle: Mutex<Vec<Idle>>,
    max_idle: usize,
    idle_timeout: Duration,
}

impl std::fmt::Debug for H1Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H1Pool")
            .field("addr", &self.addr)
            .field("max_idle", &self.max_idle)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl H1Pool {
    pub fn new(addr: String, max_idle: usize, idle_timeout: Duration) -> Self {
        Self {
            addr,
            idle: Mutex::new(Vec::new()),
            max_idle,
            idle_timeout,
        }
    }

    /// Idle connections held (closed ones included until the next checkout).
    pub fn idle_len(&self) -> usize {
        self.idle.lock().map_or(0, |l| l.len())
    }

    /// A pooled sender ready for a request, dropping closed and expired ones.
    fn checkout(&self) -> Option<Sender> {
        let now = Instant::now();
        let mut idle = self.idle.lock().ok()?;
        let mut i = idle.len();
        while i > 0 {
            i -= 1;
            let c = &idle[i];
            if c.sender.is_closed() || now.duration_since(c.since) > self.idle_timeout {
                idle.swap_remove(i);
                continue;
            }
            if c.sender.is_ready() {
                return Some(idle.swap_remove(i).sender);
            }
        }
        None
    }

    /// Hands a sender back; it is taken again once its response is read.
    fn checkin(&self, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < self.max_idle {
                idle.push(Idle {
                    sender,
                    since: Instant::now(),
                });
            }
        }
    }

    async fn connect(&self) -> Result<Sender, PoolError> {
        let stream = TcpStream::connect(self.addr.as_str())
            .await
            .map_err(|_| PoolError::Connect)?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|_| PoolError::Connect)?;
        tokio::spawn(async move {
            // Ends when the upstream closes or every sender is dropped.
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// Sends `req` (origin-form URI, Host set) over a pooled or new
    /// connection. A request a reused connection never started (it closed
    /// under us) is sent again, as hyper-util's client does.
    pub async fn send(
        &self,
        mut req: Request<ChunksBody>,
    ) -> Result<Response<Incoming>, PoolError> {
        loop {
            let (mut sender, reused) = match self.checkout() {
                Some(s) => (s, true),
                None => (self.connect().await?, false),
            };
            match sender.try_send_request(req).await {
                Ok(resp) => {
                    self.checkin(sender);
                    return Ok(resp);
                }
                Err(mut e) => match e.take_message() {
                    Some(unsent) if reused => req = unsent,
                    _ => return Err(PoolError::Send),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// An upstream answering every request on a connection with `ok`,
    /// counting the connections it accepted; with `close_after_one`, each
    /// connection is closed after its first answer (no keep-alive header).
    async fn upstream(close_after_one: bool) -> (String, Arc<AtomicUsize>) {
        upstream_with_body(close_after_one, b"ok".to_vec()).await
    }

    async fn upstream_with_body(
        close_after_one: bool,
        body: Vec<u8>,
    ) -> (String, Arc<AtomicUsize>) {
        let mut answer =
            format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len()).into_bytes();
        answer.extend_from_slice(&body);
        let answer: &'static [u8] = answer.leak();
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        tokio::spawn(async move {
            loop {
                let (mut s, _) = l.accept().await.unwrap();
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let mut seen = Vec::new();
                    loop {
                        let n = match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        seen.extend_from_slice(&buf[..n]);
                        while let Some(p) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                            seen.drain(..p + 4);
                            if s.write_all(answer).await.is_err() {
                                return;
                            }
                            if close_after_one {
                                return;
                            }
                        }
                    }
                });
            }
        });
        (addr, accepted)
    }

    fn get() -> Request<ChunksBody> {
        Request::builder()
            .uri("/x")
            .header("host", "up")
            .body(ChunksBody::new([], None))
            .unwrap()
    }

    async fn read_all(resp: Response<Incoming>) -> Bytes {
        use http_body_util::BodyExt;
        resp.into_body().collect().await.unwrap().to_bytes()
    }

    #[tokio::test]
    async fn sequential_requests_reuse_one_connection() {
        let (addr, accepted) = upstream(false).await;
        let pool = H1Pool::new(addr, 8, Duration::from_secs(60));
        for _ in 0..5 {
            let resp = pool.send(get()).await.unwrap();
            assert_eq!(read_all(resp).await, "ok");
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
        assert_eq!(pool.idle_len(), 1);
    }

    #[tokio::test]
    async fn a_connection_still_reading_its_body_is_not_reused() {
        // A body far larger than what hyper buffers ahead of its reader.
        let big = vec![b'z'; 4 << 20];
        let (addr, accepted) = upstream_with_body(false, big.clone()).await;
        let pool = H1Pool::new(addr, 8, Duration::from_secs(60));
        let first = pool.send(get()).await.unwrap();
        // The first response body is not read yet: a second connection is needed.
        let second = pool.send(get()).await.unwrap();
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
        assert_eq!(read_all(first).await.len(), big.len());
        assert_eq!(read_all(second).await.len(), big.len());
        // Both are idle again afterwards; the next request reuses one.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let third = pool.send(get()).await.unwrap();
        assert_eq!(read_all(third).await.len(), big.len());
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn closed_and_expired_connections_are_replaced() {
        let (addr, accepted) = upstream(true).await;
        let pool = H1Pool::new(addr.clone(), 8, Duration::from_secs(60));
        for _ in 0..3 {
            let resp = pool.send(get()).await.unwrap();
            assert_eq!(read_all(resp).await, "ok");
            // Let the connection task see the close.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 3);

        let (addr, accepted) = upstream(false).await;
        let pool = H1Pool::new(addr, 8, Duration::ZERO);
        for _ in 0..2 {
            let resp = pool.send(get()).await.unwrap();
            assert_eq!(read_all(resp).await, "ok");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 2, "idle past the timeout");
    }

    #[tokio::test]
    async fn the_idle_list_is_bounded() {
        // Unread large bodies keep both connections busy: two connections.
        let (addr, accepted) = upstream_with_body(false, vec![b'z'; 4 << 20]).await;
        let pool = H1Pool::new(addr, 1, Duration::from_secs(60));
        let a = pool.send(get()).await.unwrap();
        let b = pool.send(get()).await.unwrap();
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
        assert_eq!(pool.idle_len(), 1);
        read_all(a).await;
        read_all(b).await;
    }

    #[tokio::test]
    async fn unreachable_upstream_is_a_connect_error() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap().to_string();
        drop(l);
        let pool = H1Pool::new(addr, 8, Duration::from_secs(60));
        assert!(matches!(pool.send(get()).await, Err(PoolError::Connect)));
    }
}
