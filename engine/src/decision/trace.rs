//! Accumulates the rules that changed the number while a decision is computed.

use super::{Limit, Reason, Rule};

/// Ordered limits plus the reason of the last binding rule.
pub(crate) struct Trace {
    pub limits: Vec<Limit>,
    pub reason: Option<Reason>,
}

impl Trace {
    pub fn new() -> Trace {
        Trace {
            limits: Vec::new(),
            reason: None,
        }
    }

    /// Records that `rule` moved the count from `from` to `to`; no-op when equal.
    pub fn bind(&mut self, rule: Rule, from: u32, to: u32, reason: Reason, detail: String) {
        if from != to {
            self.limits.push(super::Limit {
                rule,
                from,
                to,
                detail,
            });
            self.reason = Some(reason);
        }
    }

    /// Sets the reason without a change of count (e.g. a hold on failed metrics).
    pub fn note(&mut self, reason: Reason) {
        self.reason = Some(reason);
    }
}
