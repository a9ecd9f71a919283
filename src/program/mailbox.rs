//! What a program's parent process keeps in its memory for its children:
//! each child's mailbox, and the numbers they share ([`Segment`]).
//!
//! A child process's mailbox: where its parent writes the [`Answer`]s to
//! what the child asked ([`super::FromChild::Ask`]: a `get` from the
//! parent's queue). A child's worker is busy while the child runs (it is
//! single-threaded), so it cannot take a message then: it waits on the
//! mailbox instead.
//!
//! The mailbox lives in the parent's memory. In the browser that is the
//! program coordinator's shared `WebAssembly.Memory`, which the page gives
//! each child's worker beside its job (`ChildJob::mailbox` is the
//! address): the session writes the answer's JSON text, then bumps `seq`
//! and notifies it (`memory.atomic.notify`); the child `Atomics.wait`s on
//! `seq` and reads the text where `ptr` and `len` say (the layout is
//! [`SEQ_AT`], [`LEN_AT`], [`PTR_AT`]). Natively a child is a thread of the
//! same process and is handed the mailbox itself ([`Inbox`]).

use super::Answer;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex;

/// Where, from the mailbox's address, the count of answers written is (an
/// `i32`, waited on).
pub const SEQ_AT: u32 = 0;
/// Where the length of the last answer's text is (`u32`).
pub const LEN_AT: u32 = 4;
/// Where the address of the last answer's text is (`u32`, wasm32).
pub const PTR_AT: u32 = 8;

/// One child's mailbox in its parent's memory.
#[repr(C)]
#[derive(Debug, Default)]
pub struct Mailbox {
    seq: AtomicI32,
    len: AtomicU32,
    ptr: AtomicUsize,
    /// The last answer's text (kept until the next: the child reads it
    /// before it asks again).
    text: Mutex<Vec<u8>>,
}

#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::offset_of!(Mailbox, seq) == SEQ_AT as usize && std::mem::offset_of!(Mailbox, len) == LEN_AT as usize && std::mem::offset_of!(Mailbox, ptr) == PTR_AT as usize);

impl Mailbox {
    /// Its address in this memory (what [`super::ChildJob::mailbox`] carries in wasm32).
    pub fn address(&self) -> u32 {
        self as *const Mailbox as usize as u32
    }

    /// Writes `answer` and wakes the child waiting for it.
    pub fn answer(&self, answer: &Answer) {
        let text = serde_json::to_vec(answer).expect("an answer is plain data");
        let mut kept = self.text.lock().unwrap_or_else(|e| e.into_inner());
        *kept = text;
        self.ptr.store(kept.as_ptr() as usize, SeqCst);
        self.len.store(kept.len() as u32, SeqCst);
        self.seq.fetch_add(1, SeqCst);
        drop(kept);
        #[cfg(all(target_family = "wasm", target_feature = "atomics"))]
        // SAFETY: `seq` is an aligned i32 in this (shared) memory; notify only wakes waiters.
        unsafe {
            core::arch::wasm32::memory_atomic_notify(self.seq.as_ptr(), u32::MAX);
        }
    }

    /// Answers written so far.
    pub fn written(&self) -> u32 {
        self.seq.load(SeqCst) as u32
    }
}

/// An answer's text as the child reads it (a text that cannot be read is
/// refused: the child raises it).
pub fn read(text: &[u8]) -> Answer {
    serde_json::from_slice(text).unwrap_or_else(|e| Answer::Refused { message: format!("the parent's answer could not be read: {e}") })
}

/// A child's side of its mailbox.
pub trait Inbox {
    /// The answer to the `nth` ask (from 1), once it is written; waits at
    /// most `ms` for it (`None`: not yet).
    fn wait(&self, nth: u32, ms: f64) -> Option<Answer>;
}

/// Natively: the parent's mailbox itself (the child is a thread of the same process).
impl Inbox for std::sync::Arc<Mailbox> {
    fn wait(&self, nth: u32, ms: f64) -> Option<Answer> {
        let start = std::time::Instant::now();
        while self.written() < nth {
            if start.elapsed().as_secs_f64() * 1000.0 >= ms {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_micros(50));
        }
        Some(read(&self.text.lock().unwrap_or_else(|e| e.into_inner())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn an_answer_is_read_once_it_is_written() {
        let m = Arc::new(Mailbox::default());
        assert_eq!(m.wait(1, 1.0), None);
        m.answer(&Answer::Size { n: 3 });
        assert_eq!(m.wait(1, 1.0), Some(Answer::Size { n: 3 }));
        assert!(matches!(read(b"<junk>"), Answer::Refused { .. }));
    }

    /// A waiter on another thread wakes when the answer is written (native
    /// only: wasm32-wasip1 has no threads).
    #[cfg(not(target_family = "wasm"))]
    #[test]
    fn a_waiting_thread_wakes_with_the_answer() {
        let m = Arc::new(Mailbox::default());
        m.answer(&Answer::Size { n: 3 });
        let w = m.clone();
        let t = std::thread::spawn(move || w.wait(2, 5_000.0));
        m.answer(&Answer::Item { value: vec![0] });
        assert_eq!(t.join().unwrap(), Some(Answer::Item { value: vec![0] }));
    }
}

/// The most numbers a program's processes share (`multiprocessing.Value`,
/// `Array`, `Lock`: a cell each), 512 KiB of the parent's memory.
pub const MAX_SHARED_CELLS: u32 = 1 << 16;

/// The cells a program's processes share, in the parent's memory: the
/// parent's threads use them as atomics; in the browser a child's worker
/// reads and writes them with `Atomics` on a `BigInt64Array` over the
/// program coordinator's memory, from [`Segment::address`]
/// (`ChildJob::cells`); natively a child is handed the segment itself.
#[derive(Debug)]
pub struct Segment {
    cells: Box<[std::sync::atomic::AtomicI64]>,
    next: AtomicU32,
}

impl Default for Segment {
    fn default() -> Segment {
        Segment { cells: (0..MAX_SHARED_CELLS).map(|_| std::sync::atomic::AtomicI64::new(0)).collect(), next: AtomicU32::new(0) }
    }
}

impl Segment {
    /// `n` cells more, the first's index; `None` past [`MAX_SHARED_CELLS`].
    pub fn alloc(&self, n: u32) -> Option<u32> {
        self.next.fetch_update(SeqCst, SeqCst, |at| at.checked_add(n).filter(|end| *end <= MAX_SHARED_CELLS)).ok()
    }
    /// Where the first cell is in this memory (what a child's job carries in wasm32).
    pub fn address(&self) -> u32 {
        self.cells.as_ptr() as usize as u32
    }
}

/// Cells outside the segment (a hostile child's bytes) read 0 and keep nothing.
#[cfg(feature = "pyvm")]
impl crate::pyvm::value::Cells for Segment {
    fn load(&self, i: u32) -> i64 {
        self.cells.get(i as usize).map_or(0, |c| c.load(SeqCst))
    }
    fn store(&self, i: u32, v: i64) {
        if let Some(c) = self.cells.get(i as usize) {
            c.store(v, SeqCst);
        }
    }
    fn cas(&self, i: u32, old: i64, new: i64) -> bool {
        self.cells.get(i as usize).is_some_and(|c| c.compare_exchange(old, new, SeqCst, SeqCst).is_ok())
    }
}
