//! ThreadLab's Python: an interpreter for a documented subset of Python,
//! written for running learners' task functions on every execution model
//! (threads sharing one heap, with or without the simulated GIL, and
//! processes). See docs/python.md for the exact subset.
//!
//! Layers (ground first; no file names one above it): `error`, `random`,
//! `lexer` → `ast` → `parser`; `code` → `value` → `host` → `format` → `ops` →
//! `builtins` → `compile` → `vm`; this front ties them together.
//!
//! ```
//! use threadlab::pyvm::{Program, StdHost, Value};
//! let p = Program::compile("def task(i):\n    return i * 2\n").unwrap();
//! let mut host = StdHost::default();
//! assert_eq!(p.call("task", &[Value::int(21)], &mut host).unwrap().repr(), "42");
//! ```

pub mod ast;
pub mod builtins;
pub mod code;
pub mod compile;
pub mod error;
pub mod format;
pub mod host;
pub mod lexer;
pub mod ops;
pub mod parser;
pub mod random;
pub mod value;
pub mod vm;
pub mod wire;

use std::sync::{Arc, Mutex};

pub use error::{ExcKind, PyError, PyException, Stop, SyntaxError};
pub use host::{Host, QueueAnswer, QueueAsk, Wait};
pub use value::{Limits, Value};
pub use wire::Data;

/// A compiled program and its module globals (one heap). Share it between
/// threads with `Arc` (threads model); give each process its own
/// ([`Program::fresh`]).
pub struct Program {
    code: Arc<code::Code>,
    /// The functions its top level defines (`def` directly in the module).
    signatures: Arc<Vec<Signature>>,
    globals: Arc<vm::Globals>,
    ran: Mutex<bool>,
    limits: Limits,
}

fn to_exception(e: value::Err) -> PyError {
    match e {
        value::Err::Stop(s) => PyError::Stopped(s),
        value::Err::Exc(x) => PyError::Exception(PyException {
            kind: x.kind,
            message: x.message(),
            traceback: x.traceback.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|(n, l)| (n.to_string(), *l)).collect(),
            class: x.user.as_ref().map(|u| u.class.name.to_string()),
        }),
    }
}

/// [`to_exception`], a user exception's message its class's `__str__`
/// (as CPython's traceback shows it).
fn described(vm: &mut vm::Vm, e: value::Err) -> PyError {
    let message = match &e {
        value::Err::Exc(x) if x.user.is_some() => vm.message_of(x),
        _ => None,
    };
    let mut out = to_exception(e);
    if let (PyError::Exception(x), Some(m)) = (&mut out, message) {
        x.message = m;
    }
    out
}

/// A new exception object (to resolve a future with).
pub fn exc_obj(kind: ExcKind, message: &str) -> Arc<value::ExcObj> {
    let args = if message.is_empty() { Vec::new() } else { vec![Value::str(message)] };
    Arc::new(value::ExcObj::new(kind, args))
}

impl Program {
    /// Parse and compile `source` (nothing runs yet).
    pub fn compile(source: &str) -> Result<Program, SyntaxError> {
        let body = parser::parse(source)?;
        let c = compile::compile(&body)?;
        let signatures = body
            .iter()
            .filter_map(|s| match &s.kind {
                ast::StmtKind::Def(f) => Some(Signature {
                    name: f.name.clone(),
                    line: s.line,
                    required: f.params.iter().filter(|p| p.default.is_none()).count(),
                    most: if f.vararg.is_some() { None } else { Some(f.params.len()) },
                }),
                _ => None,
            })
            .collect();
        Ok(Program { code: c.module, signatures: Arc::new(signatures), globals: Arc::new(vm::Globals::new(c.globals)), ran: Mutex::new(false), limits: Limits::default() })
    }

    /// `source`'s top-level `def`s, `class`es and imports only (its other
    /// statements are left out): a child process's interpreter, which
    /// defines the functions and classes again but does not run the top
    /// level again (the module state comes from the parent,
    /// [`Program::set_global`]).
    pub fn compile_defs(source: &str) -> Result<Program, SyntaxError> {
        let body: Vec<ast::Stmt> = parser::parse(source)?.into_iter().filter(|s| matches!(s.kind, ast::StmtKind::Def(_) | ast::StmtKind::Class(_) | ast::StmtKind::Import(_) | ast::StmtKind::ImportFrom(..))).collect();
        let c = compile::compile(&body)?;
        Ok(Program { code: c.module, signatures: Arc::new(Vec::new()), globals: Arc::new(vm::Globals::new(c.globals)), ran: Mutex::new(false), limits: Limits::default() })
    }

    /// Binds module global `name` (`false`: the code never names it, so
    /// nothing can read it).
    pub fn set_global(&self, name: &str, v: Value) -> bool {
        self.globals.set(name, v)
    }

    /// How this interpreter numbers its threads and processes.
    pub fn counters(&self) -> &value::Counters {
        &self.globals.counters
    }

    /// `logging`'s configuration as plain data: what a child process
    /// inherits (as at fork), given to [`Program::set_logging`].
    pub fn logging(&self) -> Value {
        self.globals.counters.logging.lock().unwrap_or_else(|e| e.into_inner()).to_value()
    }

    /// Takes `logging`'s configuration from [`Program::logging`]'s data.
    pub fn set_logging(&self, v: &Value) {
        if let Some(cfg) = value::LogConfig::from_value(v) {
            *self.globals.counters.logging.lock().unwrap_or_else(|e| e.into_inner()) = cfg;
        }
    }

    /// A started thread's target (a `Timer`'s after its wait), its VM
    /// knowing the thread by `at` (for `threading.current_thread()`).
    fn run_target(&self, t: &value::TaskObj, at: usize, host: &mut dyn Host) -> Result<(), PyError> {
        use std::sync::atomic::Ordering::SeqCst;
        if matches!(t.target, Value::None) {
            return Ok(());
        }
        // A Timer waits first (as on its `finished` event) and is gone if cancelled.
        if let Some(timer) = &t.timer {
            let tm = timer.clone();
            host.block(host::Wait::Lock, 0, Some(timer.interval), &mut || tm.cancelled.load(SeqCst)).map_err(PyError::Stopped)?;
            if timer.cancelled.load(SeqCst) {
                return Ok(());
            }
        }
        let mut vm = vm::Vm::new(self.globals.clone(), host, self.limits);
        vm.thread = at;
        let r = vm.call_value(&t.target, t.args.clone(), t.kwargs.clone());
        r.map(|_| ()).map_err(|e| described(&mut vm, e))
    }

    /// Runs a started thread ([`Host::start_thread`]): its target, or a
    /// thread pool's work until the pool is shut down and its queue empty.
    /// An exception of the target is returned (the host prints it, as
    /// `threading.excepthook` does); a pool's calls resolve their futures.
    pub fn run_thread(&self, t: &value::TaskObj, host: &mut dyn Host) -> Result<(), PyError> {
        use std::sync::atomic::Ordering::SeqCst;
        let Some(pool) = &t.pool else {
            let at = t as *const value::TaskObj as usize;
            let r = self.run_target(t, at, host);
            self.globals.counters.thread_ended(at);
            return r;
        };
        loop {
            let mut item = None;
            let q = pool.clone();
            host.block(host::Wait::Lock, 0, None, &mut || {
                let mut g = q.queue.lock().unwrap_or_else(|e| e.into_inner());
                item = g.pop_front();
                item.is_some() || q.shutdown.load(SeqCst)
            })
            .map_err(PyError::Stopped)?;
            let Some(w) = item else { return Ok(()) };
            let r = {
                let mut vm = vm::Vm::new(self.globals.clone(), host, self.limits);
                vm.call_value(&w.func, w.args, Vec::new())
            };
            match r {
                Ok(v) => w.future.set(Ok(v)),
                Err(value::Err::Exc(e)) => w.future.set(Err(e)),
                Err(value::Err::Stop(s)) => {
                    w.future.set(Err(exc_obj(ExcKind::RuntimeError, &s.to_string())));
                    return Err(PyError::Stopped(s));
                }
            }
            pool.idle.fetch_add(1, SeqCst);
        }
    }

    /// Calls any callable value with `args` (a function found by name, or
    /// one a thread was given).
    pub fn call_value(&self, f: &Value, args: Vec<Value>, host: &mut dyn Host) -> Result<Value, PyError> {
        let mut vm = vm::Vm::new(self.globals.clone(), host, self.limits);
        let r = vm.call_value(f, args, Vec::new());
        r.map_err(|e| described(&mut vm, e))
    }

    /// The same code with a new, empty heap (a process's own interpreter).
    pub fn fresh(&self) -> Program {
        Program { code: self.code.clone(), signatures: self.signatures.clone(), globals: Arc::new(vm::Globals::new(self.globals.names.clone())), ran: Mutex::new(false), limits: self.limits }
    }

    pub fn with_limits(mut self, limits: Limits) -> Program {
        value::set_memory_limit(limits.memory);
        self.limits = limits;
        self
    }

    /// Run the module's top level (once; later calls do nothing).
    ///
    /// Threads that call it while another runs the top level wait through
    /// [`Host::wait_for_lock`] (which releases a simulated GIL), never
    /// blocked holding it.
    pub fn run_module(&self, host: &mut dyn Host) -> Result<(), PyError> {
        let mut ran = loop {
            match self.ran.try_lock() {
                Ok(g) => break g,
                Err(std::sync::TryLockError::Poisoned(p)) => break p.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => host.wait_for_lock().map_err(PyError::Stopped)?,
            }
        };
        if *ran {
            return Ok(());
        }
        let mut vm = vm::Vm::new(self.globals.clone(), host, self.limits);
        let r = vm.run_module(self.code.clone());
        r.map_err(|e| described(&mut vm, e))?;
        *ran = true;
        Ok(())
    }

    /// Call the module-level function `name` (running the module first if
    /// it has not run).
    pub fn call(&self, name: &str, args: &[Value], host: &mut dyn Host) -> Result<Value, PyError> {
        self.run_module(host)?;
        // A global, else a built-in (`pow`), a module's function
        // (`math.sqrt`) or a class's method (`Worker.run`, its object the
        // first argument).
        let f = self
            .global(name)
            .or_else(|| match name.rsplit_once('.') {
                Some((m, attr)) => match self.global(m) {
                    Some(Value::Class(c)) => c.lookup(attr),
                    _ => value::Module::from_name(m).and_then(|m| builtins::module_attr(m, attr).ok()),
                },
                None => builtins::lookup(name),
            })
            .ok_or_else(|| PyError::Exception(PyException { kind: ExcKind::NameError, message: format!("name '{name}' is not defined"), traceback: Vec::new(), class: None }))?;
        let seed = host.random_seed();
        let mut vm = vm::Vm::new(self.globals.clone(), host, self.limits);
        vm.seed = seed;
        let r = vm.call_value(&f, args.to_vec(), Vec::new());
        r.map_err(|e| described(&mut vm, e))
    }

    /// The last top-level `def name(...)` of the source (what `name` is
    /// bound to once the module ran, unless it rebinds it otherwise).
    pub fn signature(&self, name: &str) -> Option<&Signature> {
        self.signatures.iter().rev().find(|s| s.name == name)
    }

    /// The module globals bound now, in the order the code names them.
    pub fn globals(&self) -> Vec<(String, Value)> {
        self.globals.names.iter().filter_map(|n| Some((n.to_string(), self.globals.get(n)?))).collect()
    }

    /// A module global's value.
    pub fn global(&self, name: &str) -> Option<Value> {
        self.globals.get(name)
    }

    /// A value that crossed as bytes ([`Value::pickle`]), its objects'
    /// classes found by name among this program's globals (as CPython's
    /// unpickling finds them in `__main__`).
    pub fn value_from_bytes(&self, bytes: &[u8]) -> Option<Value> {
        Value::from_bytes_in(bytes, &|name| match self.global(name) {
            Some(Value::Class(c)) => Some(c),
            _ => None,
        })
    }
}

/// What a top-level `def` accepts: for checking a program before it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    /// The line of its `def`.
    pub line: u32,
    /// Positional parameters without a default.
    pub required: usize,
    /// Positional parameters in all (`None`: it takes `*args`).
    pub most: Option<usize>,
}

impl Signature {
    /// Whether a call with `n` positional arguments binds.
    pub fn accepts(&self, n: usize) -> bool {
        self.required <= n && self.most.is_none_or(|m| n <= m)
    }
}

/// A host over `std` (natively): prints into a buffer, sleeps for real,
/// and stops after `budget` breaker calls when one is set.
#[derive(Default)]
pub struct StdHost {
    pub out: String,
    pub breaks: u64,
    pub budget: Option<u64>,
    pub start: Option<std::time::Instant>,
}

impl Host for StdHost {
    fn breaker(&mut self) -> Result<(), Stop> {
        self.breaks += 1;
        match self.budget {
            Some(b) if self.breaks > b => Err(Stop::Budget(format!("more than {b} eval-breaker checks"))),
            _ => Ok(()),
        }
    }
    fn sleep(&mut self, secs: f64) -> Result<(), Stop> {
        #[cfg(not(target_family = "wasm"))]
        std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(60.0)));
        let _ = secs;
        Ok(())
    }
    fn time(&self) -> f64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
    }
    fn perf_counter(&self) -> f64 {
        #[cfg(not(target_family = "wasm"))]
        {
            static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
            START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64()
        }
        #[cfg(target_family = "wasm")]
        {
            self.time()
        }
    }
    fn print(&mut self, text: &str) {
        self.out.push_str(text);
    }
}
