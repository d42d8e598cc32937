//! The per-file pipeline on a real SQLite file and a real partner tree (issue 4 item 4).

use std::path::Path;
use store::Ledger;
use store::State;
use validate::schema::Schemas;

mod common;

use common::{env, env_with, fixture};

#[test]
fn a_valid_file_is_accepted_and_moved_to_processed() {
    let e = env();
    e.drop_file(
        "card/2026-01-27_card_v1.csv",
        &fixture("valid/2026-01-27_card_v1.csv"),
    );
    let p = e.process("card/2026-01-27_card_v1.csv");
    assert_eq!(p.state, State::Accepted);
    assert_eq!(p.final_path, "card/processed/2026-01-27_card_v1.csv");
    assert!(e.root.join(&p.final_path).exists());
    assert!(!e.root.join("card/2026-01-27_card_v1.csv").exists());
    let s = e.status(&p);
    assert_eq!(s["outcome"], "accepted");
    assert_eq!(s["rows"], 25);
    assert_eq!(s["partner"], "acme");
    assert_eq!(s["file_date"], "2026-01-27");
    assert_eq!(s["version"], 1);
    assert_eq!(s["sha256"].as_str().unwrap().len(), 64);
    // decision D9: a file dated 2026-01-27 was due 2026-01-27 12:00 UTC; processing now is late.
    assert_eq!(
        (s["late"].as_bool(), s["due_at"].as_str()),
        (Some(true), Some("2026-01-27T12:00:00Z"))
    );
    assert!(s["errors_file"].is_null());
}

#[test]
fn more_errors_than_fit_in_one_run_are_all_listed_in_row_order() {
    // 70,000 rows each with a bad currency, and row 6 repeating row 3's id (found only at the
    // end): more errors than one in-memory run, so the errors file is merged from sorted runs.
    let e = env();
    let schemas = Schemas::builtin().unwrap();
    let schema = schemas.get("transaction").unwrap();
    let opts = synth::GenOptions {
        rows: 70_000,
        seed: 9,
        date: "2026-01-27".into(),
    };
    let mut bytes = Vec::new();
    synth::write_file(schema, &schemas.refdata, &opts, &mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let cur = schema.column_index("currency").unwrap();
    let mut lines: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split('|').map(String::from).collect())
        .collect();
    for l in lines.iter_mut().skip(1) {
        l[cur] = "usd".into();
    }
    lines[5][0] = lines[2][0].clone();
    let body: String = lines.iter().map(|l| l.join("|") + "\n").collect();
    e.drop_file("transaction/2026-01-27_transaction_v1.csv", body.as_bytes());
    let p = e.process("transaction/2026-01-27_transaction_v1.csv");
    assert_eq!((p.state, p.error_count), (State::Rejected, 70_001));
    let errors = std::fs::read_to_string(
        e.root
            .join("transaction/failed/2026-01-27_transaction_v1.csv.errors.csv"),
    )
    .unwrap();
    let rows: Vec<(u64, &str)> = errors
        .lines()
        .skip(1)
        .map(|l| {
            let mut c = l.split('|');
            (c.next().unwrap().parse().unwrap(), c.nth(1).unwrap())
        })
        .collect();
    assert_eq!(rows.len(), 70_001);
    assert!(
        rows.windows(2).all(|w| w[0].0 <= w[1].0),
        "not in row order"
    );
    assert_eq!(rows[0], (2, "type_currency"));
    // Row 6: its currency error as found, then the duplicate id found at the end.
    let row6: Vec<&str> = rows.iter().filter(|r| r.0 == 6).map(|r| r.1).collect();
    assert_eq!(row6, ["type_currency", "duplicate_id"]);
    let s = e.status(&p);
    assert_eq!(s["error_count"], 70_001);
    let listed = s["errors"].as_array().unwrap();
    assert_eq!(listed.len(), 1000);
    assert_eq!(listed[5]["row"], 6);
    assert_eq!(listed[5]["code"], "duplicate_id");
}

#[test]
fn an_invalid_file_goes_to_failed_with_every_error_row() {
    let e = env();
    e.drop_file(
        "card/2026-01-27_card_v2.csv",
        &fixture("cases/several_errors/2026-01-27_card_v2.csv"),
    );
    let p = e.process("card/2026-01-27_card_v2.csv");
    assert_eq!((p.state, p.error_count), (State::Rejected, 4));
    assert_eq!(p.final_path, "card/failed/2026-01-27_card_v2.csv");
    let errors =
        std::fs::read_to_string(e.root.join("card/failed/2026-01-27_card_v2.csv.errors.csv"))
            .unwrap();
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(lines[0], "row|column|code|message|value");
    let rows: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split('|').next().unwrap())
        .collect();
    assert_eq!(rows, ["3", "3", "6", "8"], "{errors}");
    assert!(lines[3].starts_with("6|client_card_id|duplicate_id|"));
    let s = e.status(&p);
    assert_eq!(
        s["errors_file"],
        "card/failed/2026-01-27_card_v2.csv.errors.csv"
    );
    assert_eq!(s["errors"].as_array().unwrap().len(), 4);
}

#[test]
fn names_and_bytes_already_received_are_duplicates() {
    // decision D5.
    let e = env();
    let bytes = fixture("valid/2026-01-27_card_v1.csv");
    e.drop_file("card/2026-01-27_card_v1.csv", &bytes);
    assert_eq!(
        e.process("card/2026-01-27_card_v1.csv").state,
        State::Accepted
    );
    // Same name again: duplicate, kept under a distinct name, nothing overwritten.
    e.drop_file("card/2026-01-27_card_v1.csv", b"client_card_id\n");
    let p = e.process("card/2026-01-27_card_v1.csv");
    assert_eq!(p.state, State::Duplicate);
    assert!(p
        .final_path
        .starts_with("card/failed/2026-01-27_card_v1.csv"));
    assert_eq!(e.status(&p)["errors"][0]["code"], "duplicate");
    // Same bytes under another date: duplicate.
    e.drop_file("card/2026-01-28_card_v1.csv", &bytes);
    let p = e.process("card/2026-01-28_card_v1.csv");
    assert_eq!(
        (p.state, e.status(&p)["errors"][0]["code"].as_str()),
        (State::Duplicate, Some("duplicate"))
    );
    // A second card file for an accepted date: already_accepted (only customer files repeat).
    e.drop_file(
        "card/2026-01-27_card_v2.csv",
        &fixture("valid/2026-01-27_card_v1.csv")[..200],
    );
    let p = e.process("card/2026-01-27_card_v2.csv");
    assert_eq!(e.status(&p)["errors"][0]["code"], "already_accepted");
}

#[test]
fn header_only_files_of_a_type_are_not_duplicates_of_each_other() {
    let e = env();
    let header = b"sale_id|purchasing_entity|response|reject_reason|generated_at|effective_at\n";
    e.drop_file("sales_response/2026-01-27_sales_response_v1.csv", header);
    e.drop_file("sales_response/2026-01-28_sales_response_v1.csv", header);
    assert_eq!(
        e.process("sales_response/2026-01-27_sales_response_v1.csv")
            .state,
        State::Accepted
    );
    assert_eq!(
        e.process("sales_response/2026-01-28_sales_response_v1.csv")
            .state,
        State::Accepted
    );
}

#[test]
fn names_and_folders_are_checked() {
    let e = env();
    e.drop_file("card/cards.csv", b"x\n");
    assert_eq!(
        e.status(&e.process("card/cards.csv"))["errors"][0]["code"],
        "bad_file_name"
    );
    e.drop_file(
        "transaction/2026-01-27_card_v1.csv",
        &fixture("valid/2026-01-27_card_v1.csv"),
    );
    let p = e.process("transaction/2026-01-27_card_v1.csv");
    assert_eq!(p.final_path, "transaction/failed/2026-01-27_card_v1.csv");
    assert_eq!(e.status(&p)["errors"][0]["code"], "folder_mismatch");
    // Uploads in progress and other folders are never processed.
    e.drop_file("card/x.csv.part", b"x");
    assert!(e
        .pipeline
        .process(&e.partner, "card/x.csv.part")
        .unwrap()
        .is_none());
    assert!(e
        .pipeline
        .process(&e.partner, "reports/a.pdf")
        .unwrap()
        .is_none());
}

#[test]
fn customer_batches_may_come_several_times_a_day() {
    let e = env();
    let bytes = fixture("valid/2026-01-27_customer_v1.csv");
    e.drop_file("customer/2024-12-25-01-Batch-1_customer_V1.csv", &bytes);
    assert_eq!(
        e.process("customer/2024-12-25-01-Batch-1_customer_V1.csv")
            .state,
        State::Accepted
    );
    // Batch ids compare case-insensitively (D5): the same batch and version is a duplicate.
    e.drop_file(
        "customer/2024-12-25-01-batch-1_customer_v1.csv",
        b"client_customer_id\n",
    );
    assert_eq!(
        e.process("customer/2024-12-25-01-batch-1_customer_v1.csv")
            .state,
        State::Duplicate
    );
}

#[test]
fn a_crash_after_the_decision_only_finishes_the_move() {
    let e = env();
    e.drop_file(
        "card/2026-01-27_card_v1.csv",
        &fixture("valid/2026-01-27_card_v1.csv"),
    );
    let first = e.process("card/2026-01-27_card_v1.csv");
    // Undo the move, as if the process died between the ledger commit and the rename.
    std::fs::rename(
        e.root.join(&first.final_path),
        e.root.join("card/2026-01-27_card_v1.csv"),
    )
    .unwrap();
    let again = e.process("card/2026-01-27_card_v1.csv");
    assert_eq!((again.id, again.state), (first.id, State::Accepted));
    assert!(e.root.join(&first.final_path).exists());
    assert_eq!(
        e.pipeline.store().files(Some("acme"), 10).unwrap().len(),
        1,
        "decided once"
    );
}

#[test]
fn a_crash_before_the_decision_redoes_the_same_ledger_row() {
    let e = env();
    e.drop_file(
        "card/2026-01-27_card_v1.csv",
        &fixture("valid/2026-01-27_card_v1.csv"),
    );
    let claimed = e
        .pipeline
        .store()
        .begin(&store::NewFile {
            partner: "acme".into(),
            path: "card/2026-01-27_card_v1.csv".into(),
            name: "2026-01-27_card_v1.csv".into(),
            file_type: Some("card".into()),
            prefix: Some("2026-01-27".into()),
            version: Some(1),
            sha256: "unknown".into(),
            bytes: 0,
            received_at: "2026-01-27T00:00:00Z".into(),
        })
        .unwrap();
    let p = e.process("card/2026-01-27_card_v1.csv");
    assert_eq!((p.id, p.state), (claimed, State::Accepted));
    assert_eq!(e.pipeline.store().files(Some("acme"), 10).unwrap().len(), 1);
}

#[test]
fn pending_lists_inbox_files_only() {
    let e = env();
    e.drop_file("card/2026-01-27_card_v1.csv", b"x");
    e.drop_file("card/.hidden", b"x");
    std::fs::create_dir_all(e.root.join("card/processed")).unwrap();
    std::fs::write(e.root.join("card/processed/old.csv"), b"x").unwrap();
    assert_eq!(
        e.pipeline.pending(&e.partner),
        ["card/2026-01-27_card_v1.csv"]
    );
}

#[test]
fn nacha_files_are_validated_in_ach_outgoing() {
    // decision D10, spec 06 §1.4: accepted → ach/processed, rejected → ach/failed. Scheduled as
    // if it arrived on Monday 2026-04-06 at 10:00 Chicago time (the simulated clock, spec 06 §3).
    let e = env_with(|c| c.ach_clock = Some("2026-04-06T15:00:00Z".parse().unwrap()));
    let good = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/nacha/20260115T171640Z_outgoing_ach_1768497400.ach"),
    )
    .unwrap();
    e.drop_file(
        "ach/outgoing/20260115T171640Z_outgoing_ach_1768497400.ach",
        &good,
    );
    let p = e.process("ach/outgoing/20260115T171640Z_outgoing_ach_1768497400.ach");
    assert_eq!(p.error_count, 0, "{}", e.status(&p));
    assert_eq!(
        (p.state, p.final_path.as_str()),
        (
            State::Accepted,
            "ach/processed/20260115T171640Z_outgoing_ach_1768497400.ach"
        )
    );
    // Accepted live entries are stored for the ACH reports, in Monday's next-day window 13:15,
    // settling on their effective date, Tuesday (spec 06 §3.3).
    let mut entries = Vec::new();
    e.pipeline
        .store()
        .snapshot()
        .unwrap()
        .ach_entries_settled_on::<store::Error>("acme", "2026-04-07", &mut |r| {
            entries.push(serde_json::from_str::<serde_json::Value>(r.data).unwrap());
            Ok(true)
        })
        .unwrap();
    assert!(!entries.is_empty());
    assert_eq!(entries[0]["trace"], "279632500000001");
    assert_eq!(entries[0]["amount_cents"], "83990");
    assert_eq!(entries[0]["direction"], "credit");
    assert_eq!(entries[0]["company_name"], "WONKA IND");
    assert_eq!(entries[0]["window_date"], "2026-04-06");
    assert_eq!(entries[0]["cutoff"], "13:15");
    assert_eq!(entries[0]["billing"], "next_day");
    assert_eq!(entries[0]["settles_at"], "2026-04-07T12:30:00+00:00");
    // The same entries again under another file ID modifier (other bytes, so not a D5
    // duplicate): ACH files carry new entries only (spec 06 §1.5), each entry refused on its
    // line by its trace number.
    let mut again = good.clone();
    assert_eq!(again[33], b'A', "the file header's File ID Modifier");
    again[33] = b'B';
    e.drop_file(
        "ach/outgoing/20260115T171641Z_outgoing_ach_1768497401.ach",
        &again,
    );
    let p2 = e.process("ach/outgoing/20260115T171641Z_outgoing_ach_1768497401.ach");
    assert_eq!(p2.state, State::Rejected);
    let status = e.status(&p2);
    let first = &status["errors"][0];
    assert_eq!(first["code"], "duplicate_trace", "{status}");
    assert_eq!(first["column"], "trace_number");
    assert_eq!(first["row"], 3);
    assert_eq!(first["value"], "279632500000001");
    assert_eq!(status["error_count"], entries_total(&good), "{status}");
    // Not a format error, nor one the bank's list names: no bank validation name.
    assert!(status.get("bank_validations").is_none(), "{status}");
    let bad = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/nacha/bad_entry_hash.ach"),
    )
    .unwrap();
    e.drop_file("ach/outgoing/20260116T090000Z_outgoing_ach_v1.ach", &bad);
    let p = e.process("ach/outgoing/20260116T090000Z_outgoing_ach_v1.ach");
    assert_eq!(p.state, State::Rejected);
    let s = e.status(&p);
    assert!(
        s["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "entry_hash" && x["column"] == "entry_hash"),
        "{s}"
    );
    // Under the bank's name too: the Nacha file is not properly formatted (spec 06 §5.2).
    assert_eq!(
        s["bank_validations"][0]["validation"], "invalid_format",
        "{s}"
    );
    assert!(e
        .root
        .join("ach/failed/20260116T090000Z_outgoing_ach_v1.ach.errors.csv")
        .exists());
}

#[test]
fn late_is_judged_by_when_the_file_arrived_not_by_a_client_set_mtime() {
    // decision D9: a file is late by when it reached the bank; `put -p` sets mtime, not ctime.
    let e = env();
    e.drop_file(
        "card/2026-01-27_card_v1.csv",
        &fixture("valid/2026-01-27_card_v1.csv"),
    );
    let back_dated = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_769_515_200 - 86_400);
    let f = std::fs::File::options()
        .write(true)
        .open(e.root.join("card/2026-01-27_card_v1.csv"))
        .unwrap();
    f.set_modified(back_dated).unwrap();
    drop(f);
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    let s = e.status(&e.process("card/2026-01-27_card_v1.csv"));
    let received: chrono::DateTime<chrono::Utc> =
        s["received_at"].as_str().unwrap().parse().unwrap();
    assert!(received >= before, "{s}");
    assert_eq!(s["late"], true);
}

#[test]
fn a_file_left_claimed_by_a_crash_is_found_and_decided() {
    let e = env();
    // A crash right after the claim rename: only the hidden claim is left.
    e.drop_file(
        "card/.claim-2026-01-27_card_v1.csv",
        &fixture("valid/2026-01-27_card_v1.csv"),
    );
    assert_eq!(
        e.pipeline.pending(&e.partner),
        ["card/2026-01-27_card_v1.csv"]
    );
    let p = e.process("card/2026-01-27_card_v1.csv");
    assert_eq!(
        (p.state, p.final_path.as_str()),
        (State::Accepted, "card/processed/2026-01-27_card_v1.csv")
    );
    assert!(e.pipeline.pending(&e.partner).is_empty());
}

#[test]
fn transaction_ids_applied_before_reject_the_file_instead_of_sticking() {
    // decision D8: client_transaction_id never repeats across accepted files.
    let e = env();
    let first = fixture("valid/2026-01-27_transaction_v1.csv");
    e.drop_file("transaction/2026-01-27_transaction_v1.csv", &first);
    assert_eq!(
        e.process("transaction/2026-01-27_transaction_v1.csv").state,
        State::Accepted
    );
    // The same rows under the next day: a valid file on its own, but every id was applied.
    let text = String::from_utf8(first)
        .unwrap()
        .replace("2026-01-26T", "2026-01-27T");
    e.drop_file("transaction/2026-01-28_transaction_v1.csv", text.as_bytes());
    let p = e.process("transaction/2026-01-28_transaction_v1.csv");
    assert_eq!(
        (p.state, p.final_path.as_str()),
        (
            State::Rejected,
            "transaction/failed/2026-01-28_transaction_v1.csv"
        )
    );
    let s = e.status(&p);
    assert_eq!(s["error_count"], 25);
    assert_eq!(s["errors"][0]["code"], "duplicate_id_history");
    assert_eq!(
        (
            s["errors"][0]["row"].as_u64(),
            s["errors"][0]["column"].as_str()
        ),
        (Some(2), Some("client_transaction_id"))
    );
    assert!(!e
        .root
        .join("transaction/processed/2026-01-28_transaction_v1.csv.status.json")
        .exists());
    assert_eq!(
        e.pipeline.store().counts("acme").unwrap().2,
        25,
        "nothing of the second file applied"
    );
}

#[test]
fn accepted_rows_are_stored_and_later_versions_overwrite_them() {
    // decision D8: full overwrite per client_* id; rejected files are never visible.
    let e = env();
    e.drop_file(
        "card/2026-01-27_card_v1.csv",
        &fixture("valid/2026-01-27_card_v1.csv"),
    );
    e.process("card/2026-01-27_card_v1.csv");
    e.drop_file(
        "transaction/2026-01-27_transaction_v1.csv",
        &fixture("valid/2026-01-27_transaction_v1.csv"),
    );
    e.process("transaction/2026-01-27_transaction_v1.csv");
    e.drop_file(
        "balance/2026-01-27_balance_v1.csv",
        &fixture("valid/2026-01-27_balance_v1.csv"),
    );
    e.process("balance/2026-01-27_balance_v1.csv");
    e.drop_file(
        "card/2026-01-28_card_v2.csv",
        &fixture("cases/several_errors/2026-01-27_card_v2.csv"),
    );
    assert_eq!(
        e.process("card/2026-01-28_card_v2.csv").state,
        State::Rejected
    );
    let store = e.pipeline.store();
    // 25 cards as records, 25 balance reports (a balance's record is its latest report), 25
    // transactions.
    assert_eq!(store.counts("acme").unwrap(), (25, 25, 25));
    let text = String::from_utf8(fixture("valid/2026-01-27_card_v1.csv")).unwrap();
    let mut rows: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split('|').map(str::to_string).collect())
        .collect();
    // A card that is not closed (a closed card takes no change, spec 04 §1.3).
    let n = (1..rows.len()).find(|i| rows[*i][7] != "closed").unwrap();
    let id = rows[n][0].clone();
    let stored = store.record("acme", "card", &id).unwrap().unwrap();
    assert_eq!(
        stored.get("client_card_product_name"),
        Some(rows[n][3].as_str())
    );
    // A later file changes that card: the record is replaced, not duplicated.
    rows[n][3] = "Renamed Product".into();
    let body: Vec<String> = [&rows[0], &rows[n]].iter().map(|r| r.join("|")).collect();
    e.drop_file(
        "card/2026-01-29_card_v1.csv",
        (body.join("\n") + "\n").as_bytes(),
    );
    assert_eq!(
        e.process("card/2026-01-29_card_v1.csv").state,
        State::Accepted
    );
    let stored = store.record("acme", "card", &id).unwrap().unwrap();
    assert_eq!(
        stored.get("client_card_product_name"),
        Some("Renamed Product")
    );
    assert_eq!(store.counts("acme").unwrap(), (25, 25, 25));
}

#[test]
fn effective_dates_the_windows_refuse_reject_a_nacha_file_at_the_batch_header() {
    // Spec 06 §3.4 (NOT SEEN, configured): with `past = reject`, a file received after its
    // effective date is refused on the batch header's line, field effective_entry_date.
    let e = env_with(|c| {
        c.ach_clock = Some("2026-04-08T15:00:00Z".parse().unwrap());
        c.ach_windows.effective_dates.past = pipeline::windows::DateRule::Reject;
    });
    let good = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/nacha/20260115T171640Z_outgoing_ach_1768497400.ach"),
    )
    .unwrap();
    let name = "ach/outgoing/20260115T171640Z_outgoing_ach_1768497400.ach";
    e.drop_file(name, &good);
    let p = e.process(name);
    assert_eq!(p.state, State::Rejected, "{}", e.status(&p));
    let status = e.status(&p);
    let first = &status["errors"][0];
    assert_eq!(first["code"], "effective_date_past");
    assert_eq!(first["column"], "effective_entry_date");
    assert_eq!(
        first["row"], 2,
        "the first batch header is line 2: {status}"
    );
    assert_eq!(first["value"], "2026-04-07");
    // Too far ahead (more than 30 days by default) is refused whatever `past` says.
    let e = env_with(|c| c.ach_clock = Some("2026-02-01T15:00:00Z".parse().unwrap()));
    e.drop_file(name, &good);
    let p = e.process(name);
    assert_eq!(p.state, State::Rejected);
    assert_eq!(e.status(&p)["errors"][0]["code"], "effective_date_too_far");
}

/// Entry detail records (type 6) of a Nacha file.
fn entries_total(file: &[u8]) -> u64 {
    String::from_utf8_lossy(file)
        .lines()
        .filter(|l| l.starts_with('6'))
        .count() as u64
}

/// (line, amount in cents) of each entry detail record of a Nacha file.
fn entry_amounts(file: &[u8]) -> Vec<(u64, u64)> {
    String::from_utf8_lossy(file)
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with('6'))
        .map(|(i, l)| (i as u64 + 1, l[29..39].parse().unwrap()))
        .collect()
}

#[test]
fn the_ach_limits_agreed_with_the_bank_refuse_entries_on_their_lines_spec_06_5_2() {
    let good = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/nacha/20260115T171640Z_outgoing_ach_1768497400.ach"),
    )
    .unwrap();
    let amounts = entry_amounts(&good);
    let total: u64 = amounts.iter().map(|(_, a)| a).sum();
    let name = "ach/outgoing/20260115T171640Z_outgoing_ach_1768497400.ach";
    let clock = Some("2026-04-06T15:00:00Z".parse().unwrap());
    let codes_at = |status: &serde_json::Value, code: &str| -> Vec<u64> {
        status["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["code"] == code)
            .map(|e| e["row"].as_u64().unwrap())
            .collect()
    };

    // Per transaction: every entry above 500.00, on its own line.
    let e = env_with(|c| {
        c.ach_clock = clock;
        c.program.ach_limits.per_transaction_cents = Some(50_000);
    });
    e.drop_file(name, &good);
    let p = e.process(name);
    assert_eq!(p.state, State::Rejected);
    let over: Vec<u64> = amounts
        .iter()
        .filter(|(_, a)| *a > 50_000)
        .map(|(l, _)| *l)
        .collect();
    assert!(
        !over.is_empty() && over.len() < amounts.len(),
        "{amounts:?}"
    );
    assert_eq!(
        codes_at(&e.status(&p), "per_transaction_limit_exceeded"),
        over
    );

    // Daily aggregate: one cent short of the file's total; once, on its last entry.
    let e = env_with(|c| {
        c.ach_clock = clock;
        c.program.ach_limits.daily_cents = Some(total - 1);
    });
    e.drop_file(name, &good);
    let p = e.process(name);
    assert_eq!(p.state, State::Rejected);
    let last = amounts.last().unwrap().0;
    assert_eq!(codes_at(&e.status(&p), "aggregate_limit_exceeded"), [last]);

    // The day's earlier accepted files count: the file fits, then more that day does not.
    let e = env_with(|c| {
        c.ach_clock = clock;
        c.program.ach_limits.daily_cents = Some(total + 100);
    });
    e.drop_file(name, &good);
    assert_eq!(e.process(name).state, State::Accepted);
    let mut again = good.clone();
    again[33] = b'B';
    let second = "ach/outgoing/20260115T171641Z_outgoing_ach_1768497401.ach";
    e.drop_file(second, &again);
    let p = e.process(second);
    let first_over = amounts.iter().find(|(_, a)| *a > 100).unwrap().0;
    assert_eq!(
        codes_at(&e.status(&p), "aggregate_limit_exceeded"),
        [first_over]
    );
}

#[test]
fn an_enr_batch_without_an_effective_date_is_accepted_and_scheduled_at_once() {
    // Issue 13: ENR batches leave the effective entry date blank; with ENR in the program's SEC
    // codes the file is accepted and its entries go in the next window.
    let e = env_with(|c| {
        c.ach_clock = Some("2026-04-06T15:00:00Z".parse().unwrap());
        c.program
            .ach_policy
            .allowed_sec_codes
            .push(nacha::SecCode::Enr);
    });
    let enr = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/nacha/valid_enr.ach"),
    )
    .unwrap();
    let name = "ach/outgoing/20260406T150000Z_outgoing_ach_1775487600.ach";
    e.drop_file(name, &enr);
    let p = e.process(name);
    assert_eq!(p.state, State::Accepted, "{}", e.status(&p));
    let mut entries = Vec::new();
    e.pipeline
        .store()
        .snapshot()
        .unwrap()
        .ach_entries_settled_on::<store::Error>("acme", "2026-04-06", &mut |r| {
            entries.push(serde_json::from_str::<serde_json::Value>(r.data).unwrap());
            Ok(true)
        })
        .unwrap();
    // Its third entry is a prenote (code 28, no money): not stored.
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["sec_code"], "ENR");
    assert_eq!(entries[0]["billing"], "same_day");
    assert_eq!(entries[0]["effective_date"], "2026-04-06");
}
