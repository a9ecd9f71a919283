//! Sequential: one worker runs every task, in order, in a plain loop.

use super::{input, run_one, share, tracer};
use crate::experiment::{Job, Model};
use crate::platform::Host;
use crate::record::ModelRun;
use crate::shared::Shared;
use crate::trace::Timeline;
use crate::worker::Worker;

pub fn run(job: &Job, host: &dyn Host) -> ModelRun {
    let exp = &job.experiment;
    let input = input(job);
    let shared = Shared::new(job.experiment.tasks);
    let mut w = Worker::new(0, host, None, tracer(exp, 0));
    w.set_shared(&shared);
    let start = host.now_ms();
    w.start();
    let tasks = (0..exp.tasks)
        .map(|i| {
            w.set_input(share(job, &input, i));
            run_one(job, i, &mut w)
        })
        .collect();
    w.finish();
    let end = host.now_ms();
    let timeline = exp.trace.then(|| Timeline::new(start, end, vec![w.into_tracer().into_lane()], None).with_marks(shared.marks()));
    ModelRun { model: Model::Sequential, workers: 1, wall_ms: end - start, tasks, timeline, lost: Vec::new(), extra: exp.workload.after_run(&shared) }
}
