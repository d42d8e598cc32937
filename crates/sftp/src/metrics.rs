//! The server's metrics, recorded through the `metrics` facade: whoever installs a recorder
//! (the service's Prometheus exporter) sees them; without one they cost next to nothing.

/// Gauge: SFTP sessions open now.
pub const SESSIONS: &str = "bankdrop_sftp_sessions";
/// Counter: refused authentication attempts.
pub const AUTH_FAILURES: &str = "bankdrop_sftp_auth_failures_total";
/// Counter: upload bytes written.
pub const BYTES_RECEIVED: &str = "bankdrop_sftp_bytes_received_total";
