//! Fuzz test of experiment links: `threadlab::link::decode` and
//! `SharedRun::decode` on hostile input (a link is untrusted text anyone can
//! send a learner).
//!
//! Inputs: arbitrary text and bytes; valid links mutated (parameters dropped,
//! duplicated, renamed, values replaced by numbers at and beyond every limit,
//! negative, huge, NaN/inf, empty, HTML/script, `javascript:`, percent-encoding
//! garbage, unicode, very long values); the results field `r` as random
//! base64url-ish text, truncated or bit-flipped valid fields, lz-string of JSON
//! that is not a run; queries around the length limit and of 100 KB; and every
//! entry of `tests/browser/hostile-links.json`.
//!
//! Properties, for every input: decoding never panics and is quick (the
//! slowest input is printed with `--nocapture`); the experiment it yields is
//! valid (`Experiment::from_value` of its JSON gives it back); re-encoding the
//! link and decoding that gives the same link with nothing ignored; a link
//! that names no experiment gives the defaults; every message is at most
//! `MAX_MESSAGE_CHARS` characters, has no control characters, and repeats
//! at most about `MAX_ECHO_CHARS` characters of any one key or value (a
//! `` `key=value` `` quote: 30 and 40).
//!
//! Inputs: `LINK_FUZZ_CASES` links for `decode` (read here, not
//! `PROPTEST_CASES`: proptest ignores its own variables on wasm32), a quarter
//! as many for its messages and for `SharedRun::decode`, a tenth for valid
//! runs. By default 8,000 natively (a debug `cargo test` of this file takes
//! about 15 s on two cores) and 3,000 on wasm32 (`npm test` runs this file
//! again, as 32-bit code under Node's WASI). At least a million inputs
//! (release build, about two minutes):
//!
//! ```text
//! LINK_FUZZ_CASES=1000000 cargo test --release -p threadlab --test link_fuzz
//! LINK_FUZZ_CASES=1000000 cargo test --release -p threadlab --test link_fuzz -- --nocapture --test-threads=1  # with timings, slowest inputs
//! cargo +stable test -p threadlab --target wasm32-wasip1 --test link_fuzz -- --nocapture                      # as in npm test
//! ```
//!
//! A failure shows the smallest failing input proptest found (natively; on
//! wasm32 a panic aborts at once, unshrunk).

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::strategy::Union;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use threadlab::link::{self, SharedModel, SharedRun, Theme, View, MAX_QUERY_CHARS, MAX_RESULTS_CHARS};
use threadlab::{Experiment, Model};

/// A message longer than this is a wall of text (or echoes the input).
const MAX_MESSAGE_CHARS: usize = 300;
/// A message may quote this many characters of a value in a row (link.rs
/// cuts what it repeats to 40 and marks the cut with `…`)...
const MAX_ECHO_CHARS: usize = 40;
/// ...and the characters around the quote (a space, quotes, a bracket) may
/// happen to be in the input too, next to the same text: a longer run of
/// the input is an echo not cut.
const ECHO_SLACK: usize = 4;
/// One decode taking longer than this is a bug (a decompression bomb, a
/// quadratic path). Generous: debug builds under wasm are slow, and CI is busy.
const MAX_DECODE: Duration = Duration::from_secs(2);
/// The browser name of a shared run: at most 60 characters, and `…`.
const MAX_BROWSER_CHARS: usize = 61;

/// Inputs per fuzz test (see the top of the file).
fn cases() -> u32 {
    let default = if cfg!(target_family = "wasm") { 3_000 } else { 8_000 };
    match std::env::var("LINK_FUZZ_CASES") {
        Ok(s) => s.trim().parse().unwrap_or_else(|_| panic!("LINK_FUZZ_CASES={s:?} is not a whole number")),
        Err(_) => default,
    }
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        // Under the WASI runner there is no file system to save to; the
        // failing input is in the panic message.
        failure_persistence: None,
        max_shrink_iters: 4_096,
        ..Config::default()
    })
}

/// The slowest input seen by a fuzz test.
#[derive(Default)]
struct Slowest {
    took: Duration,
    input: String,
    count: u64,
    total: Duration,
}

impl Slowest {
    fn record(&mut self, took: Duration, input: &str) {
        self.count += 1;
        self.total += took;
        if took > self.took {
            self.took = took;
            self.input = short(input);
        }
    }
    fn report(&self, test: &str) {
        let mean = self.total.checked_div(self.count.max(1) as u32).unwrap_or_default();
        eprintln!("{test}: {} inputs, mean {mean:?}, slowest {:?}: {}", self.count, self.took, self.input);
    }
}

/// `f()` and how long it takes: when it takes over a millisecond, the least
/// of three runs (one run is often slow by chance: a busy machine).
fn timed<T>(f: impl Fn() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    let mut took = start.elapsed();
    if took > Duration::from_millis(1) {
        for _ in 0..2 {
            let start = Instant::now();
            std::hint::black_box(f());
            took = took.min(start.elapsed());
        }
    }
    (out, took)
}

/// An input, shown briefly.
fn short(s: &str) -> String {
    let n = s.chars().count();
    let head: String = s.chars().take(100).collect();
    if n > 100 {
        format!("{head:?}… ({} bytes)", s.len())
    } else {
        format!("{head:?}")
    }
}

/// Runs `test` on `cases` inputs of `strategy`; panics with the smallest
/// failing input proptest finds.
fn fuzz<S: Strategy>(name: &str, cases: u32, strategy: S, test: impl Fn(&S::Value, &mut Slowest) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let slowest = RefCell::new(Slowest::default());
    let started = Instant::now();
    let result = runner(cases).run(&strategy, |input| test(&input, &mut slowest.borrow_mut()));
    let s = slowest.borrow();
    s.report(name);
    eprintln!("{name}: {:?} in all", started.elapsed());
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

// ---------------------------------------------------------------------------
// The properties.

/// `decode(query, cores)`: quick, valid, idempotent; the defaults when the
/// link names no experiment. Returns the time decoding took.
fn check_decode(query: &str, cores: u32) -> Result<(Duration, link::Decoded), TestCaseError> {
    let (d, took) = timed(|| link::decode(query, cores));
    prop_assert!(took < MAX_DECODE, "decoding took {took:?}");

    let e = &d.link.experiment;
    let v = serde_json::to_value(e).map_err(|err| TestCaseError::fail(format!("the experiment does not serialise: {err}")))?;
    match Experiment::from_value(&v, 2) {
        Ok(back) => prop_assert_eq!(&back, e, "the experiment changed through its JSON {}", v),
        Err(err) => return Err(TestCaseError::fail(format!("the decoded experiment {v} is invalid: {err}"))),
    }
    if !d.has_experiment {
        prop_assert_eq!(e, &Experiment::defaults(cores), "no experiment named, yet not the defaults");
    }
    if let Some(run) = &d.link.shared {
        check_run(run)?;
    }

    let again = link::encode(&d.link.experiment, &d.link.view, d.link.shared.as_ref());
    let d2 = link::decode(&again, cores);
    prop_assert_eq!(&d2.ignored, &Vec::<String>::new(), "re-encoded as {}", again);
    prop_assert_eq!(&d2.link, &d.link, "re-encoded as {}", again);
    prop_assert!(d2.has_experiment, "re-encoded as {}", again);
    prop_assert!(d2.whole.is_none(), "an experiment's link re-encoded as {} shows a program", again);
    // A whole program: within its limit, and its own link gives it back.
    if let Some(p) = &d.whole {
        prop_assert!(!p.code.trim().is_empty() && p.code.chars().count() <= threadlab::program::MAX_PROGRAM_CHARS, "{} characters", p.code.chars().count());
        let again = link::encode_program(p, &d.link.view);
        let d3 = link::decode(&again, cores);
        prop_assert_eq!(&d3.ignored, &Vec::<String>::new(), "re-encoded as {}", again);
        prop_assert_eq!(d3.whole.as_ref(), Some(p), "re-encoded as {}", again);
        prop_assert_eq!(d3.link.view, View { lesson: None, ..d.link.view }, "re-encoded as {}", again);
    }
    Ok((took, d))
}

/// A run a link may carry: the limits `SharedRun::decode` promises, and a
/// round trip through its own field.
fn check_run(run: &SharedRun) -> Result<(), TestCaseError> {
    prop_assert!((1..=1024).contains(&run.cores), "cores {}", run.cores);
    prop_assert!(run.browser.chars().count() <= MAX_BROWSER_CHARS, "browser {:?}", run.browser);
    prop_assert!(!run.browser.chars().any(char::is_control), "browser {:?}", run.browser);
    prop_assert!(!run.models.is_empty() && run.models.len() <= Model::ALL.len(), "{} models", run.models.len());
    for (i, m) in run.models.iter().enumerate() {
        prop_assert!(!run.models[..i].iter().any(|o| o.model == m.model), "{} twice", m.model);
        let ms = [m.min_ms, m.median_ms, m.max_ms];
        prop_assert!(ms.iter().all(|x| x.is_finite() && (0.0..=1.0e7).contains(x)), "{m:?}");
        prop_assert!(m.min_ms <= m.median_ms && m.median_ms <= m.max_ms, "{m:?}");
        prop_assert!(m.speedup.is_none_or(|s| s.is_finite() && (0.0..=1000.0).contains(&s)), "{m:?}");
    }
    let field = run.encode();
    prop_assert!(field.len() <= MAX_RESULTS_CHARS, "{} characters", field.len());
    let back = SharedRun::decode(&field);
    prop_assert_eq!(back.as_ref(), Ok(run), "through {}", field);
    Ok(())
}

/// Messages: short, printable, and quoting little of the input.
fn check_messages(query: &str, messages: &[String]) -> Result<(), TestCaseError> {
    for m in messages {
        check_message(m)?;
    }
    // Every run of `n` characters of a key or value, as the page reads them
    // (percent-decoded).
    let n = MAX_ECHO_CHARS + ECHO_SLACK + 1;
    let q = query.strip_prefix('?').unwrap_or(query);
    let texts: Vec<String> = form_urlencoded::parse(q.as_bytes())
        .flat_map(|(k, v)| [k.into_owned(), v.into_owned()])
        .filter(|t| t.chars().nth(n - 1).is_some())
        .collect();
    if texts.is_empty() || messages.is_empty() {
        return Ok(());
    }
    let mut windows: HashSet<&str> = HashSet::new();
    for t in &texts {
        windows.extend(char_windows(t, n));
    }
    for m in messages {
        for piece in unquoted(m) {
            if let Some(w) = char_windows(piece, n).find(|w| windows.contains(w)) {
                return Err(TestCaseError::fail(format!("the message {m:?} echoes {n} characters of the input in a row ({w:?})")));
            }
        }
    }
    Ok(())
}

/// The parts of a message outside its quotes of a parameter as given,
/// `` `key=value` ``, which link.rs cuts to 30 and 40 characters (each maybe
/// with `…`): key and value together may be longer than MAX_ECHO_CHARS, and
/// a repetitive value then repeats across the `=`.
fn unquoted(m: &str) -> Vec<&str> {
    let ticks: Vec<usize> = m.match_indices('`').map(|(i, _)| i).collect();
    let mut pieces = Vec::new();
    let mut from = 0;
    for w in ticks.windows(2) {
        let (a, b) = (w[0], w[1]);
        let inner = &m[a + 1..b];
        // (A key may hold `=` too, percent-encoded.)
        let quote = inner.match_indices('=').any(|(i, _)| inner[..i].chars().count() <= 31 && inner[i + 1..].chars().count() <= 41);
        if a >= from && quote {
            pieces.push(&m[from..a]);
            from = b + 1;
        }
    }
    pieces.push(&m[from..]);
    pieces
}

fn check_message(m: &str) -> Result<(), TestCaseError> {
    let n = m.chars().count();
    prop_assert!(n <= MAX_MESSAGE_CHARS, "a message of {} characters: {}", n, short(m));
    prop_assert!(!m.chars().any(char::is_control), "a message with a control character: {:?}", m);
    Ok(())
}

/// Every run of `n` characters of `s`.
fn char_windows(s: &str, n: usize) -> impl Iterator<Item = &str> {
    let starts: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
    (0..starts.len().saturating_sub(n)).map(move |i| &s[starts[i]..starts[i + n]])
}

// ---------------------------------------------------------------------------
// The inputs.

const PARAMS: &[&str] = &[
    "v", "workload", "tasks", "workers", "models", "repeats", "switch", "trace", "autorun", "embed", "edit", "theme", "r", // link.rs `param`
    "mode", "example", "program", "programz", "gil", // a whole program (`mode=program`)
    "size", "ms", "recipe", "cpu_ms", "io_ms", "code", "codez", // the workloads' FIELDS (and a compressed code field)
    "kind", "switch_interval_ms", // version 0
];
const ODD_KEYS: &[&str] = &[
    "wokers", "Workers", "WORKLOAD", "taks", "sizes", "V", "version", "workload.size", "workload.kind", "tasks[]", "r[]", "__proto__",
    "constructor", "", "%", "%00", "\u{202E}v", "ｖ", "tasks ", " tasks", "x", "results", "repeat", "switch_interval", "io", "cpu",
    "autoplay", "edit\u{0}", "<script>alert(1)</script>", "javascript:alert(1)",
];
const WORKLOADS: &[&str] = &["loop", "primes", "sleep", "mixed", "convoy", "python", "Python", "LOOP", " loop", "prime", "fly", "", "workload", "0"];
const MODEL_NAMES: &[&str] = &["sequential", "threads_gil", "threads", "processes", "fibers", "THREADS", " threads", "threads-gil", ""];
const FLAGS: &[&str] = &["1", "0", "true", "false", "", "yes", "no", "TRUE", "2", "-1", "on", " 1"];
const THEMES: &[&str] = &["auto", "light", "dark", "Dark", "", "blue", "\"><img src=x onerror=alert(1)>"];
/// Every limit of every parameter (link.rs, experiment.rs, workloads/*.rs)
/// and the edges of the integer types; each is tried with -2..=+2 around it.
const LIMITS: &[i128] = &[
    0,
    1,
    2,
    10,
    20,
    21,
    50,
    64,
    100,
    512,
    1_024,
    4_096,
    10_000,
    16_384,
    120_000,
    1_000_000,
    20_000_000,
    300_000_000,
    5_000_000_000,
    60_000_000_000,
    1 << 31,
    1 << 32,
    1 << 53,
    1 << 63,
    1 << 64,
    100_000_000_000_000_000_000,
];
const SPECIAL_NUMBERS: &[&str] = &[
    "NaN", "nan", "-NaN", "inf", "-inf", "Infinity", "-Infinity", "infinity", "1e309", "-1e309", "1e-400", "4.9e-324",
    "1.7976931348623157e308", "-0", "-0.0", "+0", "0.0", "0.1", "0.09999999999999999", "0.1000000000000001", "100.0",
    "100.00000000000001", "99.99999999999999", "0x10", "0b1", "0o7", "1_000", "1,000", "1 000", "١٢", "５", "²", "½", "1e3",
    "1E3", "5e9", "5.000000001e9", "2e7", ".5", "5.", "+5", "--5", "5-", "", " ", "\t8", "8\n", "8%00", "8\u{0}", "8\u{7f}",
];
const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "'\"`${alert(1)}`",
    "{{constructor.constructor('alert(1)')()}}",
    "</textarea><script>alert(1)</script>",
    "&#x3C;script&#x3E;",
    "\\u003cscript\\u003e",
    "%3Cscript%3E",
    "%",
    "%%",
    "%zz",
    "%0",
    "%00",
    "%FF",
    "%C0%AF",
    "%ED%A0%80",
    "%E2%80%AE",
    "%F0%9F%92%A9",
    "+",
    "&",
    "=",
    "==",
    "?",
    "#",
    "#r=1",
    "\u{202E}",
    "\u{202E}daolkrow\u{202C}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{0}",
    "\u{7}",
    "\u{1b}[31mred",
    "\u{7f}",
    "\u{85}",
    "\u{9b}",
    "\r\n",
    "\t",
    "İ",
    "ß",
    "ﬃ",
    "𝟙𝟚",
    "💥",
    "\u{10FFFF}",
    "\u{FFFD}",
    "null",
    "[]",
    "{}",
    "{\"a\":1}",
    "undefined",
    "__proto__",
];

/// `s` percent-encoded as a form value.
fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn strs(list: &'static [&'static str]) -> BoxedStrategy<String> {
    select(list).prop_map(str::to_string).boxed()
}

fn number() -> BoxedStrategy<String> {
    prop_oneof![
        6 => (select(LIMITS), -2i128..=2, any::<bool>()).prop_map(|(l, d, neg)| (if neg { -(l + d) } else { l + d }).to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|x| format!("{x}")),
        1 => any::<f64>().prop_map(|x| format!("{x:e}")),
        2 => (0.0f64..200.0).prop_map(|x| format!("{x}")),
        2 => strs(SPECIAL_NUMBERS),
        1 => (select(LIMITS), "[ \t+0-]{0,3}", "[ \t.0eE]{0,3}").prop_map(|(l, p, s)| format!("{p}{l}{s}")),
        // Long numbers: in range after the zeros, or not; echoed whole?
        1 => (0usize..3000, select(LIMITS), -1i128..=1).prop_map(|(zeros, l, d)| format!("{}{}", "0".repeat(zeros), l + d)),
    ]
    .boxed()
}

fn long_text() -> BoxedStrategy<String> {
    prop_oneof![
        "[a-z0-9<>%&=+ ,]{41,120}",
        (select(HOSTILE), 2usize..300).prop_map(|(s, n)| s.repeat(n)),
        (select(&["9", "a", "cpu 1ms, ", "threads,", "\u{202E}", "é", "\u{1}"][..]), 41usize..17_000).prop_map(|(s, n)| s.repeat(n)),
        ".{41,200}",
    ]
    .boxed()
}

fn models_text() -> BoxedStrategy<String> {
    let item = prop_oneof![6 => strs(MODEL_NAMES), 1 => strs(HOSTILE), 1 => number(), 1 => ".{0,20}"];
    (vec(item, 0..7), select(&[",", ", ", ",,", " , ", ";", "%2C"][..])).prop_map(|(items, sep)| items.join(sep)).boxed()
}

fn recipe_text() -> BoxedStrategy<String> {
    let kind = select(&["cpu", "io", "i/o", "sleep", "CPU", "Io", "gpu", "", "x", "×", "*", "X", "cpu-", "İo", "<b>"][..]);
    let step = (kind, select(&["", " ", "  "][..]), number(), select(&["ms", "", " ms", "MS"][..])).prop_map(|(k, s, n, u)| format!("{k}{s}{n}{u}"));
    let step = prop_oneof![8 => step, 1 => strs(HOSTILE), 1 => ".{0,60}"];
    // Up to 20 steps are allowed.
    let steps = prop_oneof![4 => vec(step.clone(), 0..6), 1 => vec(step, 18..24)];
    (steps, select(&[", ", ",", ";", " ; ", ",,"][..])).prop_map(|(steps, sep)| steps.join(sep)).boxed()
}

/// A value for any parameter.
fn value() -> BoxedStrategy<String> {
    prop_oneof![
        5 => number(),
        3 => strs(HOSTILE),
        1 => strs(WORKLOADS),
        1 => strs(FLAGS),
        2 => models_text(),
        2 => recipe_text(),
        1 => long_text(),
        1 => any::<String>(),
        1 => "[ -~]{0,30}",
        2 => r_field(),
    ]
    .boxed()
}

/// A value made for `key`, mostly.
fn value_for(key: &str) -> BoxedStrategy<String> {
    let fit = match key {
        "r" => r_field(),
        "models" => models_text(),
        "recipe" => recipe_text(),
        "code" => code_text(),
        "codez" => prop_oneof![2 => code_text().prop_map(|c| lz(&c)), 1 => code_text().prop_map(|c| { let z = lz(&c); z[..z.len() / 2].to_string() }), 1 => value()].boxed(),
        "workload" | "kind" => strs(WORKLOADS),
        "mode" => strs(&["program", "experiment", "Program", "", "programs", "<b>"]),
        "example" => prop_oneof![3 => select(threadlab::program::gallery::ALL).prop_map(|e| e.id.to_string()), 1 => strs(HOSTILE), 1 => strs(&["threads_io", "THREADS_IO_SLEEP", ""])].boxed(),
        "program" => program_text(),
        "programz" => prop_oneof![2 => program_text().prop_map(|c| lz(&c)), 1 => program_text().prop_map(|c| { let z = lz(&c); z[..z.len() / 2].to_string() }), 1 => value()].boxed(),
        "gil" => prop_oneof![3 => strs(&["0", "1"]), 1 => strs(FLAGS)].boxed(),
        "autorun" | "embed" | "edit" | "trace" => strs(FLAGS),
        "theme" => strs(THEMES),
        _ => number(),
    };
    prop_oneof![3 => fit, 1 => value()].boxed()
}

/// Python task code: valid, broken, hostile, unicode, quotes, long.
fn code_text() -> BoxedStrategy<String> {
    let body = prop_oneof![
        strs(&["return i", "return i * 2", "return 'é💥'", "return \"</script><script>alert(1)</script>\"", "return '\"' + \"'\"", "return 1 / 0", "while True:\n        pass", "return (i +", "import numpy", "return undefined"]),
        strs(HOSTILE),
        ".{0,60}",
    ];
    prop_oneof![
        4 => body.clone().prop_map(|b| format!("def task(i):\n    {b}\n")),
        1 => (body, 1usize..400).prop_map(|(b, n)| format!("def task(i):\n{}    {b}\n", "    x = 'ü<&>\"'\n".repeat(n))),
        1 => "[a-z(): \n=+'\"<>]{0,200}",
        1 => long_text(),
    ]
    .boxed()
}

/// A whole program: a gallery program, changed or not, or any text.
fn program_text() -> BoxedStrategy<String> {
    let example = select(threadlab::program::gallery::ALL).prop_map(|e| e.source.to_string());
    prop_oneof![
        2 => example.clone(),
        2 => (example, strs(HOSTILE)).prop_map(|(e, h)| format!("{e}print({h:?})\n")),
        2 => code_text(),
        1 => (strs(HOSTILE), 1usize..3000).prop_map(|(h, n)| format!("print('{}')\n", h.repeat(n))),
    ]
    .boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![12 => strs(PARAMS), 3 => strs(ODD_KEYS), 1 => "[a-z_]{1,12}", 1 => ".{0,60}", 1 => long_text()].boxed()
}

/// One `key=value` of a query, written as a link would (percent-encoded),
/// raw (so `&`, `=`, `%` in it break the structure), or without `=`.
fn pair() -> BoxedStrategy<String> {
    let mut arms: Vec<(u32, BoxedStrategy<(String, String)>)> = PARAMS.iter().map(|k| (4, (Just(k.to_string()), value_for(k)).boxed())).collect();
    let odd = prop_oneof![4 => strs(ODD_KEYS), 1 => "[a-z_]{1,12}", 1 => ".{0,60}", 1 => long_text()];
    arms.push((15, (odd, value()).boxed()));
    (Union::new_weighted(arms), 0u8..8)
        .prop_map(|((k, v), how)| match how {
            0..=4 => format!("{}={}", enc(&k), enc(&v)),
            5 | 6 => format!("{k}={v}"),
            _ => k,
        })
        .boxed()
}

fn pairs_query() -> BoxedStrategy<String> {
    (vec(pair(), 0..10), select(&["&", "&", "&", "&&", ";", "&amp;"][..]), select(&["", "", "?", "??", "#"][..]))
        .prop_map(|(pairs, sep, prefix)| format!("{prefix}{}", pairs.join(sep)))
        .boxed()
}

fn arbitrary_query() -> BoxedStrategy<String> {
    prop_oneof![
        any::<String>(),
        vec(any::<u8>(), 0..200).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        // Arbitrary bytes, percent-encoded: invalid UTF-8 after decoding.
        (vec(any::<u8>(), 0..100), strs(PARAMS)).prop_map(|(b, k)| format!("{k}={}", b.iter().map(|b| format!("%{b:02X}")).collect::<String>())),
        "[a-z=&%0-9A-Fz+?,;. <>\"'-]{0,200}",
        "((v|workload|tasks|workers|models|repeats|switch|trace|autorun|embed|edit|theme|r|size|ms|recipe|cpu_ms|io_ms)=[a-z0-9%,.+ -]{0,12}&){0,16}",
    ]
    .boxed()
}

/// A valid link (as `encode` writes it) of any experiment, view and run.
fn valid_query() -> BoxedStrategy<String> {
    let step = (any::<bool>(), 0u64..=10_000).prop_map(|(cpu, ms)| format!("{} {ms}ms", if cpu { "cpu" } else { "io" }));
    let recipe = (vec(step, 1..=20), 1u32..=100).prop_map(|(steps, x)| format!("{}, x{x}", steps.join(", ")));
    let workload = prop_oneof![
        (1u64..=5_000_000_000).prop_map(|n| format!("workload=loop&size={n}")),
        (1u64..=20_000_000).prop_map(|n| format!("workload=primes&size={n}")),
        (0u64..=10_000).prop_map(|n| format!("workload=sleep&ms={n}")),
        recipe.prop_map(|r| format!("workload=mixed&recipe={}", enc(&r))),
        (10u64..=10_000, 0u64..=100).prop_map(|(c, i)| format!("workload=convoy&cpu_ms={c}&io_ms={i}")),
        code_text().prop_map(|c| format!("workload=python&code={}", enc(&c))),
    ];
    let rest = (1u32..=512, 1u32..=64, vec(any::<bool>(), 4), 1u32..=20, 0.1f64..=100.0, any::<bool>());
    let lessons: Vec<Option<&'static str>> = std::iter::once(None).chain(threadlab::lessons::ALL.iter().map(|l| Some(l.id))).collect();
    let view = (any::<bool>(), any::<bool>(), any::<bool>(), select(&[Theme::Auto, Theme::Light, Theme::Dark][..]), select(lessons), any::<bool>())
        .prop_map(|(autorun, embed, edit, theme, lesson, predict)| View { autorun, embed, edit, theme, lesson, predict });
    (workload, rest, view, proptest::option::of(shared_run()))
        .prop_map(|(w, (tasks, workers, on, repeats, switch, trace), view, shared)| {
            let models: Vec<&str> = Model::ALL.iter().zip(&on).filter(|(_, on)| **on).map(|(m, _)| m.as_str()).collect();
            let q = format!("{w}&tasks={tasks}&workers={workers}&models={}&repeats={repeats}&switch={switch}&trace={}", models.join(","), trace as u8);
            // The decoder makes it valid (it drops what breaks the budget).
            let d = link::decode(&q, 4);
            link::encode(&d.link.experiment, &view, shared.as_ref())
        })
        .boxed()
}

#[derive(Debug, Clone)]
enum Mutation {
    Drop(Index),
    Duplicate(Index),
    DuplicateWith(Index, String),
    Replace(Index, String),
    Rename(Index, String),
    Insert(Index, String),
    Swap(Index, Index),
    /// The `r` field: cut, or one character replaced (six bits flipped).
    TruncateR(Index),
    FlipR(Index, u8),
    /// The whole query: cut, text inserted, pasted twice.
    Truncate(Index),
    InsertText(Index, String),
    PasteTwice(bool),
}

fn mutation() -> BoxedStrategy<Mutation> {
    prop_oneof![
        2 => any::<Index>().prop_map(Mutation::Drop),
        1 => any::<Index>().prop_map(Mutation::Duplicate),
        1 => (any::<Index>(), value()).prop_map(|(i, v)| Mutation::DuplicateWith(i, v)),
        6 => (any::<Index>(), value(), any::<bool>()).prop_map(|(i, v, raw)| Mutation::Replace(i, if raw { v } else { enc(&v) })),
        1 => (any::<Index>(), key()).prop_map(|(i, k)| Mutation::Rename(i, k)),
        2 => (any::<Index>(), pair()).prop_map(|(i, p)| Mutation::Insert(i, p)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(i, j)| Mutation::Swap(i, j)),
        2 => any::<Index>().prop_map(Mutation::TruncateR),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::FlipR(i, b)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), prop_oneof![strs(HOSTILE), ".{0,20}"]).prop_map(|(i, s)| Mutation::InsertText(i, s)),
        1 => any::<bool>().prop_map(Mutation::PasteTwice),
    ]
    .boxed()
}

/// The largest char boundary of `s` at or below `i`.
fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(query: &str, mutations: &[Mutation]) -> String {
    let mut parts: Vec<String> = query.split('&').map(str::to_string).collect();
    let mut tail: Vec<&Mutation> = Vec::new();
    for m in mutations {
        let n = parts.len();
        match m {
            Mutation::Drop(i) if n > 0 => {
                parts.remove(i.index(n));
            }
            Mutation::Duplicate(i) if n > 0 => {
                let p = parts[i.index(n)].clone();
                parts.push(p);
            }
            Mutation::DuplicateWith(i, v) if n > 0 => {
                let k = parts[i.index(n)].split('=').next().unwrap_or("").to_string();
                parts.push(format!("{k}={}", enc(v)));
            }
            Mutation::Replace(i, v) if n > 0 => {
                let i = i.index(n);
                let k = parts[i].split('=').next().unwrap_or("").to_string();
                parts[i] = format!("{k}={v}");
            }
            Mutation::Rename(i, k) if n > 0 => {
                let i = i.index(n);
                let v = parts[i].split_once('=').map_or(String::new(), |(_, v)| v.to_string());
                parts[i] = format!("{}={v}", enc(k));
            }
            Mutation::Insert(i, p) => parts.insert(i.index(n + 1), p.clone()),
            Mutation::Swap(i, j) if n > 0 => parts.swap(i.index(n), j.index(n)),
            Mutation::TruncateR(i) => {
                if let Some(p) = parts.iter_mut().find(|p| p.starts_with("r=")) {
                    let cut = floor_boundary(p, 2 + i.index(p.len() - 1));
                    p.truncate(cut);
                }
            }
            Mutation::FlipR(i, b) => {
                if let Some(p) = parts.iter_mut().find(|p| p.starts_with("r=") && p.len() > 2) {
                    *p = flip(p, 2 + i.index(p.len() - 2), *b);
                }
            }
            Mutation::Truncate(_) | Mutation::InsertText(..) | Mutation::PasteTwice(_) => tail.push(m),
            _ => {}
        }
    }
    let mut q = parts.join("&");
    for m in tail {
        match m {
            Mutation::Truncate(i) => {
                let cut = floor_boundary(&q, i.index(q.len() + 1));
                q.truncate(cut);
            }
            Mutation::InsertText(i, s) => {
                let at = floor_boundary(&q, i.index(q.len() + 1));
                q.insert_str(at, s);
            }
            Mutation::PasteTwice(amp) => q = if *amp { format!("{q}&{q}") } else { format!("{q}{q}") },
            _ => {}
        }
    }
    q
}

/// The lz-string URI alphabet.
const URI_KEY: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$";

/// `s` with the character at byte `i` replaced by one of the alphabet (or
/// by a character outside it).
fn flip(s: &str, i: usize, b: u8) -> String {
    let i = floor_boundary(s, i);
    let mut out = s[..i].to_string();
    out.push(if b < 250 { URI_KEY[b as usize % URI_KEY.len()] as char } else { ['%', '&', '=', ' ', '\u{0}', 'é'][(b - 250) as usize] });
    out.extend(s[i..].chars().skip(1));
    out
}

fn mutated_query() -> BoxedStrategy<String> {
    (valid_query(), vec(mutation(), 1..6)).prop_map(|(q, ms)| mutate(&q, &ms)).boxed()
}

/// Queries at the length limit (16,384 bytes) and beyond (100 KB), of
/// repeated units: many keys, many duplicates, garbage.
fn long_query() -> BoxedStrategy<String> {
    let unit = select(&["a=&", "a&", "&", "=", "%", "%zz", "%00", "tasks=1&", "models=x,", "<script>", "9", "\u{202E}", "é", "r=AAAA&", "k", "#distinct"][..]);
    let len = prop_oneof![
        4 => MAX_QUERY_CHARS - 2..=MAX_QUERY_CHARS + 2,
        1 => Just(100_000usize),
        1 => 0usize..MAX_QUERY_CHARS,
    ];
    (unit, len, pairs_query())
        .prop_map(|(unit, len, start)| {
            let mut q = start;
            q.push('&');
            let mut i = 0;
            while q.len() < len {
                if unit == "#distinct" {
                    q.push_str(&format!("k{i}=&"));
                } else {
                    q.push_str(unit);
                }
                i += 1;
            }
            let cut = floor_boundary(&q, len);
            q.truncate(cut);
            q
        })
        .boxed()
}

fn query() -> BoxedStrategy<String> {
    prop_oneof![
        3 => arbitrary_query(),
        5 => pairs_query(),
        8 => mutated_query(),
        1 => valid_query(),
        // Expensive in debug builds (thousands of parameters): rare.
        1 => prop_oneof![30 => pairs_query(), 1 => long_query()],
    ]
    .boxed()
}

/// The visitor's core count: small mostly, any at times.
fn cores() -> BoxedStrategy<u32> {
    prop_oneof![8 => 1u32..=16, 2 => 0u32..=1100, 1 => any::<u32>()].boxed()
}

// --- The results field.

fn lz(text: &str) -> String {
    lz_str::compress_to_encoded_uri_component(text)
}

fn ms_value() -> BoxedStrategy<f64> {
    prop_oneof![
        4 => 0.0f64..=1.0e7,
        2 => (0u32..100_000).prop_map(|n| n as f64 / 10.0),
        1 => select(&[0.0, -0.0, 1.0e7, 0.1, 5e-324][..]),
    ]
    .boxed()
}

/// A run as the page makes it (the browser name not yet cleaned).
fn shared_run() -> BoxedStrategy<SharedRun> {
    let browser = prop_oneof![4 => "[A-Za-z]{1,10} [0-9]{1,3}", 1 => ".{0,70}", 1 => any::<String>(), 1 => strs(HOSTILE)];
    let model = (any::<bool>(), ms_value(), ms_value(), ms_value(), proptest::option::of(0.0f64..=1000.0), any::<bool>());
    (1u32..=1024, browser, vec(model, 4))
        .prop_map(|(cores, browser, ms)| {
            let mut models: Vec<SharedModel> = Model::ALL
                .iter()
                .zip(ms)
                .filter(|(_, m)| m.0)
                .map(|(&model, (_, a, b, c, speedup, correct))| {
                    let mut t = [a, b, c];
                    t.sort_by(f64::total_cmp);
                    SharedModel { model, min_ms: t[0], median_ms: t[1], max_ms: t[2], speedup, correct }
                })
                .collect();
            if models.is_empty() {
                models.push(SharedModel { model: Model::Threads, median_ms: 1.0, min_ms: 1.0, max_ms: 1.0, speedup: None, correct: true });
            }
            SharedRun { cores, browser, models, prediction: Vec::new() }
        })
        .boxed()
}

fn json_number() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => (0.0f64..=1.0e7).prop_map(|x| json!(x)),
        2 => select(&[0.0, -0.0, 1.0e7, 1.0e7 + 1.0, -1.0, 1000.0, 1000.0001, f64::MAX, f64::MIN_POSITIVE, 5e-324, 1e308, -1e308][..]).prop_map(|x| json!(x)),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(|x| json!(x)), // NaN and infinities become null
    ]
    .boxed()
}

fn json_any() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        json_number(),
        ".{0,20}".prop_map(Value::from),
        strs(MODEL_NAMES).prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{0,2}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// JSON shaped like a run (`{"c":..,"b":..,"m":[[model, ms, ms, ms, speedup, correct]]}`)
/// with wrong types, out-of-range numbers, missing and extra parts.
fn compact_like() -> BoxedStrategy<Value> {
    let c = prop_oneof![
        3 => (1u32..=1024).prop_map(Value::from),
        2 => select(&[0i64, 1025, -1, 4_294_967_296, 1 << 53][..]).prop_map(Value::from),
        1 => json_number(),
        1 => json_any(),
    ];
    let b = prop_oneof![4 => any::<String>().prop_map(Value::from), 1 => (60usize..3000).prop_map(|n| Value::from("a".repeat(n))), 1 => json_any()];
    let speedup = prop_oneof![Just(Value::Null), json_number(), (0.0f64..=1000.0).prop_map(|x| json!(x))];
    let correct = prop_oneof![
        3 => (0u8..=1).prop_map(Value::from),
        1 => select(vec![json!(2), json!(-1), json!(255), json!(256), json!(true), json!("1"), json!(1.0)]),
    ];
    let model = prop_oneof![6 => strs(MODEL_NAMES).prop_map(Value::from), 1 => json_any()];
    let entry = prop_oneof![
        8 => (model, json_number(), json_number(), json_number(), speedup, correct).prop_map(|(m, a, b, c, s, k)| json!([m, a, b, c, s, k])),
        1 => vec(json_any(), 0..8).prop_map(Value::Array),
        1 => json_any(),
    ];
    let m = prop_oneof![8 => vec(entry, 0..7).prop_map(Value::Array), 1 => json_any()];
    (c, b, m, vec(0u8..10, 3), proptest::option::of(("[a-z]{1,3}", json_any())))
        .prop_map(|(c, b, m, keep, extra)| {
            let mut o = Map::new();
            // One part in ten is missing.
            for ((k, v), keep) in [("c", c), ("b", b), ("m", m)].into_iter().zip(keep) {
                if keep != 0 {
                    o.insert(k.into(), v);
                }
            }
            if let Some((k, v)) = extra {
                o.insert(k, v);
            }
            Value::Object(o)
        })
        .boxed()
}

/// JSON texts no `Value` can hold: NaN, overflow, duplicate keys, depth.
fn raw_json_texts() -> Vec<String> {
    let run = r#""b":"x","m":[["threads",1,1,1,null,1]]"#;
    let mut texts: Vec<String> = [
        "NaN",
        "Infinity",
        "-Infinity",
        "null",
        "true",
        "0",
        "\"\"",
        "[]",
        "{}",
        r#"{"c":2,"b":"x","m":[["threads",NaN,1,2,null,1]]}"#,
        r#"{"c":2,"b":"x","m":[["threads",1e999,1,2,null,1]]}"#,
        r#"{"c":2,"b":"x","m":[["threads",-1e999,1,2,null,1]]}"#,
        r#"{"c":2,"b":"x","m":[["threads",Infinity,1,2,null,1]]}"#,
        r#"{"c":2,"b":"x","m":[["threads",1,1,1,1e999,1]]}"#,
        r#"{"c":2,"b":"x","m":[["threads",1,1,1,null,1]],"m":[]}"#,
        r#"{"c":2,"b":"x","m":[["threads",1,1,1,null,1,7]]}"#,
        r#"{"c":2,"b":"x","m":[["threads",1,1,1,null]]}"#,
        r#"{"c":2,"b":"x","m":[["threads",1,1,1,null,1],["threads",1,1,1,null,1]]}"#,
        r#"{"c":2,"b":"x","m":[["threads",2,1,3,null,1]]}"#,
        r#"{"c":2,"b":"\u0000\u001b[31m\u202e<script>alert(1)</script>","m":[["threads",1,1,1,null,1]]}"#,
        r#"{"c":2,"b":"\ud800","m":[["threads",1,1,1,null,1]]}"#,
    ]
    .map(str::to_string)
    .to_vec();
    texts.push(format!(r#"{{"c":1,"c":2,{run}}}"#));
    texts.push(format!(r#"{{"c":2.0,{run}}}"#));
    texts.push(format!(r#"{{"c":2,{run}}} trailing"#));
    texts.push(format!("\u{FEFF}{{\"c\":2,{run}}}"));
    texts.push(format!(r#"{{"c":2,{run},"x":{}}}"#, "[".repeat(200) + &"]".repeat(200)));
    texts.push("[".repeat(5_000));
    texts.push("{\"a\":".repeat(2_000));
    texts.push(format!("[{}1]", "1,".repeat(20_000)));
    texts.push(format!(r#"{{"c":2,"b":"x","m":[{}]}}"#, vec![r#"["threads",1,1,1,null,1]"#; 500].join(",")));
    texts
}

/// [`raw_json_texts`], compressed (once: some are long).
fn raw_json_fields() -> &'static [String] {
    static FIELDS: OnceLock<Vec<String>> = OnceLock::new();
    FIELDS.get_or_init(|| raw_json_texts().iter().map(|t| lz(t)).collect())
}

/// Text for the `r` field.
fn r_field() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[A-Za-z0-9+$-]{0,200}",
        1 => "[A-Za-z0-9+/=_ %-]{0,100}",
        3 => shared_run().prop_map(|r| r.encode()),
        3 => (shared_run(), any::<Index>()).prop_map(|(r, i)| { let f = r.encode(); let cut = i.index(f.len()); f[..cut].to_string() }),
        3 => (shared_run(), any::<Index>(), any::<u8>()).prop_map(|(r, i, b)| { let f = r.encode(); flip(&f, i.index(f.len()), b) }),
        2 => json_any().prop_map(|v| lz(&v.to_string())),
        4 => compact_like().prop_map(|v| lz(&v.to_string())),
        1 => select(raw_json_fields().to_vec()),
        1 => vec(any::<u16>(), 0..100).prop_map(lz_str::compress_to_encoded_uri_component), // not UTF-16
        1 => (MAX_RESULTS_CHARS - 2..=MAX_RESULTS_CHARS + 2).prop_map(|n| "A".repeat(n)),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------
// Hand-made hostile inputs.

/// An lz-string field (URI alphabet) whose codes each add one character to
/// the previous entry (LZW's "KwKwK" case): the output grows quadratically
/// with the field's length. Writes `prefix`, then `run_char` about
/// `run²/2` times, then `suffix`.
struct Bomb {
    out: String,
    buf: u8,
    bits: u8,
    dict_len: u32,
    singles: Vec<(u8, u32)>,
    num_bits: u8,
    enlarge_in: u64,
}

impl Bomb {
    fn new() -> Bomb {
        Bomb { out: String::new(), buf: 0, bits: 0, dict_len: 3, singles: Vec::new(), num_bits: 2, enlarge_in: 1 }
    }
    fn write(&mut self, n: u8, mut value: u32) {
        for _ in 0..n {
            self.buf = (self.buf << 1) | (value & 1) as u8;
            self.bits += 1;
            if self.bits == 6 {
                self.out.push(URI_KEY[self.buf as usize] as char);
                self.buf = 0;
                self.bits = 0;
            }
            value >>= 1;
        }
    }
    /// The decoder adds an entry: maybe one more bit per code.
    fn added(&mut self) {
        self.dict_len += 1;
        self.enlarge_in -= 1;
        if self.enlarge_in == 0 {
            self.enlarge_in = 1 << self.num_bits;
            self.num_bits += 1;
        }
    }
    fn char(&mut self, c: u8) {
        let first = self.out.is_empty() && self.bits == 0;
        match self.singles.iter().find(|(s, _)| *s == c) {
            Some(&(_, code)) => self.write(self.num_bits, code),
            None => {
                self.write(self.num_bits, 0); // U8_CODE
                self.write(8, c as u32);
                self.singles.push((c, self.dict_len));
                if first {
                    // The first literal: no other entry, then codes of 3 bits.
                    self.dict_len += 1;
                    self.num_bits = 3;
                    self.enlarge_in = 4;
                    return;
                }
                self.added();
            }
        }
        self.added();
    }
    /// The entry not yet in the dictionary: the previous one and its first character.
    fn grow(&mut self) {
        self.write(self.num_bits, self.dict_len);
        self.added();
    }
    fn finish(mut self) -> String {
        self.write(self.num_bits, 2); // CLOSE_CODE
        let len = self.out.len();
        while self.out.len() == len {
            self.write(1, 0);
        }
        self.out
    }
    /// The longest such field of at most `max` characters.
    fn field(prefix: &str, run_char: u8, suffix: &str, max: usize) -> String {
        let make = |run: usize| {
            let mut b = Bomb::new();
            prefix.bytes().for_each(|c| b.char(c));
            b.char(run_char);
            (0..run).for_each(|_| b.grow());
            suffix.bytes().for_each(|c| b.char(c));
            b.finish()
        };
        let (mut lo, mut hi) = (0, 4 * max);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if make(mid).len() <= max {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        make(lo)
    }
}

/// The entries of the browser test's hostile links.
fn hostile_links() -> Vec<(String, String)> {
    let v: Value = serde_json::from_str(include_str!("browser/hostile-links.json")).expect("hostile-links.json is JSON");
    v.as_array()
        .expect("an array")
        .iter()
        .map(|e| (e["name"].as_str().expect("a name").to_string(), e["query"].as_str().expect("a query").to_string()))
        .collect()
}

/// Every property on one input, for hand-made inputs.
fn check_all(query: &str, cores: u32, slowest: &mut Slowest) {
    let (took, d) = check_decode(query, cores).unwrap_or_else(|e| panic!("{} (cores {cores}): {e}", short(query)));
    slowest.record(took, query);
    check_messages(query, &d.ignored).unwrap_or_else(|e| panic!("{} (cores {cores}): {e}", short(query)));
}

// ---------------------------------------------------------------------------
// The tests.

#[test]
fn decode_never_panics_and_gives_a_valid_idempotent_link() {
    fuzz("decode", cases(), (query(), cores()), |(q, cores), slowest| {
        let (took, _) = check_decode(q, *cores)?;
        slowest.record(took, q);
        Ok(())
    });
}

#[test]
fn decode_messages_are_short_printable_and_quote_little() {
    fuzz("decode messages", (cases() / 4).max(100), (query(), 1u32..=16), |(q, cores), slowest| {
        let (d, took) = timed(|| link::decode(q, *cores));
        slowest.record(took, q);
        check_messages(q, &d.ignored)
    });
}

#[test]
fn shared_run_decode_accepts_only_runs() {
    fuzz("SharedRun::decode", (cases() / 4).max(100), r_field(), |field, slowest| {
        let (result, took) = timed(|| SharedRun::decode(field));
        slowest.record(took, field);
        prop_assert!(took < MAX_DECODE, "decoding took {took:?}");
        match result {
            Ok(run) => check_run(&run),
            Err(why) => check_message(&why),
        }
    });
}

#[test]
fn valid_runs_are_read_back() {
    fuzz("SharedRun round trip", (cases() / 10).max(100), shared_run(), |run, slowest| {
        let field = run.encode();
        let (back, took) = timed(|| SharedRun::decode(&field));
        slowest.record(took, &field);
        let back = back.map_err(|why| TestCaseError::fail(format!("{field} refused: {why}")))?;
        prop_assert_eq!((back.cores, &back.models), (run.cores, &run.models));
        check_run(&back)
    });
}

#[test]
fn hostile_links_of_the_browser_test() {
    let links = hostile_links();
    assert!(links.len() >= 60, "{} hostile links", links.len());
    let mut names = HashSet::new();
    let mut slowest = Slowest::default();
    for (name, query) in &links {
        assert!(names.insert(name), "{name} twice");
        for cores in [1, 2, 4, 16] {
            check_all(query, cores, &mut slowest);
        }
    }
    slowest.report("hostile-links.json");
}

#[test]
fn autorun_never_runs_more_than_the_limits() {
    for (name, query) in hostile_links().iter().filter(|(_, q)| q.contains("autorun=1")) {
        let d = link::decode(query, 4);
        let e = &d.link.experiment;
        assert!(e.tasks <= 512 && e.workers <= 64 && e.repeats <= 20, "{name}: {e:?}");
        assert!(Experiment::from_value(&serde_json::to_value(e).unwrap(), 4).is_ok(), "{name}: {e:?}");
    }
}

#[test]
fn any_core_count_has_defaults() {
    for cores in (0..=1100).chain([u32::MAX / 2, u32::MAX]) {
        check_decode("", cores).unwrap_or_else(|e| panic!("cores {cores}: {e}"));
        check_decode("workload=loop&tasks=2", cores).unwrap_or_else(|e| panic!("cores {cores}: {e}"));
    }
}

#[test]
fn huge_queries_bombs_and_deep_json() {
    let mut slowest = Slowest::default();
    let run = SharedRun {
        cores: 8,
        browser: "Firefox 153".into(),
        models: vec![SharedModel { model: Model::Threads, median_ms: 404.1, min_ms: 400.0, max_ms: 410.9, speedup: Some(1.95), correct: true }],
        prediction: Vec::new(),
    };
    let valid = link::encode(&Experiment::defaults(2), &View::default(), Some(&run));
    let r = run.encode();

    // The decompression bombs: the longest output a field the size limit allows.
    let bomb = Bomb::field("", b'a', "", MAX_RESULTS_CHARS);
    let bomb_len = lz_str::decompress_from_encoded_uri_component(&bomb).expect("the bomb decompresses").len();
    let json_bomb = Bomb::field(r#"{"c":2,"b":""#, b'a', r#"","m":[["threads",1,1,1,null,1]]}"#, MAX_RESULTS_CHARS);
    let deep_bomb = Bomb::field("", b'[', "", MAX_RESULTS_CHARS);
    eprintln!("bombs: {} characters decompress to {bomb_len}", bomb.len());
    assert!(bomb_len > 100_000, "a bomb of {bomb_len} characters");
    let start = Instant::now();
    let back = SharedRun::decode(&json_bomb).expect("a run with a browser name of millions of characters");
    eprintln!("the JSON bomb: {:?}", start.elapsed());
    assert_eq!(back.browser.chars().count(), MAX_BROWSER_CHARS);

    let mut queries = vec![
        format!("workload=loop&size={}", "9".repeat(100_000)),
        format!("r={}", "A".repeat(100_000)),
        "&".repeat(100_000),
        "%".repeat(100_000),
        "a=&".repeat(34_000),
        format!("{valid}&x={}", "\u{202E}".repeat(40_000)),
        format!("r={bomb}"),
        format!("r={json_bomb}"),
        format!("r={deep_bomb}"),
        format!("{valid}&r={bomb}"),
        format!("workload=mixed&recipe={}", enc(&"cpu 1ms, ".repeat(1_800))),
        format!("models={}", "threads,".repeat(2_000)),
        format!("workload={}", "<script>alert(1)</script>".repeat(600)),
    ];
    // Around the length limit (in bytes), of one- and two-byte characters.
    for len in [MAX_QUERY_CHARS - 1, MAX_QUERY_CHARS, MAX_QUERY_CHARS + 1] {
        let mut q = format!("{valid}&pad=");
        q.push_str(&"a".repeat(len - q.len()));
        queries.push(q.clone());
        queries.push(format!("?{q}"));
        let mut q = format!("{valid}&pad=");
        q.push_str(&"é".repeat((len - q.len()) / 2));
        queries.push(q);
    }
    let mut distinct = String::new();
    for i in 0.. {
        let p = format!("k{i}=&");
        if distinct.len() + p.len() > MAX_QUERY_CHARS {
            break;
        }
        distinct.push_str(&p);
    }
    queries.push(distinct);
    for i in [0, 1, r.len() / 2, r.len() - 1] {
        queries.push(format!("r={}", &r[..i]));
    }
    for f in raw_json_fields() {
        queries.push(format!("r={f}"));
    }
    for q in &queries {
        check_all(q, 2, &mut slowest);
    }
    let d = link::decode(&queries[0], 2);
    assert!(!d.has_experiment && d.ignored.len() == 1, "a 100 KB link is not read: {:?}", d.ignored);
    slowest.report("hand-made");
}

