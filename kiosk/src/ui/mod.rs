//! The touchscreen UI: binds the Slint adapters to the engine and the views.
//!
//! Slint owns the main thread. Everything here runs on it; the check-in
//! engine is called directly because a durable SQLite write takes a few
//! milliseconds, well inside one frame budget. The sync task lives on tokio
//! threads and is woken through a `Notify`.

pub mod view;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use protocol::catalog::{AgeBand, ServiceCategory};
use slint::{ComponentHandle, ModelRc, SharedString, Timer, TimerMode, VecModel};
use tokio::sync::Notify;

use crate::checkin::{Credential, Engine, Outcome, Refusal};
use crate::clock::Clock;
use crate::config::Config;
use crate::content::ContentBundle;
use crate::input::keyboard::ScanBuffer;

mod generated {
    slint::include_modules!();
}

pub use generated::*;

/// The controller behind the window.
pub struct Kiosk<C: Clock> {
    pub engine: Engine<C>,
    content: ContentBundle,
    config: Config,
    en: bool,
    scan: ScanBuffer,
    pin: String,
    sync_wake: Option<Arc<Notify>>,
    result_timer: Timer,
    staff_timer: Timer,
    tick_timer: Timer,
    /// Language and date the home screen's lists were built for.
    home_built_for: Option<(bool, String)>,
}

type Shared<C> = Rc<RefCell<Kiosk<C>>>;

impl<C: Clock + 'static> Kiosk<C> {
    pub fn new(
        engine: Engine<C>,
        content: ContentBundle,
        config: Config,
        sync_wake: Option<Arc<Notify>>,
    ) -> Self {
        Kiosk {
            en: config.language == "en",
            engine,
            content,
            config,
            scan: ScanBuffer::default(),
            pin: String::new(),
            sync_wake,
            result_timer: Timer::default(),
            staff_timer: Timer::default(),
            tick_timer: Timer::default(),
            home_built_for: None,
        }
    }
}

fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}

/// Wires every callback of the window to the controller and fills the screens.
pub fn connect<C: Clock + 'static>(app: &App, kiosk: Kiosk<C>) -> Rc<RefCell<Kiosk<C>>> {
    let kiosk = Rc::new(RefCell::new(kiosk));
    refresh_language(app, &kiosk);

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<ScanAdapter>().on_key_typed(move |text| {
        let Some(app) = w.upgrade() else { return };
        let now = k.borrow().engine_now();
        let line = k.borrow_mut().scan.key(&text, now);
        if let Some(line) = line {
            let outcome = k.borrow_mut().engine.scan(&line);
            show_outcome(&app, &k, &outcome);
        }
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<HomeAdapter>().on_toggle_language(move || {
        let Some(app) = w.upgrade() else { return };
        let en = !k.borrow().en;
        k.borrow_mut().en = en;
        refresh_language(&app, &k);
    });

    let w = app.as_weak();
    app.global::<HomeAdapter>().on_visitor(move || {
        if let Some(app) = w.upgrade() {
            app.global::<Nav>().set_page(Page::Visitor);
        }
    });

    let w = app.as_weak();
    app.global::<VisitorAdapter>().on_cancel(move || {
        if let Some(app) = w.upgrade() {
            app.global::<Nav>().set_page(Page::Home);
        }
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<VisitorAdapter>()
        .on_submit(move |age, purpose| {
            let Some(app) = w.upgrade() else { return };
            app.global::<Nav>().set_page(Page::Home);
            let outcome = match (
                AgeBand::from_code(&age),
                ServiceCategory::from_code(&purpose),
            ) {
                (Some(age_band), Some(purpose)) => k
                    .borrow_mut()
                    .engine
                    .check_in(Credential::Visitor { age_band, purpose }),
                _ => Outcome::refused(Refusal::Garbled),
            };
            show_outcome(&app, &k, &outcome);
        });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<ResultAdapter>().on_dismiss(move || {
        if let Some(app) = w.upgrade() {
            app.global::<ResultAdapter>().set_shown(false);
            k.borrow().result_timer.stop();
        }
    });

    connect_staff(app, &kiosk);

    // The clock on the home screen; the date (and so today's activities)
    // changes at midnight. Ticking every 10 s costs one redraw a minute.
    let (w, k) = (app.as_weak(), kiosk.clone());
    kiosk
        .borrow()
        .tick_timer
        .start(TimerMode::Repeated, Duration::from_secs(10), move || {
            if let Some(app) = w.upgrade() {
                refresh_home(&app, &k);
            }
        });
    kiosk
}

impl<C: Clock> Kiosk<C> {
    fn engine_now(&self) -> i64 {
        self.engine.now_ms()
    }
}

fn refresh_language<C: Clock + 'static>(app: &App, k: &Shared<C>) {
    let en = k.borrow().en;
    app.global::<Lang>().set_en(en);
    refresh_home(app, k);
    let choice = |(code, label): (String, String)| Choice {
        code: code.into(),
        label: label.into(),
    };
    let va = app.global::<VisitorAdapter>();
    va.set_age_bands(model(
        view::age_band_choices(en).into_iter().map(choice).collect(),
    ));
    va.set_purposes(model(
        view::purpose_choices(en).into_iter().map(choice).collect(),
    ));
    if app.global::<Nav>().get_page() == Page::Staff {
        refresh_staff(app, k);
    }
}

fn refresh_home<C: Clock + 'static>(app: &App, k: &Shared<C>) {
    let mut k = k.borrow_mut();
    let v = view::home(&k.content, k.en, k.engine.time_zone(), k.engine.now_ms());
    let h = app.global::<HomeAdapter>();
    // Setting an unchanged string causes no redraw; the clock changes once a minute.
    h.set_clock_text(v.clock_text.into());
    let built_for = Some((k.en, v.date_text.clone()));
    if k.home_built_for == built_for {
        return;
    }
    k.home_built_for = built_for;
    h.set_center_name(v.center_name.into());
    h.set_opening_hours(v.opening_hours.into());
    h.set_date_text(v.date_text.into());
    h.set_announcement(v.announcement.into());
    h.set_services(model(
        v.services
            .into_iter()
            .map(|(title, items)| ServiceGroup {
                title: title.into(),
                items: items.into(),
            })
            .collect(),
    ));
    h.set_activities(model(
        v.activities
            .into_iter()
            .map(|(time, title, place)| ActivityItem {
                time: time.into(),
                title: title.into(),
                place: place.into(),
            })
            .collect(),
    ));
    h.set_contacts(model(
        v.contacts
            .into_iter()
            .map(|(label, value)| ContactItem {
                label: label.into(),
                value: value.into(),
            })
            .collect(),
    ));
}

fn show_outcome<C: Clock + 'static>(app: &App, k: &Shared<C>, outcome: &Outcome) {
    let (en, secs, now, tz) = {
        let k = k.borrow();
        (
            k.en,
            k.config.result_seconds,
            k.engine.now_ms(),
            k.engine.time_zone(),
        )
    };
    let v = view::result(outcome, en, &view::local_time(tz, now));
    let r = app.global::<ResultAdapter>();
    r.set_kind(match v.tone {
        view::ResultTone::Welcome => ResultKind::Welcome,
        view::ResultTone::Repeat => ResultKind::Repeat,
        view::ResultTone::Refused => ResultKind::Refused,
    });
    r.set_headline(v.headline.into());
    r.set_detail(v.detail.into());
    r.set_shown(true);
    if matches!(outcome, Outcome::Welcome { .. })
        && let Some(wake) = &k.borrow().sync_wake
    {
        wake.notify_one();
    }
    let w = app.as_weak();
    k.borrow().result_timer.start(
        TimerMode::SingleShot,
        Duration::from_secs(u64::from(secs.max(1))),
        move || {
            if let Some(app) = w.upgrade() {
                app.global::<ResultAdapter>().set_shown(false);
            }
        },
    );
}

fn connect_staff<C: Clock + 'static>(app: &App, kiosk: &Shared<C>) {
    let s = app.global::<StaffAdapter>();

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<HomeAdapter>().on_staff(move || {
        let Some(app) = w.upgrade() else { return };
        k.borrow_mut().pin.clear();
        let s = app.global::<StaffAdapter>();
        s.set_pin_dots(SharedString::new());
        s.set_pin_message(SharedString::new());
        app.global::<Nav>().set_page(Page::StaffPin);
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    s.on_pin_digit(move |d| {
        let Some(app) = w.upgrade() else { return };
        let mut k = k.borrow_mut();
        if k.pin.len() < 8 {
            k.pin.push_str(&d);
        }
        let s = app.global::<StaffAdapter>();
        s.set_pin_dots("●".repeat(k.pin.len()).into());
        s.set_pin_message(SharedString::new());
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    s.on_pin_backspace(move || {
        let Some(app) = w.upgrade() else { return };
        let mut k = k.borrow_mut();
        k.pin.pop();
        app.global::<StaffAdapter>()
            .set_pin_dots("●".repeat(k.pin.len()).into());
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    s.on_pin_submit(move || {
        let Some(app) = w.upgrade() else { return };
        let (ok, message) = {
            let mut kb = k.borrow_mut();
            let pin = std::mem::take(&mut kb.pin);
            let en = kb.en;
            match kb.engine.store().staff_pin_hash() {
                Ok(Some(stored)) if crate::pin::verify(&stored, &pin) => (true, String::new()),
                Ok(Some(_)) => (
                    false,
                    if en {
                        "Wrong PIN. Try again."
                    } else {
                        "密码不正确，请重试。"
                    }
                    .to_string(),
                ),
                Ok(None) => (
                    false,
                    if en {
                        "No staff PIN is set on this kiosk. Set one with `kiosk set-pin`."
                    } else {
                        "本机还没有设置工作人员密码，请用 kiosk set-pin 设置。"
                    }
                    .to_string(),
                ),
                Err(e) => (false, format!("{e}")),
            }
        };
        let s = app.global::<StaffAdapter>();
        s.set_pin_dots(SharedString::new());
        s.set_pin_message(message.into());
        if ok {
            open_staff(&app, &k);
        }
    });

    let w = app.as_weak();
    s.on_cancel(move || {
        if let Some(app) = w.upgrade() {
            app.global::<Nav>().set_page(Page::Home);
        }
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    s.on_close(move || {
        if let Some(app) = w.upgrade() {
            app.global::<Nav>().set_page(Page::Home);
            k.borrow().staff_timer.stop();
        }
    });
}

fn open_staff<C: Clock + 'static>(app: &App, k: &Shared<C>) {
    app.global::<Nav>().set_page(Page::Staff);
    refresh_staff(app, k);
    // Refresh the numbers while open; close by itself after the idle time.
    let opened = std::time::Instant::now();
    let idle = Duration::from_secs(u64::from(k.borrow().config.staff_idle_seconds.max(10)));
    let (w, k2) = (app.as_weak(), k.clone());
    k.borrow()
        .staff_timer
        .start(TimerMode::Repeated, Duration::from_secs(5), move || {
            let Some(app) = w.upgrade() else { return };
            if opened.elapsed() >= idle {
                app.global::<Nav>().set_page(Page::Home);
                k2.borrow().staff_timer.stop();
            } else {
                refresh_staff(&app, &k2);
            }
        });
}

fn refresh_staff<C: Clock + 'static>(app: &App, k: &Shared<C>) {
    let k = k.borrow();
    let today = k.engine.local_date_today();
    let store = k.engine.store();
    let (stats, status) = match (store.day_stats(&today), store.sync_status()) {
        (Ok(s), Ok(t)) => (s, t),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!("staff screen: {e}");
            return;
        }
    };
    let v = view::staff(
        &stats,
        &status,
        k.engine.time_zone(),
        k.engine.now_ms(),
        k.en,
    );
    let s = app.global::<StaffAdapter>();
    let int = |n: u64| i32::try_from(n).unwrap_or(i32::MAX);
    s.set_day_title(v.day_title.into());
    s.set_total(int(v.total));
    s.set_members(int(v.members));
    s.set_distinct_members(int(v.distinct_members));
    s.set_visitors(int(v.visitors));
    s.set_max_hour(int(v
        .by_hour
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0)
        .max(1)));
    s.set_by_hour(model(
        v.by_hour
            .into_iter()
            .map(|(label, n)| HourBar {
                label: label.into(),
                count: int(n),
            })
            .collect(),
    ));
    s.set_by_category(model(
        v.by_category
            .into_iter()
            .map(|(label, n)| CountRow {
                label: label.into(),
                count: int(n),
            })
            .collect(),
    ));
    s.set_sync_text(v.sync_text.into());
    s.set_sync_ok(v.sync_ok);
}
