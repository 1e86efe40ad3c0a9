//! The interface between the analyzer and the lints: a lint is its
//! description plus a function from events to diagnostics. The [`Sink`] fills
//! in what every diagnostic shares (level, where impersonation began, the
//! calling path), so a lint only words its finding.

use crate::diag::{Diagnostic, Fix, Level, LintInfo, Location, Related};
use crate::event::Event;

/// A lint: its description and its check.
pub struct Lint {
    pub info: &'static LintInfo,
    pub check: fn(&Event, &mut Sink),
}

/// Collects one lint's findings for one event.
pub struct Sink<'a> {
    pub info: &'static LintInfo,
    pub level: Level,
    pub out: &'a mut Vec<Diagnostic>,
}

/// A finding as a lint words it.
pub struct Finding {
    /// What is wrong (lower-case, no trailing period, code in backticks).
    pub message: String,
    /// Short label at the primary location.
    pub label: String,
    /// The fix, one line.
    pub help: String,
    /// Extra related locations besides where impersonation began.
    pub related: Vec<Related>,
    pub fix: Option<Fix>,
}

impl Finding {
    pub fn new(
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Finding {
            message: message.into(),
            label: label.into(),
            help: help.into(),
            related: Vec::new(),
            fix: None,
        }
    }

    pub fn related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Related {
            location,
            message: message.into(),
        });
        self
    }

    pub fn fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }
}

impl Sink<'_> {
    /// Reports `finding` at the event's location, adding where impersonation
    /// began (as a related location) and the calling path (as a note).
    pub fn report(&mut self, event: &Event, finding: Finding) {
        self.report_at(event, event.location.clone(), finding);
    }

    /// Like [`Sink::report`] at another location than the event's.
    pub fn report_at(&mut self, event: &Event, location: Location, finding: Finding) {
        let mut related = Vec::new();
        if let Some(began) = &event.state.began {
            if *began != location {
                let what = match &event.state.began_by {
                    Some(by) => format!("impersonation begins here (`{by}`)"),
                    None => "impersonation begins here".to_string(),
                };
                related.push(Related {
                    location: began.clone(),
                    message: what,
                });
            }
        }
        related.extend(finding.related);
        let mut notes = Vec::new();
        if let Some(via) = &event.state.via {
            notes.push(format!(
                "`{}` is called while impersonating from `{}` ({}:{})",
                event.function, via.caller, via.at.file, via.at.line
            ));
        }
        if event.state.imp == crate::event::Imp::Maybe {
            notes.push("the thread impersonates on some paths that reach this point".to_string());
        }
        self.out.push(Diagnostic {
            lint: self.info.name,
            level: self.level,
            message: finding.message,
            location,
            label: finding.label,
            related,
            notes,
            help: Some(finding.help),
            fix: finding.fix,
        });
    }
}
