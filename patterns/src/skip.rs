//! Finding the ends of JSON strings and blocks quickly, for the parts of an event no pattern
//! reads.
//!
//! A skipped block is only checked for balance: strings are closed and the block's own brackets
//! pair up (`{}` for an object, `[]` for an array; valid JSON nests the other kind inside
//! balanced, so it need not be counted). That is what lets a 700-byte array of coordinates be
//! skipped 64 bytes at a time. On x86-64, windows of 64 bytes are classified with SSE2 (part of
//! the baseline) for strings, and with AVX-512 or AVX2 for blocks when the processor has them;
//! elsewhere the scalar loops below do the same work.

/// Bit `i` is set when byte `from + i` is a quote, a backslash or a control character, or lies
/// past the end of `bytes`: one load of a 64-byte window serves every string that ends in it.
#[inline(always)]
pub(crate) fn special64(bytes: &[u8], from: usize) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        match bytes.get(from..from + 64) {
            Some(window) => x86::special_window(window.try_into().unwrap_or(&[0; 64])),
            None => special_tail(bytes, from),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    scalar::special64(bytes, from)
}

/// [`special64`] of the last window of the text, from a zero-padded copy: the zeros past its end
/// are control characters, so their bits are set, as bytes past the end must be.
#[cfg(target_arch = "x86_64")]
#[cold]
fn special_tail(bytes: &[u8], from: usize) -> u64 {
    let mut tail = [0u8; 64];
    let rest = bytes.get(from..).unwrap_or_default();
    tail[..rest.len()].copy_from_slice(rest);
    x86::special_window(&tail)
}

/// Index just past the string whose opening quote is at `from`, or `None` when it is not
/// closed. Escapes are stepped over, not checked.
pub(crate) fn skip_string(bytes: &[u8], from: usize) -> Option<usize> {
    string_end(bytes, from + 1)
}

/// Index just past the closing quote of the string that `from` is inside of.
fn string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
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
    skip_nested(bytes, from, open, close, 0)
}

/// Index just past the `close` that ends the block `from` is inside of (between two of its
/// values, not in a string), or `None` when the input ends first.
pub(crate) fn skip_rest(bytes: &[u8], from: usize, open: u8, close: u8) -> Option<usize> {
    skip_nested(bytes, from, open, close, 1)
}

/// Index just past the `close` that brings the nesting from `depth` to zero.
fn skip_nested(bytes: &[u8], from: usize, open: u8, close: u8, depth: u32) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        if std::arch::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the processor supports AVX-512 BW (and so F) and POPCNT, checked above.
            return unsafe { x86::skip_block_avx512(bytes, from, open, close, depth) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2 and POPCNT, checked above.
            return unsafe { x86::skip_block_avx2(bytes, from, open, close, depth) };
        }
    }
    scalar::skip_block(bytes, from, open, close, depth)
}

/// Bit masks of one 64-byte window: bit `i` stands for byte `i`.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
struct Masks {
    quotes: u64,
    backslashes: u64,
    opens: u64,
    closes: u64,
}

/// Bit `i` of the result is the parity of bits `0..=i` of `x`: for quote positions, the bytes
/// from an opening quote up to (not including) its closing quote.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// Walks one 64-byte window of a block starting at `at`; `in_string` says whether `at` is inside
/// a string, and is updated for the next window. Returns where to continue, or the end of the
/// block.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline(always)]
fn walk_window(
    bytes: &[u8],
    at: usize,
    masks: Masks,
    depth: &mut i64,
    in_string: &mut bool,
) -> Option<Step> {
    let Masks {
        quotes,
        backslashes,
        opens,
        closes,
    } = masks;
    if backslashes == 0 {
        // Without escapes, every quote opens or closes a string: drop the brackets inside.
        let carried = if *in_string { u64::MAX } else { 0 };
        let inside = prefix_xor(quotes) ^ carried;
        *in_string = inside >> 63 == 1;
        return Some(walk_brackets(at, opens & !inside, closes & !inside, depth));
    }
    if *in_string {
        *in_string = false;
        return string_end(bytes, at).map(Step::Continue);
    }
    // Escapes: one string at a time.
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

/// The brackets of a window, those inside strings left out.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline(always)]
fn walk_brackets(at: usize, opens: u64, closes: u64, depth: &mut i64) -> Step {
    let closed = i64::from(closes.count_ones());
    if *depth - closed > 0 {
        // The block cannot end in this window, whatever the order of its brackets.
        *depth += i64::from(opens.count_ones()) - closed;
        return Step::Continue(at + 64);
    }
    let mut structural = opens | closes;
    while structural != 0 {
        let bit_index = structural.trailing_zeros() as usize;
        if opens & (1u64 << bit_index) != 0 {
            *depth += 1;
        } else {
            *depth -= 1;
            if *depth == 0 {
                return Step::Done(at + bit_index + 1);
            }
        }
        structural &= structural - 1;
    }
    Step::Continue(at + 64)
}

#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
enum Step {
    Continue(usize),
    Done(usize),
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{
        __m128i, __m256i, __m512i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm256_cmpeq_epi8, _mm256_loadu_si256,
        _mm256_max_epu8, _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi8,
        _mm512_cmpeq_epi8_mask, _mm512_loadu_si512, _mm512_set1_epi8,
    };

    use super::{Masks, Step, walk_window};

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

    /// [`super::special64`] of a whole window: with AVX2 when the processor has it.
    #[inline(always)]
    pub(super) fn special_window(window: &[u8; 64]) -> u64 {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2, checked just above.
            return unsafe { special_avx2(window) };
        }
        special_sse2(window)
    }

    /// Quotes, backslashes and control characters of a window, with SSE2.
    #[inline(always)]
    pub(super) fn special_sse2(window: &[u8; 64]) -> u64 {
        let mut mask = 0u64;
        for (i, chunk) in window.chunks_exact(16).enumerate() {
            mask |= u64::from(special16(chunk, true)) << (16 * i);
        }
        mask
    }

    /// Quotes, backslashes and control characters of a window, with AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) fn special_avx2(window: &[u8; 64]) -> u64 {
        let half = |at: usize| {
            // SAFETY: the unaligned load reads 32 of the 64 bytes `window` holds.
            let v = unsafe { _mm256_loadu_si256(window.as_ptr().add(at).cast::<__m256i>()) };
            let quote = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'"' as i8));
            let backslash = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\\' as i8));
            // `max(v, 0x1F) == 0x1F` exactly when `v <= 0x1F`, unsigned.
            let limit = _mm256_set1_epi8(0x1F);
            let control = _mm256_cmpeq_epi8(_mm256_max_epu8(v, limit), limit);
            let special = _mm256_or_si256(_mm256_or_si256(quote, backslash), control);
            u64::from(_mm256_movemask_epi8(special) as u32)
        };
        half(0) | (half(32) << 32)
    }

    /// Bit masks of quotes, backslashes, `open` and `close` in the 64 bytes of `window`.
    #[target_feature(enable = "avx2")]
    fn masks64(window: &[u8; 64], open: u8, close: u8) -> Masks {
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
        Masks {
            quotes: mask(b'"'),
            backslashes: mask(b'\\'),
            opens: mask(open),
            closes: mask(close),
        }
    }

    /// Bit masks of quotes, backslashes, `open` and `close` in the 64 bytes of `window`.
    #[target_feature(enable = "avx512f,avx512bw")]
    fn masks64_avx512(window: &[u8; 64], open: u8, close: u8) -> Masks {
        // SAFETY: the unaligned load reads the 64 bytes `window` holds.
        let v = unsafe { _mm512_loadu_si512(window.as_ptr().cast::<__m512i>()) };
        let mask = |byte: u8| _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(byte as i8));
        Masks {
            quotes: mask(b'"'),
            backslashes: mask(b'\\'),
            opens: mask(open),
            closes: mask(close),
        }
    }

    /// Runs [`walk_window`] over the block from `from`, 64 bytes at a time; the last bytes are
    /// padded with spaces, which are never structural.
    #[inline(always)]
    fn skip_windows(
        bytes: &[u8],
        from: usize,
        depth: u32,
        mut masks: impl FnMut(&[u8; 64]) -> Masks,
    ) -> Option<usize> {
        let mut depth = i64::from(depth);
        let mut in_string = false;
        let mut at = from;
        let mut padded: [u8; 64];
        while at < bytes.len() {
            let window: &[u8; 64] = match bytes.get(at..at + 64) {
                Some(window) => window.try_into().ok()?,
                None => {
                    let rest = bytes.get(at..)?;
                    padded = [b' '; 64];
                    padded.get_mut(..rest.len())?.copy_from_slice(rest);
                    &padded
                }
            };
            match walk_window(bytes, at, masks(window), &mut depth, &mut in_string)? {
                Step::Continue(next) => at = next,
                Step::Done(end) => return Some(end),
            }
        }
        None
    }

    /// [`super::skip_block`] with AVX2.
    #[target_feature(enable = "avx2,popcnt")]
    pub(super) fn skip_block_avx2(
        bytes: &[u8],
        from: usize,
        open: u8,
        close: u8,
        depth: u32,
    ) -> Option<usize> {
        skip_windows(bytes, from, depth, |w| masks64(w, open, close))
    }

    /// [`super::skip_block`] with AVX-512.
    #[target_feature(enable = "avx512f,avx512bw,popcnt")]
    pub(super) fn skip_block_avx512(
        bytes: &[u8],
        from: usize,
        open: u8,
        close: u8,
        depth: u32,
    ) -> Option<usize> {
        skip_windows(bytes, from, depth, |w| masks64_avx512(w, open, close))
    }
}

/// Byte-at-a-time versions: the fallback, and the reference the fast versions are tested against.
mod scalar {
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    pub(super) fn special64(bytes: &[u8], from: usize) -> u64 {
        let mut mask = 0u64;
        for i in 0..64 {
            if bytes
                .get(from + i)
                .is_none_or(|&b| b == b'"' || b == b'\\' || b < 0x20)
            {
                mask |= 1 << i;
            }
        }
        mask
    }

    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(super) fn find_quote_or_backslash(bytes: &[u8], from: usize) -> usize {
        let rest = bytes.get(from..).unwrap_or(&[]);
        from + rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\')
            .unwrap_or(rest.len())
    }

    pub(super) fn skip_block(
        bytes: &[u8],
        from: usize,
        open: u8,
        close: u8,
        depth: u32,
    ) -> Option<usize> {
        let mut depth = depth as usize;
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
        let text = br#"{"a": 1, "b": {"c": "}"}} tail"#;
        let end = skip_rest(text, 7, b'{', b'}').unwrap();
        assert_eq!(&text[end..], b" tail");
    }

    #[test]
    fn prefix_xor_marks_the_inside_of_strings() {
        assert_eq!(prefix_xor(0b0100_0010), 0b0011_1110);
        assert_eq!(prefix_xor(1 << 63) >> 63, 1);
    }

    #[test]
    fn long_blocks_cross_windows() {
        let point = "[-122.433270000000, 37.755450000000, 0.0]";
        let block = format!("[[{}]]", vec![point; 40].join(", "));
        let text = format!("{block}, \"next\"");
        let end = skip_block(text.as_bytes(), 0, b'[', b']').unwrap();
        assert_eq!(end, block.len());
        assert_eq!(
            scalar::skip_block(text.as_bytes(), 0, b'[', b']', 0),
            Some(end)
        );
    }

    #[test]
    fn strings_end_at_an_unescaped_quote() {
        let text = br#""a\"b\\" rest"#;
        assert_eq!(skip_string(text, 0), Some(8));
        assert_eq!(skip_string(br#""abc\""#, 0), None);
        let mut text = b"abcdefghijklmnopqrstu\x01".to_vec();
        text.resize(64, b'a');
        assert_eq!(special64(&text, 0), 1 << 21);
        assert_eq!(special64(b"abc", 1), !0 << 2, "bytes past the end count");
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
                Just(0x1Fu8),
            ],
            0..300,
        )
    }

    proptest! {
        #[test]
        fn fast_and_scalar_versions_agree(bytes in jsonish(), from in 0usize..300) {
            let from = from.min(bytes.len());
            prop_assert_eq!(
                find_quote_or_backslash(&bytes, from),
                scalar::find_quote_or_backslash(&bytes, from)
            );
            prop_assert_eq!(special64(&bytes, from), scalar::special64(&bytes, from));
            for (open, close) in [(b'[', b']'), (b'{', b'}')] {
                let mut block = vec![open];
                block.extend_from_slice(&bytes);
                let expected = scalar::skip_block(&block, 0, open, close, 0);
                prop_assert_eq!(skip_block(&block, 0, open, close), expected);
                // The rest of a block, from inside it.
                prop_assert_eq!(
                    skip_rest(&block, 1, open, close),
                    scalar::skip_block(&block, 1, open, close, 1)
                );
                // Each instruction set this processor has, not only the one chosen.
                #[cfg(target_arch = "x86_64")]
                {
                    use std::arch::is_x86_feature_detected as has;
                    let mut window = [b'a'; 64];
                    let n = bytes.len().min(64);
                    window[..n].copy_from_slice(&bytes[..n]);
                    let expected_window = scalar::special64(&window, 0);
                    prop_assert_eq!(x86::special_sse2(&window), expected_window);
                    if has!("avx2") {
                        // SAFETY: AVX2 is available, checked just above.
                        prop_assert_eq!(unsafe { x86::special_avx2(&window) }, expected_window);
                    }
                    if has!("avx2") && has!("popcnt") {
                        // SAFETY: AVX2 and POPCNT are available, checked just above.
                        let avx2 = unsafe { x86::skip_block_avx2(&block, 0, open, close, 0) };
                        prop_assert_eq!(avx2, expected);
                    }
                    if has!("avx512bw") && has!("popcnt") {
                        // SAFETY: AVX-512 BW and POPCNT are available, checked just above.
                        let avx512 = unsafe { x86::skip_block_avx512(&block, 0, open, close, 0) };
                        prop_assert_eq!(avx512, expected);
                    }
                }
            }
        }
    }
}
