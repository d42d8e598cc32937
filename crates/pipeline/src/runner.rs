//! The intake queue and worker pool: jobs arrive on a bounded channel (back-pressure on the
//! SFTP handlers and the watcher) and run on at most `workers` blocking threads.

use crate::Pipeline;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{mpsc, Semaphore};

/// A file to process: partner and path relative to its root.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Job {
    /// Partner name.
    pub partner: String,
    /// Path relative to the partner's root.
    pub path: String,
}

/// Paths being processed, each with "run it once more when done".
type Busy = Arc<Mutex<HashMap<Job, bool>>>;

fn lock(b: &Busy) -> MutexGuard<'_, HashMap<Job, bool>> {
    b.lock().unwrap_or_else(|p| p.into_inner())
}

/// Processes jobs until the channel closes, then waits for the running ones.
///
/// A path is processed by one worker at a time (an event and a scan can race). A job for a busy
/// path is remembered and the worker runs the path once more when it is done: a partner may
/// upload the same name again while the first upload is being processed.
pub async fn run(pipeline: Arc<Pipeline>, mut jobs: mpsc::Receiver<Job>, workers: usize) {
    let slots = Arc::new(Semaphore::new(workers.max(1)));
    let busy: Busy = Arc::default();
    while let Some(job) = jobs.recv().await {
        {
            let mut b = lock(&busy);
            if let Some(again) = b.get_mut(&job) {
                *again = true;
                continue;
            }
            b.insert(job.clone(), false);
        }
        let Ok(permit) = slots.clone().acquire_owned().await else {
            break;
        };
        let (p, busy) = (pipeline.clone(), busy.clone());
        tokio::task::spawn_blocking(move || {
            loop {
                run_one(&p, &job);
                let mut b = lock(&busy);
                if b.get(&job) == Some(&true) {
                    b.insert(job.clone(), false);
                    continue;
                }
                b.remove(&job);
                break;
            }
            drop(permit);
        });
    }
    let _ = slots.acquire_many(workers.max(1) as u32).await;
}

fn run_one(p: &Pipeline, job: &Job) {
    let result = match p.store().partner(&job.partner) {
        Ok(Some(partner)) => p.process(&partner, &job.path).map(|_| ()),
        Ok(None) => {
            tracing::warn!(partner = %job.partner, "job for an unknown partner dropped");
            Ok(())
        }
        Err(e) => Err(e.into()),
    };
    if let Err(e) = result {
        // The file stays in its inbox (or claimed); the next scan retries it.
        tracing::error!(partner = %job.partner, file = %job.path, error = %e, "processing failed");
    }
}
