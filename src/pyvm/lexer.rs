//! The tokenizer: Python's tokens with INDENT/DEDENT from the indentation,
//! implicit line joining inside brackets, `\` continuations, string and
//! f-string literals (prefixes r, f, rf, u; single, double, triple quotes),
//! integers with `_`, hex/octal/binary, floats.

use num_bigint::BigInt;
use num_traits::Num;

use super::error::SyntaxError;

/// The deepest indentation and bracket nesting accepted (CPython: 100 and 200).
pub const MAX_INDENT: usize = 100;
pub const MAX_BRACKETS: usize = 200;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Name(String),
    Int(i64),
    BigInt(BigInt),
    Float(f64),
    Str(String),
    /// An f-string: literal text and `{expr!c:spec}` fields.
    FStr(Vec<FPart>),
    Op(&'static str),
    Newline,
    Indent,
    Dedent,
    Eof,
}

/// A piece of an f-string.
#[derive(Clone, Debug, PartialEq)]
pub enum FPart {
    Lit(String),
    Field {
        /// The expression's source text.
        src: String,
        line: u32,
        col: u32,
        /// `!r`, `!s` or `!a`.
        conv: Option<char>,
        /// The format spec (may itself hold fields).
        spec: Vec<FPart>,
        /// `{x=}`: the text before the value.
        debug: Option<String>,
    },
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub line: u32,
    pub col: u32,
}

const OPS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "**", "//", "==", "!=", "<=", ">=", "<<", ">>", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "+", "-", "*", "/", "%", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "@", "&", "|", "^", "~",
];

pub fn tokenize(src: &str) -> Result<Vec<Token>, SyntaxError> {
    Lexer { s: src.chars().collect(), i: 0, line: 1, col: 1, out: Vec::new(), indents: vec![0], brackets: Vec::new() }.run()
}

struct Lexer {
    s: Vec<char>,
    i: usize,
    line: u32,
    col: u32,
    out: Vec<Token>,
    indents: Vec<usize>,
    /// Open brackets, innermost last, with where each opened.
    brackets: Vec<(char, u32, u32)>,
}

impl Lexer {
    fn peek(&self, k: usize) -> char {
        self.s.get(self.i + k).copied().unwrap_or('\0')
    }
    fn bump(&mut self) -> char {
        let c = self.peek(0);
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        c
    }
    fn err<T>(&self, msg: impl Into<String>, line: u32, col: u32) -> Result<T, SyntaxError> {
        Err(SyntaxError::new(msg, line, col))
    }
    fn push(&mut self, tok: Tok, line: u32, col: u32) {
        self.out.push(Token { tok, line, col });
    }

    fn run(mut self) -> Result<Vec<Token>, SyntaxError> {
        let mut at_line_start = true;
        loop {
            if at_line_start {
                at_line_start = false;
                // Measure the indentation; skip blank and comment-only lines.
                let mut width = 0usize;
                loop {
                    match self.peek(0) {
                        ' ' => width += 1,
                        '\t' => width = (width / 8 + 1) * 8,
                        '\x0c' => width = 0,
                        _ => break,
                    }
                    self.bump();
                }
                let c = self.peek(0);
                if c == '#' || c == '\n' || c == '\r' || (c == '\\' && self.peek(1) == '\n') {
                    while !matches!(self.peek(0), '\n' | '\0') {
                        self.bump();
                    }
                    if self.peek(0) == '\n' {
                        self.bump();
                        at_line_start = true;
                        continue;
                    }
                }
                if self.i >= self.s.len() {
                    break;
                }
                let cur = *self.indents.last().unwrap();
                if width > cur {
                    if self.indents.len() > MAX_INDENT {
                        return self.err("too many levels of indentation", self.line, self.col);
                    }
                    self.indents.push(width);
                    self.push(Tok::Indent, self.line, 1);
                } else {
                    while width < *self.indents.last().unwrap() {
                        self.indents.pop();
                        self.push(Tok::Dedent, self.line, self.col);
                    }
                    if width != *self.indents.last().unwrap() {
                        return self.err("unindent does not match any outer indentation level", self.line, self.col);
                    }
                }
            }
            let (line, col) = (self.line, self.col);
            let c = self.peek(0);
            match c {
                '\0' if self.i >= self.s.len() => break,
                ' ' | '\t' | '\r' | '\x0c' => {
                    self.bump();
                }
                '#' => {
                    while !matches!(self.peek(0), '\n' | '\0') {
                        self.bump();
                    }
                }
                '\\' if self.peek(1) == '\n' || (self.peek(1) == '\r' && self.peek(2) == '\n') => {
                    self.bump();
                    if self.peek(0) == '\r' {
                        self.bump();
                    }
                    self.bump();
                }
                '\n' => {
                    self.bump();
                    if self.brackets.is_empty() {
                        if !matches!(self.out.last().map(|t| &t.tok), None | Some(Tok::Newline)) {
                            self.push(Tok::Newline, line, col);
                        }
                        at_line_start = true;
                    }
                }
                '0'..='9' => self.number()?,
                '.' if self.peek(1).is_ascii_digit() => self.number()?,
                '"' | '\'' => self.string(String::new(), line, col)?,
                c if c.is_alphabetic() || c == '_' => {
                    let mut name = String::new();
                    while self.peek(0).is_alphanumeric() || self.peek(0) == '_' {
                        name.push(self.bump());
                    }
                    let lower = name.to_ascii_lowercase();
                    if matches!(self.peek(0), '"' | '\'') && matches!(lower.as_str(), "r" | "f" | "rf" | "fr" | "u" | "b" | "br" | "rb") {
                        if lower.contains('b') {
                            return self.err("bytes literals are not supported", line, col);
                        }
                        self.string(lower, line, col)?;
                    } else {
                        self.push(Tok::Name(name), line, col);
                    }
                }
                _ => {
                    let op = OPS.iter().find(|op| op.chars().enumerate().all(|(k, oc)| self.peek(k) == oc));
                    let Some(op) = op else {
                        // As CPython says it: a character that does not print is
                        // named by its code point only.
                        let hidden = c.is_control() || c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}');
                        if hidden {
                            return self.err(format!("invalid non-printable character U+{:04X}", c as u32), line, col);
                        }
                        return self.err(format!("invalid character '{c}' (U+{:04X})", c as u32), line, col);
                    };
                    for _ in 0..op.len() {
                        self.bump();
                    }
                    match *op {
                        "(" | "[" | "{" => {
                            if self.brackets.len() >= MAX_BRACKETS {
                                return self.err("too many nested parentheses", line, col);
                            }
                            self.brackets.push((op.chars().next().unwrap(), line, col));
                        }
                        ")" | "]" | "}" => {
                            let open = match *op {
                                ")" => '(',
                                "]" => '[',
                                _ => '{',
                            };
                            match self.brackets.pop().map(|b| b.0) {
                                Some(o) if o == open => {}
                                Some(o) => return self.err(format!("closing parenthesis '{op}' does not match opening parenthesis '{o}'"), line, col),
                                None => return self.err(format!("unmatched '{op}'"), line, col),
                            }
                        }
                        _ => {}
                    }
                    self.push(Tok::Op(op), line, col);
                }
            }
        }
        // As CPython: at the bracket that was never closed.
        if let Some(&(b, line, col)) = self.brackets.last() {
            return self.err(format!("'{b}' was never closed"), line, col);
        }
        if !matches!(self.out.last().map(|t| &t.tok), None | Some(Tok::Newline)) {
            self.push(Tok::Newline, self.line, self.col);
        }
        while self.indents.len() > 1 {
            self.indents.pop();
            self.push(Tok::Dedent, self.line, self.col);
        }
        self.push(Tok::Eof, self.line, self.col);
        Ok(self.out)
    }

    fn number(&mut self) -> Result<(), SyntaxError> {
        let (line, col) = (self.line, self.col);
        let mut text = String::new();
        if self.peek(0) == '0' && matches!(self.peek(1), 'x' | 'X' | 'o' | 'O' | 'b' | 'B') {
            self.bump();
            let radix = match self.bump().to_ascii_lowercase() {
                'x' => 16,
                'o' => 8,
                _ => 2,
            };
            while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == '_' {
                let c = self.bump();
                if c != '_' {
                    text.push(c);
                }
            }
            let v = BigInt::from_str_radix(&text, radix).map_err(|_| SyntaxError::new("invalid digit in number literal", line, col))?;
            return Ok(self.push_int(v, line, col));
        }
        let mut is_float = false;
        let digits = |me: &mut Self, text: &mut String| {
            while me.peek(0).is_ascii_digit() || (me.peek(0) == '_' && me.peek(1).is_ascii_digit()) {
                let c = me.bump();
                if c != '_' {
                    text.push(c);
                }
            }
        };
        digits(self, &mut text);
        if self.peek(0) == '.' {
            is_float = true;
            text.push(self.bump());
            digits(self, &mut text);
        }
        if matches!(self.peek(0), 'e' | 'E') && (self.peek(1).is_ascii_digit() || (matches!(self.peek(1), '+' | '-') && self.peek(2).is_ascii_digit())) {
            is_float = true;
            text.push(self.bump());
            if matches!(self.peek(0), '+' | '-') {
                text.push(self.bump());
            }
            digits(self, &mut text);
        }
        if matches!(self.peek(0), 'j' | 'J') {
            return self.err("complex numbers are not supported", line, col);
        }
        if self.peek(0).is_alphanumeric() || self.peek(0) == '_' {
            return self.err("invalid decimal literal", line, col);
        }
        if is_float {
            let v: f64 = text.parse().map_err(|_| SyntaxError::new("invalid float literal", line, col))?;
            self.push(Tok::Float(v), line, col);
        } else {
            if text.len() > 1 && text.starts_with('0') && text.chars().any(|c| c != '0') {
                return self.err("leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers", line, col);
            }
            let v: BigInt = text.parse().map_err(|_| SyntaxError::new("invalid decimal literal", line, col))?;
            self.push_int(v, line, col);
        }
        Ok(())
    }

    fn push_int(&mut self, v: BigInt, line: u32, col: u32) {
        match i64::try_from(&v) {
            Ok(small) => self.push(Tok::Int(small), line, col),
            Err(_) => self.push(Tok::BigInt(v), line, col),
        }
    }

    fn string(&mut self, prefix: String, line: u32, col: u32) -> Result<(), SyntaxError> {
        let raw = prefix.contains('r');
        let fstr = prefix.contains('f');
        let q = self.bump();
        let triple = self.peek(0) == q && self.peek(1) == q;
        if triple {
            self.bump();
            self.bump();
        }
        // Collect the body as written (escapes resolved unless raw).
        let mut body: Vec<(char, bool, u32, u32)> = Vec::new(); // (char, escaped-literal, line, col)
        loop {
            let (l, c0) = (self.line, self.col);
            let c = self.peek(0);
            if self.i >= self.s.len() {
                let what = if triple { "unterminated triple-quoted string literal" } else { "unterminated string literal" };
                return self.err(format!("{what} (detected at line {})", self.line), line, col);
            }
            if c == q && (!triple || (self.peek(1) == q && self.peek(2) == q)) {
                self.bump();
                if triple {
                    self.bump();
                    self.bump();
                }
                break;
            }
            if c == '\n' && !triple {
                return self.err(format!("unterminated string literal (detected at line {})", self.line), line, col);
            }
            self.bump();
            if c == '\\' {
                let e = self.bump();
                if raw {
                    body.push(('\\', true, l, c0));
                    body.push((e, true, l, c0));
                    continue;
                }
                let ch = match e {
                    '\n' => continue,
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '0' => '\0',
                    'a' => '\x07',
                    'b' => '\x08',
                    'f' => '\x0c',
                    'v' => '\x0b',
                    '\\' => '\\',
                    '\'' => '\'',
                    '"' => '"',
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = (0..n).map(|_| self.bump()).collect();
                        let v = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                        match v {
                            Some(ch) => ch,
                            None => return self.err(format!("(unicode error) truncated \\{e}XXXX escape"), l, c0),
                        }
                    }
                    other => {
                        body.push(('\\', true, l, c0));
                        other
                    }
                };
                body.push((ch, true, l, c0));
            } else {
                body.push((c, false, l, c0));
            }
        }
        if !fstr {
            let text: String = body.iter().map(|b| b.0).collect();
            self.push(Tok::Str(text), line, col);
            return Ok(());
        }
        let parts = fparts(&body, 0, &mut 0, false, line, col)?;
        self.push(Tok::FStr(parts), line, col);
        Ok(())
    }
}

/// Split an f-string's body into literal text and fields. `in_spec`: inside
/// a format spec, stop at the closing `}`.
fn fparts(body: &[(char, bool, u32, u32)], depth: usize, i: &mut usize, in_spec: bool, line: u32, col: u32) -> Result<Vec<FPart>, SyntaxError> {
    if depth > 2 {
        return Err(SyntaxError::new("f-string: expressions nested too deeply", line, col));
    }
    let mut parts = Vec::new();
    let mut lit = String::new();
    while *i < body.len() {
        let (c, esc, l, c0) = body[*i];
        if c == '{' && !esc {
            if !in_spec && body.get(*i + 1).is_some_and(|n| n.0 == '{' && !n.1) {
                lit.push('{');
                *i += 2;
                continue;
            }
            if !lit.is_empty() {
                parts.push(FPart::Lit(std::mem::take(&mut lit)));
            }
            *i += 1;
            // The expression runs to a top-level '!', ':', '=' or '}'.
            let mut src = String::new();
            let mut nest = 0i32;
            let mut quote: Option<char> = None;
            let (fl, fc) = body.get(*i).map_or((l, c0), |b| (b.2, b.3));
            while *i < body.len() {
                let (c, _, _, _) = body[*i];
                if let Some(qc) = quote {
                    if c == qc {
                        quote = None;
                    }
                } else if c == '\'' || c == '"' {
                    quote = Some(c);
                } else if matches!(c, '(' | '[' | '{') {
                    nest += 1;
                } else if matches!(c, ')' | ']') || (c == '}' && nest > 0) {
                    nest -= 1;
                } else if nest == 0 {
                    let next = body.get(*i + 1).map(|n| n.0);
                    let next_solid = body[*i + 1..].iter().map(|n| n.0).find(|ch| *ch != ' ');
                    let stop = c == '}' || c == ':' || (c == '!' && next != Some('=')) || (c == '=' && matches!(next_solid, Some('}' | '!' | ':')) && !src.ends_with(['=', '!', '<', '>']));
                    if stop {
                        break;
                    }
                }
                src.push(c);
                *i += 1;
            }
            if src.trim().is_empty() {
                return Err(SyntaxError::new("f-string: valid expression required before '}'", l, c0));
            }
            let mut debug = None;
            let mut conv = None;
            let mut spec = Vec::new();
            if body.get(*i).map(|b| b.0) == Some('=') {
                *i += 1;
                let mut text = format!("{src}=");
                while body.get(*i).map(|b| b.0) == Some(' ') {
                    text.push(' ');
                    *i += 1;
                }
                debug = Some(text);
                conv = Some('r');
            }
            if body.get(*i).map(|b| b.0) == Some('!') {
                let cv = body.get(*i + 1).map(|b| b.0);
                if !matches!(cv, Some('r' | 's' | 'a')) {
                    return Err(SyntaxError::new("f-string: invalid conversion character: expected 's', 'r', or 'a'", l, c0));
                }
                conv = cv;
                *i += 2;
            }
            if body.get(*i).map(|b| b.0) == Some(':') {
                *i += 1;
                spec = fparts(body, depth + 1, i, true, line, col)?;
                if debug.is_some() && conv == Some('r') {
                    conv = None;
                }
            }
            if body.get(*i).map(|b| b.0) != Some('}') {
                return Err(SyntaxError::new("f-string: expecting '}'", l, c0));
            }
            *i += 1;
            parts.push(FPart::Field { src, line: fl, col: fc, conv, spec, debug });
            continue;
        }
        if c == '}' && !esc {
            if in_spec {
                break;
            }
            if body.get(*i + 1).is_some_and(|n| n.0 == '}' && !n.1) {
                lit.push('}');
                *i += 2;
                continue;
            }
            return Err(SyntaxError::new("f-string: single '}' is not allowed", l, c0));
        }
        lit.push(c);
        *i += 1;
    }
    if !lit.is_empty() {
        parts.push(FPart::Lit(lit));
    }
    Ok(parts)
}
