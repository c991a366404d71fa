//! One export request built from queued payloads, without copying them.
//!
//! Concatenated `Export*ServiceRequest` protobuf messages are their merge (the
//! repeated field appends), so a batch is the queued payloads sent back to
//! back: the request body is their list of buffers. Only a consumer that
//! needs the message as one buffer (the debug destination decodes it) joins
//! them.

use std::borrow::Cow;

use bytes::Bytes;
use planeguard_filters::{Encoding, Signal};

use super::queue::Item;

#[derive(Debug, Clone)]
pub struct Batch {
    pub signal: Signal,
    pub encoding: Encoding,
    /// The payloads in queue order.
    pub parts: Vec<Bytes>,
    /// Their total length.
    pub len: usize,
    pub records: u64,
}

impl Batch {
    /// The batch of `items` (one signal and encoding; more than one item only
    /// for protobuf, which the queue guarantees). `None` for no items.
    pub fn of(items: &[Item]) -> Option<Self> {
        let first = items.first()?;
        Some(Self {
            signal: first.signal,
            encoding: first.encoding,
            parts: items.iter().map(|i| i.payload.clone()).collect(),
            len: items.iter().map(|i| i.payload.len()).sum(),
            records: items.iter().map(|i| i.records).sum(),
        })
    }

    /// The payload as one buffer: borrowed when the batch has one part.
    pub fn joined(&self) -> Cow<'_, [u8]> {
        match self.parts.as_slice() {
            [one] => Cow::Borrowed(one.as_ref()),
            parts => Cow::Owned(parts.concat()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn item(payload: &'static [u8], records: u64) -> Item {
        Item {
            signal: Signal::Logs,
            encoding: Encoding::Protobuf,
            payload: Bytes::from_static(payload),
            records,
            enqueued: Instant::now(),
            reserved: payload.len(),
        }
    }

    #[test]
    fn parts_are_the_payloads_uncopied_and_join_in_order() {
        let items = [item(b"abc", 2), item(b"de", 3)];
        let b = Batch::of(&items).expect("batch");
        assert_eq!((b.len, b.records, b.parts.len()), (5, 5, 2));
        assert_eq!(b.parts[0].as_ptr(), items[0].payload.as_ptr());
        assert_eq!(b.joined().as_ref(), b"abcde");
        let one = Batch::of(&items[..1]).expect("batch");
        assert!(matches!(one.joined(), Cow::Borrowed(b"abc")));
        assert!(Batch::of(&[]).is_none());
    }
}
