//! Enrolling from the screen: an unenrolled kiosk says to scan the code the
//! hub's kiosks page shows (`YCE1 <hub> <code>`), so a technician needs no
//! keyboard. The enrollment runs off the event loop; once it succeeds the
//! kiosk starts afresh as an enrolled one (the same program, in place), so
//! its sync and keys are those of the hub.

use super::*;

type EnrollAnswer = Rc<dyn Fn(&App, anyhow::Result<crate::setup::Enrolled>)>;

thread_local! {
    /// What to do with the enrollment's answer, on the event loop's thread.
    static ON_ENROLLED: RefCell<Option<EnrollAnswer>> = const { RefCell::new(None) };
}

/// Seconds the result of an enrollment stays before the kiosk restarts.
const RESTART_AFTER: Duration = Duration::from_secs(4);

pub(super) fn enroll_from_scan<C: Clock + 'static>(
    app: &App,
    k: &Shared<C>,
    hub: String,
    code: String,
) {
    let (en, secs, enrolled, data) = {
        let kb = k.borrow();
        (
            kb.en,
            kb.config.result_seconds,
            kb.engine.enrolled(),
            kb.data.clone(),
        )
    };
    let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
    if enrolled {
        show_result(
            app,
            k,
            view::ResultTone::Refused,
            &t("本机已注册", "This kiosk is enrolled already"),
            &t(
                "如需换到另一个中心，请在平台上停用本机后由技术人员重新注册。",
                "To move it to another center, take it out of service on the hub and have a technician enroll it again.",
            ),
            secs,
        );
        return;
    }
    let Some(data) = data else {
        show_result(
            app,
            k,
            view::ResultTone::Refused,
            &t("无法在此注册", "Cannot enroll here"),
            "",
            secs,
        );
        return;
    };
    show_result(
        app,
        k,
        view::ResultTone::Repeat,
        &t("正在注册…", "Enrolling…"),
        &hub,
        60,
    );
    // The answer comes back on the event loop's thread, where the
    // controller lives (it cannot cross threads).
    let k2 = k.clone();
    let answer: EnrollAnswer = Rc::new(move |app, result| enrolled_answer(app, &k2, en, result));
    ON_ENROLLED.with(|h| *h.borrow_mut() = Some(answer));
    let weak = app.as_weak();
    let spawned = std::thread::Builder::new()
        .name("enroll".into())
        .spawn(move || {
            let result = crate::setup::enroll_quietly(&data, &hub, &code, None, false);
            let _ = weak.upgrade_in_event_loop(move |app| {
                if let Some(answer) = ON_ENROLLED.with(|h| h.borrow_mut().take()) {
                    answer(&app, result);
                }
            });
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the enrollment: {e}");
    }
}

fn enrolled_answer<C: Clock + 'static>(
    app: &App,
    k: &Shared<C>,
    en: bool,
    result: anyhow::Result<crate::setup::Enrolled>,
) {
    let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
    match result {
        Ok(done) => {
            tracing::info!("{done}; starting afresh as an enrolled kiosk");
            show_result(
                app,
                k,
                view::ResultTone::Welcome,
                &t("注册成功", "Enrolled"),
                &format!(
                    "{} · {}",
                    done.center_name,
                    t("正在重新启动…", "restarting…")
                ),
                RESTART_AFTER.as_secs() as u32 + 1,
            );
            Timer::single_shot(RESTART_AFTER, restart);
        }
        Err(e) => {
            tracing::warn!("enrollment from a scanned code failed: {e:#}");
            let secs = k.borrow().config.result_seconds.max(8);
            show_result(
                app,
                k,
                view::ResultTone::Refused,
                &t("注册没有成功", "Enrollment failed"),
                &format!("{e:#}"),
                secs,
            );
        }
    }
}

/// The same program again, in place, with the same arguments: it starts
/// as an enrolled kiosk (its sync, its keys). Under systemd the service's
/// process stays the same one.
fn restart() {
    use std::os::unix::process::CommandExt;
    let Ok(exe) = std::env::current_exe() else {
        tracing::error!(
            "cannot find this program to restart it; quitting (the service restarts it)"
        );
        let _ = slint::quit_event_loop();
        return;
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .exec();
    tracing::error!("cannot restart in place ({err}); quitting (the service restarts it)");
    let _ = slint::quit_event_loop();
}
