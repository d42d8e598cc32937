//! The server driven by OpenSSH's `sftp` client in batch mode.

mod common;

use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};

use common::{arrived, names, text, Harness};

const SETTLE: Duration = Duration::from_millis(500);

#[test]
fn put_lands_in_place_with_exactly_one_event() {
    let (mut h, keys) = Harness::start();
    let local = h.local_file("2026-01-27_transaction_v1.csv", b"a|b\n1|2\n");
    let out = h.sftp(
        "acme",
        &keys.acme_ed25519.path,
        &format!("put {} /transaction/\n", local.display()),
    );
    assert!(out.status.success(), "{}", text(&out));
    let inbox = h.root("acme").join("transaction");
    assert_eq!(
        std::fs::read(inbox.join("2026-01-27_transaction_v1.csv")).unwrap(),
        b"a|b\n1|2\n"
    );
    // Nothing else: no temporary file left behind.
    assert_eq!(
        names(&inbox),
        ["2026-01-27_transaction_v1.csv", "failed", "processed"]
    );
    assert_eq!(
        h.drain_events(SETTLE),
        [arrived("acme", "transaction/2026-01-27_transaction_v1.csv")]
    );
}

#[test]
fn part_file_arrives_only_when_renamed() {
    let (mut h, keys) = Harness::start();
    let local = h.local_file("x.part", b"h\n");
    // OpenSSH's `rename` uses posix-rename@openssh.com when the server advertises it.
    let out = h.sftp(
        "acme",
        &keys.acme_ed25519.path,
        &format!(
            "cd transaction\nput {} x.part\nrename x.part 2026-01-27_transaction_v2.csv\nput {} .hidden\nput {} y.filepart\n",
            local.display(),
            local.display(),
            local.display()
        ),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        h.drain_events(SETTLE),
        [arrived("acme", "transaction/2026-01-27_transaction_v2.csv")]
    );
    let inbox = h.root("acme").join("transaction");
    assert!(inbox.join("2026-01-27_transaction_v2.csv").exists());
    assert!(!inbox.join("x.part").exists());
}

#[test]
fn several_key_types_per_partner_log_in() {
    let (h, keys) = Harness::start();
    for (user, key) in [
        ("acme", &keys.acme_ed25519.path),
        ("acme", &keys.acme_ecdsa.path),
        ("beta", &keys.beta_rsa.path),
    ] {
        let out = h.sftp(user, key, "pwd\nls /\n");
        assert!(out.status.success(), "{user} {key:?}: {}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("Remote working directory: /\n"), "{stdout}");
        assert!(stdout.contains("transaction"), "{stdout}");
    }
}

#[test]
fn read_only_folders_refuse_every_change() {
    let (mut h, keys) = Harness::start();
    let acme = h.root("acme");
    std::fs::write(acme.join("transaction/processed/old.csv"), b"old").unwrap();
    std::fs::write(acme.join("reports/r.csv"), b"report").unwrap();
    let local = h.local_file("f.csv", b"x");
    let key = &keys.acme_ed25519.path;
    for cmd in [
        format!("put {} /transaction/processed/f.csv", local.display()),
        format!("put {} /reports/f.csv", local.display()),
        format!("put {} /f.csv", local.display()),
        format!("put {} /ach/f.csv", local.display()),
        "rm /transaction/processed/old.csv".to_string(),
        "rename /transaction/processed/old.csv /transaction/old.csv".to_string(),
        "rename /reports/r.csv /reports/s.csv".to_string(),
        "mkdir /reports/x".to_string(),
        "mkdir /transaction/sub".to_string(),
        "mkdir /newtop".to_string(),
        "rmdir /transaction/failed".to_string(),
        "chmod 600 /reports/r.csv".to_string(),
        "ln -s /reports/r.csv /transaction/link".to_string(),
    ] {
        let out = h.sftp("acme", key, &format!("{cmd}\n"));
        assert!(!out.status.success(), "{cmd} succeeded: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("Permission denied"),
            "{cmd}: expected a permission error: {}",
            text(&out)
        );
    }
    assert_eq!(
        std::fs::read(acme.join("transaction/processed/old.csv")).unwrap(),
        b"old"
    );
    assert_eq!(names(&acme.join("reports")), ["r.csv"]);
    assert!(h.drain_events(SETTLE).is_empty());
    // Reading a read-only folder works.
    let out = h.sftp("acme", key, "get /reports/r.csv local/r.csv\n");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read(h.dir.path().join("local/r.csv")).unwrap(),
        b"report"
    );
}

#[test]
fn paths_cannot_leave_the_jail() {
    let (mut h, keys) = Harness::start();
    let key = &keys.acme_ed25519.path;
    // `cd ..` at the root stays at the root; realpath never reveals the host path.
    let out = h.sftp("acme", key, "cd ..\ncd ../..\npwd\n");
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Remote working directory: /\n"), "{stdout}");
    assert!(!stdout.contains(&h.dir.path().display().to_string()));

    for cmd in [
        "get /etc/passwd local/passwd",
        "get ../../../../../../etc/passwd local/passwd",
        "get /transaction/../../../etc/hostname local/hostname",
    ] {
        let out = h.sftp("acme", key, &format!("{cmd}\n"));
        assert!(!out.status.success(), "{cmd}: {}", text(&out));
    }
    assert!(!h.dir.path().join("local/passwd").exists());
    assert!(!h.dir.path().join("local/hostname").exists());

    let local = h.local_file("f.csv", b"x");
    for target in ["../../x.csv", "/../../../x.csv", "/transaction/../../x.csv"] {
        let out = h.sftp("acme", key, &format!("put {} {target}\n", local.display()));
        assert!(!out.status.success(), "{target}: {}", text(&out));
    }
    assert!(!h.dir.path().join("x.csv").exists());
    assert!(!h.dir.path().join("partners/x.csv").exists());
    assert!(!h.root("acme").join("x.csv").exists());

    // A symlink inside the tree pointing outside (planted by someone with host access) is not
    // followed: the kernel refuses to resolve it beneath the root.
    std::os::unix::fs::symlink("/etc", h.root("acme").join("transaction/etc")).unwrap();
    std::os::unix::fs::symlink(h.root("beta"), h.root("acme").join("transaction/beta")).unwrap();
    std::fs::write(h.root("beta").join("transaction/beta-secret.csv"), b"beta").unwrap();
    let out = h.sftp("acme", key, "get /transaction/etc/passwd local/passwd\n");
    assert!(!out.status.success(), "{}", text(&out));
    for cmd in ["ls /transaction/etc/", "ls /transaction/beta/transaction/"] {
        // The client may show the link itself, but never what it points to.
        let out = h.sftp("acme", key, &format!("-{cmd}\n"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            !stdout.contains("passwd") && !stdout.contains("beta-secret"),
            "{cmd}: {}",
            text(&out)
        );
    }
    let out = h.sftp(
        "acme",
        key,
        &format!(
            "put {} /transaction/beta/transaction/evil.csv\n",
            local.display()
        ),
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(!h.root("beta").join("transaction/evil.csv").exists());
    assert!(!h.dir.path().join("local/passwd").exists());

    // A whole writable folder swapped for a symlink to the outside: writes through it fail.
    let outside = h.dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let documents = h.root("acme").join("documents");
    std::fs::remove_dir_all(&documents).unwrap();
    std::os::unix::fs::symlink(&outside, &documents).unwrap();
    let out = h.sftp(
        "acme",
        key,
        &format!("put {} /documents/evil.pdf\n", local.display()),
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Permission denied"),
        "{}",
        text(&out)
    );
    assert!(names(&outside).is_empty());
    assert!(h.drain_events(SETTLE).is_empty());
}

#[test]
fn partners_cannot_see_each_other() {
    let (h, keys) = Harness::start();
    std::fs::write(h.root("acme").join("transaction/secret.csv"), b"acme only").unwrap();
    let out = h.sftp("beta", &keys.beta_rsa.path, "ls -la /transaction\n");
    assert!(out.status.success(), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("secret"));
    for cmd in [
        "get /transaction/secret.csv local/s.csv",
        "get ../acme/transaction/secret.csv local/s.csv",
        "ls ../acme",
    ] {
        let out = h.sftp("beta", &keys.beta_rsa.path, &format!("{cmd}\n"));
        assert!(!out.status.success(), "{cmd}: {}", text(&out));
    }
    assert!(!h.dir.path().join("local/s.csv").exists());
    // Beta's key does not open acme's account, nor acme's keys beta's.
    let out = h.sftp("acme", &keys.beta_rsa.path, "ls\n");
    assert!(!out.status.success(), "{}", text(&out));
    let out = h.sftp("beta", &keys.acme_ed25519.path, "ls\n");
    assert!(!out.status.success(), "{}", text(&out));
}

#[test]
fn passwords_and_unknown_keys_are_refused() {
    let (h, keys) = Harness::start();
    let out = h.sftp_with(
        "acme",
        &keys.acme_ed25519.path,
        &[
            "-o",
            "PreferredAuthentications=password,keyboard-interactive",
            "-o",
            "PubkeyAuthentication=no",
        ],
        "ls\n",
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Permission denied (publickey)"));

    let out = h.sftp("acme", &keys.stranger.path, "ls\n");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Permission denied"));
    let out = h.sftp("nobody", &keys.acme_ed25519.path, "ls\n");
    assert!(!out.status.success(), "{}", text(&out));

    // Only publickey is offered.
    let out = common::ssh(h.port, &keys.stranger.path)
        .args(["-v", "acme@127.0.0.1", "true"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Authentications that can continue: publickey\n")
            || err.contains("Authentications that can continue: publickey\r\n"),
        "{err}"
    );
    assert!(!err.contains("password,") && !err.contains("keyboard-interactive,"));
}

#[test]
fn shell_and_exec_are_refused() {
    let (h, keys) = Harness::start();
    let out = common::ssh(h.port, &keys.acme_ed25519.path)
        .args(["-o", "LogLevel=ERROR"])
        .args(["acme@127.0.0.1", "cat /etc/passwd"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("root:"));
}

#[test]
fn killed_upload_leaves_nothing() {
    let (mut h, keys) = Harness::start();
    // Large enough that the transfer is still running when it is killed.
    let local = h.dir.path().join("local/big.csv");
    std::fs::create_dir_all(local.parent().unwrap()).unwrap();
    let file = std::fs::File::create(&local).unwrap();
    file.set_len(2 << 30).unwrap();
    drop(file);
    let mut cmd = h.sftp_command("acme", &keys.acme_ed25519.path, &[]);
    // Own process group, so sftp and its ssh child die together: the TCP connection drops.
    cmd.process_group(0);
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(format!("put {} /transaction/big.csv\n", local.display()).as_bytes())
            .unwrap();
    }
    let inbox = h.root("acme").join("transaction");
    let deadline = Instant::now() + Duration::from_secs(60);
    let temp = loop {
        let temp = std::fs::read_dir(&inbox).unwrap().find_map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            (name.starts_with(bankdrop_sftp::UPLOAD_TEMP_PREFIX)
                && e.metadata().unwrap().len() > (8 << 20))
                .then_some(name)
        });
        if let Some(temp) = temp {
            break temp;
        }
        assert!(Instant::now() < deadline, "upload never started");
        assert!(child.try_wait().unwrap().is_none(), "sftp ended early");
        std::thread::sleep(Duration::from_millis(20));
    };
    // SIGKILL the whole group.
    let pgid = child.id() as i32;
    let status = std::process::Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{pgid}")])
        .status()
        .unwrap();
    assert!(status.success());
    let _ = child.wait();

    let deadline = Instant::now() + Duration::from_secs(20);
    while inbox.join(&temp).exists() {
        assert!(
            Instant::now() < deadline,
            "temporary file {temp} not removed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(names(&inbox), ["failed", "processed"]);
    assert!(h.drain_events(SETTLE).is_empty());
}

#[test]
fn stale_temp_files_are_swept_at_login() {
    let (h, keys) = Harness::start();
    let stale = h
        .root("acme")
        .join("transaction")
        .join(format!("{}deadbeef", bankdrop_sftp::UPLOAD_TEMP_PREFIX));
    std::fs::write(&stale, b"partial").unwrap();
    let out = h.sftp("acme", &keys.acme_ed25519.path, "ls -a /transaction\n");
    assert!(out.status.success(), "{}", text(&out));
    // Hidden from listings, and gone.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("bankdrop-upload"));
    assert!(!stale.exists());
}

#[test]
fn documents_arrive_like_files_and_files_can_be_managed() {
    let (mut h, keys) = Harness::start();
    let local = h.local_file("id.pdf", b"%PDF-1.4");
    let csv = h.local_file("a.csv", b"1");
    let out = h.sftp(
        "acme",
        &keys.acme_ed25519.path,
        &format!(
            "put {} /documents/id.pdf\nput {} /transaction/a.csv\nls -l /transaction\nrm /transaction/a.csv\nget /documents/id.pdf local/back.pdf\nchmod 600 /documents/id.pdf\n",
            local.display(),
            csv.display()
        ),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read(h.root("acme").join("documents/id.pdf")).unwrap(),
        b"%PDF-1.4"
    );
    assert_eq!(
        std::fs::read(h.dir.path().join("local/back.pdf")).unwrap(),
        b"%PDF-1.4"
    );
    assert!(!h.root("acme").join("transaction/a.csv").exists());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("a.csv"), "{stdout}");
    assert_eq!(
        h.drain_events(SETTLE),
        // `documents/` is an inbox: each document is decided by the pipeline.
        [
            arrived("acme", "documents/id.pdf"),
            arrived("acme", "transaction/a.csv")
        ]
    );
}

#[test]
fn upload_replaces_and_resumes() {
    let (mut h, keys) = Harness::start();
    let v1 = h.local_file("v1.csv", b"first version, longer\n");
    let v2 = h.local_file("v2.csv", b"second\n");
    let out = h.sftp(
        "acme",
        &keys.acme_ed25519.path,
        &format!(
            "put {} /ach/outgoing/f.ach\nput {} /ach/outgoing/f.ach\n",
            v1.display(),
            v2.display()
        ),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read(h.root("acme").join("ach/outgoing/f.ach")).unwrap(),
        b"second\n"
    );
    assert_eq!(
        h.drain_events(SETTLE),
        [
            arrived("acme", "ach/outgoing/f.ach"),
            arrived("acme", "ach/outgoing/f.ach")
        ]
    );
    // `reput` continues a partial upload: the result is the whole file.
    let whole = h.local_file("whole.csv", b"0123456789abcdef");
    std::fs::write(h.root("acme").join("transaction/r.csv"), b"01234567").unwrap();
    let out = h.sftp(
        "acme",
        &keys.acme_ed25519.path,
        &format!("reput {} /transaction/r.csv\n", whole.display()),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read(h.root("acme").join("transaction/r.csv")).unwrap(),
        b"0123456789abcdef"
    );
    assert_eq!(
        h.drain_events(SETTLE),
        [arrived("acme", "transaction/r.csv")]
    );
}

#[test]
fn ciphers_openssh_clients_use_are_accepted() {
    let (h, keys) = Harness::start();
    for cipher in [
        "chacha20-poly1305@openssh.com",
        "aes128-gcm@openssh.com",
        "aes256-gcm@openssh.com",
        "aes128-ctr",
        "aes256-ctr",
    ] {
        let out = h.sftp_with(
            "acme",
            &keys.acme_ed25519.path,
            &["-o", &format!("Ciphers={cipher}")],
            "ls /\n",
        );
        assert!(out.status.success(), "{cipher}: {}", text(&out));
    }
}
