//! Level seeds and the independent named PCG streams drawn from them.
//!
//! A level seed (u64) fully determines a level. Each purpose (layout, spawns, behaviour,
//! level picking) draws from its own PCG stream, so a change to how one purpose draws does
//! not shift the numbers any other purpose sees.

use rand_pcg::Pcg32;

/// The random-number generator used everywhere in ludica: PCG-XSH-RR 64/32, 16 bytes.
pub type Rng = Pcg32;

/// The independent purposes a seed is split into. The discriminant selects the PCG stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum Stream {
    /// Which level seed an env plays next (the level distribution).
    LevelPick = 1,
    /// Walls, gaps, platforms: the static shape of a level.
    Layout = 2,
    /// Where the agent, goal, enemies and items start.
    Spawns = 3,
    /// Random draws made while a level is played (enemy behaviour and the like).
    Behaviour = 4,
}

/// SplitMix64 finaliser: spreads nearby seeds (0, 1, 2, ...) over the whole state space.
pub fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of `stream` for `seed`. Same inputs, same numbers, on every platform.
pub fn stream(seed: u64, stream: Stream) -> Rng {
    Pcg32::new(mix(seed), mix(stream as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    #[test]
    fn streams_of_one_seed_differ_and_repeat() {
        let draw = |s| -> Vec<u32> {
            let mut r = stream(7, s);
            (0..8).map(|_| r.next_u32()).collect()
        };
        assert_eq!(draw(Stream::Layout), draw(Stream::Layout));
        assert_ne!(draw(Stream::Layout), draw(Stream::Spawns));
        assert_ne!(draw(Stream::Spawns), draw(Stream::Behaviour));
    }

    #[test]
    fn neighbouring_seeds_give_unrelated_streams() {
        let a = stream(1, Stream::Layout).next_u64();
        let b = stream(2, Stream::Layout).next_u64();
        assert_ne!(a, b);
        assert!((a ^ b).count_ones() > 10, "seeds 1 and 2 should not share most bits");
    }
}
