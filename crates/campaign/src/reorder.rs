//! The lateness buffer: events arrive with bounded disorder and leave in event-time order.
//! An event waits until the watermark (the largest time seen minus the allowed lateness)
//! passes it; ties are broken by a stable key so any arrival order within the lateness
//! gives the same output order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// An event held for reordering, ordered by (time, hash of the tie-break key, arrival).
/// The tie key is hashed rather than copied: no allocation per event, and the order of
/// equal-time events still depends only on their keys (a 64-bit collision between two
/// equal-time events falls back to arrival order).
struct Held<T> {
    t: i64,
    tie: u64,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Held<T> {
    fn eq(&self, o: &Self) -> bool {
        (self.t, self.tie, self.seq) == (o.t, o.tie, o.seq)
    }
}
impl<T> Eq for Held<T> {}
impl<T> PartialOrd for Held<T> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Held<T> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.t, self.tie, self.seq).cmp(&(o.t, o.tie, o.seq))
    }
}

/// Reorders events within `lateness_ms`; events later than that are released at once and counted.
pub struct Reorder<T> {
    lateness_ms: i64,
    heap: BinaryHeap<Reverse<Held<T>>>,
    max_t: i64,
    released_t: i64,
    seq: u64,
    /// Events that arrived after the watermark had passed them (processed late, out of order).
    pub too_late: u64,
}

impl<T> Reorder<T> {
    pub fn new(lateness_ms: i64) -> Self {
        Reorder {
            lateness_ms: lateness_ms.max(0),
            heap: BinaryHeap::new(),
            max_t: i64::MIN,
            released_t: i64::MIN,
            seq: 0,
            too_late: 0,
        }
    }

    /// Add an event; `tie` orders events with equal times (use the post id).
    pub fn push(&mut self, t: i64, tie: &str, item: T, ready: &mut Vec<T>) {
        if t < self.released_t {
            self.too_late += 1;
            ready.push(item);
            return;
        }
        self.seq += 1;
        self.heap.push(Reverse(Held {
            t,
            tie: crate::sketch::hash_bytes(tie.as_bytes()),
            seq: self.seq,
            item,
        }));
        self.max_t = self.max_t.max(t);
        let wm = self.max_t.saturating_sub(self.lateness_ms);
        while let Some(Reverse(h)) = self.heap.peek() {
            if h.t >= wm {
                break;
            }
            let Reverse(h) = self.heap.pop().expect("peeked");
            self.released_t = h.t;
            ready.push(h.item);
        }
    }

    /// Release everything (end of input).
    pub fn flush(&mut self, ready: &mut Vec<T>) {
        while let Some(Reverse(h)) = self.heap.pop() {
            self.released_t = h.t;
            ready.push(h.item);
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffled_within_lateness_comes_out_sorted() {
        let times: Vec<i64> = vec![5, 1, 3, 2, 4, 9, 7, 8, 6, 10];
        let mut r = Reorder::new(5);
        let mut out = Vec::new();
        for t in &times {
            r.push(*t, &format!("p{t}"), *t, &mut out);
        }
        r.flush(&mut out);
        assert_eq!(out, (1..=10).collect::<Vec<_>>());
        assert_eq!(r.too_late, 0);
    }

    #[test]
    fn equal_times_break_ties_by_key() {
        let mut a = Reorder::new(0);
        let mut out = Vec::new();
        a.push(1, "b", "b", &mut out);
        a.push(1, "a", "a", &mut out);
        a.flush(&mut out);
        let mut b = Reorder::new(0);
        let mut out2 = Vec::new();
        b.push(1, "a", "a", &mut out2);
        b.push(1, "b", "b", &mut out2);
        b.flush(&mut out2);
        // The order of equal-time events depends on their keys only, not on arrival.
        assert_eq!(out, out2);
    }
}
