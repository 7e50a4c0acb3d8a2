//! The number pad: a member number typed on the screen does what a scan of
//! it would do on the page below (a check-in at home, a volunteer's shift).

use super::*;

/// The longest member number the pad takes (`scan::parse` reads 4 to 10).
const MAX_DIGITS: usize = 10;
/// The shortest one worth sending.
const MIN_DIGITS: usize = 4;
/// The pad closes by itself this long after its last touch.
const PAD_IDLE: Duration = Duration::from_secs(30);

pub(super) fn connect_pad<C: Clock + 'static>(app: &App, kiosk: &Shared<C>) {
    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<HomeAdapter>().on_type_number(move || {
        if let Some(app) = w.upgrade() {
            open_pad(&app, &k, false);
        }
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<VolunteerAdapter>().on_type_number(move || {
        if let Some(app) = w.upgrade() {
            open_pad(&app, &k, true);
        }
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<PadAdapter>().on_digit(move |d| {
        let Some(app) = w.upgrade() else { return };
        let mut number = std::mem::take(&mut k.borrow_mut().pad_number);
        if number.len() < MAX_DIGITS && d.len() == 1 && d.bytes().all(|b| b.is_ascii_digit()) {
            number.push_str(&d);
        }
        show_digits(&app, &k, number);
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<PadAdapter>().on_back(move || {
        let Some(app) = w.upgrade() else { return };
        let mut number = std::mem::take(&mut k.borrow_mut().pad_number);
        number.pop();
        show_digits(&app, &k, number);
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<PadAdapter>().on_cancel(move || {
        if let Some(app) = w.upgrade() {
            close_pad(&app, &k);
        }
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<PadAdapter>().on_ok(move || {
        let Some(app) = w.upgrade() else { return };
        let number = k.borrow().pad_number.clone();
        if number.len() < MIN_DIGITS {
            let en = k.borrow().en;
            app.global::<PadAdapter>().set_problem(
                if en {
                    "That is too short: a member number has 8 digits."
                } else {
                    "位数不够：会员号是 8 位数字。"
                }
                .into(),
            );
            touch_pad(&app, &k);
            return;
        }
        close_pad(&app, &k);
        // The same path as a scanner typing the number and Enter.
        on_input(&app, &k, Ok(crate::input::Input::Scan(number)));
    });
}

fn open_pad<C: Clock + 'static>(app: &App, k: &Shared<C>, for_shift: bool) {
    let p = app.global::<PadAdapter>();
    p.set_for_shift(for_shift);
    show_digits(app, k, String::new());
    p.set_shown(true);
    // The volunteer page's own wait would send it home under the pad.
    k.borrow().volunteer_timer.stop();
}

fn show_digits<C: Clock + 'static>(app: &App, k: &Shared<C>, number: String) {
    let p = app.global::<PadAdapter>();
    p.set_digits(number.clone().into());
    p.set_ready(number.len() >= MIN_DIGITS);
    p.set_problem(SharedString::new());
    k.borrow_mut().pad_number = number;
    touch_pad(app, k);
}

/// Somebody is at the pad: it stays, and attract mode waits.
fn touch_pad<C: Clock + 'static>(app: &App, k: &Shared<C>) {
    wake(app, k);
    let w = app.as_weak();
    let k2 = k.clone();
    k.borrow()
        .pad_timer
        .start(TimerMode::SingleShot, PAD_IDLE, move || {
            if let Some(app) = w.upgrade() {
                close_pad(&app, &k2);
            }
        });
}

/// Closes the pad and forgets what was typed; a volunteer's page below
/// starts its own wait again.
pub(super) fn close_pad<C: Clock + 'static>(app: &App, k: &Shared<C>) {
    let p = app.global::<PadAdapter>();
    if !p.get_shown() {
        return;
    }
    p.set_shown(false);
    p.set_digits(SharedString::new());
    k.borrow_mut().pad_number.clear();
    k.borrow().pad_timer.stop();
    if app.global::<Nav>().get_page() == Page::Volunteer {
        volunteer_idle(app, k);
    }
}
