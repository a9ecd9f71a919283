//! Bytecode: the instructions the compiler emits and the VM runs, and a
//! compiled function body (`Code`).

use std::sync::Arc;

use num_bigint::BigInt;

use super::ast::{BinOp, CmpOp, UnOp};

/// A constant in a code object.
#[derive(Clone, Debug)]
pub enum Const {
    Int(i64),
    Big(Arc<BigInt>),
    Float(f64),
    Str(Arc<str>),
    /// A nested function's body.
    Code(Arc<Code>),
    /// Keyword names of a call.
    Names(Arc<[Arc<str>]>),
}

/// One instruction. Jump targets are instruction indices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Nop,
    LoadConst(u32),
    LoadInt(i64),
    LoadNone,
    LoadTrue,
    LoadFalse,
    LoadFast(u32),
    StoreFast(u32),
    DelFast(u32),
    /// Read or write through the cell in a slot (closures).
    LoadDeref(u32),
    StoreDeref(u32),
    /// Push the cell itself (to build a closure).
    LoadCell(u32),
    /// Wrap the slot's value in a new cell (function entry).
    MakeCell(u32),
    LoadGlobal(u32),
    StoreGlobal(u32),
    DelGlobal(u32),
    /// Attribute by name (const index of a Str).
    LoadAttr(u32),
    /// `obj.name(args)`: stack [obj, args...]; (name const, argc).
    CallMethod(u32, u32),
    Subscr,
    StoreSubscr,
    /// `obj.name = value` (a thread's `daemon`): the name's constant.
    StoreAttr(u32),
    DelSubscr,
    /// Build a slice from the 3 values on the stack.
    BuildSlice,
    Binary(BinOp),
    Inplace(BinOp),
    Unary(UnOp),
    Compare(CmpOp),
    Jump(u32),
    PopJumpIfFalse(u32),
    PopJumpIfTrue(u32),
    JumpIfFalseOrPop(u32),
    JumpIfTrueOrPop(u32),
    GetIter,
    /// Push the next item, or pop the iterator and jump when it is done.
    ForIter(u32),
    BuildList(u32),
    BuildTuple(u32),
    BuildSet(u32),
    BuildDict(u32),
    /// Append TOS to the list `depth` below it (comprehensions).
    ListAppend(u32),
    SetAdd(u32),
    DictSet(u32),
    /// Extend the list below with the iterable on top (`*x` in displays).
    ListExtend,
    /// Add the mapping on top to the keyword arguments' dict below it
    /// (`f(**d)`); a name given twice is a TypeError.
    DictMerge,
    /// Call the function under a list of positional arguments and a dict
    /// of keyword arguments (`f(*args, k=v, **d)`).
    CallEx,
    ListToTuple,
    UnpackSeq(u32),
    /// `a, *b, c = ...`: (before, after).
    UnpackEx(u32, u32),
    Call(u32),
    /// Keyword call: (argc incl. keywords, const index of the names).
    CallKw(u32, u32),
    /// Call with the positional args as one list on top: `f(*args)`.
    CallList,
    /// (code const, number of defaults, number of closure cells).
    MakeFunction(u32, u32, u32),
    Return,
    Pop,
    Dup,
    Rot2,
    Rot3,
    /// Push an exception handler: on an exception jump there, the stack cut
    /// back to its height now, with the exception pushed.
    SetupExcept(u32),
    PopBlock,
    /// Raise TOS (an exception class or instance).
    Raise,
    /// Raise TOS again, keeping its traceback.
    Reraise,
    /// `except T`: [exc, T] -> [bool].
    ExcMatch,
    /// f-strings: (conversion 0/r/s/a, has a spec on top).
    FormatValue(u8, bool),
    BuildString(u32),
    /// `import m` (const index of the module name).
    Import(u32),
    /// `with`: [mgr] -> [mgr] after calling `mgr.__enter__()`; the result is pushed too.
    WithEnter,
    /// Call `TOS.__exit__()` and pop it.
    WithExit,
    /// `assert` failed: raise AssertionError(TOS).
    AssertFail,
    /// `raise` with no active exception.
    NoReraise,
    /// `class`: [base or None] -> [class]; (const index of the names: the
    /// class's, then its attributes', whose values are in the slots from
    /// the second operand on, in order; an unbound slot is left out).
    BuildClass(u32, u32),
    /// `super()` (0: the running method's class and first argument) or
    /// `super(C, obj)` (2: both on the stack).
    Super(u32),

    // Superinstructions. `fuse` writes one over the first op of a common
    // sequence and leaves the ops after it in place, so a jump into the
    // middle of the sequence still runs the plain ops. Each one either does
    // the whole sequence exactly as the plain ops would, or (when its fast
    // case does not apply) does only the first op and carries on after it.
    /// `ForIter(to); StoreFast(slot)`.
    ForIterStore(u32, u32),
    /// `LoadFast(a); LoadFast(b); Binary/Inplace(op); StoreFast(c)`: (a, b, c, op).
    FastFastStore(u32, u32, u32, BinOp),
    /// `LoadFast(a); LoadInt(k); Binary/Inplace(op)`: (a, k, op).
    FastInt(u32, i32, BinOp),
    /// `LoadFast(a); LoadInt(k); Compare(c); PopJumpIfFalse(to)`: (a, k, c, to).
    FastIntCmpJump(u32, i32, CmpOp, u32),
    /// `Compare(c); PopJumpIfFalse(to)`.
    CmpJump(CmpOp, u32),
    /// `LoadFast(s); Return`.
    ReturnFast(u32),
}

// One op stays two words at most (also on wasm32).
const _: () = assert!(std::mem::size_of::<Op>() <= 16);

/// Write superinstructions over the first op of each sequence they cover
/// (the op count, jump targets and line table stay as they are).
pub fn fuse(ops: &[Op]) -> Vec<Op> {
    let mut out = ops.to_vec();
    for i in 0..ops.len() {
        out[i] = match ops[i..] {
            [Op::ForIter(to), Op::StoreFast(s), ..] => Op::ForIterStore(to, s),
            [Op::LoadFast(a), Op::LoadFast(b), Op::Binary(op) | Op::Inplace(op), Op::StoreFast(c), ..] => Op::FastFastStore(a, b, c, op),
            [Op::LoadFast(a), Op::LoadInt(k), Op::Compare(c), Op::PopJumpIfFalse(to), ..] if i32::try_from(k).is_ok() => Op::FastIntCmpJump(a, k as i32, c, to),
            [Op::LoadFast(a), Op::LoadInt(k), Op::Binary(op) | Op::Inplace(op), ..] if i32::try_from(k).is_ok() => Op::FastInt(a, k as i32, op),
            [Op::Compare(c), Op::PopJumpIfFalse(to), ..] => Op::CmpJump(c, to),
            [Op::LoadFast(s), Op::Return, ..] => Op::ReturnFast(s),
            _ => ops[i],
        };
    }
    out
}

/// A compiled function (or the module's top level).
#[derive(Debug, Default)]
pub struct Code {
    pub name: Arc<str>,
    pub ops: Vec<Op>,
    /// The source line of each op.
    pub lines: Vec<u32>,
    pub consts: Vec<Const>,
    /// Positional parameters (the first slots).
    pub nparams: u32,
    /// Parameter names (for keyword calls and messages).
    pub param_names: Vec<Arc<str>>,
    /// `*args` goes in slot `nparams`.
    pub vararg: bool,
    /// The docstring (`f.__doc__`).
    pub doc: Option<Arc<str>>,
    /// `**kwargs` goes in the slot after the parameters and `*args`.
    pub varkw: bool,
    /// All local slots: parameters, locals, hidden temporaries, free variables.
    pub nslots: u32,
    /// The names of the slots (for UnboundLocalError).
    pub slot_names: Vec<Arc<str>>,
    /// Slots filled from the function's closure at call time, in order.
    pub free_slots: Vec<u32>,
}
