//! What every way of running the kiosk needs below the window: the data
//! folder, the database (opened, and if need be recovered), enrolling with a
//! hub, and the sync loop. The window (`app`, `ui`), the screenless station,
//! the command line, the demo and the doctor call in here; nothing here
//! knows of them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use protocol::wire::EnrollRequest;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::store::{Enrollment, Store};
use crate::sync::{HttpUplink, Syncer};

/// Creates the data folder, private to the kiosk's user: it holds the device credential.
pub fn prepare_data_dir(path: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(path).with_context(|| {
        format!(
            "cannot create the data folder {}; pass --data DIR or set KIOSK_DATA to a folder you can write",
            path.display()
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700));
    }
    Ok(path.to_path_buf())
}

pub fn open_store(data: &Path) -> anyhow::Result<Store> {
    let path = data.join("kiosk.sqlite3");
    let (store, recovery) =
        crate::store::recover::open_or_recover(&path, SystemClock::new().now_ms())
            .with_context(|| format!("cannot open the kiosk database {}", path.display()))?;
    if let Some(r) = recovery {
        tracing::error!("{r}");
        eprintln!("{r}");
    }
    Ok(store)
}

/// First boot of a provisioned board: enroll with the code the technician
/// wrote, then delete it (it is single-use). Already enrolled: just delete it.
pub fn enroll_from_file(data: &Path, file: &Path, name: Option<String>) -> anyhow::Result<()> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Provisioned {
        hub: String,
        code: String,
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let p: Provisioned = toml::from_str(&text).with_context(|| {
        format!(
            "{} is not an enrollment file (hub = \"…\", code = \"…\")",
            file.display()
        )
    })?;
    if let Some(e) = open_store(data)?.enrollment()? {
        println!(
            "already enrolled with {} (center {})",
            e.hub_url, e.center_name
        );
    } else {
        enroll(data, &p.hub, &p.code, name, false)?;
    }
    std::fs::remove_file(file)
        .with_context(|| format!("enrolled, but cannot delete {}", file.display()))?;
    Ok(())
}

/// What an enrollment made of this kiosk.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolled {
    pub device_id: u64,
    pub center_id: u64,
    pub center_name: String,
    /// Why the first sync (the roster) failed, when it did; it is retried.
    pub first_sync: Option<String>,
}

impl std::fmt::Display for Enrolled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "enrolled as device {} of center {} ({})",
            self.device_id, self.center_id, self.center_name
        )
    }
}

/// Enrolls and says so on the terminal (the command line's `enroll`).
pub fn enroll(
    data: &Path,
    hub: &str,
    code: &str,
    name: Option<String>,
    force: bool,
) -> anyhow::Result<()> {
    let done = enroll_quietly(data, hub, code, name, force)?;
    if let Some(e) = &done.first_sync {
        eprintln!("enrolled, but the first sync failed (it will be retried): {e}");
    }
    println!("{done}");
    Ok(())
}

/// Enrolls this kiosk with a hub and a one-time code, learning the roster
/// at once; prints nothing (the station's standard output is its answers).
pub fn enroll_quietly(
    data: &Path,
    hub: &str,
    code: &str,
    name: Option<String>,
    force: bool,
) -> anyhow::Result<Enrolled> {
    let mut store = open_store(data)?;
    if let Some(e) = store.enrollment()?
        && !force
    {
        bail!(
            "this kiosk is already enrolled with {} (center {}); add --force to enroll again",
            e.hub_url,
            e.center_name
        );
    }
    let device_name = name.unwrap_or_else(|| {
        std::fs::read_to_string("/etc/hostname")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "kiosk".into())
    });
    let request = EnrollRequest {
        code: code.trim().to_string(),
        device_name,
        software_version: env!("CARGO_PKG_VERSION").into(),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let response = rt
        .block_on(crate::sync::http::enroll(hub, &request))
        .with_context(|| format!("enrollment with {hub} failed"))?;
    let keys: Vec<(u16, String)> = response
        .signing_keys
        .iter()
        .map(|k| (k.key_id, k.public_key.clone()))
        .collect();
    anyhow::ensure!(
        keys.iter()
            .all(|(_, k)| protocol::token::decode_public_key(k).is_some()),
        "the hub sent a signing key this kiosk cannot read"
    );
    // The content root the kiosk trusts from now on (a new enrollment
    // starts that trust afresh).
    if let Some(root) = &response.content_root {
        crate::content::update::trust_root(data, root)
            .context("cannot keep the hub's content root")?;
    }
    store.save_enrollment(
        &Enrollment {
            hub_url: hub.trim_end_matches('/').to_string(),
            device_id: response.device_id,
            device_token: response.device_token,
            center_id: response.center.id,
            center_name: response.center.name.clone(),
            time_zone: response.center.time_zone.clone(),
            card_key: response.card_key.clone(),
        },
        &keys,
    )?;
    // Learn the roster now, so member numbers work before the first scan.
    let first_sync = sync_once(data, &rt, false).err().map(|e| format!("{e:#}"));
    Ok(Enrolled {
        device_id: response.device_id,
        center_id: response.center.id,
        center_name: response.center.name,
        first_sync,
    })
}

/// One round now; with `wait_for_fetch`, a release it starts to download
/// is waited for too (`kiosk sync`), else left to the sync loop.
pub fn sync_once(
    data: &Path,
    rt: &tokio::runtime::Runtime,
    wait_for_fetch: bool,
) -> anyhow::Result<crate::sync::SyncReport> {
    let store = open_store(data)?;
    let Some(e) = store.enrollment()? else {
        bail!(
            "this kiosk is not enrolled yet; run `kiosk --data DIR enroll --hub URL --code CODE`"
        );
    };
    let timeout = Config::load(data).hub_timeout();
    let uplink = HttpUplink::new(&e.hub_url, &e.device_token, timeout)?;
    let mut syncer = Syncer::new(store, uplink).with_content(updater(data, &e, timeout)?, None);
    if wait_for_fetch {
        syncer = syncer.waiting_for_fetch().with_releases();
    }
    let now = SystemClock::new().now_ms();
    Ok(rt.block_on(syncer.sync_once(now))?)
}

/// Starts the sync loop on a tokio runtime beside the caller, when enrolled.
/// The signed-content checker for an enrolled kiosk.
fn updater(
    data: &Path,
    e: &Enrollment,
    timeout: std::time::Duration,
) -> anyhow::Result<crate::content::update::Updater> {
    Ok(crate::content::update::Updater::new(
        data,
        &e.hub_url,
        e.center_id,
        crate::sync::http::download_client(timeout)?,
    ))
}

/// Starts the sync loop on `rt` for an enrolled kiosk; false (and nothing
/// started) for one not enrolled yet.
pub fn spawn_sync(
    rt: &tokio::runtime::Handle,
    data: &Path,
    config: &Config,
    on_content: Option<crate::sync::OnContent>,
    wake: Arc<tokio::sync::Notify>,
    releases: bool,
) -> anyhow::Result<bool> {
    let store = open_store(data)?;
    let Some(e) = store.enrollment()? else {
        return Ok(false);
    };
    let uplink = HttpUplink::new(&e.hub_url, &e.device_token, config.hub_timeout())?;
    let mut syncer = Syncer::new(store, uplink)
        .with_retention_days(config.keep_days)
        .with_content(updater(data, &e, config.hub_timeout())?, on_content);
    if releases {
        syncer = syncer.with_releases();
    }
    let interval = std::time::Duration::from_secs(u64::from(config.sync_interval_seconds));
    let clock = SystemClock::new();
    rt.spawn(crate::sync::run(syncer, interval, wake, move || {
        clock.now_ms()
    }));
    Ok(true)
}

/// With `releases`, the loop also fetches the kiosk's software releases
/// (the touchscreen, which installs them).
pub fn start_sync(
    data: &Path,
    config: &Config,
    on_content: Option<crate::sync::OnContent>,
    releases: bool,
) -> anyhow::Result<(tokio::runtime::Runtime, Arc<tokio::sync::Notify>)> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("kiosk-sync")
        .enable_all()
        .build()?;
    let wake = Arc::new(tokio::sync::Notify::new());
    if !spawn_sync(
        rt.handle(),
        data,
        config,
        on_content,
        wake.clone(),
        releases,
    )? {
        tracing::warn!(
            "not enrolled: check-ins are kept on this device until it is enrolled with a hub"
        );
    }
    Ok((rt, wake))
}

/// Writes a line to stdout and flushes, so a reading script sees it at once.
pub fn emit(line: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}
