//! Running a whole Python program (issue 19) on the page's workers: the
//! program coordinator (threaded engine; the program's threads on its
//! program workers, which `www/runner.js` starts when it asks) and a
//! process worker per child process, with the core's relay
//! ([`threadlab::program::relay`]) deciding what goes where. This module
//! only carries the relay's actions out: workers started, text posted,
//! workers terminated, lines shown.
//!
//! One run at a time, in the page's run slot (as experiments). The
//! coordinator is kept for the next program when its threads are all done;
//! Cancel (the page's, the API's) terminates every worker at once and the
//! run ends as stopped, with what it printed so far.

use crate::runner::{self, Slot};
use std::collections::{BTreeMap, VecDeque};
use std::cell::Cell;
use std::future::Future;
use threadlab::program::relay::{self, Action, Relay};
use threadlab::program::{Line, ProgramRun, ProgramSpec};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = spawn, catch)]
    fn js_spawn(kind: &str, id: u32, threads: u32, job: Option<String>) -> Result<js_sys::Promise, JsValue>;
}

thread_local! {
    /// The program coordinator kept from the last program (its handle).
    static KEPT: Cell<Option<u32>> = const { Cell::new(None) };
}

/// What [`run`] says when Cancel stopped the program.
pub const CANCELLED: &str = "Stopped: Cancel was pressed.";

/// Runs `spec` (checked again here: a refused program is an `Err` naming
/// `program` and the place), calling `on_line` with each printed line as it
/// arrives (the main process's and every child's), and resolves to the run.
/// The page's run slot is taken at once, before this returns (`Err` if
/// another run holds it). `Err`: the run could not happen.
pub fn run(spec: ProgramSpec, on_line: impl Fn(Line) + 'static) -> impl Future<Output = Result<ProgramRun, String>> {
    let slot = Slot::take();
    async move {
        let slot = slot.map_err(|e| e.to_string())?;
        let spec = serde_json::to_value(&spec).map_err(|e| e.to_string()).and_then(|v| ProgramSpec::from_value(&v).map_err(|e| e.to_string()))?;
        // Without shared memory the coordinator's engine cannot start
        // (WebKitGTK without SharedArrayBuffer, a frame Firefox or Safari
        // cannot isolate): said as the page says it for threads.
        if let Some(why) = relay::unavailable(runner::environment().threads_unavailable.as_deref()) {
            return Err(why);
        }
        use threadlab::runner::Workers;
        if !KEPT.with(Cell::get).is_some_and(|h| runner::Page.alive(h)) {
            // A fresh coordinator: warm the engines up first (untimed, unseen;
            // the coordinator is kept for the program itself).
            let warm_up = ProgramSpec { program: threadlab::program::WARM_UP.into(), ..spec.clone() };
            let _ = drive(&slot, warm_up, &|_| {}).await;
            if slot.cancelled() {
                return cancelled(Relay::new(spec, runner::Page.now()));
            }
        }
        drive(&slot, spec, &on_line).await
    }
}

/// The run of a program Cancel stopped before it started.
fn cancelled(mut relay: Relay) -> Result<ProgramRun, String> {
    use threadlab::runner::Workers;
    match relay.stopped(CANCELLED, runner::Page.now(), false).pop() {
        Some(Action::Finish { run, .. }) => Ok(run),
        _ => Err(CANCELLED.into()),
    }
}

async fn await_js(p: Result<js_sys::Promise, JsValue>) -> Result<JsValue, String> {
    JsFuture::from(p.map_err(runner::message)?).await.map_err(runner::message)
}

/// Starts a worker of `kind` (see `www/runner.js`'s `spawn`): its handle.
async fn spawn(kind: &str, id: u32, threads: u32, job: Option<String>) -> Result<u32, String> {
    Ok(await_js(js_spawn(kind, id, threads, job)).await?.as_f64().unwrap_or_default() as u32)
}

/// The children's workers: child number ↔ worker handle.
#[derive(Default)]
struct Children {
    handles: BTreeMap<u32, u32>,
}

impl Children {
    fn child_of(&self, handle: u32) -> Option<u32> {
        self.handles.iter().find(|(_, h)| **h == handle).map(|(c, _)| *c)
    }
}

async fn drive(slot: &Slot, spec: ProgramSpec, on_line: &dyn Fn(Line)) -> Result<ProgramRun, String> {
    let page = runner::Page;
    use threadlab::runner::Workers;
    let kept = KEPT.with(Cell::take).filter(|h| page.alive(*h));
    let (mut relay, first, coordinator) = match kept {
        Some(h) => {
            let (relay, start) = Relay::on_ready_coordinator(spec, page.now());
            (relay, start, h)
        }
        None => {
            let relay = Relay::new(spec, page.now());
            let threads = relay::prestarted_workers(runner::environment().cores);
            let h = match spawn("program", 0, threads, None).await {
                Ok(h) => h,
                Err(_) if slot.cancelled() => return cancelled(relay),
                Err(e) => return Err(format!("The program's interpreter could not be started: {e}")),
            };
            (relay, Vec::new(), h)
        }
    };
    let mut children = Children::default();
    let mut todo: VecDeque<Action> = first.into();
    loop {
        // Carry out what the relay said, in order (a child that cannot be
        // started or posted to adds its exit).
        while let Some(action) = todo.pop_front() {
            match action {
                Action::ToCoordinator { text } => {
                    if let Err(e) = page.post(coordinator, &text, None, false) {
                        todo.extend(relay.stopped(&gone(slot, &e), page.now(), false));
                    }
                }
                // The coordinator's handle: the child's mailbox is in its memory.
                Action::Start { child, job } => match spawn("child", child, coordinator, Some(job)).await {
                    Ok(h) => drop(children.handles.insert(child, h)),
                    Err(_) => todo.extend(relay.child_died(child)),
                },
                Action::Post { child, text } => {
                    let posted = children.handles.get(&child).map(|h| page.post(*h, &text, None, false));
                    if !matches!(posted, Some(Ok(()))) {
                        todo.extend(relay.child_died(child));
                    }
                }
                Action::Terminate { child } => {
                    if let Some(h) = children.handles.remove(&child) {
                        page.terminate(h);
                    }
                }
                Action::Show { line } => on_line(line),
                Action::Refused { message, .. } => {
                    end(&page, coordinator, true, &mut children);
                    return Err(message);
                }
                Action::Finish { run, keep } => {
                    end(&page, coordinator, keep && !slot.cancelled(), &mut children);
                    return Ok(run);
                }
            }
        }
        if slot.cancelled() {
            todo.extend(relay.stopped(CANCELLED, page.now(), false));
            continue;
        }
        let mut from: Vec<u32> = vec![coordinator];
        from.extend(children.handles.values());
        match page.recv(&from, None).await {
            Ok(Some((h, text))) if h == coordinator => todo.extend(relay.from_coordinator(&text, page.now())),
            Ok(Some((h, text))) => {
                if let Some(child) = children.child_of(h) {
                    todo.extend(relay.from_child(child, &text));
                }
            }
            Ok(None) => {}
            Err(e) => {
                // Which one died: Cancel, the coordinator, or children.
                if !slot.cancelled() && !relay.started() {
                    // It never came up (no shared memory here?): no run.
                    end(&page, coordinator, false, &mut children);
                    return Err(format!("The program's interpreter could not be started: {e}"));
                }
                if slot.cancelled() || !page.alive(coordinator) {
                    todo.extend(relay.stopped(&gone(slot, &e), page.now(), false));
                } else {
                    let dead: Vec<u32> = children.handles.iter().filter(|(_, h)| !page.alive(**h)).map(|(c, _)| *c).collect();
                    for child in dead {
                        children.handles.remove(&child);
                        todo.extend(relay.child_died(child));
                    }
                }
            }
        }
    }
}

/// Why the run stopped when a worker is gone: Cancel, or the coordinator's
/// death (`e`, said by the core).
fn gone(slot: &Slot, e: &str) -> String {
    if slot.cancelled() {
        CANCELLED.into()
    } else {
        format!("The program's interpreter stopped: {e}")
    }
}

/// Terminates every child left, and the coordinator unless it is `keep`ed
/// for the next program.
fn end(page: &runner::Page, coordinator: u32, keep: bool, children: &mut Children) {
    use threadlab::runner::Workers;
    for (_, h) in std::mem::take(&mut children.handles) {
        page.terminate(h);
    }
    if keep && page.alive(coordinator) {
        KEPT.with(|k| k.set(Some(coordinator)));
    } else {
        page.terminate(coordinator);
    }
}
