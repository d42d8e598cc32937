//! Runs the SFTP protocol over one SSH channel.
//!
//! russh-sftp's own server loop reads a request, answers it, flushes, and only then reads the
//! next, in a task nobody waits for, and it never closes the channel (some clients then hang at
//! exit). This loop keeps russh-sftp's packet types but splits the work in three:
//!
//! * this task reads channel data, cuts it into SFTP packets and queues them;
//! * a worker thread owned by the session answers them in order (file-system calls block, so
//!   they stay off the async runtime);
//! * a writer task sends the answers, several per SSH packet when they pile up.
//!
//! While the worker writes one chunk of an upload the next chunks are already being decrypted
//! and queued. When the client ends the channel (or the connection drops) the queue is drained,
//! the handler is dropped — which removes the temporary files of uploads never closed — and
//! only then is the channel closed, with exit status 0, EOF and CLOSE as OpenSSH sends them.

use std::net::IpAddr;
use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};
use russh::server::Msg;
use russh::{Channel, ChannelMsg};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use crate::handler::{SftpHandler, MAX_PACKET};
use crate::limits::Activity;

/// Requests queued ahead of the worker: enough for OpenSSH's 64 outstanding requests. Their
/// bytes also count against the partner's queue budget.
const REQUEST_QUEUE: usize = 128;

/// What a session shares with its connection and its partner's other sessions.
pub(crate) struct Context {
    /// `partner@address`, for logs and the worker thread's name.
    pub label: String,
    /// Touched at every request (the idle timeout).
    pub activity: Arc<Activity>,
    /// The partner's budget of queued request bytes.
    pub queue: Arc<Semaphore>,
    pub peer: IpAddr,
}
/// Answers queued ahead of the writer.
const RESPONSE_QUEUE: usize = 128;
/// Answers are gathered up to about this many bytes per channel write.
const WRITE_BATCH: usize = 256 * 1024;

/// Serves SFTP on `channel` until the client closes it or disconnects. Returns once the handler
/// is dropped (unfinished uploads removed) and the channel is closed.
pub(crate) async fn serve(channel: Channel<Msg>, handler: SftpHandler, ctx: Context) {
    let Context {
        label,
        activity,
        queue,
        peer,
    } = ctx;
    let (mut rx, tx) = channel.split();
    let (req_tx, mut req_rx) = mpsc::channel::<(Bytes, OwnedSemaphorePermit)>(REQUEST_QUEUE);
    let (resp_tx, mut resp_rx) = mpsc::channel::<Bytes>(RESPONSE_QUEUE);

    let partner = label.split('@').next().unwrap_or_default().to_string();
    let worker = std::thread::Builder::new()
        .name(format!("sftp-{label}"))
        .spawn(move || {
            let mut handler = handler;
            while let Some((request, permit)) = req_rx.blocking_recv() {
                let answer = handler.handle(request);
                drop(permit);
                if resp_tx.blocking_send(answer).is_err() {
                    break;
                }
            }
            if let Some((why, n)) = handler.refused_handles() {
                // Once per session, with the count: a client retrying in a loop is one line.
                tracing::warn!(%peer, partner, refused = n, "refused: {}", why.text());
            }
            // Drop the handler (and its unfinished uploads) before the writer can see the end of
            // the answers and close the channel.
            drop(handler);
            drop(resp_tx);
        });
    if let Err(e) = worker {
        tracing::error!(session = %label, error = %e, "cannot start the session thread");
        let _ = tx.close().await;
        return;
    }

    let writer = tokio::spawn(async move {
        let mut batch = BytesMut::new();
        while let Some(first) = resp_rx.recv().await {
            batch.extend_from_slice(&first);
            while batch.len() < WRITE_BATCH {
                match resp_rx.try_recv() {
                    Ok(more) => batch.extend_from_slice(&more),
                    Err(_) => break,
                }
            }
            if tx.data_bytes(batch.split().freeze()).await.is_err() {
                break; // the connection is gone
            }
        }
        drop(resp_rx);
        let _ = tx.exit_status(0).await;
        let _ = tx.eof().await;
        let _ = tx.close().await;
    });

    let mut buf = BytesMut::new();
    'read: loop {
        match rx.wait().await {
            Some(ChannelMsg::Data { data }) => {
                activity.touch();
                buf.extend_from_slice(&data);
                loop {
                    match next_packet(&mut buf) {
                        Ok(Some(packet)) => {
                            // Waiting here stops reading the channel: the client is held back
                            // by SSH flow control while the partner's queue is full.
                            let Ok(permit) =
                                queue.clone().acquire_many_owned(packet.len() as u32).await
                            else {
                                break 'read;
                            };
                            if req_tx.send((packet, permit)).await.is_err() {
                                break 'read;
                            }
                        }
                        Ok(None) => break,
                        Err(len) => {
                            tracing::warn!(session = %label, len, "oversized SFTP packet; closing");
                            break 'read;
                        }
                    }
                }
            }
            Some(ChannelMsg::Eof) | Some(ChannelMsg::Close) | None => break,
            Some(_) => {}
        }
    }
    drop(req_tx);
    if let Err(e) = writer.await {
        tracing::error!(session = %label, error = %e, "session writer failed");
    }
    tracing::debug!(session = %label, "sftp session ended");
}

/// Cuts the next whole SFTP packet (without its length field) off the front of `buf`.
/// `Err(len)` for a length no client may send; the stream cannot be resynchronised after it.
pub(crate) fn next_packet(buf: &mut BytesMut) -> Result<Option<Bytes>, u32> {
    if buf.len() < 4 {
        return Ok(None);
    }
    let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    if len == 0 || len > MAX_PACKET {
        return Err(len);
    }
    let total = 4 + len as usize;
    if buf.len() < total {
        buf.reserve(total - buf.len());
        return Ok(None);
    }
    buf.advance(4);
    Ok(Some(buf.split_to(len as usize).freeze()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing() {
        let mut buf = BytesMut::new();
        assert_eq!(next_packet(&mut buf), Ok(None));
        buf.extend_from_slice(&[0, 0, 0, 3, 1, 2]);
        assert_eq!(next_packet(&mut buf), Ok(None));
        buf.extend_from_slice(&[3, 0, 0, 0, 1, 9]);
        assert_eq!(
            next_packet(&mut buf),
            Ok(Some(Bytes::from_static(&[1, 2, 3])))
        );
        assert_eq!(next_packet(&mut buf), Ok(Some(Bytes::from_static(&[9]))));
        assert_eq!(next_packet(&mut buf), Ok(None));
        buf.extend_from_slice(&[0xff, 0, 0, 0]);
        assert!(next_packet(&mut buf).is_err());
        let mut zero = BytesMut::from(&[0u8, 0, 0, 0][..]);
        assert!(next_packet(&mut zero).is_err());
    }
}
