//! Helpers shared by the generators' tests: the difficulties guarantees are tested at, and the
//! determinism every generator owes.

use crate::{Difficulty, Level, PRESETS};

/// Difficulty 0, every preset, and 1.
pub fn difficulties() -> Vec<Difficulty> {
    let presets = PRESETS.iter().map(|&(_, v)| Difficulty::new(v).expect("presets are valid"));
    [Difficulty::MIN].into_iter().chain(presets).chain([Difficulty::MAX]).collect()
}

/// Asserts that `generate` gives the same level for the same seed and different ones for
/// neighbouring seeds, at `d`.
pub fn assert_seeded(generate: fn(u64, Difficulty) -> Level, d: Difficulty) {
    assert_eq!(generate(3, d), generate(3, d), "same seed, same level");
    assert_ne!(generate(3, d).to_ascii(), generate(4, d).to_ascii(), "seeds 3 and 4 give the same grid");
}
