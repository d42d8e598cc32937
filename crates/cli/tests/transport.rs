//! Transport controls (spec 01 §2.1, §2.3; issue 15 item 4) against the real `bankdrop serve`,
//! OpenSSH's `sftp`, `ssh-keygen` and `ssh-keyscan`, and paramiko: per-partner source-address
//! allow-lists, the 2048-bit floor for RSA keys, key rotation on a running server, and the host
//! key fingerprint partners check.
//!
//! Each test writes its own configuration (no demo partner, no web pages, no nightly run) and
//! starts its own server on ports the system picks, read back from what `serve` prints.

mod common;

use common::{text, wait_until, Env, Server, WAIT};
use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Writes the test's configuration over `env`'s: SFTP on `listen` (a TOML value) and metrics
/// on a free port, nothing else.
fn configure(env: &Env, listen: &str) {
    let text = format!(
        "data_dir = \"{}\"\n\n[sftp]\nlisten = {listen}\n\n[web]\nenabled = false\n\n\
         [metrics]\nlisten = \"127.0.0.1:0\"\n\n[recon]\nenabled = false\n\n\
         [demo]\npartner = false\n{}",
        env.data.display(),
        env.db.config()
    );
    fs::write(&env.config, text).unwrap();
}

/// Starts `serve` with the test's configuration and returns it with the `n` addresses it
/// listens on, in the configured order.
fn start(env: &Env, n: usize) -> (Server, Vec<SocketAddr>) {
    let server = env
        .launch(&env.config, "transport", 0)
        .unwrap_or_else(|(_, log)| panic!("bankdrop serve did not start:\n{log}"));
    let addrs = |s: &Server| -> Vec<SocketAddr> {
        s.stdout()
            .lines()
            .filter_map(|l| l.strip_prefix("bankdrop: SFTP on "))
            .filter_map(|l| l.split(',').next()?.parse().ok())
            .collect()
    };
    assert!(
        wait_until(WAIT, || addrs(&server).len() == n),
        "serve did not print {n} addresses:\n{}",
        server.stdout()
    );
    let got = addrs(&server);
    (server, got)
}

/// `bankdrop ARGS…` that must succeed; its standard output.
fn ok(env: &Env, args: &[&str]) -> String {
    let out = env.bankdrop(args);
    assert!(out.status.success(), "bankdrop {args:?}: {}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// `bankdrop ARGS…` that must fail; its standard error.
fn fails(env: &Env, args: &[&str]) -> String {
    let out = env.bankdrop(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "bankdrop {args:?}: {}",
        text(&out)
    );
    String::from_utf8(out.stderr).unwrap()
}

/// A key pair from `ssh-keygen -t TYPE [-b BITS]`; returns the private key's path (the public
/// key is beside it, `.pub`).
fn keygen(env: &Env, name: &str, kind: &str, bits: Option<u32>) -> PathBuf {
    let dir = env.tmp.path().join("keys");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-t", kind, "-N", "", "-C", name]);
    if let Some(b) = bits {
        cmd.args(["-b", &b.to_string()]);
    }
    let out = cmd.arg("-f").arg(&path).output().unwrap();
    assert!(out.status.success(), "ssh-keygen: {}", text(&out));
    path
}

fn public(key: &Path) -> String {
    format!("{}.pub", key.display())
}

/// What `ssh-keygen -lf KEY.pub` prints for a key.
fn ssh_keygen_l(key: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(public(key))
        .output()
        .unwrap();
    assert!(out.status.success(), "ssh-keygen -lf: {}", text(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The `SHA256:…` fingerprint of a key, from `ssh-keygen -lf`.
fn fingerprint(key: &Path) -> String {
    ssh_keygen_l(key).split(' ').nth(1).unwrap().to_string()
}

/// OpenSSH's `sftp -b -` as `user` to `to`, from source address `from` when given
/// (`BindAddress`); the batch is fed on standard input.
fn sftp(to: SocketAddr, from: Option<&str>, user: &str, key: &Path, batch: &str) -> Output {
    let mut cmd = Command::new("sftp");
    cmd.args(["-F", "/dev/null", "-b", "-", "-i"])
        .arg(key)
        .args(["-P", &to.port().to_string()])
        .args(["-o", "StrictHostKeyChecking=no"])
        .args(["-o", "UserKnownHostsFile=/dev/null"])
        .args(["-o", "BatchMode=yes"])
        .args(["-o", "IdentitiesOnly=yes"])
        .args(["-o", "LogLevel=ERROR"])
        .args(["-o", "ConnectTimeout=10"]);
    if let Some(from) = from {
        cmd.args(["-o", &format!("BindAddress={from}")]);
    }
    let mut child = cmd
        .arg(format!("{user}@{}", to.ip()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("OpenSSH's sftp is required (apt-get install -y openssh-client)");
    // A client refused early closes its stdin: not our error.
    let _ = child.stdin.take().unwrap().write_all(batch.as_bytes());
    child.wait_with_output().unwrap()
}

/// Logs in and lists the root: whether the login worked.
fn logs_in(to: SocketAddr, from: Option<&str>, user: &str, key: &Path) -> bool {
    sftp(to, from, user, key, "ls\n").status.success()
}

/// Whether the log has a line with every one of `parts`.
fn logged(server: &Server, parts: &[&str]) -> bool {
    server
        .plain_stderr()
        .lines()
        .any(|l| parts.iter().all(|p| l.contains(p)))
}

/// The refused SFTP logins `serve` has counted (`bankdrop_sftp_auth_failures_total`).
fn auth_failures(server: &Server) -> u64 {
    let url = server
        .stdout()
        .lines()
        .find_map(|l| l.strip_prefix("bankdrop: metrics on ").map(str::to_string))
        .expect("serve prints its metrics address");
    let page = common::web::get(&url, None);
    assert_eq!(page.status, 200, "{}", page.body);
    page.body
        .lines()
        .find_map(|l| l.strip_prefix("bankdrop_sftp_auth_failures_total "))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// A paramiko client that connects from `SOURCE` (its own socket, bound before connecting) and
/// uploads a file: prints `uploaded` or `refused`.
const PARAMIKO_FROM: &str = r#"
import socket, sys, paramiko
source, host, port, user, key, local = sys.argv[1:7]
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind((source, 0))
sock.connect((host, int(port)))
client = paramiko.SSHClient()
client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
try:
    client.connect(host, int(port), username=user, key_filename=key, sock=sock,
                   allow_agent=False, look_for_keys=False, timeout=10)
except paramiko.AuthenticationException:
    print("refused")
    sys.exit(0)
sftp = client.open_sftp()
sftp.put(local, "transaction/upload.part")
print("uploaded")
client.close()
"#;

fn paramiko_upload(env: &Env, from: &str, to: SocketAddr, user: &str, key: &Path) -> String {
    let local = env.local.join("upload.part");
    fs::write(&local, "not processed: a .part name\n").unwrap();
    let out = env.python(
        PARAMIKO_FROM,
        &[
            from,
            &to.ip().to_string(),
            &to.port().to_string(),
            user,
            key.to_str().unwrap(),
            local.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "paramiko: {}", text(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn paramiko_required() -> bool {
    if Env::paramiko_available() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "paramiko is missing under CI"
    );
    eprintln!("SKIPPED (paramiko part): python3 with paramiko is not installed");
    false
}

#[test]
fn allow_list_admits_listed_source_addresses_only_spec_01_2_3() {
    let env = Env::new();
    configure(&env, r#"["127.0.0.1:0", "127.0.0.2:0"]"#);
    let key = keygen(&env, "acme", "ed25519", None);
    ok(&env, &["partner", "add", "acme", "--key", &public(&key)]);
    let set = ok(&env, &["partner", "allow", "acme", "127.0.0.1"]);
    assert_eq!(set.trim(), "partner acme: may connect from 127.0.0.1/32");
    let listed = ok(&env, &["partner", "list"]);
    assert!(listed.contains("from 127.0.0.1/32"), "{listed}");
    let (server, addrs) = start(&env, 2);
    let (one, two) = (addrs[0], addrs[1]);
    assert_eq!(one.ip().to_string(), "127.0.0.1");
    assert_eq!(two.ip().to_string(), "127.0.0.2");

    // From 127.0.0.1, to either address of the server: in the list.
    let put = format!("put {} transaction/a.part\nls transaction\n", public(&key));
    let out = sftp(one, None, "acme", &key, &put);
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out),
        server.plain_stderr()
    );
    assert!(env.root("acme").join("transaction/a.part").exists());
    assert!(logs_in(two, Some("127.0.0.1"), "acme", &key));
    let failures = auth_failures(&server);
    // From 127.0.0.2, to either address: refused although the key is the partner's. (Linux
    // picks 127.0.0.1 as the source for any loopback destination, so the source is bound.)
    let out = sftp(two, Some("127.0.0.2"), "acme", &key, "ls\n");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Permission denied"),
        "{}",
        text(&out)
    );
    assert!(!logs_in(one, Some("127.0.0.2"), "acme", &key));
    // Counted like any refused login.
    assert!(auth_failures(&server) >= failures + 2);
    // The server saw the source addresses we meant: the refusals came from 127.0.0.2, the
    // logins from 127.0.0.1.
    assert!(
        logged(
            &server,
            &[
                "address not in the partner's allow-list",
                "peer=127.0.0.2:",
                "partner=acme"
            ]
        ),
        "{}",
        server.plain_stderr()
    );
    assert!(
        logged(&server, &["partner logged in", "peer=127.0.0.1:"]),
        "{}",
        server.plain_stderr()
    );
    assert!(!logged(&server, &["partner logged in", "peer=127.0.0.2:"]));

    if paramiko_required() {
        // A second client, binding its own socket before connecting.
        assert_eq!(
            paramiko_upload(&env, "127.0.0.2", two, "acme", &key),
            "refused"
        );
        assert_eq!(
            paramiko_upload(&env, "127.0.0.1", two, "acme", &key),
            "uploaded"
        );
    }

    // Emptied on the running server: any address may connect again, from the next login.
    let set = ok(&env, &["partner", "allow", "acme", "--any"]);
    assert_eq!(set.trim(), "partner acme: may connect from any address");
    assert!(logs_in(two, None, "acme", &key));
    assert!(logs_in(one, Some("127.0.0.2"), "acme", &key));
    assert!(logs_in(one, None, "acme", &key));
    if paramiko_required() {
        assert_eq!(
            paramiko_upload(&env, "127.0.0.2", two, "acme", &key),
            "uploaded"
        );
    }
    // A list naming the other address only turns 127.0.0.1 away instead.
    ok(
        &env,
        &["partner", "allow", "acme", "127.0.0.2/32", "::1/128"],
    );
    assert!(!logs_in(one, None, "acme", &key));
    assert!(logs_in(one, Some("127.0.0.2"), "acme", &key));
    server.stop();
}

#[test]
fn allow_list_entries_are_checked_before_anything_is_stored() {
    let env = Env::new();
    configure(&env, "\"127.0.0.1:0\"");
    let key = keygen(&env, "acme", "ed25519", None);
    ok(&env, &["partner", "add", "acme", "--key", &public(&key)]);
    ok(&env, &["partner", "allow", "acme", "10.0.0.0/8"]);
    for bad in ["10.0.0.0/33", "garbage", "10.0.0.1/8", "::/129"] {
        let e = fails(&env, &["partner", "allow", "acme", "192.0.2.0/24", bad]);
        assert!(
            e.contains(&format!("`{bad}` is not an address range")),
            "{e}"
        );
    }
    let listed = ok(&env, &["partner", "list"]);
    assert!(listed.contains("from 10.0.0.0/8\n"), "unchanged: {listed}");
    let e = fails(&env, &["partner", "allow", "nobody", "10.0.0.0/8"]);
    assert!(e.contains("nobody"), "{e}");
    // Neither ranges nor --any: clap refuses.
    assert!(!env.bankdrop(&["partner", "allow", "acme"]).status.success());
}

#[test]
fn rsa_keys_under_2048_bits_are_refused_at_add_and_at_login_spec_01_2_3() {
    let env = Env::new();
    configure(&env, "\"127.0.0.1:0\"");
    let ed = keygen(&env, "ed", "ed25519", None);
    let short = keygen(&env, "rsa1024", "rsa", Some(1024));
    let rsa2048 = keygen(&env, "rsa2048", "rsa", Some(2048));
    let rsa4096 = keygen(&env, "rsa4096", "rsa", Some(4096));
    let ecdsa = keygen(&env, "ecdsa384", "ecdsa", Some(384));

    let e = fails(&env, &["partner", "add", "short", "--key", &public(&short)]);
    assert!(e.contains("RSA key of 1024 bits refused"), "{e}");
    assert!(
        ok(&env, &["partner", "list"]).is_empty(),
        "no partner added"
    );
    ok(&env, &["partner", "add", "acme", "--key", &public(&ed)]);
    let e = fails(
        &env,
        &["partner", "key", "add", "acme", "--key", &public(&short)],
    );
    assert!(
        e.contains("1024 bits") && e.contains("at least 2048"),
        "{e}"
    );
    let added = ok(
        &env,
        &[
            "partner",
            "key",
            "add",
            "acme",
            "--key",
            &public(&rsa2048),
            "--key",
            &public(&rsa4096),
            "--key",
            &public(&ecdsa),
        ],
    );
    // Every listed line is what ssh-keygen itself says of the key.
    for k in [&rsa2048, &rsa4096, &ecdsa] {
        let expected = ssh_keygen_l(k);
        assert!(
            added.contains(&format!("added {expected}\n")),
            "{expected}\n{added}"
        );
    }
    // A short key stored before the rule (written straight into the store) stays refused.
    let line = fs::read_to_string(public(&short)).unwrap();
    store::Partners::add_key(&env.db.open(&env.data), "acme", &line).unwrap();
    let list = ok(&env, &["partner", "key", "list", "acme"]);
    let mut expected: Vec<String> = [&ed, &rsa2048, &rsa4096, &ecdsa]
        .iter()
        .map(|k| ssh_keygen_l(k))
        .collect();
    expected.push(format!(
        "{}  [refused: RSA key of 1024 bits refused",
        ssh_keygen_l(&short)
    ));
    for e in &expected {
        assert!(list.contains(e.as_str()), "missing `{e}` in:\n{list}");
    }
    assert_eq!(list.lines().count(), 5, "{list}");

    let (server, addrs) = start(&env, 1);
    for k in [&ed, &rsa2048, &rsa4096, &ecdsa] {
        assert!(
            logs_in(addrs[0], None, "acme", k),
            "{}: {}",
            k.display(),
            server.plain_stderr()
        );
    }
    assert!(!logs_in(addrs[0], None, "acme", &short));
    assert!(
        logged(
            &server,
            &["stored key refused", "partner=acme", "1024 bits"]
        ),
        "{}",
        server.plain_stderr()
    );
    server.stop();
}

#[test]
fn a_removed_key_no_longer_logs_in_on_the_running_server_spec_01_2_3() {
    let env = Env::new();
    configure(&env, "\"127.0.0.1:0\"");
    let old = keygen(&env, "old", "ed25519", None);
    let new = keygen(&env, "new", "ecdsa", None);
    ok(&env, &["partner", "add", "acme", "--key", &public(&old)]);
    let (server, addrs) = start(&env, 1);
    let to = addrs[0];
    assert!(logs_in(to, None, "acme", &old));
    assert!(!logs_in(to, None, "acme", &new));

    // Rotation: the new key first, taken at once by the running server...
    ok(
        &env,
        &["partner", "key", "add", "acme", "--key", &public(&new)],
    );
    assert!(logs_in(to, None, "acme", &new));
    assert!(logs_in(to, None, "acme", &old));
    let e = fails(
        &env,
        &["partner", "key", "remove", "acme", "SHA256:nosuchkey"],
    );
    assert!(
        e.contains("no key with fingerprint SHA256:nosuchkey"),
        "{e}"
    );
    let e = fails(&env, &["partner", "key", "remove", "acme", "MD5:ab:cd"]);
    assert!(e.contains("SHA256"), "{e}");
    // ...then the old one removed by fingerprint: refused from the next login, no restart.
    let removed = ok(
        &env,
        &["partner", "key", "remove", "acme", &fingerprint(&old)],
    );
    assert_eq!(
        removed.trim(),
        format!("partner acme: removed {}", ssh_keygen_l(&old))
    );
    assert!(!logs_in(to, None, "acme", &old));
    assert!(logs_in(to, None, "acme", &new));
    assert_eq!(
        ok(&env, &["partner", "key", "list", "acme"]).trim(),
        ssh_keygen_l(&new)
    );

    // The last key stays unless --last says otherwise (the prefix may be left out).
    let bare = fingerprint(&new).trim_start_matches("SHA256:").to_string();
    let e = fails(&env, &["partner", "key", "remove", "acme", &bare]);
    assert!(e.contains("last key") && e.contains("--last"), "{e}");
    assert!(logs_in(to, None, "acme", &new));
    ok(&env, &["partner", "key", "remove", "acme", &bare, "--last"]);
    assert!(!logs_in(to, None, "acme", &new));
    assert!(ok(&env, &["partner", "key", "list", "acme"]).is_empty());
    server.stop();
}

#[test]
fn host_key_prints_what_ssh_keyscan_and_ssh_keygen_print_spec_01_2_1() {
    let env = Env::new();
    let port = common::free_port();
    configure(&env, &format!("\"127.0.0.1:{port}\""));
    // Before the first start: the key is made then, and the server serves that same key.
    let before = ok(&env, &["host-key"]);
    assert!(
        before.starts_with("256 SHA256:")
            && before.ends_with(&format!(" [127.0.0.1]:{port} (ED25519)\n")),
        "{before}"
    );
    let (server, addrs) = start(&env, 1);
    assert_eq!(addrs[0].port(), port);
    let scanned = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ssh-keyscan -p {port} 127.0.0.1 2>/dev/null | ssh-keygen -lf -"
        ))
        .output()
        .unwrap();
    assert!(scanned.status.success(), "{}", text(&scanned));
    let scanned = String::from_utf8(scanned.stdout).unwrap();
    assert_eq!(
        ok(&env, &["host-key"]),
        scanned,
        "{}",
        server.plain_stderr()
    );
    assert_eq!(before, scanned);
    server.stop();

    // One line per listen address; port 22 is named without brackets, as ssh-keyscan does.
    configure(&env, r#"["127.0.0.1:22", "[::1]:2222"]"#);
    let lines = ok(&env, &["host-key"]);
    let fp = scanned.split(' ').nth(1).unwrap();
    assert_eq!(
        lines,
        format!("256 {fp} 127.0.0.1 (ED25519)\n256 {fp} [::1]:2222 (ED25519)\n")
    );
}
