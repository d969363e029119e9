//! Newline-delimited framing on stdin and stdout.
//!
//! When stdin and stdout are pipes or sockets (what every host gives a stdio
//! server), both are read and written on the runtime itself, non-blocking:
//! no thread hand-off per message. Otherwise (a terminal, a file) each side
//! runs on its own OS thread with blocking I/O, which is cheaper than tokio's
//! per-read hop to its blocking pool. Either way the reader hands whole lines
//! to the relay, and the writer is the only code that touches stdout, so lines
//! are never interleaved. See docs/runtime-and-io.md.

use crate::locked::Locked;
use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use serde_json::Value;
#[cfg(unix)]
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

use super::jsonrpc::{IdKey, Message};

/// Lines longer than this are discarded (and answered with an error) rather than
/// buffered without bound.
pub const MAX_LINE_BYTES: usize = 128 * 1024 * 1024;

/// What the reader saw on stdin.
#[derive(Debug)]
pub enum Input {
    Line(Vec<u8>),
    /// A line over [`MAX_LINE_BYTES`]; its length in bytes.
    TooLong(usize),
}

/// Start reading `input` on a thread. The channel closes at EOF or on a read error.
// At start-up, before any message: a bridge that can't have a thread can't run.
#[allow(clippy::expect_used)]
pub fn spawn_reader<R: std::io::Read + Send + 'static>(input: R) -> mpsc::Receiver<Input> {
    let (tx, rx) = mpsc::channel(256);
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            let mut reader = std::io::BufReader::with_capacity(256 * 1024, input);
            if let Err(e) = read_lines(&mut reader, MAX_LINE_BYTES, |item| {
                tx.blocking_send(item).is_ok()
            }) {
                tracing::warn!("stopped reading stdin: {e}");
            }
        })
        .expect("spawning the stdin thread");
    rx
}

/// Splits a byte stream into lines, bounded: a line over `max` bytes is
/// measured and dropped, not buffered.
struct Splitter {
    line: Vec<u8>,
    /// Bytes of the current line thrown away because it is too long.
    discarded: usize,
    max: usize,
}

impl Splitter {
    fn new(max: usize) -> Splitter {
        Splitter {
            line: Vec::new(),
            discarded: 0,
            max,
        }
    }

    /// Take what `chunk` holds of the current line. Returns the bytes used,
    /// and the line if it ended.
    fn feed(&mut self, chunk: &[u8]) -> (usize, Option<Input>) {
        let (part, consumed, complete) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (&chunk[..i], i + 1, true),
            None => (chunk, chunk.len(), false),
        };
        if self.discarded > 0 || self.line.len() + part.len() > self.max {
            self.discarded += self.line.len() + part.len();
            self.line = Vec::new();
        } else {
            self.line.extend_from_slice(part);
        }
        if !complete {
            return (consumed, None);
        }
        let item = if self.discarded > 0 {
            Input::TooLong(std::mem::take(&mut self.discarded))
        } else {
            Input::Line(std::mem::take(&mut self.line))
        };
        (consumed, Some(item))
    }

    /// At EOF: a final line without a newline is still a line.
    fn finish(self) -> Option<Input> {
        if self.discarded > 0 {
            Some(Input::TooLong(self.discarded + self.line.len()))
        } else if !self.line.is_empty() {
            Some(Input::Line(self.line))
        } else {
            None
        }
    }
}

/// Split `reader` into lines, calling `emit` for each; stops when `emit` returns
/// false. A final line without a newline is still a line.
pub fn read_lines(
    reader: &mut impl BufRead,
    max: usize,
    mut emit: impl FnMut(Input) -> bool,
) -> std::io::Result<()> {
    let mut splitter = Splitter::new(max);
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            if let Some(last) = splitter.finish() {
                emit(last);
            }
            return Ok(());
        }
        let (consumed, item) = splitter.feed(chunk);
        reader.consume(consumed);
        if let Some(item) = item
            && !emit(item)
        {
            return Ok(());
        }
    }
}

/// [`read_lines`] for a non-blocking reader on the runtime (pipes and
/// sockets on Unix; Windows always uses the threads).
#[cfg(unix)]
async fn read_lines_async<R: AsyncRead + Unpin>(
    input: R,
    max: usize,
    tx: mpsc::Sender<Input>,
) -> std::io::Result<()> {
    let mut reader = tokio::io::BufReader::with_capacity(256 * 1024, input);
    let mut splitter = Splitter::new(max);
    loop {
        let chunk = reader.fill_buf().await?;
        if chunk.is_empty() {
            if let Some(last) = splitter.finish() {
                let _ = tx.send(last).await;
            }
            return Ok(());
        }
        let (consumed, item) = splitter.feed(chunk);
        reader.consume(consumed);
        if let Some(item) = item
            && tx.send(item).await.is_err()
        {
            return Ok(());
        }
    }
}

/// What the writer is asked to do.
enum Out {
    Line(Bytes),
    /// Flush what came before, then say so.
    Flush(oneshot::Sender<()>),
}

/// The one writer of stdout.
#[derive(Clone)]
pub struct Output {
    tx: mpsc::Sender<Out>,
    /// Ids of the server's requests the host has yet to answer: an answer
    /// to anything else is the host's mistake and goes nowhere.
    asked: Arc<Mutex<HashSet<IdKey>>>,
}

impl Output {
    /// Queue one message (without its newline). Returns false when stdout is gone.
    pub async fn send(&self, message: Bytes) -> bool {
        self.tx.send(Out::Line(message)).await.is_ok()
    }

    /// Wait until everything sent so far is written and flushed (bounded:
    /// a host that stopped reading must not hold up the exit).
    pub async fn flush(&self, within: std::time::Duration) {
        let (done, flushed) = oneshot::channel();
        if self.tx.send(Out::Flush(done)).await.is_ok() {
            let _ = tokio::time::timeout(within, flushed).await;
        }
    }

    /// Queue a message from the server, noting it if it is a request.
    pub async fn send_from_server(&self, message: Message) -> bool {
        if let Some(id) = message.request_id() {
            self.asked.locked().insert(IdKey::of(id));
        }
        self.send(message.bytes).await
    }

    /// Whether the server asked the host something with this id (and forget
    /// it: each request gets one answer).
    pub fn take_asked(&self, id: &Value) -> bool {
        self.asked.locked().remove(&IdKey::of(id))
    }
}

/// Start the stdout writer thread. It ends, after flushing, when every
/// [`Output`] clone is dropped, or when stdout is closed by the host.
// At start-up, before any message: a bridge that can't have a thread can't run.
#[allow(clippy::expect_used)]
pub fn spawn_writer<W: Write + Send + 'static>(out: W) -> (Output, std::thread::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel::<Out>(1024);
    let handle = std::thread::Builder::new()
        .name("stdout".into())
        .spawn(move || {
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
            let mut flushed = Vec::new();
            while let Some(first) = rx.blocking_recv() {
                let mut item = Some(first);
                // Write everything already queued, then flush once.
                while let Some(it) = item {
                    match it {
                        Out::Line(m) => {
                            if out
                                .write_all(&m)
                                .and_then(|_| out.write_all(b"\n"))
                                .is_err()
                            {
                                tracing::debug!("stdout closed by the host");
                                return;
                            }
                        }
                        Out::Flush(done) => flushed.push(done),
                    }
                    item = rx.try_recv().ok();
                }
                if out.flush().is_err() {
                    tracing::debug!("stdout closed by the host");
                    return;
                }
                flushed.drain(..).for_each(|done| {
                    let _ = done.send(());
                });
            }
        })
        .expect("spawning the stdout thread");
    (Output::new(tx), handle)
}

impl Output {
    fn new(tx: mpsc::Sender<Out>) -> Output {
        Output {
            tx,
            asked: Arc::default(),
        }
    }
}

/// [`spawn_writer`] as a task on the runtime, for a non-blocking stdout.
#[cfg(unix)]
async fn write_lines_async<W: AsyncWrite + Unpin>(out: W, mut rx: mpsc::Receiver<Out>) {
    let mut out = tokio::io::BufWriter::with_capacity(64 * 1024, out);
    let mut flushed = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut item = Some(first);
        while let Some(it) = item {
            match it {
                Out::Line(m) => {
                    if out.write_all(&m).await.is_err() || out.write_all(b"\n").await.is_err() {
                        tracing::debug!("stdout closed by the host");
                        return;
                    }
                }
                Out::Flush(done) => flushed.push(done),
            }
            item = rx.try_recv().ok();
        }
        if out.flush().await.is_err() {
            tracing::debug!("stdout closed by the host");
            return;
        }
        flushed.drain(..).for_each(|done| {
            let _ = done.send(());
        });
    }
}

/// The bridge's stdin and stdout: on the runtime when both are pipes or
/// sockets (Unix), else on two threads. Call inside the runtime.
pub struct Stdio {
    pub input: mpsc::Receiver<Input>,
    pub output: Output,
    /// The writer thread, when there is one (joined at exit).
    pub writer_thread: Option<std::thread::JoinHandle<()>>,
}

pub fn open() -> Stdio {
    #[cfg(unix)]
    if let Some(s) = unix::open_async() {
        return s;
    }
    let input = spawn_reader(std::io::stdin());
    let (output, writer) = spawn_writer(std::io::stdout());
    Stdio {
        input,
        output,
        writer_thread: Some(writer),
    }
}

#[cfg(unix)]
mod unix {
    use std::fs::File;
    use std::os::fd::{AsFd, OwnedFd};
    use std::os::unix::fs::FileTypeExt;

    use tokio::io::{AsyncRead, AsyncWrite};
    use tokio::sync::mpsc;

    use super::{MAX_LINE_BYTES, Output, Stdio, read_lines_async, write_lines_async};

    enum Kind {
        Pipe,
        Socket,
    }

    fn kind(fd: &OwnedFd) -> Option<Kind> {
        let t = File::from(fd.try_clone().ok()?)
            .metadata()
            .ok()?
            .file_type();
        if t.is_fifo() {
            Some(Kind::Pipe)
        } else if t.is_socket() {
            Some(Kind::Socket)
        } else {
            None
        }
    }

    fn reader(fd: OwnedFd, kind: Kind) -> std::io::Result<Box<dyn AsyncRead + Unpin + Send>> {
        Ok(match kind {
            Kind::Pipe => Box::new(tokio::net::unix::pipe::Receiver::from_owned_fd(fd)?),
            Kind::Socket => Box::new(socket(fd)?),
        })
    }

    fn writer(fd: OwnedFd, kind: Kind) -> std::io::Result<Box<dyn AsyncWrite + Unpin + Send>> {
        Ok(match kind {
            Kind::Pipe => Box::new(tokio::net::unix::pipe::Sender::from_owned_fd(fd)?),
            Kind::Socket => Box::new(socket(fd)?),
        })
    }

    fn socket(fd: OwnedFd) -> std::io::Result<tokio::net::UnixStream> {
        let s = std::os::unix::net::UnixStream::from(fd);
        s.set_nonblocking(true)?;
        tokio::net::UnixStream::from_std(s)
    }

    /// Both ends on the runtime, or None (then threads do it).
    pub(super) fn open_async() -> Option<Stdio> {
        // Copies of the descriptors: std's stdin/stdout handles stay valid.
        let inp = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
        let out = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
        let (in_kind, out_kind) = (kind(&inp)?, kind(&out)?);
        let read = reader(inp, in_kind).ok()?;
        let write = writer(out, out_kind).ok()?;
        let (in_tx, input) = mpsc::channel(256);
        tokio::spawn(async move {
            if let Err(e) = read_lines_async(read, MAX_LINE_BYTES, in_tx).await {
                tracing::warn!("stopped reading stdin: {e}");
            }
        });
        let (out_tx, out_rx) = mpsc::channel(1024);
        tokio::spawn(write_lines_async(write, out_rx));
        Some(Stdio {
            input,
            output: Output::new(out_tx),
            writer_thread: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize, cap: usize) -> Vec<String> {
        let mut reader = std::io::BufReader::with_capacity(cap, input);
        let mut seen = Vec::new();
        read_lines(&mut reader, max, |item| {
            seen.push(match item {
                Input::Line(l) => String::from_utf8_lossy(&l).into_owned(),
                Input::TooLong(n) => format!("<too long: {n}>"),
            });
            true
        })
        .unwrap();
        seen
    }

    #[test]
    fn splits_lines_across_small_buffers() {
        assert_eq!(lines(b"ab\ncd\n\nef", 100, 1), vec!["ab", "cd", "", "ef"]);
        assert_eq!(lines(b"ab\ncd\n", 100, 64), vec!["ab", "cd"]);
    }

    #[test]
    fn discards_overlong_lines_and_keeps_going() {
        assert_eq!(
            lines(b"0123456789\nok\n0123456789", 5, 3),
            vec!["<too long: 10>", "ok", "<too long: 10>"]
        );
    }
}
