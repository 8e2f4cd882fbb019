//! "Did you mean": the name closest to a misspelt one, for the configuration's keys and the
//! registry's ids.

/// Edits (insertions, deletions, substitutions of one character) between `a` and `b`: the
/// Levenshtein distance.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The candidate closest to `word` when it is at most two edits away (a typo, a swapped pair
/// of letters), the first of equals in the candidates' order.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = distance(word, c);
        if d <= 2 && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("conect_timeout", "connect_timeout"), 1);
        assert_eq!(distance("keepalive", "keep_alive"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("abc", "abc"), 0);
        // A swapped pair of letters is two edits.
        assert_eq!(distance("isdnd-artios", "isdnd-artois"), 2);
    }

    #[test]
    fn the_closest_within_two_edits() {
        let ids = ["isdnd-artois", "beton-artois", "cartonnages-lens"];
        assert_eq!(closest("isdnd-artios", ids), Some("isdnd-artois"));
        assert_eq!(closest("carton-lens", ids), None);
        assert_eq!(closest("beton-artois", ids), Some("beton-artois"));
    }
}
