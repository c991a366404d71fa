//! Idle TCP connections to a listener's HTTP/1.1 upstream, for the fast
//! forwarding path, which speaks HTTP/1.1 on them itself: no connection task,
//! no channel between the request and its connection.
//!
//! A connection goes back only after its response was read to the end and
//! nothing followed it. At checkout the most recently returned connection is
//! taken; expired ones and ones the upstream closed (readable while idle:
//! EOF or unsolicited bytes) are dropped.

use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

pub struct RawPool {
    /// `host:port` of the upstream.
    addr: String,
    idle: Mutex<Vec<(TcpStream, Instant)>>,
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
            idle: Mutex::new(Vec::new()),
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
        while let Some((stream, since)) = idle.pop() {
            if now.duration_since(since) <= self.idle_timeout && still_open(&stream) {
                return Some(stream);
            }
        }
        None
    }

    /// Returns a connection whose last response was read to its end.
    pub fn checkin(&self, stream: TcpStream) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < self.max_idle {
                idle.push((stream, Instant::now()));
            }
        }
    }

    pub async fn connect(&self) -> io::Result<TcpStream> {
        let stream = TcpStream::connect(self.addr.as_str()).await?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }
}
