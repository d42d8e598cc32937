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
use crate::names::remove_stale_uploads;
use crate::IntakeEvent;

/// Settings of the SFTP server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on, e.g. `127.0.0.1:2222`.
    pub listen: SocketAddr,
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
    /// Largest file a partner may upload; a write past it is refused.
    pub max_file_size: u64,
    /// Connections idle this long are closed.
    pub inactivity_timeout: Option<Duration>,
    /// Every refused authentication takes at least this long (slows down key guessing).
    pub auth_rejection_time: Duration,
    /// How long [`SftpServer::serve`] waits at shutdown for sessions to clean up.
    pub shutdown_grace: Duration,
}

impl ServerConfig {
    /// Defaults for everything but the address and the host key file.
    pub fn new(listen: SocketAddr, host_key_path: impl Into<PathBuf>) -> Self {
        ServerConfig {
            listen,
            host_key_path: host_key_path.into(),
            layout: Layout::default_d6(),
            window_size: 16 * 1024 * 1024,
            max_packet_size: 64 * 1024,
            fsync_uploads: true,
            max_file_size: 16 << 30,
            inactivity_timeout: Some(Duration::from_secs(30 * 60)),
            auth_rejection_time: Duration::from_millis(500),
            shutdown_grace: Duration::from_secs(10),
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
            let removed = remove_stale_uploads(&partner.root, &self.layout)?;
            if removed > 0 {
                tracing::info!(partner = %partner.name, removed, "removed unfinished uploads of an earlier run");
            }
        }
        let jail = Jail::open(&partner.root, self.layout.clone())
            .map_err(|e| Error::io("open partner root", &partner.root, e))?;
        *counts.entry(partner.name.clone()).or_insert(0) += 1;
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
    listener: TcpListener,
    russh: Arc<russh::server::Config>,
    shared: Arc<Shared>,
    fingerprint: String,
    grace: Duration,
}

impl SftpServer {
    /// Loads (or generates) the host key and binds the listening socket. With port 0 the system
    /// picks one; [`local_addr`](SftpServer::local_addr) tells which.
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
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| Error::Bind {
                addr: config.listen,
                source,
            })?;
        let mut methods = MethodSet::empty();
        methods.push(MethodKind::PublicKey);
        let russh = russh::server::Config {
            methods,
            keys: vec![host_key],
            window_size: config.window_size,
            maximum_packet_size: config.max_packet_size,
            auth_rejection_time: config.auth_rejection_time,
            // OpenSSH clients open with a "none" attempt to learn the methods; answering it at
            // once saves a round of the rejection delay on every login.
            auth_rejection_time_initial: Some(Duration::ZERO),
            inactivity_timeout: config.inactivity_timeout,
            keepalive_interval: Some(Duration::from_secs(60)),
            nodelay: true,
            preferred: russh::Preferred {
                cipher: std::borrow::Cow::Borrowed(CIPHERS),
                ..Default::default()
            },
            ..Default::default()
        };
        Ok(SftpServer {
            listener,
            russh: Arc::new(russh),
            shared: Arc::new(Shared {
                partners,
                events,
                layout: Arc::new(config.layout),
                policy: UploadPolicy {
                    fsync: config.fsync_uploads,
                    max_file_size: config.max_file_size,
                },
                active: ActiveSessions::default(),
            }),
            fingerprint,
            grace: config.shutdown_grace,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> Result<SocketAddr, Error> {
        self.listener.local_addr().map_err(Error::Accept)
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
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => {
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
                    let handler = Connection {
                        shared: self.shared.clone(),
                        peer,
                        partner: None,
                        channels: HashMap::new(),
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
    tracing::info!(addr = %server.local_addr()?, host_key = server.host_key_fingerprint(), "sftp server listening");
    server.serve(shutdown).await
}

async fn connection(
    config: Arc<russh::server::Config>,
    socket: tokio::net::TcpStream,
    handler: Connection,
    mut stop: watch::Receiver<bool>,
) {
    let peer = handler.peer;
    if let Err(e) = socket.set_nodelay(true) {
        tracing::debug!(%peer, error = %e, "set_nodelay failed");
    }
    let session = match russh::server::run_stream(config, socket, handler).await {
        Ok(session) => session,
        Err(e) => {
            tracing::debug!(%peer, error = %e, "ssh handshake failed");
            return;
        }
    };
    let handle = session.handle();
    tokio::select! {
        result = session => {
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        }
        _ = async { stop.wait_for(|stop| *stop).await.is_ok() } => {
            let _ = handle
                .disconnect(Disconnect::ByApplication, "server shutting down".into(), "en".into())
                .await;
        }
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
}

/// Session channels one connection may hold open at once.
const MAX_CHANNELS: usize = 8;

fn publickey_only() -> Auth {
    let mut methods = MethodSet::empty();
    methods.push(MethodKind::PublicKey);
    Auth::Reject {
        proceed_with_methods: Some(methods),
        partial_success: false,
    }
}

impl Connection {
    fn known_key(&self, user: &str, key: &russh::keys::PublicKey) -> Option<Partner> {
        self.shared
            .partners
            .lookup(user)
            .filter(|partner| partner.has_key(key))
    }
}

impl russh::server::Handler for Connection {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(publickey_only())
    }

    async fn auth_password(&mut self, user: &str, _password: &str) -> Result<Auth, Self::Error> {
        tracing::warn!(peer = %self.peer, user, "password authentication refused");
        Ok(publickey_only())
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        _response: Option<russh::server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        tracing::warn!(peer = %self.peer, user, "keyboard-interactive authentication refused");
        Ok(publickey_only())
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        // Refuse unknown keys before the client signs anything.
        Ok(match self.known_key(user, offer.public_key) {
            Some(_) => Auth::Accept,
            None => publickey_only(),
        })
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        match self.known_key(user, key.public_key) {
            Some(partner) => {
                tracing::info!(peer = %self.peer, partner = %partner.name,
                    key = %key.public_key.fingerprint(HashAlg::Sha256), "partner logged in");
                self.partner = Some(partner);
                Ok(Auth::Accept)
            }
            None => {
                tracing::warn!(peer = %self.peer, user, "unknown user or key refused");
                Ok(publickey_only())
            }
        }
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
        if self.partner.is_some() && self.channels.len() < MAX_CHANNELS {
            self.channels.insert(channel.id(), channel);
            reply.accept().await;
        }
        // Dropping `reply` refuses the channel.
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
        let handler = SftpHandler::new(
            partner.clone(),
            jail,
            self.shared.events.clone(),
            self.shared.policy,
        );
        let label = format!("{partner}@{}", self.peer);
        tokio::spawn(async move {
            crate::session::serve(channel, handler, label).await;
            drop(guard);
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
