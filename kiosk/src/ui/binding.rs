//! Binding a card to a member at the kiosk: tap, number, confirm.

use super::*;

pub(super) fn connect_binding<C: Clock + 'static>(app: &App, kiosk: &Shared<C>) {
    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<StaffAdapter>().on_bind_card(move || {
        let Some(app) = w.upgrade() else { return };
        staff_touch(&k);
        {
            let mut k = k.borrow_mut();
            k.pending_card = None;
            k.bind_number.clear();
        }
        let b = app.global::<BindAdapter>();
        b.set_step(0);
        b.set_number(SharedString::new());
        // No card reader in the settings: no tap can come; say so rather
        // than wait.
        let (no_reader, en) = {
            let k = k.borrow();
            (k.config.devices().card_readers.is_none(), k.en)
        };
        b.set_error(no_reader);
        b.set_message(if no_reader {
            if en {
                "No card reader is connected to this kiosk (card_readers in kiosk.toml), so no card can be bound here. Call the technician."
            } else {
                "本机没有连接读卡器（kiosk.toml 中的 card_readers），无法在这里绑定卡片。请联系技术人员。"
            }
            .into()
        } else {
            SharedString::new()
        });
        go(&app, &k, Page::BindCard);
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<BindAdapter>().on_digit(move |d| {
        let Some(app) = w.upgrade() else { return };
        staff_touch(&k);
        let mut k = k.borrow_mut();
        if k.bind_number.len() < 10 {
            k.bind_number.push_str(&d);
        }
        app.global::<BindAdapter>()
            .set_number(k.bind_number.clone().into());
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<BindAdapter>().on_backspace(move || {
        let Some(app) = w.upgrade() else { return };
        let mut k = k.borrow_mut();
        k.bind_number.pop();
        app.global::<BindAdapter>()
            .set_number(k.bind_number.clone().into());
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<BindAdapter>().on_confirm(move || {
        let Some(app) = w.upgrade() else { return };
        let mut kb = k.borrow_mut();
        let en = kb.en;
        let b = app.global::<BindAdapter>();
        let (Some(uid), Ok(member_id)) = (kb.pending_card.clone(), kb.bind_number.parse::<u32>()) else {
            b.set_error(true);
            b.set_message(if en { "Enter a member number." } else { "请输入会员号。" }.into());
            return;
        };
        match kb.engine.bind_card(&uid, member_id) {
            Ok(name) => {
                kb.pending_card = None;
                b.set_step(2);
                b.set_error(false);
                b.set_message(
                    if en {
                        format!("Bound to {name}. It works here now and on the center's other kiosks after their next sync.")
                    } else {
                        format!("已绑定给 {name}。本机立即可用，本中心其他签到机同步后也可使用。")
                    }
                    .into(),
                );
                kb.door.recorded();
            }
            Err(reason) => {
                b.set_error(true);
                b.set_message(reason.message(!en).into());
            }
        }
    });

    let (w, k) = (app.as_weak(), kiosk.clone());
    app.global::<BindAdapter>().on_done(move || {
        let Some(app) = w.upgrade() else { return };
        k.borrow_mut().pending_card = None;
        go(&app, &k, Page::Staff);
        refresh_staff(&app, &k);
    });
}

/// A card tapped while staff are binding: remember it and ask for the member.
/// A card tapped on the binding page (`None`: one that could not be read).
pub(super) fn card_for_binding<C: Clock + 'static>(app: &App, k: &Shared<C>, uid: Option<Vec<u8>>) {
    let b = app.global::<BindAdapter>();
    let mut k = k.borrow_mut();
    let en = k.en;
    let Some(uid) = uid else {
        b.set_error(true);
        b.set_message(
            if en {
                "The card could not be read. Try again."
            } else {
                "没有读到卡片，请再试一次。"
            }
            .into(),
        );
        return;
    };
    let owner = k.engine.card_owner(&uid);
    k.pending_card = Some(uid);
    k.bind_number.clear();
    b.set_step(1);
    b.set_number(SharedString::new());
    b.set_error(false);
    b.set_message(
        match (owner, en) {
            (Some(name), true) => format!("This card belongs to {name}; binding moves it."),
            (Some(name), false) => format!("这张卡目前属于 {name}，绑定后将转给新会员。"),
            (None, true) => "Card read.".to_string(),
            (None, false) => "已读到卡片。".to_string(),
        }
        .into(),
    );
}
