//! The uplink: delivers the event outbox to the hub and pulls roster changes.
//!
//! Like a record store's sync: ask the hub for this device's high-water mark,
//! upload bounded pages above it, and move the local mark only to what the hub
//! acknowledged. A page lost on the way is simply sent again; the hub ignores
//! what it already has, so nothing is dropped and nothing counts twice.

pub mod http;

use std::sync::Arc;
use std::time::Duration;

use protocol::wire::{DailyReport, DeviceReport, EventPage, IngestResult, RosterDelta, SyncState};
use thiserror::Error;
use tokio::sync::Notify;

pub use http::HttpUplink;

use crate::store::{HubDay, Store, StoreError};

/// Rows per page: big enough to drain a backlog quickly, small enough that a
/// page fits a slow link's timeout.
pub const PAGE_ROWS: usize = 500;

/// The hub's address as phones reach it, when the hub said (the join code).
pub const SETTING_PUBLIC_URL: &str = "public_url";
/// JSON bytes per page before compression.
pub const PAGE_BYTES: usize = 256 * 1024;

#[derive(Debug, Error)]
pub enum SyncError {
    /// No answer: no network, DNS failure, timeout, connection reset.
    #[error("the hub cannot be reached ({0})")]
    Unreachable(String),
    /// The hub answered with a server error; it may recover.
    #[error("the hub had a problem (HTTP {status}): {message}")]
    Server { status: u16, message: String },
    /// The hub refused the request; retrying the same will not help.
    #[error("the hub refused the request (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the hub's answer made no sense: {0}")]
    Protocol(String),
    #[error("local storage: {0}")]
    Store(#[from] StoreError),
}

impl SyncError {
    /// True when retrying cannot help without someone acting (e.g. re-enrolling).
    pub fn is_permanent(&self) -> bool {
        matches!(self, SyncError::Refused { .. })
    }

    /// The hub refuses this kiosk's credential: unknown or taken out of
    /// service (401), or in use by another board (409). Only enrolling the
    /// kiosk again mends it.
    pub fn needs_enrollment(&self) -> bool {
        matches!(
            self,
            SyncError::Refused {
                status: 401 | 409,
                ..
            }
        )
    }
}

/// The hub as seen by the sync task; a trait so tests can stand in a fake.
#[allow(async_fn_in_trait)]
pub trait Uplink {
    /// The hub's mark for this device; the report tells the hub how the
    /// kiosk is (version, events recorded, clock).
    async fn sync_state(&self, report: &DeviceReport) -> Result<SyncState, SyncError>;
    async fn upload(&self, page: &EventPage) -> Result<IngestResult, SyncError>;
    async fn roster(&self, since: u64) -> Result<RosterDelta, SyncError>;
    /// The hub's figures for the center's local `date`, every kiosk counted.
    async fn center_day(&self, center_id: u64, date: &str) -> Result<DailyReport, SyncError>;
    /// Bytes of event pages put on the wire so far (compressed), if known.
    fn bytes_sent(&self) -> u64 {
        0
    }
}

/// What one round achieved.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub uploaded_pages: u32,
    pub uploaded_events: u64,
    /// Bytes of event pages on the wire (gzip), for the bandwidth budget.
    pub uploaded_bytes: u64,
    pub acked_seq: u64,
    pub roster_changes: u32,
    /// The signed content version shown after this round, when the hub has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_version: Option<u64>,
}

/// Called with the new version when verified content was installed.
pub type OnContent = std::sync::Arc<dyn Fn(u64) + Send + Sync>;

pub struct Syncer<U> {
    store: Store,
    uplink: U,
    /// Signed content from the hub, checked after each round's uploads.
    content: Option<(crate::content::update::Updater, Option<OnContent>)>,
    page_rows: usize,
    page_bytes: usize,
    /// Acknowledged events older than this are deleted after a good sync.
    keep_ms: Option<i64>,
    /// A one-off sync waits for a release's download; the loop does not.
    wait_for_fetch: bool,
    /// Releases of the kiosk's software are fetched: by the touchscreen,
    /// which installs them (the screenless station is not updated by them).
    releases: bool,
}

impl<U: Uplink> Syncer<U> {
    pub fn new(store: Store, uplink: U) -> Self {
        Syncer {
            store,
            uplink,
            content: None,
            page_rows: PAGE_ROWS,
            page_bytes: PAGE_BYTES,
            keep_ms: None,
            wait_for_fetch: false,
            releases: false,
        }
    }

    /// After each good sync, delete acknowledged events older than `days`.
    pub fn with_retention_days(mut self, days: u32) -> Self {
        self.keep_ms = Some(i64::from(days) * 86_400_000);
        self
    }

    /// Also check the hub for new signed content each round; `on_new` is
    /// told of a version once it is installed (the screen shows it).
    pub fn with_content(
        mut self,
        updater: crate::content::update::Updater,
        on_new: Option<OnContent>,
    ) -> Self {
        self.content = Some((updater, on_new));
        self
    }

    /// Each round waits for a release it starts to fetch (a one-off sync
    /// from the command line, which ends after its round).
    pub fn waiting_for_fetch(mut self) -> Self {
        self.wait_for_fetch = true;
        self
    }

    /// Also fetch the kiosk's software releases (see [`crate::software`]).
    pub fn with_releases(mut self) -> Self {
        self.releases = true;
        self
    }

    pub fn with_page_rows(mut self, rows: usize) -> Self {
        self.page_rows = rows.max(1);
        self
    }

    /// One round: upload everything waiting, then pull roster changes. Each
    /// acknowledged page is recorded at once, so an interrupted round loses nothing.
    pub async fn sync_once(&mut self, now_ms: i64) -> Result<SyncReport, SyncError> {
        let result = self.round(now_ms).await;
        match &result {
            Ok(_) => {
                self.store.note_sync_ok(now_ms)?;
                if let Some(keep) = self.keep_ms {
                    match self.store.prune_uploaded(now_ms.saturating_sub(keep)) {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(events = n, "old uploaded events deleted"),
                        Err(e) => tracing::warn!("cannot delete old uploaded events: {e}"),
                    }
                }
            }
            // Cut off by the kiosk's own shutdown: nothing went wrong.
            Err(_) if crate::service::is_stopping() => {}
            Err(e) => self
                .store
                .note_sync_error(&e.to_string(), e.needs_enrollment())?,
        }
        result
    }

    async fn round(&mut self, now_ms: i64) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        let bytes_before = self.uplink.bytes_sent();
        let (state, reported_last) = self.hello().await?;
        self.keep_bind_next(state.bind_next.as_ref())?;
        match &state.public_url {
            Some(url) => self.store.set_setting(SETTING_PUBLIC_URL, url)?,
            None => self.store.delete_setting(SETTING_PUBLIC_URL)?,
        }
        // Whether the center asks members to check out.
        match state.checkout_minutes {
            Some(m) => self
                .store
                .set_setting(crate::checkin::SETTING_CHECKOUT, &m.to_string())?,
            None => self
                .store
                .delete_setting(crate::checkin::SETTING_CHECKOUT)?,
        }
        // Today's and tomorrow's activities with who signed up: kept, so a
        // kiosk offline tomorrow still knows them.
        match serde_json::to_string(&state.activities) {
            Ok(json) if !state.activities.is_empty() => self
                .store
                .set_setting(crate::checkin::activities::SETTING_ACTIVITIES, &json)?,
            _ => self
                .store
                .delete_setting(crate::checkin::activities::SETTING_ACTIVITIES)?,
        }
        // After a database recovery: new events go above what the hub holds.
        let recovered = self.store.settle_recovery(state.acked_seq)?;
        let mut acked = state.acked_seq;
        let known = self.store.acked_seq()?;
        if recovered == 0 && state.acked_seq > reported_last {
            // The hub holds seqs this kiosk never numbered: its database is
            // an older copy. New check-ins now go above the hub's mark; any
            // numbered before (even while this round began) go again from
            // the kiosk's own mark, and the hub points out the first clash.
            self.store.raise_seq_floor(state.acked_seq)?;
            self.store
                .note_restore(state.acked_seq, state.acked_seq, now_ms)?;
            // Tell the hub at once under the new lineage.
            self.hello().await?;
            acked = known.min(acked);
        } else if acked > known
            && let Some(p) = state.probe.as_ref().filter(|p| p.seq > known)
            && self
                .store
                .event_clock(p.seq)?
                .is_none_or(|(boot, mono)| boot != p.boot_id || mono != p.monotonic_ms)
        {
            // Beyond what the kiosk knows was acknowledged, the hub's event
            // there is another than this kiosk's, or one it never numbered
            // (a round that found an older copy was cut short): the events
            // go again from the kiosk's own mark.
            acked = known;
        }
        self.store.set_acked_seq(acked)?;
        let mut rows = self.page_rows;
        loop {
            let events = self.store.pending_page(acked, rows, self.page_bytes)?;
            let Some(last) = events.last().map(|e| e.seq) else {
                break;
            };
            let count = events.len() as u64;
            let result = match self.uplink.upload(&EventPage { events }).await {
                // Too large for the hub (a hub with a smaller limit, or a
                // proxy's): the page goes again in halves.
                Err(SyncError::Refused { status: 413, .. }) if count > 1 => {
                    rows = (count as usize / 2).max(1);
                    tracing::warn!(
                        rows,
                        "the hub refused a page as too large; sending smaller pages"
                    );
                    continue;
                }
                other => other?,
            };
            if let Some(first) = result.clash {
                // The hub holds other events under these seqs: move ours
                // above its mark and send them from there.
                self.store.settle_restore(first, result.acked_seq, now_ms)?;
                self.hello().await?;
                acked = result.acked_seq.max(acked);
                self.store.set_acked_seq(acked)?;
                continue;
            }
            report.uploaded_events += count;
            if result.acked_seq <= acked {
                return Err(SyncError::Protocol(format!(
                    "the hub kept its mark at {} after a page up to {last}",
                    result.acked_seq
                )));
            }
            for r in &result.rejected {
                tracing::warn!(seq = r.seq, reason = %r.reason, "the hub set an event aside");
            }
            self.store.note_set_aside(&result.rejected, now_ms)?;
            acked = result.acked_seq;
            self.store.set_acked_seq(acked)?;
            report.uploaded_pages += 1;
        }
        report.acked_seq = acked;
        report.uploaded_bytes = self.uplink.bytes_sent() - bytes_before;
        let mut since = self.store.roster_revision()?;
        loop {
            let delta = self.uplink.roster(since).await?;
            report.roster_changes += u32::try_from(delta.members.len()).unwrap_or(u32::MAX);
            self.store.apply_roster(&delta)?;
            if !delta.more || delta.revision <= since {
                break;
            }
            since = delta.revision;
        }
        self.fetch_center_day(acked, now_ms).await?;
        if let Some((updater, on_new)) = &self.content {
            use crate::content::update::{Checked, Updater};
            let shown =
                Updater::shown(&self.store).map_err(|e| SyncError::Protocol(format!("{e:#}")))?;
            let (result, repo) = match updater
                .check_and_keep(shown, crate::clock::clock_synchronized(), &state.regions)
                .await
            {
                Ok((checked, repo)) => (Ok(checked), repo),
                Err(e) => (Err(e), None),
            };
            // The kiosk's own software, signed in the same repository.
            if let Some(repo) = repo.as_ref().filter(|_| self.releases) {
                let fetching = crate::software::fetch::consider(
                    updater.data(),
                    repo,
                    updater.center_id(),
                    &state.regions,
                );
                if let (Some(task), true) = (fetching, self.wait_for_fetch) {
                    let _ = task.await;
                }
            }
            if result.is_err() && crate::service::is_stopping() {
                // A check cut off by the kiosk's own shutdown refused nothing.
                return Ok(report);
            }
            if let Err(e) = Updater::record(&self.store, &result) {
                tracing::error!("cannot record the content update: {e:#}");
            }
            match result {
                Ok(Checked::Installed(v)) => {
                    report.content_version = Some(v);
                    if let Some(f) = on_new {
                        f(v);
                    }
                }
                Ok(Checked::Current(v)) => report.content_version = Some(v),
                Ok(Checked::NotSetUp) => {}
                // The uploads are done; the screen keeps what it shows.
                Err(e) => tracing::warn!("content update: {e:#}"),
            }
        }
        Ok(report)
    }

    /// Keeps the hub's request to bind the next card tapped (or clears it),
    /// unless this kiosk served that very request already and the hub has
    /// not had the binding yet.
    fn keep_bind_next(
        &mut self,
        request: Option<&protocol::wire::BindNext>,
    ) -> Result<(), SyncError> {
        use crate::checkin::{SETTING_BIND_NEXT, SETTING_BIND_NEXT_DONE};
        let served: Option<i64> = self
            .store
            .setting(SETTING_BIND_NEXT_DONE)?
            .and_then(|v| v.parse().ok());
        match request {
            Some(r) if served != Some(r.until_ms) => {
                let json = serde_json::to_string(r).unwrap_or_default();
                self.store.set_setting(SETTING_BIND_NEXT, &json)?;
            }
            _ => self.store.delete_setting(SETTING_BIND_NEXT)?,
        }
        Ok(())
    }

    /// Asks the hub for this kiosk's mark, telling it how the kiosk is;
    /// with the last seq it told.
    async fn hello(&mut self) -> Result<(SyncState, u64), SyncError> {
        let last_seq = self.store.last_seq()?;
        let (rolled_back_from, release_error) = match &self.content {
            Some((updater, _)) => crate::software::report(updater.data()),
            None => (None, None),
        };
        let report = DeviceReport {
            software_version: crate::software::running().to_string(),
            arch: Some(protocol::release::this_arch().to_string()),
            rolled_back_from,
            release_error,
            last_seq,
            clock_synchronized: crate::clock::clock_synchronized(),
            content_version: self
                .store
                .setting(crate::content::update::SETTING_VERSION)?
                .and_then(|v| v.parse().ok()),
            content_error: self.store.setting(crate::content::update::SETTING_ERROR)?,
            lineage: self.store.lineage()?,
            memory_kib: crate::memory::own_pss_kib(),
        };
        Ok((self.uplink.sync_state(&report).await?, last_seq))
    }

    /// Keeps the hub's figures for today, so the staff screen shows the
    /// whole center as the hub counts it (one visit for a member seen at two
    /// kiosks). Failing to get them does not fail the round: the uploads
    /// are done, and the staff screen falls back to this kiosk's own counts.
    async fn fetch_center_day(&mut self, acked: u64, now_ms: i64) -> Result<(), SyncError> {
        let Some(e) = self.store.enrollment()? else {
            return Ok(());
        };
        let tz = e.tz();
        let (date, _) = crate::checkin::local_date_hour(tz, now_ms);
        match self.uplink.center_day(e.center_id, &date).await {
            Ok(report) if report.date == date && report.center_id == e.center_id => {
                self.store.save_hub_day(&HubDay {
                    report,
                    acked_seq: acked,
                    fetched_at_ms: now_ms,
                })?;
            }
            Ok(other) => tracing::warn!(
                "the hub sent figures for center {} on {}, not {} on {date}",
                other.center_id,
                other.date,
                e.center_id
            ),
            Err(err) => tracing::warn!("the hub's figures for today: {err}"),
        }
        Ok(())
    }
}

/// Exponential backoff with jitter: 1 s, 2 s, 4 s … capped at five minutes,
/// each drawn between half and the whole step so kiosks that lost the network
/// together do not return together.
pub fn backoff(failures: u32) -> Duration {
    let step_ms = 1000u64.saturating_mul(1u64 << failures.min(9)).min(300_000);
    let mut b = [0u8; 8];
    let r = if getrandom::fill(&mut b).is_ok() {
        u64::from_le_bytes(b)
    } else {
        0
    };
    Duration::from_millis(step_ms / 2 + r % (step_ms / 2 + 1))
}

/// Runs rounds forever: every `interval`, at once when `wake` is notified,
/// and with backoff while the hub is away.
pub async fn run<U: Uplink>(
    mut syncer: Syncer<U>,
    interval: Duration,
    wake: Arc<Notify>,
    now_ms: impl Fn() -> i64,
) {
    let mut failures = 0u32;
    loop {
        let pause = match syncer.sync_once(now_ms()).await {
            Ok(report) => {
                if report.uploaded_pages > 0 || report.roster_changes > 0 {
                    tracing::info!(?report, "synced");
                }
                failures = 0;
                interval
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let pause = if e.is_permanent() {
                    interval.max(Duration::from_secs(300))
                } else {
                    backoff(failures)
                };
                tracing::warn!("sync failed, next try in {:.0?}: {e}", pause);
                pause
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = wake.notified() => {
                // Let a burst of scans settle into one page.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests;
