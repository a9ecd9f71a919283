//! The `random` module's generator: MT19937, the Mersenne Twister CPython's
//! `random` uses, seeded and drawn from the way CPython 3.11 does, so that
//! `random.seed(n)` followed by `random()`, `randint`, `randrange`, `choice`,
//! `shuffle` or `uniform` gives CPython's numbers exactly (tests/pyvm/random.py).

const N: usize = 624;
const M: usize = 397;

/// One generator's state (2.5 KB): one per call of a task (see `vm`).
#[derive(Clone)]
pub struct Mt {
    state: Box<[u32; N]>,
    next: usize,
}

impl Mt {
    /// `random.seed(n)` for an int `n`: the little-endian 32-bit words of
    /// `|n|` (one zero word for 0) as `init_by_array`'s key.
    pub fn seeded(key: &[u32]) -> Mt {
        let key = if key.is_empty() { &[0][..] } else { key };
        let mut mt = Mt::from_u32(19_650_218);
        let s = &mut mt.state;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            s[i] = (s[i] ^ (s[i - 1] ^ (s[i - 1] >> 30)).wrapping_mul(1_664_525)).wrapping_add(key[j]).wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                s[0] = s[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            s[i] = (s[i] ^ (s[i - 1] ^ (s[i - 1] >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                s[0] = s[N - 1];
                i = 1;
            }
        }
        s[0] = 0x8000_0000;
        mt
    }

    fn from_u32(seed: u32) -> Mt {
        let mut state = Box::new([0u32; N]);
        state[0] = seed;
        for i in 1..N {
            state[i] = 1_812_433_253u32.wrapping_mul(state[i - 1] ^ (state[i - 1] >> 30)).wrapping_add(i as u32);
        }
        Mt { state, next: N }
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        if self.next >= N {
            let s = &mut self.state;
            for k in 0..N {
                let y = (s[k] & 0x8000_0000) | (s[(k + 1) % N] & 0x7fff_ffff);
                let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
                s[k] = s[(k + M) % N] ^ (y >> 1) ^ mag;
            }
            self.next = 0;
        }
        let mut y = self.state[self.next];
        self.next += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random.random()`: 53 random bits as a float in [0, 1).
    pub fn random(&mut self) -> f64 {
        let a = u64::from(self.next_u32() >> 5);
        let b = u64::from(self.next_u32() >> 6);
        (a as f64 * 67_108_864.0 + b as f64) / 9_007_199_254_740_992.0
    }

    /// `getrandbits(k)` for k ≤ 64: whole words first, the last one's top bits.
    fn bits(&mut self, k: u32) -> u64 {
        if k == 0 {
            return 0;
        }
        if k <= 32 {
            return u64::from(self.next_u32() >> (32 - k));
        }
        let low = u64::from(self.next_u32());
        low | (u64::from(self.next_u32() >> (64 - k)) << 32)
    }

    /// `_randbelow(n)`: uniform in [0, n), by rejection on `n.bit_length()` bits.
    pub fn below(&mut self, n: u64) -> u64 {
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.bits(k);
            if r < n {
                return r;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_generator_s_first_outputs() {
        // init_by_array({0x123, 0x234, 0x345, 0x456}): the first outputs
        // listed with the authors' reference implementation (mt19937ar.out).
        let mut mt = Mt::seeded(&[0x123, 0x234, 0x345, 0x456]);
        assert_eq!([mt.next_u32(), mt.next_u32(), mt.next_u32()], [1_067_595_299, 955_945_823, 477_289_528]);
    }
}
