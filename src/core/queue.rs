//! The persistent event queue's keys and bounds (CONTRACT section 4: an event that cannot be
//! delivered yet is delivered exactly once, later, in order).
//!
//! Each undelivered event is its own localStorage item, written once by the tab that made it and
//! removed once by the tab that delivers it: no item is ever read, changed and written back, so two
//! tabs never overwrite each other's events. Keys sort in the order the events were made (time,
//! then a per-tab sequence) and end with the tab's id. A tab delivers only the events of tabs whose
//! Web Lock it holds: its own, and those of tabs that are gone, which it adopts for good.
//! (localStorage is not kept in step between tabs at once, so a shared lock alone would let a
//! second tab see an event the first had just delivered.)

use super::json::{parse_digits, push_digits};
use crate::prelude::*;

/// Prefix of every queued event's key.
pub const PREFIX: &str = "webexp:q:";

/// At most this many events are kept; beyond it the oldest are dropped, with a warning.
pub const MAX_QUEUED: usize = 500;

/// The key of an event made at `now_ms` (`Date.now()`) as number `seq` of tab `tab`.
pub fn key(now_ms: f64, seq: u32, tab: &str) -> String {
    let mut k = String::from(PREFIX);
    push_digits(&mut k, now_ms as u64, 15);
    k.push(':');
    push_digits(&mut k, u64::from(seq), 10);
    k.push(':');
    k.push_str(tab);
    k
}

/// The time in a queued event's key (what [`key`] was given, in whole milliseconds).
pub fn time_of(key: &str) -> Option<f64> {
    parse_digits(key.strip_prefix(PREFIX)?.get(..15)?)
}

/// The queued events' keys among `keys`, oldest first.
pub fn in_order(mut keys: Vec<String>) -> Vec<String> {
    keys.retain(|k| k.starts_with(PREFIX));
    // Heapsort: the standard sorts cost kilobytes of wasm, and an insertion sort took about
    // 0.4 ms for a full queue (500 keys, which localStorage does not list in order), several
    // times per event on a page whose integration refuses events (an SDK an ad blocker keeps
    // out): a visitor's every page view paid milliseconds for it.
    let n = keys.len();
    for root in (0..n / 2).rev() {
        sift_down(&mut keys, root, n);
    }
    for end in (1..n).rev() {
        keys.swap(0, end);
        sift_down(&mut keys, 0, end);
    }
    keys
}

/// Moves `keys[root]` down the max-heap in `keys[..end]` to its place.
fn sift_down(keys: &mut [String], mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && keys[child] < keys[child + 1] {
            child += 1;
        }
        if keys[root] >= keys[child] {
            return;
        }
        keys.swap(root, child);
        root = child;
    }
}

/// The tab that made the event under `key`.
pub fn tab_of(key: &str) -> &str {
    // What follows the last ':' (a byte scan: `rsplit` costs 0.7 KB of wasm).
    match key.bytes().rposition(|b| b == b':') {
        Some(i) => key.get(i + 1..).unwrap_or_default(),
        None => key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keys_time_reads_back() {
        assert_eq!(
            time_of(&key(1_700_000_000_123.0, 7, "tab")),
            Some(1_700_000_000_123.0)
        );
        assert_eq!(time_of(&key(0.0, 0, "tab")), Some(0.0));
        assert_eq!(time_of("webexp:q:12"), None);
        assert_eq!(time_of("other:000000000000001:0:t"), None);
        assert_eq!(time_of("webexp:q:00000000000000x:0:t"), None);
    }

    #[test]
    fn keys_sort_in_the_order_events_were_made() {
        let a = key(1_700_000_000_000.0, 9, "tabB");
        let b = key(1_700_000_000_000.0, 10, "tabA");
        let c = key(1_700_000_000_001.0, 0, "tabA");
        assert_eq!(a, "webexp:q:001700000000000:0000000009:tabB");
        assert_eq!(tab_of(&a), "tabB");
        assert_eq!(
            in_order(vec![c.clone(), "other".into(), b.clone(), a.clone()]),
            vec![a, b, c]
        );
    }

    #[test]
    fn any_order_of_keys_comes_out_sorted() {
        // (n keys in a fixed scrambled order, with repeats where 7 divides n.)
        for n in 0..40usize {
            let keys: Vec<String> = (0..n)
                .map(|i| key(((i * 7 + 3) % n.max(1)) as f64, 0, "t"))
                .collect();
            let mut sorted = keys.clone();
            sorted.sort();
            let mut other = keys.clone();
            other.push("other".into());
            assert_eq!(in_order(other), sorted);
        }
    }

    #[test]
    fn padding_keeps_every_digit() {
        let mut s = String::new();
        push_digits(&mut s, 0, 3);
        push_digits(&mut s, 1234, 2);
        push_digits(&mut s, u64::MAX, 1);
        assert_eq!(s, "000123418446744073709551615");
    }
}
