//! Life under systemd (`Type=notify`): say when the kiosk is ready, feed the
//! watchdog, say when it stops. Outside systemd (no `NOTIFY_SOCKET`) every
//! call does nothing.
//!
//! The UI feeds the watchdog from a timer on its own event loop, so a UI
//! thread that hangs stops the pings and systemd restarts the kiosk; the
//! headless station feeds it from its input loop.

use std::time::Duration;

use sd_notify::NotifyState;

/// Tells systemd the kiosk is up, with a line for `systemctl status`.
pub fn ready(status: &str) {
    if let Err(e) = sd_notify::notify(&[NotifyState::Ready, NotifyState::Status(status)]) {
        tracing::warn!("cannot tell systemd the kiosk is ready: {e}");
    }
}

/// How often to feed the watchdog: half its timeout, when one is set.
pub fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|timeout| timeout / 2)
}

/// One "still alive" to the watchdog.
pub fn alive() {
    if let Err(e) = sd_notify::notify(&[NotifyState::Watchdog]) {
        tracing::warn!("cannot feed the watchdog: {e}");
    }
}

/// Set once the kiosk stops on purpose: what fails after it (a check cut
/// off by the shutdown) is no fault to report.
static STOPPING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Tells systemd the kiosk is stopping on purpose.
pub fn stopping() {
    STOPPING.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = sd_notify::notify(&[NotifyState::Stopping]);
}

/// Whether the kiosk is stopping on purpose.
pub fn is_stopping() -> bool {
    STOPPING.load(std::sync::atomic::Ordering::SeqCst)
}
