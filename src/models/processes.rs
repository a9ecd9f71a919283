//! Processes, natively: OS threads stand in for process workers, each owning
//! a [`WorkerState`](crate::models::serve::WorkerState) and reachable only through channels of message text
//! (and a task's share of the input, copied, as a structured clone does),
//! driven by the same [`Dispatch`] the browser uses.

use crate::dispatch::Dispatch;
use crate::experiment::Job;
use crate::platform::Host;
use crate::models::serve::WorkerState;
use crate::protocol::{decode, encode, Reply, Request};
use crate::record::ModelRun;
use std::sync::mpsc;

pub fn run_native(job: &Job, host: &(dyn Host + Send + Sync)) -> Result<ModelRun, String> {
    drive(Dispatch::new(job.clone(), job.experiment.workers), job, host)
}

/// A process for every task: each ends after its task, and a new one
/// (a new OS thread with a fresh [`WorkerState`](crate::models::serve::WorkerState)) takes the next.
pub fn run_native_per_task(job: &Job, host: &(dyn Host + Send + Sync)) -> Result<ModelRun, String> {
    drive(Dispatch::per_task(job.clone(), job.experiment.workers, host.now_ms()), job, host)
}

fn drive(mut dispatch: Dispatch, job: &Job, host: &(dyn Host + Send + Sync)) -> Result<ModelRun, String> {
    // The parent's copy of the input, which it sends from.
    let input = super::input(job);
    std::thread::scope(|s| {
        let (reply_tx, reply_rx) = mpsc::channel::<(u32, String)>();
        // A "process": an OS thread with its own state, reached by channel.
        let start = |id: u32| {
            let (tx, rx) = mpsc::channel::<(String, Vec<u8>)>();
            let reply_tx = reply_tx.clone();
            s.spawn(move || {
                let mut worker = WorkerState::new(id);
                for (text, input) in rx {
                    if reply_tx.send((id, worker.handle_text_with_input(&text, input, host, None))).is_err() {
                        break;
                    }
                }
            });
            tx
        };
        let mut inboxes: Vec<_> = (0..dispatch.workers()).map(start).collect();
        let mut outbox = dispatch.start();
        while !dispatch.is_finished() {
            for w in dispatch.take_respawns() {
                // Dropping its inbox ends the old one.
                inboxes[w as usize] = start(w);
                outbox.extend(dispatch.worker_replaced(w));
            }
            for send in outbox.drain(..) {
                let share = match send.request {
                    Request::Task { index, .. } => super::share(job, &input, index).to_vec(),
                    _ => Vec::new(),
                };
                inboxes[send.worker as usize].send((encode(&send.request), share)).map_err(|e| e.to_string())?;
            }
            let (w, text) = reply_rx.recv().map_err(|e| e.to_string())?;
            let reply: Reply = decode(&text).map_err(|e| e.to_string())?;
            outbox = dispatch.reply(w, reply, host.now_ms()).map_err(|e| e.to_string())?;
        }
        drop(inboxes); // ends the workers
        Ok(dispatch.finish(host.now_ms()))
    })
}
