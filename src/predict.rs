//! Predict, then run: what a lesson asks a learner before the run, what a
//! prediction is, how one is read from a link, a script or a host page's
//! message (refused with the field and the allowed answers), and how it is
//! judged against the run's numbers, in sentences that quote them.
//!
//! An experiment that compares models with the plain loop asks, per model,
//! "faster than sequential / about the same / slower" ([`Pace`], the same
//! band the verdicts use); one that tests a claim of its own (the convoy,
//! the crash, the mistakes, memory, the sweep, load balancing) asks that
//! claim's own yes-or-no question, answered by the verdict on the claim.

use crate::claim::{Claim, Pace, Verdict};
use crate::experiment::{Experiment, ExperimentError, Model};
use crate::summary::ModelSummary;
use crate::text::clip;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a prediction's `about` is for a claim's own question.
pub const OUTCOME: &str = "outcome";

/// An answer a learner can give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Faster,
    Same,
    Slower,
    Yes,
    No,
}

impl Answer {
    pub const ALL: [Answer; 5] = [Answer::Faster, Answer::Same, Answer::Slower, Answer::Yes, Answer::No];

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Faster => "faster",
            Answer::Same => "same",
            Answer::Slower => "slower",
            Answer::Yes => "yes",
            Answer::No => "no",
        }
    }

    /// The choice as a radio button says it.
    pub fn label(self) -> &'static str {
        match self {
            Answer::Faster => "Faster than sequential",
            Answer::Same => "About the same",
            Answer::Slower => "Slower",
            Answer::Yes => "Yes",
            Answer::No => "No",
        }
    }

    pub fn parse(s: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|a| a.as_str() == s.trim().to_ascii_lowercase())
    }

    fn pace(self) -> Option<Pace> {
        match self {
            Answer::Faster => Some(Pace::Faster),
            Answer::Same => Some(Pace::Same),
            Answer::Slower => Some(Pace::Slower),
            Answer::Yes | Answer::No => None,
        }
    }
}

/// A question the page asks before a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    /// How this model's time will compare with sequential's.
    Pace(Model),
    /// The claim's own question, answered yes or no.
    Own(Claim),
}

/// A claim's own question, and whether "yes" is the answer when the claim
/// held (the race's "will the counter be right?" is "no" when it held).
fn own(claim: Claim) -> Option<(&'static str, bool)> {
    Some(match claim {
        Claim::ConvoyEffect => ("Under the GIL, will a thread back from I/O have to wait behind a computing thread?", true),
        Claim::CrashIsolation => ("When one task crashes, will the other tasks on threads still finish?", false),
        Claim::MemoryFootprint => ("Will processes use more memory than threads for the same data?", true),
        Claim::UseThemTogether => ("Will threads inside processes finish sooner than threads or processes alone?", true),
        Claim::RaceCondition => ("Will threads that add to one shared counter without a lock get the right total?", false),
        Claim::LockGuardsUpdates => ("Will threads that add to a global counter lose updates unless a lock guards it?", true),
        Claim::Deadlock => ("Will threads that take two locks in opposite orders always finish?", false),
        Claim::ForgottenJoin => ("Without join(), will the main program read every thread's result?", false),
        Claim::TooManyWorkers => ("Will adding workers beyond the number of cores keep making it faster?", false),
        Claim::LoadBalancing => ("Will handing out one task at a time finish sooner than equal blocks fixed in advance?", true),
        Claim::GilBlocksCpuThreads | Claim::ProcessesParallelCpu | Claim::FreeThreadsParallelCpu | Claim::ThreadsSuitIo | Claim::CommunicationCost => {
            return None;
        }
    })
}

impl Question {
    /// What a prediction names it by: the model's key, or [`OUTCOME`].
    pub fn key(self) -> &'static str {
        match self {
            Question::Pace(m) => m.as_str(),
            Question::Own(_) => OUTCOME,
        }
    }

    /// The question, as the page asks it.
    pub fn text(self) -> String {
        match self {
            Question::Pace(m) => format!("{} will be…", m.label()),
            Question::Own(c) => own(c).map_or("", |(q, _)| q).to_string(),
        }
    }

    pub fn answers(self) -> &'static [Answer] {
        match self {
            Question::Pace(_) => &[Answer::Faster, Answer::Same, Answer::Slower],
            Question::Own(_) => &[Answer::Yes, Answer::No],
        }
    }
}

/// What the page asks before running `exp`: the claim's own question, or
/// for each model compared with sequential its pace; none when it compares
/// nothing.
pub fn questions(exp: &Experiment) -> Vec<Question> {
    match Claim::of(exp) {
        Some(c) if own(c).is_some() => vec![Question::Own(c)],
        _ if exp.models.contains(&Model::Sequential) => exp.models.iter().filter(|m| **m != Model::Sequential).map(|&m| Question::Pace(m)).collect(),
        _ => Vec::new(),
    }
}

/// One answer: to which question (`about`: a model's key or [`OUTCOME`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guess {
    pub about: String,
    pub answer: Answer,
}

/// A learner's answers, some or all of an experiment's questions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prediction {
    pub guesses: Vec<Guess>,
}

impl Prediction {
    /// Sets the answer to `about`.
    pub fn set(&mut self, about: &str, answer: Answer) {
        self.guesses.retain(|g| g.about != about);
        self.guesses.push(Guess { about: about.to_string(), answer });
    }

    pub fn answer(&self, about: &str) -> Option<Answer> {
        self.guesses.iter().find(|g| g.about == about).map(|g| g.answer)
    }

    /// As text: `threads_gil:same,threads:faster` (what [`Prediction::read`] reads).
    pub fn text(&self) -> String {
        self.guesses.iter().map(|g| format!("{}:{}", g.about, g.answer.as_str())).collect::<Vec<_>>().join(",")
    }

    /// Only the answers to `exp`'s questions (a form changed since).
    pub fn for_experiment(&self, exp: &Experiment) -> Prediction {
        let keys: Vec<&str> = questions(exp).iter().map(|q| q.key()).collect();
        Prediction { guesses: self.guesses.iter().filter(|g| keys.contains(&g.about.as_str())).cloned().collect() }
    }

    /// Reads a prediction for `exp`: text (`threads_gil:same,threads:faster`,
    /// or `yes` where there is one question) or an object (`{"threads_gil":
    /// "same"}`). Refused naming the field and the allowed answers.
    pub fn read(v: &Value, exp: &Experiment) -> Result<Prediction, ExperimentError> {
        let qs = questions(exp);
        let keys: Vec<&str> = qs.iter().map(|q| q.key()).collect();
        let refuse = |field: String, got: &str, allowed: String| ExperimentError::Prediction { field, got: format!("{:?}", clip(got, 40)), allowed };
        if qs.is_empty() {
            return Err(refuse("prediction".into(), &v.to_string(), "left out: this experiment asks no question (it compares no model with sequential)".into()));
        }
        let pairs: Vec<(String, String)> = match v {
            Value::String(s) => s
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once(':') {
                    Some((k, a)) => (k.trim().to_string(), a.trim().to_string()),
                    None if qs.len() == 1 => (keys[0].to_string(), p.to_string()),
                    None => (String::new(), p.to_string()),
                })
                .collect(),
            Value::Object(o) => o.iter().map(|(k, a)| (k.clone(), a.as_str().map_or_else(|| a.to_string(), str::to_string))).collect(),
            other => {
                return Err(refuse("prediction".into(), &other.to_string(), "text like \"threads_gil:same\" or an object like {\"threads_gil\": \"same\"}".into()));
            }
        };
        let mut p = Prediction::default();
        for (about, answer) in pairs {
            let Some(q) = qs.iter().find(|q| q.key() == about) else {
                let which = keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                return Err(refuse("prediction".into(), &about, format!("about this experiment's questions: {which}")));
            };
            let allowed = q.answers();
            let Some(a) = Answer::parse(&answer).filter(|a| allowed.contains(a)) else {
                let names: Vec<&str> = allowed.iter().map(|a| a.as_str()).collect();
                return Err(refuse(format!("prediction.{about}"), &answer, format!("{} or {}", names[..names.len() - 1].join(", "), names[names.len() - 1])));
            };
            if p.answer(&about).is_some() {
                return Err(refuse(format!("prediction.{about}"), &answer, "answered once".into()));
            }
            p.set(&about, a);
        }
        Ok(p)
    }

    /// Takes `prediction` out of experiment JSON (where a script, a host
    /// page or the page's own Run put it beside the experiment's fields):
    /// the experiment JSON left, and the raw prediction.
    pub fn take(json: &mut Value) -> Option<Value> {
        json.as_object_mut()?.remove("prediction")
    }
}

/// A prediction judged: what was asked and answered, whether the numbers
/// agreed (`None`: this run cannot tell), and the sentence with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judged {
    pub about: String,
    pub question: String,
    pub answer: Answer,
    pub held: Option<bool>,
    pub text: String,
}

/// What a link with results keeps of a judged prediction (and the class
/// wall reads): the answer and whether it held, without the sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Called {
    pub about: String,
    pub answer: Answer,
    pub held: Option<bool>,
}

impl Judged {
    pub fn called(&self) -> Called {
        Called { about: self.about.clone(), answer: self.answer, held: self.held }
    }
}

impl Called {
    /// Checks one read from a link: `about` names a model or [`OUTCOME`],
    /// and the answer is one that question allows.
    pub fn valid(&self) -> bool {
        match Model::parse(&self.about) {
            Some(_) => self.answer.pace().is_some(),
            None => self.about == OUTCOME && self.answer.pace().is_none(),
        }
    }

    /// As a link's results field holds them: `threads_gil:faster:0,outcome:no:-`
    /// (held: 1, 0, or `-` cannot tell).
    pub fn list(all: &[Called]) -> String {
        let held = |h: Option<bool>| match h {
            Some(true) => "1",
            Some(false) => "0",
            None => "-",
        };
        all.iter().map(|c| format!("{}:{}:{}", c.about, c.answer.as_str(), held(c.held))).collect::<Vec<_>>().join(",")
    }

    /// Reads [`Called::list`]'s text from a link; `Err` says why it cannot be used.
    pub fn read_list(text: &str) -> Result<Vec<Called>, String> {
        let mut out: Vec<Called> = Vec::new();
        for item in text.split(',').filter(|i| !i.is_empty()) {
            let mut parts = item.split(':');
            let (about, answer, held) = (parts.next().unwrap_or(""), parts.next().and_then(Answer::parse), parts.next());
            let held = match held {
                Some("1") => Some(Some(true)),
                Some("0") => Some(Some(false)),
                Some("-") => Some(None),
                _ => None,
            };
            let called = answer.zip(held).map(|(answer, held)| Called { about: about.to_string(), answer, held });
            match called {
                Some(c) if c.valid() && parts.next().is_none() && out.len() < Model::ALL.len() && !out.iter().any(|o| o.about == c.about) => out.push(c),
                _ => return Err(format!("its prediction `{}` is not one a lesson asks", clip(item, 30))),
            }
        }
        Ok(out)
    }

    /// As a row of a table says it: `Threads + GIL: faster (wrong)`.
    pub fn short(&self) -> String {
        let about = Model::parse(&self.about).map_or("Outcome", Model::label);
        let held = match self.held {
            Some(true) => "right",
            Some(false) => "wrong",
            None => "cannot tell",
        };
        format!("{about}: {} ({held})", self.answer.as_str())
    }
}

/// Judges `p` against a run of `exp`: its models' summaries and the
/// verdict on its claim.
pub fn judge(p: &Prediction, exp: &Experiment, models: &[ModelSummary], verdict: Option<&Verdict>) -> Vec<Judged> {
    let said = |held: bool| if held { " As you predicted." } else { " Not what you predicted." };
    questions(exp)
        .into_iter()
        .filter_map(|q| {
            let answer = p.answer(q.key())?;
            let (held, text) = match q {
                Question::Pace(m) => {
                    let predicted = answer.pace().map_or("", Pace::words);
                    let s = models.iter().find(|s| s.model == m);
                    match s.and_then(|s| s.speedup) {
                        Some(speedup) => {
                            let pace = Pace::of(speedup);
                            let held = answer.pace() == Some(pace);
                            let text = format!(
                                "You said {} would be {predicted}: it took {:.2}× the sequential time (speed-up {speedup:.2}×), {}.{}",
                                m.label(),
                                1.0 / speedup.max(1e-9),
                                pace.words(),
                                said(held)
                            );
                            (Some(held), text)
                        }
                        None => {
                            let why = match s {
                                None => format!("{} was not run", m.label()),
                                Some(s) => s.status.why_not().unwrap_or_else(|| {
                                    if s.correct { "the sequential run gave no time to compare".into() } else { "its results were wrong".into() }
                                }),
                            };
                            (None, format!("You said {} would be {predicted}: this run cannot tell ({why}).", m.label()))
                        }
                    }
                }
                Question::Own(claim) => {
                    let (question, yes_if_held) = own(claim)?;
                    let said_text = format!("You answered “{}” to “{question}”", answer.as_str());
                    match verdict.filter(|v| v.claim == claim.text()) {
                        Some(v) => match v.held {
                            Some(h) => {
                                let yes = h == yes_if_held;
                                let held = (answer == Answer::Yes) == yes;
                                (Some(held), format!("{said_text}: here the answer was “{}”.{} {}", if yes { "yes" } else { "no" }, said(held), v.text))
                            }
                            None => (None, format!("{said_text}: this run cannot tell. {}", v.text)),
                        },
                        None => (None, format!("{said_text}: this run gave no verdict to compare with.")),
                    }
                }
            };
            Some(Judged { about: q.key().to_string(), question: q.text(), answer, held, text })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::Status;
    use crate::stats::Spread;
    use serde_json::json;

    fn summary(model: Model, speedup: f64) -> ModelSummary {
        let median = 800.0 / speedup;
        ModelSummary {
            runs_ms: vec![median],
            wall_ms: Some(Spread { median, min: median, max: median }),
            speedup: Some(speedup),
            correct: true,
            ..ModelSummary::not_run(model, 2, Status::Ran)
        }
    }

    fn lesson(id: &str) -> Experiment {
        crate::lessons::find(id).unwrap().experiment(4)
    }

    #[test]
    fn every_lesson_asks_something() {
        for l in crate::lessons::ALL {
            let qs = questions(&l.experiment(4));
            assert!(!qs.is_empty(), "{} asks nothing", l.id);
            assert!(qs.iter().all(|q| !q.text().is_empty() && q.answers().len() >= 2), "{}", l.id);
        }
        assert_eq!(questions(&lesson("gil-cpu")), vec![Question::Pace(Model::ThreadsGil), Question::Pace(Model::Threads)]);
        assert_eq!(questions(&lesson("race")), vec![Question::Own(Claim::RaceCondition)]);
        assert_eq!(questions(&lesson("deadlock")), vec![Question::Own(Claim::Deadlock)]);
    }

    #[test]
    fn a_prediction_is_read_from_text_or_an_object_and_refused_by_field() {
        let e = lesson("gil-cpu");
        let p = Prediction::read(&json!("threads_gil:faster, threads:same"), &e).unwrap();
        assert_eq!((p.answer("threads_gil"), p.answer("threads")), (Some(Answer::Faster), Some(Answer::Same)));
        assert_eq!(p.text(), "threads_gil:faster,threads:same");
        assert_eq!(Prediction::read(&json!(p.text()), &e).unwrap(), p, "round trip");
        assert_eq!(Prediction::read(&json!({"threads": "Slower"}), &e).unwrap().answer("threads"), Some(Answer::Slower));
        let err = Prediction::read(&json!("threads_gil:quick"), &e).unwrap_err();
        assert_eq!(err.field(), Some("prediction.threads_gil"));
        assert_eq!(err.to_string(), "`prediction.threads_gil` must be faster, same or slower (got \"quick\")");
        let err = Prediction::read(&json!("processes:faster"), &e).unwrap_err();
        assert_eq!(err.to_string(), "`prediction` must be about this experiment's questions: `threads_gil`, `threads` (got \"processes\")");
        assert!(Prediction::read(&json!(5), &e).unwrap_err().to_string().contains("text like"));
        assert!(Prediction::read(&json!("threads:same,threads:faster"), &e).is_err(), "twice");
        let race = lesson("race");
        assert_eq!(Prediction::read(&json!("no"), &race).unwrap().answer(OUTCOME), Some(Answer::No));
        assert_eq!(Prediction::read(&json!("faster"), &race).unwrap_err().to_string(), "`prediction.outcome` must be yes or no (got \"faster\")");
        let mut exp = json!({"workload": {"kind": "loop"}, "prediction": "threads:same"});
        assert_eq!(Prediction::take(&mut exp), Some(json!("threads:same")));
        assert_eq!(exp, json!({"workload": {"kind": "loop"}}));
    }

    #[test]
    fn paces_are_judged_with_the_verdicts_band_and_quote_the_numbers() {
        assert_eq!((Pace::of(1.26), Pace::of(1.25), Pace::of(0.8), Pace::of(0.79)), (Pace::Faster, Pace::Same, Pace::Same, Pace::Slower));
        let e = lesson("gil-cpu");
        let p = Prediction::read(&json!("threads_gil:faster,threads:faster"), &e).unwrap();
        let models = [summary(Model::Sequential, 1.0), summary(Model::ThreadsGil, 0.98), summary(Model::Threads, 3.7)];
        let j = judge(&p, &e, &models, None);
        assert_eq!(j.len(), 2);
        assert_eq!((j[0].held, j[1].held), (Some(false), Some(true)));
        assert_eq!(j[0].text, "You said Threads + GIL would be faster than sequential: it took 1.02× the sequential time (speed-up 0.98×), about as fast as sequential. Not what you predicted.");
        assert!(j[1].text.ends_with("(speed-up 3.70×), faster than sequential. As you predicted."), "{}", j[1].text);
        // A model that did not run cannot tell; a question not answered is left out.
        let gone = [summary(Model::Sequential, 1.0), ModelSummary::not_run(Model::ThreadsGil, 2, Status::Unavailable { reason: "threads are unavailable: not isolated".into() })];
        let j = judge(&Prediction::read(&json!("threads_gil:same"), &e).unwrap(), &e, &gone, None);
        assert_eq!(j.len(), 1);
        assert_eq!(j[0].held, None);
        assert_eq!(j[0].text, "You said Threads + GIL would be about as fast as sequential: this run cannot tell (threads are unavailable: not isolated).");
    }

    #[test]
    fn a_links_prediction_round_trips_and_anything_else_is_refused() {
        let all = vec![
            Called { about: "threads_gil".into(), answer: Answer::Faster, held: Some(false) },
            Called { about: "threads".into(), answer: Answer::Same, held: None },
        ];
        assert_eq!(Called::list(&all), "threads_gil:faster:0,threads:same:-");
        assert_eq!(Called::read_list(&Called::list(&all)).unwrap(), all);
        assert_eq!(Called::read_list("outcome:no:1").unwrap()[0].held, Some(true));
        assert_eq!(Called::read_list("").unwrap(), vec![]);
        for bad in ["threads:yes:1", "outcome:faster:1", "gpu:faster:1", "threads:faster", "threads:faster:2", "threads:faster:1:x", "threads:same:1,threads:same:1", "<script>:yes:1"] {
            let err = Called::read_list(bad).unwrap_err();
            assert!(err.starts_with("its prediction `"), "{bad}: {err}");
        }
        assert_eq!(all[0].short(), "Threads + GIL: faster (wrong)");
    }

    #[test]
    fn a_claims_own_question_is_answered_by_its_verdict() {
        let e = lesson("race");
        let verdict = |held: Option<bool>| Verdict { claim: Claim::RaceCondition.text().into(), held, text: "Threads (no GIL) lost 1,234 of 4,000,000 updates.".into() };
        let p = Prediction::read(&json!("yes"), &e).unwrap();
        let j = judge(&p, &e, &[], Some(&verdict(Some(true))));
        assert_eq!(j[0].held, Some(false));
        assert_eq!(
            j[0].text,
            "You answered “yes” to “Will threads that add to one shared counter without a lock get the right total?”: here the answer was “no”. Not what you predicted. Threads (no GIL) lost 1,234 of 4,000,000 updates."
        );
        assert_eq!(judge(&p, &e, &[], Some(&verdict(Some(false))))[0].held, Some(true));
        assert_eq!(judge(&p, &e, &[], Some(&verdict(None)))[0].held, None);
        assert_eq!(judge(&p, &e, &[], None)[0].held, None);
    }
}
