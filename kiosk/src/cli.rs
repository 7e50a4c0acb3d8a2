//! The command line: what the user typed becomes one resolved action here.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::TimeZone;
use clap::{Parser, Subcommand};
use protocol::wire::EnrollRequest;

use crate::checkin::Engine;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::content::ContentBundle;
use crate::store::{Enrollment, Store};
use crate::sync::{HttpUplink, Syncer};

#[derive(Parser)]
#[command(
    name = "kiosk",
    version,
    about = "Check-in kiosk for youth service centers",
    long_about = "Check-in kiosk for youth service centers.\n\n\
        First enroll with a code from the hub's admin, then run the touchscreen UI \
        (`run`) or the screenless door station (`headless`). Check-ins are stored \
        on this device first and uploaded to the hub whenever the network allows."
)]
pub struct Cli {
    /// Folder for the kiosk's database and settings (created if missing).
    #[arg(
        long,
        env = "KIOSK_DATA",
        default_value = "/var/lib/youth-kiosk",
        global = true
    )]
    pub data: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Connect this kiosk to a hub with a one-time code from an admin.
    Enroll {
        /// The hub's address, e.g. https://hub.example.org
        #[arg(long, required_unless_present = "from")]
        hub: Option<String>,
        /// The one-time code, e.g. K7QF-3M9X
        #[arg(long, required_unless_present = "from")]
        code: Option<String>,
        /// Read the hub and the code from a file written by
        /// `firmware-config provision` (`hub = "…"`, `code = "…"`); the file
        /// is deleted once the kiosk is enrolled (or found enrolled already).
        #[arg(long, conflicts_with_all = ["hub", "code"])]
        from: Option<PathBuf>,
        /// A name for this device in the hub's list (default: the host name).
        #[arg(long)]
        name: Option<String>,
        /// Enroll again even though this kiosk is already enrolled.
        #[arg(long)]
        force: bool,
    },
    /// Run the touchscreen UI.
    Run,
    /// Run without a screen: one scan per line on stdin, one JSON outcome per line on stdout.
    ///
    /// A line is a scanned code or member number, `card:HEX` for a card tap,
    /// `visitor AGE_BAND PURPOSE` (e.g. `visitor from18_to24 sports`), or a
    /// volunteer's `volunteer-in SCAN [ACTIVITY]` / `volunteer-out SCAN`. At
    /// the end of input the kiosk tries one last upload, then exits.
    Headless {
        /// Exit at end of input without a last upload.
        #[arg(long)]
        no_final_sync: bool,
    },
    /// Show the upload state: events waiting, the hub's mark, the last sync.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Upload waiting events and pull the roster once, now.
    Sync,
    /// Set the staff PIN (4–8 digits), read from standard input.
    SetPin,
    /// Bind a card to a member from this kiosk, as staff do on the staff
    /// screen; the hub and the center's other kiosks learn it at the next sync.
    BindCard {
        /// The card's UID in hex, as a reader shows it.
        #[arg(long)]
        uid: String,
        #[arg(long)]
        member: u32,
    },
    /// Write a day's or a month's attendance as CSV (display names only), to a
    /// USB stick or a folder, as the staff screen's export does.
    Export {
        /// A day (YYYY-MM-DD or `today`) or a month (YYYY-MM or `month`).
        #[arg(long, default_value = "today")]
        period: String,
        /// The folder to write into (default: the USB stick that is plugged in).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Staff cards: a tap on the reader opens the staff screen (as the PIN does).
    StaffCard {
        #[command(subcommand)]
        action: StaffCardAction,
    },
    /// List the display, scanners, card readers, storage and hub link, and
    /// what is wrong with each.
    Doctor,
    /// Start a hub with sample data and an enrolled kiosk, in one step.
    Demo(crate::demo::DemoArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Plain text for the journal and for files; colours on a terminal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo(args) => crate::demo::run(args),
        command => {
            let data = prepare_data_dir(&cli.data)?;
            match command {
                Command::Enroll {
                    hub,
                    code,
                    from,
                    name,
                    force,
                } => match (from, hub, code) {
                    (Some(file), _, _) => enroll_from_file(&data, &file, name),
                    (None, Some(hub), Some(code)) => enroll(&data, &hub, &code, name, force),
                    _ => bail!("give --hub and --code, or --from FILE"),
                },
                Command::Run => run_ui(&data, false),
                Command::Headless { no_final_sync } => {
                    crate::headless::run(&data, &Config::load(&data), !no_final_sync)
                }
                Command::Status { json } => status(&data, json),
                Command::Sync => sync_now(&data),
                Command::SetPin => set_pin(&data),
                Command::BindCard { uid, member } => {
                    let config = Config::load(&data);
                    let uid = protocol::card::parse_uid_hex(&uid)
                        .context("the UID must be 4 to 16 bytes in hex, e.g. 04A1B2C3")?;
                    let mut engine = Engine::new(
                        open_store(&data)?,
                        SystemClock::new(),
                        config.repeat_window_minutes,
                    )?;
                    let name = engine
                        .bind_card(&uid, member)
                        .map_err(|r| anyhow::anyhow!("{}", r.message(false)))?;
                    println!(
                        "card bound to member {member} ({name}); it reaches the hub with the next sync"
                    );
                    Ok(())
                }
                Command::StaffCard { action } => staff_card(&data, action),
                Command::Export { period, out } => export(&data, &period, out),
                Command::Doctor => {
                    let config = Config::load(&data);
                    if crate::doctor::print(&crate::doctor::check(&data, &config)) {
                        Ok(())
                    } else {
                        bail!("some checks failed (marked !! above)")
                    }
                }
                Command::Demo(_) => unreachable_demo(),
            }
        }
    }
}

#[derive(Subcommand)]
pub enum StaffCardAction {
    /// Register a card (its UID in hex) as a staff card, with a label that
    /// voids and other staff actions are signed with, e.g. a name or a role.
    Add {
        #[arg(long)]
        uid: String,
        #[arg(long)]
        label: String,
    },
    Remove {
        #[arg(long)]
        uid: String,
    },
    /// The labels of the staff cards (never their UIDs, which are not kept).
    List,
}

fn staff_card(data: &Path, action: StaffCardAction) -> anyhow::Result<()> {
    let config = Config::load(data);
    let engine = Engine::new(
        open_store(data)?,
        SystemClock::new(),
        config.repeat_window_minutes,
    )?;
    let uid = |hex: &str| {
        protocol::card::parse_uid_hex(hex)
            .context("the UID must be 4 to 16 bytes in hex, e.g. 04A1B2C3")
    };
    match action {
        StaffCardAction::Add { uid: hex, label } => {
            anyhow::ensure!(
                !label.trim().is_empty(),
                "give the card a label, e.g. --label 前台"
            );
            engine
                .add_staff_card(&uid(&hex)?, &label)
                .map_err(|r| anyhow::anyhow!("{}", r.message(false)))?;
            println!(
                "staff card \"{}\" added: a tap opens the staff screen",
                label.trim()
            );
        }
        StaffCardAction::Remove { uid: hex } => {
            let removed = engine
                .remove_staff_card(&uid(&hex)?)
                .map_err(|r| anyhow::anyhow!("{}", r.message(false)))?;
            anyhow::ensure!(removed, "that card is not a staff card here");
            println!("staff card removed");
        }
        StaffCardAction::List => {
            for label in engine.store().staff_cards()? {
                println!("{label}");
            }
        }
    }
    Ok(())
}

fn export(data: &Path, period: &str, out: Option<PathBuf>) -> anyhow::Result<()> {
    let config = Config::load(data);
    let engine = Engine::new(
        open_store(data)?,
        SystemClock::new(),
        config.repeat_window_minutes,
    )?;
    let period = match period {
        "today" => crate::export::Period::parse(&engine.local_date_today())?,
        "month" => crate::export::Period::parse(&engine.local_date_today()[..7])?,
        other => crate::export::Period::parse(other)?,
    };
    let dir = match out {
        Some(dir) => dir,
        None => crate::export::target(config.export_dir.as_deref()).context(
            "no USB stick found (looked under /media and /run/media); plug one in, or pass --out DIR",
        )?,
    };
    let center = engine
        .store()
        .enrollment()?
        .map(|e| e.center_id)
        .unwrap_or(0);
    let path = crate::export::export(engine.store(), engine.time_zone(), center, &period, &dir)?;
    println!("{}", path.display());
    Ok(())
}

fn unreachable_demo() -> anyhow::Result<()> {
    bail!("demo is handled before the data folder is prepared")
}

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
fn enroll_from_file(data: &Path, file: &Path, name: Option<String>) -> anyhow::Result<()> {
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

pub fn enroll(
    data: &Path,
    hub: &str,
    code: &str,
    name: Option<String>,
    force: bool,
) -> anyhow::Result<()> {
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
    if let Err(e) = sync_once(data, &rt) {
        eprintln!("enrolled, but the first sync failed (it will be retried): {e:#}");
    }
    println!(
        "enrolled as device {} of center {} ({})",
        response.device_id, response.center.id, response.center.name
    );
    Ok(())
}

fn sync_once(data: &Path, rt: &tokio::runtime::Runtime) -> anyhow::Result<crate::sync::SyncReport> {
    let store = open_store(data)?;
    let Some(e) = store.enrollment()? else {
        bail!(
            "this kiosk is not enrolled yet; run `kiosk --data DIR enroll --hub URL --code CODE`"
        );
    };
    let timeout = Config::load(data).hub_timeout();
    let uplink = HttpUplink::new(&e.hub_url, &e.device_token, timeout)?;
    let mut syncer = Syncer::new(store, uplink).with_content(updater(data, &e, timeout)?, None);
    let now = SystemClock::new().now_ms();
    Ok(rt.block_on(syncer.sync_once(now))?)
}

fn sync_now(data: &Path) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = sync_once(data, &rt)?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

fn status(data: &Path, json: bool) -> anyhow::Result<()> {
    let store = open_store(data)?;
    let status = crate::store::SyncStatus {
        config_problem: Config::load(data).problem,
        ..store.sync_status()?
    };
    let enrollment = store.enrollment()?;
    let tz: chrono_tz::Tz = enrollment
        .as_ref()
        .and_then(|e| e.time_zone.parse().ok())
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let now = SystemClock::new().now_ms();
    let (date, _) = crate::checkin::local_date_hour(tz, now);
    // The staff screen's figures: the whole center's once the hub gave them.
    let today = store.center_day_stats(&date)?;
    if json {
        let mut v = serde_json::to_value(&status)?;
        v["hub_url"] = serde_json::json!(enrollment.as_ref().map(|e| e.hub_url.clone()));
        v["center_id"] = serde_json::json!(enrollment.as_ref().map(|e| e.center_id));
        v["roster_members"] = serde_json::json!(store.roster_len()?);
        // The signed content on screen (absent: the built-in content), and
        // why the last update was refused, if it was.
        v["content_version"] = serde_json::json!(
            store
                .setting(crate::content::update::SETTING_VERSION)?
                .and_then(|v| v.parse::<u64>().ok())
        );
        v["content_error"] =
            serde_json::json!(store.setting(crate::content::update::SETTING_ERROR)?);
        v["today"] = serde_json::json!({
            "date": date,
            "scope": if today.hub_as_of_ms.is_some() { "center" } else { "kiosk" },
            "hub_as_of_ms": today.hub_as_of_ms,
            "total": today.total,
            "members": today.members,
            "distinct_members": today.distinct_members,
            "visitors": today.visitors,
            "voided": today.voided,
        });
        println!("{v}");
    } else {
        let (text, _) = crate::ui::view::sync_text(&status, tz, now, true);
        match &enrollment {
            Some(e) => println!(
                "center: {} ({}) via {}",
                e.center_name, e.center_id, e.hub_url
            ),
            None => println!("not enrolled"),
        }
        println!("{text}");
        println!(
            "events recorded: {}, acknowledged by the hub: {}, waiting: {}",
            status.last_seq, status.acked_seq, status.events_waiting
        );
        if let Some(r) = &status.restored {
            let at = tz
                .timestamp_millis_opt(r.at_ms)
                .single()
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default();
            println!("{r} (found {at})");
        }
        if let Some(a) = &status.set_aside {
            println!("{a}");
        }
        let scope = match today.hub_as_of_ms {
            Some(at) => format!(
                "the whole center, from the hub at {}, with this kiosk's since",
                tz.timestamp_millis_opt(at)
                    .single()
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_default()
            ),
            None => "this kiosk only; the hub's figures come with the next sync".into(),
        };
        println!(
            "today ({date}, {scope}): {} visits, {} member check-ins ({} members), {} visitors",
            today.total, today.members, today.distinct_members, today.visitors
        );
    }
    Ok(())
}

fn set_pin(data: &Path) -> anyhow::Result<()> {
    let store = open_store(data)?;
    eprintln!("type the new staff PIN (4–8 digits) and press Enter:");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let pin = line.trim();
    crate::pin::validate(pin).map_err(|e| anyhow::anyhow!("{e}"))?;
    store.set_staff_pin_hash(&crate::pin::hash(pin)?)?;
    eprintln!("staff PIN set");
    Ok(())
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
        crate::sync::http::client(timeout)?,
    ))
}

pub fn start_sync(
    data: &Path,
    config: &Config,
    on_content: Option<crate::sync::OnContent>,
) -> anyhow::Result<(tokio::runtime::Runtime, Arc<tokio::sync::Notify>)> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("kiosk-sync")
        .enable_all()
        .build()?;
    let wake = Arc::new(tokio::sync::Notify::new());
    let store = open_store(data)?;
    match store.enrollment()? {
        Some(e) => {
            let uplink = HttpUplink::new(&e.hub_url, &e.device_token, config.hub_timeout())?;
            let syncer = Syncer::new(store, uplink)
                .with_retention_days(config.keep_days)
                .with_content(updater(data, &e, config.hub_timeout())?, on_content);
            let interval = std::time::Duration::from_secs(u64::from(config.sync_interval_seconds));
            let clock = SystemClock::new();
            rt.spawn(crate::sync::run(
                syncer,
                interval,
                wake.clone(),
                move || clock.now_ms(),
            ));
        }
        None => tracing::warn!(
            "not enrolled: check-ins are kept on this device until `kiosk enroll` connects it to a hub"
        ),
    }
    Ok((rt, wake))
}

pub fn run_ui(data: &Path, windowed: bool) -> anyhow::Result<()> {
    let mut config = Config::load(data);
    config.fullscreen &= !windowed;
    // New verified content is shown at once, without a restart.
    let folder = data.to_path_buf();
    let show: crate::sync::OnContent =
        Arc::new(move |_version| match ContentBundle::load(&folder) {
            Ok(bundle) => crate::ui::content_changed(bundle),
            Err(e) => tracing::error!("the new content cannot be read: {e:#}"),
        });
    let (rt, wake) = start_sync(data, &config, Some(show))?;
    let engine = Engine::new(
        open_store(data)?,
        SystemClock::new(),
        config.repeat_window_minutes,
    )?;
    let content = ContentBundle::load(data)?;
    let app = crate::ui::App::new().context(
        "cannot open the kiosk's screen. On a board: is the screen connected, is the kiosk's \
         user in the video and input groups, and does SLINT_DRM_OUTPUT name a connected output \
         (`kiosk doctor`)? On a desktop: is DISPLAY or WAYLAND_DISPLAY set?",
    )?;
    config.devices().start(&rt, &crate::ui::device_sink(&app));
    use slint::ComponentHandle;
    app.window().set_fullscreen(config.fullscreen);
    if let Some((w, h)) = config.window_size()? {
        app.window().set_size(slint::PhysicalSize::new(w, h));
    }
    report_first_frame(&app);
    // Somebody walking up to the motion sensor wakes the screen.
    let weak = app.as_weak();
    let signals = crate::signals::start(
        &config.signals,
        Some(Box::new(move || {
            let _ = weak.upgrade_in_event_loop(|app| {
                app.global::<crate::ui::AttractAdapter>().invoke_wake();
            });
        })),
    );
    let _kiosk = crate::ui::connect(
        &app,
        crate::ui::Kiosk::new(engine, content, config, Some(wake)).with_signals(signals.clone()),
    );
    rt.spawn(quit_on_terminate(|| {
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
    }));
    // Ready once the event loop turns (the window is up); the watchdog is fed
    // from the same loop, so a hung UI stops feeding it.
    slint::Timer::single_shot(std::time::Duration::ZERO, || {
        crate::service::ready("showing the home screen");
    });
    let watchdog = slint::Timer::default();
    if let Some(every) = crate::service::watchdog_interval() {
        watchdog.start(slint::TimerMode::Repeated, every, crate::service::alive);
    }
    let ran = app.run().context("the UI stopped with an error");
    crate::service::stopping();
    // Lights, buzzer and door relay off before going (SIGTERM included).
    if let Some(s) = &signals {
        s.stop();
    }
    ran
}

/// Waits for SIGTERM (systemd stopping the service) or SIGINT, then calls
/// `quit`, so the kiosk stops in order: outputs off, database closed.
pub async fn quit_on_terminate(quit: impl FnOnce() + Send + 'static) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot listen for SIGTERM; the kiosk stops without tidying up");
        return;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: stopping"),
        _ = int.recv() => tracing::info!("SIGINT: stopping"),
    }
    quit();
}

/// With `KIOSK_REPORT_FIRST_FRAME=1`, prints `first-frame UNIX_MS` on stdout
/// once the first frame is rendered, so a script can time start-up from
/// outside (scripts/bench-ui.sh).
fn report_first_frame(app: &crate::ui::App) {
    use slint::ComponentHandle;
    if std::env::var("KIOSK_REPORT_FIRST_FRAME").as_deref() != Ok("1") {
        return;
    }
    let mut done = false;
    let notifier = app.window().set_rendering_notifier(move |state, _| {
        if !done && matches!(state, slint::RenderingState::AfterRendering) {
            done = true;
            let _ = emit(&format!("first-frame {}", SystemClock::new().now_ms()));
        }
    });
    if let Err(e) = notifier {
        // The software renderer has no notifier: time the first turn of the
        // event loop after the window is shown instead (the first frame is
        // drawn on its first redraw, in or right after that turn).
        tracing::debug!("no rendering notifier ({e}); timing the first event-loop turn");
        slint::Timer::single_shot(std::time::Duration::ZERO, || {
            let _ = emit(&format!("first-frame {}", SystemClock::new().now_ms()));
        });
    }
}

/// Writes a line to stdout and flushes, so a reading script sees it at once.
pub fn emit(line: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}
