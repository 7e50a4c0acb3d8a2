//! The admin's command line: the commands and their dispatch here, with
//! the hub's own work (serve, copy the database, archive); each noun
//! (centers, kiosks, members, users, regions, activities, content,
//! integrations, reports) in a file of its own. `serve` hands over to
//! [`crate::server`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::Datelike;
use clap::{Parser, Subcommand};

use crate::store::{Database, Store};

mod activity;
mod audit;
mod center;
mod content;
mod device;
mod integration;
mod member;
mod region;
mod release;
mod report;
mod user;

pub use activity::ActivityAction;
use activity::activity;
use audit::audit;
pub use center::CenterAction;
use center::{center, enroll_codes};
pub use content::ContentAction;
use content::content;
pub use device::DeviceAction;
use device::device;
pub use integration::IntegrationAction;
use integration::integration;
pub use member::MemberAction;
use member::member;
pub use region::RegionAction;
use region::region;
pub use release::ReleaseAction;
use release::release;
pub use report::VolunteerAction;
use report::{ledger, report, scope_and_month, volunteer, yardsticks};
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
    /// The kiosk's software: publish a build to one center, a county or
    /// every kiosk, list what is published, withdraw a release.
    Release {
        #[command(subcommand)]
        action: ReleaseAction,
    },
    /// 我有话说: the network's deadlines for youths' messages (read within
    /// N hours, answered within N days; 3 and 3 by default). Prints them;
    /// with values, sets them first.
    TicketDeadlines {
        #[arg(long)]
        review_hours: Option<u32>,
        #[arg(long)]
        answer_days: Option<u32>,
    },
    /// The record of changes made through the pages, the API and this
    /// command line (who, when, what), newest first.
    Audit {
        /// How many lines.
        #[arg(long, default_value_t = 50)]
        limit: u64,
        #[arg(long)]
        json: bool,
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

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    // TLS's crypto for every HTTP client of the process (webhooks).
    crate::webhook::tls_provider();
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
        Command::Release { action } => release(data, &store, action, out)?,
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
        Command::Activity { action } => activity(data, &store, action, out)?,
        Command::Region { action } => region(&store, action, out)?,
        Command::User { action } => user(&store, action, out)?,
        Command::Member { action } => member(data, &store, action, out)?,
        Command::Center { action } => center(data, &store, action, out)?,
        Command::EnrollCode {
            center,
            valid_hours,
            count,
        } => enroll_codes(data, &store, center, valid_hours, count, out)?,
        Command::Device { action } => device(&store, action, out)?,
        Command::Audit { limit, json } => audit(&store, limit, json, out)?,
        Command::TicketDeadlines {
            review_hours,
            answer_days,
        } => {
            let mut d = store.ticket_deadlines()?;
            if review_hours.is_some() || answer_days.is_some() {
                if let Some(h) = review_hours {
                    d.review_ms = i64::from(h) * 3_600_000;
                }
                if let Some(days) = answer_days {
                    d.answer_ms = i64::from(days) * 86_400_000;
                }
                store.set_ticket_deadlines(d)?;
            }
            writeln!(
                out,
                "messages are read within {} hours and answered within {} days",
                d.review_ms / 3_600_000,
                d.answer_ms / 86_400_000
            )?;
        }
        Command::Integration { action } => integration(&store, action, out)?,
        Command::Report { center, date, json } => report(data, &store, center, &date, json, out)?,
        Command::Volunteer { action } => volunteer(data, &store, action, out)?,
        Command::Yardsticks { scope, month, json } => {
            yardsticks(&store, &scope, month.as_deref(), json, out)?
        }
        Command::Ledger {
            scope,
            month,
            out: path,
        } => ledger(&store, &scope, month.as_deref(), &path, out)?,
    }
    Ok(())
}
