//! Embedding: the messages between a course page and a framed ThreadLab,
//! and the snippets that embed it.
//!
//! Host → frame: `{type: 'threadlab:run', experiment?, prediction?}`, `{type:
//! 'threadlab:cancel'}`. Frame → host: `threadlab:ready`, `threadlab:started`,
//! `threadlab:results`, `threadlab:error`, and the frame's height in three
//! dialects ([`resize`]). Incoming messages are untrusted: anything that is
//! not exactly one of the host messages is ignored.

use serde::Serialize;
use serde_json::Value;

/// What a host page may ask of the frame.
#[derive(Debug, Clone, PartialEq)]
pub enum HostMessage {
    /// Run `experiment` (experiment JSON, validated like any other), or the
    /// experiment the frame shows; with `prediction`, the learner's
    /// prediction (read by [`crate::predict::Prediction::read`], refused
    /// with the field and the allowed answers).
    Run { experiment: Option<Value>, prediction: Option<Value> },
    Cancel,
}

/// Reads a message posted to the frame; `None` for anything else (other
/// libraries' messages, garbage, hostile shapes), which is ignored.
pub fn host_message(data: &Value) -> Option<HostMessage> {
    let obj = data.as_object()?;
    match obj.get("type")?.as_str()? {
        "threadlab:run" => {
            let prediction = match obj.get("prediction") {
                None | Some(Value::Null) => None,
                Some(p @ (Value::Object(_) | Value::String(_))) => Some(p.clone()),
                Some(_) => return None,
            };
            match obj.get("experiment") {
                None | Some(Value::Null) => Some(HostMessage::Run { experiment: None, prediction }),
                Some(e @ (Value::Object(_) | Value::String(_))) => Some(HostMessage::Run { experiment: Some(e.clone()), prediction }),
                Some(_) => None,
            }
        }
        "threadlab:cancel" => Some(HostMessage::Cancel),
        _ => None,
    }
}

/// What the frame tells its host.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum FrameMessage<'a> {
    /// The frame is ready for host messages; `version` of the experiment format.
    #[serde(rename = "threadlab:ready")]
    Ready { version: u32 },
    #[serde(rename = "threadlab:started")]
    Started { experiment: &'a Value },
    /// The results JSON `window.threadlab.run` resolves to.
    #[serde(rename = "threadlab:results")]
    Results { results: &'a Value },
    #[serde(rename = "threadlab:error")]
    Error { message: &'a str },
}

impl FrameMessage<'_> {
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("messages serialise")
    }
}

/// The frame's height, in the dialects hosts already listen for:
/// ThreadLab's own, Canvas/LTI's `lti.frameResize`, and a plain `{height}`.
pub fn resize(height: u32) -> [Value; 3] {
    [
        serde_json::json!({ "type": "threadlab:resize", "height": height }),
        serde_json::json!({ "subject": "lti.frameResize", "height": height }),
        serde_json::json!({ "height": height }),
    ]
}

/// A good first height for an embed (before it reports its own).
pub const DEFAULT_HEIGHT: u32 = 640;
/// The first heights an instructor may choose, in CSS px.
pub const MIN_HEIGHT: u32 = 200;
pub const MAX_HEIGHT: u32 = 4000;

/// Ways to embed a link.
#[derive(Debug, Clone, PartialEq)]
pub struct Snippets {
    /// An `<iframe>` for an LMS's HTML editor, with the few lines of script
    /// that let it grow to its content where the editor keeps scripts.
    pub html: String,
    /// The same on one line, for Markdown (which passes HTML through).
    pub markdown: String,
    /// A Jupyter cell.
    pub jupyter: String,
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A short id for a frame, the same for the same link (two embeds of two
/// experiments on one page resize each its own frame).
fn frame_id(url: &str) -> String {
    // FNV-1a, 32 bits: stable, not secret.
    let hash = url.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    format!("threadlab-{hash:08x}")
}

/// Snippets that embed `url` (an `?embed=1` link) under `title`, `height`
/// px high until the frame reports its own height (clamped to
/// [`MIN_HEIGHT`]..=[`MAX_HEIGHT`]).
pub fn snippets(url: &str, title: &str, height: u32) -> Snippets {
    let height = height.clamp(MIN_HEIGHT, MAX_HEIGHT);
    let (src, title, id) = (escape_attr(url), escape_attr(title), frame_id(url));
    let attrs = format!(
        r#"id="{id}" src="{src}" title="{title}" width="100%" height="{height}" style="border:0" loading="lazy" allow="cross-origin-isolated""#
    );
    // Only this frame's own resize message, a number, within bounds.
    let listener = format!(
        r#"addEventListener("message", function (e) {{ var f = document.getElementById("{id}"); if (f && e.source === f.contentWindow && e.data && e.data.type === "threadlab:resize" && e.data.height > 0) f.style.height = Math.min(e.data.height, 20000) + "px"; }});"#
    );
    Snippets {
        html: format!("<iframe\n  {}>\n</iframe>\n<script>\n{listener}\n</script>", attrs.replace("\" ", "\"\n  ")),
        markdown: format!("<iframe {attrs}></iframe><script>{listener}</script>"),
        jupyter: format!("from IPython.display import IFrame\nIFrame({:?}, width=\"100%\", height={height})", url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn host_messages_are_read_exactly_and_everything_else_ignored() {
        assert_eq!(host_message(&json!({"type": "threadlab:run"})), Some(HostMessage::Run { experiment: None, prediction: None }));
        let e = json!({"workload": {"kind": "sleep", "ms": 5}});
        assert_eq!(host_message(&json!({"type": "threadlab:run", "experiment": e})), Some(HostMessage::Run { experiment: Some(e.clone()), prediction: None }));
        let p = json!({"threads_gil": "same"});
        assert_eq!(host_message(&json!({"type": "threadlab:run", "experiment": e, "prediction": p})), Some(HostMessage::Run { experiment: Some(e), prediction: Some(p) }));
        assert_eq!(host_message(&json!({"type": "threadlab:run", "prediction": 5})), None, "a prediction that is neither text nor an object");
        assert_eq!(host_message(&json!({"type": "threadlab:cancel"})), Some(HostMessage::Cancel));
        for garbage in [json!(null), json!("threadlab:run"), json!([1]), json!({"type": "threadlab:eval", "code": "alert(1)"}), json!({"type": 5}), json!({"type": "threadlab:run", "experiment": 5}), json!({"height": 10})] {
            assert_eq!(host_message(&garbage), None, "{garbage}");
        }
    }

    #[test]
    fn frame_messages_and_resize_dialects() {
        assert_eq!(FrameMessage::Ready { version: 1 }.to_value(), json!({"type": "threadlab:ready", "version": 1}));
        assert_eq!(FrameMessage::Error { message: "no" }.to_value(), json!({"type": "threadlab:error", "message": "no"}));
        let [own, lti, plain] = resize(480);
        assert_eq!(own, json!({"type": "threadlab:resize", "height": 480}));
        assert_eq!(lti, json!({"subject": "lti.frameResize", "height": 480}));
        assert_eq!(plain, json!({"height": 480}));
    }

    #[test]
    fn snippets_escape_what_they_quote() {
        let s = snippets("https://x.test/?v=1&embed=1", "Threads \"vs\" <processes>", DEFAULT_HEIGHT);
        assert!(s.html.starts_with("<iframe\n  id=\"threadlab-"), "{}", s.html);
        assert!(s.html.contains("\n  src=\"https://x.test/?v=1&amp;embed=1\""), "{}", s.html);
        assert!(s.markdown.contains("title=\"Threads &quot;vs&quot; &lt;processes&gt;\""), "{}", s.markdown);
        assert!(s.markdown.contains("allow=\"cross-origin-isolated\"") && s.markdown.contains("loading=\"lazy\""));
        assert!(!s.markdown.contains('\n'));
        assert_eq!(s.jupyter, "from IPython.display import IFrame\nIFrame(\"https://x.test/?v=1&embed=1\", width=\"100%\", height=640)");
    }

    #[test]
    fn the_snippet_resizes_its_own_frame_and_clamps_its_height() {
        let a = snippets("https://x.test/?v=1&embed=1&workload=sleep", "A", 900);
        let b = snippets("https://x.test/?v=1&embed=1&workload=loop", "B", 900);
        let id = |s: &Snippets| s.html.split('"').nth(1).unwrap().to_string();
        assert_ne!(id(&a), id(&b), "two embeds on one page: two frames");
        assert!(a.html.contains(&format!("document.getElementById(\"{}\")", id(&a))));
        assert!(a.html.contains("e.source === f.contentWindow"), "only its own frame's messages");
        assert!(a.html.contains("height=\"900\""));
        assert!(snippets("u", "t", 5).html.contains(&format!("height=\"{MIN_HEIGHT}\"")));
        assert!(snippets("u", "t", 99_999).jupyter.ends_with(&format!("height={MAX_HEIGHT})")));
    }
}
