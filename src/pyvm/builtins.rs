//! Built-in functions, methods of the built-in types, and the modules
//! `time`, `threading`, `math` and `random` (its generator in `random`),
//! `sys` and `logging`.

use std::sync::{Arc, Mutex};

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, Zero};

use super::ast::BinOp;
use super::error::ExcKind;
use super::format::{collect_plain, format_value};
use super::host::Host;
use super::ops;
use super::value::*;

/// What a built-in needs from the VM: calling Python functions (a `key=`),
/// the eval breaker inside long loops, and the host's effects.
pub trait Caller {
    fn call(&mut self, f: &Value, args: Vec<Value>) -> R<Value>;
    fn tick(&mut self) -> R<()>;
    fn host(&mut self) -> &mut dyn Host;
    /// `random`'s generator for this call (seeded at its first use).
    fn rng(&mut self) -> &mut super::random::Mt;
    /// `random.seed(n)` (`None`: back to the call's own seed).
    fn reseed(&mut self, key: Option<&[u32]>);
    /// The interpreter's naming counters (`Thread-1`, `Process-1`).
    fn counters(&self) -> &Counters;
    /// The source line running now.
    fn line(&self) -> u32;
    /// The started thread running (its `TaskObj`'s address; 0: none).
    fn thread(&self) -> usize {
        0
    }
    /// The exception being handled (in an `except` block), for `logging.exception`.
    fn handled(&self) -> Option<Arc<ExcObj>> {
        None
    }
    /// The function running now (`<module>` at the top level), for `logging`'s `funcName`.
    fn function(&self) -> Arc<str> {
        Arc::from("<module>")
    }
}

const NAMES: &[&str] = &[
    "print", "len", "sum", "min", "max", "abs", "enumerate", "zip", "sorted", "reversed", "isinstance", "repr", "round", "divmod", "pow", "any", "all", "map", "filter", "iter", "next", "ord", "chr", "hex", "bin", "oct", "hash", "callable", "format",
];

/// A name's built-in value, if it has one (looked up when a global is unset).
pub fn lookup(name: &str) -> Option<Value> {
    if let Some(n) = NAMES.iter().find(|n| **n == name) {
        return Some(Value::Builtin(n));
    }
    let t = match name {
        "__name__" => return Some(Value::str("__main__")),
        "int" => Type::Int,
        "float" => Type::Float,
        "bool" => Type::Bool,
        "str" => Type::Str,
        "list" => Type::List,
        "tuple" => Type::Tuple,
        "dict" => Type::Dict,
        "set" => Type::Set,
        "range" => Type::Range,
        "type" => Type::Object,
        "object" => Type::Object,
        // `queue.Empty` and `threading.BrokenBarrierError` are not built-in names.
        _ => return ExcKind::from_name(name).filter(|k| !matches!(k, ExcKind::Empty | ExcKind::Full | ExcKind::BrokenBarrierError)).map(|k| Value::Type(Type::Exc(k))),
    };
    Some(Value::Type(t))
}

pub fn module_attr(m: Module, name: &str) -> R<Value> {
    let v = match (m, name) {
        (Module::Time, "sleep" | "perf_counter" | "time" | "monotonic" | "perf_counter_ns" | "time_ns") => Value::Builtin(leak(m, name)),
        (Module::Threading, "Lock" | "RLock" | "current_thread" | "get_ident" | "Thread" | "Event" | "main_thread" | "active_count" | "Semaphore" | "BoundedSemaphore" | "Condition" | "Barrier" | "local" | "Timer" | "enumerate" | "get_native_id") => Value::Builtin(leak(m, name)),
        (Module::Threading, "BrokenBarrierError") => Value::Type(Type::Exc(ExcKind::BrokenBarrierError)),
        (Module::Sys | Module::Logging, _) => return std_attr(m, name),
        (Module::Multiprocessing, "Process" | "cpu_count" | "current_process" | "Pool" | "Queue" | "SimpleQueue" | "Pipe" | "Value" | "Array" | "Lock" | "RLock") => Value::Builtin(leak(m, name)),
        (Module::Os, "getpid" | "cpu_count") => Value::Builtin(leak(m, name)),
        (Module::Functools, "wraps" | "partial" | "update_wrapper") => Value::Builtin(leak(m, name)),
        (Module::Queue, "Queue" | "LifoQueue" | "PriorityQueue" | "SimpleQueue") => Value::Builtin(leak(m, name)),
        (Module::Queue, "Empty") => Value::Type(Type::Exc(ExcKind::Empty)),
        (Module::Queue, "Full") => Value::Type(Type::Exc(ExcKind::Full)),
        (Module::Concurrent, "futures") => Value::Module(Module::Futures),
        (Module::Futures, "ThreadPoolExecutor" | "ProcessPoolExecutor" | "as_completed" | "wait") => Value::Builtin(leak(m, name)),
        (Module::Futures, "FIRST_COMPLETED" | "ALL_COMPLETED" | "FIRST_EXCEPTION") => Value::str(name),
        (Module::Futures, "TimeoutError") => Value::Type(Type::Exc(ExcKind::TimeoutError)),
        (Module::Math, "pi") => Value::Float(std::f64::consts::PI),
        (Module::Math, "e") => Value::Float(std::f64::consts::E),
        (Module::Math, "tau") => Value::Float(std::f64::consts::TAU),
        (Module::Math, "inf") => Value::Float(f64::INFINITY),
        (Module::Math, "nan") => Value::Float(f64::NAN),
        (Module::Math, "sqrt" | "floor" | "ceil" | "log" | "log2" | "log10" | "exp" | "sin" | "cos" | "tan" | "atan" | "atan2" | "hypot" | "isqrt" | "gcd" | "factorial" | "fabs" | "pow" | "trunc" | "isclose") => Value::Builtin(leak(m, name)),
        (Module::Random, "random" | "seed" | "randint" | "choice" | "uniform" | "shuffle" | "randrange") => Value::Builtin(leak(m, name)),
        _ => return Err(exc(ExcKind::AttributeError, format!("module '{}' has no attribute '{name}'", m.name()))),
    };
    Ok(v)
}

/// The qualified names of module functions, as static strings.
const QUALIFIED: &[&str] = &[
    "time.sleep", "time.perf_counter", "time.time", "time.monotonic", "time.perf_counter_ns", "time.time_ns", "threading.Lock", "threading.RLock", "threading.current_thread", "threading.get_ident", "threading.Thread", "threading.Event", "threading.main_thread", "threading.active_count", "threading.Semaphore", "threading.BoundedSemaphore", "threading.Condition", "threading.Barrier", "threading.local", "threading.Timer", "threading.enumerate", "threading.get_native_id", "sys.exit", "sys.getswitchinterval", "sys.setswitchinterval", "sys._is_gil_enabled", "logging.basicConfig", "logging.getLogger", "logging.debug", "logging.info", "logging.warning", "logging.error", "logging.critical", "logging.exception", "logging.log", "multiprocessing.Process", "multiprocessing.cpu_count", "multiprocessing.current_process", "multiprocessing.Pool", "multiprocessing.Queue", "multiprocessing.SimpleQueue", "multiprocessing.Pipe", "multiprocessing.Value", "multiprocessing.Array", "multiprocessing.Lock", "multiprocessing.RLock", "os.getpid", "os.cpu_count", "functools.wraps", "functools.partial", "functools.update_wrapper", "queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", "queue.SimpleQueue", "concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ProcessPoolExecutor", "concurrent.futures.as_completed", "concurrent.futures.wait", "math.sqrt", "math.floor", "math.ceil", "math.log", "math.log2", "math.log10", "math.exp", "math.sin", "math.cos", "math.tan", "math.atan", "math.atan2", "math.hypot", "math.isqrt", "math.gcd", "math.factorial", "math.fabs", "math.pow", "math.trunc", "math.isclose", "random.random", "random.seed", "random.randint", "random.choice", "random.uniform", "random.shuffle", "random.randrange",
];
const CONSTANTS: &[&str] = &["threading.BrokenBarrierError", "sys.version", "sys.version_info", "sys.argv", "sys.platform", "sys.maxsize", "sys.stdout", "sys.stderr", "logging.DEBUG", "logging.INFO", "logging.WARNING", "logging.ERROR", "logging.CRITICAL", "logging.NOTSET", "math.pi", "math.e", "math.tau", "math.inf", "math.nan", "queue.Empty", "queue.Full", "concurrent.futures", "concurrent.futures.TimeoutError", "concurrent.futures.FIRST_COMPLETED", "concurrent.futures.ALL_COMPLETED", "concurrent.futures.FIRST_EXCEPTION"];

fn leak(m: Module, name: &str) -> &'static str {
    let full = format!("{}.{name}", m.name());
    QUALIFIED.iter().find(|q| **q == full).copied().unwrap_or("?")
}

/// What a module has, for refusing anything else before a run.
pub fn attributes(m: Module) -> Vec<&'static str> {
    QUALIFIED.iter().chain(CONSTANTS).filter_map(|q| q.strip_prefix(m.name())?.strip_prefix('.')).filter(|n| !n.contains('.')).collect()
}

/// An iterator over `v`.
pub fn iter_of(v: &Value) -> R<Iter> {
    Ok(match v {
        Value::Range(r) => Iter::Range { cur: r.start, left: r.len(), step: r.step },
        Value::List(l) => Iter::List { list: l.clone(), idx: 0 },
        Value::Tuple(t) => Iter::Items { items: t.clone(), idx: 0 },
        Value::Str(s) => Iter::Chars { s: s.clone(), pos: 0 },
        Value::Dict(d) | Value::Set(d) => Iter::Items { items: d.lock().keys().into(), idx: 0 },
        Value::Iter(it) => (**it).clone(),
        // A shared array: its numbers as they are now.
        Value::Shared(s) if s.len.is_some() => Iter::Items { items: (0..s.len.unwrap_or(0)).map(|i| s.get(i)).collect(), idx: 0 },
        Value::SharedIter(it) => {
            // Drain it: shared iterators are consumed as Python's are.
            let mut g = it.lock().unwrap_or_else(|e| e.into_inner());
            let mut items = Vec::new();
            while let Some(x) = g.next() {
                items.push(x);
            }
            Iter::Items { items: items.into(), idx: 0 }
        }
        other => return Err(type_error(format!("'{}' object is not iterable", other.type_name()))),
    })
}

fn items_of(c: &mut dyn Caller, v: &Value) -> R<Vec<Value>> {
    let mut it = iter_of(v)?;
    let mut out = Vec::new();
    while let Some(x) = it.next() {
        if out.len() % 4096 == 4095 {
            c.tick()?;
        }
        out.push(x);
    }
    Ok(out)
}

fn arity(name: &str, args: &[Value], lo: usize, hi: usize) -> R<()> {
    if args.len() < lo || args.len() > hi {
        let short = name.rsplit('.').next().unwrap_or(name);
        return Err(type_error(if lo == hi { format!("{short}() takes exactly {lo} argument{} ({} given)", if lo == 1 { "" } else { "s" }, args.len()) } else if args.len() < lo { format!("{short} expected at least {lo} argument{}, got {}", if lo == 1 { "" } else { "s" }, args.len()) } else { format!("{short} expected at most {hi} arguments, got {}", args.len()) }));
    }
    Ok(())
}

fn kwarg(kw: &mut Vec<(Arc<str>, Value)>, name: &str) -> Option<Value> {
    let i = kw.iter().position(|(k, _)| &**k == name)?;
    Some(kw.remove(i).1)
}

fn sort_values(c: &mut dyn Caller, items: &mut Vec<Value>, key: Option<Value>, reverse: bool) -> R<()> {
    let keys: Vec<Value> = match &key {
        Some(f) if !matches!(f, Value::None) => items.iter().map(|x| c.call(f, vec![x.clone()])).collect::<R<_>>()?,
        _ => items.clone(),
    };
    let mut idx: Vec<usize> = (0..items.len()).collect();
    let mut err = None;
    idx.sort_by(|&a, &b| {
        let o = ops::cmp(&keys[a], &keys[b], "<").unwrap_or_else(|e| {
            err.get_or_insert(e);
            std::cmp::Ordering::Equal
        });
        if reverse {
            o.reverse()
        } else {
            o
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    let old = std::mem::take(items);
    *items = idx.into_iter().map(|i| old[i].clone()).collect();
    Ok(())
}

fn min_max(c: &mut dyn Caller, name: &str, args: Vec<Value>, kw: &mut Vec<(Arc<str>, Value)>) -> R<Value> {
    let key = kwarg(kw, "key");
    let default = kwarg(kw, "default");
    let items = if args.len() == 1 { items_of(c, &args[0])? } else { args };
    let mut best: Option<(Value, Value)> = None;
    for x in items {
        let k = match &key {
            Some(f) => c.call(f, vec![x.clone()])?,
            None => x.clone(),
        };
        let better = match &best {
            None => true,
            Some((bk, _)) => {
                let o = ops::cmp(&k, bk, if name == "min" { "<" } else { ">" })?;
                if name == "min" {
                    o == std::cmp::Ordering::Less
                } else {
                    o == std::cmp::Ordering::Greater
                }
            }
        };
        if better {
            best = Some((k, x));
        }
    }
    match (best, default) {
        (Some((_, v)), _) => Ok(v),
        (None, Some(d)) => Ok(d),
        _ => Err(exc(ExcKind::ValueError, format!("{name}() arg is an empty sequence"))),
    }
}

fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

/// Call the built-in `name`.
pub fn call(c: &mut dyn Caller, name: &'static str, args: Vec<Value>, mut kw: Vec<(Arc<str>, Value)>) -> R<Value> {
    for a in &args {
        settle(c, a)?;
    }
    let r = call_inner(c, name, args, &mut kw)?;
    if let Some((k, _)) = kw.first() {
        return Err(type_error(format!("{}() got an unexpected keyword argument '{k}'", name.rsplit('.').next().unwrap_or(name))));
    }
    Ok(r)
}

fn call_inner(c: &mut dyn Caller, name: &'static str, args: Vec<Value>, kw: &mut Vec<(Arc<str>, Value)>) -> R<Value> {
    let f1 = |args: &[Value]| -> R<f64> {
        arity(name, args, 1, 1)?;
        args[0].as_f64()
    };
    Ok(match name {
        "print" => {
            let sep = kwarg(kw, "sep").filter(|v| !matches!(v, Value::None)).map(|v| v.to_str()).unwrap_or(" ".into());
            let end = kwarg(kw, "end").filter(|v| !matches!(v, Value::None)).map(|v| v.to_str()).unwrap_or("\n".into());
            kwarg(kw, "flush");
            let err = match kwarg(kw, "file") {
                None | Some(Value::None) | Some(Value::Stream(false)) => false,
                Some(Value::Stream(true)) => true,
                Some(o) => return Err(exc(ExcKind::AttributeError, format!("'{}' object has no attribute 'write'", o.type_name()))),
            };
            for a in &args {
                if let Value::Big(b) = a {
                    big_to_string(b)?;
                }
            }
            let mut s = args.iter().map(Value::to_str).collect::<Vec<_>>().join(&sep);
            s.push_str(&end);
            if err {
                c.host().print_err(&s);
            } else {
                c.host().print(&s);
            }
            Value::None
        }
        "len" => {
            arity(name, &args, 1, 1)?;
            Value::Int(ops::len(&args[0])? as i64)
        }
        "sum" => {
            arity(name, &args, 1, 2)?;
            let mut acc = args.get(1).cloned().or_else(|| kwarg(kw, "start")).unwrap_or(Value::Int(0));
            if let Value::Range(r) = &args[0] {
                // Closed form for an int range.
                let n = BigInt::from(r.len());
                if let Value::Int(_) | Value::Big(_) = acc {
                    let first = BigInt::from(r.start);
                    let total = &n * &first + BigInt::from(r.step) * &n * (&n - 1) / 2;
                    return ops::binary(BinOp::Add, &acc, &int_of(total));
                }
            }
            let mut it = iter_of(&args[0])?;
            let mut k = 0u32;
            while let Some(x) = it.next() {
                acc = ops::binary(BinOp::Add, &acc, &x)?;
                k += 1;
                if k % 4096 == 0 {
                    c.tick()?;
                }
            }
            acc
        }
        "min" | "max" => min_max(c, name, args, kw)?,
        "abs" => {
            arity(name, &args, 1, 1)?;
            match &args[0] {
                Value::Int(i) => i.checked_abs().map(Value::Int).unwrap_or_else(|| int_of(BigInt::from(*i).abs())),
                Value::Bool(b) => Value::Int(*b as i64),
                Value::Big(b) => int_of(b.abs()),
                Value::Float(f) => Value::Float(f.abs()),
                o => return Err(type_error(format!("bad operand type for abs(): '{}'", o.type_name()))),
            }
        }
        "enumerate" => {
            let start = args.get(1).cloned().or_else(|| kwarg(kw, "start")).map(|v| v.as_i64()).transpose()?.unwrap_or(0);
            arity(name, &args, 1, 2)?;
            Value::SharedIter(Arc::new(Mutex::new(Iter::Enumerate { inner: Box::new(iter_of(&args[0])?), n: start })))
        }
        "zip" => Value::SharedIter(Arc::new(Mutex::new(Iter::Zip(args.iter().map(iter_of).collect::<R<_>>()?)))),
        "sorted" => {
            arity(name, &args, 1, 1)?;
            let mut items = items_of(c, &args[0])?;
            let key = kwarg(kw, "key");
            let reverse = kwarg(kw, "reverse").is_some_and(|v| v.truthy());
            sort_values(c, &mut items, key, reverse)?;
            Value::list(items)?
        }
        "reversed" => {
            arity(name, &args, 1, 1)?;
            let mut items = collect_plain(&args[0])?;
            items.reverse();
            Value::SharedIter(Arc::new(Mutex::new(Iter::Items { items: items.into(), idx: 0 })))
        }
        "isinstance" => {
            arity(name, &args, 2, 2)?;
            let types = match &args[1] {
                Value::Tuple(t) => t.to_vec(),
                o => vec![o.clone()],
            };
            let t = args[0].type_of();
            Value::Bool(types.iter().any(|ty| match ty {
                Value::Type(Type::Int) => matches!(t, Type::Int | Type::Bool),
                Value::Type(Type::Object) => true,
                Value::Type(Type::Exc(k)) => matches!(t, Type::Exc(e) if e.is_subclass(*k)),
                Value::Type(x) => *x == t,
                _ => false,
            }))
        }
        "repr" => {
            arity(name, &args, 1, 1)?;
            Value::Str(args[0].repr().into())
        }
        "format" => {
            arity(name, &args, 1, 2)?;
            let spec = args.get(1).map(|v| v.to_str()).unwrap_or_default();
            Value::Str(format_value(&args[0], &spec)?.into())
        }
        "round" => {
            arity(name, &args, 1, 2)?;
            let nd = args.get(1).cloned().or_else(|| kwarg(kw, "ndigits")).filter(|v| !matches!(v, Value::None));
            match (&args[0], nd) {
                (Value::Float(f), None) => {
                    let r = round_half_even(*f);
                    if !r.is_finite() {
                        return Err(exc(ExcKind::OverflowError, "cannot convert float infinity to integer"));
                    }
                    <BigInt as num_traits::FromPrimitive>::from_f64(r).map(int_of).unwrap_or(Value::Int(0))
                }
                (Value::Float(f), Some(n)) => {
                    let n = n.as_i64()?;
                    // Round through the decimal text, as CPython does (correctly rounded).
                    let s = format!("{:.*}", n.clamp(0, 300) as usize, f);
                    if n >= 0 {
                        Value::Float(s.parse().unwrap_or(*f))
                    } else {
                        let p = 10f64.powi((-n) as i32);
                        Value::Float(round_half_even(f / p) * p)
                    }
                }
                (v, None) if v.num().is_some() => ops::unary(super::ast::UnOp::Pos, v)?,
                (v, Some(n)) if v.num().is_some() => {
                    let n = n.as_i64()?;
                    if n >= 0 {
                        ops::unary(super::ast::UnOp::Pos, v)?
                    } else {
                        let p = num_traits::pow(BigInt::from(10), (-n) as usize);
                        let x = v.as_bigint().unwrap_or_default();
                        let (q, r) = x.div_mod_floor(&p);
                        let twice = &r * 2;
                        let q = if twice > p || (twice == p && q.is_odd()) { q + 1 } else { q };
                        int_of(q * p)
                    }
                }
                (v, _) => return Err(type_error(format!("type {} doesn't define __round__ method", v.type_name()))),
            }
        }
        "divmod" => {
            arity(name, &args, 2, 2)?;
            Value::tuple(vec![ops::binary(BinOp::FloorDiv, &args[0], &args[1])?, ops::binary(BinOp::Mod, &args[0], &args[1])?])
        }
        "pow" => {
            arity(name, &args, 2, 3)?;
            if let Some(m) = args.get(2) {
                let (b, e, m) = match (args[0].as_bigint(), args[1].as_bigint(), m.as_bigint()) {
                    (Some(b), Some(e), Some(m)) => (b, e, m),
                    _ => return Err(type_error("pow() 3rd argument not allowed unless all arguments are integers")),
                };
                if m.is_zero() {
                    return Err(exc(ExcKind::ValueError, "pow() 3rd argument cannot be 0"));
                }
                if e.is_negative() {
                    return Err(exc(ExcKind::ValueError, "base is not invertible for the given modulus"));
                }
                let r = b.modpow(&e, &m);
                let r = if !r.is_zero() && (r.is_negative() != m.is_negative()) { r + &m } else { r };
                int_of(r)
            } else {
                ops::binary(BinOp::Pow, &args[0], &args[1])?
            }
        }
        "any" | "all" => {
            arity(name, &args, 1, 1)?;
            let mut it = iter_of(&args[0])?;
            let want = name == "any";
            while let Some(x) = it.next() {
                if x.truthy() == want {
                    return Ok(Value::Bool(want));
                }
            }
            Value::Bool(!want)
        }
        "map" => {
            arity(name, &args, 2, 8)?;
            let mut its: Vec<Iter> = args[1..].iter().map(iter_of).collect::<R<_>>()?;
            let mut out = Vec::new();
            'outer: loop {
                let mut a = Vec::new();
                for it in its.iter_mut() {
                    match it.next() {
                        Some(x) => a.push(x),
                        None => break 'outer,
                    }
                }
                out.push(c.call(&args[0], a)?);
            }
            Value::SharedIter(Arc::new(Mutex::new(Iter::Items { items: out.into(), idx: 0 })))
        }
        "filter" => {
            arity(name, &args, 2, 2)?;
            let mut out = Vec::new();
            for x in items_of(c, &args[1])? {
                let keep = if matches!(args[0], Value::None) { x.truthy() } else { c.call(&args[0], vec![x.clone()])?.truthy() };
                if keep {
                    out.push(x);
                }
            }
            Value::SharedIter(Arc::new(Mutex::new(Iter::Items { items: out.into(), idx: 0 })))
        }
        "iter" => {
            arity(name, &args, 1, 1)?;
            match &args[0] {
                Value::SharedIter(_) => args[0].clone(),
                v => Value::SharedIter(Arc::new(Mutex::new(iter_of(v)?))),
            }
        }
        "next" => {
            arity(name, &args, 1, 2)?;
            match &args[0] {
                Value::SharedIter(it) => match it.lock().unwrap_or_else(|e| e.into_inner()).next() {
                    Some(v) => v,
                    None => match args.get(1) {
                        Some(d) => d.clone(),
                        None => return Err(exc(ExcKind::StopIteration, "")),
                    },
                },
                o => return Err(type_error(format!("'{}' object is not an iterator", o.type_name()))),
            }
        }
        "ord" => {
            arity(name, &args, 1, 1)?;
            match &args[0] {
                Value::Str(s) if s.chars().count() == 1 => Value::Int(s.chars().next().unwrap() as i64),
                Value::Str(s) => return Err(type_error(format!("ord() expected a character, but string of length {} found", s.chars().count()))),
                o => return Err(type_error(format!("ord() expected string of length 1, but {} found", o.type_name()))),
            }
        }
        "chr" => {
            arity(name, &args, 1, 1)?;
            let i = args[0].as_i64()?;
            match u32::try_from(i).ok().and_then(char::from_u32) {
                Some(ch) => Value::str(ch.encode_utf8(&mut [0; 4])),
                None => return Err(exc(ExcKind::ValueError, "chr() arg not in range(0x110000)")),
            }
        }
        "hex" | "bin" | "oct" => {
            arity(name, &args, 1, 1)?;
            let n = args[0].as_bigint().ok_or_else(|| type_error(format!("'{}' object cannot be interpreted as an integer", args[0].type_name())))?;
            let (radix, p) = match name {
                "hex" => (16, "0x"),
                "bin" => (2, "0b"),
                _ => (8, "0o"),
            };
            let s = n.abs().to_str_radix(radix);
            Value::Str(format!("{}{p}{s}", if n.is_negative() { "-" } else { "" }).into())
        }
        "hash" => {
            arity(name, &args, 1, 1)?;
            args[0].key()?;
            match &args[0] {
                Value::Int(i) => Value::Int(*i),
                Value::Bool(b) => Value::Int(*b as i64),
                _ => Value::Int(0),
            }
        }
        "callable" => {
            arity(name, &args, 1, 1)?;
            Value::Bool(args[0].is_callable())
        }
        // ---- modules ----
        "time.sleep" => {
            let s = f1(&args)?;
            if s < 0.0 {
                return Err(exc(ExcKind::ValueError, "sleep length must be non-negative"));
            }
            c.host().sleep(s)?;
            Value::None
        }
        "time.perf_counter" | "time.monotonic" => Value::Float(c.host().perf_counter()),
        "time.perf_counter_ns" => Value::Int((c.host().perf_counter() * 1e9) as i64),
        "time.time" => Value::Float(c.host().time()),
        "time.time_ns" => Value::Int((c.host().time() * 1e9) as i64),
        "threading.Lock" => Value::Lock(Arc::new(LockObj::default())),
        "threading.RLock" => Value::Lock(Arc::new(LockObj::rlock())),
        "threading.current_thread" => {
            let name = c.host().thread_name();
            c.counters().thread_object(c.thread(), &name).unwrap_or_else(|| Value::Thread(Arc::from(name)))
        }
        "threading.get_ident" => Value::Int(c.host().ident() as i64),
        "threading.get_native_id" => Value::Int(c.host().native_id()),
        "threading.enumerate" => Value::list(c.host().threads().into_iter().map(|n| c.counters().thread_object(0, &n).unwrap_or_else(|| Value::Thread(Arc::from(n)))).collect())?,
        "threading.Thread" | "multiprocessing.Process" => new_task(c, name == "multiprocessing.Process", args, kw)?,
        "threading.Event" => Value::Event(Arc::new(EventObj::default())),
        "threading.Semaphore" | "threading.BoundedSemaphore" => {
            arity(name, &args, 0, 1)?;
            let n = args.first().cloned().or_else(|| kwarg(kw, "value")).map(|v| v.as_i64()).transpose()?.unwrap_or(1);
            if n < 0 {
                return Err(exc(ExcKind::ValueError, "semaphore initial value must be >= 0"));
            }
            Value::Semaphore(Arc::new(SemObj { value: Mutex::new(n), bound: (name == "threading.BoundedSemaphore").then_some(n) }))
        }
        "threading.main_thread" => Value::Thread(Arc::from("MainThread")),
        "functools.partial" => {
            let Some(func) = args.first().cloned() else { return Err(type_error("type 'partial' takes at least one argument".to_string())) };
            if !func.is_callable() {
                return Err(type_error("the first argument must be callable".to_string()));
            }
            Value::Partial(Arc::new(Partial { func, args: args[1..].to_vec(), kw: std::mem::take(kw) }))
        }
        "functools.wraps" => {
            arity(name, &args, 1, 1)?;
            // `update_wrapper(wrapper, wrapped=f)`, once given the wrapper.
            Value::Partial(Arc::new(Partial { func: Value::Builtin("functools.update_wrapper"), args: Vec::new(), kw: vec![(Arc::from("wrapped"), args[0].clone())] }))
        }
        "functools.update_wrapper" => {
            arity(name, &args, 1, 2)?;
            let wrapped = match args.get(1).cloned().or_else(|| kwarg(kw, "wrapped")) {
                Some(w) => w,
                None => return Err(type_error("update_wrapper() missing 1 required positional argument: 'wrapped'".to_string())),
            };
            let (name, doc) = match &wrapped {
                Value::Func(f) => (f.name(), f.doc()),
                Value::Class(c) => (Arc::from(c.name), Value::None),
                other => (Arc::from(other.type_name()), Value::None),
            };
            if let Value::Func(f) = &args[0] {
                *f.wrapped.lock().unwrap_or_else(|e| e.into_inner()) = Some((name, doc));
            }
            args[0].clone()
        }
        "threading.Condition" | "threading.Barrier" | "threading.local" | "threading.Timer" => new_sync(c, name, args, kw)?,
        _ if name.starts_with("sys.") || name.starts_with("logging.") => call_std(c, name, args, kw)?,
        "threading.active_count" => Value::Int(c.host().active_count() as i64),
        "multiprocessing.current_process" => Value::Thread(Arc::from(c.host().process_name())),
        "multiprocessing.cpu_count" | "os.cpu_count" => Value::Int(c.host().cores() as i64),
        "os.getpid" => Value::Int(c.host().pid()),
        "queue.Queue" | "queue.LifoQueue" | "queue.PriorityQueue" | "queue.SimpleQueue" => {
            let simple = name == "queue.SimpleQueue";
            arity(name, &args, 0, if simple { 0 } else { 1 })?;
            let maxsize = match args.first().cloned().or_else(|| if simple { None } else { kwarg(kw, "maxsize") }) {
                Some(m) => m.as_i64()?.max(0) as usize,
                None => 0,
            };
            let order = match name {
                "queue.LifoQueue" => QueueOrder::Lifo,
                "queue.PriorityQueue" => QueueOrder::Priority,
                _ => QueueOrder::Fifo,
            };
            Value::Queue(Arc::new(QueueObj { order, maxsize, simple, ..QueueObj::default() }))
        }
        "multiprocessing.Queue" => {
            arity(name, &args, 0, 1)?;
            kwarg(kw, "maxsize");
            Value::Queue(c.counters().new_queue(QueueKind::Processes))
        }
        "multiprocessing.SimpleQueue" => {
            arity(name, &args, 0, 0)?;
            Value::Queue(c.counters().new_queue(QueueKind::Simple))
        }
        "multiprocessing.Lock" | "multiprocessing.RLock" => {
            arity(name, &args, 0, 0)?;
            Value::Lock(shared_lock(c)?)
        }
        "multiprocessing.Value" | "multiprocessing.Array" => new_shared(c, name == "multiprocessing.Array", args, kw)?,
        "multiprocessing.Pipe" => {
            arity(name, &args, 0, 1)?;
            let duplex = args.first().cloned().or_else(|| kwarg(kw, "duplex")).is_none_or(|d| d.truthy());
            let (a, b) = c.counters().new_pipe(duplex);
            Value::tuple(vec![Value::Queue(a), Value::Queue(b)])
        }
        "concurrent.futures.ThreadPoolExecutor" | "concurrent.futures.ProcessPoolExecutor" | "multiprocessing.Pool" => new_pool(c, name, args, kw)?,
        "concurrent.futures.wait" => {
            arity(name, &args, 1, 3)?;
            let futs = futures_of(&args[0])?;
            let secs = timeout_of(args.get(1).cloned().or_else(|| kwarg(kw, "timeout")))?;
            let when = args.get(2).cloned().or_else(|| kwarg(kw, "return_when")).map_or("ALL_COMPLETED".to_string(), |v| v.to_str());
            let line = c.line();
            let fs = futs.clone();
            c.host().block(super::host::Wait::Join, line, secs, &mut || match when.as_str() {
                "FIRST_COMPLETED" => fs.iter().any(|f| f.done()),
                "FIRST_EXCEPTION" => fs.iter().all(|f| f.done()) || fs.iter().any(|f| f.get().is_some_and(|r| r.is_err())),
                _ => fs.iter().all(|f| f.done()),
            })?;
            let (mut done, mut pending) = (Table::default(), Table::default());
            for f in futs {
                let into = if f.done() { &mut done } else { &mut pending };
                into.insert(Value::Future(f), Value::None)?;
            }
            Value::tuple(vec![Value::Set(DictObj::new(done)), Value::Set(DictObj::new(pending))])
        }
        "concurrent.futures.as_completed" => {
            arity(name, &args, 1, 2)?;
            kwarg(kw, "timeout");
            let futs = futures_of(&args[0])?;
            Value::SharedIter(Arc::new(Mutex::new(Iter::Futures { futs: futs.into(), idx: 0, completed: true, values: false })))
        }
        "math.sqrt" => {
            let x = f1(&args)?;
            if x < 0.0 {
                return Err(exc(ExcKind::ValueError, "math domain error"));
            }
            Value::Float(x.sqrt())
        }
        "math.floor" | "math.ceil" | "math.trunc" => {
            arity(name, &args, 1, 1)?;
            if let Some(b) = args[0].as_bigint() {
                return Ok(int_of(b));
            }
            let x = args[0].as_f64()?;
            let r = match name {
                "math.floor" => x.floor(),
                "math.ceil" => x.ceil(),
                _ => x.trunc(),
            };
            if !r.is_finite() {
                return Err(exc(if r.is_nan() { ExcKind::ValueError } else { ExcKind::OverflowError }, "cannot convert float infinity to integer"));
            }
            <BigInt as num_traits::FromPrimitive>::from_f64(r).map(int_of).unwrap_or(Value::Int(0))
        }
        "math.log" => {
            arity(name, &args, 1, 2)?;
            let x = args[0].as_f64()?;
            if x <= 0.0 {
                return Err(exc(ExcKind::ValueError, "math domain error"));
            }
            match args.get(1) {
                Some(b) => Value::Float(x.ln() / b.as_f64()?.ln()),
                None => Value::Float(x.ln()),
            }
        }
        "math.log2" | "math.log10" => {
            let x = f1(&args)?;
            if x <= 0.0 {
                return Err(exc(ExcKind::ValueError, "math domain error"));
            }
            Value::Float(if name == "math.log2" { x.log2() } else { x.log10() })
        }
        "math.exp" => {
            let r = f1(&args)?.exp();
            if r.is_infinite() {
                return Err(exc(ExcKind::OverflowError, "math range error"));
            }
            Value::Float(r)
        }
        "math.sin" => Value::Float(f1(&args)?.sin()),
        "math.cos" => Value::Float(f1(&args)?.cos()),
        "math.tan" => Value::Float(f1(&args)?.tan()),
        "math.atan" => Value::Float(f1(&args)?.atan()),
        "math.fabs" => Value::Float(f1(&args)?.abs()),
        "math.atan2" | "math.hypot" | "math.pow" => {
            arity(name, &args, 2, 2)?;
            let (a, b) = (args[0].as_f64()?, args[1].as_f64()?);
            Value::Float(match name {
                "math.atan2" => a.atan2(b),
                "math.hypot" => a.hypot(b),
                _ => a.powf(b),
            })
        }
        "math.isclose" => {
            arity(name, &args, 2, 2)?;
            let (a, b) = (args[0].as_f64()?, args[1].as_f64()?);
            let rel = kwarg(kw, "rel_tol").map(|v| v.as_f64()).transpose()?.unwrap_or(1e-9);
            let abs_tol = kwarg(kw, "abs_tol").map(|v| v.as_f64()).transpose()?.unwrap_or(0.0);
            Value::Bool(a == b || (a - b).abs() <= (rel * a.abs().max(b.abs())).max(abs_tol))
        }
        "math.isqrt" => {
            arity(name, &args, 1, 1)?;
            let n = args[0].as_bigint().ok_or_else(|| type_error("'float' object cannot be interpreted as an integer"))?;
            if n.is_negative() {
                return Err(exc(ExcKind::ValueError, "isqrt() argument must be nonnegative"));
            }
            int_of(n.sqrt())
        }
        "math.gcd" => {
            let mut g = BigInt::zero();
            for a in &args {
                g = g.gcd(&a.as_bigint().ok_or_else(|| type_error("'float' object cannot be interpreted as an integer"))?);
            }
            int_of(g)
        }
        "math.factorial" => {
            arity(name, &args, 1, 1)?;
            let n = args[0].as_i64()?;
            if n < 0 {
                return Err(exc(ExcKind::ValueError, "factorial() not defined for negative values"));
            }
            if n > 100_000 {
                return Err(exc(ExcKind::MemoryError, ""));
            }
            let mut r = BigInt::from(1);
            for i in 2..=n {
                r *= i;
                if i % 1024 == 0 {
                    c.tick()?;
                }
            }
            int_of(r)
        }
        "random.seed" => {
            arity(name, &args, 0, 1)?;
            match args.first() {
                None | Some(Value::None) => c.reseed(None),
                Some(v) => {
                    let n = v.as_bigint().ok_or_else(|| type_error(format!("random.seed() takes an int or None in ThreadLab's Python, not '{}'", v.type_name())))?;
                    c.reseed(Some(&n.magnitude().to_u32_digits()));
                }
            }
            Value::None
        }
        "random.random" => {
            arity(name, &args, 0, 0)?;
            Value::Float(c.rng().random())
        }
        "random.uniform" => {
            arity(name, &args, 2, 2)?;
            let (a, b) = (args[0].as_f64()?, args[1].as_f64()?);
            Value::Float(a + (b - a) * c.rng().random())
        }
        "random.randint" | "random.randrange" => {
            let (start, stop, step) = if name == "random.randint" {
                arity(name, &args, 2, 2)?;
                (args[0].as_i64()?, args[1].as_i64()?.checked_add(1).ok_or_else(|| exc(ExcKind::OverflowError, "Python int too large to convert to C ssize_t"))?, 1)
            } else {
                arity(name, &args, 1, 3)?;
                match args.len() {
                    1 => (0, args[0].as_i64()?, 1),
                    2 => (args[0].as_i64()?, args[1].as_i64()?, 1),
                    _ => (args[0].as_i64()?, args[1].as_i64()?, args[2].as_i64()?),
                }
            };
            let (start, width, step) = (i128::from(start), i128::from(stop) - i128::from(start), i128::from(step));
            let n = match step {
                0 => return Err(exc(ExcKind::ValueError, "zero step for randrange()")),
                s if s > 0 => (width + s - 1).div_euclid(s),
                s => (width + s + 1).div_euclid(s),
            };
            if n <= 0 {
                let message = if step == 1 && args.len() > 1 { format!("empty range for randrange() ({start}, {}, {width})", start + width) } else { "empty range for randrange()".to_string() };
                return Err(exc(ExcKind::ValueError, message));
            }
            Value::Int((start + step * i128::from(c.rng().below(n as u64))) as i64)
        }
        "random.choice" => {
            arity(name, &args, 1, 1)?;
            let n = ops::len(&args[0])?;
            if n == 0 {
                return Err(exc(ExcKind::IndexError, "Cannot choose from an empty sequence"));
            }
            let i = c.rng().below(n as u64);
            ops::getitem(&args[0], &Value::Int(i as i64))?
        }
        "random.shuffle" => {
            arity(name, &args, 1, 1)?;
            let Value::List(l) = &args[0] else {
                return Err(type_error(format!("'{}' object does not support item assignment", args[0].type_name())));
            };
            let mut items = l.lock();
            for i in (1..items.len()).rev() {
                let j = c.rng().below(i as u64 + 1) as usize;
                items.swap(i, j);
            }
            Value::None
        }
        other => return Err(exc(ExcKind::NotImplementedError, format!("{other}() is not available in ThreadLab's Python"))),
    })
}

/// Call a type: `int(x)`, `str(x)`, `list(it)`, `ValueError("msg")`, ...
pub fn construct(c: &mut dyn Caller, t: Type, args: Vec<Value>, kw: Vec<(Arc<str>, Value)>) -> R<Value> {
    for a in &args {
        settle(c, a)?;
    }
    if let Some((k, _)) = kw.first() {
        if !(t == Type::Int && &**k == "base" || t == Type::Dict) {
            return Err(type_error(format!("'{k}' is an invalid keyword argument for {}()", t.name())));
        }
    }
    let one = |args: &[Value]| -> R<()> { arity(t.name(), args, 0, 1) };
    Ok(match t {
        Type::Exc(kind) => Value::Exc(Arc::new(ExcObj::new(kind, args))),
        Type::Int => {
            let base = args.get(1).cloned().or_else(|| kw.first().map(|k| k.1.clone()));
            match (args.first(), base) {
                (None, _) => Value::Int(0),
                (Some(Value::Str(s)), b) => {
                    let base = b.map(|b| b.as_i64()).transpose()?.unwrap_or(10);
                    if !(base == 0 || (2..=36).contains(&base)) {
                        return Err(exc(ExcKind::ValueError, "int() base must be >= 2 and <= 36, or 0"));
                    }
                    parse_int(s, base as u32)?
                }
                (Some(v), None) => match v {
                    Value::Float(f) => {
                        if !f.is_finite() {
                            return Err(exc(if f.is_nan() { ExcKind::ValueError } else { ExcKind::OverflowError }, if f.is_nan() { "cannot convert float NaN to integer" } else { "cannot convert float infinity to integer" }));
                        }
                        <BigInt as num_traits::FromPrimitive>::from_f64(f.trunc()).map(int_of).unwrap_or(Value::Int(0))
                    }
                    Value::Bool(b) => Value::Int(*b as i64),
                    Value::Int(_) | Value::Big(_) => v.clone(),
                    o => return Err(type_error(format!("int() argument must be a string, a bytes-like object or a real number, not '{}'", o.type_name()))),
                },
                (Some(_), Some(_)) => return Err(type_error("int() can't convert non-string with explicit base")),
            }
        }
        Type::Float => {
            one(&args)?;
            match args.first() {
                None => Value::Float(0.0),
                Some(Value::Str(s)) => {
                    let t = s.trim().replace('_', "");
                    let v = match t.to_ascii_lowercase().as_str() {
                        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
                        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
                        "nan" | "+nan" | "-nan" => Some(f64::NAN),
                        other if other.contains(|ch: char| ch.is_ascii_digit()) && !other.contains(|ch: char| ch.is_alphabetic() && ch != 'e') => other.parse().ok(),
                        _ => None,
                    };
                    Value::Float(v.ok_or_else(|| exc(ExcKind::ValueError, format!("could not convert string to float: {}", args[0].repr())))?)
                }
                Some(v) => Value::Float(v.as_f64().map_err(|_| type_error(format!("float() argument must be a string or a real number, not '{}'", v.type_name())))?),
            }
        }
        Type::Bool => {
            one(&args)?;
            Value::Bool(args.first().is_some_and(|v| v.truthy()))
        }
        Type::Str => {
            one(&args)?;
            match args.first() {
                None => Value::str(""),
                Some(Value::Big(b)) => Value::Str(big_to_string(b)?.into()),
                Some(v) => Value::Str(v.to_str().into()),
            }
        }
        Type::List => {
            one(&args)?;
            Value::list(match args.first() {
                Some(v) => items_of(c, v)?,
                None => Vec::new(),
            })?
        }
        Type::Tuple => {
            one(&args)?;
            match args.first() {
                Some(Value::Tuple(_)) => args[0].clone(),
                Some(v) => Value::tuple(items_of(c, v)?),
                None => Value::tuple(Vec::new()),
            }
        }
        Type::Set => {
            one(&args)?;
            let mut t = Table::default();
            if let Some(v) = args.first() {
                for x in items_of(c, v)? {
                    t.insert(x, Value::None)?;
                }
            }
            Value::Set(DictObj::new(t))
        }
        Type::Dict => {
            one(&args)?;
            let mut t = Table::default();
            if let Some(v) = args.first() {
                if let Value::Dict(d) = v {
                    for (k, v) in d.lock().iter() {
                        t.insert(k.clone(), v.clone())?;
                    }
                } else {
                    for pair in items_of(c, v)? {
                        let kv = collect_plain(&pair)?;
                        if kv.len() != 2 {
                            return Err(exc(ExcKind::ValueError, format!("dictionary update sequence element #0 has length {}; 2 is required", kv.len())));
                        }
                        t.insert(kv[0].clone(), kv[1].clone())?;
                    }
                }
            }
            for (k, v) in kw {
                t.insert(Value::Str(k), v)?;
            }
            Value::Dict(DictObj::new(t))
        }
        Type::Range => {
            arity("range", &args, 1, 3)?;
            let ints: Vec<i64> = args.iter().map(|a| a.as_i64()).collect::<R<_>>()?;
            let (start, stop, step) = match ints.as_slice() {
                [s] => (0, *s, 1),
                [a, b] => (*a, *b, 1),
                [a, b, s] => (*a, *b, *s),
                _ => unreachable!(),
            };
            if step == 0 {
                return Err(exc(ExcKind::ValueError, "range() arg 3 must not be zero"));
            }
            Value::Range(Arc::new(Range { start, stop, step }))
        }
        Type::Object => {
            arity("type", &args, 1, 1)?;
            match &args[0] {
                Value::Exc(e) => Value::Type(Type::Exc(e.kind)),
                v => Value::Type(v.type_of()),
            }
        }
        _ => return Err(type_error(format!("cannot create '{}' instances", t.name()))),
    })
}

fn parse_int(s: &str, base: u32) -> R<Value> {
    let bad = || exc(ExcKind::ValueError, format!("invalid literal for int() with base {base}: {}", Value::str(s).repr()));
    let t = s.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let lower = body.to_ascii_lowercase();
    let (base, digits) = match (base, lower.get(..2)) {
        (16 | 0, Some("0x")) => (16, &body[2..]),
        (8 | 0, Some("0o")) => (8, &body[2..]),
        (2 | 0, Some("0b")) => (2, &body[2..]),
        (0, _) => (10, body),
        (b, _) => (b, body),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return Err(bad());
    }
    if digits.len() > MAX_STR_DIGITS && base == 10 {
        return Err(exc(ExcKind::ValueError, format!("Exceeds the limit ({MAX_STR_DIGITS} digits) for integer string conversion: value has {} digits; use sys.set_int_max_str_digits() to increase the limit", digits.len())));
    }
    let clean: String = digits.chars().filter(|ch| *ch != '_').collect();
    let v = BigInt::parse_bytes(clean.as_bytes(), base).ok_or_else(bad)?;
    Ok(int_of(if neg { -v } else { v }))
}

fn str_arg<'a>(args: &'a [Value], i: usize, meth: &str) -> R<&'a str> {
    match args.get(i) {
        Some(Value::Str(s)) => Ok(s),
        Some(o) => Err(type_error(format!("{meth}() argument must be str, not {}", o.type_name()))),
        None => Err(type_error(format!("{meth}() takes at least {} argument", i + 1))),
    }
}

/// `recv.name(args)` for the built-in types.
pub fn call_method(c: &mut dyn Caller, recv: &Value, name: &str, args: Vec<Value>, mut kw: Vec<(Arc<str>, Value)>) -> R<Value> {
    let no_attr = || exc(ExcKind::AttributeError, format!("'{}' object has no attribute '{name}'", recv.type_name()));
    let n = args.len();
    let want = |lo: usize, hi: usize| arity(name, &args, lo, hi);
    if matches!(recv, Value::Task(_) | Value::Event(_) | Value::Queue(_) | Value::Future(_) | Value::Pool(_) | Value::Semaphore(_) | Value::Shared(_)) {
        return object_method(c, recv, name, args, kw);
    }
    if matches!(recv, Value::Condition(_) | Value::Barrier(_) | Value::Logger(_) | Value::Stream(_)) {
        return std_method(c, recv, name, args, kw);
    }
    Ok(match recv {
        Value::Str(s) => match name {
            "upper" => Value::Str(s.to_uppercase().into()),
            "lower" => Value::Str(s.to_lowercase().into()),
            "strip" | "lstrip" | "rstrip" => {
                want(0, 1)?;
                let chars: Option<Vec<char>> = match args.first() {
                    Some(Value::Str(cs)) => Some(cs.chars().collect()),
                    _ => None,
                };
                let pat = |ch: char| chars.as_ref().map_or(ch.is_whitespace(), |cs| cs.contains(&ch));
                Value::str(match name {
                    "strip" => s.trim_matches(pat),
                    "lstrip" => s.trim_start_matches(pat),
                    _ => s.trim_end_matches(pat),
                })
            }
            "split" => {
                let sep = args.first().cloned().or_else(|| kwarg(&mut kw, "sep")).filter(|v| !matches!(v, Value::None));
                let max = args.get(1).cloned().or_else(|| kwarg(&mut kw, "maxsplit")).map(|v| v.as_i64()).transpose()?.unwrap_or(-1);
                let parts: Vec<String> = match sep {
                    Some(Value::Str(sep)) => {
                        if sep.is_empty() {
                            return Err(exc(ExcKind::ValueError, "empty separator"));
                        }
                        if max < 0 {
                            s.split(&*sep).map(String::from).collect()
                        } else {
                            s.splitn(max as usize + 1, &*sep).map(String::from).collect()
                        }
                    }
                    _ => {
                        let mut out: Vec<String> = Vec::new();
                        let mut rest = s.trim_start();
                        while !rest.is_empty() {
                            if max >= 0 && out.len() as i64 == max {
                                out.push(rest.trim_end().to_string());
                                break;
                            }
                            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                            out.push(rest[..end].to_string());
                            rest = rest[end..].trim_start();
                        }
                        out
                    }
                };
                Value::list(parts.into_iter().map(|p| Value::Str(p.into())).collect())?
            }
            "splitlines" => Value::list(s.lines().map(Value::str).collect())?,
            "join" => {
                want(1, 1)?;
                let items = items_of(c, &args[0])?;
                let mut parts = Vec::with_capacity(items.len());
                for (i, it) in items.iter().enumerate() {
                    match it {
                        Value::Str(p) => parts.push(p.clone()),
                        o => return Err(type_error(format!("sequence item {i}: expected str instance, {} found", o.type_name()))),
                    }
                }
                let total: usize = parts.iter().map(|p| p.len()).sum::<usize>() + s.len() * parts.len();
                checked_len(total, 1)?;
                Value::Str(parts.iter().map(|p| &**p).collect::<Vec<_>>().join(s).into())
            }
            "replace" => {
                want(2, 3)?;
                let (a, b) = (str_arg(&args, 0, name)?, str_arg(&args, 1, name)?);
                let count = args.get(2).map(|v| v.as_i64()).transpose()?.unwrap_or(-1);
                let est = if a.is_empty() { s.len() + (s.len() + 1) * b.len() } else { s.len() / a.len() * b.len() + s.len() };
                checked_len(est, 1)?;
                Value::Str(if count < 0 { s.replace(a, b) } else { s.replacen(a, b, count as usize) }.into())
            }
            "startswith" | "endswith" => {
                want(1, 1)?;
                let pats = match &args[0] {
                    Value::Tuple(t) => t.to_vec(),
                    o => vec![o.clone()],
                };
                let mut hit = false;
                for p in &pats {
                    let Value::Str(p) = p else { return Err(type_error(format!("{name} first arg must be str or a tuple of str, not {}", p.type_name()))) };
                    hit |= if name == "startswith" { s.starts_with(&**p) } else { s.ends_with(&**p) };
                }
                Value::Bool(hit)
            }
            "find" | "index" | "rfind" | "count" => {
                want(1, 1)?;
                let p = str_arg(&args, 0, name)?;
                let char_idx = |b: usize| s[..b].chars().count() as i64;
                match name {
                    "count" => Value::Int(if p.is_empty() { s.chars().count() as i64 + 1 } else { s.matches(p).count() as i64 }),
                    "rfind" => Value::Int(s.rfind(p).map_or(-1, char_idx)),
                    _ => match s.find(p) {
                        Some(b) => Value::Int(char_idx(b)),
                        None if name == "find" => Value::Int(-1),
                        None => return Err(exc(ExcKind::ValueError, "substring not found")),
                    },
                }
            }
            "isdigit" | "isnumeric" | "isdecimal" => Value::Bool(!s.is_empty() && s.chars().all(|ch| ch.is_numeric())),
            "isalpha" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphabetic)),
            "isalnum" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphanumeric)),
            "isspace" => Value::Bool(!s.is_empty() && s.chars().all(char::is_whitespace)),
            "isupper" => Value::Bool(s.chars().any(char::is_alphabetic) && !s.chars().any(char::is_lowercase)),
            "islower" => Value::Bool(s.chars().any(char::is_alphabetic) && !s.chars().any(char::is_uppercase)),
            "capitalize" => {
                let mut cs = s.chars();
                Value::Str(cs.next().map(|f| f.to_uppercase().collect::<String>() + &cs.as_str().to_lowercase()).unwrap_or_default().into())
            }
            "title" => {
                let mut out = String::new();
                let mut prev = false;
                for ch in s.chars() {
                    if ch.is_alphabetic() {
                        if prev {
                            out.extend(ch.to_lowercase());
                        } else {
                            out.extend(ch.to_uppercase());
                        }
                        prev = true;
                    } else {
                        out.push(ch);
                        prev = false;
                    }
                }
                Value::Str(out.into())
            }
            "zfill" | "center" | "ljust" | "rjust" => {
                want(1, 2)?;
                let w = args[0].as_i64()?.max(0) as usize;
                checked_len(w, 1)?;
                let fill = match args.get(1) {
                    Some(Value::Str(f)) if f.chars().count() == 1 => f.chars().next().unwrap(),
                    Some(_) => return Err(type_error("The fill character must be exactly one character long")),
                    None => if name == "zfill" { '0' } else { ' ' },
                };
                let len = s.chars().count();
                if len >= w {
                    recv.clone()
                } else {
                    let k = w - len;
                    let f = |k: usize| std::iter::repeat(fill).take(k).collect::<String>();
                    Value::Str(
                        match name {
                            "ljust" => format!("{s}{}", f(k)),
                            "rjust" => format!("{}{s}", f(k)),
                            "center" => {
                                let left = k / 2 + (k & w & 1);
                                format!("{}{s}{}", f(left), f(k - left))
                            }
                            _ => match s.strip_prefix(['-', '+']) {
                                Some(rest) => format!("{}{}{rest}", &s[..1], f(k)),
                                None => format!("{}{s}", f(k)),
                            },
                        }
                        .into(),
                    )
                }
            }
            "format" => {
                let mut out = String::new();
                let mut auto = 0usize;
                let mut chars = s.chars().peekable();
                while let Some(ch) = chars.next() {
                    if ch == '{' {
                        if chars.peek() == Some(&'{') {
                            chars.next();
                            out.push('{');
                            continue;
                        }
                        let mut field = String::new();
                        for d in chars.by_ref() {
                            if d == '}' {
                                break;
                            }
                            field.push(d);
                        }
                        let (fname, spec) = field.split_once(':').unwrap_or((&field, ""));
                        let v = if fname.is_empty() {
                            auto += 1;
                            args.get(auto - 1).cloned()
                        } else if let Ok(i) = fname.parse::<usize>() {
                            args.get(i).cloned()
                        } else {
                            kw.iter().find(|(k, _)| &**k == fname).map(|(_, v)| v.clone())
                        };
                        let v = v.ok_or_else(|| exc(ExcKind::IndexError, format!("Replacement index {} out of range for positional args tuple", auto.saturating_sub(1))))?;
                        out.push_str(&format_value(&v, spec)?);
                    } else if ch == '}' {
                        if chars.peek() == Some(&'}') {
                            chars.next();
                        }
                        out.push('}');
                    } else {
                        out.push(ch);
                    }
                }
                kw.clear();
                Value::Str(out.into())
            }
            _ => return Err(no_attr()),
        },
        Value::List(l) => match name {
            "append" => {
                want(1, 1)?;
                l.push(args.into_iter().next().unwrap())?;
                Value::None
            }
            "extend" => {
                want(1, 1)?;
                ops::inplace(BinOp::Add, recv, &Value::list(items_of(c, &args[0])?)?)?;
                Value::None
            }
            "pop" => {
                want(0, 1)?;
                let mut items = l.lock();
                if items.is_empty() {
                    return Err(exc(ExcKind::IndexError, "pop from empty list"));
                }
                let i = match args.first() {
                    Some(i) => ops::index_of(i, items.len(), "pop")?,
                    None => items.len() - 1,
                };
                items.remove(i)
            }
            "insert" => {
                want(2, 2)?;
                let i = args[0].as_i64()?;
                let mut items = l.lock();
                let len = items.len() as i64;
                let i = if i < 0 { (i + len).max(0) } else { i.min(len) } as usize;
                reserve(&mut items, 1, &l.charged)?;
                items.insert(i, args[1].clone());
                Value::None
            }
            "remove" | "index" | "count" => {
                want(1, 1)?;
                let items = l.lock().clone();
                let pos = items.iter().position(|x| ops::eq(x, &args[0]));
                match name {
                    "count" => Value::Int(items.iter().filter(|x| ops::eq(x, &args[0])).count() as i64),
                    _ => match pos {
                        Some(p) if name == "index" => Value::Int(p as i64),
                        Some(p) => {
                            let mut items = l.lock();
                            if p < items.len() {
                                items.remove(p);
                            }
                            Value::None
                        }
                        None if name == "index" => return Err(exc(ExcKind::ValueError, format!("{} is not in list", args[0].repr()))),
                        None => return Err(exc(ExcKind::ValueError, "list.remove(x): x not in list")),
                    },
                }
            }
            "sort" => {
                want(0, 0)?;
                let key = kwarg(&mut kw, "key");
                let reverse = kwarg(&mut kw, "reverse").is_some_and(|v| v.truthy());
                let mut items = std::mem::take(&mut *l.lock());
                let r = sort_values(c, &mut items, key, reverse);
                *l.lock() = items;
                r?;
                Value::None
            }
            "reverse" => {
                l.lock().reverse();
                Value::None
            }
            "copy" => Value::list(l.lock().clone())?,
            "clear" => {
                let old = std::mem::take(&mut *l.lock());
                drop(old);
                Value::None
            }
            _ => return Err(no_attr()),
        },
        Value::Dict(d) => match name {
            "get" => {
                want(1, 2)?;
                d.lock().get(&args[0])?.cloned().unwrap_or_else(|| args.get(1).cloned().unwrap_or(Value::None))
            }
            "keys" | "values" | "items" => {
                let t = d.lock();
                let v: Vec<Value> = match name {
                    "keys" => t.keys(),
                    "values" => t.iter().map(|(_, v)| v.clone()).collect(),
                    _ => t.iter().map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()])).collect(),
                };
                drop(t);
                Value::list(v)?
            }
            "pop" => {
                want(1, 2)?;
                match d.lock().remove(&args[0])? {
                    Some(v) => v,
                    None => match args.get(1) {
                        Some(dflt) => dflt.clone(),
                        None => return Err(Err::Exc(Arc::new(ExcObj::new(ExcKind::KeyError, vec![args[0].clone()])))),
                    },
                }
            }
            "setdefault" => {
                want(1, 2)?;
                let mut t = d.lock();
                match t.get(&args[0])? {
                    Some(v) => v.clone(),
                    None => {
                        let v = args.get(1).cloned().unwrap_or(Value::None);
                        t.insert(args[0].clone(), v.clone())?;
                        v
                    }
                }
            }
            "update" => {
                want(0, 1)?;
                let other = construct(c, Type::Dict, args, std::mem::take(&mut kw))?;
                if let Value::Dict(o) = other {
                    let pairs: Vec<(Value, Value)> = o.lock().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                    let mut t = d.lock();
                    for (k, v) in pairs {
                        t.insert(k, v)?;
                    }
                }
                Value::None
            }
            "copy" => construct(c, Type::Dict, vec![recv.clone()], Vec::new())?,
            "clear" => {
                d.lock().clear();
                Value::None
            }
            "popitem" => match d.lock().pop_last() {
                Some((k, v)) => Value::tuple(vec![k, v]),
                None => return Err(exc(ExcKind::KeyError, "'popitem(): dictionary is empty'")),
            },
            _ => return Err(no_attr()),
        },
        Value::Set(d) => match name {
            "add" => {
                want(1, 1)?;
                d.lock().insert(args[0].clone(), Value::None)?;
                Value::None
            }
            "remove" | "discard" => {
                want(1, 1)?;
                if d.lock().remove(&args[0])?.is_none() && name == "remove" {
                    return Err(Err::Exc(Arc::new(ExcObj::new(ExcKind::KeyError, vec![args[0].clone()]))));
                }
                Value::None
            }
            "pop" => match d.lock().pop_last() {
                Some((k, _)) => k,
                None => return Err(exc(ExcKind::KeyError, "'pop from an empty set'")),
            },
            "union" | "intersection" | "difference" | "symmetric_difference" | "issubset" | "issuperset" => {
                want(1, 1)?;
                let other = construct(c, Type::Set, args, Vec::new())?;
                let op = match name {
                    "union" => BinOp::BitOr,
                    "intersection" => BinOp::BitAnd,
                    "difference" => BinOp::Sub,
                    "symmetric_difference" => BinOp::BitXor,
                    "issubset" => return Ok(Value::Bool(ops::compare(super::ast::CmpOp::Le, recv, &other)?)),
                    _ => return Ok(Value::Bool(ops::compare(super::ast::CmpOp::Ge, recv, &other)?)),
                };
                ops::binary(op, recv, &other)?
            }
            "copy" => construct(c, Type::Set, vec![recv.clone()], Vec::new())?,
            "clear" => {
                d.lock().clear();
                Value::None
            }
            _ => return Err(no_attr()),
        },
        Value::Tuple(t) => match name {
            "index" | "count" => {
                want(1, 1)?;
                match name {
                    "count" => Value::Int(t.iter().filter(|x| ops::eq(x, &args[0])).count() as i64),
                    _ => Value::Int(t.iter().position(|x| ops::eq(x, &args[0])).ok_or_else(|| exc(ExcKind::ValueError, "tuple.index(x): x not in tuple"))? as i64),
                }
            }
            _ => return Err(no_attr()),
        },
        Value::Lock(l) => match name {
            "acquire" | "__enter__" => {
                let (blocking, timeout) = acquire_args(&args, &mut kw)?;
                Value::Bool(acquire_lock(c, l, blocking, timeout)?)
            }
            "release" | "__exit__" => {
                release_lock(c, l)?;
                Value::None
            }
            "locked" => Value::Bool(l.locked()),
            _ => return Err(no_attr()),
        },
        Value::Float(f) => match name {
            "is_integer" => Value::Bool(f.fract() == 0.0),
            _ => return Err(no_attr()),
        },
        Value::Int(_) | Value::Big(_) => match name {
            "bit_length" => Value::Int(recv.as_bigint().unwrap_or_default().bits() as i64),
            _ => return Err(no_attr()),
        },
        _ => {
            let _ = n;
            return Err(no_attr());
        }
    })
}


// ---- threads, processes, executors (started and waited for by the host) ----

fn runtime(msg: String) -> Err {
    exc(ExcKind::RuntimeError, msg)
}

/// A timeout argument: `None` waits for ever.
fn timeout_of(v: Option<Value>) -> R<Option<f64>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(v) => Ok(Some(v.as_f64()?.max(0.0))),
    }
}

/// `threading.Thread(target=, args=, kwargs=, name=, daemon=)` or
/// `multiprocessing.Process(...)` (the same keywords).
///
/// (See [`connection_method`] for a `Pipe()`'s ends.)
fn new_task(c: &mut dyn Caller, process: bool, args: Vec<Value>, kw: &mut Vec<(Arc<str>, Value)>) -> R<Value> {
    let what = if process { "Process" } else { "Thread" };
    // Positionally: group, target, name, args, kwargs.
    if args.len() > 5 {
        return Err(type_error(format!("{what}() takes at most 5 positional arguments")));
    }
    if args.first().is_some_and(|g| !matches!(g, Value::None)) {
        return Err(exc(ExcKind::AssertionError, "group argument must be None for now"));
    }
    let mut pos = args.into_iter().skip(1);
    let target = pos.next().or_else(|| kwarg(kw, "target")).unwrap_or(Value::None);
    let name = pos.next().or_else(|| kwarg(kw, "name")).filter(|v| !matches!(v, Value::None));
    let targs = pos.next().or_else(|| kwarg(kw, "args")).unwrap_or(Value::tuple(Vec::new()));
    let tkw = pos.next().or_else(|| kwarg(kw, "kwargs")).filter(|v| !matches!(v, Value::None));
    let daemon = kwarg(kw, "daemon").is_some_and(|d| d.truthy());
    kwarg(kw, "group");
    if !matches!(target, Value::None | Value::Func(_) | Value::Builtin(_) | Value::Method(_) | Value::BoundMethod(_) | Value::Class(_)) {
        return Err(type_error(format!("'{}' object is not callable", target.type_name())));
    }
    let targs = collect_plain(&targs)?;
    let kwargs = match tkw {
        Some(Value::Dict(d)) => d.lock().iter().map(|(k, v)| Ok((Arc::from(k.to_str()), v.clone()))).collect::<R<Vec<_>>>()?,
        Some(o) => return Err(type_error(format!("{what}() argument 'kwargs' must be a dict, not {}", o.type_name()))),
        None => Vec::new(),
    };
    let name: Arc<str> = match name {
        Some(n) => {
            if process {
                c.counters().processes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            Arc::from(n.to_str())
        }
        None if process => Arc::from(format!("Process-{}", c.counters().processes.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1)),
        None => {
            let n = c.counters().threads.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            match &target {
                Value::Func(f) => Arc::from(format!("Thread-{n} ({})", f.code.name)),
                Value::BoundMethod(m) => match &m.1 {
                    Value::Func(f) => Arc::from(format!("Thread-{n} ({})", f.code.name)),
                    _ => Arc::from(format!("Thread-{n}")),
                },
                Value::Class(c) => Arc::from(format!("Thread-{n} ({})", c.name)),
                Value::Builtin(b) => Arc::from(format!("Thread-{n} ({})", b.rsplit('.').next().unwrap_or(b))),
                _ => Arc::from(format!("Thread-{n}")),
            }
        }
    };
    Ok(Value::Task(Arc::new(TaskObj { process, name, daemon: std::sync::atomic::AtomicBool::new(daemon), target, args: targs, kwargs, state: std::sync::atomic::AtomicU8::new(TASK_NEW), exitcode: Mutex::new(None), pool: None, timer: None })))
}

/// `ThreadPoolExecutor(max_workers=None)` (at most min(32, cores + 4)
/// threads, as CPython), `ProcessPoolExecutor(max_workers=None)` and
/// `multiprocessing.Pool(processes=None)` (cores).
fn new_pool(c: &mut dyn Caller, name: &str, args: Vec<Value>, kw: &mut Vec<(Arc<str>, Value)>) -> R<Value> {
    let kind = match name {
        "concurrent.futures.ThreadPoolExecutor" => PoolKind::Threads,
        "concurrent.futures.ProcessPoolExecutor" => PoolKind::Processes,
        _ => PoolKind::MpPool,
    };
    let key = if kind == PoolKind::MpPool { "processes" } else { "max_workers" };
    let mut pos = args.into_iter();
    let max = pos.next().or_else(|| kwarg(kw, key)).filter(|v| !matches!(v, Value::None));
    let prefix = pos.next().or_else(|| kwarg(kw, "thread_name_prefix")).filter(|v| !matches!(v, Value::None) && kind == PoolKind::Threads).map(|v| v.to_str()).filter(|p| !p.is_empty());
    let cores = c.host().cores().max(1);
    let max = match max {
        Some(v) => {
            let n = v.as_i64()?;
            if n <= 0 {
                return Err(exc(ExcKind::ValueError, if kind == PoolKind::MpPool { "Number of processes must be at least 1".to_string() } else { "max_workers must be greater than 0".to_string() }));
            }
            n as usize
        }
        None if kind == PoolKind::Threads => 32.min(cores + 4),
        None => cores,
    };
    let prefix: Arc<str> = match (kind, prefix) {
        (PoolKind::Threads, Some(p)) => Arc::from(p),
        (PoolKind::Threads, None) => Arc::from(format!("ThreadPoolExecutor-{}", c.counters().thread_pools.fetch_add(1, std::sync::atomic::Ordering::SeqCst))),
        (PoolKind::Processes, _) => Arc::from("ForkProcess"),
        (PoolKind::MpPool, _) => Arc::from("ForkPoolWorker"),
    };
    Ok(Value::Pool(Arc::new(PoolObj { kind, max_workers: max, prefix, queue: Mutex::new(Default::default()), workers: Mutex::new(Vec::new()), idle: Default::default(), shutdown: Default::default(), live: Default::default() })))
}

/// The futures in a list, tuple or set of them.
fn futures_of(v: &Value) -> R<Vec<Arc<FutureObj>>> {
    collect_plain(v)?
        .into_iter()
        .map(|f| match f {
            Value::Future(f) => Ok(f),
            o => Err(type_error(format!("expected a Future, not '{}'", o.type_name()))),
        })
        .collect()
}

/// Waits for every future of `executor.map`'s (or `as_completed`'s)
/// iterator before a built-in reads it whole (`list(results)`), raising
/// the first failure in order as CPython's iterator would.
pub fn settle(c: &mut dyn Caller, v: &Value) -> R<()> {
    let Value::SharedIter(it) = v else { return Ok(()) };
    let (rest, completed) = match &*it.lock().unwrap_or_else(|e| e.into_inner()) {
        Iter::Futures { futs, idx, completed, values } => (futs[(*idx).min(futs.len())..].to_vec(), *completed && !*values),
        _ => return Ok(()),
    };
    wait_futures(c, &rest, false)?;
    match it.lock().unwrap_or_else(|e| e.into_inner()).pending() {
        Some(Pending::Raise(e)) => Err(Err::Exc(e)),
        _ if completed => Ok(()),
        _ => {
            // A later failure is raised where the iteration reaches it.
            if let Some(e) = rest.iter().find_map(|f| f.get().and_then(|r| r.err())) {
                return Err(Err::Exc(e));
            }
            Ok(())
        }
    }
}

/// `put` on a `queue` module's queue: waits while it is full (at most
/// `secs`; not at all unless `block`: then `queue.Full`); a
/// `PriorityQueue` keeps its items sorted (`<` as Python compares them,
/// raising its TypeError here, as `heappush` does).
fn put_local(c: &mut dyn Caller, q: &Arc<QueueObj>, item: Value, block: bool, secs: Option<f64>) -> R<()> {
    let mut done = None;
    if block {
        let (line, q2) = (c.line(), q.clone());
        c.host().block(super::host::Wait::Lock, line, secs, &mut || {
            done = try_put(&q2, &item);
            done.is_some()
        })?;
    } else {
        done = try_put(q, &item);
    }
    done.unwrap_or_else(|| Err(exc(ExcKind::Full, "")))
}

/// Puts `item` unless the queue is full (`None`), in one hold of its lock.
fn try_put(q: &QueueObj, item: &Value) -> Option<R<()>> {
    let mut items = q.items.lock().unwrap_or_else(|e| e.into_inner());
    if q.maxsize > 0 && items.len() >= q.maxsize {
        return None;
    }
    let mut at = items.len();
    if q.order == QueueOrder::Priority {
        for (i, v) in items.iter().enumerate() {
            match super::ops::cmp(item, v, "<") {
                Ok(std::cmp::Ordering::Less) => {
                    at = i;
                    break;
                }
                Ok(_) => {}
                Err(e) => return Some(Err(e)),
            }
        }
    }
    items.insert(at, item.clone());
    q.unfinished.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    Some(Ok(()))
}

/// Blocks until every future of `fs` is done (`any`: one of them).
pub fn wait_futures(c: &mut dyn Caller, fs: &[Arc<FutureObj>], any: bool) -> R<()> {
    let line = c.line();
    let fs = fs.to_vec();
    c.host().block(super::host::Wait::Join, line, None, &mut || if any { fs.iter().any(|f| f.done()) } else { fs.iter().all(|f| f.done()) })?;
    Ok(())
}

/// Queues `func(*args)` on a pool: a thread pool starts a worker unless
/// one is idle (CPython's `_adjust_thread_count`); a process pool's host
/// dispatches it.
fn submit(c: &mut dyn Caller, pool: &Arc<PoolObj>, func: Value, args: Vec<Value>) -> R<Arc<FutureObj>> {
    use std::sync::atomic::Ordering::SeqCst;
    if pool.shutdown.load(SeqCst) {
        return Err(runtime("cannot schedule new futures after shutdown".into()));
    }
    let future = Arc::new(FutureObj::default());
    pool.queue.lock().unwrap_or_else(|e| e.into_inner()).push_back(Work { future: future.clone(), func, args });
    match pool.kind {
        PoolKind::Threads => {
            if pool.idle.fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1)).is_err() {
                let mut workers = pool.workers.lock().unwrap_or_else(|e| e.into_inner());
                if workers.len() < pool.max_workers {
                    let name: Arc<str> = Arc::from(format!("{}_{}", pool.prefix, workers.len()));
                    let t = Arc::new(TaskObj { process: false, name, daemon: std::sync::atomic::AtomicBool::new(false), target: Value::None, args: Vec::new(), kwargs: Vec::new(), state: std::sync::atomic::AtomicU8::new(TASK_STARTED), exitcode: Mutex::new(None), pool: Some(pool.clone()), timer: None });
                    workers.push(t.clone());
                    drop(workers);
                    if let Err(why) = c.host().start_thread(&t) {
                        t.end(None);
                        pool.workers.lock().unwrap_or_else(|e| e.into_inner()).retain(|w| !Arc::ptr_eq(w, &t));
                        return Err(runtime(why));
                    }
                }
            }
        }
        PoolKind::Processes | PoolKind::MpPool => c.host().pool_work(pool).map_err(runtime)?,
    }
    Ok(future)
}

/// `executor.shutdown(wait)`: no more work; with `wait`, until the queued
/// work is done and the workers ended.
fn shutdown(c: &mut dyn Caller, pool: &Arc<PoolObj>, wait: bool, terminate: bool) -> R<()> {
    use std::sync::atomic::Ordering::SeqCst;
    pool.shutdown.store(true, SeqCst);
    if pool.kind != PoolKind::Threads {
        c.host().pool_shutdown(pool, terminate);
    }
    if !wait {
        return Ok(());
    }
    let line = c.line();
    let p = pool.clone();
    c.host().block(super::host::Wait::Join, line, None, &mut || match p.kind {
        PoolKind::Threads => p.workers.lock().unwrap_or_else(|e| e.into_inner()).iter().all(|w| w.ended()),
        _ => p.live.load(SeqCst) == 0 && p.queue.lock().unwrap_or_else(|e| e.into_inner()).is_empty(),
    })?;
    Ok(())
}

/// The result of a done future (raising its exception); a
/// `map_async`'s: the list of its calls' results.
fn result_of(f: &FutureObj) -> R<Value> {
    if !f.parts.is_empty() {
        return Value::list(f.parts.iter().map(|p| result_of(p)).collect::<R<_>>()?);
    }
    match f.get() {
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(Err::Exc(e)),
        None => Err(exc(ExcKind::TimeoutError, "")),
    }
}

fn object_method(c: &mut dyn Caller, recv: &Value, name: &str, args: Vec<Value>, mut kw: Vec<(Arc<str>, Value)>) -> R<Value> {
    use std::sync::atomic::Ordering::SeqCst;
    let no_attr = || exc(ExcKind::AttributeError, format!("'{}' object has no attribute '{name}'", recv.type_name()));
    let want = |lo: usize, hi: usize| arity(name, &args, lo, hi);
    let line = c.line();
    let timeout = |args: &[Value], i: usize, kw: &mut Vec<(Arc<str>, Value)>| timeout_of(args.get(i).cloned().or_else(|| kwarg(kw, "timeout")));
    let v = match recv {
        Value::Task(t) => match name {
            "start" => {
                want(0, 0)?;
                if t.state.compare_exchange(TASK_NEW, TASK_STARTED, SeqCst, SeqCst).is_err() {
                    return Err(if t.process { exc(ExcKind::AssertionError, "cannot start a process twice") } else { runtime("threads can only be started once".into()) });
                }
                if !t.process {
                    c.counters().thread_started(t, recv.clone());
                }
                let r = if t.process { c.host().start_process(t) } else { c.host().start_thread(t) };
                if let Err(why) = r {
                    c.counters().thread_ended(Arc::as_ptr(t) as usize);
                    t.state.store(TASK_NEW, SeqCst);
                    return Err(runtime(why));
                }
                Value::None
            }
            "join" => {
                want(0, 1)?;
                let secs = timeout(&args, 0, &mut kw)?;
                if t.state.load(SeqCst) == TASK_NEW {
                    return Err(if t.process { exc(ExcKind::AssertionError, "can only join a started process") } else { runtime("cannot join thread before it is started".into()) });
                }
                if !t.process && *c.host().thread_name() == *t.name {
                    return Err(runtime("cannot join current thread".into()));
                }
                let t = t.clone();
                c.host().joining(&t.name);
                c.host().block(super::host::Wait::Join, line, secs, &mut || t.ended())?;
                Value::None
            }
            "is_alive" => {
                want(0, 0)?;
                Value::Bool(t.alive())
            }
            "cancel" if t.timer.is_some() => {
                want(0, 0)?;
                if let Some(timer) = &t.timer {
                    timer.cancelled.store(true, SeqCst);
                }
                Value::None
            }
            "terminate" | "kill" if t.process => {
                want(0, 0)?;
                if t.alive() {
                    c.host().terminate_process(t, if name == "kill" { -9 } else { -15 });
                }
                Value::None
            }
            _ => return Err(no_attr()),
        },
        Value::Event(e) => match name {
            "set" => {
                e.flag.store(true, SeqCst);
                Value::None
            }
            "clear" => {
                e.flag.store(false, SeqCst);
                Value::None
            }
            "is_set" => Value::Bool(e.flag.load(SeqCst)),
            "wait" => {
                want(0, 1)?;
                let secs = timeout(&args, 0, &mut kw)?;
                let e = e.clone();
                Value::Bool(c.host().block(super::host::Wait::Lock, line, secs, &mut || e.flag.load(SeqCst))?)
            }
            _ => return Err(no_attr()),
        },
        Value::Queue(q) if q.kind == QueueKind::Connection => return connection_method(c, q, name, args, kw),
        Value::Shared(s) => match (name, &s.lock) {
            ("get_lock", Some(l)) => {
                want(0, 0)?;
                Value::Lock(l.clone())
            }
            ("acquire" | "release", Some(l)) => return call_method(c, &Value::Lock(l.clone()), name, args, kw),
            ("get_obj", _) => recv.clone(),
            _ => return Err(no_attr()),
        },
        // In a child process, the parent's multiprocessing queue: a put is
        // sent to the parent; a get asks it and waits for its answer.
        Value::Queue(q) if q.remote => match name {
            "put" | "put_nowait" => {
                want(1, 3)?;
                kwarg(&mut kw, "block");
                kwarg(&mut kw, "timeout");
                let bytes = args[0].pickle(false)?;
                c.host().queue_put(q.id, bytes).map_err(runtime)?;
                Value::None
            }
            "close" | "join_thread" | "cancel_join_thread" => Value::None,
            // Asked of the parent, which holds the items; the child waits for its answer.
            "get" | "get_nowait" => {
                want(0, if q.kind == QueueKind::Simple { 0 } else { 2 })?;
                let block = name == "get" && args.first().cloned().or_else(|| kwarg(&mut kw, "block")).is_none_or(|b| b.truthy());
                let secs = if block { timeout(&args, 1, &mut kw)? } else { Some(0.0) };
                match c.host().queue_ask(q.id, super::host::QueueAsk::Get { timeout: secs }, line)?.map_err(runtime)? {
                    super::host::QueueAnswer::Item(bytes) => Value::from_bytes(&bytes).ok_or_else(|| runtime("an item from the parent's queue could not be read".into()))?,
                    _ => return Err(exc(ExcKind::Empty, "")),
                }
            }
            "empty" | "qsize" => {
                want(0, 0)?;
                let n = match c.host().queue_ask(q.id, super::host::QueueAsk::Size, line)?.map_err(runtime)? {
                    super::host::QueueAnswer::Size(n) => n,
                    _ => 0,
                };
                if name == "empty" {
                    Value::Bool(n == 0)
                } else {
                    Value::Int(n as i64)
                }
            }
            "full" => Value::Bool(false),
            _ => return Err(no_attr()),
        },
        Value::Queue(q) => match (q.kind, name) {
            (QueueKind::Simple, "put") | (QueueKind::Threads | QueueKind::Processes, "put" | "put_nowait") => {
                want(1, if q.kind == QueueKind::Simple { 1 } else { 3 })?;
                // A multiprocessing queue's item is a copy (pickled), as CPython's.
                let item = match q.kind {
                    QueueKind::Threads => args[0].clone(),
                    _ => Value::from_bytes(&args[0].pickle(false)?).unwrap_or(Value::None),
                };
                if q.kind == QueueKind::Threads {
                    let block = name == "put" && args.get(1).cloned().or_else(|| kwarg(&mut kw, "block")).is_none_or(|b| b.truthy());
                    let secs = timeout(&args, 2, &mut kw)?;
                    put_local(c, q, item, block, secs)?;
                    return Ok(Value::None);
                }
                kwarg(&mut kw, "block");
                kwarg(&mut kw, "timeout");
                q.unfinished.fetch_add(1, SeqCst);
                q.items.lock().unwrap_or_else(|e| e.into_inner()).push_back(item);
                Value::None
            }
            (QueueKind::Simple, "get") | (QueueKind::Threads | QueueKind::Processes, "get" | "get_nowait") => {
                want(0, if q.kind == QueueKind::Simple { 0 } else { 2 })?;
                let block = name == "get" && args.first().cloned().or_else(|| kwarg(&mut kw, "block")).is_none_or(|b| b.truthy());
                let secs = timeout(&args, 1, &mut kw)?;
                // From another process: receiving; between threads: a lock's wait.
                let why = if q.kind == QueueKind::Threads { super::host::Wait::Lock } else { super::host::Wait::Receive };
                let mut got = None;
                if block {
                    let q = q.clone();
                    c.host().block(why, line, secs, &mut || {
                        got = q.take();
                        got.is_some()
                    })?;
                } else {
                    got = q.take();
                }
                match got {
                    Some(v) => v,
                    None => return Err(exc(ExcKind::Empty, "")),
                }
            }
            (_, "empty") => Value::Bool(q.items.lock().unwrap_or_else(|e| e.into_inner()).is_empty()),
            (QueueKind::Threads | QueueKind::Processes, "qsize") => Value::Int(q.items.lock().unwrap_or_else(|e| e.into_inner()).len() as i64),
            // A `multiprocessing.Queue`'s `maxsize` is not kept: never full.
            (QueueKind::Threads, "full") if !q.simple => Value::Bool(q.maxsize > 0 && q.items.lock().unwrap_or_else(|e| e.into_inner()).len() >= q.maxsize),
            (QueueKind::Processes, "full") => Value::Bool(false),
            (QueueKind::Processes | QueueKind::Simple, "close") | (QueueKind::Processes, "join_thread" | "cancel_join_thread") => Value::None,
            (QueueKind::Threads, "task_done" | "join") if q.simple => return Err(no_attr()),
            (QueueKind::Threads, "task_done") => {
                if q.unfinished.fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1)).is_err() {
                    return Err(exc(ExcKind::ValueError, "task_done() called too many times"));
                }
                Value::None
            }
            (QueueKind::Threads, "join") => {
                let q = q.clone();
                c.host().block(super::host::Wait::Lock, line, None, &mut || q.unfinished.load(SeqCst) == 0)?;
                Value::None
            }
            _ => return Err(no_attr()),
        },
        Value::Semaphore(s) => match name {
            "acquire" => {
                want(0, 2)?;
                let blocking = args.first().cloned().or_else(|| kwarg(&mut kw, "blocking")).is_none_or(|b| b.truthy());
                let secs = timeout(&args, 1, &mut kw)?;
                if !blocking {
                    Value::Bool(s.try_acquire())
                } else {
                    let s = s.clone();
                    Value::Bool(c.host().block(super::host::Wait::Lock, line, secs, &mut || s.try_acquire())?)
                }
            }
            "release" => {
                s.release()?;
                Value::None
            }
            _ => return Err(no_attr()),
        },
        Value::Future(f) => match name {
            // `get` and `ready`: a multiprocessing AsyncResult's names.
            "result" | "exception" | "get" => {
                want(0, 1)?;
                let secs = timeout(&args, 0, &mut kw)?;
                let f2 = f.clone();
                if !c.host().block(super::host::Wait::Join, line, secs, &mut || f2.done())? {
                    return Err(exc(ExcKind::TimeoutError, ""));
                }
                match (name, result_of(f)) {
                    ("result" | "get", r) => r?,
                    (_, Ok(_)) => Value::None,
                    (_, Err(Err::Exc(e))) => Value::Exc(e),
                    (_, Err(e)) => return Err(e),
                }
            }
            "done" | "ready" => Value::Bool(f.done()),
            // A multiprocessing AsyncResult's.
            "wait" => {
                want(0, 1)?;
                let secs = timeout(&args, 0, &mut kw)?;
                let f2 = f.clone();
                c.host().block(super::host::Wait::Join, line, secs, &mut || f2.done())?;
                Value::None
            }
            "successful" => {
                if !f.done() {
                    return Err(exc(ExcKind::ValueError, format!("{} not ready", recv.repr())));
                }
                Value::Bool(result_of(f).is_ok())
            }
            "running" => Value::Bool(!f.done()),
            "cancelled" | "cancel" => Value::Bool(false),
            _ => return Err(no_attr()),
        },
        Value::Pool(p) => match (p.kind, name) {
            (_, "submit" | "apply_async" | "apply") if p.kind != PoolKind::MpPool || name != "submit" => {
                if args.is_empty() {
                    return Err(type_error(format!("{name}() missing 1 required positional argument: 'fn'")));
                }
                let mut args = args;
                let func = args.remove(0);
                let args = if name == "submit" { args } else { args.first().map(collect_plain).transpose()?.unwrap_or_default() };
                let f = submit(c, p, func, args)?;
                if name == "apply" {
                    wait_futures(c, std::slice::from_ref(&f), false)?;
                    result_of(&f)?
                } else {
                    Value::Future(f)
                }
            }
            (_, "map" | "starmap") | (PoolKind::MpPool, "imap" | "imap_unordered" | "map_async" | "starmap_async") => {
                kwarg(&mut kw, "timeout");
                kwarg(&mut kw, "chunksize");
                if args.len() < 2 {
                    return Err(type_error(format!("{name}() missing 1 required positional argument: 'iterable'")));
                }
                let mut args = args;
                if p.kind == PoolKind::MpPool {
                    // (func, iterable, chunksize): one iterable; chunks are not kept.
                    args.truncate(2);
                }
                let func = args.remove(0);
                let columns: Vec<Vec<Value>> = args.iter().map(|a| items_of(c, a)).collect::<R<_>>()?;
                let rows = columns.iter().map(Vec::len).min().unwrap_or(0);
                let mut futs = Vec::with_capacity(rows);
                for i in 0..rows {
                    let call_args = if name.starts_with("starmap") { collect_plain(&columns[0][i])? } else { columns.iter().map(|col| col[i].clone()).collect() };
                    futs.push(submit(c, p, func.clone(), call_args)?);
                }
                if name.ends_with("_async") {
                    // An AsyncResult: done when every call is; `get` lists their results.
                    let all = FutureObj { parts: futs, ..FutureObj::default() };
                    if all.parts.is_empty() {
                        all.set(Ok(Value::list(Vec::new())?));
                    }
                    Value::Future(Arc::new(all))
                } else if name.starts_with("imap") {
                    Value::SharedIter(Arc::new(Mutex::new(Iter::Futures { futs: futs.into(), idx: 0, completed: name == "imap_unordered", values: true })))
                } else if p.kind == PoolKind::MpPool {
                    // multiprocessing.Pool.map returns the list, once all are done.
                    wait_futures(c, &futs, false)?;
                    let mut out = Vec::with_capacity(futs.len());
                    for f in &futs {
                        out.push(result_of(f)?);
                    }
                    Value::list(out)?
                } else {
                    Value::SharedIter(Arc::new(Mutex::new(Iter::Futures { futs: futs.into(), idx: 0, completed: false, values: true })))
                }
            }
            (PoolKind::MpPool, "close") => {
                p.shutdown.store(true, SeqCst);
                Value::None
            }
            (PoolKind::MpPool, "join") => {
                shutdown(c, p, true, false)?;
                Value::None
            }
            (PoolKind::MpPool, "terminate") => {
                shutdown(c, p, false, true)?;
                Value::None
            }
            (_, "shutdown") => {
                let wait = args.first().cloned().or_else(|| kwarg(&mut kw, "wait")).is_none_or(|w| w.truthy());
                kwarg(&mut kw, "cancel_futures");
                shutdown(c, p, wait, false)?;
                Value::None
            }
            // The end of a `with` block: an executor waits for its work
            // (shutdown(wait=True)); a multiprocessing.Pool terminates.
            (PoolKind::MpPool, "__exit__") => {
                shutdown(c, p, false, true)?;
                Value::None
            }
            (_, "__exit__") => {
                shutdown(c, p, true, false)?;
                Value::None
            }
            _ => return Err(no_attr()),
        },
        _ => return Err(no_attr()),
    };
    if let Some((k, _)) = kw.first() {
        return Err(type_error(format!("{name}() got an unexpected keyword argument '{k}'")));
    }
    Ok(v)
}

// ---- locks, conditions, barriers, timers, thread-local data ----

/// Takes lock `l` for this thread (`Lock.acquire`, `with lock:`, a
/// condition's lock): at once if it can, else waiting through the host
/// (the GIL released) until it is free, `timeout` seconds passed, or at
/// once when not `blocking`. Whether it got it.
pub fn acquire_lock(c: &mut dyn Caller, l: &Arc<LockObj>, blocking: bool, timeout: Option<f64>) -> R<bool> {
    let me = c.host().ident();
    let until = timeout.map(|t| c.host().perf_counter() + t);
    loop {
        if l.try_acquire(me) {
            l.set_owner(Some(Arc::from(c.host().thread_name())));
            return Ok(true);
        }
        if !blocking || until.is_some_and(|u| c.host().perf_counter() >= u) {
            return Ok(false);
        }
        let line = c.line();
        let owner = l.owner();
        c.host().lock_wait(owner.as_deref(), line, until.is_some(), &mut || !l.locked())?;
    }
}

/// `acquire(blocking=True, timeout=-1)`'s arguments (a negative timeout: none).
fn acquire_args(args: &[Value], kw: &mut Vec<(Arc<str>, Value)>) -> R<(bool, Option<f64>)> {
    let blocking = args.first().cloned().or_else(|| kwarg(kw, "blocking")).is_none_or(|v| v.truthy());
    let timeout = args.get(1).cloned().or_else(|| kwarg(kw, "timeout")).filter(|t| !matches!(t, Value::None)).map(|t| t.as_f64()).transpose()?.filter(|t| *t >= 0.0);
    Ok((blocking, timeout))
}

/// Releases lock `l` once (`Lock.release`, the end of `with lock:`).
pub fn release_lock(c: &mut dyn Caller, l: &LockObj) -> R<()> {
    let me = c.host().ident();
    if !l.reentrant {
        l.set_owner(None);
    }
    l.release(me)
}

/// `threading.Condition(lock=None)`, `Barrier(parties, action=None,
/// timeout=None)`, `local()`, `Timer(interval, function, args=None, kwargs=None)`.
fn new_sync(c: &mut dyn Caller, name: &str, args: Vec<Value>, kw: &mut Vec<(Arc<str>, Value)>) -> R<Value> {
    let mut pos = args.into_iter();
    Ok(match name {
        "threading.Condition" => {
            let lock = match pos.next().or_else(|| kwarg(kw, "lock")) {
                None | Some(Value::None) => Arc::new(LockObj::rlock()),
                Some(Value::Lock(l)) => l,
                Some(o) => return Err(exc(ExcKind::AttributeError, format!("'{}' object has no attribute 'acquire'", o.type_name()))),
            };
            Value::Condition(Arc::new(CondObj { lock, waiters: Mutex::new(Default::default()) }))
        }
        "threading.Barrier" => {
            let parties = pos.next().or_else(|| kwarg(kw, "parties")).ok_or_else(|| type_error("Barrier.__init__() missing 1 required positional argument: 'parties'"))?.as_i64()?;
            if parties < 1 {
                return Err(exc(ExcKind::ValueError, "parties must be >= 1"));
            }
            let action = pos.next().or_else(|| kwarg(kw, "action")).unwrap_or(Value::None);
            let timeout = timeout_of(pos.next().or_else(|| kwarg(kw, "timeout")))?;
            Value::Barrier(Arc::new(BarrierObj { parties: parties as usize, action, timeout, state: Mutex::new(BarrierState::default()) }))
        }
        "threading.local" => {
            if pos.next().is_some() || !kw.is_empty() {
                return Err(type_error("Initialization arguments are not supported"));
            }
            Value::Local(Arc::new(LocalObj::default()))
        }
        _ => {
            // A Timer is a thread named as CPython names it (`Thread-N`,
            // without its function's name) that waits before calling.
            let given = pos.next().or_else(|| kwarg(kw, "interval")).ok_or_else(|| type_error("Timer.__init__() missing 2 required positional arguments: 'interval' and 'function'"))?;
            let interval = given.as_f64()?;
            let function = pos.next().or_else(|| kwarg(kw, "function")).ok_or_else(|| type_error("Timer.__init__() missing 1 required positional argument: 'function'"))?;
            let targs = pos.next().or_else(|| kwarg(kw, "args")).filter(|v| !matches!(v, Value::None));
            let tkw = pos.next().or_else(|| kwarg(kw, "kwargs")).filter(|v| !matches!(v, Value::None));
            let mut tkw_args: Vec<(Arc<str>, Value)> = vec![(Arc::from("target"), function), (Arc::from("args"), targs.unwrap_or(Value::tuple(Vec::new())))];
            if let Some(k) = tkw {
                tkw_args.push((Arc::from("kwargs"), k));
            }
            let n = c.counters().threads.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            tkw_args.push((Arc::from("name"), Value::Str(Arc::from(format!("Thread-{n}")))));
            let Value::Task(t) = new_task(c, false, Vec::new(), &mut tkw_args)? else { unreachable!("new_task makes a task") };
            let t = Arc::into_inner(t).unwrap_or_else(|| unreachable!("just made"));
            Value::Task(Arc::new(TaskObj { timer: Some(Arc::new(TimerObj { interval, given, cancelled: Default::default() })), ..t }))
        }
    })
}

/// `Condition.wait(timeout)`: releases its lock (all the way, for an
/// `RLock`), waits (the GIL released) until notified or the timeout, and
/// takes the lock back as it was. Whether it was notified.
fn cond_wait(c: &mut dyn Caller, cv: &Arc<CondObj>, timeout: Option<f64>) -> R<bool> {
    use std::sync::atomic::Ordering::SeqCst;
    let me = c.host().ident();
    if !cv.lock.held_by(me) {
        return Err(runtime("cannot wait on un-acquired lock".into()));
    }
    let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
    cv.waiters.lock().unwrap_or_else(|e| e.into_inner()).push_back(flag.clone());
    let depth = cv.lock.depth.load(SeqCst).max(1);
    cv.lock.depth.store(1, SeqCst);
    release_lock(c, &cv.lock)?;
    let line = c.line();
    let f = flag.clone();
    let waited = c.host().block(super::host::Wait::Lock, line, timeout, &mut || f.load(SeqCst));
    // Not notified (a timeout, or the run stopping): no longer a waiter.
    cv.waiters.lock().unwrap_or_else(|e| e.into_inner()).retain(|w| !Arc::ptr_eq(w, &flag));
    let notified = flag.load(SeqCst);
    waited?;
    acquire_lock(c, &cv.lock, true, None)?;
    cv.lock.depth.store(depth, SeqCst);
    Ok(notified)
}

/// `Barrier.wait(timeout)`: the index of this thread's arrival (0 first),
/// once all `parties` arrived; `BrokenBarrierError` when it is or becomes
/// broken (a timeout, `abort()`, `reset()` while waiting, a failed action).
fn barrier_wait(c: &mut dyn Caller, b: &Arc<BarrierObj>, timeout: Option<f64>) -> R<Value> {
    let broken = || exc(ExcKind::BrokenBarrierError, "");
    let (index, round) = {
        let mut st = b.lock();
        if st.broken {
            return Err(broken());
        }
        st.count += 1;
        (st.count - 1, st.round)
    };
    if index + 1 == b.parties {
        // The last to arrive runs the action, then lets everyone go.
        if !matches!(b.action, Value::None) {
            if let Err(e) = c.call(&b.action, Vec::new()) {
                let mut st = b.lock();
                st.broken = true;
                st.count = 0;
                return Err(e);
            }
        }
        let mut st = b.lock();
        if st.round == round && !st.broken {
            st.round += 1;
            st.count = 0;
            return Ok(Value::Int(index as i64));
        }
        return Err(broken());
    }
    let line = c.line();
    let b2 = b.clone();
    let passed = c.host().block(super::host::Wait::Lock, line, timeout.or(b.timeout), &mut || {
        let st = b2.lock();
        st.round != round || st.broken
    })?;
    let mut st = b.lock();
    if st.round != round {
        return if st.reset_rounds.contains(&round) { Err(broken()) } else { Ok(Value::Int(index as i64)) };
    }
    if !passed && !st.broken {
        // Timed out: the barrier breaks for everyone waiting.
        st.broken = true;
        st.count = 0;
    }
    Err(broken())
}

/// An attribute of a condition, barrier, timer, logger or `threading.local`
/// (`me`: this thread's [`Host::ident`]); `None`: not one of those.
pub fn sync_attr(obj: &Value, name: &str, me: u64) -> Option<R<Value>> {
    let no_attr = || Err(exc(ExcKind::AttributeError, format!("'{}' object has no attribute '{name}'", obj.type_name())));
    Some(match (obj, name) {
        (Value::Barrier(b), "parties") => Ok(Value::Int(b.parties as i64)),
        (Value::Barrier(b), "n_waiting") => {
            let st = b.lock();
            Ok(Value::Int(if st.broken { 0 } else { st.count as i64 }))
        }
        (Value::Barrier(b), "broken") => Ok(Value::Bool(b.lock().broken)),
        (Value::Task(t), "interval") => t.timer.as_ref().map_or_else(no_attr, |tm| Ok(tm.given.clone())),
        (Value::Task(t), "function") if t.timer.is_some() => Ok(t.target.clone()),
        (Value::Logger(n), "name") => Ok(Value::Str(n.clone())),
        (Value::Local(l), _) => {
            let all = l.per_thread.lock().unwrap_or_else(|e| e.into_inner());
            match all.get(&me).and_then(|attrs| attrs.iter().find(|(k, _)| &**k == name)) {
                Some((_, v)) => Ok(v.clone()),
                None if name == "__dict__" => {
                    let mut t = Table::default();
                    for (k, v) in all.get(&me).into_iter().flatten() {
                        if let Err(e) = t.insert(Value::Str(k.clone()), v.clone()) {
                            return Some(Err(e));
                        }
                    }
                    Ok(Value::Dict(DictObj::new(t)))
                }
                None => no_attr(),
            }
        }
        (Value::Condition(_) | Value::Barrier(_) | Value::Logger(_) | Value::Stream(_), _) => Ok(Value::Method(Arc::new((obj.clone(), Arc::from(name))))),
        _ => return None,
    })
}

/// `data.x = v` on a `threading.local()` (this thread's own `x`); `None`:
/// not a `threading.local`.
pub fn set_sync_attr(obj: &Value, name: &str, v: Value, me: u64) -> Option<R<()>> {
    let Value::Local(l) = obj else { return None };
    let mut all = l.per_thread.lock().unwrap_or_else(|e| e.into_inner());
    let attrs = all.entry(me).or_default();
    match attrs.iter_mut().find(|(k, _)| &**k == name) {
        Some(slot) => slot.1 = v,
        None => attrs.push((Arc::from(name), v)),
    }
    Some(Ok(()))
}

// ---- sys and logging ----

/// The simulated CPython's version (`sys.version_info`).
const VERSION: (i64, i64, i64) = (3, 13, 0);

/// `sys.version`: CPython 3.13, or its free-threaded build without the GIL.
pub fn sys_version(gil: bool) -> Value {
    let (a, b, c) = VERSION;
    Value::Str(Arc::from(format!("{a}.{b}.{c} {}(main, ThreadLab) [simulated by ThreadLab's Python]", if gil { "" } else { "experimental free-threading build " })))
}

/// `sys.…` and `logging.…` values that are not functions.
fn std_attr(m: Module, name: &str) -> R<Value> {
    let level = |n: &str| LEVELS.iter().find(|(_, l)| *l == n).map(|(v, _)| Value::Int(*v));
    Ok(match (m, name) {
        (Module::Sys, "version_info") => Value::tuple(vec![Value::Int(VERSION.0), Value::Int(VERSION.1), Value::Int(VERSION.2), Value::str("final"), Value::Int(0)]),
        (Module::Sys, "argv") => Value::list(vec![Value::str("<program>")])?,
        (Module::Sys, "platform") => Value::str("linux"),
        (Module::Sys, "maxsize") => Value::Int(i64::MAX),
        (Module::Sys, "stdout") => Value::Stream(false),
        (Module::Sys, "stderr") => Value::Stream(true),
        // `sys.version` says whether the GIL is on: the host knows.
        (Module::Sys, "version") => sys_version(true),
        (Module::Sys, "exit" | "getswitchinterval" | "setswitchinterval" | "_is_gil_enabled") | (Module::Logging, "basicConfig" | "getLogger" | "debug" | "info" | "warning" | "error" | "critical" | "exception" | "log") => Value::Builtin(leak(m, name)),
        (Module::Logging, _) if level(name).is_some() => level(name).unwrap_or_default(),
        _ => return Err(exc(ExcKind::AttributeError, format!("module '{}' has no attribute '{name}'", m.name()))),
    })
}

/// `logging`'s levels and their names.
const LEVELS: &[(i64, &str)] = &[(0, "NOTSET"), (10, "DEBUG"), (20, "INFO"), (30, "WARNING"), (40, "ERROR"), (50, "CRITICAL")];

fn level_name(level: i64) -> String {
    LEVELS.iter().find(|(v, _)| *v == level).map_or_else(|| format!("Level {level}"), |(_, n)| n.to_string())
}

/// A `level=` argument: a number or a level's name.
fn level_of(v: &Value) -> R<i64> {
    match v {
        Value::Str(s) => LEVELS.iter().find(|(_, n)| **n == **s).map(|(l, _)| *l).ok_or_else(|| exc(ExcKind::ValueError, format!("Unknown level: {}", v.repr()))),
        other => other.as_i64(),
    }
}

/// The `sys` and `logging` functions.
fn call_std(c: &mut dyn Caller, name: &str, args: Vec<Value>, kw: &mut Vec<(Arc<str>, Value)>) -> R<Value> {
    Ok(match name {
        "sys.exit" => {
            arity(name, &args, 0, 1)?;
            let args = args.into_iter().filter(|a| !matches!(a, Value::None)).collect();
            return Err(Err::Exc(Arc::new(ExcObj::new(ExcKind::SystemExit, args))));
        }
        "sys.getswitchinterval" => {
            arity(name, &args, 0, 0)?;
            Value::Float(c.host().switch_interval())
        }
        "sys.setswitchinterval" => {
            arity(name, &args, 1, 1)?;
            let secs = args[0].as_f64()?;
            if secs <= 0.0 {
                return Err(exc(ExcKind::ValueError, "switch interval must be strictly positive"));
            }
            c.host().set_switch_interval(secs);
            Value::None
        }
        "sys._is_gil_enabled" => Value::Bool(c.host().has_gil()),
        "logging.basicConfig" => {
            arity(name, &args, 0, 0)?;
            let force = kwarg(kw, "force").is_some_and(|f| f.truthy());
            let level = kwarg(kw, "level").map(|l| level_of(&l)).transpose()?;
            let format = kwarg(kw, "format").map(|f| f.to_str());
            let datefmt = kwarg(kw, "datefmt").filter(|v| !matches!(v, Value::None)).map(|f| f.to_str());
            let stdout = match kwarg(kw, "stream") {
                None | Some(Value::None) | Some(Value::Stream(true)) => false,
                Some(Value::Stream(false)) => true,
                Some(o) => return Err(exc(ExcKind::AttributeError, format!("'{}' object has no attribute 'write'", o.type_name()))),
            };
            kwarg(kw, "style").filter(|s| s.to_str() != "%").map_or(Ok(()), |_| Err(exc(ExcKind::ValueError, "ThreadLab's logging formats with the '%' style only")))?;
            if let Some((k, _)) = kw.iter().find(|(k, _)| matches!(&**k, "filename" | "filemode" | "handlers" | "encoding" | "errors")) {
                return Err(exc(ExcKind::ValueError, format!("basicConfig({k}=…): ThreadLab's logging writes to the console only (stderr, or stream=sys.stdout)")));
            }
            if let Some((k, _)) = kw.first() {
                return Err(exc(ExcKind::ValueError, format!("Unrecognised argument(s): {k}")));
            }
            let mut cfg = c.counters().logging.lock().unwrap_or_else(|e| e.into_inner());
            // As CPython: only the first call configures (unless force=True).
            if !cfg.configured || force {
                cfg.configured = true;
                if let Some(l) = level {
                    cfg.level = l;
                }
                if let Some(f) = format {
                    cfg.format = Arc::from(f);
                }
                cfg.datefmt = datefmt.map(Arc::from);
                cfg.stdout = stdout;
            }
            Value::None
        }
        "logging.getLogger" => {
            arity(name, &args, 0, 1)?;
            match args.into_iter().next().or_else(|| kwarg(kw, "name")) {
                None | Some(Value::None) => Value::Logger(Arc::from("root")),
                Some(Value::Str(s)) if &*s == "root" => Value::Logger(Arc::from("root")),
                Some(Value::Str(s)) => Value::Logger(s),
                Some(o) => return Err(type_error(format!("A logger name must be a string, not {}", o.type_name()))),
            }
        }
        _ => {
            // The module's functions log through the root logger, configuring
            // it first if nothing did (CPython's `basicConfig()` there).
            let short = name.trim_start_matches("logging.");
            c.counters().logging.lock().unwrap_or_else(|e| e.into_inner()).configured = true;
            log_call(c, "root", short, args, kw)?
        }
    })
}

/// `debug/info/warning/error/critical/exception/log(…)` on logger `logger`.
fn log_call(c: &mut dyn Caller, logger: &str, method: &str, mut args: Vec<Value>, kw: &mut Vec<(Arc<str>, Value)>) -> R<Value> {
    let level = match method {
        "debug" => 10,
        "info" => 20,
        "warning" | "warn" => 30,
        "error" | "exception" => 40,
        "critical" | "fatal" => 50,
        _ => {
            if args.is_empty() {
                return Err(type_error("log() missing 2 required positional arguments: 'level' and 'msg'"));
            }
            level_of(&args.remove(0))?
        }
    };
    if args.is_empty() {
        return Err(type_error(format!("{method}() missing 1 required positional argument: 'msg'")));
    }
    let msg = args.remove(0);
    let exc_info = kwarg(kw, "exc_info").map_or(method == "exception", |v| v.truthy());
    kwarg(kw, "stack_info");
    kwarg(kw, "stacklevel");
    kwarg(kw, "extra");
    let (configured, effective, format, datefmt, stdout) = {
        let cfg = c.counters().logging.lock().unwrap_or_else(|e| e.into_inner());
        (cfg.configured, cfg.effective_level(logger), cfg.format.clone(), cfg.datefmt.clone(), cfg.stdout)
    };
    if level < effective {
        return Ok(Value::None);
    }
    // No handler configured: CPython's last resort prints the message alone,
    // from WARNING up, to stderr.
    if !configured && level < 30 {
        return Ok(Value::None);
    }
    let mut message = msg.to_str();
    if !args.is_empty() {
        let a = if args.len() == 1 { args.remove(0) } else { Value::tuple(args) };
        // One dict argument fills `%(key)s` fields, as CPython's LogRecord does.
        let a = match a {
            Value::Dict(_) => a,
            Value::Tuple(_) => a,
            other => Value::tuple(vec![other]),
        };
        message = super::format::percent(&message, &a)?.to_str();
    }
    let mut text = if configured { log_format(c, &format, datefmt.as_deref(), logger, level, &message)? } else { message };
    if exc_info {
        text.push('\n');
        text.push_str(&match c.handled() {
            Some(e) => {
                let traceback = e.traceback.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|(f, l)| (f.to_string(), *l)).collect();
                c.host().traceback_text(&super::error::PyException { kind: e.kind, message: e.message(), traceback, class: e.user.as_ref().map(|u| u.class.name.to_string()) })
            }
            None => "NoneType: None".into(),
        });
    }
    text.push('\n');
    if stdout {
        c.host().print(&text);
    } else {
        c.host().print_err(&text);
    }
    Ok(Value::None)
}

/// A log record's line: `format`'s `%(field)s` filled in as CPython's
/// `logging.Formatter` fills them.
fn log_format(c: &mut dyn Caller, format: &str, datefmt: Option<&str>, logger: &str, level: i64, message: &str) -> R<String> {
    let created = c.host().time();
    let relative = c.host().program_ms();
    let msecs = ((created.fract()) * 1000.0).floor();
    let asctime = match datefmt {
        Some(f) => strftime(f, created),
        None => format!("{},{:03}", strftime("%Y-%m-%d %H:%M:%S", created), msecs as i64),
    };
    let line = c.line();
    let function = c.function();
    let host = c.host();
    let fields: Vec<(&str, Value)> = vec![
        ("funcName", Value::Str(function)),
        ("name", Value::str(logger)),
        ("levelname", Value::str(&level_name(level))),
        ("levelno", Value::Int(level)),
        ("message", Value::str(message)),
        ("msg", Value::str(message)),
        ("asctime", Value::str(&asctime)),
        ("created", Value::Float(created)),
        ("msecs", Value::Float(msecs)),
        ("relativeCreated", Value::Float(relative)),
        ("threadName", Value::str(&host.thread_name())),
        ("thread", Value::Int(host.ident() as i64)),
        ("processName", Value::str(&host.process_name())),
        ("process", Value::Int(host.pid())),
        ("lineno", Value::Int(line as i64)),
        ("filename", Value::str("<program>")),
        ("pathname", Value::str("<program>")),
        ("module", Value::str("<program>")),
    ];
    let mut t = Table::default();
    for (k, v) in fields {
        t.insert(Value::str(k), v)?;
    }
    Ok(super::format::percent(format, &Value::Dict(DictObj::new(t)))?.to_str())
}

/// `time.strftime(fmt)` for UTC `secs` since the epoch: the codes log
/// formats use (`%Y %m %d %H %M %S %y %b %B %a %A %p %I %j %f %%`).
fn strftime(fmt: &str, secs: f64) -> String {
    let days = (secs / 86400.0).floor() as i64;
    let rem = (secs - days as f64 * 86400.0).max(0.0);
    let (h, mi, s) = ((rem / 3600.0) as i64, (rem % 3600.0 / 60.0) as i64, (rem % 60.0) as i64);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let before = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334][(m - 1) as usize] + i64::from(leap && m > 2);
    const MONTHS: [&str; 12] = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    const DAYS: [&str; 7] = ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"];
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let month = MONTHS[(m - 1) as usize];
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&y.to_string()),
            Some('y') => out.push_str(&format!("{:02}", y % 100)),
            Some('m') => out.push_str(&format!("{m:02}")),
            Some('d') => out.push_str(&format!("{d:02}")),
            Some('H') => out.push_str(&format!("{h:02}")),
            Some('I') => out.push_str(&format!("{:02}", if h % 12 == 0 { 12 } else { h % 12 })),
            Some('p') => out.push_str(if h < 12 { "AM" } else { "PM" }),
            Some('M') => out.push_str(&format!("{mi:02}")),
            Some('S') => out.push_str(&format!("{s:02}")),
            Some('f') => out.push_str(&format!("{:06}", (secs.fract() * 1e6) as i64)),
            Some('j') => out.push_str(&format!("{:03}", before + d)),
            Some('b') => out.push_str(&month[..3]),
            Some('B') => out.push_str(month),
            Some('a') => out.push_str(&weekday[..3]),
            Some('A') => out.push_str(weekday),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Methods of conditions, barriers, loggers and `sys.stdout`/`stderr`.
fn std_method(c: &mut dyn Caller, recv: &Value, name: &str, args: Vec<Value>, mut kw: Vec<(Arc<str>, Value)>) -> R<Value> {
    let no_attr = || exc(ExcKind::AttributeError, format!("'{}' object has no attribute '{name}'", recv.type_name()));
    let want = |lo: usize, hi: usize| arity(name, &args, lo, hi);
    let timeout = |args: &[Value], i: usize, kw: &mut Vec<(Arc<str>, Value)>| timeout_of(args.get(i).cloned().or_else(|| kwarg(kw, "timeout")));
    let v = match recv {
        Value::Condition(cv) => match name {
            "acquire" | "__enter__" => {
                want(0, 2)?;
                let (blocking, timeout) = acquire_args(&args, &mut kw)?;
                Value::Bool(acquire_lock(c, &cv.lock, blocking, timeout)?)
            }
            "release" | "__exit__" => {
                release_lock(c, &cv.lock)?;
                Value::None
            }
            "wait" => {
                want(0, 1)?;
                let secs = timeout(&args, 0, &mut kw)?;
                Value::Bool(cond_wait(c, cv, secs)?)
            }
            "wait_for" => {
                want(1, 2)?;
                let pred = args[0].clone();
                let secs = timeout(&args, 1, &mut kw)?;
                let end = secs.map(|s| c.host().perf_counter() + s);
                let mut result = c.call(&pred, Vec::new())?;
                while !result.truthy() {
                    let left = match end {
                        Some(e) => {
                            let left = e - c.host().perf_counter();
                            if left <= 0.0 {
                                break;
                            }
                            Some(left)
                        }
                        None => None,
                    };
                    cond_wait(c, cv, left)?;
                    result = c.call(&pred, Vec::new())?;
                }
                result
            }
            "notify" | "notify_all" | "notifyAll" => {
                want(0, if name == "notify" { 1 } else { 0 })?;
                let n = if name == "notify" { args.first().cloned().or_else(|| kwarg(&mut kw, "n")).map(|v| v.as_i64()).transpose()?.unwrap_or(1).max(0) as usize } else { usize::MAX };
                let me = c.host().ident();
                if !cv.lock.held_by(me) {
                    return Err(runtime("cannot notify on un-acquired lock".into()));
                }
                cv.notify(n);
                Value::None
            }
            _ => return Err(no_attr()),
        },
        Value::Barrier(b) => match name {
            "wait" => {
                want(0, 1)?;
                let secs = timeout(&args, 0, &mut kw)?;
                barrier_wait(c, b, secs)?
            }
            "abort" => {
                let mut st = b.lock();
                st.broken = true;
                st.count = 0;
                Value::None
            }
            "reset" => {
                let mut st = b.lock();
                if st.count > 0 && !st.broken {
                    let r = st.round;
                    st.reset_rounds.push(r);
                    st.round += 1;
                }
                st.broken = false;
                st.count = 0;
                Value::None
            }
            _ => return Err(no_attr()),
        },
        Value::Logger(n) => match name {
            "setLevel" => {
                want(1, 1)?;
                let l = level_of(&args[0])?;
                let mut cfg = c.counters().logging.lock().unwrap_or_else(|e| e.into_inner());
                if &**n == "root" {
                    cfg.level = l;
                } else {
                    cfg.levels.retain(|(k, _)| k != n);
                    cfg.levels.push((n.clone(), l));
                }
                Value::None
            }
            "getEffectiveLevel" | "isEnabledFor" => {
                let cfg = c.counters().logging.lock().unwrap_or_else(|e| e.into_inner());
                let l = cfg.effective_level(n);
                if name == "isEnabledFor" {
                    want(1, 1)?;
                    Value::Bool(level_of(&args[0])? >= l)
                } else {
                    Value::Int(l)
                }
            }
            "debug" | "info" | "warning" | "warn" | "error" | "critical" | "fatal" | "exception" | "log" => {
                let n = n.clone();
                log_call(c, &n, name, args, &mut kw)?
            }
            _ => return Err(no_attr()),
        },
        Value::Stream(err) => match name {
            "write" => {
                want(1, 1)?;
                let Value::Str(s) = &args[0] else { return Err(type_error(format!("write() argument must be str, not {}", args[0].type_name()))) };
                if *err {
                    c.host().print_err(s);
                } else {
                    c.host().print(s);
                }
                Value::Int(s.chars().count() as i64)
            }
            "flush" => Value::None,
            "isatty" => Value::Bool(false),
            _ => return Err(no_attr()),
        },
        _ => return Err(no_attr()),
    };
    if let Some((k, _)) = kw.first() {
        return Err(type_error(format!("{name}() got an unexpected keyword argument '{k}'")));
    }
    Ok(v)
}

/// A `Connection`, an end of a `multiprocessing.Pipe()`: in the process
/// that made it, its items are what it receives and it sends into its
/// other end; in a child, a `send` goes to the parent, which holds the
/// pipe, and a `recv` or `poll` asks the parent and waits for its answer.
fn connection_method(c: &mut dyn Caller, q: &Arc<QueueObj>, name: &str, args: Vec<Value>, mut kw: Vec<(Arc<str>, Value)>) -> R<Value> {
    use super::host::{QueueAnswer, QueueAsk, Wait};
    use std::sync::atomic::Ordering::SeqCst;
    let want = |lo: usize, hi: usize| arity(name, &args, lo, hi);
    let line = c.line();
    let os_error = |m: &str| exc(ExcKind::OSError, m);
    if q.closed.load(SeqCst) && name != "close" {
        return Err(os_error("handle is closed"));
    }
    if matches!(name, "recv" | "poll") && !q.readable {
        return Err(os_error("connection is write-only"));
    }
    Ok(match name {
        "send" => {
            want(1, 1)?;
            let Some(peer) = q.peer else { return Err(os_error("connection is read-only")) };
            let bytes = args[0].pickle(false)?;
            if q.remote {
                c.host().queue_put(peer, bytes).map_err(runtime)?;
            } else {
                let other = c.counters().queue(peer).ok_or_else(|| os_error("the pipe's other end is gone"))?;
                other.items.lock().unwrap_or_else(|e| e.into_inner()).push_back(Value::from_bytes(&bytes).unwrap_or(Value::None));
            }
            Value::None
        }
        "recv" => {
            want(0, 0)?;
            if q.remote {
                match c.host().queue_ask(q.id, QueueAsk::Get { timeout: None }, line)?.map_err(runtime)? {
                    QueueAnswer::Item(bytes) => Value::from_bytes(&bytes).ok_or_else(|| runtime("what the pipe carried could not be read".into()))?,
                    _ => return Err(runtime("the pipe gave nothing".into())),
                }
            } else {
                let mut got = None;
                let q = q.clone();
                c.host().block(Wait::Receive, line, None, &mut || {
                    got = q.items.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                    got.is_some()
                })?;
                got.unwrap_or(Value::None)
            }
        }
        "poll" => {
            want(0, 1)?;
            // `poll()` does not wait; `poll(None)` waits as long as it takes.
            let secs = match args.first().cloned().or_else(|| kwarg(&mut kw, "timeout")) {
                None => Some(0.0),
                Some(Value::None) => None,
                Some(v) => Some(v.as_f64()?.max(0.0)),
            };
            if q.remote {
                Value::Bool(matches!(c.host().queue_ask(q.id, QueueAsk::Wait { timeout: secs }, line)?.map_err(runtime)?, QueueAnswer::Size(n) if n > 0))
            } else {
                let q = q.clone();
                let ready = c.host().block(Wait::Receive, line, secs, &mut || !q.items.lock().unwrap_or_else(|e| e.into_inner()).is_empty())?;
                Value::Bool(ready)
            }
        }
        "close" => {
            want(0, 0)?;
            q.closed.store(true, SeqCst);
            Value::None
        }
        _ => return Err(exc(ExcKind::AttributeError, format!("'Connection' object has no attribute '{name}'"))),
    })
}

/// A `multiprocessing.Lock()`: held in a cell every process sees.
fn shared_lock(c: &mut dyn Caller) -> R<Arc<LockObj>> {
    let (cells, at) = c.host().share(1).map_err(runtime)?;
    Ok(Arc::new(LockObj { shared: Some((cells, at)), ..LockObj::default() }))
}

/// `multiprocessing.Value(typecode, value=0, lock=True)` or
/// `multiprocessing.Array(typecode, size_or_initializer, lock=True)`:
/// numbers in cells every process sees, with a `multiprocessing.Lock` of
/// their own (`lock=False`: none; or the lock given).
fn new_shared(c: &mut dyn Caller, array: bool, args: Vec<Value>, kw: &mut Vec<(Arc<str>, Value)>) -> R<Value> {
    let what = if array { "Array" } else { "Value" };
    arity(what, &args, if array { 2 } else { 1 }, 2)?;
    let typecode = match &args[0] {
        Value::Str(t) if t.chars().count() == 1 && TYPECODES.iter().any(|c| t.starts_with(c.0)) => t.chars().next().unwrap_or('i'),
        other => {
            let codes: Vec<String> = TYPECODES.iter().map(|c| format!("'{}'", c.0)).collect();
            return Err(type_error(format!("{what}(): ThreadLab shares numbers between processes: the typecode is one of {} (got {})", codes.join(", "), other.repr())));
        }
    };
    let init: Vec<Value> = match (array, args.get(1).cloned().or_else(|| kwarg(kw, if array { "size_or_initializer" } else { "value" }))) {
        (false, v) => vec![v.unwrap_or(Value::Int(0))],
        (true, Some(Value::Int(n))) if n >= 0 => vec![Value::Int(0); n as usize],
        (true, Some(Value::Int(_))) => return Err(exc(ExcKind::ValueError, "Array(): the size must not be negative")),
        (true, Some(v)) => super::format::collect_plain(&v)?,
        (true, None) => Vec::new(),
    };
    let zero = if matches!(typecode, 'f' | 'd') { Value::Float(0.0) } else { Value::Int(0) };
    let lock = match kwarg(kw, "lock") {
        None => Some(shared_lock(c)?),
        Some(Value::Lock(l)) if l.shared.is_some() => Some(l),
        Some(v) if !v.truthy() => None,
        Some(Value::Bool(true)) => Some(shared_lock(c)?),
        Some(other) => return Err(exc(ExcKind::AttributeError, format!("'{}' object has no attribute 'acquire' (a multiprocessing.Lock is wanted)", other.type_name()))),
    };
    let n = u32::try_from(init.len()).map_err(|_| exc(ExcKind::MemoryError, "Array(): too many items"))?;
    let (cells, at) = c.host().share(n.max(1)).map_err(runtime)?;
    let s = SharedObj { cells, at, len: array.then_some(n), typecode, lock };
    s.set(0, &zero)?;
    for (i, v) in init.iter().enumerate() {
        s.set(i as u32, v)?;
    }
    Ok(Value::Shared(Arc::new(s)))
}
