//! Fault and latency knobs of the carrier sandbox: how slow its carrier APIs answer, how
//! often they fail with a 5xx, and how often they refuse with a 429 and `Retry-After`, so
//! benchmarks and fault tests can use the sandbox as a misbehaving carrier.

use std::time::Duration;

use rand::Rng;

/// What the sandbox does to one carrier API request before answering it.
#[derive(Debug, Clone, PartialEq)]
pub struct Knobs {
    /// Fixed delay added to every carrier API answer, in milliseconds.
    pub latency_ms: u64,
    /// Extra random delay, uniform in `0..=jitter_ms`, in milliseconds.
    pub jitter_ms: u64,
    /// Fraction of requests (0.0–1.0) answered with a 5xx.
    pub error_rate: f64,
    /// Fraction of requests (0.0–1.0) answered with a 429.
    pub rate_429: f64,
    /// The `Retry-After` seconds sent with a 429.
    pub retry_after_secs: u64,
}

impl Default for Knobs {
    /// A well-behaved carrier: no delay, no errors.
    fn default() -> Self {
        Knobs {
            latency_ms: 0,
            jitter_ms: 0,
            error_rate: 0.0,
            rate_429: 0.0,
            retry_after_secs: 1,
        }
    }
}

/// The fault chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer normally.
    None,
    /// Answer with a 5xx.
    ServerError,
    /// Answer with a 429 and `Retry-After`.
    TooManyRequests,
}

/// A knob value outside its range.
#[derive(Debug, thiserror::Error)]
#[error("sandbox knob `{0}` must be between 0 and 1")]
pub struct BadKnob(pub &'static str);

impl Knobs {
    /// Checks the rates are fractions.
    pub fn validate(&self) -> Result<(), BadKnob> {
        for (name, v) in [("error_rate", self.error_rate), ("rate_429", self.rate_429)] {
            if !(0.0..=1.0).contains(&v) || v.is_nan() {
                return Err(BadKnob(name));
            }
        }
        Ok(())
    }

    /// The delay for one request: `latency_ms` plus a random part of `jitter_ms`.
    pub fn delay(&self) -> Duration {
        let jitter = if self.jitter_ms > 0 {
            rand::thread_rng().gen_range(0..=self.jitter_ms)
        } else {
            0
        };
        Duration::from_millis(self.latency_ms.saturating_add(jitter))
    }

    /// Draws the fault for one request: a 429 with probability `rate_429`, else a 5xx with
    /// probability `error_rate`, else none.
    pub fn draw(&self) -> Fault {
        let mut rng = rand::thread_rng();
        if self.rate_429 > 0.0 && rng.gen_bool(self.rate_429.clamp(0.0, 1.0)) {
            return Fault::TooManyRequests;
        }
        if self.error_rate > 0.0 && rng.gen_bool(self.error_rate.clamp(0.0, 1.0)) {
            return Fault::ServerError;
        }
        Fault::None
    }

    /// Waits the delay, then draws the fault: what every carrier API handler does first.
    pub async fn apply(&self) -> Fault {
        let d = self.delay();
        if !d.is_zero() {
            tokio::time::sleep(d).await;
        }
        self.draw()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certain_rates_always_fire_and_zero_rates_never_do() {
        let mut k = Knobs::default();
        assert!((0..1000).all(|_| k.draw() == Fault::None));
        k.error_rate = 1.0;
        assert!((0..100).all(|_| k.draw() == Fault::ServerError));
        k.rate_429 = 1.0;
        assert!((0..100).all(|_| k.draw() == Fault::TooManyRequests));
    }

    #[test]
    fn rates_are_roughly_honoured() {
        let k = Knobs {
            error_rate: 0.3,
            ..Knobs::default()
        };
        let errors = (0..10_000)
            .filter(|_| k.draw() == Fault::ServerError)
            .count();
        assert!((2_500..3_500).contains(&errors), "{errors}");
    }

    #[test]
    fn delay_stays_within_latency_and_jitter() {
        let k = Knobs {
            latency_ms: 10,
            jitter_ms: 5,
            ..Knobs::default()
        };
        for _ in 0..100 {
            let d = k.delay().as_millis();
            assert!((10..=15).contains(&d), "{d}");
        }
    }

    #[test]
    fn rates_outside_zero_to_one_are_refused() {
        let k = Knobs {
            rate_429: 1.5,
            ..Knobs::default()
        };
        assert!(k.validate().unwrap_err().to_string().contains("rate_429"));
        assert!(Knobs::default().validate().is_ok());
    }
}
