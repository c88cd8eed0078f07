//! Play parameters a generator leaves in a level's `meta` (spawn and fire rates, sizes to
//! reach), checked present and within the range its game accepts. (Exactly one spawn of a
//! kind: [`Level::single`].)

use std::ops::RangeInclusive;

use crate::Level;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Difficulty, Tile};

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
}
