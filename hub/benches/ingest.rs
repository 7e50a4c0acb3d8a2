//! How fast the hub stores uploaded events on SQLite (durable, one
//! transaction per page of 500, as kiosks send them): prints events/s.
//! Run with `cargo bench -p hub --bench ingest` (`BENCH_EVENTS` to change the size).

use std::time::Instant;

use hub::store::Store;
use protocol::catalog::{AgeBand, ServiceCategory};
use protocol::wire::{ClockInfo, CredentialKind, Event, EventKind};

fn main() -> anyhow::Result<()> {
    let total: u64 = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("hub.sqlite3"))?;
    let center = store.add_center("青年之家", "Asia/Shanghai")?;
    let members: Vec<u32> = (0..200)
        .map(|i| store.add_member(center, &format!("会员{i}"), None))
        .collect::<Result<_, _>>()?;
    let code = store.create_enroll_code(center, 1)?;
    let (_, token, _) = store.enroll(&code, "bench", "0")?;
    let device = store
        .device_by_token(&token)?
        .ok_or_else(|| anyhow::anyhow!("no device"))?;
    // In the past, 20 s apart: a synchronised kiosk never reports a time
    // more than a day ahead of the hub (those are set aside).
    let start_ms = chrono::Utc::now().timestamp_millis() - total as i64 * 20_000 - 86_400_000;
    let pages: Vec<Vec<serde_json::Value>> = (0..total)
        .map(|i| {
            let kind = if i % 4 == 0 {
                EventKind::Visitor {
                    age_band: AgeBand::From18To24,
                    purpose: ServiceCategory::Sports,
                }
            } else {
                EventKind::MemberCheckIn {
                    member_id: members[(i as usize * 7) % members.len()],
                    via: CredentialKind::QrToken,
                    activity: None,
                }
            };
            serde_json::to_value(Event {
                seq: i + 1,
                at_ms: start_ms + i as i64 * 20_000,
                clock: ClockInfo {
                    boot_id: "2f1c8a4e-6d1b-4f43-9b3a-0c2d7e5f9a11".into(),
                    monotonic_ms: i * 20_000,
                    synchronized: true,
                },
                kind,
            })
        })
        .collect::<Result<Vec<_>, _>>()?
        .chunks(protocol::wire::MAX_PAGE_EVENTS)
        .map(<[serde_json::Value]>::to_vec)
        .collect();
    let t = Instant::now();
    let mut stored = 0u64;
    for page in &pages {
        stored += u64::from(
            store
                .ingest(
                    &device,
                    &protocol::wire::Received::page(page.iter().cloned()),
                )?
                .stored,
        );
    }
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(stored == total, "stored {stored} of {total}");
    println!(
        "| hub ingest (SQLite, durable, pages of 500) | {total} events | {secs:.2} s | {:.0} events/s |",
        total as f64 / secs
    );
    Ok(())
}
