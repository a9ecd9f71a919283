//! Text helpers at the ground of every layer: numbers and times as a
//! learner reads them, untrusted text clipped for echoing, and the "did you
//! mean" suggestion. Nothing here knows what an experiment is.

/// `10000000` -> `10,000,000`.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A time as a learner reads it: `1234.5` → "1,235 ms", `123.4` → "123 ms",
/// `12.34` → "12.3 ms".
pub fn ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{} ms", group(v.round() as u64))
    } else if v >= 100.0 {
        format!("{v:.0} ms")
    } else {
        format!("{v:.1} ms")
    }
}

/// A longer time as a learner reads it: `850.0` → "850 ms", `4200.0` →
/// "4.2 s", `42_000.0` → "42 s", `207_000.0` → "3 min 27 s".
pub fn duration(v: f64) -> String {
    let s = v / 1000.0;
    if v < 1000.0 {
        ms(v)
    } else if s < 9.95 {
        format!("{s:.1} s")
    } else if s < 59.5 {
        format!("{s:.0} s")
    } else {
        let whole = s.round() as u64;
        format!("{} min {} s", whole / 60, whole % 60)
    }
}

/// At most `max` printable characters of untrusted `s`, marked when cut:
/// what messages echo of input (a link, a message) stays short and plain.
pub fn clip(s: &str, max: usize) -> String {
    // Control characters, and the bidirectional controls that can make
    // echoed text read backwards (U+200E/F, U+202A–E, U+2066–9).
    let shown = |c: &char| !c.is_control() && !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    let mut out: String = s.chars().filter(shown).take(max).collect();
    if s.chars().filter(shown).count() > max {
        out.push('…');
    }
    out
}

/// The known name closest to `name`, if it is close enough to be a typo.
pub fn suggest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let name = name.to_lowercase();
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(&name, k), k))
        .filter(|(d, k)| *d < k.len().min(name.len()).max(1) && *d <= (k.len() / 3).max(1))
        .min()
        .map(|(_, k)| k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_times() {
        assert_eq!(group(10_000_000), "10,000,000");
        assert_eq!(group(999), "999");
        assert_eq!(ms(1234.5), "1,235 ms");
        assert_eq!(ms(123.4), "123 ms");
        assert_eq!(ms(12.34), "12.3 ms");
        assert_eq!(duration(850.0), "850 ms");
        assert_eq!(duration(4_200.0), "4.2 s");
        assert_eq!(duration(42_000.0), "42 s");
        assert_eq!(duration(207_000.0), "3 min 27 s");
    }

    #[test]
    fn clipped_and_suggested() {
        assert_eq!(clip("a\u{202E}bcdef", 3), "abc…");
        assert_eq!(suggest("wrkers", ["workers", "tasks"]), Some("workers".into()));
        assert_eq!(suggest("zzz", ["workers", "tasks"]), None);
    }
}
