//! Input sources that produce scans: for now the keyboard-wedge scanner typing into the window.

pub mod keyboard;
