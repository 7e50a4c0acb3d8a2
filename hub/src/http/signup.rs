//! Signing up for activities on the member's phone page (`/m`): their
//! sign-ups (booked, waiting with their place in line, moved up from the
//! waiting list, cancelled by the center) and the center's coming
//! activities with the places left. `POST /m/signup` and `/m/cancel`
//! answer by going back to `/m`, which says what happened.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::phone_frame::{logged_in, message_page};
use super::web::{escape, redirect, same_origin};
use super::{AppState, db};
use crate::store::signups::{Offer, Refused, Standing};

/// How many days ahead the phone page offers activities.
pub const OFFER_DAYS: u64 = 14;

pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::post;
    axum::Router::new()
        .route("/m/signup", post(sign_up))
        .route("/m/cancel", post(cancel))
        .route("/m/rate", post(rate))
        .route("/m/wall", post(wall))
}

/// What `/m?signup=…` says at the top of the page.
pub(super) fn note(code: &str) -> Option<&'static str> {
    Some(match code {
        "booked" => "报名成功！ · You are signed up.",
        "waiting" => {
            "名额已满，你已排入候补：有人取消时自动转为报名成功。 · It is full: you are on the waiting list and move up by yourself when someone cancels."
        }
        "cancelled" => "已取消报名。 · Your sign-up is cancelled.",
        "rated" => "谢谢你的评价！工作人员会看到。 · Thank you: the center's staff will read it.",
        "wall-on" => "本月公示会以你的称呼感谢你。 · The monthly wall will thank you by name.",
        "wall-off" => "你的称呼不会出现在公示上。 · Your name stays off the wall.",
        "not-came" => "只能评价你参加过的活动。 · You can rate only an activity you came to.",
        "closed" => {
            "这个活动已开始、已结束或已取消，不能再报名或取消。 · That activity has started, ended or was cancelled."
        }
        _ => return None,
    })
}

fn when(o: &Offer) -> String {
    format!(
        "{} {}–{}",
        &o.activity.local_date.get(5..).unwrap_or_default(),
        o.activity.start,
        o.activity.end
    )
}

fn button(action: &str, id: u64, label: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/m/{action}\" class=\"inline\">\
         <input type=\"hidden\" name=\"activity\" value=\"{id}\"><button class=\"small\">{label}</button></form>"
    )
}

/// Under an activity a member came to: their rating, or a form to give
/// one (five faces and an optional comment), which they may change.
pub(super) fn rating_form(a: &crate::member_record::Attended) -> String {
    use protocol::catalog::Satisfaction;
    let given = a
        .rating
        .map(|r| {
            format!(
                "<br><span class=\"rated\">你的评价：{} · Your rating: {}</span>",
                r.label_zh(),
                r.label_en()
            )
        })
        .unwrap_or_default();
    let faces: String = Satisfaction::ALL
        .iter()
        .map(|s| {
            format!(
                "<label class=\"face\"><input type=\"radio\" name=\"satisfaction\" value=\"{code}\" required{checked}> {zh} · {en}</label>",
                code = s.code(),
                zh = s.label_zh(),
                en = s.label_en(),
                checked = if a.rating == Some(*s) { " checked" } else { "" },
            )
        })
        .collect();
    format!(
        "{given}<details class=\"rate\"{open}><summary>{what}</summary>\
         <form method=\"post\" action=\"/m/rate\"><input type=\"hidden\" name=\"activity\" value=\"{id}\">\
         <fieldset><legend>这次活动怎么样？ · How was it?</legend>{faces}</fieldset>\
         <label>想说的话（选填） · Anything to tell us (optional)\
         <textarea name=\"comment\" maxlength=\"{max}\" rows=\"2\"></textarea></label>\
         <button class=\"small\">提交评价 · Send</button></form></details>",
        open = if a.rating.is_none() { " open" } else { "" },
        what = if a.rating.is_none() {
            "评价这次活动 · Rate it"
        } else {
            "修改评价 · Change my rating"
        },
        id = a.activity_id,
        max = crate::store::ratings::MAX_COMMENT_CHARS,
    )
}

/// The member's sign-ups and the coming activities, for the phone page.
pub(super) fn section(offers: &[Offer]) -> String {
    let mine: String = offers
        .iter()
        .filter(|o| matches!(o.mine, Some(Standing::Booked | Standing::Waiting(_))))
        .map(|o| {
            let state = match (o.mine, o.promoted, o.activity.status) {
                (_, _, status) if status.is_off() => {
                    "活动已取消 · Cancelled by the center".to_string()
                }
                (Some(Standing::Booked), true, _) => {
                    "候补成功，已为你报名！ · Moved up from the waiting list: you are in!"
                        .to_string()
                }
                (Some(Standing::Booked), false, _) if o.activity.room => {
                    "已预约 · Booked".to_string()
                }
                (Some(Standing::Booked), false, _) => "已报名 · Signed up".to_string(),
                (Some(Standing::Waiting(n)), _, _) => {
                    format!("候补第 {n} 位 · Waiting, number {n}")
                }
                _ => String::new(),
            };
            format!(
                "<li data-signup=\"{id}\"><b>{title}</b> <span class=\"when\">{when}</span><br>\
                 <span class=\"state\">{state}</span>{cancel}</li>",
                id = o.activity.id,
                title = escape(&o.activity.title),
                when = when(o),
                state = escape(&state),
                cancel = if o.open {
                    button(
                        "cancel",
                        o.activity.id,
                        if o.activity.room {
                            "取消预约 · Cancel"
                        } else {
                            "取消报名 · Cancel"
                        },
                    )
                } else {
                    String::new()
                },
            )
        })
        .collect();
    let open =
        |o: &&Offer| o.open && !matches!(o.mine, Some(Standing::Booked | Standing::Waiting(_)));
    // Rooms' slots: booked while free, no waiting list.
    let rooms: String = offers
        .iter()
        .filter(open)
        .filter(|o| o.activity.room)
        .map(|o| {
            let free = o
                .activity
                .capacity
                .is_none_or(|c| o.booked < u64::from(c) && o.waiting == 0);
            format!(
                "<li data-room=\"{id}\"><b>{title}</b> <span class=\"when\">{when}</span>\
                 <br><span class=\"places\">{state}</span>{go}</li>",
                id = o.activity.id,
                title = escape(&o.activity.title),
                when = when(o),
                state = if free {
                    "空闲 · Free"
                } else {
                    "已约满 · Taken"
                },
                go = if free {
                    button("signup", o.activity.id, "预约 · Book")
                } else {
                    String::new()
                },
            )
        })
        .collect();
    let coming: String = offers
        .iter()
        .filter(open)
        .filter(|o| !o.activity.room)
        .map(|o| {
            let (places, full) = match o.activity.capacity {
                Some(c) if o.booked >= u64::from(c) || o.waiting > 0 => (
                    format!("已满，候补 {} 人 · Full, {} waiting", o.waiting, o.waiting),
                    true,
                ),
                Some(c) => {
                    let left = u64::from(c) - o.booked;
                    (format!("剩 {left} 个名额 · {left} places left"), false)
                }
                None => ("不限名额 · Open to all".to_string(), false),
            };
            let place = o.activity.place.trim();
            format!(
                "<li data-offer=\"{id}\"><b>{title}</b> <span class=\"when\">{when}</span>\
                 <br>{place}<span class=\"places\">{places}</span>{go}</li>",
                id = o.activity.id,
                title = escape(&o.activity.title),
                when = when(o),
                place = if place.is_empty() {
                    String::new()
                } else {
                    format!("<span class=\"place\">{}</span> · ", escape(place))
                },
                places = escape(&places),
                go = button(
                    "signup",
                    o.activity.id,
                    if full {
                        "排候补 · Join the waiting list"
                    } else {
                        "报名 · Sign up"
                    }
                ),
            )
        })
        .collect();
    let mine = if mine.is_empty() {
        String::new()
    } else {
        format!("<h2>我的报名 · My sign-ups</h2><ul class=\"acts\" id=\"mine\">{mine}</ul>")
    };
    let coming = if coming.is_empty() {
        "<h2>近期活动 · Coming activities</h2><p class=\"hint\">近两周暂无可报名的活动。 · Nothing to sign up for in the next two weeks.</p>".to_string()
    } else {
        format!(
            "<h2>近期活动 · Coming activities</h2><ul class=\"acts\" id=\"coming\">{coming}</ul>"
        )
    };
    let rooms = if rooms.is_empty() {
        String::new()
    } else {
        format!("<h2>房间预约 · Book a room</h2><ul class=\"acts\" id=\"rooms\">{rooms}</ul>")
    };
    format!("<section class=\"signups\">{mine}{coming}{rooms}</section>")
}

/// The member of this phone, for a form sent from the site's own page.
async fn phone_member(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<crate::store::Member, Response> {
    if !same_origin(headers) {
        return Err(message_page(
            StatusCode::FORBIDDEN,
            "请求被拒绝 Request refused",
            "请在本站的会员页面上操作。 · Please use this site's member page.",
        ));
    }
    match logged_in(state, headers).await? {
        Some(m) if m.active => Ok(m),
        _ => Err(redirect("/m")),
    }
}

/// The activity id a form names, and the member of this phone.
async fn member_and_activity(
    state: &AppState,
    headers: &HeaderMap,
    f: &HashMap<String, String>,
) -> Result<(u32, u64), Response> {
    let m = phone_member(state, headers).await?;
    let id = f
        .get("activity")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| {
            message_page(
                StatusCode::BAD_REQUEST,
                "请求有误 Bad request",
                "没有指明活动。 · No activity was named.",
            )
        })?;
    Ok((m.id, id))
}

fn refused(r: Refused) -> Response {
    match r {
        Refused::Closed => redirect("/m?signup=closed"),
        Refused::NotHere => message_page(
            StatusCode::FORBIDDEN,
            "不能报名 Not possible",
            "这不是你所在中心的活动。 · This is not an activity of your center.",
        ),
    }
}

/// `POST /m/signup`.
async fn sign_up(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> Response {
    let (member, activity) = match member_and_activity(&state, &headers, &f).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match db(&state, move |s| Ok(s.sign_up(activity, member)?)).await {
        Ok(Ok(Standing::Booked)) => redirect("/m?signup=booked#mine"),
        Ok(Ok(_)) => redirect("/m?signup=waiting#mine"),
        Ok(Err(r)) => refused(r),
        Err(e) => e.into_response(),
    }
}

/// `POST /m/rate`: a member's rating of an activity they came to.
async fn rate(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> Response {
    let (member, activity) = match member_and_activity(&state, &headers, &f).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(satisfaction) = f
        .get("satisfaction")
        .and_then(|s| protocol::catalog::Satisfaction::from_code(s))
    else {
        return message_page(
            StatusCode::BAD_REQUEST,
            "请求有误 Bad request",
            "请选择一个表情。 · Please pick one of the faces.",
        );
    };
    let comment = f.get("comment").cloned().unwrap_or_default();
    let done = db(&state, move |s| {
        let m = s.member(member)?;
        let center = s.center(m.center_id)?;
        let a = s.activity(activity)?;
        if !crate::member_record::came_to(s, member, &center, &a)? {
            return Ok(false);
        }
        s.rate_activity(member, activity, satisfaction, &comment)?;
        Ok(true)
    })
    .await;
    match done {
        Ok(true) => redirect("/m?signup=rated#record"),
        Ok(false) => redirect("/m?signup=not-came#record"),
        Err(e) => e.into_response(),
    }
}

/// `POST /m/wall`: a volunteer's choice to be thanked by their display
/// name on the center's monthly wall (`on` = 1), or not.
async fn wall(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> Response {
    let m = match phone_member(&state, &headers).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let on = f.get("on").map(String::as_str) == Some("1");
    match db(&state, move |s| Ok(s.set_on_wall(m.id, on)?)).await {
        Ok(()) => redirect(if on {
            "/m?signup=wall-on#record"
        } else {
            "/m?signup=wall-off#record"
        }),
        Err(e) => e.into_response(),
    }
}

/// `POST /m/cancel`.
async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> Response {
    let (member, activity) = match member_and_activity(&state, &headers, &f).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match db(&state, move |s| Ok(s.cancel_signup(activity, member)?)).await {
        Ok(Ok(promoted)) => {
            if let Some(p) = promoted {
                tracing::info!(member = p, activity, "moved up from the waiting list");
            }
            redirect("/m?signup=cancelled")
        }
        Ok(Err(r)) => refused(r),
        Err(e) => e.into_response(),
    }
}
