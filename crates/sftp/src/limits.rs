//! Resource limits: what one address, connection, partner or session may hold, so that one
//! partner (or a stranger) can never use up what the others need — descriptors, memory, logins.
//!
//! The server asks a [`Tracker`] before it takes anything: a connection at accept, a login after
//! authentication, an open handle. Every grant is a guard that gives the resource back when it is
//! dropped, so a connection that dies mid-way cannot leak a slot.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The limits of the SFTP server (`[sftp]` in the configuration). Every one is enforced at every
/// request that can reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file a partner may upload, by WRITE or by setting its size.
    pub max_upload_size: u64,
    /// How far past its first unwritten byte an upload may be written. Clients that pipeline
    /// writes (OpenSSH: 64 × 255 KiB) stay well within it; a write further out would leave a hole
    /// (a sparse file nobody sent), and an upload with a hole left at close is refused.
    pub max_write_ahead: u64,
    /// Longest file or folder name a partner may create, in bytes. The pipeline writes
    /// `<name>.status.json` (and `<name>.<id>.errors.csv` beside an earlier file of that name), so
    /// names must leave room under the file system's 255 bytes.
    pub max_name_len: usize,
    /// Open handles (files and folders) per SFTP session.
    pub handles_per_session: usize,
    /// Open handles per partner, over all its sessions.
    pub handles_per_partner: usize,
    /// SFTP sessions (channels) per SSH connection.
    pub sessions_per_connection: usize,
    /// Logged-in connections per partner.
    pub connections_per_partner: usize,
    /// Connections from one source address, logged in or not.
    pub connections_per_address: usize,
    /// Connections not logged in yet, from all addresses together.
    pub unauthenticated_connections: usize,
    /// A connection that has not logged in after this long is closed.
    pub login_timeout: Duration,
    /// A logged-in connection without any SFTP request for this long is closed.
    pub idle_timeout: Duration,
    /// Refused authentication attempts (unknown keys, passwords) one address may make in a
    /// minute; past it the connection is closed and the address refused until the minute ends.
    pub auth_failures_per_minute: u32,
    /// Request bytes queued ahead of a partner's session threads, over all its sessions; past it
    /// the partner's channels stop being read, so the client waits (SSH flow control).
    pub queued_bytes_per_partner: usize,
    /// Folder entries held by a partner's open folder listings, all its sessions together. A
    /// listing is read whole when the folder is opened (so it never misses a file being claimed;
    /// 224 bytes an entry and its name): this bounds the memory a partner's open folders take.
    pub listed_entries_per_partner: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_upload_size: 16 << 30,
            max_write_ahead: 64 << 20,
            max_name_len: 200,
            handles_per_session: 256,
            handles_per_partner: 1024,
            sessions_per_connection: 4,
            connections_per_partner: 8,
            connections_per_address: 16,
            unauthenticated_connections: 64,
            login_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(600),
            auth_failures_per_minute: 60,
            queued_bytes_per_partner: 64 << 20,
            listed_entries_per_partner: 200_000,
        }
    }
}

/// Why something was refused; the text goes to the log and, where the protocol allows, to the
/// client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Refusal {
    AddressConnections,
    Unauthenticated,
    AuthFailures,
    PartnerConnections,
    Sessions,
    SessionHandles,
    PartnerHandles,
    ServerHandles,
    ListedEntries,
    LoginTimeout,
    IdleTimeout,
}

impl Refusal {
    pub(crate) fn text(self) -> &'static str {
        match self {
            Refusal::AddressConnections => "too many connections from this address",
            Refusal::Unauthenticated => "too many connections waiting to log in",
            Refusal::AuthFailures => "too many failed logins from this address; wait a minute",
            Refusal::PartnerConnections => "too many connections for this partner",
            Refusal::Sessions => "too many SFTP sessions on this connection",
            Refusal::SessionHandles => "too many open handles in this session",
            Refusal::PartnerHandles => "too many open handles for this partner",
            Refusal::ServerHandles => "server busy: too many open handles",
            Refusal::ListedEntries => {
                "too many folder entries in this partner's open listings; close some folders"
            }
            Refusal::LoginTimeout => "no login within the login timeout",
            Refusal::IdleTimeout => "idle for longer than the idle timeout",
        }
    }
}

/// A poisoned lock only means a thread panicked mid-update of counters; keep going.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Default)]
struct Counts {
    per_address: HashMap<IpAddr, usize>,
    unauthenticated: usize,
    per_partner: HashMap<String, usize>,
    /// Refused attempts per address in the current minute: (minute start, count).
    failures: HashMap<IpAddr, (Instant, u32)>,
}

/// The server-wide counters behind every limit.
pub(crate) struct Tracker {
    limits: Limits,
    counts: Mutex<Counts>,
    /// Handle budgets per partner, created on first use and kept (a few bytes per partner).
    partner_handles: Mutex<HashMap<String, Arc<Budget>>>,
    /// Entries held by open folder listings, per partner.
    partner_listings: Mutex<HashMap<String, Arc<Budget>>>,
    /// Queued request bytes per partner.
    partner_queues: Mutex<HashMap<String, Arc<tokio::sync::Semaphore>>>,
    server_handles: Arc<Budget>,
    log: RefusalLog,
}

impl Tracker {
    /// `max_handles`: the process-wide cap on open handles (from the descriptor limit).
    pub(crate) fn new(limits: Limits, max_handles: usize) -> Tracker {
        Tracker {
            limits,
            counts: Mutex::default(),
            partner_handles: Mutex::default(),
            partner_listings: Mutex::default(),
            partner_queues: Mutex::default(),
            server_handles: Arc::new(Budget::new(max_handles)),
            log: RefusalLog::default(),
        }
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Logs a refusal (once a minute per reason and subject, with a count of the rest).
    pub(crate) fn refused(&self, why: Refusal, peer: IpAddr, partner: Option<&str>) {
        self.log.refused(why, peer, partner);
    }

    /// A new TCP connection from `peer`: refused when the address has too many connections or
    /// failed logins, or too many connections are waiting to log in.
    pub(crate) fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<ConnectionSlot, Refusal> {
        let mut c = lock(&self.counts);
        let now = Instant::now();
        if let Some((start, n)) = c.failures.get(&peer) {
            if now.duration_since(*start) < MINUTE && *n >= self.limits.auth_failures_per_minute {
                return Err(Refusal::AuthFailures);
            }
        }
        if c.per_address.get(&peer).copied().unwrap_or(0) >= self.limits.connections_per_address {
            return Err(Refusal::AddressConnections);
        }
        if c.unauthenticated >= self.limits.unauthenticated_connections {
            return Err(Refusal::Unauthenticated);
        }
        *c.per_address.entry(peer).or_insert(0) += 1;
        c.unauthenticated += 1;
        Ok(ConnectionSlot {
            tracker: self.clone(),
            peer,
            partner: None,
        })
    }

    /// Counts a refused authentication attempt; `Err` once the address is over its cap.
    pub(crate) fn auth_failed(&self, peer: IpAddr) -> Result<(), Refusal> {
        let mut c = lock(&self.counts);
        let now = Instant::now();
        if c.failures.len() > 4096 {
            // Forget finished minutes so a scan from many addresses cannot grow the map.
            c.failures
                .retain(|_, (start, _)| now.duration_since(*start) < MINUTE);
        }
        let entry = c.failures.entry(peer).or_insert((now, 0));
        if now.duration_since(entry.0) >= MINUTE {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        if entry.1 >= self.limits.auth_failures_per_minute {
            Err(Refusal::AuthFailures)
        } else {
            Ok(())
        }
    }

    /// The partner's handle budget (shared by its sessions).
    pub(crate) fn handles(&self, partner: &str) -> HandleBudgets {
        let partner_budget = lock(&self.partner_handles)
            .entry(partner.to_string())
            .or_insert_with(|| Arc::new(Budget::new(self.limits.handles_per_partner)))
            .clone();
        let listed = lock(&self.partner_listings)
            .entry(partner.to_string())
            .or_insert_with(|| Arc::new(Budget::new(self.limits.listed_entries_per_partner)))
            .clone();
        HandleBudgets {
            partner: partner_budget,
            server: self.server_handles.clone(),
            listed,
        }
    }

    /// The partner's queue budget, in request bytes (shared by its sessions).
    pub(crate) fn queue(&self, partner: &str) -> Arc<tokio::sync::Semaphore> {
        lock(&self.partner_queues)
            .entry(partner.to_string())
            .or_insert_with(|| {
                // Never below one packet: a request larger than the whole budget would wait for
                // permits that can never all be free, and its session would hang.
                let budget = self
                    .limits
                    .queued_bytes_per_partner
                    .max(crate::handler::MAX_PACKET as usize);
                Arc::new(tokio::sync::Semaphore::new(budget))
            })
            .clone()
    }
}

const MINUTE: Duration = Duration::from_secs(60);

/// A connection's place in the counters; dropped when the connection ends.
pub(crate) struct ConnectionSlot {
    tracker: Arc<Tracker>,
    peer: IpAddr,
    /// Set at login: the connection then counts for the partner, no longer as unauthenticated.
    partner: Option<String>,
}

impl ConnectionSlot {
    /// The connection logged in as `partner`: refused when the partner has too many.
    pub(crate) fn login(&mut self, partner: &str) -> Result<(), Refusal> {
        if self.partner.is_some() {
            return Ok(());
        }
        let mut c = lock(&self.tracker.counts);
        let n = c.per_partner.get(partner).copied().unwrap_or(0);
        if n >= self.tracker.limits.connections_per_partner {
            return Err(Refusal::PartnerConnections);
        }
        c.per_partner.insert(partner.to_string(), n + 1);
        c.unauthenticated -= 1;
        self.partner = Some(partner.to_string());
        Ok(())
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut c = lock(&self.tracker.counts);
        if let Some(n) = c.per_address.get_mut(&self.peer) {
            *n -= 1;
            if *n == 0 {
                c.per_address.remove(&self.peer);
            }
        }
        match &self.partner {
            None => c.unauthenticated -= 1,
            Some(p) => {
                if let Some(n) = c.per_partner.get_mut(p) {
                    *n -= 1;
                    if *n == 0 {
                        c.per_partner.remove(p);
                    }
                }
            }
        }
    }
}

/// A count of things held against a cap.
pub(crate) struct Budget {
    used: AtomicUsize,
    max: usize,
}

impl Budget {
    fn new(max: usize) -> Budget {
        Budget {
            used: AtomicUsize::new(0),
            max,
        }
    }

    fn try_take(&self) -> bool {
        self.try_take_n(1)
    }

    fn try_take_n(&self, k: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                n.checked_add(k).filter(|m| *m <= self.max)
            })
            .is_ok()
    }

    fn give_back(&self) {
        self.give_back_n(1);
    }

    fn give_back_n(&self, k: usize) {
        self.used.fetch_sub(k, Ordering::AcqRel);
    }
}

/// The budgets an open handle is taken from: its partner's and the server's.
#[derive(Clone)]
pub(crate) struct HandleBudgets {
    partner: Arc<Budget>,
    server: Arc<Budget>,
    /// The partner's folder entries held by open listings.
    listed: Arc<Budget>,
}

impl HandleBudgets {
    /// One handle from both budgets, or which one is exhausted.
    pub(crate) fn take(&self) -> Result<HandleSlot, Refusal> {
        if !self.partner.try_take() {
            return Err(Refusal::PartnerHandles);
        }
        if !self.server.try_take() {
            self.partner.give_back();
            return Err(Refusal::ServerHandles);
        }
        Ok(HandleSlot(self.clone()))
    }
}

impl HandleBudgets {
    /// Room for a listing of `entries` folder entries in the partner's budget.
    pub(crate) fn take_listing(&self, entries: usize) -> Result<ListingSlot, Refusal> {
        if !self.listed.try_take_n(entries) {
            return Err(Refusal::ListedEntries);
        }
        Ok(ListingSlot(self.listed.clone(), entries))
    }
}

/// A listing's entries in its partner's budget; given back when dropped with the folder handle.
pub(crate) struct ListingSlot(Arc<Budget>, usize);

impl Drop for ListingSlot {
    fn drop(&mut self) {
        self.0.give_back_n(self.1);
    }
}

/// One open handle's share of the budgets; given back when dropped with the handle.
pub(crate) struct HandleSlot(HandleBudgets);

impl Drop for HandleSlot {
    fn drop(&mut self) {
        self.0.partner.give_back();
        self.0.server.give_back();
    }
}

/// When a connection last did something, for the login and idle timeouts.
pub(crate) struct Activity {
    start: Instant,
    /// Milliseconds after `start` of the last request.
    last: AtomicU64,
    logged_in: AtomicBool,
}

impl Activity {
    pub(crate) fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last: AtomicU64::new(0),
            logged_in: AtomicBool::new(false),
        }
    }

    /// Something happened on the connection.
    pub(crate) fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.fetch_max(ms, Ordering::Relaxed);
    }

    pub(crate) fn logged_in(&self) {
        self.touch();
        self.logged_in.store(true, Ordering::Release);
    }

    /// When the connection is next due to be checked, or why it must close now.
    pub(crate) fn check(&self, limits: &Limits) -> Result<Instant, Refusal> {
        let now = Instant::now();
        if !self.logged_in.load(Ordering::Acquire) {
            let due = self.start + limits.login_timeout;
            return if now >= due {
                Err(Refusal::LoginTimeout)
            } else {
                Ok(due)
            };
        }
        let last = self.start + Duration::from_millis(self.last.load(Ordering::Relaxed));
        let due = last + limits.idle_timeout;
        if now >= due {
            Err(Refusal::IdleTimeout)
        } else {
            Ok(due)
        }
    }
}

/// Logs each kind of refusal once a minute per address (or partner), so a flood of refused
/// connections is a few log lines, not millions, and still says how many there were.
#[derive(Default)]
struct RefusalLog {
    seen: Mutex<HashMap<(Refusal, IpAddr), (Instant, u64)>>,
}

impl RefusalLog {
    fn refused(&self, why: Refusal, peer: IpAddr, partner: Option<&str>) {
        let mut seen = lock(&self.seen);
        let now = Instant::now();
        if seen.len() > 4096 {
            seen.retain(|_, (at, _)| now.duration_since(*at) < MINUTE);
        }
        let entry = seen.entry((why, peer)).or_insert((now - MINUTE, 0));
        if now.duration_since(entry.0) < MINUTE {
            entry.1 += 1;
            return;
        }
        let suppressed = entry.1;
        *entry = (now, 0);
        drop(seen);
        let partner = partner.unwrap_or("-");
        tracing::warn!(%peer, partner, suppressed, "refused: {}", why.text());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[test]
    fn address_and_unauthenticated_caps_are_given_back_on_drop() {
        let limits = Limits {
            connections_per_address: 2,
            unauthenticated_connections: 3,
            ..Limits::default()
        };
        let t = Arc::new(Tracker::new(limits, 100));
        let a = t.admit(ip(1)).unwrap();
        let b = t.admit(ip(1)).unwrap();
        assert_eq!(t.admit(ip(1)).err(), Some(Refusal::AddressConnections));
        let c = t.admit(ip(2)).unwrap();
        assert_eq!(t.admit(ip(3)).err(), Some(Refusal::Unauthenticated));
        drop(a);
        assert!(t.admit(ip(1)).is_ok());
        drop((b, c));
        assert_eq!(lock(&t.counts).unauthenticated, 0);
        assert!(lock(&t.counts).per_address.is_empty());
    }

    #[test]
    fn login_moves_a_connection_to_its_partner_and_caps_the_partner() {
        let limits = Limits {
            connections_per_partner: 1,
            unauthenticated_connections: 2,
            ..Limits::default()
        };
        let t = Arc::new(Tracker::new(limits, 100));
        let mut a = t.admit(ip(1)).unwrap();
        a.login("acme").unwrap();
        // A logged-in connection no longer counts as waiting to log in.
        let mut b = t.admit(ip(1)).unwrap();
        let _c = t.admit(ip(1)).unwrap();
        assert_eq!(b.login("acme"), Err(Refusal::PartnerConnections));
        assert!(b.login("beta").is_ok());
        drop(a);
        let mut d = t.admit(ip(2)).unwrap();
        assert!(d.login("acme").is_ok());
    }

    #[test]
    fn open_listings_share_the_partners_entry_budget() {
        let limits = Limits {
            listed_entries_per_partner: 10,
            ..Limits::default()
        };
        let t = Tracker::new(limits, 100);
        let a = t.handles("acme").take_listing(6).unwrap();
        // Another session of the same partner draws on the same budget; another partner not.
        assert_eq!(
            t.handles("acme").take_listing(5).err(),
            Some(Refusal::ListedEntries)
        );
        let _b = t.handles("acme").take_listing(4).unwrap();
        let _c = t.handles("beta").take_listing(10).unwrap();
        drop(a);
        assert!(t.handles("acme").take_listing(6).is_ok());
        assert_eq!(
            t.handles("acme").take_listing(usize::MAX).err(),
            Some(Refusal::ListedEntries)
        );
    }

    #[test]
    fn failed_logins_close_the_address_for_the_minute() {
        let limits = Limits {
            auth_failures_per_minute: 3,
            ..Limits::default()
        };
        let t = Arc::new(Tracker::new(limits, 100));
        assert!(t.auth_failed(ip(1)).is_ok());
        assert!(t.auth_failed(ip(1)).is_ok());
        assert_eq!(t.auth_failed(ip(1)), Err(Refusal::AuthFailures));
        assert_eq!(t.admit(ip(1)).err(), Some(Refusal::AuthFailures));
        assert!(t.admit(ip(2)).is_ok());
    }

    #[test]
    fn handle_budgets_cap_the_partner_and_the_server() {
        let limits = Limits {
            handles_per_partner: 2,
            ..Limits::default()
        };
        let t = Tracker::new(limits, 3);
        let acme = t.handles("acme");
        let h1 = acme.take().unwrap();
        let _h2 = t.handles("acme").take().unwrap();
        assert_eq!(acme.take().err(), Some(Refusal::PartnerHandles));
        let _b1 = t.handles("beta").take().unwrap();
        assert_eq!(t.handles("beta").take().err(), Some(Refusal::ServerHandles));
        drop(h1);
        let _b2 = t.handles("beta").take().unwrap();
        assert_eq!(acme.take().err(), Some(Refusal::ServerHandles));
    }

    #[test]
    fn the_queue_budget_always_holds_one_whole_packet() {
        let t = Tracker::new(
            Limits {
                queued_bytes_per_partner: 1000,
                ..Limits::default()
            },
            100,
        );
        let queue = t.queue("acme");
        assert!(queue.try_acquire_many(crate::handler::MAX_PACKET).is_ok());
    }

    #[test]
    fn activity_times_out_before_and_after_login() {
        let now = Limits {
            login_timeout: Duration::ZERO,
            idle_timeout: Duration::ZERO,
            ..Limits::default()
        };
        let later = Limits {
            login_timeout: Duration::from_secs(3600),
            idle_timeout: Duration::from_secs(3600),
            ..Limits::default()
        };
        let a = Activity::new();
        assert!(a.check(&later).is_ok());
        assert_eq!(a.check(&now).err(), Some(Refusal::LoginTimeout));
        a.logged_in();
        assert!(a.check(&later).is_ok());
        assert_eq!(a.check(&now).err(), Some(Refusal::IdleTimeout));
        // The next check is due an idle timeout after the last request.
        let due = a.check(&later).unwrap();
        assert!(due > Instant::now() + Duration::from_secs(3500));
    }
}
