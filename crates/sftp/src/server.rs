//! The SSH side: listening, public-key authentication, and starting SFTP on session channels.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::keys::HashAlg;
use russh::server::{Auth, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, Disconnect, MethodKind, MethodSet};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, Notify};

use crate::auth::{load_or_generate_host_key, Partner, PartnerStore};
use crate::error::Error;
use crate::handler::{SftpHandler, UploadPolicy};
use crate::jail::Jail;
use crate::layout::Layout;
use crate::limits::{Activity, ConnectionSlot, Limits, Refusal, Tracker};
use crate::names::remove_stale_uploads;
use crate::upload::Bounds;
use crate::IntakeEvent;

/// Settings of the SFTP server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Addresses to listen on, e.g. `127.0.0.1:2222` (at least one; several serve the same
    /// partners, say an internal and an external interface).
    pub listen: Vec<SocketAddr>,
    /// The host key (OpenSSH private key format). Generated as Ed25519, mode 0600, if missing.
    pub host_key_path: PathBuf,
    /// The folders of every partner tree and their access rules.
    pub layout: Layout,
    /// SSH channel window (bytes the client may send before we acknowledge). Large so an upload
    /// is never waiting for a window adjustment.
    pub window_size: u32,
    /// Largest SSH channel data packet we accept.
    pub max_packet_size: u32,
    /// fsync an upload (and its folder) before it is renamed into place and reported, so a file
    /// the pipeline sees survives a power loss.
    pub fsync_uploads: bool,
    /// What one address, connection, partner and session may hold (sizes, handles, sessions,
    /// connections, timeouts, failed logins).
    pub limits: Limits,
    /// Every refused authentication takes at least this long (slows down key guessing).
    pub auth_rejection_time: Duration,
    /// How long [`SftpServer::serve`] waits at shutdown for sessions to clean up.
    pub shutdown_grace: Duration,
    /// How long another server's temporary upload file must be unchanged before a login's
    /// sweep removes it ([`crate::remove_stale_uploads`]); zero (the default) when this
    /// server is the only one writing the partner trees.
    pub stale_upload_age: Duration,
}

impl ServerConfig {
    /// Defaults for everything but the address and the host key file; push onto
    /// [`listen`](ServerConfig::listen) for more addresses.
    pub fn new(listen: SocketAddr, host_key_path: impl Into<PathBuf>) -> Self {
        ServerConfig {
            listen: vec![listen],
            host_key_path: host_key_path.into(),
            layout: Layout::default_d6(),
            window_size: 16 * 1024 * 1024,
            max_packet_size: 64 * 1024,
            fsync_uploads: true,
            limits: Limits::default(),
            auth_rejection_time: Duration::from_millis(500),
            shutdown_grace: Duration::from_secs(10),
            stale_upload_age: Duration::ZERO,
        }
    }
}

/// Per-partner count of open SFTP sessions; the stale-upload sweep runs only when it is zero.
#[derive(Default)]
struct ActiveSessions {
    counts: Mutex<HashMap<String, usize>>,
    idle: Notify,
}

struct SessionGuard {
    shared: Arc<Shared>,
    partner: String,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        metrics::gauge!(crate::metrics::SESSIONS).decrement(1);
        let mut counts = lock(&self.shared.active.counts);
        if let Some(n) = counts.get_mut(&self.partner) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.partner);
            }
        }
        if counts.is_empty() {
            self.shared.active.idle.notify_waiters();
        }
    }
}

/// A poisoned lock only means another session panicked mid-update of a counter; keep going.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct Shared {
    partners: Arc<dyn PartnerStore>,
    events: mpsc::Sender<IntakeEvent>,
    layout: Arc<Layout>,
    policy: UploadPolicy,
    active: ActiveSessions,
    tracker: Arc<Tracker>,
    stale_upload_age: Duration,
}

impl Shared {
    /// Opens a partner's jail for a new SFTP session: makes sure its tree exists, and when no
    /// other session of the partner is open, removes uploads a previous run left unfinished.
    fn start_session(self: &Arc<Self>, partner: &Partner) -> Result<(Jail, SessionGuard), Error> {
        let mut counts = lock(&self.active.counts);
        if let Err(e) = self.layout.create_tree(&partner.root) {
            // A damaged folder (say, replaced by a symlink leading out) must not lock the partner
            // out of the rest of its tree; requests touching it fail one by one.
            tracing::warn!(partner = %partner.name, error = %e, "partner tree is incomplete");
        }
        if !counts.contains_key(&partner.name) {
            // Under the lock: another session of this partner cannot start uploading meanwhile.
            let removed = remove_stale_uploads(&partner.root, &self.layout, self.stale_upload_age)?;
            if removed > 0 {
                tracing::info!(partner = %partner.name, removed, "removed unfinished uploads of an earlier run");
            }
        }
        let jail = Jail::open(&partner.root, self.layout.clone())
            .map_err(|e| Error::io("open partner root", &partner.root, e))?;
        *counts.entry(partner.name.clone()).or_insert(0) += 1;
        metrics::gauge!(crate::metrics::SESSIONS).increment(1);
        Ok((
            jail,
            SessionGuard {
                shared: self.clone(),
                partner: partner.name.clone(),
            },
        ))
    }
}

/// russh's defaults plus aes128-gcm, which OpenSSH offers and some partners' clients are pinned
/// to. Only AEAD and CTR modes; no CBC, no 3DES.
const CIPHERS: &[russh::cipher::Name] = &[
    russh::cipher::CHACHA20_POLY1305,
    russh::cipher::AES_256_GCM,
    russh::cipher::AES_128_GCM,
    russh::cipher::AES_256_CTR,
    russh::cipher::AES_192_CTR,
    russh::cipher::AES_128_CTR,
];

/// A bound SFTP server, ready to [`serve`](SftpServer::serve).
pub struct SftpServer {
    listeners: Vec<TcpListener>,
    russh: Arc<russh::server::Config>,
    shared: Arc<Shared>,
    fingerprint: String,
    grace: Duration,
}

impl SftpServer {
    /// Loads (or generates) the host key and binds the listening sockets. With port 0 the system
    /// picks one; [`local_addrs`](SftpServer::local_addrs) tells which.
    pub async fn bind(
        config: ServerConfig,
        partners: Arc<dyn PartnerStore>,
        events: mpsc::Sender<IntakeEvent>,
    ) -> Result<Self, Error> {
        config.layout.validate()?;
        let key_path = config.host_key_path.clone();
        let host_key = tokio::task::spawn_blocking(move || load_or_generate_host_key(&key_path))
            .await
            .map_err(|e| Error::HostKey {
                path: config.host_key_path.clone(),
                reason: e.to_string(),
            })??;
        let fingerprint = host_key
            .public_key()
            .fingerprint(HashAlg::Sha256)
            .to_string();
        if config.listen.is_empty() {
            return Err(Error::NoListenAddress);
        }
        let mut listeners = Vec::with_capacity(config.listen.len());
        for &addr in &config.listen {
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| Error::Bind { addr, source })?;
            listeners.push(listener);
        }
        let mut methods = MethodSet::empty();
        methods.push(MethodKind::PublicKey);
        let limits = config.limits.clone();
        let russh = russh::server::Config {
            methods,
            keys: vec![host_key],
            window_size: config.window_size,
            maximum_packet_size: config.max_packet_size,
            auth_rejection_time: config.auth_rejection_time,
            // OpenSSH clients open with a "none" attempt to learn the methods; answering it at
            // once saves a round of the rejection delay on every login.
            auth_rejection_time_initial: Some(Duration::ZERO),
            // The login and idle timeouts are ours (a watchdog per connection: russh counts a
            // keepalive reply as activity). russh's own timer stays as a backstop: it also ends
            // a write to a client that stopped reading. It must fire after ours has told the
            // client why (ours sends the reason, russh's closes without one): at the same
            // instant it won about half the time.
            inactivity_timeout: Some(
                limits.idle_timeout.max(limits.login_timeout) + DISCONNECT_GRACE,
            ),
            keepalive_interval: Some(Duration::from_secs(60)),
            // Messages buffered per channel ahead of its reader: with 64 KiB packets, 2 MiB.
            channel_buffer_size: 32,
            nodelay: true,
            preferred: russh::Preferred {
                cipher: std::borrow::Cow::Borrowed(CIPHERS),
                ..Default::default()
            },
            ..Default::default()
        };
        Ok(SftpServer {
            listeners,
            russh: Arc::new(russh),
            shared: Arc::new(Shared {
                partners,
                events,
                layout: Arc::new(config.layout),
                policy: UploadPolicy {
                    fsync: config.fsync_uploads,
                    bounds: Bounds {
                        max_size: limits.max_upload_size,
                        max_ahead: limits.max_write_ahead,
                    },
                    max_name_len: limits.max_name_len,
                    max_handles: limits.handles_per_session,
                },
                active: ActiveSessions::default(),
                tracker: Arc::new(Tracker::new(limits, handle_budget())),
                stale_upload_age: config.stale_upload_age,
            }),
            fingerprint,
            grace: config.shutdown_grace,
        })
    }

    /// The (first) address the server listens on.
    pub fn local_addr(&self) -> Result<SocketAddr, Error> {
        // Cannot panic: `bind` refuses an empty list of addresses.
        self.listeners[0].local_addr().map_err(Error::Accept)
    }

    /// Every address the server listens on, in the configured order.
    pub fn local_addrs(&self) -> Result<Vec<SocketAddr>, Error> {
        self.listeners
            .iter()
            .map(|l| l.local_addr().map_err(Error::Accept))
            .collect()
    }

    /// The next connection on any listener. The listener looked at first moves round, so a
    /// flood on one address cannot keep the others waiting.
    async fn accept(
        &self,
        turn: &mut usize,
    ) -> std::io::Result<(tokio::net::TcpStream, SocketAddr)> {
        std::future::poll_fn(|cx| {
            let n = self.listeners.len();
            for i in 0..n {
                let at = (*turn + i) % n;
                if let std::task::Poll::Ready(r) = self.listeners[at].poll_accept(cx) {
                    *turn = (at + 1) % n;
                    return std::task::Poll::Ready(r);
                }
            }
            std::task::Poll::Pending
        })
        .await
    }

    /// The host key's fingerprint as `ssh-keygen -l` prints it (`SHA256:…`), for partners to
    /// verify on first connection.
    pub fn host_key_fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Accepts connections until `shutdown` completes, then disconnects every client and waits
    /// (up to the configured grace period) for their sessions to clean up.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> Result<(), Error> {
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::pin!(shutdown);
        let mut turn = 0;
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = self.accept(&mut turn) => {
                    let (socket, peer) = match accepted {
                        Ok(pair) => pair,
                        Err(e) => {
                            // Out of file descriptors and the like: wait and go on rather than
                            // take every partner's intake down.
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        }
                    };
                    let slot = match self.shared.tracker.admit(peer.ip()) {
                        Ok(slot) => slot,
                        Err(why) => {
                            self.shared.tracker.refused(why, peer.ip(), None);
                            refuse(socket, why);
                            continue;
                        }
                    };
                    let handler = Connection {
                        shared: self.shared.clone(),
                        peer,
                        partner: None,
                        channels: HashMap::new(),
                        slot,
                        activity: Arc::new(Activity::new()),
                        sessions: Arc::new(()),
                        refused_login: None,
                        refused_address: None,
                    };
                    tokio::spawn(connection(self.russh.clone(), socket, handler, stop_rx.clone()));
                }
            }
        }
        let _ = stop_tx.send(true);
        let idle = async {
            loop {
                let notified = self.shared.active.idle.notified();
                if lock(&self.shared.active.counts).is_empty() {
                    break;
                }
                notified.await;
            }
        };
        if tokio::time::timeout(self.grace, idle).await.is_err() {
            tracing::warn!("sessions still open at the end of the shutdown grace period");
        }
        Ok(())
    }
}

/// Binds and serves until `shutdown` completes: [`SftpServer::bind`] then
/// [`SftpServer::serve`].
pub async fn run(
    config: ServerConfig,
    partners: Arc<dyn PartnerStore>,
    events: mpsc::Sender<IntakeEvent>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    let server = SftpServer::bind(config, partners, events).await?;
    for addr in server.local_addrs()? {
        tracing::info!(%addr, host_key = server.host_key_fingerprint(), "sftp server listening");
    }
    server.serve(shutdown).await
}

/// The soft descriptor limit, raised to the hard one: uploads, listings and sockets all need
/// descriptors, and the default soft limit (often 1,024) is far below what the machine allows.
fn raise_descriptor_limit() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        if setrlimit(Resource::Nofile, limit).is_err() {
            limit = getrlimit(Resource::Nofile);
        }
    }
    limit.current.unwrap_or(1 << 20)
}

/// Open handles the whole server may hold: an upload holds two descriptors (its folder and its
/// file), and a quarter of the limit (at least 1,024 descriptors) stays for connections, the
/// database and the pipeline.
fn handle_budget() -> usize {
    let descriptors = raise_descriptor_limit();
    let reserve = (descriptors / 4).max(1024);
    usize::try_from(descriptors.saturating_sub(reserve) / 2)
        .unwrap_or(usize::MAX)
        .max(64)
}

/// Turns a connection away before the SSH handshake: a line saying why (RFC 4253 lets a server
/// send text before its version line), then close.
fn refuse(socket: tokio::net::TcpStream, why: Refusal) {
    let line = format!("bankdrop: {}\r\n", why.text());
    // Best effort and never waiting: the socket is new, its send buffer empty.
    let _ = socket.try_write(line.as_bytes());
}

/// How long a connection told to go (a timeout, the shutdown) has to send the reason and end
/// before its socket is shut down under it.
const DISCONNECT_GRACE: Duration = Duration::from_secs(5);

async fn connection(
    config: Arc<russh::server::Config>,
    socket: tokio::net::TcpStream,
    handler: Connection,
    mut stop: watch::Receiver<bool>,
) {
    let peer = handler.peer;
    let activity = handler.activity.clone();
    let tracker = handler.shared.tracker.clone();
    if let Err(e) = socket.set_nodelay(true) {
        tracing::debug!(%peer, error = %e, "set_nodelay failed");
    }
    // A second descriptor of the socket, to end the connection whatever the client does: russh
    // runs the session in a task of its own, which takes no disconnect while a key exchange is
    // under way and, after one, waits for the client to close — both up to russh's inactivity
    // timeout, the connection keeping its slots, handles and descriptors all that time.
    let kill = match rustix::io::fcntl_dupfd_cloexec(&socket, 0) {
        Ok(fd) => Some(fd),
        Err(e) => {
            tracing::warn!(%peer, error = %e, "cannot duplicate the socket; refusing the connection");
            return;
        }
    };
    // The version exchange is inside the login timeout too: a client that connects and sends
    // nothing must not hold its slot.
    let started = tokio::time::timeout(
        tracker.limits().login_timeout,
        russh::server::run_stream(config, socket, handler),
    )
    .await;
    let session = match started {
        Ok(Ok(session)) => session,
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "ssh handshake failed");
            return;
        }
        Err(_) => {
            tracker.refused(Refusal::LoginTimeout, peer.ip(), None);
            return;
        }
    };
    let handle = session.handle();
    let watchdog = async {
        loop {
            match activity.check(tracker.limits()) {
                Ok(due) => tokio::time::sleep_until(due.into()).await,
                Err(why) => return why,
            }
        }
    };
    tokio::pin!(session);
    let reason = tokio::select! {
        result = &mut session => {
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            return;
        }
        why = watchdog => {
            tracker.refused(why, peer.ip(), None);
            why.text()
        }
        _ = async { stop.wait_for(|stop| *stop).await.is_ok() } => "server shutting down",
    };
    // Tell the client why and give the session its moment to send it and clean up...
    let said = async {
        let _ = handle
            .disconnect(Disconnect::ByApplication, reason.into(), "en".into())
            .await;
        let _ = (&mut session).await;
    };
    if tokio::time::timeout(DISCONNECT_GRACE, said).await.is_ok() {
        return;
    }
    // ...then end it: reads see end of file and writes fail, so the session task returns and
    // drops the connection (its slots, its channels and their handles).
    if let Some(fd) = &kill {
        let _ = rustix::net::shutdown(fd, rustix::net::Shutdown::Both);
    }
    if tokio::time::timeout(DISCONNECT_GRACE, &mut session)
        .await
        .is_err()
    {
        tracing::warn!(%peer, "connection still running after its socket was shut down");
    }
}

/// One SSH connection.
struct Connection {
    shared: Arc<Shared>,
    peer: SocketAddr,
    /// Set once a key has been verified.
    partner: Option<Partner>,
    /// Session channels opened but not yet given a subsystem.
    channels: HashMap<ChannelId, Channel<Msg>>,
    /// The connection's place in the server's counters.
    slot: ConnectionSlot,
    activity: Arc<Activity>,
    /// One clone per running SFTP session: the count of sessions is its strong count less one.
    sessions: Arc<()>,
    /// A verified key whose login was refused (the partner is at its connection cap): the
    /// connection is closed with this reason once authentication finishes.
    refused_login: Option<Refusal>,
    /// The user whose allow-list refused this connection's address, once logged.
    refused_address: Option<String>,
}

fn publickey_only() -> Auth {
    let mut methods = MethodSet::empty();
    methods.push(MethodKind::PublicKey);
    Auth::Reject {
        proceed_with_methods: Some(methods),
        partial_success: false,
    }
}

impl Connection {
    /// The partner `user` if the connection's address may log in as it, looked up afresh at
    /// every attempt so that a key removed or an allow-list changed in the store applies to the
    /// next login. The address is checked before the key is looked at (spec 01 §2.3): a refused
    /// address learns nothing about which keys would do.
    fn admitted(&mut self, user: &str) -> Option<Partner> {
        let partner = self.shared.partners.lookup(user)?;
        if partner.admits(self.peer.ip()) {
            return Some(partner);
        }
        // A client offers its keys one by one: say it once per connection and user.
        if self.refused_address.as_deref() != Some(user) {
            tracing::warn!(peer = %self.peer, partner = %partner.name,
                "address not in the partner's allow-list; login refused");
            self.refused_address = Some(user.to_string());
        }
        None
    }

    fn known_key(&mut self, user: &str, key: &russh::keys::PublicKey) -> Option<Partner> {
        self.admitted(user).filter(|partner| partner.has_key(key))
    }

    /// Counts a refused attempt; past the address's cap the connection is closed (an error ends
    /// it) and the address is turned away until the minute is over.
    fn failed_attempt(&self) -> Result<Auth, russh::Error> {
        metrics::counter!(crate::metrics::AUTH_FAILURES).increment(1);
        match self.shared.tracker.auth_failed(self.peer.ip()) {
            Ok(()) => Ok(publickey_only()),
            Err(why) => {
                self.shared.tracker.refused(why, self.peer.ip(), None);
                Err(russh::Error::Disconnect)
            }
        }
    }

    fn running_sessions(&self) -> usize {
        Arc::strong_count(&self.sessions) - 1
    }
}

impl russh::server::Handler for Connection {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(publickey_only())
    }

    async fn auth_password(&mut self, user: &str, _password: &str) -> Result<Auth, Self::Error> {
        tracing::debug!(peer = %self.peer, user, "password authentication refused");
        self.failed_attempt()
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        _response: Option<russh::server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        tracing::debug!(peer = %self.peer, user, "keyboard-interactive authentication refused");
        self.failed_attempt()
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        // Refuse unknown keys before the client signs anything.
        match self.known_key(user, offer.public_key) {
            Some(_) => Ok(Auth::Accept),
            None => self.failed_attempt(),
        }
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        match self.known_key(user, key.public_key) {
            Some(partner) => {
                if let Err(why) = self.slot.login(&partner.name) {
                    // Accepted, then closed with the reason in auth_succeeded: a client told
                    // "permission denied" would look for a problem with its key.
                    self.shared
                        .tracker
                        .refused(why, self.peer.ip(), Some(&partner.name));
                    self.refused_login = Some(why);
                    return Ok(Auth::Accept);
                }
                tracing::info!(peer = %self.peer, partner = %partner.name,
                    key = %key.public_key.fingerprint(HashAlg::Sha256), "partner logged in");
                self.activity.logged_in();
                self.partner = Some(partner);
                Ok(Auth::Accept)
            }
            None => {
                if self.refused_address.as_deref() != Some(user) {
                    tracing::warn!(peer = %self.peer, user, "unknown user or key refused");
                }
                self.failed_attempt()
            }
        }
    }

    async fn auth_succeeded(&mut self, session: &mut Session) -> Result<(), Self::Error> {
        if let Some(why) = self.refused_login {
            session.disconnect(Disconnect::TooManyConnections, why.text(), "en")?;
        }
        Ok(())
    }

    async fn auth_openssh_certificate(
        &mut self,
        _user: &str,
        _certificate: &russh::keys::Certificate,
    ) -> Result<Auth, Self::Error> {
        Ok(publickey_only())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(partner) = &self.partner else {
            return Ok(()); // dropping `reply` refuses the channel
        };
        self.activity.touch();
        if self.channels.len() + self.running_sessions()
            >= self.shared.tracker.limits().sessions_per_connection
        {
            self.shared
                .tracker
                .refused(Refusal::Sessions, self.peer.ip(), Some(&partner.name));
            return Ok(());
        }
        self.channels.insert(channel.id(), channel);
        reply.accept().await;
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.remove(&channel);
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel_id: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let (Some(partner), true) = (self.partner.clone(), name == "sftp") else {
            return session.channel_failure(channel_id);
        };
        let Some(channel) = self.channels.remove(&channel_id) else {
            return session.channel_failure(channel_id);
        };
        let shared = self.shared.clone();
        // create_tree and the stale-upload sweep touch the disk: keep them off the runtime.
        let started = tokio::task::spawn_blocking(move || shared.start_session(&partner)).await;
        let (jail, guard) = match started {
            Ok(Ok(pair)) => pair,
            Ok(Err(e)) => {
                tracing::error!(peer = %self.peer, error = %e, "cannot open the partner's tree");
                return session.channel_failure(channel_id);
            }
            Err(e) => {
                tracing::error!(peer = %self.peer, error = %e, "cannot open the partner's tree");
                return session.channel_failure(channel_id);
            }
        };
        session.channel_success(channel_id)?;
        let partner = guard.partner.clone();
        let tracker = &self.shared.tracker;
        let handler = SftpHandler::new(
            partner.clone(),
            jail,
            self.shared.events.clone(),
            self.shared.policy,
            tracker.handles(&partner),
        );
        let ctx = crate::session::Context {
            label: format!("{partner}@{}", self.peer),
            activity: self.activity.clone(),
            queue: tracker.queue(&partner),
            peer: self.peer.ip(),
        };
        let running = self.sessions.clone();
        tokio::spawn(async move {
            crate::session::serve(channel, handler, ctx).await;
            drop(guard);
            drop(running);
        });
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }
}
