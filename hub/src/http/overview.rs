//! The overview at `/`: every center the user may see, in one language at a
//! time. Tiles say plainly what they count (members who came, as against
//! members newly registered), yardsticks still in progress this month are
//! shown as progress, not failure, and each center's name opens its day.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::layout::{FRAME_CSS, Lang, Tab, header};
use super::web::{escape, overview_for, page_with, redirect, session, yardsticks_for};
use super::{AppState, db};
use crate::store::users::Scope;
use crate::yardsticks::{
    GROWTH_TARGET_PCT, MIN_ACTIVITIES, MIN_PARTICIPANT_VISITS, STUDY_CLUB_MIN_PCT, Yardsticks,
};

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/", axum::routing::get(home))
}

/// `GET /`: the overview, or the way to the login page.
pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = Lang::of(&headers);
    let t = |zh, en| lang.t(zh, en);
    let s = match session(&state, &headers).await {
        Ok(Some(s)) => s,
        Ok(None) => return redirect("/login"),
        Err(e) => return e.into_response(),
    };
    let o = match overview_for(&state, &s).await {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    let sticks = match yardsticks_for(&state, &s, None).await {
        Ok(y) => y,
        Err(e) => return e.into_response(),
    };
    let scope = s.user.scope;
    let now = crate::store::now_ms();
    let fleet = match db(&state, move |st| Ok(st.fleet(scope, now)?)).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    // 我有话说: what waits for staff, and what is past its deadline.
    let actor = crate::admin::Actor::User(s.user.clone());
    let (tickets, deadlines) = match db(&state, move |st| {
        Ok((
            crate::admin::Admin::new(st, actor).tickets(500)?,
            st.ticket_deadlines()?,
        ))
    })
    .await
    {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let waiting = tickets.iter().filter(|t| t.reply.is_none()).count();
    let overdue = tickets
        .iter()
        .filter(|t| t.overdue(now, &deadlines))
        .count();
    let messages = if waiting + overdue == 0 {
        String::new()
    } else {
        format!(
            "<p id=\"messages\" class=\"{class}\"><a href=\"/tickets\">{w_label} {waiting}</a>{late}</p>",
            class = if overdue > 0 { "error" } else { "" },
            w_label = t("待答复的青年留言", "Messages waiting for an answer"),
            late = if overdue > 0 {
                format!(" · <b>{} {overdue}</b>", t("已超时", "overdue"))
            } else {
                String::new()
            },
        )
    };
    let or_blank = |c: Result<String, String>| {
        c.unwrap_or_else(|e| {
            tracing::warn!("chart: {e}");
            String::new()
        })
    };
    let chart = or_blank(crate::dashboard::daily_chart(&o.daily));
    let weekly = or_blank(crate::dashboard::bar_chart(&o.weekly, 6, |d| {
        d.get(5..).unwrap_or(d).to_string()
    }));
    let monthly = or_blank(crate::dashboard::bar_chart(&o.monthly, 12, |m| {
        m.get(2..).unwrap_or(m).to_string()
    }));
    let breakdown = |map: &std::collections::BTreeMap<String, u64>,
                     label: &dyn Fn(&str) -> String| {
        let mut items: Vec<(&String, &u64)> = map.iter().collect();
        items.sort_by(|a, b| b.1.cmp(a.1));
        if items.is_empty() {
            return format!(
                "<p>{}</p>",
                t("本月还没有访客", "No visitors this month yet")
            );
        }
        let rows: String = items
            .iter()
            .map(|(k, n)| format!("<tr><td>{}</td><td>{n}</td></tr>", escape(&label(k))))
            .collect();
        format!("<table>{rows}</table>")
    };
    let ages = breakdown(&o.visitors_by_age_band, &|c| {
        protocol::catalog::AgeBand::from_code(c)
            .map(|a| lang.t(a.label_zh(), a.label_en()).to_string())
            .unwrap_or_else(|| c.to_string())
    });
    let purposes = breakdown(&o.visitors_by_purpose, &|c| {
        protocol::catalog::ServiceCategory::from_code(c)
            .map(|p| lang.t(p.label_zh(), p.label_en()).to_string())
            .unwrap_or_else(|| c.to_string())
    });
    let activities: String = o
        .activities
        .iter()
        .map(|a| {
            format!(
                "<tr><td data-label=\"{l_center}\">{}</td><td data-label=\"{l_date}\">{}</td>\
                 <td data-label=\"{l_act}\">{} {}</td><td data-label=\"{l_cat}\">{}{}</td><td data-label=\"{l_came}\">{}</td></tr>",
                escape(&a.center),
                a.date,
                a.time,
                escape(&a.title),
                protocol::catalog::ServiceCategory::from_code(&a.category)
                    .map(|c| lang.t(c.label_zh(), c.label_en()))
                    .unwrap_or(""),
                if a.study_club { t(" · 学习社", " · study club") } else { "" },
                a.came,
                l_center = t("中心", "Center"),
                l_date = t("日期", "Date"),
                l_act = t("活动", "Activity"),
                l_cat = t("类别", "Category"),
                l_came = t("到场", "Came"),
            )
        })
        .collect();
    let activities = if activities.is_empty() {
        format!(
            "<p>{}</p>",
            t("本月还没有登记活动", "No activities recorded this month")
        )
    } else {
        format!(
            "<table class=\"list\" id=\"activities\"><thead><tr><th>{}</th><th>{}</th>\
             <th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{activities}</tbody></table>",
            t("中心", "Center"),
            t("日期", "Date"),
            t("活动", "Activity"),
            t("类别", "Category"),
            t("到场", "Came"),
        )
    };
    // 满意率 and how many ratings it stands on ("—": none yet).
    let satisfaction = |f: &crate::dashboard::Figures| match f.satisfaction_percent() {
        Some(p) => format!(
            "{p:.0}%<small> ({n} {w})</small>",
            n = f.ratings_this_month,
            w = t("条评价", "ratings")
        ),
        None => "—".to_string(),
    };
    let figure_head = format!(
        "<th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>",
        t("今日到访", "Today"),
        t("近 7 天", "7 days"),
        t("本月到访", "This month"),
        t("本月来访会员（人）", "Members who came"),
        t("本月新登记会员", "Newly registered"),
        t("本月访客", "Visitors"),
        t("志愿时长（小时）", "Volunteer hours"),
        t("本月满意率", "Satisfied"),
    );
    let figure_cells = |f: &crate::dashboard::Figures| {
        let labels = [
            t("今日到访", "Today"),
            t("近 7 天", "7 days"),
            t("本月到访", "This month"),
            t("本月来访会员（人）", "Members who came"),
            t("本月新登记会员", "Newly registered"),
            t("本月访客", "Visitors"),
            t("志愿时长（小时）", "Volunteer hours"),
            t("本月满意率", "Satisfied"),
        ];
        let values = [
            f.today.to_string(),
            f.last_7_days.to_string(),
            f.this_month.to_string(),
            f.distinct_members_this_month.to_string(),
            f.new_members_this_month.to_string(),
            f.visitors_this_month.to_string(),
            format!("{:.1}", f.volunteer_minutes_this_month as f64 / 60.0),
            satisfaction(f),
        ];
        labels
            .iter()
            .zip(values)
            .map(|(l, v)| format!("<td data-label=\"{l}\">{v}</td>"))
            .collect::<String>()
    };
    let regions: String = o
        .regions
        .iter()
        .map(|r| {
            format!(
                "<tr data-region=\"{id}\"><td data-label=\"{l_region}\">{name}</td><td data-label=\"{l_n}\">{n}</td>{figs}\
                 <td><a href=\"/content/region/{id}\">{edit}</a></td></tr>",
                id = r.id,
                name = escape(&r.name),
                n = r.centers,
                figs = figure_cells(&r.figures),
                l_region = t("区域", "Region"),
                l_n = t("中心数", "Centers"),
                edit = t("编辑内容", "Edit content"),
            )
        })
        .collect();
    let regions = if regions.is_empty() {
        String::new()
    } else {
        format!(
            "<div class=\"card\"><h2>{}</h2><table class=\"list\" id=\"regions\"><thead><tr>\
             <th>{}</th><th>{}</th>{figure_head}<th>{}</th></tr></thead><tbody>{regions}</tbody></table>\
             <p class=\"note\">{}</p></div>",
            t("各区域", "By region"),
            t("区域", "Region"),
            t("中心数", "Centers"),
            t("内容", "Content"),
            t(
                "区域的“来访会员”是各中心之和（会员只属于一个中心）。",
                "A region's members who came are the sum over its centers (a member belongs to one center)."
            ),
        )
    };
    let tile = |label: &str, value: u64, id: &str| {
        format!(
            "<div class=\"tile\"><div class=\"label\">{label}</div>\
             <div class=\"value\" id=\"{id}\">{value}</div></div>"
        )
    };
    let tot = &o.totals;
    let tiles = [
        tile(t("今日到访（人次）", "Visits today"), tot.today, "today"),
        tile(
            t("近 7 天到访", "Visits, last 7 days"),
            tot.last_7_days,
            "week",
        ),
        tile(
            t("本月到访（人次）", "Visits this month"),
            tot.this_month,
            "month",
        ),
        tile(
            t("本月来访会员（人）", "Members who came this month"),
            tot.distinct_members_this_month,
            "members",
        ),
        tile(
            t(
                "本月新登记会员（人）",
                "Members newly registered this month",
            ),
            tot.new_members_this_month,
            "new",
        ),
        tile(
            t("本月访客（人次）", "Visitors this month"),
            tot.visitors_this_month,
            "visitors",
        ),
        format!(
            "<div class=\"tile\"><div class=\"label\">{}</div>\
             <div class=\"value\" id=\"satisfaction\">{}</div></div>",
            t("本月满意率（好差评）", "Satisfied this month"),
            satisfaction(tot)
        ),
    ]
    .concat();
    let rows: String = o
        .centers
        .iter()
        .map(|c| {
            format!(
                "<tr data-center=\"{id}\"><td data-label=\"{l_center}\"><a href=\"/centers/{id}/day\">{name}</a></td>\
                 <td data-label=\"{l_region}\">{region}</td>{figs}\
                 <td><a href=\"/content/{id}\">{edit}</a></td></tr>",
                id = c.id,
                name = escape(&c.name),
                region = escape(&c.region),
                figs = figure_cells(&c.figures),
                l_center = t("中心", "Center"),
                l_region = t("所属", "Region"),
                edit = t("编辑内容", "Edit content"),
            )
        })
        .collect();
    let own_level = match scope {
        Scope::Region(r) => format!(
            " · <a id=\"own-level\" href=\"/content/region/{r}\">{} {}</a>",
            t("发布本级内容", "Publish for"),
            escape(&o.scope_name)
        ),
        Scope::Center(_) => String::new(),
    };
    let main = format!(
        "<h2 id=\"scope\">{scope}</h2><p>{today}{own_level}</p>{messages}<div class=\"tiles\">{tiles}</div>\
         <div class=\"card\"><h2>{per_day}</h2>{chart}</div>\
         <div class=\"pair\"><div class=\"card\"><h2>{per_week}</h2>{weekly}</div>\
         <div class=\"card\"><h2>{per_month}</h2>{monthly}</div></div>\
         <div class=\"pair\"><div class=\"card\"><h2>{by_age}</h2>{ages}</div>\
         <div class=\"card\"><h2>{by_purpose}</h2>{purposes}</div></div>\
         <div class=\"card\"><h2>{acts}</h2>{activities}</div>{regions}\
         <div class=\"card\"><h2>{centers_h} ({n})</h2><table class=\"list\" id=\"centers\"><thead><tr>\
         <th>{l_center}</th><th>{l_region}</th>{figure_head}<th>{l_content}</th>\
         </tr></thead><tbody>{rows}</tbody></table><p class=\"note\">{centers_note}</p></div>\
         <div class=\"card\"><h2>{sticks_h} <a href=\"/ledger\">{ledger}</a></h2>\
         <table class=\"list\" id=\"yardsticks\"><thead><tr><th>{l_center}</th><th>{l_met}</th>\
         <th>{l_acts}</th><th>{l_visits}</th><th>{l_growth}</th><th>{l_club}</th></tr></thead><tbody>{sticks}</tbody></table>\
         <p class=\"note\">{sticks_note}</p></div>\
         <div class=\"card\"><h2>{kiosks_h} ({kiosks})</h2>{alerts}\
         <table class=\"list\" id=\"fleet\"><thead><tr><th>{l_kiosk}</th><th>{l_center}</th>\
         <th>{l_seen}</th><th>{l_version}</th><th>{l_waiting}</th><th>{l_clock}</th></tr></thead><tbody>{fleet}</tbody></table></div>",
        scope = escape(&o.scope_name),
        today = o.today,
        per_day = t("近 30 天每日到访", "Visits per day, last 30 days"),
        per_week = t("近 12 周到访", "Visits per week"),
        per_month = t("近 12 个月到访", "Visits per month"),
        by_age = t("本月访客年龄段", "Visitors by age this month"),
        by_purpose = t("本月访客来访目的", "Visitors by purpose this month"),
        acts = t("本月活动", "Activities this month"),
        centers_h = t("各中心", "Centers"),
        n = o.centers.len(),
        l_center = t("中心", "Center"),
        l_region = t("所属", "Region"),
        l_content = t("内容", "Content"),
        centers_note = t(
            "点中心名称查看当天的时段、访客与来访名单。",
            "Open a center's name for its day: by hour, visitors, and who came."
        ),
        sticks_h = t("本月标准", "Yardsticks this month"),
        ledger = t("台账", "Ledger"),
        l_met = t("达标", "Met"),
        l_acts = t("活动（≥2）", "Activities (≥2)"),
        l_visits = t("参加人次（≥40）", "Participant visits (≥40)"),
        l_growth = t(
            "同比增长：与去年同月（≈+20%）",
            "Growth vs. the same month last year (≈+20%)"
        ),
        l_club = t("学习社占比（≥30%）", "Study club share (≥30%)"),
        sticks_note = t(
            "本月还未结束时，未达到的标准显示为进度，不算未达标。",
            "While the month is still running, a yardstick not yet reached shows as progress, not as missed."
        ),
        sticks = yardstick_rows(&sticks, &o.today, lang),
        kiosks_h = t("签到机", "Kiosks"),
        kiosks = fleet.len(),
        alerts = fleet_alerts(&fleet, lang),
        fleet = fleet_rows(&fleet, lang),
        l_kiosk = t("签到机", "Kiosk"),
        l_seen = t("最近联系", "Last contact"),
        l_version = t("版本", "Version"),
        l_waiting = t("待上传", "Waiting"),
        l_clock = t("时钟", "Clock"),
    );
    let body = format!(
        "{}<main>{main}</main>",
        header(&s, lang, Tab::Overview, "/")
    );
    let css = format!("{FRAME_CSS}td.progress{{color:#6b6b6b}}");
    page_with(StatusCode::OK, t("数据平台", "Dashboard"), &css, &body)
}

/// The month's yardsticks per center; in the running month a yardstick not
/// yet reached is progress (`6 / 40`), not a failure.
fn yardstick_rows(sticks: &[Yardsticks], today: &str, lang: Lang) -> String {
    let t = |zh, en| lang.t(zh, en);
    let running = |y: &Yardsticks| today.starts_with(&y.month);
    sticks
        .iter()
        .map(|y| {
            let in_progress = running(y);
            let cell = |value: String, met: Option<bool>, label: &str| {
                let (class, mark) = match met {
                    Some(true) => ("ok", "✓".to_string()),
                    Some(false) if in_progress => ("progress", t("· 进行中", "· in progress").to_string()),
                    Some(false) => ("below", "✗".to_string()),
                    None => ("none", "–".to_string()),
                };
                format!("<td class=\"{class}\" data-label=\"{label}\">{value} {mark}</td>")
            };
            let (met, judged) = y.score();
            let no_data = || t("无数据", "no data").to_string();
            format!(
                "<tr data-center=\"{}\"><td data-label=\"{}\">{}</td><td data-label=\"{}\">{met}/{judged}</td>{}{}{}{}</tr>",
                y.center_id,
                t("中心", "Center"),
                escape(&y.center),
                t("达标", "Met"),
                cell(format!("{} / {MIN_ACTIVITIES}", y.activities), Some(y.activities_met), t("活动", "Activities")),
                cell(
                    format!("{} / {MIN_PARTICIPANT_VISITS}", y.participant_visits),
                    Some(y.visits_met),
                    t("参加人次", "Participant visits")
                ),
                cell(
                    y.growth_pct
                        .map(|g| format!("{g:+.0}% ({} {GROWTH_TARGET_PCT:+.0}%)", t("目标", "aim")))
                        .unwrap_or_else(no_data),
                    y.growth_met,
                    t("同比", "Growth")
                ),
                cell(
                    y.study_club_pct
                        .map(|p| format!("{p:.0}% / {STUDY_CLUB_MIN_PCT:.0}%"))
                        .unwrap_or_else(no_data),
                    y.study_club_met,
                    t("学习社", "Study club")
                ),
            )
        })
        .collect()
}

fn when(ms: Option<i64>, lang: Lang) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| {
            t.with_timezone(&crate::dashboard::NETWORK_TZ)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| lang.t("从未", "never").into())
}

fn fleet_rows(fleet: &[crate::store::fleet::FleetRow], lang: Lang) -> String {
    let t = |zh, en| lang.t(zh, en);
    fleet
        .iter()
        .map(|d| {
            format!(
                "<tr data-device=\"{}\"><td data-label=\"{}\">{} #{}</td><td data-label=\"{}\">{}</td>\
                 <td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td></tr>",
                d.device_id,
                t("签到机", "Kiosk"),
                escape(&d.name),
                d.device_id,
                t("中心", "Center"),
                escape(&d.center),
                t("最近联系", "Last contact"),
                when(d.last_seen_ms, lang),
                t("版本", "Version"),
                escape(&d.software_version),
                t("待上传", "Waiting"),
                d.waiting.map(|w| w.to_string()).unwrap_or_else(|| "–".into()),
                t("时钟", "Clock"),
                match d.clock_synchronized {
                    Some(true) => t("已同步", "synchronised"),
                    Some(false) => t("未同步", "not synchronised"),
                    None => "–",
                }
            )
        })
        .collect()
}

fn fleet_alerts(fleet: &[crate::store::fleet::FleetRow], lang: Lang) -> String {
    let items: String = fleet
        .iter()
        .flat_map(|d| {
            d.alerts.iter().map(move |a| {
                format!(
                    "<li>{} #{} ({}): {}</li>",
                    escape(&d.name),
                    d.device_id,
                    escape(&d.center),
                    a.text()
                )
            })
        })
        .collect();
    if items.is_empty() {
        format!(
            "<p class=\"ok\">{}</p>",
            lang.t("没有需要处理的问题", "Nothing needs attention")
        )
    } else {
        format!("<ul id=\"alerts\" class=\"error\">{items}</ul>")
    }
}
