//! Idle TCP connections to a listener's HTTP/1.1 upstream, for the fast
//! forwarding path, which speaks HTTP/1.1 on them itself: no connection task,
//! no channel between the request and its connection.
//!
//! A connection goes back only after its response was read to the end and
//! nothing followed it. At checkout the most recently returned connection is
//! taken; expired ones and ones the upstream closed (readable while idle:
//! EOF or unsolicited bytes) are dropped.

use std::collections::VecDeque;
use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

pub struct RawPool {
    /// `host:port` of the upstream.
    addr: String,
    /// Oldest first; checkout takes from the back, checkin drops expired
    /// ones from the front (so a busy pool does not keep dead sockets).
    idle: Mutex<VecDeque<(TcpStream, Instant)>>,
    max_idle: usize,
    idle_timeout: Duration,
}

impl std::fmt::Debug for RawPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawPool")
            .field("addr", &self.addr)
            .field("max_idle", &self.max_idle)
            .finish_non_exhaustive()
    }
}

/// An idle connection may be reused only while the upstream has sent nothing
/// on it: a read that would block. EOF or stray bytes mean it is done.
fn still_open(stream: &TcpStream) -> bool {
    let mut probe = [0u8; 1];
    matches!(stream.try_read(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

impl RawPool {
    pub fn new(addr: String, max_idle: usize, idle_timeout: Duration) -> Self {
        Self {
            addr,
            idle: Mutex::new(VecDeque::new()),
            max_idle,
            idle_timeout,
        }
    }

    /// Idle connections held.
    pub fn idle_len(&self) -> usize {
        self.idle.lock().map_or(0, |l| l.len())
    }

    /// The most recently returned connection that is still usable.
    pub fn checkout(&self) -> Option<TcpStream> {
        let now = Instant::now();
        let mut idle = self.idle.lock().ok()?;
        while let Some((stream, since)) = idle.pop_back() {
            if now.duration_since(since) <= self.idle_timeout && still_open(&stream) {
                return Some(stream);
            }
        }
        None
    }

    /// Returns a connection whose last response was read to its end.
    pub fn checkin(&self, stream: TcpStream) {
        let now = Instant::now();
        if let Ok(mut idle) = self.idle.lock() {
            while idle
                .front()
                .is_some_and(|(_, since)| now.duration_since(*since) > self.idle_timeout)
            {
                idle.pop_front();
            }
            if idle.len() < self.max_idle {
                idle.push_back((stream, now));
            }
        }
    }

    pub async fn connect(&self) -> io::Result<TcpStream> {
        let stream = TcpStream::connect(self.addr.as_str()).await?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    async fn pair(listener: &TcpListener) -> (TcpStream, TcpStream) {
        let addr = listener.local_addr().unwrap();
        let (client, server) = tokio::join!(TcpStream::connect(addr), listener.accept());
        (client.unwrap(), server.unwrap().0)
    }

    #[tokio::test]
    async fn checkout_skips_closed_and_expired_connections() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let pool = RawPool::new(
            listener.local_addr().unwrap().to_string(),
            8,
            Duration::from_millis(200),
        );
        let (open, _open_peer) = pair(&listener).await;
        let (closed, closed_peer) = pair(&listener).await;
        pool.checkin(open);
        pool.checkin(closed);
        drop(closed_peer);
        // Let the FIN arrive and the reactor see it.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            pool.checkout().is_some(),
            "the open one, behind the closed one"
        );
        assert!(pool.checkout().is_none());

        let (old, _old_peer) = pair(&listener).await;
        pool.checkin(old);
        tokio::time::sleep(Duration::from_millis(250)).await;
        let (fresh, _fresh_peer) = pair(&listener).await;
        pool.checkin(fresh);
        assert_eq!(pool.idle_len(), 1, "the expired one left at checkin");
        assert!(pool.checkout().is_some());
        assert!(pool.checkout().is_none());
    }

    #[tokio::test]
    async fn a_connection_with_unsolicited_bytes_is_not_reused() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let pool = RawPool::new(
            listener.local_addr().unwrap().to_string(),
            8,
            Duration::from_secs(60),
        );
        let (conn, mut peer) = pair(&listener).await;
        pool.checkin(conn);
        use tokio::io::AsyncWriteExt;
        peer.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(pool.checkout().is_none());
    }
}
