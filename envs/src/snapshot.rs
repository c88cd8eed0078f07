//! Snapshot bytes: [`EnvState`] in a versioned binary form that can leave the process (pickle,
//! pipes, files), and back. Layout, all integers little-endian:
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `LUDSNAP\0` |
//! | 2 | format version, u16 ([`SNAPSHOT_VERSION`]) |
//! | 1 + n | game name: its length n, u8, then n bytes of UTF-8 |
//! | 4 + m | payload: its length m, u32, then m bytes: the snapshot as UTF-8 JSON |
//! | 32 | SHA-256 of every byte before it |
//!
//! The payload holds the level being played (in its level-file form), the env's RNG, its
//! player view, step count, return so far, whether a reset is due, its level picker, and
//! every entity as a map from component name to the component's fields, in spawn order.
//! Reading checks the magic, the version, the checksum, the game and every component, so
//! that bytes of another game, another format version or damaged bytes give an error that
//! says which, never a wrong state.

use sha2::{Digest, Sha256};

use crate::core::engine::state::{EnvState, SavedEnv};
use crate::core::saved_components;
use crate::games;

/// The first bytes of every snapshot.
pub const SNAPSHOT_MAGIC: &[u8; 8] = b"LUDSNAP\0";
/// The format version this build writes and reads.
pub const SNAPSHOT_VERSION: u16 = 1;
const CHECKSUM_LEN: usize = 32;

/// Why bytes are not a snapshot this build can load. Each message says what was found.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SnapshotError {
    /// Too short, or the wrong magic: not snapshot bytes at all.
    #[error("these {len} bytes are not a ludica snapshot: they do not start with {magic:?}")]
    NotSnapshot {
        /// How many bytes were given.
        len: usize,
        /// The expected magic, as text.
        magic: String,
    },
    /// Written in another format version.
    #[error("snapshot format version {got} is not supported: this ludica reads version {SNAPSHOT_VERSION}")]
    Version {
        /// The version in the bytes.
        got: u16,
    },
    /// Cut short, extended or changed after writing.
    #[error("snapshot bytes are damaged: {0}")]
    Damaged(String),
    /// For a game this build does not have.
    #[error("snapshot is of game '{game}', which this ludica does not have: available games are {available}")]
    UnknownGame {
        /// The game named in the bytes.
        game: String,
        /// The games there are.
        available: String,
    },
    /// Intact bytes whose content this build cannot read (written by another build of ludica
    /// whose game state differs).
    #[error("snapshot of {game} cannot be read by this ludica: {reason}")]
    Content {
        /// The snapshot's game.
        game: String,
        /// What was wrong.
        reason: String,
    },
}

impl EnvState {
    /// The snapshot as bytes (see the module docs for the layout). Same state, same bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let game = games::find(self.game()).expect("a snapshot's game is a registered game");
        let saved = self.to_saved(&saved_components(game));
        let payload = serde_json::to_vec(&saved).expect("a snapshot is plain data: it always serializes");
        let name = self.game().as_bytes();
        let mut out = Vec::with_capacity(8 + 2 + 1 + name.len() + 4 + payload.len() + CHECKSUM_LEN);
        out.extend_from_slice(SNAPSHOT_MAGIC);
        out.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
        out.push(u8::try_from(name.len()).expect("game names are short"));
        out.extend_from_slice(name);
        out.extend_from_slice(&u32::try_from(payload.len()).expect("a snapshot is under 4 GiB").to_le_bytes());
        out.extend_from_slice(&payload);
        let checksum = Sha256::digest(&out);
        out.extend_from_slice(&checksum);
        out
    }

    /// A snapshot back from [`to_bytes`](Self::to_bytes)'s bytes, checked (see
    /// [`SnapshotError`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<EnvState, SnapshotError> {
        if bytes.len() < 10 || &bytes[..8] != SNAPSHOT_MAGIC {
            return Err(SnapshotError::NotSnapshot {
                len: bytes.len(),
                magic: String::from_utf8_lossy(SNAPSHOT_MAGIC).into_owned(),
            });
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version != SNAPSHOT_VERSION {
            return Err(SnapshotError::Version { got: version });
        }
        let Some(body_len) = bytes.len().checked_sub(CHECKSUM_LEN) else {
            return Err(SnapshotError::Damaged(format!("{} bytes are too few to hold a checksum", bytes.len())));
        };
        let (body, checksum) = bytes.split_at(body_len);
        if Sha256::digest(body).as_slice() != checksum {
            return Err(SnapshotError::Damaged("the SHA-256 checksum does not match the content".into()));
        }
        let mut reader = Reader { bytes: body, at: 10 };
        let name_len = usize::from(reader.take(1)?[0]);
        let name = std::str::from_utf8(reader.take(name_len)?)
            .map_err(|_| SnapshotError::Damaged("the game name is not UTF-8".into()))?;
        let payload_len = u32::from_le_bytes(reader.take(4)?.try_into().expect("took 4 bytes")) as usize;
        let payload = reader.take(payload_len)?;
        if reader.at != body.len() {
            return Err(SnapshotError::Damaged(format!("{} bytes follow the payload", body.len() - reader.at)));
        }
        let game = games::find(name).map_err(|_| SnapshotError::UnknownGame {
            game: name.to_string(),
            available: games::GAMES.iter().map(|g| g.name).collect::<Vec<_>>().join(", "),
        })?;
        let content = |reason: String| SnapshotError::Content { game: game.name.to_string(), reason };
        let saved: SavedEnv = serde_json::from_slice(payload).map_err(|e| content(e.to_string()))?;
        EnvState::from_saved(game.name, &saved_components(game), saved).map_err(content)
    }
}

/// Reads fields off the front of a snapshot's body.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self.at.checked_add(n).filter(|&end| end <= self.bytes.len()).ok_or_else(|| {
            SnapshotError::Damaged(format!("a field of {n} bytes at offset {} runs past the end", self.at))
        })?;
        let field = &self.bytes[self.at..end];
        self.at = end;
        Ok(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ObsKind, VecEnv, VecEnvConfig};

    fn env(game: &str) -> VecEnv {
        VecEnv::new(VecEnvConfig { game: game.into(), num_envs: 2, obs: ObsKind::Symbolic, ..Default::default() })
            .expect("a small VecEnv")
    }

    #[test]
    fn bytes_round_trip_replays_the_same_future_in_every_game() {
        for game in games::GAMES {
            let mut a = env(game.name);
            let actions: Vec<u8> = (0..2).map(|i| (i % game.actions.len()) as u8).collect();
            for _ in 0..7 {
                a.step(&actions).expect("steps");
            }
            let bytes = a.save_state(0).expect("saves").to_bytes();
            let state = EnvState::from_bytes(&bytes).expect("reads back");
            assert_eq!(state.to_bytes(), bytes, "{}: bytes of a read snapshot are the same bytes", game.name);
            let mut b = env(game.name);
            b.load_state(1, &state).expect("loads");
            let same = a.save_state(0).expect("saves");
            a.load_state(1, &same).expect("loads");
            let len = a.obs_len();
            for step in 0..40 {
                a.step(&actions).expect("steps");
                b.step(&actions).expect("steps");
                assert_eq!(a.obs()[len..], b.obs()[len..], "{} step {step}", game.name);
                assert_eq!(a.reward()[1], b.reward()[1], "{} step {step}", game.name);
            }
        }
    }

    #[test]
    fn damaged_foreign_and_newer_bytes_are_refused_by_name() {
        let bytes = env("maze").save_state(0).expect("saves").to_bytes();
        assert!(matches!(EnvState::from_bytes(b"hello"), Err(SnapshotError::NotSnapshot { len: 5, .. })));
        let mut newer = bytes.clone();
        newer[8] = 2;
        assert!(matches!(EnvState::from_bytes(&newer), Err(SnapshotError::Version { got: 2 })));
        for cut in [10, 11, bytes.len() / 2, bytes.len() - 1] {
            assert!(matches!(EnvState::from_bytes(&bytes[..cut]), Err(SnapshotError::Damaged(_))), "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[bytes.len() / 2] ^= 1;
        assert!(matches!(EnvState::from_bytes(&flipped), Err(SnapshotError::Damaged(_))));
    }

    #[test]
    fn another_game_is_refused_on_load() {
        let state = EnvState::from_bytes(&env("maze").save_state(0).expect("saves").to_bytes()).expect("reads");
        let err = env("runner").load_state(0, &state).expect_err("a maze state into runner");
        assert!(err.to_string().contains("maze"), "{err}");
    }
}
