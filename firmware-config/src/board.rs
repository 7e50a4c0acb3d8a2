//! What each supported board has: display connectors (DRM names), the GPIO
//! header, the pins kept for other uses, and the hardware PWM pins a passive
//! buzzer needs.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Board {
    Rpi3BPlus,
    Rpi4B,
    Rpi5,
    RpiZero2W,
    X86,
}

/// A board's 40-pin header.
#[derive(Debug)]
pub struct GpioFacts {
    /// GPIO0 … this one are on the header.
    pub highest: u8,
    /// Pins the profile may not use, and why.
    pub reserved: &'static [(u8, &'static str)],
    /// Hardware PWM pins: (GPIO, the `pwm` overlay's `func`, PWM channel).
    pub pwm: &'static [(u8, u8, u8)],
}

const RESERVED: &[(u8, &str)] = &[
    (0, "the HAT identification EEPROM (ID_SD)"),
    (1, "the HAT identification EEPROM (ID_SC)"),
    (2, "I2C (SDA), where a real-time clock module goes"),
    (3, "I2C (SCL), where a real-time clock module goes"),
    (14, "the serial console technicians use (TXD)"),
    (15, "the serial console technicians use (RXD)"),
];

const PI_HEADER: GpioFacts = GpioFacts {
    highest: 27,
    reserved: RESERVED,
    pwm: &[(12, 4, 0), (13, 4, 1), (18, 2, 0), (19, 2, 1)],
};

const PI5_HEADER: GpioFacts = GpioFacts {
    highest: 27,
    reserved: RESERVED,
    pwm: &[(12, 4, 0), (13, 4, 1), (18, 2, 2), (19, 2, 3)],
};

impl Board {
    pub const ALL: [Board; 5] = [
        Board::Rpi3BPlus,
        Board::Rpi4B,
        Board::Rpi5,
        Board::RpiZero2W,
        Board::X86,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Board::Rpi3BPlus => "rpi3bplus",
            Board::Rpi4B => "rpi4b",
            Board::Rpi5 => "rpi5",
            Board::RpiZero2W => "rpizero2w",
            Board::X86 => "x86",
        }
    }

    pub fn from_code(code: &str) -> Option<Board> {
        Board::ALL.into_iter().find(|b| b.code() == code)
    }

    pub fn name(self) -> &'static str {
        match self {
            Board::Rpi3BPlus => "Raspberry Pi 3 Model B+",
            Board::Rpi4B => "Raspberry Pi 4 Model B",
            Board::Rpi5 => "Raspberry Pi 5",
            Board::RpiZero2W => "Raspberry Pi Zero 2 W",
            Board::X86 => "x86 mini PC",
        }
    }

    /// The Debian architecture of the kiosk package it takes.
    pub fn deb_arch(self) -> &'static str {
        match self {
            Board::X86 => "amd64",
            _ => "arm64",
        }
    }

    pub fn is_raspberry_pi(self) -> bool {
        self != Board::X86
    }

    /// Display connectors, by their DRM names.
    pub fn outputs(self) -> &'static [&'static str] {
        match self {
            Board::Rpi3BPlus => &["HDMI-A-1", "DSI-1", "Composite-1"],
            Board::Rpi4B => &["HDMI-A-1", "HDMI-A-2", "DSI-1", "Composite-1"],
            Board::Rpi5 => &["HDMI-A-1", "HDMI-A-2", "DSI-1", "DSI-2"],
            Board::RpiZero2W => &["HDMI-A-1", "Composite-1"],
            Board::X86 => &[
                "HDMI-A-1", "HDMI-A-2", "DP-1", "DP-2", "DP-3", "eDP-1", "DVI-D-1", "VGA-1",
            ],
        }
    }

    pub fn gpio(self) -> Option<&'static GpioFacts> {
        match self {
            Board::X86 => None,
            Board::Rpi5 => Some(&PI5_HEADER),
            _ => Some(&PI_HEADER),
        }
    }

    /// The `pwm` overlay's `func` for a hardware PWM pin.
    pub fn pwm_function(self, pin: u8) -> Option<u8> {
        self.gpio()?
            .pwm
            .iter()
            .find(|(p, _, _)| *p == pin)
            .map(|(_, f, _)| *f)
    }

    /// Boards with an analogue audio jack driven by the PWM block.
    pub fn audio_shares_pwm(self) -> bool {
        matches!(self, Board::Rpi3BPlus | Board::Rpi4B)
    }
}
