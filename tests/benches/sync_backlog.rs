//! A kiosk that was offline with 100,000 events waiting reconnects: how long
//! until the hub has them all, over loopback, and how many bytes each event
//! costs on the wire. Uses the release binaries: run
//! `cargo build --release -p kiosk -p hub` first, then
//! `cargo bench -p e2e --bench sync_backlog` (`BENCH_EVENTS` to change the size).

use std::time::Instant;

use e2e::{Hub, hub_cmd, kiosk_cmd, run, stdout};

fn main() -> anyhow::Result<()> {
    let total: u64 = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let hub_data = dir.path().join("hub");
    let kiosk_data = dir.path().join("kiosk");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "青年之家"]);
    let first: u64 = hub(&["member", "add", "--center", &center, "--name", "会员"]).parse()?;
    for i in 1..50 {
        hub(&[
            "member",
            "add",
            "--center",
            &center,
            "--name",
            &format!("会员{i}"),
        ]);
    }
    let code = hub(&["enroll-code", "--center", &center]);
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    run(kiosk_cmd(&kiosk_data).args(["enroll", "--hub", &server.url, "--code", &code]));

    // A month offline: events every ~25 s of opening hours, as the kiosk
    // would have written them (one boot, clock synchronised).
    let conn = rusqlite::Connection::open(kiosk_data.join("kiosk.sqlite3"))?;
    conn.execute_batch("PRAGMA synchronous=OFF; BEGIN")?;
    {
        let mut ins = conn.prepare(
            "INSERT INTO events(at_ms, local_date, local_hour, kind, member_id, via, age_band,
                                purpose, boot_id, monotonic_ms, clock_synchronized)
             VALUES (?1, '2026-11-24', 10, ?2, ?3, ?4, ?5, ?6,
                     '2f1c8a4e-6d1b-4f43-9b3a-0c2d7e5f9a11', ?7, 1)",
        )?;
        // Ending before now: a synchronised kiosk never reports a time more
        // than a day ahead of the hub (those are set aside).
        let start_ms = chrono::Utc::now().timestamp_millis() - total as i64 * 25_000 - 86_400_000;
        for i in 0..total {
            let visitor = i % 4 == 0;
            ins.execute(rusqlite::params![
                start_ms + i as i64 * 25_000,
                if visitor {
                    "visitor"
                } else {
                    "member_check_in"
                },
                (!visitor).then_some(first + (i * 7) % 50),
                (!visitor).then_some("qr_token"),
                visitor.then_some("from18_to24"),
                visitor.then_some("sports"),
                i * 25_000,
            ])?;
        }
    }
    conn.execute_batch("COMMIT")?;
    drop(conn);

    let t = Instant::now();
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&run(kiosk_cmd(&kiosk_data).arg("sync"))))?;
    let secs = t.elapsed().as_secs_f64();
    let events = report["uploaded_events"].as_u64().unwrap_or(0);
    let bytes = report["uploaded_bytes"].as_u64().unwrap_or(0);
    anyhow::ensure!(events == total, "uploaded {events} of {total}: {report}");
    anyhow::ensure!(
        report["acked_seq"].as_u64() == Some(total),
        "the hub acknowledged {report}"
    );
    println!(
        "| backlog sync over loopback (release binaries) | {total} events | {secs:.2} s | {:.1} bytes/event on the wire ({} pages) |",
        bytes as f64 / total as f64,
        report["uploaded_pages"]
    );
    Ok(())
}
