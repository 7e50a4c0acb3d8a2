//! Joining: the center's join code, for a youth's own phone. The kiosk
//! holds no personal data: the youth fills the form on their phone, at
//! the hub, and comes back with their code. 我有话说 uses the same page for
//! the center's help form, with the 12355 hotline beside it.

use super::*;

/// The join page closes by itself this long after it opened.
const JOIN_IDLE: Duration = Duration::from_secs(90);

pub(super) fn connect_join<C: Clock + 'static>(app: &App, kiosk: &Shared<C>) {
    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<HomeAdapter>().on_join(move || {
        if let Some(app) = w.upgrade() {
            open(&app, &k, false);
        }
    });
    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<HomeAdapter>().on_help(move || {
        if let Some(app) = w.upgrade() {
            open(&app, &k, true);
        }
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<JoinAdapter>().on_close(move || {
        if let Some(app) = w.upgrade() {
            k.borrow().page_timer.stop();
            go(&app, &k, Page::Home);
        }
    });
}

/// The join page, or (`help`) the same page leading to the center's help
/// form: a QR code of the hub's page for the youth's phone.
fn open<C: Clock + 'static>(app: &App, k: &Shared<C>, help: bool) {
    let link = {
        let k = k.borrow();
        let store = k.engine.store();
        let public = store
            .setting(crate::sync::SETTING_PUBLIC_URL)
            .ok()
            .flatten();
        store.enrollment().ok().flatten().map(|e| {
            let hub = public.as_deref().unwrap_or(&e.hub_url);
            if help {
                view::help_link(hub, e.center_id)
            } else {
                view::join_link(hub, e.center_id)
            }
        })
    };
    let j = app.global::<JoinAdapter>();
    j.set_help(help);
    match link.as_deref().and_then(|l| qr_image(l).map(|q| (l, q))) {
        Some((l, qr)) => {
            j.set_link(l.into());
            j.set_qr(qr);
        }
        None => {
            j.set_link(SharedString::new());
            j.set_qr(slint::Image::default());
        }
    }
    go(app, k, Page::Join);
    let w = app.as_weak();
    let k2 = k.clone();
    k.borrow()
        .page_timer
        .start(TimerMode::SingleShot, JOIN_IDLE, move || {
            if let Some(app) = w.upgrade()
                && app.global::<Nav>().get_page() == Page::Join
            {
                go(&app, &k2, Page::Home);
            }
        });
}
