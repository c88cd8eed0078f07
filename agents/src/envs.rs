//! The training envs: a same-step auto-reset `VecEnv`, with an optional shorter episode time
//! limit (Gymnasium's `TimeLimit`), whose whole state can be saved as plain data (each env's
//! current level seed, its actions since that episode began, and how many levels it has
//! drawn) and rebuilt exactly by replay, since levels and games are pure functions of seeds
//! and actions. This is what lets `--resume` continue a run bit for bit. Under a curriculum
//! (`--curriculum plr`, ...) a level sampler chooses each env's levels instead of the env's own
//! stream: each env always holds its next level, chosen when its current one starts.

use ludica_envs::curriculum::{LevelSampler, Pick};
use ludica_envs::{AutoReset, LevelPicker, StepInfo, VecEnv, VecEnvConfig};
use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::error::AgentError;

/// One env's state as plain data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EnvCursor {
    /// Seed of the level being played.
    pub level_seed: u64,
    /// Levels drawn from this env's level stream so far (the current one included).
    pub levels_drawn: u64,
    /// Actions taken since the current episode began.
    pub actions: Vec<u8>,
    /// Reward summed since the current episode began.
    pub episode_return: f32,
    /// Curricula: whether the current level was replayed from the sampler's buffer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replay: bool,
    /// Curricula: the level chosen for this env's next episode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Pick>,
}

/// What one step produced, copied out before any env is moved to another level.
#[derive(Clone, Debug, Default)]
pub struct StepOut {
    /// Rewards.
    pub reward: Vec<f32>,
    /// Whether each env's episode ended (terminated, truncated, or cut by the time limit).
    pub ended: Vec<bool>,
    /// The episodes that ended on this step.
    pub finished: Vec<StepInfo>,
}

/// The training envs; see the module docs.
pub struct TrainEnvs {
    env: VecEnv,
    time_limit: Option<u32>,
    pickers: Vec<LevelPicker>,
    /// The curriculum choosing levels, if any (else each env's own stream does).
    sampler: Option<LevelSampler>,
    cursors: Vec<EnvCursor>,
    out: StepOut,
}

/// The VecEnv of `cfg` (same-step auto-reset) with `num_envs` envs.
fn vec_env(cfg: &TrainConfig, num_envs: usize, num_threads: usize) -> Result<VecEnv, AgentError> {
    Ok(VecEnv::new(VecEnvConfig {
        game: cfg.game.clone(),
        num_envs,
        num_threads,
        num_shards: 0,
        obs: cfg.obs,
        levels: cfg.levels(),
        view: cfg.view,
        autoreset: AutoReset::SameStep,
        seed: cfg.seed,
    })?)
}

impl TrainEnvs {
    /// Fresh envs for `cfg`: its game, observations, levels, envs, threads, seed, time limit.
    pub fn new(cfg: &TrainConfig) -> Result<TrainEnvs, AgentError> {
        let n = cfg.num_envs;
        let spec = cfg.levels();
        let mut envs = TrainEnvs {
            env: vec_env(cfg, n, cfg.env_threads)?,
            time_limit: (cfg.max_episode_steps > 0).then_some(cfg.max_episode_steps),
            pickers: (0..n as u64).map(|i| LevelPicker::new(spec, cfg.seed, i)).collect(),
            sampler: crate::curriculum::sampler(cfg)?,
            cursors: vec![EnvCursor::default(); n],
            out: StepOut { reward: vec![0.0; n], ended: vec![false; n], finished: Vec::with_capacity(n) },
        };
        for i in 0..n {
            envs.start_next_level(i, false)?;
        }
        Ok(envs)
    }

    /// Envs rebuilt from saved cursors (and the curriculum's saved sampler, if any): each
    /// env's level stream is advanced to where it was, and its current episode is replayed on
    /// a scratch env and copied in.
    pub fn restore(
        cfg: &TrainConfig,
        cursors: &[EnvCursor],
        sampler: Option<&LevelSampler>,
    ) -> Result<TrainEnvs, AgentError> {
        let mut envs = TrainEnvs::new(&TrainConfig { num_envs: cursors.len(), ..cfg.clone() })?;
        envs.sampler = sampler.cloned();
        let mut scratch = vec_env(cfg, 1, 1)?;
        let spec = cfg.levels();
        let corrupt =
            |i: usize, why: &str| AgentError::Checkpoint(format!("checkpoint env {i} cannot be replayed: {why}"));
        for (i, cursor) in cursors.iter().enumerate() {
            if cursor.levels_drawn == 0 || !spec.contains(cursor.level_seed) {
                return Err(corrupt(i, "its level is not one of the run's levels"));
            }
            if envs.time_limit.is_some_and(|limit| cursor.actions.len() >= limit as usize) {
                return Err(corrupt(i, "its episode is longer than the time limit"));
            }
            let mut picker = LevelPicker::new(spec, cfg.seed, i as u64);
            if envs.sampler.is_some() {
                if !cursor.next.is_some_and(|next| spec.contains(next.seed)) {
                    return Err(corrupt(i, "its next level is missing or not one of the run's levels"));
                }
            } else {
                let mut last = 0;
                for _ in 0..cursor.levels_drawn {
                    last = picker.next_seed();
                }
                if last != cursor.level_seed {
                    return Err(corrupt(i, "its level does not match its level stream"));
                }
            }
            scratch.reset_env_to_seed(0, cursor.level_seed)?;
            for &action in &cursor.actions {
                scratch.step(&[action]).map_err(|e| corrupt(i, &e.to_string()))?;
                if scratch.infos()[0].episode_done {
                    return Err(corrupt(i, "its episode ends before its actions do"));
                }
            }
            envs.env.load_state(i, &scratch.save_state(0)?)?;
            envs.env.set_next_level(i, cursor.next.map(|next| next.seed))?;
            envs.pickers[i] = picker;
            envs.cursors[i] = cursor.clone();
        }
        Ok(envs)
    }

    /// Starts env `i` on the next level of its own stream, or the one its curriculum chose
    /// (choosing the level after it, which the VecEnv's auto-reset will play). The VecEnv's
    /// auto-reset draws from an identical stream, or plays the chosen level, so this costs
    /// nothing unless the envs were just made or restored (the VecEnv's streams restart) or
    /// `force`d (the time limit cut an episode the VecEnv did not end).
    fn start_next_level(&mut self, i: usize, force: bool) -> Result<(), AgentError> {
        let (seed, replay) = match &mut self.sampler {
            None => (self.pickers[i].next_seed(), false),
            Some(sampler) => {
                let now = self.cursors[i].next.take().unwrap_or_else(|| sampler.next_level());
                let next = sampler.next_level();
                self.env.set_next_level(i, Some(next.seed))?;
                self.cursors[i].next = Some(next);
                (now.seed, now.replay)
            }
        };
        if force || self.env.infos()[i].level_seed != seed {
            self.env.reset_env_to_seed(i, seed)?;
        }
        let cursor = &mut self.cursors[i];
        cursor.level_seed = seed;
        cursor.replay = replay;
        cursor.levels_drawn += 1;
        cursor.actions.clear();
        cursor.episode_return = 0.0;
        Ok(())
    }

    /// Steps every env; ended episodes restart at once (same-step auto-reset).
    pub fn step(&mut self, actions: &[u8]) -> Result<&StepOut, AgentError> {
        self.env.step(actions)?;
        self.out.reward.copy_from_slice(self.env.reward());
        self.out.finished.clear();
        for (i, &action) in actions.iter().enumerate() {
            let cursor = &mut self.cursors[i];
            cursor.actions.push(action);
            cursor.episode_return += self.out.reward[i];
            let game_ended = self.env.terminated()[i] || self.env.truncated()[i];
            let timed_out = !game_ended && self.time_limit.is_some_and(|limit| cursor.actions.len() >= limit as usize);
            self.out.ended[i] = game_ended || timed_out;
            let info = if game_ended {
                self.env.infos()[i]
            } else if timed_out {
                StepInfo {
                    level_seed: cursor.level_seed,
                    episode_done: true,
                    episode_level_seed: cursor.level_seed,
                    episode_return: cursor.episode_return,
                    episode_length: cursor.actions.len() as u32,
                    episode_success: false,
                }
            } else {
                continue;
            };
            self.start_next_level(i, timed_out)?;
            // `level_seed` names the level now started, which may have been overridden.
            self.out.finished.push(StepInfo { level_seed: self.cursors[i].level_seed, ..info });
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

    /// The curriculum's sampler, if levels are chosen by one.
    pub fn sampler(&self) -> Option<&LevelSampler> {
        self.sampler.as_ref()
    }

    /// The curriculum's sampler, to give it scores.
    pub fn sampler_mut(&mut self) -> Option<&mut LevelSampler> {
        self.sampler.as_mut()
    }

    /// The underlying VecEnv.
    pub fn vec_env(&self) -> &VecEnv {
        &self.env
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ludica_envs::ObsKind;
    use ludica_procgen::Difficulty;
    use rand::{RngExt, SeedableRng};

    fn config(obs: ObsKind, num_envs: usize, threads: usize, time_limit: u32) -> TrainConfig {
        game_config("maze", obs, num_envs, threads, time_limit)
    }

    fn game_config(game: &str, obs: ObsKind, num_envs: usize, threads: usize, time_limit: u32) -> TrainConfig {
        TrainConfig {
            game: game.into(),
            obs,
            num_envs,
            env_threads: threads,
            num_levels: 50,
            difficulty: Difficulty::MIN,
            seed: 9,
            max_episode_steps: time_limit,
            ..TrainConfig::default()
        }
    }

    #[test]
    fn restored_envs_continue_exactly() {
        for game in ludica_envs::games::GAMES.iter().map(|g| g.name) {
            let mut episodes = 0;
            for (obs, limit) in [(ObsKind::Symbolic, 0), (ObsKind::Rgb, 0), (ObsKind::Symbolic, 40)] {
                let mut rng = rand_pcg::Pcg32::seed_from_u64(4);
                let actions: Vec<Vec<u8>> = (0..600)
                    .map(|_| {
                        (0..6)
                            .map(|_| rng.random_range(0..ludica_envs::games::find(game).unwrap().actions.len() as u8))
                            .collect()
                    })
                    .collect();
                let mut a = TrainEnvs::new(&game_config(game, obs, 6, 2, limit)).unwrap();
                for step in &actions[..250] {
                    a.step(step).unwrap();
                }
                let mut b = TrainEnvs::restore(&game_config(game, obs, 6, 1, limit), a.cursors(), None).unwrap();
                assert_eq!(a.obs(), b.obs(), "{game} {obs}");
                for step in &actions[250..] {
                    let (oa, ob) = (a.step(step).unwrap().clone(), b.step(step).unwrap().clone());
                    assert_eq!((oa.reward, oa.ended), (ob.reward, ob.ended), "{game} {obs}");
                    assert_eq!(oa.finished, ob.finished, "{game} {obs}");
                    episodes += oa.finished.len();
                    assert_eq!(a.obs(), b.obs(), "{game} {obs}");
                }
            }
            assert!(episodes > 10, "{game}: the replay must cover many episode ends, got {episodes}");
        }
    }

    #[test]
    fn fresh_envs_follow_the_vec_envs_own_level_streams() {
        let envs = TrainEnvs::new(&config(ObsKind::Symbolic, 4, 1, 0)).unwrap();
        for (i, c) in envs.cursors().iter().enumerate() {
            assert_eq!(c.level_seed, envs.vec_env().infos()[i].level_seed);
            assert_eq!(c.levels_drawn, 1);
        }
    }

    #[test]
    fn tampered_cursors_are_refused() {
        let envs = TrainEnvs::new(&config(ObsKind::Symbolic, 2, 1, 0)).unwrap();
        let mut cursors = envs.cursors().to_vec();
        cursors[1].level_seed = 10_000;
        let err = TrainEnvs::restore(&config(ObsKind::Symbolic, 2, 1, 0), &cursors, None).err().unwrap();
        assert!(err.to_string().contains("env 1"), "{err}");
    }

    #[test]
    fn the_time_limit_cuts_episodes_as_failures_and_starts_new_levels() {
        let mut envs = TrainEnvs::new(&config(ObsKind::Symbolic, 3, 1, 7)).unwrap();
        let mut cut = 0;
        for _ in 0..70 {
            let noop = ludica_envs::games::find("maze").unwrap().action("noop");
            let out = envs.step(&[noop; 3]).unwrap().clone();
            for info in &out.finished {
                assert_eq!((info.episode_length, info.episode_success, info.episode_return), (7, false, 0.0));
                cut += 1;
            }
            assert!(envs.cursors().iter().all(|c| c.actions.len() < 7));
        }
        assert_eq!(cut, 30, "standing still, every episode is cut at 7 steps");
        assert!(envs.cursors().iter().all(|c| c.levels_drawn == 11));
    }
}
