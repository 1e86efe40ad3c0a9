//! Ctrl-C. A run interrupted by SIGINT exits with code 130 (128 + the
//! signal's number, what a shell reports for a process SIGINT ended), and
//! when standard error is a terminal, where the progress bar may be drawn,
//! first erases the line the bar was on so the prompt comes back clean. The
//! handler only calls what is safe in a signal handler (`write`, `_exit`).
//! Files `--fix` writes are written whole or not at all by the writer, not
//! here. Elsewhere than on Unix, Ctrl-C ends the process the system's way.

/// The exit code of an interrupted run.
pub const EXIT_INTERRUPTED: u8 = 130;

#[cfg(unix)]
mod unix {
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Whether the handler erases the current line of standard error.
    static CLEAR_LINE: AtomicBool = AtomicBool::new(false);

    pub fn install(clear_line: bool) {
        CLEAR_LINE.store(clear_line, Ordering::Relaxed);
        let handler: extern "C" fn(libc::c_int) = on_interrupt;
        // SAFETY: installs a handler that only calls async-signal-safe
        // functions and reads an atomic.
        unsafe {
            libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        }
    }

    extern "C" fn on_interrupt(_signal: libc::c_int) {
        // Carriage return, then erase the whole line (ANSI `EL 2`).
        const CLEAR: &[u8] = b"\r\x1b[2K";
        // SAFETY: `write` and `_exit` are async-signal-safe; the buffer is static.
        unsafe {
            if CLEAR_LINE.load(Ordering::Relaxed) {
                libc::write(2, CLEAR.as_ptr().cast(), CLEAR.len());
            }
            libc::_exit(libc::c_int::from(super::EXIT_INTERRUPTED));
        }
    }
}

/// Installs the Ctrl-C handler for the rest of the process; `clear_line`
/// when standard error is a terminal.
pub fn install(clear_line: bool) {
    #[cfg(unix)]
    unix::install(clear_line);
    #[cfg(not(unix))]
    let _ = clear_line;
}
