//! The background workers and how they run: each is a loop over one `tick()` step that
//! returns a [`step::Outcome`]; on `Outcome::Idle` the worker sleeps ([`step::idle`]) until
//! its interval passes, it is woken, or it is told to stop.
//!
//! Workers here: the poller, the stale sweeper and the carrier feed drain; with them the
//! carriers' call budgets ([`ratelimit`]). The webhook inbox worker lives with the rest of
//! the inbound path (`inbound::worker`), the callback delivery worker with the rest of
//! dispatch (`dispatch::worker`); both follow the same pattern.

pub mod feed;
pub mod notify;
pub mod poller;
pub mod ratelimit;
pub mod step;
pub mod sweeper;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::state::AppState;

/// Spawns every worker this process runs; each stops when `stop` turns true.
pub fn spawn(state: &AppState, stop: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    if state.config.poller.enabled {
        tasks.push(tokio::spawn(poller::run(state.clone(), stop.clone())));
        if state.registry.all().any(|c| c.event_feed().is_some()) {
            tasks.push(tokio::spawn(feed::run(state.clone(), stop.clone())));
        }
        tasks.push(tokio::spawn(sweeper::run(state.clone(), stop.clone())));
    }
    if state.config.callbacks.enabled {
        tasks.push(tokio::spawn(crate::dispatch::worker::run(
            state.clone(),
            stop.clone(),
        )));
    }
    tasks.push(tokio::spawn(notify::run(state.clone(), stop.clone())));
    tasks.push(tokio::spawn(crate::inbound::worker::run(
        state.clone(),
        stop,
    )));
    tasks
}
