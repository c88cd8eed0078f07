//! Rollout storage (`num_steps` x `num_envs` transitions, time-major, on the CPU) and
//! Generalized Advantage Estimation over it.

/// One rollout: what the policy saw, did and got, step by step. Index `t * num_envs + e`.
pub struct Rollout {
    /// Steps per env.
    pub num_steps: usize,
    /// Envs.
    pub num_envs: usize,
    /// Bytes per observation.
    pub obs_len: usize,
    /// Observations, `obs_len` bytes each.
    pub obs: Vec<u8>,
    /// Actions taken.
    pub actions: Vec<i64>,
    /// Log-probability of each action under the policy that took it.
    pub logprobs: Vec<f32>,
    /// Value estimates of each observation.
    pub values: Vec<f32>,
    /// Rewards (after reward normalization, if on).
    pub rewards: Vec<f32>,
    /// Whether the transition ended its episode (terminated or truncated).
    pub ended: Vec<bool>,
}

impl Rollout {
    /// Empty storage for `num_steps` x `num_envs` transitions.
    pub fn new(num_steps: usize, num_envs: usize, obs_len: usize) -> Rollout {
        let n = num_steps * num_envs;
        Rollout {
            num_steps,
            num_envs,
            obs_len,
            obs: vec![0; n * obs_len],
            actions: vec![0; n],
            logprobs: vec![0.0; n],
            values: vec![0.0; n],
            rewards: vec![0.0; n],
            ended: vec![false; n],
        }
    }

    /// Transitions held.
    pub fn len(&self) -> usize {
        self.num_steps * self.num_envs
    }

    /// Whether it holds no transition.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The slice of step `t` (all envs) of a per-transition vector.
    pub fn step_range(&self, t: usize) -> std::ops::Range<usize> {
        t * self.num_envs..(t + 1) * self.num_envs
    }
}

/// Generalized Advantage Estimation (Schulman et al. 2016), time-major `[T, N]` inputs.
///
/// `ended[t]` says transition `t` ended its episode; then nothing is bootstrapped past it
/// (CleanRL's and Procgen's convention, truncations included). `last_values` are the values of
/// the observations after the last step. Returns the advantages; the value targets are
/// `advantages + values`.
pub fn gae(rewards: &[f32], values: &[f32], ended: &[bool], last_values: &[f32], gamma: f32, lambda: f32) -> Vec<f32> {
    let n = last_values.len();
    let steps = rewards.len() / n;
    let mut advantages = vec![0.0; rewards.len()];
    let mut next_advantage = vec![0.0f32; n];
    for t in (0..steps).rev() {
        for e in 0..n {
            let i = t * n + e;
            let next_value = if t + 1 < steps { values[i + n] } else { last_values[e] };
            let not_ended = if ended[i] { 0.0 } else { 1.0 };
            let delta = rewards[i] + gamma * next_value * not_ended - values[i];
            next_advantage[e] = delta + gamma * lambda * not_ended * next_advantage[e];
            advantages[i] = next_advantage[e];
        }
    }
    advantages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-5, "{a:?} != {b:?}");
        }
    }

    #[test]
    fn gae_of_one_env_matches_hand_computation() {
        // gamma 0.9, lambda 0.8, three steps, no episode end, bootstrap value 4.
        // delta2 = 3 + 0.9*4 - 3 = 3.6        A2 = 3.6
        // delta1 = 0 + 0.9*3 - 2 = 0.7        A1 = 0.7 + 0.72*3.6 = 3.292
        // delta0 = 1 + 0.9*2 - 1 = 1.8        A0 = 1.8 + 0.72*3.292 = 4.17024
        let adv = gae(&[1.0, 0.0, 3.0], &[1.0, 2.0, 3.0], &[false; 3], &[4.0], 0.9, 0.8);
        close(&adv, &[4.17024, 3.292, 3.6]);
    }

    #[test]
    fn gae_does_not_bootstrap_across_an_episode_end() {
        // Transition 1 ends the episode: A1 = r1 - V1 = 5 - 2 = 3, and A0 sees only A1.
        // delta2 = 0 + 0.9*4 - 3 = 0.6           A2 = 0.6 (new episode, bootstraps)
        // delta1 = 5 - 2 = 3                     A1 = 3
        // delta0 = 1 + 0.9*2 - 1 = 1.8           A0 = 1.8 + 0.72*3 = 3.96
        let adv = gae(&[1.0, 5.0, 0.0], &[1.0, 2.0, 3.0], &[false, true, false], &[4.0], 0.9, 0.8);
        close(&adv, &[3.96, 3.0, 0.6]);
        // Ending on the last step ignores the bootstrap value entirely.
        let adv = gae(&[1.0], &[0.5], &[true], &[100.0], 0.9, 0.8);
        close(&adv, &[0.5]);
    }

    #[test]
    fn gae_keeps_envs_apart_and_lambda_one_gives_discounted_returns() {
        // Two envs interleaved time-major; lambda = 1 makes A + V the discounted return.
        let rewards = [1.0, 0.0, 1.0, 2.0];
        let values = [0.5, 0.25, 0.0, 1.0];
        let adv = gae(&rewards, &values, &[false; 4], &[10.0, 0.0], 0.5, 1.0);
        // env 0: R1 = 1 + 0.5*10 = 6, R0 = 1 + 0.5*6 = 4; env 1: R1 = 2, R0 = 0 + 0.5*2 = 1.
        let returns: Vec<f32> = adv.iter().zip(values).map(|(a, v)| a + v).collect();
        close(&returns, &[4.0, 1.0, 6.0, 2.0]);
    }
}
