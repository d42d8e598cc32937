//! The abuse suite (issue 9): one authenticated partner, or a stranger, trying to harm everyone
//! else — huge sparse files, thousands of handles, idle and half-open connections, login
//! floods, hostile packets — against the real server, driven byte for byte by russh's own
//! client (`common::raw`) and, where a partner's view matters, by OpenSSH's `sftp`. Timeouts are
//! set short through [`Limits`] so the suite stays quick; waits for them have wide margins.

mod common;

use std::net::IpAddr;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant};

use bankdrop_sftp::Limits;
use bytes::{BufMut, BytesMut};
use common::raw::{first_line, fx, fxp, read_to_eof, string, Client, Sftp};
use common::{arrived, names, text, Harness};

const SETTLE: Duration = Duration::from_millis(500);
/// How long a test waits for something the server should do at once (or at a 1–2 s timeout).
const PATIENCE: Duration = Duration::from_secs(10);
const MAX_PACKET: u32 = 256 * 1024;

fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

/// Every regular file below `dir`: none may be large, in size or in blocks on disk.
fn assert_no_large_file(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = std::fs::symlink_metadata(entry.path()).unwrap();
        if meta.is_dir() {
            assert_no_large_file(&entry.path());
        } else {
            assert!(
                meta.len() < 1 << 20 && meta.blocks() * 512 < 1 << 20,
                "{}: {} bytes, {} blocks",
                entry.path().display(),
                meta.len(),
                meta.blocks()
            );
        }
    }
}

/// Descriptors this process (server and test clients both) has open.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// The soft limit on open files, as the server left it (it raises it to the hard limit).
fn soft_fd_limit() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    line.split_whitespace().nth(3).unwrap().parse().unwrap()
}

#[test]
fn sparse_and_oversized_uploads_are_refused_over_ssh() {
    // Issue 9, defects 1 and 3: FSETSTAT to 1 TiB, or one byte written far out, left a huge
    // sparse file in the partner's folder.
    let (mut h, keys) = Harness::start();
    let inbox = h.root("acme").join("transaction");
    let (addr, key) = (h.addr(), keys.acme_ed25519.path.clone());
    h.rt.block_on(async {
        let c = Client::login(addr, "acme", &key).await;
        let mut s = c.sftp().await.unwrap();
        let up = s
            .create("/transaction/2026-01-27_transaction_v1.csv")
            .await
            .unwrap();
        assert_eq!(s.write(&up, 0, b"a|b\n").await.code, fx::OK);

        let st = s.set_size(&up, 1 << 40).await;
        assert_eq!(st.code, fx::FAILURE, "1 TiB by FSETSTAT: {st:?}");
        assert!(st.message.contains("too large"), "{st:?}");
        let st = s.set_size(&up, 1 << 20).await;
        assert_eq!(st.code, fx::OP_UNSUPPORTED, "grown by FSETSTAT: {st:?}");

        // A 16 GiB sparse upload: one byte at its very end.
        let st = s.write(&up, (16 << 30) - 1, b"x").await;
        assert_eq!(st.code, fx::FAILURE, "{st:?}");
        assert!(st.message.contains("hole"), "{st:?}");
        let st = s.write(&up, 16 << 30, b"x").await;
        assert_eq!(st.code, fx::FAILURE, "past the maximum size: {st:?}");
        let st = s.write(&up, 256 << 20, b"x").await;
        assert_eq!(st.code, fx::FAILURE, "past the write-ahead window: {st:?}");
        // Nothing large on disk even while the upload is open (its temporary file included).
        assert_no_large_file(&inbox);

        // Inside the window a write is taken, but the hole it leaves refuses the upload.
        assert_eq!(s.write(&up, 4096, b"late").await.code, fx::OK);
        let st = s.close(&up).await;
        assert_eq!(st.code, fx::FAILURE, "{st:?}");
        assert!(st.message.contains("hole"), "{st:?}");
        // The session is still usable: the same name, sent whole, arrives.
        let up = s
            .create("/transaction/2026-01-27_transaction_v1.csv")
            .await
            .unwrap();
        assert_eq!(s.write(&up, 0, b"a|b\n").await.code, fx::OK);
        assert_eq!(s.close(&up).await.code, fx::OK);
    });
    assert_eq!(
        h.drain_events(SETTLE),
        [arrived("acme", "transaction/2026-01-27_transaction_v1.csv")]
    );
    assert_eq!(
        names(&inbox),
        ["2026-01-27_transaction_v1.csv", "failed", "processed"]
    );
    assert_eq!(
        std::fs::read(inbox.join("2026-01-27_transaction_v1.csv")).unwrap(),
        b"a|b\n"
    );
    assert_no_large_file(&h.root("acme"));
}

#[test]
fn a_hundred_sessions_of_one_partner_cannot_keep_another_from_logging_in() {
    // Issue 9, defect 2: ~10,000 handles over 40 sessions used up the process's descriptors, so
    // other partners' logins timed out and accept failed.
    let limits = Limits::default();
    let (mut h, keys) = Harness::start_with_limits(limits.clone());
    let (addr, key) = (h.addr(), keys.acme_ed25519.path.clone());
    let fds_before = open_fds();

    // 25 connections × 4 channels = 100 sessions, from four addresses so that only the partner's
    // own caps come into play; every session opens folders until refused.
    let held = h.rt.block_on(async {
        let mut held: Vec<(Client, Vec<Sftp>)> = Vec::new();
        let (mut refused_logins, mut sessions, mut handles) = (0, 0, 0);
        let mut refusals = std::collections::BTreeSet::new();
        for i in 0..25u8 {
            let mut c = Client::connect(ip(10 + i % 4), addr).await.unwrap();
            assert!(c.auth_key("acme", &key).await.unwrap_or(true));
            let mut open = Vec::new();
            for _ in 0..4 {
                let Ok(mut s) = c.sftp().await else { break };
                let (granted, refused) = s.opendir_many("/", 300).await;
                assert!(granted.len() <= limits.handles_per_session);
                for r in &refused {
                    assert_eq!(r.code, fx::FAILURE, "{r:?}");
                    refusals.insert(r.message.clone());
                }
                handles += granted.len();
                sessions += 1;
                open.push(s);
            }
            if open.is_empty() {
                // A login past the partner's cap is accepted, then closed with the reason.
                assert!(c.closed_within(PATIENCE).await);
                let seen = c.disconnected().expect("a disconnect message");
                assert_eq!(seen.reason, russh::Disconnect::TooManyConnections as u32);
                assert_eq!(seen.message, "too many connections for this partner");
                refused_logins += 1;
            } else {
                held.push((c, open));
            }
        }
        assert_eq!(held.len(), limits.connections_per_partner);
        assert_eq!(refused_logins, 25 - limits.connections_per_partner);
        assert_eq!(
            sessions,
            limits.connections_per_partner * limits.sessions_per_connection
        );
        assert_eq!(handles, limits.handles_per_partner);
        assert_eq!(
            refusals.into_iter().collect::<Vec<_>>(),
            [
                "too many open handles for this partner",
                "too many open handles in this session"
            ]
        );
        held
    });

    // While acme holds all of that, beta logs in, uploads and lists.
    let local = h.local_file("2026-01-27_transaction_v1.csv", b"a|b\n1|2\n");
    let out = h.sftp(
        "beta",
        &keys.beta_rsa.path,
        &format!("put {} /transaction/\nls /transaction\n", local.display()),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2026-01-27_transaction_v1.csv"));
    assert_eq!(
        h.drain_events(SETTLE),
        [arrived("beta", "transaction/2026-01-27_transaction_v1.csv")]
    );
    // Descriptors stay bounded by the caps (about one per folder handle), far from the limit.
    let fds = open_fds();
    let soft = soft_fd_limit();
    assert!(
        fds - fds_before.min(fds) < 2 * limits.handles_per_partner + 200,
        "{fds} descriptors open, {fds_before} before"
    );
    assert!(fds < soft / 4, "{fds} descriptors open, soft limit {soft}");

    // Once acme lets go, its slots and handles are back: a new login gets a full session.
    h.rt.block_on(async move {
        drop(held);
        let deadline = Instant::now() + PATIENCE;
        loop {
            let c = Client::login(addr, "acme", &key).await;
            if let Ok(mut s) = c.sftp().await {
                let (granted, _) = s.opendir_many("/", limits.handles_per_session).await;
                if granted.len() == limits.handles_per_session {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "acme's slots were not given back"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
}

#[test]
fn silent_and_stalled_connections_are_closed_at_the_login_timeout() {
    // Issue 9, defect 5: connections that never logged in stayed open. The idle timeout is far
    // longer here, so only the login timeout can close these in time.
    let (h, _keys) = Harness::start_with_limits(Limits {
        login_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(60),
        connections_per_address: 2,
        ..Limits::default()
    });
    let mut silent = common::raw::blocking_tcp_from(&h.rt, ip(1), h.addr());
    let mut stalled = common::raw::blocking_tcp_from(&h.rt, ip(1), h.addr());
    std::io::Write::write_all(&mut stalled, b"SSH-2.0-stalled_client\r\n").unwrap();
    // Each is closed by the server (EOF) after its SSH version line and, for the second, the
    // start of the key exchange.
    let got = read_to_eof(&mut silent, PATIENCE).expect("silent connection still open");
    assert!(got.starts_with(b"SSH-2.0-"), "{got:?}");
    let got = read_to_eof(&mut stalled, PATIENCE).expect("stalled connection still open");
    assert!(got.starts_with(b"SSH-2.0-"), "{got:?}");
    // Their slots are free again, though neither client closed its socket.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (a, _) = first_line(&h.rt, ip(1), h.addr(), PATIENCE);
        if a.starts_with("SSH-2.0-") {
            break;
        }
        assert!(Instant::now() < deadline, "slot still held: {a:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    drop((silent, stalled));
}

/// An OpenSSH client run in the background, killed if the test ends first.
struct Ssh(std::process::Child);

impl Drop for Ssh {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `ssh` as a partner: `args` after the destination (`-N` for a login without a session, `-s`
/// and `sftp` for an SFTP session), standard input held open and silent.
fn openssh(port: u16, key: &std::path::Path, args: &[&str]) -> Ssh {
    let child = common::ssh(port, key)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("OpenSSH's ssh client (installed by .ci/run)");
    Ssh(child)
}

#[test]
fn an_idle_login_is_disconnected_and_a_busy_one_is_not() {
    // Issue 9, defect 5: idle connections stayed 30 minutes. The idle ones are OpenSSH's client,
    // which prints the reason it is given (russh's client can lose it when the server's close
    // follows its message closely).
    let (h, keys) = Harness::start_with_limits(Limits {
        login_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(2),
        ..Limits::default()
    });
    let (addr, key) = (h.addr(), keys.acme_ed25519.path.clone());
    let mut idle = [
        openssh(h.port, &key, &["-s", "acme@127.0.0.1", "sftp"]),
        openssh(h.port, &key, &["-N", "acme@127.0.0.1"]),
    ];
    h.rt.block_on(async {
        let busy = Client::login(addr, "acme", &key).await;
        let mut s = busy.sftp().await.unwrap();
        // A request every 500 ms for 2.5 idle timeouts.
        let started = Instant::now();
        let mut stats = 0;
        while started.elapsed() < Duration::from_secs(5) {
            assert_eq!(s.stat("/transaction").await.kind, fxp::ATTRS);
            stats += 1;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        assert!(stats >= 8);
        assert!(!busy.handle.is_closed(), "a busy connection was closed");
        assert_eq!(s.stat("/").await.kind, fxp::ATTRS);
    });
    for c in &mut idle {
        let deadline = Instant::now() + PATIENCE;
        while c.0.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "idle connection still open");
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut err = String::new();
        std::io::Read::read_to_string(c.0.stderr.as_mut().unwrap(), &mut err).unwrap();
        // OpenSSH: "Received disconnect from 127.0.0.1 port N:11: <reason>" (11: by application).
        assert!(
            err.contains(":11: idle for longer than the idle timeout"),
            "{err}"
        );
    }
}

#[test]
fn connections_per_address_are_capped_for_that_address_only() {
    let (h, keys) = Harness::start_with_limits(Limits {
        connections_per_address: 3,
        ..Limits::default()
    });
    let addr = h.addr();
    let held: Vec<_> = (0..3)
        .map(|_| {
            let mut s = common::raw::blocking_tcp_from(&h.rt, ip(1), addr);
            let mut line = [0u8; 8];
            std::io::Read::read_exact(&mut s, &mut line).unwrap();
            assert_eq!(&line, b"SSH-2.0-");
            s
        })
        .collect();
    let (line, closed) = first_line(&h.rt, ip(1), addr, PATIENCE);
    assert_eq!(line, "bankdrop: too many connections from this address\r\n");
    assert!(closed, "a refused connection is closed");
    // A client that sends its version line at once, as OpenSSH does, still reads why.
    for _ in 0..20 {
        let mut s = common::raw::blocking_tcp_from(&h.rt, ip(1), addr);
        std::io::Write::write_all(&mut s, b"SSH-2.0-OpenSSH_9.2\r\n").unwrap();
        let got = read_to_eof(&mut s, PATIENCE).expect("refused connection left open");
        assert_eq!(got, b"bankdrop: too many connections from this address\r\n");
    }
    // Another address is served, and logs in.
    let (line, _) = first_line(&h.rt, ip(2), addr, PATIENCE);
    assert!(line.starts_with("SSH-2.0-"), "{line:?}");
    let key = keys.acme_ed25519.path.clone();
    h.rt.block_on(async {
        let mut c = Client::connect(ip(2), addr).await.unwrap();
        assert!(c.auth_key("acme", &key).await.unwrap());
        let mut s = c.sftp().await.unwrap();
        assert_eq!(s.stat("/").await.kind, fxp::ATTRS);
    });
    // One of the three closes: the address has room again.
    drop(held);
    let deadline = Instant::now() + PATIENCE;
    while !first_line(&h.rt, ip(1), addr, PATIENCE)
        .0
        .starts_with("SSH-2.0-")
    {
        assert!(
            Instant::now() < deadline,
            "the address's slots were not given back"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn connections_per_partner_are_capped_for_that_partner_only() {
    let (h, keys) = Harness::start_with_limits(Limits {
        connections_per_partner: 2,
        ..Limits::default()
    });
    let addr = h.addr();
    let (acme, beta) = (keys.acme_ed25519.path.clone(), keys.beta_rsa.path.clone());
    h.rt.block_on(async {
        let one = Client::login(addr, "acme", &acme).await;
        let _two = Client::login(addr, "acme", &acme).await;
        let mut third = Client::connect(ip(1), addr).await.unwrap();
        // Accepted (the key is right), then told why it is closed.
        let _ = third.auth_key("acme", &acme).await;
        assert!(third.closed_within(PATIENCE).await);
        let seen = third.disconnected().expect("a disconnect message");
        assert_eq!(seen.reason, russh::Disconnect::TooManyConnections as u32);
        assert_eq!(seen.message, "too many connections for this partner");
        // Beta is not affected.
        let b = Client::login(addr, "beta", &beta).await;
        assert_eq!(b.sftp().await.unwrap().stat("/").await.kind, fxp::ATTRS);
        // When acme closes one, it can log in again.
        drop(one);
        let deadline = Instant::now() + PATIENCE;
        loop {
            let mut c = Client::connect(ip(1), addr).await.unwrap();
            if c.auth_key("acme", &acme).await.unwrap_or(false) && c.sftp().await.is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "acme's slot was not given back");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let out = h.sftp("beta", &keys.beta_rsa.path, "ls /\n");
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn sessions_per_connection_are_capped() {
    let (h, keys) = Harness::start_with_limits(Limits {
        sessions_per_connection: 2,
        ..Limits::default()
    });
    let (addr, key) = (h.addr(), keys.acme_ed25519.path.clone());
    h.rt.block_on(async {
        let c = Client::login(addr, "acme", &key).await;
        let mut one = c.sftp().await.unwrap();
        let mut two = c.sftp().await.unwrap();
        let third = c.handle.channel_open_session().await;
        assert!(third.is_err(), "a third session channel was opened");
        assert_eq!(one.stat("/").await.kind, fxp::ATTRS);
        assert_eq!(two.stat("/").await.kind, fxp::ATTRS);
        // A session that ends gives its place back.
        one.end().await;
        let deadline = Instant::now() + PATIENCE;
        while c.sftp().await.is_err() {
            assert!(
                Instant::now() < deadline,
                "the session's place was not given back"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
}

#[test]
fn a_login_flood_closes_the_address_and_no_other() {
    let (h, keys) = Harness::start_with_limits(Limits {
        auth_failures_per_minute: 5,
        ..Limits::default()
    });
    let addr = h.addr();
    let (acme, stranger) = (keys.acme_ed25519.path.clone(), keys.stranger.path.clone());
    h.rt.block_on(async {
        let mut c = Client::connect(ip(1), addr).await.unwrap();
        let mut attempts = 0;
        while !c.handle.is_closed() && attempts < 20 {
            attempts += 1;
            let refused = if attempts % 2 == 0 {
                c.auth_password("acme", "hunter2").await
            } else {
                c.auth_key("acme", &stranger).await
            };
            if !matches!(refused, Ok(false)) {
                break;
            }
        }
        assert!(
            c.closed_within(PATIENCE).await,
            "still open after {attempts} attempts"
        );
        assert_eq!(attempts, 5, "closed at the fifth refused attempt");
    });
    // The address is turned away at once, even with the right key...
    let (line, closed) = first_line(&h.rt, ip(1), addr, PATIENCE);
    assert_eq!(
        line,
        "bankdrop: too many failed logins from this address; wait a minute\r\n"
    );
    assert!(closed);
    h.rt.block_on(async {
        assert!(Client::connect(ip(1), addr).await.is_err());
        // ...while another address still can fail, and log in.
        let mut other = Client::connect(ip(2), addr).await.unwrap();
        assert!(!other.auth_key("acme", &stranger).await.unwrap());
        assert!(other.auth_key("acme", &acme).await.unwrap());
        assert_eq!(other.sftp().await.unwrap().stat("/").await.kind, fxp::ATTRS);
    });
}

/// A request with the given type and id and `fields`, as framed bytes.
fn packet(kind: u8, id: u32, fields: &[u8]) -> Vec<u8> {
    let mut p = BytesMut::new();
    p.put_u32(5 + fields.len() as u32);
    p.put_u8(kind);
    p.put_u32(id);
    p.put_slice(fields);
    p.to_vec()
}

#[test]
fn hostile_packets_get_a_status_or_a_clean_close_and_never_a_panic() {
    let panics = common::server_panics();
    let limits = Limits {
        handles_per_session: 17,
        ..Limits::default()
    };
    let (mut h, keys) = Harness::start_with_limits(limits);
    let acme = h.root("acme");
    std::fs::write(acme.join("reports/big.csv"), vec![b'x'; 600 << 10]).unwrap();
    for i in 0..1000 {
        std::fs::write(acme.join(format!("transaction/processed/{i:04}.csv")), b"x").unwrap();
    }
    let (addr, key) = (h.addr(), keys.acme_ed25519.path.clone());
    h.rt.block_on(async {
        let c = Client::login(addr, "acme", &key).await;

        // Lengths no client may send close the session, not the connection.
        for len in [0, u32::MAX, MAX_PACKET + 1] {
            let mut s = c.sftp().await.unwrap();
            let mut p = len.to_be_bytes().to_vec();
            p.extend_from_slice(&[fxp::STAT, 0, 0, 0, 1]);
            s.send_raw(&p).await;
            assert!(s.ended_within(PATIENCE).await, "length {len}: still open");
        }
        // Text where a length belongs (0x47455420 bytes, "GET "): the same.
        let mut s = c.sftp().await.unwrap();
        s.send_raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(s.ended_within(PATIENCE).await);

        let mut s = c.sftp().await.unwrap();
        // A truncated INIT, an unknown type with garbage, a request cut short: each a status.
        s.send_raw(&[0, 0, 0, 3, fxp::INIT, 0, 0]).await;
        let r = s.recv().await.unwrap();
        assert_eq!(r.code(), fx::BAD_MESSAGE, "{r:?}");
        let r = s
            .call(0xee, &[0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff])
            .await;
        assert_eq!(r.code(), fx::BAD_MESSAGE, "{r:?}");
        let r = s.call(fxp::OPEN, &[0xff, 0xff, 0xff, 0xf0, b'/']).await;
        assert_eq!(r.code(), fx::BAD_MESSAGE, "{r:?}");

        // READ of 4 GiB: at most one packet's worth comes back.
        let file = s.open("/reports/big.csv", 0x1).await.unwrap();
        let r = s.read(&file, 0, u32::MAX).await;
        assert_eq!(r.kind, fxp::DATA);
        assert!(
            r.body.len() <= MAX_PACKET as usize,
            "{} bytes",
            r.body.len()
        );
        assert!(r.body.len() > 200 << 10, "{} bytes", r.body.len());
        // WRITE on handles that are not uploads.
        assert_eq!(s.write(&file, 0, b"x").await.code, fx::PERMISSION_DENIED);
        let dir = s.opendir("/transaction").await.unwrap();
        assert_eq!(s.write(&dir, 0, b"x").await.code, fx::FAILURE);
        assert_eq!(s.close(&dir).await.code, fx::OK);
        assert_eq!(s.close(&file).await.code, fx::OK);

        // READDIR to the end of a 1,000-file folder, then thousands more.
        let dir = s.opendir("/transaction/processed").await.unwrap();
        let mut f = BytesMut::new();
        string(&mut f, &dir);
        let mut listed = 0;
        loop {
            let r = s.call(fxp::READDIR, &f).await;
            if r.kind != fxp::NAME {
                assert_eq!(r.code(), fx::EOF);
                break;
            }
            listed += u32::from_be_bytes(r.body[..4].try_into().unwrap());
        }
        assert_eq!(listed, 1000);
        let mut out = Vec::new();
        for _ in 0..3000 {
            s.frame(&mut out, fxp::READDIR, &f);
        }
        let sending = s.send_behind(out);
        for _ in 0..3000 {
            assert_eq!(s.recv().await.unwrap().code(), fx::EOF);
        }
        sending.await.unwrap();

        // Extensions: an unknown one, a rename to a 300-byte name, the limits announced.
        let r = s.extended("no-such-extension@example.com", b"abc").await;
        assert_eq!(r.code(), fx::OP_UNSUPPORTED);
        let up = s.create("/transaction/x.part").await.unwrap();
        assert_eq!(s.close(&up).await.code, fx::OK);
        let mut f = BytesMut::new();
        string(&mut f, b"/transaction/x.part");
        string(
            &mut f,
            format!("/transaction/{}", "n".repeat(300)).as_bytes(),
        );
        let r = s.extended("posix-rename@openssh.com", &f).await;
        let st = r.status().unwrap();
        assert_eq!(st.code, fx::FAILURE);
        assert_eq!(st.message, "file name too long: 300 bytes, at most 200");
        let r = s.extended("limits@openssh.com", b"").await;
        assert_eq!(r.kind, fxp::EXTENDED_REPLY);
        let field = |i: usize| u64::from_be_bytes(r.body[i * 8..i * 8 + 8].try_into().unwrap());
        assert_eq!(field(0), u64::from(MAX_PACKET));
        assert!(field(1) <= u64::from(MAX_PACKET) && field(2) <= u64::from(MAX_PACKET));
        assert_eq!(field(3), 17, "max open handles: handles_per_session");

        // Thousands of random requests with lying lengths: each answered, in order, by id.
        flood(&mut s, 5000).await;
        assert_eq!(s.stat("/").await.kind, fxp::ATTRS);
    });
    assert!(h.server_running());
    assert_eq!(common::server_panics(), panics, "a server thread panicked");
    // Another client logs in and uploads afterwards.
    let local = h.local_file("2026-01-29_transaction_v1.csv", b"a|b\n");
    let out = h.sftp(
        "beta",
        &keys.beta_rsa.path,
        &format!("put {} /transaction/\n", local.display()),
    );
    assert!(out.status.success(), "{}", text(&out));
    let events = h.drain_events(SETTLE);
    assert!(
        events.contains(&arrived(
            "beta",
            "transaction/2026-01-29_transaction_v1.csv"
        )),
        "{events:?}"
    );
}

/// Sends `n` well-framed requests of random types with random fields (paths, handles, numbers,
/// string lengths that lie), 100 at a time, and checks that each gets one answer with its id.
async fn flood(s: &mut Sftp, n: u32) {
    let paths: [&[u8]; 10] = [
        b"",
        b"/",
        b"..",
        b"/transaction/a.csv",
        b"/transaction/../../../etc/passwd",
        b"/reports/big.csv",
        b"/transaction/.bankdrop-upload-1",
        b"/transaction/a\0b",
        b"/transaction/\xff\xfe",
        b"/transaction/processed",
    ];
    let kinds: [u8; 24] = [
        2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 101, 200, 0, 255, 105,
    ];
    let extensions: [&[u8]; 4] = [
        b"posix-rename@openssh.com",
        b"limits@openssh.com",
        b"fsync@openssh.com",
        b"statvfs@openssh.com",
    ];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut id = 1000u32;
    for _ in 0..n / 100 {
        let mut sent = Vec::new();
        let mut bytes = Vec::new();
        for _ in 0..100 {
            let kind = kinds[(next() % kinds.len() as u64) as usize];
            let mut body = BytesMut::new();
            if kind == 200 {
                string(&mut body, extensions[(next() % 4) as usize]);
            }
            for _ in 0..(next() % 5) {
                match next() % 7 {
                    0 | 1 => string(&mut body, paths[(next() % paths.len() as u64) as usize]),
                    2 => string(&mut body, format!("{:x}", next() % 8).as_bytes()),
                    3 => body.put_u32((next() % 64) as u32),
                    4 => body.put_u64(next() % 1024),
                    5 => body.put_u32(next() as u32), // often a lying string length
                    _ => {
                        for _ in 0..(next() % 40) {
                            body.put_u8(next() as u8);
                        }
                    }
                }
            }
            id = id.wrapping_add(1 + (next() % 3) as u32);
            bytes.extend_from_slice(&packet(kind, id, &body));
            sent.push(id);
        }
        let sending = s.send_behind(bytes);
        for want in sent {
            let r = s.recv().await.expect("the session ended during the flood");
            assert!(
                matches!(
                    r.kind,
                    fxp::STATUS | fxp::HANDLE | fxp::DATA | fxp::NAME | fxp::ATTRS
                ) || r.kind == fxp::EXTENDED_REPLY,
                "answer {r:?}"
            );
            assert_eq!(r.id, want, "{r:?}");
        }
        sending.await.unwrap();
    }
}

#[test]
fn long_names_are_refused_with_the_reason_and_a_200_byte_name_arrives() {
    // Issue 9, defect 4, at the SFTP side: names too long for the pipeline's result files.
    let (mut h, keys) = Harness::start();
    let long = format!("{}.csv", "l".repeat(226));
    let fits = format!("{}.csv", "f".repeat(196));
    let long_local = h.local_file(&long, b"a|b\n");
    let fits_local = h.local_file(&fits, b"a|b\n");
    let key = keys.acme_ed25519.path.clone();
    let out = h.sftp(
        "acme",
        &key,
        &format!("put {} /transaction/\n", long_local.display()),
    );
    assert!(!out.status.success(), "{}", text(&out));
    // OpenSSH's sftp (9.2) prints only its own text for the status code, never the server's
    // message, even with -vvv: `dest open "…": Failure`.
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Failure"),
        "{}",
        text(&out)
    );
    // The message is sent, for clients that show it (paramiko's IOError, WinSCP, …).
    let addr = h.addr();
    h.rt.block_on(async {
        let c = Client::login(addr, "acme", &key).await;
        let mut s = c.sftp().await.unwrap();
        let refused = s.create(&format!("/transaction/{long}")).await.unwrap_err();
        assert_eq!(refused.code, fx::FAILURE);
        assert_eq!(
            refused.message,
            "file name too long: 230 bytes, at most 200"
        );
    });
    let out = h.sftp(
        "acme",
        &key,
        &format!("put {} /transaction/\n", fits_local.display()),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        h.drain_events(SETTLE),
        [arrived("acme", &format!("transaction/{fits}"))]
    );
    assert_eq!(
        names(&h.root("acme").join("transaction")),
        ["failed", fits.as_str(), "processed"]
    );
}
