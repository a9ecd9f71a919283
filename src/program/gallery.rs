//! The programs the Program mode's gallery offers: the tutorials' own
//! example programs, exactly as written there (`gallery/*.py`, copied from
//! the tutorials with only their line breaks and indentation restored).

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
];

/// The gallery's program `id`.
pub fn get(id: &str) -> Option<&'static Example> {
    ALL.iter().find(|e| e.id == id)
}
