//! Upload throughput: bankdrop's SFTP server vs OpenSSH's own `sftp-server` (behind `sshd` on a
//! loopback port), both driven by the same OpenSSH `sftp` client, same file, same disk.
//!
//! ```text
//! cargo run --release --features bench --bin sftp-bench -- [--size-mib 1024] [--runs 3]
//!     [--cipher NAME] [--window BYTES] [--packet BYTES]
//! ```
//!
//! Needs `ssh-keygen`, `sftp` (openssh-client) and `/usr/sbin/sshd` (openssh-server).

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bankdrop_sftp::{Layout, Partner, ServerConfig, SftpServer, StaticPartners};

struct Args {
    size_mib: u64,
    runs: usize,
    cipher: Option<String>,
    /// Overrides of ServerConfig's channel window and packet size, for tuning.
    window: Option<u32>,
    packet: Option<u32>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        size_mib: 1024,
        runs: 3,
        cipher: None,
        window: None,
        packet: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--size-mib" => args.size_mib = value()?.parse().map_err(|e| format!("{e}"))?,
            "--runs" => args.runs = value()?.parse().map_err(|e| format!("{e}"))?,
            "--cipher" => args.cipher = Some(value()?),
            "--window" => args.window = Some(value()?.parse().map_err(|e| format!("{e}"))?),
            "--packet" => args.packet = Some(value()?.parse().map_err(|e| format!("{e}"))?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("sftp-bench: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = bench(&args) {
        eprintln!("sftp-bench: {e}");
        std::process::exit(1);
    }
}

type Res<T> = Result<T, String>;

fn run(cmd: &mut Command) -> Res<()> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// Incompressible data, made fast (xorshift), so neither side can take a shortcut.
fn make_file(path: &Path, mib: u64) -> Res<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| e.to_string())?);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for chunk in block.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes());
        }
        f.write_all(&block).map_err(|e| e.to_string())?;
    }
    f.flush().map_err(|e| e.to_string())
}

struct Sshd(Child);

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_sshd(dir: &Path, port: u16, client_pub: &str) -> Res<Sshd> {
    let host_key = dir.join("sshd_host_ed25519");
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&host_key))?;
    let authorized = dir.join("authorized_keys");
    std::fs::write(&authorized, client_pub).map_err(|e| e.to_string())?;
    let sftp_server = ["/usr/lib/openssh/sftp-server", "/usr/libexec/sftp-server"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .ok_or("OpenSSH's sftp-server not found (apt-get install -y openssh-server)")?;
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
             PermitRootLogin prohibit-password\nSubsystem sftp {sftp_server}\n",
            host_key.display(),
            dir.join("sshd.pid").display(),
            authorized.display()
        ),
    )
    .map_err(|e| e.to_string())?;
    // sshd's privilege-separation directory.
    let _ = std::fs::create_dir_all("/run/sshd");
    let child = Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("start /usr/sbin/sshd (apt-get install -y openssh-server): {e}"))?;
    let sshd = Sshd(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err("sshd did not start listening".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(sshd)
}

fn free_port() -> Res<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// Seconds for one `put`, as the client sees it (connection set-up included, as a partner
/// would see it; it is a few milliseconds of a multi-second transfer).
fn time_put(
    user: &str,
    port: u16,
    key: &Path,
    cipher: Option<&str>,
    src: &Path,
    dst: &str,
) -> Res<f64> {
    let mut cmd = Command::new("sftp");
    cmd.args(["-F", "/dev/null", "-b", "-", "-i"])
        .arg(key)
        .args(["-P", &port.to_string()])
        .args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
        ])
        .args([
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "LogLevel=ERROR",
        ]);
    if let Some(c) = cipher {
        cmd.args(["-o", &format!("Ciphers={c}")]);
    }
    cmd.arg(format!("{user}@127.0.0.1"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("sftp: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(format!("put {} {dst}\n", src.display()).as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!(
            "sftp put failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(secs)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn bench(args: &Args) -> Res<()> {
    let dir = tempfile::tempdir_in(std::env::var_os("BENCH_DIR").unwrap_or_else(|| "/tmp".into()))
        .map_err(|e| e.to_string())?;
    let d = dir.path();
    let key = d.join("client_ed25519");
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key))?;
    let public = std::fs::read_to_string(key.with_extension("pub")).map_err(|e| e.to_string())?;
    let src = d.join("upload.bin");
    eprintln!("making a {} MiB file…", args.size_mib);
    make_file(&src, args.size_mib)?;

    // Our server, twice: the product default (fsync before the file is visible) and without.
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let mut ours = Vec::new();
    for fsync in [true, false] {
        let root = d.join(format!("partners-{fsync}/bench"));
        Layout::default_d6()
            .create_tree(&root)
            .map_err(|e| e.to_string())?;
        let partners = StaticPartners::new([
            Partner::with_openssh_keys("bench", &root, [&public]).map_err(|e| e.to_string())?
        ]);
        let mut config = ServerConfig::new(
            "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?,
            d.join("host_key"),
        );
        config.fsync_uploads = fsync;
        if let Some(w) = args.window {
            config.window_size = w;
        }
        if let Some(p) = args.packet {
            config.max_packet_size = p;
        }
        // Events are not what is measured: drain them.
        let (tx, mut rx) = tokio::sync::mpsc::channel(16);
        rt.spawn(async move { while rx.recv().await.is_some() {} });
        let server = rt
            .block_on(SftpServer::bind(config, Arc::new(partners), tx))
            .map_err(|e| e.to_string())?;
        let port = server.local_addr().map_err(|e| e.to_string())?.port();
        rt.spawn(server.serve(std::future::pending()));
        ours.push((fsync, port, root));
    }

    let sshd_port = free_port()?;
    let _sshd = start_sshd(d, sshd_port, &public)?;
    let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
    let openssh_target = d.join("openssh-target");
    std::fs::create_dir_all(&openssh_target).map_err(|e| e.to_string())?;

    let cipher = args.cipher.as_deref();
    let mib = args.size_mib as f64;
    let mut results: Vec<(String, Vec<f64>)> = vec![
        ("openssh sftp-server".into(), vec![]),
        ("bankdrop (fsync on, default)".into(), vec![]),
        ("bankdrop (fsync off)".into(), vec![]),
    ];
    for run_no in 0..args.runs {
        // Interleaved, so drift in machine load hits every contender alike.
        let dst = openssh_target.join("bench.bin");
        let t = time_put(
            &user,
            sshd_port,
            &key,
            cipher,
            &src,
            &dst.display().to_string(),
        )?;
        let _ = std::fs::remove_file(&dst);
        results[0].1.push(t);
        for (i, (_, port, root)) in ours.iter().enumerate() {
            let t = time_put("bench", *port, &key, cipher, &src, "/transaction/bench.bin")?;
            let _ = std::fs::remove_file(root.join("transaction/bench.bin"));
            results[i + 1].1.push(t);
        }
        eprintln!("run {} of {} done", run_no + 1, args.runs);
    }
    println!(
        "upload of {} MiB, {} runs, cipher {}, median:",
        args.size_mib,
        args.runs,
        cipher.unwrap_or("client default")
    );
    let base = mib / median(results[0].1.clone());
    for (name, times) in &results {
        let rate = mib / median(times.clone());
        println!(
            "  {name:<30} {rate:8.1} MiB/s  ({:5.1}% of OpenSSH)  runs: {}",
            100.0 * rate / base,
            times
                .iter()
                .map(|t| format!("{t:.2}s"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    Ok(())
}
