//! The `Level` data type: a tile grid, spawn points and metadata, as plain serde-able data
//! that prints as ASCII, exports as JSON and loads back with every field checked.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::Difficulty;

/// Declares a fieldless `#[repr(u8)]` enum with explicit ids and its `ALL` array from one list of
/// variants, so `ALL` cannot miss one; a compile-time check keeps the ids `0..ALL.len()`, in
/// order, so `ALL[id]` is the variant of `id`.
macro_rules! enum_with_all {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $id:literal,)* }
    ) => {
        $(#[$meta])*
        #[repr(u8)]
        pub enum $name { $($(#[$vmeta])* $variant = $id,)* }

        impl $name {
            /// Every variant, in id order.
            pub const ALL: [$name; [$($id),*].len()] = [$($name::$variant),*];
        }

        const _: () = {
            let mut id = 0;
            while id < $name::ALL.len() {
                assert!($name::ALL[id] as usize == id, "ids must run 0, 1, 2, ... in declaration order");
                id += 1;
            }
        };
    };
}

enum_with_all! {
    /// One cell of a level's grid. The discriminant is also the cell's id in symbolic
    /// observations.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub enum Tile {
        /// Free space.
        #[default]
        Empty = 0,
        /// Solid: blocks movement.
        Wall = 1,
        /// Deadly to touch; not solid.
        Lava = 2,
        /// Soft ground: solid, but a digger clears it by walking in.
        Dirt = 3,
        /// A rock that falls when nothing holds it up; solid.
        Boulder = 4,
        /// A gem lying in the grid: collected by walking in; falls like a boulder.
        Gem = 5,
        /// A door opened by the key of its colour (variant 0); solid while closed.
        RedDoor = 6,
        /// A door opened by the key of variant 1.
        GreenDoor = 7,
        /// A door opened by the key of variant 2.
        BlueDoor = 8,
    }
}

impl Tile {
    /// The doors, in key-variant order.
    pub const DOORS: [Tile; 3] = [Tile::RedDoor, Tile::GreenDoor, Tile::BlueDoor];

    /// The character a tile prints as in ASCII and JSON rows.
    pub const fn to_char(self) -> char {
        match self {
            Tile::Empty => '.',
            Tile::Wall => '#',
            Tile::Lava => '~',
            Tile::Dirt => '%',
            Tile::Boulder => 'O',
            Tile::Gem => '*',
            Tile::RedDoor => 'r',
            Tile::GreenDoor => 'g',
            Tile::BlueDoor => 'b',
        }
    }

    /// The tile a character stands for, if any.
    pub fn from_char(c: char) -> Option<Tile> {
        Tile::ALL.into_iter().find(|t| t.to_char() == c)
    }

    /// Whether bodies collide with this tile.
    pub const fn is_solid(self) -> bool {
        matches!(self, Tile::Wall | Tile::Dirt | Tile::Boulder | Tile::RedDoor | Tile::GreenDoor | Tile::BlueDoor)
    }

    /// The door a key of `variant` opens, if there is one.
    pub fn door_of(variant: u8) -> Option<Tile> {
        Tile::DOORS.get(variant as usize).copied()
    }
}

enum_with_all! {
    /// What is placed at a spawn point.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum SpawnKind {
        /// The player's start.
        Agent = 0,
        /// The item or cell that ends the level with success.
        Goal = 1,
        /// A spinning blade: deadly on touch; moves if it has a velocity.
        Saw = 2,
        /// A swimming creature; its variant is its size class.
        Fish = 3,
        /// A hostile mover (patrols, chases or shoots, as its game says).
        Enemy = 4,
        /// A small pickup that must be collected.
        Orb = 5,
        /// A pickup that turns the tables for a while.
        PowerOrb = 6,
        /// A key; its variant is its colour and matches a door tile ([`Tile::door_of`]).
        Key = 7,
        /// A projectile fired by the player.
        Shot = 8,
        /// A projectile fired by an enemy.
        EnemyShot = 9,
        /// A falling rock: deadly on touch.
        Rock = 10,
        /// A bonus pickup.
        Coin = 11,
        /// An exit that opens (becomes a goal) once its game's condition holds.
        Exit = 12,
    }
}

impl SpawnKind {
    /// The character a spawn prints as in ASCII pictures.
    pub const fn to_char(self) -> char {
        match self {
            SpawnKind::Agent => 'A',
            SpawnKind::Goal => 'G',
            SpawnKind::Saw => 'S',
            SpawnKind::Fish => 'F',
            SpawnKind::Enemy => 'E',
            SpawnKind::Orb => 'o',
            SpawnKind::PowerOrb => 'P',
            SpawnKind::Key => 'K',
            SpawnKind::Shot => '-',
            SpawnKind::EnemyShot => '=',
            SpawnKind::Rock => 'R',
            SpawnKind::Coin => 'c',
            SpawnKind::Exit => 'X',
        }
    }
}

/// Something placed in a level at reset: `x`, `y` in tile units (y grows downwards; the
/// centre of tile (3, 4) is (3.5, 4.5)), with an optional starting velocity in tiles/step.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spawn {
    /// What is spawned.
    pub kind: SpawnKind,
    /// Horizontal position of its centre, in tiles.
    pub x: f32,
    /// Vertical position of its centre, in tiles (downwards).
    pub y: f32,
    /// Starting horizontal velocity, in tiles per step.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub vx: f32,
    /// Starting vertical velocity, in tiles per step.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub vy: f32,
    /// What sort of its kind it is (a key's colour, a fish's size class); 0 by default.
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub variant: u8,
}

fn is_zero(v: &f32) -> bool {
    *v == 0.0
}

fn is_zero_u8(v: &u8) -> bool {
    *v == 0
}

impl Spawn {
    /// A still spawn at the centre of tile (`tx`, `ty`).
    pub fn at_tile(kind: SpawnKind, tx: usize, ty: usize) -> Spawn {
        Spawn { kind, x: tx as f32 + 0.5, y: ty as f32 + 0.5, vx: 0.0, vy: 0.0, variant: 0 }
    }

    /// The same spawn with `variant`.
    pub fn with_variant(self, variant: u8) -> Spawn {
        Spawn { variant, ..self }
    }

    /// The tile its centre is in.
    pub fn tile(&self) -> (usize, usize) {
        (self.x.max(0.0) as usize, self.y.max(0.0) as usize)
    }
}

/// A generated (or hand-edited) level. A pure function of `(game, seed, difficulty)` when
/// it comes from a generator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "LevelFile", into = "LevelFile")]
pub struct Level {
    /// The game this level is for.
    pub game: String,
    /// The level seed it was generated from.
    pub seed: u64,
    /// The difficulty it was generated at.
    pub difficulty: Difficulty,
    /// Width of the grid, in tiles.
    pub width: usize,
    /// Height of the grid, in tiles.
    pub height: usize,
    /// The grid, row-major, row 0 at the top.
    pub tiles: Vec<Tile>,
    /// Things placed at reset, in spawn order.
    pub spawns: Vec<Spawn>,
    /// Measured properties (shortest path length, gap count, ...), for inspection.
    pub meta: BTreeMap<String, f64>,
}

/// Why a level file was refused. Each message names the bad value.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LevelError {
    /// The grid has no rows or an empty row.
    #[error("level grid is empty: rows must hold at least one tile")]
    Empty,
    /// Rows of unequal length.
    #[error("level row {row} has {got} tiles, but row 0 has {want}: all rows must be as wide")]
    Ragged { row: usize, got: usize, want: usize },
    /// A character that is no tile.
    #[error("level row {row} has unknown tile '{ch}': allowed are {allowed}")]
    UnknownTile { row: usize, ch: char, allowed: String },
    /// A spawn outside the grid or at a non-finite position.
    #[error("spawn {index} ({kind:?}) at ({x}, {y}) lies outside the {width}x{height} grid")]
    SpawnOutside { index: usize, kind: SpawnKind, x: f32, y: f32, width: usize, height: usize },
    /// A grid wider or taller than any game handles.
    #[error("level is {width}x{height} tiles: at most {max} per side is allowed")]
    TooLarge { width: usize, height: usize, max: usize },
}

/// Largest side of a grid accepted from a file.
pub const MAX_SIDE: usize = 1024;

/// The on-disk form: rows of tile characters, readable and editable by hand.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelFile {
    game: String,
    seed: u64,
    difficulty: Difficulty,
    rows: Vec<String>,
    spawns: Vec<Spawn>,
    #[serde(default)]
    meta: BTreeMap<String, f64>,
}

impl TryFrom<LevelFile> for Level {
    type Error = LevelError;
    fn try_from(f: LevelFile) -> Result<Level, LevelError> {
        let height = f.rows.len();
        let width = f.rows.first().map_or(0, |r| r.chars().count());
        if width == 0 {
            return Err(LevelError::Empty);
        }
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(LevelError::TooLarge { width, height, max: MAX_SIDE });
        }
        let mut tiles = Vec::with_capacity(width * height);
        for (row, line) in f.rows.iter().enumerate() {
            let got = line.chars().count();
            if got != width {
                return Err(LevelError::Ragged { row, got, want: width });
            }
            for ch in line.chars() {
                let tile = Tile::from_char(ch).ok_or_else(|| LevelError::UnknownTile {
                    row,
                    ch,
                    allowed: Tile::ALL.iter().map(|t| format!("'{}'", t.to_char())).collect::<Vec<_>>().join(", "),
                })?;
                tiles.push(tile);
            }
        }
        for (index, s) in f.spawns.iter().enumerate() {
            let inside = s.x.is_finite()
                && s.y.is_finite()
                && s.vx.is_finite()
                && s.vy.is_finite()
                && (0.0..width as f32).contains(&s.x)
                && (0.0..height as f32).contains(&s.y);
            if !inside {
                return Err(LevelError::SpawnOutside { index, kind: s.kind, x: s.x, y: s.y, width, height });
            }
        }
        Ok(Level {
            game: f.game,
            seed: f.seed,
            difficulty: f.difficulty,
            width,
            height,
            tiles,
            spawns: f.spawns,
            meta: f.meta,
        })
    }
}

impl From<Level> for LevelFile {
    fn from(l: Level) -> LevelFile {
        let rows = l.tiles.chunks(l.width).map(|row| row.iter().map(|t| t.to_char()).collect()).collect();
        LevelFile { game: l.game, seed: l.seed, difficulty: l.difficulty, rows, spawns: l.spawns, meta: l.meta }
    }
}

impl Level {
    /// An all-`fill` grid with no spawns.
    pub fn filled(game: &str, seed: u64, difficulty: Difficulty, width: usize, height: usize, fill: Tile) -> Level {
        Level {
            game: game.to_string(),
            seed,
            difficulty,
            width,
            height,
            tiles: vec![fill; width * height],
            spawns: Vec::new(),
            meta: BTreeMap::new(),
        }
    }

    /// The tile at (`x`, `y`); outside the grid counts as [`Tile::Wall`].
    pub fn tile(&self, x: i32, y: i32) -> Tile {
        if x < 0 || y < 0 || x as usize >= self.width || y as usize >= self.height {
            Tile::Wall
        } else {
            self.tiles[y as usize * self.width + x as usize]
        }
    }

    /// Sets the tile at (`x`, `y`), which must lie inside the grid.
    pub fn set(&mut self, x: usize, y: usize, tile: Tile) {
        self.tiles[y * self.width + x] = tile;
    }

    /// The first spawn of `kind`, if any.
    pub fn first(&self, kind: SpawnKind) -> Option<&Spawn> {
        self.spawns.iter().find(|s| s.kind == kind)
    }

    /// How many spawns of `kind` the level holds.
    pub fn count(&self, kind: SpawnKind) -> usize {
        self.spawns.iter().filter(|s| s.kind == kind).count()
    }

    /// How many tiles of `tile` the grid holds.
    pub fn count_tiles(&self, tile: Tile) -> usize {
        self.tiles.iter().filter(|&&t| t == tile).count()
    }

    /// The one spawn of `kind`, or an error naming the game and how many there are.
    pub fn single(&self, kind: SpawnKind) -> Result<&Spawn, String> {
        let mut found = self.spawns.iter().filter(|s| s.kind == kind);
        match (found.next(), found.count()) {
            (Some(s), 0) => Ok(s),
            (first, more) => {
                let n = first.map_or(0, |_| 1 + more);
                Err(format!("{} needs exactly one {kind:?} spawn, found {n}", self.game))
            }
        }
    }

    /// The level as text: one line per row, spawns drawn over their tiles.
    pub fn to_ascii(&self) -> String {
        let mut chars: Vec<char> = self.tiles.iter().map(|t| t.to_char()).collect();
        for s in &self.spawns {
            let (x, y) = s.tile();
            if x < self.width && y < self.height {
                chars[y * self.width + x] = s.kind.to_char();
            }
        }
        let mut out = String::with_capacity((self.width + 1) * self.height);
        for row in chars.chunks(self.width) {
            out.extend(row);
            out.push('\n');
        }
        out
    }

    /// A one-line summary: game, seed, difficulty, size and meta values.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} seed={} difficulty={} size={}x{}",
            self.game, self.seed, self.difficulty, self.width, self.height
        );
        for (k, v) in &self.meta {
            let _ = write!(s, " {k}={v}");
        }
        s
    }

    /// The level as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a Level always serializes: every field is plain data")
    }

    /// A level from JSON, every field checked.
    pub fn from_json(text: &str) -> Result<Level, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Level {
        let mut l = Level::filled("maze", 9, Difficulty::EASY, 4, 3, Tile::Wall);
        l.set(1, 1, Tile::Empty);
        l.set(2, 1, Tile::Lava);
        l.spawns.push(Spawn::at_tile(SpawnKind::Agent, 1, 1));
        l.meta.insert("path_length".into(), 3.0);
        l
    }

    #[test]
    fn json_round_trips_and_is_readable() {
        let l = sample();
        let json = l.to_json();
        assert!(json.contains("\"rows\":[\"####\",\"#.~#\",\"####\"]"), "{json}");
        assert_eq!(Level::from_json(&json).unwrap(), l);
    }

    #[test]
    fn ascii_overlays_spawns() {
        assert_eq!(sample().to_ascii(), "####\n#A~#\n####\n");
    }

    #[test]
    fn bad_files_name_the_problem() {
        let base = r#"{"game":"maze","seed":1,"difficulty":0.5,"spawns":[],"rows":ROWS}"#;
        let err = |rows: &str| Level::from_json(&base.replace("ROWS", rows)).unwrap_err().to_string();
        assert!(err("[\"###\",\"##\"]").contains("row 1 has 2 tiles"));
        assert!(err("[\"#x#\"]").contains("unknown tile 'x'"));
        assert!(err("[]").contains("empty"));
        let outside =
            r#"{"game":"maze","seed":1,"difficulty":0.5,"rows":["..."],"spawns":[{"kind":"agent","x":5.0,"y":0.5}]}"#;
        assert!(Level::from_json(outside).unwrap_err().to_string().contains("outside the 3x1 grid"));
        let bad_difficulty = r#"{"game":"maze","seed":1,"difficulty":3,"rows":["."],"spawns":[]}"#;
        assert!(Level::from_json(bad_difficulty).unwrap_err().to_string().contains("difficulty '3'"));
        let unknown_key = r#"{"game":"maze","seed":1,"difficulty":0,"rows":["."],"spawns":[],"extra":1}"#;
        assert!(Level::from_json(unknown_key).unwrap_err().to_string().contains("extra"));
    }

    #[test]
    fn single_refuses_none_and_two() {
        let mut level = Level::filled("t", 0, Difficulty::MIN, 2, 2, Tile::Empty);
        assert!(level.single(SpawnKind::Agent).is_err());
        level.spawns.push(Spawn::at_tile(SpawnKind::Agent, 0, 0));
        assert!(level.single(SpawnKind::Agent).is_ok());
        level.spawns.push(Spawn::at_tile(SpawnKind::Agent, 1, 0));
        assert!(level.single(SpawnKind::Agent).unwrap_err().contains("exactly one Agent"));
    }

    #[test]
    fn outside_the_grid_is_wall() {
        let l = sample();
        assert_eq!(l.tile(-1, 0), Tile::Wall);
        assert_eq!(l.tile(4, 1), Tile::Wall);
        assert_eq!(l.tile(2, 1), Tile::Lava);
    }
}
