//! [`Workers`] natively: each worker an OS thread with its own
//! [`WorkerState`], reached only through channels of message text (and a
//! task's share of the input, copied, as a structured clone does). A
//! coordinator's threads pool is scoped OS threads. A panic in a task kills
//! its worker, as a trap does in the browser; `Request::Abort` panics on
//! purpose. So the core's [`crate::runner`] runs natively, whole, in tests
//! and in the native process models.

use crate::data;
use crate::experiment::Job;
use crate::models::serve::WorkerState;
use crate::models::threads::ScopedThreads;
use crate::platform::{Clock, NativeHost};
use crate::protocol::{decode, encode, Reply, Request};
use crate::runner::{Kind, Workers};
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

#[derive(Default)]
struct Inner {
    next: u32,
    inboxes: BTreeMap<u32, mpsc::Sender<(String, Vec<u8>)>>,
    replies: BTreeMap<u32, VecDeque<String>>,
    /// Why a worker is gone (crashed or stopped).
    gone: BTreeMap<u32, String>,
    /// The parent's copy of the input (its size, its tasks, a share per task).
    input: Option<(u64, u32, Vec<Vec<u8>>)>,
    /// Replies read so far (tests: cancel after so many).
    read: u32,
}

/// Native workers. Cheap to clone: clones share the workers.
#[derive(Clone, Default)]
pub struct Threads {
    state: Arc<(Mutex<Inner>, Condvar)>,
    /// Called with the count of replies read, after each (tests: a cancel
    /// at a chosen moment).
    on_reply: Option<Arc<dyn Fn(u32) + Send + Sync>>,
}

impl Threads {
    pub fn new() -> Threads {
        Threads::default()
    }

    /// Calls `f(n)` after the `n`th reply is read.
    pub fn on_reply(mut self, f: impl Fn(u32) + Send + Sync + 'static) -> Threads {
        self.on_reply = Some(Arc::new(f));
        self
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.state.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every worker still alive.
    pub fn live(&self) -> Vec<u32> {
        let inner = self.lock();
        inner.inboxes.keys().copied().filter(|h| !inner.gone.contains_key(h)).collect()
    }

    /// Stops every worker (what Cancel does on the page).
    pub fn terminate_all(&self) {
        for h in self.live() {
            self.terminate(h);
        }
    }
}

impl Workers for Threads {
    type Share = Vec<u8>;

    fn now(&self) -> f64 {
        NativeHost.now_ms()
    }

    async fn start(&self, kind: Kind, id: u32, threads: u32) -> Result<u32, String> {
        let (tx, rx) = mpsc::channel::<(String, Vec<u8>)>();
        let handle = {
            let mut inner = self.lock();
            inner.next += 1;
            let h = inner.next;
            inner.inboxes.insert(h, tx);
            inner.replies.entry(h).or_default().push_back(encode(&Reply::Hello));
            h
        };
        let state = self.state.clone();
        std::thread::spawn(move || {
            let mut worker = WorkerState::new(id);
            let pool = ScopedThreads(threads.max(1) as usize);
            let pool = (kind == Kind::Coordinator).then_some(&pool as &dyn crate::models::threads::Pool);
            for (text, input) in rx {
                let answer = catch_unwind(AssertUnwindSafe(|| {
                    if let Ok(Request::Abort) = decode::<Request>(&text) {
                        panic!("aborted on purpose");
                    }
                    worker.handle_text_with_input(&text, input, &NativeHost, pool)
                }));
                let (lock, wake) = &*state;
                let mut inner = lock.lock().unwrap_or_else(|e| e.into_inner());
                match answer {
                    // A stopped worker's late answer is dropped, as a
                    // terminated Web Worker never answers.
                    Ok(_) if !inner.inboxes.contains_key(&handle) => return,
                    Ok(reply) => inner.replies.entry(handle).or_default().push_back(reply),
                    Err(_) => {
                        inner.gone.entry(handle).or_insert_with(|| "a worker crashed (a panic in one of its tasks)".into());
                        inner.inboxes.remove(&handle);
                        wake.notify_all();
                        return;
                    }
                }
                wake.notify_all();
            }
        });
        Ok(handle)
    }

    fn post(&self, worker: u32, text: &str, share: Option<Vec<u8>>, _transfer: bool) -> Result<(), String> {
        let inner = self.lock();
        let inbox = inner.inboxes.get(&worker).filter(|_| !inner.gone.contains_key(&worker)).ok_or("cancelled: that worker was stopped")?;
        inbox.send((text.to_string(), share.unwrap_or_default())).map_err(|_| "cancelled: that worker was stopped".to_string())
    }

    async fn recv(&self, workers: &[u32], tick_ms: Option<f64>) -> Result<Option<(u32, String)>, String> {
        let (lock, wake) = &*self.state;
        let deadline = tick_ms.map(|ms| std::time::Instant::now() + Duration::from_secs_f64(ms.max(0.0) / 1000.0));
        let mut inner = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            for &h in workers {
                if let Some(text) = inner.replies.get_mut(&h).and_then(VecDeque::pop_front) {
                    inner.read += 1;
                    let n = inner.read;
                    drop(inner);
                    if let Some(f) = &self.on_reply {
                        f(n);
                    }
                    return Ok(Some((h, text)));
                }
            }
            for &h in workers {
                if let Some(why) = inner.gone.get(&h) {
                    return Err(why.clone());
                }
                if !inner.inboxes.contains_key(&h) {
                    return Err("cancelled: that worker was stopped".into());
                }
            }
            match deadline {
                None => inner = wake.wait(inner).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    // A deadline, not a wait per wake-up: other workers'
                    // answers do not push the tick back.
                    let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) else { return Ok(None) };
                    inner = wake.wait_timeout(inner, left).unwrap_or_else(|e| e.into_inner()).0;
                }
            }
        }
    }

    fn alive(&self, worker: u32) -> bool {
        let inner = self.lock();
        inner.inboxes.contains_key(&worker) && !inner.gone.contains_key(&worker)
    }

    fn terminate(&self, worker: u32) {
        let (lock, wake) = &*self.state;
        let mut inner = lock.lock().unwrap_or_else(|e| e.into_inner());
        // Its inbox dropped, the thread ends after what it is doing.
        if inner.inboxes.remove(&worker).is_some() {
            inner.gone.entry(worker).or_insert_with(|| "cancelled: that worker was stopped".into());
        }
        inner.replies.remove(&worker);
        wake.notify_all();
    }

    fn tasks_done(&self, _worker: u32) -> Option<u32> {
        None
    }

    async fn shares(&self, job: &Job) -> Vec<Vec<u8>> {
        let total = job.experiment.workload.input_bytes();
        let tasks = job.experiment.tasks;
        let mut inner = self.lock();
        if let Some((t, n, shares)) = &inner.input {
            if (*t, *n) == (total, tasks) {
                return shares.clone();
            }
        }
        let shares: Vec<Vec<u8>> = (0..tasks)
            .map(|i| {
                let r = data::chunk(total, tasks, i);
                let mut share = vec![0; (r.end - r.start) as usize];
                data::fill(r.start, &mut share);
                share
            })
            .collect();
        inner.input = Some((total, tasks, shares.clone()));
        shares
    }

    fn held_input_bytes(&self) -> u64 {
        self.lock().input.as_ref().map_or(0, |(_, _, i)| i.iter().map(|s| s.len() as u64).sum())
    }

    fn drop_input(&self) {
        self.lock().input = None;
    }
}

/// Runs a future of the runner to its end on this thread. The native
/// workers block inside their calls, so it never waits for a wake-up.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}
