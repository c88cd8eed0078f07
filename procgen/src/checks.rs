//! Small checks that level checkers share: exactly one spawn of a kind, and the play
//! parameters a generator leaves in a level's `meta` (spawn and fire rates, sizes to reach)
//! present and within the range its game accepts; and the presets their tests cover.

use std::ops::RangeInclusive;

use crate::{Difficulty, Level, PRESETS, Spawn, SpawnKind};

/// The difficulty presets (easy, medium, hard), each of which a generator's tests check over
/// many seeds.
pub fn presets() -> impl Iterator<Item = Difficulty> {
    PRESETS.iter().map(|&(_, v)| Difficulty::new(v).expect("presets lie in [0, 1]"))
}

/// The one spawn of `kind` in `level`, or why there is not exactly one.
pub fn only_one(level: &Level, kind: SpawnKind) -> Result<&Spawn, String> {
    let mut found = level.spawns.iter().filter(|s| s.kind == kind);
    match (found.next(), found.next()) {
        (Some(s), None) => Ok(s),
        _ => Err(format!("{} needs exactly one {kind:?} spawn", level.game)),
    }
}

/// The play parameter `key` of `level`'s meta, which must lie in `range`.
pub fn parameter(level: &Level, key: &str, range: RangeInclusive<f64>) -> Result<f64, String> {
    match level.meta.get(key) {
        Some(&v) if range.contains(&v) => Ok(v),
        Some(v) => {
            Err(format!("{} meta '{key}' is {v}: it must lie in [{}, {}]", level.game, range.start(), range.end()))
        }
        None => Err(format!("{} levels need the meta value '{key}'", level.game)),
    }
}

/// Test support: `generate` gives the same level for a seed every time, and another level
/// (another layout) for the next seed.
#[cfg(test)]
pub(crate) fn assert_seeded(generate: fn(u64, Difficulty) -> Level) {
    let d = Difficulty::HARD;
    assert_eq!(generate(3, d), generate(3, d));
    assert_ne!(generate(3, d).to_ascii(), generate(4, d).to_ascii());
}

/// Test support: `check` refuses `level` with a message containing `want`.
#[cfg(test)]
pub(crate) fn assert_refused<T: std::fmt::Debug>(check: fn(&Level) -> Result<T, String>, level: &Level, want: &str) {
    let err = check(level).unwrap_err();
    assert!(err.contains(want), "{err}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tile;

    #[test]
    fn missing_and_out_of_range_parameters_are_named() {
        let mut level = Level::filled("t", 0, Difficulty::MIN, 2, 2, Tile::Empty);
        assert!(parameter(&level, "rate", 1.0..=2.0).unwrap_err().contains("'rate'"));
        level.meta.insert("rate".into(), 3.0);
        assert!(parameter(&level, "rate", 1.0..=2.0).unwrap_err().contains("is 3"));
        level.meta.insert("rate".into(), f64::NAN);
        assert!(parameter(&level, "rate", 1.0..=2.0).is_err());
        level.meta.insert("rate".into(), 1.5);
        assert_eq!(parameter(&level, "rate", 1.0..=2.0), Ok(1.5));
    }

    #[test]
    fn only_one_refuses_none_and_two() {
        let mut level = Level::filled("t", 0, Difficulty::MIN, 2, 2, Tile::Empty);
        assert!(only_one(&level, SpawnKind::Agent).is_err());
        level.spawns.push(Spawn::at_tile(SpawnKind::Agent, 0, 0));
        assert!(only_one(&level, SpawnKind::Agent).is_ok());
        level.spawns.push(Spawn::at_tile(SpawnKind::Agent, 1, 0));
        assert!(only_one(&level, SpawnKind::Agent).unwrap_err().contains("exactly one Agent"));
    }
}
