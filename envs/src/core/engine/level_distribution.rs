//! The level distribution, with Procgen's semantics: which level seed each env plays next,
//! given `num_levels`, `start_level`, `sequential` and the env's own PCG stream.

use rand::RngExt;
use serde::{Deserialize, Serialize};

use ludica_procgen::seeds::{Stream, mix};
use ludica_procgen::{Difficulty, Rng};

/// Level seeds are below this bound (2^63), so that every range is representable.
pub const SEED_LIMIT: u64 = 1 << 63;

/// Which levels envs play.
///
/// Seeds come from `[start_level, start_level + num_levels)`, or from `[start_level, 2^63)`
/// when `num_levels` is 0 (unlimited). Unlike Procgen, where `num_levels = 0` ignores
/// `start_level`, the unlimited range starts at `start_level` too, so a training range below
/// it is disjoint from it by construction.
#[derive(Clone, Copy, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelSpec {
    /// How many distinct levels; 0 means unlimited.
    pub num_levels: u64,
    /// The first level seed.
    pub start_level: u64,
    /// Play the levels in seed order (one level per episode, wrapping) from a random start,
    /// instead of drawing each episode's level at random.
    pub sequential: bool,
    /// How hard the levels are.
    pub difficulty: Difficulty,
}

/// A level range that cannot be drawn from.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("level range start_level={start_level} num_levels={num_levels} is not allowed: seeds must stay below 2^63")]
pub struct BadLevelRange {
    /// The offending start.
    pub start_level: u64,
    /// The offending count.
    pub num_levels: u64,
}

impl LevelSpec {
    /// Checks that the seed range fits below [`SEED_LIMIT`].
    pub fn validate(&self) -> Result<(), BadLevelRange> {
        let end = self.start_level.checked_add(self.num_levels);
        match end {
            Some(end) if self.start_level < SEED_LIMIT && end <= SEED_LIMIT => Ok(()),
            _ => Err(BadLevelRange { start_level: self.start_level, num_levels: self.num_levels }),
        }
    }

    /// Whether `seed` belongs to this distribution.
    pub fn contains(&self, seed: u64) -> bool {
        seed >= self.start_level
            && (self.num_levels == 0 && seed < SEED_LIMIT || seed - self.start_level < self.num_levels)
    }
}

/// One env's source of level seeds: its own stream, derived from the run seed and the env's
/// global index, so the sequence does not depend on how envs are split over threads.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LevelPicker {
    spec: LevelSpec,
    rng: Rng,
    next_offset: u64,
}

impl LevelPicker {
    /// The picker of env `env_index` in a run seeded with `seed`.
    pub fn new(spec: LevelSpec, seed: u64, env_index: u64) -> LevelPicker {
        let mut rng = Rng::new(mix(seed), mix(Stream::LevelPick as u64 ^ mix(env_index)));
        let next_offset = match (spec.sequential, spec.num_levels) {
            (true, 0) => 0,
            (true, n) => rng.random_range(0..n),
            (false, _) => 0,
        };
        LevelPicker { spec, rng, next_offset }
    }

    /// The level seed of the next episode.
    pub fn next_seed(&mut self) -> u64 {
        let s = self.spec;
        match (s.sequential, s.num_levels) {
            (true, n) => {
                let seed = s.start_level + self.next_offset;
                self.next_offset = if n == 0 {
                    (self.next_offset + 1) % (SEED_LIMIT - s.start_level)
                } else {
                    (self.next_offset + 1) % n
                };
                seed
            }
            (false, 0) => self.rng.random_range(s.start_level..SEED_LIMIT),
            (false, n) => s.start_level + self.rng.random_range(0..n),
        }
    }

    /// The distribution this picker draws from.
    pub fn spec(&self) -> &LevelSpec {
        &self.spec
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn spec(num_levels: u64, start_level: u64, sequential: bool) -> LevelSpec {
        LevelSpec { num_levels, start_level, sequential, difficulty: Difficulty::EASY }
    }

    #[test]
    fn bounded_ranges_cover_exactly_their_levels() {
        let s = spec(200, 0, false);
        let mut seen = BTreeSet::new();
        for env in 0..64 {
            let mut p = LevelPicker::new(s, 1, env);
            seen.extend((0..100).map(|_| p.next_seed()));
        }
        assert_eq!(seen, (0..200).collect::<BTreeSet<u64>>(), "all 200 training levels and nothing else");
    }

    #[test]
    fn train_and_test_ranges_are_disjoint() {
        let train = spec(200, 0, false);
        let test = spec(0, 10_000_000, false);
        let mut p = LevelPicker::new(test, 1, 0);
        for _ in 0..10_000 {
            let seed = p.next_seed();
            assert!(test.contains(seed) && !train.contains(seed), "{seed}");
        }
    }

    #[test]
    fn sequential_walks_the_range_in_order_and_wraps() {
        let mut p = LevelPicker::new(spec(5, 100, true), 3, 0);
        let seeds: Vec<u64> = (0..10).map(|_| p.next_seed()).collect();
        for pair in seeds.windows(2) {
            assert_eq!(pair[1], if pair[0] == 104 { 100 } else { pair[0] + 1 });
        }
        assert!(seeds.iter().all(|s| (100..105).contains(s)));
    }

    #[test]
    fn envs_draw_different_streams_and_repeat_with_the_seed() {
        let s = spec(0, 0, false);
        let draw = |seed, env| {
            let mut p = LevelPicker::new(s, seed, env);
            (0..4).map(|_| p.next_seed()).collect::<Vec<_>>()
        };
        assert_eq!(draw(1, 0), draw(1, 0));
        assert_ne!(draw(1, 0), draw(1, 1));
        assert_ne!(draw(1, 0), draw(2, 0));
    }

    #[test]
    fn ranges_past_2_pow_63_are_refused() {
        assert!(spec(10, SEED_LIMIT - 5, false).validate().is_err());
        assert!(spec(0, SEED_LIMIT, false).validate().is_err());
        assert!(spec(u64::MAX, 1, false).validate().is_err());
        assert!(spec(5, SEED_LIMIT - 5, false).validate().is_ok());
    }
}
