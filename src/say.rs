//! Text for the person, on stderr. `eprintln!` panics when stderr is gone
//! (a host that closed its end, or the sign-in helper whose bridge was
//! killed); a message nobody can read is not worth dying for.

use std::io::Write;

/// Write `text` and a newline to stderr, ignoring a closed stderr.
pub fn say(text: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Write `text` as it is (no newline added).
pub fn say_raw(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
