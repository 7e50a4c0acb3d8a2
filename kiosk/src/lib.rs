//! The youth center kiosk: check-in at the door, offline first, synced to the hub.
//!
//! # Layout
//! - [`checkin`]: the engine that turns a scan or a tap into an outcome, offline.
//! - [`door`]: what is presented at the door, in the mode it waits for, and
//!   what follows every outcome (its cue, the sync woken), for the screen and
//!   the screenless station alike.
//! - [`store`]: the SQLite file: event outbox, roster, enrollment, settings.
//! - [`sync`]: the uplink that delivers events to the hub and pulls the roster.
//! - [`content`]: what the home screen shows, in Chinese and English.
//! - [`input`]: scanners and card readers (USB keyboard-wedge scanners through
//!   evdev, serial scanners, PC/SC card readers), each behind one trait.
//! - [`software`]: the kiosk's own releases from the hub: fetched in the
//!   background, tried at a quiet moment, kept or rolled back.
//! - [`setup`]: the data folder, the database, enrolling and the sync loop:
//!   what every way of running the kiosk needs, below the window.
//! - [`app`]: start-up of the touchscreen window.
//! - [`ui`]: the Slint window and the plain views behind it.
//! - [`headless`]: the door station without a screen (stdin → JSON lines).
//! - [`cli`], [`demo`], [`doctor`]: the command line, the one-step demo, and
//!   the device check for staff; [`memory`]: what the kiosk holds of the
//!   board's memory, for its report to the hub.

pub mod app;
pub mod checkin;
pub mod cli;
pub mod clock;
pub mod config;
pub mod content;
pub mod demo;
pub mod doctor;
pub mod door;
pub mod export;
pub mod headless;
pub mod input;
pub mod memory;
pub mod pin;
pub mod screen;
pub mod service;
pub mod setup;
pub mod signals;
pub mod software;
pub mod store;
pub mod sync;
pub mod ui;
