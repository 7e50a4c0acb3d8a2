//! Headless UI tests: the real .slint screens, rendered by Slint's software
//! renderer with no display, driven by key and pointer events as a scanner
//! and a finger would. Screenshots land in `target/screenshots/`.

use std::path::PathBuf;
use std::time::Duration;

use i_slint_backend_testing::{
    AccessibleRole, ElementHandle, TestingBackend, TestingBackendOptions,
};
use kiosk::checkin::Engine;
use kiosk::clock::ManualClock;
use kiosk::config::Config;
use kiosk::content::ContentBundle;
use kiosk::store::{Enrollment, Store};
use kiosk::ui::{
    App, AttractAdapter, BindAdapter, HomeAdapter, JoinAdapter, Lang, Nav, PadAdapter, Page,
    ResultAdapter, ResultKind, ScanAdapter, ServiceAdapter, ServiceEntry, Slide, StaffAdapter,
    Theme, VolunteerAdapter,
};
use protocol::wire::{RosterDelta, RosterEntry};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, Model};

// Tuesday 2026-11-24, 09:30 in Shanghai.
const NOW_MS: i64 = 1_795_483_800_000;

fn init_platform() {
    // One platform per test thread; a second call on the same thread is refused, harmlessly.
    let _ = slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    })));
}

struct Fixture {
    _dir: tempfile::TempDir,
    db: PathBuf,
    app: App,
    clock: ManualClock,
    _kiosk: std::rc::Rc<std::cell::RefCell<kiosk::ui::Kiosk<ManualClock>>>,
}

fn fixture(width: u32, height: u32, en: bool) -> Fixture {
    fixture_with(width, height, en, |_| {})
}

fn fixture_with(width: u32, height: u32, en: bool, tweak: impl FnOnce(&mut Config)) -> Fixture {
    fixture_signals(width, height, en, tweak, None, None)
}

fn fixture_content(width: u32, height: u32, en: bool, content: ContentBundle) -> Fixture {
    CONTENT.with(|c| *c.borrow_mut() = Some(content));
    fixture(width, height, en)
}

thread_local! {
    /// The content the next fixture shows instead of the built-in one.
    static CONTENT: std::cell::RefCell<Option<ContentBundle>> = const { std::cell::RefCell::new(None) };
}

fn fixture_signals(
    width: u32,
    height: u32,
    en: bool,
    tweak: impl FnOnce(&mut Config),
    signals: Option<std::sync::Arc<kiosk::signals::Signals>>,
    voice: Option<kiosk::signals::voice::RecordingSpeaker>,
) -> Fixture {
    init_platform();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("kiosk.sqlite3");
    let mut store = Store::open(&db).expect("open");
    let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
    store
        .save_enrollment(
            &Enrollment {
                hub_url: "http://127.0.0.1:9".into(),
                device_id: 1,
                device_token: "t".into(),
                center_id: 1,
                center_name: "城东街道青年之家".into(),
                time_zone: "Asia/Shanghai".into(),
                card_key: data_encoding::BASE64.encode(&[3; 32]),
            },
            &[(1, protocol::token::encode_public_key(&key.verifying_key()))],
        )
        .expect("enroll");
    store
        .apply_roster(&RosterDelta {
            revision: 1,
            members: vec![RosterEntry {
                member_id: 10_000_001,
                display_name: "林同学".into(),
                active: true,
                cards: vec![protocol::card::card_hash(
                    &[3; 32],
                    &[0x04, 0xA1, 0xB2, 0xC3],
                )],
                card_generation: 0,
                volunteer: true,
            }],
            more: false,
        })
        .expect("roster");
    store
        .set_staff_pin_hash(&kiosk::pin::hash("2468").expect("hash"))
        .expect("pin");
    let clock = ManualClock::at(NOW_MS);
    let engine = Engine::new(store, clock.clone(), 120).expect("engine");
    let mut config = Config {
        language: if en { "en".into() } else { "zh".into() },
        ..Config::default()
    };
    tweak(&mut config);
    let app = App::new().expect("app");
    let kiosk = kiosk::ui::connect(
        &app,
        kiosk::ui::Kiosk::new(
            engine,
            CONTENT
                .with(|c| c.borrow_mut().take())
                .unwrap_or_else(|| ContentBundle::builtin().expect("content")),
            config,
            None,
        )
        .with_signals(signals)
        .with_voice(voice.map(|v| Box::new(v) as Box<dyn kiosk::signals::voice::Speaker>)),
    );
    app.window()
        .set_size(slint::PhysicalSize::new(width, height));
    app.show().expect("show");
    Fixture {
        _dir: dir,
        db,
        app,
        clock,
        _kiosk: kiosk,
    }
}

impl Fixture {
    fn type_line(&self, text: &str) {
        for c in text.chars().chain(std::iter::once('\n')) {
            let text: slint::SharedString = c.to_string().into();
            self.app
                .window()
                .dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
            self.app
                .window()
                .dispatch_event(WindowEvent::KeyReleased { text });
        }
    }

    fn tap(&self, label: &str) {
        // A button's text is labelled too; the button is what a finger aims at.
        let found: Vec<ElementHandle> =
            ElementHandle::find_by_accessible_label(&self.app, label).collect();
        let buttons: Vec<&ElementHandle> = found
            .iter()
            .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .collect();
        let target = match buttons.as_slice() {
            [one] => *one,
            [] if !found.is_empty() => &found[0],
            _ => panic!(
                "expected one thing labelled {label:?} to tap, found {} ({} buttons)",
                found.len(),
                buttons.len()
            ),
        };
        target.mock_single_click(PointerEventButton::Left);
    }

    fn result(&self) -> (bool, ResultKind, String) {
        let r = self.app.global::<ResultAdapter>();
        (r.get_shown(), r.get_kind(), r.get_headline().to_string())
    }

    fn page(&self) -> Page {
        self.app.global::<Nav>().get_page()
    }

    fn count(&self, sql: &str) -> i64 {
        rusqlite::Connection::open(&self.db)
            .expect("db")
            .query_row(sql, [], |r| r.get(0))
            .expect("query")
    }

    fn snapshot(&self, name: &str) -> image::RgbaImage {
        let buffer = self.app.window().take_snapshot().expect("snapshot");
        let img =
            image::RgbaImage::from_raw(buffer.width(), buffer.height(), buffer.as_bytes().to_vec())
                .expect("image");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&dir).expect("mkdir");
        img.save(dir.join(format!("{name}.png"))).expect("save png");
        img
    }
}

fn is_close(p: &image::Rgba<u8>, rgb: [u8; 3]) -> bool {
    p.0.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) < 24)
}

#[test]
fn a_scanned_member_number_is_welcomed_by_name_then_the_home_screen_returns() {
    let f = fixture(1280, 800, false);
    f.type_line("10000001");
    assert_eq!(
        f.result(),
        (true, ResultKind::Welcome, "欢迎你，林同学！".into())
    );
    assert_eq!(
        f.count("SELECT count(*) FROM events WHERE member_id = 10000001"),
        1
    );
    let shot = f.snapshot("scan-welcome-zh-1280x800");
    // The welcome card is green in the middle of the screen.
    assert!(
        is_close(shot.get_pixel(640, 250), [0x1e, 0x8e, 0x3e]),
        "{:?}",
        shot.get_pixel(640, 250)
    );

    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(5));
    assert!(!f.result().0, "the result should close by itself");

    // A second scan at once is a repeat, counted once.
    f.type_line("10000001");
    assert_eq!(f.result().1, ResultKind::Repeat);
    assert_eq!(f.count("SELECT count(*) FROM events"), 1);
    // Tapping the card closes it at once.
    f.tap("林同学，你已经签到了");
    assert!(!f.result().0);
}

#[test]
fn a_garbled_scan_is_refused_in_plain_words_and_nothing_is_stored() {
    let f = fixture(800, 480, true);
    f.type_line("%%not-a-code%%");
    assert_eq!(
        f.result(),
        (true, ResultKind::Refused, "Could not read that".into())
    );
    let shot = f.snapshot("scan-refused-en-800x480");
    assert!(
        is_close(shot.get_pixel(400, 150), [0xc6, 0x28, 0x28]),
        "{:?}",
        shot.get_pixel(400, 150)
    );
    assert_eq!(f.count("SELECT count(*) FROM events"), 0);
}

#[test]
fn a_visitor_is_counted_in_two_taps() {
    let f = fixture(1280, 800, false);
    f.tap("我是访客");
    assert_eq!(f.page(), Page::Visitor);
    f.snapshot("visitor-age-zh-1280x800");
    f.tap("18–24岁");
    f.snapshot("visitor-purpose-zh-1280x800");
    // The second step says which age band was picked, and offers what
    // youths come to do in their own words.
    let step: Vec<String> =
        ElementHandle::find_by_accessible_label(&f.app, "第 2 步：今天来做什么？（18–24岁）")
            .map(|e| e.accessible_label().unwrap_or_default().to_string())
            .collect();
    assert_eq!(step.len(), 1, "the picked band is shown");
    f.tap("打球 / 健身");
    assert_eq!(f.page(), Page::Home);
    assert_eq!(f.result(), (true, ResultKind::Welcome, "欢迎光临！".into()));
    assert_eq!(
        f.count("SELECT count(*) FROM events WHERE kind = 'visitor' AND age_band = 'from18_to24' AND purpose = 'sports'"),
        1
    );
}

#[test]
fn a_visitor_can_go_back_and_cancel_without_being_counted() {
    let f = fixture(800, 480, true);
    f.tap("I'm a visitor");
    f.tap("Under 14");
    f.snapshot("visitor-purpose-en-800x480");
    f.tap("Back");
    f.tap("Cancel");
    assert_eq!(f.page(), Page::Home);
    assert!(!f.result().0);
    assert_eq!(f.count("SELECT count(*) FROM events"), 0);
}

#[test]
fn the_language_switch_changes_every_text_on_the_home_screen() {
    let f = fixture(1280, 800, false);
    assert_eq!(
        f.app.global::<HomeAdapter>().get_center_name(),
        "城东街道青年之家"
    );
    f.tap("English");
    assert!(f.app.global::<Lang>().get_en());
    assert_eq!(
        f.app.global::<HomeAdapter>().get_center_name(),
        "Chengdong Street Youth Home"
    );
    f.tap("中文");
    assert!(!f.app.global::<Lang>().get_en());
}

#[test]
fn staff_see_todays_numbers_only_after_the_right_pin() {
    let f = fixture(1280, 800, false);
    f.type_line("10000001");
    f.tap("欢迎你，林同学！");
    f.tap("我是访客");
    f.tap("14–17岁");
    f.tap("自习 / 看书");
    f.tap("欢迎光临！");

    f.tap("工作人员");
    assert_eq!(f.page(), Page::StaffPin);
    for d in ["1", "2", "3", "4"] {
        f.tap(d);
    }
    f.tap("确认");
    assert_eq!(
        f.page(),
        Page::StaffPin,
        "a wrong PIN must not open the staff screen"
    );
    assert_eq!(
        f.app.global::<StaffAdapter>().get_pin_message(),
        "密码不正确，再错 4 次将暂时锁定。"
    );
    f.snapshot("staff-pin-zh-1280x800");
    for d in ["2", "4", "6", "8"] {
        f.tap(d);
    }
    f.tap("确认");
    assert_eq!(f.page(), Page::Staff);
    let s = f.app.global::<StaffAdapter>();
    assert_eq!(
        (s.get_total(), s.get_members(), s.get_visitors()),
        (2, 1, 1)
    );
    assert!(
        s.get_sync_text().contains("2 条记录"),
        "{}",
        s.get_sync_text()
    );
    f.snapshot("staff-zh-1280x800");
    f.tap("退出");
    assert_eq!(f.page(), Page::Home);
}

#[test]
fn screenshots_of_the_main_screens_in_both_languages_and_sizes() {
    for (w, h) in [(1280, 800), (800, 480)] {
        for en in [false, true] {
            let lang = if en { "en" } else { "zh" };
            let f = fixture(w, h, en);
            let shot = f.snapshot(&format!("home-{lang}-{w}x{h}"));
            assert_eq!((shot.width(), shot.height()), (w, h));
            // The header band is the network's red.
            assert!(
                is_close(shot.get_pixel(4, 4), [0xc8, 0x10, 0x2e]),
                "{:?}",
                shot.get_pixel(4, 4)
            );
            f.tap(if en { "I'm a visitor" } else { "我是访客" });
            f.tap(if en { "18–24" } else { "18–24岁" });
            f.snapshot(&format!("visitor-{lang}-{w}x{h}"));
            f.tap(if en { "Back" } else { "上一步" });
            f.tap(if en { "Cancel" } else { "取消" });
            f.type_line("10000001");
            f.snapshot(&format!("welcome-{lang}-{w}x{h}"));
            f.tap(if en {
                "Welcome, 林同学!"
            } else {
                "欢迎你，林同学！"
            });
            f.tap(if en { "Staff" } else { "工作人员" });
            for d in ["2", "4", "6", "8"] {
                f.tap(d);
            }
            f.tap(if en { "OK" } else { "确认" });
            assert_eq!(f.page(), Page::Staff);
            f.snapshot(&format!("staff-{lang}-{w}x{h}"));
        }
    }
}

/// The home screen at full HD, the reference the emulated board's test
/// compares its screen with at that size (`KIOSK_IMAGE_SCREEN=1920x1080`).
#[test]
fn screenshots_of_the_home_screen_at_1920x1080() {
    let f = fixture(1920, 1080, false);
    let shot = f.snapshot("home-zh-1920x1080");
    assert_eq!((shot.width(), shot.height()), (1920, 1080));
    assert!(
        is_close(shot.get_pixel(4, 4), [0xc8, 0x10, 0x2e]),
        "the header band: {:?}",
        shot.get_pixel(4, 4)
    );
}

#[test]
fn a_card_tap_and_a_grabbed_scanner_line_reach_the_screen() {
    let f = fixture(1280, 800, false);
    f.app
        .global::<ScanAdapter>()
        .invoke_card_tap("04A1B2C3".into());
    assert_eq!(
        f.result(),
        (true, ResultKind::Welcome, "欢迎你，林同学！".into())
    );
    assert_eq!(f.count("SELECT count(*) FROM events WHERE via = 'card'"), 1);
    f.app
        .global::<ScanAdapter>()
        .invoke_card_tap("DEADBEEF".into());
    assert_eq!(f.result(), (true, ResultKind::Refused, "卡片未登记".into()));
    f.snapshot("card-unknown-zh-1280x800");
    // A number scanned next is a check-in only: the card stays unbound.
    f.app
        .global::<ScanAdapter>()
        .invoke_device_scan("12345678".into());
    assert_eq!(f.result(), (true, ResultKind::Refused, "未找到会员".into()));
}

/// A member's phone code, signed with the fixture's hub key.
fn phone_code(member_id: u32, now_ms: i64) -> String {
    protocol::token::Claims {
        key_id: 1,
        member_id,
        expires_at: u32::try_from(now_ms / 1000 + 120).expect("fits"),
    }
    .sign(&ed25519_dalek::SigningKey::from_bytes(&[5; 32]))
}

#[test]
fn a_youth_binds_their_own_id_card_by_tapping_it_and_scanning_their_phone() {
    for (w, h, en) in [(1280, 800, false), (800, 480, true), (800, 480, false)] {
        let f = fixture(w, h, en);
        let lang = if en { "en" } else { "zh" };
        let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
        // An ID card's chip serial: not anybody's yet.
        f.app
            .global::<ScanAdapter>()
            .invoke_card_tap("123456789ABCDEF0".into());
        assert_eq!(f.result().1, ResultKind::Refused);
        let detail = f.app.global::<ResultAdapter>().get_detail().to_string();
        assert!(
            detail.contains(&t(
                "扫描手机上的会员码",
                "scan the member code on your phone"
            )),
            "{detail}"
        );
        f.snapshot(&format!("own-card-wait-{lang}-{w}x{h}"));
        f.type_line(&phone_code(10_000_001, NOW_MS));
        assert_eq!(
            f.result(),
            (
                true,
                ResultKind::Welcome,
                t(
                    "林同学，签到成功！再刷一次卡即可绑定",
                    "林同学, welcome! Tap the card again to make it yours"
                )
            )
        );
        f.snapshot(&format!("own-card-claim-{lang}-{w}x{h}"));
        assert_eq!(
            f.count("SELECT count(*) FROM events WHERE kind = 'card_bound'"),
            0,
            "not before the card again"
        );
        f.app
            .global::<ScanAdapter>()
            .invoke_card_tap("123456789ABCDEF0".into());
        assert_eq!(
            f.result(),
            (
                true,
                ResultKind::Welcome,
                t("林同学，卡已绑定给你", "林同学, this card is yours now")
            )
        );
        f.snapshot(&format!("own-card-bound-{lang}-{w}x{h}"));
        assert_eq!(
            f.count(
                "SELECT count(*) FROM events WHERE kind = 'card_bound' AND member_id = 10000001"
            ),
            1
        );
        // The next tap of the card is the youth's check-in (a repeat today).
        f.app
            .global::<ScanAdapter>()
            .invoke_card_tap("123456789ABCDEF0".into());
        assert_eq!(f.result().1, ResultKind::Repeat);
    }
}

#[test]
fn staff_bind_an_unknown_card_in_a_few_taps_and_it_checks_in_at_once() {
    for en in [false, true] {
        let f = fixture(1280, 800, en);
        let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
        f.tap(&t("工作人员", "Staff"));
        for d in ["2", "4", "6", "8"] {
            f.tap(d);
        }
        f.tap(&t("确认", "OK"));
        f.tap(&t("绑定卡片", "Bind a card"));
        assert_eq!(f.page(), Page::BindCard);
        f.snapshot(&format!(
            "bind-wait-{}-1280x800",
            if en { "en" } else { "zh" }
        ));
        // The card tap is captured for binding, not counted as a check-in.
        f.app
            .global::<ScanAdapter>()
            .invoke_card_tap("11223344".into());
        assert_eq!(f.app.global::<BindAdapter>().get_step(), 1);
        assert!(!f.result().0);
        for d in "10000001".chars() {
            f.tap(&d.to_string());
        }
        f.tap(&t("绑定", "Bind"));
        assert_eq!(
            f.app.global::<BindAdapter>().get_step(),
            2,
            "{}",
            f.app.global::<BindAdapter>().get_message()
        );
        f.snapshot(&format!(
            "bind-done-{}-1280x800",
            if en { "en" } else { "zh" }
        ));
        assert_eq!(
            f.count(
                "SELECT count(*) FROM events WHERE kind = 'card_bound' AND member_id = 10000001"
            ),
            1
        );
        f.tap(&t("完成", "Done"));
        assert_eq!(f.page(), Page::Staff);
        f.tap(&t("退出", "Close"));
        f.app
            .global::<ScanAdapter>()
            .invoke_card_tap("11223344".into());
        assert_eq!(f.result().1, ResultKind::Welcome);
    }
}

#[test]
fn a_volunteer_starts_a_shift_for_an_activity_and_ends_it_with_a_card() {
    for (w, h, en) in [
        (1280, 800, false),
        (800, 480, true),
        (1280, 800, true),
        (800, 480, false),
    ] {
        let f = fixture(w, h, en);
        let lang = if en { "en" } else { "zh" };
        let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
        f.tap(&t("志愿者", "Volunteer"));
        assert_eq!(f.page(), Page::Volunteer);
        f.snapshot(&format!("volunteer-choose-{lang}-{w}x{h}"));
        f.tap(&t(
            "16:30 四点半课堂：作业辅导",
            "16:30 After-school class: homework help",
        ));
        assert_eq!(f.app.global::<VolunteerAdapter>().get_step(), 1);
        f.snapshot(&format!("volunteer-scan-{lang}-{w}x{h}"));
        // A code that is not a member's: refused, and the page still waits.
        f.type_line("12345678");
        assert_eq!(f.result().1, ResultKind::Refused);
        assert_eq!(f.page(), Page::Volunteer);
        f.type_line("10000001");
        assert_eq!(
            f.result(),
            (
                true,
                ResultKind::Welcome,
                t("林同学，上岗签到成功", "林同学, your shift has started")
            )
        );
        f.snapshot(&format!("volunteer-started-{lang}-{w}x{h}"));
        assert_eq!(f.page(), Page::Home);
        assert_eq!(
            f.count("SELECT count(*) FROM events WHERE kind = 'volunteer_in' AND activity = '四点半课堂：作业辅导' AND purpose = 'public_service'"),
            1
        );
        // A scan on the home screen is a plain check-in again.
        f.tap(&t("林同学，上岗签到成功", "林同学, your shift has started"));
        f.type_line("10000001");
        assert_eq!(f.result().1, ResultKind::Welcome);
        assert_eq!(
            f.count("SELECT count(*) FROM events WHERE kind = 'member_check_in'"),
            1
        );
        f.tap(&t("欢迎你，林同学！", "Welcome, 林同学!"));

        f.clock.advance_ms(2 * 3_600_000 + 5 * 60_000);
        f.tap(&t("志愿者", "Volunteer"));
        f.tap(&t("结束服务", "End my shift"));
        f.app
            .global::<ScanAdapter>()
            .invoke_card_tap("04A1B2C3".into());
        assert_eq!(
            f.result(),
            (
                true,
                ResultKind::Welcome,
                t("林同学，签退成功", "林同学, your shift has ended")
            )
        );
        let detail = f.app.global::<ResultAdapter>().get_detail().to_string();
        assert!(
            detail.contains(&t("2 小时 5 分钟", "2 h 5 min")),
            "{detail}"
        );
        f.snapshot(&format!("volunteer-ended-{lang}-{w}x{h}"));
        assert_eq!(
            f.count("SELECT count(*) FROM events WHERE kind = 'volunteer_out' AND via = 'card'"),
            1
        );
    }
}

#[test]
fn a_member_without_phone_or_card_types_their_number_on_a_large_pad() {
    for (w, h) in [(800, 480), (1280, 800)] {
        for en in [false, true] {
            let f = fixture(w, h, en);
            let lang = if en { "en" } else { "zh" };
            let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
            f.tap(&t("输入会员号", "My number"));
            let pad = f.app.global::<PadAdapter>();
            assert!(pad.get_shown());
            // Every key is a thumb wide, on the small panel too.
            for key in ["1", "5", "0", &t("退格", "Back"), &t("签到", "Check in")] {
                let found: Vec<ElementHandle> =
                    ElementHandle::find_by_accessible_label(&f.app, key)
                        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
                        .collect();
                assert_eq!(found.len(), 1, "{key:?}");
                let size = found[0].size();
                let scale = f.app.window().scale_factor();
                assert!(
                    size.height * scale >= 48.0 && size.width * scale >= 48.0,
                    "key {key:?} is {size:?} at {w}x{h}"
                );
            }
            // Too short: said on the pad, nothing recorded, the pad stays.
            f.tap("1");
            f.tap("0");
            f.tap(&t("签到", "Check in"));
            assert!(pad.get_shown());
            assert!(!pad.get_problem().is_empty());
            assert_eq!(f.count("SELECT count(*) FROM events"), 0);
            f.tap(&t("退格", "Back"));
            f.tap(&t("退格", "Back"));
            assert_eq!(pad.get_digits(), "");
            for d in "10000001".chars() {
                f.tap(&d.to_string());
            }
            assert_eq!(pad.get_digits(), "10000001");
            assert!(pad.get_problem().is_empty());
            f.snapshot(&format!("pad-{lang}-{w}x{h}"));
            f.tap(&t("签到", "Check in"));
            assert!(!pad.get_shown());
            assert_eq!(
                f.result(),
                (
                    true,
                    ResultKind::Welcome,
                    t("欢迎你，林同学！", "Welcome, 林同学!")
                )
            );
            assert_eq!(
                f.count("SELECT count(*) FROM events WHERE kind = 'member_check_in' AND via = 'member_number'"),
                1
            );
            f.tap(&t("欢迎你，林同学！", "Welcome, 林同学!"));

            // A volunteer's shift takes the number the same way.
            f.tap(&t("志愿者", "Volunteer"));
            f.tap(&t("结束服务", "End my shift"));
            f.tap(&t("没带手机？输入会员号", "No phone? Type my number"));
            assert!(pad.get_shown());
            f.snapshot(&format!("pad-shift-{lang}-{w}x{h}"));
            for d in "10000001".chars() {
                f.tap(&d.to_string());
            }
            f.tap(&t("确认", "OK"));
            assert_eq!(
                f.result(),
                (
                    true,
                    ResultKind::Welcome,
                    t("林同学，签退成功", "林同学, your shift has ended")
                )
            );
            assert_eq!(f.page(), Page::Home);
            assert_eq!(
                f.count("SELECT count(*) FROM events WHERE kind = 'volunteer_out'"),
                1
            );
        }
    }
}

#[test]
fn a_youth_who_is_not_a_member_gets_the_join_code_and_comes_back_to_check_in() {
    for (w, h) in [(800, 480), (1280, 800)] {
        for en in [false, true] {
            let f = fixture(w, h, en);
            let lang = if en { "en" } else { "zh" };
            let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
            f.tap(&t("加入会员", "Join"));
            assert_eq!(f.page(), Page::Join);
            let link = f.app.global::<JoinAdapter>().get_link().to_string();
            assert_eq!(link, "http://127.0.0.1:9/m/join/1");
            let name = format!("join-{lang}-{w}x{h}");
            f.snapshot(&name);
            // A phone reads the code off the screen.
            let png = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../target/screenshots/{name}.png"));
            let out = std::process::Command::new("zbarimg")
                .args(["--quiet", "--raw"])
                .arg(&png)
                .output()
                .expect("zbarimg (Debian's zbar-tools, installed by the test script)");
            assert!(
                out.status.success(),
                "no code read off the screen at {w}x{h}"
            );
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), link);
            // Back with the phone's new code: welcomed, and home again.
            f.type_line(&phone_code(10_000_001, NOW_MS));
            assert_eq!(f.result().1, ResultKind::Welcome);
            assert_eq!(f.page(), Page::Home);
            // Opened and left alone, it closes by itself.
            f.tap(&t("欢迎你，林同学！", "Welcome, 林同学!"));
            f.tap(&t("加入会员", "Join"));
            i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(91));
            assert_eq!(f.page(), Page::Home);
            f.tap(&t("加入会员", "Join"));
            f.tap(&t("关闭", "Close"));
            assert_eq!(f.page(), Page::Home);
        }
    }
}

#[test]
fn the_number_pad_closes_by_itself_or_when_a_scan_arrives() {
    let f = fixture(1280, 800, false);
    f.tap("输入会员号");
    f.tap("1");
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(31));
    assert!(!f.app.global::<PadAdapter>().get_shown());
    // Opened again, it starts empty.
    f.tap("输入会员号");
    assert_eq!(f.app.global::<PadAdapter>().get_digits(), "");
    f.tap("取消");
    assert!(!f.app.global::<PadAdapter>().get_shown());
    // A phone scanned while the pad is open is answered at once.
    f.tap("输入会员号");
    f.type_line("10000001");
    assert!(!f.app.global::<PadAdapter>().get_shown());
    assert_eq!(f.result().1, ResultKind::Welcome);
    assert_eq!(f.count("SELECT count(*) FROM events"), 1);
}

#[test]
fn the_volunteer_page_goes_home_by_itself_and_counts_nothing() {
    let f = fixture(1280, 800, false);
    f.tap("志愿者");
    f.tap("结束服务");
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(46));
    assert_eq!(f.page(), Page::Home);
    // The scan after that is a check-in, not a shift end.
    f.type_line("10000001");
    assert_eq!(f.result().2, "欢迎你，林同学！");
    f.tap("欢迎你，林同学！");
    f.tap("志愿者");
    f.tap("取消");
    assert_eq!(f.page(), Page::Home);
    assert_eq!(
        f.count("SELECT count(*) FROM events WHERE kind LIKE 'volunteer%'"),
        0
    );
}

#[test]
fn five_wrong_pins_lock_the_keypad_with_a_countdown_that_ends() {
    let f = fixture(1280, 800, false);
    f.tap("工作人员");
    for _ in 0..5 {
        for d in ["1", "1", "1", "1"] {
            f.tap(d);
        }
        f.tap("确认");
    }
    let s = f.app.global::<StaffAdapter>();
    assert!(s.get_pin_locked());
    assert_eq!(s.get_pin_message(), "密码错误次数过多，请 1 分钟后再试。");
    f.snapshot("staff-pin-locked-zh-1280x800");
    // The right PIN is not even looked at while locked.
    for d in ["2", "4", "6", "8"] {
        f.tap(d);
    }
    f.tap("确认");
    assert_eq!(f.page(), Page::StaffPin);
    f.clock.advance_ms(30_000);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    assert_eq!(s.get_pin_message(), "密码错误次数过多，请 30 秒后再试。");
    // Leaving and coming back does not reset it.
    f.tap("取消");
    f.tap("工作人员");
    assert!(s.get_pin_locked());
    f.clock.advance_ms(31_000);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    assert!(!s.get_pin_locked(), "{}", s.get_pin_message());
    for d in ["2", "4", "6", "8"] {
        f.tap(d);
    }
    f.tap("确认");
    assert_eq!(f.page(), Page::Staff);
}

#[test]
fn a_staff_card_opens_the_staff_screen_and_staff_void_a_mistaken_check_in() {
    for (w, h, en) in [
        (1280, 800, false),
        (800, 480, true),
        (1280, 800, true),
        (800, 480, false),
    ] {
        let f = fixture(w, h, en);
        let lang = if en { "en" } else { "zh" };
        let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
        // Check in, then a visitor counted by mistake.
        f.type_line("10000001");
        f.tap(&t("欢迎你，林同学！", "Welcome, 林同学!"));
        f.tap(&t("我是访客", "I'm a visitor"));
        f.tap(&t("18–24岁", "18–24"));
        f.tap(&t("打球 / 健身", "Sports or a workout"));
        f.tap(&t("欢迎光临！", "Welcome!"));

        // A staff card, registered at this kiosk, opens the staff screen.
        f._kiosk
            .borrow()
            .engine
            .add_staff_card(&[0x51, 0x52, 0x53, 0x54], "前台")
            .expect("staff card");
        f.app
            .global::<ScanAdapter>()
            .invoke_card_tap("51525354".into());
        assert_eq!(f.page(), Page::Staff);
        assert_eq!(
            f.count("SELECT count(*) FROM events"),
            2,
            "a staff card is not a check-in"
        );
        let s = f.app.global::<StaffAdapter>();
        assert_eq!((s.get_total(), s.get_visitors()), (2, 1));
        assert_eq!(s.get_entries().row_count(), 2);
        // Tuesday's two activities are listed; nobody came during them yet.
        let acts = s.get_by_activity();
        assert_eq!(acts.row_count(), 2);
        assert_eq!(acts.row_data(0).map(|r| r.count), Some(0));
        assert_eq!(
            s.get_total_note(),
            t("昨天 0 · 上周二 0", "yesterday 0 · last Tue 0")
        );
        f.snapshot(&format!("staff-list-{lang}-{w}x{h}"));

        // Void the visitor: newest first, so it is the first row.
        let first = s.get_entries().row_data(0).expect("row");
        assert!(first.who.contains(&t("访客", "Visitor")), "{}", first.who);
        s.invoke_void_request(first.seq);
        assert!(s.get_void_open());
        f.snapshot(&format!("staff-void-{lang}-{w}x{h}"));
        f.tap(&t("误操作", "By mistake"));
        assert!(!s.get_void_open());
        assert_eq!((s.get_total(), s.get_visitors()), (1, 0));
        let first = s.get_entries().row_data(0).expect("row");
        assert_eq!(
            first.voided.as_str(),
            t(
                "已作废，原因：误操作，操作人：前台",
                "Voided (by mistake), by 前台"
            )
        );
        assert_eq!(
            f.count("SELECT count(*) FROM events WHERE kind = 'check_in_voided' AND actor = '前台' AND reason = 'mistake'"),
            1
        );
        // Changing one's mind keeps the check-in.
        let member_row = s.get_entries().row_data(1).expect("row");
        s.invoke_void_request(member_row.seq);
        f.tap(&t("不作废", "Keep it"));
        assert_eq!(s.get_total(), 1);
        f.snapshot(&format!("staff-voided-{lang}-{w}x{h}"));
    }
}

#[test]
fn staff_export_today_to_a_usb_stick_or_are_told_to_plug_one_in() {
    let stick = tempfile::tempdir().expect("stick");
    let missing = stick.path().join("not-plugged-in");
    for (dir, plugged) in [(stick.path().to_path_buf(), true), (missing, false)] {
        let f = fixture_with(1280, 800, false, |c| c.export_dir = Some(dir.clone()));
        f.type_line("10000001");
        f.tap("欢迎你，林同学！");
        f.tap("工作人员");
        for d in ["2", "4", "6", "8"] {
            f.tap(d);
        }
        f.tap("确认");
        f.tap("导出");
        let s = f.app.global::<StaffAdapter>();
        assert!(s.get_export_open());
        // Without a stick, staff can scan their way to the hub's dashboard.
        assert_eq!(s.get_hub_url(), "http://127.0.0.1:9/");
        assert!(s.get_hub_qr().size().width > 100);
        f.tap("今天");
        let message = s.get_export_message().to_string();
        if plugged {
            assert!(!s.get_export_error(), "{message}");
            let name = "attendance-center1-2026-11-24.csv";
            assert!(message.contains(name), "{message}");
            let text = std::fs::read_to_string(dir.join(name)).expect("exported file");
            assert!(
                text.contains("林同学") && text.contains("10000001"),
                "{text}"
            );
            f.snapshot("staff-export-zh-1280x800");
        } else {
            assert!(s.get_export_error());
            assert_eq!(message, "没有找到 U 盘，请插入 U 盘后再选择。");
        }
        f.tap("关闭");
        assert!(!s.get_export_open());
    }
}

#[test]
fn attract_mode_comes_on_a_quiet_home_screen_and_any_touch_or_scan_ends_it() {
    let f = fixture(1280, 800, true);
    let attract = || f.app.global::<AttractAdapter>();
    // A youth switched to Chinese, then walked away.
    f.tap("中文");
    assert!(!f.app.global::<Lang>().get_en());
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(59));
    assert!(!attract().get_shown(), "not before a minute of quiet");
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(2));
    assert!(attract().get_shown());
    // The next youth gets the kiosk's own language.
    assert!(f.app.global::<Lang>().get_en());
    let slides: Vec<Slide> = attract().get_slides().iter().collect();
    assert_eq!(slides.len(), 7, "{slides:?}");
    assert_eq!(slides[0].tag, "Notice");
    assert_eq!(slides[1].tag, "How we serve you");
    assert_eq!(slides[2].tag, "Today 16:30–18:00");
    assert_eq!(attract().get_index(), 0);
    let shot = f.snapshot("attract-en-1280x800");
    // The calm dark-red frame around a white card.
    assert!(
        is_close(shot.get_pixel(4, 4), [0x9e, 0x0b, 0x23]),
        "{:?}",
        shot.get_pixel(4, 4)
    );
    assert!(
        is_close(shot.get_pixel(640, 400), [0xff, 0xff, 0xff]),
        "{:?}",
        shot.get_pixel(640, 400)
    );
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(10));
    assert_eq!(attract().get_index(), 1);
    f.snapshot("attract-process-en-1280x800");
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(10));
    assert_eq!(attract().get_index(), 2);
    f.snapshot("attract-activity-en-1280x800");
    // Round and round: after the last slide, the first again.
    for _ in 0..5 {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(10));
    }
    assert_eq!(attract().get_index(), 0);

    // A touch anywhere ends it at once, and counts nothing.
    f.tap("attract");
    assert!(!attract().get_shown());
    assert_eq!(f.page(), Page::Home);
    assert_eq!(f.count("SELECT count(*) FROM events"), 0);

    // A scan while it shows: woken and checked in by the same scan.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(61));
    assert!(attract().get_shown());
    f.type_line("10000001");
    assert!(!attract().get_shown());
    assert_eq!(
        f.result(),
        (true, ResultKind::Welcome, "Welcome, 林同学!".into())
    );
    assert_eq!(f.count("SELECT count(*) FROM events"), 1);

    // Never over an answer or another page; a visitor page left mid-way
    // goes home (nothing counted) and then attract mode comes.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(5));
    assert!(!f.result().0);
    f.tap("I'm a visitor");
    f.tap("18–24");
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(59));
    assert_eq!(f.page(), Page::Visitor);
    assert!(!attract().get_shown());
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(2));
    assert_eq!(f.page(), Page::Home);
    assert!(attract().get_shown());
    assert_eq!(f.count("SELECT count(*) FROM events"), 1);
}

#[test]
fn attract_mode_can_be_turned_off() {
    let f = fixture_with(800, 480, false, |c| c.attract_after_seconds = 0);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(600));
    assert!(!f.app.global::<AttractAdapter>().get_shown());
}

#[test]
fn each_answer_on_screen_plays_its_signals() {
    use kiosk::signals::{Output, Signals, SignalsConfig, SimulatedPins};
    let pins = SimulatedPins::new(Output::ALL.to_vec());
    let signals =
        Signals::start(Box::new(pins.clone()), &SignalsConfig::default()).expect("signals");
    let f = fixture_signals(
        800,
        480,
        false,
        |_| {},
        Some(std::sync::Arc::new(signals)),
        None,
    );
    let wait_lit = |want: Output| {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !pins.lit().contains(&want) {
            assert!(
                std::time::Instant::now() < deadline,
                "{want:?} never lit: {:?}",
                pins.lit()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    f.type_line("10000001");
    assert_eq!(f.result().1, ResultKind::Welcome);
    wait_lit(Output::DoorRelay);
    f.type_line("%%garbled%%");
    assert_eq!(f.result().1, ResultKind::Refused);
    wait_lit(Output::LedRed);
    // The refusal shut the door the welcome had opened.
    assert!(!pins.lit().contains(&Output::DoorRelay), "{:?}", pins.lit());
}

#[test]
fn outside_the_screen_hours_a_quiet_kiosk_goes_dark_and_any_touch_or_scan_lights_it() {
    // 09:30, and the screen's hours start at 10:00.
    let f = fixture_with(1280, 800, false, |c| c.screen_hours = "10:00-20:00".into());
    let attract = || f.app.global::<AttractAdapter>();
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(61));
    assert!(attract().get_dark());
    assert!(!attract().get_shown(), "dark, not the carousel");
    let shot = f.snapshot("dark-1280x800");
    assert!(
        is_close(shot.get_pixel(640, 400), [0, 0, 0]),
        "{:?}",
        shot.get_pixel(640, 400)
    );
    // A tap lights it; a minute later it is dark again.
    f.tap("dark screen");
    assert!(!attract().get_dark());
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(61));
    assert!(attract().get_dark());
    // A scan in the dark checks in at once.
    f.type_line("10000001");
    assert!(!attract().get_dark());
    assert_eq!(f.result().1, ResultKind::Welcome);
    assert_eq!(f.count("SELECT count(*) FROM events"), 1);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(5));
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(61));
    assert!(attract().get_dark());
    // Opening time: it lights up by itself, and the carousel follows.
    f.clock.advance_ms(31 * 60_000);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(10));
    assert!(!attract().get_dark());
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(61));
    assert!(attract().get_shown());
    // Closing time while the carousel turns: dark at the next turn.
    f.clock.advance_ms(10 * 3_600_000);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(10));
    assert!(attract().get_dark());
    assert!(!attract().get_shown());
}

#[test]
fn the_home_screen_shows_the_centers_logo_from_its_content() {
    let f = fixture(1280, 800, false);
    let logo = f.app.global::<HomeAdapter>().get_logo();
    assert_eq!((logo.size().width, logo.size().height), (256, 256));
    // Drawn in the header, left of the name: the logo's white "青年" on red.
    let shot = f.snapshot("home-logo-zh-1280x800");
    let white = (20..70)
        .flat_map(|x| (20..70).map(move |y| (x, y)))
        .filter(|(x, y)| is_close(shot.get_pixel(*x, *y), [255, 255, 255]))
        .count();
    assert!(
        white > 100,
        "only {white} white pixels where the logo should be"
    );
}

#[test]
fn attract_mode_reads_on_the_small_panel_in_both_languages() {
    for en in [false, true] {
        let lang = if en { "en" } else { "zh" };
        let f = fixture(800, 480, en);
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(61));
        assert!(f.app.global::<AttractAdapter>().get_shown());
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(10));
        let shot = f.snapshot(&format!("attract-{lang}-800x480"));
        assert!(
            is_close(shot.get_pixel(100, 120), [0xff, 0xff, 0xff]),
            "{:?}",
            shot.get_pixel(100, 120)
        );
        // Every slide, looked at.
        let slides = f.app.global::<AttractAdapter>().get_slides().row_count();
        for i in 1..slides {
            i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(10));
            f.snapshot(&format!("attract-{lang}-800x480-{i}"));
        }
    }
}

#[test]
fn no_shortcut_or_close_request_takes_a_youth_out_of_the_kiosk() {
    use slint::platform::Key;
    let f = fixture(800, 480, true);
    let press = |keys: &[slint::SharedString]| {
        for k in keys {
            f.app
                .window()
                .dispatch_event(WindowEvent::KeyPressed { text: k.clone() });
        }
        for k in keys.iter().rev() {
            f.app
                .window()
                .dispatch_event(WindowEvent::KeyReleased { text: k.clone() });
        }
    };
    let k = |key: Key| slint::SharedString::from(key);
    let c = |ch: &str| slint::SharedString::from(ch);
    // A keyboard plugged in: the shortcuts that close or leave an app elsewhere.
    for combo in [
        vec![k(Key::Alt), k(Key::F4)],
        vec![k(Key::Control), c("q")],
        vec![k(Key::Control), c("w")],
        vec![k(Key::Control), k(Key::Alt), k(Key::Backspace)],
        vec![k(Key::Control), k(Key::Alt), k(Key::Delete)],
        vec![k(Key::Control), k(Key::Alt), k(Key::F2)],
        vec![k(Key::Alt), k(Key::Tab)],
        vec![k(Key::Meta)],
        vec![k(Key::Escape)],
        vec![k(Key::F11)],
        vec![c("\n")],
    ] {
        press(&combo);
        assert!(f.app.window().is_visible(), "after {combo:?}");
        assert_eq!(f.page(), Page::Home, "after {combo:?}");
    }
    // The compositor or a window manager asks the window to close.
    f.app.window().dispatch_event(WindowEvent::CloseRequested);
    assert!(f.app.window().is_visible(), "a close request is refused");
    // Words typed on the keyboard are a scan, refused in plain words.
    f.type_line("exit");
    assert_eq!(f.result().1, ResultKind::Refused);
    f.type_line("bash");
    assert_eq!(f.result().1, ResultKind::Refused);
    // The staff screen still needs the PIN.
    assert_ne!(f.page(), Page::Staff);
    assert_ne!(f.page(), Page::StaffPin);
    // And the kiosk still works.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(5));
    f.type_line("10000001");
    assert_eq!(f.result().1, ResultKind::Welcome);
    assert_eq!(f.count("SELECT count(*) FROM events"), 1);
}

#[test]
fn a_new_content_version_is_shown_at_once_without_a_restart() {
    let f = fixture(1280, 800, false);
    let home = f.app.global::<HomeAdapter>();
    assert_eq!(home.get_center_name(), "城东街道青年之家");
    f.snapshot("content-before-publish-zh-1280x800");

    // What the sync task hands over once a version is verified.
    let dir = tempfile::tempdir().expect("tempdir");
    // The admin renamed the center and put up a new announcement first.
    let default = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/content/default.json"),
    )
    .expect("default content");
    let mut json: serde_json::Value = serde_json::from_str(&default).expect("json");
    json["center"]["name"] =
        serde_json::json!({"zh": "城西社区青年之家", "en": "Chengxi Youth Home"});
    json["announcements"]
        .as_array_mut()
        .expect("announcements")
        .insert(0, serde_json::json!({"text": {"zh": "今晚 19:00 篮球友谊赛，欢迎观赛", "en": "Basketball tonight at 19:00"}}));
    json["emergency"] = serde_json::json!({
        "zh": "因暴雨预警，今天 15:00 起暂停开放，请勿前来。",
        "en": "Closed from 15:00 today: heavy rain warning. Please do not come."
    });
    std::fs::write(dir.path().join("content.json"), json.to_string()).expect("content.json");
    std::fs::copy(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/content/logo.png"),
        dir.path().join("logo.png"),
    )
    .expect("logo");
    let bundle = ContentBundle::load_folder(dir.path()).expect("bundle");
    kiosk::ui::show_content(&f.app, &f._kiosk, bundle);
    assert_eq!(home.get_center_name(), "城西社区青年之家");
    assert!(
        home.get_announcement().contains("篮球友谊赛"),
        "{}",
        home.get_announcement()
    );
    assert!(home.get_emergency().contains("暴雨预警"));
    let shot = f.snapshot("content-after-publish-zh-1280x800");
    // The urgent notice is a warning-yellow bar under the red header.
    assert!(
        is_close(shot.get_pixel(1000, 110), [0xff, 0xcc, 0x00]),
        "{:?}",
        shot.get_pixel(1000, 110)
    );
    // Attract mode carries it too.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(61));
    assert!(f.app.global::<AttractAdapter>().get_shown());
    f.snapshot("content-emergency-attract-zh-1280x800");
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    f.tap("attract");
    // Check-ins go on as before.
    f.type_line("10000001");
    assert_eq!(f.result().1, ResultKind::Welcome);
}

#[test]
fn the_emergency_notice_fits_the_small_screen_in_english() {
    let f = fixture(800, 480, true);
    let dir = tempfile::tempdir().expect("tempdir");
    let default = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/content/default.json"),
    )
    .expect("default content");
    let mut json: serde_json::Value = serde_json::from_str(&default).expect("json");
    json["center"]["logo"] = serde_json::Value::Null;
    json["emergency"] = serde_json::json!({
        "zh": "因暴雨预警，今天 15:00 起暂停开放，请勿前来。",
        "en": "Closed from 15:00 today: heavy rain warning. Please do not come."
    });
    std::fs::write(dir.path().join("content.json"), json.to_string()).expect("content.json");
    let bundle = ContentBundle::load_folder(dir.path()).expect("bundle");
    kiosk::ui::show_content(&f.app, &f._kiosk, bundle);
    assert!(
        f.app
            .global::<HomeAdapter>()
            .get_emergency()
            .starts_with("Closed from 15:00")
    );
    f.snapshot("content-emergency-en-800x480");
}

#[test]
fn an_activity_with_a_picture_and_a_sign_up_link_shows_both_and_a_phone_reads_the_code() {
    let f = fixture(1280, 800, false);
    let dir = tempfile::tempdir().expect("tempdir");
    let link = "https://example.org/signup/2026-11-24/basketball";
    let json = serde_json::json!({
        "format": 1,
        "center": {
            "name": { "zh": "城东街道青年之家", "en": "Chengdong Street Youth Home" },
            "service_aims": { "zh": "服务青年 凝聚青年 引领青年", "en": "Serving, uniting and guiding young people" },
            "service_process": [
                { "zh": "扫码签到", "en": "Check in" },
                { "zh": "前台咨询", "en": "Ask at the desk" },
                { "zh": "参加活动", "en": "Join in" }
            ]
        },
        "activities": [{
            "title": { "zh": "三人篮球赛", "en": "3x3 basketball" },
            "category": "sports",
            "date": "2026-11-24",
            "start": "19:00", "end": "21:00",
            "place": { "zh": "活动大厅", "en": "Main hall" },
            "capacity": 24,
            "signup_url": link,
            "picture": "basketball.png"
        }],
        "announcements": [
            { "text": "一月的通知", "from": "2027-01-01" },
            { "text": "本周通知", "until": "2026-11-29" }
        ]
    });
    std::fs::write(dir.path().join("content.json"), json.to_string()).expect("content.json");
    // A camera's photo, larger than the screen: kept scaled down.
    image::RgbaImage::from_fn(1600, 1200, |x, y| {
        image::Rgba([(x / 7) as u8, 0x60, (y / 5) as u8, 0xff])
    })
    .save(dir.path().join("basketball.png"))
    .expect("picture");
    let bundle = ContentBundle::load_folder(dir.path()).expect("bundle");
    let kept = bundle.pictures.get("basketball.png").expect("decoded");
    assert_eq!(kept.dimensions(), (480, 360));
    kiosk::ui::show_content(&f.app, &f._kiosk, bundle);
    // Only the announcement whose window holds today is up.
    let home = f.app.global::<HomeAdapter>();
    assert_eq!(home.get_announcement(), "本周通知");

    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(61));
    let a = f.app.global::<AttractAdapter>();
    assert!(a.get_shown());
    let slides: Vec<Slide> = a.get_slides().iter().collect();
    let titles: Vec<String> = slides.iter().map(|s| s.title.to_string()).collect();
    assert_eq!(
        titles,
        ["本周通知", "服务青年 凝聚青年 引领青年", "三人篮球赛"],
        "the window, the aims and the activity"
    );
    assert_eq!(slides[1].detail, "1. 扫码签到\n2. 前台咨询\n3. 参加活动");
    assert_eq!(slides[2].detail, "活动大厅 · 限 24 人");
    assert!(slides[..2].iter().all(|s| s.qr.size().width == 0));
    assert!(slides[2].qr.size().width > 0);
    assert!(slides[..2].iter().all(|s| s.picture.size().width == 0));
    assert_eq!(slides[2].picture.size().width, 480);
    // Turn to the activity and read its code off the screen, as a phone would.
    for _ in 0..2 {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(10));
    }
    assert_eq!(a.get_index(), 2);
    f.snapshot("attract-signup-qr-zh-1280x800");
    let png = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/screenshots/attract-signup-qr-zh-1280x800.png");
    let out = std::process::Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&png)
        .output()
        .expect("zbarimg (Debian's zbar-tools, installed by the test script)");
    assert!(out.status.success(), "no code read off the screen");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), link);
}

#[test]
fn a_city_wide_warning_leads_the_centers_own_notice_on_the_home_screen() {
    let f = fixture(1280, 800, false);
    let dir = tempfile::tempdir().expect("tempdir");
    let default = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/content/default.json"),
    )
    .expect("default content");
    let mut json: serde_json::Value = serde_json::from_str(&default).expect("json");
    json["emergency"] = serde_json::json!({ "zh": "本中心今日停水", "en": "No water here today" });
    std::fs::write(dir.path().join("content.json"), json.to_string()).expect("content.json");
    std::fs::copy(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/content/logo.png"),
        dir.path().join("logo.png"),
    )
    .expect("logo");
    // What a sync leaves in the version folder: the levels, nearest first.
    std::fs::write(dir.path().join("regions.json"), "[12, 3]").expect("chain");
    std::fs::write(
        dir.path().join("region-3-content.json"),
        r#"{"format": 1, "name": "杭州市", "emergency": {"zh": "台风预警：今天 15:00 起全市青年之家暂停开放", "en": "Typhoon warning: all centers close at 15:00"}}"#,
    )
    .expect("city");
    std::fs::write(
        dir.path().join("region-12-content.json"),
        r#"{"format": 1, "name": "上城区", "announcements": [{"text": "上城区青年志愿者招募"}]}"#,
    )
    .expect("county");
    let bundle = ContentBundle::load_folder(dir.path()).expect("bundle");
    kiosk::ui::show_content(&f.app, &f._kiosk, bundle);
    let home = f.app.global::<HomeAdapter>();
    assert_eq!(
        home.get_emergency(),
        "台风预警：今天 15:00 起全市青年之家暂停开放　本中心今日停水"
    );
    f.snapshot("content-city-warning-zh-1280x800");
    // The county's notice goes round in attract mode after the center's own.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(61));
    let titles: Vec<String> = f
        .app
        .global::<AttractAdapter>()
        .get_slides()
        .iter()
        .map(|s| s.title.to_string())
        .collect();
    let own = titles.iter().position(|t| t.contains("志愿者培训"));
    let county = titles.iter().position(|t| t == "上城区青年志愿者招募");
    assert!(own.is_some() && county > own, "{titles:?}");
}

#[test]
fn a_kiosk_on_default_settings_says_so_on_the_staff_screen() {
    for (w, h) in [(1280, 800), (800, 480)] {
        for en in [false, true] {
            let lang = if en { "en" } else { "zh" };
            let f = fixture_with(w, h, en, |c| {
                c.problem = Some(
                    "/var/lib/youth-kiosk/kiosk.toml is not valid: expected `=`, line 3".into(),
                );
            });
            f.tap(if en { "Staff" } else { "工作人员" });
            for d in ["2", "4", "6", "8"] {
                f.tap(d);
            }
            f.tap(if en { "OK" } else { "确认" });
            assert_eq!(f.page(), Page::Staff);
            let text = f.app.global::<StaffAdapter>().get_sync_text().to_string();
            let start = if en {
                "The settings file kiosk.toml cannot be used; running on the defaults"
            } else {
                "设置文件 kiosk.toml 无法使用，正以默认设置运行"
            };
            assert!(text.starts_with(start), "{text}");
            f.snapshot(&format!("staff-settings-damaged-{lang}-{w}x{h}"));
        }
    }
}

#[test]
fn an_enrollment_code_scanned_on_an_enrolled_kiosk_changes_nothing() {
    let f = fixture(800, 480, true);
    f.type_line("YCE1 http://127.0.0.1:9 ABCD-EFGH");
    let (shown, kind, headline) = f.result();
    assert_eq!(
        (shown, kind, headline.as_str()),
        (true, ResultKind::Refused, "This kiosk is enrolled already")
    );
    assert_eq!(
        f.count("SELECT count(*) FROM events"),
        0,
        "never a check-in"
    );
    assert_eq!(f.count("SELECT count(*) FROM enrollment"), 1);
}

#[test]
fn a_kiosk_not_enrolled_asks_for_the_enrollment_code_on_its_home_screen() {
    init_platform();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("kiosk.sqlite3")).expect("open");
    let engine = Engine::new(store, ManualClock::at(NOW_MS), 120).expect("engine");
    for (en, name) in [(false, "zh"), (true, "en")] {
        let app = App::new().expect("app");
        let config = Config {
            language: if en { "en".into() } else { "zh".into() },
            ..Config::default()
        };
        let store = Store::open(&dir.path().join("kiosk.sqlite3")).expect("open");
        let engine_for_window = Engine::new(store, ManualClock::at(NOW_MS), 120).expect("engine");
        let _kiosk = kiosk::ui::connect(
            &app,
            kiosk::ui::Kiosk::new(
                engine_for_window,
                ContentBundle::builtin().expect("content"),
                config,
                None,
            )
            .with_data(dir.path()),
        );
        app.window().set_size(slint::PhysicalSize::new(800, 480));
        app.show().expect("show");
        assert!(app.global::<HomeAdapter>().get_not_enrolled());
        let shot = app.window().take_snapshot().expect("snapshot");
        let img = image::RgbaImage::from_raw(shot.width(), shot.height(), shot.as_bytes().to_vec())
            .expect("image");
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/screenshots")
            .join(format!("home-not-enrolled-{name}-800x480.png"));
        std::fs::create_dir_all(out.parent().expect("dir")).expect("mkdir");
        img.save(&out).expect("save");
        // The setup bar (blue) runs across the top, under the header.
        let blue = (0..img.height()).any(|y| is_close(img.get_pixel(400, y), [0x1f, 0x4e, 0x8c]));
        assert!(blue, "the enrollment bar is on the home screen ({name})");
    }
    assert!(!engine.enrolled());
}

/// The hub's list of today's activities, as a sync leaves it: a reading
/// club 09:00–11:00 with two places, one booked by 10000001, and board
/// games 10:00–12:00 (open from 09:30) without a limit.
fn hub_lists_todays_activities(f: &Fixture) {
    let list = serde_json::json!([
        { "id": "read", "title": "读书会", "date": "2026-11-24", "start": "09:00", "end": "11:00",
          "capacity": 2, "booked": [10_000_001] },
        { "id": "games", "title": "桌游", "date": "2026-11-24", "start": "10:00", "end": "12:00" }
    ]);
    rusqlite::Connection::open(&f.db)
        .expect("db")
        .execute(
            "INSERT INTO settings(key, value) VALUES (?1, ?2)",
            rusqlite::params![
                kiosk::checkin::activities::SETTING_ACTIVITIES,
                list.to_string()
            ],
        )
        .expect("setting");
}

#[test]
fn a_member_is_counted_for_the_activity_they_signed_up_for_and_a_walk_in_picks_one() {
    for (w, h) in [(800, 480), (1280, 800)] {
        for en in [false, true] {
            let f = fixture(w, h, en);
            hub_lists_todays_activities(&f);
            let lang = if en { "en" } else { "zh" };
            let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
            let r = f.app.global::<ResultAdapter>();

            // Signed up: counted for it, nothing asked.
            f.type_line("10000001");
            assert_eq!(f.result().1, ResultKind::Welcome);
            assert!(r.get_detail().contains("读书会"), "{}", r.get_detail());
            assert_eq!(r.get_choices().row_count(), 0);
            f.snapshot(&format!("activity-booked-{lang}-{w}x{h}"));
            f.tap(&t("欢迎你，林同学！", "Welcome, 林同学!"));

            // Not signed up: asked which one, each with its time and places.
            f.type_line(&phone_code(10_000_007, NOW_MS));
            assert_eq!(
                r.get_detail(),
                t(
                    "09:30 签到成功。你来参加哪个活动？",
                    "Checked in at 09:30. Which activity are you here for?"
                )
            );
            let choices: Vec<(String, String, bool)> = r
                .get_choices()
                .iter()
                .map(|c| (c.label.to_string(), c.note.to_string(), c.full))
                .collect();
            assert_eq!(
                choices,
                [
                    (
                        "读书会".to_string(),
                        t("09:00–11:00 · 剩 1 个名额", "09:00–11:00 · 1 left"),
                        false
                    ),
                    ("桌游".to_string(), "10:00–12:00".to_string(), false),
                    (
                        t("随便看看", "Just visiting"),
                        t("不参加活动", "not for an activity"),
                        false
                    ),
                ]
            );
            // Each answer is a thumb wide on the small panel too.
            for label in ["读书会", "桌游"] {
                let tile: Vec<ElementHandle> =
                    ElementHandle::find_by_accessible_label(&f.app, label)
                        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
                        .collect();
                assert_eq!(tile.len(), 1, "{label}");
                let size = tile[0].size();
                let scale = f.app.window().scale_factor();
                assert!(
                    size.height * scale >= 48.0 && size.width * scale >= 48.0,
                    "{label} is {size:?} at {w}x{h}"
                );
            }
            f.snapshot(&format!("activity-ask-{lang}-{w}x{h}"));
            f.tap("桌游");
            assert_eq!(
                f.result(),
                (
                    true,
                    ResultKind::Welcome,
                    t("已记为参加“桌游”", "You're in: 桌游")
                )
            );
            assert_eq!(r.get_choices().row_count(), 0);
            assert_eq!(
                f.count(
                    "SELECT count(*) FROM events WHERE kind = 'activity_chosen' AND activity = 'games'"
                ),
                1
            );
            f.snapshot(&format!("activity-chosen-{lang}-{w}x{h}"));
            f.tap(&t("已记为参加“桌游”", "You're in: 桌游"));

            // Staff see, per activity, who signed up, came and walked in.
            f.tap(&t("工作人员", "Staff"));
            for d in ["2", "4", "6", "8"] {
                f.tap(d);
            }
            f.tap(&t("确认", "OK"));
            assert_eq!(f.page(), Page::Staff);
            let rows: Vec<(String, i32, String)> = f
                .app
                .global::<StaffAdapter>()
                .get_by_activity()
                .iter()
                .map(|c| (c.label.to_string(), c.count, c.note.to_string()))
                .collect();
            assert_eq!(
                rows,
                [
                    (
                        "09:00 读书会".to_string(),
                        1,
                        t(
                            "报名 1 · 现场加入 0 · 未到 0",
                            "signed up 1 · walk-ins 0 · not here yet 0"
                        )
                    ),
                    (
                        "10:00 桌游".to_string(),
                        1,
                        t(
                            "报名 0 · 现场加入 1 · 未到 0",
                            "signed up 0 · walk-ins 1 · not here yet 0"
                        )
                    ),
                ]
            );
            f.snapshot(&format!("activity-staff-{lang}-{w}x{h}"));
        }
    }
}

#[test]
fn the_home_screen_lists_todays_room_slots_booked_or_free() {
    for (w, h) in [(800, 480), (1280, 800)] {
        for en in [false, true] {
            let f = fixture(w, h, en);
            let lang = if en { "en" } else { "zh" };
            // The center's content offers two counseling-room slots today (a
            // Tuesday); the hub says the first is booked.
            let dir = tempfile::tempdir().expect("tempdir");
            let default = std::fs::read_to_string(
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/content/default.json"),
            )
            .expect("default content");
            let mut json: serde_json::Value = serde_json::from_str(&default).expect("json");
            for (id, start, end) in [("r-1", "14:00", "15:00"), ("r-2", "15:00", "16:00")] {
                json["activities"].as_array_mut().expect("activities").push(serde_json::json!({
                    "id": id, "title": {"zh": "心理咨询室", "en": "Counseling room"},
                    "category": "rights_protection", "days": ["tue"], "start": start, "end": end,
                    "place": {"zh": "三楼"}, "room": true
                }));
            }
            std::fs::write(dir.path().join("content.json"), json.to_string())
                .expect("content.json");
            std::fs::copy(
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/content/logo.png"),
                dir.path().join("logo.png"),
            )
            .expect("logo");
            let list = serde_json::json!([
                { "id": "r-1", "title": "心理咨询室", "date": "2026-11-24", "start": "14:00", "end": "15:00",
                  "capacity": 1, "booked": [10_000_001], "room": true },
                { "id": "r-2", "title": "心理咨询室", "date": "2026-11-24", "start": "15:00", "end": "16:00",
                  "capacity": 1, "room": true }
            ]);
            rusqlite::Connection::open(&f.db)
                .expect("db")
                .execute(
                    "INSERT INTO settings(key, value) VALUES (?1, ?2)",
                    rusqlite::params![
                        kiosk::checkin::activities::SETTING_ACTIVITIES,
                        list.to_string()
                    ],
                )
                .expect("setting");
            let bundle = ContentBundle::load_folder(dir.path()).expect("bundle");
            kiosk::ui::show_content(&f.app, &f._kiosk, bundle);
            let home = f.app.global::<HomeAdapter>();
            let rows: Vec<(String, String, String)> = home
                .get_bookings()
                .iter()
                .map(|b| (b.time.to_string(), b.title.to_string(), b.place.to_string()))
                .collect();
            let room = if en {
                "Counseling room"
            } else {
                "心理咨询室"
            };
            assert_eq!(
                rows,
                [
                    (
                        "14:00–15:00".to_string(),
                        room.to_string(),
                        (if en { "Booked" } else { "已约满" }).to_string()
                    ),
                    (
                        "15:00–16:00".to_string(),
                        room.to_string(),
                        (if en { "Free" } else { "可预约" }).to_string()
                    ),
                ]
            );
            // The slots are not today's activities, and nobody is asked about them.
            assert!(
                home.get_activities()
                    .iter()
                    .all(|a| a.title.as_str() != room),
                "a room's slot is no activity"
            );
            f.snapshot(&format!("home-rooms-{lang}-{w}x{h}"));
        }
    }
}

#[test]
fn at_a_center_that_asks_a_member_checks_out_and_staff_see_how_long_people_stay() {
    for (w, h) in [(800, 480), (1280, 800)] {
        for en in [false, true] {
            let f = fixture(w, h, en);
            let lang = if en { "en" } else { "zh" };
            let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
            rusqlite::Connection::open(&f.db)
                .expect("db")
                .execute(
                    "INSERT INTO settings(key, value) VALUES (?1, '60')",
                    [kiosk::checkin::SETTING_CHECKOUT],
                )
                .expect("setting");
            f.type_line("10000001");
            assert_eq!(f.result().1, ResultKind::Welcome);
            f.tap(&t("欢迎你，林同学！", "Welcome, 林同学!"));
            f.clock.advance_ms(75 * 60_000);
            f.type_line("10000001");
            assert_eq!(
                f.result(),
                (
                    true,
                    ResultKind::Welcome,
                    t("林同学，再见！", "林同学, goodbye!")
                )
            );
            assert_eq!(
                f.app.global::<ResultAdapter>().get_detail(),
                t(
                    "10:45 签退，本次停留 1 小时 15 分钟，欢迎再来！",
                    "Checked out at 10:45: you stayed 1 h 15 min. See you again!"
                )
            );
            f.snapshot(&format!("checkout-{lang}-{w}x{h}"));
            f.tap(&t("林同学，再见！", "林同学, goodbye!"));
            f.tap(&t("工作人员", "Staff"));
            for d in ["2", "4", "6", "8"] {
                f.tap(d);
            }
            f.tap(&t("确认", "OK"));
            assert_eq!(
                f.app.global::<StaffAdapter>().get_stay_text(),
                t(
                    "今日 1 人次签退，平均停留 1 小时 15 分钟",
                    "1 checked out; they stayed 1 h 15 min on average"
                )
            );
            let s = f.app.global::<StaffAdapter>();
            assert_eq!(s.get_total(), 1, "a check-out is not a visit");
            f.snapshot(&format!("checkout-staff-{lang}-{w}x{h}"));
        }
    }
}

#[test]
fn a_youth_who_switched_to_english_leaves_the_next_one_the_kiosks_own_language() {
    let f = fixture(800, 480, false);
    // A visitor reads English, is counted, and goes: the card goes away by itself.
    f.tap("English");
    f.tap("I'm a visitor");
    f.tap("18–24");
    f.tap("Study or read");
    assert_eq!(f.result().2, "Welcome!");
    assert!(
        f.app.global::<Lang>().get_en(),
        "the answer is in their language"
    );
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(5));
    assert!(!f.result().0);
    assert!(
        !f.app.global::<Lang>().get_en(),
        "the next youth reads Chinese"
    );
    assert_eq!(
        f.app.global::<HomeAdapter>().get_center_name(),
        "城东街道青年之家"
    );
    // A member dismisses their answer with a tap: the same.
    f.tap("English");
    f.type_line("10000001");
    f.tap("Welcome, 林同学!");
    assert!(!f.app.global::<Lang>().get_en());
    f.snapshot("language-back-zh-800x480");
}

#[test]
fn binding_a_card_without_a_card_reader_says_so_instead_of_waiting() {
    for (readers, en) in [("none", false), ("none", true), ("all", false)] {
        let f = fixture_with(800, 480, en, |c| c.card_readers = readers.into());
        let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
        f.tap(&t("工作人员", "Staff"));
        for d in ["2", "4", "6", "8"] {
            f.tap(d);
        }
        f.tap(&t("确认", "OK"));
        f.tap(&t("绑定卡片", "Bind a card"));
        let b = f.app.global::<BindAdapter>();
        if readers == "none" {
            assert!(b.get_error());
            assert!(
                b.get_message()
                    .contains(&t("没有连接读卡器", "No card reader")),
                "{}",
                b.get_message()
            );
            f.snapshot(&format!(
                "bind-no-reader-{}-800x480",
                if en { "en" } else { "zh" }
            ));
        } else {
            assert!(!b.get_error() && b.get_message().is_empty());
        }
    }
}

#[test]
fn the_staff_screens_buttons_stay_on_screen_with_the_centers_long_title() {
    for (w, h) in [(800, 480), (1280, 800)] {
        for en in [false, true] {
            let f = fixture(w, h, en);
            let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
            // The hub's figures for the whole center: the longest title.
            let store = Store::open(&f.db).expect("store");
            store
                .save_hub_day(&kiosk::store::HubDay {
                    report: protocol::wire::DailyReport {
                        center_id: 1,
                        date: "2026-11-24".into(),
                        time_zone: "Asia/Shanghai".into(),
                        total: 12,
                        members: 8,
                        distinct_members: 8,
                        visitors: 4,
                        by_hour: vec![0; 24],
                        ..Default::default()
                    },
                    acked_seq: 0,
                    fetched_at_ms: NOW_MS,
                })
                .expect("hub day");
            drop(store);
            f.tap(&t("工作人员", "Staff"));
            for d in ["2", "4", "6", "8"] {
                f.tap(d);
            }
            f.tap(&t("确认", "OK"));
            assert!(
                f.app
                    .global::<StaffAdapter>()
                    .get_day_title()
                    .contains(&t("全中心", "all the center")),
                "{}",
                f.app.global::<StaffAdapter>().get_day_title()
            );
            let scale = f.app.window().scale_factor();
            for label in [
                t("退出", "Close"),
                t("导出", "Export"),
                t("绑定卡片", "Bind a card"),
            ] {
                let found: Vec<ElementHandle> =
                    ElementHandle::find_by_accessible_label(&f.app, &label)
                        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
                        .collect();
                assert_eq!(found.len(), 1, "{label}");
                let (at, size) = (found[0].absolute_position(), found[0].size());
                assert!(
                    (at.x + size.width) * scale <= w as f32 + 0.5 && at.x >= 0.0,
                    "{label} at {at:?} {size:?} leaves the {w}x{h} screen"
                );
                assert!(
                    size.width * scale >= 48.0 && size.height * scale >= 48.0,
                    "{label} {size:?}"
                );
            }
            f.snapshot(&format!(
                "staff-center-{}-{w}x{h}",
                if en { "en" } else { "zh" }
            ));
        }
    }
}

/// Every button on the screen now, with its size in physical pixels.
fn buttons(f: &Fixture) -> Vec<(String, f32, f32)> {
    let scale = f.app.window().scale_factor();
    i_slint_backend_testing::ElementQuery::from_root(&f.app)
        .match_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .find_all()
        .into_iter()
        .filter(|e| e.computed_opacity() > 0.0)
        .map(|e| {
            let s = e.size();
            (
                e.accessible_label()
                    .map(|l| l.to_string())
                    .unwrap_or_default(),
                s.width * scale,
                s.height * scale,
            )
        })
        .collect()
}

/// The buttons that reach past the window's edge (pushed off the screen,
/// wholly or in part), in physical pixels.
fn off_screen(f: &Fixture) -> Vec<String> {
    let scale = f.app.window().scale_factor();
    let window = f.app.window().size();
    i_slint_backend_testing::ElementQuery::from_root(&f.app)
        .match_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .find_all()
        .into_iter()
        .filter(|e| e.computed_opacity() > 0.0)
        .filter(|e| {
            let (p, s) = (e.absolute_position(), e.size());
            (p.x + s.width) * scale > window.width as f32 + 1.0
                || (p.y + s.height) * scale > window.height as f32 + 1.0
                || p.x < -1.0
                || p.y < -1.0
        })
        .map(|e| {
            let (p, s) = (e.absolute_position(), e.size());
            format!(
                "{:?} at {:.0},{:.0} size {:.0}x{:.0}",
                e.accessible_label().unwrap_or_default(),
                p.x * scale,
                p.y * scale,
                s.width * scale,
                s.height * scale
            )
        })
        .collect()
}

/// Every visible text on the screen now, with its height in physical pixels.
fn texts(f: &Fixture) -> Vec<(String, f32)> {
    let scale = f.app.window().scale_factor();
    i_slint_backend_testing::ElementQuery::from_root(&f.app)
        .match_descendants()
        .match_accessible_role(AccessibleRole::Text)
        .find_all()
        .into_iter()
        .filter(|e| e.computed_opacity() > 0.0)
        .filter_map(|e| {
            let label = e.accessible_label()?.to_string();
            (!label.trim().is_empty()).then(|| (label, e.size().height * scale))
        })
        .collect()
}

/// One line of the kiosk's font (Noto Sans SC: ascent 1.16 em, descent
/// 0.288 em) at 14 px is 20.3 px tall; at 12 px, 17.4 px.
const LINE_OF_14PX: f32 = 20.0;

/// What is too small on the screen now: a button under 48 px in its short
/// side, a text shorter than `line` px, a button reaching past the edge.
fn too_small(f: &Fixture, screen: &str, line: f32) -> Vec<String> {
    let mut found = Vec::new();
    for (label, w, h) in buttons(f) {
        if w.min(h) < 48.0 {
            found.push(format!("{screen}: button {label:?} {w:.0}x{h:.0}"));
        }
    }
    for (label, h) in texts(f) {
        if h < line {
            found.push(format!("{screen}: text {label:?} {h:.1} px tall"));
        }
    }
    for b in off_screen(f) {
        found.push(format!("{screen}: off the screen: {b}"));
    }
    found
}

/// The 7-inch panel: every control a thumb wide and every text readable.
/// Walks the home screen, a service's page, the visitor's two steps, the volunteer page, the
/// number pad, the welcome, the join code, the staff PIN, the staff screen
/// (with a check-in to void), binding a card and attract mode at 800x480 in
/// both languages, and fails on any button under 48 px in its short side
/// or any text shorter than one line at 14 px. A text stretched taller than
/// its line by a layout would hide a smaller font from this walk: the
/// source check below keeps every font size behind `Theme.min-text`.
#[test]
fn on_the_small_panel_every_button_of_the_main_screens_is_a_thumb_wide() {
    for en in [false, true] {
        let f = fixture(800, 480, en);
        let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
        let mut small = Vec::new();
        let lang = if en { "en" } else { "zh" };
        let mut look = |f: &Fixture, screen: &str| {
            let name: String = screen
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == ' ')
                .collect();
            f.snapshot(&format!("small-{}-{lang}-800x480", name.replace(' ', "-")));
            small.extend(too_small(f, screen, LINE_OF_14PX));
        };
        look(&f, "home");
        f.tap(&t("权益维护", "Rights and counselling"));
        assert_eq!(f.page(), Page::Service);
        look(&f, "service");
        f.tap(&t("返回", "Back"));
        f.tap(&t("我是访客", "I'm a visitor"));
        look(&f, "visitor, age");
        f.tap(&t("18–24岁", "18–24"));
        look(&f, "visitor, purpose");
        f.tap(&t("上一步", "Back"));
        f.tap(&t("取消", "Cancel"));
        f.tap(&t("志愿者", "Volunteer"));
        look(&f, "volunteer");
        f.tap(&t("取消", "Cancel"));
        f.tap(&t("加入会员", "Join"));
        look(&f, "join");
        f.tap(&t("关闭", "Close"));
        f.tap(&t("输入会员号", "My number"));
        look(&f, "number pad");
        for d in "10000001".chars() {
            f.tap(&d.to_string());
        }
        f.tap(&t("签到", "Check in"));
        look(&f, "welcome");
        f.tap(&t("欢迎你，林同学！", "Welcome, 林同学!"));
        f.tap(&t("工作人员", "Staff"));
        look(&f, "pin");
        for d in ["2", "4", "6", "8"] {
            f.tap(d);
        }
        f.tap(&t("确认", "OK"));
        assert_eq!(f.page(), Page::Staff);
        look(&f, "staff");
        f.tap(&t("绑定卡片", "Bind a card"));
        assert_eq!(f.page(), Page::BindCard);
        look(&f, "bind a card");
        f.tap(&t("取消", "Cancel"));
        assert_eq!(f.page(), Page::Staff);
        f.tap(&t("退出", "Close"));
        assert_eq!(f.page(), Page::Home);
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(61));
        assert!(f.app.global::<AttractAdapter>().get_shown());
        look(&f, "attract");
        small.sort();
        small.dedup();
        assert!(
            small.is_empty(),
            "too small at 800x480:\n{}",
            small.join("\n")
        );
    }
}

/// Whether a font size's expression can never fall under `Theme.min-text`:
/// floored by it, at least 1rem (the base never falls under it), a
/// component's own size property given by its users (whose lines are
/// checked too), or a choice whose every branch is one of those.
fn font_size_is_safe(value: &str) -> bool {
    let value = value.trim();
    if let Some((_, branches)) = value.split_once('?') {
        return branches.split(':').all(font_size_is_safe);
    }
    let floored = value.starts_with("max(Theme.min-text,");
    let rem_at_least_one = value
        .strip_suffix("rem")
        .and_then(|x| x.trim().parse::<f32>().ok())
        .is_some_and(|x| x >= 1.0);
    let passed_on =
        value.starts_with("root.") && value[5..].chars().all(|c| c.is_alphanumeric() || c == '-');
    floored || rem_at_least_one || passed_on
}

/// Every font size in the kiosk's UI is either at least the base size
/// (which never falls under `Theme.min-text`) or floored by it.
#[test]
fn no_font_size_in_the_ui_source_can_fall_under_the_minimum() {
    // The check itself tells a small size from a safe one.
    assert!(!font_size_is_safe("0.8rem"));
    assert!(!font_size_is_safe("root.compact ? 0.9rem : 1.2rem"));
    assert!(!font_size_is_safe("root.font-size * 0.6"));
    assert!(font_size_is_safe("Theme.compact ? 1.1rem : 1.4rem"));
    assert!(font_size_is_safe("max(Theme.min-text, 0.7rem)"));
    let ui = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui");
    let mut files = vec![ui.join("app.slint")];
    for dir in ["pages", "widgets"] {
        for entry in std::fs::read_dir(ui.join(dir)).expect("the ui folder") {
            files.push(entry.expect("a ui file").path());
        }
    }
    let mut bad = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a ui file");
        for (n, line) in text.lines().enumerate() {
            for part in line.split("font-size:").skip(1) {
                let value = part.split(';').next().unwrap_or("").trim();
                if !font_size_is_safe(value) {
                    bad.push(format!("{}:{}: {value}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "font sizes that can fall under 14 px:\n{}",
        bad.join("\n")
    );
}

/// A service tile opens its page: what, where, when, how and whom to ask,
/// and today's activities of its kind; Back (or a minute and a half of
/// quiet) goes home, and a scan on the page still checks in.
#[test]
fn a_service_tile_opens_its_page_with_where_when_and_how() {
    for (w, h) in [(1280, 800), (800, 480)] {
        for en in [false, true] {
            let lang = if en { "en" } else { "zh" };
            let f = fixture(w, h, en);
            let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
            f.tap(&t("权益维护", "Rights and counselling"));
            assert_eq!(f.page(), Page::Service);
            let s = f.app.global::<ServiceAdapter>();
            assert_eq!(s.get_title(), t("权益维护", "Rights and counselling"));
            let entries: Vec<ServiceEntry> = s.get_entries().iter().collect();
            let counselling = entries
                .iter()
                .find(|e| e.title == t("心理辅导", "Counselling"))
                .expect("the counselling service");
            assert_eq!(counselling.place, t("二楼咨询室", "Counseling room, 2F"));
            assert_eq!(counselling.steps.row_count(), 2);
            // A service without hours of its own: the center's.
            let legal = entries
                .iter()
                .find(|e| e.title == t("12355 法律咨询", "12355 legal help"))
                .expect("the legal service");
            assert!(!legal.hours.is_empty());
            f.snapshot(&format!("service-{lang}-{w}x{h}"));
            f.tap(&t("返回", "Back"));
            assert_eq!(f.page(), Page::Home);

            // A service with no details of its own falls back on the
            // center's hours and service process.
            f.tap(&t("生活服务", "Everyday services"));
            let entries: Vec<ServiceEntry> = f
                .app
                .global::<ServiceAdapter>()
                .get_entries()
                .iter()
                .collect();
            assert!(
                entries.iter().all(|e| e.steps.row_count() == 4),
                "the center's process"
            );
            assert!(
                entries
                    .iter()
                    .all(|e| e.hours == t("每天 9:00–21:00", "Open daily 9:00–21:00"))
            );
            f.type_line("10000001");
            assert_eq!(f.result().1, ResultKind::Welcome);
            f.tap(&t("欢迎你，林同学！", "Welcome, 林同学!"));
            i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(91));
            assert_eq!(f.page(), Page::Home, "the page closes by itself");
        }
    }
}

/// Spoken prompts, when a center turns them on: the outcome in the
/// screen's language at that moment, nothing for a check-out or a shift.
#[test]
fn with_the_voice_on_each_answer_is_said_in_the_screens_language() {
    let heard = kiosk::signals::voice::RecordingSpeaker::default();
    let f = fixture_signals(800, 480, false, |_| {}, None, Some(heard.clone()));
    let said = || heard.0.lock().expect("record").clone();
    f.type_line("10000001");
    assert_eq!(f.result().1, ResultKind::Welcome);
    f.type_line("10000001");
    assert_eq!(f.result().1, ResultKind::Repeat);
    f.type_line("not a code");
    assert_eq!(f.result().1, ResultKind::Refused);
    assert_eq!(said(), ["welcome-zh", "repeat-zh", "refused-zh"]);
    // A youth who reads English hears English.
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(5));
    f.tap("English");
    f.type_line("10000001");
    assert_eq!(said().last().copied(), Some("repeat-en"));
    // Off by default: the example configuration says nothing.
    assert!(!Config::default().voice.enabled);
}

/// Large text and high contrast: a youth switches it on at the home
/// screen; every text is then at least 18 px (a line of 26 px) and the
/// colours are black on white, on the small panel too; it goes back to
/// normal once that youth's answer has gone.
#[test]
fn a_youth_switches_on_large_text_and_the_next_one_gets_normal_text() {
    for (w, h) in [(1280, 800), (800, 480)] {
        for en in [false, true] {
            let lang = if en { "en" } else { "zh" };
            let f = fixture(w, h, en);
            let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
            f.tap(&t("大字", "Large text"));
            assert!(f.app.global::<Theme>().get_large());
            let mut small = Vec::new();
            let mut look = |f: &Fixture, screen: &str| {
                f.snapshot(&format!("large-{screen}-{lang}-{w}x{h}"));
                // 18 px text: a line of 26 px.
                small.extend(too_small(f, screen, 26.0));
            };
            look(&f, "home");
            // 我有话说 is there in large text too, at every size.
            let help = t("我有话说 · 留言求助", "Tell us, or ask for help");
            let found: Vec<_> = buttons(&f)
                .into_iter()
                .filter(|(l, _, _)| *l == help)
                .collect();
            // (The testing backend may list an element more than once.)
            assert!(
                !found.is_empty() && found.windows(2).all(|p| p[0] == p[1]),
                "{found:?}"
            );
            let shot = f.snapshot(&format!("large-home-{lang}-{w}x{h}"));
            // High contrast: the page is white, not the usual warm grey.
            assert!(
                is_close(shot.get_pixel(w / 2, h - 2), [0xff, 0xff, 0xff])
                    || is_close(shot.get_pixel(2, h / 2), [0xff, 0xff, 0xff]),
                "{:?}",
                shot.get_pixel(2, h / 2)
            );
            f.tap(&t("权益维护", "Rights and counselling"));
            look(&f, "service");
            f.tap(&t("返回", "Back"));
            assert!(
                f.app.global::<Theme>().get_large(),
                "still on for this youth"
            );
            f.type_line("10000001");
            look(&f, "welcome");
            small.sort();
            small.dedup();
            assert!(
                small.is_empty(),
                "too small in large text at {w}x{h}:\n{}",
                small.join("\n")
            );
            i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(5));
            assert!(
                !f.app.global::<Theme>().get_large(),
                "normal again for the next"
            );
        }
    }
}

/// 好差评: a member's welcome asks how their last visit went, five faces
/// a thumb wide; a tap records it (once, in the outbox) and thanks them;
/// the next scan passes the question by.
#[test]
fn a_member_rates_their_last_visit_with_one_tap_on_the_welcome_card() {
    for (w, h) in [(1280, 800), (800, 480)] {
        for en in [false, true] {
            let lang = if en { "en" } else { "zh" };
            let f = fixture(w, h, en);
            let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
            let r = || f.app.global::<ResultAdapter>();
            f.type_line("10000001");
            assert_eq!(r().get_rate_question(), "", "a first visit: nothing to ask");
            // The next day.
            f.clock.advance_ms(24 * 3_600_000);
            i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(5));
            f.type_line("10000001");
            assert_eq!(f.result().1, ResultKind::Welcome);
            assert_eq!(
                r().get_rate_question(),
                t(
                    "上次来访（11月24日）感觉怎么样？",
                    "How was your last visit (24 Nov)?"
                )
            );
            f.snapshot(&format!("rate-{lang}-{w}x{h}"));
            let small = too_small(&f, "the rating card", LINE_OF_14PX);
            assert!(small.is_empty(), "{w}x{h} {lang}: {small:?}");
            f.tap(&t("满意", "Good"));
            assert_eq!(r().get_rate_question(), "");
            assert_eq!(
                r().get_detail(),
                t("谢谢你的评价！", "Thank you for telling us!")
            );
            assert_eq!(
                f.count(
                    "SELECT count(*) FROM events WHERE kind = 'rated' AND reason = 'satisfied'"
                ),
                1
            );
            // Asked once: the day after, only the visit not rated yet.
            f.clock.advance_ms(24 * 3_600_000);
            i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(5));
            f.type_line("10000001");
            assert!(r().get_rate_question().contains(&t("11月25日", "25 Nov")));
            // A scan passes it by: nothing recorded.
            f.type_line("garbled");
            assert_eq!(r().get_rate_question(), "");
            assert_eq!(
                f.count("SELECT count(*) FROM events WHERE kind = 'rated'"),
                1
            );
        }
    }
}

/// 上墙公布: the month the hub signed (`month.json`) is a slide of attract
/// mode, its figures as the hub counted them, in both languages and sizes.
#[test]
fn attract_mode_shows_the_month_on_the_wall_as_the_hub_counted_it() {
    let month = protocol::wall::WallMonth {
        month: "2026-11".into(),
        as_of: "2026-11-24".into(),
        visits: 420,
        activities: 6,
        participant_visits: 85,
        ratings: 25,
        satisfied: 23,
        volunteers: 4,
        volunteer_minutes: 750,
        yardsticks_met: 3,
        yardsticks_judged: 4,
        volunteer_names: vec!["林同学".into(), "王同学".into()],
    };
    for (w, h) in [(1280, 800), (800, 480)] {
        for en in [false, true] {
            let lang = if en { "en" } else { "zh" };
            let mut content = ContentBundle::builtin().expect("content");
            content.wall = Some(month.clone());
            let f = fixture_content(w, h, en, content);
            i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(61));
            let a = f.app.global::<AttractAdapter>();
            assert!(a.get_shown());
            let slides: Vec<Slide> = a.get_slides().iter().collect();
            let i = slides
                .iter()
                .position(|s| s.tag.contains(if en { "This month" } else { "本月公示" }))
                .expect("the month's slide");
            let s = &slides[i];
            if en {
                assert_eq!(s.tag, "This month · as of 24 Nov 2026");
                assert_eq!(s.title, "420 visits · 6 activities");
                assert_eq!(
                    s.detail,
                    "85 took part in the activities\n92% satisfied (25 ratings)\n4 volunteers served 12.5 hours\nThank you, 林同学, 王同学\nTargets met: 3 of 4"
                );
            } else {
                assert_eq!(s.tag, "本月公示 · 截至11月24日");
                assert_eq!(s.title, "到访 420 人次 · 活动 6 次");
                assert_eq!(
                    s.detail,
                    "活动参加 85 人次\n满意率 92%（25 条评价）\n4 名志愿者服务 12.5 小时\n感谢志愿者：林同学、王同学\n数据指标达标 3/4"
                );
            }
            while a.get_index() as usize != i {
                i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(10));
            }
            f.snapshot(&format!("attract-month-{lang}-{w}x{h}"));
            let small = too_small(&f, "the month's slide", LINE_OF_14PX);
            assert!(small.is_empty(), "{small:?}");
        }
    }
}

/// 我有话说: the contacts card's button shows the center's help form as a
/// QR code a phone reads, with the 12355 hotline at once, in both
/// languages and sizes; it closes like the join page.
#[test]
fn a_youth_finds_the_help_form_and_the_12355_hotline_on_the_kiosk() {
    for (w, h) in [(1280, 800), (800, 480)] {
        for en in [false, true] {
            let lang = if en { "en" } else { "zh" };
            let f = fixture(w, h, en);
            let t = |zh: &str, e: &str| if en { e.to_string() } else { zh.to_string() };
            f.tap(&t("我有话说 · 留言求助", "Tell us, or ask for help"));
            assert_eq!(f.page(), Page::Join);
            let j = f.app.global::<JoinAdapter>();
            assert!(j.get_help());
            assert_eq!(j.get_link(), "http://127.0.0.1:9/m/help/1");
            let name = format!("help-{lang}-{w}x{h}");
            f.snapshot(&name);
            let texts: Vec<String> = texts(&f).into_iter().map(|(l, _)| l).collect();
            assert!(texts.iter().any(|l| l.contains("12355")), "{texts:?}");
            let small = too_small(&f, "help", LINE_OF_14PX);
            assert!(small.is_empty(), "{small:?}");
            let png = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../target/screenshots/{name}.png"));
            let out = std::process::Command::new("zbarimg")
                .args(["--quiet", "--raw"])
                .arg(&png)
                .output()
                .expect("zbarimg (Debian's zbar-tools, installed by the test script)");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim(),
                "http://127.0.0.1:9/m/help/1",
                "a phone reads the code off the screen at {w}x{h}"
            );
            f.tap(&t("关闭", "Close"));
            assert_eq!(f.page(), Page::Home);
            // Joining after it is joining again.
            f.tap(&t("加入会员", "Join"));
            assert!(!f.app.global::<JoinAdapter>().get_help());
        }
    }
}
