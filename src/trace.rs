//! What each worker was doing, and when: the data behind the timeline.
//!
//! Every worker owns a [`Tracer`], a buffer allocated before the run, and
//! appends an [`Event`] each time its state changes (no locks, no sharing, no
//! allocation while the run is timed). After the run the buffers are
//! collected into a [`Timeline`]. A full buffer stops recording and says so
//! rather than growing.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a worker is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Executing a task's work (holding the GIL, where there is one).
    Running,
    /// Ready to run but waiting for the GIL.
    GilWait,
    /// Blocked in I/O (the GIL released).
    IoWait,
    /// Blocked taking a lock held by another worker (the GIL released).
    LockWait,
    /// Holding a lock while it waits (sleeps) before its next step, the GIL
    /// released: what the deadlock's tasks do between their two locks.
    HoldingLock,
    /// Waiting in `join()` for other workers to finish (the GIL released).
    Joining,
    /// A process being started.
    Spawning,
    /// Serialising and posting a result.
    Sending,
    /// A task message in transit and being read.
    Receiving,
    /// Nothing to do.
    Idle,
}

impl State {
    pub const ALL: [State; 10] = [State::Running, State::GilWait, State::IoWait, State::LockWait, State::HoldingLock, State::Joining, State::Spawning, State::Sending, State::Receiving, State::Idle];

    pub fn label(self) -> &'static str {
        match self {
            State::Running => "running",
            State::GilWait => "waiting for the GIL",
            State::IoWait => "I/O wait",
            State::LockWait => "waiting for a lock",
            State::HoldingLock => "holding a lock",
            State::Joining => "waiting in join()",
            State::Spawning => "spawning",
            State::Sending => "sending",
            State::Receiving => "receiving",
            State::Idle => "idle",
        }
    }

    /// Its colour on every timeline: colour-blind-safe (Okabe–Ito, then
    /// Paul Tol's olive and wine), grey for idle.
    pub fn colour(self) -> &'static str {
        match self {
            State::Running => "#0072B2",
            State::GilWait => "#D55E00",
            State::IoWait => "#F0E442",
            State::LockWait => "#009E73",
            State::HoldingLock => "#882255",
            State::Joining => "#999933",
            State::Spawning => "#CC79A7",
            State::Sending => "#56B4E9",
            State::Receiving => "#E69F00",
            State::Idle => "#BBBBBB",
        }
    }
}

/// A state change: from `t` (ms, shared clock) the worker is in `state`,
/// working on `task` if any.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub t: f64,
    pub state: State,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub task: Option<u32>,
}

/// Events one worker can record in a run before its buffer is full.
pub const CAPACITY: usize = 1 << 16;

/// One worker's preallocated event buffer.
#[derive(Debug, Clone)]
pub struct Tracer {
    worker: u32,
    enabled: bool,
    events: Vec<Event>,
    truncated: bool,
}

impl Tracer {
    pub fn new(worker: u32, enabled: bool) -> Tracer {
        Tracer::with_capacity(worker, enabled, CAPACITY)
    }

    pub fn with_capacity(worker: u32, enabled: bool, capacity: usize) -> Tracer {
        let events = if enabled { Vec::with_capacity(capacity) } else { Vec::new() };
        Tracer { worker, enabled, events, truncated: false }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Records a state change at `t`. Never allocates: a full buffer sets
    /// `truncated` and ignores the event.
    #[inline]
    pub fn record(&mut self, t: f64, state: State, task: Option<u32>) {
        if !self.enabled {
            return;
        }
        if self.events.last().is_some_and(|e| e.state == state && e.task == task) {
            return; // no change
        }
        if self.events.len() == self.events.capacity() {
            self.truncated = true;
            return;
        }
        self.events.push(Event { t, state, task });
    }

    /// The events so far, copied out, and whether some were dropped; the
    /// buffer is emptied (keeping its capacity) for the next task of a
    /// process worker.
    pub fn take_events(&mut self) -> (Vec<Event>, bool) {
        let events = self.events.clone();
        self.events.clear();
        (events, std::mem::take(&mut self.truncated))
    }

    pub fn into_lane(self) -> Lane {
        Lane { worker: self.worker, events: self.events, truncated: self.truncated }
    }
}

/// One worker's events, in time order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    pub worker: u32,
    pub events: Vec<Event>,
    /// The buffer filled up and later events were dropped.
    #[serde(default)]
    pub truncated: bool,
}

/// A span of one state, from `start` to `end` (ms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub start: f64,
    pub end: f64,
    pub state: State,
    pub task: Option<u32>,
}

impl Lane {
    /// The lane as spans; the last event lasts until `end`.
    pub fn spans(&self, end: f64) -> impl Iterator<Item = Span> + '_ {
        self.events.iter().enumerate().map(move |(i, e)| Span {
            start: e.t,
            end: self.events.get(i + 1).map_or(end, |n| n.t).max(e.t),
            state: e.state,
            task: e.task,
        })
    }

    /// Time spent in each state between the first event and `end`.
    pub fn time_in_states(&self, end: f64) -> BTreeMap<State, f64> {
        let mut out = BTreeMap::new();
        for s in self.spans(end) {
            *out.entry(s.state).or_insert(0.0) += s.end - s.start;
        }
        out
    }
}

/// GIL counters of one run (David Beazley's measures of GIL "badness").
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct GilStats {
    /// Times the GIL passed from one worker to another.
    pub switches: u64,
    /// Times a waiting worker woke up and found the GIL still taken.
    pub failed_acquisitions: u64,
    /// Drop requests a waiting worker made after a full switch interval.
    pub drop_requests: u64,
    pub switch_interval_ms: f64,
}

/// Every worker's lane for one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub start_ms: f64,
    pub end_ms: f64,
    pub lanes: Vec<Lane>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub gil: Option<GilStats>,
    /// Moments worth pointing at ("done declared", "watchdog").
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub marks: Vec<Mark>,
}

/// A moment on a timeline, with what happened: across every lane ("done
/// declared", "watchdog"), or in one worker's lane (its process crashed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub t: f64,
    pub label: String,
    /// The lane it happened in; `None`: the whole run.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub worker: Option<u32>,
}

impl Mark {
    /// A moment of the whole run.
    pub fn run(t: f64, label: String) -> Mark {
        Mark { t, label, worker: None }
    }

    /// Worker `worker`'s process died at `t` running `task`: the task is lost.
    pub fn crash(t: f64, worker: u32, task: u32) -> Mark {
        Mark { t, label: format!("process crashed: task {task} lost"), worker: Some(worker) }
    }
}

impl Timeline {
    pub fn new(start_ms: f64, end_ms: f64, mut lanes: Vec<Lane>, gil: Option<GilStats>) -> Timeline {
        lanes.sort_by_key(|l| l.worker);
        for l in &mut lanes {
            l.events.sort_by(|a, b| a.t.total_cmp(&b.t));
        }
        Timeline { start_ms, end_ms, lanes, gil, marks: Vec::new() }
    }

    pub fn with_marks(self, marks: Vec<Mark>) -> Timeline {
        Timeline { marks, ..self }
    }

    pub fn events(&self) -> usize {
        self.lanes.iter().map(|l| l.events.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_buffer_truncates_instead_of_growing() {
        let mut t = Tracer::with_capacity(3, true, 2);
        t.record(0.0, State::Running, Some(0));
        t.record(1.0, State::IoWait, Some(0));
        t.record(2.0, State::Running, Some(0));
        let lane = t.into_lane();
        assert_eq!(lane.events.len(), 2);
        assert!(lane.truncated);
        assert_eq!(lane.worker, 3);
    }

    #[test]
    fn a_disabled_tracer_records_nothing() {
        let mut t = Tracer::new(0, false);
        t.record(0.0, State::Running, None);
        assert!(t.into_lane().events.is_empty());
    }

    #[test]
    fn time_in_states_adds_up_spans() {
        let mut t = Tracer::new(0, true);
        t.record(0.0, State::Running, Some(0));
        t.record(3.0, State::GilWait, Some(0));
        t.record(5.0, State::Running, Some(0));
        t.record(6.0, State::Idle, None);
        let totals = t.into_lane().time_in_states(10.0);
        assert_eq!(totals[&State::Running], 4.0);
        assert_eq!(totals[&State::GilWait], 2.0);
        assert_eq!(totals[&State::Idle], 4.0);
    }
}
