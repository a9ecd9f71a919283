//! The input data of a data-heavy task (the communication lesson): how it is
//! made, how it is split between tasks, and its checksum.
//!
//! Byte `i` of an input is `i % 251` (a prime period, so no two tasks' chunks
//! look alike), which Python makes as fast as Rust (`bytes(range(251)) * n`),
//! and each task returns the CRC-32 of its chunk (Python's `zlib.crc32`). The
//! content does not matter to the lesson; that every byte arrived does.

use std::ops::Range;

/// The period of the pattern.
pub const PERIOD: usize = 251;

fn pattern() -> [u8; PERIOD] {
    std::array::from_fn(|i| i as u8)
}

/// Writes the bytes at `offset..offset + out.len()` of an input.
pub fn fill(offset: u64, out: &mut [u8]) {
    let pattern = pattern();
    let mut at = (offset % PERIOD as u64) as usize;
    for block in out.chunks_mut(PERIOD) {
        let (len, first) = (block.len(), (PERIOD - at).min(block.len()));
        block[..first].copy_from_slice(&pattern[at..at + first]);
        block[first..].copy_from_slice(&pattern[..len - first]);
        at = (at + len) % PERIOD;
    }
}

/// A whole input of `len` bytes.
pub fn make(len: u64) -> Vec<u8> {
    let mut v = vec![0; usize::try_from(len).expect("inputs are bounded well below 4 GiB")];
    fill(0, &mut v);
    v
}

/// The bytes task `index` of `tasks` reads: equal shares, in order.
pub fn chunk(total: u64, tasks: u32, index: u32) -> Range<u64> {
    let share = |i: u64| (u128::from(total) * u128::from(i) / u128::from(tasks.max(1))) as u64;
    share(u64::from(index))..share(u64::from(index) + 1)
}

/// Task `index`'s share of an input of `total` bytes, made on its own.
pub fn chunk_bytes(total: u64, tasks: u32, index: u32) -> Vec<u8> {
    let r = chunk(total, tasks, index);
    let mut v = vec![0; (r.end - r.start) as usize];
    fill(r.start, &mut v);
    v
}

/// What a task returns for its bytes.
pub fn checksum(bytes: &[u8]) -> u64 {
    u64::from(crc32(0, bytes))
}

/// CRC-32 of `bytes` after `crc`'s: natively crc32fast (a carry-less
/// multiply where the CPU has one), in wasm [`crate::crc32`] (no such
/// instruction there, and that portable code is faster in V8 than
/// crc32fast's).
fn crc32(crc: u32, bytes: &[u8]) -> u32 {
    if cfg!(target_arch = "wasm32") {
        crate::crc32::update(crc, bytes)
    } else {
        let mut hasher = crc32fast::Hasher::new_with_initial(crc);
        hasher.update(bytes);
        hasher.finalize()
    }
}

/// [`checksum`] of `range` of an input, computed without holding it.
pub fn checksum_of(range: Range<u64>) -> u64 {
    let mut crc = 0;
    let mut block = vec![0u8; 1 << 16];
    let mut at = range.start;
    while at < range.end {
        let n = (range.end - at).min(block.len() as u64) as usize;
        fill(at, &mut block[..n]);
        crc = crc32(crc, &block[..n]);
        at += n as u64;
    }
    u64::from(crc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_tile_the_input() {
        for (total, tasks) in [(1024, 3), (1024, 512), (268_435_456, 7), (1025, 1)] {
            let mut end = 0;
            for i in 0..tasks {
                let c = chunk(total, tasks, i);
                assert_eq!(c.start, end);
                assert!(c.end > c.start, "{total}/{tasks}: chunk {i} is empty");
                end = c.end;
            }
            assert_eq!(end, total);
        }
    }

    #[test]
    fn filled_ranges_match_the_whole() {
        let whole = make(5000);
        assert!(whole.iter().enumerate().all(|(i, &b)| b as usize == i % PERIOD));
        let mut part = vec![0; 777];
        fill(1234, &mut part);
        assert_eq!(part, whole[1234..2011]);
        assert_eq!(checksum_of(1234..2011), checksum(&whole[1234..2011]));
        assert_eq!(checksum_of(0..0), checksum(&[]));
        // Python: zlib.crc32(bytes(range(251)) * 4)
        assert_eq!(checksum(&make(1004)), 3_198_923_185);
    }
}
