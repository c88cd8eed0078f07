//! The training envs: a same-step auto-reset `VecEnv` whose whole state can be saved as plain
//! data (each env's current level seed, its actions since that episode began, and how many
//! levels it has drawn) and rebuilt exactly by replay, since levels and games are pure
//! functions of seeds and actions. This is what lets `--resume` continue a run bit for bit.

use ludica_envs::{AutoReset, LevelPicker, LevelSpec, ObsKind, StepInfo, VecEnv, VecEnvConfig};
use serde::{Deserialize, Serialize};

use crate::error::AgentError;

/// One env's state as plain data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvCursor {
    /// Seed of the level being played.
    pub level_seed: u64,
    /// Levels drawn from this env's level stream so far (the current one included).
    pub levels_drawn: u64,
    /// Actions taken since the current episode began.
    pub actions: Vec<u8>,
}

/// What one step produced, copied out before any env is moved to another level.
#[derive(Clone, Debug, Default)]
pub struct StepOut {
    /// Rewards.
    pub reward: Vec<f32>,
    /// Whether each env's episode ended (terminated or truncated).
    pub ended: Vec<bool>,
    /// The episodes that ended on this step.
    pub finished: Vec<StepInfo>,
}

/// The training envs; see the module docs.
pub struct TrainEnvs {
    env: VecEnv,
    spec: LevelSpec,
    seed: u64,
    pickers: Vec<LevelPicker>,
    cursors: Vec<EnvCursor>,
    out: StepOut,
}

impl TrainEnvs {
    /// Fresh envs: `num_envs` of `game` on `spec`, level streams seeded with `seed`.
    pub fn new(
        game: &str,
        obs: ObsKind,
        spec: LevelSpec,
        num_envs: usize,
        num_threads: usize,
        seed: u64,
    ) -> Result<TrainEnvs, AgentError> {
        let env = VecEnv::new(VecEnvConfig {
            game: game.to_string(),
            num_envs,
            num_threads,
            obs,
            levels: spec,
            autoreset: AutoReset::SameStep,
            seed,
        })?;
        let mut envs = TrainEnvs {
            env,
            spec,
            seed,
            pickers: (0..num_envs as u64).map(|i| LevelPicker::new(spec, seed, i)).collect(),
            cursors: vec![EnvCursor { level_seed: 0, levels_drawn: 0, actions: Vec::new() }; num_envs],
            out: StepOut {
                reward: vec![0.0; num_envs],
                ended: vec![false; num_envs],
                finished: Vec::with_capacity(num_envs),
            },
        };
        for i in 0..num_envs {
            envs.start_next_level(i)?;
        }
        Ok(envs)
    }

    /// Envs rebuilt from saved cursors: each env's level stream is advanced to where it was,
    /// and its current episode is replayed on a scratch env and copied in.
    pub fn restore(
        game: &str,
        obs: ObsKind,
        spec: LevelSpec,
        num_threads: usize,
        seed: u64,
        cursors: &[EnvCursor],
    ) -> Result<TrainEnvs, AgentError> {
        let mut envs = TrainEnvs::new(game, obs, spec, cursors.len(), num_threads, seed)?;
        let mut scratch = VecEnv::new(VecEnvConfig {
            game: game.to_string(),
            num_envs: 1,
            num_threads: 1,
            obs,
            levels: spec,
            autoreset: AutoReset::SameStep,
            seed,
        })?;
        let corrupt = |i: usize, why: &str| AgentError::Checkpoint(format!("checkpoint env {i} cannot be replayed: {why}"));
        for (i, cursor) in cursors.iter().enumerate() {
            if cursor.levels_drawn == 0 || !spec.contains(cursor.level_seed) {
                return Err(corrupt(i, "its level is not one of the run's levels"));
            }
            let mut picker = LevelPicker::new(spec, seed, i as u64);
            let mut last = 0;
            for _ in 0..cursor.levels_drawn {
                last = picker.next_seed();
            }
            if last != cursor.level_seed {
                return Err(corrupt(i, "its level does not match its level stream"));
            }
            scratch.reset_env_to_seed(0, cursor.level_seed)?;
            for &action in &cursor.actions {
                scratch.step(&[action]).map_err(|e| corrupt(i, &e.to_string()))?;
                if scratch.infos()[0].episode_done {
                    return Err(corrupt(i, "its episode ends before its actions do"));
                }
            }
            envs.env.load_state(i, &scratch.save_state(0)?)?;
            envs.pickers[i] = picker;
            envs.cursors[i] = cursor.clone();
        }
        Ok(envs)
    }

    /// Starts env `i` on the next level of its own stream. The VecEnv draws from an identical
    /// stream, so this is free unless the envs were restored (the VecEnv's streams restart).
    fn start_next_level(&mut self, i: usize) -> Result<(), AgentError> {
        let seed = self.pickers[i].next_seed();
        if self.env.infos()[i].level_seed != seed {
            self.env.reset_env_to_seed(i, seed)?;
        }
        let cursor = &mut self.cursors[i];
        cursor.level_seed = seed;
        cursor.levels_drawn += 1;
        cursor.actions.clear();
        Ok(())
    }

    /// Steps every env; ended episodes restart at once (same-step auto-reset).
    pub fn step(&mut self, actions: &[u8]) -> Result<&StepOut, AgentError> {
        self.env.step(actions)?;
        self.out.reward.copy_from_slice(self.env.reward());
        self.out.finished.clear();
        for i in 0..actions.len() {
            let ended = self.env.terminated()[i] || self.env.truncated()[i];
            self.out.ended[i] = ended;
            self.cursors[i].actions.push(actions[i]);
            if ended {
                let info = self.env.infos()[i];
                self.start_next_level(i)?;
                // `level_seed` names the level now started, which may have been overridden.
                self.out.finished.push(StepInfo { level_seed: self.cursors[i].level_seed, ..info });
            }
        }
        Ok(&self.out)
    }

    /// Current observations, env-major.
    pub fn obs(&self) -> &[u8] {
        self.env.obs()
    }

    /// The envs' state as plain data.
    pub fn cursors(&self) -> &[EnvCursor] {
        &self.cursors
    }

    /// The underlying VecEnv.
    pub fn vec_env(&self) -> &VecEnv {
        &self.env
    }

    /// The run seed of the level streams.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The level distribution.
    pub fn spec(&self) -> LevelSpec {
        self.spec
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ludica_procgen::Difficulty;
    use rand::{RngExt, SeedableRng};

    fn spec() -> LevelSpec {
        LevelSpec { num_levels: 50, start_level: 0, sequential: false, difficulty: Difficulty::MIN }
    }

    #[test]
    fn restored_envs_continue_exactly() {
        for obs in [ObsKind::Symbolic, ObsKind::Rgb] {
            let mut rng = rand_pcg::Pcg32::seed_from_u64(4);
            let actions: Vec<Vec<u8>> = (0..600).map(|_| (0..6).map(|_| rng.random_range(0..5u8)).collect()).collect();
            let mut a = TrainEnvs::new("maze", obs, spec(), 6, 2, 9).unwrap();
            for step in &actions[..250] {
                a.step(step).unwrap();
            }
            let mut b = TrainEnvs::restore("maze", obs, spec(), 1, 9, a.cursors()).unwrap();
            assert_eq!(a.obs(), b.obs());
            let mut episodes = 0;
            for step in &actions[250..] {
                let (oa, ob) = (a.step(step).unwrap().clone(), b.step(step).unwrap().clone());
                assert_eq!((oa.reward, oa.ended), (ob.reward, ob.ended));
                assert_eq!(oa.finished, ob.finished);
                episodes += oa.finished.len();
                assert_eq!(a.obs(), b.obs());
            }
            assert!(episodes > 10, "the replay must cover many episode ends, got {episodes}");
        }
    }

    #[test]
    fn fresh_envs_follow_the_vec_envs_own_level_streams() {
        let envs = TrainEnvs::new("maze", ObsKind::Symbolic, spec(), 4, 1, 3).unwrap();
        for (i, c) in envs.cursors().iter().enumerate() {
            assert_eq!(c.level_seed, envs.vec_env().infos()[i].level_seed);
            assert_eq!(c.levels_drawn, 1);
        }
    }

    #[test]
    fn tampered_cursors_are_refused() {
        let envs = TrainEnvs::new("maze", ObsKind::Symbolic, spec(), 2, 1, 3).unwrap();
        let mut cursors = envs.cursors().to_vec();
        cursors[1].level_seed = 10_000;
        let err = TrainEnvs::restore("maze", ObsKind::Symbolic, spec(), 1, 3, &cursors).err().unwrap();
        assert!(err.to_string().contains("env 1"), "{err}");
    }
}
