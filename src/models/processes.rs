//! Processes: isolated workers that share nothing and talk only in messages.
//!
//! The dispatch is the `ProcessPoolExecutor` one: every idle worker is sent
//! the next task index; when it answers, it gets another, until none are left.
//! In the browser the page does this with `postMessage` (`www/processes.js`);
//! here OS threads stand in for processes, each owning a
//! [`ProcessWorker`] and reachable only through channels of JSON text.

use crate::experiment::{Experiment, Model};
use crate::platform::Host;
use crate::protocol::{ProcessWorker, Reply, Request};
use crate::results::ModelRun;
use crate::trace::{Event, Lane, State, Timeline};
use std::sync::mpsc;

pub fn run_native(exp: &Experiment, host: &(dyn Host + Send + Sync)) -> Result<ModelRun, String> {
    let workers = exp.workers.min(exp.tasks) as usize;
    std::thread::scope(|s| {
        let (reply_tx, reply_rx) = mpsc::channel::<(usize, String)>();
        let mut inboxes = Vec::new();
        for id in 0..workers {
            let (tx, rx) = mpsc::channel::<String>();
            inboxes.push(tx);
            let reply_tx = reply_tx.clone();
            s.spawn(move || {
                let mut worker = ProcessWorker::new(id as u32);
                for msg in rx {
                    let reply = worker.handle_json(&msg, host);
                    if reply_tx.send((id, reply)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(reply_tx);
        let send = |w: usize, r: &Request| inboxes[w].send(serde_json::to_string(r).unwrap()).map_err(|e| e.to_string());
        for w in 0..workers {
            send(w, &Request::Setup { experiment: exp.clone() })?;
        }
        let recv = || -> Result<(usize, Reply), String> {
            let (w, text) = reply_rx.recv().map_err(|e| e.to_string())?;
            Ok((w, serde_json::from_str::<Reply>(&text).map_err(|e| e.to_string())?))
        };
        for _ in 0..workers {
            match recv()? {
                (_, Reply::Ready { .. }) => {}
                (w, other) => return Err(format!("worker {w} did not start: {other:?}")),
            }
        }
        let start = host.now_ms();
        let task = |index| Request::Task { index, sent_ms: Some(host.now_ms()) };
        let mut next = 0;
        for w in 0..workers {
            send(w, &task(next))?;
            next += 1;
        }
        let mut tasks = Vec::with_capacity(exp.tasks as usize);
        let mut lanes: Vec<Lane> = (0..workers).map(|w| Lane { worker: w as u32, events: vec![], truncated: false }).collect();
        while tasks.len() < exp.tasks as usize {
            let (w, reply) = recv()?;
            match reply {
                Reply::Done { record, trace } => {
                    tasks.push(record);
                    lanes[w].events.extend(trace);
                    lanes[w].events.push(Event { t: host.now_ms(), state: State::Idle, task: None });
                }
                other => return Err(format!("worker {w}: {other:?}")),
            }
            if next < exp.tasks {
                send(w, &task(next))?;
                next += 1;
            }
        }
        let end = host.now_ms();
        drop(inboxes); // ends the workers
        let timeline = exp.trace.then(|| Timeline::new(start, end, lanes, None));
        Ok(ModelRun { model: Model::Processes, workers: workers as u32, wall_ms: end - start, tasks, timeline })
    })
}
