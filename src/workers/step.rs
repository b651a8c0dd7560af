//! The step every worker loop is made of: what one `tick()` did, and the idle wait between
//! steps.

use tokio::sync::watch;

/// What one step of a worker did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Handled this many items (shipments, bodies, parcels, deliveries); more may be waiting.
    Worked(usize),
    /// Found nothing to do (or failed and logged it): wait before the next step.
    Idle,
    /// Told to stop, or the worker cannot go on.
    Stop,
}

/// Sleeps for `d`, or until woken or told to stop; returns true when told to stop.
pub async fn idle(
    d: std::time::Duration,
    wake: &tokio::sync::Notify,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => {}
        _ = wake.notified() => {}
        _ = stop.changed() => {}
    }
    *stop.borrow()
}
