//! Attract mode and the dark screen: slides when nobody is at the door, and the screen's hours.

use super::*;

/// A QR code as a Slint image, two pixels a module with a quiet zone.
pub(super) fn qr_image(text: &str) -> Option<slint::Image> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let (quiet, scale) = (4usize, 4usize);
    let side = (width + 2 * quiet) * scale;
    let mut buffer = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(side as u32, side as u32);
    let pixels = buffer.make_mut_slice();
    for (i, p) in pixels.iter_mut().enumerate() {
        let (x, y) = ((i % side) / scale, (i / side) / scale);
        let dark = x >= quiet
            && y >= quiet
            && x - quiet < width
            && y - quiet < width
            && colors[(y - quiet) * width + (x - quiet)] == qrcode::Color::Dark;
        let v = if dark { 0 } else { 255 };
        *p = slint::Rgb8Pixel { r: v, g: v, b: v };
    }
    Some(slint::Image::from_rgb8(buffer))
}

/// Attract mode: armed after `attract_after_seconds` of a quiet home screen
/// (the visitor page, left untouched as long, goes home first; the staff and
/// volunteer pages close by themselves).
pub(super) fn connect_attract<C: Clock + 'static>(app: &App, kiosk: &Shared<C>) {
    let a = app.global::<AttractAdapter>();
    let (w, k) = (app.as_weak(), kiosk.clone());
    a.on_wake(move || {
        if let Some(app) = w.upgrade() {
            wake(&app, &k);
        }
    });
    let k = kiosk.clone();
    a.on_activity(move || k.borrow().attract_idle.restart());

    let after = kiosk.borrow().config.attract_after_seconds;
    if after == 0 {
        return;
    }
    let (w, k) = (app.as_weak(), kiosk.clone());
    kiosk.borrow().attract_idle.start(
        TimerMode::SingleShot,
        Duration::from_secs(u64::from(after)),
        move || {
            let Some(app) = w.upgrade() else { return };
            // A visitor who walked away mid-way: nothing is counted.
            if app.global::<Nav>().get_page() == Page::Visitor {
                go(&app, &k, Page::Home);
            }
            let quiet = app.global::<Nav>().get_page() == Page::Home
                && !app.global::<ResultAdapter>().get_shown();
            if quiet && !screen_on_now(&k) {
                go_dark(&app, &k);
            } else if quiet {
                start_attract(&app, &k);
            } else {
                k.borrow().attract_idle.restart();
            }
        },
    );
}

pub(super) fn start_attract<C: Clock + 'static>(app: &App, k: &Shared<C>) {
    // Whoever chose a language has gone: the next youth gets the default.
    default_language(app, k);
    fill_slides(app, k);
    tracing::info!(slides = k.borrow().attract_len, "attract mode on");
    k.borrow_mut()
        .quiet_since
        .get_or_insert_with(std::time::Instant::now);
    let a = app.global::<AttractAdapter>();
    a.set_index(0);
    a.set_shown(true);
    let secs = u64::from(k.borrow().config.attract_slide_seconds.max(3));
    let (w, k2) = (app.as_weak(), k.clone());
    k.borrow()
        .attract_turn
        .start(TimerMode::Repeated, Duration::from_secs(secs), move || {
            let Some(app) = w.upgrade() else { return };
            if !screen_on_now(&k2) {
                go_dark(&app, &k2);
                return;
            }
            let a = app.global::<AttractAdapter>();
            let len = k2.borrow().attract_len.max(1);
            let next = (usize::try_from(a.get_index()).unwrap_or(0) + 1) % len;
            if next == 0 {
                // Round again: what is "still to come" has moved on.
                fill_slides(&app, &k2);
            }
            a.set_index(i32::try_from(next).unwrap_or(0));
        });
}

pub(super) fn fill_slides<C: Clock + 'static>(app: &App, k: &Shared<C>) {
    let (slides, pictures) = {
        let k = k.borrow();
        let slides = view::attract(&k.content, k.en, k.engine.time_zone(), k.engine.now_ms());
        let pictures: Vec<slint::Image> = slides
            .iter()
            .map(|s| {
                k.content
                    .pictures
                    .get(&s.picture)
                    .map(to_image)
                    .unwrap_or_default()
            })
            .collect();
        (slides, pictures)
    };
    k.borrow_mut().attract_len = slides.len();
    app.global::<AttractAdapter>().set_slides(model(
        slides
            .into_iter()
            .zip(pictures)
            .map(|(s, picture)| Slide {
                picture,
                qr: (!s.link.is_empty())
                    .then(|| qr_image(&s.link))
                    .flatten()
                    .unwrap_or_default(),
                tag: s.tag.into(),
                title: s.title.into(),
                detail: s.detail.into(),
            })
            .collect(),
    ));
}

/// Whether the screen should be on now (center-local time).
pub(super) fn screen_on_now<C: Clock + 'static>(k: &Shared<C>) -> bool {
    let k = k.borrow();
    let Some(hours) = k.screen_hours else {
        return true;
    };
    match chrono::TimeZone::timestamp_millis_opt(&k.engine.time_zone(), k.engine.now_ms()).single()
    {
        Some(t) => hours.contains(t.time()),
        None => true,
    }
}

/// Outside the screen's hours with nobody here: a black page, no redraws,
/// the backlight off where there is one.
pub(super) fn go_dark<C: Clock + 'static>(app: &App, k: &Shared<C>) {
    let a = app.global::<AttractAdapter>();
    a.set_shown(false);
    k.borrow().attract_turn.stop();
    k.borrow_mut()
        .quiet_since
        .get_or_insert_with(std::time::Instant::now);
    if !a.get_dark() {
        tracing::info!("outside screen_hours: screen dark until somebody comes");
        a.set_dark(true);
        crate::screen::backlight(false);
    }
}

/// A new release of the kiosk (see [`crate::software`]) is installed at a
/// quiet moment: attract mode or the dark screen for `update_quiet_minutes`,
/// the home screen behind it. The kiosk then ends, and systemd starts it
/// again on the new version; outside systemd (nothing to start it again)
/// it never does.
pub(super) fn connect_updates<C: Clock + 'static>(app: &App, kiosk: &Shared<C>) {
    let Some(data) = kiosk.borrow().data.clone() else {
        return;
    };
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    let quiet = Duration::from_secs(u64::from(kiosk.borrow().config.update_quiet_minutes) * 60);
    let (w, k) = (app.as_weak(), kiosk.clone());
    kiosk
        .borrow()
        .update_timer
        .start(TimerMode::Repeated, Duration::from_secs(5), move || {
            let Some(app) = w.upgrade() else { return };
            let quiet_long = k.borrow().quiet_since.is_some_and(|t| t.elapsed() >= quiet);
            let at_home = app.global::<Nav>().get_page() == Page::Home
                && !app.global::<ResultAdapter>().get_shown();
            if !quiet_long || !at_home || crate::software::pending(&data).is_none() {
                return;
            }
            match crate::software::install_next(&data) {
                Ok(Some(_)) => {
                    let _ = slint::quit_event_loop();
                }
                Ok(None) => {}
                Err(e) => tracing::error!("cannot install the new release: {e:#}"),
            }
        });
}
