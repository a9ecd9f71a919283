//! A workload's own outputs, beside a record's plain fields: what a task
//! returns beyond its value (the convoy's wake-up latencies, a Mandelbrot
//! tile's picture), what a run leaves in what its workers share (the race's
//! counters, the deadlock's wait-for graph), and what a model's runs come
//! to (the convoy's latency). Each is one typed value that its workload's
//! module defines, makes and reads ([`crate::workloads::Task::run`],
//! [`crate::workloads::Task::after_run`],
//! [`crate::workloads::Task::summarise`]); the records, below the
//! workloads, hold it as the JSON fields it writes, so they never name a
//! workload. In the results document its fields sit beside the record's
//! own (`#[serde(flatten)]`), so the document has one level, as docs/api.md
//! shows it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One workload's typed value, as the fields it writes (see the module).
/// Empty for a workload with no outputs of its own.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Extra(Map<String, Value>);

impl Extra {
    /// No outputs of its own.
    pub fn none() -> Extra {
        Extra::default()
    }

    /// `value`'s fields: a struct (its fields, by their serde names, become
    /// the record's; the ones it skips are absent). Anything that does not
    /// write a JSON object is nothing.
    pub fn of<T: Serialize>(value: &T) -> Extra {
        match serde_json::to_value(value) {
            Ok(Value::Object(fields)) => Extra(fields),
            _ => Extra::none(),
        }
    }

    /// The typed value back (it may borrow from here: a `&str` field);
    /// `None` when its fields are not all here.
    pub fn get<'a, T: Deserialize<'a>>(&'a self) -> Option<T> {
        T::deserialize(&self.0).ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Reads the fields a record does not know, flattened beside another
    /// flattened part of it (`names`: that part's fields, which serde shows
    /// both parts).
    pub fn beside<'de, D: serde::Deserializer<'de>>(d: D, names: &[&str]) -> Result<Extra, D::Error> {
        let mut fields = Map::deserialize(d)?;
        fields.retain(|k, _| !names.contains(&k.as_str()));
        Ok(Extra(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Tile<'a> {
        picture: &'a str,
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        shades: Vec<u8>,
    }

    #[test]
    fn a_typed_value_goes_in_as_its_fields_and_comes_back() {
        let e = Extra::of(&Tile { picture: "0f", shades: vec![] });
        assert_eq!(serde_json::to_value(&e).unwrap(), serde_json::json!({ "picture": "0f" }), "skipped fields are absent");
        assert_eq!(e.get::<Tile>(), Some(Tile { picture: "0f", shades: vec![] }));
        assert_eq!(Extra::none().get::<Tile>(), None, "not there: none");
        assert!(Extra::of(&3u32).is_empty(), "not a struct: nothing");
    }
}
