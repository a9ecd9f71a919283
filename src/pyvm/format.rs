//! `format(value, spec)` (f-strings, `str.format`) and `str % args`.

use std::fmt::Write as _;

use num_bigint::BigInt;

use super::error::ExcKind;
use super::value::*;

struct Spec {
    fill: char,
    align: Option<char>,
    sign: char,
    alt: bool,
    zero: bool,
    width: usize,
    group: Option<char>,
    precision: Option<usize>,
    ty: Option<char>,
}

fn parse_spec(spec: &str) -> R<Spec> {
    let bad = || exc(ExcKind::ValueError, format!("Invalid format specifier '{spec}'"));
    let c: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut s = Spec { fill: ' ', align: None, sign: '-', alt: false, zero: false, width: 0, group: None, precision: None, ty: None };
    if c.len() >= 2 && matches!(c[1], '<' | '>' | '^' | '=') {
        s.fill = c[0];
        s.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && matches!(c[0], '<' | '>' | '^' | '=') {
        s.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && matches!(c[i], '+' | '-' | ' ') {
        s.sign = c[i];
        i += 1;
    }
    if i < c.len() && c[i] == '#' {
        s.alt = true;
        i += 1;
    }
    if i < c.len() && c[i] == '0' {
        s.zero = true;
        i += 1;
    }
    let mut w = String::new();
    while i < c.len() && c[i].is_ascii_digit() {
        w.push(c[i]);
        i += 1;
    }
    if !w.is_empty() {
        s.width = w.parse().map_err(|_| bad())?;
        if s.width > 10_000 {
            return Err(bad());
        }
    }
    if i < c.len() && matches!(c[i], ',' | '_') {
        s.group = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '.' {
        i += 1;
        let mut p = String::new();
        while i < c.len() && c[i].is_ascii_digit() {
            p.push(c[i]);
            i += 1;
        }
        s.precision = Some(p.parse().map_err(|_| bad())?);
        if s.precision > Some(1000) {
            return Err(bad());
        }
    }
    if i < c.len() {
        s.ty = Some(c[i]);
        i += 1;
    }
    if i != c.len() {
        return Err(bad());
    }
    Ok(s)
}

fn group(digits: &str, sep: char, every: usize) -> String {
    let mut out = String::new();
    let n = digits.len();
    for (k, ch) in digits.chars().enumerate() {
        if k > 0 && (n - k) % every == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

fn pad(body: String, sign: &str, s: &Spec, default_right: bool) -> String {
    let len = body.chars().count() + sign.chars().count();
    if len >= s.width {
        return format!("{sign}{body}");
    }
    let n = s.width - len;
    let (fill, align) = if s.zero && s.align.is_none() { ('0', '=') } else { (s.fill, s.align.unwrap_or(if default_right { '>' } else { '<' })) };
    let f = |k: usize| std::iter::repeat(fill).take(k).collect::<String>();
    match align {
        '<' => format!("{sign}{body}{}", f(n)),
        '^' => format!("{}{sign}{body}{}", f(n / 2), f(n - n / 2)),
        '=' => format!("{sign}{}{body}", f(n)),
        _ => format!("{}{sign}{body}", f(n)),
    }
}

fn fixed(x: f64, prec: usize) -> String {
    format!("{:.*}", prec, x)
}

fn exp_fmt(x: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, x);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let r = format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    if upper {
        r.to_uppercase()
    } else {
        r
    }
}

fn general(x: f64, prec: usize, alt: bool) -> String {
    let p = prec.max(1);
    if x == 0.0 {
        return if alt { format!("{:.*}", p - 1, 0.0) } else { "0".into() };
    }
    let e = format!("{:.*e}", p - 1, x);
    let exp: i32 = e.split_once('e').map_or(0, |(_, e)| e.parse().unwrap_or(0));
    let s = if exp < -4 || exp >= p as i32 { exp_fmt(x, p - 1, false) } else { fixed(x, (p as i32 - 1 - exp).max(0) as usize) };
    if alt {
        return s;
    }
    if let Some((m, e)) = s.split_once('e') {
        let m = if m.contains('.') { m.trim_end_matches('0').trim_end_matches('.') } else { m };
        format!("{m}e{e}")
    } else if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `format(v, spec)`.
pub fn format_value(v: &Value, spec: &str) -> R<String> {
    if spec.is_empty() {
        return Ok(v.to_str());
    }
    let s = parse_spec(spec)?;
    let bad_type = |t: char| exc(ExcKind::ValueError, format!("Unknown format code '{t}' for object of type '{}'", v.type_name()));
    match v {
        Value::Int(_) | Value::Big(_) | Value::Bool(_) if !matches!(s.ty, Some('f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%')) => {
            if matches!(v, Value::Bool(_)) && s.ty.is_none() && s.width == 0 {
                return Ok(v.to_str());
            }
            let n: BigInt = v.as_bigint().unwrap_or_default();
            let neg = n.sign() == num_bigint::Sign::Minus;
            let mag = if neg { -n } else { n };
            let (mut digits, prefix) = match s.ty {
                None | Some('d') | Some('n') => (big_to_string(&mag)?, ""),
                Some('x') => (mag.to_str_radix(16), "0x"),
                Some('X') => (mag.to_str_radix(16).to_uppercase(), "0X"),
                Some('o') => (mag.to_str_radix(8), "0o"),
                Some('b') => (mag.to_str_radix(2), "0b"),
                Some('c') => (char::from_u32(mag.try_into().unwrap_or(0u32)).unwrap_or('\0').to_string(), ""),
                Some(t) => return Err(bad_type(t)),
            };
            if let Some(g) = s.group {
                digits = group(&digits, g, if matches!(s.ty, Some('x' | 'X' | 'o' | 'b')) { 4 } else { 3 });
            }
            let sign = if neg { "-" } else if s.sign == '+' { "+" } else if s.sign == ' ' { " " } else { "" };
            let sign = if s.alt { format!("{sign}{prefix}") } else { sign.to_string() };
            Ok(pad(digits, &sign, &s, true))
        }
        Value::Int(_) | Value::Big(_) | Value::Bool(_) | Value::Float(_) => {
            let x = v.as_f64()?;
            let neg = x.is_sign_negative() && !(x == 0.0 && s.ty.is_none()) && !x.is_nan();
            let a = x.abs();
            let mut body = if !a.is_finite() {
                let t = if a.is_nan() { "nan" } else { "inf" };
                if matches!(s.ty, Some('F' | 'E' | 'G')) {
                    t.to_uppercase()
                } else {
                    t.to_string()
                }
            } else {
                match s.ty {
                    Some('f' | 'F') => fixed(a, s.precision.unwrap_or(6)),
                    Some('e' | 'E') => exp_fmt(a, s.precision.unwrap_or(6), s.ty == Some('E')),
                    Some('g' | 'G') => general(a, s.precision.unwrap_or(6), s.alt),
                    Some('%') => format!("{}%", fixed(a * 100.0, s.precision.unwrap_or(6))),
                    None => match s.precision {
                        Some(p) => {
                            let g = general(a, p, s.alt);
                            if g.contains(['.', 'e', 'n', 'i']) {
                                g
                            } else {
                                format!("{g}.0")
                            }
                        }
                        None => float_repr(a),
                    },
                    Some(t) => return Err(bad_type(t)),
                }
            };
            if let Some(g) = s.group {
                let (int, rest) = match body.find(|c: char| !c.is_ascii_digit()) {
                    Some(k) => (body[..k].to_string(), body[k..].to_string()),
                    None => (body.clone(), String::new()),
                };
                body = format!("{}{rest}", group(&int, g, 3));
            }
            let sign = if neg { "-" } else if s.sign == '+' { "+" } else if s.sign == ' ' { " " } else { "" };
            Ok(pad(body, sign, &s, true))
        }
        _ => {
            if let Some(t) = s.ty.filter(|t| *t != 's') {
                return Err(bad_type(t));
            }
            let mut body = v.to_str();
            if let Some(p) = s.precision {
                body = body.chars().take(p).collect();
            }
            Ok(pad(body, "", &s, false))
        }
    }
}

/// `fmt % args`.
pub fn percent(fmt: &str, args: &Value) -> R<Value> {
    // `%(key)s` takes its value from a dict argument.
    let mapping = match args {
        Value::Dict(d) if fmt.contains("%(") => Some(d.clone()),
        _ => None,
    };
    let args: Vec<Value> = match args {
        _ if mapping.is_some() => Vec::new(),
        Value::Tuple(t) => t.to_vec(),
        other => vec![other.clone()],
    };
    let mut next = args.into_iter();
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut keyed = None;
        if let (Some(d), Some('(')) = (&mapping, chars.peek()) {
            chars.next();
            let key: String = chars.by_ref().take_while(|&ch| ch != ')').collect();
            let k = Value::str(&key);
            let found = d.lock().get(&k)?.cloned();
            match found {
                Some(v) => keyed = Some(v),
                None => return Err(Err::Exc(std::sync::Arc::new(ExcObj::new(ExcKind::KeyError, vec![k])))),
            }
        }
        let mut spec = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() || matches!(d, '.' | '-' | '+' | ' ' | '#') {
                spec.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let Some(conv) = chars.next() else {
            return Err(exc(ExcKind::ValueError, "incomplete format"));
        };
        if conv == '%' {
            out.push('%');
            continue;
        }
        let v = match keyed {
            Some(v) => v,
            None if mapping.is_some() => return Err(type_error("format requires a mapping")),
            None => next.next().ok_or_else(|| type_error("not enough arguments for format string"))?,
        };
        let spec = spec.replacen('-', "<", 1);
        let py_spec = |ty: &str| if spec.starts_with('<') { format!("<{}{ty}", &spec[1..]) } else { format!("{spec}{ty}") };
        let piece = match conv {
            's' => format_value(&Value::Str(v.to_str().into()), &py_spec(""))?,
            'r' => format_value(&Value::Str(v.repr().into()), &py_spec(""))?,
            'd' | 'i' => {
                let n = match &v {
                    Value::Float(f) => Value::Int(f.trunc() as i64),
                    other => other.clone(),
                };
                if n.num().is_none() {
                    return Err(type_error(format!("%d format: a real number is required, not {}", v.type_name())));
                }
                format_value(&n, &py_spec("d"))?
            }
            'f' | 'F' | 'e' | 'E' | 'g' | 'G' | 'x' | 'X' | 'o' => format_value(&v, &py_spec(&conv.to_string()))?,
            other => return Err(exc(ExcKind::ValueError, format!("unsupported format character '{other}' (0x{:x})", other as u32))),
        };
        let _ = write!(out, "{piece}");
    }
    if next.next().is_some() {
        return Err(type_error("not all arguments converted during string formatting"));
    }
    Ok(Value::Str(out.into()))
}

/// The items of a list, tuple, str, dict, set or range (no Python calls).
pub fn collect_plain(v: &Value) -> R<Vec<Value>> {
    Ok(match v {
        Value::List(l) => l.lock().clone(),
        Value::Tuple(t) => t.to_vec(),
        Value::Dict(d) | Value::Set(d) => d.lock().keys(),
        Value::Str(s) => s.chars().map(|c| Value::str(c.encode_utf8(&mut [0; 4]))).collect(),
        Value::Range(r) => {
            let n = r.len();
            checked_len(n as usize, std::mem::size_of::<Value>())?;
            (0..n).map(|i| Value::Int(r.get(i))).collect()
        }
        Value::Iter(it) => {
            let mut it = (**it).clone();
            let mut out = Vec::new();
            while let Some(x) = it.next() {
                out.push(x);
            }
            out
        }
        Value::SharedIter(it) => {
            let mut it = it.lock().unwrap_or_else(|e| e.into_inner());
            let mut out = Vec::new();
            while let Some(x) = it.next() {
                out.push(x);
            }
            out
        }
        other => return Err(type_error(format!("'{}' object is not iterable", other.type_name()))),
    })
}
