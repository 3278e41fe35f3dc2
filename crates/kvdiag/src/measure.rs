//! Times, durations and Kubernetes quantities: the units rules compare.

use jiff::{SignedDuration, Timestamp};

/// Parses an RFC 3339 timestamp (`2024-05-14T10:30:00Z`, with or without fractions or offset).
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let t = text.trim();
    // Cheap shape check first: most strings handed here are not timestamps.
    let b = t.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[10] != b'T' {
        return None;
    }
    t.parse().ok()
}

/// Parses a time as Go prints a `time.Time` (`%v`, `String()`):
/// `2024-05-01 12:34:56.123456789 +0000 UTC`, optionally followed by the monotonic clock reading
/// (`m=+0.012345678`). The zone abbreviation is ignored; the numeric offset counts.
pub fn parse_go_time(text: &str) -> Option<Timestamp> {
    let mut parts = text.split_whitespace();
    let (date, time, offset) = (parts.next()?, parts.next()?, parts.next()?);
    let ob = offset.as_bytes();
    if ob.len() != 5 || !matches!(ob[0], b'+' | b'-') || !ob[1..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let rfc3339 = format!("{date}T{time}{}:{}", &offset[..3], &offset[3..]);
    parse_timestamp(&rfc3339)
}

/// Parses a duration written as `90s`, `10m`, `1h30m`, `2d` (units d, h, m, s; whole numbers).
pub fn parse_duration(text: &str) -> Option<SignedDuration> {
    let mut total: i64 = 0;
    let mut digits = String::new();
    let mut any = false;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: i64 = digits.parse().ok()?;
        digits.clear();
        let unit = match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
        any = true;
    }
    (any && digits.is_empty()).then(|| SignedDuration::from_secs(total))
}

/// Formats a duration the way it is parsed: `1h30m`, `45s`, `2d3h`.
pub fn format_duration(d: SignedDuration) -> String {
    let mut secs = d.as_secs();
    let sign = if secs < 0 { "-" } else { "" };
    secs = secs.abs();
    let mut out = String::from(sign);
    for (unit, len) in [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)] {
        if secs >= len {
            out.push_str(&format!("{}{unit}", secs / len));
            secs %= len;
        }
    }
    if out.len() == sign.len() {
        out.push_str("0s");
    }
    out
}

/// Parses a Kubernetes quantity (`8Gi`, `500m`, `1k`, `1.5G`, `2e3`, `137`) into a number of
/// base units.
pub fn parse_quantity(text: &str) -> Option<f64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
        .unwrap_or(t.len());
    let (number, suffix) = t.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        s => {
            let exp: i32 = s.strip_prefix(['e', 'E'])?.parse().ok()?;
            10f64.powi(exp)
        }
    };
    Some(number * factor)
}

/// The reasons of a scheduler message, `0/N nodes are available: a reason, b reason, ...`:
/// the node count N and each reason with its count (`(3, "node(s) didn't match Pod's node
/// affinity/selector")`). The preemption summary that may follow is not part of them. `None`
/// when the text holds no such message.
pub fn scheduler_reasons(text: &str) -> Option<(u64, Vec<(u64, &str)>)> {
    const AVAILABLE: &str = " nodes are available: ";
    let at = text.find(AVAILABLE)?;
    let total = text[..at].rsplit_once('/')?.1.parse().ok()?;
    let rest = &text[at + AVAILABLE.len()..];
    // The list ends at a sentence end (`. preemption: ...`, the end of the message).
    let end = rest.find(". ").unwrap_or(rest.len());
    let list = rest[..end].trim_end().trim_end_matches(['.', '"', '\'']);
    let mut reasons: Vec<(u64, &str)> = Vec::new();
    let mut start = 0;
    // A reason holds commas of its own (`had taint {k: v}, that the pod didn't tolerate`): a
    // new reason starts only where a count follows the comma.
    for (i, _) in list.match_indices(", ") {
        if list[i + 2..].starts_with(|c: char| c.is_ascii_digit()) {
            reasons.push(count_reason(&list[start..i])?);
            start = i + 2;
        }
    }
    reasons.push(count_reason(&list[start..])?);
    Some((total, reasons))
}

fn count_reason(piece: &str) -> Option<(u64, &str)> {
    let (count, reason) = piece.trim().split_once(' ')?;
    Some((count.parse().ok()?, reason.trim()))
}

/// Whether `text` is a scheduler message in which a reason that `reason` matches counts every
/// node (see [`scheduler_reasons`]).
pub fn excludes_all(text: &str, reason: &regex::Regex) -> bool {
    scheduler_reasons(text).is_some_and(|(total, reasons)| {
        total > 0
            && reasons
                .iter()
                .any(|(count, r)| *count == total && reason.is_match(r))
    })
}

/// The characters [`plain_punctuation`] replaces.
pub const FANCY_PUNCTUATION: [char; 9] = [
    '\u{2018}', '\u{2019}', '\u{201A}', '\u{201C}', '\u{201D}', '\u{2013}', '\u{2014}', '\u{00A0}',
    '\u{202F}',
];

/// Text as patterns expect it: typographic quotes and dashes as their ASCII forms and
/// non-breaking spaces as spaces (people paste messages through editors and chat tools that
/// change them). Text without such characters is returned as it is.
pub fn plain_punctuation(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(FANCY_PUNCTUATION) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\u{2018}' | '\u{2019}' | '\u{201A}' => '\'',
                '\u{201C}' | '\u{201D}' => '"',
                '\u{2013}' | '\u{2014}' => '-',
                '\u{00A0}' | '\u{202F}' => ' ',
                c => c,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduler_messages_give_each_reason_its_count() {
        let m = "0/7 nodes are available: 1 node(s) had taint {node.kubernetes.io/unreachable: }, that the pod didn't tolerate, 3 Insufficient memory, 3 node(s) didn't match Pod's node affinity. preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling.";
        let (total, reasons) = scheduler_reasons(m).expect("a scheduler message");
        assert_eq!(total, 7);
        assert_eq!(
            reasons,
            vec![
                (
                    1,
                    "node(s) had taint {node.kubernetes.io/unreachable: }, that the pod didn't tolerate"
                ),
                (3, "Insufficient memory"),
                (3, "node(s) didn't match Pod's node affinity"),
            ]
        );
        let affinity = regex::Regex::new("didn't match Pod's node affinity").expect("regex");
        assert!(!excludes_all(m, &affinity));
        let older = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity, 1 Insufficient cpu.";
        assert!(excludes_all(older, &affinity));
        assert!(!excludes_all(
            older,
            &regex::Regex::new("Insufficient").expect("regex")
        ));
        assert_eq!(scheduler_reasons("no scheduler here"), None);
        assert_eq!(
            scheduler_reasons("message: 0/4 nodes are available: 4 Insufficient memory.")
                .map(|(t, r)| (t, r.len())),
            Some((4, 1))
        );
    }

    #[test]
    fn typographic_punctuation_becomes_ascii() {
        assert_eq!(
            plain_punctuation(
                "3 node(s) didn\u{2019}t match Pod\u{2019}s node affinity\u{00A0}\u{2014} \u{201C}x\u{201D}"
            ),
            "3 node(s) didn't match Pod's node affinity - \"x\""
        );
        assert!(matches!(
            plain_punctuation("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("8Gi"), Some(8.0 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_quantity("500m"), Some(0.5));
        assert_eq!(parse_quantity("1k"), Some(1000.0));
        assert_eq!(parse_quantity("2e3"), Some(2000.0));
        assert_eq!(parse_quantity("137"), Some(137.0));
        assert_eq!(
            parse_quantity("1.5Gi"),
            Some(1.5 * 1024.0 * 1024.0 * 1024.0)
        );
        assert_eq!(parse_quantity("Gi"), None);
        assert_eq!(parse_quantity("8Xi"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10m"), Some(SignedDuration::from_secs(600)));
        assert_eq!(
            parse_duration("1h30m"),
            Some(SignedDuration::from_secs(5400))
        );
        assert_eq!(
            parse_duration("2d"),
            Some(SignedDuration::from_secs(172_800))
        );
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(format_duration(SignedDuration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(SignedDuration::from_secs(0)), "0s");
    }

    #[test]
    fn timestamps() {
        assert!(parse_timestamp("2024-05-14T10:30:00Z").is_some());
        assert!(parse_timestamp("2024-04-26T12:09:49.683947000Z").is_some());
        assert!(parse_timestamp("2024-05-14T10:30:00+02:00").is_some());
        assert!(parse_timestamp("yesterday").is_none());
    }

    #[test]
    fn go_times() {
        let t = parse_go_time("2024-05-01 12:34:56.123456789 +0000 UTC m=+0.012345678");
        assert_eq!(
            t.map(|t| t.to_string()).as_deref(),
            Some("2024-05-01T12:34:56.123456789Z")
        );
        let t = parse_go_time("2024-05-01 14:34:56 +0200 CEST");
        assert_eq!(
            t.map(|t| t.to_string()).as_deref(),
            Some("2024-05-01T12:34:56Z")
        );
        assert_eq!(
            parse_go_time("0001-01-01 00:00:00 +0000 UTC")
                .map(|t| t.to_string())
                .as_deref(),
            Some("0001-01-01T00:00:00Z")
        );
        assert!(parse_go_time("2024-05-01 12:34:56").is_none());
        assert!(parse_go_time("not a time at all").is_none());
    }
}
