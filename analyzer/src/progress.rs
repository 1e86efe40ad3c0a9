//! The progress bar of a run: crates done out of crates found, drawn on
//! standard error with `indicatif`, and only once the run has taken longer
//! than a second (short runs, pre-commit hooks and editors on save, never
//! flash a bar). The CLI asks for it only when standard error is a terminal;
//! otherwise nothing is drawn or started.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::mpsc;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a run goes before the bar appears.
pub const DELAY: Duration = Duration::from_secs(1);

/// A run's bar (or nothing, when not asked for).
pub struct Bar {
    bar: Option<ProgressBar>,
    /// Tells the delay thread the run is over; the thread itself.
    waiter: Mutex<Option<(mpsc::Sender<()>, JoinHandle<()>)>>,
}

impl Bar {
    /// Starts a hidden bar for `crates` units that shows itself after [`DELAY`].
    pub fn start(enabled: bool, crates: usize) -> Bar {
        if !enabled {
            return Bar {
                bar: None,
                waiter: Mutex::new(None),
            };
        }
        let bar = ProgressBar::with_draw_target(Some(crates as u64), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} checking {pos}/{len} crates [{elapsed}] {wide_bar}",
            )
            .expect("valid template"),
        );
        let (tx, rx) = mpsc::channel::<()>();
        let shown = bar.clone();
        let thread = std::thread::spawn(move || {
            if rx.recv_timeout(DELAY) == Err(mpsc::RecvTimeoutError::Timeout) {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(120));
            }
        });
        Bar {
            bar: Some(bar),
            waiter: Mutex::new(Some((tx, thread))),
        }
    }

    /// One more crate analysed.
    pub fn crate_done(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    /// Stops the delay thread and erases the bar.
    pub fn finish(&self) {
        let waiter = self.waiter.lock().map(|mut w| w.take()).unwrap_or(None);
        if let Some((tx, thread)) = waiter {
            let _ = tx.send(());
            let _ = thread.join();
        }
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
