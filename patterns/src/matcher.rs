//! What one entry of a pattern's value list accepts.

use std::net::IpAddr;

use crate::flat::{Number, Scalar};
#[cfg(doc)]
use crate::pattern::NumberEquality;
use crate::wildcard::Wildcard;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Str(String),
    /// A string that is an IP address: like event-ruler, it also equals other spellings of the
    /// same address (`2001:db8::1` and `2001:DB8:0:0::1`). Boxed, as the rarest and largest kind.
    Ip(Box<(String, IpAddr)>),
    /// Equal to numbers of the same representation ([`NumberEquality::Representation`]).
    Num(Number),
    /// Equal to numbers of the same value ([`NumberEquality::Value`]).
    NumValue(f64),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Matcher {
    Exact(Literal),
    Prefix(String),
    PrefixIgnoreCase(String),
    Suffix(String),
    SuffixIgnoreCase(String),
    EqualsIgnoreCase(String),
    Wildcard(Wildcard),
    Numeric(Range),
    Cidr(IpRange),
    /// `{"exists": true}`: any scalar value.
    Exists,
    /// `{"exists": false}`: no scalar value at the path. Decided per event, not per value.
    Absent,
    AnythingBut(AnythingBut),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AnythingBut {
    Strings(Vec<String>),
    Numbers(Vec<f64>),
    Prefixes(Vec<String>),
    Suffixes(Vec<String>),
    /// Stored case-folded.
    IgnoreCase(Vec<String>),
    Wildcards(Vec<Wildcard>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bound {
    pub value: f64,
    pub inclusive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Range {
    pub lower: Option<Bound>,
    pub upper: Option<Bound>,
}

impl Range {
    fn contains(&self, x: f64) -> bool {
        let above = match self.lower {
            Some(b) if b.inclusive => x >= b.value,
            Some(b) => x > b.value,
            None => true,
        };
        let below = match self.upper {
            Some(b) if b.inclusive => x <= b.value,
            Some(b) => x < b.value,
            None => true,
        };
        above && below
    }
}

/// An inclusive range of addresses of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IpRange {
    V4(u32, u32),
    V6(u128, u128),
}

impl IpRange {
    fn contains(&self, text: &str) -> bool {
        match (self, text.parse::<IpAddr>()) {
            (IpRange::V4(lo, hi), Ok(IpAddr::V4(ip))) => (*lo..=*hi).contains(&u32::from(ip)),
            (IpRange::V6(lo, hi), Ok(IpAddr::V6(ip))) => (*lo..=*hi).contains(&u128::from(ip)),
            _ => false,
        }
    }
}

/// Unicode simple case folding, character by character (`ÉCOLE` = `école`, `STRASSE` ≠ `straße`).
pub(crate) fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

fn starts_with_folded(value: &str, folded_prefix: &str) -> bool {
    let mut value = value.chars().flat_map(char::to_lowercase);
    folded_prefix.chars().all(|c| value.next() == Some(c))
}

impl Matcher {
    /// Whether one scalar value satisfies this matcher. `Absent` never does: it is decided by the
    /// caller from the number of values at the path.
    pub(crate) fn accepts(&self, value: &Scalar<'_>) -> bool {
        match (self, value) {
            (Matcher::Exact(lit), v) => lit.equals(v),
            (Matcher::Prefix(p), Scalar::Str(s)) => s.starts_with(p.as_str()),
            (Matcher::PrefixIgnoreCase(p), Scalar::Str(s)) => starts_with_folded(s, p),
            (Matcher::Suffix(p), Scalar::Str(s)) => s.ends_with(p.as_str()),
            (Matcher::SuffixIgnoreCase(p), Scalar::Str(s)) => fold(s).ends_with(p.as_str()),
            (Matcher::EqualsIgnoreCase(p), Scalar::Str(s)) => fold(s) == *p,
            (Matcher::Wildcard(w), Scalar::Str(s)) => w.matches(s),
            (Matcher::Numeric(r), Scalar::Num(n)) => r.contains(n.as_f64()),
            (Matcher::Cidr(r), Scalar::Str(s)) => r.contains(s),
            (Matcher::Exists, _) => true,
            (Matcher::AnythingBut(ab), v) => !ab.excludes(v),
            _ => false,
        }
    }
}

impl AnythingBut {
    /// True when the value is one of the excluded ones. Only values of the excluded kind can be
    /// excluded: `{"anything-but": "x"}` accepts `5` and `null`.
    fn excludes(&self, value: &Scalar<'_>) -> bool {
        match (self, value) {
            (AnythingBut::Strings(set), Scalar::Str(s)) => set.iter().any(|x| x == s),
            (AnythingBut::Numbers(set), Scalar::Num(n)) => set.contains(&n.as_f64()),
            (AnythingBut::Prefixes(set), Scalar::Str(s)) => {
                set.iter().any(|p| s.starts_with(p.as_str()))
            }
            (AnythingBut::Suffixes(set), Scalar::Str(s)) => {
                set.iter().any(|p| s.ends_with(p.as_str()))
            }
            (AnythingBut::IgnoreCase(set), Scalar::Str(s)) => {
                let folded = fold(s);
                set.contains(&folded)
            }
            (AnythingBut::Wildcards(set), Scalar::Str(s)) => set.iter().any(|w| w.matches(s)),
            _ => false,
        }
    }
}

impl Literal {
    /// JSON-typed equality; numbers as the literal says (by representation or by value).
    pub(crate) fn equals(&self, value: &Scalar<'_>) -> bool {
        match (self, value) {
            (Literal::Str(a), Scalar::Str(b)) => a == b,
            (Literal::Ip(ip), Scalar::Str(b)) => {
                let (text, addr) = &**ip;
                text == b || b.parse::<IpAddr>().is_ok_and(|parsed| parsed == *addr)
            }
            (Literal::Num(a), Scalar::Num(b)) => a.same_representation(*b),
            (Literal::NumValue(a), Scalar::Num(b)) => *a == b.as_f64(),
            (Literal::Bool(a), Scalar::Bool(b)) => a == b,
            (Literal::Null, Scalar::Null) => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn s(v: &str) -> Scalar<'_> {
        Scalar::Str(Cow::Borrowed(v))
    }

    #[test]
    fn case_folding_is_simple_and_per_character() {
        assert!(Matcher::EqualsIgnoreCase(fold("ÉCOLE")).accepts(&s("école")));
        assert!(!Matcher::EqualsIgnoreCase(fold("STRASSE")).accepts(&s("straße")));
        assert!(Matcher::PrefixIgnoreCase(fold("eventb")).accepts(&s("EventBridge")));
        assert!(Matcher::SuffixIgnoreCase(fold("tBRIDGE")).accepts(&s("EVENTBRIDGE")));
        assert!(!Matcher::SuffixIgnoreCase(fold("xbridge")).accepts(&s("bridge")));
    }

    #[test]
    fn types_are_strict() {
        assert!(!Matcher::Exact(Literal::Num(Number::UInt(1))).accepts(&Scalar::Bool(true)));
        assert!(!Matcher::Exact(Literal::Bool(true)).accepts(&s("true")));
        assert!(!Matcher::Exact(Literal::Str("5".into())).accepts(&Scalar::Num(Number::UInt(5))));
        assert!(!Matcher::Prefix(String::new()).accepts(&Scalar::Num(Number::UInt(5))));
        assert!(Matcher::Prefix(String::new()).accepts(&s("")));
    }

    #[test]
    fn ip_literals_equal_other_spellings_of_the_address() {
        let ip = Matcher::Exact(Literal::Ip(Box::new((
            "2001:db8::1".into(),
            "2001:db8::1".parse().unwrap(),
        ))));
        assert!(ip.accepts(&s("2001:db8::1")));
        assert!(ip.accepts(&s("2001:DB8:0:0:0:0:0:1")));
        assert!(!ip.accepts(&s("2001:db8::2")));
        assert!(!ip.accepts(&s("not an ip")));
    }

    #[test]
    fn anything_but_accepts_other_kinds_and_null() {
        let ab = Matcher::AnythingBut(AnythingBut::Strings(vec!["x".into()]));
        assert!(ab.accepts(&Scalar::Num(Number::UInt(5))));
        assert!(ab.accepts(&Scalar::Null));
        assert!(!ab.accepts(&s("x")));
        let prefixes = Matcher::AnythingBut(AnythingBut::Prefixes(vec!["init".into()]));
        assert!(prefixes.accepts(&Scalar::Null));
        assert!(!prefixes.accepts(&s("initializing")));
    }

    #[test]
    fn cidr_checks_family_and_range() {
        let v4 = Matcher::Cidr(IpRange::V4(0x0A00_0000, 0x0A00_00FF));
        assert!(v4.accepts(&s("10.0.0.255")));
        assert!(!v4.accepts(&s("10.0.1.0")));
        assert!(!v4.accepts(&s("not an ip")));
        assert!(!v4.accepts(&s("::1")));
    }
}
