//! Newline-delimited framing on stdin and stdout.
//!
//! Each side runs on its own OS thread with blocking I/O: stdio is not a socket,
//! and a plain thread is cheaper than tokio's per-read hop to its blocking pool.
//! The reader hands whole lines to the relay; the writer is the only code that
//! touches stdout, so lines are never interleaved.

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::mpsc;

use super::jsonrpc::Message;

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

/// Split `reader` into lines, calling `emit` for each; stops when `emit` returns
/// false. A final line without a newline is still a line.
pub fn read_lines(
    reader: &mut impl BufRead,
    max: usize,
    mut emit: impl FnMut(Input) -> bool,
) -> std::io::Result<()> {
    let mut line = Vec::new();
    // Bytes of the current line thrown away because it is too long.
    let mut discarded = 0usize;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            if discarded > 0 {
                emit(Input::TooLong(discarded + line.len()));
            } else if !line.is_empty() {
                emit(Input::Line(line));
            }
            return Ok(());
        }
        let (part, consumed, complete) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (&chunk[..i], i + 1, true),
            None => (chunk, chunk.len(), false),
        };
        if discarded > 0 || line.len() + part.len() > max {
            discarded += line.len() + part.len();
            line = Vec::new();
        } else {
            line.extend_from_slice(part);
        }
        reader.consume(consumed);
        if complete {
            let item = if discarded > 0 {
                Input::TooLong(std::mem::take(&mut discarded))
            } else {
                Input::Line(std::mem::take(&mut line))
            };
            if !emit(item) {
                return Ok(());
            }
        }
    }
}

/// The one writer of stdout.
#[derive(Clone)]
pub struct Output {
    tx: mpsc::Sender<Bytes>,
    /// Ids of the server's requests the host has yet to answer: an answer
    /// to anything else is the host's mistake and goes nowhere.
    asked: Arc<Mutex<HashSet<String>>>,
}

impl Output {
    /// Queue one message (without its newline). Returns false when stdout is gone.
    pub async fn send(&self, message: Bytes) -> bool {
        self.tx.send(message).await.is_ok()
    }

    /// Queue a message from the server, noting it if it is a request.
    pub async fn send_from_server(&self, message: Message) -> bool {
        if let Some(id) = message.request_id() {
            self.asked
                .lock()
                .expect("asked lock")
                .insert(id.to_string());
        }
        self.send(message.bytes).await
    }

    /// Whether the server asked the host something with this id (and forget
    /// it: each request gets one answer).
    pub fn take_asked(&self, id: &Value) -> bool {
        self.asked
            .lock()
            .expect("asked lock")
            .remove(&id.to_string())
    }
}

/// Start the stdout writer thread. It ends, after flushing, when every
/// [`Output`] clone is dropped, or when stdout is closed by the host.
pub fn spawn_writer<W: Write + Send + 'static>(out: W) -> (Output, std::thread::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel::<Bytes>(1024);
    let handle = std::thread::Builder::new()
        .name("stdout".into())
        .spawn(move || {
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
            while let Some(first) = rx.blocking_recv() {
                let mut message = Some(first);
                // Write everything already queued, then flush once.
                while let Some(m) = message {
                    if out
                        .write_all(&m)
                        .and_then(|_| out.write_all(b"\n"))
                        .is_err()
                    {
                        tracing::debug!("stdout closed by the host");
                        return;
                    }
                    message = rx.try_recv().ok();
                }
                if out.flush().is_err() {
                    tracing::debug!("stdout closed by the host");
                    return;
                }
            }
        })
        .expect("spawning the stdout thread");
    let output = Output {
        tx,
        asked: Arc::default(),
    };
    (output, handle)
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
