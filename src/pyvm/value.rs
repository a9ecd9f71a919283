//! Python values. Everything is `Send + Sync` so that one heap can be shared
//! by real threads: immutable objects behind `Arc`, mutable containers behind
//! a per-object `Mutex` (a free-threaded interpreter never corrupts memory,
//! yet `x += 1` stays a separate read and write). Ints and floats are unboxed;
//! ints overflow from `i64` into `BigInt`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

use super::code::Code;
use super::error::{ExcKind, Stop};

/// What one run may use.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Python frames deep (CPython's default recursion limit is 1000).
    pub recursion: usize,
    /// Bytes of list, dict and set storage alive at once, roughly (MemoryError past it).
    pub memory: usize,
    /// Bytecode instructions between calls of `Host::breaker` (at the latest).
    pub check_interval: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { recursion: 1000, memory: 256 << 20, check_interval: 1000 }
    }
}

/// The largest str, and the most bits an int may have (MemoryError past them).
pub const MAX_STR: usize = 64 << 20;
pub const MAX_INT_BITS: u64 = 1 << 26;
/// CPython's limit for int <-> str conversion.
pub const MAX_STR_DIGITS: usize = 4300;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static LIMIT: AtomicUsize = AtomicUsize::new(256 << 20);

/// Set the memory limit for containers (one per wasm memory: the threads of
/// a pool share it, each process has its own).
pub fn set_memory_limit(bytes: usize) {
    LIMIT.store(bytes, Ordering::Relaxed);
}

/// Bytes of container storage alive now (approximate).
pub fn memory_in_use() -> usize {
    LIVE.load(Ordering::Relaxed)
}

fn charge(bytes: usize) -> Result<(), Err> {
    let now = LIVE.fetch_add(bytes, Ordering::Relaxed);
    if now.saturating_add(bytes) > LIMIT.load(Ordering::Relaxed) {
        LIVE.fetch_sub(bytes, Ordering::Relaxed);
        return Err(exc(ExcKind::MemoryError, ""));
    }
    Ok(())
}

fn refund(bytes: usize) {
    LIVE.fetch_sub(bytes, Ordering::Relaxed);
}

const SLOT: usize = std::mem::size_of::<Value>();

/// Grow `v` to hold `extra` more items, charging the memory budget.
pub fn reserve(v: &mut Vec<Value>, extra: usize, acct: &AtomicUsize) -> Result<(), Err> {
    let need = v.len().checked_add(extra).ok_or_else(|| exc(ExcKind::MemoryError, ""))?;
    if need <= v.capacity() {
        return Ok(());
    }
    let new_cap = need.max(v.capacity() * 2).max(4);
    let bytes = new_cap.checked_mul(SLOT).ok_or_else(|| exc(ExcKind::MemoryError, ""))?;
    let old = acct.load(Ordering::Relaxed);
    charge(bytes.saturating_sub(old))?;
    acct.store(bytes.max(old), Ordering::Relaxed);
    v.reserve_exact(new_cap - v.len());
    Ok(())
}

// Dropping a deeply nested structure must not recurse without bound: below
// a depth, children are queued and dropped by the outermost drop.
thread_local! {
    static DROP_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    static DROP_QUEUE: std::cell::RefCell<Vec<Vec<Value>>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn drop_items(items: Vec<Value>) {
    if items.iter().all(|v| !matches!(v, Value::List(_) | Value::Tuple(_) | Value::Dict(_) | Value::Set(_) | Value::Func(_) | Value::Cell(_) | Value::Instance(_) | Value::Class(_) | Value::BoundMethod(_) | Value::Exc(_))) {
        return;
    }
    let depth = DROP_DEPTH.with(|d| d.get());
    if depth > 50 {
        DROP_QUEUE.with(|q| q.borrow_mut().push(items));
        return;
    }
    DROP_DEPTH.with(|d| d.set(depth + 1));
    drop(items);
    if depth == 0 {
        while let Some(next) = DROP_QUEUE.with(|q| q.borrow_mut().pop()) {
            drop(next);
        }
    }
    DROP_DEPTH.with(|d| d.set(depth));
}

/// A list: its items behind a lock, and the bytes charged for them.
#[derive(Debug, Default)]
pub struct List {
    pub items: Mutex<Vec<Value>>,
    pub charged: AtomicUsize,
}

impl List {
    pub fn new(items: Vec<Value>) -> Result<Arc<List>, Err> {
        let bytes = items.capacity() * SLOT;
        charge(bytes)?;
        Ok(Arc::new(List { items: Mutex::new(items), charged: AtomicUsize::new(bytes) }))
    }
    pub fn lock(&self) -> MutexGuard<'_, Vec<Value>> {
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn push(&self, v: Value) -> Result<(), Err> {
        let mut items = self.lock();
        reserve(&mut items, 1, &self.charged)?;
        items.push(v);
        Ok(())
    }
}

impl Drop for List {
    fn drop(&mut self) {
        refund(*self.charged.get_mut());
        drop_items(std::mem::take(self.items.get_mut().unwrap_or_else(|e| e.into_inner())));
    }
}

/// A dict key: the value's identity for hashing (1, 1.0 and True are one key).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    None,
    Int(i64),
    Big(Arc<BigInt>),
    Float(u64),
    Str(Arc<str>),
    Tuple(Vec<Key>),
    Other(usize),
    /// A thread known by its name (`threading.main_thread()`).
    Thread(Arc<str>),
}

/// An insertion-ordered hash table (dict; a set uses it with None values).
#[derive(Debug, Default)]
pub struct Table {
    index: HashMap<Key, usize>,
    entries: Vec<Option<(Value, Value)>>,
    len: usize,
}

impl Table {
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn get(&self, k: &Value) -> Result<Option<&Value>, Err> {
        let key = k.key()?;
        Ok(self.index.get(&key).and_then(|&i| self.entries[i].as_ref().map(|e| &e.1)))
    }
    pub fn contains(&self, k: &Value) -> Result<bool, Err> {
        Ok(self.index.contains_key(&k.key()?))
    }
    pub fn insert(&mut self, k: Value, v: Value) -> Result<(), Err> {
        let key = k.key()?;
        if let Some(&i) = self.index.get(&key) {
            if let Some(e) = self.entries[i].as_mut() {
                e.1 = v;
            }
            return Ok(());
        }
        if self.entries.len() == self.entries.capacity() {
            charge((self.entries.capacity().max(4)) * (2 * SLOT + 16))?;
        }
        self.index.insert(key, self.entries.len());
        self.entries.push(Some((k, v)));
        self.len += 1;
        Ok(())
    }
    pub fn remove(&mut self, k: &Value) -> Result<Option<Value>, Err> {
        let key = k.key()?;
        let Some(i) = self.index.remove(&key) else { return Ok(None) };
        let e = self.entries[i].take();
        self.len -= 1;
        if self.entries.len() > 32 && self.len < self.entries.len() / 2 {
            self.compact();
        }
        Ok(e.map(|e| e.1))
    }
    fn compact(&mut self) {
        self.entries.retain(|e| e.is_some());
        self.index.clear();
        for (i, e) in self.entries.iter().enumerate() {
            if let Some((k, _)) = e {
                if let Ok(key) = k.key() {
                    self.index.insert(key, i);
                }
            }
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = (&Value, &Value)> {
        self.entries.iter().filter_map(|e| e.as_ref().map(|(k, v)| (k, v)))
    }
    pub fn keys(&self) -> Vec<Value> {
        self.iter().map(|(k, _)| k.clone()).collect()
    }
    pub fn clear(&mut self) {
        let old = std::mem::take(&mut self.entries);
        self.index.clear();
        self.len = 0;
        drop_items(old.into_iter().flatten().flat_map(|(k, v)| [k, v]).collect());
    }
    pub fn pop_last(&mut self) -> Option<(Value, Value)> {
        while let Some(e) = self.entries.pop() {
            if let Some((k, v)) = e {
                if let Ok(key) = k.key() {
                    self.index.remove(&key);
                }
                self.len -= 1;
                return Some((k, v));
            }
        }
        None
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        refund(self.entries.capacity().max(4) * (2 * SLOT + 16) * usize::from(self.entries.capacity() > 0));
        let old = std::mem::take(&mut self.entries);
        drop_items(old.into_iter().flatten().flat_map(|(k, v)| [k, v]).collect());
    }
}

#[derive(Debug, Default)]
pub struct DictObj(pub Mutex<Table>);

impl DictObj {
    pub fn new(t: Table) -> Arc<DictObj> {
        Arc::new(DictObj(Mutex::new(t)))
    }
    pub fn lock(&self) -> MutexGuard<'_, Table> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A user function: its code, default values and closure cells.
#[derive(Debug)]
pub struct Function {
    pub code: Arc<Code>,
    pub defaults: Vec<Value>,
    pub closure: Vec<Value>,
    /// The class whose body defined it (a method: what `super()` starts
    /// after), set when the class is built.
    pub class: std::sync::OnceLock<std::sync::Weak<Class>>,
    /// `__name__` and `__doc__` as `functools.wraps` set them.
    pub wrapped: Mutex<Option<(Arc<str>, Value)>>,
}

impl Function {
    pub fn new(code: Arc<Code>, defaults: Vec<Value>, closure: Vec<Value>) -> Function {
        Function { code, defaults, closure, class: Default::default(), wrapped: Mutex::new(None) }
    }
    /// `f.__name__`.
    pub fn name(&self) -> Arc<str> {
        self.wrapped.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map_or_else(|| self.code.name.clone(), |w| w.0.clone())
    }
    /// `f.__doc__`: its docstring, or `None`.
    pub fn doc(&self) -> Value {
        match &*self.wrapped.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(w) => w.1.clone(),
            None => self.code.doc.as_ref().map_or(Value::None, |d| Value::Str(d.clone())),
        }
    }
}

/// `functools.partial(func, *args, **keywords)`.
#[derive(Debug)]
pub struct Partial {
    pub func: Value,
    pub args: Vec<Value>,
    pub kw: Vec<(Arc<str>, Value)>,
}

/// What a user class derives from beneath its user classes: plain
/// `object`, `threading.Thread`, `multiprocessing.Process` or a built-in
/// exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Native {
    Object,
    Thread,
    Process,
    Exc(ExcKind),
}

/// Attribute names and values, in the order they were first set (a
/// class's or an instance's `__dict__`; few, so a list).
#[derive(Debug, Default)]
pub struct Attrs(Mutex<Vec<(Arc<str>, Value)>>);

/// What an attribute costs against the memory limit.
const ATTR_BYTES: usize = SLOT + 16;

impl Attrs {
    pub fn new(items: Vec<(Arc<str>, Value)>) -> R<Attrs> {
        charge(items.len() * ATTR_BYTES)?;
        Ok(Attrs(Mutex::new(items)))
    }
    fn lock(&self) -> MutexGuard<'_, Vec<(Arc<str>, Value)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn get(&self, name: &str) -> Option<Value> {
        self.lock().iter().find(|(n, _)| &**n == name).map(|(_, v)| v.clone())
    }
    /// Sets `name` (a new name is charged against the memory limit).
    pub fn set(&self, name: &Arc<str>, v: Value) -> Result<(), Err> {
        let mut g = self.lock();
        match g.iter_mut().find(|(n, _)| Arc::ptr_eq(n, name) || n == name) {
            Some(slot) => slot.1 = v,
            None => {
                charge(ATTR_BYTES)?;
                g.push((name.clone(), v));
            }
        }
        Ok(())
    }
    pub fn remove(&self, name: &str) -> Option<Value> {
        let mut g = self.lock();
        let i = g.iter().position(|(n, _)| &**n == name)?;
        refund(ATTR_BYTES);
        Some(g.remove(i).1)
    }
    pub fn items(&self) -> Vec<(Arc<str>, Value)> {
        self.lock().clone()
    }
}

impl Drop for Attrs {
    fn drop(&mut self) {
        let items = std::mem::take(self.0.get_mut().unwrap_or_else(|e| e.into_inner()));
        refund(items.len() * ATTR_BYTES);
        drop_items(items.into_iter().map(|(_, v)| v).collect());
    }
}

/// A user class (`class Name(Base): ...`): single inheritance.
#[derive(Debug)]
pub struct Class {
    /// Interned ([`intern`]): `type_name` gives it for its instances.
    pub name: &'static str,
    /// Its user base class (`None`: it derives from [`Class::native`] directly).
    pub base: Option<Arc<Class>>,
    pub native: Native,
    pub attrs: Attrs,
}

// A long chain of bases drops without recursion.
impl Drop for Class {
    fn drop(&mut self) {
        let mut next = self.base.take();
        while let Some(b) = next {
            next = match Arc::try_unwrap(b) {
                Ok(mut c) => c.base.take(),
                Err(_) => None,
            };
        }
    }
}

/// A class name as a `&'static str`: each distinct name is kept once
/// (names come from the program's source, so there are few).
pub fn intern(name: &str) -> &'static str {
    static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut g = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = g.iter().find(|n| **n == name) {
        return n;
    }
    let n: &'static str = Box::leak(name.to_string().into_boxed_str());
    g.push(n);
    n
}

impl Class {
    /// `name` in this class or its bases.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        let mut c = self;
        loop {
            if let Some(v) = c.attrs.get(name) {
                return Some(v);
            }
            c = c.base.as_deref()?;
        }
    }
    /// Whether it is `other` or derives from it.
    pub fn is_subclass(self: &Arc<Class>, other: &Arc<Class>) -> bool {
        let mut c = Some(self.clone());
        while let Some(k) = c {
            if Arc::ptr_eq(&k, other) {
                return true;
            }
            c = k.base.clone();
        }
        false
    }
}

/// An instance of a user class: its attributes, and (a `Thread` or
/// `Process` subclass's, once `__init__` ran) the thread or process it is,
/// or an exception subclass's `args` once `Exception.__init__` set them.
#[derive(Debug)]
pub struct Instance {
    pub class: Arc<Class>,
    pub attrs: Attrs,
    pub native: Mutex<Value>,
}

impl Instance {
    pub fn new(class: Arc<Class>) -> R<Arc<Instance>> {
        charge(ATTR_BYTES)?;
        Ok(Arc::new(Instance { class, attrs: Attrs::default(), native: Mutex::new(Value::None) }))
    }
    pub fn native(&self) -> Value {
        self.native.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    pub fn set_native(&self, v: Value) {
        let old = std::mem::replace(&mut *self.native.lock().unwrap_or_else(|e| e.into_inner()), v);
        drop(old);
    }
    /// The thread or process it is, once `Thread.__init__` ran.
    pub fn task(&self) -> Option<Arc<TaskObj>> {
        match self.native() {
            Value::Task(t) => Some(t),
            _ => None,
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        refund(ATTR_BYTES);
        let native = std::mem::take(self.native.get_mut().unwrap_or_else(|e| e.into_inner()));
        drop_items(vec![native]);
    }
}

/// `staticmethod(f)`, `classmethod(f)`, `property(f)` in a class body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrap {
    Static,
    ClassMethod,
    Property,
}

/// An exception instance.
#[derive(Debug)]
pub struct ExcObj {
    pub kind: ExcKind,
    pub args: Vec<Value>,
    /// (function, line), outermost first.
    pub traceback: Mutex<Vec<(Arc<str>, u32)>>,
    /// An instance of a user exception class (`class MyError(Exception)`):
    /// its class and attributes (`kind` is its built-in base).
    pub user: Option<Arc<Instance>>,
}

impl ExcObj {
    pub fn new(kind: ExcKind, args: Vec<Value>) -> ExcObj {
        ExcObj { kind, args, traceback: Mutex::new(Vec::new()), user: None }
    }
    /// Its `args`: as made, or as `Exception.__init__` set them since.
    pub fn args(&self) -> Vec<Value> {
        match self.user.as_ref().map(|u| u.native()) {
            Some(Value::Tuple(t)) => t.to_vec(),
            _ => self.args.clone(),
        }
    }
    /// Its class's name (`MyError`, `ValueError`).
    pub fn class_name(&self) -> &str {
        match &self.user {
            Some(u) => u.class.name,
            None => self.kind.name(),
        }
    }
    pub fn message(&self) -> String {
        match self.args().as_slice() {
            [] => String::new(),
            [one] if self.kind == ExcKind::KeyError => one.repr(),
            [Value::Str(s)] => s.to_string(),
            [one] => one.to_str(),
            many => Value::Tuple(many.to_vec().into()).repr(),
        }
    }
}

/// Numbers a program's processes share (`multiprocessing.Value`, `Array`,
/// `Lock`): 64-bit cells in the parent's memory, which every process reads
/// and writes as they are, so a read and a write are two steps another
/// process may come between (the race `counter.value += 1` has).
pub trait Cells: Send + Sync + std::fmt::Debug {
    fn load(&self, i: u32) -> i64;
    fn store(&self, i: u32, v: i64);
    /// Writes `new` if cell `i` holds `old`; says whether it did.
    fn cas(&self, i: u32, old: i64, new: i64) -> bool;
}

thread_local! {
    /// The cells a value read from bytes on this thread refers to: a child
    /// process's view of its parent's ([`set_cells`]).
    static CELLS: std::cell::RefCell<Option<Arc<dyn Cells>>> = const { std::cell::RefCell::new(None) };
}

/// The parent's cells, for the shared values this thread reads from bytes
/// (a child process, before it takes its parent's globals and arguments).
pub fn set_cells(cells: Option<Arc<dyn Cells>>) {
    CELLS.with(|c| *c.borrow_mut() = cells);
}

/// See [`set_cells`].
pub fn cells() -> Option<Arc<dyn Cells>> {
    CELLS.with(|c| c.borrow().clone())
}

/// `threading.Lock()`, or `RLock()` (`reentrant`: its owner may take it
/// again, and must release it as often), or a `multiprocessing.Lock()`
/// (`shared`: held in a cell every process sees).
#[derive(Debug, Default)]
pub struct LockObj {
    pub held: AtomicBool,
    /// The thread holding it (named for a deadlock's report).
    pub owner: Mutex<Option<Arc<str>>>,
    pub reentrant: bool,
    /// An `RLock`'s owner ([`Host::ident`](super::host::Host::ident)) and how often it took it.
    pub owner_id: std::sync::atomic::AtomicU64,
    pub depth: AtomicUsize,
    /// A `multiprocessing.Lock`: the cell it is held in (1: held).
    pub shared: Option<(Arc<dyn Cells>, u32)>,
}

/// A `multiprocessing.Value` (`len` `None`) or `Array` of `len` numbers
/// of `typecode`, in cells the processes share, with the lock that
/// `get_lock()` gives (none with `lock=False`).
#[derive(Debug)]
pub struct SharedObj {
    pub cells: Arc<dyn Cells>,
    pub at: u32,
    pub len: Option<u32>,
    pub typecode: char,
    pub lock: Option<Arc<LockObj>>,
}

/// The typecodes `multiprocessing.Value` and `Array` take here, with their
/// ctypes names and widths in bits (0: a float).
pub const TYPECODES: [(char, &str, u32, bool); 12] = [
    ('b', "c_byte", 8, true),
    ('B', "c_ubyte", 8, false),
    ('h', "c_short", 16, true),
    ('H', "c_ushort", 16, false),
    ('i', "c_int", 32, true),
    ('I', "c_uint", 32, false),
    ('l', "c_long", 64, true),
    ('L', "c_ulong", 64, false),
    ('q', "c_longlong", 64, true),
    ('Q', "c_ulonglong", 64, false),
    ('f', "c_float", 0, true),
    ('d', "c_double", 0, true),
];

impl SharedObj {
    fn code(&self) -> (char, &'static str, u32, bool) {
        TYPECODES.iter().copied().find(|t| t.0 == self.typecode).unwrap_or(TYPECODES[4])
    }
    /// The ctypes name of one item (`c_int`).
    pub fn ctype(&self) -> &'static str {
        self.code().1
    }
    /// Item `i` as it is now.
    pub fn get(&self, i: u32) -> Value {
        let bits = self.cells.load(self.at + i);
        match self.code() {
            (_, _, 0, _) => Value::Float(f64::from_bits(bits as u64)),
            _ => Value::Int(bits),
        }
    }
    /// Sets item `i` (an int wraps to the item's width, as ctypes does).
    pub fn set(&self, i: u32, v: &Value) -> Result<(), Err> {
        let bits = match self.code() {
            ('f', ..) => (v.as_f64()? as f32 as f64).to_bits() as i64,
            (_, _, 0, _) => v.as_f64()?.to_bits() as i64,
            (_, _, width, signed) => {
                let Value::Int(n) = v else {
                    return Err(exc(ExcKind::TypeError, format!("an integer is required (got type {})", v.type_name())));
                };
                match (width, signed) {
                    (8, true) => *n as i8 as i64,
                    (8, false) => *n as u8 as i64,
                    (16, true) => *n as i16 as i64,
                    (16, false) => *n as u16 as i64,
                    (32, true) => *n as i32 as i64,
                    (32, false) => *n as u32 as i64,
                    _ => *n,
                }
            }
        };
        self.cells.store(self.at + i, bits);
        Ok(())
    }
}

impl LockObj {
    pub fn rlock() -> LockObj {
        LockObj { reentrant: true, ..LockObj::default() }
    }
    pub fn set_owner(&self, who: Option<Arc<str>>) {
        *self.owner.lock().unwrap_or_else(|e| e.into_inner()) = who;
    }
    pub fn owner(&self) -> Option<Arc<str>> {
        self.owner.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    /// Held by someone now (a waiter retries once it is not).
    pub fn locked(&self) -> bool {
        match &self.shared {
            Some((cells, at)) => cells.load(*at) != 0,
            None => self.held.load(Ordering::Relaxed),
        }
    }
    /// Whether thread `me` holds it (an `RLock`'s owner; a `Lock` held by anyone).
    pub fn held_by(&self, me: u64) -> bool {
        self.locked() && (!self.reentrant || self.owner_id.load(Ordering::SeqCst) == me)
    }
    /// Takes it for thread `me` if it can now (an `RLock` again if `me` holds it).
    pub fn try_acquire(&self, me: u64) -> bool {
        if self.reentrant && self.held_by(me) {
            self.depth.fetch_add(1, Ordering::SeqCst);
            return true;
        }
        let got = match &self.shared {
            Some((cells, at)) => cells.cas(*at, 0, 1),
            None => self.held.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_ok(),
        };
        if got {
            self.owner_id.store(me, Ordering::SeqCst);
            self.depth.store(1, Ordering::SeqCst);
        }
        got
    }
    /// Releases it once (an `RLock` only by its owner, free at depth 0).
    pub fn release(&self, me: u64) -> Result<(), Err> {
        if self.reentrant {
            if !self.held_by(me) {
                return Err(exc(ExcKind::RuntimeError, "cannot release un-acquired lock"));
            }
            if self.depth.fetch_sub(1, Ordering::SeqCst) > 1 {
                return Ok(());
            }
            self.set_owner(None);
        }
        let was = match &self.shared {
            Some((cells, at)) => cells.cas(*at, 1, 0),
            None => self.held.swap(false, Ordering::Release),
        };
        if was {
            Ok(())
        } else {
            Err(exc(ExcKind::RuntimeError, if self.shared.is_some() { "semaphore or lock released too many times" } else { "release unlocked lock" }))
        }
    }
}

/// A `threading.Thread` or a `multiprocessing.Process`: what to run and
/// where it is. The VM sets it up and asks its [`Host`](super::host::Host)
/// to start it; the host marks it ended (and a process's exit code).
#[derive(Debug)]
pub struct TaskObj {
    pub process: bool,
    pub name: Arc<str>,
    /// `daemon=` or `t.daemon = …` before `start()`.
    pub daemon: AtomicBool,
    /// The function to run (`None`: nothing), with its arguments.
    pub target: Value,
    pub args: Vec<Value>,
    pub kwargs: Vec<(Arc<str>, Value)>,
    /// [`TASK_NEW`], [`TASK_STARTED`] or [`TASK_ENDED`].
    pub state: AtomicU8,
    /// A process's `exitcode` once it ended.
    pub exitcode: Mutex<Option<i32>>,
    /// A thread pool's worker: it runs the pool's work, not `target`.
    pub pool: Option<Arc<PoolObj>>,
    /// A `threading.Timer`: it waits first, and runs `target` unless cancelled.
    pub timer: Option<Arc<TimerObj>>,
}

/// A `threading.Timer`'s wait: `interval` seconds, or until `cancel()`.
#[derive(Debug, Default)]
pub struct TimerObj {
    /// In seconds; `given`: as the program gave it (`timer.interval`).
    pub interval: f64,
    pub given: Value,
    pub cancelled: AtomicBool,
}

pub const TASK_NEW: u8 = 0;
pub const TASK_STARTED: u8 = 1;
pub const TASK_ENDED: u8 = 2;

impl TaskObj {
    /// A thread or process not started yet.
    pub fn new(process: bool, name: Arc<str>, daemon: bool, target: Value, args: Vec<Value>, kwargs: Vec<(Arc<str>, Value)>) -> TaskObj {
        TaskObj { process, name, daemon: AtomicBool::new(daemon), target, args, kwargs, state: AtomicU8::new(TASK_NEW), exitcode: Mutex::new(None), pool: None, timer: None }
    }
    pub fn is_daemon(&self) -> bool {
        self.daemon.load(Ordering::SeqCst)
    }
    pub fn alive(&self) -> bool {
        self.state.load(Ordering::SeqCst) == TASK_STARTED
    }
    pub fn ended(&self) -> bool {
        self.state.load(Ordering::SeqCst) == TASK_ENDED
    }
    /// Marks it ended (the host, when its thread or process is over).
    pub fn end(&self, exitcode: Option<i32>) {
        if exitcode.is_some() {
            *self.exitcode.lock().unwrap_or_else(|e| e.into_inner()) = exitcode;
        }
        self.state.store(TASK_ENDED, Ordering::SeqCst);
    }
}

/// The numbers CPython names threads and processes with, per interpreter
/// (`Thread-1`, `ThreadPoolExecutor-0_0`, `Process-1`), the
/// `multiprocessing` queues it made, by their handles, and its `logging`
/// configuration.
#[derive(Debug, Default)]
pub struct Counters {
    pub threads: std::sync::atomic::AtomicU32,
    pub thread_pools: std::sync::atomic::AtomicU32,
    pub processes: std::sync::atomic::AtomicU32,
    /// `multiprocessing` queues by handle ([`QueueObj::id`]).
    queues: Mutex<Queues>,
    /// `logging`'s configuration.
    pub logging: Mutex<LogConfig>,
    /// The started threads' objects (a `Thread` or an instance of a
    /// subclass) by their `TaskObj`'s address, while they run: what
    /// `threading.current_thread()` gives inside them.
    running: Mutex<Vec<(usize, Value)>>,
}

/// The `multiprocessing` queues an interpreter made, while it holds them.
#[derive(Debug, Default)]
struct Queues {
    next: u32,
    by_id: HashMap<u32, std::sync::Weak<QueueObj>>,
    /// Dropped queues are forgotten when there are this many entries.
    prune_at: usize,
    /// `Pipe()` ends, kept while the interpreter lives: a child may hold
    /// an end the parent dropped (as the child's copy keeps a pipe open).
    pipes: Vec<Arc<QueueObj>>,
}

impl Counters {
    /// Keeps `obj` as thread `t`'s object (unless it has one already).
    pub fn thread_started(&self, t: &Arc<TaskObj>, obj: Value) {
        let mut all = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let at = Arc::as_ptr(t) as usize;
        if !all.iter().any(|(a, _)| *a == at) {
            all.push((at, obj));
        }
    }
    /// Thread `t` (by its `TaskObj`'s address) ended, or did not start.
    pub fn thread_ended(&self, at: usize) {
        self.running.lock().unwrap_or_else(|e| e.into_inner()).retain(|(a, _)| *a != at);
    }
    /// A running thread's object, by its `TaskObj`'s address or its name.
    pub fn thread_object(&self, at: usize, name: &str) -> Option<Value> {
        let all = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let task_name = |v: &Value| match v {
            Value::Task(t) => Some(t.name.clone()),
            other => other.user_instance().and_then(|i| i.task()).map(|t| t.name.clone()),
        };
        all.iter().find(|(a, _)| at != 0 && *a == at).or_else(|| all.iter().find(|(_, v)| task_name(v).is_some_and(|n| *n == *name))).map(|(_, v)| v.clone())
    }
    /// A new `multiprocessing.Queue` (or `SimpleQueue`) of this
    /// interpreter, with the next handle.
    pub fn new_queue(&self, kind: QueueKind) -> Arc<QueueObj> {
        let mut all = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        if all.by_id.len() >= all.prune_at {
            // A program making queues in a loop keeps only the live ones.
            all.by_id.retain(|_, q| q.strong_count() > 0);
            all.prune_at = (2 * all.by_id.len()).max(64);
        }
        let id = all.next;
        let q = Arc::new(QueueObj { kind, id, ..QueueObj::default() });
        all.by_id.insert(id, Arc::downgrade(&q));
        all.next = id.wrapping_add(1);
        q
    }
    /// `multiprocessing.Pipe(duplex)`: its two `Connection`s, each with a
    /// handle (the first receives only, the second sends only, unless `duplex`).
    pub fn new_pipe(&self, duplex: bool) -> (Arc<QueueObj>, Arc<QueueObj>) {
        let mut all = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        let (ia, ib) = (all.next, all.next.wrapping_add(1));
        all.next = ib.wrapping_add(1);
        let a = Arc::new(QueueObj { kind: QueueKind::Connection, id: ia, readable: true, peer: duplex.then_some(ib), ..QueueObj::default() });
        let b = Arc::new(QueueObj { kind: QueueKind::Connection, id: ib, readable: duplex, peer: Some(ia), ..QueueObj::default() });
        for q in [&a, &b] {
            all.by_id.insert(q.id, Arc::downgrade(q));
            all.pipes.push(q.clone());
        }
        (a, b)
    }
    /// The queue with handle `id`, while the program still holds it.
    pub fn queue(&self, id: u32) -> Option<Arc<QueueObj>> {
        self.queues.lock().unwrap_or_else(|e| e.into_inner()).by_id.get(&id)?.upgrade()
    }
}

/// A `threading.Event`.
#[derive(Debug, Default)]
pub struct EventObj {
    pub flag: AtomicBool,
}

/// A `threading.Condition`: its lock (a `Lock` or an `RLock`), and the
/// waiters, each a flag `notify` sets, in the order they began to wait.
#[derive(Debug)]
pub struct CondObj {
    pub lock: Arc<LockObj>,
    pub waiters: Mutex<std::collections::VecDeque<Arc<AtomicBool>>>,
}

impl CondObj {
    /// Wakes up to `n` waiters (the longest waiting first); how many.
    pub fn notify(&self, n: usize) -> usize {
        let mut w = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
        let k = n.min(w.len());
        for f in w.drain(..k) {
            f.store(true, Ordering::SeqCst);
        }
        k
    }
}

/// A `threading.Barrier`'s state: who waits in which round.
#[derive(Debug, Default)]
pub struct BarrierState {
    /// Threads waiting in this round.
    pub count: usize,
    /// The round: it moves on when the last party arrives (or a reset).
    pub round: u64,
    /// Broken (`abort()`, a timeout, a failed action) until `reset()`.
    pub broken: bool,
    /// Rounds ended by `reset()` (their waiters raise `BrokenBarrierError`).
    pub reset_rounds: Vec<u64>,
}

/// A `threading.Barrier(parties, action=None, timeout=None)`.
#[derive(Debug)]
pub struct BarrierObj {
    pub parties: usize,
    pub action: Value,
    pub timeout: Option<f64>,
    pub state: Mutex<BarrierState>,
}

impl BarrierObj {
    pub fn lock(&self) -> MutexGuard<'_, BarrierState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A `threading.local()`: its attributes, per thread ([`Host::ident`](super::host::Host::ident)).
#[derive(Debug, Default)]
pub struct LocalObj {
    pub per_thread: Mutex<HashMap<u64, Vec<(Arc<str>, Value)>>>,
}

/// `logging`'s configuration in one interpreter: `basicConfig` and the
/// loggers' own levels.
#[derive(Debug)]
pub struct LogConfig {
    pub configured: bool,
    /// The root logger's level (WARNING until configured).
    pub level: i64,
    pub format: Arc<str>,
    pub datefmt: Option<Arc<str>>,
    /// `basicConfig(stream=sys.stdout)`: to stdout, not stderr.
    pub stdout: bool,
    /// `getLogger(name).setLevel(…)`.
    pub levels: Vec<(Arc<str>, i64)>,
}

impl LogConfig {
    /// A logger's level: its own, else its nearest dotted parent's
    /// (`app` for `app.db`), else the root's.
    pub fn effective_level(&self, logger: &str) -> i64 {
        let mut name = logger;
        loop {
            if let Some((_, l)) = self.levels.iter().find(|(n, l)| **n == *name && *l != 0) {
                return *l;
            }
            match name.rsplit_once('.') {
                Some((parent, _)) => name = parent,
                None => return self.level,
            }
        }
    }
    /// As plain data (a child process inherits it, as at fork).
    pub fn to_value(&self) -> Value {
        let levels = self.levels.iter().map(|(n, l)| Value::tuple(vec![Value::Str(n.clone()), Value::Int(*l)])).collect();
        Value::tuple(vec![Value::Bool(self.configured), Value::Int(self.level), Value::Str(self.format.clone()), self.datefmt.clone().map_or(Value::None, Value::Str), Value::Bool(self.stdout), Value::tuple(levels)])
    }
    /// Back from [`LogConfig::to_value`] (`None`: not one).
    pub fn from_value(v: &Value) -> Option<LogConfig> {
        let Value::Tuple(t) = v else { return None };
        let [Value::Bool(configured), Value::Int(level), Value::Str(format), datefmt, Value::Bool(stdout), Value::Tuple(levels)] = &t[..] else { return None };
        let datefmt = match datefmt {
            Value::Str(d) => Some(d.clone()),
            _ => None,
        };
        let levels = levels
            .iter()
            .filter_map(|p| match p {
                Value::Tuple(p) => match &p[..] {
                    [Value::Str(n), Value::Int(l)] => Some((n.clone(), *l)),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        Some(LogConfig { configured: *configured, level: *level, format: format.clone(), datefmt, stdout: *stdout, levels })
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { configured: false, level: 30, format: Arc::from("%(levelname)s:%(name)s:%(message)s"), datefmt: None, stdout: false, levels: Vec::new() }
    }
}

/// Which queue a [`QueueObj`] is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QueueKind {
    /// `queue.Queue`: between the threads of one process, items shared.
    #[default]
    Threads,
    /// `multiprocessing.Queue`: items copied (pickled), and it crosses to a
    /// child process as a handle.
    Processes,
    /// `multiprocessing.SimpleQueue`: the same, with fewer methods.
    Simple,
    /// One end of a `multiprocessing.Pipe()`, a `Connection`: its items are
    /// what it receives; it sends into the other end ([`QueueObj::peer`]).
    Connection,
}

/// A `queue.Queue`, a `multiprocessing.Queue` or `SimpleQueue`.
#[derive(Debug, Default)]
pub struct QueueObj {
    pub items: Mutex<std::collections::VecDeque<Value>>,
    /// Items put and not yet marked `task_done()` (`join()` waits for 0).
    pub unfinished: AtomicUsize,
    pub kind: QueueKind,
    /// A `multiprocessing` queue's handle in the interpreter that made it
    /// ([`Counters::new_queue`]): what crosses to a child process.
    pub id: u32,
    /// In a child process: a stand-in for the parent's queue `id`, which
    /// sends what is put into it to the parent (the host's `queue_put`) and
    /// asks the parent for what it gets (`queue_ask`).
    pub remote: bool,
    /// A `Connection`'s other end, which it sends into (`None`: it cannot
    /// send, the receiving end of `Pipe(duplex=False)`).
    pub peer: Option<u32>,
    /// A `Connection` that can receive (not the sending end of `Pipe(duplex=False)`).
    pub readable: bool,
    /// A `Connection` closed by `close()` (in this process).
    pub closed: AtomicBool,
    /// A `queue` module's queue: which item `get` takes.
    pub order: QueueOrder,
    /// A `queue.Queue(maxsize)`'s bound (0: none): `put` waits while it is full.
    pub maxsize: usize,
    /// `queue.SimpleQueue`: no bound, no `task_done`/`join`.
    pub simple: bool,
}

/// Which item a `queue` module's queue gives first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QueueOrder {
    /// `Queue`, `SimpleQueue`: the oldest.
    #[default]
    Fifo,
    /// `LifoQueue`: the newest.
    Lifo,
    /// `PriorityQueue`: the smallest (kept sorted as they are put, compared as Python's `<`).
    Priority,
}

impl QueueObj {
    /// Takes the next item, if any.
    pub fn take(&self) -> Option<Value> {
        let mut items = self.items.lock().unwrap_or_else(|e| e.into_inner());
        match self.order {
            QueueOrder::Lifo => items.pop_back(),
            QueueOrder::Fifo | QueueOrder::Priority => items.pop_front(),
        }
    }
}

/// A `threading.Semaphore` (`bound`: a `BoundedSemaphore`'s start value).
#[derive(Debug, Default)]
pub struct SemObj {
    pub value: Mutex<i64>,
    pub bound: Option<i64>,
}

impl SemObj {
    pub fn try_acquire(&self) -> bool {
        let mut v = self.value.lock().unwrap_or_else(|e| e.into_inner());
        if *v > 0 {
            *v -= 1;
            true
        } else {
            false
        }
    }
    pub fn release(&self) -> Result<(), Err> {
        let mut v = self.value.lock().unwrap_or_else(|e| e.into_inner());
        if self.bound.is_some_and(|b| *v >= b) {
            return Err(exc(ExcKind::ValueError, "Semaphore released too many times"));
        }
        *v += 1;
        Ok(())
    }
}

/// Futures resolved so far (their order, for `as_completed`).
static RESOLVED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A `concurrent.futures.Future`.
#[derive(Debug, Default)]
pub struct FutureObj {
    pub result: Mutex<Option<Result<Value, Arc<ExcObj>>>>,
    /// A `Pool.map_async`'s result: the calls whose results it lists
    /// (it is done when they all are).
    pub parts: Vec<Arc<FutureObj>>,
    /// When it was resolved, among all futures (0: not yet).
    pub seq: std::sync::atomic::AtomicU64,
}

impl FutureObj {
    pub fn done(&self) -> bool {
        self.seq.load(Ordering::SeqCst) != 0 || !self.parts.is_empty() && self.parts.iter().all(|p| p.done())
    }
    /// Resolves it (once; later calls do nothing).
    pub fn set(&self, r: Result<Value, Arc<ExcObj>>) {
        let mut g = self.result.lock().unwrap_or_else(|e| e.into_inner());
        if g.is_none() {
            *g = Some(r);
            self.seq.store(RESOLVED.fetch_add(1, Ordering::SeqCst), Ordering::SeqCst);
        }
    }
    /// Its result once done.
    pub fn get(&self) -> Option<Result<Value, Arc<ExcObj>>> {
        self.result.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Which pool a [`PoolObj`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    /// `concurrent.futures.ThreadPoolExecutor`.
    Threads,
    /// `concurrent.futures.ProcessPoolExecutor`.
    Processes,
    /// `multiprocessing.Pool`.
    MpPool,
}

/// A call queued on a pool.
#[derive(Debug)]
pub struct Work {
    pub future: Arc<FutureObj>,
    pub func: Value,
    pub args: Vec<Value>,
}

/// An executor (or `multiprocessing.Pool`): its queue of calls and its
/// workers. Thread pools run in the VM (workers are [`TaskObj`] threads);
/// process pools are run by the host, which takes work from `queue`.
#[derive(Debug)]
pub struct PoolObj {
    pub kind: PoolKind,
    pub max_workers: usize,
    /// `ThreadPoolExecutor-0` (thread names are `<prefix>_<n>`).
    pub prefix: Arc<str>,
    pub queue: Mutex<std::collections::VecDeque<Work>>,
    /// A thread pool's workers.
    pub workers: Mutex<Vec<Arc<TaskObj>>>,
    /// Workers waiting for work and not yet promised any (CPython's idle semaphore).
    pub idle: AtomicUsize,
    pub shutdown: AtomicBool,
    /// A process pool's children still alive (the host counts them).
    pub live: AtomicUsize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub start: i64,
    pub stop: i64,
    pub step: i64,
}

impl Range {
    pub fn len(&self) -> i64 {
        let (lo, hi, step) = if self.step > 0 { (self.start as i128, self.stop as i128, self.step as i128) } else { (self.stop as i128, self.start as i128, -(self.step as i128)) };
        if hi <= lo {
            0
        } else {
            ((hi - lo - 1) / step + 1).min(i64::MAX as i128) as i64
        }
    }
    pub fn get(&self, i: i64) -> i64 {
        self.start.wrapping_add(i.wrapping_mul(self.step))
    }
}

/// The built-in types (callable to convert, and `isinstance` targets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Int,
    Float,
    Bool,
    Str,
    List,
    Tuple,
    Dict,
    Set,
    Range,
    NoneType,
    Function,
    Object,
    Exc(ExcKind),
}

impl Type {
    pub fn name(self) -> &'static str {
        match self {
            Type::Int => "int",
            Type::Float => "float",
            Type::Bool => "bool",
            Type::Str => "str",
            Type::List => "list",
            Type::Tuple => "tuple",
            Type::Dict => "dict",
            Type::Set => "set",
            Type::Range => "range",
            Type::NoneType => "NoneType",
            Type::Function => "function",
            Type::Object => "object",
            Type::Exc(k) => k.name(),
        }
    }
}

/// The modules a program may import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Module {
    Time,
    Threading,
    Math,
    Random,
    Os,
    Queue,
    Multiprocessing,
    /// `concurrent` (a package: only its `futures`).
    Concurrent,
    /// `concurrent.futures`.
    Futures,
    Sys,
    Logging,
    Functools,
}

impl Module {
    pub fn from_name(name: &str) -> Option<Module> {
        Some(match name {
            "time" => Module::Time,
            "threading" => Module::Threading,
            "math" => Module::Math,
            "random" => Module::Random,
            "os" => Module::Os,
            "queue" => Module::Queue,
            "multiprocessing" => Module::Multiprocessing,
            "concurrent" => Module::Concurrent,
            "concurrent.futures" => Module::Futures,
            "sys" => Module::Sys,
            "logging" => Module::Logging,
            "functools" => Module::Functools,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Module::Time => "time",
            Module::Threading => "threading",
            Module::Math => "math",
            Module::Random => "random",
            Module::Os => "os",
            Module::Queue => "queue",
            Module::Multiprocessing => "multiprocessing",
            Module::Concurrent => "concurrent",
            Module::Futures => "concurrent.futures",
            Module::Sys => "sys",
            Module::Logging => "logging",
            Module::Functools => "functools",
        }
    }
}

/// See [`Iter::pending`].
pub enum Pending {
    Wait(Vec<Arc<FutureObj>>),
    Raise(Arc<ExcObj>),
}

/// An iterator's state.
#[derive(Clone, Debug)]
pub enum Iter {
    Range { cur: i64, left: i64, step: i64 },
    List { list: Arc<List>, idx: usize },
    Items { items: Arc<[Value]>, idx: usize },
    Chars { s: Arc<str>, pos: usize },
    Enumerate { inner: Box<Iter>, n: i64 },
    Zip(Vec<Iter>),
    /// `executor.map(...)`'s results in order (`completed`: false), or
    /// `as_completed(fs)`'s futures as they complete. The VM waits for each
    /// through its host before taking it ([`Iter::waits_for`]); with
    /// `values`, their results as they complete (`Pool.imap_unordered`).
    Futures { futs: Arc<[Arc<FutureObj>]>, idx: usize, completed: bool, values: bool },
}

impl Iter {
    /// What must happen before the next item can be taken: futures to
    /// wait for (all, or for `as_completed` any one), or a failed call's
    /// exception to raise. `None`: take it (or it is the end).
    pub fn pending(&self) -> Option<Pending> {
        match self {
            Iter::Futures { futs, idx, completed, values } if *idx < futs.len() => {
                let rest = &futs[*idx..];
                if *completed {
                    let first = rest.iter().filter(|f| f.done()).min_by_key(|f| f.seq.load(Ordering::SeqCst));
                    return match first {
                        None => Some(Pending::Wait(rest.to_vec())),
                        Some(f) if *values => f.get().and_then(|r| r.err()).map(Pending::Raise),
                        Some(_) => None,
                    };
                }
                match futs[*idx].get() {
                    None => Some(Pending::Wait(vec![futs[*idx].clone()])),
                    Some(Err(e)) => Some(Pending::Raise(e)),
                    Some(Ok(_)) => None,
                }
            }
            _ => None,
        }
    }

    pub fn next(&mut self) -> Option<Value> {
        match self {
            Iter::Range { cur, left, step } => {
                if *left <= 0 {
                    return None;
                }
                let v = *cur;
                *left -= 1;
                *cur = cur.wrapping_add(*step);
                Some(Value::Int(v))
            }
            Iter::List { list, idx } => {
                let v = list.lock().get(*idx).cloned();
                *idx += 1;
                v
            }
            Iter::Items { items, idx } => {
                let v = items.get(*idx).cloned();
                *idx += 1;
                v
            }
            Iter::Chars { s, pos } => {
                let c = s[*pos..].chars().next()?;
                *pos += c.len_utf8();
                Some(Value::str(c.encode_utf8(&mut [0; 4])))
            }
            Iter::Enumerate { inner, n } => {
                let v = inner.next()?;
                let i = *n;
                *n += 1;
                Some(Value::Tuple(Arc::from(vec![Value::Int(i), v])))
            }
            Iter::Futures { futs, idx, completed, values } => {
                // Only what is done (the VM waited): a result, a failure's
                // exception object (the VM raises it), or the future itself.
                if *completed {
                    let mut ready: Vec<usize> = (*idx..futs.len()).filter(|&i| futs[i].done()).collect();
                    ready.sort_by_key(|&i| futs[i].seq.load(Ordering::SeqCst));
                    let &i = ready.first()?;
                    let f = futs[i].clone();
                    let mut v: Vec<Arc<FutureObj>> = futs.to_vec();
                    v.swap(*idx, i);
                    *futs = v.into();
                    *idx += 1;
                    if *values {
                        return Some(match f.get()? {
                            Ok(v) => v,
                            Err(e) => Value::Exc(e),
                        });
                    }
                    return Some(Value::Future(f));
                }
                let f = futs.get(*idx)?;
                let r = f.get()?;
                *idx += 1;
                Some(match r {
                    Ok(v) => v,
                    Err(e) => Value::Exc(e),
                })
            }
            Iter::Zip(its) => {
                if its.is_empty() {
                    return None;
                }
                let mut out = Vec::with_capacity(its.len());
                for it in its {
                    out.push(it.next()?);
                }
                Some(Value::Tuple(out.into()))
            }
        }
    }
}

/// A Python value.
#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Big(Arc<BigInt>),
    Str(Arc<str>),
    Tuple(Arc<[Value]>),
    List(Arc<List>),
    Dict(Arc<DictObj>),
    Set(Arc<DictObj>),
    Range(Arc<Range>),
    Slice(Arc<[Value; 3]>),
    Func(Arc<Function>),
    /// A built-in function (by name, see `builtins`).
    Builtin(&'static str),
    /// `obj.method` read without calling it.
    Method(Arc<(Value, Arc<str>)>),
    Type(Type),
    Exc(Arc<ExcObj>),
    Module(Module),
    Lock(Arc<LockObj>),
    /// `threading.current_thread()`: its name.
    Thread(Arc<str>),
    /// A `threading.Thread` or `multiprocessing.Process`.
    Task(Arc<TaskObj>),
    Event(Arc<EventObj>),
    Queue(Arc<QueueObj>),
    Semaphore(Arc<SemObj>),
    /// A `multiprocessing.Value` or `Array`: numbers the processes share.
    Shared(Arc<SharedObj>),
    Future(Arc<FutureObj>),
    /// An executor or a `multiprocessing.Pool`.
    Pool(Arc<PoolObj>),
    /// A user class.
    Class(Arc<Class>),
    /// An instance of a user class (an exception class's instances are
    /// `Exc` values with a `user` part).
    Instance(Arc<Instance>),
    /// A user method bound to its object (or a classmethod to its class): (self, function).
    BoundMethod(Arc<(Value, Value)>),
    /// `functools.partial(...)` (and what `functools.wraps(f)` returns).
    Partial(Arc<Partial>),
    /// `super()`: (the class to look after, the object).
    Super(Arc<(Arc<Class>, Value)>),
    /// `staticmethod(f)`, `classmethod(f)`, `property(f)`.
    Wrapped(Arc<(Wrap, Value)>),
    Condition(Arc<CondObj>),
    Barrier(Arc<BarrierObj>),
    /// `threading.local()`.
    Local(Arc<LocalObj>),
    /// `logging.getLogger(name)` (`root` for none).
    Logger(Arc<str>),
    /// `sys.stdout` (false) or `sys.stderr` (true).
    Stream(bool),
    /// A closure cell (never seen by Python code).
    Cell(Arc<Mutex<Value>>),
    /// An iterator owned by one loop (never shared).
    Iter(Box<Iter>),
    /// An iterator object Python code holds (`iter(x)`, `enumerate(x)`).
    SharedIter(Arc<Mutex<Iter>>),
    /// An unbound local slot (never seen by Python code).
    Undef,
}

/// What unwinds the Python stack: an exception, or the host stopping the run.
#[derive(Clone, Debug)]
pub enum Err {
    Exc(Arc<ExcObj>),
    Stop(Stop),
}

impl From<Stop> for Err {
    fn from(s: Stop) -> Self {
        Err::Stop(s)
    }
}

/// A new exception of `kind` with one message (none when empty).
pub fn exc(kind: ExcKind, msg: impl Into<String>) -> Err {
    let msg = msg.into();
    let args = if msg.is_empty() { Vec::new() } else { vec![Value::str(&msg)] };
    Err::Exc(Arc::new(ExcObj::new(kind, args)))
}

pub fn type_error(msg: impl Into<String>) -> Err {
    exc(ExcKind::TypeError, msg)
}

pub type R<T> = Result<T, Err>;

/// An int result: small when it fits.
pub fn int_of(b: BigInt) -> Value {
    match b.to_i64() {
        Some(v) => Value::Int(v),
        None => Value::Big(Arc::new(b)),
    }
}

/// A number, borrowed.
pub enum Num<'a> {
    I(i64),
    B(&'a BigInt),
    F(f64),
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }
    pub fn int(v: i64) -> Value {
        Value::Int(v)
    }
    pub fn list(items: Vec<Value>) -> R<Value> {
        Ok(Value::List(List::new(items)?))
    }
    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(items.into())
    }

    /// The user-class instance it is: an instance, or a user exception's.
    pub fn user_instance(&self) -> Option<&Arc<Instance>> {
        match self {
            Value::Instance(i) => Some(i),
            Value::Exc(e) => e.user.as_ref(),
            _ => None,
        }
    }

    pub fn type_of(&self) -> Type {
        match self {
            Value::None => Type::NoneType,
            Value::Bool(_) => Type::Bool,
            Value::Int(_) | Value::Big(_) => Type::Int,
            Value::Float(_) => Type::Float,
            Value::Str(_) => Type::Str,
            Value::Tuple(_) => Type::Tuple,
            Value::List(_) => Type::List,
            Value::Dict(_) => Type::Dict,
            Value::Set(_) => Type::Set,
            Value::Range(_) => Type::Range,
            Value::Func(_) => Type::Function,
            Value::Exc(e) => Type::Exc(e.kind),
            _ => Type::Object,
        }
    }

    /// The name `type(x).__name__` gives.
    /// `callable(v)`.
    pub fn is_callable(&self) -> bool {
        matches!(self, Value::Func(_) | Value::Builtin(_) | Value::Type(_) | Value::Method(_) | Value::BoundMethod(_) | Value::Class(_) | Value::Partial(_))
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Partial(_) => "functools.partial",
            Value::Slice(_) => "slice",
            Value::Builtin(_) => "builtin_function_or_method",
            Value::Method(_) => "method",
            Value::Type(_) => "type",
            Value::Module(_) => "module",
            Value::Lock(l) if l.shared.is_some() => "Lock",
            Value::Lock(l) => if l.reentrant { "_thread.RLock" } else { "_thread.lock" },
            Value::Shared(s) => match (s.len, &s.lock) {
                (None, Some(_)) => "Synchronized",
                (Some(_), Some(_)) => "SynchronizedArray",
                _ => s.ctype(),
            },
            Value::Thread(_) => "_MainThread",
            Value::Task(t) => if t.process { "Process" } else if t.timer.is_some() { "Timer" } else { "Thread" },
            Value::Event(_) => "Event",
            Value::Semaphore(s) => if s.bound.is_some() { "BoundedSemaphore" } else { "Semaphore" },
            Value::Queue(q) => match q.kind {
                QueueKind::Simple => "SimpleQueue",
                QueueKind::Connection => "Connection",
                _ => "Queue",
            },
            Value::Future(_) => "Future",
            Value::Condition(_) => "Condition",
            Value::Barrier(_) => "Barrier",
            Value::Local(_) => "_thread._local",
            Value::Logger(_) => "Logger",
            Value::Stream(_) => "TextIOWrapper",
            Value::Pool(p) => match p.kind {
                PoolKind::Threads => "ThreadPoolExecutor",
                PoolKind::Processes => "ProcessPoolExecutor",
                PoolKind::MpPool => "Pool",
            },
            Value::Iter(_) | Value::SharedIter(_) => "iterator",
            Value::Cell(_) => "cell",
            Value::Class(_) => "type",
            Value::Instance(i) => i.class.name,
            Value::Exc(e) if e.user.is_some() => e.user.as_ref().map_or("object", |u| u.class.name),
            Value::BoundMethod(_) => "method",
            Value::Super(_) => "super",
            Value::Wrapped(w) => match w.0 {
                Wrap::Static => "staticmethod",
                Wrap::ClassMethod => "classmethod",
                Wrap::Property => "property",
            },
            Value::Undef => "undefined",
            other => other.type_of().name(),
        }
    }

    pub fn num(&self) -> Option<Num<'_>> {
        match self {
            Value::Int(i) => Some(Num::I(*i)),
            Value::Bool(b) => Some(Num::I(*b as i64)),
            Value::Big(b) => Some(Num::B(b)),
            Value::Float(f) => Some(Num::F(*f)),
            _ => None,
        }
    }

    /// The value as an int if it is one (bools too).
    pub fn as_bigint(&self) -> Option<BigInt> {
        match self {
            Value::Int(i) => Some(BigInt::from(*i)),
            Value::Bool(b) => Some(BigInt::from(*b as i64)),
            Value::Big(b) => Some((**b).clone()),
            _ => None,
        }
    }

    /// An index or count: an int that fits in i64.
    pub fn as_i64(&self) -> R<i64> {
        match self {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(*b as i64),
            Value::Big(_) => Err(exc(ExcKind::OverflowError, "Python int too large to convert to C ssize_t")),
            other => Err(type_error(format!("'{}' object cannot be interpreted as an integer", other.type_name()))),
        }
    }

    pub fn as_f64(&self) -> R<f64> {
        match self.num() {
            Some(Num::I(i)) => Ok(i as f64),
            Some(Num::F(f)) => Ok(f),
            Some(Num::B(b)) => big_to_f64(b),
            None => Err(type_error(format!("must be real number, not {}", self.type_name()))),
        }
    }

    pub fn truthy(&self) -> bool {
        match self {
            Value::None | Value::Undef => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Big(b) => !b.is_zero(),
            Value::Str(s) => !s.is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::List(l) => !l.lock().is_empty(),
            Value::Dict(d) | Value::Set(d) => !d.lock().is_empty(),
            Value::Range(r) => r.len() > 0,
            _ => true,
        }
    }

    /// The hash-table key, or TypeError for an unhashable value.
    pub fn key(&self) -> R<Key> {
        Ok(match self {
            Value::None => Key::None,
            Value::Bool(b) => Key::Int(*b as i64),
            Value::Int(i) => Key::Int(*i),
            Value::Big(b) => Key::Big(b.clone()),
            Value::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 9.2e18 {
                    Key::Int(*f as i64)
                } else if f.is_finite() && f.fract() == 0.0 {
                    <BigInt as num_traits::FromPrimitive>::from_f64(*f).map(|b| Key::Big(Arc::new(b))).unwrap_or(Key::Float(f.to_bits()))
                } else {
                    Key::Float(if *f == 0.0 { 0 } else { f.to_bits() })
                }
            }
            Value::Str(s) => Key::Str(s.clone()),
            Value::Tuple(t) => Key::Tuple(t.iter().map(Value::key).collect::<R<_>>()?),
            Value::Type(t) => Key::Other(type_hash(*t)),
            Value::Builtin(b) => Key::Other(b.as_ptr() as usize),
            Value::Thread(n) => Key::Thread(n.clone()),
            // Hashed as what they are (the rest of `identity`'s are unhashable here).
            Value::Func(_) | Value::Lock(_) | Value::Task(_) | Value::Future(_) | Value::Event(_) | Value::Condition(_) | Value::Barrier(_) | Value::Local(_) | Value::Exc(_) | Value::Class(_) | Value::Instance(_) => {
                Key::Other(self.identity().unwrap_or_default())
            }
            Value::BoundMethod(m) => Key::Other(Arc::as_ptr(m) as *const u8 as usize),
            Value::Range(r) => Key::Tuple(vec![Key::Int(r.start), Key::Int(r.stop), Key::Int(r.step)]),
            other => return Err(type_error(format!("unhashable type: '{}'", other.type_name()))),
        })
    }

    /// The object a value is, for `is` and hashing by identity: its
    /// allocation's address (two live objects never share one); `None` for
    /// values compared otherwise (numbers, strings, names, types).
    pub fn identity(&self) -> Option<usize> {
        fn at<T: ?Sized>(a: &Arc<T>) -> Option<usize> {
            Some(Arc::as_ptr(a) as *const u8 as usize)
        }
        match self {
            Value::Tuple(x) => at(x),
            Value::List(x) => at(x),
            Value::Dict(x) | Value::Set(x) => at(x),
            Value::Func(x) => at(x),
            Value::Exc(x) => at(x),
            Value::Class(x) => at(x),
            Value::Instance(x) => at(x),
            Value::Lock(x) => at(x),
            Value::Task(x) => at(x),
            Value::Event(x) => at(x),
            Value::Queue(x) => at(x),
            Value::Semaphore(x) => at(x),
            Value::Shared(x) => at(x),
            Value::Future(x) => at(x),
            Value::Pool(x) => at(x),
            Value::Condition(x) => at(x),
            Value::Barrier(x) => at(x),
            Value::Local(x) => at(x),
            _ => None,
        }
    }

    pub fn repr(&self) -> String {
        let mut s = String::new();
        self.write_repr(&mut s, 0);
        s
    }

    /// `str(x)`.
    pub fn to_str(&self) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            Value::Exc(e) => e.message(),
            _ => self.repr(),
        }
    }

    fn write_repr(&self, out: &mut String, depth: usize) {
        if depth > 200 {
            out.push_str("...");
            return;
        }
        let seq = |out: &mut String, items: &[Value], open: &str, close: &str| {
            out.push_str(open);
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                v.write_repr(out, depth + 1);
            }
            out.push_str(close);
        };
        match self {
            Value::Partial(p) => {
                out.push_str("functools.partial(");
                p.func.write_repr(out, depth + 1);
                for a in &p.args {
                    out.push_str(", ");
                    a.write_repr(out, depth + 1);
                }
                for (k, v) in &p.kw {
                    let _ = write!(out, ", {k}=");
                    v.write_repr(out, depth + 1);
                }
                out.push(')');
            }
            Value::None => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Big(b) => out.push_str(&big_to_string(b).unwrap_or_else(|_| "<int too large to print>".into())),
            Value::Float(f) => out.push_str(&float_repr(*f)),
            Value::Str(s) => str_repr(s, out),
            Value::Tuple(t) => {
                if t.len() == 1 {
                    out.push('(');
                    t[0].write_repr(out, depth + 1);
                    out.push_str(",)");
                } else {
                    seq(out, t, "(", ")");
                }
            }
            Value::List(l) => {
                let items = l.lock().clone();
                seq(out, &items, "[", "]");
            }
            Value::Dict(d) => {
                let items: Vec<(Value, Value)> = d.lock().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_repr(out, depth + 1);
                    out.push_str(": ");
                    v.write_repr(out, depth + 1);
                }
                out.push('}');
            }
            Value::Set(d) => {
                let items = d.lock().keys();
                if items.is_empty() {
                    out.push_str("set()");
                } else {
                    seq(out, &items, "{", "}");
                }
            }
            Value::Range(r) => {
                let _ = if r.step == 1 { write!(out, "range({}, {})", r.start, r.stop) } else { write!(out, "range({}, {}, {})", r.start, r.stop, r.step) };
            }
            Value::Slice(s) => seq(out, &s[..], "slice(", ")"),
            Value::Func(f) => {
                let _ = write!(out, "<function {} at 0x{:x}>", f.name(), Arc::as_ptr(f) as usize);
            }
            Value::Builtin(name) => {
                let _ = write!(out, "<built-in function {}>", name.rsplit('.').next().unwrap_or(name));
            }
            Value::Method(m) => {
                let _ = write!(out, "<built-in method {} of {} object>", m.1, m.0.type_name());
            }
            Value::Type(t) => {
                let _ = write!(out, "<class '{}'>", t.name());
            }
            Value::Exc(e) => {
                out.push_str(e.class_name());
                seq(out, &e.args(), "(", ")");
            }
            Value::Class(c) => {
                let _ = write!(out, "<class '__main__.{}'>", c.name);
            }
            Value::Instance(i) => match i.task() {
                // A Thread or Process subclass's object: as a thread's or process's repr, its class named.
                Some(t) => {
                    let r = Value::Task(t).repr();
                    let _ = write!(out, "<{}{}", i.class.name, r.trim_start_matches("<Thread").trim_start_matches("<Process"));
                }
                None => {
                    let _ = write!(out, "<__main__.{} object at 0x{:x}>", i.class.name, Arc::as_ptr(i) as usize);
                }
            },
            Value::BoundMethod(m) => {
                let name = match &m.1 {
                    Value::Func(f) => f.code.name.to_string(),
                    other => other.type_name().to_string(),
                };
                let owner = match &m.0 {
                    Value::Class(c) => c.name,
                    o => o.type_name(),
                };
                out.push_str(&format!("<bound method {owner}.{name} of "));
                m.0.write_repr(out, depth + 1);
                out.push('>');
            }
            Value::Super(s) => {
                let _ = write!(out, "<super: <class '{}'>, <{} object>>", s.0.name, s.1.type_name());
            }
            Value::Wrapped(_) => {
                let _ = write!(out, "<{} object>", self.type_name());
            }
            Value::Module(m) => {
                let _ = write!(out, "<module '{}' (built-in)>", m.name());
            }
            Value::Shared(s) => match s.len {
                None => {
                    let _ = write!(out, "<{} wrapper for {}({})>", self.type_name(), s.ctype(), s.get(0).repr());
                }
                Some(n) => {
                    let _ = write!(out, "<{} wrapper for {}_Array_{n}>", self.type_name(), s.ctype());
                }
            },
            Value::Lock(l) if l.shared.is_some() => {
                let _ = write!(out, "<Lock(owner={})>", if l.locked() { "SomeOtherProcess" } else { "None" });
            }
            Value::Lock(l) if l.reentrant => {
                let held = l.locked();
                let _ = write!(out, "<{} _thread.RLock object owner={} count={}>", if held { "locked" } else { "unlocked" }, if held { l.owner_id.load(Ordering::SeqCst) } else { 0 }, if held { l.depth.load(Ordering::SeqCst) } else { 0 });
            }
            Value::Lock(l) => {
                let _ = write!(out, "<{} _thread.lock object>", if l.held.load(Ordering::Relaxed) { "locked" } else { "unlocked" });
            }
            Value::Thread(n) => {
                let _ = write!(out, "<Thread({n}, started)>");
            }
            Value::Task(t) => {
                let state = match (t.state.load(Ordering::SeqCst), t.process) {
                    (TASK_NEW, _) => "initial".to_string(),
                    (TASK_STARTED, false) => "started".to_string(),
                    (TASK_STARTED, true) => "started".to_string(),
                    (_, false) => "stopped".to_string(),
                    (_, true) => format!("stopped exitcode={}", t.exitcode.lock().unwrap_or_else(|e| e.into_inner()).unwrap_or(0)),
                };
                let daemon = if t.is_daemon() { " daemon" } else { "" };
                let _ = if t.process { write!(out, "<Process name='{}' {state}{daemon}>", t.name) } else { write!(out, "<{}({}, {state}{daemon})>", self.type_name(), t.name) };
            }
            Value::Event(_) | Value::Queue(_) | Value::Future(_) | Value::Pool(_) | Value::Semaphore(_) | Value::Barrier(_) | Value::Local(_) => {
                let _ = write!(out, "<{} object>", self.type_name());
            }
            Value::Condition(c) => {
                let _ = write!(out, "<Condition(<{} _thread.{}lock object>, 0)>", if c.lock.locked() { "locked" } else { "unlocked" }, if c.lock.reentrant { "R" } else { "" });
            }
            Value::Logger(n) => {
                let _ = write!(out, "<Logger {n}>");
            }
            Value::Stream(err) => {
                let _ = write!(out, "<_io.TextIOWrapper name='<{}>' mode='w' encoding='utf-8'>", if *err { "stderr" } else { "stdout" });
            }
            Value::Cell(_) => out.push_str("<cell>"),
            Value::Iter(_) | Value::SharedIter(_) => out.push_str("<iterator object>"),
            Value::Undef => out.push_str("<undefined>"),
        }
    }
}

fn type_hash(t: Type) -> usize {
    let mut h = 0usize;
    for b in t.name().bytes() {
        h = h.wrapping_mul(31).wrapping_add(b as usize);
    }
    h
}

/// A str's repr as Python writes it (quotes chosen the same way).
pub fn str_repr(s: &str, out: &mut String) {
    let q = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (0x80..0xa0).contains(&(c as u32)) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(q);
}

pub fn big_to_f64(b: &BigInt) -> R<f64> {
    match b.to_f64() {
        Some(f) if f.is_finite() => Ok(f),
        _ => Err(exc(ExcKind::OverflowError, "int too large to convert to float")),
    }
}

/// An int as decimal text, refused past CPython's 4300 digits.
pub fn big_to_string(b: &BigInt) -> R<String> {
    // Bits per decimal digit: log2(10) ~ 3.32; check before the quadratic conversion.
    if b.bits() > (MAX_STR_DIGITS as u64) * 3321 / 1000 + 4 {
        let s = b.to_string();
        if s.trim_start_matches('-').len() > MAX_STR_DIGITS {
            return Err(exc(ExcKind::ValueError, format!("Exceeds the limit ({MAX_STR_DIGITS} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit")));
        }
        return Ok(s);
    }
    Ok(b.to_string())
}

/// `repr(float)`: the shortest text that reads back as the same float, in
/// Python's layout (`1e+16`, `1.5e-05`, `0.1`, `100.0`, `inf`, `nan`).
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "1.2345e-7".
    let sci = format!("{:e}", f);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat('0').take(int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat('0').take((-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    out
}

/// Wrap a list's items after checking the result's size.
pub fn checked_len(n: usize, what: usize) -> R<()> {
    if n.saturating_mul(what) > MAX_STR.max(LIMIT.load(Ordering::Relaxed)) {
        return Err(exc(ExcKind::MemoryError, ""));
    }
    Ok(())
}

/// Is `v` a nonnegative big int? (helper for messages)
pub fn is_negative(v: &Value) -> bool {
    match v {
        Value::Int(i) => *i < 0,
        Value::Big(b) => b.is_negative(),
        Value::Float(f) => *f < 0.0,
        _ => false,
    }
}
