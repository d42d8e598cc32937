//! The intake queue and worker pool: jobs arrive on a bounded channel (back-pressure on the
//! SFTP handlers and the watcher) and run on at most `workers` blocking threads.

use crate::Pipeline;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, Semaphore};

/// A file to process: partner and path relative to its root.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Job {
    /// Partner name.
    pub partner: String,
    /// Path relative to the partner's root.
    pub path: String,
}

/// Processes jobs until the channel closes, then waits for the running ones.
pub async fn run(pipeline: Arc<Pipeline>, mut jobs: mpsc::Receiver<Job>, workers: usize) {
    let slots = Arc::new(Semaphore::new(workers.max(1)));
    // A path already being processed is not started twice (an event and a scan can race).
    let busy: Arc<Mutex<HashSet<Job>>> = Arc::default();
    while let Some(job) = jobs.recv().await {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            break;
        };
        if !busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(job.clone())
        {
            continue;
        }
        let (p, busy) = (pipeline.clone(), busy.clone());
        tokio::task::spawn_blocking(move || {
            let result = match p.store().partner(&job.partner) {
                Ok(Some(partner)) => p.process(&partner, &job.path).map(|_| ()),
                Ok(None) => {
                    tracing::warn!(partner = %job.partner, "job for an unknown partner dropped");
                    Ok(())
                }
                Err(e) => Err(e.into()),
            };
            if let Err(e) = result {
                // The file stays in its inbox; the next scan retries it.
                tracing::error!(partner = %job.partner, file = %job.path, error = %e, "processing failed");
            }
            busy.lock().unwrap_or_else(|p| p.into_inner()).remove(&job);
            drop(permit);
        });
    }
    let _ = slots.acquire_many(workers.max(1) as u32).await;
}
