//! From the syntax tree to bytecode: names resolved at compile time (local
//! slots, closure cells, module globals by index), comprehensions inlined
//! with hidden slots, `finally` bodies copied onto every way out.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::ast::*;
use super::code::{Code, Const, Op};
use super::error::SyntaxError;

/// A compiled program: the module's code and its global names (slot order).
pub struct Compiled {
    pub module: Arc<Code>,
    pub globals: Vec<Arc<str>>,
}

/// The special methods a class may define (the VM calls them).
pub const SPECIAL_METHODS: &[&str] = &["__init__", "__str__", "__repr__", "__enter__", "__exit__"];

pub const MODULES: &[&str] = &["time", "threading", "math", "random", "multiprocessing", "concurrent.futures", "queue", "os", "sys", "logging", "functools"];

pub fn compile(body: &[Stmt]) -> Result<Compiled, SyntaxError> {
    let mut c = Compiler { globals: Vec::new(), gmap: HashMap::new(), units: Vec::new(), modules: HashMap::new() };
    c.units.push(Unit::new("<module>", true));
    c.block(body)?;
    c.emit(Op::LoadNone);
    c.emit(Op::Return);
    let unit = c.units.pop().unwrap();
    Ok(Compiled { module: Arc::new(unit.finish()), globals: c.globals })
}

enum Block {
    Except,
    Finally(Vec<Stmt>),
    With(u32),
}

struct Loop {
    cont: u32,
    breaks: Vec<usize>,
    is_for: bool,
    blocks: usize,
}

struct Unit {
    code: Code,
    is_module: bool,
    slots: HashMap<String, u32>,
    cells: HashSet<String>,
    frees: HashSet<String>,
    declared_global: HashSet<String>,
    renames: Vec<HashMap<String, u32>>,
    loops: Vec<Loop>,
    blocks: Vec<Block>,
    exc_slots: Vec<u32>,
    line: u32,
    str_consts: HashMap<String, u32>,
}

impl Unit {
    fn new(name: &str, is_module: bool) -> Unit {
        Unit {
            code: Code { name: Arc::from(name), ..Code::default() },
            is_module,
            slots: HashMap::new(),
            cells: HashSet::new(),
            frees: HashSet::new(),
            declared_global: HashSet::new(),
            renames: Vec::new(),
            loops: Vec::new(),
            blocks: Vec::new(),
            exc_slots: Vec::new(),
            line: 1,
            str_consts: HashMap::new(),
        }
    }
    fn slot(&mut self, name: &str) -> u32 {
        if let Some(&s) = self.slots.get(name) {
            return s;
        }
        let s = self.code.nslots;
        self.code.nslots += 1;
        self.code.slot_names.push(Arc::from(name));
        self.slots.insert(name.to_string(), s);
        s
    }
    fn hidden(&mut self) -> u32 {
        let s = self.code.nslots;
        self.code.nslots += 1;
        self.code.slot_names.push(Arc::from(".tmp"));
        s
    }
    fn finish(mut self) -> Code {
        self.code.ops = super::code::fuse(&self.code.ops);
        self.code
    }
}

enum Name {
    Fast(u32),
    Deref(u32),
    Global(u32),
}

/// Names assigned and used in a function body (not inside nested functions).
#[derive(Default)]
struct Scan {
    assigned: HashSet<String>,
    used: HashSet<String>,
    globals: HashSet<String>,
    nonlocals: HashSet<String>,
    nested: Vec<Arc<FuncDef>>,
}

impl Scan {
    fn target(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Name(n) => {
                self.assigned.insert(n.clone());
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().for_each(|i| self.target(i)),
            ExprKind::Starred(i) => self.target(i),
            _ => self.expr(e),
        }
    }
    fn stmts(&mut self, body: &[Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }
    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::Assign(ts, v) => {
                ts.iter().for_each(|t| self.target(t));
                self.expr(v);
            }
            StmtKind::AugAssign(t, _, v) => {
                self.target(t);
                self.expr(t);
                self.expr(v);
            }
            StmtKind::If(c, a, b) | StmtKind::While(c, a, b) => {
                self.expr(c);
                self.stmts(a);
                self.stmts(b);
            }
            StmtKind::For(t, i, a, b) => {
                self.target(t);
                self.expr(i);
                self.stmts(a);
                self.stmts(b);
            }
            StmtKind::Return(Some(e)) | StmtKind::Raise(Some(e)) => self.expr(e),
            StmtKind::Def(f) => {
                self.assigned.insert(f.name.clone());
                for p in &f.params {
                    if let Some(d) = &p.default {
                        self.expr(d);
                    }
                }
                self.nested.push(f.clone());
            }
            StmtKind::Class(c) => {
                // The body runs in this scope, its names its own (not
                // this scope's locals); its methods are nested functions
                // of this scope.
                self.assigned.insert(c.name.clone());
                if let Some(b) = &c.base {
                    self.expr(b);
                }
                let mut inner = Scan::default();
                inner.stmts(&c.body);
                self.used.extend(inner.used.into_iter().filter(|n| !inner.assigned.contains(n)));
                self.nested.extend(inner.nested);
            }
            StmtKind::Global(ns) => self.globals.extend(ns.iter().cloned()),
            StmtKind::Nonlocal(ns) => self.nonlocals.extend(ns.iter().cloned()),
            StmtKind::Try { body, handlers, orelse, finally } => {
                self.stmts(body);
                for h in handlers {
                    if let Some(k) = &h.kind {
                        self.expr(k);
                    }
                    if let Some(n) = &h.name {
                        self.assigned.insert(n.clone());
                    }
                    self.stmts(&h.body);
                }
                self.stmts(orelse);
                self.stmts(finally);
            }
            StmtKind::Assert(a, b) => {
                self.expr(a);
                if let Some(b) = b {
                    self.expr(b);
                }
            }
            StmtKind::Del(ts) => ts.iter().for_each(|t| self.target(t)),
            StmtKind::Import(items) | StmtKind::ImportFrom(_, items) => {
                for (_, b) in items {
                    self.assigned.insert(b.clone());
                }
            }
            StmtKind::With(e, t, body) => {
                self.expr(e);
                if let Some(t) = t {
                    self.target(t);
                }
                self.stmts(body);
            }
            _ => {}
        }
    }
    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Name(n) => {
                self.used.insert(n.clone());
            }
            ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => v.iter().for_each(|i| self.expr(i)),
            ExprKind::Dict(kv) => kv.iter().for_each(|(k, v)| {
                self.expr(k);
                self.expr(v)
            }),
            ExprKind::Bin(a, _, b) | ExprKind::And(a, b) | ExprKind::Or(a, b) | ExprKind::Subscript(a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Unary(_, a) | ExprKind::Attr(a, _) | ExprKind::Starred(a) => self.expr(a),
            ExprKind::Compare(a, rest) => {
                self.expr(a);
                rest.iter().for_each(|(_, e)| self.expr(e));
            }
            ExprKind::IfExp(a, b, c) => {
                self.expr(a);
                self.expr(b);
                self.expr(c);
            }
            ExprKind::Call(f, args) => {
                self.expr(f);
                for a in args {
                    match a {
                        Arg::Pos(e) | Arg::Star(e) | Arg::Kw(_, e) | Arg::DoubleStar(e) => self.expr(e),
                    }
                }
            }
            ExprKind::Slice(a, b, c) => {
                for x in [a, b, c].into_iter().flatten() {
                    self.expr(x);
                }
            }
            ExprKind::Lambda(f) => {
                for p in &f.params {
                    if let Some(d) = &p.default {
                        self.expr(d);
                    }
                }
                self.nested.push(f.clone());
            }
            ExprKind::ListComp(e, comps) | ExprKind::SetComp(e, comps) | ExprKind::GenExp(e, comps) => {
                self.expr(e);
                self.comps(comps);
            }
            ExprKind::DictComp(k, v, comps) => {
                self.expr(k);
                self.expr(v);
                self.comps(comps);
            }
            ExprKind::FStr(parts) => self.fparts(parts),
            ExprKind::Walrus(n, v) => {
                self.assigned.insert(n.clone());
                self.expr(v);
            }
            _ => {}
        }
    }
    fn fparts(&mut self, parts: &[FStrPart]) {
        for p in parts {
            if let FStrPart::Field { value, spec, .. } = p {
                self.expr(value);
                self.fparts(spec);
            }
        }
    }
    fn comps(&mut self, comps: &[Comp]) {
        for c in comps {
            self.expr(&c.target);
            self.expr(&c.iter);
            c.ifs.iter().for_each(|i| self.expr(i));
        }
    }
}

fn locals_of(f: &FuncDef, s: &Scan) -> HashSet<String> {
    let mut l: HashSet<String> = f.params.iter().map(|p| p.name.clone()).collect();
    l.extend(f.vararg.iter().cloned());
    l.extend(f.kwarg.iter().cloned());
    l.extend(s.assigned.iter().filter(|n| !s.globals.contains(*n) && !s.nonlocals.contains(*n)).cloned());
    l
}

/// The names a function takes from enclosing scopes (its own and its children's).
fn free_of(f: &FuncDef, depth: usize) -> HashSet<String> {
    let mut s = Scan::default();
    s.stmts(&f.body);
    let locals = locals_of(f, &s);
    let mut used: HashSet<String> = s.used.iter().cloned().collect();
    used.extend(s.nonlocals.iter().cloned());
    if depth < 50 {
        for child in &s.nested {
            used.extend(free_of(child, depth + 1));
        }
    }
    used.into_iter().filter(|n| !locals.contains(n) && !s.globals.contains(n)).collect()
}

struct Compiler {
    globals: Vec<Arc<str>>,
    gmap: HashMap<String, u32>,
    units: Vec<Unit>,
    /// Names an `import` bound to a module, anywhere: `m.x` through one of
    /// them is checked against what the module has.
    modules: HashMap<String, super::value::Module>,
}

impl Compiler {
    fn u(&mut self) -> &mut Unit {
        self.units.last_mut().unwrap()
    }
    fn emit(&mut self, op: Op) -> usize {
        let u = self.u();
        u.code.ops.push(op);
        let line = u.line;
        u.code.lines.push(line);
        u.code.ops.len() - 1
    }
    fn here(&mut self) -> u32 {
        self.u().code.ops.len() as u32
    }
    fn patch(&mut self, at: usize) {
        let to = self.here();
        let op = &mut self.u().code.ops[at];
        *op = match *op {
            Op::Jump(_) => Op::Jump(to),
            Op::PopJumpIfFalse(_) => Op::PopJumpIfFalse(to),
            Op::PopJumpIfTrue(_) => Op::PopJumpIfTrue(to),
            Op::JumpIfFalseOrPop(_) => Op::JumpIfFalseOrPop(to),
            Op::JumpIfTrueOrPop(_) => Op::JumpIfTrueOrPop(to),
            Op::ForIter(_) => Op::ForIter(to),
            Op::SetupExcept(_) => Op::SetupExcept(to),
            other => other,
        };
    }
    fn konst(&mut self, c: Const) -> u32 {
        let u = self.u();
        u.code.consts.push(c);
        (u.code.consts.len() - 1) as u32
    }
    fn str_const(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.u().str_consts.get(s) {
            return i;
        }
        let i = self.konst(Const::Str(Arc::from(s)));
        self.u().str_consts.insert(s.to_string(), i);
        i
    }
    fn global(&mut self, name: &str) -> u32 {
        if let Some(&g) = self.gmap.get(name) {
            return g;
        }
        let g = self.globals.len() as u32;
        self.globals.push(Arc::from(name));
        self.gmap.insert(name.to_string(), g);
        g
    }
    fn err<T>(&self, msg: impl Into<String>, line: u32, col: u32) -> Result<T, SyntaxError> {
        Err(SyntaxError::new(msg, line, col))
    }

    fn resolve(&mut self, name: &str) -> Name {
        let u = self.units.last().unwrap();
        for r in u.renames.iter().rev() {
            if let Some(&s) = r.get(name) {
                return Name::Fast(s);
            }
        }
        if !u.is_module && !u.declared_global.contains(name) {
            if let Some(&s) = u.slots.get(name) {
                return if u.cells.contains(name) || u.frees.contains(name) { Name::Deref(s) } else { Name::Fast(s) };
            }
        }
        Name::Global(self.global(name))
    }

    /// `Some(true)`: `name` is not bound by the program here (a global it
    /// never assigns: the built-in).
    fn resolve_peek(&self, name: &str) -> Option<bool> {
        let u = self.units.last()?;
        let local = u.renames.iter().any(|r| r.contains_key(name)) || (!u.is_module && u.slots.contains_key(name));
        Some(!local)
    }

    fn load_name(&mut self, name: &str) {
        match self.resolve(name) {
            Name::Fast(s) => self.emit(Op::LoadFast(s)),
            Name::Deref(s) => self.emit(Op::LoadDeref(s)),
            Name::Global(g) => self.emit(Op::LoadGlobal(g)),
        };
    }
    fn store_name(&mut self, name: &str) {
        match self.resolve(name) {
            Name::Fast(s) => self.emit(Op::StoreFast(s)),
            Name::Deref(s) => self.emit(Op::StoreDeref(s)),
            Name::Global(g) => self.emit(Op::StoreGlobal(g)),
        };
    }

    /// A loop from its body on: `top` is where `continue` and the body's
    /// end go back to, `exit` the jump out when the loop ends (patched to
    /// the `else` block); a `break` skips the `else`.
    fn loop_body(&mut self, top: u32, exit: usize, is_for: bool, body: &[Stmt], orelse: &[Stmt]) -> Result<(), SyntaxError> {
        let blocks = self.u().blocks.len();
        self.u().loops.push(Loop { cont: top, breaks: Vec::new(), is_for, blocks });
        self.block(body)?;
        self.emit(Op::Jump(top));
        let lp = self.u().loops.pop().unwrap();
        self.patch(exit);
        self.block(orelse)?;
        for b in lp.breaks {
            self.patch(b);
        }
        Ok(())
    }

    fn block(&mut self, body: &[Stmt]) -> Result<(), SyntaxError> {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    /// Leave the blocks above `keep` (a break, continue or return).
    fn unwind_to(&mut self, keep: usize) -> Result<(), SyntaxError> {
        let mut i = self.u().blocks.len();
        while i > keep {
            i -= 1;
            self.emit(Op::PopBlock);
            match &self.u().blocks[i] {
                Block::Except => {}
                Block::Finally(body) => {
                    let body = body.clone();
                    let saved: Vec<Block> = self.u().blocks.drain(i..).collect();
                    self.block(&body)?;
                    self.u().blocks.extend(saved);
                }
                Block::With(slot) => {
                    let slot = *slot;
                    self.emit(Op::LoadFast(slot));
                    self.emit(Op::WithExit);
                }
            }
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), SyntaxError> {
        self.u().line = s.line;
        match &s.kind {
            StmtKind::Expr(e) => {
                self.expr(e)?;
                self.emit(Op::Pop);
            }
            StmtKind::Pass => {}
            StmtKind::Assign(targets, value) => {
                self.expr(value)?;
                for (i, t) in targets.iter().enumerate() {
                    if i + 1 < targets.len() {
                        self.emit(Op::Dup);
                    }
                    self.store(t)?;
                }
            }
            StmtKind::AugAssign(t, op, value) => match &t.kind {
                ExprKind::Name(n) => {
                    self.load_name(n);
                    self.expr(value)?;
                    self.emit(Op::Inplace(*op));
                    self.store_name(n);
                }
                ExprKind::Subscript(obj, idx) => {
                    let (a, b) = (self.u().hidden(), self.u().hidden());
                    self.expr(obj)?;
                    self.emit(Op::StoreFast(a));
                    self.expr(idx)?;
                    self.emit(Op::StoreFast(b));
                    self.emit(Op::LoadFast(a));
                    self.emit(Op::LoadFast(b));
                    self.emit(Op::Subscr);
                    self.expr(value)?;
                    self.emit(Op::Inplace(*op));
                    self.emit(Op::LoadFast(a));
                    self.emit(Op::LoadFast(b));
                    self.emit(Op::StoreSubscr);
                }
                ExprKind::Attr(obj, name) => {
                    // `obj.x += v`: a read, then a separate write (as CPython).
                    let a = self.u().hidden();
                    self.expr(obj)?;
                    self.emit(Op::StoreFast(a));
                    self.emit(Op::LoadFast(a));
                    let k = self.str_const(name);
                    self.emit(Op::LoadAttr(k));
                    self.expr(value)?;
                    self.emit(Op::Inplace(*op));
                    self.emit(Op::LoadFast(a));
                    self.emit(Op::StoreAttr(k));
                }
                _ => return self.err("illegal expression for augmented assignment", s.line, s.col),
            },
            StmtKind::If(cond, body, orelse) => {
                self.expr(cond)?;
                let j = self.emit(Op::PopJumpIfFalse(0));
                self.block(body)?;
                if orelse.is_empty() {
                    self.patch(j);
                } else {
                    let end = self.emit(Op::Jump(0));
                    self.patch(j);
                    self.block(orelse)?;
                    self.patch(end);
                }
            }
            StmtKind::While(cond, body, orelse) => {
                let top = self.here();
                self.expr(cond)?;
                let exit = self.emit(Op::PopJumpIfFalse(0));
                self.loop_body(top, exit, false, body, orelse)?;
            }
            StmtKind::For(target, iter, body, orelse) => {
                self.expr(iter)?;
                self.emit(Op::GetIter);
                let top = self.here();
                let exit = self.emit(Op::ForIter(0));
                self.store(target)?;
                self.loop_body(top, exit, true, body, orelse)?;
            }
            StmtKind::Break | StmtKind::Continue => {
                let Some(lp) = self.u().loops.last() else {
                    return self.err("'break' outside loop", s.line, s.col);
                };
                let (keep, is_for, cont) = (lp.blocks, lp.is_for, lp.cont);
                self.unwind_to(keep)?;
                if matches!(s.kind, StmtKind::Break) {
                    if is_for {
                        self.emit(Op::Pop);
                    }
                    let j = self.emit(Op::Jump(0));
                    self.u().loops.last_mut().unwrap().breaks.push(j);
                } else {
                    self.emit(Op::Jump(cont));
                }
            }
            StmtKind::Return(value) => {
                match value {
                    Some(v) => self.expr(v)?,
                    None => {
                        self.emit(Op::LoadNone);
                    }
                }
                if self.u().blocks.iter().any(|b| !matches!(b, Block::Except)) {
                    let t = self.u().hidden();
                    self.emit(Op::StoreFast(t));
                    self.unwind_to(0)?;
                    self.emit(Op::LoadFast(t));
                }
                self.emit(Op::Return);
            }
            StmtKind::Def(f) => {
                self.function(f)?;
                self.store_name(&f.name);
            }
            StmtKind::Class(c) => {
                self.class(c)?;
                self.store_name(&c.name);
            }
            StmtKind::Global(names) => {
                for n in names {
                    if !self.u().is_module && self.u().slots.contains_key(n) && !self.u().declared_global.contains(n) {
                        return self.err(format!("name '{n}' is assigned to before global declaration"), s.line, s.col);
                    }
                    self.u().declared_global.insert(n.clone());
                }
            }
            StmtKind::Nonlocal(names) => {
                for n in names {
                    if !self.u().frees.contains(n) {
                        return self.err(format!("no binding for nonlocal '{n}' found"), s.line, s.col);
                    }
                }
            }
            StmtKind::Try { body, handlers, orelse, finally } => self.try_stmt(body, handlers, orelse, finally)?,
            StmtKind::Raise(e) => match e {
                Some(e) => {
                    self.expr(e)?;
                    self.emit(Op::Raise);
                }
                None => match self.u().exc_slots.last() {
                    Some(&slot) => {
                        self.emit(Op::LoadFast(slot));
                        self.emit(Op::Reraise);
                    }
                    None => {
                        self.emit(Op::NoReraise);
                    }
                },
            },
            StmtKind::Assert(test, msg) => {
                self.expr(test)?;
                let ok = self.emit(Op::PopJumpIfTrue(0));
                match msg {
                    Some(m) => self.expr(m)?,
                    None => {
                        self.emit(Op::LoadNone);
                    }
                }
                self.emit(Op::AssertFail);
                self.patch(ok);
            }
            StmtKind::Del(targets) => {
                for t in targets {
                    match &t.kind {
                        ExprKind::Name(n) => match self.resolve(n) {
                            Name::Fast(s) => {
                                self.emit(Op::DelFast(s));
                            }
                            Name::Global(g) => {
                                self.emit(Op::DelGlobal(g));
                            }
                            Name::Deref(_) => return self.err("deleting a variable a closure uses is not supported", t.line, t.col),
                        },
                        ExprKind::Subscript(o, i) => {
                            self.expr(o)?;
                            self.expr(i)?;
                            self.emit(Op::DelSubscr);
                        }
                        _ => return self.err("cannot delete expression", t.line, t.col),
                    }
                }
            }
            StmtKind::Import(items) => {
                for (m, bound) in items {
                    self.check_module(m, &format!("import {m}"), s)?;
                    // `import concurrent.futures` binds `concurrent`.
                    let m = match m.split_once('.') {
                        Some((top, _)) if top == bound => top,
                        _ => m.as_str(),
                    };
                    if let Some(module) = super::value::Module::from_name(m) {
                        self.modules.insert(bound.clone(), module);
                    }
                    let k = self.str_const(m);
                    self.emit(Op::Import(k));
                    self.store_name(bound);
                }
            }
            StmtKind::ImportFrom(m, items) => {
                self.check_module(m, &format!("from {m} import …"), s)?;
                let k = self.str_const(m);
                self.emit(Op::Import(k));
                for (name, bound) in items {
                    self.check_attr(m, name, s.line, s.col)?;
                    self.emit(Op::Dup);
                    let n = self.str_const(name);
                    self.emit(Op::LoadAttr(n));
                    self.store_name(bound);
                }
                self.emit(Op::Pop);
            }
            StmtKind::With(e, target, body) => {
                let slot = self.u().hidden();
                self.expr(e)?;
                self.emit(Op::Dup);
                self.emit(Op::StoreFast(slot));
                self.emit(Op::WithEnter);
                match target {
                    Some(t) => self.store(t)?,
                    None => {
                        self.emit(Op::Pop);
                    }
                }
                let setup = self.emit(Op::SetupExcept(0));
                self.u().blocks.push(Block::With(slot));
                self.block(body)?;
                self.u().blocks.pop();
                self.emit(Op::PopBlock);
                self.emit(Op::LoadFast(slot));
                self.emit(Op::WithExit);
                let end = self.emit(Op::Jump(0));
                self.patch(setup);
                self.emit(Op::LoadFast(slot));
                self.emit(Op::WithExit);
                self.emit(Op::Reraise);
                self.patch(end);
            }
        }
        Ok(())
    }

    /// `m.name` or `from m import name`: refused unless module `m` has it.
    fn check_attr(&self, m: &str, name: &str, line: u32, col: u32) -> Result<(), SyntaxError> {
        let Some(module) = super::value::Module::from_name(m) else { return Ok(()) };
        let has = super::builtins::attributes(module);
        if has.contains(&name) {
            return Ok(());
        }
        self.err(format!("`{m}.{name}`: ThreadLab's Python has, of `{m}`, only {}", has.join(", ")), line, col)
    }

    /// `alias.name` where `alias` is an imported module's global name.
    fn check_module_attr(&mut self, obj: &Expr, name: &str) -> Result<(), SyntaxError> {
        if let ExprKind::Name(n) = &obj.kind {
            if let Some(m) = self.modules.get(n.as_str()) {
                let m = m.name();
                if matches!(self.resolve(n), Name::Global(_)) {
                    return self.check_attr(m, name, obj.line, obj.col);
                }
            }
        }
        Ok(())
    }

    /// `import m` or `from m import …` (`what`): refused unless `m` is one of [`MODULES`].
    fn check_module(&self, m: &str, what: &str, s: &Stmt) -> Result<(), SyntaxError> {
        if MODULES.contains(&m) {
            Ok(())
        } else {
            let (last, rest) = MODULES.split_last().unwrap_or((&"", &[]));
            self.err(format!("`{what}`: ThreadLab's Python has the modules {} and {last}", rest.join(", ")), s.line, s.col)
        }
    }

    fn try_stmt(&mut self, body: &[Stmt], handlers: &[Handler], orelse: &[Stmt], finally: &[Stmt]) -> Result<(), SyntaxError> {
        let fin_setup = if finally.is_empty() {
            None
        } else {
            let at = self.emit(Op::SetupExcept(0));
            self.u().blocks.push(Block::Finally(finally.to_vec()));
            Some(at)
        };
        if handlers.is_empty() {
            self.block(body)?;
        } else {
            let setup = self.emit(Op::SetupExcept(0));
            self.u().blocks.push(Block::Except);
            self.block(body)?;
            self.u().blocks.pop();
            self.emit(Op::PopBlock);
            self.block(orelse)?;
            let mut ends = vec![self.emit(Op::Jump(0))];
            self.patch(setup);
            let hidden = self.u().hidden();
            for h in handlers {
                self.u().line = h.line;
                let mut next = None;
                if let Some(k) = &h.kind {
                    self.emit(Op::Dup);
                    self.expr(k)?;
                    self.emit(Op::ExcMatch);
                    next = Some(self.emit(Op::PopJumpIfFalse(0)));
                }
                self.emit(Op::StoreFast(hidden));
                if let Some(n) = &h.name {
                    self.emit(Op::LoadFast(hidden));
                    self.store_name(n);
                }
                self.u().exc_slots.push(hidden);
                self.block(&h.body)?;
                self.u().exc_slots.pop();
                ends.push(self.emit(Op::Jump(0)));
                if let Some(n) = next {
                    self.patch(n);
                }
            }
            self.emit(Op::Reraise);
            for e in ends {
                self.patch(e);
            }
        }
        if let Some(at) = fin_setup {
            self.u().blocks.pop();
            self.emit(Op::PopBlock);
            self.block(finally)?;
            let end = self.emit(Op::Jump(0));
            self.patch(at);
            let hidden = self.u().hidden();
            self.emit(Op::StoreFast(hidden));
            self.block(finally)?;
            self.emit(Op::LoadFast(hidden));
            self.emit(Op::Reraise);
            self.patch(end);
        }
        Ok(())
    }

    fn store(&mut self, t: &Expr) -> Result<(), SyntaxError> {
        match &t.kind {
            ExprKind::Name(n) => self.store_name(n),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let star = items.iter().position(|i| matches!(i.kind, ExprKind::Starred(_)));
                match star {
                    None => {
                        self.emit(Op::UnpackSeq(items.len() as u32));
                    }
                    Some(k) => {
                        self.emit(Op::UnpackEx(k as u32, (items.len() - k - 1) as u32));
                    }
                }
                for i in items {
                    match &i.kind {
                        ExprKind::Starred(inner) => self.store(inner)?,
                        _ => self.store(i)?,
                    }
                }
            }
            ExprKind::Subscript(obj, idx) => {
                self.expr(obj)?;
                self.expr(idx)?;
                self.emit(Op::StoreSubscr);
            }
            ExprKind::Attr(obj, name) => {
                self.expr(obj)?;
                let k = self.str_const(name);
                self.emit(Op::StoreAttr(k));
            }
            _ => return self.err("cannot assign to expression", t.line, t.col),
        }
        Ok(())
    }

    /// `class Name(Base): body`: the body runs here, its names bound in
    /// slots of their own (renamed as a comprehension's), then the class is
    /// built from them. Methods are functions of this scope (a method does
    /// not see the class body's names, as in Python).
    fn class(&mut self, c: &ClassDef) -> Result<(), SyntaxError> {
        // Special methods the VM would not call are refused, not ignored.
        for st in &c.body {
            if let StmtKind::Def(f) = &st.kind {
                if f.name.starts_with("__") && f.name.ends_with("__") && !SPECIAL_METHODS.contains(&f.name.as_str()) {
                    return self.err(format!("`{}` is not supported in ThreadLab's Python: a class may define {} (objects compare and hash by identity)", f.name, SPECIAL_METHODS.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")), st.line, st.col);
                }
            }
        }
        // The body's names in the order they are first bound.
        let mut names: Vec<String> = Vec::new();
        for st in &c.body {
            let mut one = Scan::default();
            one.stmt(st);
            let mut new: Vec<String> = one.assigned.into_iter().filter(|n| !names.contains(n)).collect();
            new.sort();
            names.extend(new);
        }
        match &c.base {
            Some(b) => self.expr(b)?,
            None => {
                self.emit(Op::LoadNone);
            }
        }
        let first = self.u().code.nslots;
        let mut renames = HashMap::new();
        for n in &names {
            let s = self.u().hidden();
            renames.insert(n.clone(), s);
            self.emit(Op::DelFast(s));
        }
        self.u().renames.push(renames);
        let r = self.block(&c.body);
        self.u().renames.pop();
        r?;
        self.u().line = c.line;
        let all: Vec<Arc<str>> = std::iter::once(c.name.as_str()).chain(names.iter().map(String::as_str)).map(Arc::from).collect();
        let k = self.konst(Const::Names(all.into()));
        self.emit(Op::BuildClass(k, first));
        Ok(())
    }

    fn function(&mut self, f: &FuncDef) -> Result<(), SyntaxError> {
        let line = f.line;
        for p in &f.params {
            if let Some(d) = &p.default {
                self.expr(d)?;
            }
        }
        let ndefaults = f.params.iter().filter(|p| p.default.is_some()).count() as u32;
        let mut scan = Scan::default();
        scan.stmts(&f.body);
        let locals = locals_of(f, &scan);
        // Which names come from enclosing functions (not the module).
        let mut frees: Vec<String> = free_of(f, 0)
            .into_iter()
            .filter(|n| self.units.iter().skip(1).any(|u| (u.slots.contains_key(n) && !u.declared_global.contains(n)) || u.frees.contains(n)))
            .collect();
        frees.sort();
        let mut cells = HashSet::new();
        for child in &scan.nested {
            for n in free_of(child, 0) {
                if locals.contains(&n) {
                    cells.insert(n);
                }
            }
        }
        let mut unit = Unit::new(&f.name, false);
        unit.line = line;
        unit.declared_global = scan.globals.clone();
        for p in &f.params {
            unit.slot(&p.name);
        }
        unit.code.nparams = f.params.len() as u32;
        unit.code.param_names = f.params.iter().map(|p| Arc::from(p.name.as_str())).collect();
        if let Some(v) = &f.vararg {
            unit.slot(v);
            unit.code.vararg = true;
        }
        if let Some(Stmt { kind: StmtKind::Expr(Expr { kind: ExprKind::Str(d), .. }), .. }) = f.body.first() {
            unit.code.doc = Some(Arc::from(d.as_str()));
        }
        if let Some(k) = &f.kwarg {
            unit.slot(k);
            unit.code.varkw = true;
        }
        let mut rest: Vec<&String> = locals.iter().collect();
        rest.sort();
        for n in rest {
            unit.slot(n);
        }
        for n in &frees {
            let s = unit.slot(n);
            unit.code.free_slots.push(s);
            unit.frees.insert(n.clone());
        }
        unit.cells = cells.clone();
        // Load the closure cells from this (enclosing) scope.
        for n in &frees {
            match self.resolve(n) {
                Name::Deref(s) | Name::Fast(s) => {
                    self.emit(Op::LoadCell(s));
                }
                Name::Global(_) => return self.err(format!("no binding for free variable '{n}'"), line, 1),
            }
        }
        self.units.push(unit);
        let mut cell_slots: Vec<u32> = cells.iter().map(|n| self.u().slots[n]).collect();
        cell_slots.sort();
        for s in cell_slots {
            self.emit(Op::MakeCell(s));
        }
        self.block(&f.body)?;
        self.emit(Op::LoadNone);
        self.emit(Op::Return);
        let unit = self.units.pop().unwrap();
        let code = Arc::new(unit.finish());
        let k = self.konst(Const::Code(code));
        self.emit(Op::MakeFunction(k, ndefaults, frees.len() as u32));
        Ok(())
    }

    fn comprehension(&mut self, kind: u8, elt: &Expr, val: Option<&Expr>, comps: &[Comp]) -> Result<(), SyntaxError> {
        match kind {
            0 => self.emit(Op::BuildList(0)),
            1 => self.emit(Op::BuildSet(0)),
            _ => self.emit(Op::BuildDict(0)),
        };
        let mut renames = HashMap::new();
        let mut tops = Vec::new();
        for (depth, c) in comps.iter().enumerate() {
            self.expr(&c.iter)?;
            self.emit(Op::GetIter);
            let top = self.here();
            let exit = self.emit(Op::ForIter(0));
            if depth == 0 {
                self.u().renames.push(HashMap::new());
            }
            let mut names = Vec::new();
            collect_names(&c.target, &mut names);
            for n in names {
                let s = self.u().hidden();
                renames.insert(n.clone(), s);
                self.u().renames.last_mut().unwrap().insert(n, s);
            }
            self.store(&c.target)?;
            let mut skips = Vec::new();
            for cond in &c.ifs {
                self.expr(cond)?;
                skips.push(self.emit(Op::PopJumpIfFalse(top)));
            }
            tops.push((top, exit));
        }
        let n = comps.len() as u32;
        self.expr(elt)?;
        match (kind, val) {
            (0, _) => {
                self.emit(Op::ListAppend(n));
            }
            (1, _) => {
                self.emit(Op::SetAdd(n));
            }
            (_, Some(v)) => {
                self.expr(v)?;
                self.emit(Op::DictSet(n));
            }
            _ => {}
        }
        for (top, exit) in tops.into_iter().rev() {
            self.emit(Op::Jump(top));
            self.patch(exit);
        }
        self.u().renames.pop();
        Ok(())
    }

    fn call(&mut self, f: &Expr, args: &[Arg]) -> Result<(), SyntaxError> {
        if let ExprKind::Name(n) = &f.kind {
            if n == "super" && matches!(self.resolve_peek(n), Some(true)) {
                match args {
                    [] if !self.u().is_module => {
                        self.emit(Op::Super(0));
                        return Ok(());
                    }
                    [Arg::Pos(cls), Arg::Pos(obj)] => {
                        self.expr(cls)?;
                        self.expr(obj)?;
                        self.emit(Op::Super(2));
                        return Ok(());
                    }
                    _ => return self.err("super() takes no arguments in a method, or (class, object)", f.line, f.col),
                }
            }
        }
        let simple = args.iter().all(|a| matches!(a, Arg::Pos(_)));
        let has_star = args.iter().any(|a| matches!(a, Arg::Star(_) | Arg::DoubleStar(_)));
        if let (ExprKind::Attr(obj, name), true) = (&f.kind, simple) {
            self.check_module_attr(obj, name)?;
            self.expr(obj)?;
            for a in args {
                if let Arg::Pos(e) = a {
                    self.expr(e)?;
                }
            }
            let k = self.str_const(name);
            self.emit(Op::CallMethod(k, args.len() as u32));
            return Ok(());
        }
        self.expr(f)?;
        if has_star {
            self.emit(Op::BuildList(0));
            for a in args {
                match a {
                    Arg::Pos(e) => {
                        self.expr(e)?;
                        self.emit(Op::ListAppend(0));
                    }
                    Arg::Star(e) => {
                        self.expr(e)?;
                        self.emit(Op::ListExtend);
                    }
                    Arg::Kw(..) | Arg::DoubleStar(_) => {}
                }
            }
            if !args.iter().any(|a| matches!(a, Arg::Kw(..) | Arg::DoubleStar(_))) {
                self.emit(Op::CallList);
                return Ok(());
            }
            self.emit(Op::BuildDict(0));
            for a in args {
                match a {
                    Arg::Kw(n, e) => {
                        self.emit(Op::BuildDict(0));
                        let k = self.str_const(n);
                        self.emit(Op::LoadConst(k));
                        self.expr(e)?;
                        self.emit(Op::DictSet(0));
                        self.emit(Op::DictMerge);
                    }
                    Arg::DoubleStar(e) => {
                        self.expr(e)?;
                        self.emit(Op::DictMerge);
                    }
                    Arg::Pos(_) | Arg::Star(_) => {}
                }
            }
            self.emit(Op::CallEx);
            return Ok(());
        }
        let mut names: Vec<Arc<str>> = Vec::new();
        for a in args {
            match a {
                Arg::Pos(e) => self.expr(e)?,
                Arg::Kw(n, e) => {
                    self.expr(e)?;
                    names.push(Arc::from(n.as_str()));
                }
                Arg::Star(_) | Arg::DoubleStar(_) => {}
            }
        }
        if names.is_empty() {
            self.emit(Op::Call(args.len() as u32));
        } else {
            let k = self.konst(Const::Names(names.into()));
            self.emit(Op::CallKw(args.len() as u32, k));
        }
        Ok(())
    }

    fn fstring(&mut self, parts: &[FStrPart]) -> Result<(), SyntaxError> {
        let mut n = 0;
        for p in parts {
            match p {
                FStrPart::Lit(s) => {
                    let k = self.str_const(s);
                    self.emit(Op::LoadConst(k));
                }
                FStrPart::Field { value, conv, spec, debug } => {
                    if let Some(d) = debug {
                        let k = self.str_const(d);
                        self.emit(Op::LoadConst(k));
                        n += 1;
                    }
                    self.expr(value)?;
                    if !spec.is_empty() {
                        self.fstring(spec)?;
                    }
                    self.emit(Op::FormatValue(conv.map_or(0, |c| c as u8), !spec.is_empty()));
                }
            }
            n += 1;
        }
        self.emit(Op::BuildString(n));
        Ok(())
    }

    fn expr(&mut self, e: &Expr) -> Result<(), SyntaxError> {
        match &e.kind {
            ExprKind::Name(n) => self.load_name(n),
            ExprKind::Int(v) => {
                self.emit(Op::LoadInt(*v));
            }
            ExprKind::BigInt(v) => {
                let k = self.konst(Const::Big(Arc::new(v.clone())));
                self.emit(Op::LoadConst(k));
            }
            ExprKind::Float(v) => {
                let k = self.konst(Const::Float(*v));
                self.emit(Op::LoadConst(k));
            }
            ExprKind::Str(s) => {
                let k = self.str_const(s);
                self.emit(Op::LoadConst(k));
            }
            ExprKind::FStr(parts) => self.fstring(parts)?,
            ExprKind::True => {
                self.emit(Op::LoadTrue);
            }
            ExprKind::False => {
                self.emit(Op::LoadFalse);
            }
            ExprKind::None => {
                self.emit(Op::LoadNone);
            }
            ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Set(items) => {
                let starred = items.iter().any(|i| matches!(i.kind, ExprKind::Starred(_)));
                if starred {
                    self.emit(Op::BuildList(0));
                    for i in items {
                        if let ExprKind::Starred(inner) = &i.kind {
                            self.expr(inner)?;
                            self.emit(Op::ListExtend);
                        } else {
                            self.expr(i)?;
                            self.emit(Op::ListAppend(0));
                        }
                    }
                    match &e.kind {
                        ExprKind::Tuple(_) => {
                            self.emit(Op::ListToTuple);
                        }
                        ExprKind::Set(_) => return self.err("`*` in a set display is not supported", e.line, e.col),
                        _ => {}
                    }
                    return Ok(());
                }
                for i in items {
                    self.expr(i)?;
                }
                let n = items.len() as u32;
                self.emit(match &e.kind {
                    ExprKind::List(_) => Op::BuildList(n),
                    ExprKind::Tuple(_) => Op::BuildTuple(n),
                    _ => Op::BuildSet(n),
                });
            }
            ExprKind::Dict(items) => {
                for (k, v) in items {
                    self.expr(k)?;
                    self.expr(v)?;
                }
                self.emit(Op::BuildDict(items.len() as u32));
            }
            ExprKind::Bin(a, op, b) => {
                self.expr(a)?;
                self.expr(b)?;
                self.emit(Op::Binary(*op));
            }
            ExprKind::Unary(op, a) => {
                self.expr(a)?;
                self.emit(Op::Unary(*op));
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                self.expr(a)?;
                let j = self.emit(if matches!(e.kind, ExprKind::And(..)) { Op::JumpIfFalseOrPop(0) } else { Op::JumpIfTrueOrPop(0) });
                self.expr(b)?;
                self.patch(j);
            }
            ExprKind::Compare(first, rest) => {
                self.expr(first)?;
                if rest.len() == 1 {
                    self.expr(&rest[0].1)?;
                    self.emit(Op::Compare(rest[0].0));
                } else {
                    let mut fails = Vec::new();
                    for (i, (op, r)) in rest.iter().enumerate() {
                        self.expr(r)?;
                        if i + 1 < rest.len() {
                            self.emit(Op::Dup);
                            self.emit(Op::Rot3);
                            self.emit(Op::Compare(*op));
                            fails.push(self.emit(Op::JumpIfFalseOrPop(0)));
                        } else {
                            self.emit(Op::Compare(*op));
                        }
                    }
                    let end = self.emit(Op::Jump(0));
                    for f in fails {
                        self.patch(f);
                    }
                    self.emit(Op::Rot2);
                    self.emit(Op::Pop);
                    self.patch(end);
                }
            }
            ExprKind::IfExp(c, a, b) => {
                self.expr(c)?;
                let j = self.emit(Op::PopJumpIfFalse(0));
                self.expr(a)?;
                let end = self.emit(Op::Jump(0));
                self.patch(j);
                self.expr(b)?;
                self.patch(end);
            }
            ExprKind::Call(f, args) => self.call(f, args)?,
            ExprKind::Attr(obj, name) => {
                self.check_module_attr(obj, name)?;
                self.expr(obj)?;
                let k = self.str_const(name);
                self.emit(Op::LoadAttr(k));
            }
            ExprKind::Subscript(obj, idx) => {
                self.expr(obj)?;
                self.expr(idx)?;
                self.emit(Op::Subscr);
            }
            ExprKind::Slice(a, b, c) => {
                for x in [a, b, c] {
                    match x {
                        Some(x) => self.expr(x)?,
                        None => {
                            self.emit(Op::LoadNone);
                        }
                    }
                }
                self.emit(Op::BuildSlice);
            }
            ExprKind::Lambda(f) => self.function(f)?,
            ExprKind::ListComp(elt, comps) | ExprKind::GenExp(elt, comps) => self.comprehension(0, elt, None, comps)?,
            ExprKind::SetComp(elt, comps) => self.comprehension(1, elt, None, comps)?,
            ExprKind::DictComp(k, v, comps) => self.comprehension(2, k, Some(v), comps)?,
            ExprKind::Starred(_) => return self.err("can't use starred expression here", e.line, e.col),
            ExprKind::Walrus(n, v) => {
                self.expr(v)?;
                self.emit(Op::Dup);
                self.store_name(n);
            }
        }
        Ok(())
    }
}

fn collect_names(t: &Expr, out: &mut Vec<String>) {
    match &t.kind {
        ExprKind::Name(n) => out.push(n.clone()),
        ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().for_each(|i| collect_names(i, out)),
        ExprKind::Starred(i) => collect_names(i, out),
        _ => {}
    }
}
