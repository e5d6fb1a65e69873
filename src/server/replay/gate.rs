//! Admission of the dashboard's what-if replays: one running replay per user, a few in all
//! (half the cores, at least one). What-if jobs wait here for a slot.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Why a replay was not started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The same user has one running.
    #[error("a what-if of yours is still running; wait for it to finish, then preview again")]
    Yours,
    /// The server runs as many as it allows.
    #[error("the server is running {0} what-if replays, its limit; try again in a few seconds")]
    Busy(usize),
}

/// Who is replaying now; shared by every request through the application state.
#[derive(Debug)]
pub struct ReplayGate {
    running: Mutex<HashSet<String>>,
    limit: usize,
    started: AtomicU64,
}

impl ReplayGate {
    /// A gate letting `limit` replays (at least one) run at once.
    pub fn new(limit: usize) -> Arc<ReplayGate> {
        Arc::new(ReplayGate {
            running: Mutex::new(HashSet::new()),
            limit: limit.max(1),
            started: AtomicU64::new(0),
        })
    }

    /// A gate sized for this machine: half its cores, at least one, so serving pages and the
    /// controller always keep a core.
    pub fn for_this_machine() -> Arc<ReplayGate> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        ReplayGate::new(cores / 2)
    }

    /// Admits a replay for `user`; the slot is released when the returned value drops.
    pub fn try_start(self: &Arc<Self>, user: &str) -> Result<ReplaySlot, Refused> {
        let mut running = self.lock();
        if running.contains(user) {
            return Err(Refused::Yours);
        }
        if running.len() >= self.limit {
            return Err(Refused::Busy(running.len()));
        }
        running.insert(user.to_string());
        self.started.fetch_add(1, Ordering::Relaxed);
        Ok(ReplaySlot {
            gate: self.clone(),
            user: user.to_string(),
        })
    }

    /// Replays admitted since start (for tests and diagnostics).
    pub fn started(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }

    /// Replays holding a slot now.
    pub fn running(&self) -> usize {
        self.lock().len()
    }

    /// The most replays that run at once.
    pub fn limit(&self) -> usize {
        self.limit
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        // A panic while holding the lock leaves a plain set behind; keep using it.
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running replay's place in the gate. Move it into the blocking job, so the user's slot
/// frees when the work has really stopped.
#[derive(Debug)]
pub struct ReplaySlot {
    gate: Arc<ReplayGate>,
    user: String,
}

impl Drop for ReplaySlot {
    fn drop(&mut self) {
        self.gate.lock().remove(&self.user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_user_and_a_global_limit() {
        let gate = ReplayGate::new(2);
        let a = gate.try_start("alice").expect("first");
        assert_eq!(gate.try_start("alice").unwrap_err(), Refused::Yours);
        let b = gate.try_start("bob").expect("bob");
        assert_eq!(gate.try_start("carol").unwrap_err(), Refused::Busy(2));
        drop(a);
        let again = gate
            .try_start("alice")
            .expect("alice again after hers ended");
        assert_eq!((gate.running(), gate.started()), (2, 3));
        drop((b, again));
        assert_eq!(gate.running(), 0);
    }
}
