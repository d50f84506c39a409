//! The text log format of `crossram serve`: one line per event,
//! `2026-01-02T03:04:05.123456Z  INFO crossram::request: request request_id=... status=200`.
//!
//! It reads like tracing-subscriber's default format, but writes a string value as it is when
//! it needs no quoting (ids, ARNs, codes: nearly every value of a request line) instead of
//! `Debug`-escaping every character, and never writes colour codes. Values with spaces, quotes,
//! backslashes or control characters, and empty ones, are written quoted and escaped, so a line
//! always splits into `key=value` pairs unambiguously.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The event formatter (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LineFormat;

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        if let Some(stamp) = stamp() {
            // Only ASCII digits and punctuation are ever written into it.
            writer.write_str(std::str::from_utf8(&stamp).unwrap_or_default())?;
        }
        writer.write_str(match *meta.level() {
            Level::ERROR => " ERROR ",
            Level::WARN => "  WARN ",
            Level::INFO => "  INFO ",
            Level::DEBUG => " DEBUG ",
            Level::TRACE => " TRACE ",
        })?;
        writer.write_str(meta.target())?;
        writer.write_char(':')?;
        let mut visitor = Fields {
            out: &mut writer,
            result: Ok(()),
        };
        event.record(&mut visitor);
        visitor.result?;
        writer.write_char('\n')
    }
}

/// The machine's time as `YYYY-MM-DDThh:mm:ss.uuuuuuZ`. The part up to the seconds is formatted
/// once per second per thread and kept; each line writes only its microseconds. (Converting every
/// reading to a calendar date cost more than anything else in a request's line.)
fn stamp() -> Option<[u8; 27]> {
    #[expect(
        clippy::disallowed_methods,
        reason = "log lines carry the machine's time, never an emulated clock, like SystemClock"
    )]
    let now = std::time::SystemTime::now();
    stamp_at(now.duration_since(std::time::UNIX_EPOCH).ok()?)
}

/// [`stamp`] for a time given as its distance from the Unix epoch.
fn stamp_at(since_epoch: std::time::Duration) -> Option<[u8; 27]> {
    thread_local! {
        static SECOND: std::cell::Cell<Option<(u64, [u8; 20])>> = const { std::cell::Cell::new(None) };
    }
    let secs = since_epoch.as_secs();
    let head = match SECOND.get() {
        Some((cached, head)) if cached == secs => head,
        _ => {
            let t = time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()?;
            let full = crossram_engine::env::utc_stamp(t)?;
            let head: [u8; 20] = full.as_bytes().get(..20)?.try_into().ok()?;
            SECOND.set(Some((secs, head)));
            head
        }
    };
    let mut out = *b"0000-00-00T00:00:00.000000Z";
    let (date_time, fraction) = out.split_at_mut(20);
    date_time.copy_from_slice(&head);
    let mut micros = since_epoch.subsec_micros();
    for digit in fraction.iter_mut().take(6).rev() {
        // `micros % 10` is below 10, so the cast cannot truncate.
        *digit = b'0' + (micros % 10) as u8;
        micros /= 10;
    }
    Some(out)
}

/// Writes each field as ` name=value` (the message as ` text`).
struct Fields<'w, 'a> {
    out: &'w mut Writer<'a>,
    result: fmt::Result,
}

impl Fields<'_, '_> {
    fn put(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        self.result = (|| {
            self.out.write_char(' ')?;
            if field.name() != "message" {
                self.out.write_str(field.name())?;
                self.out.write_char('=')?;
            }
            value(self.out)
        })();
    }
}

/// The bytes a value may contain and still be written without quotes: printable ASCII except
/// `"`, `\\` and `=`.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time, where an index out of range fails the build"
)]
const BARE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_graphic() && b != b'"' && b != b'\\' && b != b'=';
        i += 1;
    }
    t
};

/// True when `s` can be written without quotes and still be read back as one value.
fn is_bare(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| BARE.get(usize::from(b)).copied().unwrap_or(false))
}

impl Visit for Fields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let message = field.name() == "message";
        self.put(field, |w| {
            if message || is_bare(value) {
                w.write_str(value)
            } else {
                write!(w, "{value:?}")
            }
        });
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, |w| w.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, |w| write!(w, "{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, |w| write!(w, "{value:?}"));
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use crossram_engine::Clock as _;

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn capture(f: impl FnOnce()) -> String {
        let buf = Buffer::default();
        let sink = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .event_format(LineFormat)
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = buf.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }

    #[test]
    fn plain_values_are_bare_and_others_are_quoted() {
        let line = capture(|| {
            tracing::info!(
                target: "crossram::request",
                request_id = "A954-80",
                caller = "acs:ram::123:role/ops",
                note = "two words",
                empty = "",
                quote = "a\"b",
                status = 403u64,
                "request"
            );
        });
        let (stamp, rest) = line.split_once(' ').unwrap_or_default();
        assert_eq!(stamp.len(), "2026-01-02T03:04:05.123456Z".len(), "{line}");
        assert!(
            time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339)
                .is_ok(),
            "{line}"
        );
        assert_eq!(
            rest,
            " INFO crossram::request: request request_id=A954-80 caller=acs:ram::123:role/ops \
             note=\"two words\" empty=\"\" quote=\"a\\\"b\" status=403\n"
        );
    }

    #[test]
    fn stamps_match_the_full_formatter_within_and_across_seconds() {
        use std::time::Duration;
        // In order: two readings within one second (the second uses the cached date), then the
        // next second, a day later, a leap day, and back to an earlier second.
        let readings = [
            Duration::new(1_767_225_599, 1_000),
            Duration::new(1_767_225_599, 999_999_999),
            Duration::new(1_767_225_600, 0),
            Duration::new(1_767_312_000, 123_456_000),
            Duration::new(1_709_164_800, 42_000),
            Duration::new(1_767_225_599, 500_000),
        ];
        for d in readings {
            let t = time::OffsetDateTime::UNIX_EPOCH + d;
            let want = crossram_engine::env::utc_stamp(t).unwrap();
            let got = stamp_at(d).unwrap();
            assert_eq!(std::str::from_utf8(&got).unwrap(), &*want, "{d:?}");
        }
        // And the machine's clock is what `stamp` reads.
        let now = stamp().unwrap();
        let now = time::OffsetDateTime::parse(
            std::str::from_utf8(&now).unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let reference = crossram_engine::SystemClock.now();
        assert!(
            (reference - now).abs() < time::Duration::seconds(2),
            "{now} vs {reference}"
        );
    }

    #[test]
    fn a_value_cannot_forge_a_field() {
        let line = capture(|| tracing::warn!(code = "x status=200", "m"));
        assert!(line.contains("code=\"x status=200\""), "{line}");
        assert!(line.contains(" WARN "), "{line}");
    }
}
