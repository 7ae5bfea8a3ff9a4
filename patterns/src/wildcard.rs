//! `wildcard` patterns: `*` matches any run of characters, `\*` and `\\` are literal.

use std::collections::{HashSet, VecDeque};

/// A parsed wildcard pattern: literal runs separated by stars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Wildcard {
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Token {
    Byte(u8),
    Star,
}

impl Wildcard {
    /// Parses with event-ruler's rules and messages (positions are byte offsets).
    pub(crate) fn parse(text: &str) -> Result<Wildcard, String> {
        let bytes = text.as_bytes();
        let mut tokens = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'*' => {
                    if bytes.get(i + 1) == Some(&b'*') {
                        return Err(format!("Consecutive wildcard characters at pos {i}"));
                    }
                    tokens.push(Token::Star);
                }
                b'\\' => match bytes.get(i + 1) {
                    Some(&next @ (b'*' | b'\\')) => {
                        tokens.push(Token::Byte(next));
                        i += 1;
                    }
                    _ => return Err(format!("Invalid escape character at pos {i}")),
                },
                b => tokens.push(Token::Byte(b)),
            }
            i += 1;
        }
        Ok(Wildcard { tokens })
    }

    /// Glob matching with single-star backtracking: O(len(value) * len(pattern)) at worst.
    pub(crate) fn matches(&self, value: &str) -> bool {
        let v = value.as_bytes();
        let p = &self.tokens;
        let (mut vi, mut pi) = (0, 0);
        let mut resume: Option<(usize, usize)> = None;
        while vi < v.len() {
            match p.get(pi) {
                Some(Token::Star) => {
                    resume = Some((pi, vi));
                    pi += 1;
                }
                Some(Token::Byte(b)) if *b == v[vi] => {
                    pi += 1;
                    vi += 1;
                }
                _ => match resume {
                    Some((star, from)) => {
                        pi = star + 1;
                        vi = from + 1;
                        resume = Some((star, from + 1));
                    }
                    None => return false,
                },
            }
        }
        p[pi..].iter().all(|t| *t == Token::Star)
    }
}

/// How many partial matches of the given wildcard patterns can be alive at once for the worst
/// input: a stand-in for event-ruler's `MachineComplexityEvaluator`, which EventBridge uses to
/// reject patterns that would make matching slow.
///
/// It explores the subset construction of the patterns' automaton and, as event-ruler does,
/// counts for each input byte the transitions taken at once: every live star's self-loop, every
/// literal step, and the self-loop of a star just entered. Calibrated on the two data points AWS
/// publishes through LocalStack:
/// `*:*:*:*:*:event-bus/*` scores 11 (rejected), `/Users/*/dir/dir/dir/dir/dir/doc.txt` scores 7
/// (accepted). Exploration stops as soon as `cap` is reached.
pub(crate) fn complexity(patterns: &[&Wildcard], cap: usize) -> usize {
    type Live = Vec<(u16, u16)>; // (pattern index, token position), sorted
    let mut alphabet: Vec<u8> = patterns
        .iter()
        .flat_map(|w| w.tokens.iter())
        .filter_map(|t| match t {
            Token::Byte(b) => Some(*b),
            Token::Star => None,
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    alphabet.sort_unstable();
    // A byte that no literal mentions: only stars can consume it.
    let other = (0u8..=255).find(|b| !alphabet.contains(b));
    alphabet.extend(other);

    let close = |live: &mut Live| {
        // A star may match nothing, so the position after it is live too.
        let mut i = 0;
        while i < live.len() {
            let (w, pos) = live[i];
            if let Some(wc) = patterns.get(usize::from(w))
                && wc.tokens.get(usize::from(pos)) == Some(&Token::Star)
                && !live.contains(&(w, pos + 1))
            {
                live.push((w, pos + 1));
            }
            i += 1;
        }
        live.sort_unstable();
        live.dedup();
    };
    let mut start: Live = (0..patterns.len())
        .filter_map(|w| u16::try_from(w).ok().map(|w| (w, 0)))
        .collect();
    close(&mut start);
    let mut seen: HashSet<Live> = HashSet::new();
    let mut queue = VecDeque::new();
    seen.insert(start.clone());
    queue.push_back(start);
    let mut worst = 0;
    // Bounded exploration: enough for patterns that fit in the 4096-character limit.
    let mut budget = 20_000usize;
    while let Some(live) = queue.pop_front() {
        if budget == 0 {
            return worst.min(cap);
        }
        budget -= 1;
        for &byte in &alphabet {
            let mut loops: Live = Vec::new();
            let mut steps: Live = Vec::new();
            for &(w, pos) in &live {
                let Some(wc) = patterns.get(usize::from(w)) else {
                    continue;
                };
                match wc.tokens.get(usize::from(pos)) {
                    Some(Token::Star) => loops.push((w, pos)),
                    Some(Token::Byte(b)) if *b == byte => steps.push((w, pos + 1)),
                    _ => {}
                }
            }
            // Each transition taken costs 1; a step into a star also brings that star's
            // self-loop, unless the loop is already being taken.
            let into_new_star = steps
                .iter()
                .filter(|&&(w, pos)| {
                    patterns
                        .get(usize::from(w))
                        .and_then(|wc| wc.tokens.get(usize::from(pos)))
                        == Some(&Token::Star)
                        && !loops.contains(&(w, pos))
                })
                .count();
            worst = worst.max(loops.len() + steps.len() + into_new_star);
            if worst >= cap {
                return cap;
            }
            let mut next = loops;
            next.extend(steps);
            close(&mut next);
            if !next.is_empty() && seen.insert(next.clone()) {
                queue.push_back(next);
            }
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str) -> Wildcard {
        Wildcard::parse(text).unwrap()
    }

    #[test]
    fn matches_stars_and_escapes() {
        assert!(w("dir/*.png").matches("dir/a/b.png"));
        assert!(w("*").matches(""));
        assert!(w("a*b*c").matches("abc"));
        assert!(w("a*b*c").matches("axxbyyc"));
        assert!(!w("a*b*c").matches("axxbyy"));
        assert!(w(r"he\*llo").matches("he*llo"));
        assert!(!w(r"he\*llo").matches("hello"));
        assert!(w(r"he\\llo").matches(r"he\llo"));
        assert!(w("*ß").matches("straß"));
        assert!(!w("abc").matches("ab"));
    }

    /// Obviously-correct dynamic programming over (pattern, value) prefixes.
    fn reference(tokens: &[Token], value: &[u8]) -> bool {
        let mut dp = vec![vec![false; value.len() + 1]; tokens.len() + 1];
        dp[0][0] = true;
        for (i, token) in tokens.iter().enumerate() {
            for j in 0..=value.len() {
                dp[i + 1][j] = match token {
                    Token::Star => dp[i][j] || (j > 0 && dp[i + 1][j - 1]),
                    Token::Byte(b) => j > 0 && dp[i][j - 1] && value[j - 1] == *b,
                };
            }
        }
        dp[tokens.len()][value.len()]
    }

    proptest::proptest! {
        #[test]
        fn matching_agrees_with_the_reference(pattern in "(a|b|\\*|\\\\\\*){0,8}", value in "[ab*]{0,10}") {
            if let Ok(w) = Wildcard::parse(&pattern) {
                proptest::prop_assert_eq!(w.matches(&value), reference(&w.tokens, value.as_bytes()), "{} vs {}", pattern, value);
            }
        }
    }

    #[test]
    fn rejects_like_event_ruler() {
        assert_eq!(
            Wildcard::parse("Simple**Service").unwrap_err(),
            "Consecutive wildcard characters at pos 6"
        );
        assert_eq!(
            Wildcard::parse(r"a\b").unwrap_err(),
            "Invalid escape character at pos 1"
        );
        assert_eq!(
            Wildcard::parse("a\\").unwrap_err(),
            "Invalid escape character at pos 1"
        );
    }

    #[test]
    fn complexity_matches_the_published_data_points() {
        assert_eq!(complexity(&[&w("*:*:*:*:*:event-bus/*")], 100), 11);
        assert_eq!(
            complexity(&[&w("/Users/*/dir/dir/dir/dir/dir/doc.txt")], 100),
            7
        );
        assert!(complexity(&[&w("arn:aws:events:us-east-1:*:event-bus/*")], 100) <= 7);
        assert!(complexity(&[&w("plain")], 100) <= 1);
    }
}
