//! One random stream per path, derived from the seed and the path's index, so results do not
//! depend on how paths are spread over threads.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// SplitMix64's finaliser: a bijective mixer with good avalanche.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The stream of path `index` under `seed`: Xoshiro256++ seeded (through SplitMix64, as
/// `seed_from_u64` does) from a mix of both. Distinct (seed, index) pairs give unrelated
/// streams; with a 2^256 period, overlaps between any two of a million 720-month paths are
/// vanishingly unlikely.
#[must_use]
pub fn path_stream(seed: u64, index: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(mix(seed ^ mix(index.wrapping_add(0x9e37_79b9_7f4a_7c15))))
}
