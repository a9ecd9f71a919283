//! Processes, natively: OS threads stand in for process workers, each owning
//! a [`WorkerState`] and reachable only through channels of message text
//! (and a task's share of the input, copied, as a structured clone does),
//! driven by the same [`Dispatch`] the browser uses.

use crate::dispatch::Dispatch;
use crate::experiment::Job;
use crate::platform::Host;
use crate::protocol::{decode, encode, Reply, Request, WorkerState};
use crate::results::ModelRun;
use std::sync::mpsc;

pub fn run_native(job: &Job, host: &(dyn Host + Send + Sync)) -> Result<ModelRun, String> {
    let mut dispatch = Dispatch::new(job.clone(), job.experiment.workers);
    // The parent's copy of the input, which it sends from.
    let input = super::input(job);
    std::thread::scope(|s| {
        let (reply_tx, reply_rx) = mpsc::channel::<(u32, String)>();
        let mut inboxes = Vec::new();
        for id in 0..dispatch.workers() {
            let (tx, rx) = mpsc::channel::<(String, Vec<u8>)>();
            inboxes.push(tx);
            let reply_tx = reply_tx.clone();
            s.spawn(move || {
                let mut worker = WorkerState::new(id);
                for (text, input) in rx {
                    if reply_tx.send((id, worker.handle_text_with_input(&text, input, host, None))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(reply_tx);
        let mut outbox = dispatch.start();
        while !dispatch.is_finished() {
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
