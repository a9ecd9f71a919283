//! The lessons: each claim of the seed articles as a question in the
//! learner's words, the seeds' answer, and the experiment that tests it on
//! the visitor's machine. A lesson's experiment is written as a link query
//! (every lesson is a link: `?lesson=<id>`); what it tests, and whether that
//! held, follows from the experiment ([`crate::verdict::Claim::of`]).


#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lesson {
    /// `?lesson=<id>`.
    pub id: &'static str,
    /// The question, as a learner would ask it.
    pub question: &'static str,
    /// What the seed articles answer.
    pub answer: &'static str,
    /// The experiment, as link parameters (workers default to the cores).
    pub query: &'static str,
    /// Where the gallery shows it.
    pub theme: Theme,
}

/// The gallery's groups, in the order a newcomer meets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// The GIL, CPU-bound and I/O-bound work: where to start.
    Gil,
    /// What threads and processes cost: starting, memory, communication.
    Costs,
    /// What goes wrong: crashes and the classic mistakes.
    Mistakes,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::Gil, Theme::Costs, Theme::Mistakes];

    /// The group's heading.
    pub fn title(self) -> &'static str {
        match self {
            Theme::Gil => "Start here: the GIL, CPU-bound and I/O-bound work",
            Theme::Costs => "What threads and processes cost: starting, memory, communication",
            Theme::Mistakes => "When things go wrong: crashes and classic mistakes",
        }
    }
}

pub const ALL: &[Lesson] = &[
    Lesson {
        id: "gil-cpu",
        question: "Do threads speed up CPU-bound work in Python?",
        answer: "No. The GIL lets only one thread run Python code at a time, so CPU-bound threads take about as long as a plain loop.",
        query: "workload=loop&size=100000000&models=sequential,threads_gil,threads&repeats=3",
        theme: Theme::Gil,
    },
    Lesson {
        id: "processes-cpu",
        question: "Do processes speed up CPU-bound work?",
        answer: "Yes. Each process has its own interpreter and its own GIL, so processes compute in parallel on every core.",
        query: "workload=primes&size=1000000&models=sequential,processes&repeats=3",
        theme: Theme::Gil,
    },
    Lesson {
        id: "no-gil",
        question: "What if Python had no GIL?",
        answer: "Free-threaded Python (3.13t) lets threads compute in parallel too, like processes, but in one shared memory.",
        query: "workload=loop&size=100000000&models=sequential,threads&repeats=3",
        theme: Theme::Gil,
    },
    Lesson {
        id: "threads-io",
        question: "Do threads help with I/O-bound work?",
        answer: "Yes. A thread that waits for I/O releases the GIL, so the waits overlap, even on one core.",
        query: "workload=sleep&ms=100&tasks=8&workers=8&models=sequential,threads_gil,processes&repeats=3",
        theme: Theme::Gil,
    },
    Lesson {
        id: "convoy",
        question: "Can a CPU-bound thread slow down an I/O-bound one?",
        answer: "Yes, under the GIL: a thread back from I/O queues behind a computing thread for up to one switch interval (the convoy effect).",
        query: "workload=convoy&cpu_ms=400&io_ms=1&workers=2&models=threads_gil,threads,processes&repeats=3",
        theme: Theme::Gil,
    },
    Lesson {
        id: "together",
        question: "Can threads and processes be used together?",
        answer: "Yes: threads for the waiting inside processes for the computing. The processes compute in parallel, and the threads inside each one overlap their waits.",
        query: "workload=mixed&recipe=cpu+20ms,+io+50ms,+x3&tasks=8&workers=2&threads=2&models=threads_gil,processes,hybrid&repeats=3",
        theme: Theme::Gil,
    },
    Lesson {
        id: "mixed",
        question: "And tasks that both compute and wait?",
        answer: "Threads overlap the waits, but with the GIL they still compute one at a time; processes overlap both.",
        query: "workload=mixed&recipe=cpu+20ms,+io+50ms,+x3&models=sequential,threads_gil,processes&repeats=3",
        theme: Theme::Gil,
    },
    Lesson {
        id: "your-task",
        question: "Can I write a task that threads do speed up?",
        answer: "Yes: a task that waits (time.sleep here, as for a download) releases the GIL, so the threads' waits overlap. Edit it: make it compute instead, and threads + GIL fall back to about 1×.",
        query: "workload=python&code=import+time%0A%0Adef+task%28i%29%3A%0A++++time.sleep%280.1%29++%23+waits%2C+as+for+a+download%3A+the+GIL+is+released%0A++++return+i+%2A+i%0A&tasks=8&workers=8&models=sequential,threads_gil,processes&repeats=3",
        theme: Theme::Gil,
    },
    Lesson {
        id: "communication",
        question: "Is handing data to processes slower than to threads?",
        answer:
            "Yes. Threads read data where it lies, in the memory they share; each process must receive its own copy (pickled in Python, cloned here), and that takes time that grows with the data.",
        query: "workload=data&bytes=67108864&cpu_ms=50&send=clone&tasks=8&models=sequential,threads,processes&repeats=3",
        theme: Theme::Costs,
    },
    Lesson {
        id: "memory",
        question: "Do processes use more memory than threads?",
        answer: "Yes. Threads share one memory, so the data is held once; each process has a memory of its own and needs its own copy of the data.",
        query: "workload=data&bytes=33554432&cpu_ms=0&send=clone&tasks=4&workers=2&models=threads_gil,processes&repeats=1",
        theme: Theme::Costs,
    },
    Lesson {
        id: "scaling",
        question: "Where does adding workers stop helping?",
        answer: "At the number of cores, for CPU-bound work: each worker up to there adds a core's worth of speed; beyond, workers only take turns on the same cores.",
        query: "workload=primes&size=300000&tasks=32&models=threads,processes&sweep=1..2x&repeats=3",
        theme: Theme::Costs,
    },
    Lesson {
        id: "too-many",
        question: "Are more processes always faster?",
        answer: "No. Beyond the number of cores they cannot compute at the same time, and every process costs time to start (far more than a thread), so too many make things slower. A process per task pays that start for every task.",
        query: "workload=primes&size=300000&tasks=32&models=threads,processes,process_per_task&sweep=1,1x,4x,16x&repeats=1",
        theme: Theme::Costs,
    },
    Lesson {
        id: "balance",
        question: "Does it matter how the work is handed out to the workers?",
        answer: "Yes, when tasks cost different amounts: a pool that gives each free worker the next task (executor.map hands them out one at a time) keeps every worker busy; cutting the work into equal halves in advance leaves one worker idle while the other finishes the expensive half.",
        query: "workload=mandelbrot&size=600&iterations=2000&tasks=16&models=sequential,threads,threads_static,processes,processes_static&repeats=3",
        theme: Theme::Costs,
    },
    Lesson {
        id: "crash",
        question: "What happens when a task crashes?",
        answer: "In threads it takes the whole process down with every other task; a crashed process takes down only itself.",
        query: "workload=crash&size=30000000&task=1&models=sequential,threads_gil,processes&repeats=3",
        theme: Theme::Mistakes,
    },
    Lesson {
        id: "race",
        question: "Can threads that share data get it wrong?",
        answer: "Yes. `counter += 1` is a read and a write: two threads that read the same value both write it plus one, and an update is lost (a race condition), even with the GIL when a switch lands in between. A lock or an atomic add fixes it; processes share nothing to race on.",
        query: "workload=race&increments=1000000&switch=0.5&models=sequential,threads_gil,threads,processes&repeats=1",
        theme: Theme::Mistakes,
    },
    Lesson {
        id: "lock",
        question: "Can I fix this race with a lock?",
        answer: "Yes. `counter += 1` reads, adds and writes: threads without the GIL interleave those steps and lose updates. Put the update under `with lock:` and none are lost.",
        query: "workload=python&code=import+threading%0A%0Alock+%3D+threading.Lock%28%29%0Acounter+%3D+0%0A%0Adef+task%28i%29%3A%0A++++global+counter%0A++++for+_+in+range%28100_000%29%3A%0A++++++++counter+%2B%3D+1++%23+a+race%3A+put+it+under+%60with+lock%3A%60%0A++++return+i%0A&tasks=4&models=sequential,threads_gil,threads&repeats=1",
        theme: Theme::Mistakes,
    },
    Lesson {
        id: "deadlock",
        question: "What is a deadlock, and how do I avoid one?",
        answer: "Two threads that take two locks in opposite orders can each end up holding one and waiting for the other, for ever. Take locks in one order everywhere (or with a timeout), and it cannot happen.",
        query: "workload=deadlock&hold_ms=50&watchdog_ms=1000&workers=2&models=sequential,threads_gil,processes&repeats=1",
        theme: Theme::Mistakes,
    },
    Lesson {
        id: "join",
        question: "What happens if I forget join()?",
        answer: "The main program carries on while its threads still run: it reads their results before they exist and reports a partial, wrong answer. join() waits for them.",
        query: "workload=join&size=100000000&workers=2&models=threads_gil&repeats=1",
        theme: Theme::Mistakes,
    },
];

pub fn find(id: &str) -> Option<&'static Lesson> {
    ALL.iter().find(|l| l.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gallery_order_is_grouped_by_theme_and_ids_are_unique() {
        let themes: Vec<Theme> = ALL.iter().map(|l| l.theme).collect();
        let mut grouped = themes.clone();
        grouped.sort_by_key(|t| Theme::ALL.iter().position(|x| x == t));
        assert_eq!(themes, grouped, "ALL lists each theme's lessons together, in Theme::ALL order");
        assert!(Theme::ALL.iter().all(|t| themes.contains(t)));
        let mut ids: Vec<&str> = ALL.iter().map(|l| l.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
    }
}
