//! 好差评 at an offline kiosk: a member back the day after a visit is asked
//! how it went, taps a face while the hub cannot be reached, and the
//! rating reaches the hub once when the network returns, beside the visit
//! it rates, and nothing is set aside.

use chrono::{Days, TimeZone};
use e2e::{Hub, headless, kiosk_cmd, one_center, outcomes, run};

#[test]
fn a_rating_given_at_an_offline_kiosk_reaches_the_hub_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = one_center(dir.path());
    let listen = c.server.url.trim_start_matches("http://").to_string();
    c.server.stop();

    // Yesterday's visit, as the kiosk wrote it.
    let tz = chrono_tz::Asia::Shanghai;
    let yesterday = chrono::Utc::now()
        .with_timezone(&tz)
        .date_naive()
        .checked_sub_days(Days::new(1))
        .expect("yesterday");
    let at = tz
        .from_local_datetime(&yesterday.and_hms_opt(15, 0, 0).expect("15:00"))
        .single()
        .expect("local time")
        .timestamp_millis();
    let member: u32 = c.member.parse().expect("member id");
    rusqlite::Connection::open(c.kiosk_data.join("kiosk.sqlite3"))
        .expect("kiosk db")
        .execute(
            "INSERT INTO events(at_ms, local_date, local_hour, kind, member_id, via, boot_id,
                                monotonic_ms, clock_synchronized)
             VALUES (?1, ?2, 15, 'member_check_in', ?3, 'member_number', 'yesterday', 0, 1)",
            rusqlite::params![at, yesterday.format("%Y-%m-%d").to_string(), member],
        )
        .expect("yesterday's visit");

    // Today, offline: welcomed, asked about yesterday, rated.
    let out = headless(
        &c.kiosk_data,
        &[&c.member, "rate:very_satisfied", "rate:satisfied"],
        &[],
    );
    assert_eq!(
        outcomes(&out),
        ["welcome", "rated", "refused:nothing_asked"],
        "{out:?}"
    );
    assert_eq!(
        out[0]["rate"]["visit_date"],
        yesterday.format("%Y-%m-%d").to_string(),
        "{}",
        out[0]
    );

    // The network returns: the rating arrives, once, however often the
    // kiosk syncs.
    let _hub = Hub::start(&c.hub_data, &listen);
    run(kiosk_cmd(&c.kiosk_data).arg("sync"));
    run(kiosk_cmd(&c.kiosk_data).arg("sync"));
    let hub = rusqlite::Connection::open(c.hub_data.join("hub.sqlite3")).expect("hub db");
    let rated: Vec<(String, i64)> = hub
        .prepare("SELECT reason, for_seq FROM events WHERE kind = 'rated'")
        .expect("query")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("ratings");
    assert_eq!(rated, [("very_satisfied".to_string(), 1)]);
    let set_aside: i64 = hub
        .query_row("SELECT count(*) FROM rejected_events", [], |r| r.get(0))
        .expect("count");
    assert_eq!(set_aside, 0);
}
