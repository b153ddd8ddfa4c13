//! Progress on standard error for work that takes longer than a second: a spinner with what is
//! being done and the time so far. Nothing is drawn when standard error is not a terminal (a
//! script, CI, a pipe), nor for work that ends within the second.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Shown only after this long, so quick commands print nothing extra.
const DELAY: Duration = Duration::from_secs(1);

/// A spinner for one piece of work; it disappears when finished or dropped.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// Start timing `what` ("reading the workbook"); drawn only once a second has passed.
    pub fn start(what: &str) -> Progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(what.to_owned());
        // One long step (typesetting a PDF, say) never calls back: a timer shows the spinner.
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            let timer = bar.clone();
            std::thread::spawn(move || {
                std::thread::sleep(DELAY);
                if !timer.is_finished() {
                    timer.set_draw_target(ProgressDrawTarget::stderr());
                    timer.enable_steady_tick(Duration::from_millis(120));
                }
            });
        }
        Progress { bar }
    }

    /// Say what is being done now ("writing 2,000 services").
    pub fn set(&self, what: &str) {
        self.bar.set_message(what.to_owned());
    }

    /// The work is done: remove the spinner.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
