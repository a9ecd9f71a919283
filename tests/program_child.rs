//! A child process's side of a whole program (issue 19): [`Child`] as a
//! process worker runs it, with no threads — so this runs natively and as
//! 32-bit wasm (wasm32-wasip1, scripts/test.sh).
#![cfg(feature = "pyvm")]

use threadlab::program::session::{Child, MAX_CHILD_PUTS};
use threadlab::program::mailbox::Inbox;
use threadlab::program::{Answer, Ask, ChildJob, FromChild, State, ToChild};
use threadlab::pyvm::{Data, Value};

/// A child process `name` of `program`, given the parent's `globals`: with
/// the GIL, no mailbox and no shared cells.
fn job(program: &str, name: &str, globals: Vec<(String, Vec<u8>)>) -> ChildJob {
    ChildJob { program: program.into(), name: name.into(), globals, gil: true, switch_interval_ms: 5.0, origin_ms: 0.0, mailbox: 0, cells: 0 }
}

fn clock() -> impl Fn() -> f64 {
    let t = std::cell::Cell::new(0.0);
    move || {
        t.set(t.get() + 1.0);
        t.get()
    }
}

#[test]
fn a_child_defines_the_functions_takes_the_parents_globals_and_answers_calls() {
    // The top level prints: a child must not run it again.
    let program = "import time\nBASE = 0\nprint('top level')\n\ndef task(n):\n    print('task', n, BASE)\n    return [n * n, BASE]\n\ndef bad():\n    return 1 // 0\n";
    let job = job(program, "Process-1", vec![("BASE".into(), Value::int(7).to_bytes().unwrap())]);
    let now = clock();
    let mut sent = Vec::new();
    let mut child = Child::start(job, 3, &now, &mut |m| sent.push(m));
    assert!(matches!(sent.as_slice(), [FromChild::Started { child: 3, .. }]), "{sent:?}");
    sent.clear();
    child.handle(ToChild::Call { call: 9, function: "task".into(), args: vec![Value::int(4).to_bytes().unwrap()] }, &now, &mut |m| sent.push(m));
    match sent.as_slice() {
        [FromChild::Line { child: 3, line }, FromChild::Returned { child: 3, call: 9, result: Ok(bytes) }] => {
            assert_eq!(line.text, "task 4 7");
            assert_eq!(line.who.process.as_deref(), Some("Process-1"));
            assert_eq!(Value::from_bytes(bytes).unwrap().repr(), "[16, 7]");
        }
        other => panic!("{other:?}"),
    }
    sent.clear();
    child.handle(ToChild::Call { call: 10, function: "bad".into(), args: vec![] }, &now, &mut |m| sent.push(m));
    match sent.as_slice() {
        [FromChild::Returned { call: 10, result: Err(tb), .. }] => {
            assert!(tb.starts_with("Traceback (most recent call last):") && tb.ends_with("ZeroDivisionError: integer division or modulo by zero"), "{tb}");
        }
        other => panic!("{other:?}"),
    }
    sent.clear();
    child.handle(ToChild::Exit, &now, &mut |m| sent.push(m));
    match sent.as_slice() {
        [FromChild::Exited { child: 3, code: 0, lanes }] => {
            assert_eq!(lanes.len(), 1);
            assert_eq!(lanes[0].who.process.as_deref(), Some("Process-1"));
            assert!(lanes[0].spans.iter().filter(|s| s.state == State::Running).count() >= 2, "{:?}", lanes[0]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_child_refuses_threads_and_unknown_functions_with_python_exceptions() {
    let program = "import threading\n\ndef spawn():\n    threading.Thread(target=print).start()\n";
    let job = job(program, "ForkProcess-1", vec![]);
    let now = clock();
    let mut sent = Vec::new();
    let mut child = Child::start(job, 0, &now, &mut |m| sent.push(m));
    sent.clear();
    child.handle(ToChild::Call { call: 1, function: "spawn".into(), args: vec![] }, &now, &mut |m| sent.push(m));
    child.handle(ToChild::Call { call: 2, function: "nothing".into(), args: vec![] }, &now, &mut |m| sent.push(m));
    match sent.as_slice() {
        [FromChild::Returned { call: 1, result: Err(a), .. }, FromChild::Returned { call: 2, result: Err(b), .. }] => {
            assert!(a.ends_with("RuntimeError: can't start new thread: ThreadLab runs no threads inside a child process yet"), "{a}");
            assert!(b.ends_with("NameError: name 'nothing' is not defined"), "{b}");
        }
        other => panic!("{other:?}"),
    }
}

/// A `multiprocessing.Queue` crossed as its parent's handle (`Data::Queue`).
fn handle(id: u32) -> Vec<u8> {
    Value::from_data(&Data::Queue(id)).pickle(true).unwrap()
}

#[test]
fn a_child_puts_into_its_parents_queues_by_their_handles() {
    let program = "def fill(q, n):\n    for i in range(n):\n        q.put(i)\n    return 'filled'\n\ndef report():\n    results.put({'from': 'a global'})\n    return results.qsize()\n";
    let job = job(program, "Process-2", vec![("results".into(), handle(7))]);
    let now = clock();
    let mut sent = Vec::new();
    let mut child = Child::start(job, 1, &now, &mut |m| sent.push(m));
    sent.clear();
    child.handle(ToChild::Call { call: 1, function: "fill".into(), args: vec![handle(3), Value::int(2).to_bytes().unwrap()] }, &now, &mut |m| sent.push(m));
    child.handle(ToChild::Call { call: 2, function: "report".into(), args: vec![] }, &now, &mut |m| sent.push(m));
    match sent.as_slice() {
        [FromChild::Put { child: 1, queue: 3, value: a }, FromChild::Put { child: 1, queue: 3, value: b }, FromChild::Returned { call: 1, result: Ok(filled), .. }, FromChild::Put { child: 1, queue: 7, value: c }, FromChild::Returned { call: 2, result: Err(tb), .. }] => {
            let read = |b: &[u8]| Value::from_bytes(b).unwrap().repr();
            assert_eq!((read(a), read(b), read(filled), read(c)), ("0".into(), "1".into(), "'filled'".into(), "{'from': 'a global'}".into()));
            // Without a mailbox it cannot ask its parent.
            assert!(tb.ends_with("RuntimeError: this child process has no mailbox for its parent's answers, so it cannot get from the parent's queue"), "{tb}");
        }
        other => panic!("{other:?}"),
    }
    sent.clear();
    child.handle(ToChild::Exit, &now, &mut |m| sent.push(m));
    let [FromChild::Exited { lanes, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    // Each put: a short send on its lane, between running.
    let states: Vec<State> = lanes[0].spans.iter().map(|s| s.state).collect();
    assert_eq!(states.iter().filter(|s| **s == State::Sending).count(), 3, "{states:?}");
    assert!(states.windows(2).all(|w| w[0] != State::Sending || w[1] == State::Running), "{states:?}");
}

#[test]
fn a_child_puts_at_most_max_child_puts_items() {
    let program = "def fill(q, n):\n    for i in range(n):\n        q.put(i)\n";
    let job = job(program, "Process-1", vec![]);
    let now = || 0.0;
    let (mut puts, mut last) = (0, None);
    let mut child = Child::start(job, 0, &now, &mut |_| {});
    let n = Value::int(MAX_CHILD_PUTS as i64 + 5).to_bytes().unwrap();
    child.handle(ToChild::Call { call: 1, function: "fill".into(), args: vec![handle(0), n] }, &now, &mut |m| match m {
        FromChild::Put { .. } => puts += 1,
        other => last = Some(other),
    });
    assert_eq!(puts, MAX_CHILD_PUTS);
    let Some(FromChild::Returned { result: Err(tb), .. }) = last else { panic!("{last:?}") };
    assert!(tb.ends_with("RuntimeError: ThreadLab sends at most 100,000 items from one child process to its parent"), "{tb}");
}

/// The parent's answers, in order (the parent's side is tests/program.rs).
struct Answers(Vec<Answer>);

impl Inbox for Answers {
    fn wait(&self, nth: u32, _ms: f64) -> Option<Answer> {
        self.0.get(nth as usize - 1).cloned()
    }
}

#[test]
fn a_child_asks_its_parent_for_a_queues_items_and_waits_receiving() {
    let program = "import queue\n\ndef drain(q):\n    got = []\n    while True:\n        item = q.get()\n        if item is None:\n            break\n        got.append(item)\n    try:\n        q.get(timeout=0.5)\n    except queue.Empty:\n        got.append('empty')\n    return got, q.qsize(), q.empty()\n\ndef gone(q):\n    return q.get_nowait()\n";
    let job = job(program, "Process-1", vec![]);
    let now = clock();
    let mut sent = Vec::new();
    let mut child = Child::start(job, 2, &now, &mut |m| sent.push(m));
    let item = |v: Value| Answer::Item { value: v.to_bytes().unwrap() };
    let refused = Answer::Refused { message: "the queue is gone".into() };
    child.listen(Box::new(Answers(vec![item(Value::int(5)), item(Value::str("six")), item(Value::None), Answer::Empty, Answer::Size { n: 2 }, Answer::Size { n: 0 }, refused])));
    sent.clear();
    child.handle(ToChild::Call { call: 1, function: "drain".into(), args: vec![handle(4)] }, &now, &mut |m| sent.push(m));
    child.handle(ToChild::Call { call: 2, function: "gone".into(), args: vec![handle(4)] }, &now, &mut |m| sent.push(m));
    let asks: Vec<(u32, Ask)> = sent.iter().filter_map(|m| if let FromChild::Ask { child: 2, seq, ask } = m { Some((*seq, ask.clone())) } else { None }).collect();
    let get = |timeout_ms, line| Ask::Get { queue: 4, timeout_ms, line };
    assert_eq!(asks, [(1, get(None, 6)), (2, get(None, 6)), (3, get(None, 6)), (4, get(Some(500.0), 11)), (5, Ask::Size { queue: 4 }), (6, Ask::Size { queue: 4 }), (7, get(Some(0.0), 17))]);
    let results: Vec<&Result<Vec<u8>, String>> = sent.iter().filter_map(|m| if let FromChild::Returned { result, .. } = m { Some(result) } else { None }).collect();
    assert_eq!(Value::from_bytes(results[0].as_ref().unwrap()).unwrap().repr(), "([5, 'six', 'empty'], 2, True)");
    assert!(results[1].as_ref().unwrap_err().ends_with("RuntimeError: the queue is gone"), "{:?}", results[1]);
    sent.clear();
    child.handle(ToChild::Exit, &now, &mut |m| sent.push(m));
    let [FromChild::Exited { lanes, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    // Each get waits receiving, at its line; a size is asked without a span.
    let receiving: Vec<Option<u32>> = lanes[0].spans.iter().filter(|s| s.state == State::Receiving).map(|s| s.line).collect();
    assert_eq!(receiving, [Some(6), Some(6), Some(6), Some(11), Some(17)]);
}
