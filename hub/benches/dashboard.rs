//! The dashboard's main numbers for a city of 200 centers with a year of
//! visits: prints how long the overview takes for the city's admin and for
//! one center's staff. Run with `cargo bench -p hub --bench dashboard`
//! (set `BENCH_CENTERS`, `BENCH_DAYS`, `BENCH_VISITS_PER_DAY` to change the size).

use std::time::Instant;

use chrono::NaiveDate;
use hub::store::Store;
use hub::store::users::{Level, Role, Scope, User};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    let centers = env("BENCH_CENTERS", 200);
    let days = env("BENCH_DAYS", 365);
    let per_day = env("BENCH_VISITS_PER_DAY", 40);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("hub.sqlite3");
    let store = Store::open(&path)?;
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");

    let t = Instant::now();
    let city = store.add_region("城市", Level::City, None)?;
    let mut counties = Vec::new();
    for i in 0..10 {
        counties.push(store.add_region(&format!("区县{i}"), Level::County, Some(city))?);
    }
    let mut center_ids = Vec::new();
    for i in 0..centers {
        let id = store.add_center(&format!("青年之家{i}"), "Asia/Shanghai")?;
        store.set_center_region(id, Some(counties[(i % 10) as usize]))?;
        center_ids.push(id);
    }
    // Members and a year of events, written straight into the tables (the
    // bench measures reading; ingest has figures of its own).
    let conn = rusqlite::Connection::open(&path)?;
    conn.execute_batch("PRAGMA synchronous=OFF; BEGIN")?;
    let members_per_center = 300u64;
    {
        let mut member = conn.prepare(
            "INSERT INTO members(id, center_id, full_name, display_name, revision, created_at_ms)
             VALUES (?1, ?2, 'x', 'x', 0, 0)",
        )?;
        for (ci, c) in center_ids.iter().enumerate() {
            for m in 0..members_per_center {
                member.execute(rusqlite::params![
                    10_000_001 + ci as u64 * members_per_center + m,
                    c
                ])?;
            }
        }
        conn.execute(
            "INSERT INTO devices(id, center_id, name, software_version, token_hash, enrolled_at_ms)
             VALUES (1, 1, 'bench', '0', 'h', 0)",
            [],
        )?;
        let mut ev = conn.prepare(
            "INSERT INTO events(device_id, seq, center_id, at_ms, local_date, local_hour, kind,
                                member_id, via, age_band, purpose, boot_id, monotonic_ms,
                                clock_synchronized, received_at_ms)
             VALUES (1, ?1, ?2, 0, ?3, ?4, ?5, ?6, 'qr_token', ?7, ?8, 'b', 0, 1, 0)",
        )?;
        let mut daily = conn.prepare(
            "INSERT INTO daily_counts(center_id, local_date, member_visits, visitors)
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut seq = 0u64;
        for d in 0..days {
            let date = (today - chrono::Days::new(d))
                .format("%Y-%m-%d")
                .to_string();
            for (ci, c) in center_ids.iter().enumerate() {
                let (mut members, mut visitors) = (0u64, 0u64);
                for v in 0..per_day {
                    seq += 1;
                    let visitor = v % 4 == 0;
                    let member_id = (!visitor).then(|| {
                        10_000_001
                            + ci as u64 * members_per_center
                            + (seq * 7919) % members_per_center
                    });
                    ev.execute(rusqlite::params![
                        seq,
                        c,
                        date,
                        9 + v % 12,
                        if visitor {
                            "visitor"
                        } else {
                            "member_check_in"
                        },
                        member_id,
                        visitor.then_some("from18_to24"),
                        visitor.then_some("sports"),
                    ])?;
                    if visitor {
                        visitors += 1;
                    } else {
                        members += 1;
                    }
                }
                daily.execute(rusqlite::params![c, date, members, visitors])?;
            }
        }
    }
    conn.execute_batch("COMMIT; ANALYZE")?;
    let events: u64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
    eprintln!(
        "generated {centers} centers, {days} days, {events} events in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let admin = User {
        id: 1,
        login: "admin".into(),
        role: Role::Admin,
        scope: Scope::Region(city),
    };
    let staff = User {
        id: 2,
        login: "staff".into(),
        role: Role::Staff,
        scope: Scope::Center(center_ids[0]),
    };
    println!("| view ({events} events) | centers | median | slowest of 10 |");
    println!("|---|---|---|---|");
    for (name, user) in [
        ("city admin overview + chart", &admin),
        ("center staff overview + chart", &staff),
    ] {
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..10 {
            let t = Instant::now();
            let o = hub::dashboard::overview(&store, user, today)?;
            let _svg = hub::dashboard::daily_chart(&o.daily).map_err(anyhow::Error::msg)?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            n = o.centers.len();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {n} | {:.1} ms | {:.1} ms |",
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
    Ok(())
}
