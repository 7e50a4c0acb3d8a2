//! The dashboard's main numbers for a city of 200 centers with a year of
//! visits: prints how long the overview takes for the city's admin and for
//! one center's staff. Run with `cargo bench -p hub --bench dashboard`
//! (set `BENCH_CENTERS`, `BENCH_DAYS`, `BENCH_VISITS_PER_DAY` to change the
//! size, `BENCH_DATABASE=postgres` to run it on PostgreSQL).

use std::time::Instant;

use chrono::NaiveDate;
use hub::store::db::ToValue;
use hub::store::users::{Level, Role, Scope, User};
use hub::store::{Database, Store};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// SQLite in a temporary folder, or with `BENCH_DATABASE=postgres` a new
/// database on `BENCH_POSTGRES_URL`'s server (or the throwaway one
/// scripts/pg-test.sh starts).
fn database(dir: &std::path::Path) -> anyhow::Result<Database> {
    match std::env::var("BENCH_DATABASE").as_deref() {
        Ok("postgres") => {
            let server = match std::env::var("BENCH_POSTGRES_URL") {
                Ok(u) => u,
                Err(_) => {
                    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("../scripts/pg-test.sh");
                    let out = std::process::Command::new(script).output()?;
                    anyhow::ensure!(out.status.success(), "scripts/pg-test.sh failed");
                    String::from_utf8(out.stdout)?.trim().to_string()
                }
            };
            hub::testing::fresh_postgres(&server).map_err(anyhow::Error::msg)
        }
        Ok("sqlite") | Err(_) => Ok(Database::Sqlite(dir.join("hub.sqlite3"))),
        Ok(other) => anyhow::bail!("BENCH_DATABASE is sqlite or postgres, not {other:?}"),
    }
}

fn main() -> anyhow::Result<()> {
    let centers = env("BENCH_CENTERS", 200);
    let days = env("BENCH_DAYS", 365);
    let per_day = env("BENCH_VISITS_PER_DAY", 40);
    let dir = tempfile::tempdir()?;
    let db = database(dir.path())?;
    let store = Store::open_database(&db)?;
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
    // Members and a year of events, written straight into the tables, a
    // day at a time, by SQL both databases run (the bench measures
    // reading; ingest has figures of its own).
    let members_per_center = 300u64;
    let first = center_ids.first().copied().unwrap_or(1);
    let events: u64 = store.read(|conn| {
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO members(id, center_id, full_name, display_name, revision, created_at_ms)
             WITH RECURSIVE m(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM m WHERE n + 1 < ?1)
             SELECT 10000001 + (c.id - ?2) * ?1 + m.n, c.id, 'x', 'x', 0, 0
             FROM centers c, m",
            [members_per_center, first],
        )?;
        tx.execute(
            "INSERT INTO devices(id, center_id, name, software_version, token_hash, enrolled_at_ms)
             VALUES (1, ?1, 'bench', '0', 'h', 0)",
            [first],
        )?;
        for d in 0..days {
            let day = today - chrono::Days::new(d);
            let date = day.format("%Y-%m-%d").to_string();
            // Shanghai's midnight of that day: visits through the day's
            // hours, so activities' windows hold some.
            let midnight = day
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
                .unwrap_or(0);
            // seq runs over (day, center, visit); a quarter are visitors.
            tx.execute(
                "INSERT INTO events(device_id, seq, center_id, at_ms, local_date, local_hour, kind,
                                    member_id, via, age_band, purpose, boot_id, monotonic_ms,
                                    clock_synchronized, received_at_ms)
                 WITH RECURSIVE v(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM v WHERE n + 1 < ?1),
                 s AS (SELECT c.id AS center, v.n AS n,
                              ?2 + (c.id - ?3) * ?1 + v.n AS seq FROM centers c, v)
                 SELECT 1, seq, center, CAST(?6 AS BIGINT) + (9 + n % 12) * 3600000 + (n * 7) % 60 * 60000, ?4, 9 + n % 12,
                        CASE WHEN n % 4 = 0 THEN 'visitor' ELSE 'member_check_in' END,
                        CASE WHEN n % 4 = 0 THEN NULL
                             ELSE 10000001 + (center - ?3) * ?5 + (seq * 7919) % ?5 END,
                        'qr_token',
                        CASE WHEN n % 4 = 0 THEN 'from18_to24' END,
                        CASE WHEN n % 4 = 0 THEN 'sports' END,
                        'b', 0, 1, 0
                 FROM s",
                &[
                    &per_day as &dyn ToValue,
                    &(1 + d * centers * per_day),
                    &first,
                    &date,
                    &members_per_center,
                    &midnight,
                ] as &[&dyn ToValue],
            )?;
        }
        // Two activities a center this month (a province: 4,000), one in
        // the morning and one in the afternoon.
        for (d, start, end) in [(1u64, "09:00", "11:00"), (7, "14:00", "16:00")] {
            let date = (today - chrono::Days::new(d)).format("%Y-%m-%d").to_string();
            tx.execute(
                "INSERT INTO activities(center_id, title, category, local_date, start, \"end\", created_at_ms)
                 SELECT id, '篮球赛', 'sports', ?1, ?2, ?3, 0 FROM centers",
                [date.as_str(), start, end],
            )?;
        }
        tx.execute(
            "INSERT INTO daily_counts(center_id, local_date, member_visits, visitors)
             SELECT center_id, local_date,
                    sum(CASE WHEN kind = 'member_check_in' THEN 1 ELSE 0 END),
                    sum(CASE WHEN kind = 'visitor' THEN 1 ELSE 0 END)
             FROM events GROUP BY center_id, local_date",
            [],
        )?;
        tx.commit()?;
        conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))
    })?;
    // The week, month, members' and visitors' roll-ups ingest keeps.
    hub::testing::refill_period_rollups(&store).map_err(anyhow::Error::msg)?;
    store.read(|conn| conn.execute_batch("ANALYZE"))?;
    eprintln!(
        "generated on {:?}: {centers} centers, {days} days, {events} events in {:.1} s",
        store.backend(),
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
    // The month's activities of every center, counted one query each (as
    // every list did) and in one query per hundred: the same numbers.
    let ids = serde_json::to_string(&center_ids)?;
    let centers_by_id: std::collections::HashMap<u64, hub::store::Center> = center_ids
        .iter()
        .map(|&id| Ok((id, store.center(id)?)))
        .collect::<anyhow::Result<_>>()?;
    let month = today.format("%Y-%m-01").to_string();
    let activities = store.activities_of(&ids, &month, &today.format("%Y-%m-%d").to_string())?;
    let pairs: Vec<_> = activities
        .iter()
        .filter_map(|a| Some((centers_by_id.get(&a.center_id)?, a)))
        .collect();
    let t = Instant::now();
    let one_each = pairs
        .iter()
        .map(|(c, a)| hub::yardsticks::attendance(&store, c, a))
        .collect::<Result<Vec<u64>, _>>()?;
    let one_each_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let grouped = hub::yardsticks::attendances(&store, &pairs)?;
    let grouped_ms = t.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(one_each == grouped, "the two countings differ");
    eprintln!(
        "attendance of {} activities ({} came): one query each {one_each_ms:.1} ms, \
         one per hundred {grouped_ms:.1} ms",
        pairs.len(),
        grouped.iter().sum::<u64>()
    );

    println!("| view ({events} events) | centers | median | slowest of 10 | the first |");
    println!("|---|---|---|---|---|");
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
        // The first view after the hub opened the database prepares its
        // statements and may find pages on the disk, not in memory.
        let first = times[0];
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {n} | {:.1} ms | {:.1} ms | {first:.1} ms |",
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
    Ok(())
}
