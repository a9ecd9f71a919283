//! Experiment links: an experiment (and how to show it) as a readable,
//! hand-editable query string, and back.
//!
//! ```text
//! ?v=1&workload=primes&size=1000000&tasks=8&workers=2
//!  &models=sequential,threads_gil,threads,processes&repeats=3&switch=5
//!  [&autorun=1] [&embed=1&edit=1&theme=dark] [&r=<the sharer's run, lz-string>]
//! ```
//!
//! Decoding a link is validating untrusted input: it never fails. Every part
//! that cannot be used is ignored with a sentence that names it, and the
//! rest of the experiment keeps its defaults. Old formats are read through
//! explicit migrations ([`MIGRATIONS`]).

use crate::experiment::{Experiment, ExperimentError, Model};
use crate::predict::{Answer, Called, Judged};
use crate::text::{clip, suggest};
use crate::results::Results;
use crate::verdict::Claim;
use crate::workloads::{self, Workload};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The link format this code writes.
pub const LINK_VERSION: u32 = 1;
/// A longer query is not read at all (a link pasted twice, a hostile page).
pub const MAX_QUERY_CHARS: usize = 16_384;
/// A longer results field is ignored (a real one is under 400 characters;
/// the limit also bounds what a crafted one decompresses to).
pub const MAX_RESULTS_CHARS: usize = 1_024;
/// At most this many notes about ignored parts; the rest are counted.
pub const MAX_NOTES: usize = 10;
/// Links with results should stay shorter than this (chat apps, LMS fields);
/// a longer one is shared without its results.
pub const MAX_SHARE_CHARS: usize = 2_000;

/// A program-text field ([`workloads::Input::Code`], the python workload's
/// `code`) is written readable (`code=def+task…`) while its query form is
/// at most this long, and compressed beyond, under its key plus
/// [`COMPRESSED_SUFFIX`] (`codez=…`, lz-string as for results).
pub const MAX_READABLE_CODE: usize = 500;
/// What a compressed program-text field's key ends with.
pub const COMPRESSED_SUFFIX: &str = "z";

fn compressed_key(key: &str) -> String {
    format!("{key}{COMPRESSED_SUFFIX}")
}

/// Program text as link parameters: readable when short, else compressed
/// (unless compressing makes it longer: text that does not compress).
fn code_param(key: &str, code: &str) -> (String, String) {
    let readable: String = form_urlencoded::byte_serialize(code.as_bytes()).collect();
    if readable.len() > MAX_READABLE_CODE {
        let compressed = lz_str::compress_to_encoded_uri_component(code);
        if compressed.len() < readable.len() {
            return (compressed_key(key), compressed);
        }
    }
    (key.to_string(), code.to_string())
}

/// A compressed program-text field back to text; a sentence when it is not one.
fn code_of_compressed(field: &str) -> Result<String, &'static str> {
    let text = lz_str::decompress_from_encoded_uri_component(field).ok_or("it is not compressed code (truncated or damaged?)")?;
    let text = String::from_utf16(&text).map_err(|_| "it does not decompress to text")?;
    if text.is_empty() {
        return Err("it decompresses to nothing");
    }
    Ok(text)
}

/// The link parameters (besides each workload's own fields, by their keys).
pub mod param {
    pub const VERSION: &str = "v";
    pub const WORKLOAD: &str = "workload";
    pub const TASKS: &str = "tasks";
    pub const WORKERS: &str = "workers";
    pub const MODELS: &str = "models";
    pub const REPEATS: &str = "repeats";
    pub const SWITCH: &str = "switch";
    /// Threads in each process of the hybrid model.
    pub const THREADS: &str = "threads";
    /// A worker-count sweep: `1,2,8,32` (or `4x`: 4 × the cores).
    pub const SWEEP: &str = "sweep";
    pub const TRACE: &str = "trace";
    pub const AUTORUN: &str = "autorun";
    pub const EMBED: &str = "embed";
    pub const EDIT: &str = "edit";
    pub const THEME: &str = "theme";
    pub const RESULTS: &str = "r";
    pub const LESSON: &str = "lesson";
    /// Ask for a prediction before the run (and run only after one).
    pub const PREDICT: &str = "predict";
    /// What the page shows: `experiment` (the default) or `program` (a
    /// whole Python program, [`crate::program`]).
    pub const MODE: &str = "mode";
    /// A program of the gallery, by its id ([`crate::program::gallery`]).
    pub const EXAMPLE: &str = "example";
    /// A whole program's text (readable, or compressed under `programz`,
    /// as the python workload's `code`).
    pub const PROGRAM: &str = "program";
    /// The program's threads with the GIL (`gil=1`, the default) or
    /// without (`gil=0`, free-threaded 3.13t).
    pub const GIL: &str = "gil";
    /// Every parameter that is not a workload field.
    pub const ALL: [&str; 21] = [VERSION, LESSON, WORKLOAD, TASKS, WORKERS, MODELS, REPEATS, SWITCH, THREADS, SWEEP, TRACE, AUTORUN, EMBED, EDIT, THEME, RESULTS, PREDICT, MODE, EXAMPLE, PROGRAM, GIL];
}

/// A whole program as a link carries it (`mode=program`): its text and
/// the GIL switch. A gallery program travels as its id (`example=…`),
/// any other text as `program=` (readable) or `programz=` (compressed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramLink {
    pub code: String,
    pub gil: bool,
}

impl Default for ProgramLink {
    /// The gallery's first program, with the GIL.
    fn default() -> ProgramLink {
        ProgramLink { code: crate::program::gallery::ALL[0].source.to_string(), gil: true }
    }
}

impl ProgramLink {
    /// The gallery program this is, if its text is one's exactly.
    pub fn example(&self) -> Option<&'static crate::program::gallery::Example> {
        crate::program::gallery::ALL.iter().find(|e| e.source == self.code)
    }

    /// What the program runs as ([`crate::program::ProgramSpec`]).
    pub fn spec(&self) -> crate::program::ProgramSpec {
        crate::program::ProgramSpec { program: self.code.clone(), gil: self.gil, switch_interval_ms: crate::gil::DEFAULT_SWITCH_INTERVAL_MS }
    }
}

/// The colour scheme an embed asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow `prefers-color-scheme`.
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

/// How the page shows a link's experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct View {
    /// The lesson whose question the page shows with the experiment.
    pub lesson: Option<&'static str>,
    /// Run at once (after the same validation as any experiment).
    pub autorun: bool,
    /// The compact layout for iframes.
    pub embed: bool,
    /// In an embed: the experiment can be edited (else a read-only summary).
    pub edit: bool,
    pub theme: Theme,
    /// Ask for a prediction first: Run waits for one (`predict=1`).
    pub predict: bool,
}

impl View {
    /// What a link the page hands out (Share, the results link, an embed's
    /// way to the full page) keeps of the view the page shows: the lesson,
    /// and asking for a prediction first — a lesson opened with `predict=1`
    /// asks whoever it is passed on to as well. Never `autorun`, the embed
    /// layout, editing or the theme, which each link sets for itself.
    pub fn passed_on(&self) -> View {
        View { lesson: self.lesson, predict: self.predict, ..View::default() }
    }
}

/// One model of the sharer's run.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedModel {
    pub model: Model,
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub speedup: Option<f64>,
    pub correct: bool,
}

/// The sharer's run, carried by a link: their machine and, per model that
/// ran, the wall times. Everything else is measured again by the visitor.
/// Carried anywhere as its compact field ([`SharedRun::encode`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SharedRun {
    pub cores: u32,
    pub browser: String,
    pub models: Vec<SharedModel>,
    /// The sharer's prediction, each answer and whether it held.
    pub prediction: Vec<Called>,
}

/// The compact form in a link: `{"c":2,"b":"Chrome 156","m":[["threads",404.1,400.2,410.9,1.95,1]]}`
/// (a class wall holds a list of them).
#[derive(Serialize, Deserialize)]
pub(crate) struct Compact {
    c: u32,
    b: String,
    m: Vec<(Model, f64, f64, f64, Option<f64>, u8)>,
    /// The prediction, as [`Called::list`] writes it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    p: String,
}

const MAX_BROWSER_CHARS: usize = 60;
const MAX_MS: f64 = 1.0e7;

impl SharedRun {
    /// What of `results` a link carries: only models that ran.
    pub fn of(results: &Results) -> SharedRun {
        let models = results.models.iter().map(|m| (m.model, m.wall_ms, m.speedup, m.correct));
        let prediction = results.prediction.iter().map(Judged::called).collect();
        SharedRun { prediction, ..SharedRun::carried(results.environment.cores, &results.environment.browser, models) }
    }

    /// The same as [`SharedRun::of`], from a results document (the JSON
    /// `threadlab.run` resolves to, handed back by a script): only the fields
    /// a link carries are read, so this needs no reader for whole results
    /// (the page's first download has none). `Err` names what is missing.
    pub fn from_document(doc: &Value) -> Result<SharedRun, String> {
        #[derive(Deserialize)]
        struct Doc {
            environment: Env,
            models: Vec<ModelDoc>,
        }
        #[derive(Deserialize)]
        struct Env {
            cores: u32,
            browser: String,
        }
        #[derive(Deserialize)]
        struct ModelDoc {
            model: Model,
            wall_ms: Option<crate::stats::Spread>,
            speedup: Option<f64>,
            correct: bool,
        }
        let d = Doc::deserialize(doc).map_err(|e| e.to_string())?;
        let models = d.models.into_iter().map(|m| (m.model, m.wall_ms, m.speedup, m.correct));
        // What was predicted and whether it held: read by hand (the
        // page's first download keeps no reader for the whole of it).
        let prediction = doc.get("prediction").and_then(Value::as_array).map_or_else(Vec::new, |all| {
            all.iter()
                .filter_map(|c| {
                    let about = c.get("about")?.as_str()?.to_string();
                    Some(Called { about, answer: Answer::parse(c.get("answer")?.as_str()?)?, held: c.get("held").and_then(Value::as_bool) })
                })
                .filter(Called::valid)
                .collect()
        });
        Ok(SharedRun { prediction, ..SharedRun::carried(d.environment.cores, &d.environment.browser, models) })
    }

    /// One home for what a link keeps of a run: the models that ran, their
    /// times to 0.1 ms and speed-ups to 0.01, the browser's name clipped.
    fn carried(cores: u32, browser: &str, models: impl Iterator<Item = (Model, Option<crate::stats::Spread>, Option<f64>, bool)>) -> SharedRun {
        let round = |x: f64, to: f64| (x * to).round() / to;
        SharedRun {
            cores,
            browser: clip(browser, MAX_BROWSER_CHARS),
            models: models
                .filter_map(|(model, wall, speedup, correct)| {
                    let w = wall?;
                    Some(SharedModel {
                        model,
                        median_ms: round(w.median, 10.0),
                        min_ms: round(w.min, 10.0),
                        max_ms: round(w.max, 10.0),
                        speedup: speedup.map(|s| round(s, 100.0)),
                        correct,
                    })
                })
                .collect(),
            prediction: Vec::new(),
        }
    }

    /// The compact field: lz-string of the compact JSON, URI-safe.
    pub fn encode(&self) -> String {
        lz_str::compress_to_encoded_uri_component(serde_json::to_string(&self.compact()).expect("plain data serialises").as_str())
    }

    pub(crate) fn compact(&self) -> Compact {
        Compact {
            c: self.cores,
            b: self.browser.clone(),
            m: self.models.iter().map(|m| (m.model, m.median_ms, m.min_ms, m.max_ms, m.speedup, m.correct as u8)).collect(),
            p: Called::list(&self.prediction),
        }
    }

    /// Reads the compact field; `Err` says why it is not usable.
    pub fn decode(field: &str) -> Result<SharedRun, String> {
        if field.len() > MAX_RESULTS_CHARS {
            return Err(format!("it is {} characters long (at most {})", field.len(), MAX_RESULTS_CHARS));
        }
        let text = lz_str::decompress_from_encoded_uri_component(field).ok_or("it is not a compressed field (truncated or damaged?)")?;
        let text = String::from_utf16(&text).map_err(|_| "it does not decompress to text")?;
        SharedRun::from_compact(serde_json::from_str(&text).map_err(|_| "it does not hold a run")?)
    }

    /// Checks a compact run read from a link or a wall; `Err` says why it
    /// is not usable.
    pub(crate) fn from_compact(c: Compact) -> Result<SharedRun, String> {
        if !(1..=1024).contains(&c.c) {
            return Err(format!("its core count {} is not between 1 and 1024", c.c));
        }
        if c.m.is_empty() || c.m.len() > Model::ALL.len() {
            return Err("it holds no models, or too many".into());
        }
        let mut models: Vec<SharedModel> = Vec::new();
        for (model, median_ms, min_ms, max_ms, speedup, correct) in c.m {
            let ms_ok = [median_ms, min_ms, max_ms].iter().all(|x| x.is_finite() && (0.0..=MAX_MS).contains(x)) && min_ms <= median_ms && median_ms <= max_ms;
            let speedup_ok = speedup.is_none_or(|s| s.is_finite() && (0.0..=1000.0).contains(&s));
            if !ms_ok || !speedup_ok || correct > 1 || models.iter().any(|m| m.model == model) {
                return Err(format!("its numbers for {model} are not a run's"));
            }
            models.push(SharedModel { model, median_ms, min_ms, max_ms, speedup, correct: correct == 1 });
        }
        let prediction = Called::read_list(&c.p)?;
        Ok(SharedRun { cores: c.c, browser: clip(&c.b, MAX_BROWSER_CHARS), models, prediction })
    }

    pub fn model(&self, model: Model) -> Option<&SharedModel> {
        self.models.iter().find(|m| m.model == model)
    }
}

/// Everything a link says.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub experiment: Experiment,
    pub view: View,
    pub shared: Option<SharedRun>,
}

/// A decoded link, and a sentence for every part of it that was ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub link: Link,
    pub ignored: Vec<String>,
    /// The link named an experiment (not just a view): the page shows it.
    pub has_experiment: bool,
    /// A program the link carried that does not compile, by its field's
    /// key: not in the experiment (which has the default), but shown in
    /// the editor, marked where it is wrong, rather than dropped.
    pub program: Option<(&'static str, String)>,
    /// `mode=program` (or a link with only program parameters): the whole
    /// program it shows; `None`: the page shows the experiment.
    pub whole: Option<ProgramLink>,
}

/// Migrations, oldest first: `MIGRATIONS[n]` turns version `n` into `n + 1`.
pub const MIGRATIONS: [fn(&mut Vec<(String, String)>); 1] = [migrate_v0];

/// Version 0: hand-written links that used the experiment JSON's own names
/// (`kind=loop`, `switch_interval_ms=5`), as the scripting API spells them.
fn migrate_v0(pairs: &mut Vec<(String, String)>) {
    for (k, _) in pairs.iter_mut() {
        match k.as_str() {
            "kind" => *k = param::WORKLOAD.into(),
            "switch_interval_ms" => *k = param::SWITCH.into(),
            "threads_per_process" => *k = param::THREADS.into(),
            _ => {}
        }
    }
}

/// `key=value` as typed, for messages: printable and short.
fn shown(key: &str, value: &str) -> String {
    format!("`{}={}`", clip(key, 30), clip(value, 40))
}

fn flag(pairs: &[(String, String)], key: &str, ignored: &mut Vec<String>) -> bool {
    match pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()) {
        None | Some("0") | Some("false") => false,
        Some("1") | Some("true") | Some("") => true,
        Some(other) => {
            ignored.push(format!("{} was ignored: use {key}=1 or {key}=0.", shown(key, other)));
            false
        }
    }
}

/// The link parameter an experiment field is read from.
fn param_of(field: &str) -> &str {
    match field {
        "switch_interval_ms" => param::SWITCH,
        "threads_per_process" => param::THREADS,
        "sweep" | "sweep.workers" => param::SWEEP,
        f => f.strip_prefix("workload.").unwrap_or(f),
    }
}

/// Reads a link's query (with or without its leading `?`). Never fails.
pub fn decode(query: &str, default_workers: u32) -> Decoded {
    let mut ignored = Vec::new();
    let defaults = Experiment::defaults(default_workers);
    let query = query.strip_prefix('?').unwrap_or(query);
    if query.len() > MAX_QUERY_CHARS {
        ignored.push(format!("The link is {} characters long (at most {}): all of it was ignored.", query.len(), MAX_QUERY_CHARS));
        let link = Link { experiment: defaults, view: View::default(), shared: None };
        return Decoded { link, ignored, has_experiment: false, program: None, whole: None };
    }
    // Each key once: the first wins.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if pairs.iter().any(|(seen, _)| *seen == k) {
            ignored.push(format!("{} was ignored: `{}` is given more than once.", shown(&k, &v), clip(&k, 30)));
        } else {
            pairs.push((k.into_owned(), v.into_owned()));
        }
    }

    // `lesson=<id>`: the lesson's experiment, under whatever the link sets itself.
    let lesson = pairs.iter().find(|(k, _)| k == param::LESSON).map(|(_, v)| v.clone()).and_then(|id| match crate::lessons::find(&id) {
        Some(l) => Some(l),
        None => {
            let ids: Vec<&str> = crate::lessons::ALL.iter().map(|l| l.id).collect();
            ignored.push(format!("{} was ignored: the lessons are {}.", shown(param::LESSON, &id), ids.join(", ")));
            None
        }
    });
    if let Some(l) = lesson {
        let lesson_pairs: Vec<(String, String)> = form_urlencoded::parse(l.query.as_bytes()).into_owned().collect();
        let own_workload = |p: &[(String, String)]| p.iter().find(|(k, _)| k == param::WORKLOAD).map(|(_, v)| v.clone());
        // Another workload than the lesson's: its parameters do not apply.
        let same_workload = own_workload(&pairs).is_none_or(|w| Some(w) == own_workload(&lesson_pairs));
        for (k, v) in lesson_pairs {
            let applies = same_workload || param::ALL.contains(&k.as_str());
            // The link's own text (`code=`, or compressed, `codez=`) wins.
            let given = |seen: &String| *seen == k || *seen == compressed_key(&k) || k == compressed_key(seen);
            if applies && !pairs.iter().any(|(seen, _)| given(seen)) {
                pairs.push((k, v));
            }
        }
    }
    let view = View {
        lesson: lesson.map(|l| l.id),
        autorun: flag(&pairs, param::AUTORUN, &mut ignored),
        embed: flag(&pairs, param::EMBED, &mut ignored),
        edit: flag(&pairs, param::EDIT, &mut ignored),
        predict: flag(&pairs, param::PREDICT, &mut ignored),
        theme: match pairs.iter().find(|(k, _)| k == param::THEME).map(|(_, v)| v.as_str()) {
            None | Some("auto") => Theme::Auto,
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            Some(other) => {
                ignored.push(format!("{} was ignored: use theme=auto, light or dark.", shown(param::THEME, other)));
                Theme::Auto
            }
        },
    };

    let version = match pairs.iter().find(|(k, _)| k == param::VERSION).map(|(_, v)| v.trim()) {
        None => LINK_VERSION,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if n <= LINK_VERSION => n,
            _ => {
                ignored.push(format!(
                    "This link's format version {} is not one this page reads (it reads 0 to {LINK_VERSION}): its experiment was ignored.",
                    shown(param::VERSION, v)
                ));
                let link = Link { experiment: defaults, view, shared: None };
                return Decoded { link, ignored, has_experiment: false, program: None, whole: None };
            }
        },
    };
    for migrate in &MIGRATIONS[version as usize..] {
        migrate(&mut pairs);
    }

    let shared = pairs.iter().find(|(k, _)| k == param::RESULTS).and_then(|(_, v)| match SharedRun::decode(v) {
        Ok(run) => Some(run),
        Err(why) => {
            ignored.push(format!("The shared results (`r=…`) were ignored: {why}."));
            None
        }
    });

    // The experiment, as the JSON the validator reads.
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let mut exp = Map::new();
    let kind = get(param::WORKLOAD);
    let fields = kind.as_deref().and_then(Workload::info_of).map_or(&[][..], |i| i.fields);
    if let Some(kind) = &kind {
        let mut w = Map::new();
        w.insert("kind".into(), kind.clone().into());
        for f in fields {
            if let Some(v) = get(f.key) {
                w.insert(f.key.into(), v.into());
            } else if let (workloads::Input::Code { .. }, Some(z)) = (f.input, get(&compressed_key(f.key))) {
                match code_of_compressed(&z) {
                    Ok(code) => {
                        w.insert(f.key.into(), code.into());
                    }
                    Err(why) => ignored.push(format!("{} was ignored: {why}; the default is used.", shown(&compressed_key(f.key), &z))),
                }
            }
        }
        exp.insert("workload".into(), Value::Object(w));
    }
    for (key, field) in [
        (param::TASKS, "tasks"),
        (param::WORKERS, "workers"),
        (param::REPEATS, "repeats"),
        (param::SWITCH, "switch_interval_ms"),
        (param::THREADS, "threads_per_process"),
    ] {
        if let Some(v) = get(key) {
            exp.insert(field.into(), v.into());
        }
    }
    // `sweep=none`: no sweep (a link adjusting a lesson that has one).
    if let Some(v) = get(param::SWEEP).filter(|v| !matches!(v.trim(), "" | "none")) {
        let counts: Vec<Value> = v.split(',').map(|c| Value::from(c.trim())).filter(|c| c.as_str() != Some("")).collect();
        exp.insert("sweep".into(), serde_json::json!({ "workers": counts }));
    }
    if let Some(v) = get(param::MODELS) {
        let models: Vec<Value> = v.split(',').map(|m| Value::from(m.trim())).filter(|m| m.as_str() != Some("")).collect();
        exp.insert("models".into(), Value::Array(models));
    }
    match get(param::TRACE).as_deref() {
        None => {}
        Some("0") | Some("false") => {
            exp.insert("trace".into(), Value::Bool(false));
        }
        Some("1") | Some("true") => {
            exp.insert("trace".into(), Value::Bool(true));
        }
        Some(other) => ignored.push(format!("{} was ignored: use trace=1 or trace=0.", shown(param::TRACE, other))),
    }
    let has_experiment = !exp.is_empty();
    let whole = whole_program(&pairs, &mut ignored);
    for (k, v) in &pairs {
        let known = param::ALL.contains(&k.as_str())
            || *k == compressed_key(param::PROGRAM)
            || fields.iter().any(|f| f.key == k || (matches!(f.input, workloads::Input::Code { .. }) && compressed_key(f.key) == *k));
        if !known {
            let candidates = param::ALL.iter().copied().chain(fields.iter().map(|f| f.key));
            let hint = suggest(k, candidates).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
            ignored.push(format!("{} was ignored: this page knows no parameter `{}`{hint}.", shown(k, v), clip(k, 30)));
        }
    }
    if !exp.contains_key("workload") {
        exp.insert("workload".into(), serde_json::json!({ "kind": defaults.workload.key() }));
    }

    // Validate; drop the first field that fails, say so, and try again.
    let mut exp = Value::Object(exp);
    // Every round removes something from `exp` or ends: at most one round a
    // key, and a bound all the same.
    let mut rounds = 0;
    let mut program = None;
    let experiment = loop {
        rounds += 1;
        match Experiment::from_value_lenient(&exp, default_workers) {
            Ok((e, _)) => break e,
            Err(err) if rounds > 16 => {
                ignored.push(format!("The experiment was ignored ({err}); the defaults are used."));
                break defaults;
            }
            Err(err) => {
                let mut field = err.field().unwrap_or("").to_string();
                let has_params = exp.get("workload").and_then(Value::as_object).is_some_and(|o| o.len() > 1);
                if matches!(err, ExperimentError::TooMuchWork { .. }) && has_params {
                    // Fewer tasks help only if the link asked for more than the
                    // default; else the workload's sizes are what is too big.
                    let asked = exp.get("tasks").and_then(|t| t.as_str()?.trim().parse::<f64>().ok());
                    let default = 4.0 * f64::from(default_workers.clamp(1, crate::experiment::MAX_WORKERS as u32));
                    if asked.is_none_or(|t| t <= default) {
                        field = "workload.".into(); // the workload's parameters, below
                    }
                }
                let removed = remove(&mut exp, &field);
                let given = removed.map(|v| match v {
                    Value::String(s) => s,
                    Value::Array(items) => items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string)).collect::<Vec<_>>().join(","),
                    other => other.to_string(),
                });
                let code_field = field.strip_prefix("workload.").and_then(|k| fields.iter().find(|f| f.key == k && matches!(f.input, workloads::Input::Code { .. })));
                match given {
                    Some(v) if matches!(err, ExperimentError::Code { .. }) && code_field.is_some() => {
                        program = code_field.map(|f| (f.key, v));
                    }
                    Some(v) => ignored.push(format!("{} was ignored ({err}); the default is used.", shown(param_of(&field), &v))),
                    None if has_params => {
                        // The workload's own parameters together break a rule: its defaults.
                        let kind = exp["workload"]["kind"].clone();
                        exp["workload"] = serde_json::json!({ "kind": kind });
                        ignored.push(format!("The workload's parameters were ignored ({err}); its defaults are used."));
                    }
                    None => {
                        ignored.push(format!("The experiment was ignored ({err}); the defaults are used."));
                        break defaults;
                    }
                }
            }
        }
    };
    if ignored.len() > MAX_NOTES {
        let more = ignored.len() - (MAX_NOTES - 1);
        ignored.truncate(MAX_NOTES - 1);
        ignored.push(format!("… and {more} more parts of the link were ignored."));
    }
    Decoded { link: Link { experiment, view, shared }, ignored, has_experiment, program, whole }
}

/// The whole program a link shows (`mode=program`, `example`, `program`
/// or `programz`, `gil`), with a sentence for each part that cannot be
/// used; `None` when the link shows an experiment.
fn whole_program(pairs: &[(String, String)], ignored: &mut Vec<String>) -> Option<ProgramLink> {
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let zkey = compressed_key(param::PROGRAM);
    let program_params = [param::EXAMPLE, param::PROGRAM, zkey.as_str(), param::GIL];
    let asked = match get(param::MODE).map(str::trim) {
        Some("program") => true,
        Some("experiment") => false,
        None => [param::EXAMPLE, param::PROGRAM, zkey.as_str()].iter().any(|k| get(k).is_some()),
        Some(other) => {
            ignored.push(format!("{} was ignored: use mode=experiment or mode=program.", shown(param::MODE, other)));
            false
        }
    };
    if !asked {
        for k in program_params.iter().filter(|k| get(k).is_some()) {
            ignored.push(format!("{} was ignored: it is for mode=program.", shown(k, get(k).unwrap_or_default())));
        }
        return None;
    }
    let mut p = ProgramLink::default();
    let mut default_said = "the first example is shown";
    if let Some(id) = get(param::EXAMPLE) {
        match crate::program::gallery::get(id.trim()) {
            Some(e) => {
                p.code = e.source.to_string();
                default_said = "the example is shown";
            }
            None => {
                let ids = crate::program::gallery::ALL.iter().map(|e| e.id);
                let hint = suggest(id, ids.clone()).map(|s| format!("did you mean `{s}`? ")).unwrap_or_default();
                ignored.push(format!("{} was ignored: {hint}the examples are {}.", shown(param::EXAMPLE, id), ids.collect::<Vec<_>>().join(", ")));
            }
        }
    }
    let text = match (get(param::PROGRAM), get(&zkey)) {
        (Some(code), _) => Some(Ok(code.to_string())),
        (None, Some(z)) => Some(code_of_compressed(z).map_err(|why| format!("{} was ignored: {why}; ", shown(&zkey, z)))),
        (None, None) => None,
    };
    match text {
        Some(Ok(code)) if code.trim().is_empty() => ignored.push(format!("`{}=` was ignored: it is empty; {default_said}.", param::PROGRAM)),
        Some(Ok(code)) if code.chars().count() > crate::program::MAX_PROGRAM_CHARS => ignored.push(format!(
            "The program (`{}=…`) was ignored: it is {} characters long (at most {}); {default_said}.",
            param::PROGRAM,
            crate::text::group(code.chars().count() as u64),
            crate::text::group(crate::program::MAX_PROGRAM_CHARS as u64)
        )),
        Some(Ok(code)) => p.code = code,
        Some(Err(why)) => ignored.push(format!("{why}{default_said}.")),
        None => {}
    }
    match get(param::GIL).map(str::trim) {
        None | Some("1") | Some("true") | Some("on") => {}
        Some("0") | Some("false") | Some("off") => p.gil = false,
        Some(other) => ignored.push(format!("{} was ignored: use gil=1 (with the GIL) or gil=0 (free-threaded); the GIL is on.", shown(param::GIL, other))),
    }
    Some(p)
}

/// The view's own parameters (`autorun`, `embed`, `edit`, `predict`, `theme`).
fn append_view(q: &mut form_urlencoded::Serializer<String>, view: &View) {
    for (on, key) in [(view.autorun, param::AUTORUN), (view.embed, param::EMBED), (view.edit, param::EDIT), (view.predict, param::PREDICT)] {
        if on {
            q.append_pair(key, "1");
        }
    }
    if view.theme != Theme::Auto {
        q.append_pair(param::THEME, view.theme.as_str());
    }
}

/// The query string (without `?`) of a link to the whole program `p`,
/// shown as `view` says: a gallery program by its id, any other text
/// readable when short and compressed beyond (as the python workload's code).
pub fn encode_program(p: &ProgramLink, view: &View) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair(param::VERSION, &LINK_VERSION.to_string());
    q.append_pair(param::MODE, "program");
    match p.example() {
        Some(e) => {
            q.append_pair(param::EXAMPLE, e.id);
        }
        None => {
            let (key, value) = code_param(param::PROGRAM, &p.code);
            q.append_pair(&key, &value);
        }
    }
    q.append_pair(param::GIL, if p.gil { "1" } else { "0" });
    append_view(&mut q, &View { lesson: None, ..*view });
    q.finish()
}

/// Removes `field` (`tasks`, `workload.size`, `workload`) from the
/// experiment JSON; returns what it held.
fn remove(exp: &mut Value, field: &str) -> Option<Value> {
    let obj = exp.as_object_mut()?;
    match field.strip_prefix("workload.") {
        Some(f) => obj.get_mut("workload")?.as_object_mut()?.remove(f),
        None if field == "workload" => {
            let kind = obj.remove("workload")?.get("kind").cloned();
            obj.insert("workload".into(), serde_json::json!({ "kind": workloads::ALL[0].key }));
            kind
        }
        None => obj.remove(field),
    }
}

/// The query string (without `?`) of a link to `experiment`, shown as
/// `view` says, with the sharer's run if given.
pub fn encode(experiment: &Experiment, view: &View, shared: Option<&SharedRun>) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair(param::VERSION, &LINK_VERSION.to_string());
    if let Some(id) = view.lesson {
        q.append_pair(param::LESSON, id);
    }
    q.append_pair(param::WORKLOAD, experiment.workload.key());
    for (f, (key, value)) in experiment.workload.info().fields.iter().zip(experiment.workload.field_values()) {
        match f.input {
            workloads::Input::Code { .. } => {
                let (key, value) = code_param(key, &value);
                q.append_pair(&key, &value);
            }
            _ => {
                q.append_pair(key, &value);
            }
        }
    }
    if experiment.workload.info().tasks_per_worker.is_none() {
        q.append_pair(param::TASKS, &experiment.tasks.to_string());
    }
    q.append_pair(param::WORKERS, &experiment.workers.to_string());
    let models: Vec<&str> = experiment.models.iter().map(|m| m.as_str()).collect();
    q.append_pair(param::MODELS, &models.join(","));
    q.append_pair(param::REPEATS, &experiment.repeats.to_string());
    q.append_pair(param::SWITCH, &experiment.switch_interval_ms.to_string());
    if experiment.models.contains(&Model::Hybrid) {
        q.append_pair(param::THREADS, &experiment.threads_per_process.to_string());
    }
    match &experiment.sweep {
        Some(s) => {
            let counts: Vec<String> = s.workers.iter().map(u32::to_string).collect();
            q.append_pair(param::SWEEP, &counts.join(","));
        }
        // The lesson's sweep does not apply to this experiment: say so.
        None if view.lesson.and_then(crate::lessons::find).is_some_and(|l| l.query.contains("sweep=")) => {
            q.append_pair(param::SWEEP, "none");
        }
        None => {}
    }
    if !experiment.trace {
        q.append_pair(param::TRACE, "0");
    }
    append_view(&mut q, view);
    if let Some(run) = shared {
        q.append_pair(param::RESULTS, &run.encode());
    }
    // Commas in the model list read better unescaped; they are legal in a query.
    q.finish().replace("%2C", ",")
}

/// A lesson's experiment is its link, decoded (every lesson is a link).
impl crate::lessons::Lesson {
    /// The lesson's experiment on a machine of `cores` cores.
    pub fn experiment(&self, cores: u32) -> Experiment {
        decode(self.query, cores).link.experiment
    }

    /// The claim its run is judged on.
    pub fn claim(&self, cores: u32) -> Option<Claim> {
        Claim::of(&self.experiment(cores))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::primes::Primes;

    fn exp() -> Experiment {
        Experiment {
            workload: Workload::Primes(Primes { size: 300_000 }),
            tasks: 6,
            workers: 3,
            models: vec![Model::Sequential, Model::Processes],
            repeats: 2,
            switch_interval_ms: 0.5,
            ..Experiment::default()
        }
    }

    #[test]
    fn python_code_travels_readable_when_short_and_compressed_when_long() {
        use crate::workloads::python::Python;
        let with = |code: &str| Experiment { workload: Workload::Python(Python { code: code.into() }), ..exp() };
        let short = "def task(i):\n    return 'é \"<script>alert(1)</script>\" ' + str(i)\n";
        let long = format!("def task(i):\n{}    return i\n", "    x = '💥 <&> \"quoted\" \\\\'\n".repeat(200));
        for (code, readable) in [(crate::workloads::python::DEFAULT_CODE, true), (short, true), (long.as_str(), false)] {
            let e = with(code);
            let q = encode(&e, &View::default(), None);
            assert_eq!(q.contains("&code=def+task"), readable, "{q}");
            assert_eq!(q.contains("&codez="), !readable, "{q}");
            assert!(!q.contains('<') && !q.contains('"'), "{q}");
            let d = decode(&q, 4);
            assert_eq!(d.ignored, Vec::<String>::new());
            assert_eq!(d.link.experiment, e);
        }
        // A damaged compressed field is refused with a sentence; the default code runs.
        let q = encode(&with(&long), &View::default(), None);
        let cut = &q[..q.find("&codez=").unwrap() + 40];
        let d = decode(&format!("{cut}&tasks=2"), 4);
        assert!(d.ignored.iter().any(|m| m.starts_with("`codez=") && m.contains("the default is used")), "{:?}", d.ignored);
        assert_eq!(d.link.experiment.workload, Workload::Python(Python { code: crate::workloads::python::DEFAULT_CODE.into() }));
        // Code that does not compile is not run but kept, to be shown marked.
        let d = decode("workload=python&code=def+task(i)%3A%0A++++return+(", 4);
        assert_eq!(d.ignored, Vec::<String>::new());
        assert_eq!(d.program, Some(("code", "def task(i):\n    return (".to_string())));
        assert_eq!(d.link.experiment.workload, Workload::Python(Python { code: crate::workloads::python::DEFAULT_CODE.into() }));
    }

    #[test]
    fn a_whole_program_travels_by_example_or_text_with_its_gil_switch() {
        use crate::program::gallery;
        let io = gallery::get("threads_io_sleep").unwrap();
        let p = ProgramLink { code: io.source.into(), gil: false };
        let q = encode_program(&p, &View { embed: true, theme: Theme::Dark, ..View::default() });
        assert_eq!(q, "v=1&mode=program&example=threads_io_sleep&gil=0&embed=1&theme=dark");
        let d = decode(&q, 2);
        assert_eq!((d.whole, d.ignored, d.link.view.embed), (Some(p), vec![], true));
        // Edited text: readable when short, compressed when long, never markup.
        for code in [format!("{}print('<b>é</b>')\n", io.source), format!("{}{}", io.source, "print('<script>💥</script>')\n".repeat(100))] {
            let p = ProgramLink { code, gil: true };
            let q = encode_program(&p, &View::default());
            assert!(q.contains("&program=") != q.contains("&programz="), "{q}");
            assert!(!q.contains('<') && !q.contains("example="), "{q}");
            let d = decode(&q, 2);
            assert_eq!((d.whole, d.ignored), (Some(p), vec![]), "{q}");
        }
        // Program parameters alone open the program mode; mode=experiment does not.
        assert_eq!(decode("example=processpool_cpu", 2).whole.unwrap().code, gallery::get("processpool_cpu").unwrap().source);
        let d = decode("mode=experiment&gil=0", 2);
        assert_eq!(d.whole, None);
        assert_eq!(d.ignored, vec!["`gil=0` was ignored: it is for mode=program.".to_string()]);
        assert_eq!(decode("mode=program", 2).whole, Some(ProgramLink::default()));
    }

    #[test]
    fn a_damaged_program_link_says_so_and_shows_the_default() {
        let long = format!("print('{}')\n", "ab".repeat(8000));
        let q = encode_program(&ProgramLink { code: long, gil: true }, &View::default());
        let cut = &q[..q.find("&programz=").unwrap() + 30];
        let d = decode(cut, 2);
        assert_eq!(d.whole, Some(ProgramLink::default()));
        assert!(d.ignored[0].starts_with("`programz=") && d.ignored[0].ends_with("the first example is shown."), "{:?}", d.ignored);
        let d = decode("mode=program&example=threads_io_slep&gil=maybe&program=", 2);
        assert_eq!(d.whole, Some(ProgramLink::default()));
        let all = d.ignored.join("\n");
        for want in ["`example=threads_io_slep` was ignored: did you mean `threads_io_sleep`? the examples are threads_numbers_letters,", "`program=` was ignored: it is empty; the first example is shown.", "`gil=maybe` was ignored"] {
            assert!(all.contains(want), "{want:?} in\n{all}");
        }
        let d = decode("mode=programs&program=print(1)", 2);
        assert_eq!(d.whole, None);
        assert!(d.ignored[0].starts_with("`mode=programs` was ignored: use mode=experiment or mode=program."), "{:?}", d.ignored);
        let huge = format!("mode=program&programz={}", lz_str::compress_to_encoded_uri_component(&"x = 1\n".repeat(5000)));
        let d = decode(&huge, 2);
        assert_eq!(d.whole, Some(ProgramLink::default()));
        assert!(d.ignored[0].contains("characters long (at most 20,000)"), "{:?}", d.ignored);
    }

    #[test]
    fn a_link_is_readable_and_round_trips() {
        let q = encode(&exp(), &View::default(), None);
        assert_eq!(q, "v=1&workload=primes&size=300000&tasks=6&workers=3&models=sequential,processes&repeats=2&switch=0.5");
        let d = decode(&format!("?{q}"), 2);
        assert_eq!(d.ignored, Vec::<String>::new());
        assert_eq!(d.link.experiment, exp());
        assert!(d.has_experiment);
        for w in workloads::ALL {
            let e = Experiment::from_value(&serde_json::json!({ "workload": { "kind": w.key }, "workers": 2 }), 2).unwrap();
            let view = View { autorun: true, embed: true, edit: true, theme: Theme::Dark, lesson: Some("convoy"), predict: true };
            let d = decode(&encode(&e, &view, None), 4);
            assert_eq!((d.link.experiment, d.link.view, d.ignored), (e, view, vec![]), "{}", w.key);
        }
    }

    #[test]
    fn a_link_passed_on_keeps_its_lesson_and_asking_first() {
        // An embed asking readers to predict, as its frame's address has it.
        let d = decode("v=1&lesson=gil-cpu&size=3000000&embed=1&edit=1&predict=1&autorun=1&theme=dark", 2);
        assert_eq!(d.ignored, Vec::<String>::new());
        let kept = d.link.view.passed_on();
        assert_eq!(kept, View { lesson: Some("gil-cpu"), predict: true, ..View::default() });
        let q = encode(&d.link.experiment, &kept, None);
        assert!(q.contains("&predict=1") && !q.contains("embed") && !q.contains("autorun") && !q.contains("theme"), "{q}");
        let again = decode(&q, 2);
        assert_eq!((again.link.experiment, again.link.view, again.ignored), (d.link.experiment.clone(), kept, vec![]));
        // With the sharer's run too.
        let run = SharedRun { cores: 8, browser: "Firefox 150".into(), models: vec![], prediction: vec![] };
        assert!(decode(&encode(&d.link.experiment, &kept, Some(&run)), 2).link.view.predict);
        // A page that does not ask passes on a link that does not either.
        assert!(!decode("v=1&lesson=gil-cpu", 2).link.view.passed_on().predict);
    }

    #[test]
    fn a_lesson_s_code_gives_way_to_the_link_s_compressed_code() {
        // The lock lesson has code of its own; a link adjusting it with code
        // long enough to be compressed keeps the link's (found by link_fuzz).
        let code = format!("def task(i):\n{}    return i\n", "    x = 'ü<&>\"'\n".repeat(40));
        let lesson = crate::lessons::find("lock").unwrap().experiment(2);
        let exp = Experiment { workload: Workload::Python(crate::workloads::python::Python { code: code.clone() }), ..lesson };
        let q = encode(&exp, &View { lesson: Some("lock"), ..View::default() }, None);
        assert!(q.contains("&codez="), "{q}");
        let d = decode(&q, 2);
        assert_eq!(d.link.experiment.workload, exp.workload, "{:?}", d.ignored);
    }

    #[test]
    fn a_lesson_is_a_link_and_a_link_can_adjust_it() {
        let d = decode("lesson=threads-io", 2);
        assert_eq!(d.ignored, Vec::<String>::new());
        assert_eq!(d.link.view.lesson, Some("threads-io"));
        assert_eq!(d.link.experiment, crate::lessons::find("threads-io").unwrap().experiment(2));
        let d = decode("lesson=threads-io&ms=20", 2);
        assert_eq!(d.link.experiment.workload, Workload::Sleep(crate::workloads::sleep::Sleep { ms: 20 }));
        let again = decode(&encode(&d.link.experiment, &d.link.view, None), 2);
        assert_eq!((again.link.experiment, again.link.view.lesson), (d.link.experiment, Some("threads-io")));
        let d = decode("lesson=nope", 2);
        assert!(d.ignored[0].starts_with("`lesson=nope` was ignored: the lessons are gil-cpu,"), "{:?}", d.ignored);
        assert_eq!(d.link.view.lesson, None);
    }

    #[test]
    fn hand_written_links_fill_in_defaults() {
        let d = decode("workload=sleep&ms=20", 2);
        assert_eq!(d.ignored, Vec::<String>::new());
        assert_eq!(d.link.experiment.workload, Workload::Sleep(crate::workloads::sleep::Sleep { ms: 20 }));
        assert_eq!(d.link.experiment.tasks, 8);
        let d = decode("", 2);
        assert!(!d.has_experiment);
        assert_eq!(d.link.experiment, Experiment::defaults(2));
    }

    #[test]
    fn version_0_links_are_migrated() {
        let d = decode("v=0&kind=primes&size=1000&switch_interval_ms=2", 2);
        assert_eq!(d.ignored, Vec::<String>::new());
        assert_eq!(d.link.experiment.workload, Workload::Primes(Primes { size: 1000 }));
        assert_eq!(d.link.experiment.switch_interval_ms, 2.0);
    }

    #[test]
    fn bad_parts_are_named_and_the_rest_is_kept() {
        let d = decode("v=1&workload=primes&size=-5&tasks=3&wokers=9&models=threads,fibers&autorun=yes&theme=<b>", 2);
        let e = &d.link.experiment;
        assert_eq!((e.tasks, e.workers), (3, 2));
        assert_eq!(e.workload, Workload::Primes(Primes { size: 1_000_000 }), "the default size");
        assert_eq!(e.models, Model::DEFAULT.to_vec(), "the default models");
        assert!(!d.link.view.autorun);
        let all = d.ignored.join("\n");
        for want in [
            "`size=-5` was ignored",
            "`wokers=9` was ignored: this page knows no parameter `wokers` (did you mean `workers`?)",
            "`models=threads,fibers` was ignored (Unknown model \"fibers\"",
            "`autorun=yes` was ignored",
            "`theme=<b>` was ignored",
        ] {
            assert!(all.contains(want), "{want:?} in\n{all}");
        }
    }

    #[test]
    fn notes_are_few_and_read_forwards() {
        let d = decode(&"a=&".repeat(5000), 2);
        assert_eq!(d.ignored.len(), MAX_NOTES);
        assert_eq!(d.ignored[MAX_NOTES - 1], "… and 4991 more parts of the link were ignored.");
        let d = decode("workload=%E2%80%AEpoolx", 2);
        assert!(!d.ignored[0].contains('\u{202E}'), "{:?}", d.ignored);
    }

    #[test]
    fn too_much_work_always_ends_even_on_many_cores() {
        // 200 loop tasks of the default size are too many, though fewer than
        // the default 256 on 64 cores: the task count goes (found by the fuzzer).
        let d = decode("workload=loop&tasks=200", 64);
        assert_eq!(d.link.experiment.tasks, 200);
        let d = decode("workload=loop&size=300000000&tasks=250", 64);
        assert_eq!(d.link.experiment.workload.describe(), "CPU: total += i for i in range(300,000,000)");
        assert!(d.link.experiment.tasks <= 200, "{}", d.link.experiment.tasks);
        assert!(d.ignored.len() <= 3, "{:?}", d.ignored);
    }

    #[test]
    fn too_much_work_keeps_a_small_task_count_and_drops_the_sizes() {
        let d = decode("workload=mixed&recipe=io+10000ms,x100&tasks=1", 2);
        assert_eq!(d.link.experiment.tasks, 1);
        assert!(d.ignored[0].starts_with("The workload's parameters were ignored (This experiment is too large"), "{:?}", d.ignored);
        let d = decode("trace=nope", 2);
        assert_eq!(d.ignored, vec!["`trace=nope` was ignored: use trace=1 or trace=0.".to_string()]);
    }

    #[test]
    fn too_much_work_drops_the_task_count_first() {
        let d = decode("workload=loop&size=5000000000&tasks=500", 2);
        assert_eq!(d.link.experiment.tasks, 8);
        assert_eq!(d.link.experiment.workload.describe(), "CPU: total += i for i in range(5,000,000,000)");
        assert!(d.ignored[0].starts_with("`tasks=500` was ignored (This experiment is too large"), "{:?}", d.ignored);
    }

    #[test]
    fn unknown_versions_huge_links_and_damaged_results_are_refused() {
        let d = decode("v=7&workload=sleep&ms=5", 2);
        assert_eq!(d.link.experiment, Experiment::defaults(2));
        assert!(d.ignored[0].contains("format version `v=7`"), "{:?}", d.ignored);
        let huge = format!("workload=loop&size={}", "9".repeat(100_000));
        let d = decode(&huge, 2);
        assert!(d.ignored[0].starts_with("The link is 100019 characters long"), "{:?}", d.ignored);
        for bad in ["r=garbage", "r=", "r=N4Ig", &format!("r={}", "A".repeat(1100))] {
            let d = decode(bad, 2);
            assert!(d.link.shared.is_none());
            assert!(d.ignored.iter().any(|m| m.starts_with("The shared results (`r=…`) were ignored")), "{bad}: {:?}", d.ignored);
        }
    }

    #[test]
    fn a_results_document_carries_what_its_results_carry() {
        use crate::summary::{Environment, ModelSummary, Status};
        let mut seq = ModelSummary::not_run(Model::Sequential, 1, Status::Ran);
        seq.wall_ms = Some(crate::stats::Spread { median: 12.345, min: 10.01, max: 12.5 });
        seq.correct = true;
        let mut procs = ModelSummary::not_run(Model::Processes, 3, Status::Ran);
        procs.wall_ms = Some(crate::stats::Spread { median: 5.06, min: 5.0, max: 6.0 });
        procs.speedup = Some(2.4444);
        let unavailable = ModelSummary::not_run(Model::Threads, 3, Status::Unavailable { reason: "no isolation".into() });
        let env = Environment { cores: 3, browser: "Chrome 156".into(), ..Environment::default() };
        let results = Results::new(exp(), env, vec![seq, procs, unavailable]);
        let from_doc = SharedRun::from_document(&serde_json::to_value(&results).unwrap()).unwrap();
        assert_eq!(from_doc, SharedRun::of(&results));
        assert_eq!(from_doc.models.len(), 2, "only models that ran");
        assert_eq!(from_doc.model(Model::Sequential).unwrap().median_ms, 12.3, "rounded as a link rounds");
        let err = SharedRun::from_document(&serde_json::json!({"models": []})).unwrap_err();
        assert!(err.contains("environment"), "{err}");
    }

    #[test]
    fn shared_runs_round_trip_compactly_and_are_checked() {
        let run = SharedRun {
            cores: 8,
            browser: "Firefox 153".into(),
            models: Model::ALL
                .iter()
                .map(|&model| SharedModel { model, median_ms: 404.1, min_ms: 400.0, max_ms: 410.9, speedup: Some(1.95), correct: true })
                .collect(),
            prediction: vec![
                Called { about: "threads_gil".into(), answer: Answer::Faster, held: Some(false) },
                Called { about: "threads".into(), answer: Answer::Same, held: None },
            ],
        };
        let q = encode(&exp(), &View::default(), Some(&run));
        assert!(q.len() < 450, "{} characters: {q}", q.len());
        assert_eq!(decode(&q, 2).link.shared, Some(run.clone()));
        let mut bad = run.clone();
        bad.models[0].min_ms = f64::MAX;
        assert!(SharedRun::decode(&bad.encode()).is_err());
        let mut bad = run;
        bad.browser = format!("<script>alert(1)</script>\u{0}{}", "x".repeat(100));
        let back = SharedRun::decode(&bad.encode()).unwrap();
        assert_eq!(back.browser.chars().count(), MAX_BROWSER_CHARS + 1, "cut, and marked cut");
        assert!(!back.browser.contains('\u{0}'));
    }

    mod lessons_are_links {
        use super::*;
        use crate::lessons;
        use crate::verdict::Claim;

        #[test]
        fn every_lesson_is_a_valid_link_that_tests_a_claim_on_any_machine() {
            for cores in [1, 2, 8, 64] {
                for l in lessons::ALL {
                    let d = decode(l.query, cores);
                    assert_eq!(d.ignored, Vec::<String>::new(), "{} on {cores} cores", l.id);
                    assert!(d.has_experiment);
                    assert!(l.claim(cores).is_some(), "{} tests no claim", l.id);
                }
            }
            let claims: Vec<Claim> = lessons::ALL.iter().filter_map(|l| l.claim(2)).collect();
            for c in [
                Claim::GilBlocksCpuThreads,
                Claim::ProcessesParallelCpu,
                Claim::FreeThreadsParallelCpu,
                Claim::ThreadsSuitIo,
                Claim::ConvoyEffect,
                Claim::CrashIsolation,
                Claim::CommunicationCost,
                Claim::MemoryFootprint,
                Claim::UseThemTogether,
                Claim::RaceCondition,
                Claim::LockGuardsUpdates,
                Claim::Deadlock,
                Claim::ForgottenJoin,
                Claim::TooManyWorkers,
            ] {
                assert!(claims.contains(&c), "no lesson for {c:?}");
            }
            let mut ids: Vec<&str> = lessons::ALL.iter().map(|l| l.id).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), lessons::ALL.len());
        }
    }
}
