//! Embedding: the messages between a course page and a framed ThreadLab,
//! and the snippets that embed it.
//!
//! Host → frame: `{type: 'threadlab:run', experiment?}`, `{type:
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
    /// experiment the frame shows.
    Run { experiment: Option<Value> },
    Cancel,
}

/// Reads a message posted to the frame; `None` for anything else (other
/// libraries' messages, garbage, hostile shapes), which is ignored.
pub fn host_message(data: &Value) -> Option<HostMessage> {
    let obj = data.as_object()?;
    match obj.get("type")?.as_str()? {
        "threadlab:run" => match obj.get("experiment") {
            None | Some(Value::Null) => Some(HostMessage::Run { experiment: None }),
            Some(e @ (Value::Object(_) | Value::String(_))) => Some(HostMessage::Run { experiment: Some(e.clone()) }),
            Some(_) => None,
        },
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

/// Ways to embed a link.
#[derive(Debug, Clone, PartialEq)]
pub struct Snippets {
    /// An `<iframe>` for an LMS's HTML editor.
    pub html: String,
    /// The same on one line, for Markdown (which passes HTML through).
    pub markdown: String,
    /// A Jupyter cell.
    pub jupyter: String,
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Snippets that embed `url` (an `?embed=1` link) under `title`.
pub fn snippets(url: &str, title: &str) -> Snippets {
    let (src, title) = (escape_attr(url), escape_attr(title));
    let attrs = format!(
        r#"src="{src}" title="{title}" width="100%" height="{DEFAULT_HEIGHT}" style="border:0" loading="lazy" allow="cross-origin-isolated""#
    );
    Snippets {
        html: format!("<iframe\n  {}>\n</iframe>", attrs.replace("\" ", "\"\n  ")),
        markdown: format!("<iframe {attrs}></iframe>"),
        jupyter: format!("from IPython.display import IFrame\nIFrame({:?}, width=\"100%\", height={DEFAULT_HEIGHT})", url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn host_messages_are_read_exactly_and_everything_else_ignored() {
        assert_eq!(host_message(&json!({"type": "threadlab:run"})), Some(HostMessage::Run { experiment: None }));
        let e = json!({"workload": {"kind": "sleep", "ms": 5}});
        assert_eq!(host_message(&json!({"type": "threadlab:run", "experiment": e})), Some(HostMessage::Run { experiment: Some(e) }));
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
        let s = snippets("https://x.test/?v=1&embed=1", "Threads \"vs\" <processes>");
        assert!(s.html.starts_with("<iframe\n  src=\"https://x.test/?v=1&amp;embed=1\""), "{}", s.html);
        assert!(s.markdown.contains("title=\"Threads &quot;vs&quot; &lt;processes&gt;\""), "{}", s.markdown);
        assert!(s.markdown.contains("allow=\"cross-origin-isolated\"") && s.markdown.contains("loading=\"lazy\""));
        assert!(!s.markdown.contains('\n'));
        assert_eq!(s.jupyter, "from IPython.display import IFrame\nIFrame(\"https://x.test/?v=1&embed=1\", width=\"100%\", height=640)");
    }
}
