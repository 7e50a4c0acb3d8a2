//! `firmware-config`: check a board profile, show the files it gives, or
//! write them with a center's enrollment code for a new kiosk.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use firmware_config::{BUILTIN, Board, Profile};

#[derive(Parser)]
#[command(
    name = "firmware-config",
    version,
    about = "Board profiles for youth center kiosks",
    long_about = "Board profiles for youth center kiosks.\n\n\
        A profile names the board, its display (output, size, rotation, touch panel), \
        what is wired to the GPIO header (buzzer, green and red lights, door relay, \
        motion sensor) and the USB scanners and card readers. `check` lists every \
        problem; `render` prints the files the board needs; `provision` writes them, \
        with the center's enrollment code, into a folder laid out as the board's root \
        (copy it onto the SD card: boot/firmware/ is the boot partition)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The built-in profiles and the boards they are for.
    List,
    /// Checks a profile (a built-in name or a .toml file) and lists every problem.
    Check { profile: String },
    /// Prints every file the profile gives, each under its path on the board;
    /// with --out, writes them under that folder instead.
    Render {
        profile: String,
        /// The folder to write into, laid out as the board's root.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Prints the kernel command-line arguments the profile adds (display
    /// mode, no console cursor).
    Cmdline { profile: String },
    /// Prints the enrollment file for a new kiosk: on a board image, save it
    /// as youth-kiosk-enroll.toml on the boot partition.
    Enrollment {
        /// The hub's address, e.g. https://hub.example.org
        #[arg(long)]
        hub: String,
        /// The center's one-time enrollment code from the hub (`hub enroll-code`).
        #[arg(long)]
        code: String,
    },
    /// Writes a new kiosk's files under ROOT: the profile's files, and the
    /// center's enrollment code for its first boot.
    Provision {
        profile: String,
        /// The hub's address, e.g. https://hub.example.org
        #[arg(long)]
        hub: String,
        /// The center's one-time enrollment code from the hub (`hub enroll-code`).
        #[arg(long)]
        code: String,
        /// The folder to write into, laid out as the board's root.
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::List => {
            for (name, text) in BUILTIN {
                let p = Profile::parse(text)?;
                let board = Board::from_code(&p.board).map_or("?", |b| b.name());
                println!("{name:<16} {board:<26} {}", p.description);
            }
        }
        Command::Check { profile } => {
            let p = Profile::load(&profile)?;
            let board = p.board.clone();
            p.validated()?;
            println!("{profile}: good ({board})");
        }
        Command::Render { profile, out } => {
            let files = Profile::load(&profile)?.validated()?.render();
            match out {
                Some(out) => {
                    for path in firmware_config::write_files(files, &out)? {
                        println!("{}", out.join(path).display());
                    }
                }
                None => {
                    for f in files {
                        println!("==> /{} <==\n{}", f.path, f.contents);
                    }
                }
            }
        }
        Command::Cmdline { profile } => {
            println!("{}", Profile::load(&profile)?.validated()?.cmdline_args());
        }
        Command::Enrollment { hub, code } => {
            print!("{}", firmware_config::enrollment(&hub, &code)?);
        }
        Command::Provision {
            profile,
            hub,
            code,
            out,
        } => {
            let checked = Profile::load(&profile)?.validated()?;
            let written = firmware_config::provision(&checked, &hub, &code, &out)?;
            for path in written {
                println!("{}", out.join(path).display());
            }
            eprintln!(
                "Copy these onto the board: append config.txt.youth-kiosk to config.txt and \
                 cmdline.txt.youth-kiosk to the one line of cmdline.txt (see docs/OPERATIONS.md)."
            );
        }
    }
    Ok(())
}
