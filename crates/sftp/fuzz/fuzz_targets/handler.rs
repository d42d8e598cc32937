//! One SFTP session fed a sequence of requests: the input is cut into packets, each a 2-byte
//! length then that many bytes (capped), handed in order to one session's handler over a fresh
//! partner tree. Every request must get exactly one well-framed answer, and never a panic. The
//! whole input also goes through the session's length framing.
#![no_main]

use bankdrop_sftp::fuzzing::{next_packet, Session, MAX_PACKET};
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;

/// Requests per input and bytes per request: enough for an upload or a listing, small enough
/// to keep executions fast.
const MAX_REQUESTS: usize = 64;
const MAX_REQUEST: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut session = Session::new(dir.path());
    let mut rest = data;
    for _ in 0..MAX_REQUESTS {
        if rest.len() < 2 {
            break;
        }
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]))
            .min(MAX_REQUEST)
            .min(rest.len() - 2);
        let (packet, tail) = rest[2..].split_at(len);
        rest = tail;
        let answer = session.handle(packet);
        assert!(answer.len() >= 9, "short answer {answer:?}");
        let framed = u32::from_be_bytes([answer[0], answer[1], answer[2], answer[3]]) as usize;
        assert_eq!(framed + 4, answer.len(), "answer length field");
    }

    let mut buf = BytesMut::from(data);
    while let Ok(Some(packet)) = next_packet(&mut buf) {
        assert!(!packet.is_empty() && packet.len() <= MAX_PACKET as usize);
    }
});
