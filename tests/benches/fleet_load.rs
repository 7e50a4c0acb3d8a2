//! A fleet against one hub: N simulated kiosks, each with its own device
//! credential, come back from a regional network outage at once with a
//! backlog each, then settle into a morning rush. Prints, for each fleet
//! size, how fast the backlog is taken in (events a second) and how long
//! an upload waits (p50 and p99 of each page), and the hub's memory.
//!
//! Uses the release hub: run `cargo build --release -p hub` first, then
//! `cargo bench -p e2e --bench fleet_load` (`scripts/load.sh` does both).
//! Settings (environment): `FLEET_KIOSKS` sizes to run (default
//! `100,1000,5000`), `FLEET_BACKLOG` events each kiosk holds (default 200),
//! `FLEET_CONCURRENCY` uploads in flight at once across the fleet (default
//! 256: the reconnecting kiosks' retries, spread by their jittered
//! backoff), `FLEET_RUSH_SECONDS` (default 30), `FLEET_PAUSE_SECONDS`
//! between the backlog and the rush (default 0: the rush right after it;
//! the phases' times go to standard error), `FLEET_HUB_LOG` a file the
//! hubs it starts write their warnings to (slow store calls among them;
//! by default they go nowhere), `FLEET_HUB_URL` and
//! `FLEET_CODES` (a file of enrollment codes, one a line) to load a hub
//! that is already running (several URLs, comma-separated: the kiosks are
//! spread over them as a load balancer would).
//! `FLEET_DATABASE=postgres` runs the hubs it starts on PostgreSQL (a new
//! database for each size, on `FLEET_POSTGRES_URL`'s server or the one
//! scripts/pg-test.sh starts), with `FLEET_REPLICAS` replicas (default 1)
//! sharing it, the kiosks spread over them.
//!
//! Every event is a visitor (no roster needed); a member check-in costs
//! the hub one more indexed lookup (the same-visit check).

use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::{Hub, hub_cmd, run, stdout};
use futures::StreamExt;
use protocol::catalog::{AgeBand, ServiceCategory};
use protocol::wire::{
    ClockInfo, EnrollRequest, EnrollResponse, Event, EventKind, EventPage, IngestResult,
};
use tokio::sync::Semaphore;

/// As a kiosk pages its backlog.
const PAGE_EVENTS: usize = 500;
/// Kiosks per center (most centers have one or two).
const KIOSKS_PER_CENTER: usize = 2;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Kiosk {
    token: String,
    next_seq: u64,
}

#[derive(Default)]
struct Row {
    kiosks: usize,
    enroll_s: f64,
    backlog_events: u64,
    backlog_s: f64,
    backlog_p50_ms: f64,
    backlog_p99_ms: f64,
    rush_pages: usize,
    rush_events_per_s: f64,
    rush_p99_ms: f64,
    errors: usize,
    hub_rss_mb: Option<f64>,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn events(from_seq: u64, n: usize, at_ms: i64, boot: &str) -> EventPage {
    let bands = AgeBand::ALL;
    let purposes = ServiceCategory::ALL;
    EventPage {
        events: (0..n as u64)
            .map(|i| {
                let seq = from_seq + i;
                Event {
                    seq,
                    at_ms: at_ms + (seq as i64) * 20_000,
                    clock: ClockInfo {
                        boot_id: boot.to_string(),
                        monotonic_ms: seq * 20_000,
                        synchronized: true,
                    },
                    kind: EventKind::Visitor {
                        age_band: bands[(seq as usize) % bands.len()],
                        purpose: purposes[(seq as usize) % purposes.len()],
                    },
                }
            })
            .collect(),
    }
}

async fn upload(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    page: &EventPage,
) -> Result<(Duration, IngestResult), String> {
    let start = Instant::now();
    let res = client
        .post(format!("{url}/api/v1/events"))
        .bearer_auth(token)
        .json(page)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("HTTP {}", res.status()));
    }
    let r: IngestResult = res.json().await.map_err(|e| e.to_string())?;
    Ok((start.elapsed(), r))
}

fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// A rush page: when it was sent (from the rush's start) and how long it took.
type Sent = (Duration, Duration);

/// When a phase begins or ends, to line up with the database server's log
/// (its checkpoints, autovacuum) and the machine's.
fn phase(what: &str) {
    eprintln!(
        "{} {what}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.3f UTC")
    );
}

async fn fleet(
    urls: &[String],
    codes: Vec<String>,
    backlog: usize,
    concurrency: usize,
    (pause, rush): (Duration, Duration),
) -> anyhow::Result<Row> {
    let n = codes.len();
    // (reqwest has no crypto provider of its own: aws-lc, as the hub's.)
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(120))
        .build()?;
    let gate = Arc::new(Semaphore::new(concurrency));
    let mut row = Row {
        kiosks: n,
        ..Row::default()
    };

    // Enrollment, as each board does on first boot.
    let start = Instant::now();
    let enrolled: Vec<Result<EnrollResponse, String>> = futures::stream::iter(codes)
        .enumerate()
        .map(|(i, code)| {
            let client = client.clone();
            let url = &urls[i % urls.len()];
            async move {
                let res = client
                    .post(format!("{url}/api/v1/enroll"))
                    .json(&EnrollRequest {
                        code,
                        device_name: "load".into(),
                        software_version: "load".into(),
                    })
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if !res.status().is_success() {
                    return Err(format!("enroll: HTTP {}", res.status()));
                }
                res.json::<EnrollResponse>()
                    .await
                    .map_err(|e| e.to_string())
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    row.enroll_s = start.elapsed().as_secs_f64();
    let mut kiosks = Vec::new();
    for e in enrolled {
        match e {
            Ok(e) => kiosks.push(Kiosk {
                token: e.device_token,
                next_seq: 1,
            }),
            Err(e) => anyhow::bail!("{e}"),
        }
    }

    // The outage ends: every kiosk sends its backlog at once, page by page.
    let day_start = chrono::Utc::now().timestamp_millis() - 8 * 3_600_000;
    phase("backlog begins");
    let start = Instant::now();
    let results: Vec<(Vec<Duration>, u64, usize)> = futures::stream::iter(kiosks.iter_mut())
        .enumerate()
        .map(|(i, k)| {
            let (client, gate) = (client.clone(), gate.clone());
            let url = &urls[i % urls.len()];
            async move {
                let mut times = Vec::new();
                let (mut stored, mut errors) = (0u64, 0usize);
                let boot = format!("load-{i}");
                while (k.next_seq as usize) <= backlog {
                    let left = backlog + 1 - k.next_seq as usize;
                    let page = events(k.next_seq, left.min(PAGE_EVENTS), day_start, &boot);
                    let _permit = gate.acquire().await;
                    match upload(&client, url, &k.token, &page).await {
                        Ok((t, r)) => {
                            times.push(t);
                            stored += u64::from(r.stored);
                            k.next_seq = r.acked_seq + 1;
                        }
                        Err(_) => {
                            errors += 1;
                            if errors > 20 {
                                break;
                            }
                        }
                    }
                }
                (times, stored, errors)
            }
        })
        .buffer_unordered(n.max(1))
        .collect()
        .await;
    row.backlog_s = start.elapsed().as_secs_f64();
    let mut times: Vec<Duration> = Vec::new();
    for (t, stored, errors) in results {
        times.extend(t);
        row.backlog_events += stored;
        row.errors += errors;
    }
    times.sort();
    row.backlog_p50_ms = percentile(&times, 0.50);
    row.backlog_p99_ms = percentile(&times, 0.99);
    anyhow::ensure!(
        row.backlog_events == (n * backlog) as u64,
        "the hub stored {} of {} backlog events",
        row.backlog_events,
        n * backlog
    );

    phase("backlog taken in");
    if !pause.is_zero() {
        tokio::time::sleep(pause).await;
    }

    // The morning rush: each kiosk syncs every 10 s with the 5 check-ins
    // of those seconds (a busy door), the fleet's syncs spread evenly.
    let period = Duration::from_secs(10);
    phase("rush begins");
    let start = Instant::now();
    let results: Vec<(Vec<Sent>, u64, usize)> = futures::stream::iter(kiosks.iter_mut())
        .enumerate()
        .map(|(i, k)| {
            let (client, gate) = (client.clone(), gate.clone());
            let url = &urls[i % urls.len()];
            let offset = period.mul_f64(i as f64 / n.max(1) as f64);
            async move {
                let mut times = Vec::new();
                let (mut stored, mut errors) = (0u64, 0usize);
                let boot = format!("load-{i}");
                tokio::time::sleep(offset).await;
                let mut tick = tokio::time::interval(period);
                while start.elapsed() < rush {
                    tick.tick().await;
                    if start.elapsed() >= rush {
                        break;
                    }
                    let page = events(k.next_seq, 5, day_start, &boot);
                    let _permit = gate.acquire().await;
                    let sent = start.elapsed();
                    match upload(&client, url, &k.token, &page).await {
                        Ok((t, r)) => {
                            times.push((sent, t));
                            stored += u64::from(r.stored);
                            k.next_seq = r.acked_seq + 1;
                        }
                        Err(_) => errors += 1,
                    }
                }
                (times, stored, errors)
            }
        })
        .buffer_unordered(n.max(1))
        .collect()
        .await;
    let elapsed = start.elapsed().as_secs_f64();
    phase("rush ends");
    let mut times: Vec<Duration> = Vec::new();
    let mut rush_events = 0u64;
    // Second of the rush a page was sent in → (pages over 50 ms, slowest).
    let mut slow: std::collections::BTreeMap<u64, (usize, Duration)> = Default::default();
    for (t, stored, errors) in results {
        for (sent, took) in t {
            times.push(took);
            if took > Duration::from_millis(50) {
                let s = slow.entry(sent.as_secs()).or_default();
                s.0 += 1;
                s.1 = s.1.max(took);
            }
        }
        rush_events += stored;
        row.errors += errors;
    }
    for (second, (pages, slowest)) in &slow {
        eprintln!(
            "rush second {second}: {pages} pages over 50 ms, the slowest {} ms",
            slowest.as_millis()
        );
    }
    times.sort();
    row.rush_pages = times.len();
    row.rush_events_per_s = rush_events as f64 / elapsed;
    row.rush_p99_ms = percentile(&times, 0.99);
    Ok(row)
}

fn main() -> anyhow::Result<()> {
    let sizes: Vec<usize> = std::env::var("FLEET_KIOSKS")
        .unwrap_or_else(|_| "100,1000,5000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let backlog: usize = env_or("FLEET_BACKLOG", 200);
    let concurrency: usize = env_or("FLEET_CONCURRENCY", 256);
    let rush = Duration::from_secs(env_or("FLEET_RUSH_SECONDS", 30));
    let pause = Duration::from_secs(env_or("FLEET_PAUSE_SECONDS", 0));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut rows = Vec::new();
    let postgres = match std::env::var("FLEET_DATABASE").as_deref() {
        Ok("postgres") => {
            Some(std::env::var("FLEET_POSTGRES_URL").unwrap_or_else(|_| e2e::postgres_server()))
        }
        Ok("sqlite") | Err(_) => None,
        Ok(other) => anyhow::bail!("FLEET_DATABASE is sqlite or postgres, not {other:?}"),
    };
    let replicas: usize = env_or("FLEET_REPLICAS", 1).max(1);
    anyhow::ensure!(
        replicas == 1 || postgres.is_some(),
        "replicas share a PostgreSQL database: set FLEET_DATABASE=postgres"
    );
    if let Ok(urls) = std::env::var("FLEET_HUB_URL") {
        let urls: Vec<String> = urls.split(',').map(|u| u.trim().to_string()).collect();
        let codes: Vec<String> = std::fs::read_to_string(std::env::var("FLEET_CODES")?)?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        eprintln!("{} kiosks against {urls:?}…", codes.len());
        rows.push(rt.block_on(fleet(&urls, codes, backlog, concurrency, (pause, rush)))?);
    } else {
        for n in sizes {
            let dir = tempfile::tempdir()?;
            let hub_data = dir.path().join("hub");
            let database_url = match &postgres {
                Some(server) => {
                    match hub::testing::fresh_postgres(server).map_err(anyhow::Error::msg)? {
                        hub::store::Database::Postgres(url) => Some(url),
                        hub::store::Database::Sqlite(_) => None,
                    }
                }
                None => None,
            };
            let cli = || {
                let mut c = hub_cmd(&hub_data);
                if let Some(u) = &database_url {
                    c.env("HUB_DATABASE_URL", u);
                }
                c
            };
            let centers = n.div_ceil(KIOSKS_PER_CENTER);
            eprintln!("{n} kiosks in {centers} centers: setting up…");
            let mut codes = Vec::new();
            for c in 0..centers {
                let id = stdout(&run(cli().args([
                    "center",
                    "add",
                    "--name",
                    &format!("青年之家{c:05}"),
                ])));
                let per = KIOSKS_PER_CENTER.min(n - codes.len());
                let out = stdout(&run(cli().args([
                    "enroll-code",
                    "--center",
                    &id,
                    "--count",
                    &per.to_string(),
                ])));
                codes.extend(out.lines().map(str::to_owned));
            }
            let env: Vec<(&str, &str)> = database_url
                .iter()
                .map(|u| ("HUB_DATABASE_URL", u.as_str()))
                .collect();
            let hubs: Vec<Hub> = (0..replicas)
                .map(|_| {
                    let log = match std::env::var_os("FLEET_HUB_LOG") {
                        Some(path) => std::fs::OpenOptions::new()
                            .create(true)
                            .append(true)
                            .open(&path)
                            .map(std::process::Stdio::from)?,
                        None => std::process::Stdio::null(),
                    };
                    Ok(Hub::start_env(&hub_data, "127.0.0.1:0", log, "warn", &env))
                })
                .collect::<std::io::Result<_>>()?;
            let urls: Vec<String> = hubs.iter().map(|h| h.url.clone()).collect();
            eprintln!(
                "{n} kiosks on {} ({replicas} replica(s)): outage over, {backlog} events each…",
                if database_url.is_some() {
                    "PostgreSQL"
                } else {
                    "SQLite"
                }
            );
            let mut row = rt.block_on(fleet(&urls, codes, backlog, concurrency, (pause, rush)))?;
            row.hub_rss_mb = hubs
                .iter()
                .map(|h| h.pid().and_then(rss_mb))
                .sum::<Option<f64>>();
            rows.push(row);
        }
    }
    println!(
        "\n| kiosks | enroll (s) | backlog events | backlog taken in (s) | events/s | page p50 (ms) | page p99 (ms) | rush pages | rush events/s | rush p99 (ms) | errors | hub RSS (MB) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {:.1} | {} | {:.1} | {:.0} | {:.1} | {:.1} | {} | {:.0} | {:.1} | {} | {} |",
            r.kiosks,
            r.enroll_s,
            r.backlog_events,
            r.backlog_s,
            r.backlog_events as f64 / r.backlog_s.max(1e-9),
            r.backlog_p50_ms,
            r.backlog_p99_ms,
            r.rush_pages,
            r.rush_events_per_s,
            r.rush_p99_ms,
            r.errors,
            r.hub_rss_mb.map_or("–".into(), |m| format!("{m:.0}")),
        );
    }
    Ok(())
}
