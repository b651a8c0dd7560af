//! Group commit for carrier webhooks: every body is durably committed before its 2xx, and
//! concurrent bodies share one transaction.
//!
//! One writer task takes the first waiting body, then everything else already queued (up to
//! [`MAX_BATCH`]), commits them together and answers each sender. Batches form on their own
//! while a commit is in flight, so an idle gateway adds no latency and a busy one pays one
//! fsync per batch instead of one per webhook. The wait for a batch to fill is bounded by
//! [`MAX_WAIT`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::store::{NewInboxItem, Store, StoreError};

/// Largest number of bodies committed in one transaction.
pub const MAX_BATCH: usize = 256;
/// Longest a body waits for others to join its batch once the writer is free.
pub const MAX_WAIT: Duration = Duration::from_millis(1);
/// Bodies waiting for the writer before senders are slowed down (backpressure).
const QUEUE: usize = 4096;

/// One body and where to answer: its inbox id, or the batch's error (shared by the batch).
type Job = (NewInboxItem, oneshot::Sender<Result<i64, Arc<StoreError>>>);

/// Handle to the writer task.
#[derive(Clone)]
pub struct Ingest {
    tx: mpsc::Sender<Job>,
    batches: Arc<AtomicU64>,
}

/// Why a body could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The database refused the batch.
    #[error("webhook could not be stored: {0}")]
    Store(#[source] Arc<StoreError>),
    /// The writer task is gone (shutting down).
    #[error("webhook ingest is shutting down")]
    Closed,
}

impl From<IngestError> for StoreError {
    fn from(e: IngestError) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

impl Ingest {
    /// Starts the writer task over `store`.
    pub fn spawn(store: Arc<dyn Store>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        let batches = Arc::new(AtomicU64::new(0));
        tokio::spawn(writer(store, rx, batches.clone()));
        Ingest { tx, batches }
    }

    /// Transactions committed so far (each holds one or more bodies).
    pub fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }

    /// Stores one body; returns its inbox id once it is committed.
    pub async fn submit(&self, item: NewInboxItem) -> Result<i64, IngestError> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send((item, done))
            .await
            .map_err(|_| IngestError::Closed)?;
        match wait.await {
            Ok(Ok(id)) => Ok(id),
            Ok(Err(e)) => Err(IngestError::Store(e)),
            Err(_) => Err(IngestError::Closed),
        }
    }
}

async fn writer(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Job>, batches: Arc<AtomicU64>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        let deadline = tokio::time::Instant::now() + MAX_WAIT;
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(mpsc::error::TryRecvError::Empty) => {
                    match tokio::time::timeout_at(deadline, rx.recv()).await {
                        Ok(Some(job)) => jobs.push(job),
                        _ => break,
                    }
                }
                Err(mpsc::error::TryRecvError::Disconnected) => break,
            }
        }
        let (items, senders): (Vec<_>, Vec<_>) = jobs.into_iter().unzip();
        match store.inbox_insert_batch(&items).await {
            Ok(ids) => {
                batches.fetch_add(1, Ordering::Relaxed);
                for (sender, id) in senders.into_iter().zip(ids) {
                    let _ = sender.send(Ok(id));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, batch = items.len(), "webhook batch not stored; senders get 503");
                let e = Arc::new(e);
                for sender in senders {
                    let _ = sender.send(Err(e.clone()));
                }
            }
        }
    }
}
