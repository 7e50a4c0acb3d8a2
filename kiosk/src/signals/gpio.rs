//! The Raspberry Pi's header through rpi-pal (the maintained fork of rppal,
//! same API; rppal itself is archived). Outputs are driven low at open and
//! on drop; a passive buzzer gets its tone from the hardware PWM channel of
//! its pin (firmware-config writes the matching `dtoverlay=pwm` line).

use anyhow::Context;
use rpi_pal::gpio::{Gpio, InputPin, OutputPin, Trigger};
use rpi_pal::pwm::{Channel, Polarity, Pwm};
use rpi_pal::system::{DeviceInfo, Model};

use super::{MotionCallback, Output, PinBank, SignalsConfig};

enum Drive {
    Pin(OutputPin),
    Tone(Pwm),
}

pub struct GpioPins {
    outputs: Vec<(Output, Drive)>,
    motion: Option<InputPin>,
}

/// The PWM channel behind a pin: Pi 5 has four channels on GPIO12, 13, 18,
/// 19; the older boards two, each on two pins.
fn pwm_channel(pin: u8, pi5: bool) -> Option<Channel> {
    Some(match (pin, pi5) {
        (12, _) | (18, false) => Channel::Pwm0,
        (13, _) | (19, false) => Channel::Pwm1,
        (18, true) => Channel::Pwm2,
        (19, true) => Channel::Pwm3,
        _ => return None,
    })
}

impl GpioPins {
    pub fn open(config: &SignalsConfig) -> anyhow::Result<GpioPins> {
        let gpio = Gpio::new().context(
            "cannot open the GPIO header (is this a Raspberry Pi, and is the kiosk's user in the gpio group?)",
        )?;
        let mut outputs = Vec::new();
        for output in Output::ALL {
            let Some(n) = config.pin(output) else {
                continue;
            };
            if output == Output::Buzzer && config.buzzer_kind == "passive" {
                let pi5 = DeviceInfo::new()
                    .map(|d| d.model() == Model::RaspberryPi5)
                    .unwrap_or(false);
                let channel = pwm_channel(n, pi5).with_context(|| {
                    format!("a passive buzzer needs a PWM pin (GPIO12, 13, 18 or 19), not GPIO{n}")
                })?;
                let pwm = Pwm::with_frequency(
                    channel,
                    f64::from(config.buzzer_hz),
                    0.5,
                    Polarity::Normal,
                    false,
                )
                .with_context(|| {
                    format!("cannot open PWM for the buzzer on GPIO{n} (is dtoverlay=pwm set in config.txt?)")
                })?;
                outputs.push((output, Drive::Tone(pwm)));
            } else {
                let pin = gpio
                    .get(n)
                    .with_context(|| format!("cannot take GPIO{n} for {}", output.name()))?
                    .into_output_low();
                outputs.push((output, Drive::Pin(pin)));
            }
        }
        let motion = match config.motion_sensor {
            Some(n) => Some(
                gpio.get(n)
                    .with_context(|| format!("cannot take GPIO{n} for the motion sensor"))?
                    .into_input_pulldown(),
            ),
            None => None,
        };
        Ok(GpioPins { outputs, motion })
    }
}

impl PinBank for GpioPins {
    fn outputs(&self) -> Vec<Output> {
        self.outputs.iter().map(|(o, _)| *o).collect()
    }

    fn set(&mut self, output: Output, on: bool) -> anyhow::Result<()> {
        let Some((_, drive)) = self.outputs.iter_mut().find(|(o, _)| *o == output) else {
            return Ok(());
        };
        match drive {
            Drive::Pin(pin) if on => pin.set_high(),
            Drive::Pin(pin) => pin.set_low(),
            Drive::Tone(pwm) if on => pwm.enable()?,
            Drive::Tone(pwm) => pwm.disable()?,
        }
        Ok(())
    }

    fn watch_motion(&mut self, on_motion: MotionCallback) -> anyhow::Result<()> {
        if let Some(pin) = &mut self.motion {
            // PIR sensors hold their output high for a few seconds; one
            // rising edge per passer-by, debounced.
            pin.set_async_interrupt(
                Trigger::RisingEdge,
                Some(std::time::Duration::from_millis(50)),
                move |_| on_motion(),
            )
            .context("cannot watch the motion sensor")?;
        }
        Ok(())
    }
}

impl Drop for GpioPins {
    fn drop(&mut self) {
        self.all_off();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pwm_pins_map_to_their_channels_on_each_generation() {
        assert_eq!(pwm_channel(18, false), Some(Channel::Pwm0));
        assert_eq!(pwm_channel(19, false), Some(Channel::Pwm1));
        assert_eq!(pwm_channel(18, true), Some(Channel::Pwm2));
        assert_eq!(pwm_channel(12, true), Some(Channel::Pwm0));
        assert_eq!(pwm_channel(17, false), None);
    }

    #[test]
    fn opening_the_header_off_a_pi_fails_with_a_plain_reason() {
        // Off a board (as in the test run, natively or under qemu-user) the
        // header is missing: the error must say what to check.
        let config = SignalsConfig {
            backend: "gpio".into(),
            led_green: Some(23),
            ..SignalsConfig::default()
        };
        let e = format!(
            "{:#}",
            GpioPins::open(&config).err().expect("no header here")
        );
        assert!(e.contains("cannot open the GPIO header"), "{e}");
    }
}
