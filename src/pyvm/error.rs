//! Errors that name nothing else in the interpreter: syntax errors (line and
//! column, a Python-like message), the built-in exception classes and their
//! hierarchy, and why a run was stopped from outside.

use std::fmt;

/// A program the parser refused: nothing of it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Python's message, e.g. "invalid syntax" or "expected ':'".
    pub message: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

impl SyntaxError {
    pub fn new(message: impl Into<String>, line: u32, col: u32) -> Self {
        SyntaxError { message: message.into(), line, col }
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SyntaxError: {} (line {}, column {})", self.message, self.line, self.col)
    }
}

impl std::error::Error for SyntaxError {}

/// Why the host stopped a run (never catchable by Python code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Cancel was pressed.
    Cancelled,
    /// The run took more than its budget (time or instructions): the message says which.
    Budget(String),
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Cancelled => write!(f, "cancelled"),
            Stop::Budget(why) => write!(f, "stopped: {why}"),
        }
    }
}

macro_rules! kinds {
    ($($name:ident : $parent:ident),* $(,)?) => {
        /// The built-in exception classes ThreadLab's Python has.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ExcKind { BaseException, $($name),* }

        impl ExcKind {
            pub const ALL: &'static [ExcKind] = &[ExcKind::BaseException, $(ExcKind::$name),*];

            /// The class's name as Python spells it.
            pub fn name(self) -> &'static str {
                match self {
                    ExcKind::BaseException => "BaseException",
                    $(ExcKind::$name => stringify!($name)),*
                }
            }

            /// The base class (BaseException is its own).
            pub fn parent(self) -> ExcKind {
                match self {
                    ExcKind::BaseException => ExcKind::BaseException,
                    $(ExcKind::$name => ExcKind::$parent),*
                }
            }
        }
    };
}

kinds! {
    Exception: BaseException,
    KeyboardInterrupt: BaseException,
    SystemExit: BaseException,
    ArithmeticError: Exception,
    ZeroDivisionError: ArithmeticError,
    OverflowError: ArithmeticError,
    LookupError: Exception,
    IndexError: LookupError,
    KeyError: LookupError,
    ValueError: Exception,
    TypeError: Exception,
    NameError: Exception,
    UnboundLocalError: NameError,
    AttributeError: Exception,
    RuntimeError: Exception,
    RecursionError: RuntimeError,
    NotImplementedError: RuntimeError,
    MemoryError: Exception,
    StopIteration: Exception,
    AssertionError: Exception,
    ImportError: Exception,
    ModuleNotFoundError: ImportError,
    TimeoutError: Exception,
    Empty: Exception,
    Full: Exception,
    BrokenBarrierError: RuntimeError,
    OSError: Exception,
}

impl ExcKind {
    /// Whether `self` is `other` or derives from it.
    pub fn is_subclass(self, other: ExcKind) -> bool {
        let mut k = self;
        loop {
            if k == other {
                return true;
            }
            if k == ExcKind::BaseException {
                return false;
            }
            k = k.parent();
        }
    }

    pub fn from_name(name: &str) -> Option<ExcKind> {
        ExcKind::ALL.iter().copied().find(|k| k.name() == name)
    }
}

/// An exception that left the program: its class, its message (`str(e)`) and
/// where it went through, innermost last, as a traceback lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PyException {
    pub kind: ExcKind,
    pub message: String,
    /// (function, line) from the outermost call to where it was raised.
    pub traceback: Vec<(String, u32)>,
    /// A user exception class's name (`MyError`; `kind` is its built-in base).
    pub class: Option<String>,
}

impl PyException {
    /// Its class's name, as a traceback's last line shows it.
    pub fn name(&self) -> &str {
        self.class.as_deref().unwrap_or(self.kind.name())
    }
    /// The line it was raised on (0 if unknown).
    pub fn line(&self) -> u32 {
        self.traceback.last().map_or(0, |t| t.1)
    }
}

impl fmt::Display for PyException {
    /// "ZeroDivisionError: division by zero (line 3)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name())?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if self.line() > 0 {
            write!(f, " (line {})", self.line())?;
        }
        Ok(())
    }
}

/// Why `Program::call` failed: an uncaught exception, or the host stopped it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PyError {
    Exception(PyException),
    Stopped(Stop),
}

impl PyException {
    /// The traceback as CPython prints it, each frame in `file`, followed
    /// by its line of `source` (stripped, as CPython shows it) when the
    /// source has that line:
    /// "Traceback (most recent call last):\n  File "<task>", line 3, in task\n    return 1 / 0\nZeroDivisionError: division by zero".
    pub fn traceback_text(&self, file: &str, source: &str) -> String {
        let mut s = String::from("Traceback (most recent call last):\n");
        for (function, line) in &self.traceback {
            s.push_str(&format!("  File \"{file}\", line {line}, in {function}\n"));
            let text = (*line as usize).checked_sub(1).and_then(|i| source.lines().nth(i)).map(str::trim).unwrap_or("");
            if !text.is_empty() {
                s.push_str(&format!("    {text}\n"));
            }
        }
        s.push_str(self.name());
        if !self.message.is_empty() {
            s.push_str(": ");
            s.push_str(&self.message);
        }
        s
    }
}

impl fmt::Display for PyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PyError::Exception(e) => e.fmt(f),
            PyError::Stopped(s) => s.fmt(f),
        }
    }
}

impl std::error::Error for PyError {}
