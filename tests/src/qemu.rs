//! A kiosk image booted in QEMU (TCG: this machine has no usable KVM): its
//! serial log in a file, its screen and keyboard through QMP, the monitor's
//! JSON protocol on a Unix socket. Killing QEMU is cutting the power.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The board QEMU emulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    /// A PC with UEFI firmware (OVMF) booting the image's own boot loader.
    X86,
    /// The `virt` arm64 machine booting the image's kernel and initrd
    /// (copied out of its boot partition) on the image's root.
    Arm64,
}

pub struct Qemu {
    child: Option<Child>,
    qmp: BufReader<UnixStream>,
    pub serial: PathBuf,
    pub started: Instant,
}

/// Where the guest reaches the host's loopback (QEMU's user networking).
pub const HOST_FROM_GUEST: &str = "10.0.2.2";

impl Qemu {
    /// Boots `disk` (a raw image, written to in place) with a virtio-gpu
    /// screen of `screen` pixels (width, height), virtio keyboard and
    /// tablet, and user networking. `kernel`: the kernel, initrd and command
    /// line for the arm64 machine.
    pub fn boot(
        machine: Machine,
        disk: &Path,
        dir: &Path,
        kernel: Option<(&Path, &Path, &str)>,
        screen: (u32, u32),
    ) -> Result<Qemu, String> {
        let sock = dir.join("qmp.sock");
        let serial = dir.join("serial.log");
        let _ = std::fs::remove_file(&sock);
        let mut cmd = match machine {
            Machine::X86 => {
                let vars = dir.join("OVMF_VARS.fd");
                if !vars.exists() {
                    std::fs::copy("/usr/share/OVMF/OVMF_VARS_4M.fd", &vars)
                        .map_err(|e| format!("OVMF variables (apt install ovmf): {e}"))?;
                }
                let mut c = Command::new("qemu-system-x86_64");
                c.args(["-machine", "q35", "-accel", "tcg", "-cpu", "max"])
                    .args([
                        "-drive",
                        "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
                    ])
                    .arg("-drive")
                    .arg(format!("if=pflash,format=raw,file={}", vars.display()));
                c
            }
            Machine::Arm64 => {
                let mut c = Command::new("qemu-system-aarch64");
                c.args(["-machine", "virt", "-accel", "tcg", "-cpu", "cortex-a72"]);
                c
            }
        };
        if let Some((vmlinuz, initrd, append)) = kernel {
            cmd.arg("-kernel")
                .arg(vmlinuz)
                .arg("-initrd")
                .arg(initrd)
                .args(["-append", append]);
        }
        cmd.args(["-m", "1024", "-smp", "2", "-nodefaults", "-display", "none"])
            .arg("-drive")
            .arg(format!(
                "file={},format=raw,if=virtio,cache=writeback",
                disk.display()
            ))
            .arg("-device")
            .arg(format!(
                "virtio-gpu-pci,xres={},yres={}",
                screen.0, screen.1
            ))
            .args([
                "-device",
                "virtio-keyboard-pci",
                "-device",
                "virtio-tablet-pci",
            ])
            .args([
                "-netdev",
                "user,id=n0",
                "-device",
                "virtio-net-pci,netdev=n0",
            ])
            .arg("-serial")
            .arg(format!("file:{}", serial.display()))
            .arg("-qmp")
            .arg(format!("unix:{},server=on,wait=off", sock.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let started = Instant::now();
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start QEMU (apt install qemu-system): {e}"))?;
        let stream = loop {
            match UnixStream::connect(&sock) {
                Ok(s) => break s,
                Err(_) if started.elapsed() < Duration::from_secs(20) => {
                    std::thread::sleep(Duration::from_millis(100))
                }
                Err(e) => return Err(format!("QMP socket {}: {e}", sock.display())),
            }
        };
        let mut q = Qemu {
            child: Some(child),
            qmp: BufReader::new(stream),
            serial,
            started,
        };
        q.read_reply()?; // the greeting
        q.execute("qmp_capabilities", json!({}))?;
        Ok(q)
    }

    fn read_reply(&mut self) -> Result<Value, String> {
        loop {
            let mut line = String::new();
            let n = self
                .qmp
                .read_line(&mut line)
                .map_err(|e| format!("QMP: {e}"))?;
            if n == 0 {
                return Err("QMP: QEMU went away".into());
            }
            let v: Value = serde_json::from_str(&line).map_err(|e| format!("QMP {line:?}: {e}"))?;
            // Asynchronous events come between the replies.
            if v.get("event").is_none() {
                return Ok(v);
            }
        }
    }

    /// One QMP command; its `return`, or its `error` as the error.
    pub fn execute(&mut self, command: &str, arguments: Value) -> Result<Value, String> {
        let msg = json!({"execute": command, "arguments": arguments});
        let mut w = self.qmp.get_ref();
        writeln!(w, "{msg}").map_err(|e| format!("QMP: {e}"))?;
        let v = self.read_reply()?;
        match v.get("return") {
            Some(r) => Ok(r.clone()),
            None => Err(format!("QMP {command}: {v}")),
        }
    }

    /// The screen as a PNG file (absolute path).
    pub fn screendump(&mut self, png: &Path) -> Result<(), String> {
        let abs = std::path::absolute(png).map_err(|e| e.to_string())?;
        self.execute(
            "screendump",
            json!({"filename": abs.to_string_lossy(), "format": "png"}),
        )
        .map(|_| ())
    }

    /// Types `text` (digits and letters) and Enter, each key down and up in
    /// order, as fast as a USB scanner in keyboard mode types.
    pub fn type_line(&mut self, text: &str) -> Result<(), String> {
        let mut events = Vec::new();
        for c in text.chars().map(Some).chain([None]) {
            let code = match c {
                Some(c @ ('0'..='9' | 'a'..='z')) => c.to_string(),
                Some(c) => return Err(format!("cannot type {c:?}")),
                None => "ret".to_string(),
            };
            for down in [true, false] {
                events.push(json!({"type": "key", "data": {
                    "down": down, "key": {"type": "qcode", "data": code}
                }}));
            }
        }
        self.execute("input-send-event", json!({ "events": events }))
            .map(|_| ())
    }

    /// The serial log so far.
    pub fn log(&self) -> String {
        std::fs::read(&self.serial)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Cuts the power: SIGKILL, nothing flushed.
    pub fn power_cut(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Qemu {
    fn drop(&mut self) {
        self.power_cut();
    }
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
