//! A child process's side of a whole program (issue 19): [`Child`] as a
//! process worker runs it, with no threads — so this runs natively and as
//! 32-bit wasm (wasm32-wasip1, scripts/test.sh).
#![cfg(feature = "pyvm")]

use threadlab::program::session::Child;
use threadlab::program::{ChildJob, FromChild, State, ToChild};
use threadlab::pyvm::Value;

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
    let job = ChildJob { program: program.into(), name: "Process-1".into(), globals: vec![("BASE".into(), Value::int(7).to_bytes().unwrap())], gil: true, switch_interval_ms: 5.0, origin_ms: 0.0 };
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
    let job = ChildJob { program: program.into(), name: "ForkProcess-1".into(), globals: vec![], gil: true, switch_interval_ms: 5.0, origin_ms: 0.0 };
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
