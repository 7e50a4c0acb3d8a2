//! Serial (USB-CDC) barcode scanners on a tty: bytes in, one scan per line.
//!
//! Such scanners end a code with CR, LF or both; some send nothing and rely
//! on a pause. The port is opened raw (9600 8N1 unless configured; USB-CDC
//! ignores the rate) and reopened after an unplug.

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use super::{Input, InputSink};

const MAX_SCAN_LEN: usize = 512;
/// Without a line end, a scan ends after this much silence.
const GAP: Duration = Duration::from_millis(100);

/// Splits a byte stream into scan lines.
#[derive(Debug, Default)]
pub struct LineAssembler {
    buf: Vec<u8>,
}

impl LineAssembler {
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut done = Vec::new();
        for &b in bytes {
            match b {
                b'\r' | b'\n' | 0x03 | 0x04 => done.extend(self.flush()),
                _ if self.buf.len() < MAX_SCAN_LEN => self.buf.push(b),
                _ => {}
            }
        }
        done
    }

    /// Ends a pending scan (after a pause).
    pub fn flush(&mut self) -> Option<String> {
        let line = std::mem::take(&mut self.buf);
        let text = String::from_utf8_lossy(&line).trim().to_string();
        (!text.is_empty()).then_some(text)
    }
}

pub struct SerialScanner {
    pub path: PathBuf,
    pub baud: u32,
}

impl SerialScanner {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        SerialScanner {
            path: path.into(),
            baud: 9600,
        }
    }

    /// Reads until the sink is closed; reopens the port after errors.
    pub fn run(self, sink: &InputSink) {
        let mut last_error = String::new();
        loop {
            match self.read_port(sink) {
                Ok(()) => return,
                Err(e) => {
                    let text = format!("{}: {e}", self.path.display());
                    if text != last_error {
                        tracing::warn!("serial scanner {text}; retrying");
                        last_error = text;
                    }
                }
            }
            std::thread::sleep(Duration::from_secs(3));
        }
    }

    fn read_port(&self, sink: &InputSink) -> std::io::Result<()> {
        let mut port = serialport::new(self.path.to_string_lossy(), self.baud)
            .timeout(GAP)
            .open()
            .map_err(std::io::Error::other)?;
        tracing::info!("serial scanner {} opened", self.path.display());
        let mut lines = LineAssembler::default();
        let mut buf = [0u8; 256];
        loop {
            let found = match port.read(&mut buf) {
                Ok(0) => return Err(std::io::Error::other("the port closed")),
                Ok(n) => lines.feed(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    lines.flush().into_iter().collect()
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Vec::new(),
                Err(e) => return Err(e),
            };
            for line in found {
                if !sink.send(Input::Scan(line)) {
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_at_cr_lf_or_both_and_blank_lines_are_dropped() {
        let mut a = LineAssembler::default();
        assert_eq!(a.feed(b"1000"), Vec::<String>::new());
        assert_eq!(a.feed(b"0001\r\nYC1AB\n\r\n"), vec!["10000001", "YC1AB"]);
        a.feed(b"99");
        assert_eq!(a.flush().as_deref(), Some("99"));
        assert_eq!(a.flush(), None);
    }
}
