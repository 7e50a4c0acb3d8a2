//! The members page in a real browser (Debian's Chromium, headless, driven
//! by playwright-core): a center's staff member adds, finds, revokes and
//! restores members without a shell; another center's page is refused; an
//! admin reads every change in the record of changes.

use std::path::Path;
use std::process::Command;

use e2e::{Hub, add_user, hub_cmd, run, stdout};

#[test]
fn staff_run_their_members_from_the_browser_and_admins_see_every_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let city = hub(&["region", "add", "--name", "杭州市", "--level", "city"]);
    let ca = hub(&[
        "center",
        "add",
        "--name",
        "上城区青年中心",
        "--region",
        &city,
    ]);
    let cb = hub(&[
        "center",
        "add",
        "--name",
        "西湖区青年中心",
        "--region",
        &city,
    ]);
    hub(&["member", "add", "--center", &cb, "--name", "别处的会员"]);
    add_user(
        &hub_data,
        "staff-a",
        "staff",
        &format!("center:{ca}"),
        "staff password a",
    );
    add_user(
        &hub_data,
        "city-admin",
        "admin",
        &format!("region:{city}"),
        "admin password c",
    );
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    assert!(
        browser.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    );
    // A county's roster of 200 youths as an office keeps it, written by
    // openpyxl (a reader of its own, not ours): two rows wrong, then fixed.
    // One row is someone already added by hand (the same phone).
    let roster = |path: &Path, broken: bool| {
        let script = "import sys, openpyxl\n\
            wb = openpyxl.Workbook(); ws = wb.active; ws.title = '会员名册'\n\
            ws.append(['姓名', '电话', '出生年份', '志愿者', '备注'])\n\
            broken = sys.argv[2] == '1'\n\
            for i in range(200):\n\
            \x20   phone = 13900000000 + i\n\
            \x20   year = 2000 + i % 10\n\
            \x20   if i == 0: phone = 13800000001\n\
            \x20   if broken and i == 57: phone = '139-abc'\n\
            \x20   if broken and i == 141: year = '二〇〇八'\n\
            \x20   ws.append([f'学员{i:03d}', phone, year, '是' if i % 7 == 0 else '否', ''])\n\
            wb.save(sys.argv[1])\n";
        run(Command::new("/usr/bin/python3")
            .args(["-c", script])
            .arg(path)
            .arg(if broken { "1" } else { "0" }));
    };
    let bad = dir.path().join("roster-bad.xlsx");
    let fixed = dir.path().join("roster.xlsx");
    roster(&bad, true);
    roster(&fixed, false);
    let out = run(Command::new("node")
        .arg(browser.join("members.mjs"))
        .args([
            &server.url,
            "staff-a",
            "staff password a",
            &cb,
            "city-admin",
            "admin password c",
        ])
        .arg(shots.join("hub-members"))
        .arg(&bad)
        .arg(&fixed));
    let b: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");

    // The staff member's navigation: no admin items; Chinese first.
    assert_eq!(
        b["nav"],
        serde_json::json!([
            "概览",
            "会员",
            "活动",
            "志愿者",
            "签到机",
            "内容",
            "台账",
            "留言"
        ]),
        "{b}"
    );
    assert!(
        b["empty_note"]
            .as_str()
            .is_some_and(|n| n.contains("还没有会员")),
        "{b}"
    );
    assert_eq!(b["added"].as_array().map(Vec::len), Some(3), "{b}");
    assert!(
        b["refused"].as_str().is_some_and(|m| m.contains("phone")),
        "{b}"
    );
    assert_eq!(b["kept_name"], "赵一", "what was typed is kept");
    let names: Vec<&str> = b["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["cells"][2].as_str())
        .collect();
    assert_eq!(names, ["林小雨", "王小明", "陈思远"], "{b}");
    assert_eq!(b["rows"][0]["cells"][1], "林同学", "the kiosk's name");
    // The broken roster: its two rows named (the header is row 1), nothing
    // imported; the fixed one: one row is 林小雨 already (her phone),
    // 199 added, 50 a page.
    assert_eq!(b["bad_rows"], serde_json::json!([59, 143]), "{b}");
    assert_eq!(b["bad_can_confirm"], false);
    assert_eq!(b["after_bad"], "1–3 / 3", "nothing imported: {b}");
    assert_eq!(b["duplicates"], 1, "{b}");
    assert!(
        b["imported"].as_str().is_some_and(|t| t.ends_with("199")),
        "{b}"
    );
    assert_eq!(b["after_import"], "1–50 / 202", "{b}");
    assert_eq!(b["second_page"], "51–100 / 202", "{b}");
    assert_eq!(b["search"].as_array().map(Vec::len), Some(1), "{b}");
    assert_eq!(b["search"][0]["cells"][2], "王小明");
    assert_eq!(b["revoked"][0]["cells"][5], "已停用", "{b}");
    assert!(
        b["revoked_note"]
            .as_str()
            .is_some_and(|n| n.contains("已停用"))
    );
    assert_eq!(b["restored"][0]["cells"][5], "有效", "{b}");

    // The card sheet: one card per active member (202), each a QR code
    // zbarimg reads as a printed card's token.
    assert_eq!(b["sheet_cards"], 202, "{b}");
    let card = run(Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(shots.join("hub-members-card.png")));
    assert!(
        stdout(&card).trim().starts_with("YC2"),
        "a printed card's token"
    );
    // The phone login: the link opens the member's page with its QR code.
    assert!(
        b["phone_link"]
            .as_str()
            .is_some_and(|l| l.starts_with(&format!("{}/m/", server.url))),
        "{b}"
    );
    assert_eq!(b["phone_secret"].as_str().map(str::len), Some(9), "{b}");
    assert_eq!(
        (b["phone_status"].clone(), b["phone_has_qr"].clone()),
        (200.into(), true.into()),
        "{b}"
    );
    assert!(
        b["bad_card"].as_str().is_some_and(|m| m.contains("hex")),
        "{b}"
    );
    assert!(
        b["bound"].as_str().is_some_and(|m| m.contains("卡已绑定")),
        "{b}"
    );
    assert_eq!(b["edited"][1], "小雨", "the name kiosks show, changed: {b}");
    assert_eq!(b["edited"][4], "是", "and now a volunteer: {b}");
    // The exported roster opens in openpyxl with every member.
    assert_eq!(b["export_status"], 200);
    let read = stdout(&run(Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import sys,openpyxl; ws=openpyxl.load_workbook(sys.argv[1]).active; print(ws.max_row); print(ws.cell(1,1).value)",
        ])
        .arg(shots.join("hub-members-roster.xlsx"))));
    assert_eq!(
        read.lines().collect::<Vec<_>>(),
        ["203", "会员号"],
        "{read}"
    );

    // One language at a time, with a switch; the page fits a phone.
    assert!(
        b["english_heading"]
            .as_str()
            .is_some_and(|h| h.starts_with("Members")),
        "{b}"
    );
    assert_eq!(
        b["english_nav"],
        serde_json::json!([
            "Overview",
            "Members",
            "Activities",
            "Volunteers",
            "Kiosks",
            "Content",
            "Ledger",
            "Messages"
        ])
    );
    assert_eq!(
        b["phone_overflow"], false,
        "no sideways scrolling at 390 px"
    );

    // Another center: refused, page and API alike; the record is admins'.
    assert_eq!(b["other_page"], 403, "{b}");
    assert_eq!(b["other_api"], 403, "{b}");
    assert_eq!(b["staff_audit_page"], 403, "{b}");

    // The city's admin reads every change, newest first, by whom.
    assert_eq!(
        b["admin_nav"],
        serde_json::json!([
            "概览",
            "会员",
            "活动",
            "志愿者",
            "签到机",
            "内容",
            "台账",
            "留言",
            "用户",
            "区域",
            "操作记录"
        ])
    );
    let audit = b["audit"].as_array().expect("audit rows");
    let what: Vec<(&str, &str)> = audit
        .iter()
        .map(|r| (r[1].as_str().unwrap_or(""), r[2].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        what,
        [
            ("staff-a", "member.volunteer"),
            ("staff-a", "member.rename"),
            ("staff-a", "member.card_bind"),
            ("staff-a", "member.phone_login"),
            ("staff-a", "member.cards"),
            ("staff-a", "member.restore"),
            ("staff-a", "member.revoke"),
            ("staff-a", "member.import"),
            ("staff-a", "member.add"),
            ("staff-a", "member.add"),
            ("staff-a", "member.add"),
            ("cli", "user.add"),
            ("cli", "user.add"),
            ("cli", "member.add"),
            ("cli", "center.add"),
            ("cli", "center.add"),
            ("cli", "region.add"),
        ],
        "{b}"
    );
}
