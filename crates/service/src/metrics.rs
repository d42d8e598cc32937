//! `/metrics` on `[metrics] listen`, in Prometheus's text format (no login: Prometheus scrapes
//! it; keep it on a private address). The pipeline, the SFTP server, the nightly run and the
//! alert delivery record through the `metrics` facade; this installs the exporter that renders
//! them. Names and labels are listed in the README ("Metrics").

use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Gauge: seconds since the epoch of the last successful nightly run, by `partner`.
pub const NIGHTLY_LAST_SUCCESS: &str = "bankdrop_nightly_last_success_timestamp_seconds";
/// Histogram: seconds a partner's nightly run took.
pub const NIGHTLY_SECONDS: &str = "bankdrop_nightly_run_seconds";
/// Gauge: breaks found by the last nightly run, by `partner`.
pub const NIGHTLY_BREAKS: &str = "bankdrop_nightly_breaks";
/// Counter: nightly runs that failed, by `partner`.
pub const NIGHTLY_FAILURES: &str = "bankdrop_nightly_failures_total";

/// Buckets of the duration histograms, in seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder (once; later calls return the same handle).
pub fn install() -> crate::Result<PrometheusHandle> {
    if let Some(h) = HANDLE.get() {
        return Ok(h.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
        .map_err(|e| crate::Error::Invalid(format!("metrics: {e}")))?
        .build_recorder();
    let handle = recorder.handle();
    if metrics::set_global_recorder(recorder).is_err() {
        return HANDLE
            .get()
            .cloned()
            .ok_or_else(|| crate::Error::Invalid("metrics: another recorder is installed".into()));
    }
    describe();
    Ok(HANDLE.get_or_init(|| handle).clone())
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    use pipeline::metrics as p;
    describe_counter!(p::FILES_RECEIVED, "Files claimed for processing");
    describe_counter!(p::FILES_DECIDED, "Files decided, by outcome");
    describe_counter!(p::ROWS, "Data rows of decided files");
    describe_histogram!(
        p::VALIDATE_SECONDS,
        Unit::Seconds,
        "Reading and validating a file"
    );
    describe_histogram!(p::APPLY_SECONDS, Unit::Seconds, "Writing a decided file");
    describe_gauge!(p::QUEUE_DEPTH, "Files waiting for a worker");
    describe_gauge!(
        p::HELD_FILES,
        "Files waiting for the files they depend on (D7)"
    );
    use bankdrop_sftp::metrics as s;
    describe_gauge!(s::SESSIONS, "SFTP sessions open");
    describe_counter!(s::AUTH_FAILURES, "Refused SFTP authentication attempts");
    describe_counter!(s::BYTES_RECEIVED, Unit::Bytes, "Upload bytes written");
    describe_histogram!(NIGHTLY_SECONDS, Unit::Seconds, "A partner's nightly run");
    describe_gauge!(NIGHTLY_BREAKS, "Breaks found by the last nightly run");
    describe_gauge!(
        NIGHTLY_LAST_SUCCESS,
        Unit::Seconds,
        "Time of the last successful nightly run"
    );
    describe_counter!(NIGHTLY_FAILURES, "Nightly runs that failed");
    describe_counter!(
        "bankdrop_alerts_delivered_total",
        "Alerts delivered to every webhook taking them"
    );
}

/// Serves `/metrics` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    handle: PrometheusHandle,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new().route(
        "/metrics",
        get(move || {
            let h = handle.clone();
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4",
                    )],
                    h.render(),
                )
            }
        }),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
