//! Values as bytes, for the processes model (an argument and a result cross
//! between workers): a small tagged binary form, floats bit-exact.

use std::sync::Arc;

use num_bigint::BigInt;

use super::value::{int_of, DictObj, Table, Value};

/// A value in serialisable form (plain data only).
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
}

impl Value {
    /// The plain data in a value, or None for functions, locks, iterators...
    pub fn to_data(&self) -> Option<Data> {
        Some(match self {
            Value::None => Data::None,
            Value::Bool(b) => Data::Bool(*b),
            Value::Int(_) | Value::Big(_) => Data::Int(self.as_bigint()?),
            Value::Float(f) => Data::Float(*f),
            Value::Str(s) => Data::Str(s.to_string()),
            Value::List(l) => Data::List(l.lock().iter().map(Value::to_data).collect::<Option<_>>()?),
            Value::Tuple(t) => Data::Tuple(t.iter().map(Value::to_data).collect::<Option<_>>()?),
            Value::Dict(d) => Data::Dict(d.lock().iter().map(|(k, v)| Some((k.to_data()?, v.to_data()?))).collect::<Option<_>>()?),
            Value::Set(d) => Data::Set(d.lock().keys().iter().map(Value::to_data).collect::<Option<_>>()?),
            _ => return None,
        })
    }

    pub fn from_data(d: &Data) -> Value {
        match d {
            Data::None => Value::None,
            Data::Bool(b) => Value::Bool(*b),
            Data::Int(i) => int_of(i.clone()),
            Data::Float(f) => Value::Float(*f),
            Data::Str(s) => Value::Str(Arc::from(s.as_str())),
            Data::List(v) => Value::list(v.iter().map(Value::from_data).collect()).unwrap_or(Value::None),
            Data::Tuple(v) => Value::tuple(v.iter().map(Value::from_data).collect()),
            Data::Dict(kv) => {
                let mut t = Table::default();
                for (k, v) in kv {
                    let _ = t.insert(Value::from_data(k), Value::from_data(v));
                }
                Value::Dict(DictObj::new(t))
            }
            Data::Set(v) => {
                let mut t = Table::default();
                for k in v {
                    let _ = t.insert(Value::from_data(k), Value::None);
                }
                Value::Set(DictObj::new(t))
            }
        }
    }

    /// The value as bytes (None when it holds something not plain data).
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        self.to_data()?.write(&mut out);
        Some(out)
    }

    pub fn from_bytes(b: &[u8]) -> Option<Value> {
        let mut pos = 0;
        let d = Data::read(b, &mut pos, 0)?;
        (pos == b.len()).then(|| Value::from_data(&d))
    }
}

impl Data {
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
            5 => {
                let n = len(pos)?;
                let s = std::str::from_utf8(b.get(*pos..*pos + n)?).ok()?.to_string();
                *pos += n;
                Data::Str(s)
            }
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
            _ => return None,
        })
    }
}
