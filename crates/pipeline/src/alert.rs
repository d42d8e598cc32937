//! Alerts for the bank's operators: something a person must look at (a file bankdrop could not
//! decide and set aside). Sent to the log always, and to a hook command when one is configured.

use serde::Serialize;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One alert. Its JSON form is what a hook command reads on standard input.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Alert {
    /// What happened, e.g. `file_set_aside`.
    pub kind: &'static str,
    /// The partner concerned.
    pub partner: String,
    /// The file, relative to the partner root, where it was received.
    pub file: String,
    /// Where it is now, relative to the partner root, when it was moved.
    pub moved_to: Option<String>,
    /// The ledger id, when the file has a row.
    pub ledger_id: Option<i64>,
    /// What went wrong, for the operator (may name host paths: never shown to the partner).
    pub error: String,
    /// RFC 3339 time of the alert.
    pub at: String,
}

/// Where alerts go.
pub trait Alerts: Send + Sync {
    /// Delivers one alert; a delivery failure is logged, never returned: an alert must not stop
    /// the work that raised it.
    fn send(&self, alert: &Alert);
}

/// Alerts go to the log only (at error level), which every deployment has.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogOnly;

impl Alerts for LogOnly {
    fn send(&self, a: &Alert) {
        log(a);
    }
}

fn log(a: &Alert) {
    tracing::error!(kind = a.kind, partner = %a.partner, file = %a.file, moved_to = ?a.moved_to,
        ledger_id = ?a.ledger_id, error = %a.error, "ALERT");
}

/// Runs a command for every alert (after logging it), with the alert as JSON on its standard
/// input: e.g. a script that posts it to the operators' chat. The command line is never logged
/// (it may hold a webhook address or a token).
#[derive(Debug, Clone)]
pub struct CommandHook {
    argv: Vec<String>,
    timeout: Duration,
}

impl CommandHook {
    /// A hook running `argv[0]` with the other elements as arguments (no shell), killed after
    /// `timeout`. `None` when `argv` is empty.
    pub fn new(argv: Vec<String>, timeout: Duration) -> Option<CommandHook> {
        (!argv.is_empty()).then_some(CommandHook { argv, timeout })
    }

    fn run(&self, json: &[u8]) -> Result<(), String> {
        let mut child = Command::new(&self.argv[0])
            .args(&self.argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the alert command: {}", e.kind()))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A command that does not read its input is its own business.
            let _ = stdin.write_all(json);
        }
        let deadline = Instant::now() + self.timeout;
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(format!("the alert command failed: {status}")),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "the alert command was killed after {:?}",
                        self.timeout
                    ));
                }
                Err(e) => return Err(format!("waiting for the alert command: {}", e.kind())),
            }
        }
    }
}

impl Alerts for CommandHook {
    fn send(&self, a: &Alert) {
        log(a);
        let json = match serde_json::to_vec(a) {
            Ok(j) => j,
            Err(e) => {
                tracing::error!(error = %e, "cannot encode an alert");
                return;
            }
        };
        if let Err(e) = self.run(&json) {
            tracing::error!(kind = a.kind, partner = %a.partner, "alert not delivered: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert() -> Alert {
        Alert {
            kind: "file_set_aside",
            partner: "acme".into(),
            file: "card/x.csv".into(),
            moved_to: Some("card/failed/x.csv".into()),
            ledger_id: Some(3),
            error: "disk full".into(),
            at: "2026-12-04T00:00:00.000Z".into(),
        }
    }

    #[test]
    fn the_hook_gets_the_alert_as_json_on_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("alert.json");
        let hook = CommandHook::new(
            vec!["sh".into(), "-c".into(), format!("cat > {}", out.display())],
            Duration::from_secs(10),
        )
        .unwrap();
        hook.send(&alert());
        let got: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(got["kind"], "file_set_aside");
        assert_eq!(got["partner"], "acme");
        assert_eq!(got["moved_to"], "card/failed/x.csv");
        assert_eq!(got["ledger_id"], 3);
    }

    #[test]
    fn a_failing_or_hanging_hook_is_reported_not_fatal() {
        let fails = CommandHook::new(vec!["false".into()], Duration::from_secs(10)).unwrap();
        assert!(fails.run(b"{}").unwrap_err().contains("failed"));
        let hangs = CommandHook::new(
            vec!["sleep".into(), "30".into()],
            Duration::from_millis(100),
        )
        .unwrap();
        assert!(hangs.run(b"{}").unwrap_err().contains("killed"));
        let missing = CommandHook::new(vec!["/nonexistent/hook".into()], Duration::from_secs(1));
        assert!(missing
            .unwrap()
            .run(b"{}")
            .unwrap_err()
            .contains("cannot start"));
        assert!(CommandHook::new(Vec::new(), Duration::from_secs(1)).is_none());
    }
}
