//! The handler on its own: a scripted upload, and a flood of random and mangled requests that
//! must each get an answer and never a panic.

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use tokio::sync::mpsc;

use super::{SftpHandler, UploadPolicy};
use crate::jail::Jail;
use crate::layout::Layout;
use crate::IntakeEvent;

fn handler(root: &std::path::Path, events: mpsc::Sender<IntakeEvent>) -> SftpHandler {
    let layout = Layout::default_d6();
    layout.create_tree(root).unwrap();
    let jail = Jail::open(root, Arc::new(layout)).unwrap();
    let policy = UploadPolicy {
        fsync: false,
        max_file_size: 1 << 20,
    };
    SftpHandler::new("acme".into(), jail, events, policy)
}

fn string(b: &mut BytesMut, s: &[u8]) {
    b.put_u32(s.len() as u32);
    b.put_slice(s);
}

/// A request body: type, id, then the given fields already encoded.
fn request(kind: u8, id: u32, fields: &[u8]) -> Bytes {
    let mut b = BytesMut::new();
    b.put_u8(kind);
    b.put_u32(id);
    b.put_slice(fields);
    b.freeze()
}

/// (type, id, status code) of an encoded answer, or the type alone.
fn answer(resp: &Bytes) -> (u8, u32, Option<u32>) {
    assert!(resp.len() >= 9, "short answer {resp:?}");
    let len = u32::from_be_bytes(resp[0..4].try_into().unwrap()) as usize;
    assert_eq!(len + 4, resp.len(), "length field");
    let id = u32::from_be_bytes(resp[5..9].try_into().unwrap());
    let code = (resp[4] == 101).then(|| u32::from_be_bytes(resp[9..13].try_into().unwrap()));
    (resp[4], id, code)
}

#[test]
fn scripted_upload_and_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(8);
    let mut h = handler(tmp.path(), tx);

    let mut f = BytesMut::new();
    string(&mut f, b"/transaction/2026-01-27_transaction_v1.csv");
    f.put_u32(0x1a); // WRITE | CREATE | TRUNCATE
    f.put_u32(0); // no attributes
    let resp = h.handle(request(3, 1, &f));
    assert_eq!(resp[4], 102, "a handle");
    let handle = resp[13..].to_vec();

    let write = |offset: u64, data: &[u8]| {
        let mut w = BytesMut::new();
        string(&mut w, &handle);
        w.put_u64(offset);
        string(&mut w, data);
        w.freeze()
    };
    assert_eq!(
        answer(&h.handle(request(6, 2, &write(0, b"a|b\n")))),
        (101, 2, Some(0))
    );
    // Past the size limit, and past u64::MAX: refused, not a panic.
    assert_eq!(
        answer(&h.handle(request(6, 3, &write(1 << 20, b"x")))),
        (101, 3, Some(4))
    );
    assert_eq!(
        answer(&h.handle(request(6, 4, &write(u64::MAX, b"xy")))),
        (101, 4, Some(4))
    );
    // Not visible before close.
    assert!(!tmp
        .path()
        .join("transaction/2026-01-27_transaction_v1.csv")
        .exists());
    assert!(rx.try_recv().is_err());

    let mut c = BytesMut::new();
    string(&mut c, &handle);
    assert_eq!(answer(&h.handle(request(4, 5, &c))), (101, 5, Some(0)));
    assert_eq!(
        std::fs::read(tmp.path().join("transaction/2026-01-27_transaction_v1.csv")).unwrap(),
        b"a|b\n"
    );
    assert_eq!(
        rx.try_recv().unwrap(),
        IntakeEvent::Arrived {
            partner: "acme".into(),
            path: "transaction/2026-01-27_transaction_v1.csv".into()
        }
    );
    // The handle is gone.
    assert_eq!(answer(&h.handle(request(4, 6, &c))), (101, 6, Some(4)));
}

#[test]
fn unclosed_upload_is_removed_with_the_session() {
    let tmp = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(8);
    let mut h = handler(tmp.path(), tx);
    let mut f = BytesMut::new();
    string(&mut f, b"/transaction/x.csv");
    f.put_u32(0x1a);
    f.put_u32(0);
    assert_eq!(h.handle(request(3, 1, &f))[4], 102);
    assert_eq!(
        std::fs::read_dir(tmp.path().join("transaction"))
            .unwrap()
            .count(),
        3
    );
    drop(h);
    assert_eq!(
        std::fs::read_dir(tmp.path().join("transaction"))
            .unwrap()
            .count(),
        2
    );
    assert!(rx.try_recv().is_err());
}

#[test]
fn random_requests_always_get_an_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let (tx, rx) = mpsc::channel(1);
    drop(rx); // events, if any, are dropped with a warning
    let mut h = handler(tmp.path(), tx);
    std::fs::write(tmp.path().join("transaction/a.csv"), b"abc").unwrap();
    std::fs::write(tmp.path().join("reports/r.csv"), b"abc").unwrap();

    let paths: [&[u8]; 16] = [
        b"",
        b"/",
        b".",
        b"..",
        b"/transaction/a.csv",
        b"/transaction/b.csv",
        b"/transaction/../../../etc/passwd",
        b"/reports/r.csv",
        b"/reports/new",
        b"/transaction/.bankdrop-upload-1",
        b"/documents/d",
        b"/transaction/a\0b",
        b"/transaction/\xff\xfe",
        b"/transaction",
        b"/transaction/processed/x",
        b"/ach/outgoing/o",
    ];
    let kinds: [u8; 26] = [
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 101, 102, 200, 0,
        255, 105,
    ];
    let extensions: [&[u8]; 4] = [
        b"posix-rename@openssh.com",
        b"limits@openssh.com",
        b"fsync@openssh.com",
        b"hardlink@openssh.com",
    ];
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..30_000u32 {
        let kind = kinds[(next() % kinds.len() as u64) as usize];
        let mut body = BytesMut::new();
        if kind == 200 {
            string(&mut body, extensions[(next() % 4) as usize]);
        }
        for _ in 0..(next() % 5) {
            match next() % 7 {
                0 | 1 => string(&mut body, paths[(next() % paths.len() as u64) as usize]),
                // Handles are small hex counters.
                2 => string(&mut body, format!("{:x}", next() % 8).as_bytes()),
                3 => body.put_u32((next() % 64) as u32),
                4 => body.put_u64(if next() % 2 == 0 { next() % 64 } else { next() }),
                5 => body.put_u32(next() as u32), // often a lying string length
                _ => {
                    for _ in 0..(next() % 40) {
                        body.put_u8(next() as u8);
                    }
                }
            }
        }
        let mut req = request(kind, i, &body);
        if next() % 10 == 0 {
            req.truncate((next() % (req.len() as u64 + 1)) as usize);
        }
        let resp = h.handle(req);
        let (t, _, _) = answer(&resp);
        assert!(matches!(t, 2 | 101..=105 | 201), "answer type {t}");
    }
    // Every upload left open is removed with the session.
    drop(h);
    for dir in ["transaction", "documents", "ach/outgoing"] {
        for e in std::fs::read_dir(tmp.path().join(dir)).unwrap() {
            let name = e.unwrap().file_name();
            assert!(!name
                .to_string_lossy()
                .starts_with(crate::UPLOAD_TEMP_PREFIX));
        }
    }
}
