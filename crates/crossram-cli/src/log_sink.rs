//! Where `crossram serve` writes its log lines: into a buffer in memory, which a thread of its
//! own writes out every [`INTERVAL`] (sooner once [`HIGH_WATER`] bytes wait), so that no request
//! waits for a `write(2)` of its log line. A request's line cost about 3 µs of its latency when
//! it was written straight to stderr; appending to the buffer costs a lock and a copy.
//!
//! Lines keep their order: whoever takes the buffer out holds the output lock from before taking
//! it until it is written. Dropping the [`Flusher`] writes whatever is left, so a clean stop
//! loses nothing; a process killed outright loses at most the last [`INTERVAL`] of lines.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::Mutex;
use tracing_subscriber::fmt::MakeWriter;

/// How often the flusher writes the buffer out.
pub(crate) const INTERVAL: Duration = Duration::from_millis(10);
/// Buffered bytes at which the writer of a line writes the buffer out itself.
pub(crate) const HIGH_WATER: usize = 256 * 1024;

struct Shared {
    buffer: Mutex<Vec<u8>>,
    out: Mutex<Output>,
    stopped: AtomicBool,
}

/// The destination, and the empty buffer that is swapped in for the full one.
struct Output {
    writer: Box<dyn Write + Send>,
    spare: Vec<u8>,
}

impl Shared {
    /// Writes out everything buffered so far, in order.
    ///
    /// The two buffers trade places and keep their capacity, so lines are appended to memory
    /// that is already there: a fresh buffer per flush grew by reallocation on the request path,
    /// touching new pages each time (about 5% of a CreateRole's server time).
    fn flush(&self) {
        let mut out = self.out.lock();
        let Output { writer, spare } = &mut *out;
        std::mem::swap(&mut *self.buffer.lock(), spare);
        if !spare.is_empty() {
            // A log that cannot be written has nowhere to report it; the lines are dropped.
            let _ = writer.write_all(spare);
            let _ = writer.flush();
            spare.clear();
        }
    }
}

/// The `MakeWriter` handed to tracing-subscriber.
#[derive(Clone)]
pub(crate) struct LogSink {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for LogSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogSink").finish_non_exhaustive()
    }
}

/// Owns the flushing thread; dropping it stops the thread and writes what is left.
#[derive(Debug)]
pub(crate) struct Flusher {
    sink: LogSink,
    thread: Option<JoinHandle<()>>,
}

/// A sink writing to `out` and the flusher that drains it.
pub(crate) fn sink(out: Box<dyn Write + Send>) -> (LogSink, Flusher) {
    let sink = LogSink {
        shared: Arc::new(Shared {
            buffer: Mutex::new(Vec::with_capacity(64 * 1024)),
            out: Mutex::new(Output {
                writer: out,
                spare: Vec::with_capacity(64 * 1024),
            }),
            stopped: AtomicBool::new(false),
        }),
    };
    let shared = sink.shared.clone();
    let thread = std::thread::Builder::new()
        .name("crossram-log".into())
        .spawn(move || {
            while !shared.stopped.load(Ordering::Acquire) {
                std::thread::park_timeout(INTERVAL);
                shared.flush();
            }
        })
        .ok();
    let flusher = Flusher {
        sink: sink.clone(),
        thread,
    };
    (sink, flusher)
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.sink.shared.stopped.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
        self.sink.shared.flush();
    }
}

/// One line's writer (tracing-subscriber makes one per event and writes the line in one call).
#[derive(Debug)]
pub(crate) struct LineWriter<'a> {
    sink: &'a LogSink,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let shared = &self.sink.shared;
        let waiting = {
            let mut buffer = shared.buffer.lock();
            buffer.extend_from_slice(line);
            buffer.len()
        };
        // With no flusher left (stopped, or never started), or too much waiting, write now.
        if waiting >= HIGH_WATER || shared.stopped.load(Ordering::Acquire) {
            shared.flush();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogSink {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { sink: self }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().clone()).unwrap_or_default()
        }
    }

    fn line(sink: &LogSink, text: &str) {
        let _ = sink.make_writer().write(text.as_bytes());
    }

    #[test]
    fn lines_are_written_in_order_within_a_few_intervals_and_all_at_drop() {
        let out = Captured::default();
        let (sink, flusher) = sink(Box::new(out.clone()));
        line(&sink, "one\n");
        line(&sink, "two\n");
        let start = Instant::now();
        while out.text().is_empty() && start.elapsed() < INTERVAL * 100 {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(out.text(), "one\ntwo\n");
        line(&sink, "three\n");
        drop(flusher);
        assert_eq!(out.text(), "one\ntwo\nthree\n");
        // After the flusher is gone, lines go straight out.
        line(&sink, "four\n");
        assert_eq!(out.text(), "one\ntwo\nthree\nfour\n");
    }

    #[test]
    fn a_full_buffer_is_written_by_the_writer_itself() {
        let out = Captured::default();
        let (sink, flusher) = sink(Box::new(out.clone()));
        // Written before `line` returns, not at the next periodic flush.
        let big = "x".repeat(HIGH_WATER);
        line(&sink, &big);
        assert_eq!(out.text().len(), HIGH_WATER);
        drop(flusher);
    }

    #[test]
    fn flushing_keeps_the_room_of_both_buffers() {
        let out = Captured::default();
        let (sink, flusher) = sink(Box::new(out.clone()));
        let big = "y".repeat(100 * 1024);
        for round in 0..3 {
            line(&sink, &big);
            sink.shared.flush();
            // The buffer lines go into next is the one just written out, emptied: it has the
            // room the lines needed, so they are not appended to a growing fresh allocation.
            let room = sink.shared.buffer.lock().capacity();
            assert!(room >= 64 * 1024, "round {round}: {room} bytes of room");
        }
        assert_eq!(out.text().len(), 3 * big.len());
        drop(flusher);
    }

    #[test]
    fn concurrent_lines_are_never_torn_or_lost() {
        let out = Captured::default();
        let (sink, flusher) = sink(Box::new(out.clone()));
        std::thread::scope(|s| {
            for t in 0..4 {
                let sink = &sink;
                s.spawn(move || {
                    for i in 0..5_000 {
                        line(sink, &format!("t{t} line {i}\n"));
                    }
                });
            }
        });
        drop(flusher);
        let text = out.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 20_000);
        for t in 0..4 {
            let mine: Vec<usize> = lines
                .iter()
                .filter_map(|l| l.strip_prefix(&format!("t{t} line ")))
                .map(|n| n.parse().unwrap_or(usize::MAX))
                .collect();
            assert_eq!(mine, (0..5_000).collect::<Vec<_>>(), "thread {t}");
        }
    }
}
