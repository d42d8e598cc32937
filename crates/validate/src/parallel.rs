//! The parallel path ([`Options::threads`](crate::Options::threads) > 1): the file past its
//! header is read in chunks cut after a line end, each chunk's rows are checked on a worker
//! thread as if it began a record, and the main thread takes the chunks' findings and ids in
//! file order, so the report is the one the sequential path gives.
//!
//! Why that is exact:
//! - A worker numbers its rows from the chunk's first record; the main thread adds the rows of
//!   every earlier chunk once they are known ([`Collector::absorb`], [`IdSet::extend_sorted`]).
//!   No finding made in a worker names a row in its message (`line_too_long` does, so the main
//!   thread writes it).
//! - A cut after a line end is a record boundary unless a quoted value spans it (D2). A worker
//!   knows whether its chunk ended inside a quoted value ([`End::Open`]); if so, the main thread
//!   discards the next chunk's result, which started in the wrong place, and checks the open
//!   record and that whole next chunk itself, in order. A chunk after one that ended at a record
//!   boundary did begin at one, so its worker's result stands.
//! - A chunk whose findings or ids outgrow their bounded buffers ([`End::Full`]) is checked again
//!   on the main thread, straight into the file's collector and id set.
//! - A row longer than the maximum ends the file as on one thread: the main thread stops taking
//!   chunks there. A line without a line end longer than the maximum ends the reading, so memory
//!   stays bounded by the chunk size and the maximum.
//!
//! Memory: at most twice the threads chunks in flight (read, queued, checked or waiting for an
//! earlier one), each with its kept findings and at most a chunk's size in ids; the file's id
//! set and collector are bounded by the options as on one thread.

use crate::check::{End, RowCtx, Scratch, Span, Watch};
use crate::dupes::{IdSet, LocalIds};
use crate::reader::RecordReader;
use crate::report::{Collector, Part, Severity};
use crate::validator::too_long;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::Mutex;

/// Errors a worker keeps of a chunk for the sink before the chunk is redone on the main thread.
const SINK_CAP: usize = 1 << 12;

/// Reads a stream in chunks that end after a line end (or at the end of the stream).
struct Chunker<R> {
    input: R,
    /// Bytes after the last line end of the previous chunk.
    carry: Vec<u8>,
    /// The stream has ended.
    eof: bool,
    /// The last chunk was handed out.
    done: bool,
    chunk_bytes: usize,
    max_line_bytes: usize,
    /// Buffers of merged chunks, for reuse.
    free: Vec<Vec<u8>>,
}

impl<R: Read> Chunker<R> {
    /// The next chunk and whether the stream ends with it; the last chunk may be empty.
    fn next(&mut self) -> io::Result<Option<(Vec<u8>, bool)>> {
        if self.done {
            return Ok(None);
        }
        let mut buf = self.free.pop().unwrap_or_default();
        buf.clear();
        buf.append(&mut self.carry);
        let mut want = self.chunk_bytes.max(1);
        loop {
            while !self.eof && buf.len() < want {
                let ask = want - buf.len();
                buf.reserve(ask);
                let n = (&mut self.input).take(ask as u64).read_to_end(&mut buf)?;
                self.eof = n < ask;
            }
            if self.eof {
                self.done = true;
                return Ok(Some((buf, true)));
            }
            if let Some(i) = memchr::memrchr(b'\n', &buf) {
                self.carry.extend_from_slice(&buf[i + 1..]);
                buf.truncate(i + 1);
                return Ok(Some((buf, false)));
            }
            if buf.len() >= self.max_line_bytes.saturating_add(2) {
                // One line longer than any record may be, whatever it belongs to: the file
                // ends with it (`line_too_long`), so nothing after it is read.
                self.done = true;
                return Ok(Some((buf, true)));
            }
            want = buf.len().saturating_add(self.chunk_bytes.max(1));
        }
    }
}

/// A chunk for a worker: its place in the file, its bytes, whether the file ends with it.
struct Job {
    index: usize,
    chunk: Vec<u8>,
    at_eof: bool,
}

/// What a worker found in a chunk, rows counted from the chunk's first record.
struct Done {
    index: usize,
    at_eof: bool,
    /// The chunk's bytes, back for a redo or reuse.
    chunk: Vec<u8>,
    /// Records counted, how the scan ended and the bytes it consumed.
    scanned: io::Result<(u64, End, u64)>,
    part: Part,
    ids: LocalIds,
}

/// Checks the rows after the header `reader` has read, on `ctx.opts.threads` workers, into
/// `out` and `ids` as the sequential path would; returns the rows and the bytes read.
pub(crate) fn run<R: Read>(
    ctx: &RowCtx,
    reader: RecordReader<R>,
    out: &mut Collector,
    ids: &mut IdSet,
    progress: &mut dyn FnMut(u64),
) -> io::Result<(u64, u64)> {
    let opts = ctx.opts;
    let header_bytes = reader.position();
    let raw = ctx.header.raw_fields(ctx.schema);
    let (input, ahead, eof) = reader.into_parts();
    let mut chunker = Chunker {
        input,
        carry: ahead,
        eof,
        done: false,
        chunk_bytes: opts.chunk_bytes,
        max_line_bytes: opts.max_line_bytes,
        free: Vec::new(),
    };
    let keep = opts.max_kept;
    let all_errors = out.has_sink().then_some(SINK_CAP.max(keep));
    let id_cap = (opts.chunk_bytes / 16).max(1024);
    let threads = opts.threads.max(1);
    let (job_tx, job_rx) = sync_channel::<Job>(threads);
    let job_rx = Mutex::new(job_rx);
    let (done_tx, done_rx) = channel::<Option<Done>>();
    std::thread::scope(|s| {
        let mut workers = Vec::with_capacity(threads);
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let (job_rx, raw) = (&job_rx, &raw);
            workers.push(s.spawn(move || {
                // A panic here (a bug) must not leave the main thread waiting for this
                // worker's chunk: it is told, stops, and the join passes the panic on.
                let _notice = PanicNotice(done_tx.clone());
                let mut scratch = Scratch::new(ctx.schema);
                loop {
                    // A poisoned lock means another worker panicked: the scope reports it.
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(Job {
                        index,
                        chunk,
                        at_eof,
                    }) = job
                    else {
                        return;
                    };
                    #[cfg(test)]
                    tests::maybe_panic(&chunk);
                    let mut part = Part::new(keep, all_errors);
                    let mut local = LocalIds::new(id_cap);
                    let mut rdr = RecordReader::span(chunk, 0, opts.max_line_bytes, raw.clone());
                    let scanned = ctx
                        .scan(
                            &mut rdr,
                            Span {
                                first_row: 1,
                                at_eof,
                            },
                            &mut part,
                            &mut local,
                            &mut scratch,
                            Watch::default(),
                        )
                        .map(|(rows, end)| (rows, end, rdr.position()));
                    local.sort();
                    let done = Done {
                        index,
                        at_eof,
                        chunk: rdr.into_buf(),
                        scanned,
                        part,
                        ids: local,
                    };
                    if done_tx.send(Some(done)).is_err() {
                        // The main thread stopped taking results (an error, or a too-long row).
                        return;
                    }
                }
            }));
        }
        drop(done_tx);
        let mut merger = Merger {
            ctx,
            raw: &raw,
            out,
            ids,
            rows: 0,
            bytes: header_bytes,
            carry: None,
            stopped: false,
            scratch: None,
        };
        let result = merger.drive(&mut chunker, job_tx, &done_rx, threads, progress);
        // Dropping the receiver makes a busy worker stop after its chunk.
        drop(done_rx);
        // Joined here rather than by the scope: a join waits for the thread's end, thread-local
        // destructors included (the scope waits only for the closure), so nothing of a worker
        // is left when the report is returned.
        for w in workers {
            if let Err(panic) = w.join() {
                std::panic::resume_unwind(panic);
            }
        }
        result.map(|()| (merger.rows, merger.bytes))
    })
}

/// Tells the main thread when a worker panics (sent from the worker's unwinding).
struct PanicNotice(Sender<Option<Done>>);

impl Drop for PanicNotice {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // The main thread may already be gone: nothing to tell then.
            let _ = self.0.send(None);
        }
    }
}

/// The main thread's side: hands out chunks and takes the workers' results in file order.
struct Merger<'m, 'c, 's> {
    ctx: &'m RowCtx<'c>,
    raw: &'m [bool],
    out: &'m mut Collector<'s>,
    ids: &'m mut IdSet,
    /// Data rows taken so far.
    rows: u64,
    /// Bytes of the file taken so far.
    bytes: u64,
    /// A record still open at the end of the chunk taken last (a quoted value across the cut).
    carry: Option<Vec<u8>>,
    /// A too-long row ended the file.
    stopped: bool,
    /// Buffers for checking a chunk on this thread.
    scratch: Option<Scratch>,
}

impl Merger<'_, '_, '_> {
    fn drive<R: Read>(
        &mut self,
        chunker: &mut Chunker<R>,
        job_tx: SyncSender<Job>,
        done_rx: &Receiver<Option<Done>>,
        threads: usize,
        progress: &mut dyn FnMut(u64),
    ) -> io::Result<()> {
        let max_in_flight = 2 * threads;
        let (mut sent, mut merged) = (0usize, 0usize);
        let mut waiting: BTreeMap<usize, Done> = BTreeMap::new();
        loop {
            while !self.stopped && sent - merged < max_in_flight {
                let Some((chunk, at_eof)) = chunker.next()? else {
                    break;
                };
                let job = Job {
                    index: sent,
                    chunk,
                    at_eof,
                };
                if job_tx.send(job).is_err() {
                    return Err(io::Error::other("the validation workers stopped"));
                }
                sent += 1;
            }
            if self.stopped || sent == merged {
                return Ok(());
            }
            let Ok(Some(done)) = done_rx.recv() else {
                return Err(io::Error::other("a validation worker stopped"));
            };
            waiting.insert(done.index, done);
            while let Some(done) = waiting.remove(&merged) {
                merged += 1;
                let chunk = self.take(done)?;
                chunker.free.push(chunk);
                progress(self.bytes);
                if self.stopped {
                    return Ok(());
                }
            }
        }
    }

    /// Takes the next chunk's result in file order; gives back its buffer.
    fn take(&mut self, done: Done) -> io::Result<Vec<u8>> {
        let Done {
            at_eof,
            chunk,
            scanned,
            part,
            ids,
            ..
        } = done;
        if let Some(mut open) = self.carry.take() {
            // The worker began this chunk inside a record: check it again from that record.
            open.extend_from_slice(&chunk);
            self.check_here(open, at_eof)?;
            return Ok(chunk);
        }
        let (rows, end, consumed) = scanned?;
        if end == End::Full {
            return self.check_here(chunk, at_eof);
        }
        let first_row = self.rows + 2;
        self.out.absorb(part, first_row);
        self.ids.extend_sorted(ids, first_row)?;
        self.rows += rows;
        Ok(self.ended(end, consumed, chunk))
    }

    /// Checks `chunk` (beginning at a record) on this thread, straight into the file's
    /// collector and id set; gives back its buffer.
    fn check_here(&mut self, chunk: Vec<u8>, at_eof: bool) -> io::Result<Vec<u8>> {
        let ctx = self.ctx;
        let scratch = self.scratch.get_or_insert_with(|| Scratch::new(ctx.schema));
        let mut rdr = RecordReader::span(chunk, 0, ctx.opts.max_line_bytes, self.raw.to_vec());
        let span = Span {
            first_row: self.rows + 2,
            at_eof,
        };
        let (rows, end) = ctx.scan(
            &mut rdr,
            span,
            &mut *self.out,
            &mut *self.ids,
            scratch,
            Watch::default(),
        )?;
        self.rows += rows;
        let consumed = rdr.position();
        Ok(self.ended(end, consumed, rdr.into_buf()))
    }

    /// Accounts for how a chunk's scan ended after `consumed` of its bytes.
    fn ended(&mut self, end: End, consumed: u64, chunk: Vec<u8>) -> Vec<u8> {
        match end {
            End::Done => self.bytes += consumed,
            End::Open(start) => {
                self.bytes += start;
                // `start` is a position in this chunk, which is in memory.
                let at = usize::try_from(start)
                    .unwrap_or(chunk.len())
                    .min(chunk.len());
                self.carry = Some(chunk[at..].to_vec());
            }
            End::TooLong => {
                self.out
                    .push(Severity::Error, too_long(self.rows + 1, self.ctx.opts));
                self.bytes += consumed;
                self.stopped = true;
            }
            // The file's collector and id set never fill up: they spill or only count.
            End::Full => unreachable!("a scan into the file's own collector stopped as full"),
        }
        chunk
    }
}

#[cfg(test)]
mod tests {
    use crate::schema::Schemas;
    use crate::{validate, Options};

    /// Bytes that make a worker panic, standing in for a bug.
    const PANIC: &[u8] = b"\0a worker panics on this chunk\0";

    pub(super) fn maybe_panic(chunk: &[u8]) {
        if chunk.windows(PANIC.len()).any(|w| w == PANIC) {
            panic!("planted panic");
        }
    }

    #[test]
    fn a_panic_in_a_worker_reaches_the_caller_instead_of_hanging() {
        let header = Schemas::builtin()
            .unwrap()
            .get("card")
            .unwrap()
            .header_line();
        let mut file = format!("{header}\n").into_bytes();
        for i in 0..2_000 {
            if i == 1_500 {
                file.extend_from_slice(PANIC);
            }
            file.extend_from_slice(b"a|b\n");
        }
        let opts = Options {
            threads: 2,
            chunk_bytes: 256,
            ..Options::default()
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let s = Schemas::builtin().unwrap();
            let schema = s.get("card").unwrap();
            let r = std::panic::catch_unwind(|| {
                validate(schema, &s.refdata, &file[..], &opts, &mut |_| {}).map(|r| r.rows)
            });
            let _ = tx.send(r.is_err());
        });
        // A hang would be the bug: give up waiting long after any run could end.
        let panicked = rx.recv_timeout(std::time::Duration::from_secs(120));
        assert_eq!(panicked, Ok(true));
    }
}
