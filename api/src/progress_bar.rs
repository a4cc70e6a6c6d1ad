//! Progress bars for the command line's long builds (`ekinerja seed-demo`, the demo loaded by
//! `serve`, the benchmark's regency): one bar a stage, drawn on standard error only when it is a
//! terminal, so logs and CI output stay plain.

use ekinerja_demo::Step;
use indicatif::{ProgressBar, ProgressFinish, ProgressStyle};

/// The bars of one build; feed it every [`Step`] the build reports.
#[derive(Default)]
pub struct Bars {
    current: Option<(&'static str, ProgressBar)>,
}

impl Bars {
    /// Moves the bar of the step's stage, finishing the previous stage's bar when it changes.
    pub fn step(&mut self, step: Step) {
        if self.current.as_ref().is_none_or(|(stage, _)| *stage != step.stage) {
            self.finish();
            let style = ProgressStyle::with_template("{prefix:>13} [{bar:40}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            let bar = ProgressBar::new(step.total)
                .with_style(style)
                .with_prefix(step.stage)
                .with_finish(ProgressFinish::AndLeave);
            self.current = Some((step.stage, bar));
        }
        if let Some((_, bar)) = &self.current {
            bar.set_length(step.total);
            bar.set_position(step.done);
        }
    }

    fn finish(&mut self) {
        if let Some((_, bar)) = self.current.take() {
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
