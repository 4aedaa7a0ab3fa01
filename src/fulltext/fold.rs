//! The one way lines are compared: by a folded form that ignores what
//! outlets vary without meaning anything (case, spacing, nukta, joiners).

use crate::normalize::nfc;

/// Nukta (U+093C): outlets write ज़/ज, फ़/फ and पढ़ें/पढें interchangeably.
const NUKTA: char = '\u{93C}';

/// Zero-width joiner and non-joiner: invisible, and placed inconsistently.
const JOINERS: [char; 2] = ['\u{200C}', '\u{200D}'];

/// `line` in NFC, lower case, without nukta or joiners, with every run of
/// whitespace (NBSP included) made one space and the ends trimmed.
pub(super) fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut space = false;
    for c in nfc(line).chars() {
        if c == NUKTA || JOINERS.contains(&c) {
            continue;
        }
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_outlets_vary_fold_together() {
        let cases = [
            ("nukta", "ज़मीन से जुड़ी", "जमीन से जुडी"),
            ("precomposed nukta", "\u{95D}", "ढ"),
            ("nbsp and runs of spaces", "यह\u{a0}भी  पढ़ें ", "यह भी पढें"),
            ("case", "Source Link", "source link"),
        ];
        for (name, a, b) in cases {
            assert_eq!(fold(a), fold(b), "{name}");
        }
    }
}
