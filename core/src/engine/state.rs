//! The optional first-seen detector state (triage card, key indicators 3 and 4):
//! first time a user runs a command in a container (a matched rule with the
//! `container_exec` flag), first time a user is seen from a source IP (any
//! matched rule, including the below-threshold state feeders such as
//! `cadet.k8s.interactive_discovery`, so the state learns a user's usual
//! addresses from routine use), and a per-user exec/attach rate over a window.
//!
//! Bounded: at most `capacity` keys, least-recently-used evicted first. No clock:
//! the event's own timestamp (`event.time`, seconds) drives the rate window.
//! Saved and restored as JSON so a host that restarts keeps it.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::event::{Event, Value};
use crate::pack::{Correlation, CorrelationKind, Rule};
use crate::verdict::Context;

/// Length of the exec-rate window in seconds.
pub const RATE_WINDOW_SECS: i64 = 300;
/// Exec/attach calls by one user within the window that count as a spike.
pub const SPIKE_LIMIT: u32 = 10;
/// Distinct resources read by one user within the window that count as enumeration.
pub const DISCOVERY_LIMIT: u32 = 8;

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
struct Entry {
    /// Recency stamp (higher is more recent).
    used: u64,
    /// Start of the current rate window (event seconds).
    #[serde(default)]
    window_start: i64,
    /// Calls in the current window.
    #[serde(default)]
    count: u32,
    /// Correlation `event_count`: the group's most recent record times, oldest first (at
    /// most the correlation's [`Correlation::keep`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    times: Vec<i64>,
    /// Correlation `value_count`: (hash of a value, last time it was seen), oldest first (at
    /// most the correlation's [`Correlation::keep`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    values: Vec<(u64, i64)>,
}

/// FNV-1a, 64 bits: how a `value_count` remembers a value (a fixed 8 bytes whatever its length).
fn value_hash(value: &str) -> u64 {
    value.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Bounded first-seen memory.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct DetectorState {
    capacity: usize,
    tick: u64,
    entries: BTreeMap<String, Entry>,
    #[serde(skip)]
    order: BTreeMap<u64, String>,
}

impl DetectorState {
    /// A state that remembers at most `capacity` keys.
    pub fn new(capacity: usize) -> Self {
        DetectorState {
            capacity: capacity.max(1),
            ..Default::default()
        }
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Touches `key`; returns (was it new, the entry).
    fn touch(&mut self, key: String) -> (bool, &mut Entry) {
        self.tick += 1;
        let tick = self.tick;
        let new = !self.entries.contains_key(&key);
        if new && self.entries.len() >= self.capacity {
            if let Some((_, oldest)) = self.order.pop_first() {
                self.entries.remove(&oldest);
            }
        }
        let entry = self.entries.entry(key.clone()).or_default();
        if entry.used != 0 {
            self.order.remove(&entry.used);
        }
        entry.used = tick;
        self.order.insert(tick, key);
        (new, entry)
    }

    /// Records a matched event and says what is new about it.
    pub fn observe(&mut self, ev: &Event<'_>, segment: usize, hits: &[&Rule]) -> Option<Context> {
        let user = ev.user()?;
        let user = String::from(user);
        let mut ctx = Context::default();
        let is_exec = hits
            .iter()
            .any(|r| r.flags.iter().any(|f| f == "container_exec"));
        if is_exec {
            // First time this user runs a command in a container (exec/attach/debug).
            let (new_user, _) = self.touch(alloc::format!("u\u{1f}{user}"));
            ctx.first_seen_user_exec = new_user;
        }
        let ips: Vec<String> = match ev.field("source.ip", segment) {
            Value::Str(s) => alloc::vec![String::from(s)],
            Value::List(l) => l.iter().map(|s| String::from(&**s)).collect(),
            _ => Vec::new(),
        };
        for ip in ips {
            let (new_ip, _) = self.touch(alloc::format!("i\u{1f}{user}\u{1f}{ip}"));
            ctx.first_seen_user_ip |= new_ip;
        }
        if let (true, Value::Int(now)) = (is_exec, ev.field("event.time", segment)) {
            let (_, e) = self.touch(alloc::format!("r\u{1f}{user}"));
            if e.count == 0 || now - e.window_start >= RATE_WINDOW_SECS || now < e.window_start {
                e.window_start = now;
                e.count = 0;
            }
            e.count = e.count.saturating_add(1);
            ctx.exec_rate = e.count;
            ctx.exec_spike = e.count > SPIKE_LIMIT;
        }
        let discovery = hits
            .iter()
            .any(|r| r.techniques.iter().any(|t| t == "T1613"));
        if let (true, Value::Int(now)) = (discovery, ev.field("event.time", segment)) {
            self.count_resources(&user, now, ev, segment, &mut ctx);
        }
        (ctx != Context::default()).then_some(ctx)
    }

    /// Enumeration: distinct resources (`k8s.resource`, or kubectl's `cmd.resources`) read by
    /// `user` within [`RATE_WINDOW_SECS`] of the window's first read.
    fn count_resources(
        &mut self,
        user: &str,
        now: i64,
        ev: &Event<'_>,
        segment: usize,
        ctx: &mut Context,
    ) {
        let resources: Vec<String> = match (
            ev.field("k8s.resource", segment),
            ev.field("cmd.resources", segment),
        ) {
            (Value::Str(r), _) => alloc::vec![String::from(r)],
            (_, Value::List(l)) => l.iter().map(|r| String::from(&**r)).collect(),
            _ => Vec::new(),
        };
        if resources.is_empty() {
            return;
        }
        let (_, w) = self.touch(alloc::format!("d\u{1f}{user}"));
        if w.count == 0 || now - w.window_start >= RATE_WINDOW_SECS || now < w.window_start {
            w.window_start = now;
            w.count = 0;
        }
        let window = w.window_start;
        let mut added = 0;
        for r in resources {
            let (_, seen) = self.touch(alloc::format!("d\u{1f}{user}\u{1f}{r}"));
            // New to this window: counted once.
            if seen.count == 0 || seen.window_start != window {
                seen.window_start = window;
                seen.count = 1;
                added += 1;
            }
        }
        let (_, w) = self.touch(alloc::format!("d\u{1f}{user}"));
        w.count = w.count.saturating_add(added);
        ctx.discovery_resources = w.count;
        ctx.discovery_burst = w.count >= DISCOVERY_LIMIT;
    }

    /// Counts a record of `correlation`'s group `key` (see `Engine::evaluate`) at time `now`
    /// and returns the count in the window `[now - timespan, now]`: records for `event_count`,
    /// distinct values for `value_count` (`value`: the record's value of `value_field`; a
    /// record without one updates the window but adds no value, as in Sigma).
    ///
    /// The group keeps at most [`Correlation::keep`] times or values, the most recent, so
    /// the count saturates there; every comparison of the condition is still decided exactly.
    pub fn correlate(
        &mut self,
        correlation: &Correlation,
        key: String,
        now: i64,
        value: Option<&str>,
    ) -> u64 {
        let keep = correlation.keep();
        let cutoff = now.saturating_sub(correlation.timespan);
        let (_, e) = self.touch(key);
        match correlation.kind {
            CorrelationKind::EventCount => {
                e.times.retain(|&t| t >= cutoff);
                // Kept in time order, so a late record drops out of the window in its turn.
                let at = e.times.partition_point(|&t| t <= now);
                e.times.insert(at, now);
                if e.times.len() > keep {
                    let excess = e.times.len() - keep;
                    e.times.drain(..excess);
                }
                e.times.len() as u64
            }
            CorrelationKind::ValueCount => {
                e.values.retain(|&(_, t)| t >= cutoff);
                if let Some(v) = value {
                    let h = value_hash(v);
                    let last = match e.values.iter().position(|&(x, _)| x == h) {
                        Some(i) => e.values.remove(i).1.max(now),
                        None => now,
                    };
                    let at = e.values.partition_point(|&(_, t)| t <= last);
                    e.values.insert(at, (h, last));
                    if e.values.len() > keep {
                        let excess = e.values.len() - keep;
                        e.values.drain(..excess);
                    }
                }
                e.values.len() as u64
            }
        }
    }

    /// The configured capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The state as a JSON value (an object: `capacity`, `tick`, `entries`).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// Replaces the state with one saved by [`DetectorState::to_value`] (capacity stays as configured).
    ///
    /// Recency stamps are renumbered in their saved order, so a hand-edited or hostile state
    /// (duplicate or huge stamps) still loads into a consistent LRU; the oldest keys beyond
    /// the capacity are dropped.
    pub fn load_value(&mut self, json: serde_json::Value) -> Result<(), String> {
        let loaded: DetectorState =
            serde_json::from_value(json).map_err(|e| alloc::format!("bad detector state: {e}"))?;
        let mut items: Vec<(String, Entry)> = loaded.entries.into_iter().collect();
        // Oldest first; ties keep key order (BTreeMap order), so loading is deterministic.
        items.sort_by_key(|(_, e)| e.used);
        let skip = items.len().saturating_sub(self.capacity);
        let mut state = DetectorState {
            capacity: self.capacity,
            ..Default::default()
        };
        for (key, mut entry) in items.into_iter().skip(skip) {
            state.tick += 1;
            entry.used = state.tick;
            state.order.insert(state.tick, key.clone());
            state.entries.insert(key, entry);
        }
        *self = state;
        Ok(())
    }
}

/// Score added for what the state found new.
pub fn boost(ctx: &Context) -> u32 {
    let mut b = 0;
    if ctx.first_seen_user_ip {
        b += 10;
    }
    if ctx.first_seen_user_exec {
        b += 5;
    }
    if ctx.exec_spike {
        b += 15;
    }
    if ctx.discovery_burst {
        b += 25;
    }
    b
}
