//! Starts the background workers: the poller, the stale sweeper, the webhook inbox
//! processor, the DPD feed, the callback delivery worker.

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::AppState;

/// Spawns every worker this process runs; each stops when `stop` turns true.
pub fn spawn(state: &AppState, stop: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    if state.config.poller.enabled {
        tasks.push(tokio::spawn(crate::poller::run(
            state.clone(),
            stop.clone(),
        )));
        if state.registry.all().any(|c| c.event_feed().is_some()) {
            tasks.push(tokio::spawn(crate::feed::run(state.clone(), stop.clone())));
        }
        tasks.push(tokio::spawn(crate::sweeper::run(
            state.clone(),
            stop.clone(),
        )));
    }
    if state.config.callbacks.enabled {
        tasks.push(tokio::spawn(crate::dispatch::worker::run(
            state.clone(),
            stop.clone(),
        )));
    }
    tasks.push(tokio::spawn(crate::inbound::run(state.clone(), stop)));
    tasks
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
