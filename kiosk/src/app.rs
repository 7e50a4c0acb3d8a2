//! Start-up of the touchscreen: the window on the kiosk's database and
//! content, its devices and the sync loop beside it, and stopping in order
//! on SIGTERM. What the window shares with every other way of running the
//! kiosk (the data folder, the database, enrolling, syncing) is in `setup`,
//! below it, and re-exported here.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use crate::checkin::Engine;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::content::ContentBundle;

pub use crate::setup::{
    Enrolled, emit, enroll, enroll_from_file, enroll_quietly, open_store, prepare_data_dir,
    spawn_sync, start_sync, sync_once,
};

pub fn run_ui(data: &Path, windowed: bool) -> anyhow::Result<()> {
    let mut config = Config::load(data);
    config.fullscreen &= !windowed;
    // New verified content is shown at once, without a restart.
    let folder = data.to_path_buf();
    let show: crate::sync::OnContent =
        Arc::new(move |_version| match ContentBundle::load(&folder) {
            Ok(bundle) => crate::ui::content_changed(bundle),
            Err(e) => tracing::error!("the new content cannot be read: {e:#}"),
        });
    let (rt, wake) = start_sync(data, &config, Some(show), true)?;
    let engine = Engine::new(
        open_store(data)?,
        SystemClock::new(),
        config.repeat_window_minutes,
    )?;
    let content = ContentBundle::load(data)?;
    let app = crate::ui::App::new().context(
        "cannot open the kiosk's screen. On a board: is the screen connected, is the kiosk's \
         user in the video and input groups, and does SLINT_DRM_OUTPUT name a connected output \
         (`kiosk doctor`)? On a desktop: is DISPLAY or WAYLAND_DISPLAY set?",
    )?;
    config.devices().start(&rt, &crate::ui::device_sink(&app));
    use slint::ComponentHandle;
    app.window().set_fullscreen(config.fullscreen);
    if let Some((w, h)) = config.window_size()? {
        app.window().set_size(slint::PhysicalSize::new(w, h));
    }
    report_first_frame(&app);
    // Somebody walking up to the motion sensor wakes the screen.
    let weak = app.as_weak();
    let signals = crate::signals::start(
        &config.signals,
        Some(Box::new(move || {
            let _ = weak.upgrade_in_event_loop(|app| {
                app.global::<crate::ui::AttractAdapter>().invoke_wake();
            });
        })),
    );
    let voice = crate::signals::voice::start(&config.voice);
    let _kiosk = crate::ui::connect(
        &app,
        crate::ui::Kiosk::new(engine, content, config, Some(wake))
            .with_signals(signals.clone())
            .with_voice(voice)
            .with_data(data),
    );
    rt.spawn(quit_on_terminate(|| {
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
    }));
    // Ready once the event loop turns (the window is up); the watchdog is fed
    // from the same loop, so a hung UI stops feeding it.
    slint::Timer::single_shot(std::time::Duration::ZERO, || {
        crate::service::ready("showing the home screen");
    });
    // A new release that is still up a while after it was ready is kept.
    let settle = slint::Timer::default();
    let folder = data.to_path_buf();
    settle.start(
        slint::TimerMode::SingleShot,
        crate::software::SETTLE,
        move || {
            if let Err(e) = crate::software::settled(&folder) {
                tracing::error!("cannot keep the release running: {e:#}");
            }
        },
    );
    let watchdog = slint::Timer::default();
    if let Some(every) = crate::service::watchdog_interval() {
        watchdog.start(slint::TimerMode::Repeated, every, crate::service::alive);
    }
    let ran = app.run().context("the UI stopped with an error");
    crate::service::stopping();
    // Lights, buzzer and door relay off before going (SIGTERM included).
    if let Some(s) = &signals {
        s.stop();
    }
    ran
}

/// Waits for SIGTERM (systemd stopping the service) or SIGINT, then calls
/// `quit`, so the kiosk stops in order: outputs off, database closed.
pub async fn quit_on_terminate(quit: impl FnOnce() + Send + 'static) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot listen for SIGTERM; the kiosk stops without tidying up");
        return;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: stopping"),
        _ = int.recv() => tracing::info!("SIGINT: stopping"),
    }
    quit();
}

/// With `KIOSK_REPORT_FIRST_FRAME=1`, prints `first-frame UNIX_MS` on stdout
/// once the first frame is rendered, so a script can time start-up from
/// outside (scripts/bench-ui.sh).
fn report_first_frame(app: &crate::ui::App) {
    use slint::ComponentHandle;
    if std::env::var("KIOSK_REPORT_FIRST_FRAME").as_deref() != Ok("1") {
        return;
    }
    let mut done = false;
    let notifier = app.window().set_rendering_notifier(move |state, _| {
        if !done && matches!(state, slint::RenderingState::AfterRendering) {
            done = true;
            let _ = emit(&format!("first-frame {}", SystemClock::new().now_ms()));
        }
    });
    if let Err(e) = notifier {
        // The software renderer has no notifier: time the first turn of the
        // event loop after the window is shown instead (the first frame is
        // drawn on its first redraw, in or right after that turn).
        tracing::debug!("no rendering notifier ({e}); timing the first event-loop turn");
        slint::Timer::single_shot(std::time::Duration::ZERO, || {
            let _ = emit(&format!("first-frame {}", SystemClock::new().now_ms()));
        });
    }
}
