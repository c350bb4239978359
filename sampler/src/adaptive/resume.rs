//! Taking and restoring checkpoints: the decision task takes one from the controllers it owns, and
//! a restart restores it before the first span, so each key resumes at the probability it had
//! learned instead of `initial_probability`.
//!
//! Only what the policies learned is kept. Targets and overrides are the config's: a fixed
//! probability configured for a key wins over the checkpoint, and changes made with `PUT /sampling`
//! are not kept, so a restart runs the config as written (as a reload does).

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, SystemTime};

use super::checkpoint::{Checkpoint, CheckpointError};
use super::settings::Fixed;
use super::{AdaptiveSampler, Controllers, KeyState, OTHER_KEY};

/// What a restore brought back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Restored {
    /// Keys that resume from the checkpoint.
    pub keys: usize,
    /// Keys left out because the sampler already tracks `max_keys`.
    pub past_max_keys: usize,
}

impl AdaptiveSampler {
    /// What every key's policy has learned so far, taken at wall-clock time `now`.
    pub fn checkpoint(&self, controllers: &Controllers, now: SystemTime) -> Checkpoint {
        Checkpoint::new(self.settings.key_by, now, controllers.learned())
    }

    /// Resumes from `checkpoint`, before any span: each key gets a controller that continues from
    /// what it learned, and the probability it had (held within the configured bounds, or the key's
    /// configured fixed probability). `now` is the decisions' clock, `wall` the wall clock the
    /// checkpoint's age is read on; refused whole if it is older than `max_age` or keyed otherwise.
    pub fn restore(
        &self,
        controllers: &mut Controllers,
        checkpoint: Checkpoint,
        max_age: Duration,
        wall: SystemTime,
        now: Duration,
    ) -> Result<Restored, CheckpointError> {
        checkpoint.usable(self.settings.key_by, wall, max_age)?;
        let keys = self.keys.pin();
        let mut restored = Restored::default();
        for (name, learned) in checkpoint.into_learned() {
            let fixed = match self.settings.fixed(&name) {
                Some(Fixed::Probability(p)) => Some(*p),
                _ => None,
            };
            let state = if name == OTHER_KEY {
                &self.other
            } else if let Some(existing) = keys.get(name.as_str()) {
                existing
            } else if self.count.load(Relaxed) < self.settings.max_keys {
                let initial = fixed.unwrap_or(self.settings.initial_probability);
                match keys.try_insert_with(name.as_str().into(), || {
                    KeyState::new(initial, &self.buckets)
                }) {
                    Ok(inserted) => {
                        self.count.fetch_add(1, Relaxed);
                        inserted
                    }
                    Err(existing) => existing,
                }
            } else {
                restored.past_max_keys += 1;
                continue;
            };
            let p = controllers.resume(&name, &self.settings, now, learned);
            state.set_probability(fixed.unwrap_or(p));
            restored.keys += 1;
        }
        Ok(restored)
    }
}

#[cfg(test)]
mod tests;
