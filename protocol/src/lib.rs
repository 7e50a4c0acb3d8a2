//! Wire types and token formats shared by the kiosk and the hub; no I/O lives here.
//!
//! # Layout
//! - [`token`]: the member QR token (ed25519-signed, short, base32 so a cheap
//!   scanner in keyboard-wedge mode types it without Shift surprises).
//! - [`card`]: card UIDs as keyed hashes.
//! - [`catalog`]: the service categories and age bands both sides agree on.
//! - [`content`]: the content bundle admins publish and kiosks show.
//! - [`picture`] (feature `pictures`): content pictures decoded within limits.
//! - [`release`]: kiosk software releases, their versions and rings.
//! - [`text`]: free text from outside, cleaned and capped; CSV cells made safe.
//! - [`wire`]: request and response bodies of the hub's `/api/v1` API.

pub mod card;
pub mod catalog;
pub mod content;
#[cfg(feature = "pictures")]
pub mod picture;
pub mod release;
pub mod text;
pub mod token;
pub mod wall;
pub mod wire;

/// The API version both sides speak; it is the path prefix `/api/v1`.
pub const API_VERSION: &str = "v1";

/// Path prefix of every hub API route.
pub const API_PREFIX: &str = "/api/v1";
