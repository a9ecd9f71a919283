//! CRC-32 (zlib's, as Python's `zlib.crc32` and crc32fast compute it) in
//! portable table code written for WebAssembly: what the data workload's
//! tasks run in the browser ([`crate::data::checksum`]). Natively that
//! keeps crc32fast, which uses the CPU's carry-less multiply; wasm has no
//! such instruction, so crc32fast falls back to its own slicing-by-16 there,
//! which this is faster than in Chromium (docs/performance.md).
//!
//! The difference is in what V8 makes of it. crc32fast reads the input a
//! byte at a time and, in wasm, keeps a bounds check per 16 bytes; each byte
//! costs V8 an address computation, a load and a shift before its table
//! look-up. Here a 16-byte block is two 64-bit loads split into 32-bit
//! words, whose bytes come out with a shift and a mask, and `chunks_exact`
//! leaves no bounds check in the loop. Natively both compile to the same
//! speed.

const POLY: u32 = 0xEDB8_8320;

/// `TABLES[k][b]`: the CRC of byte `b` followed by `k` zero bytes.
static TABLES: [[u32; 256]; 16] = tables();

const fn tables() -> [[u32; 256]; 16] {
    let mut t = [[0u32; 256]; 16];
    let mut b = 0;
    while b < 256 {
        let mut c = b as u32;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 1 == 1 { POLY ^ (c >> 1) } else { c >> 1 };
            bit += 1;
        }
        t[0][b] = c;
        b += 1;
    }
    let mut k = 1;
    while k < 16 {
        let mut b = 0;
        while b < 256 {
            let prev = t[k - 1][b];
            t[k][b] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            b += 1;
        }
        k += 1;
    }
    t
}

/// Folds one 16-byte block into `crc` (slicing-by-16). The twelve look-ups
/// that do not depend on `crc` come first, so they need not wait for the
/// previous block's.
#[inline(always)]
fn fold(crc: u32, block: &[u8; 16]) -> u32 {
    let lo = u64::from_le_bytes(block[..8].try_into().expect("8 bytes"));
    let hi = u64::from_le_bytes(block[8..].try_into().expect("8 bytes"));
    let (w0, w1, w2, w3) = (lo as u32 ^ crc, (lo >> 32) as u32, hi as u32, (hi >> 32) as u32);
    let t = |k: usize, w: u32, shift: u32| TABLES[k][((w >> shift) & 0xff) as usize];
    let free = ((t(11, w1, 0) ^ t(10, w1, 8)) ^ (t(9, w1, 16) ^ t(8, w1, 24)))
        ^ ((t(7, w2, 0) ^ t(6, w2, 8)) ^ (t(5, w2, 16) ^ t(4, w2, 24)))
        ^ ((t(3, w3, 0) ^ t(2, w3, 8)) ^ (t(1, w3, 16) ^ t(0, w3, 24)));
    free ^ ((t(15, w0, 0) ^ t(14, w0, 8)) ^ (t(13, w0, 16) ^ t(12, w0, 24)))
}

/// The CRC-32 of `crc`'s input followed by `bytes` (`update(0, b)` is the
/// CRC of `b`, as `zlib.crc32(b)` and `zlib.crc32(b2, zlib.crc32(b1))`).
pub fn update(crc: u32, bytes: &[u8]) -> u32 {
    let mut crc = !crc;
    let mut blocks = bytes.chunks_exact(16);
    for block in &mut blocks {
        crc = fold(crc, block.try_into().expect("16 bytes"));
    }
    for &b in blocks.remainder() {
        crc = TABLES[0][usize::from(crc as u8 ^ b)] ^ (crc >> 8);
    }
    !crc
}

/// The CRC-32 of `bytes`.
pub fn hash(bytes: &[u8]) -> u32 {
    update(0, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert_eq!(hash(b""), 0);
        assert_eq!(hash(b"123456789"), 0xCBF4_3926);
        // Python: zlib.crc32(bytes(range(256)) * 3)
        let bytes: Vec<u8> = (0..768).map(|i| i as u8).collect();
        assert_eq!(hash(&bytes), 2_965_430_058);
    }

    proptest! {
        #[test]
        fn same_as_crc32fast(bytes in proptest::collection::vec(any::<u8>(), 0..300), start in any::<u32>(), split in 0usize..300) {
            let mut h = crc32fast::Hasher::new_with_initial(start);
            h.update(&bytes);
            prop_assert_eq!(update(start, &bytes), h.finalize());
            let split = split.min(bytes.len());
            prop_assert_eq!(update(update(start, &bytes[..split]), &bytes[split..]), update(start, &bytes));
        }
    }
}
