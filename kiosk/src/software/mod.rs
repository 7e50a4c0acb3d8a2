//! The kiosk's own software, updated from the hub: which version runs, a
//! new one tried, and the way back when it does not start.
//!
//! The image's root file system is read-only and holds the kiosk as it was
//! built (the *installed* version, `/usr/bin/kiosk`). Releases the hub signs
//! (see [`protocol::release`]) are fetched in the background by [`fetch`]
//! and unpacked into the data folder, `software/<version>/usr/bin/kiosk`;
//! `software/state.json` says which one runs:
//!
//! - `current`: a release that started well, run instead of the installed one;
//! - `next`: what was fetched and waits for a quiet moment at the door (the
//!   screen's dark hours, or attract mode for `update_quiet_minutes`), when
//!   the UI makes it the `trial` and ends; systemd starts the kiosk again;
//! - `trial`: the release being tried, with the number of times it was
//!   started. Every start of `kiosk run` goes through [`launch`] in the
//!   installed binary, which counts the start and runs the trial; a trial
//!   that is still running well a while after it told systemd it is ready
//!   becomes `current` ([`settled`]). A trial that was started
//!   [`MAX_TRIAL_STARTS`] times without getting there (it exited, or
//!   systemd's start timeout or watchdog killed it) is given up: it goes on
//!   the `failed` list, never tried again, the kiosk runs what it ran before,
//!   and it tells the hub (`rolled_back_from`), which raises an alert.
//!
//! The launcher is the installed binary's own code and never changes with a
//! release, so a broken release cannot break the way back.

pub mod fetch;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use protocol::release::Version;
use serde::{Deserialize, Serialize};

/// The environment variable the launcher sets for the release it runs.
pub const RELEASE_ENV: &str = "YOUTH_KIOSK_RELEASE";
/// Starts a trial gets before it is given up.
pub const MAX_TRIAL_STARTS: u32 = 3;
/// How long a trial must run after it was ready before it is kept.
pub const SETTLE: std::time::Duration = std::time::Duration::from_secs(30);

/// The version built into this binary.
pub fn installed() -> Version {
    env!("CARGO_PKG_VERSION").parse().unwrap_or_default()
}

/// The version running now: the release the launcher started, or the
/// installed one.
pub fn running() -> Version {
    std::env::var(RELEASE_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(installed)
}

/// What waits for a quiet moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Next {
    /// A release, fetched and unpacked.
    Release(Version),
    /// Back to the installed version (the release was withdrawn).
    Installed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trial {
    pub version: Version,
    pub starts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolledBack {
    pub from: Version,
    pub at_ms: i64,
}

/// `software/state.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Version>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Next>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial: Option<Trial>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<Version>,
    /// The last trial given up, until a later one is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_back: Option<RolledBack>,
    /// Why the release the kiosk should run could not be fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The release whose fetch failed, and when: tried again only after
    /// [`fetch::RETRY_MS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_fetch: Option<(Version, i64)>,
}

/// One change of the state at a time within the kiosk (the fetch task and
/// the UI); the launcher runs before either.
static LOCK: Mutex<()> = Mutex::new(());

pub fn dir(data: &Path) -> PathBuf {
    data.join("software")
}

/// Where a release's files are unpacked.
pub fn release_dir(data: &Path, version: &Version) -> PathBuf {
    dir(data).join(version.to_string())
}

/// A release's kiosk binary.
pub fn binary(data: &Path, version: &Version) -> PathBuf {
    release_dir(data, version).join("usr/bin/kiosk")
}

impl State {
    /// The state on disk; a missing one is the installed version alone, and
    /// so is a damaged one (the installed version always works).
    pub fn load(data: &Path) -> State {
        let path = dir(data).join("state.json");
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::error!(
                    "{} cannot be read ({e}); running the installed version",
                    path.display()
                );
                State::default()
            }),
            Err(_) => State::default(),
        }
    }

    /// Writes the state in one rename, synced.
    pub fn save(&self, data: &Path) -> anyhow::Result<()> {
        use std::io::Write;
        let dir = dir(data);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let tmp = dir.join("state.json.tmp");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&serde_json::to_vec_pretty(self)?)?;
        f.sync_all()?;
        std::fs::rename(&tmp, dir.join("state.json"))?;
        std::fs::File::open(&dir)?.sync_all()?;
        Ok(())
    }

    /// Changes the state on disk under the lock; written only when it
    /// changed (every sync round plans, and the card need not be written
    /// each time).
    pub fn change<T>(data: &Path, f: impl FnOnce(&mut State) -> T) -> anyhow::Result<T> {
        let _lock = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let mut state = State::load(data);
        let before = state.clone();
        let out = f(&mut state);
        if state != before || !dir(data).join("state.json").exists() {
            state.save(data)?;
        }
        Ok(out)
    }

    /// The trial is given up: on the failed list, and said.
    fn give_up_trial(&mut self, now_ms: i64) {
        if let Some(t) = self.trial.take() {
            tracing::error!(
                version = %t.version,
                starts = t.starts,
                "release {} did not start; going back",
                t.version
            );
            if !self.failed.contains(&t.version) {
                self.failed.push(t.version.clone());
            }
            self.rolled_back = Some(RolledBack {
                from: t.version,
                at_ms: now_ms,
            });
        }
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Which release a start of the kiosk runs, with the state changed for it
/// (a trial's start counted, a trial given up). `None`: the installed one.
pub fn choose_start(state: &mut State, data: &Path, now_ms: i64) -> Option<Version> {
    if let Some(t) = state.trial.as_mut() {
        t.starts = t.starts.saturating_add(1);
        if t.starts > MAX_TRIAL_STARTS || !binary(data, &t.version).is_file() {
            state.give_up_trial(now_ms);
        } else {
            return Some(t.version.clone());
        }
    }
    match &state.current {
        Some(v) if *v > installed() && binary(data, v).is_file() => Some(v.clone()),
        _ => None,
    }
}

/// At the start of `kiosk run`: runs the release chosen in place of this
/// process (`exec`, so systemd's notifications and watchdog see it as the
/// service's main process), or returns to run the installed version. A
/// kiosk started by the launcher (`YOUTH_KIOSK_RELEASE` set) goes straight on.
pub fn launch(data: &Path) {
    if std::env::var_os(RELEASE_ENV).is_some() {
        return;
    }
    if !dir(data).join("state.json").exists() {
        return;
    }
    let mut state = State::load(data);
    let chosen = choose_start(&mut state, data, now_ms());
    if let Err(e) = state.save(data) {
        tracing::error!("cannot record the start of the kiosk's release: {e:#}");
    }
    let Some(version) = chosen else { return };
    tracing::info!(version = %version, "starting release {version}");
    let err = std::process::Command::new(binary(data, &version))
        .args(std::env::args_os().skip(1))
        .env(RELEASE_ENV, version.to_string())
        .exec();
    // Only returns when it could not be run at all.
    tracing::error!("release {version} cannot be run: {err}; running the installed version");
    let _ = State::change(data, |s| {
        if s.trial.as_ref().is_some_and(|t| t.version == version) {
            s.give_up_trial(now_ms());
        } else if s.current.as_ref() == Some(&version) {
            s.current = None;
        }
    });
}

/// The release running has been up and ready for [`SETTLE`]: a trial of it
/// is kept, and becomes what the kiosk starts from now on.
pub fn settled(data: &Path) -> anyhow::Result<()> {
    if std::env::var_os(RELEASE_ENV).is_none() {
        return Ok(());
    }
    settled_as(data, &running())
}

/// [`settled`] for the release `running`.
pub fn settled_as(data: &Path, running: &Version) -> anyhow::Result<()> {
    State::change(data, |s| {
        if s.trial.as_ref().is_some_and(|t| t.version == *running) {
            tracing::info!(version = %running, "release {running} started well: kept");
            s.trial = None;
            s.current = Some(running.clone());
            s.rolled_back = None;
        }
    })
}

/// What waits to be installed at a quiet moment, if anything.
pub fn pending(data: &Path) -> Option<Next> {
    if !dir(data).join("state.json").exists() {
        return None;
    }
    State::load(data).next
}

/// Makes what waits the version to start next; the caller then ends the
/// kiosk, and systemd starts it again through the launcher.
pub fn install_next(data: &Path) -> anyhow::Result<Option<Next>> {
    State::change(data, |s| {
        let next = s.next.take();
        match &next {
            Some(Next::Release(v)) => {
                tracing::info!(version = %v, "installing release {v}: restarting");
                s.trial = Some(Trial {
                    version: v.clone(),
                    starts: 0,
                });
            }
            Some(Next::Installed) => {
                tracing::info!("going back to the installed version: restarting");
                s.current = None;
                s.trial = None;
            }
            None => {}
        }
        next
    })
}

/// What the kiosk tells the hub of its software: the release it gave up
/// (while no later one was kept) and why a fetch failed.
pub fn report(data: &Path) -> (Option<String>, Option<String>) {
    if !dir(data).join("state.json").exists() {
        return (None, None);
    }
    let s = State::load(data);
    (s.rolled_back.map(|r| r.from.to_string()), s.error)
}

/// A line for `kiosk status`: the version running, and what waits or failed.
pub fn describe(data: &Path) -> String {
    let s = State::load(data);
    let mut line = format!("software: {} running", running());
    if running() != installed() {
        line.push_str(&format!(" (the image's own is {})", installed()));
    }
    match &s.next {
        Some(Next::Release(v)) => {
            line.push_str(&format!("; {v} fetched, installed at a quiet moment"))
        }
        Some(Next::Installed) => line.push_str("; back to the image's own at a quiet moment"),
        None => {}
    }
    if let Some(r) = &s.rolled_back {
        line.push_str(&format!("; {} did not start and was rolled back", r.from));
    }
    if let Some(e) = &s.error {
        line.push_str(&format!("; {e}"));
    }
    line
}

#[cfg(test)]
mod tests;
