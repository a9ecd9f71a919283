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
        let builtins = names.iter().map(|n| builtins::lookup(n)).collect();
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
}

struct Handler {
    frame: usize,
    target: u32,
    sp: usize,
}

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
    Err::Exc(Arc::new(ExcObj { kind, args, traceback: Mutex::new(Vec::new()) }))
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
        Vm { globals, gcache, spares: Vec::with_capacity(SPARES), host, ticks: limits.check_interval.max(1), limits, stack: Vec::with_capacity(256), frames: Vec::new(), handlers: Vec::new(), nested: 0, rng: None, seed: 0 }
    }

    /// Run a module's top level.
    pub fn run_module(&mut self, code: Arc<Code>) -> R<Value> {
        let depth = self.frames.len();
        self.stack.push(Value::None);
        let base = self.stack.len();
        self.stack.resize(base + code.nslots as usize, Value::Undef);
        self.frames.push(Frame { owner: Owner::Code(code), pc: 0, base });
        self.run(depth)
    }

    /// Call any callable with positional arguments.
    pub fn call_value(&mut self, f: &Value, args: Vec<Value>, kw: Vec<(Arc<str>, Value)>) -> R<Value> {
        match f {
            Value::Func(func) => {
                if self.nested > 40 {
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
            Value::Builtin(name) => builtins::call(self, name, args, kw),
            Value::Type(t) => builtins::construct(self, *t, args, kw),
            Value::Method(m) => builtins::call_method(self, &m.0, &m.1, args, kw),
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
        if argc == np && kw.is_empty() && !code.vararg {
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
            for (k, v) in kw {
                match code.param_names.iter().position(|p| *p == k) {
                    Some(i) if matches!(args[i], Value::Undef) => args[i] = v,
                    Some(_) => {
                        self.stack.truncate(base - 1);
                        return Err(type_error(format!("{}() got multiple values for argument '{k}'", code.name)));
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
        }
        let filled = self.stack.len() - base;
        self.stack.resize(base + code.nslots as usize, Value::Undef);
        let _ = filled;
        for (i, &s) in code.free_slots.iter().enumerate() {
            self.stack[base + s as usize] = f.closure[i].clone();
        }
        self.frames.push(Frame { owner: Owner::Func(f), pc: 0, base });
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
                self.stack.push($v);
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
                        if fc.nparams == argc && !fc.vararg && fc.free_slots.is_empty() && self.frames.len() <= self.limits.recursion {
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
                            self.frames.push(Frame { owner: Owner::Func(f), pc: 0, base });
                            pc = 0;
                            continue;
                        }
                        let f = f.clone();
                        let fi = self.frames.len() - 1;
                        self.frames[fi].pc = pc;
                        t!(self.push_frame(f, argc as usize, Vec::new()));
                        reload!();
                    } else {
                        let args: Vec<Value> = self.stack.drain(fpos + 1..).collect();
                        let f = pop!();
                        let fi = self.frames.len() - 1;
                        self.frames[fi].pc = pc;
                        let v = t!(self.call_value(&f, args, Vec::new()));
                        self.stack.push(v);
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
                    if let Value::Func(f) = &self.stack[fpos] {
                        let f = f.clone();
                        t!(self.push_frame(f, npos, kw));
                        reload!();
                    } else {
                        let args: Vec<Value> = self.stack.drain(fpos + 1..).collect();
                        let f = pop!();
                        let v = t!(self.call_value(&f, args, kw));
                        self.stack.push(v);
                    }
                }
                Op::CallList => {
                    let list = pop!();
                    let args = t!(collect_plain(&list));
                    let fi = self.frames.len() - 1;
                    self.frames[fi].pc = pc;
                    if let Some(Value::Func(f)) = self.stack.last() {
                        let f = f.clone();
                        let n = args.len();
                        self.stack.extend(args);
                        t!(self.push_frame(f, n, Vec::new()));
                        reload!();
                    } else {
                        let f = pop!();
                        let v = t!(self.call_value(&f, args, Vec::new()));
                        self.stack.push(v);
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
                        Value::Module(_) | Value::Exc(_) | Value::Thread(_) | Value::Type(_) => {
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
                    match (&obj, &*name) {
                        (Value::Task(t), "daemon") => {
                            if t.state.load(std::sync::atomic::Ordering::SeqCst) != TASK_NEW {
                                t!(Err(exc(ExcKind::RuntimeError, if t.process { "cannot set daemon status of active process" } else { "cannot set daemon status of active thread" })));
                            }
                            t.daemon.store(v.truthy(), std::sync::atomic::Ordering::SeqCst);
                        }
                        (Value::Shared(s), "value") if s.len.is_none() => t!(s.set(0, &v)),
                        _ => t!(Err(exc(ExcKind::AttributeError, format!("ThreadLab's Python sets no attribute but a thread's or process's `daemon` (here '{}' object's '{name}')", obj.type_name())))),
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
                    self.stack.push(Value::Func(Arc::new(Function { code: c.clone(), defaults, closure })));
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
                    let types = match &ty {
                        Value::Tuple(t) => t.to_vec(),
                        o => vec![o.clone()],
                    };
                    let mut hit = false;
                    for t in &types {
                        match t {
                            Value::Type(Type::Exc(k)) => hit |= kind.is_subclass(*k),
                            _ => t!(Err(type_error("catching classes that do not inherit from BaseException is not allowed"))),
                        }
                    }
                    self.stack.push(Value::Bool(hit));
                }
                Op::FormatValue(conv, has_spec) => {
                    let spec = if has_spec { pop!().to_str() } else { String::new() };
                    let v = pop!();
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
                        Value::Lock(l) => {
                            while !l.try_acquire() {
                                let owner = l.owner();
                                let line = Caller::line(self);
                                t!(self.host.lock_wait(owner.as_deref(), line, false, &mut || !l.locked()).map_err(Err::Stop));
                            }
                            l.set_owner(Some(Arc::from(self.host.thread_name())));
                            self.stack.push(Value::Bool(true));
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
                    Value::Lock(l) => {
                        l.set_owner(None);
                        t!(l.release())
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
            _ => unreachable!("{op:?} is run by run_inner"),
        }
        Ok(())
    }

    fn collect(&mut self, v: &Value) -> R<Vec<Value>> {
        collect_plain(v)
    }

    fn attr(&mut self, obj: &Value, name: &str) -> R<Value> {
        match (obj, name) {
            (Value::Module(m), _) => builtins::module_attr(*m, name),
            (Value::Exc(e), "args") => Ok(Value::tuple(e.args.clone())),
            (Value::Thread(n), "name") => Ok(Value::Str(n.clone())),
            (Value::Task(t), "name") => Ok(Value::Str(t.name.clone())),
            (Value::Task(t), "daemon") => Ok(Value::Bool(t.is_daemon())),
            (Value::Task(t), "exitcode") if t.process => Ok(t.exitcode.lock().unwrap_or_else(|e| e.into_inner()).map_or(Value::None, |c| Value::Int(c.into()))),
            (Value::Shared(s), "value") if s.len.is_none() => Ok(s.get(0)),
            (Value::Task(_) | Value::Event(_) | Value::Queue(_) | Value::Future(_) | Value::Pool(_) | Value::Semaphore(_) | Value::Shared(_), _) => Ok(Value::Method(Arc::new((obj.clone(), Arc::from(name))))),
            (Value::Type(t), "__name__") => Ok(Value::str(t.name())),
            (Value::Func(f), "__name__") => Ok(Value::Str(f.code.name.clone())),
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
    fn counters(&self) -> &Counters {
        &self.globals.counters
    }
    fn line(&self) -> u32 {
        self.frames.last().map_or(0, |f| f.code().lines.get(f.pc.saturating_sub(1)).copied().unwrap_or(0))
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
