//! The staff screen: the PIN and its lock, today's figures and list, voids, the export to a USB stick.

use chrono::TimeZone;

use super::*;

pub(super) fn connect_staff<C: Clock + 'static>(app: &App, kiosk: &Shared<C>) {
    let s = app.global::<StaffAdapter>();

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<HomeAdapter>().on_staff(move || {
        let Some(app) = w.upgrade() else { return };
        k.borrow_mut().pin.clear();
        let s = app.global::<StaffAdapter>();
        s.set_pin_dots(SharedString::new());
        s.set_pin_message(SharedString::new());
        go(&app, &k, Page::StaffPin);
        let locked = {
            let kb = k.borrow();
            crate::pin::locked_until(kb.engine.store(), kb.engine.now_ms())
        };
        match locked {
            Ok(Some(until_ms)) => show_pin_lock(&app, &k, until_ms),
            Ok(None) => s.set_pin_locked(false),
            Err(e) => s.set_pin_message(format!("{e}").into()),
        }
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    s.on_pin_digit(move |d| {
        let Some(app) = w.upgrade() else { return };
        if app.global::<StaffAdapter>().get_pin_locked() {
            return;
        }
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
        if app.global::<StaffAdapter>().get_pin_locked() {
            return;
        }
        let (check, en) = {
            let mut kb = k.borrow_mut();
            let pin = std::mem::take(&mut kb.pin);
            let now = kb.engine.now_ms();
            (crate::pin::check(kb.engine.store(), &pin, now), kb.en)
        };
        let s = app.global::<StaffAdapter>();
        s.set_pin_dots(SharedString::new());
        let message = match check {
            Ok(crate::pin::PinCheck::Open) => {
                s.set_pin_message(SharedString::new());
                open_staff(&app, &k, "PIN".into());
                return;
            }
            Ok(crate::pin::PinCheck::Locked { until_ms }) => {
                show_pin_lock(&app, &k, until_ms);
                return;
            }
            Ok(crate::pin::PinCheck::Wrong { tries_left }) => {
                if en {
                    format!("Wrong PIN. {tries_left} more tries before it locks for a while.")
                } else {
                    format!("密码不正确，再错 {tries_left} 次将暂时锁定。")
                }
            }
            Ok(crate::pin::PinCheck::NotSet) => if en {
                "No staff PIN is set on this kiosk. Set one with `kiosk set-pin`."
            } else {
                "本机还没有设置工作人员密码，请用 kiosk set-pin 设置。"
            }
            .to_string(),
            Err(e) => format!("{e}"),
        };
        s.set_pin_message(message.into());
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    s.on_cancel(move || {
        if let Some(app) = w.upgrade() {
            go(&app, &k, Page::Home);
        }
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    s.on_close(move || {
        if let Some(app) = w.upgrade() {
            close_staff(&app, &k);
        }
    });
}

/// Shows the PIN lock-out and counts it down, a second at a time, while the
/// PIN page is open.
pub(super) fn show_pin_lock<C: Clock + 'static>(app: &App, k: &Shared<C>, until_ms: i64) {
    k.borrow_mut().pin.clear();
    app.global::<StaffAdapter>()
        .set_pin_dots(SharedString::new());
    if !pin_lock_tick(app, k, until_ms) {
        return;
    }
    let (w, k2) = (app.as_weak(), k.clone());
    k.borrow()
        .pin_timer
        .start(TimerMode::Repeated, Duration::from_secs(1), move || {
            let Some(app) = w.upgrade() else { return };
            if !pin_lock_tick(&app, &k2, until_ms) {
                k2.borrow().pin_timer.stop();
            }
        });
}

/// Updates the lock-out message; false once the lock is over (or the PIN
/// page closed).
pub(super) fn pin_lock_tick<C: Clock + 'static>(app: &App, k: &Shared<C>, until_ms: i64) -> bool {
    let (now, en) = {
        let kb = k.borrow();
        (kb.engine.now_ms(), kb.en)
    };
    let s = app.global::<StaffAdapter>();
    let left_s = (until_ms - now + 999) / 1000;
    if left_s <= 0 || app.global::<Nav>().get_page() != Page::StaffPin {
        s.set_pin_locked(false);
        s.set_pin_message(SharedString::new());
        return false;
    }
    s.set_pin_locked(true);
    // "1:00" reads as one o'clock: the wait in words.
    let (m, sec) = (left_s / 60, left_s % 60);
    let wait = match (m, sec, en) {
        (0, s, true) => format!("{s} s"),
        (m, 0, true) => format!("{m} min"),
        (m, s, true) => format!("{m} min {s} s"),
        (0, s, false) => format!("{s} 秒"),
        (m, 0, false) => format!("{m} 分钟"),
        (m, s, false) => format!("{m} 分 {s} 秒"),
    };
    s.set_pin_message(
        if en {
            format!("Too many wrong PINs. Try again in {wait}.")
        } else {
            format!("密码错误次数过多，请 {wait}后再试。")
        }
        .into(),
    );
    true
}

pub(super) fn open_staff<C: Clock + 'static>(app: &App, k: &Shared<C>, actor: String) {
    k.borrow_mut().staff_actor = actor;
    k.borrow().pin_timer.stop();
    go(app, k, Page::Staff);

    refresh_staff(app, k);
    // Refresh the numbers while open; close by itself after the idle time.
    k.borrow_mut().staff_touched = std::time::Instant::now();
    let idle = Duration::from_secs(u64::from(k.borrow().config.staff_idle_seconds.max(10)));
    let (w, k2) = (app.as_weak(), k.clone());
    k.borrow()
        .staff_timer
        .start(TimerMode::Repeated, Duration::from_secs(5), move || {
            let Some(app) = w.upgrade() else { return };
            let page = app.global::<Nav>().get_page();
            if !matches!(page, Page::Staff | Page::BindCard) {
                k2.borrow().staff_timer.stop();
            } else if k2.borrow().staff_touched.elapsed() >= idle {
                close_staff(&app, &k2);
            } else if page == Page::Staff {
                refresh_staff(&app, &k2);
            }
        });
}

/// Back to the home screen, with every staff dialog closed.
pub(super) fn close_staff<C: Clock + 'static>(app: &App, k: &Shared<C>) {
    let s = app.global::<StaffAdapter>();
    s.set_void_open(false);
    s.set_export_open(false);
    k.borrow_mut().void_target = None;
    k.borrow_mut().pending_card = None;
    k.borrow().staff_timer.stop();
    go(app, k, Page::Home);
}

/// A staff member did something: the idle close waits again.
pub(super) fn staff_touch<C: Clock + 'static>(k: &Shared<C>) {
    k.borrow_mut().staff_touched = std::time::Instant::now();
}

pub(super) fn refresh_staff<C: Clock + 'static>(app: &App, k: &Shared<C>) {
    let mut k = k.borrow_mut();
    let today = k.engine.local_date_today();
    let day = |back: u64| {
        chrono::NaiveDate::parse_from_str(&today, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.checked_sub_days(chrono::Days::new(back)))
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    let store = k.engine.store();
    let read = || -> Result<_, crate::store::StoreError> {
        Ok((
            store.center_day_stats(&today)?,
            store.day_stats(&day(1))?,
            store.day_stats(&day(7))?,
            store.day_list(&today, STAFF_LIST_LEN)?,
            crate::store::SyncStatus {
                config_problem: k.config.problem.clone(),
                ..store.sync_status()?
            },
        ))
    };
    // Today's activities as the hub lists them, with who signed up; a
    // kiosk without the list (not enrolled, an older hub) counts the
    // visits during each activity's hours.
    let listed: Vec<_> = crate::checkin::activities::of_day(store, &today)
        .into_iter()
        .filter(|a| !a.room)
        .collect();
    let by_activity = if listed.is_empty() {
        let windows =
            view::activity_windows(&k.content, k.engine.time_zone(), k.engine.now_ms(), k.en);
        windows
            .into_iter()
            .map(|(label, from, to)| view::ActivityRow {
                label,
                came: store.visits_between(from, to).unwrap_or_else(|e| {
                    tracing::error!("staff screen: {e}");
                    0
                }),
                note: String::new(),
            })
            .collect()
    } else {
        let came = store.came_for(&today).unwrap_or_else(|e| {
            tracing::error!("staff screen: {e}");
            Vec::new()
        });
        let now = k
            .engine
            .time_zone()
            .timestamp_millis_opt(k.engine.now_ms())
            .single()
            .map(|t| t.time())
            .unwrap_or_default();
        view::activity_rows(&listed, &came, &k.content, now, k.en)
    };
    let (stats, yesterday, last_week, entries, status) = match read() {
        Ok(all) => all,
        Err(e) => {
            tracing::error!("staff screen: {e}");
            return;
        }
    };
    let v = view::staff(
        &stats,
        &view::Earlier {
            yesterday: &yesterday,
            last_week: &last_week,
        },
        &entries,
        by_activity,
        &status,
        k.engine.time_zone(),
        k.engine.now_ms(),
        k.en,
    );
    let (checked_out, stay) = store.stays(&today).unwrap_or_else(|e| {
        tracing::error!("staff screen: {e}");
        (0, None)
    });
    app.global::<StaffAdapter>()
        .set_stay_text(view::stay_text(checked_out, stay, k.en).into());
    k.entries = v.entries.clone();
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
    s.set_total_note(v.total_note.into());
    s.set_members_note(v.members_note.into());
    s.set_visitors_note(v.visitors_note.into());
    s.set_volunteers_now(int(v.volunteers_now));
    s.set_by_activity(model(
        v.by_activity
            .into_iter()
            .map(|r| ActivityCount {
                label: r.label.into(),
                count: int(r.came),
                note: r.note.into(),
            })
            .collect(),
    ));
    s.set_entries(model(
        v.entries
            .into_iter()
            .map(|e| CheckInRow {
                seq: i32::try_from(e.seq).unwrap_or(i32::MAX),
                time: e.time.into(),
                who: e.who.into(),
                voided: e.voided.into(),
            })
            .collect(),
    ));
}

pub(super) fn connect_voids<C: Clock + 'static>(app: &App, kiosk: &Shared<C>) {
    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<StaffAdapter>().on_void_request(move |seq| {
        let Some(app) = w.upgrade() else { return };
        staff_touch(&k);
        let mut kb = k.borrow_mut();
        let Some(entry) = kb
            .entries
            .iter()
            .find(|e| i64::try_from(e.seq).ok() == Some(i64::from(seq)))
            .cloned()
        else {
            return;
        };
        let s = app.global::<StaffAdapter>();
        s.set_void_title(view::void_title(&entry, kb.en).into());
        s.set_void_reasons(model(
            view::void_reasons(kb.en)
                .into_iter()
                .map(|(code, label)| Choice {
                    code: code.into(),
                    label: label.into(),
                    icon: SharedString::new(),
                })
                .collect(),
        ));
        s.set_void_open(true);
        kb.void_target = Some(entry.seq);
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<StaffAdapter>().on_void_cancel(move || {
        let Some(app) = w.upgrade() else { return };
        k.borrow_mut().void_target = None;
        app.global::<StaffAdapter>().set_void_open(false);
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<StaffAdapter>().on_void_reason(move |code| {
        let Some(app) = w.upgrade() else { return };
        staff_touch(&k);
        app.global::<StaffAdapter>().set_void_open(false);
        let result = {
            let mut kb = k.borrow_mut();
            let target = kb.void_target.take();
            let actor = kb.staff_actor.clone();
            match (target, protocol::wire::VoidReason::from_code(&code)) {
                (Some(seq), Some(reason)) => Some(kb.engine.void(seq, reason, &actor)),
                _ => None,
            }
        };
        match result {
            Some(Ok(())) => {
                k.borrow().door.recorded();
            }
            Some(Err(e)) => tracing::warn!("void refused: {e}"),
            None => {}
        }
        refresh_staff(&app, &k);
    });
}

pub(super) fn connect_export<C: Clock + 'static>(app: &App, kiosk: &Shared<C>) {
    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<StaffAdapter>().on_export(move || {
        let Some(app) = w.upgrade() else { return };
        staff_touch(&k);
        let s = app.global::<StaffAdapter>();
        s.set_export_message(SharedString::new());
        s.set_export_error(false);
        let hub = k.borrow().engine.store().enrollment().ok().flatten();
        match hub.and_then(|e| {
            let url = format!("{}/", e.hub_url.trim_end_matches('/'));
            qr_image(&url).map(|img| (url, img))
        }) {
            Some((url, img)) => {
                s.set_hub_url(url.into());
                s.set_hub_qr(img);
            }
            None => s.set_hub_url(SharedString::new()),
        }
        s.set_export_open(true);
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<StaffAdapter>().on_export_close(move || {
        let Some(app) = w.upgrade() else { return };
        staff_touch(&k);
        app.global::<StaffAdapter>().set_export_open(false);
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<StaffAdapter>().on_export_period(move |which| {
        let Some(app) = w.upgrade() else { return };
        staff_touch(&k);
        let kb = k.borrow();
        let en = kb.en;
        let today = kb.engine.local_date_today();
        let label = if which == "month" {
            &today[..7]
        } else {
            &today[..]
        };
        let result = crate::export::Period::parse(label).and_then(|period| {
            let dir = crate::export::target(kb.config.export_dir.as_deref())
                .ok_or_else(|| anyhow::anyhow!(NO_STICK))?;
            let center = kb
                .engine
                .store()
                .enrollment()?
                .map(|e| e.center_id)
                .unwrap_or(0);
            crate::export::export(
                kb.engine.store(),
                kb.engine.time_zone(),
                center,
                &period,
                &dir,
            )
        });
        let s = app.global::<StaffAdapter>();
        let (message, error) = match result {
            Ok(path) => {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                (
                    if en {
                        format!("Saved to the USB stick as {name}. You can take it out now.")
                    } else {
                        format!("已保存到 U 盘：{name}。现在可以拔出 U 盘。")
                    },
                    false,
                )
            }
            Err(e) if e.to_string() == NO_STICK => (
                if en {
                    "No USB stick found. Plug one in and choose again."
                } else {
                    "没有找到 U 盘，请插入 U 盘后再选择。"
                }
                .to_string(),
                true,
            ),
            Err(e) => {
                tracing::warn!("export failed: {e:#}");
                (
                    if en {
                        format!("The file could not be written: {e:#}. Try another USB stick.")
                    } else {
                        format!("文件没有写成功：{e:#}。请换一个 U 盘再试。")
                    },
                    true,
                )
            }
        };
        s.set_export_message(message.into());
        s.set_export_error(error);
    });
}
