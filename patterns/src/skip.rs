//! Finding the ends of JSON strings and blocks quickly, for the parts of an event no pattern
//! reads.
//!
//! A skipped block is only checked for balance: strings are closed and the block's own brackets
//! pair up (`{}` for an object, `[]` for an array; valid JSON nests the other kind inside
//! balanced, so it need not be counted). That is what lets a 700-byte array of coordinates be
//! skipped 64 bytes at a time. On x86-64, strings are searched 16 bytes at a time with SSE2 (part
//! of the baseline) and blocks 64 bytes at a time with AVX2 when the processor has it; elsewhere
//! the scalar loops below do the same work.

/// Index of the first quote, backslash or control character (below 0x20) at or after `from`, or
/// `bytes.len()` when there is none.
pub(crate) fn find_string_special(bytes: &[u8], from: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        let mut i = from;
        while let Some(chunk) = bytes.get(i..i + 16) {
            let mask = x86::special16(chunk, true);
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
        scalar::find_string_special(bytes, i)
    }
    #[cfg(not(target_arch = "x86_64"))]
    scalar::find_string_special(bytes, from)
}

/// Index just past the string whose opening quote is at `from`, or `None` when it is not
/// closed. Escapes are stepped over, not checked.
pub(crate) fn skip_string(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from + 1;
    loop {
        i = find_quote_or_backslash(bytes, i);
        match bytes.get(i)? {
            b'"' => return Some(i + 1),
            _ => i += 2,
        }
    }
}

fn find_quote_or_backslash(bytes: &[u8], from: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        let mut i = from;
        while let Some(chunk) = bytes.get(i..i + 16) {
            let mask = x86::special16(chunk, false);
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
        scalar::find_quote_or_backslash(bytes, i)
    }
    #[cfg(not(target_arch = "x86_64"))]
    scalar::find_quote_or_backslash(bytes, from)
}

/// Index just past the block opened by `open` at `from` and closed by the matching `close`, or
/// `None` when the input ends first.
pub(crate) fn skip_block(bytes: &[u8], from: usize, open: u8, close: u8) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor supports AVX2, checked just above.
        return unsafe { x86::skip_block_avx2(bytes, from, open, close) };
    }
    scalar::skip_block(bytes, from, open, close)
}

/// Walks the structural bytes of one 64-byte window of a block (`quotes`, `opens` and `closes`
/// are bit masks of the window starting at `at`). Returns where to continue, or the end of the
/// block.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline(always)]
fn walk_window(
    bytes: &[u8],
    at: usize,
    (quotes, opens, closes): (u64, u64, u64),
    depth: &mut i64,
) -> Option<Step> {
    if quotes == 0 {
        let closed = i64::from(closes.count_ones());
        if *depth - closed > 0 {
            // The block cannot end in this window, whatever the order of its brackets.
            *depth += i64::from(opens.count_ones()) - closed;
            return Some(Step::Continue(at + 64));
        }
    }
    let mut structural = quotes | opens | closes;
    while structural != 0 {
        let bit_index = structural.trailing_zeros() as usize;
        let bit = 1u64 << bit_index;
        if quotes & bit != 0 {
            return skip_string(bytes, at + bit_index).map(Step::Continue);
        }
        if opens & bit != 0 {
            *depth += 1;
        } else {
            *depth -= 1;
            if *depth == 0 {
                return Some(Step::Done(at + bit_index + 1));
            }
        }
        structural &= structural - 1;
    }
    Some(Step::Continue(at + 64))
}

#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
enum Step {
    Continue(usize),
    Done(usize),
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{
        __m128i, __m256i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8,
        _mm_or_si128, _mm_set1_epi8, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
        _mm256_set1_epi8,
    };

    use super::{Step, walk_window};

    /// Bit `i` is set when byte `i` of the 16-byte `chunk` is a quote or a backslash, or (with
    /// `controls`) below 0x20.
    #[inline(always)]
    pub(super) fn special16(chunk: &[u8], controls: bool) -> u32 {
        assert!(chunk.len() >= 16);
        // SAFETY: SSE2 is part of the x86-64 baseline, and the unaligned load reads 16 bytes
        // that `chunk` holds (checked just above).
        unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            let mut special = _mm_or_si128(quote, backslash);
            if controls {
                // `max(v, 0x1F) == 0x1F` exactly when `v <= 0x1F`, unsigned.
                let limit = _mm_set1_epi8(0x1F);
                special = _mm_or_si128(special, _mm_cmpeq_epi8(_mm_max_epu8(v, limit), limit));
            }
            _mm_movemask_epi8(special) as u32
        }
    }

    /// Bit masks of quotes, `open` and `close` in the 64 bytes of `window`.
    #[target_feature(enable = "avx2")]
    fn masks64(window: &[u8; 64], open: u8, close: u8) -> (u64, u64, u64) {
        // SAFETY: the two unaligned loads read the 64 bytes `window` holds.
        let (low, high) = unsafe {
            (
                _mm256_loadu_si256(window.as_ptr().cast::<__m256i>()),
                _mm256_loadu_si256(window.as_ptr().add(32).cast::<__m256i>()),
            )
        };
        let mask = |byte: u8| {
            let needle = _mm256_set1_epi8(byte as i8);
            let low = _mm256_movemask_epi8(_mm256_cmpeq_epi8(low, needle)) as u32;
            let high = _mm256_movemask_epi8(_mm256_cmpeq_epi8(high, needle)) as u32;
            u64::from(low) | (u64::from(high) << 32)
        };
        (mask(b'"'), mask(open), mask(close))
    }

    /// [`super::skip_block`], 64 bytes at a time.
    #[target_feature(enable = "avx2")]
    pub(super) fn skip_block_avx2(bytes: &[u8], from: usize, open: u8, close: u8) -> Option<usize> {
        let mut depth = 0i64;
        let mut at = from;
        let mut padded: [u8; 64];
        while at < bytes.len() {
            let window: &[u8; 64] = match bytes.get(at..at + 64) {
                Some(window) => window.try_into().ok()?,
                None => {
                    // The last bytes, padded with spaces, which are never structural.
                    let rest = bytes.get(at..)?;
                    padded = [b' '; 64];
                    padded.get_mut(..rest.len())?.copy_from_slice(rest);
                    &padded
                }
            };
            match walk_window(bytes, at, masks64(window, open, close), &mut depth)? {
                Step::Continue(next) => at = next,
                Step::Done(end) => return Some(end),
            }
        }
        None
    }
}

/// Byte-at-a-time versions: the fallback, and the reference the fast versions are tested against.
mod scalar {
    pub(super) fn find_string_special(bytes: &[u8], from: usize) -> usize {
        let rest = bytes.get(from..).unwrap_or(&[]);
        from + rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(rest.len())
    }

    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(super) fn find_quote_or_backslash(bytes: &[u8], from: usize) -> usize {
        let rest = bytes.get(from..).unwrap_or(&[]);
        from + rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\')
            .unwrap_or(rest.len())
    }

    pub(super) fn skip_block(bytes: &[u8], from: usize, open: u8, close: u8) -> Option<usize> {
        let mut depth = 0usize;
        let mut i = from;
        while let Some(&b) = bytes.get(i) {
            if b == b'"' {
                i = super::skip_string(bytes, i)?;
                continue;
            }
            if b == open {
                depth += 1;
            } else if b == close {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn blocks_end_at_their_own_closing_bracket() {
        let text = br#"[1, "]", {"a": [2, "\"]"]}, [3]] tail"#;
        let end = skip_block(text, 0, b'[', b']').unwrap();
        assert_eq!(&text[end..], b" tail");
        let text = br#"{"a": "}", "b": {"c": "\\"}} tail"#;
        let end = skip_block(text, 0, b'{', b'}').unwrap();
        assert_eq!(&text[end..], b" tail");
        assert_eq!(skip_block(b"[1, [2]", 0, b'[', b']'), None);
        assert_eq!(skip_block(br#"["]"#, 0, b'[', b']'), None);
    }

    #[test]
    fn long_blocks_cross_windows() {
        let point = "[-122.433270000000, 37.755450000000, 0.0]";
        let block = format!("[[{}]]", vec![point; 40].join(", "));
        let text = format!("{block}, \"next\"");
        let end = skip_block(text.as_bytes(), 0, b'[', b']').unwrap();
        assert_eq!(end, block.len());
        assert_eq!(
            scalar::skip_block(text.as_bytes(), 0, b'[', b']'),
            Some(end)
        );
    }

    #[test]
    fn strings_end_at_an_unescaped_quote() {
        let text = br#""a\"b\\" rest"#;
        assert_eq!(skip_string(text, 0), Some(8));
        assert_eq!(skip_string(br#""abc\""#, 0), None);
        assert_eq!(find_string_special(b"abcdefghijklmnopqrstu\x01", 0), 21);
        assert_eq!(find_string_special(b"abc", 1), 3);
    }

    fn jsonish() -> impl Strategy<Value = Vec<u8>> {
        // Few kinds of bytes, so that structure is dense and windows end anywhere.
        proptest::collection::vec(
            prop_oneof![
                Just(b'"'),
                Just(b'\\'),
                Just(b'['),
                Just(b']'),
                Just(b'{'),
                Just(b'}'),
                Just(b'a'),
                Just(b' '),
                Just(0x01u8),
            ],
            0..300,
        )
    }

    proptest! {
        #[test]
        fn fast_and_scalar_versions_agree(bytes in jsonish(), from in 0usize..300) {
            let from = from.min(bytes.len());
            prop_assert_eq!(
                find_string_special(&bytes, from),
                scalar::find_string_special(&bytes, from)
            );
            prop_assert_eq!(
                find_quote_or_backslash(&bytes, from),
                scalar::find_quote_or_backslash(&bytes, from)
            );
            for (open, close) in [(b'[', b']'), (b'{', b'}')] {
                let mut block = vec![open];
                block.extend_from_slice(&bytes);
                prop_assert_eq!(
                    skip_block(&block, 0, open, close),
                    scalar::skip_block(&block, 0, open, close)
                );
            }
        }
    }
}
