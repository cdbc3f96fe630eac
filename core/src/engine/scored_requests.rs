//! The bounded set of requests already scored: one alert per API request, whatever stages
//! the audit policy keeps.
//!
//! A long-running request (exec, attach, port-forward, proxy, watch) is read with its facts
//! at every stage the log holds (`RequestReceived`, `ResponseStarted`, `ResponseComplete`,
//! `Panic`), so it is scored at the first of them. When a record with a request identity
//! (`ControlPlane::audit_id`: the `auditID`; GKE `operation.id`; Azure `operationId`)
//! matches, the engine remembers the request and the stage it was scored at; a later record
//! of the same request is not matched again and names that stage (`duplicate_of_stage`).
//!
//! **The key** is the audit ID together with a 64-bit fingerprint (FNV-1a) of what every
//! stage of one request repeats: user, verb, resource, subresource, namespace, name and
//! request URI. A client may choose its request's audit ID (the `Audit-ID` header), so the ID
//! alone would let a second, different request pass as a duplicate of an earlier one; with
//! the fingerprint it has to repeat the request too. IDs longer than [`MAX_ID_LEN`] bytes are
//! not remembered (such a request is scored at every stage).
//!
//! **Bounds.** At most `capacity` requests; the oldest scored is forgotten first (a FIFO
//! ring: a request is remembered once, when first scored, and never refreshed, so insertion
//! order is eviction order). Lookups go through a sorted index of 64-bit hashes
//! (`BTreeMap<u64, u64>`: hash → position in the ring); a hash shared by two different
//! requests only means the second is not remembered. Memory: about 150 bytes per request
//! with a 36-byte UUID audit ID (ring entry ~100 bytes with the ID's heap block, index ~40),
//! so ~600 KiB at the default capacity of 4096 once full; nothing is allocated before the
//! first match.
//!
//! Saved and restored as a JSON array, oldest first: `[["<audit id>", "<fingerprint, 16 hex
//! digits>", "<stage>"], ...]` under the key `scored_requests` of the engine's state.

use alloc::borrow::Cow;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;

use crate::event::ControlPlane;

/// Default capacity of the set ([`crate::Config::scored_requests`]).
pub const DEFAULT_CAPACITY: usize = 4096;

/// Longest audit ID remembered, in bytes (a UUID is 36).
pub const MAX_ID_LEN: usize = 128;

/// What a record without a `stage` is remembered as (a policy that logs one stage, a GKE
/// one-entry call).
pub const NO_STAGE: &str = "none";

/// The stage names the API server writes, kept without an allocation.
const KNOWN_STAGES: [&str; 5] = [
    "RequestReceived",
    "ResponseStarted",
    "ResponseComplete",
    "Panic",
    NO_STAGE,
];

/// Longest unknown stage name kept (a longer one is cut).
const MAX_STAGE_LEN: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Scored {
    id: String,
    fingerprint: u64,
    stage: Cow<'static, str>,
}

/// A request's identity across its stages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestKey {
    id: String,
    fingerprint: u64,
}

impl RequestKey {
    /// The key of a control-plane record, `None` when it has no (or too long an) audit ID.
    pub fn of(a: &ControlPlane<'_>) -> Option<RequestKey> {
        let id = a.audit_id.as_deref().filter(|id| id.len() <= MAX_ID_LEN)?;
        let mut h = Fnv::new();
        for part in [
            a.user.as_deref(),
            a.verb.as_deref(),
            a.resource.as_deref(),
            a.subresource.as_deref(),
            a.namespace.as_deref(),
            a.name.as_deref(),
            a.request_uri.as_deref(),
        ] {
            // A present value and an absent one never hash alike (0xff is never in UTF-8).
            match part {
                Some(p) => {
                    h.write(&[1]);
                    h.write(p.as_bytes());
                }
                None => h.write(&[0]),
            }
            h.write(&[0xff]);
        }
        Some(RequestKey {
            id: String::from(id),
            fingerprint: h.finish(),
        })
    }

    /// Hash of the whole key, for the index.
    fn slot(&self) -> u64 {
        let mut h = Fnv::new();
        h.write(self.id.as_bytes());
        h.write(&[0xff]);
        h.write(&self.fingerprint.to_le_bytes());
        h.finish()
    }
}

/// FNV-1a, 64 bits: small, no_std, the same value in every build.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The bounded set of recently scored requests (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct ScoredRequests {
    capacity: usize,
    ring: VecDeque<Scored>,
    /// Sequence number of `ring[0]`; entry `i` has number `head + i`.
    head: u64,
    /// Hash of the key → sequence number of its entry.
    index: BTreeMap<u64, u64>,
}

fn stage_name(stage: Option<&str>) -> Cow<'static, str> {
    let stage = stage.unwrap_or(NO_STAGE);
    match KNOWN_STAGES.iter().find(|s| **s == stage) {
        Some(s) => Cow::Borrowed(s),
        None => {
            let mut end = stage.len().min(MAX_STAGE_LEN);
            while !stage.is_char_boundary(end) {
                end -= 1;
            }
            Cow::Owned(String::from(&stage[..end]))
        }
    }
}

impl ScoredRequests {
    /// A set that remembers at most `capacity` requests (at least one).
    pub fn new(capacity: usize) -> ScoredRequests {
        ScoredRequests {
            capacity: capacity.max(1),
            ..ScoredRequests::default()
        }
    }

    /// Number of requests remembered.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// The stage `key` was scored at, when it was.
    pub fn scored_at(&self, key: &RequestKey) -> Option<&str> {
        let seq = *self.index.get(&key.slot())?;
        let e = self
            .ring
            .get(usize::try_from(seq.checked_sub(self.head)?).ok()?)?;
        (e.id == key.id && e.fingerprint == key.fingerprint).then_some(&*e.stage)
    }

    /// Remembers that `key` was scored at `stage` (`None`: a record without a stage).
    pub fn remember(&mut self, key: RequestKey, stage: Option<&str>) {
        let slot = key.slot();
        if self.index.contains_key(&slot) {
            // Already remembered, or another request with the same hash: not remembered.
            return;
        }
        if self.ring.len() >= self.capacity {
            if let Some(old) = self.ring.pop_front() {
                let old_slot = RequestKey {
                    id: old.id,
                    fingerprint: old.fingerprint,
                }
                .slot();
                if self.index.get(&old_slot) == Some(&self.head) {
                    self.index.remove(&old_slot);
                }
                self.head += 1;
            }
        }
        let seq = self.head + self.ring.len() as u64;
        self.index.insert(slot, seq);
        self.ring.push_back(Scored {
            id: key.id,
            fingerprint: key.fingerprint,
            stage: stage_name(stage),
        });
    }

    /// The set as a JSON value: `[[id, fingerprint hex, stage], ...]`, oldest first.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.ring
                .iter()
                .map(|e| {
                    serde_json::Value::Array(alloc::vec![
                        serde_json::Value::String(e.id.clone()),
                        serde_json::Value::String(alloc::format!("{:016x}", e.fingerprint)),
                        serde_json::Value::String(String::from(&*e.stage)),
                    ])
                })
                .collect(),
        )
    }

    /// Replaces the set with one saved by [`ScoredRequests::to_value`] (the capacity stays as
    /// configured: the newest entries that fit are kept). A malformed entry is an error.
    pub fn load_value(&mut self, value: &serde_json::Value) -> Result<(), String> {
        let bad = |why: &str| alloc::format!("bad detector state: scored_requests: {why}");
        let items = value.as_array().ok_or_else(|| bad("not an array"))?;
        let mut loaded: Vec<(RequestKey, Option<&str>)> =
            Vec::with_capacity(items.len().min(self.capacity));
        for item in items {
            let (id, fp, stage) = match item.as_array().map(Vec::as_slice) {
                Some([id, fp, stage]) => (id.as_str(), fp.as_str(), stage.as_str()),
                _ => return Err(bad("an entry is not [id, fingerprint, stage]")),
            };
            let (Some(id), Some(fp), Some(stage)) = (id, fp, stage) else {
                return Err(bad("an entry is not three strings"));
            };
            let fingerprint = (fp.len() == 16)
                .then(|| u64::from_str_radix(fp, 16).ok())
                .flatten()
                .ok_or_else(|| bad("a fingerprint is not 16 hex digits"))?;
            if id.len() > MAX_ID_LEN {
                continue;
            }
            loaded.push((
                RequestKey {
                    id: String::from(id),
                    fingerprint,
                },
                Some(stage),
            ));
        }
        let skip = loaded.len().saturating_sub(self.capacity);
        let mut fresh = ScoredRequests::new(self.capacity);
        for (key, stage) in loaded.into_iter().skip(skip) {
            fresh.remember(key, stage);
        }
        *self = fresh;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> RequestKey {
        let a = ControlPlane {
            audit_id: Some(Cow::Borrowed(id)),
            verb: Some(Cow::Borrowed("create")),
            ..ControlPlane::default()
        };
        RequestKey::of(&a).unwrap()
    }

    #[test]
    fn remembers_the_first_stage_and_evicts_the_oldest() {
        let mut s = ScoredRequests::new(2);
        s.remember(key("a"), Some("ResponseStarted"));
        s.remember(key("a"), Some("ResponseComplete"));
        assert_eq!(s.scored_at(&key("a")), Some("ResponseStarted"));
        s.remember(key("b"), None);
        assert_eq!(s.scored_at(&key("b")), Some(NO_STAGE));
        s.remember(key("c"), Some("Panic"));
        assert_eq!(s.len(), 2);
        assert_eq!(s.scored_at(&key("a")), None, "the oldest is forgotten");
        assert_eq!(s.scored_at(&key("c")), Some("Panic"));
        let mut t = ScoredRequests::new(1);
        t.load_value(&s.to_value()).unwrap();
        assert_eq!(t.scored_at(&key("c")), Some("Panic"), "the newest fit");
        assert_eq!(t.scored_at(&key("b")), None);
    }

    #[test]
    fn the_same_id_on_another_request_is_another_key() {
        let a = key("x");
        let b = RequestKey::of(&ControlPlane {
            audit_id: Some(Cow::Borrowed("x")),
            verb: Some(Cow::Borrowed("get")),
            ..ControlPlane::default()
        })
        .unwrap();
        assert_ne!(a, b);
        let mut s = ScoredRequests::new(8);
        s.remember(a, Some("ResponseStarted"));
        assert_eq!(s.scored_at(&b), None);
        assert!(RequestKey::of(&ControlPlane {
            audit_id: Some(Cow::Owned("x".repeat(MAX_ID_LEN + 1))),
            ..ControlPlane::default()
        })
        .is_none());
    }

    #[test]
    fn a_hostile_saved_set_is_an_error_or_cut_to_capacity() {
        let mut s = ScoredRequests::new(4);
        for bad in [
            serde_json::json!({}),
            serde_json::json!([["a", "zz", "RequestReceived"]]),
            serde_json::json!([["a", 1, "RequestReceived"]]),
            serde_json::json!([["a"]]),
        ] {
            assert!(s.load_value(&bad).is_err(), "{bad}");
        }
        let many: Vec<serde_json::Value> = (0..100)
            .map(|i| {
                serde_json::json!([alloc::format!("id{i}"), "0000000000000001", "x".repeat(100)])
            })
            .collect();
        s.load_value(&serde_json::Value::Array(many)).unwrap();
        assert_eq!(s.len(), 4);
        let k = RequestKey {
            id: String::from("id99"),
            fingerprint: 1,
        };
        assert_eq!(s.scored_at(&k).map(str::len), Some(MAX_STAGE_LEN));
    }
}
