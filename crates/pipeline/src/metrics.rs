//! The pipeline's metrics, recorded through the `metrics` facade (the service installs the
//! Prometheus exporter; the names and labels are listed in the README, "Metrics").

use crate::claim::Claim;
use std::time::Duration;

/// Counter: files claimed for processing, by `partner` and `type`.
pub const FILES_RECEIVED: &str = "bankdrop_files_received_total";
/// Counter: files decided, by `partner`, `type` and `outcome`.
pub const FILES_DECIDED: &str = "bankdrop_files_decided_total";
/// Counter: data rows of decided files, by `partner`, `type` and `outcome`.
pub const ROWS: &str = "bankdrop_rows_total";
/// Histogram: seconds spent reading and validating a file, by `type`.
pub const VALIDATE_SECONDS: &str = "bankdrop_validate_seconds";
/// Histogram: seconds spent writing a decided file's rows and decision, by `type`.
pub const APPLY_SECONDS: &str = "bankdrop_apply_seconds";
/// Gauge: files waiting in the queue for a worker.
pub const QUEUE_DEPTH: &str = "bankdrop_queue_depth";
/// Gauge: files held back waiting for the files they depend on (D7).
pub const HELD_FILES: &str = "bankdrop_held_files";

/// The `type` label of a claimed file: its file type, `unknown` when its name does not parse.
pub(crate) fn type_label(c: &Claim) -> String {
    c.file_type().unwrap_or("unknown").to_string()
}

/// Counts a claimed file.
pub(crate) fn received(c: &Claim) {
    metrics::counter!(FILES_RECEIVED, "partner" => c.partner.name.clone(), "type" => type_label(c))
        .increment(1);
}

/// Counts a decided file, its rows and its durations.
pub(crate) fn decided(
    c: &Claim,
    outcome: &'static str,
    rows: u64,
    read: Duration,
    write: Duration,
) {
    let (partner, kind) = (c.partner.name.clone(), type_label(c));
    metrics::counter!(FILES_DECIDED, "partner" => partner.clone(), "type" => kind.clone(), "outcome" => outcome)
        .increment(1);
    metrics::counter!(ROWS, "partner" => partner, "type" => kind.clone(), "outcome" => outcome)
        .increment(rows);
    metrics::histogram!(VALIDATE_SECONDS, "type" => kind.clone()).record(read.as_secs_f64());
    metrics::histogram!(APPLY_SECONDS, "type" => kind).record(write.as_secs_f64());
}
