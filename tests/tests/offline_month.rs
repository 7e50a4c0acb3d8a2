//! A village kiosk loses its network for a month: 30 days of check-ins
//! (30,000 events) wait in its database while the hub cannot be reached.
//! Then the network returns: every event arrives once, in bounded pages,
//! on the right day at the hub, while youths keep checking in and are
//! welcomed as usual; the database stays small.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::{Days, TimeZone};
use e2e::{Hub, kiosk_cmd, kiosk_status as status, one_center, report_today, run, stdout};

const DAYS: u64 = 30;
const PER_DAY: i64 = 1_000;
const NEW: usize = 100;

#[test]
fn a_month_offline_arrives_once_in_bounded_pages_while_youths_keep_checking_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = one_center(dir.path());
    let listen = c.server.url.trim_start_matches("http://").to_string();
    c.server.stop();

    // The hub is gone: a sync says so and loses nothing.
    let out = kiosk_cmd(&c.kiosk_data).arg("sync").output().expect("sync");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be reached"), "{err}");

    // A month of opening days, 09:00 to 17:20, as the kiosk wrote them.
    let tz = chrono_tz::Asia::Shanghai;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let db = c.kiosk_data.join("kiosk.sqlite3");
    let conn = rusqlite::Connection::open(&db).expect("kiosk db");
    conn.execute_batch("BEGIN").expect("begin");
    let mut days = Vec::new();
    {
        let mut ins = conn
            .prepare(
                "INSERT INTO events(at_ms, local_date, local_hour, kind, member_id, via, age_band,
                                    purpose, boot_id, monotonic_ms, clock_synchronized)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'month-boot', ?9, 1)",
            )
            .expect("prepare");
        let member: u32 = c.member.parse().expect("member id");
        for back in (1..=DAYS).rev() {
            let day = today.checked_sub_days(Days::new(back)).expect("day");
            let opening = tz
                .from_local_datetime(&day.and_hms_opt(9, 0, 0).expect("09:00"))
                .single()
                .expect("local time")
                .timestamp_millis();
            let date = day.format("%Y-%m-%d").to_string();
            for i in 0..PER_DAY {
                let at = opening + i * 30_000;
                let hour = 9 + i * 30 / 3600;
                // One member visit a day (one member on this roster); the rest visitors.
                let visitor = i != 0;
                ins.execute(rusqlite::params![
                    at,
                    date,
                    hour,
                    if visitor {
                        "visitor"
                    } else {
                        "member_check_in"
                    },
                    (!visitor).then_some(member),
                    (!visitor).then_some("member_number"),
                    visitor.then_some("from14_to17"),
                    visitor.then_some("culture_learning"),
                    at - opening,
                ])
                .expect("insert");
            }
            days.push(date);
        }
    }
    conn.execute_batch("COMMIT; PRAGMA wal_checkpoint(TRUNCATE)")
        .expect("commit");
    drop(conn);
    let month = DAYS as i64 * PER_DAY;
    let before = status(&c.kiosk_data);
    assert_eq!(before["events_waiting"].as_i64(), Some(month), "{before}");
    assert!(
        before["free_bytes"].as_u64().is_some(),
        "staff see the free space"
    );
    // A month of a busy door in a few megabytes.
    let bytes = std::fs::metadata(&db).expect("db size").len();
    println!(
        "a month offline: {month} events in {:.1} MB ({:.0} bytes/event)",
        bytes as f64 / 1e6,
        bytes as f64 / month as f64
    );
    assert!(
        bytes < month as u64 * 200,
        "{bytes} bytes for {month} events"
    );

    // The network is back. The kiosk starts; its upload runs while youths
    // keep arriving, each welcomed as usual.
    let _hub = Hub::start(&c.hub_data, &listen);
    let mut kiosk = kiosk_cmd(&c.kiosk_data)
        .arg("headless")
        .env("RUST_LOG", "kiosk::sync=info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kiosk");
    let mut input = kiosk.stdin.take().expect("stdin");
    let mut output = BufReader::new(kiosk.stdout.take().expect("stdout"));
    let mut log = kiosk.stderr.take().expect("stderr");
    let log_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = log.read_to_string(&mut text);
        text
    });
    let mut waits = Vec::new();
    for _ in 0..NEW {
        let t = Instant::now();
        writeln!(input, "visitor over35 sports").expect("scan");
        let mut line = String::new();
        output.read_line(&mut line).expect("outcome");
        waits.push(t.elapsed());
        let v: serde_json::Value = serde_json::from_str(&line).expect("outcome JSON");
        assert_eq!(v["outcome"], "welcome", "{v}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let s = status(&c.kiosk_data);
        if s["events_waiting"] == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "still waiting: {s}");
        std::thread::sleep(Duration::from_millis(250));
    }
    drop(input);
    assert!(kiosk.wait().expect("kiosk exit").success());
    let log = log_reader.join().expect("log");
    waits.sort();
    println!(
        "welcomes during the upload: median {:?}, slowest {:?}",
        waits[waits.len() / 2],
        waits[waits.len() - 1]
    );

    // Bounded pages: the sync rounds' reports in the log.
    let field = |line: &str, name: &str| -> u64 {
        line.split(&format!("{name}: "))
            .nth(1)
            .and_then(|rest| rest.split([',', ' ', '}']).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let (mut pages, mut events) = (0, 0);
    for line in log.lines().filter(|l| l.contains("synced")) {
        pages += field(line, "uploaded_pages");
        events += field(line, "uploaded_events");
    }
    let total = month as u64 + NEW as u64;
    assert_eq!(events, total, "{log}");
    assert!(
        pages >= total.div_ceil(protocol::wire::MAX_PAGE_EVENTS as u64),
        "{pages} pages for {events} events"
    );

    // At the hub: every event once, each on its own day.
    let hub = rusqlite::Connection::open(c.hub_data.join("hub.sqlite3")).expect("hub db");
    let (rows, distinct): (i64, i64) = hub
        .query_row(
            "SELECT count(*), count(DISTINCT seq) FROM events",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("count");
    assert_eq!((rows, distinct), (total as i64, total as i64));
    for date in [&days[0], &days[14], &days[29]] {
        let out = stdout(&run(e2e::hub_cmd(&c.hub_data)
            .args(["report", "--center", &c.center, "--date", date, "--json"])));
        let r: serde_json::Value = serde_json::from_str(&out).expect("report");
        assert_eq!(
            (r["total"].as_i64(), r["members"].as_i64()),
            (Some(PER_DAY), Some(1)),
            "{date}: {r}"
        );
    }
    let r = report_today(&c.hub_data, &c.center);
    assert_eq!(r["visitors"].as_u64(), Some(NEW as u64), "{r}");
}
