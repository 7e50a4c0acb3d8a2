//! `kiosk demo`: a hub with a sample center and members, an enrolled kiosk, in one step.
//!
//! It drives the real `hub` binary through its command line, exactly as an
//! admin would, so the demo shows the product and nothing staged.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};
use chrono::Timelike;

/// Sample members: invented names, shown on screen only as display names.
const SAMPLE_MEMBERS: [&str; 6] = ["林小雨", "陈思远", "周可欣", "黄子轩", "吴悦", "Sam Taylor"];
const DEMO_PIN: &str = "2468";

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Folder for the demo's hub and kiosk data (default: a new folder under /tmp).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The hub binary (default: `hub` next to this program).
    #[arg(long)]
    pub hub_bin: Option<PathBuf>,
    /// No window: run sample scans through the headless kiosk and print the hub's report.
    #[arg(long)]
    pub headless: bool,
}

/// Stops the hub when the demo ends, however it ends.
struct HubProcess(Child);

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The sample dashboard login's password (a demo on a throwaway folder).
const DEMO_DASHBOARD_PASSWORD: &str = "demo-dashboard";

/// Runs a hub command that reads one line from standard input.
fn hub_with_stdin(bin: &Path, data: &Path, args: &[&str], input: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut child = Command::new(bin)
        .arg("--data")
        .arg(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "{input}")?;
    }
    anyhow::ensure!(child.wait()?.success(), "`hub {}` failed", args.join(" "));
    Ok(())
}

fn hub(bin: &Path, data: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(bin)
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    if !out.status.success() {
        bail!(
            "`hub {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let hub_bin = match args.hub_bin {
        Some(p) => p,
        None => std::env::current_exe()?
            .parent()
            .map(|d| d.join("hub"))
            .context("cannot find the folder of this program")?,
    };
    anyhow::ensure!(
        hub_bin.exists(),
        "the hub program is not at {}; build it (cargo build --release) or pass --hub-bin",
        hub_bin.display()
    );
    let dir = args.dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("youth-kiosk-demo-{}", std::process::id()))
    });
    let hub_data = dir.join("hub");
    let kiosk_data = crate::app::prepare_data_dir(&dir.join("kiosk"))?;
    std::fs::create_dir_all(&hub_data)?;

    eprintln!("setting up a sample center in {}", dir.display());
    let city = hub(
        &hub_bin,
        &hub_data,
        &["region", "add", "--name", "示范市", "--level", "city"],
    )?;
    let center = hub(
        &hub_bin,
        &hub_data,
        &[
            "center",
            "add",
            "--name",
            "城东街道青年之家",
            "--region",
            &city,
        ],
    )?;
    hub_with_stdin(
        &hub_bin,
        &hub_data,
        &[
            "user",
            "add",
            "--login",
            "admin",
            "--role",
            "admin",
            "--scope",
            &format!("region:{city}"),
            "--password-stdin",
        ],
        DEMO_DASHBOARD_PASSWORD,
    )?;
    let mut members = Vec::new();
    for (i, name) in SAMPLE_MEMBERS.iter().enumerate() {
        let mut args = vec!["member", "add", "--center", &center, "--name", name];
        // The last sample member also volunteers at the center.
        if i + 1 == SAMPLE_MEMBERS.len() {
            args.push("--volunteer");
        }
        members.push(hub(&hub_bin, &hub_data, &args)?);
    }
    let volunteer = members.last().cloned().unwrap_or_default();
    // Signed content: the root key stays in the demo folder (on a real
    // network it goes offline with the admins); the center's first content
    // is the default one, published as the first version.
    let root_key = dir.join("content-root-key.pk8");
    let content_dir = dir.join("content");
    if !root_key.exists() {
        hub(
            &hub_bin,
            &hub_data,
            &[
                "content",
                "init",
                "--root-key-out",
                &root_key.to_string_lossy(),
            ],
        )?;
    }
    if !content_dir.join("content.json").exists() {
        hub(
            &hub_bin,
            &hub_data,
            &[
                "content",
                "default",
                "--center",
                &center,
                "--out",
                &content_dir.to_string_lossy(),
            ],
        )?;
    }
    add_sample_activities(&content_dir.join("content.json"))?;
    let content_version = hub(
        &hub_bin,
        &hub_data,
        &[
            "content",
            "publish",
            "--center",
            &center,
            "--from",
            &content_dir.to_string_lossy(),
        ],
    )?;
    // Hub and kiosk share this machine's clock here, so the demo trusts it
    // for content expiry (a board waits for timesyncd to say so).
    crate::clock::trust_this_clock();
    let code = hub(&hub_bin, &hub_data, &["enroll-code", "--center", &center])?;

    let mut child = Command::new(&hub_bin)
        .arg("--data")
        .arg(&hub_data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start the hub")?;
    let stdout = child.stdout.take().context("no hub output")?;
    let hub_process = HubProcess(child);
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first)?;
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .with_context(|| format!("unexpected first line from the hub: {first:?}"))?
        .to_string();

    crate::app::enroll(&kiosk_data, &url, &code, Some("demo kiosk".into()), true)?;
    // The month on the wall (the hub signs it every day; now, for the demo).
    hub(
        &hub_bin,
        &hub_data,
        &["content", "month", "--center", &center],
    )?;
    let store = crate::app::open_store(&kiosk_data)?;
    store.set_staff_pin_hash(&crate::pin::hash(DEMO_PIN)?)?;
    drop(store);

    let token_png = dir.join("member-qr.png");
    let token = hub(
        &hub_bin,
        &hub_data,
        &[
            "member",
            "token",
            "--id",
            &members[0],
            "--ttl",
            "3600",
            "--png",
            &token_png.to_string_lossy(),
        ],
    )?;

    println!("\n  Demo ready: hub at {url}, center {center}\n");
    println!(
        "  In the kiosk window, type a member number and press Enter (a scanner does the same):"
    );
    for (id, name) in members.iter().zip(SAMPLE_MEMBERS) {
        println!("    {id}  ({name})");
    }
    println!(
        "  A member QR code (valid one hour) is in {}; its text, to paste + Enter:",
        token_png.display()
    );
    println!("    {token}");
    println!(
        "  A talk runs now: a member who checks in is asked which activity they came for (one tap)."
    );
    println!("  Tap \"我是访客 / I'm a visitor\" to count a visitor. Staff screen PIN: {DEMO_PIN}");
    println!(
        "  Member {volunteer} is a volunteer: tap \"志愿者 / Volunteer\", pick an activity, type the number."
    );
    println!(
        "  The hub's dashboard: {url}/login (login admin, password {DEMO_DASHBOARD_PASSWORD})"
    );
    println!(
        "  The hub's report: {} --data {} report --center {center} --date today",
        hub_bin.display(),
        hub_data.display()
    );
    println!(
        "  Signed content version {content_version} is on the kiosk. Edit it in the browser, with a preview, at {url}/content/{center} (logged in as above), or edit {} (add \"emergency\": \"…\" for an urgent notice) and publish it:\n    {} --data {} content publish --center {center} --from {}\n  The kiosk shows it within 30 s, without a restart.\n",
        content_dir.join("content.json").display(),
        hub_bin.display(),
        hub_data.display(),
        content_dir.display()
    );

    if args.headless {
        return headless_tour(&kiosk_data, &hub_bin, &hub_data, &center, &members, &token);
    }
    // On a desktop the demo opens a window, not a full screen.
    let result = crate::app::run_ui(&kiosk_data, true);
    drop(hub_process);
    result
}

/// Without a display: push a few sample scans through the real headless kiosk.
fn headless_tour(
    kiosk_data: &Path,
    hub_bin: &Path,
    hub_data: &Path,
    center: &str,
    members: &[String],
    token: &str,
) -> anyhow::Result<()> {
    use std::io::Write;
    let volunteer = members.last().cloned().unwrap_or_default();
    let exe = std::env::current_exe()?;
    let mut kiosk = Command::new(exe)
        .env("KIOSK_CLOCK_SYNCHRONIZED", "1")
        .arg("--data")
        .arg(kiosk_data)
        .arg("headless")
        .stdin(Stdio::piped())
        .spawn()
        .context("cannot start the headless kiosk")?;
    {
        let mut input = kiosk.stdin.take().context("no kiosk input")?;
        for line in [
            token,
            &members[1],
            &members[1],
            "visitor from18_to24 employment",
            "visitor under14 public_service",
            "99999999",
            &format!("volunteer-in {volunteer}"),
        ] {
            writeln!(input, "{line}")?;
        }
    }
    kiosk.wait()?;
    let date = chrono::Utc::now()
        .with_timezone(&crate::store::DEFAULT_TIME_ZONE)
        .format("%Y-%m-%d")
        .to_string();
    println!(
        "{}",
        hub(
            hub_bin,
            hub_data,
            &["report", "--center", center, "--date", &date]
        )?
    );
    println!(
        "{}",
        hub(
            hub_bin,
            hub_data,
            &["volunteer", "hours", "--center", center]
        )?
    );
    Ok(())
}

/// The demo center's activities, when its content has none yet: the
/// after-school class every weekday, the study club on Saturday evenings
/// with limited places, and a board-game night tomorrow for members to
/// sign up for on their phone page.
fn add_sample_activities(content_json: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(content_json)
        .with_context(|| format!("cannot read {}", content_json.display()))?;
    let mut bundle: serde_json::Value = serde_json::from_str(&text)?;
    if bundle["activities"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
    {
        return Ok(());
    }
    // The demo center's day is Shanghai's.
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
    let tomorrow = (now.date_naive() + chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string();
    // One running now, so a member who checks in is asked what they came for.
    let today = now.format("%Y-%m-%d").to_string();
    let minutes = i64::from(now.time().num_seconds_from_midnight() / 60);
    let hhmm = |m: i64| format!("{:02}:{:02}", m / 60, m % 60);
    let (start, end) = (
        hhmm((minutes - 10).max(0)),
        hhmm((minutes + 110).min(23 * 60 + 59)),
    );
    bundle["activities"] = serde_json::json!([
        { "title": { "zh": "四点半课堂：作业辅导", "en": "After-school class: homework help" },
          "category": "public_service", "days": ["mon", "tue", "wed", "thu", "fri"],
          "start": "16:30", "end": "18:00", "place": { "zh": "多功能教室", "en": "Multi-purpose room" } },
        { "title": { "zh": "学习社：读书会", "en": "Study club: reading circle" },
          "category": "culture_learning", "days": ["sat"], "start": "19:00", "end": "20:30",
          "place": { "zh": "二楼阅览室", "en": "Reading room, 2F" }, "capacity": 20, "study_club": true },
        { "title": { "zh": "桌游之夜", "en": "Board-game night" }, "category": "leisure",
          "date": tomorrow, "start": "19:00", "end": "21:00",
          "place": { "zh": "活动大厅", "en": "Main hall" }, "capacity": 8 },
        { "title": { "zh": "青年讲堂：求职面试技巧", "en": "Youth talk: job interviews" },
          "category": "employment", "date": today, "start": start, "end": end,
          "place": { "zh": "多功能教室", "en": "Multi-purpose room" }, "capacity": 30 },
        // Rooms members book on their phones: two counseling slots a day.
        { "title": { "zh": "心理咨询室", "en": "Counseling room" }, "category": "rights_protection",
          "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "14:00", "end": "15:00",
          "place": { "zh": "三楼", "en": "3F" }, "room": true },
        { "title": { "zh": "心理咨询室", "en": "Counseling room" }, "category": "rights_protection",
          "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "15:00", "end": "16:00",
          "place": { "zh": "三楼", "en": "3F" }, "room": true }
    ]);
    std::fs::write(content_json, serde_json::to_string_pretty(&bundle)? + "\n")?;
    Ok(())
}
