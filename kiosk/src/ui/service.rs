//! A service's page, opened from its tile on the home screen.

use super::*;
use chrono::TimeZone;

/// A service page closes by itself this long after it opened.
const SERVICE_IDLE: Duration = Duration::from_secs(90);

pub(super) fn connect_services<C: Clock + 'static>(app: &App, kiosk: &Shared<C>) {
    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<HomeAdapter>().on_open_service(move |index| {
        let Some(app) = w.upgrade() else { return };
        let v = {
            let k = k.borrow();
            let date = k
                .engine
                .time_zone()
                .timestamp_millis_opt(k.engine.now_ms())
                .single()
                .map(|t| t.date_naive())
                .unwrap_or_default();
            usize::try_from(index)
                .ok()
                .and_then(|i| view::service_page(&k.content, i, k.en, date))
        };
        let Some(v) = v else { return };
        let s = app.global::<ServiceAdapter>();
        s.set_title(v.title.into());
        s.set_entries(model(
            v.entries
                .into_iter()
                .map(|e| ServiceEntry {
                    title: e.title.into(),
                    about: e.about.into(),
                    place: e.place.into(),
                    hours: e.hours.into(),
                    steps: model(e.steps.into_iter().map(SharedString::from).collect()),
                    ask: e.ask.into(),
                })
                .collect(),
        ));
        s.set_activities(model(
            v.activities
                .into_iter()
                .map(|(time, title, place)| ActivityItem {
                    time: time.into(),
                    title: title.into(),
                    place: place.into(),
                })
                .collect(),
        ));
        go(&app, &k, Page::Service);
        let w = app.as_weak();
        let k2 = k.clone();
        k.borrow()
            .page_timer
            .start(TimerMode::SingleShot, SERVICE_IDLE, move || {
                if let Some(app) = w.upgrade()
                    && app.global::<Nav>().get_page() == Page::Service
                {
                    go(&app, &k2, Page::Home);
                }
            });
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<ServiceAdapter>().on_close(move || {
        if let Some(app) = w.upgrade() {
            k.borrow().page_timer.stop();
            go(&app, &k, Page::Home);
        }
    });
}
