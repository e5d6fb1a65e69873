//! What-if jobs: a preview runs in the background, so a whole-trace replay of three policies
//! (a minute on the 215-day taxi trace) neither holds a request open nor hits its timeout. The
//! registry keeps each job's owner, progress, cancel flag and result; only the owner sees or
//! stops a job, a user's newer preview replaces (cancels) the older, a job waits for a slot of
//! the [`super::gate::ReplayGate`] before it replays, and results are kept
//! [`KEEP_FINISHED`] after they finish. Shutdown cancels every job, so no replay thread keeps
//! the process alive.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::run::Control;
use crate::model::policies::{WhatIfProgress, WhatIfState};

/// How long a finished job's result stays readable (a browser without JavaScript reloads the
/// job's address to see it).
pub const KEEP_FINISHED: Duration = Duration::from_secs(15 * 60);
/// Jobs a user keeps (running or finished); older ones are dropped.
const KEEP_PER_USER: usize = 3;

/// Every what-if job of the process; shared through the application state.
#[derive(Debug, Default)]
pub struct WhatIfJobs {
    jobs: Mutex<Vec<Arc<Job>>>,
}

/// One preview: the runs it replays and where it stands.
#[derive(Debug)]
pub struct Job {
    id: String,
    owner: String,
    source: String,
    /// Labels of the runs in order ("edited", then each baseline).
    runs: Vec<String>,
    /// Read by the replay thread: cancel flag and progress.
    control: Arc<Control>,
    started: Instant,
    phase: Mutex<Phase>,
    finished: tokio::sync::watch::Sender<bool>,
}

#[derive(Debug, Clone)]
enum Phase {
    /// Waiting for a replay slot.
    Queued,
    Replaying,
    /// Cancelled but the replay has not stopped yet: why.
    Stopping(String),
    Finished(WhatIfState, Instant),
}

impl WhatIfJobs {
    /// Registers a new job of `owner` replaying `runs` over `source`; the owner's running jobs
    /// are cancelled (a newer preview replaces them) and finished jobs past
    /// [`KEEP_FINISHED`] are dropped.
    pub fn start(&self, owner: &str, source: String, runs: Vec<String>) -> Arc<Job> {
        let job = Arc::new(Job {
            id: new_id(),
            owner: owner.to_string(),
            source,
            runs,
            control: Arc::new(Control::default()),
            started: Instant::now(),
            phase: Mutex::new(Phase::Queued),
            finished: tokio::sync::watch::channel(false).0,
        });
        let mut jobs = self.lock();
        let now = Instant::now();
        jobs.retain(|j| !j.expired(now));
        for old in jobs.iter().filter(|j| j.owner == owner) {
            old.cancel("replaced by a newer preview of yours");
        }
        let mine = jobs.iter().filter(|j| j.owner == owner).count();
        if mine >= KEEP_PER_USER {
            let mut drop = mine + 1 - KEEP_PER_USER;
            jobs.retain(|j| {
                let oldest = j.owner == owner && drop > 0;
                if oldest {
                    drop -= 1;
                }
                !oldest
            });
        }
        jobs.push(job.clone());
        job
    }

    /// `owner`'s job `id`, if it is kept.
    pub fn get(&self, owner: &str, id: &str) -> Option<Arc<Job>> {
        let now = Instant::now();
        self.lock()
            .iter()
            .find(|j| j.id == id && j.owner == owner && !j.expired(now))
            .cloned()
    }

    /// Where `owner`'s job `id` stands; a job that is not kept (never was, someone else's,
    /// or expired) says so, with what to do.
    pub fn state(&self, owner: &str, id: &str) -> WhatIfState {
        match self.get(owner, id) {
            Some(job) => job.state(),
            None => WhatIfState::Stopped(format!(
                "This what-if is not kept any more (results are kept {} minutes after they \
                 finish, for the user who started them); press Preview to replay.",
                KEEP_FINISHED.as_secs() / 60
            )),
        }
    }

    /// Cancels every job (shutdown).
    pub fn cancel_all(&self, why: &str) {
        for job in self.lock().iter() {
            job.cancel(why);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Job>>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Job {
    /// The job's id (unguessable; it names the job in addresses).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Who started it.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The load it replays, as the result names it.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The flag and progress the replay thread works with.
    pub fn control(&self) -> Arc<Control> {
        self.control.clone()
    }

    /// True once the job was cancelled (or has finished).
    pub fn cancelled(&self) -> bool {
        self.control.cancelled()
    }

    /// Marks the job as replaying (it holds a slot).
    pub fn replaying(&self) {
        let mut phase = self.lock();
        if matches!(*phase, Phase::Queued) {
            *phase = Phase::Replaying;
        }
    }

    /// Stops the job (at its replay's next evaluation); `why` becomes its outcome. A finished
    /// job keeps its result.
    pub fn cancel(&self, why: &str) {
        let mut phase = self.lock();
        if matches!(*phase, Phase::Queued | Phase::Replaying) {
            *phase = Phase::Stopping(why.to_string());
            self.control.cancel();
        }
    }

    /// Records the outcome: `result`, or the cancel reason if the job was cancelled.
    pub fn finish(&self, result: WhatIfState) {
        let mut phase = self.lock();
        let outcome = match (&*phase, result) {
            (Phase::Finished(..), _) => return,
            (Phase::Stopping(why), WhatIfState::Stopped(_)) => {
                WhatIfState::Stopped(format!("Cancelled: {why}."))
            }
            (_, result) => result,
        };
        *phase = Phase::Finished(outcome, Instant::now());
        self.control.cancel();
        drop(phase);
        self.finished.send_replace(true);
    }

    /// Where the job stands.
    pub fn state(&self) -> WhatIfState {
        let phase = self.lock().clone();
        let (stage, fraction) = match phase {
            Phase::Finished(state, _) => return state,
            Phase::Queued => (
                "waiting for another what-if to finish (the server replays a few at a time)"
                    .to_string(),
                0.0,
            ),
            Phase::Stopping(why) => (format!("stopping: {why}"), 0.0),
            Phase::Replaying => self.stage(),
        };
        WhatIfState::Running(WhatIfProgress {
            job: self.id.clone(),
            source: self.source.clone(),
            stage,
            fraction,
            elapsed_secs: self.started.elapsed().as_secs(),
        })
    }

    /// Waits until the job has finished or `limit` has passed; where it then stands.
    pub async fn wait(&self, limit: Duration) -> WhatIfState {
        let mut done = self.finished.subscribe();
        let _ = tokio::time::timeout(limit, done.wait_for(|d| *d)).await;
        self.state()
    }

    fn stage(&self) -> (String, f64) {
        use std::sync::atomic::Ordering::Relaxed;
        let runs = self.runs.len().max(1);
        let run = self.control.run.load(Relaxed).min(runs - 1);
        let part = self.control.run_fraction();
        let label = self.runs.get(run).map_or("the policy", String::as_str);
        let span = self.control.span_ms.load(Relaxed) as f64 / 1000.0;
        let reached = self.control.reached_ms.load(Relaxed) as f64 / 1000.0;
        let stage = format!(
            "replaying {label} ({} of {runs}): {} of {}",
            run + 1,
            super::budget::human(reached),
            super::budget::human(span)
        );
        (stage, ((run as f64 + part) / runs as f64).clamp(0.0, 1.0))
    }

    fn expired(&self, now: Instant) -> bool {
        matches!(&*self.lock(), Phase::Finished(_, at) if now.duration_since(*at) > KEEP_FINISHED)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// 128 random bits in hex.
fn new_id() -> String {
    crate::server::auth::secrets::random_hex(16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::policies::WhatIf;

    fn runs() -> Vec<String> {
        vec!["edited".into(), "HPA defaults".into()]
    }

    fn summary() -> crate::model::policies::ReplaySummary {
        crate::model::policies::ReplaySummary {
            label: "edited".into(),
            replica_hours: 1.0,
            offered_units: 1.0,
            unserved_units: 0.0,
            unserved_share: 0.0,
            minutes_over_capacity: 0.0,
            scale_ups: 0,
            scale_downs: 0,
            replicas: vec![],
        }
    }

    fn done() -> WhatIfState {
        WhatIfState::Done(Box::new(WhatIf {
            source: "trace".into(),
            times: vec![],
            demand: vec![],
            edited: summary(),
            current: None,
            others: vec![],
        }))
    }

    #[test]
    fn only_the_owner_sees_a_job() {
        let jobs = WhatIfJobs::default();
        let job = jobs.start("alice", "trace".into(), runs());
        assert!(jobs.get("alice", job.id()).is_some());
        assert!(jobs.get("bob", job.id()).is_none(), "someone else's");
        assert!(
            matches!(jobs.state("bob", job.id()), WhatIfState::Stopped(m) if m.contains("not kept"))
        );
        assert!(jobs.get("alice", "0123").is_none(), "made up");
        assert_eq!(job.id().len(), 32);
    }

    #[test]
    fn a_newer_preview_cancels_the_older_and_a_finished_one_keeps_its_result() {
        let jobs = WhatIfJobs::default();
        let first = jobs.start("alice", "trace".into(), runs());
        first.replaying();
        let theirs = jobs.start("bob", "trace".into(), runs());
        let second = jobs.start("alice", "trace".into(), runs());
        assert!(first.cancelled() && !second.cancelled() && !theirs.cancelled());
        first.finish(WhatIfState::Stopped("the replay was stopped".into()));
        match first.state() {
            WhatIfState::Stopped(m) => assert!(m.contains("replaced by a newer preview"), "{m}"),
            other => panic!("{other:?}"),
        }
        second.finish(done());
        second.cancel("too late");
        assert_eq!(
            second.state(),
            done(),
            "a result is not cancelled after the fact"
        );
    }

    #[test]
    fn a_user_keeps_a_few_jobs() {
        let jobs = WhatIfJobs::default();
        let ids: Vec<String> = (0..5)
            .map(|_| jobs.start("alice", "t".into(), runs()).id().to_string())
            .collect();
        assert_eq!(jobs.lock().len(), KEEP_PER_USER);
        assert!(jobs.get("alice", &ids[0]).is_none());
        assert!(jobs.get("alice", &ids[4]).is_some());
    }

    #[test]
    fn progress_names_the_run_and_its_share() {
        use std::sync::atomic::Ordering::Relaxed;
        let jobs = WhatIfJobs::default();
        let job = jobs.start("alice", "trace".into(), runs());
        assert!(matches!(job.state(), WhatIfState::Running(p) if p.stage.starts_with("waiting")));
        job.replaying();
        let c = job.control();
        c.run.store(1, Relaxed);
        c.span_ms.store(10 * 86_400_000, Relaxed);
        c.reached_ms.store(5 * 86_400_000, Relaxed);
        match job.state() {
            WhatIfState::Running(p) => {
                assert_eq!(p.stage, "replaying HPA defaults (2 of 2): 5 d of 10 d");
                assert!((p.fraction - 0.75).abs() < 1e-9, "{}", p.fraction);
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn waiting_ends_when_the_job_finishes() {
        let jobs = WhatIfJobs::default();
        let job = jobs.start("alice", "trace".into(), runs());
        let finisher = job.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            finisher.finish(done());
        });
        let began = Instant::now();
        assert_eq!(job.wait(Duration::from_secs(10)).await, done());
        assert!(began.elapsed() < Duration::from_secs(5));
        let still = jobs.start("bob", "trace".into(), runs());
        assert!(matches!(
            still.wait(Duration::from_millis(10)).await,
            WhatIfState::Running(_)
        ));
    }
}
