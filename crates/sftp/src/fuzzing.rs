//! Entry points for the fuzz targets in `crates/sftp/fuzz` (feature `fuzzing`, off by default,
//! not part of the crate's interface): one SFTP session's request handler over a partner tree,
//! and the session's packet framing.

use std::path::Path;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::sync::mpsc;

use crate::handler::{SftpHandler, UploadPolicy};
use crate::jail::Jail;
use crate::layout::Layout;
use crate::limits::{Limits, Tracker};
use crate::upload::Bounds;
use crate::IntakeEvent;

/// Largest packet the framing accepts (the length field's limit).
pub const MAX_PACKET: u32 = crate::handler::MAX_PACKET;

/// One session of partner `fuzz`, with small limits so inputs reach them quickly.
pub struct Session {
    handler: SftpHandler,
    events: mpsc::Receiver<IntakeEvent>,
}

impl Session {
    /// Lays out the D6 tree under `root` and opens a session jailed in it.
    ///
    /// # Panics
    /// If the tree cannot be made or opened (the fuzzer's temporary folder is unusable).
    pub fn new(root: &Path) -> Session {
        let layout = Layout::default_d6();
        layout.create_tree(root).expect("partner tree");
        let jail = Jail::open(root, Arc::new(layout)).expect("partner root");
        let limits = Limits {
            handles_per_partner: 32,
            ..Limits::default()
        };
        let policy = UploadPolicy {
            fsync: false,
            bounds: Bounds {
                max_size: 1 << 20,
                max_ahead: 64 << 10,
            },
            max_name_len: limits.max_name_len,
            max_handles: 16,
        };
        let tracker = Tracker::new(limits, 64);
        let (tx, events) = mpsc::channel(16);
        let handler = SftpHandler::new("fuzz".into(), jail, tx, policy, tracker.handles("fuzz"));
        Session { handler, events }
    }

    /// Answers one request (its bytes after the length field) with the encoded reply, length
    /// included.
    pub fn handle(&mut self, packet: &[u8]) -> Vec<u8> {
        let answer = self.handler.handle(Bytes::copy_from_slice(packet)).to_vec();
        // Arrivals are sent with a blocking send: keep room for the next.
        while self.events.try_recv().is_ok() {}
        answer
    }
}

/// The session's framing: the next whole packet cut off `buf`, or `Err(len)` for a length no
/// client may send.
pub fn next_packet(buf: &mut BytesMut) -> Result<Option<Bytes>, u32> {
    crate::session::next_packet(buf)
}
