//! The class wall: learners' shared result links, pasted by an instructor,
//! read into one row per run (cores, browser, each model's speed-up, the
//! prediction), the class's median per model, and the lesson's claim with
//! how many machines it held on. Every link is read by the lenient link
//! decoder ([`crate::link::decode`]): a line that cannot be used (parts
//! ignored, no results, another experiment) is named and skipped, never run.
//!
//! The wall is itself a link: `?wall=<lz-string>` of the experiment's query
//! and every run's compact form (as a link's `r` field holds one), with each
//! learner's workers and tasks.

use crate::experiment::{Experiment, Model};
use crate::limits::{MAX_TASKS, MAX_WORKERS};
use crate::link::{self, Compact, SharedRun, View};
use crate::stats::{best_speedup, Spread};
use crate::summary::{Environment, ModelSummary, Status};
use crate::text::clip;
use crate::verdict::{judge, Claim};
use serde::{Deserialize, Serialize};

/// The wall's link parameter: `wall=1` an empty wall, else its runs.
pub const PARAM: &str = "wall";
/// At most this many runs on one wall.
pub const MAX_RUNS: usize = 500;
/// A longer `wall=` field is not read (it also bounds what it decompresses to).
pub const MAX_WALL_CHARS: usize = 400_000;
/// How much of a skipped line the wall repeats.
const ECHO: usize = 60;

/// Whether a page's query asks for the wall (`wall=…`).
pub fn asked(query: &str) -> bool {
    let query = query.strip_prefix('?').unwrap_or(query);
    query.split('&').any(|p| p.split('=').next() == Some(PARAM))
}

/// One learner's run.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Where it was pasted (1 = the first line), 0 from a wall link.
    pub line: usize,
    /// The learner's experiment's workers and tasks (a lesson's workers
    /// default to the learner's cores).
    pub workers: u32,
    pub tasks: u32,
    pub run: SharedRun,
    /// Whether the claim held on this machine, judged by the verdict from
    /// the numbers the link carries (`None`: cannot tell from them).
    pub held: Option<bool>,
}

/// A line that could not be used, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub line: usize,
    /// The start of the line, as text (never markup).
    pub text: String,
    pub why: String,
}

/// The class's runs of one experiment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Wall {
    /// The experiment every row ran (the first usable link's).
    pub experiment: Option<Experiment>,
    pub lesson: Option<&'static str>,
    pub rows: Vec<Row>,
    pub skipped: Vec<Skipped>,
    /// Words in the pasted text that were not links (left out, counted).
    pub words: usize,
}

/// The pasted text's candidate links: every whitespace-separated piece
/// with a `?` or an `=` (a link or a query), with its line number; the
/// other words are counted.
pub fn pieces(text: &str) -> (Vec<(usize, &str)>, usize) {
    let mut words = 0;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for piece in line.split_whitespace() {
            if piece.contains(['?', '=']) {
                out.push((i + 1, piece));
            } else {
                words += 1;
            }
        }
    }
    (out, words)
}

/// Two runs belong on one wall when they ran the same work on the same
/// models (workers and tasks follow each learner's cores).
fn same(a: &Experiment, b: &Experiment) -> bool {
    a.workload == b.workload && a.models == b.models && a.sweep.is_some() == b.sweep.is_some()
}

/// The run as summaries the verdict reads: each model's times as shared.
fn summaries(run: &SharedRun, workers: u32) -> Vec<ModelSummary> {
    run.models
        .iter()
        .map(|m| ModelSummary {
            runs_ms: vec![m.median_ms],
            wall_ms: Some(Spread { median: m.median_ms, min: m.min_ms, max: m.max_ms }),
            speedup: m.speedup,
            correct: m.correct,
            ..ModelSummary::not_run(m.model, workers, Status::Ran)
        })
        .collect()
}

impl Wall {
    /// Reads pasted text (one link a line, or all of it as text).
    pub fn paste(text: &str) -> Wall {
        let mut wall = Wall::default();
        let (pieces, words) = pieces(text);
        wall.words = words;
        for (line, piece) in pieces {
            wall.add(line, piece);
        }
        wall
    }

    /// Reads one pasted link: a row, or a skipped line that says why.
    pub fn add(&mut self, line: usize, piece: &str) {
        let skip = |why: String| Skipped { line, text: clip(piece, ECHO), why };
        let query = piece.split_once('?').map_or(piece, |(_, q)| q);
        let query = query.split('#').next().unwrap_or("");
        if self.rows.len() >= MAX_RUNS {
            return self.skipped.push(skip(format!("a wall holds at most {MAX_RUNS} runs")));
        }
        if asked(query) {
            return self.skipped.push(skip("it is a wall, not one learner's run".into()));
        }
        let d = link::decode(query, 4);
        if let Some(note) = d.ignored.first() {
            return self.skipped.push(skip(format!("parts of it cannot be used: {note}")));
        }
        if !d.has_experiment {
            return self.skipped.push(skip("it names no experiment".into()));
        }
        let Some(run) = d.link.shared else {
            return self.skipped.push(skip("it carries no results (the learner shares with “Include my results” ticked, or with “Copy my results link”)".into()));
        };
        let exp = d.link.experiment;
        match &self.experiment {
            Some(e) if !same(e, &exp) => {
                return self.skipped.push(skip(format!("it is another experiment ({}) than this wall's ({})", exp.workload.describe(), e.workload.describe())));
            }
            Some(_) => {}
            None => {
                self.experiment = Some(exp.clone());
                self.lesson = d.link.view.lesson;
            }
        }
        self.push(line, exp.workers, exp.tasks, run);
    }

    fn push(&mut self, line: usize, workers: u32, tasks: u32, run: SharedRun) {
        let held = self.experiment.as_ref().and_then(|e| {
            let exp = Experiment { workers, tasks, ..e.clone() };
            let env = Environment { cores: run.cores, browser: run.browser.clone(), ..Environment::default() };
            judge(&exp, &env, &summaries(&run, workers))?.held
        });
        self.rows.push(Row { line, workers, tasks, run, held });
    }

    /// The claim the wall's experiment tests.
    pub fn claim(&self) -> Option<Claim> {
        Claim::of(self.experiment.as_ref()?)
    }

    /// On how many machines the claim held, and on how many the numbers
    /// could tell.
    pub fn held(&self) -> (usize, usize) {
        let told: Vec<bool> = self.rows.iter().filter_map(|r| r.held).collect();
        (told.iter().filter(|h| **h).count(), told.len())
    }

    /// The models compared with sequential (the columns of speed-ups).
    pub fn models(&self) -> Vec<Model> {
        self.experiment.as_ref().map_or_else(Vec::new, |e| e.models.clone())
    }

    /// The class's median speed-up per model compared with sequential, and
    /// how many runs it is of.
    pub fn medians(&self) -> Vec<(Model, Option<f64>, usize)> {
        self.models()
            .into_iter()
            .filter(|m| *m != Model::Sequential)
            .map(|m| {
                let s: Vec<f64> = self.rows.iter().filter_map(|r| r.run.model(m)?.speedup).collect();
                (m, Spread::of(&s).map(|s| s.median), s.len())
            })
            .collect()
    }

    /// Predictions that held, of those the numbers could judge.
    pub fn predictions(&self) -> (usize, usize) {
        let told: Vec<bool> = self.rows.iter().flat_map(|r| r.run.prediction.iter().filter_map(|c| c.held)).collect();
        (told.iter().filter(|h| **h).count(), told.len())
    }

    /// The best speed-up a machine of `cores` cores could reach (the chart's
    /// ideal line), with the wall's tasks and as many workers as cores.
    pub fn ideal(&self, cores: u32) -> f64 {
        best_speedup(self.experiment.as_ref().map_or(cores, |e| e.tasks), cores)
    }

    /// The wall as a link query (without `?`): the experiment and every run.
    pub fn encode(&self) -> String {
        self.encoding().step(usize::MAX).expect("every character in one step")
    }

    /// The wall's link made a slice at a time ([`Encoding::step`]): the
    /// page compresses a large wall over several tasks. Its query is
    /// [`Wall::encode`]'s, character for character.
    pub fn encoding(&self) -> Encoding {
        let text = self.experiment.as_ref().map(|exp| {
            let doc = WallDoc {
                q: link::encode(exp, &View { lesson: self.lesson, ..View::default() }, None),
                r: self.rows.iter().map(|r| (r.workers, r.tasks, r.run.compact())).collect(),
            };
            serde_json::to_string(&doc).expect("plain data serialises").encode_utf16().collect()
        });
        let done = text.is_none().then(|| format!("v=1&{PARAM}=1"));
        Encoding { text: text.unwrap_or_default(), read: 0, lz: Lz::default(), done }
    }

    /// Reads a wall link's query; `Err` says why it cannot be used.
    pub fn decode(query: &str) -> Result<Wall, String> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let field = form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == PARAM).map(|(_, v)| v.into_owned()).ok_or("it is not a wall link")?;
        if matches!(field.as_str(), "" | "1") {
            return Ok(Wall::default());
        }
        if field.len() > MAX_WALL_CHARS {
            return Err(format!("its runs are {} characters long (at most {MAX_WALL_CHARS})", field.len()));
        }
        let text = lz_str::decompress_from_encoded_uri_component(&field).ok_or("its runs are not a compressed field (truncated or damaged?)")?;
        let text = String::from_utf16(&text).map_err(|_| "its runs do not decompress to text")?;
        let doc: WallDoc = serde_json::from_str(&text).map_err(|_| "it does not hold a wall's runs")?;
        if doc.r.len() > MAX_RUNS {
            return Err(format!("it holds {} runs (at most {MAX_RUNS})", doc.r.len()));
        }
        let d = link::decode(&doc.q, 4);
        if !d.ignored.is_empty() || !d.has_experiment {
            return Err(format!("its experiment cannot be used ({})", d.ignored.first().map_or("none given", String::as_str)));
        }
        let mut wall = Wall { experiment: Some(d.link.experiment), lesson: d.link.view.lesson, ..Wall::default() };
        for (i, (workers, tasks, compact)) in doc.r.into_iter().enumerate() {
            let run = SharedRun::from_compact(compact).map_err(|why| format!("run {} cannot be used: {why}", i + 1))?;
            if !(1..=MAX_WORKERS).contains(&u64::from(workers)) || !(1..=MAX_TASKS).contains(&u64::from(tasks)) {
                return Err(format!("run {} has {workers} workers and {tasks} tasks, beyond the limits", i + 1));
            }
            wall.push(0, workers, tasks, run);
        }
        Ok(wall)
    }

    /// The wall as CSV: a row per run, a speed-up column per model.
    pub fn csv(&self) -> String {
        let models = self.models();
        let mut out = String::from("learner,cores,browser,workers");
        for m in &models {
            out.push_str(&format!(",{} speed-up", m.as_str()));
        }
        out.push_str(",claim held,prediction\n");
        for (i, r) in self.rows.iter().enumerate() {
            out.push_str(&format!("{},{},{},{}", i + 1, r.run.cores, crate::export::csv_field(&r.run.browser), r.workers));
            for m in &models {
                out.push(',');
                if let Some(s) = r.run.model(*m).and_then(|s| s.speedup) {
                    out.push_str(&format!("{s:.2}"));
                }
            }
            let held = r.held.map_or("", |h| if h { "yes" } else { "no" });
            let said: Vec<String> = r.run.prediction.iter().map(|c| c.short()).collect();
            out.push_str(&format!(",{held},{}\n", crate::export::csv_field(&said.join("; "))));
        }
        out
    }
}

/// A wall's link being made: its runs as JSON (UTF-16, as lz-string reads
/// text), compressed a slice at a time.
pub struct Encoding {
    text: Vec<u16>,
    read: usize,
    lz: Lz,
    done: Option<String>,
}

impl Encoding {
    /// Compresses up to `chars` more characters; the wall's query (without
    /// `?`) once every character is in.
    pub fn step(&mut self, chars: usize) -> Option<String> {
        if self.done.is_none() {
            let end = self.read.saturating_add(chars).min(self.text.len());
            for &c in &self.text[self.read..end] {
                self.lz.put(c);
            }
            self.read = end;
            if end == self.text.len() {
                self.done = Some(format!("v=1&{PARAM}={}", std::mem::take(&mut self.lz).finish()));
            }
        }
        self.done.clone()
    }

    /// Characters to compress in all.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// Nothing to compress (a wall without runs).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// Multiplicative hashing of a dictionary key (the compressor's keys are
/// its own codes and characters: no input picks them).
#[derive(Default)]
struct Mix(u64);

impl std::hash::Hasher for Mix {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type Map<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<Mix>>;

/// lz-string's compression to a URI component (the `lz_str` crate's
/// `compress_to_encoded_uri_component`, which reads it back), one character
/// at a time: the dictionary is a trie, a string being its prefix's code
/// and its last character, so each character costs one look-up.
struct Lz {
    /// A character's code, once seen.
    chars: Map<u16, u32>,
    /// A string's code from its prefix's code and last character.
    words: Map<u64, u32>,
    /// Characters seen but not yet written out as themselves.
    unsent: Map<u16, ()>,
    /// The current word: its code and first character.
    w: Option<(u32, u16)>,
    next: u32,
    enlarge_in: u64,
    bits: u8,
    buffer: u16,
    position: u8,
    out: String,
}

impl Default for Lz {
    fn default() -> Lz {
        Lz { chars: Map::default(), words: Map::default(), unsent: Map::default(), w: None, next: 3, enlarge_in: 2, bits: 2, buffer: 0, position: 0, out: String::new() }
    }
}

impl Lz {
    const KEY: &'static [u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$";

    fn put(&mut self, c: u16) {
        if let std::collections::hash_map::Entry::Vacant(e) = self.chars.entry(c) {
            e.insert(self.next);
            self.next += 1;
            self.unsent.insert(c, ());
        }
        let Some((code, first)) = self.w else {
            self.w = Some((self.chars[&c], c));
            return;
        };
        let key = (u64::from(code) << 16) | u64::from(c);
        if let Some(&longer) = self.words.get(&key) {
            self.w = Some((longer, first));
            return;
        }
        self.words.insert(key, self.next);
        self.next += 1;
        self.produce(code, first);
        self.w = Some((self.chars[&c], c));
    }

    fn produce(&mut self, code: u32, first: u16) {
        if self.unsent.remove(&first).is_some() {
            let (tag, width) = if first < 256 { (0, 8) } else { (1, 16) };
            self.write(self.bits, tag);
            self.write(width, u32::from(first));
            self.shrink();
        } else {
            self.write(self.bits, code);
        }
        self.shrink();
    }

    fn shrink(&mut self) {
        self.enlarge_in -= 1;
        if self.enlarge_in == 0 {
            self.enlarge_in = 1 << self.bits;
            self.bits += 1;
        }
    }

    fn write(&mut self, n: u8, mut value: u32) {
        for _ in 0..n {
            self.bit(value & 1 == 1);
            value >>= 1;
        }
    }

    fn bit(&mut self, bit: bool) {
        self.buffer = (self.buffer << 1) | u16::from(bit);
        self.position += 1;
        if self.position == 6 {
            self.out.push(char::from(Lz::KEY[usize::from(self.buffer)]));
            self.buffer = 0;
            self.position = 0;
        }
    }

    fn finish(mut self) -> String {
        if let Some((code, first)) = self.w {
            self.produce(code, first);
        }
        self.write(self.bits, 2);
        let len = self.out.len();
        while self.out.len() == len {
            self.bit(false);
        }
        self.out
    }
}

/// A wall in its link: the experiment's query and each run as
/// `[workers, tasks, compact run]`.
#[derive(Serialize, Deserialize)]
struct WallDoc {
    q: String,
    r: Vec<(u32, u32, Compact)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::SharedModel;

    /// A learner's link to the gil-cpu lesson: `cores` cores, threads + GIL
    /// at `gil`×, threads without the GIL at `free`×.
    pub(crate) fn learner(cores: u32, browser: &str, gil: f64, free: f64) -> String {
        let exp = crate::lessons::find("gil-cpu").unwrap().experiment(cores);
        let m = |model, s: f64| SharedModel { model, median_ms: (800.0 / s * 10.0).round() / 10.0, min_ms: (800.0 / s * 10.0).round() / 10.0, max_ms: (800.0 / s * 10.0).round() / 10.0, speedup: Some(s), correct: true };
        let run = SharedRun { cores, browser: browser.into(), models: vec![m(Model::Sequential, 1.0), m(Model::ThreadsGil, gil), m(Model::Threads, free)], prediction: vec![] };
        format!("https://threadlab.test/?{}", link::encode(&exp, &View { lesson: Some("gil-cpu"), ..View::default() }, Some(&run)))
    }

    #[test]
    fn pasted_links_become_rows_medians_and_the_claim_count() {
        let text = format!(
            "Here are the links:\n{}\n{}  {}\nnot a link\nhttps://threadlab.test/?lesson=gil-cpu\nhttps://threadlab.test/?workload=sleep&ms=5&tasks=eight\n",
            learner(2, "Chrome 156", 0.98, 1.9),
            learner(8, "Firefox 150", 1.02, 7.1),
            learner(4, "Safari 19", 1.6, 3.5)
        );
        let wall = Wall::paste(&text);
        assert_eq!(wall.rows.len(), 3);
        assert_eq!(wall.rows.iter().map(|r| (r.line, r.run.cores, r.workers)).collect::<Vec<_>>(), vec![(2, 2, 2), (3, 8, 8), (3, 4, 4)]);
        assert_eq!(wall.words, 7, "words that are not links are counted, not named");
        assert_eq!(wall.lesson, Some("gil-cpu"));
        assert_eq!(wall.claim(), Some(Claim::GilBlocksCpuThreads));
        // Held where threads + GIL stayed about as fast as the loop.
        assert_eq!(wall.rows.iter().map(|r| r.held).collect::<Vec<_>>(), vec![Some(true), Some(true), Some(false)]);
        assert_eq!(wall.held(), (2, 3));
        assert_eq!(wall.medians(), vec![(Model::ThreadsGil, Some(1.02), 3), (Model::Threads, Some(3.5), 3)]);
        assert_eq!(wall.skipped.len(), 2);
        assert_eq!((wall.skipped[0].line, wall.skipped[0].why.as_str()), (5, "it carries no results (the learner shares with “Include my results” ticked, or with “Copy my results link”)"));
        assert_eq!(wall.skipped[1].line, 6);
        assert!(wall.skipped[1].why.starts_with("parts of it cannot be used: `tasks=eight` was ignored"), "{}", wall.skipped[1].why);
        assert_eq!((wall.ideal(2), wall.ideal(8), wall.ideal(64)), (2.0, 8.0, 8.0), "8 tasks");
    }

    #[test]
    fn another_experiment_is_skipped_and_the_wall_round_trips_through_its_link() {
        let other = crate::lessons::find("threads-io").unwrap().experiment(2);
        let run = SharedRun { cores: 2, browser: "X".into(), models: vec![SharedModel { model: Model::Sequential, median_ms: 1.0, min_ms: 1.0, max_ms: 1.0, speedup: Some(1.0), correct: true }], prediction: vec![] };
        let other = format!("?{}", link::encode(&other, &View::default(), Some(&run)));
        let wall = Wall::paste(&format!("{}\n{other}\n{}", learner(2, "Chrome 156", 0.98, 1.9), learner(16, "Chrome 156", 1.0, 12.0)));
        assert_eq!(wall.rows.len(), 2);
        assert!(wall.skipped[0].why.starts_with("it is another experiment (I/O: time.sleep(100 ms)) than this wall's"), "{}", wall.skipped[0].why);
        let q = wall.encode();
        assert!(q.starts_with("v=1&wall="), "{q}");
        let back = Wall::decode(&q).unwrap();
        assert_eq!(back.experiment, wall.experiment);
        assert_eq!(back.lesson, Some("gil-cpu"));
        assert_eq!(back.rows.iter().map(|r| (&r.run, r.workers, r.held)).collect::<Vec<_>>(), wall.rows.iter().map(|r| (&r.run, r.workers, r.held)).collect::<Vec<_>>());
        assert!(Wall::paste(&format!("https://x.test/?{q}")).skipped[0].why.starts_with("it is a wall"));
        assert_eq!(Wall::decode("wall=1").unwrap(), Wall::default());
        for bad in ["wall=AAAA", "wall=%E2%98%83", "lesson=gil-cpu"] {
            assert!(Wall::decode(bad).is_err(), "{bad}");
        }
        let csv = wall.csv();
        assert_eq!(csv.lines().next(), Some("learner,cores,browser,workers,sequential speed-up,threads_gil speed-up,threads speed-up,claim held,prediction"));
        assert_eq!(csv.lines().nth(2), Some("2,16,Chrome 156,16,1.00,1.00,12.00,yes,"));
    }

    #[test]
    fn the_link_made_a_slice_at_a_time_is_lz_strings_own() {
        let text = (0..40).map(|i| learner(1 << (i % 7), ["Chrome 156", "Firefox 150", "Safari 19"][i % 3], 1.0 + i as f64 / 50.0, 1.5 + i as f64 / 7.0)).collect::<Vec<_>>().join("\n");
        let wall = Wall::paste(&text);
        assert_eq!(wall.rows.len(), 40);
        let doc = WallDoc { q: link::encode(wall.experiment.as_ref().unwrap(), &View { lesson: wall.lesson, ..View::default() }, None), r: wall.rows.iter().map(|r| (r.workers, r.tasks, r.run.compact())).collect() };
        let lz = format!("v=1&{PARAM}={}", lz_str::compress_to_encoded_uri_component(serde_json::to_string(&doc).unwrap().as_str()));
        assert_eq!(wall.encode(), lz);
        for slice in [1, 7, 1000] {
            let mut e = wall.encoding();
            let mut steps = 1;
            let query = loop {
                match e.step(slice) {
                    Some(q) => break q,
                    None => steps += 1,
                }
            };
            assert_eq!((query, steps), (lz.clone(), e.len().div_ceil(slice)));
            assert_eq!(e.step(slice), Some(lz.clone()), "done stays done");
        }
        assert_eq!(Wall::default().encode(), format!("v=1&{PARAM}=1"));
        // Any text, wide characters and all: the same characters as lz-string's.
        let mut seed = 7u64;
        for n in [0usize, 1, 2, 3, 10, 100, 5000] {
            let s: String = (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ['a', 'b', 'c', '{', '"', 'é', '€', '𝄞', 'z'][(seed >> 33) as usize % 9]
                })
                .collect();
            let mut lz = Lz::default();
            s.encode_utf16().for_each(|c| lz.put(c));
            assert_eq!(lz.finish(), lz_str::compress_to_encoded_uri_component(s.as_str()), "{s}");
        }
    }

    #[test]
    fn every_hostile_link_is_named_and_skipped() {
        let v: serde_json::Value = serde_json::from_str(include_str!("../tests/browser/hostile-links.json")).unwrap();
        let lines: Vec<String> = v.as_array().unwrap().iter().map(|h| format!("https://threadlab.test/?{}", h["query"].as_str().unwrap().replace(['\n', '\r', ' ', '\t'], "%20"))).collect();
        let wall = Wall::paste(&lines.join("\n"));
        // A line is a row only if the link decoder used all of it and it
        // carries a run (a browser name with markup in it is such a run:
        // shown as text); every other line is named, with why.
        assert_eq!(wall.rows.len() + wall.skipped.len(), lines.len());
        for r in &wall.rows {
            let d = link::decode(lines[r.line - 1].split_once('?').unwrap().1, 4);
            assert!(d.ignored.is_empty() && d.link.shared.is_some(), "line {}", r.line);
        }
        assert!(wall.rows.len() <= 2, "{:?}", wall.rows);
        assert!(wall.skipped.iter().all(|s| !s.why.is_empty() && s.text.chars().count() <= ECHO + 1));
    }
}
