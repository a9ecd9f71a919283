//! The process pool's dispatch, as a state machine with no I/O.
//!
//! Like `ProcessPoolExecutor.map`: every worker is sent the job once, then
//! each idle worker is sent the next task index until none are left. The
//! machine only says which message goes to which worker and collects the
//! replies; whoever drives it owns the workers and the clock: the page (the
//! UI crate, posting through `www/runner.js`) in the browser, channels
//! between OS threads natively ([`crate::models::processes`]).
//!
//! ```text
//! start()                  -> Setup to every worker
//! reply(w, Ready)          -> when all are ready: the clock starts, a Task to each
//! reply(w, Done)           -> the next Task to w, or nothing; finished when all are back
//! finish(now)              -> ModelRun
//! ```

use crate::experiment::{Job, Model};
use crate::extra::Extra;
use crate::protocol::{Reply, Request};
use crate::record::{LostTask, ModelRun, TaskRecord};
use crate::trace::{Event, Lane, Mark, State, Timeline};
use std::fmt;

/// A message to send: `request` to worker `worker`.
#[derive(Debug, Clone, PartialEq)]
pub struct Send {
    pub worker: u32,
    pub request: Request,
}

/// Why a dispatch cannot go on.
#[derive(Debug, Clone, PartialEq)]
pub enum DispatchError {
    /// A worker said it could not do what it was asked.
    Failed { worker: u32, error: String },
    /// A worker answered something that makes no sense at this point.
    Unexpected { worker: u32, reply: String },
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DispatchError::Failed { worker, error } => {
                write!(f, "process {worker} failed: {error}")
            }
            DispatchError::Unexpected { worker, reply } => {
                write!(f, "process {worker} answered out of turn: {reply}")
            }
        }
    }
}

impl std::error::Error for DispatchError {}

/// The dispatch of one run of the processes model.
#[derive(Debug)]
pub struct Dispatch {
    job: Job,
    workers: u32,
    ready: Vec<bool>,
    busy: Vec<Option<u32>>,
    next: u32,
    start_ms: Option<f64>,
    tasks: Vec<TaskRecord>,
    lost: Vec<LostTask>,
    lanes: Vec<Lane>,
    /// Where a process died, in its lane.
    marks: Vec<Mark>,
    /// A fresh process for every task (the process-per-task model).
    per_task: bool,
    /// Workers to replace before they get another task (per task).
    respawn: Vec<u32>,
    /// A static split: the tasks each worker has still to run, from its
    /// block fixed in advance ([`Job::block`]); empty when dynamic.
    blocks: Vec<std::ops::Range<usize>>,
}

impl Dispatch {
    /// A dispatch over a pool of `pool` workers; only as many as there are
    /// tasks are used.
    pub fn new(job: Job, pool: u32) -> Dispatch {
        let workers = pool.min(job.experiment.tasks).max(1);
        let n = workers as usize;
        let tasks = job.experiment.tasks as usize;
        let blocks = if job.split { (0..workers).map(|w| Job::block(tasks, w, workers)).collect() } else { Vec::new() };
        Dispatch {
            blocks,
            tasks: Vec::with_capacity(job.experiment.tasks as usize),
            job,
            workers,
            ready: vec![false; n],
            busy: vec![None; n],
            next: 0,
            start_ms: None,
            lost: Vec::new(),
            marks: Vec::new(),
            lanes: (0..workers).map(|worker| Lane { worker, events: Vec::new(), truncated: false }).collect(),
            per_task: false,
            respawn: Vec::new(),
        }
    }

    /// A dispatch that starts a process for every task: the clock started
    /// at `start_ms`, before the first processes were spawned (their start
    /// is part of the run); after each task its worker is replaced
    /// ([`Dispatch::take_respawns`]).
    pub fn per_task(job: Job, pool: u32, start_ms: f64) -> Dispatch {
        let mut d = Dispatch::new(job, pool);
        d.per_task = true;
        d.start_ms = Some(start_ms);
        for lane in &mut d.lanes {
            lane.events.push(Event { t: start_ms, state: State::Spawning, task: None });
        }
        d
    }

    /// The workers to replace now with fresh ones (process per task): end
    /// each, start another, then [`Dispatch::worker_replaced`].
    pub fn take_respawns(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.respawn)
    }

    /// Workers this dispatch uses (the first `workers()` of the pool).
    pub fn workers(&self) -> u32 {
        self.workers
    }

    /// The first messages: the job, to every worker.
    pub fn start(&mut self) -> Vec<Send> {
        (0..self.workers).map(|worker| Send { worker, request: Request::Setup { job: self.job.clone() } }).collect()
    }

    /// Takes worker `worker`'s reply, received at `now_ms`; returns what to
    /// send next.
    pub fn reply(&mut self, worker: u32, reply: Reply, now_ms: f64) -> Result<Vec<Send>, DispatchError> {
        let w = worker as usize;
        if w >= self.workers as usize {
            return Err(DispatchError::Unexpected { worker, reply: format!("{reply:?}") });
        }
        match reply {
            Reply::Ready if !self.ready[w] => {
                self.ready[w] = true;
                if self.start_ms.is_some() {
                    // A replacement worker has the job: give it work.
                    self.lanes[w].events.push(Event { t: now_ms, state: State::Idle, task: None });
                    return Ok(self.next_task(worker, now_ms).into_iter().collect());
                }
                if !self.ready.iter().all(|r| *r) {
                    return Ok(Vec::new());
                }
                // Everyone has the job: the clock starts, a task each.
                self.start_ms = Some(now_ms);
                Ok((0..self.workers).filter_map(|worker| self.next_task(worker, now_ms)).collect())
            }
            Reply::Done { record, trace, truncated } if self.busy[w] == Some(record.index) => {
                self.busy[w] = None;
                self.tasks.push(record);
                let lane = &mut self.lanes[w];
                lane.truncated |= truncated;
                lane.events.extend(trace);
                if self.per_task {
                    // This process is done. The next task gets a new one,
                    // unless the replacements already starting take them all.
                    let starting = self.ready.iter().filter(|r| !**r).count() as u32;
                    if self.next + starting < self.job.experiment.tasks {
                        lane.events.push(Event { t: now_ms, state: State::Spawning, task: None });
                        self.ready[w] = false;
                        self.respawn.push(worker);
                    } else {
                        lane.events.push(Event { t: now_ms, state: State::Idle, task: None });
                    }
                    return Ok(Vec::new());
                }
                lane.events.push(Event { t: now_ms, state: State::Idle, task: None });
                Ok(self.next_task(worker, now_ms).into_iter().collect())
            }
            Reply::Failed { error } => Err(DispatchError::Failed { worker, error }),
            other => Err(DispatchError::Unexpected { worker, reply: format!("{other:?}") }),
        }
    }

    fn next_task(&mut self, worker: u32, now_ms: f64) -> Option<Send> {
        let index = match self.blocks.get_mut(worker as usize) {
            Some(block) => block.next()? as u32,
            None if self.next < self.job.experiment.tasks => {
                self.next += 1;
                self.next - 1
            }
            None => return None,
        };
        self.busy[worker as usize] = Some(index);
        Some(Send { worker, request: Request::Task { index, sent_ms: now_ms } })
    }

    /// Worker `worker` died (crashed, trapped) at `now_ms`: the task it was
    /// running is lost, and it needs a replacement. Call
    /// [`Dispatch::worker_replaced`] once the new worker is up.
    pub fn worker_lost(&mut self, worker: u32, error: String, now_ms: f64) {
        let w = worker as usize;
        if w >= self.workers as usize {
            return;
        }
        if let Some(index) = self.busy[w].take() {
            self.lost.push(LostTask { index, worker, error });
            self.marks.push(Mark::crash(now_ms, worker, index));
        }
        self.ready[w] = false;
        self.lanes[w].events.push(Event { t: now_ms, state: State::Spawning, task: None });
    }

    /// The replacement for `worker` is up: send it the job.
    pub fn worker_replaced(&mut self, worker: u32) -> Vec<Send> {
        vec![Send { worker, request: Request::Setup { job: self.job.clone() } }]
    }

    /// Every task has come back, or was lost with its worker.
    pub fn is_finished(&self) -> bool {
        self.tasks.len() + self.lost.len() == self.job.experiment.tasks as usize
    }

    /// Tasks come back so far.
    pub fn done(&self) -> u32 {
        self.tasks.len() as u32
    }

    /// The run, timed from the moment every worker was ready to `now_ms`.
    pub fn finish(self, now_ms: f64) -> ModelRun {
        let start = self.start_ms.unwrap_or(now_ms);
        let timeline = self.job.experiment.trace.then(|| Timeline::new(start, now_ms, self.lanes, None).with_marks(self.marks));
        let model = match (self.per_task, self.job.split) {
            (true, _) => Model::ProcessPerTask,
            (false, true) => Model::ProcessesStatic,
            (false, false) => Model::Processes,
        };
        ModelRun { model, workers: self.workers, wall_ms: now_ms - start, tasks: self.tasks, timeline, extra: Extra::none(), lost: self.lost }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::Experiment;
    use crate::workloads::{sleep::Sleep, Workload};

    fn job(tasks: u32, trace: bool) -> Job {
        Job::plain(Experiment { workload: Workload::Sleep(Sleep { ms: 0 }), tasks, workers: 2, trace, ..Experiment::default() })
    }

    fn done(index: u32, worker: u32, t: f64) -> Reply {
        let record = TaskRecord { index, worker, start_ms: t, end_ms: t + 1.0, value: index as u64, moved_bytes: 0, moving_ms: 0.0, extra: Default::default() };
        // Out of order on purpose: the timeline sorts them.
        let trace = vec![Event { t: t + 1.0, state: State::Sending, task: Some(index) }, Event { t, state: State::Running, task: Some(index) }];
        Reply::Done { record, trace, truncated: index == 2 }
    }

    fn tasks_of(sends: &[Send]) -> Vec<(u32, u32)> {
        sends
            .iter()
            .filter_map(|s| match s.request {
                Request::Task { index, .. } => Some((s.worker, index)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn setup_then_one_task_per_idle_worker_until_none_are_left() {
        let mut d = Dispatch::new(job(3, true), 2);
        let setup = d.start();
        assert_eq!(setup.len(), 2);
        assert!(setup.iter().all(|s| matches!(s.request, Request::Setup { .. })));
        assert_eq!(d.reply(1, Reply::Ready, 1.0).unwrap(), vec![], "waits for every worker");
        let first = d.reply(0, Reply::Ready, 2.0).unwrap();
        assert_eq!(tasks_of(&first), vec![(0, 0), (1, 1)]);
        assert_eq!(tasks_of(&d.reply(1, done(1, 1, 3.0), 5.0).unwrap()), vec![(1, 2)]);
        assert!(!d.is_finished());
        assert_eq!(d.reply(0, done(0, 0, 3.0), 6.0).unwrap(), vec![], "no task left for worker 0");
        assert_eq!(d.reply(1, done(2, 1, 6.0), 8.0).unwrap(), vec![]);
        assert!(d.is_finished());
        let run = d.finish(8.0);
        assert_eq!((run.model, run.workers, run.wall_ms, run.tasks.len()), (Model::Processes, 2, 6.0, 3));
        let timeline = run.timeline.unwrap();
        for lane in &timeline.lanes {
            assert!(lane.events.windows(2).all(|w| w[0].t <= w[1].t), "events are sorted: {:?}", lane.events);
            assert_eq!(lane.events.last().unwrap().state, State::Idle);
        }
        let truncated: Vec<bool> = timeline.lanes.iter().map(|l| l.truncated).collect();
        assert_eq!(truncated, vec![false, true], "task 2 (on worker 1) reported a full buffer");
    }

    #[test]
    fn a_crashed_worker_loses_its_task_and_is_replaced() {
        let mut d = Dispatch::new(job(4, true), 2);
        d.start();
        d.reply(0, Reply::Ready, 0.0).unwrap();
        assert_eq!(tasks_of(&d.reply(1, Reply::Ready, 0.0).unwrap()), vec![(0, 0), (1, 1)]);
        d.worker_lost(1, "a worker crashed".into(), 1.0);
        let setup = d.worker_replaced(1);
        assert!(matches!(setup[..], [Send { worker: 1, request: Request::Setup { .. } }]));
        assert_eq!(tasks_of(&d.reply(1, Reply::Ready, 2.0).unwrap()), vec![(1, 2)], "the replacement gets the next task");
        assert_eq!(tasks_of(&d.reply(0, done(0, 0, 1.0), 3.0).unwrap()), vec![(0, 3)]);
        d.reply(1, done(2, 1, 3.0), 4.0).unwrap();
        assert!(!d.is_finished());
        d.reply(0, done(3, 0, 4.0), 5.0).unwrap();
        assert!(d.is_finished(), "3 done + 1 lost");
        let run = d.finish(5.0);
        assert_eq!(run.lost, vec![LostTask { index: 1, worker: 1, error: "a worker crashed".into() }]);
        assert_eq!(run.tasks.len(), 3);
        assert!(run.timeline.as_ref().unwrap().lanes[1].events.iter().any(|e| e.state == State::Spawning));
        // The crash is marked in the lane of the process that died, when it died.
        assert_eq!(run.timeline.as_ref().unwrap().marks, vec![Mark { t: 1.0, label: "process crashed: task 1 lost".into(), worker: Some(1) }]);
        let e = job(4, true).experiment;
        assert!(run.check(&e, &[Some(0), Some(1), Some(2), Some(3)]).iter().any(|p| p.starts_with("task 1 was lost: its process crashed")));
    }

    #[test]
    fn a_static_split_sends_each_worker_its_own_block_even_when_the_other_is_idle() {
        let mut d = Dispatch::new(job(5, false).for_model(Model::ProcessesStatic), 2);
        d.start();
        d.reply(0, Reply::Ready, 0.0).unwrap();
        assert_eq!(tasks_of(&d.reply(1, Reply::Ready, 0.0).unwrap()), vec![(0, 0), (1, 2)], "blocks 0..2 and 2..5");
        assert_eq!(tasks_of(&d.reply(0, done(0, 0, 1.0), 1.0).unwrap()), vec![(0, 1)]);
        assert_eq!(tasks_of(&d.reply(0, done(1, 0, 2.0), 2.0).unwrap()), vec![], "worker 0's block is done: it idles while 1 has two left");
        assert_eq!(tasks_of(&d.reply(1, done(2, 1, 3.0), 3.0).unwrap()), vec![(1, 3)]);
        assert_eq!(tasks_of(&d.reply(1, done(3, 1, 4.0), 4.0).unwrap()), vec![(1, 4)]);
        d.reply(1, done(4, 1, 5.0), 5.0).unwrap();
        assert!(d.is_finished());
        assert_eq!(d.finish(5.0).model, Model::ProcessesStatic);
    }

    #[test]
    fn uses_no_more_workers_than_tasks() {
        let mut d = Dispatch::new(job(1, false), 4);
        assert_eq!(d.workers(), 1);
        assert_eq!(d.start().len(), 1);
        assert_eq!(tasks_of(&d.reply(0, Reply::Ready, 0.0).unwrap()), vec![(0, 0)]);
        d.reply(0, done(0, 0, 1.0), 2.0).unwrap();
        assert!(d.finish(2.0).timeline.is_none());
    }

    #[test]
    fn failures_and_replies_out_of_turn_stop_the_dispatch() {
        let mut d = Dispatch::new(job(2, false), 2);
        d.start();
        assert_eq!(d.reply(0, Reply::Failed { error: "no".into() }, 0.0), Err(DispatchError::Failed { worker: 0, error: "no".into() }));
        let mut d = Dispatch::new(job(2, false), 2);
        d.start();
        assert!(matches!(d.reply(0, done(0, 0, 0.0), 0.0), Err(DispatchError::Unexpected { .. })), "a result before any task was sent");
        assert!(matches!(d.reply(7, Reply::Ready, 0.0), Err(DispatchError::Unexpected { worker: 7, .. })));
        d.reply(0, Reply::Ready, 0.0).unwrap();
        assert!(matches!(d.reply(0, Reply::Ready, 0.0), Err(DispatchError::Unexpected { .. })), "ready twice");
    }
}
