//! The vocabulary of a step, shared by the VecEnv and its shards: when an ended episode
//! restarts (`AutoReset`), what one env reports (`StepInfo`), and the output slices a run of
//! envs writes into (`ShardOut`), which split safely into one disjoint part per shard.

use serde::{Deserialize, Serialize};

/// When an env whose episode ended starts its next one (Gymnasium 1.x `AutoresetMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoReset {
    /// The step after the end returns the new episode's first observation, reward 0 and
    /// ignores its action (Gymnasium's default).
    #[default]
    NextStep,
    /// The ending step already returns the new episode's first observation; the last one of
    /// the ended episode is in `VecEnv::final_obs`.
    SameStep,
}

/// What happened to one env on the last step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct StepInfo {
    /// The level the env is now playing.
    pub level_seed: u64,
    /// An episode ended on this step; the `episode_*` fields describe it.
    pub episode_done: bool,
    /// The level of the ended episode.
    pub episode_level_seed: u64,
    /// Sum of the ended episode's rewards.
    pub episode_return: f32,
    /// Steps of the ended episode.
    pub episode_length: u32,
    /// Whether the ended episode reached its goal.
    pub episode_success: bool,
}

/// Output slices for a run of envs: one shard's part of the buffers, or, given to
/// `VecEnv::step_into`, a caller's buffers spanning all envs.
#[derive(Default)]
pub struct ShardOut<'a> {
    /// Observations, `obs_len` bytes per env.
    pub obs: &'a mut [u8],
    /// Reward of this step.
    pub reward: &'a mut [f32],
    /// Whether the episode ended by success or death.
    pub terminated: &'a mut [bool],
    /// Whether the episode was cut by the time limit.
    pub truncated: &'a mut [bool],
    /// Per-env info.
    pub info: &'a mut [StepInfo],
    /// Same-step auto-reset: the last observation of episodes that ended this step; empty
    /// when nothing may write it (next-step mode, resets).
    pub final_obs: &'a mut [u8],
}

impl<'a> ShardOut<'a> {
    /// The slices of the first `n` envs and those of the rest (observations `obs_len` bytes
    /// each; an empty `final_obs` splits into two empty ones).
    pub fn split_at(self, n: usize, obs_len: usize) -> (ShardOut<'a>, ShardOut<'a>) {
        let (obs, obs_rest) = self.obs.split_at_mut(n * obs_len);
        let (final_obs, final_rest) = if self.final_obs.is_empty() {
            (self.final_obs, <&mut [u8]>::default())
        } else {
            self.final_obs.split_at_mut(n * obs_len)
        };
        let (reward, reward_rest) = self.reward.split_at_mut(n);
        let (terminated, terminated_rest) = self.terminated.split_at_mut(n);
        let (truncated, truncated_rest) = self.truncated.split_at_mut(n);
        let (info, info_rest) = self.info.split_at_mut(n);
        (
            ShardOut { obs, reward, terminated, truncated, info, final_obs },
            ShardOut {
                obs: obs_rest,
                reward: reward_rest,
                terminated: terminated_rest,
                truncated: truncated_rest,
                info: info_rest,
                final_obs: final_rest,
            },
        )
    }
}
