//! Retry with exponential backoff and jitter.
//!
//! [`send_with_retry`] sends a batch until it succeeds, fails permanently, or runs out of time. The
//! waits come from [`Backoff`], a pure computation kept apart so its bounds can be tested without a clock.
//!
//! A destination's own hint (gRPC `RetryInfo`, HTTP `Retry-After`) replaces the computed wait for that
//! retry, neither capped by `max_interval` nor jittered: the server knows its load better than our curve
//! does, and the OTLP spec asks clients to wait what it says. The hint is still bounded by
//! `max_elapsed_time`: a hint that ends past the deadline gives up at once instead of sleeping into it.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tracing::warn;
use weir_config::RetryConfig;
use weir_proto::Encoded;

use crate::{ExportError, ExportOutcome, Exporter};

/// When and how often a failed export is sent again.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retry retryable failures at all; when false, every batch gets exactly one attempt.
    pub enabled: bool,
    /// Wait before the first retry.
    pub initial_interval: Duration,
    /// Largest computed wait before jitter.
    pub max_interval: Duration,
    /// Give up once this much time has passed since the first attempt; `None` retries until cancelled.
    pub max_elapsed_time: Option<Duration>,
    /// Growth of the wait from one retry to the next, at least 1.
    pub multiplier: f64,
    /// Jitter: each wait is drawn from `wait × [1 − factor, 1 + factor]`, with the factor in `[0, 1]`.
    pub randomization_factor: f64,
}

impl From<&RetryConfig> for RetryPolicy {
    /// Takes the config as is, except that out-of-range numbers are clamped rather than trusted: a
    /// multiplier below 1 (or NaN) becomes 1, and the randomization factor is clamped to `[0, 1]` (NaN
    /// becomes 0), since the config crate does not validate them.
    fn from(config: &RetryConfig) -> Self {
        let multiplier = if config.multiplier >= 1.0 {
            config.multiplier
        } else {
            1.0
        };
        let randomization_factor = if config.randomization_factor.is_nan() {
            0.0
        } else {
            config.randomization_factor.clamp(0.0, 1.0)
        };
        RetryPolicy {
            enabled: config.enabled,
            initial_interval: config.initial_interval,
            max_interval: config.max_interval,
            max_elapsed_time: (!config.max_elapsed_time.is_zero())
                .then_some(config.max_elapsed_time),
            multiplier,
            randomization_factor,
        }
    }
}

impl Default for RetryPolicy {
    /// The policy of the default `retry_on_failure` config.
    fn default() -> Self {
        RetryPolicy::from(&RetryConfig::default())
    }
}

/// The sequence of waits between attempts: `min(initial × multiplierⁿ, max_interval)`, jittered.
#[derive(Clone, Debug)]
pub struct Backoff {
    initial: f64,
    max: f64,
    multiplier: f64,
    randomization_factor: f64,
    retries: u32,
}

impl Backoff {
    /// A backoff at its first retry.
    pub fn new(policy: &RetryPolicy) -> Self {
        Backoff {
            initial: policy.initial_interval.as_secs_f64(),
            max: policy.max_interval.as_secs_f64(),
            multiplier: policy.multiplier.max(1.0),
            randomization_factor: policy.randomization_factor.clamp(0.0, 1.0),
            retries: 0,
        }
    }

    /// The wait before retry `n` (0 for the first) before jitter: `min(initial × multiplierⁿ, max_interval)`.
    pub fn interval(&self, n: u32) -> Duration {
        // powi saturates to infinity on overflow, which `min` then brings back to the cap.
        let exponent = i32::try_from(n).unwrap_or(i32::MAX);
        let secs = (self.initial * self.multiplier.powi(exponent)).min(self.max);
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::ZERO)
    }

    /// Spreads `wait` over `wait × [1 − factor, 1 + factor]`, `unit` in `[0, 1]` picking the point.
    pub fn jitter(&self, wait: Duration, unit: f64) -> Duration {
        let r = self.randomization_factor;
        let scale = 1.0 - r + 2.0 * r * unit.clamp(0.0, 1.0);
        Duration::try_from_secs_f64(wait.as_secs_f64() * scale).unwrap_or(wait)
    }

    /// The jittered wait before the next retry, advancing the sequence.
    pub fn next_wait(&mut self) -> Duration {
        let wait = self.interval(self.retries);
        self.skip();
        self.jitter(wait, rand::random::<f64>())
    }

    /// Advances the sequence without drawing a wait, for a retry whose wait the destination chose.
    pub fn skip(&mut self) {
        self.retries = self.retries.saturating_add(1);
    }
}

/// Why [`send_with_retry`] gave up on a batch.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    /// The destination will never accept the batch.
    #[error("export failed permanently after {attempts} attempt(s): {last}")]
    Permanent {
        /// Attempts made, the failing one included.
        attempts: u32,
        /// The permanent failure.
        #[source]
        last: ExportError,
    },
    /// The next retry would end past `max_elapsed_time`.
    #[error(
        "export gave up after {attempts} attempt(s) in {elapsed:?}, the retry time limit: {last}"
    )]
    TimeLimit {
        /// Attempts made.
        attempts: u32,
        /// Time since the first attempt when it gave up.
        elapsed: Duration,
        /// The last retryable failure.
        #[source]
        last: ExportError,
    },
    /// Retries are disabled and the single attempt failed.
    #[error("export failed and retries are disabled: {last}")]
    Disabled {
        /// The failure of the only attempt.
        #[source]
        last: ExportError,
    },
}

impl RetryError {
    /// Attempts made before giving up.
    pub fn attempts(&self) -> u32 {
        match self {
            RetryError::Permanent { attempts, .. } | RetryError::TimeLimit { attempts, .. } => {
                *attempts
            }
            RetryError::Disabled { .. } => 1,
        }
    }

    /// The failure of the last attempt.
    pub fn last_error(&self) -> &ExportError {
        match self {
            RetryError::Permanent { last, .. }
            | RetryError::TimeLimit { last, .. }
            | RetryError::Disabled { last } => last,
        }
    }
}

/// Sends `batch` through `exporter`, retrying retryable failures as `policy` says.
///
/// Cancel by dropping the future: it holds no lock and only ever waits in `tokio::time::sleep` or in the
/// exporter.
pub async fn send_with_retry(
    exporter: &dyn Exporter,
    batch: Arc<Encoded>,
    policy: &RetryPolicy,
) -> Result<ExportOutcome, RetryError> {
    let start = Instant::now();
    let mut backoff = Backoff::new(policy);
    let mut attempts: u32 = 0;
    loop {
        attempts = attempts.saturating_add(1);
        let error = match exporter.export(Arc::clone(&batch)).await {
            Ok(outcome) => return Ok(outcome),
            Err(error) => error,
        };
        let wait = match &error {
            ExportError::Permanent { .. } => {
                return Err(RetryError::Permanent {
                    attempts,
                    last: error,
                });
            }
            ExportError::Retryable { .. } if !policy.enabled => {
                return Err(RetryError::Disabled { last: error });
            }
            ExportError::Retryable {
                retry_after: Some(hint),
                ..
            } => {
                backoff.skip();
                *hint
            }
            ExportError::Retryable {
                retry_after: None, ..
            } => backoff.next_wait(),
        };
        let elapsed = start.elapsed();
        if policy
            .max_elapsed_time
            .is_some_and(|limit| elapsed.saturating_add(wait) > limit)
        {
            return Err(RetryError::TimeLimit {
                attempts,
                elapsed,
                last: error,
            });
        }
        warn!(message = "Export failed; retrying.", %error, attempts, wait = ?wait, signal = %batch.signal());
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    use futures::future::BoxFuture;
    use proptest::prelude::*;
    use weir_proto::Signal;

    fn policy(initial_ms: u64, max_ms: u64, multiplier: f64, factor: f64) -> RetryPolicy {
        RetryPolicy {
            enabled: true,
            initial_interval: Duration::from_millis(initial_ms),
            max_interval: Duration::from_millis(max_ms),
            max_elapsed_time: None,
            multiplier,
            randomization_factor: factor,
        }
    }

    #[test]
    fn interval_grows_by_the_multiplier_until_the_cap() {
        let backoff = Backoff::new(&policy(100, 1000, 2.0, 0.0));
        let waits: Vec<_> = (0..6).map(|n| backoff.interval(n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
    }

    #[test]
    fn interval_never_overflows() {
        let backoff = Backoff::new(&policy(5000, 30_000, 1.5, 0.5));
        assert_eq!(backoff.interval(u32::MAX), Duration::from_secs(30));
    }

    #[test]
    fn jitter_spans_the_whole_range() {
        let backoff = Backoff::new(&policy(1000, 1000, 1.0, 0.5));
        let wait = Duration::from_secs(1);
        assert_eq!(backoff.jitter(wait, 0.0), Duration::from_millis(500));
        assert_eq!(backoff.jitter(wait, 0.5), Duration::from_secs(1));
        assert_eq!(backoff.jitter(wait, 1.0), Duration::from_millis(1500));
    }

    #[test]
    fn no_jitter_without_randomization() {
        let mut backoff = Backoff::new(&policy(100, 1000, 2.0, 0.0));
        let waits: Vec<_> = (0..5).map(|_| backoff.next_wait().as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000]);
    }

    #[test]
    fn policy_from_config_clamps_and_maps_zero_to_unlimited() {
        let config = RetryConfig {
            max_elapsed_time: Duration::ZERO,
            multiplier: 0.5,
            randomization_factor: 7.0,
            ..RetryConfig::default()
        };
        let policy = RetryPolicy::from(&config);
        assert_eq!(policy.max_elapsed_time, None);
        assert_eq!(policy.multiplier, 1.0);
        assert_eq!(policy.randomization_factor, 1.0);
        assert_eq!(
            RetryPolicy::default().max_elapsed_time,
            Some(Duration::from_secs(300))
        );
    }

    proptest! {
        #[test]
        fn next_wait_stays_within_the_jittered_bounds(
            initial_ms in 0u64..10_000,
            max_ms in 0u64..60_000,
            multiplier in 1.0f64..4.0,
            factor in 0.0f64..=1.0,
            retries in 0u32..64,
        ) {
            let mut backoff = Backoff::new(&policy(initial_ms, max_ms, multiplier, factor));
            for _ in 0..retries {
                backoff.skip();
            }
            let base = backoff.interval(retries).as_secs_f64();
            prop_assert!(base <= Duration::from_millis(max_ms).as_secs_f64());
            let wait = backoff.next_wait().as_secs_f64();
            prop_assert!(wait >= base * (1.0 - factor) - 1e-9);
            prop_assert!(wait <= base * (1.0 + factor) + 1e-9);
        }

        #[test]
        fn interval_never_shrinks(
            initial_ms in 0u64..10_000,
            max_ms in 0u64..60_000,
            multiplier in 1.0f64..4.0,
            n in 0u32..200,
        ) {
            let backoff = Backoff::new(&policy(initial_ms, max_ms, multiplier, 0.0));
            prop_assert!(backoff.interval(n + 1) >= backoff.interval(n));
        }
    }

    /// Fails with the scripted errors in order, then succeeds.
    struct Scripted {
        failures: Vec<fn() -> ExportError>,
        attempts: AtomicU32,
    }

    impl Scripted {
        fn new(failures: Vec<fn() -> ExportError>) -> Self {
            Scripted {
                failures,
                attempts: AtomicU32::new(0),
            }
        }
    }

    impl Exporter for Scripted {
        fn export(
            &self,
            _batch: Arc<Encoded>,
        ) -> BoxFuture<'_, Result<ExportOutcome, ExportError>> {
            let n = self.attempts.fetch_add(1, Ordering::SeqCst) as usize;
            let result = self
                .failures
                .get(n)
                .map_or(Ok(ExportOutcome::default()), |f| Err(f()));
            Box::pin(async move { result })
        }
    }

    fn unavailable() -> ExportError {
        ExportError::Retryable {
            reason: "unavailable".into(),
            retry_after: None,
        }
    }

    fn throttled() -> ExportError {
        ExportError::Retryable {
            reason: "slow down".into(),
            retry_after: Some(Duration::from_secs(10)),
        }
    }

    fn rejected() -> ExportError {
        ExportError::Permanent {
            reason: "bad".into(),
        }
    }

    fn batch() -> Arc<Encoded> {
        Arc::new(Encoded::empty(Signal::Traces))
    }

    #[tokio::test(start_paused = true)]
    async fn retries_until_success() {
        let exporter = Scripted::new(vec![unavailable, unavailable]);
        let outcome = send_with_retry(&exporter, batch(), &policy(10, 100, 2.0, 0.5)).await;
        assert!(outcome.is_ok());
        assert_eq!(exporter.attempts.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn honours_the_hint_exactly() {
        let exporter = Scripted::new(vec![throttled]);
        let start = Instant::now();
        let outcome = send_with_retry(&exporter, batch(), &policy(10, 100, 2.0, 0.5)).await;
        assert!(outcome.is_ok());
        assert_eq!(start.elapsed().as_secs(), 10);
    }

    #[tokio::test(start_paused = true)]
    async fn stops_at_a_permanent_error() {
        let exporter = Scripted::new(vec![unavailable, rejected, unavailable]);
        let error = send_with_retry(&exporter, batch(), &policy(10, 100, 2.0, 0.5))
            .await
            .unwrap_err();
        assert!(
            matches!(error, RetryError::Permanent { attempts: 2, .. }),
            "{error}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_at_the_time_limit() {
        let exporter = Scripted::new(vec![unavailable; 100]);
        let policy = RetryPolicy {
            max_elapsed_time: Some(Duration::from_millis(350)),
            ..policy(100, 100, 1.0, 0.0)
        };
        let error = send_with_retry(&exporter, batch(), &policy)
            .await
            .unwrap_err();
        assert!(
            matches!(error, RetryError::TimeLimit { attempts: 4, .. }),
            "{error}"
        );
        assert!(error.last_error().is_retryable());
    }

    #[tokio::test(start_paused = true)]
    async fn a_hint_past_the_time_limit_gives_up_at_once() {
        let exporter = Scripted::new(vec![throttled]);
        let policy = RetryPolicy {
            max_elapsed_time: Some(Duration::from_secs(5)),
            ..policy(10, 100, 2.0, 0.5)
        };
        let start = Instant::now();
        let error = send_with_retry(&exporter, batch(), &policy)
            .await
            .unwrap_err();
        assert_eq!(error.attempts(), 1);
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn retries_until_cancelled_without_a_time_limit() {
        let exporter = Scripted::new(vec![unavailable; 10_000]);
        let policy = policy(100, 1000, 2.0, 0.5);
        let hour = Duration::from_secs(3600);
        let result = tokio::time::timeout(hour, send_with_retry(&exporter, batch(), &policy)).await;
        assert!(result.is_err(), "stopped on its own: {result:?}");
        assert!(exporter.attempts.load(Ordering::SeqCst) > 2000);
    }

    #[test]
    fn the_retry_future_can_be_spawned() {
        fn assert_send<T: Send>(_: &T) {}
        let exporter = Scripted::new(vec![]);
        let policy = RetryPolicy::default();
        assert_send(&send_with_retry(&exporter, batch(), &policy));
    }

    #[tokio::test(start_paused = true)]
    async fn one_attempt_when_disabled() {
        let exporter = Scripted::new(vec![unavailable, unavailable]);
        let policy = RetryPolicy {
            enabled: false,
            ..policy(10, 100, 2.0, 0.5)
        };
        let error = send_with_retry(&exporter, batch(), &policy)
            .await
            .unwrap_err();
        assert!(matches!(error, RetryError::Disabled { .. }));
        assert_eq!(exporter.attempts.load(Ordering::SeqCst), 1);
    }
}
