//! Progress of a long `migrate` on standard error: one line redrawn in place on a terminal,
//! a line every 5 % otherwise (a log or a pipe).

use std::io::{IsTerminal, Write};
use std::time::Instant;

pub struct Progress {
    terminal: bool,
    /// Last percentage printed (non-terminal output).
    printed: Option<i64>,
    shown: bool,
    first: Option<(Instant, i64)>,
}

impl Progress {
    pub fn new() -> Self {
        Progress { terminal: std::io::stderr().is_terminal(), printed: None, shown: false, first: None }
    }

    /// After each committed batch: `copied` of `total` v1 readings.
    pub fn show(&mut self, copied: i64, total: i64) {
        let now = Instant::now();
        // The rate counts from the first batch seen here (a resumed copy starts part-way).
        let (t0, c0) = *self.first.get_or_insert((now, copied));
        let secs = now.duration_since(t0).as_secs_f64();
        let rate = if secs > 0.0 { (copied - c0) as f64 / secs } else { 0.0 };
        let pct = if total > 0 { copied * 100 / total } else { 100 };
        let left = if rate > 0.0 { (total - copied).max(0) as f64 / rate } else { 0.0 };
        let line = if rate > 0.0 {
            format!(
                "storage v2 upgrade: {copied} of {total} readings copied ({pct} %), {rate:.0} readings/s, about {left:.0} s left"
            )
        } else {
            format!("storage v2 upgrade: {copied} of {total} readings copied ({pct} %)")
        };
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let _ = write!(err, "\r{line}\x1b[K");
            let _ = err.flush();
            self.shown = true;
        } else if self.printed.is_none_or(|p| pct >= p + 5) || copied >= total {
            let _ = writeln!(err, "{line}");
            self.printed = Some(pct);
        }
    }

    /// Ends the redrawn line, if any.
    pub fn finish(&self) {
        if self.shown {
            eprintln!();
        }
    }
}
