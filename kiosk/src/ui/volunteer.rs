//! Volunteers starting and ending shifts at the kiosk.

use super::*;

pub(super) fn connect_volunteers<C: Clock + 'static>(app: &App, kiosk: &Shared<C>) {
    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<HomeAdapter>().on_volunteer(move || {
        let Some(app) = w.upgrade() else { return };
        let choices = {
            let k = k.borrow();
            view::shift_choices(&k.content, k.en, k.engine.time_zone(), k.engine.now_ms())
        };
        let v = app.global::<VolunteerAdapter>();
        v.set_activities(model(
            choices
                .iter()
                .enumerate()
                .map(|(i, c)| Choice {
                    code: i.to_string().into(),
                    label: c.label.clone().into(),
                    icon: SharedString::new(),
                })
                .collect(),
        ));
        v.set_step(0);
        {
            let mut k = k.borrow_mut();
            k.shift_choices = choices;
        }
        go(&app, &k, Page::Volunteer);
        volunteer_idle(&app, &k);
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<VolunteerAdapter>().on_start(move |code| {
        let Some(app) = w.upgrade() else { return };
        let mut kb = k.borrow_mut();
        let Some(choice) = code
            .parse::<usize>()
            .ok()
            .and_then(|i| kb.shift_choices.get(i).cloned())
        else {
            return;
        };
        let v = app.global::<VolunteerAdapter>();
        v.set_action_text(view::shift_prompt(Some(&choice), kb.en).into());
        v.set_step(1);
        kb.door.set_mode(Mode::Shift(ShiftAction::Start {
            activity: choice.activity,
            category: choice.category,
        }));
        drop(kb);
        volunteer_idle(&app, &k);
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<VolunteerAdapter>().on_end(move || {
        let Some(app) = w.upgrade() else { return };
        let en = k.borrow().en;
        let v = app.global::<VolunteerAdapter>();
        v.set_action_text(view::shift_prompt(None, en).into());
        v.set_step(1);
        k.borrow_mut().door.set_mode(Mode::Shift(ShiftAction::End));
        volunteer_idle(&app, &k);
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<VolunteerAdapter>().on_back(move || {
        let Some(app) = w.upgrade() else { return };
        k.borrow_mut().door.set_mode(Mode::CheckIn);
        app.global::<VolunteerAdapter>().set_step(0);
        volunteer_idle(&app, &k);
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<VolunteerAdapter>().on_cancel(move || {
        if let Some(app) = w.upgrade() {
            close_volunteers(&app, &k);
        }
    });
}

/// (Re)starts the volunteer page's idle timer: untouched, it goes home, so
/// the next youth's scan is a plain check-in.
pub(super) fn volunteer_idle<C: Clock + 'static>(app: &App, k: &Shared<C>) {
    let (w, k2) = (app.as_weak(), k.clone());
    k.borrow()
        .volunteer_timer
        .start(TimerMode::SingleShot, VOLUNTEER_IDLE, move || {
            if let Some(app) = w.upgrade() {
                close_volunteers(&app, &k2);
            }
        });
}

pub(super) fn close_volunteers<C: Clock + 'static>(app: &App, k: &Shared<C>) {
    k.borrow().volunteer_timer.stop();
    if app.global::<Nav>().get_page() == Page::Volunteer {
        go(app, k, Page::Home);
    }
}
