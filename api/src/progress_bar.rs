//! Progress bars for the command line's long builds (`ekinerja seed-demo`, the demo loaded by
//! `serve`, the benchmark's regency): one bar a stage, drawn on standard error only when it is a
//! terminal, so logs and CI output stay plain. Each stage's time is kept, for the benchmark's
//! report.

use std::time::{Duration, Instant};

use ekinerja_demo::Step;
use indicatif::{ProgressBar, ProgressFinish, ProgressStyle};

/// The bars of one build; feed it every [`Step`] the build reports.
#[derive(Default)]
pub struct Bars {
    current: Option<(&'static str, ProgressBar, Instant)>,
    took: Vec<(&'static str, Duration)>,
}

impl Bars {
    /// Moves the bar of the step's stage, finishing the previous stage's bar when it changes.
    pub fn step(&mut self, step: Step) {
        if self.current.as_ref().is_none_or(|(stage, _, _)| *stage != step.stage) {
            self.finish();
            let style = ProgressStyle::with_template("{prefix:>13} [{bar:40}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            let bar = ProgressBar::new(step.total)
                .with_style(style)
                .with_prefix(step.stage)
                .with_finish(ProgressFinish::AndLeave);
            self.current = Some((step.stage, bar, Instant::now()));
        }
        if let Some((_, bar, _)) = &self.current {
            bar.set_length(step.total);
            bar.set_position(step.done);
        }
    }

    /// How long each stage took, in the order they ran (a stage that comes back is listed again).
    /// The stage still running is counted to now.
    pub fn stages(&self) -> Vec<(&'static str, Duration)> {
        let mut took = self.took.clone();
        took.extend(self.current.as_ref().map(|(stage, _, since)| (*stage, since.elapsed())));
        took
    }

    fn finish(&mut self) {
        if let Some((stage, bar, since)) = self.current.take() {
            self.took.push((stage, since.elapsed()));
            bar.set_position(bar.length().unwrap_or(0));
            bar.finish();
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        self.finish();
    }
}
