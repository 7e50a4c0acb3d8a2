//! Helpers for end-to-end tests: run the real `hub` and `kiosk` binaries.
//!
//! The binaries come from the same target folder as the test; the README's
//! test command builds the whole workspace first.

pub mod faulty;
pub mod ntp;
pub mod qemu;
pub mod vpcd;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};

/// Path of a workspace binary next to the running test.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/e2e-… → target/<profile>/<name>
    let dir = exe.parent().and_then(Path::parent).expect("target folder");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build the workspace first (cargo build --workspace)",
        path.display()
    );
    path
}

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub struct Hub {
    pub data: PathBuf,
    pub url: String,
    child: Option<Child>,
}

impl Hub {
    pub fn cmd(&self) -> Command {
        hub_cmd(&self.data)
    }

    /// Starts `hub serve` on `listen` (port 0 for any free port).
    pub fn start(data: &Path, listen: &str) -> Hub {
        Hub::start_with(data, listen, Stdio::null(), "info")
    }

    /// The same, with the hub's log (stderr) going to `log` at `level`.
    pub fn start_with(data: &Path, listen: &str, log: impl Into<Stdio>, level: &str) -> Hub {
        Hub::start_env(data, listen, log, level, &[])
    }

    /// The same, with settings in the server's environment.
    pub fn start_env(
        data: &Path,
        listen: &str,
        log: impl Into<Stdio>,
        level: &str,
        env: &[(&str, &str)],
    ) -> Hub {
        Hub::spawn(data, hub_cmd(data), listen, log, level, env)
    }

    /// `hub serve` with its clock `ahead` of the machine's (libfaketime's
    /// notation: "+4h", "+3d"), for what only happens after a while.
    pub fn start_clock_ahead(data: &Path, listen: &str, ahead: &str) -> Hub {
        let mut cmd = Command::new("faketime");
        cmd.args(["-f", ahead])
            .arg(bin("hub"))
            .arg("--data")
            .arg(data);
        Hub::spawn(data, cmd, listen, Stdio::null(), "info", &[])
    }

    fn spawn(
        data: &Path,
        mut cmd: Command,
        listen: &str,
        log: impl Into<Stdio>,
        level: &str,
        env: &[(&str, &str)],
    ) -> Hub {
        let mut child = cmd
            .envs(env.iter().copied())
            .args(["serve", "--listen", listen])
            .env("RUST_LOG", level)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start hub");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("hub stdout"))
            .read_line(&mut line)
            .expect("hub first line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected hub output {line:?}"))
            .to_string();
        Hub {
            data: data.to_path_buf(),
            url,
            child: Some(child),
        }
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A child process that is killed when the test ends, passing or failing.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn hub_cmd(data: &Path) -> Command {
    let mut c = Command::new(bin("hub"));
    c.arg("--data").arg(data);
    c
}

pub fn kiosk_cmd(data: &Path) -> Command {
    let mut c = Command::new(bin("kiosk"));
    c.arg("--data").arg(data).env("RUST_LOG", "warn");
    c
}

/// `kiosk status --json`: the upload state, today's figures, the content.
pub fn kiosk_status(data: &Path) -> serde_json::Value {
    serde_json::from_str(&stdout(&run(kiosk_cmd(data).args(["status", "--json"]))))
        .expect("status JSON")
}

/// Feeds lines to `kiosk headless` and returns one JSON value per outcome.
pub fn headless(data: &Path, lines: &[&str], extra: &[&str]) -> Vec<serde_json::Value> {
    let mut child = kiosk_cmd(data)
        .arg("headless")
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start kiosk");
    {
        let mut input = child.stdin.take().expect("stdin");
        for l in lines {
            writeln!(input, "{l}").expect("write scan");
        }
    }
    let out = child.wait_with_output().expect("kiosk output");
    assert!(out.status.success(), "kiosk headless failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect()
}

/// The outcome lines of a headless kiosk as short words: `welcome`,
/// `repeat`, `refused:<reason>`.
pub fn outcomes(v: &[serde_json::Value]) -> Vec<String> {
    v.iter()
        .map(|o| match o["outcome"].as_str() {
            Some("refused") => format!("refused:{}", o["reason"].as_str().unwrap_or("?")),
            Some(other) => other.to_string(),
            None => panic!("no outcome in {o}"),
        })
        .collect()
}

/// Today's date in the centers' default time zone.
pub fn today_in_shanghai() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d")
        .to_string()
}

/// `hub report --json` for today.
pub fn report_today(hub_data: &Path, center: &str) -> serde_json::Value {
    let out = run(hub_cmd(hub_data).args([
        "report",
        "--center",
        center,
        "--date",
        &today_in_shanghai(),
        "--json",
    ]));
    serde_json::from_str(&stdout(&out)).expect("report JSON")
}

/// A running hub with one center, one member (林小雨) and an enrolled kiosk,
/// the start of most end-to-end tests.
pub struct OneCenter {
    pub server: Hub,
    pub hub_data: PathBuf,
    pub kiosk_data: PathBuf,
    pub center: String,
    pub member: String,
}

pub fn one_center(dir: &Path) -> OneCenter {
    let hub_data = dir.join("hub");
    let kiosk_data = dir.join("kiosk");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "城东街道青年之家"]);
    let member = hub(&["member", "add", "--center", &center, "--name", "林小雨"]);
    let code = hub(&["enroll-code", "--center", &center]);
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    run(kiosk_cmd(&kiosk_data).args(["enroll", "--hub", &server.url, "--code", &code]));
    OneCenter {
        server,
        hub_data,
        kiosk_data,
        center,
        member,
    }
}

/// `hub user add`, the password given on stdin as an admin would.
pub fn add_user(hub_data: &Path, login: &str, role: &str, scope: &str, password: &str) {
    let mut child = hub_cmd(hub_data)
        .args([
            "user", "add", "--login", login, "--role", role, "--scope", scope,
        ])
        .arg("--password-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("hub user add");
    writeln!(child.stdin.take().expect("stdin"), "{password}").expect("password");
    assert!(child.wait().expect("wait").success(), "user add failed");
}

/// The requests a webhook receiver got, in order.
pub type Hits = Arc<Mutex<Vec<Hit>>>;

/// One request a webhook receiver got.
pub struct Hit {
    pub delivery: String,
    pub signature: String,
    pub body: String,
    pub answered: u16,
}

/// A webhook receiver on 127.0.0.1 that answers 503 to the first `refuse`
/// requests, 200 after; returns its URL and what it got.
pub fn webhook_receiver(refuse: usize) -> (String, Hits) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hits = Arc::new(Mutex::new(Vec::new()));
    let seen = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                headers.push(line.trim_end().to_string());
            }
            let header = |name: &str| {
                headers
                    .iter()
                    .find_map(|h| {
                        let (k, v) = h.split_once(':')?;
                        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
                    })
                    .unwrap_or_default()
            };
            let len: usize = header("content-length").parse().unwrap_or(0);
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            let mut hits = seen.lock().expect("lock");
            let answered = if hits.len() < refuse { 503 } else { 200 };
            hits.push(Hit {
                delivery: header("x-youth-delivery"),
                signature: header("x-youth-signature"),
                body: String::from_utf8_lossy(&body).to_string(),
                answered,
            });
            let _ = write!(
                stream,
                "HTTP/1.1 {answered} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (format!("http://{addr}/hook"), hits)
}

/// A PostgreSQL server for the tests: `HUB_TEST_POSTGRES_URL` (the test
/// command sets it), or the throwaway one scripts/pg-test.sh starts.
pub fn postgres_server() -> String {
    match std::env::var("HUB_TEST_POSTGRES_URL") {
        Ok(u) if !u.trim().is_empty() => u.trim().to_string(),
        _ => {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-test.sh");
            stdout(&run(&mut Command::new(script)))
        }
    }
}

/// One raw HTTP/1.1 request on a new connection; the status code, or 0 when
/// no answer came within `wait`.
pub fn http_status(addr: &str, request: &str, wait: std::time::Duration) -> (u16, String) {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
        return (0, String::new());
    };
    let _ = s.set_read_timeout(Some(wait));
    if s.write_all(request.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// The hub process's peak resident memory (VmHWM), in MB.
pub fn peak_rss_mb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("status")
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .expect("VmHWM")
        / 1024
}
