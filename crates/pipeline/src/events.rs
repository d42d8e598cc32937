//! The alerts a file's decision raises, written to the store's outbox in the decision's own
//! transaction (so an alert exists exactly when its decision does) and delivered later by the
//! service (`service::alerts`): a rejected file with its top error codes, an accepted customer
//! batch (spec 01 §4: "success message when a customer batch passes"), a late file (D9).

use serde_json::json;
use std::collections::HashMap;
use store::{Decision, NewAlert, State};
use validate::schema::types::{CUSTOMER, CUSTOMER_RELATIONSHIP};
use validate::Report;

/// A file was rejected.
pub const FILE_REJECTED: &str = "file_rejected";
/// A customer batch (customer or customer relationship file) was accepted.
pub const CUSTOMER_BATCH_ACCEPTED: &str = "customer_batch_accepted";
/// A file arrived after its deadline.
pub const FILE_LATE: &str = "file_late";

/// How many error codes an alert names.
const TOP_CODES: usize = 5;

/// The alerts of the decision of ledger row `id`, file `name` of `partner`.
pub(crate) fn file_alerts(
    partner: &str,
    id: i64,
    name: &str,
    d: &Decision,
    report: &Report,
) -> Vec<NewAlert> {
    let file_type = report.file_type.as_str();
    let mut out = Vec::new();
    let alert = |kind: &str, title: String, extra: serde_json::Value| {
        let mut payload = json!({
            "kind": kind,
            "partner": partner,
            "title": title,
            "at": d.decided_at,
            "file": { "id": id, "name": name, "type": file_type, "final_path": d.final_path,
                      "rows": d.rows, "errors": d.error_count, "late": d.late },
        });
        if let (Some(p), serde_json::Value::Object(e)) = (payload.as_object_mut(), extra) {
            p.extend(e);
        }
        NewAlert {
            kind: kind.to_string(),
            partner: Some(partner.to_string()),
            dedupe_key: format!("{kind}/{partner}/{id}"),
            payload_json: payload.to_string(),
            at: d.decided_at.clone(),
        }
    };
    match d.state {
        State::Rejected => {
            let top = top_codes(report);
            let codes: Vec<String> = top.iter().map(|(c, n)| format!("{c} ×{n}")).collect();
            out.push(alert(
                FILE_REJECTED,
                format!(
                    "{partner}: {name} rejected with {} error(s): {}",
                    d.error_count,
                    codes.join(", ")
                ),
                json!({ "top_errors": top.iter().map(|(c, n)| json!({"code": c, "count": n})).collect::<Vec<_>>(),
                        "top_errors_of_first": report.errors.len() }),
            ));
        }
        State::Accepted if [CUSTOMER, CUSTOMER_RELATIONSHIP].contains(&file_type) => {
            out.push(alert(
                CUSTOMER_BATCH_ACCEPTED,
                format!(
                    "{partner}: customer batch {name} accepted ({} row(s))",
                    d.rows
                ),
                json!({}),
            ));
        }
        _ => {}
    }
    if d.late && matches!(d.state, State::Accepted | State::Rejected) {
        out.push(alert(
            FILE_LATE,
            format!("{partner}: {name} arrived after its deadline"),
            json!({}),
        ));
    }
    out
}

/// The most frequent error codes among the report's listed errors (the status file's first
/// ones), most first.
fn top_codes(report: &Report) -> Vec<(&'static str, u64)> {
    let mut n: HashMap<&'static str, u64> = HashMap::new();
    for e in &report.errors {
        *n.entry(e.code).or_insert(0) += 1;
    }
    let mut v: Vec<_> = n.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.truncate(TOP_CODES);
    v
}
