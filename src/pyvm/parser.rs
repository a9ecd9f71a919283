//! A recursive-descent parser from tokens to the syntax tree. Nesting is
//! bounded ([`MAX_DEPTH`]) so hostile input gets a `SyntaxError`, never a
//! native stack overflow. Constructs outside the subset (multiple
//! inheritance, generators, async, class decorators, `match`) are refused
//! here, naming the construct. A decorated `def` becomes the `def` and
//! `name = decorator(name)`.

use std::sync::Arc;

use super::ast::*;
use super::error::SyntaxError;
use super::lexer::{tokenize, FPart, Tok, Token};

/// How deeply expressions may nest (each bracket, unary operator, lambda,
/// ternary and chained operator level counts).
pub const MAX_DEPTH: usize = 100;
/// The longest chain of binary operators in one expression (the compiler
/// walks the tree recursively).
const MAX_CHAIN: usize = 2000;

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// Parse a whole module.
pub fn parse(src: &str) -> Result<Vec<Stmt>, SyntaxError> {
    let toks = tokenize(src)?;
    let mut p = Parser { toks, pos: 0, depth: 0, chain: 0, in_func: 0, in_loop: 0 };
    let mut body = Vec::new();
    while !p.at(&Tok::Eof) {
        if p.at(&Tok::Indent) {
            return p.fail("unexpected indent");
        }
        p.statement(&mut body)?;
    }
    Ok(body)
}

/// Parse one expression (an f-string's field).
fn parse_expr_src(src: &str, line: u32, col: u32, depth: usize) -> Result<Expr, SyntaxError> {
    let wrapped = format!("({})", src.trim());
    let mut toks = tokenize(&wrapped).map_err(|e| SyntaxError::new(format!("f-string: {}", e.message), line, col))?;
    for t in &mut toks {
        t.line = line;
        t.col = col;
    }
    let mut p = Parser { toks, pos: 0, depth, chain: 0, in_func: 0, in_loop: 0 };
    let e = p.test()?;
    if !p.at(&Tok::Newline) {
        return p.fail("f-string: invalid syntax");
    }
    Ok(e)
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    chain: usize,
    in_func: usize,
    in_loop: usize,
}

fn is_kw(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

impl Parser {
    fn tok(&self) -> &Tok {
        &self.toks[self.pos].tok
    }
    fn peek_tok(&self, k: usize) -> &Tok {
        &self.toks[(self.pos + k).min(self.toks.len() - 1)].tok
    }
    fn here(&self) -> (u32, u32) {
        let t = &self.toks[self.pos];
        (t.line, t.col)
    }
    fn at(&self, t: &Tok) -> bool {
        self.tok() == t
    }
    fn at_op(&self, op: &str) -> bool {
        matches!(self.tok(), Tok::Op(o) if *o == op)
    }
    fn at_kw(&self, kw: &str) -> bool {
        matches!(self.tok(), Tok::Name(n) if n == kw)
    }
    fn advance(&mut self) -> Tok {
        let t = self.toks[self.pos].tok.clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }
    fn eat_op(&mut self, op: &str) -> bool {
        if self.at_op(op) {
            self.advance();
            true
        } else {
            false
        }
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.at_kw(kw) {
            self.advance();
            true
        } else {
            false
        }
    }
    fn fail<T>(&self, msg: impl Into<String>) -> Result<T, SyntaxError> {
        let (l, c) = self.here();
        Err(SyntaxError::new(msg, l, c))
    }
    fn invalid<T>(&self) -> Result<T, SyntaxError> {
        match self.tok() {
            Tok::Indent => self.fail("unexpected indent"),
            Tok::Dedent => self.fail("unindent does not match any outer indentation level"),
            Tok::Eof => self.fail("unexpected EOF while parsing"),
            _ => self.fail("invalid syntax"),
        }
    }
    fn expect_op(&mut self, op: &str) -> Result<(), SyntaxError> {
        if self.eat_op(op) {
            Ok(())
        } else if matches!(self.tok(), Tok::Newline | Tok::Eof) || op == ":" {
            self.fail(format!("expected '{op}'"))
        } else {
            self.invalid()
        }
    }
    fn name(&mut self) -> Result<String, SyntaxError> {
        match self.tok().clone() {
            Tok::Name(n) if !is_kw(&n) => {
                self.advance();
                Ok(n)
            }
            _ => self.invalid(),
        }
    }
    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail("too many nested parentheses or expressions (ThreadLab allows 100 levels)");
        }
        Ok(())
    }
    fn leave(&mut self) {
        self.depth -= 1;
    }
    fn mk(&self, kind: ExprKind, at: (u32, u32)) -> Expr {
        Expr { kind, line: at.0, col: at.1 }
    }

    // ---- statements ----

    fn statement(&mut self, out: &mut Vec<Stmt>) -> Result<(), SyntaxError> {
        let at = self.here();
        let kw = match self.tok() {
            Tok::Name(n) => n.clone(),
            Tok::Op("@") => return self.decorated(out),
            _ => String::new(),
        };
        let st = |kind| Stmt { kind, line: at.0, col: at.1 };
        match kw.as_str() {
            "if" => {
                self.advance();
                out.push(st(self.if_rest()?));
            }
            "while" => {
                self.advance();
                let cond = self.named_test()?;
                self.expect_op(":")?;
                self.in_loop += 1;
                let body = self.block()?;
                self.in_loop -= 1;
                let orelse = if self.eat_kw("else") {
                    self.expect_op(":")?;
                    self.block()?
                } else {
                    Vec::new()
                };
                out.push(st(StmtKind::While(cond, body, orelse)));
            }
            "for" => {
                self.advance();
                let target = self.target_list()?;
                if !self.eat_kw("in") {
                    return self.fail("expected 'in'");
                }
                let iter = self.testlist()?;
                self.expect_op(":")?;
                self.in_loop += 1;
                let body = self.block()?;
                self.in_loop -= 1;
                let orelse = if self.eat_kw("else") {
                    self.expect_op(":")?;
                    self.block()?
                } else {
                    Vec::new()
                };
                out.push(st(StmtKind::For(target, iter, body, orelse)));
            }
            "def" => {
                self.advance();
                let f = self.funcdef(at.0)?;
                out.push(st(StmtKind::Def(Arc::new(f))));
            }
            "try" => {
                self.advance();
                out.push(st(self.try_rest()?));
            }
            "with" => {
                self.advance();
                let e = self.test()?;
                let target = if self.eat_kw("as") { Some(self.target()?) } else { None };
                if self.at_op(",") {
                    return self.fail("a `with` statement with several items is not supported in ThreadLab's Python");
                }
                self.expect_op(":")?;
                let body = self.block()?;
                out.push(st(StmtKind::With(e, target, body)));
            }
            "class" => {
                self.advance();
                let c = self.classdef(at.0)?;
                out.push(st(StmtKind::Class(Arc::new(c))));
            }
            "async" => return self.fail("`async` is not supported in ThreadLab's Python"),
            "match" if matches!(self.peek_tok(1), Tok::Name(_)) && !matches!(self.peek_tok(1), Tok::Name(n) if is_kw(n)) => {
                return self.fail("`match` is not supported in ThreadLab's Python");
            }
            "elif" | "else" | "except" | "finally" => return self.invalid(),
            _ => {
                loop {
                    out.push(self.simple()?);
                    if !self.eat_op(";") || self.at(&Tok::Newline) {
                        break;
                    }
                }
                if !self.at(&Tok::Newline) {
                    return self.invalid();
                }
                self.advance();
            }
        }
        Ok(())
    }

    fn block(&mut self) -> Result<Vec<Stmt>, SyntaxError> {
        let mut body = Vec::new();
        if self.at(&Tok::Newline) {
            self.advance();
            if !self.at(&Tok::Indent) {
                return self.fail("expected an indented block");
            }
            self.advance();
            while !self.at(&Tok::Dedent) && !self.at(&Tok::Eof) {
                self.statement(&mut body)?;
            }
            self.advance();
        } else {
            loop {
                body.push(self.simple()?);
                if !self.eat_op(";") || self.at(&Tok::Newline) {
                    break;
                }
            }
            if !self.at(&Tok::Newline) {
                return self.invalid();
            }
            self.advance();
        }
        Ok(body)
    }

    fn if_rest(&mut self) -> Result<StmtKind, SyntaxError> {
        let cond = self.named_test()?;
        self.expect_op(":")?;
        let body = self.block()?;
        let at = self.here();
        let orelse = if self.eat_kw("elif") {
            vec![Stmt { kind: self.if_rest()?, line: at.0, col: at.1 }]
        } else if self.eat_kw("else") {
            self.expect_op(":")?;
            self.block()?
        } else {
            Vec::new()
        };
        Ok(StmtKind::If(cond, body, orelse))
    }

    fn try_rest(&mut self) -> Result<StmtKind, SyntaxError> {
        self.expect_op(":")?;
        let body = self.block()?;
        let mut handlers = Vec::new();
        while self.at_kw("except") {
            let line = self.here().0;
            self.advance();
            if self.at_op("*") {
                return self.fail("`except*` is not supported in ThreadLab's Python");
            }
            let (kind, name) = if self.at_op(":") {
                (None, None)
            } else {
                let k = self.test()?;
                let n = if self.eat_kw("as") { Some(self.name()?) } else { None };
                (Some(k), n)
            };
            self.expect_op(":")?;
            let hbody = self.block()?;
            handlers.push(Handler { kind, name, body: hbody, line });
        }
        let orelse = if !handlers.is_empty() && self.eat_kw("else") {
            self.expect_op(":")?;
            self.block()?
        } else {
            Vec::new()
        };
        let finally = if self.eat_kw("finally") {
            self.expect_op(":")?;
            self.block()?
        } else {
            Vec::new()
        };
        if handlers.is_empty() && finally.is_empty() {
            return self.fail("expected 'except' or 'finally' block");
        }
        Ok(StmtKind::Try { body, handlers, orelse, finally })
    }

    /// `@decorator` lines and the `def` they decorate: the `def`, then
    /// `name = decorator(name)` for each, the nearest first.
    fn decorated(&mut self, out: &mut Vec<Stmt>) -> Result<(), SyntaxError> {
        let mut decorators = Vec::new();
        while self.eat_op("@") {
            let d = self.test()?;
            if !self.at(&Tok::Newline) {
                return self.invalid();
            }
            self.advance();
            decorators.push(d);
        }
        let at = self.here();
        if self.at_kw("class") {
            return self.fail("class decorators (such as `@dataclass`) are not supported in ThreadLab's Python");
        }
        if !self.eat_kw("def") {
            return self.invalid();
        }
        let f = self.funcdef(at.0)?;
        let name = f.name.clone();
        out.push(Stmt { kind: StmtKind::Def(Arc::new(f)), line: at.0, col: at.1 });
        for d in decorators.into_iter().rev() {
            let (line, col) = (d.line, d.col);
            let arg = Expr { kind: ExprKind::Name(name.clone()), line, col };
            let call = Expr { kind: ExprKind::Call(Box::new(d), vec![Arg::Pos(arg)]), line, col };
            out.push(Stmt { kind: StmtKind::Assign(vec![Expr { kind: ExprKind::Name(name.clone()), line, col }], call), line, col });
        }
        Ok(())
    }

    /// `class Name(Base):` and its body (after `class`).
    fn classdef(&mut self, line: u32) -> Result<ClassDef, SyntaxError> {
        let name = self.name()?;
        let mut bases = Vec::new();
        if self.eat_op("(") {
            while !self.at_op(")") {
                if matches!(self.tok(), Tok::Name(_)) && matches!(self.peek_tok(1), Tok::Op("=")) {
                    return self.fail("keywords in a class statement (such as `metaclass=`) are not supported in ThreadLab's Python");
                }
                if self.at_op("*") || self.at_op("**") {
                    return self.invalid();
                }
                bases.push(self.test()?);
                if !self.eat_op(",") {
                    break;
                }
            }
            self.expect_op(")")?;
        }
        if bases.len() > 1 {
            let (l, c) = (bases[1].line, bases[1].col);
            return Err(SyntaxError::new("multiple inheritance (`class C(A, B)`) is not supported in ThreadLab's Python: a class has one base class", l, c));
        }
        self.expect_op(":")?;
        let saved_loop = std::mem::replace(&mut self.in_loop, 0);
        let saved_func = std::mem::replace(&mut self.in_func, 0);
        let body = self.block()?;
        self.in_loop = saved_loop;
        self.in_func = saved_func;
        Ok(ClassDef { name, base: bases.pop(), body, line })
    }

    fn funcdef(&mut self, line: u32) -> Result<FuncDef, SyntaxError> {
        let name = self.name()?;
        self.expect_op("(")?;
        let (params, vararg, kwarg) = self.params(")")?;
        self.expect_op(")")?;
        if self.eat_op("->") {
            self.test()?;
        }
        self.expect_op(":")?;
        self.in_func += 1;
        let saved_loop = std::mem::replace(&mut self.in_loop, 0);
        let body = self.block()?;
        self.in_loop = saved_loop;
        self.in_func -= 1;
        Ok(FuncDef { name, params, vararg, kwarg, body, line, is_lambda: false })
    }

    /// A `def`'s or a lambda's parameters: (plain ones, `*args`, `**kwargs`).
    fn params(&mut self, close: &str) -> Result<(Vec<Param>, Option<String>, Option<String>), SyntaxError> {
        let mut params: Vec<Param> = Vec::new();
        let mut vararg = None;
        let mut kwarg = None;
        while !self.at_op(close) {
            if kwarg.is_some() {
                return self.fail("arguments cannot follow var-keyword argument");
            }
            if self.eat_op("**") {
                let name = self.name()?;
                if params.iter().any(|p| p.name == name) || vararg.as_ref() == Some(&name) {
                    return self.fail(format!("duplicate argument '{name}' in function definition"));
                }
                kwarg = Some(name);
                self.eat_op(",");
                continue;
            }
            if self.eat_op("*") {
                if vararg.is_some() || self.at_op(",") {
                    return self.fail("keyword-only parameters are not supported in ThreadLab's Python");
                }
                vararg = Some(self.name()?);
            } else {
                if vararg.is_some() {
                    return self.fail("keyword-only parameters are not supported in ThreadLab's Python");
                }
                let name = self.name()?;
                if params.iter().any(|p| p.name == name) {
                    return self.fail(format!("duplicate argument '{name}' in function definition"));
                }
                if close == ")" && self.eat_op(":") {
                    self.test()?;
                }
                let default = if self.eat_op("=") { Some(self.test()?) } else { None };
                if default.is_none() && params.last().is_some_and(|p| p.default.is_some()) {
                    return self.fail("non-default argument follows default argument");
                }
                params.push(Param { name, default });
            }
            if !self.eat_op(",") {
                break;
            }
        }
        Ok((params, vararg, kwarg))
    }

    fn simple(&mut self) -> Result<Stmt, SyntaxError> {
        let at = self.here();
        let st = |kind| Stmt { kind, line: at.0, col: at.1 };
        let kw = match self.tok() {
            Tok::Name(n) => n.clone(),
            _ => String::new(),
        };
        let kind = match kw.as_str() {
            "pass" => {
                self.advance();
                StmtKind::Pass
            }
            "break" | "continue" => {
                if self.in_loop == 0 {
                    return self.fail(format!("'{kw}' outside loop"));
                }
                self.advance();
                if kw == "break" {
                    StmtKind::Break
                } else {
                    StmtKind::Continue
                }
            }
            "return" => {
                if self.in_func == 0 {
                    return self.fail("'return' outside function");
                }
                self.advance();
                if self.at(&Tok::Newline) || self.at_op(";") {
                    StmtKind::Return(None)
                } else {
                    StmtKind::Return(Some(self.testlist()?))
                }
            }
            "global" | "nonlocal" => {
                self.advance();
                let mut names = vec![self.name()?];
                while self.eat_op(",") {
                    names.push(self.name()?);
                }
                if kw == "global" {
                    StmtKind::Global(names)
                } else {
                    if self.in_func == 0 {
                        return self.fail("nonlocal declaration not allowed at module level");
                    }
                    StmtKind::Nonlocal(names)
                }
            }
            "raise" => {
                self.advance();
                if self.at(&Tok::Newline) || self.at_op(";") {
                    StmtKind::Raise(None)
                } else {
                    let e = self.test()?;
                    if self.eat_kw("from") {
                        self.test()?;
                    }
                    StmtKind::Raise(Some(e))
                }
            }
            "assert" => {
                self.advance();
                let t = self.test()?;
                let msg = if self.eat_op(",") { Some(self.test()?) } else { None };
                StmtKind::Assert(t, msg)
            }
            "del" => {
                self.advance();
                let mut targets = vec![self.target()?];
                while self.eat_op(",") {
                    if self.at(&Tok::Newline) {
                        break;
                    }
                    targets.push(self.target()?);
                }
                StmtKind::Del(targets)
            }
            "import" => {
                self.advance();
                let mut items = Vec::new();
                loop {
                    let m = self.dotted()?;
                    let bound = if self.eat_kw("as") { self.name()? } else { m.split('.').next().unwrap_or_default().to_string() };
                    items.push((m, bound));
                    if !self.eat_op(",") {
                        break;
                    }
                }
                StmtKind::Import(items)
            }
            "from" => {
                self.advance();
                let m = self.dotted()?;
                if !self.eat_kw("import") {
                    return self.fail("expected 'import'");
                }
                let paren = self.eat_op("(");
                let mut items = Vec::new();
                if self.eat_op("*") {
                    return self.fail("`from ... import *` is not supported in ThreadLab's Python");
                }
                loop {
                    let n = self.name()?;
                    let bound = if self.eat_kw("as") { self.name()? } else { n.clone() };
                    items.push((n, bound));
                    if !self.eat_op(",") || (paren && self.at_op(")")) {
                        break;
                    }
                }
                if paren {
                    self.expect_op(")")?;
                }
                StmtKind::ImportFrom(m, items)
            }
            "yield" => return self.fail("generators (`yield`) are not supported in ThreadLab's Python"),
            _ => self.expr_stmt()?,
        };
        Ok(st(kind))
    }

    fn dotted(&mut self) -> Result<String, SyntaxError> {
        let mut m = self.name()?;
        while self.eat_op(".") {
            m.push('.');
            m.push_str(&self.name()?);
        }
        Ok(m)
    }

    fn expr_stmt(&mut self) -> Result<StmtKind, SyntaxError> {
        let first = self.star_testlist()?;
        if let Tok::Op(op) = self.tok().clone() {
            let aug = match op {
                "+=" => Some(BinOp::Add),
                "-=" => Some(BinOp::Sub),
                "*=" => Some(BinOp::Mul),
                "/=" => Some(BinOp::Div),
                "//=" => Some(BinOp::FloorDiv),
                "%=" => Some(BinOp::Mod),
                "**=" => Some(BinOp::Pow),
                "<<=" => Some(BinOp::LShift),
                ">>=" => Some(BinOp::RShift),
                "&=" => Some(BinOp::BitAnd),
                "|=" => Some(BinOp::BitOr),
                "^=" => Some(BinOp::BitXor),
                _ => None,
            };
            if let Some(bop) = aug {
                self.advance();
                if !matches!(first.kind, ExprKind::Name(_) | ExprKind::Subscript(..) | ExprKind::Attr(..)) {
                    return self.fail("'expression' is an illegal expression for augmented assignment");
                }
                let value = self.testlist()?;
                return Ok(StmtKind::AugAssign(first, bop, value));
            }
            if op == ":" {
                // An annotation: `x: int = 5`.
                self.advance();
                self.test()?;
                if self.eat_op("=") {
                    self.check_target(&first)?;
                    let value = self.testlist()?;
                    return Ok(StmtKind::Assign(vec![first], value));
                }
                return Ok(StmtKind::Pass);
            }
            if op == "=" {
                let mut targets = vec![first];
                let mut value;
                loop {
                    self.advance();
                    value = self.star_testlist()?;
                    if !self.at_op("=") {
                        break;
                    }
                    targets.push(value);
                }
                for t in &targets {
                    self.check_target(t)?;
                }
                return Ok(StmtKind::Assign(targets, value));
            }
        }
        Ok(StmtKind::Expr(first))
    }

    fn check_target(&self, t: &Expr) -> Result<(), SyntaxError> {
        let bad = |what: &str| Err(SyntaxError::new(format!("cannot assign to {what}"), t.line, t.col));
        match &t.kind {
            ExprKind::Name(n) if is_kw(n) => bad("keyword"),
            ExprKind::Name(_) | ExprKind::Subscript(..) | ExprKind::Attr(..) => Ok(()),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let mut stars = 0;
                for i in items {
                    if let ExprKind::Starred(inner) = &i.kind {
                        stars += 1;
                        self.check_target(inner)?;
                    } else {
                        self.check_target(i)?;
                    }
                }
                if stars > 1 {
                    return bad("multiple starred expressions");
                }
                Ok(())
            }
            ExprKind::Call(..) => bad("function call here. Maybe you meant '==' instead of '='?"),
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Str(_) | ExprKind::BigInt(_) => bad("literal here. Maybe you meant '==' instead of '='?"),
            _ => bad("expression here. Maybe you meant '==' instead of '='?"),
        }
    }

    /// A for-loop's or comprehension's target: names, subscripts, tuples.
    fn target_list(&mut self) -> Result<Expr, SyntaxError> {
        let at = self.here();
        let first = self.target()?;
        if !self.at_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_kw("in") || self.at_op("=") {
                break;
            }
            items.push(self.target()?);
        }
        Ok(self.mk(ExprKind::Tuple(items), at))
    }

    fn target(&mut self) -> Result<Expr, SyntaxError> {
        let at = self.here();
        let e = if self.eat_op("*") {
            let inner = self.binary(0)?;
            self.mk(ExprKind::Starred(Box::new(inner)), at)
        } else {
            self.binary(0)?
        };
        if !matches!(e.kind, ExprKind::Starred(_)) {
            self.check_target(&e)?;
        }
        Ok(e)
    }

    // ---- expressions ----

    fn star_testlist(&mut self) -> Result<Expr, SyntaxError> {
        self.testlist_with(true)
    }

    fn testlist(&mut self) -> Result<Expr, SyntaxError> {
        self.testlist_with(true)
    }

    fn testlist_with(&mut self, star: bool) -> Result<Expr, SyntaxError> {
        let at = self.here();
        let item = |me: &mut Self| -> Result<Expr, SyntaxError> {
            let at = me.here();
            if star && me.eat_op("*") {
                let inner = me.binary(0)?;
                Ok(me.mk(ExprKind::Starred(Box::new(inner)), at))
            } else {
                me.test()
            }
        };
        let first = item(self)?;
        if !self.at_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.ends_list() {
                break;
            }
            items.push(item(self)?);
        }
        Ok(self.mk(ExprKind::Tuple(items), at))
    }

    fn ends_list(&self) -> bool {
        matches!(self.tok(), Tok::Newline | Tok::Eof | Tok::Op(")" | "]" | "}" | "=" | ":" | ";"))
            || matches!(self.tok(), Tok::Op(o) if o.ends_with('=') && o.len() >= 2 && !matches!(*o, "==" | "<=" | ">=" | "!="))
    }

    /// A test that may be `name := value`.
    fn named_test(&mut self) -> Result<Expr, SyntaxError> {
        if let (Tok::Name(n), Tok::Op(":=")) = (self.tok().clone(), self.peek_tok(1).clone()) {
            let at = self.here();
            self.advance();
            self.advance();
            let v = self.test()?;
            return Ok(self.mk(ExprKind::Walrus(n, Box::new(v)), at));
        }
        self.test()
    }

    fn test(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        let r = self.test_inner();
        self.leave();
        r
    }

    fn test_inner(&mut self) -> Result<Expr, SyntaxError> {
        let at = self.here();
        if self.eat_kw("lambda") {
            let (params, vararg, kwarg) = self.params(":")?;
            self.expect_op(":")?;
            self.in_func += 1;
            let body = self.test()?;
            self.in_func -= 1;
            let line = body.line;
            let f = FuncDef { name: "<lambda>".into(), params, vararg, kwarg, body: vec![Stmt { kind: StmtKind::Return(Some(body)), line, col: at.1 }], line: at.0, is_lambda: true };
            return Ok(self.mk(ExprKind::Lambda(Arc::new(f)), at));
        }
        let e = self.or_test()?;
        if self.at_kw("if") {
            self.advance();
            let cond = self.or_test()?;
            if !self.eat_kw("else") {
                return self.fail("expected 'else' after 'if' expression");
            }
            let other = self.test()?;
            return Ok(self.mk(ExprKind::IfExp(Box::new(cond), Box::new(e), Box::new(other)), at));
        }
        Ok(e)
    }

    fn or_test(&mut self) -> Result<Expr, SyntaxError> {
        let at = self.here();
        let mut e = self.and_test()?;
        while self.eat_kw("or") {
            self.chained()?;
            let r = self.and_test()?;
            e = self.mk(ExprKind::Or(Box::new(e), Box::new(r)), at);
        }
        Ok(e)
    }

    fn and_test(&mut self) -> Result<Expr, SyntaxError> {
        let at = self.here();
        let mut e = self.not_test()?;
        while self.eat_kw("and") {
            self.chained()?;
            let r = self.not_test()?;
            e = self.mk(ExprKind::And(Box::new(e), Box::new(r)), at);
        }
        Ok(e)
    }

    fn chained(&mut self) -> Result<(), SyntaxError> {
        self.chain += 1;
        if self.chain > MAX_CHAIN {
            return self.fail("expression too long (ThreadLab allows 2000 operators in a row)");
        }
        Ok(())
    }

    fn not_test(&mut self) -> Result<Expr, SyntaxError> {
        let at = self.here();
        if self.eat_kw("not") {
            self.enter()?;
            let e = self.not_test();
            self.leave();
            return Ok(self.mk(ExprKind::Unary(UnOp::Not, Box::new(e?)), at));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, SyntaxError> {
        let at = self.here();
        let first = self.binary(0)?;
        let mut rest = Vec::new();
        loop {
            let op = match self.tok() {
                Tok::Op("==") => CmpOp::Eq,
                Tok::Op("!=") => CmpOp::Ne,
                Tok::Op("<") => CmpOp::Lt,
                Tok::Op("<=") => CmpOp::Le,
                Tok::Op(">") => CmpOp::Gt,
                Tok::Op(">=") => CmpOp::Ge,
                Tok::Name(n) if n == "in" => CmpOp::In,
                Tok::Name(n) if n == "is" => {
                    if matches!(self.peek_tok(1), Tok::Name(n) if n == "not") {
                        self.advance();
                        CmpOp::IsNot
                    } else {
                        CmpOp::Is
                    }
                }
                Tok::Name(n) if n == "not" && matches!(self.peek_tok(1), Tok::Name(m) if m == "in") => {
                    self.advance();
                    CmpOp::NotIn
                }
                _ => break,
            };
            self.advance();
            self.chained()?;
            rest.push((op, self.binary(0)?));
        }
        if rest.is_empty() {
            Ok(first)
        } else {
            Ok(self.mk(ExprKind::Compare(Box::new(first), rest), at))
        }
    }

    fn binop_here(&self) -> Option<(BinOp, u8)> {
        let Tok::Op(o) = self.tok() else { return None };
        Some(match *o {
            "|" => (BinOp::BitOr, 1),
            "^" => (BinOp::BitXor, 2),
            "&" => (BinOp::BitAnd, 3),
            "<<" => (BinOp::LShift, 4),
            ">>" => (BinOp::RShift, 4),
            "+" => (BinOp::Add, 5),
            "-" => (BinOp::Sub, 5),
            "*" => (BinOp::Mul, 6),
            "/" => (BinOp::Div, 6),
            "//" => (BinOp::FloorDiv, 6),
            "%" => (BinOp::Mod, 6),
            "@" => (BinOp::MatMul, 6),
            _ => return None,
        })
    }

    /// Binary operators by precedence climbing (all left-associative).
    fn binary(&mut self, min: u8) -> Result<Expr, SyntaxError> {
        let at = self.here();
        let mut left = self.factor()?;
        while let Some((op, prec)) = self.binop_here() {
            if prec <= min {
                break;
            }
            self.advance();
            self.chained()?;
            self.enter()?;
            let right = self.binary(prec);
            self.leave();
            left = self.mk(ExprKind::Bin(Box::new(left), op, Box::new(right?)), at);
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Expr, SyntaxError> {
        let at = self.here();
        let op = match self.tok() {
            Tok::Op("-") => Some(UnOp::Neg),
            Tok::Op("+") => Some(UnOp::Pos),
            Tok::Op("~") => Some(UnOp::Invert),
            _ => None,
        };
        if let Some(op) = op {
            self.advance();
            self.enter()?;
            let e = self.factor();
            self.leave();
            let e = e?;
            // Fold a negative literal so -9223372036854775808 stays small.
            if op == UnOp::Neg {
                match &e.kind {
                    ExprKind::Int(v) if *v != i64::MIN => return Ok(self.mk(ExprKind::Int(-v), at)),
                    ExprKind::Float(v) => return Ok(self.mk(ExprKind::Float(-v), at)),
                    ExprKind::BigInt(v) => {
                        let n = -v.clone();
                        return Ok(self.mk(i64::try_from(&n).map(ExprKind::Int).unwrap_or(ExprKind::BigInt(n)), at));
                    }
                    _ => {}
                }
            }
            return Ok(self.mk(ExprKind::Unary(op, Box::new(e)), at));
        }
        self.power()
    }

    fn power(&mut self) -> Result<Expr, SyntaxError> {
        let at = self.here();
        let base = self.primary()?;
        if self.eat_op("**") {
            self.enter()?;
            let exp = self.factor();
            self.leave();
            return Ok(self.mk(ExprKind::Bin(Box::new(base), BinOp::Pow, Box::new(exp?)), at));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let at = self.here();
        if self.at_kw("await") {
            return self.fail("`await` is not supported in ThreadLab's Python");
        }
        let mut e = self.atom()?;
        loop {
            if self.eat_op("(") {
                self.chained()?;
                self.enter()?;
                let args = self.call_args();
                self.leave();
                let args = args?;
                self.expect_op(")")?;
                e = self.mk(ExprKind::Call(Box::new(e), args), at);
            } else if self.eat_op("[") {
                self.chained()?;
                self.enter()?;
                let idx = self.subscript();
                self.leave();
                let idx = idx?;
                self.expect_op("]")?;
                e = self.mk(ExprKind::Subscript(Box::new(e), Box::new(idx)), at);
            } else if self.eat_op(".") {
                self.chained()?;
                let n = self.name()?;
                e = self.mk(ExprKind::Attr(Box::new(e), n), at);
            } else {
                break;
            }
        }
        Ok(e)
    }

    fn call_args(&mut self) -> Result<Vec<Arg>, SyntaxError> {
        let mut args = Vec::new();
        while !self.at_op(")") {
            if self.eat_op("**") {
                args.push(Arg::DoubleStar(self.test()?));
            } else if self.eat_op("*") {
                if args.iter().any(|a| matches!(a, Arg::DoubleStar(_))) {
                    return self.fail("iterable argument unpacking follows keyword argument unpacking");
                }
                args.push(Arg::Star(self.test()?));
            } else if let (Tok::Name(n), Tok::Op("=")) = (self.tok().clone(), self.peek_tok(1).clone()) {
                self.advance();
                self.advance();
                if args.iter().any(|a| matches!(a, Arg::Kw(k, _) if *k == n)) {
                    return self.fail(format!("keyword argument repeated: {n}"));
                }
                args.push(Arg::Kw(n, self.test()?));
            } else {
                let at = self.here();
                let e = self.named_test()?;
                if self.at_kw("for") {
                    let comps = self.comp_for()?;
                    args.push(Arg::Pos(self.mk(ExprKind::GenExp(Box::new(e), comps), at)));
                } else {
                    if args.iter().any(|a| matches!(a, Arg::Kw(..))) {
                        return self.fail("positional argument follows keyword argument");
                    }
                    if args.iter().any(|a| matches!(a, Arg::DoubleStar(_))) {
                        return self.fail("positional argument follows keyword argument unpacking");
                    }
                    args.push(Arg::Pos(e));
                }
            }
            if !self.eat_op(",") {
                break;
            }
        }
        Ok(args)
    }

    fn subscript(&mut self) -> Result<Expr, SyntaxError> {
        let at = self.here();
        let first = self.slice_item()?;
        if !self.at_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op("]") {
                break;
            }
            items.push(self.slice_item()?);
        }
        Ok(self.mk(ExprKind::Tuple(items), at))
    }

    fn slice_item(&mut self) -> Result<Expr, SyntaxError> {
        let at = self.here();
        let lower = if self.at_op(":") { None } else { Some(Box::new(self.test()?)) };
        if !self.eat_op(":") {
            return Ok(*lower.unwrap());
        }
        let part = |me: &mut Self| -> Result<Option<Box<Expr>>, SyntaxError> {
            if me.at_op(":") || me.at_op("]") || me.at_op(",") {
                Ok(None)
            } else {
                Ok(Some(Box::new(me.test()?)))
            }
        };
        let upper = part(self)?;
        let step = if self.eat_op(":") { part(self)? } else { None };
        Ok(self.mk(ExprKind::Slice(lower, upper, step), at))
    }

    fn comp_for(&mut self) -> Result<Vec<Comp>, SyntaxError> {
        let mut comps = Vec::new();
        while self.eat_kw("for") {
            let target = self.target_list()?;
            if !self.eat_kw("in") {
                return self.fail("expected 'in'");
            }
            let iter = self.or_test()?;
            let mut ifs = Vec::new();
            while self.eat_kw("if") {
                ifs.push(self.or_test()?);
            }
            comps.push(Comp { target, iter, ifs });
        }
        Ok(comps)
    }

    fn atom(&mut self) -> Result<Expr, SyntaxError> {
        let at = self.here();
        match self.tok().clone() {
            Tok::Int(v) => {
                self.advance();
                Ok(self.mk(ExprKind::Int(v), at))
            }
            Tok::BigInt(v) => {
                self.advance();
                Ok(self.mk(ExprKind::BigInt(v), at))
            }
            Tok::Float(v) => {
                self.advance();
                Ok(self.mk(ExprKind::Float(v), at))
            }
            Tok::Str(_) | Tok::FStr(_) => {
                let mut parts: Vec<FStrPart> = Vec::new();
                let mut any_f = false;
                while let Tok::Str(_) | Tok::FStr(_) = self.tok() {
                    match self.advance() {
                        Tok::Str(s) => match parts.last_mut() {
                            Some(FStrPart::Lit(l)) => l.push_str(&s),
                            _ => parts.push(FStrPart::Lit(s)),
                        },
                        Tok::FStr(fp) => {
                            any_f = true;
                            for p in self.fstr_parts(fp)? {
                                match (parts.last_mut(), p) {
                                    (Some(FStrPart::Lit(l)), FStrPart::Lit(s)) => l.push_str(&s),
                                    (_, p) => parts.push(p),
                                }
                            }
                        }
                        _ => unreachable!(),
                    }
                }
                if !any_f {
                    let s = match parts.pop() {
                        Some(FStrPart::Lit(s)) => s,
                        _ => String::new(),
                    };
                    return Ok(self.mk(ExprKind::Str(s), at));
                }
                Ok(self.mk(ExprKind::FStr(parts), at))
            }
            Tok::Name(n) => match n.as_str() {
                "True" | "False" | "None" => {
                    self.advance();
                    Ok(self.mk(
                        match n.as_str() {
                            "True" => ExprKind::True,
                            "False" => ExprKind::False,
                            _ => ExprKind::None,
                        },
                        at,
                    ))
                }
                "yield" => self.fail("generators (`yield`) are not supported in ThreadLab's Python"),
                n if is_kw(n) => self.invalid(),
                _ => {
                    self.advance();
                    Ok(self.mk(ExprKind::Name(n), at))
                }
            },
            Tok::Op("(") => {
                self.advance();
                self.enter()?;
                let r = self.paren(at);
                self.leave();
                r
            }
            Tok::Op("[") => {
                self.advance();
                self.enter()?;
                let r = self.list(at);
                self.leave();
                r
            }
            Tok::Op("{") => {
                self.advance();
                self.enter()?;
                let r = self.brace(at);
                self.leave();
                r
            }
            Tok::Op("...") => self.fail("`...` (Ellipsis) is not supported in ThreadLab's Python"),
            _ => self.invalid(),
        }
    }

    fn fstr_parts(&mut self, parts: Vec<FPart>) -> Result<Vec<FStrPart>, SyntaxError> {
        let mut out = Vec::new();
        for p in parts {
            out.push(match p {
                FPart::Lit(s) => FStrPart::Lit(s),
                FPart::Field { src, line, col, conv, spec, debug } => {
                    let value = parse_expr_src(&src, line, col, self.depth + 1)?;
                    let spec = self.fstr_parts(spec)?;
                    FStrPart::Field { value, conv, spec, debug }
                }
            });
        }
        Ok(out)
    }

    fn star_or_test(&mut self, named: bool) -> Result<Expr, SyntaxError> {
        let at = self.here();
        if self.eat_op("*") {
            let inner = self.binary(0)?;
            return Ok(self.mk(ExprKind::Starred(Box::new(inner)), at));
        }
        if named {
            self.named_test()
        } else {
            self.test()
        }
    }

    fn paren(&mut self, at: (u32, u32)) -> Result<Expr, SyntaxError> {
        if self.eat_op(")") {
            return Ok(self.mk(ExprKind::Tuple(Vec::new()), at));
        }
        let first = self.star_or_test(true)?;
        if self.at_kw("for") {
            let comps = self.comp_for()?;
            self.expect_op(")")?;
            return Ok(self.mk(ExprKind::GenExp(Box::new(first), comps), at));
        }
        if self.eat_op(")") {
            return Ok(first);
        }
        let items = self.display_rest(first, ")")?;
        Ok(self.mk(ExprKind::Tuple(items), at))
    }

    /// The items of a tuple or list display after its first: `, item`…,
    /// an optional trailing comma, then `close`.
    fn display_rest(&mut self, first: Expr, close: &str) -> Result<Vec<Expr>, SyntaxError> {
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op(close) {
                break;
            }
            items.push(self.star_or_test(false)?);
        }
        self.expect_op(close)?;
        Ok(items)
    }

    fn list(&mut self, at: (u32, u32)) -> Result<Expr, SyntaxError> {
        if self.eat_op("]") {
            return Ok(self.mk(ExprKind::List(Vec::new()), at));
        }
        let first = self.star_or_test(true)?;
        if self.at_kw("for") {
            let comps = self.comp_for()?;
            self.expect_op("]")?;
            return Ok(self.mk(ExprKind::ListComp(Box::new(first), comps), at));
        }
        let items = self.display_rest(first, "]")?;
        Ok(self.mk(ExprKind::List(items), at))
    }

    fn brace(&mut self, at: (u32, u32)) -> Result<Expr, SyntaxError> {
        if self.eat_op("}") {
            return Ok(self.mk(ExprKind::Dict(Vec::new()), at));
        }
        if self.at_op("**") {
            return self.fail("`**` in a dict display is not supported in ThreadLab's Python");
        }
        let first = self.test()?;
        if self.eat_op(":") {
            let v = self.test()?;
            if self.at_kw("for") {
                let comps = self.comp_for()?;
                self.expect_op("}")?;
                return Ok(self.mk(ExprKind::DictComp(Box::new(first), Box::new(v), comps), at));
            }
            let mut items = vec![(first, v)];
            while self.eat_op(",") {
                if self.at_op("}") {
                    break;
                }
                let k = self.test()?;
                self.expect_op(":")?;
                items.push((k, self.test()?));
            }
            self.expect_op("}")?;
            return Ok(self.mk(ExprKind::Dict(items), at));
        }
        if self.at_kw("for") {
            let comps = self.comp_for()?;
            self.expect_op("}")?;
            return Ok(self.mk(ExprKind::SetComp(Box::new(first), comps), at));
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op("}") {
                break;
            }
            items.push(self.test()?);
        }
        self.expect_op("}")?;
        Ok(self.mk(ExprKind::Set(items), at))
    }
}
