//! The admin's command line: the commands and their dispatch here, the
//! larger nouns (members, users, regions, activities, content) in files of
//! their own; `serve` hands over to [`crate::server`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::Datelike;
use clap::{Parser, Subcommand};

use crate::store::{Database, Store};

mod activity;
mod content;
mod member;
mod region;
mod user;

pub use activity::ActivityAction;
use activity::activity;
pub use content::ContentAction;
use content::content;
pub use member::MemberAction;
use member::member;
pub use region::RegionAction;
use region::region;
pub use user::UserAction;
use user::user;

#[derive(Parser)]
#[command(
    name = "hub",
    version,
    about = "Cloud hub for youth center kiosks",
    long_about = "Cloud hub for youth center kiosks: centers, members, kiosk enrollment, \
        attendance ingest and daily reports. Every command works on the data folder \
        given by --data; `report` may run while `serve` is running."
)]
pub struct Cli {
    /// Folder for the hub's database and signing key (created if missing).
    #[arg(
        long,
        env = "HUB_DATA",
        global = true,
        default_value = "/var/lib/youth-hub"
    )]
    pub data: PathBuf,
    /// A PostgreSQL database instead of the SQLite file in --data
    /// (postgres://user:password@host:5432/database): several hub replicas
    /// share one. They also share the data folder (keys and signed content).
    #[arg(long, env = "HUB_DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the kiosk API.
    Serve {
        /// Address to listen on; port 0 picks a free port (printed on the first line).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Also serve `GET /metrics` (Prometheus text format) on this
        /// address, e.g. 127.0.0.1:9464; printed on the second line. Off by
        /// default: keep it off the public network.
        #[arg(long)]
        metrics_listen: Option<String>,
        /// Connections to PostgreSQL this replica keeps (each serves one
        /// database call at a time). SQLite always uses one.
        #[arg(long, env = "HUB_DB_CONNECTIONS", default_value_t = 8,
              value_parser = clap::value_parser!(u32).range(1..=256))]
        db_connections: u32,
        /// A load balancer in front of the hub (an address or a network
        /// such as 172.16.0.0/12; repeat, or separate with commas): the
        /// address it says it forwarded for (X-Forwarded-For) is the
        /// client's, for the limit on wrong enrollment codes.
        #[arg(
            long = "trusted-proxy",
            env = "HUB_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<crate::http::limit::Cidr>,
    },
    /// Move the raw events of old months out of the database into files
    /// (archive/events-YYYY-MM.jsonl.gz in --data), each written, read back
    /// and counted before its rows are deleted; the daily counts stay
    /// forever. Also clears webhook deliveries accepted over 30 days ago and
    /// ended sessions. Safe to run again, and while `serve` runs.
    Archive {
        /// Whole months to keep besides the current one.
        #[arg(long, default_value_t = 24)]
        keep_months: u32,
        /// Archive every month before this one (YYYY-MM) instead.
        #[arg(long, conflicts_with = "keep_months")]
        before: Option<String>,
        /// Only say which months would be archived.
        #[arg(long)]
        dry_run: bool,
    },
    /// Copy every row of this hub's database into another, empty one: how a
    /// network moves from the SQLite file to PostgreSQL (`--to
    /// postgres://…`) when it outgrows one machine. Stop `serve` first;
    /// then start the hubs with --database-url set to the new one.
    CopyDatabase {
        /// The database to fill: postgres://user:password@host/database, or
        /// sqlite:///path/to/hub.sqlite3.
        #[arg(long)]
        to: String,
    },
    /// Centers: add and list.
    Center {
        #[command(subcommand)]
        action: CenterAction,
    },
    /// Print a one-time code that enrolls one kiosk into a center.
    EnrollCode {
        #[arg(long)]
        center: u64,
        /// Hours the code stays valid.
        #[arg(long, default_value_t = 168)]
        valid_hours: u32,
        /// How many codes, one a line (a center with several kiosks, or a
        /// load test).
        #[arg(long, default_value_t = 1)]
        count: u32,
    },
    /// Members: add, list, deactivate, and issue QR tokens.
    Member {
        #[command(subcommand)]
        action: MemberAction,
    },
    /// A center's attendance for one local day.
    Report {
        #[arg(long)]
        center: u64,
        /// YYYY-MM-DD, or `today` in the center's time zone.
        #[arg(long)]
        date: String,
        #[arg(long)]
        json: bool,
    },
    /// Activities centers hold (the yardsticks count them).
    Activity {
        #[command(subcommand)]
        action: ActivityAction,
    },
    /// The yardsticks of every center of a scope for a month: activities,
    /// participant-visits, growth on a year before, the study club's share.
    Yardsticks {
        /// center:ID or region:ID.
        #[arg(long)]
        scope: String,
        /// YYYY-MM (default: this month).
        #[arg(long)]
        month: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write the ledger (台账) of a scope's centers as CSV or XLSX (by the
    /// file's extension), with the columns of the ledger form and the yardsticks.
    Ledger {
        /// center:ID or region:ID.
        #[arg(long)]
        scope: String,
        #[arg(long)]
        month: Option<String>,
        /// FILE.csv or FILE.xlsx.
        #[arg(long)]
        out: PathBuf,
    },
    /// Regions of the network: city, county, town (and province).
    Region {
        #[command(subcommand)]
        action: RegionAction,
    },
    /// People who log in to the dashboard.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Volunteers' service hours.
    Volunteer {
        #[command(subcommand)]
        action: VolunteerAction,
    },
    /// Signed content for the kiosks: set up signing, publish a center's
    /// folder, rotate the root key's signature.
    Content {
        #[command(subcommand)]
        action: ContentAction,
    },
    /// Kiosks: list them with their upload state.
    Device {
        #[command(subcommand)]
        action: DeviceAction,
    },
    /// Platforms above the hub that pull attendance and activities
    /// (`GET /api/v1/integration/…`).
    Integration {
        #[command(subcommand)]
        action: IntegrationAction,
    },
}

#[derive(Subcommand)]
pub enum IntegrationAction {
    /// A new client limited to a part of the network; prints its token once.
    Add {
        #[arg(long)]
        name: String,
        /// `region:ID` (a city, county or town and everything below) or `center:ID`.
        #[arg(long)]
        scope: String,
        /// Also push changed days to this address (a signed POST, retried
        /// until accepted); prints the signing secret on a second line.
        #[arg(long)]
        webhook: Option<String>,
    },
    List,
    /// Stop a client's token.
    Revoke {
        #[arg(long)]
        id: u64,
    },
}

#[derive(Subcommand)]
pub enum CenterAction {
    /// Add a center; prints its id.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "Asia/Shanghai")]
        time_zone: String,
        /// The region (town, county or city) it belongs to.
        #[arg(long)]
        region: Option<u64>,
    },
    List,
    /// Place a center in a region.
    Place {
        #[arg(long)]
        id: u64,
        #[arg(long)]
        region: u64,
    },
    /// Set what the ledger (台账) records of a center; omitted fields stay.
    Set {
        #[arg(long)]
        id: u64,
        /// The person in charge (负责人).
        #[arg(long)]
        manager: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        address: Option<String>,
        /// Founding date, YYYY-MM-DD.
        #[arg(long)]
        founded: Option<String>,
        /// 隶属关系: 县级团委, 城市街道团委, 乡镇团委, 社区团组织, 村团组织,
        /// 企业团组织, 机关事业单位团组织, 学校团组织 or 其他.
        #[arg(long)]
        affiliation: Option<String>,
        /// The last evaluation's rating: 较好, 一般 or 较差.
        #[arg(long)]
        rating: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum VolunteerAction {
    /// Hours per volunteer and activity over a period, from the shift starts
    /// and ends recorded at the center's kiosks. Shifts never ended, or ended
    /// with no start, are listed to check and not counted.
    Hours {
        #[arg(long)]
        center: u64,
        /// First day, YYYY-MM-DD (default: the first of this month).
        #[arg(long)]
        from: Option<String>,
        /// Last day, YYYY-MM-DD or `today` (default: today).
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum DeviceAction {
    List,
    /// Take a kiosk out of service (stolen, broken, replaced): its
    /// credential is refused from now on; what it uploaded stays counted.
    Revoke {
        #[arg(long)]
        id: u64,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn database(cli: &Cli) -> anyhow::Result<Database> {
    std::fs::create_dir_all(&cli.data).with_context(|| {
        format!(
            "cannot create the data folder {}; pass --data DIR",
            cli.data.display()
        )
    })?;
    Database::from_url(cli.database_url.as_deref(), &cli.data).map_err(anyhow::Error::msg)
}

fn open(db: &Database) -> anyhow::Result<Store> {
    Store::open_database(db)
        .with_context(|| format!("cannot open the hub database {}", db.describe()))
}

fn hint_centers(data: &Path, e: crate::store::StoreError) -> anyhow::Error {
    match e {
        crate::store::StoreError::NotFound(m) if m.contains("center") => anyhow::anyhow!(
            "{m}; list them with `hub --data {} center list`",
            data.display()
        ),
        other => other.into(),
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let data = &cli.data;
    let db = database(&cli)?;
    let store = open(&db)?;
    let out = &mut std::io::stdout().lock();
    match cli.command {
        Command::Serve {
            listen,
            metrics_listen,
            db_connections,
            trusted_proxies,
        } => {
            let key = crate::keys::load_or_create(data)?;
            let card_key = crate::keys::card_key(data)?;
            let mut stores = vec![store];
            if matches!(db, Database::Postgres(_)) {
                for _ in 1..db_connections {
                    stores.push(open(&db)?);
                }
            }
            tracing::info!(database = %db.describe(), connections = stores.len(), "database open");
            crate::server::serve(
                stores,
                key,
                card_key,
                crate::content::Repo::new(data).with_database(&db),
                &listen,
                metrics_listen.as_deref(),
                crate::http::limit::TrustedProxies(trusted_proxies),
            )?;
        }
        Command::Content { action } => content(data, &store, action, out)?,
        Command::CopyDatabase { to } => {
            let target = Database::from_url(Some(&to), data).map_err(anyhow::Error::msg)?;
            anyhow::ensure!(
                target != db,
                "--to names the database this hub already uses"
            );
            let into = open(&target)?;
            let rows = store.copy_into(&into, |table, n| {
                let _ = writeln!(out, "{table}: {n} rows");
                let _ = out.flush();
            })?;
            writeln!(
                out,
                "copied {rows} rows from {} into {}; start the hub with \
                 --database-url (HUB_DATABASE_URL) set to the new one",
                db.describe(),
                target.describe()
            )?;
        }
        Command::Archive {
            keep_months,
            before,
            dry_run,
        } => {
            let before = match before {
                Some(b) => b,
                None => {
                    let today = chrono::Utc::now()
                        .with_timezone(&chrono_tz::Asia::Shanghai)
                        .date_naive();
                    crate::archive::cut(today, keep_months)
                }
            };
            let months = store.months_before(&before)?;
            if months.is_empty() {
                writeln!(out, "no raw events before {before} to archive")?;
            } else if dry_run {
                for (month, n) in &months {
                    writeln!(out, "{month}: {n} events would be archived")?;
                }
            } else {
                writeln!(out, "archiving {} month(s) before {before}…", months.len())?;
                out.flush()?;
                crate::archive::archive_before(&store, data, &before, |m| {
                    let _ = writeln!(
                        out,
                        "{}: {} events → {} ({:.1} MB)",
                        m.month,
                        m.events,
                        m.path.display(),
                        m.bytes as f64 / 1e6
                    );
                    let _ = out.flush();
                })?;
            }
            if !dry_run {
                let (deliveries, sessions) = store.tidy(crate::store::now_ms())?;
                writeln!(
                    out,
                    "cleared {deliveries} webhook deliveries accepted over 30 days ago \
                     and {sessions} ended sessions"
                )?;
            }
        }
        Command::Center {
            action:
                CenterAction::Add {
                    name,
                    time_zone,
                    region,
                },
        } => {
            if let Some(r) = region {
                store.region(r)?;
            }
            let id = store.add_center(&name, &time_zone)?;
            if region.is_some() {
                store.set_center_region(id, region)?;
            }
            writeln!(out, "{id}")?
        }
        Command::Center {
            action: CenterAction::Place { id, region },
        } => {
            store
                .set_center_region(id, Some(region))
                .map_err(|e| hint_centers(data, e))?;
            writeln!(out, "center {id} is now in region {region}")?
        }
        Command::Center {
            action:
                CenterAction::Set {
                    id,
                    manager,
                    phone,
                    address,
                    founded,
                    affiliation,
                    rating,
                },
        } => {
            store
                .set_profile(
                    id,
                    &crate::store::ledger::ProfileChange {
                        manager,
                        phone,
                        address,
                        founded,
                        affiliation,
                        rating,
                    },
                )
                .map_err(|e| hint_centers(data, e))?;
            writeln!(out, "center {id} updated")?
        }
        Command::Activity { action } => activity(&store, action, out)?,
        Command::Yardsticks { scope, month, json } => {
            let (centers, day, today) = scope_and_month(&store, &scope, month.as_deref())?;
            let sticks = crate::yardsticks::for_centers(&store, &centers, day, today)?;
            if json {
                writeln!(out, "{}", serde_json::to_string(&sticks)?)?;
            } else {
                yardsticks_text(&sticks, out)?;
            }
        }
        Command::Ledger {
            scope,
            month,
            out: path,
        } => {
            let (centers, day, today) = scope_and_month(&store, &scope, month.as_deref())?;
            let sticks = crate::yardsticks::for_centers(&store, &centers, day, today)?;
            let rows = crate::yardsticks::ledger_rows(&store, &centers, &sticks)?;
            let bytes = match path.extension().and_then(|e| e.to_str()) {
                Some("xlsx") => crate::yardsticks::ledger_xlsx(
                    &format!("青年中心台账统计表 ({})", day.format("%Y-%m")),
                    &rows,
                )?,
                Some("csv") => crate::yardsticks::ledger_csv(&rows)?,
                _ => anyhow::bail!("--out must end in .csv or .xlsx"),
            };
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(out, "{} centers written to {}", rows.len(), path.display())?
        }
        Command::Region { action } => region(&store, action, out)?,
        Command::User { action } => user(&store, action, out)?,
        Command::Center {
            action: CenterAction::List,
        } => {
            for c in store.centers()? {
                writeln!(out, "{}\t{}\t{}", c.id, c.name, c.time_zone)?;
            }
        }
        Command::EnrollCode {
            center,
            valid_hours,
            count,
        } => {
            for _ in 0..count {
                let code = store
                    .create_enroll_code(center, valid_hours)
                    .map_err(|e| hint_centers(data, e))?;
                writeln!(out, "{code}")?;
            }
        }
        Command::Member { action } => member(data, &store, action, out)?,
        Command::Report { center, date, json } => {
            let c = store.center(center).map_err(|e| hint_centers(data, e))?;
            let day = crate::report::parse_date(&date, c.tz())?;
            let report = crate::report::daily(&store, center, day)?;
            if json {
                writeln!(out, "{}", serde_json::to_string(&report)?)?;
            } else {
                write!(out, "{}", crate::report::to_text(&report, &c.name))?;
            }
        }
        Command::Volunteer {
            action:
                VolunteerAction::Hours {
                    center,
                    from,
                    to,
                    json,
                },
        } => {
            let c = store.center(center).map_err(|e| hint_centers(data, e))?;
            let today = crate::report::parse_date("today", c.tz())?;
            let to = match to {
                Some(t) => crate::report::parse_date(&t, c.tz())?,
                None => today,
            };
            let from = match from {
                Some(f) => crate::report::parse_date(&f, c.tz())?,
                None => to.with_day(1).unwrap_or(to),
            };
            let r = crate::volunteer::hours(&store, center, from, to, today)?;
            if json {
                writeln!(out, "{}", serde_json::to_string(&r)?)?;
            } else {
                write!(out, "{}", crate::volunteer::to_text(&r, &c.name))?;
            }
        }
        Command::Integration { action } => match action {
            IntegrationAction::Add {
                name,
                scope,
                webhook,
            } => {
                let scope = crate::store::users::Scope::parse(&scope)
                    .with_context(|| format!("scope {scope:?} is not region:ID or center:ID"))?;
                match webhook {
                    None => {
                        let (id, token) = store.add_integration(&name, scope)?;
                        eprintln!(
                            "integration {id} added; its token (shown once, keep it secret) follows"
                        );
                        writeln!(out, "{token}")?;
                    }
                    Some(url) => {
                        let (id, token, secret) =
                            store.add_integration_with_webhook(&name, scope, &url)?;
                        eprintln!(
                            "integration {id} added; its token, then its webhook signing secret \
                             (shown once, keep them secret) follow"
                        );
                        writeln!(out, "{token}\n{secret}")?;
                    }
                }
            }
            IntegrationAction::List => {
                writeln!(out, "id\tscope\tstate\tname")?;
                for (i, revoked) in store.integrations()? {
                    let (kind, sid) = i.scope.columns();
                    writeln!(
                        out,
                        "{}\t{kind}:{sid}\t{}\t{}",
                        i.id,
                        if revoked { "revoked" } else { "active" },
                        i.name
                    )?;
                }
            }
            IntegrationAction::Revoke { id } => {
                anyhow::ensure!(
                    store.revoke_integration(id)?,
                    "no active integration {id} (see `hub integration list`)"
                );
                writeln!(out, "integration {id} revoked")?;
            }
        },
        Command::Device {
            action: DeviceAction::Revoke { id },
        } => {
            anyhow::ensure!(
                store.revoke_device(id)?,
                "no kiosk {id} in service (see `hub device list`)"
            );
            writeln!(
                out,
                "kiosk {id} revoked: its uploads are refused from now on"
            )?;
        }
        Command::Device {
            action: DeviceAction::List,
        } => {
            writeln!(
                out,
                "id\tcenter\tacked_seq\twaiting\tset_aside\tversion\tlast_seen\tname\talerts"
            )?;
            let now = crate::store::now_ms();
            for c in store.centers()? {
                for d in store.fleet(crate::store::users::Scope::Center(c.id), now)? {
                    let seen = d
                        .last_seen_ms
                        .and_then(chrono::DateTime::from_timestamp_millis)
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_else(|| "never".into());
                    let alerts: Vec<&str> = d.alerts.iter().map(|a| a.text()).collect();
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        d.device_id,
                        d.center_id,
                        d.acked_seq,
                        d.waiting
                            .map(|w| w.to_string())
                            .unwrap_or_else(|| "-".into()),
                        d.set_aside,
                        d.software_version,
                        seen,
                        d.name,
                        alerts.join("; ")
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// The centers of a `center:ID` / `region:ID` scope, a day of the month
/// asked for (default: today) and today, on the network's calendar.
fn scope_and_month(
    store: &Store,
    scope: &str,
    month: Option<&str>,
) -> anyhow::Result<(
    Vec<crate::store::Center>,
    chrono::NaiveDate,
    chrono::NaiveDate,
)> {
    let scope = crate::store::users::Scope::parse(scope)
        .with_context(|| format!("--scope {scope:?}: use center:ID or region:ID"))?;
    let centers = store.centers_in(scope)?;
    anyhow::ensure!(!centers.is_empty(), "no centers in that scope");
    let today = chrono::Utc::now()
        .with_timezone(&crate::dashboard::NETWORK_TZ)
        .date_naive();
    let day = match month {
        None => today,
        Some(m) => chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .with_context(|| format!("--month {m:?}: write YYYY-MM"))?,
    };
    Ok((centers, day, today))
}

fn yardsticks_text(
    sticks: &[crate::yardsticks::Yardsticks],
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mark = |m: Option<bool>| match m {
        Some(true) => "ok",
        Some(false) => "BELOW",
        None => "no data",
    };
    let pct = |p: Option<f64>| p.map(|v| format!("{v:+.0}%")).unwrap_or_else(|| "-".into());
    writeln!(
        out,
        "center\tname\tactivities (≥2)\tparticipant-visits (≥40)\tgrowth (≈+20%)\tstudy club (≥30%)"
    )?;
    for y in sticks {
        writeln!(
            out,
            "{}\t{}\t{} {}\t{} {}\t{} {}\t{} {}",
            y.center_id,
            y.center,
            y.activities,
            mark(Some(y.activities_met)),
            y.participant_visits,
            mark(Some(y.visits_met)),
            pct(y.growth_pct),
            mark(y.growth_met),
            y.study_club_pct
                .map(|p| format!("{p:.0}%"))
                .unwrap_or_else(|| "-".into()),
            mark(y.study_club_met)
        )?;
    }
    Ok(())
}
