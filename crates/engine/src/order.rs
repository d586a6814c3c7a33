//! Event-time order: the sort key of a record, and the per-input reorder buffer with a
//! lateness bound (records later than that are passed on at once, never dropped).

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::time::Instant;
use vigil_model::Record;

/// The order of the merged stream: event time, then accounts before enforcement before posts,
/// then the record's id. None of it depends on which input a record came from or in which
/// order the inputs were named, so the merged stream is the same for any input order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    pub time: i64,
    pub rank: u8,
    pub id: String,
}

/// One record on its way through the engine.
pub(crate) struct Item {
    pub key: Key,
    pub record: Record,
    /// Index of the input (in the engine's canonical input order).
    pub input: u32,
    pub line: u64,
    /// Arrival order within its input: the last tie-break, for exact repeats.
    pub arrival: u64,
    /// When the reader handed the record over (for ingest-to-signal latency).
    pub read_at: Instant,
}

impl Item {
    fn cmp_key(&self, o: &Item) -> Ordering {
        self.key
            .cmp(&o.key)
            .then(self.input.cmp(&o.input))
            .then(self.arrival.cmp(&o.arrival))
    }
}

/// Min-heap wrapper.
struct Rev(Item);
impl PartialEq for Rev {
    fn eq(&self, o: &Self) -> bool {
        self.0.cmp_key(&o.0) == Ordering::Equal
    }
}
impl Eq for Rev {}
impl PartialOrd for Rev {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Rev {
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.cmp_key(&self.0)
    }
}

/// Reorders one input's records by [`Key`] within `lateness` ms of event time.
///
/// A record is held until the input's watermark (the latest event time seen) has passed it by
/// more than the lateness. A record that arrives after a later one was already released is
/// *late*: it is released at once, out of order, and counted. So any shuffle of an input in
/// which no record arrives more than `lateness` behind the latest one before it releases the
/// same sequence.
pub(crate) struct Reorder {
    heap: BinaryHeap<Rev>,
    lateness: i64,
    watermark: i64,
    last: Option<Key>,
    /// Most records held at once: past it the oldest is released (memory stays bounded; what
    /// arrives behind it later is late).
    cap: usize,
    pub late: u64,
}

impl Reorder {
    #[cfg(test)]
    pub fn new(lateness_ms: i64) -> Reorder {
        Reorder::with_cap(lateness_ms, 1 << 18)
    }

    pub fn with_cap(lateness_ms: i64, cap: usize) -> Reorder {
        Reorder {
            heap: BinaryHeap::new(),
            lateness: lateness_ms.max(0),
            watermark: i64::MIN,
            last: None,
            cap: cap.max(1),
            late: 0,
        }
    }

    /// Take one record; released records go to `out`.
    pub fn push(&mut self, item: Item, out: &mut Vec<Item>) {
        if self.last.as_ref().is_some_and(|l| item.key < *l) {
            self.late += 1;
            out.push(item);
            return;
        }
        self.watermark = self.watermark.max(item.key.time);
        self.heap.push(Rev(item));
        let bound = self.watermark.saturating_sub(self.lateness);
        while self.heap.peek().is_some_and(|t| t.0.key.time < bound) || self.heap.len() > self.cap {
            self.release(out);
        }
    }

    fn release(&mut self, out: &mut Vec<Item>) {
        if let Some(Rev(i)) = self.heap.pop() {
            self.last = Some(i.key.clone());
            out.push(i);
        }
    }

    /// End of input: release everything held.
    pub fn flush(&mut self, out: &mut Vec<Item>) {
        while !self.heap.is_empty() {
            self.release(out);
        }
    }
}

/// The key of a record; accounts take the time they are given (see the reader).
pub(crate) fn key_of(rec: &Record, account_time: i64) -> Key {
    match rec {
        Record::Account(a) => Key {
            time: account_time,
            rank: 0,
            id: a.id.clone(),
        },
        Record::Enforcement(e) => Key {
            time: e.at,
            rank: 1,
            id: e.id(),
        },
        Record::Post(p) => Key {
            time: p.created_at,
            rank: 2,
            id: p.id.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_model::{Platform, Post};

    fn item(t: i64, id: &str, arrival: u64) -> Item {
        let p = Post::new(Platform::Twitter, id, "twitter:1".into(), t);
        Item {
            key: key_of(&Record::Post(p.clone()), 0),
            record: Record::Post(p),
            input: 0,
            line: arrival,
            arrival,
            read_at: Instant::now(),
        }
    }

    fn run(lateness: i64, times: &[(i64, &str)]) -> (Vec<String>, u64) {
        let mut r = Reorder::new(lateness);
        let mut out = Vec::new();
        for (n, (t, id)) in times.iter().enumerate() {
            r.push(item(*t, id, n as u64), &mut out);
        }
        r.flush(&mut out);
        (out.iter().map(|i| i.key.id.clone()).collect(), r.late)
    }

    #[test]
    fn shuffles_within_the_lateness_release_the_same_order() {
        let a = run(10, &[(1, "a"), (5, "b"), (9, "c"), (12, "d"), (20, "e")]);
        let b = run(10, &[(9, "c"), (1, "a"), (12, "d"), (5, "b"), (20, "e")]);
        assert_eq!(a, b);
        assert_eq!(a.1, 0);
        assert_eq!(
            a.0,
            [
                "twitter:a",
                "twitter:b",
                "twitter:c",
                "twitter:d",
                "twitter:e"
            ]
        );
    }

    #[test]
    fn records_later_than_the_lateness_are_passed_on_not_dropped() {
        let (ids, late) = run(2, &[(10, "a"), (20, "b"), (30, "c"), (1, "old")]);
        assert_eq!(late, 1);
        assert_eq!(ids.len(), 4);
        assert!(ids.contains(&"twitter:old".to_string()));
    }

    #[test]
    fn equal_times_order_by_id_whatever_the_arrival() {
        let a = run(0, &[(5, "y"), (5, "x"), (6, "z")]);
        let b = run(0, &[(5, "x"), (5, "y"), (6, "z")]);
        assert_eq!(a, b);
        assert_eq!(a.0[0], "twitter:x");
    }
}
