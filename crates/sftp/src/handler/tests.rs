//! The handler on its own: a scripted upload, and a flood of random and mangled requests that
//! must each get an answer and never a panic.

use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use tokio::sync::mpsc;

use super::{SftpHandler, UploadPolicy};
use crate::jail::Jail;
use crate::layout::Layout;
use crate::limits::{Limits, Tracker};
use crate::upload::Bounds;
use crate::IntakeEvent;

const POLICY: UploadPolicy = UploadPolicy {
    fsync: false,
    bounds: Bounds {
        max_size: 1 << 20,
        max_ahead: 1 << 16,
    },
    max_name_len: 200,
    max_handles: 256,
};

fn handler(root: &std::path::Path, events: mpsc::Sender<IntakeEvent>) -> SftpHandler {
    let tracker = Tracker::new(Limits::default(), 10_000);
    handler_with(root, events, POLICY, &tracker)
}

fn handler_with(
    root: &std::path::Path,
    events: mpsc::Sender<IntakeEvent>,
    policy: UploadPolicy,
    tracker: &Tracker,
) -> SftpHandler {
    let layout = Layout::default_d6();
    layout.create_tree(root).unwrap();
    let jail = Jail::open(root, Arc::new(layout)).unwrap();
    SftpHandler::new("acme".into(), jail, events, policy, tracker.handles("acme"))
}

/// OPEN for writing (CREATE | TRUNCATE): the handle.
fn open_upload(h: &mut SftpHandler, id: u32, path: &[u8]) -> Vec<u8> {
    let mut f = BytesMut::new();
    string(&mut f, path);
    f.put_u32(0x1a);
    f.put_u32(0);
    let resp = h.handle(request(3, id, &f));
    assert_eq!(resp[4], 102, "a handle: {resp:?}");
    resp[13..].to_vec()
}

fn write_req(handle: &[u8], offset: u64, data: &[u8]) -> Bytes {
    let mut w = BytesMut::new();
    string(&mut w, handle);
    w.put_u64(offset);
    string(&mut w, data);
    request(6, 7, &w)
}

fn close_req(handle: &[u8]) -> Bytes {
    let mut c = BytesMut::new();
    string(&mut c, handle);
    request(4, 9, &c)
}

/// FSETSTAT with only a size.
fn set_size_req(handle: &[u8], size: u64) -> Bytes {
    let mut b = BytesMut::new();
    string(&mut b, handle);
    b.put_u32(0x1); // SSH_FILEXFER_ATTR_SIZE
    b.put_u64(size);
    request(10, 8, &b)
}

const FAILURE: Option<u32> = Some(4);
const OK: Option<u32> = Some(0);
const UNSUPPORTED: Option<u32> = Some(8);

#[test]
fn setting_the_size_cannot_grow_an_upload_past_its_data() {
    // Issue 9, defect 1: FSETSTAT made a 1 TiB sparse file out of an open upload.
    let tmp = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(8);
    let mut h = handler(tmp.path(), tx);
    let handle = open_upload(&mut h, 1, b"/transaction/2026-01-27_transaction_v1.csv");
    assert_eq!(
        answer(&h.handle(write_req(&handle, 0, b"a|b\nc|d\n"))).2,
        OK
    );
    assert_eq!(answer(&h.handle(set_size_req(&handle, 1 << 40))).2, FAILURE);
    assert_eq!(answer(&h.handle(set_size_req(&handle, 100))).2, UNSUPPORTED);
    // Shortening is fine.
    assert_eq!(answer(&h.handle(set_size_req(&handle, 4))).2, OK);
    assert_eq!(answer(&h.handle(close_req(&handle))).2, OK);
    let landed = tmp.path().join("transaction/2026-01-27_transaction_v1.csv");
    assert_eq!(std::fs::read(landed).unwrap(), b"a|b\n");
    assert!(rx.try_recv().is_ok());
    // SETSTAT by path on a completed file: refused as before.
    let mut b = BytesMut::new();
    string(&mut b, b"/transaction/2026-01-27_transaction_v1.csv");
    b.put_u32(0x1);
    b.put_u64(1 << 40);
    assert_eq!(answer(&h.handle(request(9, 10, &b))).2, UNSUPPORTED);
}

#[test]
fn sparse_uploads_are_refused() {
    // Issue 9, defect 3's upload: a header at 0 and one byte far out.
    let tmp = tempfile::tempdir().unwrap();
    let (tx, mut rx) = mpsc::channel(8);
    let mut h = handler(tmp.path(), tx);
    let handle = open_upload(&mut h, 1, b"/transaction/2026-01-28_transaction_v1.csv");
    assert_eq!(answer(&h.handle(write_req(&handle, 0, b"h\n"))).2, OK);
    assert_eq!(
        answer(&h.handle(write_req(&handle, 256 << 20, b"x"))).2,
        FAILURE
    );
    assert_eq!(
        answer(&h.handle(write_req(&handle, (1 << 20) - 1, b"x"))).2,
        FAILURE
    );
    // Out of order within the write-ahead window is fine while writing...
    assert_eq!(answer(&h.handle(write_req(&handle, 1000, b"y"))).2, OK);
    // ...but a hole left at close refuses the upload, and nothing arrives.
    assert_eq!(answer(&h.handle(close_req(&handle))).2, FAILURE);
    assert!(rx.try_recv().is_err());
    let names: Vec<_> = std::fs::read_dir(tmp.path().join("transaction"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "only processed/ and failed/: {names:?}");
    // Filling the hole makes it a good upload.
    let handle = open_upload(&mut h, 2, b"/transaction/2026-01-28_transaction_v1.csv");
    assert_eq!(answer(&h.handle(write_req(&handle, 3, b"efg"))).2, OK);
    assert_eq!(answer(&h.handle(write_req(&handle, 0, b"abc"))).2, OK);
    assert_eq!(answer(&h.handle(close_req(&handle))).2, OK);
    assert!(rx.try_recv().is_ok());
}

#[test]
fn handles_are_capped_per_session_and_per_partner() {
    let tmp = tempfile::tempdir().unwrap();
    let tracker = Tracker::new(
        Limits {
            handles_per_partner: 5,
            ..Limits::default()
        },
        10_000,
    );
    let policy = UploadPolicy {
        max_handles: 3,
        ..POLICY
    };
    let (tx, _rx) = mpsc::channel(8);
    let mut one = handler_with(tmp.path(), tx.clone(), policy, &tracker);
    let mut two = handler_with(tmp.path(), tx, policy, &tracker);
    let opendir = |id| {
        let mut b = BytesMut::new();
        string(&mut b, b"/transaction");
        request(11, id, &b)
    };
    for id in 0..3 {
        assert_eq!(one.handle(opendir(id))[4], 102);
    }
    assert_eq!(answer(&one.handle(opendir(3))).2, FAILURE, "session cap");
    assert_eq!(two.handle(opendir(4))[4], 102);
    assert_eq!(two.handle(opendir(5))[4], 102);
    assert_eq!(answer(&two.handle(opendir(6))).2, FAILURE, "partner cap");
    // A session's handles go back to the partner when it ends.
    drop(one);
    assert_eq!(two.handle(opendir(7))[4], 102);
    assert_eq!(two.refused_handles().map(|r| r.1), Some(1));
}

#[test]
fn long_names_are_refused_when_created() {
    let tmp = tempfile::tempdir().unwrap();
    let (tx, _rx) = mpsc::channel(8);
    let mut h = handler(tmp.path(), tx);
    let long = format!("/transaction/{}.csv", "x".repeat(197));
    let mut f = BytesMut::new();
    string(&mut f, long.as_bytes());
    f.put_u32(0x1a);
    f.put_u32(0);
    let resp = h.handle(request(3, 1, &f));
    assert_eq!(answer(&resp).2, FAILURE);
    assert!(String::from_utf8_lossy(&resp).contains("file name too long: 201 bytes, at most 200"));
    let ok_name = format!("/transaction/{}.csv", "x".repeat(196));
    open_upload(&mut h, 2, ok_name.as_bytes());
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
fn a_reply_sent_as_a_request_is_refused_under_its_own_id() {
    // A STATUS, an ATTRS, a VERSION: not requests, refused with the id they carry (russh-sftp
    // reports 0 for them, which could match a client's real request 0).
    let tmp = tempfile::tempdir().unwrap();
    let (tx, _rx) = mpsc::channel(8);
    let mut h = handler(tmp.path(), tx);
    let mut status_fields = BytesMut::new();
    status_fields.put_u32(0);
    string(&mut status_fields, b"ok");
    string(&mut status_fields, b"en");
    assert_eq!(
        answer(&h.handle(request(101, 77, &status_fields))),
        (101, 77, UNSUPPORTED)
    );
    assert_eq!(
        answer(&h.handle(request(105, 78, &[0, 0, 0, 0]))),
        (101, 78, UNSUPPORTED)
    );
    assert_eq!(answer(&h.handle(request(2, 3, &[]))), (101, 3, UNSUPPORTED));
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

#[test]
fn a_listing_waits_for_a_claim_and_shows_the_file_under_one_name() {
    use rustix::fs::{flock, FlockOperation};
    use std::time::Duration;
    let tmp = tempfile::tempdir().unwrap();
    let mut layout = Layout::default_d6();
    layout.processing_prefix = Some(".claim-".into());
    layout.create_tree(tmp.path()).unwrap();
    let jail = Jail::open(tmp.path(), Arc::new(layout)).unwrap();
    let tracker = Tracker::new(Limits::default(), 10_000);
    let (tx, _rx) = mpsc::channel(8);
    let mut h = SftpHandler::new("acme".into(), jail, tx, POLICY, tracker.handles("acme"));
    let inbox = tmp.path().join("transaction");
    let name = "2026-01-27_transaction_v1.csv";
    std::fs::write(inbox.join(name), b"x").unwrap();

    // The pipeline claims the file: the folder locked, exclusive, around the rename.
    let claim = std::fs::File::open(&inbox).unwrap();
    flock(&claim, FlockOperation::LockExclusive).unwrap();
    let (done, listed) = std::sync::mpsc::channel();
    let lister = std::thread::spawn(move || {
        let mut b = BytesMut::new();
        string(&mut b, b"/transaction");
        let resp = h.handle(request(11, 1, &b));
        done.send(()).unwrap();
        (h, resp)
    });
    if listed.recv_timeout(Duration::from_millis(300)).is_ok() {
        let (_, resp) = lister.join().unwrap();
        panic!("the listing was read while a claim held the folder: {resp:?}");
    }
    std::fs::rename(inbox.join(name), inbox.join(format!(".claim-{name}"))).unwrap();
    drop(claim);
    listed.recv_timeout(Duration::from_secs(10)).unwrap();
    let (mut h, resp) = lister.join().unwrap();
    assert_eq!(resp[4], 102, "a handle: {resp:?}");
    let mut b = BytesMut::new();
    string(&mut b, &resp[13..]);
    let names = h.handle(request(12, 2, &b));
    assert_eq!(names[4], 104, "names: {names:?}");
    let text = String::from_utf8_lossy(&names);
    assert_eq!(
        text.matches(name).count(),
        2,
        "name and long name once: {text}"
    );
    assert!(!text.contains(".claim-"), "{text}");
}

#[test]
fn a_folder_past_the_partners_listing_budget_is_refused_until_one_is_closed() {
    let tmp = tempfile::tempdir().unwrap();
    let tracker = Tracker::new(
        Limits {
            listed_entries_per_partner: 5,
            ..Limits::default()
        },
        10_000,
    );
    let (tx, _rx) = mpsc::channel(8);
    let mut h = handler_with(tmp.path(), tx, POLICY, &tracker);
    for i in 0..3 {
        std::fs::write(tmp.path().join(format!("transaction/f{i}.csv")), b"x").unwrap();
    }
    let opendir = |id| {
        let mut b = BytesMut::new();
        string(&mut b, b"/transaction");
        request(11, id, &b)
    };
    // Three files and the folders processed/ and failed/: five entries, the whole budget.
    let first = h.handle(opendir(1));
    assert_eq!(first[4], 102, "a handle: {first:?}");
    let refused = h.handle(opendir(2));
    assert_eq!(answer(&refused).2, FAILURE);
    assert!(String::from_utf8_lossy(&refused).contains("open listings"));
    let mut close = BytesMut::new();
    string(&mut close, &first[13..]);
    assert_eq!(
        answer(&h.handle(request(4, 3, &close))).2,
        Some(0),
        "closed"
    );
    assert_eq!(h.handle(opendir(4))[4], 102, "the budget came back");
}
