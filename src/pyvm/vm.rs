//! The bytecode loop. Python frames live on the heap (`Vm::frames`, one
//! value stack for all of them), so a Python call never recurses in Rust:
//! deep recursion raises RecursionError, and a thread could be suspended at
//! any instruction. Every `check_interval` back-edges and calls the host's
//! eval breaker runs (GIL hand-off, cancellation).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::ast::{BinOp, CmpOp};
use super::builtins::{self, Caller};
use super::code::{Code, Const, Op};
use super::error::ExcKind;
use super::format::{collect_plain, format_value};
use super::host::Host;
use super::ops;
use super::value::*;

/// Module globals, one slot per name the program uses, each behind its own
/// lock (shared by every thread of a pool). `version` counts the stores:
/// a VM may reuse a global it read while the count has not moved (its
/// `LoadGlobal` cache), so reading a function's name costs no lock.
#[derive(Debug)]
pub struct Globals {
    pub names: Vec<Arc<str>>,
    slots: Vec<Mutex<Value>>,
    builtins: Vec<Option<Value>>,
    version: AtomicU64,
    /// How this interpreter names its threads and processes.
    pub counters: Counters,
}

impl Globals {
    pub fn new(names: Vec<Arc<str>>) -> Globals {
        let builtins = names.iter().map(|n| builtins::lookup(n).or_else(|| class_builtin(n))).collect();
        let slots = names.iter().map(|_| Mutex::new(Value::Undef)).collect();
        Globals { names, slots, builtins, version: AtomicU64::new(0), counters: Counters::default() }
    }
    /// Replace global `g`, returning the old value. The count moves while
    /// the slot's lock is held, so whoever sees the new value of any global
    /// afterwards (through its lock) also sees the count moved, and drops
    /// what it cached: caching never reorders two globals' stores.
    pub fn replace(&self, g: usize, v: Value) -> Value {
        let mut slot = self.slots[g].lock().unwrap_or_else(|e| e.into_inner());
        let old = std::mem::replace(&mut *slot, v);
        self.version.fetch_add(1, Ordering::SeqCst);
        drop(slot);
        old
    }
    /// The stores so far (read it before the slot: a store in between then
    /// makes the cached entry stale rather than wrong).
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }
    fn read(&self, g: usize) -> Value {
        self.slots[g].lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    /// Binds global `name` if the code names it (`false`: it does not).
    pub fn set(&self, name: &str, v: Value) -> bool {
        match self.names.iter().position(|n| &**n == name) {
            Some(i) => {
                self.replace(i, v);
                true
            }
            None => false,
        }
    }
    pub fn get(&self, name: &str) -> Option<Value> {
        let i = self.names.iter().position(|n| &**n == name)?;
        let v = self.slots[i].lock().unwrap_or_else(|e| e.into_inner()).clone();
        (!matches!(v, Value::Undef)).then_some(v)
    }
}

/// What keeps a frame's code alive: the function called (moved off the
/// value stack, so a call costs no reference count update of its own), or
/// the module's code.
enum Owner {
    Func(Arc<Function>),
    Code(Arc<Code>),
}

struct Frame {
    owner: Owner,
    pc: usize,
    base: usize,
    /// A class's `__init__` called to make an object: its return value is
    /// dropped (the object is already below its function on the stack).
    ctor: bool,
}

struct Handler {
    frame: usize,
    target: u32,
    sp: usize,
}

/// How deep Python may call back into itself through the native stack (a
/// built-in calling a function: a sort key, `map`, `__str__` while
/// printing): past it, `RecursionError`. Python-to-Python calls push heap
/// frames and are not counted here. Each level is a native `run`, whose
/// frame is large in unoptimised builds: 2 MB test threads hold 24.
const MAX_NESTED: usize = 24;

pub struct Vm<'h> {
    globals: Arc<Globals>,
    /// `LoadGlobal` cache: (the globals' version when read, the value).
    /// Only values holding no container are kept (an old list must not
    /// stay alive, charged, after the program dropped it).
    gcache: Vec<(u64, Value)>,
    /// References to functions whose frames returned, kept (a few, and
    /// only until a global changes) to be handed out again by `LoadGlobal`
    /// for the same function: a recursive call then costs no atomic
    /// reference count update at all.
    spares: Vec<Arc<Function>>,
    host: &'h mut dyn Host,
    limits: Limits,
    stack: Vec<Value>,
    frames: Vec<Frame>,
    handlers: Vec<Handler>,
    ticks: u32,
    nested: usize,
    /// `random`'s generator: made at its first use, seeded with `seed`.
    rng: Option<super::random::Mt>,
    /// What `random` starts from: `random.seed(seed)` (a task's index).
    pub seed: u64,
    /// The containers [`Vm::repr_of`] is inside (one inside itself prints as `[...]`).
    printing: Vec<usize>,
    /// The started thread this VM runs (its `TaskObj`'s address; 0: none).
    pub thread: usize,
}

fn const_value(c: &Const) -> Value {
    match c {
        Const::Int(i) => Value::Int(*i),
        Const::Big(b) => Value::Big(b.clone()),
        Const::Float(f) => Value::Float(*f),
        Const::Str(s) => Value::Str(s.clone()),
        Const::Code(_) | Const::Names(_) => Value::None,
    }
}

const SPARES: usize = 16;

/// `v.clone()` with the unboxed values inline (the common case in the loop).
#[inline]
fn clone_fast(v: &Value) -> Value {
    match v {
        Value::Int(i) => Value::Int(*i),
        Value::Float(f) => Value::Float(*f),
        Value::Bool(b) => Value::Bool(*b),
        Value::None => Value::None,
        Value::Func(f) => Value::Func(f.clone()),
        o => o.clone(),
    }
}

/// `*slot = v` without the out-of-line drop when the old value owns nothing.
#[inline]
fn set_slot(slot: &mut Value, v: Value) {
    let old = std::mem::replace(slot, v);
    if matches!(old, Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::None | Value::Undef) {
        std::mem::forget(old);
    } else {
        drop(old);
    }
}

/// `x op y` on ints when it cannot fail or overflow.
#[inline]
fn int_arith(op: BinOp, x: i64, y: i64) -> Option<i64> {
    match op {
        BinOp::Add => x.checked_add(y),
        BinOp::Sub => x.checked_sub(y),
        BinOp::Mul => x.checked_mul(y),
        _ => None,
    }
}

#[inline]
fn float_arith(op: BinOp, x: f64, y: f64) -> Option<f64> {
    match op {
        BinOp::Add => Some(x + y),
        BinOp::Sub => Some(x - y),
        BinOp::Mul => Some(x * y),
        _ => None,
    }
}

// Storing an int or float where one already is writes only the number:
// building a whole `Value` in a temporary and copying it costs a failed
// store-to-load forward, which perf showed as the loop's largest cost.
#[inline]
fn set_int(slot: &mut Value, i: i64) {
    match slot {
        Value::Int(x) => *x = i,
        _ => set_slot(slot, Value::Int(i)),
    }
}

#[inline]
fn set_float(slot: &mut Value, f: f64) {
    match slot {
        Value::Float(x) => *x = f,
        _ => set_slot(slot, Value::Float(f)),
    }
}

/// An ordering or equality comparison of two ints.
#[inline]
fn int_cmp(c: CmpOp, x: i64, y: i64) -> Option<bool> {
    Some(match c {
        CmpOp::Lt => x < y,
        CmpOp::Le => x <= y,
        CmpOp::Gt => x > y,
        CmpOp::Ge => x >= y,
        CmpOp::Eq => x == y,
        CmpOp::Ne => x != y,
        _ => return None,
    })
}

/// A comparison, with the two-int case first (the loops' `n < limit`).
#[inline]
fn compare(c: CmpOp, a: &Value, b: &Value) -> R<bool> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        if let Some(r) = int_cmp(c, *x, *y) {
            return Ok(r);
        }
    }
    ops::compare(c, a, b)
}

/// Values a `LoadGlobal` cache may keep (none of them holds a container).
fn cacheable(v: &Value) -> bool {
    matches!(v, Value::Func(_) | Value::Builtin(_) | Value::Type(_) | Value::Module(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::None | Value::Str(_))
}

#[cold]
#[inline(never)]
fn unbound_local(code: &Code, s: u32) -> Err {
    let name = &code.slot_names[s as usize];
    exc(ExcKind::UnboundLocalError, format!("cannot access local variable '{name}' where it is not associated with a value"))
}

fn name_of(code: &Code, k: u32) -> Arc<str> {
    match &code.consts[k as usize] {
        Const::Str(s) => s.clone(),
        _ => Arc::from("?"),
    }
}

fn new_exc(kind: ExcKind, args: Vec<Value>) -> Err {
    Err::Exc(Arc::new(ExcObj::new(kind, args)))
}

impl Frame {
    #[inline]
    fn code(&self) -> &Code {
        match &self.owner {
            Owner::Func(f) => &f.code,
            Owner::Code(c) => c,
        }
    }
}

impl<'h> Vm<'h> {
    pub fn new(globals: Arc<Globals>, host: &'h mut dyn Host, limits: Limits) -> Vm<'h> {
        let gcache = vec![(u64::MAX, Value::Undef); globals.names.len()];
        Vm { globals, gcache, spares: Vec::with_capacity(SPARES), host, ticks: limits.check_interval.max(1), limits, stack: Vec::with_capacity(256), frames: Vec::new(), handlers: Vec::new(), nested: 0, rng: None, seed: 0, printing: Vec::new(), thread: 0 }
    }

    /// Run a module's top level.
    pub fn run_module(&mut self, code: Arc<Code>) -> R<Value> {
        let depth = self.frames.len();
        self.stack.push(Value::None);
        let base = self.stack.len();
        self.stack.resize(base + code.nslots as usize, Value::Undef);
        self.frames.push(Frame { owner: Owner::Code(code), pc: 0, base, ctor: false });
        self.run(depth)
    }

    /// Call any callable with positional arguments.
    pub fn call_value(&mut self, f: &Value, args: Vec<Value>, kw: Vec<(Arc<str>, Value)>) -> R<Value> {
        match f {
            Value::Func(func) => {
                if self.nested > MAX_NESTED {
                    return Err(exc(ExcKind::RecursionError, "maximum recursion depth exceeded"));
                }
                let depth = self.frames.len();
                self.stack.push(f.clone());
                let argc = args.len();
                self.stack.extend(args);
                self.nested += 1;
                let r = self.push_frame(func.clone(), argc, kw).and_then(|_| self.run(depth));
                self.nested -= 1;
                if r.is_err() {
                    self.frames.truncate(depth);
                }
                r
            }
            Value::Builtin(name) => match self.object_builtin(name, &args, &kw) {
                Some(r) => r,
                None => builtins::call(self, name, args, kw),
            },
            Value::Type(t) => match self.object_construct(*t, &args) {
                Some(r) => r,
                None => builtins::construct(self, *t, args, kw),
            },
            Value::Method(m) => builtins::call_method(self, &m.0, &m.1, args, kw),
            Value::Partial(p) => {
                let mut all = p.args.clone();
                all.extend(args);
                let mut kws: Vec<(Arc<str>, Value)> = p.kw.iter().filter(|(k, _)| !kw.iter().any(|(n, _)| n == k)).cloned().collect();
                kws.extend(kw);
                self.call_value(&p.func, all, kws)
            }
            Value::BoundMethod(m) => {
                let mut all = Vec::with_capacity(args.len() + 1);
                all.push(m.0.clone());
                all.extend(args);
                self.call_value(&m.1, all, kw)
            }
            Value::Class(c) => {
                let c = c.clone();
                let obj = Self::new_object(&c, &args)?;
                match c.lookup("__init__") {
                    Some(init @ Value::Func(_)) => {
                        let mut all = Vec::with_capacity(args.len() + 1);
                        all.push(obj.clone());
                        all.extend(args);
                        self.call_value(&init, all, kw)?;
                    }
                    _ => self.native_init(c.native, &obj, args, kw)?,
                }
                Ok(obj)
            }
            other => Err(type_error(format!("'{}' object is not callable", other.type_name()))),
        }
    }

    /// Set up a frame for `f` whose `argc` arguments are on the stack (above `f`).
    fn push_frame(&mut self, f: Arc<Function>, argc: usize, kw: Vec<(Arc<str>, Value)>) -> R<()> {
        let code = &f.code;
        let base = self.stack.len() - argc;
        let np = code.nparams as usize;
        if self.frames.len() > self.limits.recursion {
            self.stack.truncate(base - 1);
            return Err(exc(ExcKind::RecursionError, "maximum recursion depth exceeded"));
        }
        if argc == np && kw.is_empty() && !code.vararg && !code.varkw {
            // The fast path.
        } else {
            let mut args: Vec<Value> = self.stack.drain(base..).collect();
            let extra = if args.len() > np {
                if !code.vararg {
                    let given = args.len();
                    self.stack.truncate(base - 1);
                    return Err(type_error(format!("{}() takes {} positional argument{} but {} {} given", code.name, np, if np == 1 { "" } else { "s" }, given, if given == 1 { "was" } else { "were" })));
                }
                args.split_off(np)
            } else {
                Vec::new()
            };
            args.resize(np, Value::Undef);
            let mut extra_kw = Table::default();
            for (k, v) in kw {
                match code.param_names.iter().position(|p| *p == k) {
                    Some(i) if matches!(args[i], Value::Undef) => args[i] = v,
                    Some(_) => {
                        self.stack.truncate(base - 1);
                        return Err(type_error(format!("{}() got multiple values for argument '{k}'", code.name)));
                    }
                    None if code.varkw => {
                        if let Err(e) = extra_kw.insert(Value::Str(k), v) {
                            self.stack.truncate(base - 1);
                            return Err(e);
                        }
                    }
                    None => {
                        self.stack.truncate(base - 1);
                        return Err(type_error(format!("{}() got an unexpected keyword argument '{k}'", code.name)));
                    }
                }
            }
            let nd = f.defaults.len();
            for i in 0..np {
                if matches!(args[i], Value::Undef) {
                    if i + nd >= np {
                        args[i] = f.defaults[i + nd - np].clone();
                    } else {
                        let missing: Vec<String> = (i..np - nd).filter(|j| matches!(args[*j], Value::Undef)).map(|j| format!("'{}'", code.param_names[j])).collect();
                        self.stack.truncate(base - 1);
                        let list = match missing.len() {
                            1 => missing[0].clone(),
                            _ => format!("{} and {}", missing[..missing.len() - 1].join(", "), missing[missing.len() - 1]),
                        };
                        return Err(type_error(format!("{}() missing {} required positional argument{}: {list}", code.name, missing.len(), if missing.len() == 1 { "" } else { "s" })));
                    }
                }
            }
            self.stack.extend(args);
            if code.vararg {
                self.stack.push(Value::tuple(extra));
            }
            if code.varkw {
                self.stack.push(Value::Dict(DictObj::new(extra_kw)));
            }
        }
        let filled = self.stack.len() - base;
        self.stack.resize(base + code.nslots as usize, Value::Undef);
        let _ = filled;
        for (i, &s) in code.free_slots.iter().enumerate() {
            self.stack[base + s as usize] = f.closure[i].clone();
        }
        self.frames.push(Frame { owner: Owner::Func(f), pc: 0, base, ctor: false });
        Ok(())
    }

    fn run(&mut self, depth: usize) -> R<Value> {
        loop {
            match self.run_inner(depth) {
                Ok(v) => return Ok(v),
                Err(Err::Stop(s)) => {
                    self.unwind_to(depth);
                    return Err(Err::Stop(s));
                }
                Err(Err::Exc(e)) => {
                    loop {
                        let fi = self.frames.len() - 1;
                        let fr = &self.frames[fi];
                        let code = fr.code();
                        let line = code.lines.get(fr.pc.saturating_sub(1)).copied().unwrap_or(0);
                        {
                            let mut tb = e.traceback.lock().unwrap_or_else(|p| p.into_inner());
                            if tb.first().map(|t| (&t.0, t.1)) != Some((&code.name, line)) {
                                tb.insert(0, (code.name.clone(), line));
                            }
                        }
                        if let Some(h) = self.handlers.last() {
                            if h.frame == fi {
                                let h = self.handlers.pop().unwrap();
                                self.stack.truncate(h.sp);
                                self.stack.push(Value::Exc(e.clone()));
                                self.frames[fi].pc = h.target as usize;
                                break;
                            }
                        }
                        let fr = self.frames.pop().unwrap();
                        self.stack.truncate(fr.base - 1);
                        if self.frames.len() == depth {
                            return Err(Err::Exc(e));
                        }
                    }
                }
            }
        }
    }

    fn unwind_to(&mut self, depth: usize) {
        while self.frames.len() > depth {
            let fr = self.frames.pop().unwrap();
            self.stack.truncate(fr.base.saturating_sub(1));
        }
        while self.handlers.last().is_some_and(|h| h.frame >= depth) {
            self.handlers.pop();
        }
    }

    fn breaker(&mut self) -> R<()> {
        self.ticks = self.limits.check_interval.max(1);
        self.host.breaker()?;
        Ok(())
    }

    fn raise_value(&mut self, v: Value) -> Err {
        match v {
            Value::Exc(e) => Err::Exc(e),
            Value::Type(Type::Exc(k)) => new_exc(k, Vec::new()),
            Value::Class(ref c) if matches!(c.native, Native::Exc(_)) => match self.call_value(&v, Vec::new(), Vec::new()) {
                Ok(Value::Exc(e)) => Err::Exc(e),
                Ok(_) => type_error("exceptions must derive from BaseException"),
                Err(e) => e,
            },
            _ => type_error("exceptions must derive from BaseException"),
        }
    }

    fn run_inner(&mut self, depth: usize) -> R<Value> {
        let fi = self.frames.len() - 1;
        // The running frame's code, borrowed from its `Frame` (no reference
        // count traffic per call and return). SAFETY: the top frame owns the
        // code (through its function's `Arc`, or the module code's) for as
        // long as it runs, and moving a `Frame` does not move the code; `code_ptr` is reloaded
        // from the new top frame whenever frames are pushed or popped here,
        // frames pushed by nested calls are popped before they return, and
        // `code` (made afresh each instruction) is not used after `Return`
        // pops its frame.
        let mut code_ptr: *const Code = self.frames[fi].code();
        let mut pc = self.frames[fi].pc;
        let mut base = self.frames[fi].base;
        macro_rules! t {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => {
                        let fi = self.frames.len() - 1;
                        self.frames[fi].pc = pc;
                        return Err(e);
                    }
                }
            };
        }
        macro_rules! pop {
            () => {
                self.stack.pop().unwrap_or_default()
            };
        }
        macro_rules! reload {
            () => {{
                let f = self.frames.last().unwrap();
                code_ptr = f.code();
                pc = f.pc;
                base = f.base;
            }};
        }
        macro_rules! load_fast {
            ($code:ident, $s:expr) => {{
                let v = &self.stack[base + $s as usize];
                if let Value::Undef = v {
                    t!(Err(unbound_local($code, $s)));
                }
                let v = clone_fast(v);
                self.stack.push(v);
            }};
        }
        macro_rules! do_return {
            ($v:expr) => {{
                let fr = self.frames.pop().unwrap();
                while self.handlers.last().is_some_and(|h| h.frame >= self.frames.len()) {
                    self.handlers.pop();
                }
                self.stack.truncate(fr.base - 1);
                if self.frames.len() == depth {
                    return Ok($v);
                }
                if !fr.ctor {
                    self.stack.push($v);
                }
                if let Owner::Func(f) = fr.owner {
                    if self.spares.len() < SPARES {
                        self.spares.push(f);
                    }
                }
                reload!();
            }};
        }
        loop {
            // SAFETY: see `code_ptr`.
            let code: &Code = unsafe { &*code_ptr };
            let op = code.ops[pc];
            pc += 1;
            match op {
                Op::Nop => {}
                Op::LoadConst(k) => self.stack.push(const_value(&code.consts[k as usize])),
                Op::LoadInt(i) => self.stack.push(Value::Int(i)),
                Op::LoadNone => self.stack.push(Value::None),
                Op::LoadTrue => self.stack.push(Value::Bool(true)),
                Op::LoadFalse => self.stack.push(Value::Bool(false)),
                Op::LoadFast(s) => load_fast!(code, s),
                Op::StoreFast(s) => {
                    let v = pop!();
                    set_slot(&mut self.stack[base + s as usize], v);
                }
                Op::ForIterStore(to, s) => {
                    if self.futures_on_top() {
                        t!(self.settle_top());
                    }
                    // Ok: the next int of a range; Err: any other next item, or the end.
                    let next: Result<i64, Option<Value>> = match self.stack.last_mut() {
                        Some(Value::Iter(it)) => match &mut **it {
                            Iter::Range { cur, left, step } => {
                                if *left > 0 {
                                    let v = *cur;
                                    *left -= 1;
                                    *cur = cur.wrapping_add(*step);
                                    Ok(v)
                                } else {
                                    Err(None)
                                }
                            }
                            other => Err(other.next()),
                        },
                        Some(Value::SharedIter(s)) => Err(s.lock().unwrap_or_else(|e| e.into_inner()).next()),
                        _ => Err(None),
                    };
                    match next {
                        Ok(i) => {
                            set_int(&mut self.stack[base + s as usize], i);
                            pc += 1;
                        }
                        Err(Some(v)) => {
                            set_slot(&mut self.stack[base + s as usize], v);
                            pc += 1;
                        }
                        Err(None) => {
                            self.stack.pop();
                            pc = to as usize;
                        }
                    }
                }
                Op::FastFastStore(a, b, c, bop) => {
                    match (&self.stack[base + a as usize], &self.stack[base + b as usize]) {
                        (Value::Int(x), Value::Int(y)) => {
                            if let Some(r) = int_arith(bop, *x, *y) {
                                set_int(&mut self.stack[base + c as usize], r);
                                pc += 3;
                                continue;
                            }
                        }
                        (Value::Float(x), Value::Float(y)) => {
                            if let Some(r) = float_arith(bop, *x, *y) {
                                set_float(&mut self.stack[base + c as usize], r);
                                pc += 3;
                                continue;
                            }
                        }
                        _ => {}
                    }
                    load_fast!(code, a);
                }
                Op::FastInt(a, k, bop) => {
                    if let Value::Int(x) = self.stack[base + a as usize] {
                        if let Some(r) = int_arith(bop, x, k as i64) {
                            self.stack.push(Value::Int(r));
                            pc += 2;
                            continue;
                        }
                    }
                    load_fast!(code, a);
                }
                Op::FastIntCmpJump(a, k, c, to) => {
                    let r = match &self.stack[base + a as usize] {
                        Value::Int(x) => int_cmp(c, *x, k as i64),
                        _ => None,
                    };
                    match r {
                        Some(true) => pc += 3,
                        Some(false) => pc = to as usize,
                        None => load_fast!(code, a),
                    }
                }
                Op::CmpJump(c, to) => {
                    let b = pop!();
                    let a = pop!();
                    let r = t!(compare(c, &a, &b));
                    if r {
                        pc += 1;
                    } else {
                        pc = to as usize;
                    }
                }
                Op::LoadGlobal(g) => {
                    let g = g as usize;
                    let version = self.globals.version();
                    if self.gcache[g].0 == version {
                        let v = match &self.gcache[g].1 {
                            Value::Func(f) => match self.spares.last() {
                                Some(s) if Arc::ptr_eq(s, f) => Value::Func(self.spares.pop().unwrap()),
                                _ => Value::Func(f.clone()),
                            },
                            other => clone_fast(other),
                        };
                        self.stack.push(v);
                        continue;
                    }
                    self.spares.clear();
                    let mut v = self.globals.read(g);
                    if let Value::Undef = v {
                        match &self.globals.builtins[g] {
                            Some(b) => v = b.clone(),
                            None => {
                                let name = self.globals.names[g].clone();
                                t!(Err(exc(ExcKind::NameError, format!("name '{name}' is not defined"))));
                            }
                        }
                    }
                    if cacheable(&v) {
                        self.gcache[g] = (version, v.clone());
                    }
                    self.stack.push(v);
                }
                Op::StoreGlobal(g) => {
                    let v = pop!();
                    let old = self.globals.replace(g as usize, v);
                    drop(old);
                }
                Op::Binary(bop) | Op::Inplace(bop) => {
                    let b = pop!();
                    let a = self.stack.last_mut().unwrap();
                    if let (Value::Int(x), Value::Int(y)) = (&mut *a, &b) {
                        if let Some(r) = int_arith(bop, *x, *y) {
                            *x = r;
                            continue;
                        }
                    }
                    if let (Value::Float(x), Value::Float(y)) = (&mut *a, &b) {
                        if let Some(r) = float_arith(bop, *x, *y) {
                            *x = r;
                            continue;
                        }
                    }
                    let a = pop!();
                    // `'%s' % obj`: the object's own `__str__`.
                    let b = if bop == BinOp::Mod && matches!(a, Value::Str(_)) && self.has_dunder(&b) { t!(self.str_items(b)) } else { b };
                    let r = if matches!(op, Op::Inplace(_)) { ops::inplace(bop, &a, &b) } else { ops::binary(bop, &a, &b) };
                    let v = t!(r);
                    self.stack.push(v);
                }
                Op::Compare(c) => {
                    let b = pop!();
                    let a = pop!();
                    let r = t!(compare(c, &a, &b));
                    self.stack.push(Value::Bool(r));
                }
                Op::Jump(to) => {
                    if (to as usize) < pc {
                        self.ticks -= 1;
                        if self.ticks == 0 {
                            t!(self.breaker());
                        }
                    }
                    pc = to as usize;
                }
                Op::PopJumpIfFalse(to) => {
                    let v = pop!();
                    let b = match v {
                        Value::Bool(b) => b,
                        ref o => o.truthy(),
                    };
                    if !b {
                        pc = to as usize;
                    }
                }
                Op::PopJumpIfTrue(to) => {
                    if pop!().truthy() {
                        pc = to as usize;
                    }
                }
                Op::JumpIfFalseOrPop(to) => {
                    if !self.stack.last().unwrap().truthy() {
                        pc = to as usize;
                    } else {
                        self.stack.pop();
                    }
                }
                Op::JumpIfTrueOrPop(to) => {
                    if self.stack.last().unwrap().truthy() {
                        pc = to as usize;
                    } else {
                        self.stack.pop();
                    }
                }
                Op::GetIter => {
                    let v = pop!();
                    let it = match v {
                        Value::SharedIter(s) => match Arc::try_unwrap(s) {
                            Ok(m) => m.into_inner().unwrap_or_else(|e| e.into_inner()),
                            Err(s) => {
                                self.stack.push(Value::SharedIter(s));
                                continue;
                            }
                        },
                        ref other => t!(builtins::iter_of(other)),
                    };
                    self.stack.push(Value::Iter(Box::new(it)));
                }
                Op::ForIter(to) => {
                    if self.futures_on_top() {
                        t!(self.settle_top());
                    }
                    let next = match self.stack.last_mut().unwrap() {
                        Value::Iter(it) => match &mut **it {
                            Iter::Range { cur, left, step } => {
                                if *left > 0 {
                                    let v = *cur;
                                    *left -= 1;
                                    *cur = cur.wrapping_add(*step);
                                    Some(Value::Int(v))
                                } else {
                                    None
                                }
                            }
                            other => other.next(),
                        },
                        Value::SharedIter(s) => s.lock().unwrap_or_else(|e| e.into_inner()).next(),
                        _ => None,
                    };
                    match next {
                        Some(v) => self.stack.push(v),
                        None => {
                            self.stack.pop();
                            pc = to as usize;
                        }
                    }
                }
                Op::Call(argc) => {
                    let fpos = self.stack.len() - argc as usize - 1;
                    self.ticks -= 1;
                    if self.ticks == 0 {
                        t!(self.breaker());
                    }
                    if let Value::Func(f) = &self.stack[fpos] {
                        let fc = &f.code;
                        if fc.nparams == argc && !fc.vararg && !fc.varkw && fc.free_slots.is_empty() && self.frames.len() <= self.limits.recursion {
                            // The fast path: exactly the positional
                            // arguments, no defaults, no closure cells. The
                            // function moves from the stack into the frame.
                            let nslots = fc.nslots as usize;
                            let Value::Func(f) = std::mem::take(&mut self.stack[fpos]) else { unreachable!() };
                            let fi = self.frames.len() - 1;
                            self.frames[fi].pc = pc;
                            base = fpos + 1;
                            self.stack.resize(base + nslots, Value::Undef);
                            code_ptr = &*f.code;
                            self.frames.push(Frame { owner: Owner::Func(f), pc: 0, base, ctor: false });
                            pc = 0;
                            continue;
                        }
                        let f = f.clone();
                        let fi = self.frames.len() - 1;
                        self.frames[fi].pc = pc;
                        t!(self.push_frame(f, argc as usize, Vec::new()));
                        reload!();
                    } else {
                        let fi = self.frames.len() - 1;
                        self.frames[fi].pc = pc;
                        if t!(self.call_at(fpos, Vec::new())) {
                            reload!();
                        }
                    }
                }
                Op::CallKw(argc, k) => {
                    let Const::Names(names) = &code.consts[k as usize] else { unreachable!() };
                    let names = names.clone();
                    let at = self.stack.len() - names.len();
                    let kwv: Vec<Value> = self.stack.drain(at..).collect();
                    let kw: Vec<(Arc<str>, Value)> = names.iter().cloned().zip(kwv).collect();
                    let npos = argc as usize - names.len();
                    let fpos = self.stack.len() - npos - 1;
                    let fi = self.frames.len() - 1;
                    self.frames[fi].pc = pc;
                    if t!(self.call_at(fpos, kw)) {
                        reload!();
                    }
                }
                Op::CallEx => {
                    let kwd = pop!();
                    let list = pop!();
                    let args = t!(collect_plain(&list));
                    let Value::Dict(kwd) = kwd else { unreachable!() };
                    let kw: Vec<(Arc<str>, Value)> = kwd.lock().iter().map(|(k, v)| (Arc::from(k.to_str()), v.clone())).collect();
                    let fi = self.frames.len() - 1;
                    self.frames[fi].pc = pc;
                    let fpos = self.stack.len() - 1;
                    self.stack.extend(args);
                    if t!(self.call_at(fpos, kw)) {
                        reload!();
                    }
                }
                Op::CallList => {
                    let list = pop!();
                    let args = t!(collect_plain(&list));
                    let fi = self.frames.len() - 1;
                    self.frames[fi].pc = pc;
                    let fpos = self.stack.len() - 1;
                    self.stack.extend(args);
                    if t!(self.call_at(fpos, Vec::new())) {
                        reload!();
                    }
                }
                Op::Return => {
                    let v = pop!();
                    do_return!(v);
                }
                Op::ReturnFast(s) => {
                    let slot = &mut self.stack[base + s as usize];
                    if let Value::Undef = slot {
                        load_fast!(code, s);
                        continue;
                    }
                    // The frame is going: its local moves out.
                    let v = std::mem::take(slot);
                    do_return!(v);
                }
                Op::Pop => {
                    self.stack.pop();
                }
                Op::Dup => {
                    let v = self.stack.last().unwrap().clone();
                    self.stack.push(v);
                }
                Op::Rot2 => {
                    let n = self.stack.len();
                    self.stack.swap(n - 1, n - 2);
                }
                Op::SetupExcept(to) => {
                    let frame = self.frames.len() - 1;
                    self.handlers.push(Handler { frame, target: to, sp: self.stack.len() });
                }
                Op::PopBlock => {
                    self.handlers.pop();
                }
                Op::CallMethod(k, argc) if self.user_receiver(self.stack.len() - argc as usize - 1) => {
                    let fi = self.frames.len() - 1;
                    self.frames[fi].pc = pc;
                    let name: &str = match &code.consts[k as usize] {
                        Const::Str(s) => s,
                        _ => "?",
                    };
                    if t!(self.call_user_method(self.stack.len() - argc as usize - 1, name)) {
                        reload!();
                    }
                }
                other => {
                    // Where a nested call (a method calling back into Python) sees this frame.
                    let fi = self.frames.len() - 1;
                    self.frames[fi].pc = pc;
                    t!(self.rare(other, code, base))
                }
            }
        }
    }

    /// The instructions that neither jump nor push or pop frames, kept out
    /// of `run_inner` so that its loop stays small (and its stack frame too:
    /// built-ins that call back into Python nest it).
    #[inline(never)]
    fn rare(&mut self, op: Op, code: &Code, base: usize) -> R<()> {
        macro_rules! t {
            ($e:expr) => {
                $e?
            };
        }
        macro_rules! pop {
            () => {
                self.stack.pop().unwrap_or_default()
            };
        }
        match op {
                Op::DelFast(s) => {
                    self.stack[base + s as usize] = Value::Undef;
                }
                Op::LoadDeref(s) => {
                    let v = match &self.stack[base + s as usize] {
                        Value::Cell(c) => c.lock().unwrap_or_else(|e| e.into_inner()).clone(),
                        other => other.clone(),
                    };
                    if let Value::Undef = v {
                        let name = code.slot_names[s as usize].clone();
                        t!(Err(exc(ExcKind::NameError, format!("cannot access free variable '{name}' where it is not associated with a value in enclosing scope"))));
                    }
                    self.stack.push(v);
                }
                Op::StoreDeref(s) => {
                    let v = pop!();
                    match &self.stack[base + s as usize] {
                        Value::Cell(c) => *c.lock().unwrap_or_else(|e| e.into_inner()) = v,
                        _ => self.stack[base + s as usize] = v,
                    }
                }
                Op::LoadCell(s) => {
                    let v = self.stack[base + s as usize].clone();
                    self.stack.push(v);
                }
                Op::MakeCell(s) => {
                    let v = std::mem::take(&mut self.stack[base + s as usize]);
                    self.stack[base + s as usize] = Value::Cell(Arc::new(Mutex::new(v)));
                }
                Op::DelGlobal(g) => {
                    let old = self.globals.replace(g as usize, Value::Undef);
                    if let Value::Undef = old {
                        let name = self.globals.names[g as usize].clone();
                        t!(Err(exc(ExcKind::NameError, format!("name '{name}' is not defined"))));
                    }
                }
                Op::LoadAttr(k) => {
                    let obj = pop!();
                    let name = name_of(&code, k);
                    let v = t!(self.attr(&obj, &name));
                    self.stack.push(v);
                }
                Op::CallMethod(k, argc) => {
                    let at = self.stack.len() - argc as usize;
                    let args: Vec<Value> = self.stack.drain(at..).collect();
                    let recv = pop!();
                    let name = name_of(&code, k);
                    let r = match &recv {
                        Value::Module(_) | Value::Exc(_) | Value::Thread(_) | Value::Type(_) | Value::Local(_) => {
                            let f = t!(self.attr(&recv, &name));
                            if let Value::Func(func) = &f {
                                // A Python function stored somewhere callable: run it nested.
                                let _ = func;
                            }
                            self.call_value(&f, args, Vec::new())
                        }
                        _ => builtins::call_method(self, &recv, &name, args, Vec::new()),
                    };
                    let v = t!(r);
                    self.stack.push(v);
                }
                Op::Subscr => {
                    let idx = pop!();
                    let obj = pop!();
                    let v = t!(ops::getitem(&obj, &idx));
                    self.stack.push(v);
                }
                Op::StoreSubscr => {
                    let idx = pop!();
                    let obj = pop!();
                    let v = pop!();
                    t!(ops::setitem(&obj, &idx, v));
                }
                Op::StoreAttr(k) => {
                    let obj = pop!();
                    let v = pop!();
                    let name = name_of(code, k);
                    if t!(self.store_user_attr(&obj, &name, v.clone())) {
                        return Ok(());
                    }
                    match (&obj, &*name) {
                        (Value::Task(t), "daemon") => t!(set_daemon(t, &v)),
                        (Value::Shared(s), "value") if s.len.is_none() => t!(s.set(0, &v)),
                        _ => match builtins::set_sync_attr(&obj, &name, v, self.host.ident()) {
                            Some(r) => t!(r),
                            // As CPython: a built-in value takes no new attributes.
                            None => t!(Err(no_attribute(&obj, &name))),
                        },
                    }
                }
                Op::DelSubscr => {
                    let idx = pop!();
                    let obj = pop!();
                    t!(ops::delitem(&obj, &idx));
                }
                Op::BuildSlice => {
                    let c = pop!();
                    let b = pop!();
                    let a = pop!();
                    self.stack.push(Value::Slice(Arc::new([a, b, c])));
                }
                Op::Unary(u) => {
                    let a = pop!();
                    let v = t!(ops::unary(u, &a));
                    self.stack.push(v);
                }
                Op::BuildList(n) => {
                    let at = self.stack.len() - n as usize;
                    let items: Vec<Value> = self.stack.drain(at..).collect();
                    let v = t!(Value::list(items));
                    self.stack.push(v);
                }
                Op::BuildTuple(n) => {
                    let at = self.stack.len() - n as usize;
                    let items: Vec<Value> = self.stack.drain(at..).collect();
                    self.stack.push(Value::tuple(items));
                }
                Op::BuildSet(n) => {
                    let at = self.stack.len() - n as usize;
                    let mut tb = Table::default();
                    for v in self.stack.drain(at..).collect::<Vec<_>>() {
                        t!(tb.insert(v, Value::None));
                    }
                    self.stack.push(Value::Set(DictObj::new(tb)));
                }
                Op::BuildDict(n) => {
                    let at = self.stack.len() - 2 * n as usize;
                    let items: Vec<Value> = self.stack.drain(at..).collect();
                    let mut tb = Table::default();
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        t!(tb.insert(k, v));
                    }
                    self.stack.push(Value::Dict(DictObj::new(tb)));
                }
                Op::ListAppend(d) => {
                    let v = pop!();
                    let i = self.stack.len() - 1 - d as usize;
                    if let Value::List(l) = &self.stack[i] {
                        t!(l.push(v));
                    }
                }
                Op::SetAdd(d) => {
                    let v = pop!();
                    let i = self.stack.len() - 1 - d as usize;
                    if let Value::Set(s) = &self.stack[i] {
                        t!(s.lock().insert(v, Value::None));
                    }
                }
                Op::DictSet(d) => {
                    let v = pop!();
                    let k = pop!();
                    let i = self.stack.len() - 1 - d as usize;
                    if let Value::Dict(s) = &self.stack[i] {
                        t!(s.lock().insert(k, v));
                    }
                }
                Op::ListExtend => {
                    let v = pop!();
                    let items = t!(self.collect(&v));
                    if let Some(Value::List(l)) = self.stack.last() {
                        let mut g = l.lock();
                        t!(reserve(&mut g, items.len(), &l.charged));
                        g.extend(items);
                    }
                }
                Op::DictMerge => {
                    let v = pop!();
                    let n = self.stack.len();
                    let (Value::Dict(d), Some(f)) = (&self.stack[n - 1], self.stack.get(n.wrapping_sub(3))) else { unreachable!() };
                    // CPython names the function as `__main__.f()`.
                    let callee = match f {
                        Value::Func(f) => format!("__main__.{}()", f.name()),
                        other => format!("{}()", other.type_name()),
                    };
                    t!(merge_kwargs(d, &v, &callee));
                }
                Op::ListToTuple => {
                    let v = pop!();
                    let items = t!(collect_plain(&v));
                    self.stack.push(Value::tuple(items));
                }
                Op::UnpackSeq(n) => {
                    let v = pop!();
                    let items = match &v {
                        Value::Tuple(t) => t.to_vec(),
                        Value::List(l) => l.lock().clone(),
                        other => t!(self.collect(other)),
                    };
                    if items.len() != n as usize {
                        let msg = if items.len() > n as usize { format!("too many values to unpack (expected {n})") } else { format!("not enough values to unpack (expected {n}, got {})", items.len()) };
                        t!(Err(exc(ExcKind::ValueError, msg)));
                    }
                    self.stack.extend(items.into_iter().rev());
                }
                Op::UnpackEx(before, after) => {
                    let v = pop!();
                    let mut items = t!(self.collect(&v));
                    let (b, a) = (before as usize, after as usize);
                    if items.len() < b + a {
                        t!(Err(exc(ExcKind::ValueError, format!("not enough values to unpack (expected at least {}, got {})", b + a, items.len()))));
                    }
                    let tail = items.split_off(items.len() - a);
                    let mid = items.split_off(b);
                    let midv = t!(Value::list(mid));
                    for x in tail.into_iter().rev() {
                        self.stack.push(x);
                    }
                    self.stack.push(midv);
                    for x in items.into_iter().rev() {
                        self.stack.push(x);
                    }
                }
                Op::MakeFunction(k, nd, nc) => {
                    let Const::Code(c) = &code.consts[k as usize] else { unreachable!() };
                    let at = self.stack.len() - nc as usize;
                    let closure: Vec<Value> = self.stack.drain(at..).collect();
                    let at = self.stack.len() - nd as usize;
                    let defaults: Vec<Value> = self.stack.drain(at..).collect();
                    self.stack.push(Value::Func(Arc::new(Function::new(c.clone(), defaults, closure))));
                }
                Op::Rot3 => {
                    let v = pop!();
                    let n = self.stack.len();
                    self.stack.insert(n - 2, v);
                }
                Op::Raise => {
                    let v = pop!();
                    let e = self.raise_value(v);
                    if let Err::Exc(x) = &e {
                        x.traceback.lock().unwrap_or_else(|p| p.into_inner()).clear();
                    }
                    t!(Err(e));
                }
                Op::Reraise => {
                    let v = pop!();
                    let e = self.raise_value(v);
                    t!(Err(e));
                }
                Op::ExcMatch => {
                    let ty = pop!();
                    let e = pop!();
                    let kind = match &e {
                        Value::Exc(x) => x.kind,
                        _ => ExcKind::BaseException,
                    };
                    let class = e.user_instance().map(|u| u.class.clone());
                    let types = match &ty {
                        Value::Tuple(t) => t.to_vec(),
                        o => vec![o.clone()],
                    };
                    let mut hit = false;
                    for t in &types {
                        match t {
                            Value::Type(Type::Exc(k)) => hit |= kind.is_subclass(*k),
                            Value::Class(c) if matches!(c.native, Native::Exc(_)) => hit |= class.as_ref().is_some_and(|u| u.is_subclass(c)),
                            _ => t!(Err(type_error("catching classes that do not inherit from BaseException is not allowed"))),
                        }
                    }
                    self.stack.push(Value::Bool(hit));
                }
                Op::FormatValue(conv, has_spec) => {
                    let spec = if has_spec { pop!().to_str() } else { String::new() };
                    let mut v = pop!();
                    let mut conv = conv;
                    if self.has_dunder(&v) {
                        v = Value::Str(Arc::from(t!(if matches!(conv, b'r' | b'a') { self.repr_of(&v, 0) } else { self.str_of(&v) })));
                        conv = 0;
                    }
                    let v = match conv {
                        b'r' | b'a' => Value::Str(v.repr().into()),
                        b's' => Value::Str(v.to_str().into()),
                        _ => v,
                    };
                    let s = match (&v, spec.is_empty()) {
                        (Value::Str(s), true) => s.clone(),
                        (Value::Big(b), true) => Arc::from(t!(big_to_string(b))),
                        _ => Arc::from(t!(format_value(&v, &spec))),
                    };
                    self.stack.push(Value::Str(s));
                }
                Op::BuildString(n) => {
                    let at = self.stack.len() - n as usize;
                    let mut s = String::new();
                    for v in self.stack.drain(at..) {
                        if let Value::Str(p) = v {
                            s.push_str(&p);
                        }
                    }
                    self.stack.push(Value::Str(s.into()));
                }
                Op::Import(k) => {
                    let name = name_of(&code, k);
                    match Module::from_name(&name) {
                        Some(m) => self.stack.push(Value::Module(m)),
                        None => t!(Err(exc(ExcKind::ModuleNotFoundError, format!("No module named '{name}'")))),
                    }
                }
                Op::WithEnter => {
                    let mgr = pop!();
                    match &mgr {
                        // An object whose class writes `__enter__` (and `__exit__`).
                        o if o.user_instance().is_some_and(|i| i.class.lookup("__enter__").is_some()) => {
                            let v = t!(self.call_dunder(o, "__enter__", Vec::new()));
                            self.stack.push(v);
                        }
                        Value::Lock(l) => {
                            t!(builtins::acquire_lock(self, l, true, None));
                            self.stack.push(Value::Bool(true));
                        }
                        Value::Condition(_) => {
                            let v = t!(builtins::call_method(self, &mgr, "__enter__", Vec::new(), Vec::new()));
                            self.stack.push(v);
                        }
                        // An executor or a Pool: `as` binds it.
                        Value::Pool(_) => self.stack.push(mgr.clone()),
                        Value::Semaphore(s) => {
                            let s = s.clone();
                            let line = Caller::line(self);
                            t!(self.host.block(super::host::Wait::Lock, line, None, &mut || s.try_acquire()).map_err(Err::Stop));
                            self.stack.push(Value::Bool(true));
                        }
                        o => t!(Err(type_error(format!("'{}' object does not support the context manager protocol", o.type_name())))),
                    }
                }
                Op::WithExit => match pop!() {
                    o if o.user_instance().is_some_and(|i| i.class.lookup("__exit__").is_some()) => {
                        // (ThreadLab's Python passes no exception: an exception still propagates.)
                        t!(self.call_dunder(&o, "__exit__", vec![Value::None, Value::None, Value::None]));
                    }
                    Value::Lock(l) => t!(builtins::release_lock(self, &l)),
                    c @ Value::Condition(_) => {
                        t!(builtins::call_method(self, &c, "__exit__", Vec::new(), Vec::new()));
                    }
                    Value::Semaphore(s) => t!(s.release()),
                    p @ Value::Pool(_) => {
                        t!(builtins::call_method(self, &p, "__exit__", Vec::new(), Vec::new()));
                    }
                    _ => {}
                },
                Op::AssertFail => {
                    let msg = pop!();
                    let args = if matches!(msg, Value::None) { Vec::new() } else { vec![msg] };
                    t!(Err(new_exc(ExcKind::AssertionError, args)));
                }
                Op::NoReraise => t!(Err(exc(ExcKind::RuntimeError, "No active exception to reraise"))),
                Op::BuildClass(k, first) => {
                    let Const::Names(names) = &code.consts[k as usize] else { unreachable!() };
                    let names = names.clone();
                    let based = pop!();
                    let mut attrs = Vec::new();
                    for (i, n) in names[1..].iter().enumerate() {
                        let v = std::mem::replace(&mut self.stack[base + first as usize + i], Value::Undef);
                        if !matches!(v, Value::Undef) {
                            attrs.push((n.clone(), v));
                        }
                    }
                    let c = t!(self.build_class(&names[0], based, attrs));
                    self.stack.push(c);
                }
                Op::Super(n) => {
                    let (class, obj) = if n == 0 {
                        let cls = match &self.frames.last().map(|f| &f.owner) {
                            Some(Owner::Func(f)) => f.class.get().and_then(|w| w.upgrade()),
                            _ => None,
                        };
                        let Some(cls) = cls else { t!(Err(exc(ExcKind::RuntimeError, "super(): __class__ cell not found (ThreadLab's Python: `super()` works in a method written in a class body)"))) };
                        if code.nparams == 0 {
                            t!(Err(exc(ExcKind::RuntimeError, "super(): no arguments")));
                        }
                        let obj = match &self.stack[base] {
                            Value::Cell(c) => c.lock().unwrap_or_else(|e| e.into_inner()).clone(),
                            v => v.clone(),
                        };
                        (cls, obj)
                    } else {
                        let obj = pop!();
                        match pop!() {
                            Value::Class(c) => (c, obj),
                            o => t!(Err(type_error(format!("super() argument 1 must be a type, not {}", o.type_name())))),
                        }
                    };
                    self.stack.push(Value::Super(Arc::new((class, obj))));
                }
            _ => unreachable!("{op:?} is run by run_inner"),
        }
        Ok(())
    }

    fn collect(&mut self, v: &Value) -> R<Vec<Value>> {
        collect_plain(v)
    }

    fn attr(&mut self, obj: &Value, name: &str) -> R<Value> {
        if let Some(r) = self.user_attr(obj, name) {
            return r;
        }
        if matches!(obj, Value::Task(_) | Value::Condition(_) | Value::Barrier(_) | Value::Local(_) | Value::Logger(_) | Value::Stream(_)) {
            if let Some(r) = builtins::sync_attr(obj, name, self.host.ident()) {
                return r;
            }
        }
        match (obj, name) {
            (Value::Module(Module::Sys), "version") => Ok(builtins::sys_version(self.host.has_gil())),
            (Value::Module(m), _) => builtins::module_attr(*m, name),
            (Value::Exc(e), "args") => Ok(Value::tuple(e.args())),
            (Value::Thread(n), "name") => Ok(Value::Str(n.clone())),
            // A thread's ids once it started (None before, as CPython's).
            (Value::Thread(_) | Value::Task(_), "ident" | "native_id") => {
                let who = match obj {
                    Value::Task(t) if t.process || t.state.load(Ordering::SeqCst) == TASK_NEW => None,
                    Value::Task(t) => Some(t.name.clone()),
                    Value::Thread(n) => Some(n.clone()),
                    _ => None,
                };
                Ok(who.and_then(|n| self.host.thread_ids(&n)).map_or(Value::None, |(ident, native)| Value::Int(if name == "ident" { ident as i64 } else { native })))
            }
            (Value::Task(t), "name") => Ok(Value::Str(t.name.clone())),
            (Value::Task(t), "daemon") => Ok(Value::Bool(t.is_daemon())),
            (Value::Task(t), "exitcode") if t.process => Ok(t.exitcode.lock().unwrap_or_else(|e| e.into_inner()).map_or(Value::None, |c| Value::Int(c.into()))),
            (Value::Shared(s), "value") if s.len.is_none() => Ok(s.get(0)),
            (Value::Queue(q), "task_done" | "join" | "full") if q.simple => Err(no_attribute(obj, name)),
            (Value::Task(_) | Value::Event(_) | Value::Queue(_) | Value::Future(_) | Value::Pool(_) | Value::Semaphore(_) | Value::Shared(_), _) => Ok(Value::Method(Arc::new((obj.clone(), Arc::from(name))))),
            (Value::Type(t), "__name__") => Ok(Value::str(t.name())),
            (Value::Func(f), "__name__" | "__qualname__") => Ok(Value::Str(f.name())),
            (Value::Func(f), "__doc__") => Ok(f.doc()),
            (Value::Partial(p), "func") => Ok(p.func.clone()),
            (Value::Partial(p), "args") => Ok(Value::tuple(p.args.clone())),
            (Value::Range(r), "start" | "stop" | "step") => Ok(Value::Int(match name {
                "start" => r.start,
                "stop" => r.stop,
                _ => r.step,
            })),
            (Value::Float(f), "real") => Ok(Value::Float(*f)),
            (Value::Float(_), "imag") => Ok(Value::Float(0.0)),
            (Value::Str(_) | Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::Tuple(_) | Value::Lock(_) | Value::Int(_) | Value::Float(_), _) => Ok(Value::Method(Arc::new((obj.clone(), Arc::from(name))))),
            _ => Err(exc(ExcKind::AttributeError, format!("'{}' object has no attribute '{name}'", obj.type_name()))),
        }
    }
}


impl Vm<'_> {
    /// Whether the loop's iterator is `executor.map`'s or `as_completed`'s.
    #[inline]
    fn futures_on_top(&self) -> bool {
        match self.stack.last() {
            Some(Value::Iter(it)) => matches!(**it, Iter::Futures { .. }),
            Some(Value::SharedIter(_)) => true,
            _ => false,
        }
    }

    /// Waits (through the host) until the loop's next future is done, or
    /// raises its exception.
    fn settle_top(&mut self) -> R<()> {
        loop {
            let pending = match self.stack.last() {
                Some(Value::Iter(it)) => it.pending(),
                Some(Value::SharedIter(s)) => s.lock().unwrap_or_else(|e| e.into_inner()).pending(),
                _ => None,
            };
            match pending {
                None => return Ok(()),
                Some(Pending::Raise(e)) => return Err(Err::Exc(e)),
                Some(Pending::Wait(fs)) => builtins::wait_futures(self, &fs, true)?,
            }
        }
    }
}

impl Caller for Vm<'_> {
    fn thread(&self) -> usize {
        self.thread
    }
    fn counters(&self) -> &Counters {
        &self.globals.counters
    }
    fn line(&self) -> u32 {
        self.frames.last().map_or(0, |f| f.code().lines.get(f.pc.saturating_sub(1)).copied().unwrap_or(0))
    }
    fn function(&self) -> Arc<str> {
        self.frames.last().map_or_else(|| Arc::from("<module>"), |f| f.code().name.clone())
    }
    fn handled(&self) -> Option<Arc<ExcObj>> {
        // An `except` block keeps the exception it handles on the stack.
        self.stack.iter().rev().find_map(|v| match v {
            Value::Exc(e) => Some(e.clone()),
            _ => None,
        })
    }
    fn call(&mut self, f: &Value, args: Vec<Value>) -> R<Value> {
        self.call_value(f, args, Vec::new())
    }
    fn tick(&mut self) -> R<()> {
        self.host.breaker()?;
        Ok(())
    }
    fn host(&mut self) -> &mut dyn Host {
        self.host
    }
    fn rng(&mut self) -> &mut super::random::Mt {
        let seed = self.seed;
        self.rng.get_or_insert_with(|| super::random::Mt::seeded(&[seed as u32, (seed >> 32) as u32][..if seed >> 32 == 0 { 1 } else { 2 }]))
    }
    fn reseed(&mut self, key: Option<&[u32]>) {
        self.rng = key.map(super::random::Mt::seeded);
    }
}

/// The built-ins of classes and objects: `staticmethod`, `classmethod`,
/// `property`, `getattr`, `setattr`, `hasattr`.
const CLASS_BUILTINS: &[&str] = &["staticmethod", "classmethod", "property", "getattr", "setattr", "hasattr"];

fn class_builtin(name: &str) -> Option<Value> {
    CLASS_BUILTINS.iter().find(|n| **n == name).map(|n| Value::Builtin(n))
}

/// A built-in base's `__init__` read as a value (`super().__init__`
/// called with keywords), by name: the base it initialises.
const INITS: &[&str] = &["threading.Thread.__init__", "multiprocessing.Process.__init__", "object.__init__", "BaseException.__init__"];

fn init_of(native: Native) -> Value {
    Value::Builtin(match native {
        Native::Thread => INITS[0],
        Native::Process => INITS[1],
        Native::Object => INITS[2],
        Native::Exc(_) => INITS[3],
    })
}

/// `threading.Thread.join` read as a value (`Thread.join(self)` in a
/// subclass's method): the object is its first argument.
const TASK_METHODS: &[&str] = &["threading.Thread.start", "threading.Thread.join", "threading.Thread.is_alive", "threading.Thread.run", "multiprocessing.Process.start", "multiprocessing.Process.join", "multiprocessing.Process.is_alive", "multiprocessing.Process.run", "multiprocessing.Process.terminate", "multiprocessing.Process.kill"];

fn init_native(name: &str) -> Option<Native> {
    Some(match name {
        "threading.Thread.__init__" => Native::Thread,
        "multiprocessing.Process.__init__" => Native::Process,
        "object.__init__" => Native::Object,
        "BaseException.__init__" => Native::Exc(ExcKind::BaseException),
        _ => return None,
    })
}

/// The process name CPython gives a `Process` subclass's object:
/// `Worker-1` where a `Process` is `Process-1`.
fn subclass_process_name(class: &str, name: &str) -> Arc<str> {
    match name.strip_prefix("Process-") {
        Some(n) => Arc::from(format!("{class}-{n}")),
        None => Arc::from(name),
    }
}

/// `t.daemon = v`: before `start()` only.
fn set_daemon(t: &TaskObj, v: &Value) -> R<()> {
    if t.state.load(std::sync::atomic::Ordering::SeqCst) != TASK_NEW {
        return Err(exc(ExcKind::RuntimeError, if t.process { "cannot set daemon status of active process" } else { "cannot set daemon status of active thread" }));
    }
    t.daemon.store(v.truthy(), std::sync::atomic::Ordering::SeqCst);
    Ok(())
}

fn no_attribute(obj: &Value, name: &str) -> Err {
    match obj {
        Value::Class(c) => exc(ExcKind::AttributeError, format!("type object '{}' has no attribute '{name}'", c.name)),
        o => exc(ExcKind::AttributeError, format!("'{}' object has no attribute '{name}'", o.type_name())),
    }
}

/// The class an object's `classmethod` binds to.
fn class_value(obj: &Value) -> Value {
    match obj.user_instance() {
        Some(i) => Value::Class(i.class.clone()),
        None => obj.clone(),
    }
}

/// What a thread's or process's object answers, beside its methods.
const TASK_ATTRS: &[&str] = &["name", "daemon", "exitcode", "start", "join", "is_alive", "terminate", "kill", "run"];

// User classes: objects, methods (their frames pushed as any call's),
// `super()`, and the built-in bases' `__init__`.
impl Vm<'_> {
    /// `class` built from its body's names (`based`: its base, or None).
    fn build_class(&mut self, name: &str, based: Value, attrs: Vec<(Arc<str>, Value)>) -> R<Value> {
        let (base, native) = match &based {
            Value::None | Value::Type(Type::Object) => (None, Native::Object),
            Value::Class(c) => (Some(c.clone()), c.native),
            Value::Type(Type::Exc(k)) => (None, Native::Exc(*k)),
            Value::Builtin("threading.Thread") => (None, Native::Thread),
            Value::Builtin("multiprocessing.Process") => (None, Native::Process),
            other => return Err(type_error(format!("class {name}({}): ThreadLab's Python classes derive from object, another class of the program, an exception class, threading.Thread or multiprocessing.Process", other.repr()))),
        };
        let class = Arc::new(Class { name: intern(name), base, native, attrs: Attrs::new(attrs)? });
        // Its methods know it (what `super()` looks after).
        for (_, v) in class.attrs.items() {
            let f = match &v {
                Value::Wrapped(w) => w.1.clone(),
                v => v.clone(),
            };
            if let Value::Func(f) = f {
                let _ = f.class.set(Arc::downgrade(&class));
            }
        }
        Ok(Value::Class(class))
    }

    /// A new object of `c` (before its `__init__`): an exception class's
    /// is an exception (its `args` the call's, as CPython's `__new__`).
    fn new_object(c: &Arc<Class>, args: &[Value]) -> R<Value> {
        let inst = Instance::new(c.clone())?;
        Ok(match c.native {
            Native::Exc(kind) => Value::Exc(Arc::new(ExcObj { kind, args: args.to_vec(), traceback: Mutex::new(Vec::new()), user: Some(inst) })),
            _ => Value::Instance(inst),
        })
    }

    /// `Base.__init__(obj, ...)` of a built-in base: `object`'s takes
    /// nothing, an exception's sets `args`, `Thread`'s and `Process`'s
    /// make the thread or process the object is (its `run` what it runs).
    fn native_init(&mut self, native: Native, obj: &Value, args: Vec<Value>, kw: Vec<(Arc<str>, Value)>) -> R<()> {
        let Some(inst) = obj.user_instance().cloned() else {
            return Err(type_error(format!("descriptor '__init__' requires an object of a class, not '{}'", obj.type_name())));
        };
        match native {
            Native::Object => {
                if !args.is_empty() || !kw.is_empty() {
                    return Err(type_error("object.__init__() takes exactly one argument (the instance to initialize)"));
                }
            }
            Native::Exc(_) => {
                if !kw.is_empty() {
                    return Err(type_error(format!("{}() takes no keyword arguments", inst.class.name)));
                }
                inst.set_native(Value::tuple(args));
            }
            Native::Thread | Native::Process => {
                let process = native == Native::Process;
                let named = args.get(2).is_some_and(|v| !matches!(v, Value::None)) || kw.iter().any(|(k, v)| &**k == "name" && !matches!(v, Value::None));
                let Value::Task(t) = builtins::call(self, if process { "multiprocessing.Process" } else { "threading.Thread" }, args, kw)? else {
                    return Ok(());
                };
                // Its `run` is what starts (the class's own, else Thread.run: the target).
                let (target, targs, tkw) = match inst.class.lookup("run") {
                    Some(f @ Value::Func(_)) => (Value::BoundMethod(Arc::new((obj.clone(), f))), Vec::new(), Vec::new()),
                    _ => (t.target.clone(), t.args.clone(), t.kwargs.clone()),
                };
                let name = if process && !named { subclass_process_name(inst.class.name, &t.name) } else { t.name.clone() };
                if !process {
                    // As CPython's Thread keeps them (a `run` may call them).
                    let mut kwargs = Table::default();
                    for (k, v) in &t.kwargs {
                        kwargs.insert(Value::Str(k.clone()), v.clone())?;
                    }
                    inst.attrs.set(&Arc::from("_target"), t.target.clone())?;
                    inst.attrs.set(&Arc::from("_args"), Value::tuple(t.args.clone()))?;
                    inst.attrs.set(&Arc::from("_kwargs"), Value::Dict(DictObj::new(kwargs)))?;
                }
                inst.set_native(Value::Task(Arc::new(TaskObj::new(process, name, t.is_daemon(), target, targs, tkw))));
            }
        }
        Ok(())
    }

    /// The root built-in base of a class.
    fn native_of(recv: &Value) -> Option<Native> {
        match recv {
            Value::Builtin("threading.Thread") => Some(Native::Thread),
            Value::Builtin("multiprocessing.Process") => Some(Native::Process),
            Value::Type(Type::Exc(k)) => Some(Native::Exc(*k)),
            Value::Type(Type::Object) => Some(Native::Object),
            _ => None,
        }
    }

    /// Whether `obj.name(...)` at `rpos` is for [`Vm::call_user_method`].
    fn user_receiver(&self, rpos: usize) -> bool {
        match &self.stack[rpos] {
            Value::Instance(_) | Value::Class(_) | Value::Super(_) => true,
            Value::Exc(e) => e.user.is_some(),
            // `threading.Thread.__init__(self, ...)`, `Exception.__init__(self, msg)`.
            Value::Builtin("threading.Thread" | "multiprocessing.Process") | Value::Type(Type::Exc(_) | Type::Object) => true,
            _ => false,
        }
    }

    /// Calls the callee at `fpos` with the arguments above it: a Python
    /// function's frame is pushed (true: the caller reloads its frame), any
    /// other call's result replaces them (false).
    fn call_at(&mut self, fpos: usize, kw: Vec<(Arc<str>, Value)>) -> R<bool> {
        match &self.stack[fpos] {
            Value::Func(f) => {
                let f = f.clone();
                let argc = self.stack.len() - fpos - 1;
                self.push_frame(f, argc, kw)?;
                Ok(true)
            }
            Value::BoundMethod(m) => {
                let m = m.clone();
                self.stack[fpos] = m.1.clone();
                self.stack.insert(fpos + 1, m.0.clone());
                self.call_at(fpos, kw)
            }
            Value::Class(c) => {
                let c = c.clone();
                let obj = Self::new_object(&c, &self.stack[fpos + 1..])?;
                match c.lookup("__init__") {
                    Some(Value::Func(f)) => {
                        // [obj, __init__, obj, args...]: the frame's return leaves obj.
                        self.stack[fpos] = obj.clone();
                        self.stack.insert(fpos + 1, Value::Func(f.clone()));
                        self.stack.insert(fpos + 2, obj);
                        let argc = self.stack.len() - fpos - 2;
                        self.push_frame(f, argc, kw)?;
                        if let Some(fr) = self.frames.last_mut() {
                            fr.ctor = true;
                        }
                        Ok(true)
                    }
                    _ => {
                        let args: Vec<Value> = self.stack.drain(fpos + 1..).collect();
                        self.stack.pop();
                        self.native_init(c.native, &obj, args, kw)?;
                        self.stack.push(obj);
                        Ok(false)
                    }
                }
            }
            _ => {
                let args: Vec<Value> = self.stack.drain(fpos + 1..).collect();
                let f = self.stack.pop().unwrap_or_default();
                let v = self.call_value(&f, args, kw)?;
                self.stack.push(v);
                Ok(false)
            }
        }
    }

    /// `recv.name(args)` with the receiver at `rpos` (an object, a class,
    /// `super()`, or a built-in base for its `__init__`): a method's frame
    /// is pushed as any call's (true), or the result pushed (false).
    fn call_user_method(&mut self, rpos: usize, name: &str) -> R<bool> {
        let recv = self.stack[rpos].clone();
        // (what to call, the object or class it binds as its first argument)
        let (callee, bound): (Value, Option<Value>) = match &recv {
            Value::Class(c) => match c.lookup(name) {
                Some(Value::Wrapped(w)) if w.0 == Wrap::ClassMethod => (w.1.clone(), Some(recv.clone())),
                Some(Value::Wrapped(w)) if w.0 == Wrap::Static => (w.1.clone(), None),
                Some(v) => (v, None),
                None if name == "__init__" => return self.native_init_at(rpos, c.native),
                None => return Err(no_attribute(&recv, name)),
            },
            Value::Super(s) => match s.0.base.as_ref().and_then(|b| b.lookup(name)) {
                Some(f @ Value::Func(_)) => (f, Some(s.1.clone())),
                Some(Value::Wrapped(w)) if w.0 == Wrap::ClassMethod => (w.1.clone(), Some(class_value(&s.1))),
                Some(Value::Wrapped(w)) if w.0 == Wrap::Static => (w.1.clone(), None),
                Some(v) => (v, None),
                None if name == "__init__" => {
                    self.stack[rpos] = s.1.clone();
                    let native = s.0.native;
                    let args: Vec<Value> = self.stack.drain(rpos + 1..).collect();
                    let obj = self.stack.pop().unwrap_or_default();
                    self.native_init(native, &obj, args, Vec::new())?;
                    self.stack.push(Value::None);
                    return Ok(false);
                }
                None => match (s.1.user_instance().and_then(|i| i.task()), name) {
                    (Some(t), "start" | "join" | "is_alive" | "terminate" | "kill" | "run") => {
                        let args: Vec<Value> = self.stack.drain(rpos + 1..).collect();
                        self.stack.pop();
                        if name == "start" && !t.process {
                            self.globals.counters.thread_started(&t, s.1.clone());
                        }
                        let v = if name == "run" { self.default_run(&s.1, &t)? } else { builtins::call_method(self, &Value::Task(t), name, args, Vec::new())? };
                        self.stack.push(v);
                        return Ok(false);
                    }
                    _ => return Err(exc(ExcKind::AttributeError, format!("'super' object has no attribute '{name}'"))),
                },
            },
            Value::Instance(_) | Value::Exc(_) => {
                let Some(inst) = recv.user_instance() else { return Err(no_attribute(&recv, name)) };
                match inst.attrs.get(name) {
                    Some(v) => (v, None),
                    None => match inst.class.lookup(name) {
                        Some(f @ Value::Func(_)) => (f, Some(recv.clone())),
                        Some(Value::Wrapped(w)) => match w.0 {
                            Wrap::Static => (w.1.clone(), None),
                            Wrap::ClassMethod => (w.1.clone(), Some(Value::Class(inst.class.clone()))),
                            Wrap::Property => (self.call_value(&w.1, vec![recv.clone()], Vec::new())?, None),
                        },
                        Some(v) => (v, None),
                        None => {
                            // A thread's or process's own methods (start, join, ...).
                            let task = inst.task();
                            if matches!(inst.class.native, Native::Thread | Native::Process) && TASK_ATTRS.contains(&name) {
                                let Some(t) = task else {
                                    return Err(exc(ExcKind::RuntimeError, "thread.__init__() not called"));
                                };
                                let args: Vec<Value> = self.stack.drain(rpos + 1..).collect();
                                self.stack.pop();
                                if name == "start" && !t.process {
                                    self.globals.counters.thread_started(&t, recv.clone());
                                }
                                let v = if name == "run" {
                                    self.default_run(&recv, &t)?
                                } else {
                                    builtins::call_method(self, &Value::Task(t), name, args, Vec::new())?
                                };
                                self.stack.push(v);
                                return Ok(false);
                            }
                            if name == "with_traceback" {
                                return Err(no_attribute(&recv, name));
                            }
                            return Err(no_attribute(&recv, name));
                        }
                    },
                }
            }
            other => match Self::native_of(other) {
                Some(native) if name == "__init__" => return self.native_init_at(rpos, native),
                _ => {
                    // Any other attribute of a built-in: as before.
                    let f = self.attr(other, name)?;
                    (f, None)
                }
            },
        };
        self.stack[rpos] = callee;
        if let Some(b) = bound {
            self.stack.insert(rpos + 1, b);
        }
        self.call_at(rpos, Vec::new())
    }

    /// `Thread.run(obj)` (or `Process.run`): the target given to `__init__`
    /// (a thread's as its `_target`, `_args`, `_kwargs` are now).
    fn default_run(&mut self, obj: &Value, t: &Arc<TaskObj>) -> R<Value> {
        if !t.process {
            let target = self.attr(obj, "_target")?;
            if matches!(target, Value::None) {
                return Ok(Value::None);
            }
            let args = collect_plain(&self.attr(obj, "_args")?)?;
            let kwargs = match self.attr(obj, "_kwargs")? {
                Value::Dict(d) => d.lock().iter().map(|(k, v)| (Arc::from(k.to_str()), v.clone())).collect(),
                _ => Vec::new(),
            };
            return self.call_value(&target, args, kwargs);
        }
        match &t.target {
            // A subclass's own `run` is not `Process.run`'s target.
            Value::None | Value::BoundMethod(_) => Ok(Value::None),
            f => self.call_value(f, t.args.clone(), t.kwargs.clone()),
        }
    }

    /// `Base.__init__(obj, args...)` at `rpos` for a built-in base.
    fn native_init_at(&mut self, rpos: usize, native: Native) -> R<bool> {
        let mut args: Vec<Value> = self.stack.drain(rpos + 1..).collect();
        self.stack.pop();
        if args.is_empty() {
            return Err(type_error("descriptor '__init__' of object needs an argument"));
        }
        let obj = args.remove(0);
        self.native_init(native, &obj, args, Vec::new())?;
        self.stack.push(Value::None);
        Ok(false)
    }

    /// A class attribute read through an object: a function binds to it.
    fn bind(&mut self, v: Value, obj: &Value) -> R<Value> {
        match v {
            Value::Func(_) => Ok(Value::BoundMethod(Arc::new((obj.clone(), v)))),
            Value::Wrapped(w) => match w.0 {
                Wrap::Static => Ok(w.1.clone()),
                Wrap::ClassMethod => Ok(Value::BoundMethod(Arc::new((class_value(obj), w.1.clone())))),
                Wrap::Property => self.call_value(&w.1, vec![obj.clone()], Vec::new()),
            },
            other => Ok(other),
        }
    }

    /// `obj.name` for objects, classes, `super()` and bound methods
    /// (`None`: another value, read as before).
    fn user_attr(&mut self, obj: &Value, name: &str) -> Option<R<Value>> {
        Some(match obj {
            Value::Class(c) => match (name, c.lookup(name)) {
                ("__name__", None) => Ok(Value::str(c.name)),
                (_, Some(Value::Wrapped(w))) if w.0 == Wrap::Static => Ok(w.1.clone()),
                (_, Some(Value::Wrapped(w))) if w.0 == Wrap::ClassMethod => Ok(Value::BoundMethod(Arc::new((obj.clone(), w.1.clone())))),
                (_, Some(v)) => Ok(v),
                _ => Err(no_attribute(obj, name)),
            },
            Value::Super(s) => match s.0.base.as_ref().and_then(|b| b.lookup(name)) {
                Some(v) => self.bind(v, &s.1.clone()),
                None if name == "__init__" => Ok(Value::BoundMethod(Arc::new((s.1.clone(), init_of(s.0.native))))),
                None => Err(exc(ExcKind::AttributeError, format!("'super' object has no attribute '{name}'"))),
            },
            Value::Builtin(_) | Value::Type(_) if name == "__init__" => Ok(init_of(Self::native_of(obj)?)),
            Value::Builtin(b @ ("threading.Thread" | "multiprocessing.Process")) => {
                let full = format!("{b}.{name}");
                Ok(Value::Builtin(TASK_METHODS.iter().find(|m| **m == full)?))
            }
            Value::BoundMethod(m) => match (name, &m.1) {
                ("__name__", Value::Func(f)) => Ok(Value::Str(f.name())),
                ("__doc__", Value::Func(f)) => Ok(f.doc()),
                ("__self__", _) => Ok(m.0.clone()),
                ("__func__", _) => Ok(m.1.clone()),
                _ => Err(no_attribute(obj, name)),
            },
            Value::Instance(_) | Value::Exc(_) => {
                let inst = obj.user_instance()?.clone();
                if let Some(v) = inst.attrs.get(name) {
                    return Some(Ok(v));
                }
                match inst.class.lookup(name) {
                    Some(v) => self.bind(v, obj),
                    None => match (inst.task(), obj, name) {
                        (_, _, "__class__") => Ok(Value::Class(inst.class.clone())),
                        (Some(t), _, _) if TASK_ATTRS.contains(&name) => self.attr(&Value::Task(t), name),
                        (_, Value::Exc(e), "args") => Ok(Value::tuple(e.args())),
                        _ => Err(no_attribute(obj, name)),
                    },
                }
            }
            _ => return None,
        })
    }

    /// `obj.name = v` on an object or a class (false: another value).
    fn store_user_attr(&mut self, obj: &Value, name: &Arc<str>, v: Value) -> R<bool> {
        if let Value::Class(c) = obj {
            c.attrs.set(name, v)?;
            return Ok(true);
        }
        let Some(inst) = obj.user_instance() else { return Ok(false) };
        if let Some(t) = inst.task() {
            match &**name {
                "daemon" => {
                    set_daemon(&t, &v)?;
                    return Ok(true);
                }
                "name" => {
                    // A thread's name, before it starts (CPython's property).
                    if t.state.load(std::sync::atomic::Ordering::SeqCst) != TASK_NEW {
                        return Err(exc(ExcKind::RuntimeError, "ThreadLab's Python names a thread or process before it starts"));
                    }
                    let renamed = TaskObj::new(t.process, Arc::from(v.to_str()), t.is_daemon(), t.target.clone(), t.args.clone(), t.kwargs.clone());
                    inst.set_native(Value::Task(Arc::new(renamed)));
                    return Ok(true);
                }
                _ => {}
            }
        }
        if let Some(Value::Wrapped(w)) = inst.class.lookup(name) {
            if w.0 == Wrap::Property {
                return Err(exc(ExcKind::AttributeError, format!("property '{name}' of '{}' object has no setter", inst.class.name)));
            }
        }
        inst.attrs.set(name, v)?;
        Ok(true)
    }

    /// Whether `v` (or what it holds) is an object whose class writes its
    /// own `__str__` or `__repr__`.
    fn has_dunder(&self, v: &Value) -> bool {
        // At most this many values looked at (a list holding itself twice
        // must not take for ever).
        fn walk(v: &Value, depth: usize, budget: &mut usize) -> bool {
            if depth > 50 || *budget == 0 {
                return false;
            }
            *budget -= 1;
            // (Each container's items are copied out of its lock first: it may hold itself.)
            let items: Vec<Value> = match v {
                Value::Instance(_) | Value::Exc(_) => return v.user_instance().is_some_and(|i| i.class.lookup("__str__").is_some() || i.class.lookup("__repr__").is_some()),
                Value::List(l) => l.lock().clone(),
                Value::Tuple(t) => t.to_vec(),
                Value::Dict(d) => d.lock().iter().flat_map(|(k, x)| [k.clone(), x.clone()]).collect(),
                Value::Set(d) => d.lock().keys(),
                _ => return false,
            };
            items.iter().any(|x| walk(x, depth + 1, budget))
        }
        walk(v, 0, &mut 100_000)
    }

    /// Calls the method `name` of an object's class.
    fn call_dunder(&mut self, obj: &Value, name: &str, args: Vec<Value>) -> R<Value> {
        let f = match obj.user_instance().and_then(|i| i.class.lookup(name)) {
            Some(f) => f,
            None => return Err(no_attribute(obj, name)),
        };
        let mut all = vec![obj.clone()];
        all.extend(args);
        self.call_value(&f, all, Vec::new())
    }

    /// Calls an object's `__str__`/`__repr__`, which must return a str.
    fn dunder(&mut self, v: &Value, name: &str) -> R<Option<String>> {
        if v.user_instance().and_then(|i| i.class.lookup(name)).is_none() {
            return Ok(None);
        }
        match self.call_dunder(v, name, Vec::new())? {
            Value::Str(s) => Ok(Some(s.to_string())),
            o => Err(type_error(format!("{name} returned non-string (type {})", o.type_name()))),
        }
    }

    /// A user exception's `str()` through its class's `__str__` (`None`:
    /// it has none, or it failed).
    pub fn message_of(&mut self, e: &Arc<ExcObj>) -> Option<String> {
        let v = Value::Exc(e.clone());
        if !self.has_dunder(&v) {
            return None;
        }
        self.str_of(&v).ok()
    }

    /// `%` formatting's operand with its objects as their `str()`.
    fn str_items(&mut self, v: Value) -> R<Value> {
        let text = |vm: &mut Self, x: &Value| -> R<Value> { Ok(if x.user_instance().is_some() { Value::Str(Arc::from(vm.str_of(x)?)) } else { x.clone() }) };
        match &v {
            Value::Tuple(t) => {
                let mut out = Vec::with_capacity(t.len());
                for x in t.iter() {
                    out.push(text(self, x)?);
                }
                Ok(Value::tuple(out))
            }
            Value::Instance(_) | Value::Exc(_) => text(self, &v),
            _ => Ok(v),
        }
    }

    /// `str(v)` calling the classes' `__str__` (else `__repr__`).
    fn str_of(&mut self, v: &Value) -> R<String> {
        if let Some(s) = self.dunder(v, "__str__")? {
            return Ok(s);
        }
        match v {
            Value::Exc(e) if e.user.is_some() && e.user.as_ref().is_some_and(|u| u.class.lookup("__repr__").is_none()) => Ok(e.message()),
            Value::Str(s) => Ok(s.to_string()),
            other => self.repr_of(other, 0),
        }
    }

    /// `repr(v)` calling the classes' `__repr__`, inside containers too.
    fn repr_of(&mut self, v: &Value, depth: usize) -> R<String> {
        if depth > 200 {
            return Ok("...".into());
        }
        if let Some(s) = self.dunder(v, "__repr__")? {
            return Ok(s);
        }
        // A container inside itself prints as CPython prints it: `[...]`.
        let id = match v {
            Value::List(l) => Arc::as_ptr(l) as usize,
            Value::Dict(d) | Value::Set(d) => Arc::as_ptr(d) as usize,
            _ => 0,
        };
        if id != 0 && self.printing.contains(&id) {
            return Ok(if matches!(v, Value::List(_)) { "[...]".into() } else { "{...}".into() });
        }
        self.printing.push(id);
        let r = self.repr_container(v, depth);
        self.printing.pop();
        r
    }

    /// `items` between `open` and `close`, each `repr_of` (a 1-tuple with its comma).
    fn repr_seq(&mut self, items: &[Value], open: &str, close: &str, depth: usize) -> R<String> {
        let mut out = String::from(open);
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&self.repr_of(x, depth + 1)?);
        }
        if items.len() == 1 && open == "(" {
            out.push(',');
        }
        out.push_str(close);
        Ok(out)
    }

    fn repr_container(&mut self, v: &Value, depth: usize) -> R<String> {
        match v {
            Value::List(l) => {
                let items = l.lock().clone();
                self.repr_seq(&items, "[", "]", depth)
            }
            Value::Tuple(t) => self.repr_seq(&t.clone(), "(", ")", depth),
            Value::Set(d) => {
                let items = d.lock().keys();
                if items.is_empty() {
                    Ok("set()".into())
                } else {
                    self.repr_seq(&items, "{", "}", depth)
                }
            }
            Value::Dict(d) => {
                let items: Vec<(Value, Value)> = d.lock().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                let mut out = String::from("{");
                for (i, (k, x)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&self.repr_of(k, depth + 1)?);
                    out.push_str(": ");
                    out.push_str(&self.repr_of(x, depth + 1)?);
                }
                out.push('}');
                Ok(out)
            }
            other => Ok(other.repr()),
        }
    }

    /// Whether `v` is an instance of `t` (a class of the program, a
    /// built-in type, `threading.Thread`, `multiprocessing.Process`).
    fn is_instance(v: &Value, t: &Value) -> Option<bool> {
        let inst = v.user_instance();
        Some(match t {
            Value::Class(c) => inst.is_some_and(|i| i.class.is_subclass(c)),
            Value::Builtin("threading.Thread") => inst.is_some_and(|i| i.class.native == Native::Thread) || matches!(v, Value::Task(t) if !t.process),
            Value::Builtin("multiprocessing.Process") => inst.is_some_and(|i| i.class.native == Native::Process) || matches!(v, Value::Task(t) if t.process),
            Value::Type(Type::Object) => true,
            Value::Type(Type::Exc(k)) => matches!(v, Value::Exc(e) if e.kind.is_subclass(*k)),
            Value::Type(_) if inst.is_some() => false,
            _ => return None,
        })
    }

    /// The built-ins that see objects (`print`, `repr`, `format`,
    /// `isinstance`, `callable`); `None`: the built-in as it is.
    fn object_builtin(&mut self, name: &str, args: &[Value], kw: &[(Arc<str>, Value)]) -> Option<R<Value>> {
        if let Some(method) = TASK_METHODS.iter().find(|m| **m == name).and_then(|m| m.rsplit('.').next()) {
            // `Thread.join(obj, ...)`: the thread the object is.
            let Some((obj, rest)) = args.split_first() else {
                return Some(Err(type_error(format!("{name}() needs an argument"))));
            };
            let task = match obj {
                Value::Task(t) => Some(t.clone()),
                o => o.user_instance().and_then(|i| i.task()),
            };
            let Some(t) = task else {
                return Some(Err(exc(ExcKind::RuntimeError, "thread.__init__() not called")));
            };
            return Some(if method == "run" { self.default_run(obj, &t) } else { builtins::call_method(self, &Value::Task(t), method, rest.to_vec(), kw.to_vec()) });
        }
        if let Some(native) = init_native(name) {
            let Some((obj, rest)) = args.split_first() else {
                return Some(Err(type_error("descriptor '__init__' needs an argument")));
            };
            return Some(self.native_init(native, obj, rest.to_vec(), kw.to_vec()).map(|_| Value::None));
        }
        match name {
            "print" if args.iter().any(|a| self.has_dunder(a)) => {
                let mut out = Vec::with_capacity(args.len());
                for a in args {
                    match self.str_of(a) {
                        Ok(s) => out.push(Value::Str(Arc::from(s))),
                        Err(e) => return Some(Err(e)),
                    }
                }
                Some(builtins::call(self, "print", out, Vec::new()))
            }
            "repr" if args.len() == 1 && self.has_dunder(&args[0]) => Some(self.repr_of(&args[0], 0).map(|s| Value::Str(Arc::from(s)))),
            "format" if args.len() == 1 && self.has_dunder(&args[0]) => Some(self.str_of(&args[0]).map(|s| Value::Str(Arc::from(s)))),
            "isinstance" if args.len() == 2 => {
                let types = match &args[1] {
                    Value::Tuple(t) => t.to_vec(),
                    o => vec![o.clone()],
                };
                let mut any = false;
                for t in &types {
                    any |= Self::is_instance(&args[0], t)?;
                }
                Some(Ok(Value::Bool(any)))
            }
            "staticmethod" | "classmethod" | "property" => Some(match args {
                [f] => Ok(Value::Wrapped(Arc::new((
                    match name {
                        "staticmethod" => Wrap::Static,
                        "classmethod" => Wrap::ClassMethod,
                        _ => Wrap::Property,
                    },
                    f.clone(),
                )))),
                _ => Err(type_error(format!("{name} expected 1 argument, got {}", args.len()))),
            }),
            "getattr" | "hasattr" | "setattr" => Some(self.attr_builtin(name, args)),
            "callable" if args.len() == 1 && matches!(args[0], Value::Class(_) | Value::BoundMethod(_)) => Some(Ok(Value::Bool(true))),
            _ => None,
        }
    }

    /// `getattr(obj, name[, default])`, `hasattr(obj, name)`, `setattr(obj, name, v)`.
    fn attr_builtin(&mut self, which: &str, args: &[Value]) -> R<Value> {
        let (lo, hi) = match which {
            "getattr" => (2, 3),
            "hasattr" => (2, 2),
            _ => (3, 3),
        };
        if args.len() < lo || args.len() > hi {
            return Err(type_error(format!("{which} expected {lo} arguments, got {}", args.len())));
        }
        let Value::Str(name) = &args[1] else {
            return Err(type_error(format!("attribute name must be string, not '{}'", args[1].type_name())));
        };
        if which == "setattr" {
            if self.store_user_attr(&args[0], name, args[2].clone())? {
                return Ok(Value::None);
            }
            return match (&args[0], &**name) {
                (Value::Task(t), "daemon") => set_daemon(t, &args[2]).map(|_| Value::None),
                (o, _) => Err(no_attribute(o, name)),
            };
        }
        match self.attr(&args[0], name) {
            Ok(v) if which == "getattr" => Ok(v),
            Ok(_) => Ok(Value::Bool(true)),
            Err(Err::Exc(e)) if e.kind == ExcKind::AttributeError => match (which, args.get(2)) {
                ("getattr", Some(d)) => Ok(d.clone()),
                ("getattr", None) => Err(Err::Exc(e)),
                _ => Ok(Value::Bool(false)),
            },
            Err(e) => Err(e),
        }
    }

    /// `str(obj)` and `type(obj)` for objects (`None`: as before).
    fn object_construct(&mut self, t: Type, args: &[Value]) -> Option<R<Value>> {
        match (t, args) {
            (Type::Str, [v]) if self.has_dunder(v) => Some(self.str_of(v).map(|s| Value::Str(Arc::from(s)))),
            (Type::Object, [v]) => match v {
                Value::Instance(_) | Value::Exc(_) if v.user_instance().is_some() => v.user_instance().map(|i| Ok(Value::Class(i.class.clone()))),
                Value::Class(_) => Some(Ok(Value::Type(Type::Object))),
                _ => None,
            },
            _ => None,
        }
    }
}

/// `f(**m)`: adds the dict `m`'s items to the call's keyword arguments
/// `into`, whose names are strings given once (CPython's messages,
/// naming the `callee`).
fn merge_kwargs(into: &DictObj, m: &Value, callee: &str) -> R<()> {
    let Value::Dict(m) = m else {
        return Err(type_error(format!("{callee} argument after ** must be a mapping, not {}", m.type_name())));
    };
    let items: Vec<(Value, Value)> = m.lock().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut t = into.lock();
    for (k, v) in items {
        if !matches!(k, Value::Str(_)) {
            return Err(type_error("keywords must be strings".to_string()));
        }
        if t.contains(&k)? {
            return Err(type_error(format!("{callee} got multiple values for keyword argument '{}'", k.to_str())));
        }
        t.insert(k, v)?;
    }
    Ok(())
}
