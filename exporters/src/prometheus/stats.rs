//! What the remote-write exporter counts besides each batch's outcome, for the collector to serve on
//! `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering};

use super::Dropped;

/// Why data points were not translated, as `/metrics` labels them, in [`RemoteWriteStats::dropped`]'s order.
pub const DROP_REASONS: [&str; 4] = [
    "invalid",
    "unsupported_scale",
    "delta_out_of_order",
    "delta_series_limit",
];

/// Counters of one remote-write exporter; only ever added to.
#[derive(Debug, Default)]
pub struct RemoteWriteStats {
    compression_fallbacks: AtomicU64,
    protocol_fallbacks: AtomicU64,
    refused_native_histograms: AtomicU64,
    dropped: [AtomicU64; DROP_REASONS.len()],
}

impl RemoteWriteStats {
    /// Times the receiver refused zstd and the exporter switched to snappy (at most once).
    pub fn compression_fallbacks(&self) -> u64 {
        self.compression_fallbacks.load(Ordering::Relaxed)
    }

    /// Times the receiver answered a Remote-Write 2.0 request as only a 1.0 receiver does and the
    /// exporter switched to 1.0 (at most once).
    pub fn protocol_fallbacks(&self) -> u64 {
        self.protocol_fallbacks.load(Ordering::Relaxed)
    }

    /// Native-histogram samples not sent because the receiver does not store native histograms.
    pub fn refused_native_histograms(&self) -> u64 {
        self.refused_native_histograms.load(Ordering::Relaxed)
    }

    /// Data points not translated, per reason in [`DROP_REASONS`]' order.
    pub fn dropped(&self) -> [u64; DROP_REASONS.len()] {
        self.dropped
            .each_ref()
            .map(|counter| counter.load(Ordering::Relaxed))
    }

    pub(super) fn count_fallback(&self) {
        self.compression_fallbacks.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn count_protocol_fallback(&self) {
        self.protocol_fallbacks.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn count_refused_native_histograms(&self, samples: u64) {
        self.refused_native_histograms
            .fetch_add(samples, Ordering::Relaxed);
    }

    pub(super) fn count_dropped(&self, dropped: &Dropped) {
        let by_reason = [
            dropped.invalid,
            dropped.unsupported_scale,
            dropped.delta_out_of_order,
            dropped.delta_series_limit,
        ];
        for (counter, n) in self.dropped.iter().zip(by_reason) {
            if n > 0 {
                counter.fetch_add(n, Ordering::Relaxed);
            }
        }
    }
}
