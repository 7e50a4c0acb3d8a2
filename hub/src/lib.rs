//! The hub: the cloud platform service the youth center kiosks report to.
//!
//! # Layout
//! - [`store`]: the database (SQLite, or PostgreSQL for replicas): centers, members,
//!   devices, events, and its migrations.
//! - [`admin`]: what staff and admins may change, checked against who asks and
//!   written to the audit log; the pages, the API and the CLI all go through it.
//! - [`http`]: the API, the dashboard's and members' pages, the signed content
//!   (axum); `http::app` builds the router, `http::serve` serves it.
//! - [`dashboard`]: the numbers and the chart of the web dashboard.
//! - [`report`]: a center's day in numbers, on the center's local calendar.
//! - [`keys`]: the ed25519 key that signs member QR tokens.
//! - [`content`]: signed content for the kiosks (a TUF repository, served at `/tuf/`).
//! - [`webhook`]: changed days pushed to the platforms above the hub, signed, retried.
//! - [`names`]: display names fit for a public screen.
//! - [`passwords`]: Argon2id hashes of the secrets people type.
//! - [`archive`]: raw events of old months into files, out of the database.
//! - [`cards`]: the printable sheet of member cards.
//! - [`html`]: escaping text into the hub's HTML.
//! - [`qr`]: member tokens as QR codes (an image, or SVG for the phone page).
//! - [`yardsticks`]: the yardsticks centers are judged by, and the ledger (台账) export.
//! - [`volunteer`]: volunteers' service hours, pairing shift starts and ends.
//! - [`cli`]: the admin's command line.
//! - [`server`]: what `hub serve` runs: the listeners and the tasks beside them.
//! - [`testing`]: the database a test runs on (SQLite, or PostgreSQL when asked).

pub mod admin;
pub mod archive;
pub mod cards;
pub mod cli;
pub mod content;
pub mod dashboard;
pub mod evaluation;
pub mod html;
pub mod http;
pub mod keys;
pub mod member_record;
pub mod names;
pub mod passwords;
pub mod poster;
pub mod qr;
pub mod report;
pub mod server;
pub mod store;
pub mod testing;
pub mod volunteer;
pub mod wall;
pub mod webhook;
pub mod yardsticks;
