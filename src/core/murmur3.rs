//! MurmurHash3 x86 32-bit, the hash the reference engine buckets users with.
//!
//! The reference hashes the generalised UTF-8 bytes of a JavaScript string; our strings already
//! are those bytes (WTF-8), so hashing them directly gives the same buckets.

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

fn scramble(k: u32) -> u32 {
    k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

/// Hashes `data` exactly as the reference `hash32x86(input, seed)` hashes the string whose
/// generalised UTF-8 encoding is `data`.
pub fn murmur3_x86_32(data: &[u8], seed: u32) -> u32 {
    let mut h = seed;
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        h = (h ^ scramble(k))
            .rotate_left(13)
            .wrapping_mul(5)
            .wrapping_add(0xe654_6b64);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let k = tail
            .iter()
            .rev()
            .fold(0u32, |k, &b| (k << 8) | u32::from(b));
        h ^= scramble(k);
    }
    // The reference mixes in the length as a 32-bit integer.
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::wtf8_of as wtf8;

    #[test]
    fn known_values() {
        let h = |s: &str| murmur3_x86_32(s.as_bytes(), 0);
        assert_eq!(h("My hovercraft is full of eels."), 2953494853);
        assert_eq!(h("My 🚀 is full of 🦎."), 1818098979);
        assert_eq!(h("吉 星 高 照"), 3435142074);
        assert_eq!(h("G0U0BTSK/user-1"), 3157636886);
    }

    #[test]
    fn every_tail_length_matches_the_reference() {
        let h = |s: &str| murmur3_x86_32(s.as_bytes(), 0);
        assert_eq!(h(""), 0);
        assert_eq!(h("a"), 1009084850);
        assert_eq!(h("ab"), 2613040991);
        assert_eq!(h("abc"), 3017643002);
        assert_eq!(h("abcd"), 1139631978);
        assert_eq!(h("abcde"), 3902511862);
    }

    #[test]
    fn non_ascii_and_seeds_match_the_reference() {
        assert_eq!(murmur3_x86_32("é".as_bytes(), 0), 269551495);
        assert_eq!(murmur3_x86_32(b"abc", 1), 2859854335);
        assert_eq!(murmur3_x86_32(b"abcd", 0x9747b28c), 4031219239);
        assert_eq!(murmur3_x86_32(b"hello", u32::MAX), 595297739);
        assert_eq!(murmur3_x86_32("é€𐍈".as_bytes(), 42), 910952601);
    }

    #[test]
    fn lone_surrogates_hash_as_three_bytes() {
        assert_eq!(murmur3_x86_32(&wtf8(&[0xD800]), 0), 3055733070);
        assert_eq!(murmur3_x86_32(&wtf8(&[0xD83D]), 0), 1278762794);
        assert_eq!(
            murmur3_x86_32(&wtf8(&['a' as u32, 0xDC00, 'b' as u32]), 0),
            1512209694
        );
        let mixed = wtf8(&['x' as u32, 0xD83D, 'y' as u32, 0xDE80]);
        assert_eq!(mixed.len(), 8);
        assert_eq!(murmur3_x86_32(&mixed, 0), 2847735929);
    }
}
