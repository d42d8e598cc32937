//! The intake queue and worker pool: jobs arrive on a bounded channel (back-pressure on the
//! SFTP handlers and the watcher) and run on at most `workers` blocking threads.

use crate::{Pipeline, Step};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use store::Partners;
use tokio::sync::{mpsc, Semaphore};

/// A file to process: partner and path relative to its root.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Job {
    /// Partner name.
    pub partner: String,
    /// Path relative to the partner's root.
    pub path: String,
}

/// The intake queue's sending side. A job already waiting in the queue is not queued again:
/// events, rescans and takeovers all feed the queue, and one look at a file serves them all
/// (without this, every rescan of a big backlog would queue each waiting file once more).
#[derive(Clone)]
pub struct Jobs {
    tx: mpsc::Sender<Job>,
    waiting: Arc<Mutex<HashSet<Job>>>,
}

/// The intake queue's receiving side, for [`run`].
pub struct Queued {
    rx: mpsc::Receiver<Job>,
    waiting: Arc<Mutex<HashSet<Job>>>,
}

/// A queue of at most `capacity` waiting jobs: senders wait for room (back-pressure on the SFTP
/// handlers, the watcher and the scans).
pub fn queue(capacity: usize) -> (Jobs, Queued) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    let waiting: Arc<Mutex<HashSet<Job>>> = Arc::default();
    (
        Jobs {
            tx,
            waiting: waiting.clone(),
        },
        Queued { rx, waiting },
    )
}

impl Jobs {
    /// Queues `job` unless it is waiting already; false once the queue is closed.
    pub async fn send(&self, job: Job) -> bool {
        if !queued(&self.waiting, &job) {
            return true;
        }
        self.tx.send(job).await.is_ok()
    }

    /// [`Jobs::send`] from a thread off the async runtime.
    pub fn blocking_send(&self, job: Job) -> bool {
        if !queued(&self.waiting, &job) {
            return true;
        }
        self.tx.blocking_send(job).is_ok()
    }
}

/// Adds `job` to the waiting set (false if it was there), keeping the queue depth gauge.
fn queued(waiting: &Mutex<HashSet<Job>>, job: &Job) -> bool {
    let mut w = lock(waiting);
    let added = w.insert(job.clone());
    metrics::gauge!(crate::metrics::QUEUE_DEPTH).set(w.len() as f64);
    added
}

/// Paths being processed, each with "run it once more when done".
type Busy = Arc<Mutex<HashMap<Job, bool>>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The sets stay usable after a worker panicked: they hold plain data.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Files waiting for their prerequisites (D7).
type Held = Arc<Mutex<HashSet<Job>>>;

/// How often waiting files are looked at again (their deadline may have passed).
const HELD_RECHECK: Duration = Duration::from_secs(30);

/// How soon a file another node holds is looked at again.
const ELSEWHERE_RETRY: Duration = Duration::from_secs(2);

/// Processes jobs until the channel closes, then waits for the running ones.
///
/// A path is processed by one worker at a time (an event and a scan can race). A job for a busy
/// path is remembered and the worker runs the path once more when it is done: a partner may
/// upload the same name again while the first upload is being processed.
///
/// A file that must wait for the files it depends on (D7) is kept in a held set and tried again
/// whenever another file of its partner is decided, and every 30 seconds for its deadline.
pub async fn run(pipeline: Arc<Pipeline>, mut jobs: Queued, workers: usize) {
    let slots = Arc::new(Semaphore::new(workers.max(1)));
    let busy: Busy = Arc::default();
    let held: Held = Arc::default();
    let (retry_tx, mut retry_rx) = mpsc::unbounded_channel::<Job>();
    let mut tick = tokio::time::interval(HELD_RECHECK);
    loop {
        let job = tokio::select! {
            j = jobs.rx.recv() => match j {
                Some(j) => {
                    // Out of the queue: the next event or scan for it queues it again.
                    let mut w = lock(&jobs.waiting);
                    w.remove(&j);
                    metrics::gauge!(crate::metrics::QUEUE_DEPTH).set(w.len() as f64);
                    j
                }
                None => break,
            },
            Some(j) = retry_rx.recv() => j,
            _ = tick.tick() => {
                for j in lock(&held).drain() {
                    let _ = retry_tx.send(j);
                }
                metrics::gauge!(crate::metrics::HELD_FILES).set(0.0);
                continue;
            }
        };
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
        let (p, busy, held, retry) = (
            pipeline.clone(),
            busy.clone(),
            held.clone(),
            retry_tx.clone(),
        );
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            loop {
                match run_one(&p, &job) {
                    Some(Step::Held(_)) => {
                        let mut h = lock(&held);
                        h.insert(job.clone());
                        metrics::gauge!(crate::metrics::HELD_FILES).set(h.len() as f64);
                    }
                    Some(Step::Decided(_)) => {
                        // Files of this partner waiting for this one may go now.
                        let mut h = lock(&held);
                        let mine: Vec<Job> = h
                            .iter()
                            .filter(|j| j.partner == job.partner)
                            .cloned()
                            .collect();
                        for j in mine {
                            h.remove(&j);
                            let _ = retry.send(j);
                        }
                        metrics::gauge!(crate::metrics::HELD_FILES).set(h.len() as f64);
                    }
                    Some(Step::Elsewhere) => {
                        // Looked at again while it is there: the node holding it may die, or
                        // the partner may send the name again once it is done.
                        // The retries end once the holder is done: the lease is then free, and
                        // the file gone or decided.
                        let (retry, job) = (retry.clone(), job.clone());
                        runtime.spawn(async move {
                            tokio::time::sleep(ELSEWHERE_RETRY).await;
                            let _ = retry.send(job);
                        });
                    }
                    None => {}
                }
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

fn run_one(p: &Pipeline, job: &Job) -> Option<Step> {
    let partner = match p.store().partner(&job.partner) {
        Ok(Some(partner)) => partner,
        Ok(None) => {
            tracing::warn!(partner = %job.partner, "job for an unknown partner dropped");
            return None;
        }
        Err(e) => {
            // Nothing is known of the file yet; it stays in its inbox for the next scan.
            tracing::error!(partner = %job.partner, file = %job.path, error = %e, "processing failed");
            return None;
        }
    };
    p.process_job(&partner, &job.path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(path: &str) -> Job {
        Job {
            partner: "acme".into(),
            path: path.into(),
        }
    }

    #[test]
    fn a_job_waiting_in_the_queue_is_not_queued_twice() {
        let (jobs, mut queued) = queue(8);
        assert!(jobs.blocking_send(job("card/a.csv")));
        assert!(jobs.blocking_send(job("card/a.csv")));
        assert!(jobs.blocking_send(job("card/b.csv")));
        assert_eq!(queued.rx.try_recv().unwrap(), job("card/a.csv"));
        assert_eq!(queued.rx.try_recv().unwrap(), job("card/b.csv"));
        assert!(queued.rx.try_recv().is_err(), "a.csv queued once");
        // Once taken out (as `run` does), it may be queued again.
        lock(&queued.waiting).remove(&job("card/a.csv"));
        assert!(jobs.blocking_send(job("card/a.csv")));
        assert_eq!(queued.rx.try_recv().unwrap(), job("card/a.csv"));
        drop(queued);
        assert!(!jobs.blocking_send(job("card/c.csv")), "closed");
    }
}
