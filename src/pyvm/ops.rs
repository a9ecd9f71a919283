//! Operators on values with Python's semantics: arithmetic (int overflow to
//! big ints, `//` and `%` flooring, float division rules), comparisons,
//! equality across numeric types, membership, indexing and slicing.

use std::cmp::Ordering;
use std::sync::Arc;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero, One, Pow};

use super::ast::{BinOp, CmpOp, UnOp};
use super::error::ExcKind;
use super::value::*;

fn unsupported(op: BinOp, a: &Value, b: &Value) -> Err {
    if op == BinOp::Add && matches!(a, Value::Str(_)) {
        return type_error(format!("can only concatenate str (not \"{}\") to str", b.type_name()));
    }
    if op == BinOp::Add && matches!(a, Value::List(_)) {
        return type_error(format!("can only concatenate list (not \"{}\") to list", b.type_name()));
    }
    if op == BinOp::Add && matches!(a, Value::Tuple(_)) {
        return type_error(format!("can only concatenate tuple (not \"{}\") to tuple", b.type_name()));
    }
    if op == BinOp::Mul && matches!(a, Value::Str(_) | Value::List(_) | Value::Tuple(_)) {
        return type_error(format!("can't multiply sequence by non-int of type '{}'", b.type_name()));
    }
    type_error(format!("unsupported operand type(s) for {}: '{}' and '{}'", op.symbol(), a.type_name(), b.type_name()))
}

fn check_bits(bits: u64) -> R<()> {
    if bits > MAX_INT_BITS {
        return Err(exc(ExcKind::MemoryError, ""));
    }
    Ok(())
}

/// Python's float floor division and modulo (CPython's float_divmod).
pub fn float_divmod(a: f64, b: f64) -> (f64, f64) {
    let mut m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(b);
    }
    let floordiv = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(a / b)
    };
    (floordiv, m)
}

fn big_binary(op: BinOp, x: &BigInt, y: &BigInt) -> R<Value> {
    Ok(match op {
        BinOp::Add => int_of(x + y),
        BinOp::Sub => int_of(x - y),
        BinOp::Mul => {
            check_bits(x.bits() + y.bits())?;
            int_of(x * y)
        }
        BinOp::FloorDiv | BinOp::Mod => {
            if y.is_zero() {
                return Err(exc(ExcKind::ZeroDivisionError, if op == BinOp::Mod { "integer modulo by zero" } else { "integer division or modulo by zero" }));
            }
            let (d, m) = x.div_mod_floor(y);
            int_of(if op == BinOp::Mod { m } else { d })
        }
        BinOp::Div => {
            if y.is_zero() {
                return Err(exc(ExcKind::ZeroDivisionError, "division by zero"));
            }
            match (x.to_f64(), y.to_f64()) {
                (Some(a), Some(b)) if a.is_finite() && b.is_finite() => Value::Float(a / b),
                _ => {
                    // Scale both down so the quotient fits.
                    let shift = x.bits().max(y.bits()).saturating_sub(1000);
                    let (a, b) = ((x >> shift).to_f64().unwrap_or(f64::INFINITY), (y >> shift).to_f64().unwrap_or(f64::INFINITY));
                    let q = a / b;
                    if !q.is_finite() {
                        return Err(exc(ExcKind::OverflowError, "integer division result too large for a float"));
                    }
                    Value::Float(q)
                }
            }
        }
        BinOp::Pow => {
            if y.is_negative() {
                if x.is_zero() {
                    return Err(exc(ExcKind::ZeroDivisionError, "0.0 cannot be raised to a negative power"));
                }
                return Ok(Value::Float(big_to_f64(x)?.powf(big_to_f64(y)?)));
            }
            if x.is_zero() || x.is_one() {
                return Ok(int_of(x.clone()));
            }
            if *x == BigInt::from(-1) {
                return Ok(int_of(if y.is_even() { BigInt::one() } else { x.clone() }));
            }
            let e = y.to_u64().ok_or_else(|| exc(ExcKind::MemoryError, ""))?;
            check_bits(x.bits().saturating_mul(e))?;
            int_of(Pow::pow(x, e))
        }
        BinOp::LShift => {
            if y.is_negative() {
                return Err(exc(ExcKind::ValueError, "negative shift count"));
            }
            if x.is_zero() {
                return Ok(Value::Int(0));
            }
            let s = y.to_u64().ok_or_else(|| exc(ExcKind::MemoryError, ""))?;
            check_bits(x.bits().saturating_add(s))?;
            int_of(x << s)
        }
        BinOp::RShift => {
            if y.is_negative() {
                return Err(exc(ExcKind::ValueError, "negative shift count"));
            }
            match y.to_u64() {
                Some(s) if s < x.bits() + 1 => int_of(x >> s),
                _ => Value::Int(if x.is_negative() { -1 } else { 0 }),
            }
        }
        BinOp::BitAnd => int_of(x & y),
        BinOp::BitOr => int_of(x | y),
        BinOp::BitXor => int_of(x ^ y),
        BinOp::MatMul => return Err(type_error("unsupported operand type(s) for @: 'int' and 'int'")),
    })
}

fn int_binary(op: BinOp, x: i64, y: i64) -> R<Value> {
    let r = match op {
        BinOp::Add => x.checked_add(y),
        BinOp::Sub => x.checked_sub(y),
        BinOp::Mul => x.checked_mul(y),
        BinOp::FloorDiv | BinOp::Mod => {
            if y == 0 {
                return Err(exc(ExcKind::ZeroDivisionError, if op == BinOp::Mod { "integer modulo by zero" } else { "integer division or modulo by zero" }));
            }
            if x == i64::MIN && y == -1 {
                None
            } else if op == BinOp::FloorDiv {
                Some(Integer::div_floor(&x, &y))
            } else {
                Some(x.mod_floor(&y))
            }
        }
        BinOp::Div => {
            if y == 0 {
                return Err(exc(ExcKind::ZeroDivisionError, "division by zero"));
            }
            if x.unsigned_abs() < (1 << 53) && y.unsigned_abs() < (1 << 53) {
                return Ok(Value::Float(x as f64 / y as f64));
            }
            None
        }
        BinOp::Pow => {
            if y < 0 {
                if x == 0 {
                    return Err(exc(ExcKind::ZeroDivisionError, "0.0 cannot be raised to a negative power"));
                }
                return Ok(Value::Float((x as f64).powf(y as f64)));
            }
            u32::try_from(y).ok().and_then(|e| x.checked_pow(e))
        }
        BinOp::LShift => {
            if y < 0 {
                return Err(exc(ExcKind::ValueError, "negative shift count"));
            }
            if y < 63 && (x.unsigned_abs() >> (62 - y)) == 0 {
                Some(x << y)
            } else if x == 0 {
                Some(0)
            } else {
                None
            }
        }
        BinOp::RShift => {
            if y < 0 {
                return Err(exc(ExcKind::ValueError, "negative shift count"));
            }
            Some(x >> y.min(63))
        }
        BinOp::BitAnd => Some(x & y),
        BinOp::BitOr => Some(x | y),
        BinOp::BitXor => Some(x ^ y),
        BinOp::MatMul => return Err(type_error("unsupported operand type(s) for @: 'int' and 'int'")),
    };
    match r {
        Some(v) => Ok(Value::Int(v)),
        None => big_binary(op, &BigInt::from(x), &BigInt::from(y)),
    }
}

fn float_binary(op: BinOp, x: f64, y: f64) -> R<Value> {
    Ok(Value::Float(match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div => {
            if y == 0.0 {
                return Err(exc(ExcKind::ZeroDivisionError, "float division by zero"));
            }
            x / y
        }
        BinOp::FloorDiv => {
            if y == 0.0 {
                return Err(exc(ExcKind::ZeroDivisionError, "float floor division by zero"));
            }
            float_divmod(x, y).0
        }
        BinOp::Mod => {
            if y == 0.0 {
                return Err(exc(ExcKind::ZeroDivisionError, "float modulo"));
            }
            float_divmod(x, y).1
        }
        BinOp::Pow => {
            if x == 0.0 && y < 0.0 {
                return Err(exc(ExcKind::ZeroDivisionError, "0.0 cannot be raised to a negative power"));
            }
            if x < 0.0 && y.fract() != 0.0 {
                return Err(exc(ExcKind::ValueError, "complex results are not supported in ThreadLab's Python"));
            }
            let r = x.powf(y);
            if r.is_infinite() && x.is_finite() && y.is_finite() {
                return Err(exc(ExcKind::OverflowError, "(34, 'Numerical result out of range')"));
            }
            r
        }
        _ => return Err(type_error(format!("unsupported operand type(s) for {}: 'float' and 'float'", op.symbol()))),
    }))
}

fn repeat(items: &[Value], n: &Value) -> R<Option<Vec<Value>>> {
    let Ok(n) = n.as_i64() else { return Ok(None) };
    let n = n.max(0) as usize;
    checked_len(items.len().saturating_mul(n), std::mem::size_of::<Value>())?;
    let mut out = Vec::with_capacity(items.len() * n);
    for _ in 0..n {
        out.extend_from_slice(items);
    }
    Ok(Some(out))
}

/// `a op b`.
pub fn binary(op: BinOp, a: &Value, b: &Value) -> R<Value> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        return int_binary(op, *x, *y);
    }
    match (a.num(), b.num()) {
        (Some(Num::F(x)), Some(y)) => {
            let y = match y {
                Num::F(f) => f,
                Num::I(i) => i as f64,
                Num::B(b) => big_to_f64(b)?,
            };
            return float_binary(op, x, y);
        }
        (Some(x), Some(Num::F(y))) => {
            let x = match x {
                Num::I(i) => i as f64,
                Num::B(b) => big_to_f64(b)?,
                Num::F(f) => f,
            };
            return float_binary(op, x, y);
        }
        (Some(Num::I(x)), Some(Num::I(y))) => {
            let r = int_binary(op, x, y)?;
            if matches!(op, BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor) && matches!((a, b), (Value::Bool(_), Value::Bool(_))) {
                return Ok(Value::Bool(r.truthy()));
            }
            return Ok(r);
        }
        (Some(_), Some(_)) => return big_binary(op, &a.as_bigint().unwrap_or_default(), &b.as_bigint().unwrap_or_default()),
        _ => {}
    }
    match (op, a, b) {
        (BinOp::Add, Value::Str(x), Value::Str(y)) => {
            checked_len(x.len() + y.len(), 1)?;
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Ok(Value::Str(s.into()))
        }
        (BinOp::Add, Value::List(x), Value::List(y)) => {
            let mut v = x.lock().clone();
            v.extend(y.lock().iter().cloned());
            Value::list(v)
        }
        (BinOp::Add, Value::Tuple(x), Value::Tuple(y)) => Ok(Value::tuple(x.iter().chain(y.iter()).cloned().collect())),
        (BinOp::Mul, Value::Str(s), n) | (BinOp::Mul, n, Value::Str(s)) if n.num().is_some() && !matches!(n, Value::Float(_)) => {
            let n = n.as_i64()?.max(0) as usize;
            checked_len(s.len().saturating_mul(n), 1)?;
            Ok(Value::Str(s.repeat(n).into()))
        }
        (BinOp::Mul, Value::List(l), n) | (BinOp::Mul, n, Value::List(l)) if !matches!(n, Value::Float(_)) => {
            let items = l.lock().clone();
            match repeat(&items, n)? {
                Some(v) => Value::list(v),
                None => Err(unsupported(op, a, b)),
            }
        }
        (BinOp::Mul, Value::Tuple(t), n) | (BinOp::Mul, n, Value::Tuple(t)) if !matches!(n, Value::Float(_)) => match repeat(t, n)? {
            Some(v) => Ok(Value::tuple(v)),
            None => Err(unsupported(op, a, b)),
        },
        (BinOp::Mod, Value::Str(s), args) => super::format::percent(s, args),
        (BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor, Value::Set(x), Value::Set(y)) => {
            let xs = x.lock().keys();
            let ys = y.lock().keys();
            let yt = y.lock();
            let xt = x.lock();
            let mut t = Table::default();
            match op {
                BinOp::BitOr => {
                    for k in xs.into_iter().chain(ys) {
                        t.insert(k, Value::None)?;
                    }
                }
                BinOp::BitAnd => {
                    for k in xs {
                        if yt.contains(&k)? {
                            t.insert(k, Value::None)?;
                        }
                    }
                }
                BinOp::Sub => {
                    for k in xs {
                        if !yt.contains(&k)? {
                            t.insert(k, Value::None)?;
                        }
                    }
                }
                _ => {
                    for k in xs {
                        if !yt.contains(&k)? {
                            t.insert(k, Value::None)?;
                        }
                    }
                    for k in ys {
                        if !xt.contains(&k)? {
                            t.insert(k, Value::None)?;
                        }
                    }
                }
            }
            Ok(Value::Set(DictObj::new(t)))
        }
        (BinOp::BitOr, Value::Dict(x), Value::Dict(y)) => {
            let mut t = Table::default();
            for (k, v) in x.lock().iter() {
                t.insert(k.clone(), v.clone())?;
            }
            let items: Vec<(Value, Value)> = y.lock().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            for (k, v) in items {
                t.insert(k, v)?;
            }
            Ok(Value::Dict(DictObj::new(t)))
        }
        _ => Err(unsupported(op, a, b)),
    }
}

/// `a op= b`: lists extend in place; everything else as `a op b`.
pub fn inplace(op: BinOp, a: &Value, b: &Value) -> R<Value> {
    if op == BinOp::Add {
        if let Value::List(l) = a {
            let extra: Vec<Value> = match b {
                Value::List(o) if Arc::ptr_eq(l, o) => l.lock().clone(),
                other => super::format::collect_plain(other)?,
            };
            let mut items = l.lock();
            reserve(&mut items, extra.len(), &l.charged)?;
            items.extend(extra);
            return Ok(a.clone());
        }
    }
    binary(op, a, b)
}

pub fn unary(op: UnOp, v: &Value) -> R<Value> {
    match (op, v) {
        (UnOp::Not, v) => Ok(Value::Bool(!v.truthy())),
        (UnOp::Neg, Value::Int(i)) => Ok(i.checked_neg().map(Value::Int).unwrap_or_else(|| int_of(-BigInt::from(*i)))),
        (UnOp::Neg, Value::Bool(b)) => Ok(Value::Int(-(*b as i64))),
        (UnOp::Neg, Value::Big(b)) => Ok(int_of(-(**b).clone())),
        (UnOp::Neg, Value::Float(f)) => Ok(Value::Float(-f)),
        (UnOp::Pos, Value::Bool(b)) => Ok(Value::Int(*b as i64)),
        (UnOp::Pos, Value::Int(_) | Value::Big(_) | Value::Float(_)) => Ok(v.clone()),
        (UnOp::Invert, Value::Int(i)) => Ok(Value::Int(!i)),
        (UnOp::Invert, Value::Bool(b)) => Ok(Value::Int(!(*b as i64))),
        (UnOp::Invert, Value::Big(b)) => Ok(int_of(-(**b).clone() - 1)),
        _ => {
            let sym = match op {
                UnOp::Neg => "-",
                UnOp::Pos => "+",
                _ => "~",
            };
            Err(type_error(format!("bad operand type for unary {sym}: '{}'", v.type_name())))
        }
    }
}

fn num_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a.num()?, b.num()?) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(&y)),
        (Num::F(x), Num::F(y)) => x.partial_cmp(&y),
        (Num::F(x), _) => float_int_cmp(x, &b.as_bigint()?),
        (_, Num::F(y)) => float_int_cmp(y, &a.as_bigint()?).map(Ordering::reverse),
        _ => Some(a.as_bigint()?.cmp(&b.as_bigint()?)),
    }
}

fn float_int_cmp(x: f64, y: &BigInt) -> Option<Ordering> {
    if x.is_nan() {
        return None;
    }
    if x.is_infinite() {
        return Some(if x > 0.0 { Ordering::Greater } else { Ordering::Less });
    }
    if let Some(yf) = y.to_f64() {
        if yf.abs() < 9.0e15 {
            return x.partial_cmp(&yf);
        }
    }
    let xi = <BigInt as num_traits::FromPrimitive>::from_f64(x.floor())?;
    match xi.cmp(y) {
        Ordering::Equal if x.fract() != 0.0 => Some(Ordering::Greater),
        o => Some(o),
    }
}

/// `a == b`.
pub fn eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::None, Value::None) => true,
        _ if a.num().is_some() && b.num().is_some() => num_cmp(a, b) == Some(Ordering::Equal),
        (Value::Tuple(x), Value::Tuple(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| eq(p, q)),
        (Value::List(x), Value::List(y)) => {
            if Arc::ptr_eq(x, y) {
                return true;
            }
            let (xs, ys) = (x.lock().clone(), y.lock().clone());
            xs.len() == ys.len() && xs.iter().zip(ys.iter()).all(|(p, q)| eq(p, q))
        }
        (Value::Dict(x), Value::Dict(y)) => {
            if Arc::ptr_eq(x, y) {
                return true;
            }
            let xs: Vec<(Value, Value)> = x.lock().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let yt = y.lock();
            xs.len() == yt.len() && xs.iter().all(|(k, v)| matches!(yt.get(k), Ok(Some(w)) if eq(v, w)))
        }
        (Value::Set(x), Value::Set(y)) => {
            if Arc::ptr_eq(x, y) {
                return true;
            }
            let xs = x.lock().keys();
            let yt = y.lock();
            xs.len() == yt.len() && xs.iter().all(|k| yt.contains(k).unwrap_or(false))
        }
        (Value::Range(x), Value::Range(y)) => x == y,
        (Value::Type(x), Value::Type(y)) => x == y,
        (Value::Builtin(x), Value::Builtin(y)) => x == y,
        (Value::Module(x), Value::Module(y)) => x == y,
        _ => is(a, b),
    }
}

/// `a is b`.
pub fn is(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y && (-5..=256).contains(x),
        (Value::Str(x), Value::Str(y)) => Arc::ptr_eq(x, y) || (x.len() <= 1 && x == y),
        // `main_thread()` and a pool's worker, known by their names.
        (Value::Thread(x), Value::Thread(y)) => x == y,
        (Value::Type(x), Value::Type(y)) => x == y,
        (Value::Builtin(x), Value::Builtin(y)) => x == y,
        (Value::Module(x), Value::Module(y)) => x == y,
        _ => a.identity().is_some_and(|x| b.identity() == Some(x)),
    }
}

/// Ordering for `<` and friends (and `sorted`), or TypeError.
pub fn cmp(a: &Value, b: &Value, op: &str) -> R<Ordering> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        return Ok(x.cmp(y));
    }
    if a.num().is_some() && b.num().is_some() {
        // NaN compares false every way: report it as "unordered" via Equal+flag.
        return Ok(num_cmp(a, b).unwrap_or(Ordering::Equal));
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Ok(x.cmp(y)),
        (Value::Tuple(x), Value::Tuple(y)) => seq_cmp(x, y, op),
        (Value::List(x), Value::List(y)) => {
            let (xs, ys) = (x.lock().clone(), y.lock().clone());
            seq_cmp(&xs, &ys, op)
        }
        (Value::Set(x), Value::Set(y)) if op != "sort" => {
            let (xs, yt) = (x.lock().keys(), y.lock());
            let sub = xs.iter().all(|k| yt.contains(k).unwrap_or(false));
            let n = yt.len();
            Ok(if sub && xs.len() == n {
                Ordering::Equal
            } else if sub {
                Ordering::Less
            } else {
                Ordering::Greater
            })
        }
        _ => Err(type_error(format!("'{op}' not supported between instances of '{}' and '{}'", a.type_name(), b.type_name()))),
    }
}

fn seq_cmp(x: &[Value], y: &[Value], op: &str) -> R<Ordering> {
    for (p, q) in x.iter().zip(y.iter()) {
        if !eq(p, q) {
            return cmp(p, q, op);
        }
    }
    Ok(x.len().cmp(&y.len()))
}

fn has_nan(a: &Value, b: &Value) -> bool {
    matches!(a, Value::Float(f) if f.is_nan()) || matches!(b, Value::Float(f) if f.is_nan())
}

/// `a op b` for a comparison operator.
pub fn compare(op: CmpOp, a: &Value, b: &Value) -> R<bool> {
    Ok(match op {
        CmpOp::Eq => eq(a, b),
        CmpOp::Ne => !eq(a, b),
        CmpOp::Is => is(a, b),
        CmpOp::IsNot => !is(a, b),
        CmpOp::In => contains(b, a)?,
        CmpOp::NotIn => !contains(b, a)?,
        _ => {
            if has_nan(a, b) {
                return Ok(false);
            }
            if let (Value::Set(_), Value::Set(_)) = (a, b) {
                let o = cmp(a, b, op.symbol())?;
                let rev = cmp(b, a, op.symbol())?;
                return Ok(match op {
                    CmpOp::Lt => o == Ordering::Less,
                    CmpOp::Le => o != Ordering::Greater,
                    CmpOp::Gt => rev == Ordering::Less,
                    _ => rev != Ordering::Greater,
                });
            }
            let o = cmp(a, b, op.symbol())?;
            match op {
                CmpOp::Lt => o == Ordering::Less,
                CmpOp::Le => o != Ordering::Greater,
                CmpOp::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }
        }
    })
}

/// `item in container`.
pub fn contains(container: &Value, item: &Value) -> R<bool> {
    match container {
        Value::Str(s) => match item {
            Value::Str(sub) => Ok(s.contains(&**sub)),
            other => Err(type_error(format!("'in <string>' requires string as left operand, not {}", other.type_name()))),
        },
        Value::List(l) => {
            let items = l.lock().clone();
            Ok(items.iter().any(|v| eq(v, item)))
        }
        Value::Tuple(t) => Ok(t.iter().any(|v| eq(v, item))),
        Value::Dict(d) | Value::Set(d) => d.lock().contains(item),
        Value::Range(r) => Ok(match item.num() {
            Some(Num::I(i)) => {
                let n = r.len();
                n > 0 && (i - r.start) % r.step == 0 && {
                    let k = (i as i128 - r.start as i128) / r.step as i128;
                    k >= 0 && k < n as i128
                }
            }
            _ => false,
        }),
        other => Err(type_error(format!("argument of type '{}' is not iterable", other.type_name()))),
    }
}

/// A sequence index, negative from the end; IndexError out of range.
pub fn index_of(i: &Value, len: usize, what: &str) -> R<usize> {
    let i = match i {
        Value::Int(i) => *i,
        Value::Bool(b) => *b as i64,
        Value::Big(_) => return Err(exc(ExcKind::IndexError, format!("cannot fit 'int' into an index-sized integer"))),
        other => return Err(type_error(format!("{what} indices must be integers or slices, not {}", other.type_name()))),
    };
    let j = if i < 0 { i + len as i64 } else { i };
    if j < 0 || j >= len as i64 {
        return Err(exc(ExcKind::IndexError, format!("{what} index out of range")));
    }
    Ok(j as usize)
}

/// A slice's (start, step, count) over a sequence of `len`.
pub fn slice_indices(s: &[Value; 3], len: usize) -> R<(i64, i64, usize)> {
    let len = len as i64;
    let get = |v: &Value| -> R<Option<i64>> {
        match v {
            Value::None => Ok(None),
            Value::Big(b) => Ok(Some(if b.is_negative() { i64::MIN / 2 } else { i64::MAX / 2 })),
            other => match other.as_i64() {
                Ok(i) => Ok(Some(i)),
                Err(_) => Err(type_error("slice indices must be integers or None or have an __index__ method")),
            },
        }
    };
    let step = get(&s[2])?.unwrap_or(1);
    if step == 0 {
        return Err(exc(ExcKind::ValueError, "slice step cannot be zero"));
    }
    let clamp = |v: Option<i64>, dflt: i64, lo: i64, hi: i64| -> i64 {
        match v {
            None => dflt,
            Some(i) if i < 0 => (i + len).max(lo),
            Some(i) => i.min(hi),
        }
    };
    let (start, stop) = if step > 0 { (clamp(get(&s[0])?, 0, 0, len), clamp(get(&s[1])?, len, 0, len)) } else { (clamp(get(&s[0])?, len - 1, -1, len - 1), clamp(get(&s[1])?, -1, -1, len - 1)) };
    let count = if step > 0 { if stop > start { (stop - start - 1) / step + 1 } else { 0 } } else if start > stop { (start - stop - 1) / (-step) + 1 } else { 0 };
    Ok((start, step, count as usize))
}

fn take<T: Clone>(items: &[T], s: &[Value; 3]) -> R<Vec<T>> {
    let (start, step, count) = slice_indices(s, items.len())?;
    Ok((0..count).map(|k| items[(start + k as i64 * step) as usize].clone()).collect())
}

/// `obj[idx]`.
pub fn getitem(obj: &Value, idx: &Value) -> R<Value> {
    match (obj, idx) {
        (Value::List(l), Value::Slice(s)) => {
            let items = l.lock();
            let v = take(&items, s)?;
            drop(items);
            Value::list(v)
        }
        (Value::List(l), i) => {
            let items = l.lock();
            let k = index_of(i, items.len(), "list")?;
            Ok(items[k].clone())
        }
        (Value::Tuple(t), Value::Slice(s)) => Ok(Value::tuple(take(t, s)?)),
        (Value::Tuple(t), i) => Ok(t[index_of(i, t.len(), "tuple")?].clone()),
        (Value::Str(st), Value::Slice(s)) => {
            if st.is_ascii() {
                let b: Vec<u8> = take(st.as_bytes(), s)?;
                return Ok(Value::Str(String::from_utf8(b).unwrap_or_default().into()));
            }
            let chars: Vec<char> = st.chars().collect();
            Ok(Value::Str(take(&chars, s)?.into_iter().collect::<String>().into()))
        }
        (Value::Str(st), i) => {
            if st.is_ascii() {
                let k = index_of(i, st.len(), "string")?;
                return Ok(Value::str(&st[k..k + 1]));
            }
            let n = st.chars().count();
            let k = index_of(i, n, "string")?;
            let c = st.chars().nth(k).unwrap_or_default();
            Ok(Value::str(c.encode_utf8(&mut [0; 4])))
        }
        (Value::Dict(d), k) => match d.lock().get(k)? {
            Some(v) => Ok(v.clone()),
            None => Err(Err::Exc(Arc::new(ExcObj::new(ExcKind::KeyError, vec![k.clone()])))),
        },
        (Value::Range(r), Value::Slice(s)) => {
            let (start, step, count) = slice_indices(s, r.len() as usize)?;
            let first = r.get(start);
            let st = r.step * step;
            Ok(Value::Range(Arc::new(Range { start: first, stop: first + st * count as i64, step: st })))
        }
        (Value::Range(r), i) => Ok(Value::Int(r.get(index_of(i, r.len() as usize, "range object")? as i64))),
        (Value::Shared(s), i) if s.len.is_some() => Ok(s.get(index_of(i, s.len.unwrap_or(0) as usize, "array")? as u32)),
        _ => Err(type_error(format!("'{}' object is not subscriptable", obj.type_name()))),
    }
}

/// `obj[idx] = v`.
pub fn setitem(obj: &Value, idx: &Value, v: Value) -> R<()> {
    match (obj, idx) {
        (Value::List(l), Value::Slice(s)) => {
            let new = super::format::collect_plain(&v)?;
            let mut items = l.lock();
            let (start, step, count) = slice_indices(s, items.len())?;
            if step == 1 {
                let start = start as usize;
                items.splice(start..start + count, new);
            } else {
                if new.len() != count {
                    return Err(exc(ExcKind::ValueError, format!("attempt to assign sequence of size {} to extended slice of size {count}", new.len())));
                }
                for (k, x) in new.into_iter().enumerate() {
                    items[(start + k as i64 * step) as usize] = x;
                }
            }
            Ok(())
        }
        (Value::List(l), i) => {
            let mut items = l.lock();
            let k = index_of(i, items.len(), "list assignment")?;
            items[k] = v;
            Ok(())
        }
        (Value::Dict(d), k) => d.lock().insert(k.clone(), v),
        (Value::Shared(s), i) if s.len.is_some() => s.set(index_of(i, s.len.unwrap_or(0) as usize, "array assignment")? as u32, &v),
        _ => Err(type_error(format!("'{}' object does not support item assignment", obj.type_name()))),
    }
}

/// `del obj[idx]`.
pub fn delitem(obj: &Value, idx: &Value) -> R<()> {
    match (obj, idx) {
        (Value::List(l), Value::Slice(s)) => {
            let mut items = l.lock();
            let (start, step, count) = slice_indices(s, items.len())?;
            let mut drop_idx: Vec<usize> = (0..count).map(|k| (start + k as i64 * step) as usize).collect();
            drop_idx.sort_unstable();
            for i in drop_idx.into_iter().rev() {
                items.remove(i);
            }
            Ok(())
        }
        (Value::List(l), i) => {
            let mut items = l.lock();
            let k = index_of(i, items.len(), "list assignment")?;
            items.remove(k);
            Ok(())
        }
        (Value::Dict(d), k) => match d.lock().remove(k)? {
            Some(_) => Ok(()),
            None => Err(Err::Exc(Arc::new(ExcObj::new(ExcKind::KeyError, vec![k.clone()])))),
        },
        _ => Err(type_error(format!("'{}' object doesn't support item deletion", obj.type_name()))),
    }
}

/// `len(v)`.
pub fn len(v: &Value) -> R<usize> {
    Ok(match v {
        Value::Str(s) => {
            if s.is_ascii() {
                s.len()
            } else {
                s.chars().count()
            }
        }
        Value::List(l) => l.lock().len(),
        Value::Tuple(t) => t.len(),
        Value::Dict(d) | Value::Set(d) => d.lock().len(),
        Value::Range(r) => r.len() as usize,
        Value::Shared(s) if s.len.is_some() => s.len.unwrap_or(0) as usize,
        other => return Err(type_error(format!("object of type '{}' has no len()", other.type_name()))),
    })
}
