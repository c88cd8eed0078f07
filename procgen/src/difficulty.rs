//! The continuous difficulty knob in [0, 1] and its named presets.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How hard generated levels are: 0 is the easiest, 1 the hardest. Each generator documents
/// which of its knobs (size, gaps, enemies, ...) grow with it.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f32", into = "f32")]
pub struct Difficulty(f32);

/// Named presets and their values, in the order `--help` lists them.
pub const PRESETS: [(&str, f32); 3] = [("easy", 0.25), ("medium", 0.5), ("hard", 0.75)];

/// A difficulty that is not a preset name nor a number in [0, 1].
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("difficulty '{0}' is not allowed: use easy, medium, hard or a number in [0, 1]")]
pub struct BadDifficulty(pub String);

impl Difficulty {
    /// The easiest levels.
    pub const MIN: Difficulty = Difficulty(0.0);
    /// The hardest levels.
    pub const MAX: Difficulty = Difficulty(1.0);
    /// The `easy` preset.
    pub const EASY: Difficulty = Difficulty(PRESETS[0].1);
    /// The `medium` preset.
    pub const MEDIUM: Difficulty = Difficulty(PRESETS[1].1);
    /// The `hard` preset.
    pub const HARD: Difficulty = Difficulty(PRESETS[2].1);

    /// A difficulty from a number, refused outside [0, 1] (NaN included).
    pub fn new(value: f32) -> Result<Self, BadDifficulty> {
        if (0.0..=1.0).contains(&value) { Ok(Difficulty(value)) } else { Err(BadDifficulty(value.to_string())) }
    }

    /// The value in [0, 1].
    pub fn value(self) -> f32 {
        self.0
    }

    /// Linear interpolation from `easiest` (at 0) to `hardest` (at 1).
    pub fn lerp(self, easiest: f32, hardest: f32) -> f32 {
        easiest + (hardest - easiest) * self.0
    }

    /// [`Difficulty::lerp`] rounded to the nearest integer.
    pub fn lerp_int(self, easiest: i32, hardest: i32) -> i32 {
        self.lerp(easiest as f32, hardest as f32).round() as i32
    }
}

impl Default for Difficulty {
    fn default() -> Self {
        Difficulty::EASY
    }
}

impl TryFrom<f32> for Difficulty {
    type Error = BadDifficulty;
    fn try_from(value: f32) -> Result<Self, Self::Error> {
        Difficulty::new(value)
    }
}

impl From<Difficulty> for f32 {
    fn from(d: Difficulty) -> f32 {
        d.0
    }
}

impl FromStr for Difficulty {
    type Err = BadDifficulty;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        if let Some((_, v)) = PRESETS.iter().find(|(name, _)| *name == lower) {
            return Ok(Difficulty(*v));
        }
        match lower.parse::<f32>() {
            Ok(v) if (0.0..=1.0).contains(&v) => Ok(Difficulty(v)),
            _ => Err(BadDifficulty(s.to_string())),
        }
    }
}

impl fmt::Display for Difficulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match PRESETS.iter().find(|(_, v)| *v == self.0) {
            Some((name, _)) => write!(f, "{name}"),
            None => write!(f, "{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_numbers_parse() {
        assert_eq!("easy".parse(), Ok(Difficulty::EASY));
        assert_eq!("HARD".parse(), Ok(Difficulty::HARD));
        assert_eq!("0.3".parse::<Difficulty>().map(Difficulty::value), Ok(0.3));
        assert_eq!("1".parse(), Ok(Difficulty::MAX));
    }

    #[test]
    fn out_of_range_is_refused_with_the_value() {
        for bad in ["1.5", "-0.1", "nan", "brutal", ""] {
            let err = bad.parse::<Difficulty>().unwrap_err();
            assert!(err.to_string().contains(&format!("'{bad}'")), "{err}");
        }
        assert!(Difficulty::new(f32::NAN).is_err());
    }

    #[test]
    fn display_round_trips() {
        for d in [Difficulty::EASY, Difficulty::new(0.3).unwrap()] {
            assert_eq!(d.to_string().parse(), Ok(d));
        }
    }
}
