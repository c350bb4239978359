//! The checkpoint format: what the policies learned, per key, as versioned JSON a person can read.
//!
//! ```json
//! { "version": 1, "written_at_unix_ms": 1767225600000, "key": "service",
//!   "keys": [{ "service": "checkout", "probability": 0.05, "base_probability": 0.05,
//!              "traces_per_second": 200.0, "error_rate": 0.0 }] }
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use weir_config::SamplingKey;

use super::controller::Learned;
use super::key::{key_name, split_key};

/// The format version this weir writes, and the only one it reads.
pub const CHECKPOINT_VERSION: u64 = 1;

/// A sampler's learned state at one moment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    version: u64,
    written_at_unix_ms: u64,
    /// What a probability was kept per: a checkpoint is only good for a sampler keyed the same way.
    key: SamplingKey,
    keys: Vec<SavedKey>,
}

/// One key's learned state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct SavedKey {
    service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    operation: Option<String>,
    probability: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base_probability: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    traces_per_second: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error_rate: Option<f64>,
}

/// Just the version, read first so a file of another version is named as such rather than as
/// malformed.
#[derive(Deserialize)]
struct Version {
    version: u64,
}

/// Why a checkpoint cannot be used; the sampler then starts from `initial_probability`.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// Not JSON of the checkpoint's shape: truncated, corrupt, or another file.
    #[error(
        "it is not a sampler checkpoint ({0}): it may be truncated or corrupt; the next checkpoint replaces it"
    )]
    Malformed(#[from] serde_json::Error),
    /// Written in a format this weir does not read.
    #[error(
        "it is in checkpoint format version {0}, and this weir reads version {CHECKPOINT_VERSION}; the next checkpoint replaces it"
    )]
    Version(u64),
    /// Written by a sampler keyed otherwise, so its keys mean something else.
    #[error(
        "it was written by a sampler with `key: {written}`, and this one has `key: {configured}`; the next checkpoint replaces it"
    )]
    Key {
        /// The checkpoint's keying.
        written: &'static str,
        /// The sampler's.
        configured: &'static str,
    },
    /// Older than `checkpoint.max_age`.
    #[error(
        "it was written {}s ago, more than checkpoint.max_age ({}s); raise max_age to resume from older checkpoints",
        .age.as_secs(), .max_age.as_secs()
    )]
    Stale {
        /// How long ago it was written.
        age: Duration,
        /// The configured bound.
        max_age: Duration,
    },
}

impl Checkpoint {
    /// A checkpoint of `learned` (key name and state) taken at `written_at` by a sampler keyed by
    /// `key`; keys are sorted by name, so the file reads in order and diffs well.
    pub(crate) fn new<'a>(
        key: SamplingKey,
        written_at: SystemTime,
        learned: impl Iterator<Item = (&'a str, Learned)>,
    ) -> Checkpoint {
        let mut keys: Vec<SavedKey> = learned
            .map(|(name, learned)| {
                let (service, operation) = split_key(name);
                SavedKey {
                    service: service.to_owned(),
                    operation: operation.map(str::to_owned),
                    probability: learned.probability,
                    base_probability: learned.base,
                    traces_per_second: learned.traces_per_second,
                    error_rate: learned.error_rate,
                }
            })
            .collect();
        keys.sort_unstable_by(|a, b| (&a.service, &a.operation).cmp(&(&b.service, &b.operation)));
        let since_epoch = written_at.duration_since(UNIX_EPOCH).unwrap_or_default();
        Checkpoint {
            version: CHECKPOINT_VERSION,
            written_at_unix_ms: u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX),
            key,
            keys,
        }
    }

    /// The checkpoint as JSON, one field a line.
    pub fn to_json(&self) -> Vec<u8> {
        // Plain structs of strings and numbers always serialize; a NaN would become `null`, which
        // reading refuses rather than misreads.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// Reads a checkpoint written by [`Checkpoint::to_json`].
    pub fn from_json(bytes: &[u8]) -> Result<Checkpoint, CheckpointError> {
        let Version { version } = serde_json::from_slice(bytes)?;
        if version != CHECKPOINT_VERSION {
            return Err(CheckpointError::Version(version));
        }
        Ok(serde_json::from_slice(bytes)?)
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether it holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// How long before `now` it was written; zero if the clock says it is from the future.
    pub fn age(&self, now: SystemTime) -> Duration {
        let written = UNIX_EPOCH + Duration::from_millis(self.written_at_unix_ms);
        now.duration_since(written).unwrap_or_default()
    }

    /// Checks that a sampler keyed by `key` may resume from it at `now`.
    pub(crate) fn usable(
        &self,
        key: SamplingKey,
        now: SystemTime,
        max_age: Duration,
    ) -> Result<(), CheckpointError> {
        if self.key != key {
            return Err(CheckpointError::Key {
                written: key_setting(self.key),
                configured: key_setting(key),
            });
        }
        let age = self.age(now);
        if age > max_age {
            return Err(CheckpointError::Stale { age, max_age });
        }
        Ok(())
    }

    /// Every key's name and learned state, in the order they should take the sampler's key slots:
    /// busiest first, so keys past `max_keys` are the quiet ones.
    pub(crate) fn into_learned(self) -> Vec<(String, Learned)> {
        let mut keys = self.keys;
        keys.sort_by(|a, b| {
            let rate = |k: &SavedKey| k.traces_per_second.unwrap_or(0.0);
            rate(b).total_cmp(&rate(a))
        });
        keys.into_iter()
            .map(|k| {
                let learned = Learned {
                    probability: k.probability,
                    base: k.base_probability,
                    traces_per_second: k.traces_per_second,
                    error_rate: k.error_rate,
                };
                (key_name(&k.service, k.operation.as_deref()), learned)
            })
            .collect()
    }
}

/// `key` as the config writes it.
fn key_setting(key: SamplingKey) -> &'static str {
    match key {
        SamplingKey::Service => "service",
        SamplingKey::ServiceOperation => "service_operation",
    }
}
