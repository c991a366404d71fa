//! A per-destination queue bounded in bytes. Capacity is reserved up front for
//! every destination of a signal, so a request is either queued everywhere or
//! nowhere (no duplicates when the client retries after a full queue).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use bytes::Bytes;
use planeguard_filters::{Encoding, Signal};
use tokio::sync::{mpsc, Mutex, Notify};

/// One scrubbed payload waiting for export.
#[derive(Debug)]
pub struct Item {
    pub signal: Signal,
    pub encoding: Encoding,
    pub payload: Bytes,
    pub records: u64,
    pub enqueued: Instant,
    /// Bytes reserved in the queue; released when the item is done.
    pub reserved: usize,
}

#[derive(Debug)]
pub struct Queue {
    tx: mpsc::UnboundedSender<Item>,
    /// The receiver, and an item taken while batching that did not fit the batch.
    rx: Mutex<(mpsc::UnboundedReceiver<Item>, Option<Item>)>,
    used: AtomicUsize,
    capacity: usize,
    closing: AtomicBool,
    wake: Notify,
}

/// Capacity held for one item; released on drop unless committed.
#[derive(Debug)]
pub struct Reservation<'q> {
    queue: &'q Queue,
    bytes: usize,
}

impl Queue {
    pub fn new(capacity: usize) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            tx,
            rx: Mutex::new((rx, None)),
            used: AtomicUsize::new(0),
            capacity,
            closing: AtomicBool::new(false),
            wake: Notify::new(),
        }
    }

    /// Bytes currently held by queued or in-flight items.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Holds `bytes` of capacity, or `None` when the queue is full or closing.
    pub fn try_reserve(&self, bytes: usize) -> Option<Reservation<'_>> {
        if self.closing.load(Ordering::Acquire) {
            return None;
        }
        let mut cur = self.used.load(Ordering::Relaxed);
        loop {
            let next = cur.checked_add(bytes)?;
            if next > self.capacity {
                return None;
            }
            match self
                .used
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return Some(Reservation { queue: self, bytes }),
                Err(actual) => cur = actual,
            }
        }
    }

    /// Returns capacity held by a finished item.
    pub fn release(&self, bytes: usize) {
        self.used.fetch_sub(bytes, Ordering::AcqRel);
    }

    /// The next item; `None` once the queue is closing and empty.
    pub async fn pop(&self) -> Option<Item> {
        let mut guard = self.rx.lock().await;
        let (rx, stash) = &mut *guard;
        if let Some(item) = stash.take() {
            return Some(item);
        }
        loop {
            if self.closing.load(Ordering::Acquire) {
                return rx.try_recv().ok();
            }
            tokio::select! {
                biased;
                item = rx.recv() => return item,
                _ = self.wake.notified() => continue,
            }
        }
    }

    /// The next item plus whatever else is already queued for the same signal
    /// and encoding, up to `max_bytes` in all: one export request instead of many.
    pub async fn pop_batch(&self, max_bytes: usize) -> Option<Vec<Item>> {
        let first = self.pop().await?;
        if first.encoding != Encoding::Protobuf {
            // OTLP/JSON documents cannot be concatenated.
            return Some(vec![first]);
        }
        let mut total = first.payload.len();
        let mut batch = vec![first];
        // Another worker may be waiting for items with the lock held: then there is
        // nothing more queued, and this batch is complete.
        let Ok(mut guard) = self.rx.try_lock() else {
            return Some(batch);
        };
        let (rx, stash) = &mut *guard;
        while total < max_bytes {
            let Ok(next) = rx.try_recv() else { break };
            let same = next.signal == batch[0].signal && next.encoding == batch[0].encoding;
            if !same || total + next.payload.len() > max_bytes {
                *stash = Some(next);
                break;
            }
            total += next.payload.len();
            batch.push(next);
        }
        Some(batch)
    }

    /// Stops accepting; workers drain what is queued, then stop.
    pub fn close(&self) {
        self.closing.store(true, Ordering::Release);
        self.wake.notify_waiters();
    }

    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }
}

impl Reservation<'_> {
    /// Queues the item; the reservation's bytes now travel with it.
    pub fn commit(self, mut item: Item) {
        item.reserved = self.bytes;
        let queue = self.queue;
        std::mem::forget(self);
        if let Err(mpsc::error::SendError(item)) = queue.tx.send(item) {
            // The receiver lives as long as the queue: unreachable, but never leak capacity.
            queue.release(item.reserved);
        }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.queue.release(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(n: usize) -> Item {
        Item {
            signal: Signal::Logs,
            encoding: Encoding::Protobuf,
            payload: Bytes::from(vec![0; n]),
            records: 1,
            enqueued: Instant::now(),
            reserved: 0,
        }
    }

    #[tokio::test]
    async fn capacity_is_bounded_and_released() {
        let q = Queue::new(100);
        let a = q.try_reserve(60).unwrap();
        assert!(q.try_reserve(60).is_none());
        drop(a);
        assert_eq!(q.used(), 0);
        q.try_reserve(60).unwrap().commit(item(60));
        assert_eq!(q.used(), 60);
        let it = q.pop().await.unwrap();
        assert_eq!(it.reserved, 60);
        q.release(it.reserved);
        assert_eq!(q.used(), 0);
    }

    #[tokio::test]
    async fn close_drains_then_ends() {
        let q = std::sync::Arc::new(Queue::new(100));
        q.try_reserve(1).unwrap().commit(item(1));
        let q2 = q.clone();
        let waiter = tokio::spawn(async move {
            let mut n = 0;
            while let Some(i) = q2.pop().await {
                q2.release(i.reserved);
                n += 1;
            }
            n
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        q.close();
        assert_eq!(waiter.await.unwrap(), 1);
        assert!(q.try_reserve(1).is_none());
    }
}
