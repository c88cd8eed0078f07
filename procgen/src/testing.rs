//! Helpers shared by the generators' tests: the difficulties guarantees are tested at, and
//! refusals. (That every generator repeats a seed is tested over the registry, in
//! `envs/tests/vec_env.rs`.)

use crate::{Difficulty, Level, PRESETS};

/// The presets (easy, medium, hard), each of which a generator's guarantees are checked at
/// over many seeds.
pub fn presets() -> impl Iterator<Item = Difficulty> {
    PRESETS.iter().map(|&(_, v)| Difficulty::new(v).expect("presets lie in [0, 1]"))
}

/// Difficulty 0, every preset, and 1.
pub fn difficulties() -> Vec<Difficulty> {
    [Difficulty::MIN].into_iter().chain(presets()).chain([Difficulty::MAX]).collect()
}

/// Asserts that `check` refuses `level` with a message containing `want`.
pub fn assert_refused<T: std::fmt::Debug>(check: fn(&Level) -> Result<T, String>, level: &Level, want: &str) {
    let err = check(level).unwrap_err();
    assert!(err.contains(want), "{err}");
}
