//! Wall time plus what the kiosk knows about how far to trust it.
//!
//! Boards without a real-time clock boot in the past; every event therefore
//! carries the boot id and time since boot, so the hub can re-time a boot's
//! events once it learns the true time.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use protocol::wire::ClockInfo;

/// The source of "now" for the check-in engine; tests substitute their own.
pub trait Clock {
    /// Wall time, unix milliseconds.
    fn now_ms(&self) -> i64;
    fn info(&self) -> ClockInfo;
}

/// The system clock, with the boot id and time since boot read once at start.
pub struct SystemClock {
    boot_id: String,
    uptime_at_start_ms: u64,
    start: Instant,
}

impl SystemClock {
    pub fn new() -> Self {
        let boot_id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".to_string());
        let uptime_at_start_ms = std::fs::read_to_string("/proc/uptime")
            .ok()
            .and_then(|s| {
                s.split_whitespace()
                    .next()
                    .and_then(|f| f.parse::<f64>().ok())
            })
            .map(|secs| (secs * 1000.0) as u64)
            .unwrap_or(0);
        SystemClock {
            boot_id,
            uptime_at_start_ms,
            start: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

static TRUSTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Treat this machine's clock as synchronised from now on (the demo, where
/// hub and kiosk share one clock).
pub fn trust_this_clock() {
    TRUSTED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// systemd-timesyncd creates this file once the clock is synchronised;
/// chrony users can touch it from a hook. `KIOSK_CLOCK_SYNCHRONIZED=1` forces it.
pub fn clock_synchronized() -> bool {
    TRUSTED.load(std::sync::atomic::Ordering::Relaxed)
        || std::env::var("KIOSK_CLOCK_SYNCHRONIZED").is_ok_and(|v| v == "1")
        || std::path::Path::new("/run/systemd/timesync/synchronized").exists()
}

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            // A clock before 1970 is possible on a board with no RTC.
            Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
        }
    }

    fn info(&self) -> ClockInfo {
        ClockInfo {
            boot_id: self.boot_id.clone(),
            monotonic_ms: self.uptime_at_start_ms
                + u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX),
            synchronized: clock_synchronized(),
        }
    }
}

/// A clock the test moves by hand.
#[derive(Debug, Clone)]
pub struct ManualClock {
    pub now_ms: std::rc::Rc<std::cell::Cell<i64>>,
}

impl ManualClock {
    pub fn at(now_ms: i64) -> Self {
        ManualClock {
            now_ms: std::rc::Rc::new(std::cell::Cell::new(now_ms)),
        }
    }

    pub fn advance_ms(&self, ms: i64) {
        self.now_ms.set(self.now_ms.get() + ms);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now_ms.get()
    }

    fn info(&self) -> ClockInfo {
        ClockInfo {
            boot_id: "manual".into(),
            monotonic_ms: u64::try_from(self.now_ms.get()).unwrap_or(0),
            synchronized: true,
        }
    }
}
