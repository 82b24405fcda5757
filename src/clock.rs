//! Injected time, so expiry and countdowns are testable without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub trait Clock: Send + Sync {
    /// Unix seconds.
    fn now(&self) -> i64;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// A clock that stands still until told to move.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn new(now: i64) -> Self {
        FixedClock(AtomicI64::new(now))
    }
    pub fn set(&self, now: i64) {
        self.0.store(now, Ordering::SeqCst);
    }
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// `14m 03s`, `2h 05m`, `3d 04h`, `45s`; negative spans read `expired 5m 10s ago` elsewhere.
pub fn format_span(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60, s % 60);
    if d > 0 {
        format!("{d}d {h:02}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {sec:02}s")
    } else {
        format!("{sec}s")
    }
}

/// `2026-11-29 17:08:57 UTC`.
pub fn format_utc(ts: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil(ts);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02} UTC")
}

/// The first and last instants RFC 3339 can write (its years have four digits).
pub const RFC3339_MIN: i64 = -62_167_219_200;
pub const RFC3339_MAX: i64 = 253_402_300_799;

/// `2026-11-29T17:08:57Z` (RFC 3339, as Kubernetes and JSON APIs write times). A time outside
/// years 0000 to 9999 is clamped to the nearest one RFC 3339 can write (an expiry "in 10,000
/// years" is one in 9999), so the text is always a valid timestamp.
pub fn rfc3339_utc(ts: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil(ts.clamp(RFC3339_MIN, RFC3339_MAX));
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

/// Unix seconds as (year, month, day, hour, minute, second) in UTC, without a date crate
/// (Howard Hinnant's civil-from-days).
fn civil(ts: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, (secs % 3600) / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(1_795_972_137), "2026-11-29 17:08:57 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(rfc3339_utc(1_795_972_137), "2026-11-29T17:08:57Z");
    }

    #[test]
    fn rfc3339_for_every_time() {
        assert_eq!(rfc3339_utc(RFC3339_MAX), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(RFC3339_MAX + 1), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(RFC3339_MIN), "0000-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(i64::MIN), "0000-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn spans() {
        assert_eq!(format_span(843), "14m 03s");
        assert_eq!(format_span(45), "45s");
        assert_eq!(format_span(7500), "2h 05m");
        assert_eq!(format_span(3 * 86_400 + 4 * 3600), "3d 04h");
        assert_eq!(format_span(-310), "5m 10s");
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let c = FixedClock::new(100);
        assert_eq!(c.now(), 100);
        c.advance(5);
        assert_eq!(c.now(), 105);
    }
}
