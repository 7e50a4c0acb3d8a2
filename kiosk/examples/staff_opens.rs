//! A fixed amount of staff-screen work, for counting instructions rather
//! than timing (`scripts/bench-aarch64.sh`):
//!
//! - `staff_opens prepare DIR` writes a kiosk's database into DIR: enrolled,
//!   2,000 members, a staff PIN, and 90 days of a busy center's check-ins
//!   (300 a day) up to Tuesday 09:30. Run natively: 27,000 scans would take
//!   hours under an emulator, and the SQLite file is the same on every
//!   architecture.
//! - `staff_opens DIR N` opens that database, builds the window at 800×480
//!   (the 7-inch panel) with Slint's software renderer drawing into a frame
//!   buffer, draws the home screen, then opens the staff screen N times:
//!   the PIN typed, its OK (the PIN checked, today's figures and list read
//!   from the 90 days), the first frame drawn, closed again, home drawn.
//!
//! Everything but the N opens is the same for every N, so (count at N) −
//! (count at 0), divided by N, is the cost of one open.

use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use kiosk::checkin::Engine;
use kiosk::clock::ManualClock;
use kiosk::config::Config;
use kiosk::content::ContentBundle;
use slint::ComponentHandle;
use slint::platform::software_renderer::{
    MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType,
};
use slint::platform::{Platform, WindowAdapter};

#[path = "../benches/common/mod.rs"]
mod common;
use common::{NOW_MS, STAFF_PIN, busy_history, hub_key, tokens};

const MEMBERS: u32 = 2_000;
const HISTORY_DAYS: i64 = 90;
const PER_DAY: i64 = 300;
const WIDTH: u32 = 800;
const HEIGHT: u32 = 480;

struct CountPlatform {
    window: Rc<MinimalSoftwareWindow>,
    start: Instant,
}

impl Platform for CountPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }
    fn duration_since_start(&self) -> Duration {
        self.start.elapsed()
    }
}

fn prepare(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let key = hub_key();
    let tokens = tokens(&key, MEMBERS);
    busy_history(dir, &key, &tokens, HISTORY_DAYS, PER_DAY);
    println!(
        "{} days of check-ins in {}",
        HISTORY_DAYS,
        dir.join("kiosk.sqlite3").display()
    );
    Ok(())
}

fn open(dir: &Path, n: usize) -> anyhow::Result<()> {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::SwappedBuffers);
    slint::platform::set_platform(Box::new(CountPlatform {
        window: window.clone(),
        start: Instant::now(),
    }))
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = kiosk::store::Store::open(&dir.join("kiosk.sqlite3"))?;
    let engine = Engine::new(store, ManualClock::at(NOW_MS), 0)?;
    let app = kiosk::ui::App::new()?;
    let _kiosk = kiosk::ui::connect(
        &app,
        kiosk::ui::Kiosk::new(engine, ContentBundle::builtin()?, Config::default(), None),
    );
    window.set_size(slint::PhysicalSize::new(WIDTH, HEIGHT));
    app.show()?;
    let mut buffer = vec![PremultipliedRgbaColor::default(); (WIDTH * HEIGHT) as usize];
    let mut frame = || {
        slint::platform::update_timers_and_animations();
        window.draw_if_needed(|renderer| {
            renderer.render(&mut buffer, WIDTH as usize);
        })
    };
    ensure!(frame(), "the home screen drew nothing");
    let staff = app.global::<kiosk::ui::StaffAdapter>();
    for i in 0..n {
        app.global::<kiosk::ui::HomeAdapter>().invoke_staff();
        frame();
        for d in STAFF_PIN.chars() {
            staff.invoke_pin_digit(d.to_string().into());
        }
        staff.invoke_pin_submit();
        ensure!(frame(), "open {i}: the staff screen drew nothing");
        ensure!(
            app.global::<kiosk::ui::Nav>().get_page() == kiosk::ui::Page::Staff,
            "open {i}: not on the staff screen: {}",
            staff.get_pin_message()
        );
        staff.invoke_close();
        frame();
    }
    app.hide()?;
    println!("{n} staff screen opens");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["prepare", dir] => prepare(Path::new(dir)),
        [dir, n] => open(
            Path::new(dir),
            n.parse()
                .map_err(|_| anyhow::anyhow!("N is a whole number of opens, not {n:?}"))?,
        ),
        _ => anyhow::bail!("usage: staff_opens prepare DIR | staff_opens DIR N"),
    }
}
