//! Short spoken prompts for the outcomes a youth cannot see well: welcome,
//! already checked in, not recognised. Off by default (`[voice]` in the
//! configuration); in the screen's language at that moment.
//!
//! The prompts are WAV files in the binary (`assets/voice`, written by
//! `scripts/voice-prompts.sh`), played by a command that reads a WAV on its
//! standard input (`aplay -q -` from alsa-utils on the board image). A new
//! prompt cuts the one still playing short, as the screen replaces an
//! answer with the next. `Speaker` is the seam: tests record what was said.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use anyhow::{Context, ensure};
use serde::Deserialize;

use crate::checkin::{Outcome, RepeatOf};

/// One prompt: its name (for logs and tests) and its sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prompt {
    pub name: &'static str,
    pub wav: &'static [u8],
}

macro_rules! prompt {
    ($name:literal) => {
        Prompt {
            name: $name,
            wav: include_bytes!(concat!("../../../assets/voice/", $name, ".wav")),
        }
    };
}

const WELCOME: [Prompt; 2] = [prompt!("welcome-zh"), prompt!("welcome-en")];
const REPEAT: [Prompt; 2] = [prompt!("repeat-zh"), prompt!("repeat-en")];
const REFUSED: [Prompt; 2] = [prompt!("refused-zh"), prompt!("refused-en")];

/// What is said for an outcome, if anything: a member's or visitor's
/// check-in, a check-in already made today, a code or card not recognised.
/// Shifts, check-outs and answers to the kiosk's questions stay silent.
pub fn prompt_for(outcome: &Outcome, en: bool) -> Option<Prompt> {
    let lang = usize::from(en);
    match outcome {
        Outcome::Welcome { .. } => Some(WELCOME[lang]),
        Outcome::Repeat {
            of: RepeatOf::CheckIn,
            ..
        } => Some(REPEAT[lang]),
        Outcome::Refused { .. } => Some(REFUSED[lang]),
        _ => None,
    }
}

/// Every prompt, for checks.
pub fn all() -> impl Iterator<Item = Prompt> {
    WELCOME.into_iter().chain(REPEAT).chain(REFUSED)
}

/// `[voice]` in the kiosk's configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VoiceConfig {
    /// Speak the outcomes (off unless a center turns it on).
    pub enabled: bool,
    /// The command that plays a WAV from its standard input.
    pub command: Vec<String>,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        VoiceConfig {
            enabled: false,
            command: vec!["aplay".into(), "-q".into(), "-".into()],
        }
    }
}

impl VoiceConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        ensure!(
            !self.enabled || !self.command.is_empty(),
            "[voice] is enabled but its command is empty; give the player, e.g. [\"aplay\", \"-q\", \"-\"]"
        );
        Ok(())
    }
}

/// Where prompts go.
pub trait Speaker {
    fn say(&mut self, prompt: Prompt) -> anyhow::Result<()>;
}

/// Plays each prompt through a command, cutting the previous one short.
pub struct CommandSpeaker {
    command: Vec<String>,
    playing: Option<Child>,
}

impl CommandSpeaker {
    pub fn new(command: Vec<String>) -> anyhow::Result<CommandSpeaker> {
        ensure!(!command.is_empty(), "no command to play prompts with");
        Ok(CommandSpeaker {
            command,
            playing: None,
        })
    }

    /// Waits for the prompt playing now to end (tests, and stopping).
    pub fn wait(&mut self) -> anyhow::Result<Option<std::process::ExitStatus>> {
        match self.playing.take() {
            Some(mut child) => Ok(Some(child.wait()?)),
            None => Ok(None),
        }
    }
}

impl Speaker for CommandSpeaker {
    fn say(&mut self, prompt: Prompt) -> anyhow::Result<()> {
        if let Some(mut old) = self.playing.take() {
            // Ended already, or cut short: either way reaped.
            let _ = old.kill();
            let _ = old.wait();
        }
        let mut child = Command::new(&self.command[0])
            .args(&self.command[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {:?} to speak", self.command[0]))?;
        // A short WAV fits the pipe's buffer or is read at once; the
        // player's own pace never holds up the screen for long, and a
        // player that died early is only a prompt lost.
        let wav = prompt.wav;
        if let Some(mut stdin) = child.stdin.take() {
            std::thread::spawn(move || {
                let _ = stdin.write_all(wav);
            });
        }
        self.playing = Some(child);
        Ok(())
    }
}

impl Drop for CommandSpeaker {
    fn drop(&mut self) {
        if let Some(mut child) = self.playing.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Records what would be said (tests; a desktop without sound).
#[derive(Clone, Default)]
pub struct RecordingSpeaker(pub Arc<Mutex<Vec<&'static str>>>);

impl Speaker for RecordingSpeaker {
    fn say(&mut self, prompt: Prompt) -> anyhow::Result<()> {
        self.0
            .lock()
            .map_err(|_| anyhow::anyhow!("the record of prompts is poisoned"))?
            .push(prompt.name);
        Ok(())
    }
}

/// The speaker the configuration asks for (`None`: the voice is off).
pub fn start(config: &VoiceConfig) -> Option<Box<dyn Speaker>> {
    if !config.enabled {
        return None;
    }
    match CommandSpeaker::new(config.command.clone()) {
        Ok(s) => Some(Box::new(s)),
        Err(e) => {
            tracing::warn!("spoken prompts are off: {e:#}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every prompt is a short mono PCM WAV a board's player takes.
    #[test]
    fn every_prompt_is_a_short_pcm_wav() {
        for p in all() {
            let w = p.wav;
            assert_eq!(&w[0..4], b"RIFF", "{}", p.name);
            assert_eq!(&w[8..12], b"WAVE", "{}", p.name);
            let format = u16::from_le_bytes([w[20], w[21]]);
            let channels = u16::from_le_bytes([w[22], w[23]]);
            let rate = u32::from_le_bytes([w[24], w[25], w[26], w[27]]);
            let bytes_per_sec = u32::from_le_bytes([w[28], w[29], w[30], w[31]]);
            assert_eq!((format, channels), (1, 1), "{}: PCM mono", p.name);
            assert!(rate >= 16_000, "{}: {rate} Hz", p.name);
            let seconds = (w.len() - 44) as f64 / f64::from(bytes_per_sec);
            assert!(
                (0.5..6.0).contains(&seconds),
                "{}: {seconds:.1} s is not a short prompt",
                p.name
            );
        }
    }

    /// The board's own player (ALSA's aplay, installed by
    /// scripts/setup-debian.sh) takes every prompt, into its null device.
    #[test]
    fn aplay_plays_every_prompt() {
        for p in all() {
            let mut s = CommandSpeaker::new(
                ["aplay", "-q", "-D", "null", "-"]
                    .map(String::from)
                    .to_vec(),
            )
            .expect("speaker");
            s.say(p).expect("aplay (Debian's alsa-utils) runs");
            let status = s.wait().expect("wait").expect("aplay ran");
            assert!(status.success(), "{}: {status}", p.name);
        }
    }

    #[test]
    fn each_outcome_says_its_prompt_in_the_screens_language() {
        let welcome = Outcome::Welcome {
            name: None,
            seq: 1,
            visitor: true,
            attending: crate::checkin::Attending::Nothing,
        };
        assert_eq!(
            prompt_for(&welcome, false).map(|p| p.name),
            Some("welcome-zh")
        );
        assert_eq!(
            prompt_for(&welcome, true).map(|p| p.name),
            Some("welcome-en")
        );
        let refused = Outcome::refused(crate::checkin::Refusal::Garbled);
        assert_eq!(
            prompt_for(&refused, false).map(|p| p.name),
            Some("refused-zh")
        );
        let out = Outcome::CheckedOut {
            name: None,
            seq: 2,
            minutes: 30,
        };
        assert_eq!(
            prompt_for(&out, false),
            None,
            "a check-out is not a welcome"
        );
    }

    /// The real player, run: a command that reads the WAV from its
    /// standard input gets the whole prompt; a second prompt cuts a
    /// first that is still playing.
    #[test]
    fn the_command_speaker_hands_the_whole_prompt_to_the_player() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("heard.wav");
        let mut s = CommandSpeaker::new(vec![
            "sh".into(),
            "-c".into(),
            format!("cat > {}", out.display()),
        ])
        .expect("speaker");
        s.say(WELCOME[0]).expect("say");
        let status = s.wait().expect("wait").expect("a player ran");
        assert!(status.success());
        assert_eq!(std::fs::read(&out).expect("heard"), WELCOME[0].wav);

        let mut slow = CommandSpeaker::new(vec!["sleep".into(), "30".into()]).expect("speaker");
        slow.say(REPEAT[0]).expect("say");
        let started = std::time::Instant::now();
        slow.say(REFUSED[0]).expect("say again");
        drop(slow);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the first prompt was cut short"
        );
        let missing = CommandSpeaker::new(vec!["/nonexistent/player".into()])
            .expect("speaker")
            .say(WELCOME[1]);
        assert!(missing.is_err());
    }
}
