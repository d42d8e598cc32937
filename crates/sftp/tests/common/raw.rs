//! A raw client for the abuse tests: russh's own SSH client, and SFTP packets built by hand, so a
//! test can send what no real client would (lying lengths, unknown types, requests it never
//! reads the answers of) and see exactly what comes back. Plain TCP helpers too, for clients
//! that never get as far as SSH.

use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use russh::client::{self, AuthResult, DisconnectReason, Msg};
use russh::keys::{load_secret_key, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::ChannelMsg;
use russh::{ChannelReadHalf, ChannelWriteHalf};

/// SFTP packet types (draft-ietf-secsh-filexfer-02).
pub mod fxp {
    pub const INIT: u8 = 1;
    pub const VERSION: u8 = 2;
    pub const OPEN: u8 = 3;
    pub const CLOSE: u8 = 4;
    pub const READ: u8 = 5;
    pub const WRITE: u8 = 6;
    pub const FSETSTAT: u8 = 10;
    pub const OPENDIR: u8 = 11;
    pub const READDIR: u8 = 12;
    pub const STAT: u8 = 17;
    pub const STATUS: u8 = 101;
    pub const HANDLE: u8 = 102;
    pub const DATA: u8 = 103;
    pub const NAME: u8 = 104;
    pub const ATTRS: u8 = 105;
    pub const EXTENDED: u8 = 200;
    pub const EXTENDED_REPLY: u8 = 201;
}

/// SFTP status codes.
pub mod fx {
    pub const OK: u32 = 0;
    pub const EOF: u32 = 1;
    pub const NO_SUCH_FILE: u32 = 2;
    pub const PERMISSION_DENIED: u32 = 3;
    pub const FAILURE: u32 = 4;
    pub const BAD_MESSAGE: u32 = 5;
    pub const OP_UNSUPPORTED: u32 = 8;
}

/// OPEN flags.
pub mod pflags {
    pub const READ: u32 = 0x01;
    pub const WRITE: u32 = 0x02;
    pub const CREATE: u32 = 0x08;
    pub const TRUNCATE: u32 = 0x10;
}

/// What the server said when it ended the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnected {
    /// The SSH disconnect reason code (`russh::Disconnect as u32`).
    pub reason: u32,
    pub message: String,
}

/// The disconnect message, and whether the client's session has told its handler it ended
/// (russh closes the handle a moment before it does).
#[derive(Default)]
struct Ending {
    message: Mutex<Option<Disconnected>>,
    told: std::sync::atomic::AtomicBool,
}

type Seen = Arc<Ending>;

/// Trusts any host key (the server is ours, in this process) and records a disconnect message.
pub struct Recorder(Seen);

impl client::Handler for Recorder {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }

    async fn disconnected(
        &mut self,
        reason: DisconnectReason<Self::Error>,
    ) -> Result<(), Self::Error> {
        let result = match reason {
            DisconnectReason::ReceivedDisconnect(info) => {
                *self.0.message.lock().unwrap() = Some(Disconnected {
                    reason: info.reason_code as u32,
                    message: info.message,
                });
                Ok(())
            }
            DisconnectReason::Error(e) => Err(e),
        };
        self.0.told.store(true, std::sync::atomic::Ordering::SeqCst);
        result
    }
}

/// One SSH connection.
pub struct Client {
    pub handle: client::Handle<Recorder>,
    seen: Seen,
}

/// A TCP connection to `to` from the loopback address `from` (all of 127/8 is this machine).
pub async fn tcp_from(from: IpAddr, to: SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    socket.connect(to).await
}

/// [`tcp_from`] as a blocking std socket, for tests that read it byte by byte.
pub fn blocking_tcp_from(
    rt: &tokio::runtime::Runtime,
    from: IpAddr,
    to: SocketAddr,
) -> std::net::TcpStream {
    let stream = rt.block_on(tcp_from(from, to)).unwrap().into_std().unwrap();
    stream.set_nonblocking(false).unwrap();
    stream
}

/// Everything the peer sends until it closes, or `TimedOut` with what came if it has not closed
/// within `limit`.
pub fn read_to_eof(stream: &mut std::net::TcpStream, limit: Duration) -> Result<Vec<u8>, Vec<u8>> {
    let deadline = Instant::now() + limit;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(got);
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return Ok(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            // A reset after the data counts as the end too.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok(got),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// The first line the server sends on a new connection from `from` (its SSH version line, or a
/// refusal), and whether it then closed the connection by itself within `limit`.
pub fn first_line(
    rt: &tokio::runtime::Runtime,
    from: IpAddr,
    to: SocketAddr,
    limit: Duration,
) -> (String, bool) {
    let mut s = blocking_tcp_from(rt, from, to);
    let deadline = Instant::now() + limit;
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\n") {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (String::from_utf8_lossy(&got).into_owned(), false);
        }
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut byte) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(_) => got.push(byte[0]),
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), true),
        }
    }
    let line = String::from_utf8_lossy(&got).into_owned();
    if line.starts_with("SSH-") {
        return (line, false);
    }
    let closed = read_to_eof(&mut s, limit).is_ok();
    (line, closed)
}

fn config() -> Arc<client::Config> {
    Arc::new(client::Config {
        // The tests decide when a client goes quiet: no keepalives, no timers of its own.
        inactivity_timeout: None,
        keepalive_interval: None,
        ..Default::default()
    })
}

impl Client {
    /// An SSH connection (key exchange done, not logged in) from the loopback address `from`.
    pub async fn connect(from: IpAddr, to: SocketAddr) -> Result<Client, russh::Error> {
        let stream = tcp_from(from, to).await?;
        let seen = Seen::default();
        let handle = client::connect_stream(config(), stream, Recorder(seen.clone())).await?;
        Ok(Client { handle, seen })
    }

    /// Connects from 127.0.0.1 and logs in with the key at `key`; panics if it cannot.
    pub async fn login(to: SocketAddr, user: &str, key: &Path) -> Client {
        let mut c = Client::connect([127, 0, 0, 1].into(), to).await.unwrap();
        assert!(c.auth_key(user, key).await.unwrap(), "{user} login refused");
        c
    }

    /// Offers the private key at `path` as `user`: `Ok(true)` when logged in.
    pub async fn auth_key(&mut self, user: &str, path: &Path) -> Result<bool, russh::Error> {
        let key = Arc::new(load_secret_key(path, None).unwrap());
        let hash = self.handle.best_supported_rsa_hash().await?.flatten();
        let result = self
            .handle
            .authenticate_publickey(user, PrivateKeyWithHashAlg::new(key, hash))
            .await?;
        Ok(matches!(result, AuthResult::Success))
    }

    pub async fn auth_password(
        &mut self,
        user: &str,
        password: &str,
    ) -> Result<bool, russh::Error> {
        let result = self.handle.authenticate_password(user, password).await?;
        Ok(matches!(result, AuthResult::Success))
    }

    /// A session channel with the `sftp` subsystem, INIT sent and VERSION read.
    pub async fn sftp(&self) -> Result<Sftp, String> {
        let mut s = self.subsystem().await?;
        let version = s.init().await.ok_or("no VERSION")?;
        if version.kind != fxp::VERSION || version.id != 3 {
            return Err(format!("unexpected answer to INIT: {version:?}"));
        }
        Ok(s)
    }

    /// A session channel with the `sftp` subsystem started, nothing sent yet.
    pub async fn subsystem(&self) -> Result<Sftp, String> {
        let mut channel = self
            .handle
            .channel_open_session()
            .await
            .map_err(|e| format!("channel open: {e}"))?;
        channel
            .request_subsystem(true, "sftp")
            .await
            .map_err(|e| format!("subsystem request: {e}"))?;
        loop {
            match channel.wait().await {
                Some(ChannelMsg::Success) => break,
                Some(ChannelMsg::Failure) => return Err("subsystem refused".into()),
                Some(_) => {}
                None => return Err("channel gone".into()),
            }
        }
        let (read, write) = channel.split();
        Ok(Sftp {
            read,
            write: Arc::new(write),
            buf: BytesMut::new(),
            next_id: 1,
        })
    }

    /// The disconnect message the server sent, if any.
    pub fn disconnected(&self) -> Option<Disconnected> {
        self.seen.message.lock().unwrap().clone()
    }

    /// Whether the connection has ended (by either side) and its disconnect message, if any,
    /// is recorded, waiting up to `limit` for it.
    pub async fn closed_within(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while !self.handle.is_closed() {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // A session that ended in its handshake never tells the handler: wait a little only.
        let told = Instant::now() + Duration::from_secs(2);
        while !self.seen.told.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < told {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }
}

/// One answer from the server: its type, its id (the version, for VERSION) and the rest.
#[derive(Debug, Clone)]
pub struct Reply {
    pub kind: u8,
    pub id: u32,
    pub body: Bytes,
}

/// A STATUS answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub code: u32,
    pub message: String,
}

impl Reply {
    pub fn status(&self) -> Option<Status> {
        if self.kind != fxp::STATUS {
            return None;
        }
        let mut b = self.body.clone();
        let code = b.get_u32();
        let message = String::from_utf8_lossy(&take_string(&mut b)).into_owned();
        Some(Status { code, message })
    }

    /// The status code, panicking (with the answer) if this is not a STATUS.
    pub fn code(&self) -> u32 {
        self.status()
            .unwrap_or_else(|| panic!("expected a status, got {self:?}"))
            .code
    }

    pub fn handle(&self) -> Option<Vec<u8>> {
        (self.kind == fxp::HANDLE).then(|| take_string(&mut self.body.clone()))
    }
}

fn take_string(b: &mut Bytes) -> Vec<u8> {
    let len = b.get_u32() as usize;
    b.split_to(len).to_vec()
}

/// Appends an SFTP string (length, bytes).
pub fn string(b: &mut BytesMut, s: &[u8]) {
    b.put_u32(s.len() as u32);
    b.put_slice(s);
}

/// One SFTP session over a raw channel.
pub struct Sftp {
    read: ChannelReadHalf,
    write: Arc<ChannelWriteHalf<Msg>>,
    buf: BytesMut,
    next_id: u32,
}

impl Sftp {
    /// Sends bytes as they are: framing is the caller's.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.write
            .data_bytes(Bytes::copy_from_slice(bytes))
            .await
            .unwrap();
    }

    /// Sends `bytes` (many requests) from a task of its own while the caller reads the answers:
    /// a client that writes everything before reading stalls its own connection once russh's
    /// buffer for the channel is full of answers.
    pub fn send_behind(&self, bytes: Vec<u8>) -> tokio::task::JoinHandle<()> {
        let write = self.write.clone();
        tokio::spawn(async move { write.data_bytes(bytes).await.unwrap() })
    }

    /// A framed request, for [`Sftp::send_behind`]; returns its id.
    pub fn frame(&mut self, out: &mut Vec<u8>, kind: u8, fields: &[u8]) -> u32 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        out.extend_from_slice(&(5 + fields.len() as u32).to_be_bytes());
        out.push(kind);
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(fields);
        id
    }

    /// Sends a request of `kind` with a fresh id and `fields` after it; returns the id.
    pub async fn send(&mut self, kind: u8, fields: &[u8]) -> u32 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        self.send_with_id(kind, id, fields).await;
        id
    }

    pub async fn send_with_id(&mut self, kind: u8, id: u32, fields: &[u8]) {
        let mut p = BytesMut::with_capacity(9 + fields.len());
        p.put_u32(5 + fields.len() as u32);
        p.put_u8(kind);
        p.put_u32(id);
        p.put_slice(fields);
        self.send_raw(&p).await;
    }

    async fn init(&mut self) -> Option<Reply> {
        self.send_raw(&[0, 0, 0, 5, fxp::INIT, 0, 0, 0, 3]).await;
        self.recv().await
    }

    /// The next answer; `None` once the server has ended the channel.
    pub async fn recv(&mut self) -> Option<Reply> {
        loop {
            if self.buf.len() >= 4 {
                let len = u32::from_be_bytes(self.buf[..4].try_into().unwrap()) as usize;
                assert!(len >= 5, "answer of length {len}");
                if self.buf.len() >= 4 + len {
                    self.buf.advance(4);
                    let mut p = self.buf.split_to(len).freeze();
                    let kind = p.get_u8();
                    let id = p.get_u32();
                    return Some(Reply { kind, id, body: p });
                }
            }
            match self.read.wait().await {
                Some(ChannelMsg::Data { data }) => self.buf.extend_from_slice(&data),
                Some(ChannelMsg::Eof) | Some(ChannelMsg::Close) | None => return None,
                Some(_) => {}
            }
        }
    }

    /// Sends a request and returns its answer, checking it carries the request's id.
    pub async fn call(&mut self, kind: u8, fields: &[u8]) -> Reply {
        let id = self.send(kind, fields).await;
        let reply = self
            .recv()
            .await
            .expect("the session ended instead of answering");
        assert_eq!(reply.id, id, "answer to another request: {reply:?}");
        reply
    }

    /// Ends the session from the client's side (EOF, as `sftp` does at exit) and waits for the
    /// server to close the channel.
    pub async fn end(&mut self) {
        self.write.eof().await.unwrap();
        assert!(self.ended_within(Duration::from_secs(10)).await);
    }

    /// Whether the server ends the channel within `limit` (answers that come first are skipped).
    pub async fn ended_within(&mut self, limit: Duration) -> bool {
        tokio::time::timeout(limit, async { while self.recv().await.is_some() {} })
            .await
            .is_ok()
    }

    pub async fn open(&mut self, path: &str, flags: u32) -> Result<Vec<u8>, Status> {
        let mut f = BytesMut::new();
        string(&mut f, path.as_bytes());
        f.put_u32(flags);
        f.put_u32(0); // no attributes
        let r = self.call(fxp::OPEN, &f).await;
        r.handle().ok_or_else(|| r.status().unwrap())
    }

    /// OPEN for writing, as `put` does (WRITE | CREATE | TRUNCATE).
    pub async fn create(&mut self, path: &str) -> Result<Vec<u8>, Status> {
        self.open(path, pflags::WRITE | pflags::CREATE | pflags::TRUNCATE)
            .await
    }

    pub async fn opendir(&mut self, path: &str) -> Result<Vec<u8>, Status> {
        let mut f = BytesMut::new();
        string(&mut f, path.as_bytes());
        let r = self.call(fxp::OPENDIR, &f).await;
        r.handle().ok_or_else(|| r.status().unwrap())
    }

    pub fn write_fields(handle: &[u8], offset: u64, data: &[u8]) -> BytesMut {
        let mut f = BytesMut::new();
        string(&mut f, handle);
        f.put_u64(offset);
        string(&mut f, data);
        f
    }

    pub async fn write(&mut self, handle: &[u8], offset: u64, data: &[u8]) -> Status {
        let f = Self::write_fields(handle, offset, data);
        self.call(fxp::WRITE, &f).await.status().unwrap()
    }

    pub async fn read(&mut self, handle: &[u8], offset: u64, len: u32) -> Reply {
        let mut f = BytesMut::new();
        string(&mut f, handle);
        f.put_u64(offset);
        f.put_u32(len);
        self.call(fxp::READ, &f).await
    }

    pub async fn close(&mut self, handle: &[u8]) -> Status {
        let mut f = BytesMut::new();
        string(&mut f, handle);
        self.call(fxp::CLOSE, &f).await.status().unwrap()
    }

    /// FSETSTAT with only a size.
    pub async fn set_size(&mut self, handle: &[u8], size: u64) -> Status {
        let mut f = BytesMut::new();
        string(&mut f, handle);
        f.put_u32(0x1); // SSH_FILEXFER_ATTR_SIZE
        f.put_u64(size);
        self.call(fxp::FSETSTAT, &f).await.status().unwrap()
    }

    pub async fn stat(&mut self, path: &str) -> Reply {
        let mut f = BytesMut::new();
        string(&mut f, path.as_bytes());
        self.call(fxp::STAT, &f).await
    }

    /// An extended request: its name, then `data` as is.
    pub async fn extended(&mut self, name: &str, data: &[u8]) -> Reply {
        let mut f = BytesMut::new();
        string(&mut f, name.as_bytes());
        f.put_slice(data);
        self.call(fxp::EXTENDED, &f).await
    }

    /// Sends `n` OPENDIRs of `path` back to back, then reads the `n` answers: the handles
    /// granted and the refusals.
    pub async fn opendir_many(&mut self, path: &str, n: usize) -> (Vec<Vec<u8>>, Vec<Status>) {
        let mut f = BytesMut::new();
        string(&mut f, path.as_bytes());
        let mut out = Vec::new();
        for _ in 0..n {
            self.frame(&mut out, fxp::OPENDIR, &f);
        }
        let sending = self.send_behind(out);
        let (mut handles, mut refused) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let r = self
                .recv()
                .await
                .expect("the session ended instead of answering");
            match r.handle() {
                Some(h) => handles.push(h),
                None => refused.push(r.status().unwrap()),
            }
        }
        sending.await.unwrap();
        (handles, refused)
    }
}
