//! From a batch to the requests that carry it, kept until each one is written.
//!
//! A retried batch resumes at the request that failed instead of being translated again, which
//! would add its delta points to their running totals a second time and send again what the receiver
//! already wrote (a 1.0 receiver answers 400 to samples it already has).

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use weir_proto::{Encoded, Payload};

use super::model::{Labels, SeriesSet};
use super::split::{Limits, split};
use super::translate::{DeltaAccumulator, Dropped, Settings, Translation, Translator};

/// Most series whose delta points are being summed; points of further series are dropped (and
/// counted) until idle ones are forgotten.
const DELTA_MAX_SERIES: usize = 100_000;

/// A delta series with no point for this long is forgotten, and starts from zero if it comes back.
const DELTA_IDLE: Duration = Duration::from_secs(15 * 60);

/// How often idle delta series are looked for: each look walks every series.
const DELTA_EXPIRY_PERIOD: Duration = Duration::from_secs(60);

/// The requests of one sender, sent in order.
pub(super) type Lane = VecDeque<Arc<SeriesSet>>;

/// The translator and the requests of the batch being sent.
pub(super) struct Outbox {
    translator: Translator,
    external_labels: Labels,
    limits: Limits,
    /// The batch `lanes` come from. Weak, so the batch is not kept alive once the queue gives up
    /// on it, yet its address cannot be reused by a later batch while this points at it.
    batch: Weak<Encoded>,
    /// The batch's requests, one lane per sender: each series is in one lane only, so lanes may be
    /// sent concurrently and every series still arrives in order.
    lanes: Vec<Lane>,
    dropped: Dropped,
    /// Native-histogram samples of the batch taken out because the receiver does not store them.
    refused_histograms: u64,
    deltas_expired_at: SystemTime,
}

impl Outbox {
    /// An empty outbox translating with `settings`, adding `external_labels` to every series, and
    /// sharing each batch's series among `senders` lanes.
    pub(super) fn new(
        settings: Settings,
        external_labels: Labels,
        limits: Limits,
        senders: NonZeroUsize,
    ) -> Self {
        Outbox {
            translator: Translator::new(settings, DeltaAccumulator::new(DELTA_MAX_SERIES)),
            external_labels,
            limits,
            batch: Weak::new(),
            lanes: vec![Lane::new(); senders.get()],
            dropped: Dropped::default(),
            refused_histograms: 0,
            deltas_expired_at: SystemTime::now(),
        }
    }

    /// Whether the requests held are `batch`'s.
    pub(super) fn holds(&self, batch: &Arc<Encoded>) -> bool {
        std::ptr::eq(self.batch.as_ptr(), Arc::as_ptr(batch))
    }

    /// Replaces what is held by the requests of `batch`, a metrics batch. CPU work: call it off the
    /// async runtime.
    pub(super) fn fill(&mut self, batch: &Arc<Encoded>) {
        self.expire_deltas(SystemTime::now());
        self.lanes.iter_mut().for_each(Lane::clear);
        let Payload::Metrics(request) = batch.decode() else {
            return;
        };
        let Translation {
            mut series,
            dropped,
        } = self.translator.translate(&request);
        if !self.external_labels.is_empty() {
            for one in &mut series.series {
                one.labels.add_missing(&self.external_labels);
            }
        }
        let shares = share(series, self.lanes.len());
        for (lane, share) in self.lanes.iter_mut().zip(shares) {
            lane.extend(split(share, self.limits).into_iter().map(Arc::new));
        }
        self.batch = Arc::downgrade(batch);
        self.dropped = dropped;
        self.refused_histograms = 0;
    }

    /// The lanes of requests still to send, each to be sent in order; a sent request is popped.
    pub(super) fn lanes_mut(&mut self) -> &mut [Lane] {
        &mut self.lanes
    }

    /// The points of the batch held that were not translated.
    pub(super) fn dropped(&self) -> &Dropped {
        &self.dropped
    }

    /// The points of the batch held that will never be sent: those not translated and the native
    /// histograms taken out.
    pub(super) fn rejected(&self) -> u64 {
        self.dropped.total() + self.refused_histograms
    }

    /// Counts `n` native-histogram samples taken out of the lanes (see [`drop_native_histograms`]).
    pub(super) fn refused_histograms(&mut self, n: u64) {
        self.refused_histograms += n;
    }

    fn expire_deltas(&mut self, now: SystemTime) {
        if now
            .duration_since(self.deltas_expired_at)
            .is_ok_and(|since| since < DELTA_EXPIRY_PERIOD)
        {
            return;
        }
        self.deltas_expired_at = now;
        let cutoff = now
            .checked_sub(DELTA_IDLE)
            .and_then(|cutoff| cutoff.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |since| {
                u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
            });
        let forgotten = self.translator.deltas_mut().forget_before(cutoff);
        if forgotten > 0 {
            tracing::debug!(message = "Idle delta series forgotten.", forgotten);
        }
    }
}

/// `set`'s series dealt into `lanes` sets of about equal samples, each series whole in one.
fn share(set: SeriesSet, lanes: usize) -> Vec<SeriesSet> {
    let mut shares = vec![SeriesSet::default(); lanes.max(1)];
    let mut points = vec![0usize; shares.len()];
    for series in set.series {
        let lightest = (0..points.len()).min_by_key(|&i| points[i]).unwrap_or(0);
        points[lightest] += series.point_count();
        shares[lightest].series.push(series);
    }
    shares
}

/// Takes every native-histogram sample out of `lane`'s requests, leaving out requests with nothing
/// else, and returns how many were taken.
pub(super) fn drop_native_histograms(lane: &mut Lane) -> u64 {
    let mut taken = 0;
    for request in std::mem::take(lane) {
        if !request.has_histograms() {
            lane.push_back(request);
            continue;
        }
        let mut set = Arc::unwrap_or_clone(request);
        for series in &mut set.series {
            taken += series.histograms.len() as u64;
            series.histograms.clear();
        }
        set.series.retain(|series| series.point_count() > 0);
        if !set.is_empty() {
            lane.push_back(Arc::new(set));
        }
    }
    taken
}

#[cfg(test)]
mod tests;
