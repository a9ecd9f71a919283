//! Values as bytes, for the processes model (an argument and a result cross
//! between workers): a small tagged binary form, floats bit-exact. A
//! `multiprocessing` queue crosses to a child process as its handle, not
//! its contents; anything else that is not plain data cannot cross
//! ([`Unpicklable`]: CPython's pickling error).

use std::sync::Arc;

use num_bigint::BigInt;

use super::error::ExcKind;
use super::value::{cells, exc, int_of, intern, Attrs, Class, DictObj, Err, Instance, LockObj, Native, QueueKind, QueueObj, SharedObj, Table, TaskObj, Value, TASK_STARTED};

/// The parent's lock in cell `at` (a lock of this process where there are no cells).
fn shared_lock(at: u32) -> Arc<LockObj> {
    Arc::new(LockObj { shared: cells().map(|c| (c, at)), ..LockObj::default() })
}

/// A value in serialisable form (plain data, and queue handles).
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    None,
    Bool(bool),
    Int(BigInt),
    Float(f64),
    Str(String),
    List(Vec<Data>),
    Tuple(Vec<Data>),
    Dict(Vec<(Data, Data)>),
    Set(Vec<Data>),
    /// A `multiprocessing` queue's handle (its id in the parent).
    Queue(u32),
    /// A `Pipe()` end's handle, the handle it sends into (`None`: it
    /// cannot send) and whether it can receive.
    Conn { id: u32, peer: Option<u32>, readable: bool },
    /// A `multiprocessing.Value` (`len` `None`) or `Array` in the parent's
    /// cells from `at`, with its lock's cell.
    Shared { typecode: char, at: u32, len: Option<u32>, lock: Option<u32> },
    /// A `multiprocessing.Lock`'s cell.
    Lock(u32),
    /// An object of a class of the program: its class found again by name
    /// where it arrives (as a top-level function is), its attributes;
    /// `process`: a `Process` subclass's object, the process's name.
    Instance { class: String, attrs: Vec<(String, Data)>, process: Option<String> },
}

/// How deeply values nest when they cross (an object holding itself is
/// refused, as CPython's pickling refuses it past its recursion limit).
const MAX_NESTING: usize = 200;

thread_local! {
    static NESTING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Why a value cannot cross between processes: the exception CPython's
/// pickling raises for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unpicklable {
    pub kind: ExcKind,
    pub message: String,
}

/// Raised as what it is.
impl From<Unpicklable> for Err {
    fn from(u: Unpicklable) -> Err {
        exc(u.kind, u.message)
    }
}

impl Value {
    /// The plain data in a value, or None for functions, locks, iterators...
    pub fn to_data(&self) -> Option<Data> {
        self.data(false).ok()
    }

    /// The value as data. `share`: a `multiprocessing` queue crosses as its
    /// handle (a child process's arguments and inherited globals, as CPython
    /// pickles a queue only while it starts a process); otherwise it cannot.
    fn data(&self, share: bool) -> Result<Data, Unpicklable> {
        let depth = NESTING.with(|n| n.get());
        if depth > MAX_NESTING {
            return Err(Unpicklable { kind: ExcKind::RecursionError, message: "maximum recursion depth exceeded while pickling an object".into() });
        }
        NESTING.with(|n| n.set(depth + 1));
        let r = self.data_inner(share);
        NESTING.with(|n| n.set(depth));
        r
    }

    fn data_inner(&self, share: bool) -> Result<Data, Unpicklable> {
        let all = |vs: &mut dyn Iterator<Item = &Value>| vs.map(|v| v.data(share)).collect::<Result<Vec<_>, _>>();
        Ok(match self {
            Value::None => Data::None,
            Value::Bool(b) => Data::Bool(*b),
            Value::Int(_) | Value::Big(_) => Data::Int(self.as_bigint().ok_or_else(|| self.unpicklable())?),
            Value::Float(f) => Data::Float(*f),
            Value::Str(s) => Data::Str(s.to_string()),
            Value::List(l) => Data::List(all(&mut l.lock().iter())?),
            Value::Tuple(t) => Data::Tuple(all(&mut t.iter())?),
            Value::Dict(d) => Data::Dict(d.lock().iter().map(|(k, v)| Ok((k.data(share)?, v.data(share)?))).collect::<Result<_, _>>()?),
            Value::Set(d) => Data::Set(all(&mut d.lock().keys().iter())?),
            Value::Queue(q) if share && q.kind == QueueKind::Connection => Data::Conn { id: q.id, peer: q.peer, readable: q.readable },
            Value::Shared(s) if share => Data::Shared { typecode: s.typecode, at: s.at, len: s.len, lock: s.lock.as_ref().and_then(|l| l.shared.as_ref()).map(|(_, at)| *at) },
            Value::Lock(l) if share && l.shared.is_some() => Data::Lock(l.shared.as_ref().map_or(0, |(_, at)| *at)),
            Value::Queue(q) if share && q.kind != QueueKind::Threads => Data::Queue(q.id),
            Value::Instance(i) => {
                let process = match i.task() {
                    Some(t) if t.process && share => Some(t.name.to_string()),
                    Some(_) => return Err(self.unpicklable()),
                    None => None,
                };
                let attrs = i.attrs.items().iter().map(|(n, v)| Ok((n.to_string(), v.data(share)?))).collect::<Result<_, _>>()?;
                Data::Instance { class: i.class.name.to_string(), attrs, process }
            }
            _ => return Err(self.unpicklable()),
        })
    }

    /// What CPython's pickling raises for this value (not plain data).
    fn unpicklable(&self) -> Unpicklable {
        let type_error = |message: String| Unpicklable { kind: ExcKind::TypeError, message };
        match self {
            Value::Shared(_) => Unpicklable { kind: ExcKind::RuntimeError, message: format!("{} objects should only be shared between processes through inheritance", self.type_name()) },
            Value::Lock(l) if l.shared.is_some() => Unpicklable { kind: ExcKind::RuntimeError, message: format!("{} objects should only be shared between processes through inheritance", self.type_name()) },
            Value::Queue(q) if q.kind != QueueKind::Threads => Unpicklable { kind: ExcKind::RuntimeError, message: format!("{} objects should only be shared between processes through inheritance", self.type_name()) },
            // They hold a lock (a process object, an authentication key).
            Value::Lock(_) | Value::Event(_) | Value::Queue(_) | Value::Semaphore(_) | Value::Thread(_) => type_error("cannot pickle '_thread.lock' object".into()),
            Value::Task(t) if !t.process => type_error("cannot pickle '_thread.lock' object".into()),
            Value::Task(_) => type_error("Pickling an AuthenticationString object is disallowed for security reasons".into()),
            Value::Instance(i) => match i.task() {
                Some(t) => Value::Task(t).unpicklable(),
                None => type_error(format!("cannot pickle '{}' object", self.type_name())),
            },
            Value::Future(_) => type_error("cannot pickle '_thread.RLock' object".into()),
            _ => type_error(format!("cannot pickle '{}' object", self.type_name())),
        }
    }

    /// The value as bytes, or what CPython's pickling raises for it;
    /// `share` as for a child process's start (a queue crosses as its handle).
    pub fn pickle(&self, share: bool) -> Result<Vec<u8>, Unpicklable> {
        let mut out = Vec::new();
        self.data(share)?.write(&mut out);
        Ok(out)
    }

    pub fn from_data(d: &Data) -> Value {
        Value::from_data_in(d, &|_| None)
    }

    /// [`Value::from_data`] finding objects' classes with `class` (a
    /// class not found: one of that name with no methods).
    pub fn from_data_in(d: &Data, class: &dyn Fn(&str) -> Option<Arc<Class>>) -> Value {
        let from = |d: &Data| Value::from_data_in(d, class);
        match d {
            Data::None => Value::None,
            Data::Bool(b) => Value::Bool(*b),
            Data::Int(i) => int_of(i.clone()),
            Data::Float(f) => Value::Float(*f),
            Data::Str(s) => Value::Str(Arc::from(s.as_str())),
            Data::List(v) => Value::list(v.iter().map(from).collect()).unwrap_or(Value::None),
            Data::Tuple(v) => Value::tuple(v.iter().map(from).collect()),
            Data::Dict(kv) => {
                let mut t = Table::default();
                for (k, v) in kv {
                    let _ = t.insert(from(k), from(v));
                }
                Value::Dict(DictObj::new(t))
            }
            Data::Set(v) => {
                let mut t = Table::default();
                for k in v {
                    let _ = t.insert(from(k), Value::None);
                }
                Value::Set(DictObj::new(t))
            }
            // In a child process: the parent's queue, which it can put into.
            Data::Queue(id) => Value::Queue(Arc::new(QueueObj { kind: QueueKind::Processes, id: *id, remote: true, ..QueueObj::default() })),
            Data::Instance { class: name, attrs, process } => {
                let c = class(name).unwrap_or_else(|| {
                    let native = if process.is_some() { Native::Process } else { Native::Object };
                    Arc::new(Class { name: intern(name), base: None, native, attrs: Attrs::default() })
                });
                let Ok(inst) = Instance::new(c) else { return Value::None };
                for (n, v) in attrs {
                    let _ = inst.attrs.set(&Arc::from(n.as_str()), from(v));
                }
                if let Some(p) = process {
                    // The process it is, running (in the child).
                    let t = TaskObj::new(true, Arc::from(p.as_str()), false, Value::None, Vec::new(), Vec::new());
                    t.state.store(TASK_STARTED, std::sync::atomic::Ordering::SeqCst);
                    inst.set_native(Value::Task(Arc::new(t)));
                }
                Value::Instance(inst)
            }
            // The parent's pipe end: it sends to, and receives from, the parent.
            Data::Conn { id, peer, readable } => Value::Queue(Arc::new(QueueObj { kind: QueueKind::Connection, id: *id, peer: *peer, readable: *readable, remote: true, ..QueueObj::default() })),
            // The parent's shared numbers, through its cells (`set_cells`);
            // where there are none, a lock of this process, and no value.
            Data::Lock(at) => Value::Lock(shared_lock(*at)),
            Data::Shared { typecode, at, len, lock } => match cells() {
                Some(cells) => Value::Shared(Arc::new(SharedObj { cells, at: *at, len: *len, typecode: *typecode, lock: lock.map(shared_lock) })),
                None => Value::None,
            },
        }
    }

    /// The value as bytes (None when it holds something not plain data).
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        self.pickle(false).ok()
    }

    pub fn from_bytes(b: &[u8]) -> Option<Value> {
        Value::from_bytes_in(b, &|_| None)
    }

    /// [`Value::from_bytes`] finding objects' classes with `class`.
    pub fn from_bytes_in(b: &[u8], class: &dyn Fn(&str) -> Option<Arc<Class>>) -> Option<Value> {
        let mut pos = 0;
        let d = Data::read(b, &mut pos, 0)?;
        (pos == b.len()).then(|| Value::from_data_in(&d, class))
    }
}

impl Data {
    /// Whether it holds an object of a class (whose repr shows an address:
    /// not the same from run to run).
    pub fn holds_object(&self) -> bool {
        match self {
            Data::Instance { .. } => true,
            Data::List(v) | Data::Tuple(v) | Data::Set(v) => v.iter().any(Data::holds_object),
            Data::Dict(kv) => kv.iter().any(|(k, v)| k.holds_object() || v.holds_object()),
            _ => false,
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        let len = |out: &mut Vec<u8>, n: usize| out.extend_from_slice(&(n as u64).to_le_bytes());
        match self {
            Data::None => out.push(0),
            Data::Bool(b) => out.push(if *b { 2 } else { 1 }),
            Data::Int(i) => {
                out.push(3);
                let b = i.to_signed_bytes_le();
                len(out, b.len());
                out.extend_from_slice(&b);
            }
            Data::Float(f) => {
                out.push(4);
                out.extend_from_slice(&f.to_bits().to_le_bytes());
            }
            Data::Str(s) => {
                out.push(5);
                len(out, s.len());
                out.extend_from_slice(s.as_bytes());
            }
            Data::List(v) | Data::Tuple(v) | Data::Set(v) => {
                out.push(match self {
                    Data::List(_) => 6,
                    Data::Tuple(_) => 7,
                    _ => 9,
                });
                len(out, v.len());
                v.iter().for_each(|d| d.write(out));
            }
            Data::Queue(id) => {
                out.push(10);
                out.extend_from_slice(&id.to_le_bytes());
            }
            Data::Instance { class, attrs, process } => {
                out.push(11);
                let text = |out: &mut Vec<u8>, s: &str| {
                    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
                    out.extend_from_slice(s.as_bytes());
                };
                text(out, class);
                match process {
                    Some(p) => {
                        out.push(1);
                        text(out, p);
                    }
                    None => out.push(0),
                }
                len(out, attrs.len());
                for (n, v) in attrs {
                    text(out, n);
                    v.write(out);
                }
            }
            Data::Shared { typecode, at, len, lock } => {
                out.push(12);
                out.push(*typecode as u8);
                out.extend_from_slice(&at.to_le_bytes());
                out.push(u8::from(len.is_some()) | if lock.is_some() { 2 } else { 0 });
                out.extend_from_slice(&len.unwrap_or(0).to_le_bytes());
                out.extend_from_slice(&lock.unwrap_or(0).to_le_bytes());
            }
            Data::Lock(at) => {
                out.push(13);
                out.extend_from_slice(&at.to_le_bytes());
            }
            Data::Conn { id, peer, readable } => {
                out.push(14);
                out.extend_from_slice(&id.to_le_bytes());
                out.push(u8::from(*readable) | if peer.is_some() { 2 } else { 0 });
                out.extend_from_slice(&peer.unwrap_or(0).to_le_bytes());
            }
            Data::Dict(kv) => {
                out.push(8);
                len(out, kv.len());
                for (k, v) in kv {
                    k.write(out);
                    v.write(out);
                }
            }
        }
    }

    fn read(b: &[u8], pos: &mut usize, depth: usize) -> Option<Data> {
        if depth > 200 {
            return None;
        }
        let tag = *b.get(*pos)?;
        *pos += 1;
        let len = |pos: &mut usize| -> Option<usize> {
            let v = u64::from_le_bytes(b.get(*pos..*pos + 8)?.try_into().ok()?);
            *pos += 8;
            let v = usize::try_from(v).ok()?;
            (v <= b.len()).then_some(v)
        };
        let text = |pos: &mut usize| -> Option<String> {
            let n = len(pos)?;
            let s = std::str::from_utf8(b.get(*pos..*pos + n)?).ok()?.to_string();
            *pos += n;
            Some(s)
        };
        Some(match tag {
            0 => Data::None,
            1 => Data::Bool(false),
            2 => Data::Bool(true),
            3 => {
                let n = len(pos)?;
                let v = BigInt::from_signed_bytes_le(b.get(*pos..*pos + n)?);
                *pos += n;
                Data::Int(v)
            }
            4 => {
                let v = f64::from_bits(u64::from_le_bytes(b.get(*pos..*pos + 8)?.try_into().ok()?));
                *pos += 8;
                Data::Float(v)
            }
            5 => Data::Str(text(pos)?),
            6 | 7 | 9 => {
                let n = len(pos)?;
                let mut v = Vec::new();
                for _ in 0..n {
                    v.push(Data::read(b, pos, depth + 1)?);
                }
                match tag {
                    6 => Data::List(v),
                    7 => Data::Tuple(v),
                    _ => Data::Set(v),
                }
            }
            8 => {
                let n = len(pos)?;
                let mut v = Vec::new();
                for _ in 0..n {
                    let k = Data::read(b, pos, depth + 1)?;
                    v.push((k, Data::read(b, pos, depth + 1)?));
                }
                Data::Dict(v)
            }
            11 => {
                let class = text(pos)?;
                let process = match *b.get(*pos)? {
                    0 => {
                        *pos += 1;
                        None
                    }
                    1 => {
                        *pos += 1;
                        Some(text(pos)?)
                    }
                    _ => return None,
                };
                let n = len(pos)?;
                let mut attrs = Vec::new();
                for _ in 0..n {
                    let name = text(pos)?;
                    attrs.push((name, Data::read(b, pos, depth + 1)?));
                }
                Data::Instance { class, attrs, process }
            }
            10 => {
                let id = u32::from_le_bytes(b.get(*pos..*pos + 4)?.try_into().ok()?);
                *pos += 4;
                Data::Queue(id)
            }
            14 => {
                let id = u32::from_le_bytes(b.get(*pos..*pos + 4)?.try_into().ok()?);
                let flags = *b.get(*pos + 4)?;
                let peer = u32::from_le_bytes(b.get(*pos + 5..*pos + 9)?.try_into().ok()?);
                *pos += 9;
                Data::Conn { id, peer: (flags & 2 != 0).then_some(peer), readable: flags & 1 != 0 }
            }
            12 => {
                let typecode = char::from(*b.get(*pos)?);
                let word = |at: usize| Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?));
                let at = word(*pos + 1)?;
                let flags = *b.get(*pos + 5)?;
                let (len, lock) = (word(*pos + 6)?, word(*pos + 10)?);
                *pos += 14;
                if !super::value::TYPECODES.iter().any(|t| t.0 == typecode) {
                    return None;
                }
                Data::Shared { typecode, at, len: (flags & 1 != 0).then_some(len), lock: (flags & 2 != 0).then_some(lock) }
            }
            13 => {
                let at = u32::from_le_bytes(b.get(*pos..*pos + 4)?.try_into().ok()?);
                *pos += 4;
                Data::Lock(at)
            }
            _ => return None,
        })
    }
}
