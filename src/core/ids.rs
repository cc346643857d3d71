//! Visitor ids.

use crate::prelude::*;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A version 4 UUID, written as `crypto.randomUUID()` writes it, from 16 random bytes.
///
/// The runtime draws the bytes with `crypto.getRandomValues`, which every page has, instead of
/// calling `crypto.randomUUID`, which exists only in secure contexts: on an `http:` page the
/// visitor would otherwise get no id, and bucketing would give every visitor the same variant.
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0F) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3F) | 0x80; // RFC 4122 variant
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_a_version_4_uuid() {
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
        assert_eq!(uuid_v4([0xFF; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let id = uuid_v4([
            0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC,
            0xDE, 0xF0,
        ]);
        assert_eq!(id, "12345678-9abc-4ef0-9234-56789abcdef0");
    }
}
