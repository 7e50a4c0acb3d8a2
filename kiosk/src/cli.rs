//! The command line: what the user typed becomes one resolved action here.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::TimeZone;
use clap::{Parser, Subcommand};

use crate::app::{enroll, enroll_from_file, open_store, prepare_data_dir, run_ui, sync_once};
use crate::checkin::Engine;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;

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
    // TLS's crypto for every HTTP client of the process.
    crate::sync::http::tls_provider();
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
                Command::Run => {
                    // A release from the hub runs in this one's place.
                    crate::software::launch(&data);
                    run_ui(&data, false)
                }
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

fn sync_now(data: &Path) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = sync_once(data, &rt, true)?;
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
    let tz = enrollment.as_ref().map_or(
        crate::store::DEFAULT_TIME_ZONE,
        crate::store::Enrollment::tz,
    );
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
        v["software"] = serde_json::json!({
            "running": crate::software::running().to_string(),
            "installed": crate::software::installed().to_string(),
            "state": crate::software::State::load(data),
        });
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
        println!("{}", crate::software::describe(data));
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
