//! `bankdrop serve` end to end (issue 4, "Done when"): the real binary with a temp config, driven
//! by OpenSSH's `sftp` in batch mode and by paramiko, a second and independent client.
//!
//! Every test starts its own server on a free loopback port and kills it when it ends (the
//! `Server` guard). A clean stop (SIGTERM) is used as a barrier before reading the ledger: the
//! pipeline finishes every queued file before the process exits.

mod common;

use common::{
    errors_csv_rows, expected_error_rows, files_in, find, fixtures, names, status_json, text,
    wait_until, Env, WAIT,
};
use std::fs;
use std::io::{BufWriter, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use store::State;

/// Runs one batch that must fail (a refused operation aborts `sftp -b`); returns its output.
fn refused(env: &Env, user: &str, key: &Path, batch: &str) -> String {
    let out = env.sftp(user, key, batch);
    assert!(
        !out.status.success(),
        "expected `{}` to be refused: {}",
        batch.trim(),
        text(&out)
    );
    text(&out)
}

/// Runs one batch that must succeed; returns its standard output.
fn ok(env: &Env, user: &str, key: &Path, batch: &str) -> String {
    let out = env.sftp(user, key, batch);
    assert!(out.status.success(), "`{}`: {}", batch.trim(), text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits for a file's decision: its status file and the file itself in the result folder.
fn wait_decided(folder: &Path, name: &str, server: &common::Server) {
    let status = folder.join(format!("{name}.status.json"));
    let file = folder.join(name);
    assert!(
        wait_until(WAIT, || status.exists() && file.exists()),
        "{} not decided into {} within {WAIT:?}; there: {:?}\n{}",
        name,
        folder.display(),
        names(folder),
        server.stderr()
    );
}

#[test]
fn openssh_valid_file_is_accepted_and_invalid_file_gets_its_error_rows() {
    let mut env = Env::new();
    let server = env.start();
    let key = env.demo_key();
    let root = env.root("demo");
    let valid = fixtures().join("valid/2026-01-27_transaction_v1.csv");
    let case = fixtures().join("cases/several_errors");
    let invalid = case.join("2026-01-27_card_v2.csv");
    ok(
        &env,
        "demo",
        &key,
        &format!(
            "put {} transaction/\nput {} card/\n",
            valid.display(),
            invalid.display()
        ),
    );

    let (ok_name, bad_name) = ("2026-01-27_transaction_v1.csv", "2026-01-27_card_v2.csv");
    wait_decided(&root.join("transaction/processed"), ok_name, &server);
    wait_decided(&root.join("card/failed"), bad_name, &server);

    let s = status_json(&root.join(format!("transaction/processed/{ok_name}.status.json")));
    assert_eq!(s["outcome"], "accepted", "{s}");
    assert_eq!(s["file"], ok_name);
    assert_eq!(s["partner"], "demo");
    assert_eq!(s["file_type"], "transaction");
    assert_eq!(s["error_count"], 0);
    assert!(s["errors_file"].is_null(), "{s}");
    assert_eq!(
        fs::read(root.join("transaction/processed").join(ok_name)).unwrap(),
        fs::read(&valid).unwrap(),
        "the accepted file is kept byte for byte"
    );

    let expected: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(case.join("expected.json")).unwrap()).unwrap();
    let b = status_json(&root.join(format!("card/failed/{bad_name}.status.json")));
    assert_eq!(b["outcome"], "rejected", "{b}");
    assert_eq!(b["error_count"], expected["error_count"]);
    assert_eq!(
        b["errors"], expected["errors"],
        "status errors = validator's"
    );
    assert_eq!(
        b["errors_file"],
        format!("card/failed/{bad_name}.errors.csv").as_str()
    );
    assert!(files_in(&root.join("transaction")).is_empty());
    assert!(files_in(&root.join("card")).is_empty());
    assert!(files_in(&root.join("card/processed")).is_empty());

    // The partner sees the outcome over SFTP and fetches every error row.
    let got = env.local.join("fetched.errors.csv");
    let listing = ok(
        &env,
        "demo",
        &key,
        &format!(
            "ls -1 card/failed\nls -1 transaction/processed\nget card/failed/{bad_name}.errors.csv {}\n",
            got.display()
        ),
    );
    for n in [
        bad_name.to_string(),
        format!("{bad_name}.status.json"),
        format!("{bad_name}.errors.csv"),
        ok_name.to_string(),
        format!("{ok_name}.status.json"),
    ] {
        assert!(listing.contains(&n), "{n} not listed:\n{listing}");
    }
    let rows = errors_csv_rows(&fs::read_to_string(&got).unwrap());
    assert_eq!(rows, expected_error_rows(&case.join("expected.json")));
    assert_eq!(rows.len(), 4);

    server.stop();
    let mut ledger: Vec<(String, State)> = env
        .ledger("demo")
        .into_iter()
        .map(|r| (r.file.name.clone(), r.state()))
        .collect();
    ledger.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        ledger,
        [
            (bad_name.to_string(), State::Rejected),
            (ok_name.to_string(), State::Accepted)
        ]
    );
}

#[test]
fn openssh_part_upload_renamed_into_place_is_processed_once() {
    let mut env = Env::new();
    let server = env.start();
    let key = env.demo_key();
    let root = env.root("demo");
    let name = "2026-01-27_transaction_v1.csv";
    let valid = fixtures().join("valid").join(name);
    ok(
        &env,
        "demo",
        &key,
        &format!(
            "put {} transaction/{name}.part\nls -1 transaction\nrename transaction/{name}.part transaction/{name}\n",
            valid.display()
        ),
    );
    wait_decided(&root.join("transaction/processed"), name, &server);
    let listing = ok(&env, "demo", &key, "ls -1 transaction/processed\n");
    let listed: Vec<&str> = listing
        .lines()
        .filter(|l| !l.starts_with("sftp>"))
        .collect();
    assert_eq!(
        listed,
        [
            format!("transaction/processed/{name}"),
            format!("transaction/processed/{name}.status.json")
        ],
        "{listing}"
    );
    assert_eq!(
        status_json(&root.join(format!("transaction/processed/{name}.status.json")))["outcome"],
        "accepted"
    );

    server.stop();
    // Exactly one decision: no second status, nothing for the `.part` name, one ledger row.
    assert_eq!(
        files_in(&root.join("transaction/processed")),
        [name.to_string(), format!("{name}.status.json")]
    );
    assert!(files_in(&root.join("transaction/failed")).is_empty());
    assert!(files_in(&root.join("transaction")).is_empty());
    let ledger = env.ledger("demo");
    assert_eq!(ledger.len(), 1, "{ledger:#?}");
    assert_eq!(ledger[0].file.name, name);
    assert_eq!(ledger[0].file.path, format!("transaction/{name}"));
    assert_eq!(ledger[0].state(), State::Accepted);
}

#[test]
fn openssh_read_only_folders_refuse_uploads() {
    let mut env = Env::new();
    let server = env.start();
    let key = env.demo_key();
    let root = env.root("demo");
    let valid = fixtures().join("valid/2026-01-27_card_v1.csv");
    let v = valid.display();
    for target in [
        "card/processed/",
        "card/processed/2026-01-27_card_v1.csv",
        "card/failed/",
        "reports/",
        "/",
    ] {
        let out = refused(&env, "demo", &key, &format!("put {v} {target}\n"));
        assert!(out.contains("Permission denied"), "{target}: {out}");
    }
    // Nor can a file be moved or created there by other means.
    let out = refused(
        &env,
        "demo",
        &key,
        &format!("put {v} card/x.part\nrename card/x.part card/processed/2026-01-27_card_v1.csv\n"),
    );
    assert!(out.contains("Permission denied"), "{out}");
    refused(&env, "demo", &key, "mkdir card/processed/sub\n");

    server.stop();
    for folder in ["card/processed", "card/failed", "reports", ""] {
        assert!(
            files_in(&root.join(folder)).is_empty(),
            "{folder}: {:?}",
            names(&root.join(folder))
        );
    }
    assert!(!root.join("card/processed/sub").exists());
    // The `.part` stayed where it was written, unprocessed.
    assert_eq!(files_in(&root.join("card")), ["x.part"]);
    assert!(env.ledger("demo").is_empty());
}

#[test]
fn openssh_dot_dot_and_absolute_paths_stay_in_the_partner_tree() {
    let mut env = Env::new();
    let server = env.start();
    let key = env.demo_key();
    let root = env.root("demo");
    // Real files just outside the partner's root.
    fs::write(env.data.join("secret.txt"), "data dir secret").unwrap();
    fs::write(env.data.join("partners/secret.txt"), "partners secret").unwrap();
    let valid = fixtures().join("valid/2026-01-27_card_v1.csv");
    let v = valid.display();
    let got = env.local.join("got");

    for remote in [
        "../secret.txt",
        "../../secret.txt",
        "/../../secret.txt",
        "card/../../../secret.txt",
        "../../bankdrop.sqlite",
        "../../demo_ed25519",
        "/etc/hostname",
        "../../../../../../../../etc/hostname",
    ] {
        refused(
            &env,
            "demo",
            &key,
            &format!("get {remote} {}\n", got.display()),
        );
        assert!(!got.exists(), "{remote} was downloaded");
    }
    for remote in [
        "../x.csv",
        "../../x.csv",
        "/../../x.csv",
        "../../../../../../../../tmp/x.csv",
    ] {
        let out = refused(&env, "demo", &key, &format!("put {v} {remote}\n"));
        assert!(
            out.contains("Permission denied") || out.contains("No such file"),
            "{remote}: {out}"
        );
    }
    // `..` above the root is the root: the partner only ever sees its own tree.
    let out = ok(&env, "demo", &key, "cd ../../..\npwd\nls -1 ../..\n");
    assert!(out.contains("Remote working directory: /\n"), "{out}");
    for folder in ["card", "transaction", "reports", "documents"] {
        assert!(out.contains(folder), "{folder} not listed: {out}");
    }
    for outside in ["secret.txt", "bankdrop.sqlite", "demo_ed25519", "partners"] {
        assert!(!out.contains(outside), "{outside} listed: {out}");
    }
    // An absolute path, even one climbing above `/`, lands in the partner's own tree.
    ok(
        &env,
        "demo",
        &key,
        &format!("put {v} /../../card/2026-01-27_card_v1.csv\n"),
    );
    wait_decided(
        &root.join("card/processed"),
        "2026-01-27_card_v1.csv",
        &server,
    );

    server.stop();
    for dir in [
        env.data.clone(),
        env.data.join("partners"),
        env.tmp.path().to_path_buf(),
    ] {
        assert!(!dir.join("x.csv").exists(), "{}", dir.display());
    }
    assert!(files_in(&root).is_empty(), "{:?}", names(&root));
    assert_eq!(
        fs::read_to_string(env.data.join("secret.txt")).unwrap(),
        "data dir secret"
    );
    let ledger = env.ledger("demo");
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].file.path, "card/2026-01-27_card_v1.csv");
    assert_eq!(ledger[0].state(), State::Accepted);
}

#[test]
fn openssh_second_partner_cannot_list_or_read_the_first_partners_files() {
    let mut env = Env::new();
    let (other_key, other_pub) = env.keygen("other_ed25519");
    let out = env.bankdrop(&[
        "partner",
        "add",
        "other",
        "--key",
        other_pub.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "partner add: {}", text(&out));
    let server = env.start();
    let demo_key = env.demo_key();
    let name = "2026-01-27_card_v1.csv";
    let valid = fixtures().join("valid").join(name);
    ok(
        &env,
        "demo",
        &demo_key,
        &format!("put {} card/\n", valid.display()),
    );
    wait_decided(&env.root("demo").join("card/processed"), name, &server);

    // `other` logs in to its own, empty tree.
    let out = ok(
        &env,
        "other",
        &other_key,
        "ls -1 card/processed\nls -1 card\n",
    );
    assert!(!out.contains(name), "{out}");
    let got = env.local.join("got");
    for batch in [
        format!("get /card/processed/{name} {}\n", got.display()),
        format!("get ../demo/card/processed/{name} {}\n", got.display()),
        format!(
            "get ../../partners/demo/card/processed/{name}.status.json {}\n",
            got.display()
        ),
        format!("get /../demo/card/processed/{name} {}\n", got.display()),
        "ls ../demo/card/processed\n".to_string(),
        "ls ../../partners/demo/card\n".to_string(),
        "ls /demo\n".to_string(),
        "cd ../demo\n".to_string(),
    ] {
        let out = refused(&env, "other", &other_key, &batch);
        // Nothing but the echoed command mentions demo's file: no listing, no download.
        let shown: Vec<&str> = out
            .lines()
            .filter(|l| l.contains(name) && !l.starts_with("sftp> ") && !l.contains("not found"))
            .collect();
        assert!(shown.is_empty(), "{batch}: {out}");
        assert!(
            out.contains("not found") || out.contains("No such file"),
            "{batch}: {out}"
        );
        assert!(!got.exists(), "{batch} downloaded a file");
    }
    // A partner's key does not open another partner's account.
    refused(&env, "other", &demo_key, "ls\n");
    refused(&env, "demo", &other_key, "ls\n");

    // And the other way round: `other`'s upload is decided in its own tree, invisible to demo.
    let balance = fixtures().join("valid/2026-01-27_balance_v1.csv");
    ok(
        &env,
        "other",
        &other_key,
        &format!("put {} balance/\n", balance.display()),
    );
    wait_decided(
        &env.root("other").join("balance/processed"),
        "2026-01-27_balance_v1.csv",
        &server,
    );
    let out = ok(&env, "demo", &demo_key, "ls -1 balance/processed\n");
    assert!(!out.contains("2026-01-27_balance_v1.csv"), "{out}");

    server.stop();
    assert!(files_in(&env.root("other").join("card/processed")).is_empty());
    assert!(files_in(&env.root("demo").join("balance/processed")).is_empty());
    let demo: Vec<String> = env
        .ledger("demo")
        .into_iter()
        .map(|r| r.file.name)
        .collect();
    let other: Vec<String> = env
        .ledger("other")
        .into_iter()
        .map(|r| r.file.name)
        .collect();
    assert_eq!(demo, [name]);
    assert_eq!(other, ["2026-01-27_balance_v1.csv"]);
}

/// A temp upload of the server's (hidden from partners) in `dir`, with its size.
fn temp_upload(dir: &Path) -> Option<(String, u64)> {
    fs::read_dir(dir).ok()?.flatten().find_map(|e| {
        let n = e.file_name().to_string_lossy().into_owned();
        n.starts_with(".bankdrop-upload-")
            .then(|| (n, e.metadata().map(|m| m.len()).unwrap_or(0)))
    })
}

#[test]
fn openssh_killed_upload_is_never_processed_and_leaves_no_file() {
    let mut env = Env::new();
    let server = env.start();
    let key = env.demo_key();
    let root = env.root("demo");
    let inbox = root.join("transaction");
    // ~200 MB under a valid name: a real generated file's rows repeated (fast to build; whether
    // it would pass does not matter, it must never arrive).
    let name = "2026-01-26_transaction_v1.csv";
    let gen_dir = env.tmp.path().join("gen");
    fs::create_dir_all(&gen_dir).unwrap();
    let small =
        fs::read_to_string(env.gen("transaction", 2000, "2026-01-26", 7, &gen_dir)).unwrap();
    let (header, body) = small.split_once('\n').unwrap();
    let big = env.local.join(name);
    let mut w = BufWriter::new(fs::File::create(&big).unwrap());
    writeln!(w, "{header}").unwrap();
    let mut size = header.len() as u64 + 1;
    while size < 200 << 20 {
        w.write_all(body.as_bytes()).unwrap();
        size += body.len() as u64;
    }
    w.flush().unwrap();
    drop(w);

    let mut cmd = env.sftp_command("demo", &key);
    // Its own process group, so sftp and the ssh it runs die together, as in a lost connection.
    cmd.process_group(0);
    let mut uploader = cmd.spawn().unwrap();
    uploader
        .stdin
        .take()
        .unwrap()
        .write_all(format!("put {} transaction/\n", big.display()).as_bytes())
        .unwrap();
    let mut partial = None;
    assert!(
        wait_until(WAIT, || {
            partial = temp_upload(&inbox).filter(|(_, len)| *len >= 8 << 20);
            partial.is_some()
        }),
        "the upload never got going: {:?}\n{}",
        names(&inbox),
        server.stderr()
    );
    // Mid-transfer, the partner sees nothing of it.
    let listing = ok(&env, "demo", &key, "ls -la transaction\n");
    assert!(
        !listing.contains("bankdrop-upload") && !listing.contains(name),
        "{listing}"
    );
    let out = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{}", uploader.id())])
        .output()
        .unwrap();
    assert!(out.status.success(), "kill: {}", text(&out));
    let status = uploader.wait().unwrap();
    assert!(
        !status.success(),
        "the upload finished before it was killed"
    );
    let (temp, len) = partial.unwrap();
    assert!(len < size, "{temp}: {len} of {size} bytes");

    // The server notices the dropped connection and removes the partial upload.
    assert!(
        wait_until(WAIT, || temp_upload(&inbox).is_none()),
        "partial upload left behind: {:?}\n{}",
        names(&inbox),
        server.stderr()
    );
    server.stop();
    assert!(files_in(&inbox).is_empty(), "{:?}", names(&inbox));
    assert!(files_in(&inbox.join("processed")).is_empty());
    assert!(files_in(&inbox.join("failed")).is_empty());
    assert!(find(&root, &|n| n.ends_with(".status.json") || n == name).is_empty());
    assert!(env.ledger("demo").is_empty());
}

#[test]
fn file_arriving_while_the_server_is_down_is_processed_at_start_up() {
    let mut env = Env::new();
    env.start().stop(); // first start: creates the demo partner and its tree
    let root = env.root("demo");
    let card = "2026-01-27_card_v1.csv";
    let transaction = "2026-01-27_transaction_v1.csv";
    fs::copy(
        fixtures().join("valid").join(card),
        root.join("card").join(card),
    )
    .unwrap();
    fs::copy(
        fixtures().join("valid").join(transaction),
        root.join("transaction").join(transaction),
    )
    .unwrap();
    // Names of transfers in progress are never processed, also at start-up.
    fs::write(root.join("card/2026-01-28_card_v1.csv.part"), "partial").unwrap();
    fs::write(root.join("card/.2026-01-29_card_v1.csv"), "hidden").unwrap();

    let server = env.start();
    wait_decided(&root.join("card/processed"), card, &server);
    wait_decided(&root.join("transaction/processed"), transaction, &server);
    server.stop();

    for (folder, name) in [("card", card), ("transaction", transaction)] {
        let s = status_json(&root.join(format!("{folder}/processed/{name}.status.json")));
        assert_eq!(s["outcome"], "accepted", "{s}");
    }
    assert_eq!(
        files_in(&root.join("card")),
        [".2026-01-29_card_v1.csv", "2026-01-28_card_v1.csv.part"]
    );
    assert!(files_in(&root.join("transaction")).is_empty());
    let mut ledger: Vec<(String, State)> = env
        .ledger("demo")
        .into_iter()
        .map(|r| (r.file.name.clone(), r.state()))
        .collect();
    ledger.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        ledger,
        [
            (card.to_string(), State::Accepted),
            (transaction.to_string(), State::Accepted)
        ]
    );
}

/// The paramiko side: every check prints into one JSON object on standard output.
const PARAMIKO_CLIENT: &str = r#"
import json, os, sys, time
import paramiko


def refused(action):
    try:
        action()
    except (IOError, OSError) as e:
        return "%s:%s" % (type(e).__name__, getattr(e, "errno", ""))
    return "allowed"


def wait_any(sftp, paths, timeout=20.0):
    end = time.time() + timeout
    while True:
        for p in paths:
            try:
                sftp.stat(p)
                return p
            except IOError:
                pass
        if time.time() > end:
            return None
        time.sleep(0.02)


def read_json(sftp, path):
    with sftp.open(path, "rb") as f:
        return json.loads(f.read())


def decide(sftp, folder, name):
    """Waits for name's status in folder/processed or folder/failed; returns (path, status)."""
    p = wait_any(sftp, ["%s/%s/%s.status.json" % (folder, d, name) for d in ("processed", "failed")])
    return (p, read_json(sftp, p) if p else None)


def main():
    host, port, user, key_path, work, valid, invalid, part_src = sys.argv[1:9]
    key = paramiko.Ed25519Key.from_private_key_file(key_path)
    transport = paramiko.Transport((host, int(port)))
    transport.connect(username=user, pkey=key)
    sftp = paramiko.SFTPClient.from_transport(transport)
    out = {}

    # A valid file is accepted.
    vname = os.path.basename(valid)
    sftp.put(valid, "balance/" + vname, confirm=False)
    out["valid_status"], st = decide(sftp, "balance", vname)
    out["valid_outcome"] = st and st["outcome"]

    # An invalid file is rejected with its errors file.
    iname = os.path.basename(invalid)
    sftp.put(invalid, "customer/" + iname, confirm=False)
    out["invalid_status"], st = decide(sftp, "customer", iname)
    out["invalid_outcome"] = st and st["outcome"]
    out["invalid_errors_file"] = st and st["errors_file"]
    if st and st["errors_file"]:
        sftp.get(st["errors_file"], os.path.join(work, "paramiko.errors.csv"))

    # Upload under a transfer name, then a plain SSH_FXP_RENAME into the real name.
    pname = os.path.basename(part_src)
    sftp.put(part_src, "transaction/upload.filepart", confirm=False)
    out["filepart_waits"] = sorted(n for n in sftp.listdir("transaction") if n.endswith(".filepart"))
    sftp.rename("transaction/upload.filepart", "transaction/" + pname)
    out["part_status"], st = decide(sftp, "transaction", pname)
    out["part_outcome"] = st and st["outcome"]

    # Read-only folders refuse writes, removals and renames.
    out["put_processed"] = refused(lambda: sftp.put(valid, "card/processed/2026-01-27_card_v1.csv", confirm=False))
    out["put_failed"] = refused(lambda: sftp.put(valid, "card/failed/x.csv", confirm=False))
    out["put_reports"] = refused(lambda: sftp.put(valid, "reports/x.csv", confirm=False))
    out["put_root"] = refused(lambda: sftp.put(valid, "/x.csv", confirm=False))
    out["remove_status"] = refused(lambda: sftp.remove("balance/processed/%s.status.json" % vname))
    out["rename_out"] = refused(lambda: sftp.rename("balance/processed/" + vname, "balance/" + vname))

    # `..` and absolute paths never leave the partner's tree.
    out["open_dotdot"] = refused(lambda: sftp.open("../../secret.txt"))
    out["open_abs_dotdot"] = refused(lambda: sftp.open("/../../secret.txt"))
    out["open_partners_secret"] = refused(lambda: sftp.open("../secret.txt"))
    out["open_db"] = refused(lambda: sftp.open("../../bankdrop.sqlite"))
    out["open_etc"] = refused(lambda: sftp.open("/etc/hostname"))
    out["put_dotdot"] = refused(lambda: sftp.put(valid, "../../x.csv", confirm=False))
    out["normalize"] = sftp.normalize("../../..")
    out["listdir_root"] = sorted(sftp.listdir("/"))
    out["listdir_dotdot"] = sorted(sftp.listdir("../.."))

    sftp.close()
    transport.close()
    print(json.dumps(out))


main()
"#;

#[test]
fn paramiko_client_gets_the_same_outcomes_and_refusals() {
    if !Env::paramiko_available() {
        // .ci/run installs paramiko; a bare `cargo test` on a machine without it says so, and
        // under CI a missing client is a failure, not a skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "paramiko is missing under CI"
        );
        eprintln!("SKIPPED: python3 with paramiko is not installed (pip install paramiko)");
        return;
    }
    let mut env = Env::new();
    let server = env.start();
    let root = env.root("demo");
    fs::write(env.data.join("secret.txt"), "data dir secret").unwrap();
    fs::write(env.data.join("partners/secret.txt"), "partners secret").unwrap();
    let valid = fixtures().join("valid/2026-01-27_balance_v1.csv");
    let case = fixtures().join("cases/pattern");
    let invalid = case.join("2026-01-27_customer_v2.csv");
    let part = fixtures().join("valid/2026-01-27_transaction_v1.csv");
    let port = env.port().to_string();
    let key = env.demo_key();
    let out = env.python(
        PARAMIKO_CLIENT,
        &[
            "127.0.0.1",
            &port,
            "demo",
            key.to_str().unwrap(),
            env.local.to_str().unwrap(),
            valid.to_str().unwrap(),
            invalid.to_str().unwrap(),
            part.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}\n{}", text(&out), server.stderr());
    let r: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));

    assert_eq!(
        r["valid_status"],
        "balance/processed/2026-01-27_balance_v1.csv.status.json"
    );
    assert_eq!(r["valid_outcome"], "accepted");
    assert_eq!(
        r["invalid_status"],
        "customer/failed/2026-01-27_customer_v2.csv.status.json"
    );
    assert_eq!(r["invalid_outcome"], "rejected");
    assert_eq!(
        r["invalid_errors_file"],
        "customer/failed/2026-01-27_customer_v2.csv.errors.csv"
    );
    let rows = errors_csv_rows(&fs::read_to_string(env.local.join("paramiko.errors.csv")).unwrap());
    assert_eq!(rows, expected_error_rows(&case.join("expected.json")));
    assert!(!rows.is_empty());

    assert_eq!(r["filepart_waits"], serde_json::json!(["upload.filepart"]));
    assert_eq!(
        r["part_status"],
        "transaction/processed/2026-01-27_transaction_v1.csv.status.json"
    );
    assert_eq!(r["part_outcome"], "accepted");

    for k in [
        "put_processed",
        "put_failed",
        "put_reports",
        "put_root",
        "remove_status",
        "rename_out",
    ] {
        assert_eq!(r[k], "PermissionError:13", "{k}: {r}");
    }
    for k in [
        "open_dotdot",
        "open_abs_dotdot",
        "open_partners_secret",
        "open_db",
        "open_etc",
    ] {
        assert_eq!(r[k], "FileNotFoundError:2", "{k}: {r}");
    }
    assert_ne!(r["put_dotdot"], "allowed");
    assert_eq!(r["normalize"], "/");
    assert_eq!(r["listdir_root"], r["listdir_dotdot"]);
    let top: Vec<&str> = r["listdir_root"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        top.contains(&"card") && top.contains(&"transaction"),
        "{top:?}"
    );
    for outside in [
        "secret.txt",
        "bankdrop.sqlite",
        "demo_ed25519",
        "partners",
        "demo",
    ] {
        assert!(!top.contains(&outside), "{outside} visible: {top:?}");
    }

    server.stop();
    // The renamed upload was decided once: one file and one status, one ledger row.
    let name = "2026-01-27_transaction_v1.csv";
    assert_eq!(
        files_in(&root.join("transaction/processed")),
        [name.to_string(), format!("{name}.status.json")]
    );
    assert!(files_in(&root.join("transaction")).is_empty());
    assert!(files_in(&root.join("transaction/failed")).is_empty());
    for folder in ["card/processed", "card/failed", "reports", ""] {
        assert!(files_in(&root.join(folder)).is_empty(), "{folder}");
    }
    assert!(!env.data.join("x.csv").exists() && !env.data.join("partners/x.csv").exists());
    let mut ledger: Vec<(String, State)> = env
        .ledger("demo")
        .into_iter()
        .map(|r| (r.file.name.clone(), r.state()))
        .collect();
    ledger.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        ledger,
        [
            ("2026-01-27_balance_v1.csv".to_string(), State::Accepted),
            ("2026-01-27_customer_v2.csv".to_string(), State::Rejected),
            (name.to_string(), State::Accepted),
        ]
    );
}

/// A second upload of a name that is still being processed. Whatever the design decides for it
/// (replace the waiting file, refuse it, or decide it as a `duplicate`), each status file must
/// describe the bytes that lie beside it, and the first, acknowledged upload must not vanish
/// undecided.
///
/// (Before files were claimed by a rename, the pipeline hashed the inbox path, validated it
/// again by path and moved whatever was there: a status with the first file's sha256 and bytes
/// but the second's rows and errors, and the first file gone without a decision.)
#[test]
fn same_name_uploaded_again_while_processing_is_not_mixed_up() {
    let mut env = Env::new();
    let server = env.start();
    let key = env.demo_key();
    let root = env.root("demo");
    let name = "2026-01-20_transaction_v1.csv";
    let big_dir = env.tmp.path().join("big");
    fs::create_dir_all(&big_dir).unwrap();
    // Big enough to take a while to validate in a debug build.
    let big = env.gen("transaction", 60_000, "2026-01-20", 5, &big_dir);
    let small_dir = env.tmp.path().join("small");
    fs::create_dir_all(&small_dir).unwrap();
    let small = small_dir.join(name);
    fs::copy(
        fixtures().join("cases/type_decimal/2026-01-27_transaction_v2.csv"),
        &small,
    )
    .unwrap();
    ok(
        &env,
        "demo",
        &key,
        &format!(
            "put {} transaction/\nput {} transaction/\n",
            big.display(),
            small.display()
        ),
    );
    let decided = |dir: &str| {
        files_in(&root.join("transaction").join(dir))
            .into_iter()
            .filter(|n| n.ends_with(".status.json"))
            .count()
    };
    assert!(
        wait_until(WAIT, || decided("processed") + decided("failed") >= 1
            && files_in(&root.join("transaction")).is_empty()),
        "{}",
        server.stderr()
    );
    server.stop();
    let big_len = fs::metadata(&big).unwrap().len();
    let mut statuses = Vec::new();
    for dir in ["processed", "failed"] {
        let folder = root.join("transaction").join(dir);
        for n in files_in(&folder) {
            if let Some(data) = n.strip_suffix(".status.json") {
                let s = status_json(&folder.join(&n));
                let len = fs::metadata(folder.join(data)).map(|m| m.len()).ok();
                assert_eq!(
                    Some(s["bytes"].as_u64().unwrap()),
                    len,
                    "{dir}/{n} describes other bytes than {dir}/{data}: {s}"
                );
                statuses.push(s);
            }
        }
    }
    // Both uploads were acknowledged; if the first was processed at all, it has its decision.
    assert!(
        statuses.iter().any(|s| s["bytes"] == big_len) || env.ledger("demo").len() == 1,
        "{statuses:?}"
    );
}

/// The deadline (D9) is judged by when the file reached the bank, which a partner cannot choose.
///
/// (The SFTP server applies the times a client sets, `put -p` or paramiko's `utime`; when
/// `received_at` came from the mtime, a file sent months late was recorded as on time.)
#[test]
fn put_preserving_an_old_mtime_does_not_make_a_late_file_on_time() {
    let mut env = Env::new();
    let server = env.start();
    let key = env.demo_key();
    let root = env.root("demo");
    let name = "2026-01-27_card_v1.csv";
    let local = env.local.join(name);
    fs::copy(fixtures().join("valid").join(name), &local).unwrap();
    // Back-dated to the day before the file date: on time, if it were true.
    let out = Command::new("touch")
        .args(["-d", "2026-01-26 12:00:00Z"])
        .arg(&local)
        .output()
        .unwrap();
    assert!(out.status.success(), "touch: {}", text(&out));
    let sent_at = chrono::Utc::now();
    ok(
        &env,
        "demo",
        &key,
        &format!("put -p {} card/\n", local.display()),
    );
    wait_decided(&root.join("card/processed"), name, &server);
    let s = status_json(&root.join(format!("card/processed/{name}.status.json")));
    let received: chrono::DateTime<chrono::Utc> =
        s["received_at"].as_str().unwrap().parse().unwrap();
    assert!(
        received >= sent_at - chrono::Duration::seconds(1),
        "received_at {received} is before the upload ({sent_at}): {s}"
    );
    // Sent after its deadline (2026-01-27 06:00 Chicago) whenever this test runs after it.
    if sent_at
        > "2026-01-27T12:00:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
    {
        assert_eq!(s["late"], true, "{s}");
    }
}

/// An accepted file whose rows cannot be applied (transaction ids an earlier accepted file
/// already applied) still gets a decision, and its status matches where the file is.
///
/// (When the apply failed on the `transactions` primary key after the `accepted` status was
/// written, the decision rolled back and the file stayed in the inbox, failing at every rescan,
/// while the partner read "accepted".)
#[test]
fn a_file_repeating_applied_transaction_ids_is_decided_not_stuck() {
    let mut env = Env::new();
    let server = env.start();
    let key = env.demo_key();
    let root = env.root("demo");
    let dir = env.tmp.path().join("gen");
    fs::create_dir_all(&dir).unwrap();
    // Same seed, other date: other file, same transaction ids.
    let first = env.gen("transaction", 20, "2026-01-05", 3, &dir);
    let second = env.gen("transaction", 20, "2026-01-06", 3, &dir);
    ok(
        &env,
        "demo",
        &key,
        &format!("put {} transaction/\n", first.display()),
    );
    wait_decided(
        &root.join("transaction/processed"),
        "2026-01-05_transaction_v1.csv",
        &server,
    );
    ok(
        &env,
        "demo",
        &key,
        &format!("put {} transaction/\n", second.display()),
    );
    let name = "2026-01-06_transaction_v1.csv";
    let decided = wait_until(WAIT, || {
        ["processed", "failed"].iter().any(|d| {
            let folder = root.join("transaction").join(d);
            folder.join(name).exists() && folder.join(format!("{name}.status.json")).exists()
        })
    });
    assert!(
        decided,
        "{name} never decided: inbox {:?}, processed {:?}, failed {:?}",
        names(&root.join("transaction")),
        names(&root.join("transaction/processed")),
        names(&root.join("transaction/failed"))
    );
    server.stop();
    // Rejected, naming the ids applied before (README: `duplicate_id_history`).
    let s = status_json(&root.join(format!("transaction/failed/{name}.status.json")));
    assert_eq!(s["outcome"], "rejected", "{s}");
    assert!(
        s["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "duplicate_id_history"),
        "{s}"
    );
    // No status anywhere that contradicts where the file is.
    for d in ["processed", "failed"] {
        let folder = root.join("transaction").join(d);
        for n in files_in(&folder) {
            if let Some(data) = n.strip_suffix(".status.json") {
                assert!(folder.join(data).exists(), "{d}/{n} without its file");
            }
        }
    }
}

#[test]
fn a_file_waits_in_its_inbox_for_the_day_file_it_depends_on() {
    // Dates a month ahead, so the deadline (D9) has not passed and the wait is for real.
    let start = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive();
    let (d1, d2) = (start.to_string(), start.succ_opt().unwrap().to_string());
    let mut env = Env::new();
    let prog = env.tmp.path().join("prog");
    let o = env.bankdrop(&[
        "gen",
        "--program",
        "deposit",
        "--days",
        "2",
        "--accounts",
        "2",
        "--start",
        &d1,
        "--out",
        prog.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let server = env.start();
    let root = env.root("demo");
    let key = env.demo_key();
    let put = |date: &str, t: &str| {
        let name = format!("{date}_{t}_v1.csv");
        let local = prog.join(date).join(&name);
        ok(
            &env,
            "demo",
            &key,
            &format!("put {} {t}/\n", local.display()),
        );
        name
    };
    // Day 1 in order: the partner is now known to send customer files daily.
    let c1 = put(&d1, "customer");
    wait_decided(&root.join("customer/processed"), &c1, &server);
    let a1 = put(&d1, "account");
    wait_decided(&root.join("account/processed"), &a1, &server);
    // Day 2's account file first: it waits, untouched in its inbox, for the customer file.
    let a2 = put(&d2, "account");
    assert!(!wait_until(std::time::Duration::from_secs(2), || root
        .join("account/processed")
        .join(&a2)
        .exists()));
    assert_eq!(files_in(&root.join("account")), std::slice::from_ref(&a2));
    let c2 = put(&d2, "customer");
    wait_decided(&root.join("customer/processed"), &c2, &server);
    wait_decided(&root.join("account/processed"), &a2, &server);
    server.stop();
    let s = status_json(&root.join(format!("account/processed/{a2}.status.json")));
    assert_eq!(s["outcome"], "accepted", "{s}");
    assert_eq!(s["held"]["waited_for"], serde_json::json!(["customer"]));
    assert_eq!(s["held"]["released"], "prerequisites decided");
    assert_eq!(s["late"], false);
}

#[test]
fn serve_reconciles_the_missed_day_at_start_up() {
    let mut env = Env::new();
    // A run time every day has passed (00:00), so start-up catches up on yesterday (D9).
    let text = fs::read_to_string(&env.config)
        .unwrap()
        .replace("[recon]\nenabled = false\n", "[recon]\ntime = \"00:00\"\n");
    fs::write(&env.config, text).unwrap();
    let server = env.start();
    let now = chrono::Utc::now().with_timezone(&chrono_tz::America::Chicago);
    let yesterday = now.date_naive().pred_opt().unwrap();
    let reports = env.root("demo").join("reports");
    let summary = reports.join(format!("{yesterday}_balance_reconciliation_summary.json"));
    assert!(
        wait_until(WAIT, || summary.exists()),
        "no {} in {:?}\n{}",
        summary.display(),
        names(&reports),
        server.stderr()
    );
    server.stop();
    let s = status_json(&summary);
    assert_eq!(s["date"], yesterday.to_string());
    assert_eq!(s["breaks"], 0);
    for name in [
        format!("{yesterday}_balance_reconciliation.csv"),
        format!("{yesterday}_daily_balance.csv"),
    ] {
        assert!(reports.join(&name).is_file(), "{name}");
    }
    let bank = names(&env.root("demo").join("bank-account-reports"));
    assert_eq!(bank.len(), 2, "{bank:?}");
}

#[test]
fn a_file_being_processed_is_listed_under_its_own_name_read_only() {
    let mut env = Env::new();
    let server = env.start();
    // As the pipeline leaves a file while it works on it; in documents/, which no scan
    // processes, so nothing moves it during the test.
    let inbox = env.root("demo").join("documents");
    let name = "2026-01-27_customer_v1.csv";
    fs::write(inbox.join(format!(".claim-{name}")), "client_customer_id\n").unwrap();
    let out = ok(&env, "demo", &env.demo_key(), "ls -la documents\n");
    let line = out
        .lines()
        .find(|l| l.ends_with(name))
        .unwrap_or_else(|| panic!("{name} not listed:\n{out}"));
    assert!(line.starts_with("-r--r--r--"), "{line}");
    assert!(!out.contains(".claim-"), "{out}");
    // A new upload of the same name meanwhile: that one is listed, once, writable.
    fs::write(inbox.join(name), "client_customer_id\n").unwrap();
    let out = ok(&env, "demo", &env.demo_key(), "ls -la documents\n");
    let lines: Vec<&str> = out.lines().filter(|l| l.ends_with(name)).collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(lines[0].starts_with("-rw-r--r--"), "{}", lines[0]);
    server.stop();
}

#[test]
fn bankdrop_nodes_names_the_running_node_and_a_second_serve_on_sqlite_is_refused() {
    let mut env = Env::new();
    let server = env.start();
    let out = env.bankdrop(&["nodes"]);
    assert!(out.status.success(), "{}", text(&out));
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    let pid = server.pid().to_string();
    if common::backend::on_postgres() {
        // The node's default name is the host name and its process id; it is alive.
        let line = listing.lines().find(|l| l.contains(&format!("pid {pid} ")));
        assert!(line.is_some_and(|l| l.contains(" alive ")), "{listing}");
    } else {
        assert!(
            listing.contains("one node: ") && listing.contains(&format!("(pid {pid})")),
            "{listing}"
        );
        // The same SQLite file cannot be served twice: its cluster lives in the first process.
        let second = env.bankdrop(&["serve"]);
        assert_eq!(second.status.code(), Some(2), "{}", text(&second));
        let err = String::from_utf8_lossy(&second.stderr);
        assert!(err.contains("another `bankdrop serve` is running"), "{err}");
    }
    server.stop();
    if !common::backend::on_postgres() {
        let out = env.bankdrop(&["nodes"]);
        let listing = String::from_utf8_lossy(&out.stdout);
        assert!(
            listing.contains("no `bankdrop serve` is running"),
            "{listing}"
        );
    }
}
