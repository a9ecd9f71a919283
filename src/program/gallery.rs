//! The programs the Program mode's gallery offers: first the tutorials' own
//! example programs, exactly as written there (`gallery/*.py`, copied from
//! the tutorials with only their line breaks and indentation restored);
//! then the lessons' claims as whole programs, written for ThreadLab (CPU
//! threads against the GIL, a lock, a forgotten join, a process's own
//! memory, a deadlock broken by a timeout). Each prints the same lines
//! under CPython, whatever the timing (tests/program.rs checks).

/// A program of the gallery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Example {
    /// Its id in links (`example=threads_io_sleep`) and its file name.
    pub id: &'static str,
    pub title: &'static str,
    /// What the tutorial shows with it.
    pub point: &'static str,
    pub source: &'static str,
}

pub static ALL: &[Example] = &[
    Example {
        id: "threads_numbers_letters",
        title: "Two threads print numbers and letters",
        point: "creating, starting and joining two threads",
        source: include_str!("gallery/threads_numbers_letters.py"),
    },
    Example {
        id: "processes_numbers_letters",
        title: "The same with two processes",
        point: "creating, starting and joining two processes",
        source: include_str!("gallery/processes_numbers_letters.py"),
    },
    Example {
        id: "threads_io_sleep",
        title: "Two threads sleep for 2 s",
        point: "I/O-bound threads overlap their waits: about 2 s, not 4",
        source: include_str!("gallery/threads_io_sleep.py"),
    },
    Example {
        id: "processes_cpu_loop",
        title: "Two processes count to 10**7",
        point: "CPU-bound processes run in parallel on two cores",
        source: include_str!("gallery/processes_cpu_loop.py"),
    },
    Example {
        id: "threadpool_io",
        title: "ThreadPoolExecutor.map for I/O",
        point: "a thread pool for I/O-bound tasks",
        source: include_str!("gallery/threadpool_io.py"),
    },
    Example {
        id: "processpool_cpu",
        title: "ProcessPoolExecutor.map for CPU",
        point: "a process pool for CPU-bound tasks",
        source: include_str!("gallery/processpool_cpu.py"),
    },
    Example {
        id: "threads_cpu_loop",
        title: "Two threads count to 10**7",
        point: "CPU-bound threads take turns under the GIL: switch it off to see them run at once",
        source: include_str!("gallery/threads_cpu_loop.py"),
    },
    Example {
        id: "lock_counter",
        title: "Four threads add to one counter under a lock",
        point: "a Lock makes counter += 1 safe: no update is lost, GIL or not",
        source: include_str!("gallery/lock_counter.py"),
    },
    Example {
        id: "forgotten_join",
        title: "A thread never joined",
        point: "without join() the main thread's code ends first, but Python still waits for the thread",
        source: include_str!("gallery/forgotten_join.py"),
    },
    Example {
        id: "processes_own_memory",
        title: "A process changes a global",
        point: "a child process has its own memory: the parent's counter is unchanged",
        source: include_str!("gallery/processes_own_memory.py"),
    },
    Example {
        id: "deadlock_timeout",
        title: "Two threads take two locks in opposite orders",
        point: "each holds the lock the other wants: a deadlock, until a timeout breaks it",
        source: include_str!("gallery/deadlock_timeout.py"),
    },
];

/// The gallery's program `id`.
pub fn get(id: &str) -> Option<&'static Example> {
    ALL.iter().find(|e| e.id == id)
}
