//! Reward normalization as in Gymnasium's `NormalizeReward` (used by CleanRL's Procgen PPO):
//! rewards are divided by a running estimate of the standard deviation of each env's
//! discounted return, then clipped to [-10, 10].

use serde::{Deserialize, Serialize};

/// Running mean and variance of a stream of numbers (Chan et al.'s parallel update).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunningMeanStd {
    /// Mean so far.
    pub mean: f64,
    /// Variance so far.
    pub var: f64,
    /// Weight of what was seen so far (starts at 1e-4, as in Gymnasium).
    pub count: f64,
}

impl Default for RunningMeanStd {
    fn default() -> Self {
        RunningMeanStd { mean: 0.0, var: 1.0, count: 1e-4 }
    }
}

impl RunningMeanStd {
    /// Folds a batch of values in.
    pub fn update(&mut self, batch: &[f64]) {
        let n = batch.len() as f64;
        if n == 0.0 {
            return;
        }
        let batch_mean = batch.iter().sum::<f64>() / n;
        let batch_var = batch.iter().map(|x| (x - batch_mean).powi(2)).sum::<f64>() / n;
        let delta = batch_mean - self.mean;
        let total = self.count + n;
        let m2 = self.var * self.count + batch_var * n + delta * delta * self.count * n / total;
        self.mean += delta * n / total;
        self.var = m2 / total;
        self.count = total;
    }
}

/// Largest magnitude of a normalized reward.
const CLIP: f32 = 10.0;
/// Keeps the division finite before any variance is seen.
const EPSILON: f64 = 1e-8;

/// Scales each step's rewards by the running std of the discounted returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RewardNormalizer {
    gamma: f64,
    returns: Vec<f64>,
    stats: RunningMeanStd,
}

impl RewardNormalizer {
    /// A normalizer for `num_envs` envs discounting with `gamma`.
    pub fn new(num_envs: usize, gamma: f64) -> RewardNormalizer {
        RewardNormalizer { gamma, returns: vec![0.0; num_envs], stats: RunningMeanStd::default() }
    }

    /// Normalizes one step's `rewards` in place; `ended` says which envs' episodes ended on it.
    pub fn normalize(&mut self, rewards: &mut [f32], ended: &[bool]) {
        for (ret, r) in self.returns.iter_mut().zip(rewards.iter()) {
            *ret = *ret * self.gamma + *r as f64;
        }
        self.stats.update(&self.returns);
        let scale = (self.stats.var + EPSILON).sqrt();
        for r in rewards.iter_mut() {
            *r = ((*r as f64 / scale) as f32).clamp(-CLIP, CLIP);
        }
        for (ret, &done) in self.returns.iter_mut().zip(ended) {
            if done {
                *ret = 0.0;
            }
        }
    }

    /// Checks saved statistics: one return per env, `gamma` as configured, finite values, a
    /// variance of at least 0 and a positive count. The error names the bad field.
    pub fn check(&self, num_envs: usize, gamma: f64) -> Result<(), String> {
        if self.returns.len() != num_envs {
            return Err(format!("returns holds {} values for num_envs = {num_envs}", self.returns.len()));
        }
        if self.gamma != gamma {
            return Err(format!("gamma = {} is not the config's {gamma}", self.gamma));
        }
        if let Some(r) = self.returns.iter().find(|r| !r.is_finite()) {
            return Err(format!("returns holds {r}: returns are finite"));
        }
        let RunningMeanStd { mean, var, count } = self.stats;
        if !(mean.is_finite() && var.is_finite() && var >= 0.0 && count.is_finite() && count > 0.0) {
            return Err(format!(
                "stats mean = {mean}, var = {var}, count = {count}: need finite values, var >= 0, count > 0"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_stats_match_the_whole_sample() {
        let mut rms = RunningMeanStd { mean: 0.0, var: 0.0, count: 0.0 };
        rms.update(&[1.0, 2.0]);
        rms.update(&[3.0, 4.0, 5.0]);
        assert!((rms.mean - 3.0).abs() < 1e-12);
        assert!((rms.var - 2.0).abs() < 1e-12, "population variance of 1..=5 is 2, got {}", rms.var);
    }

    #[test]
    fn rewards_are_divided_by_the_return_std_and_returns_reset_on_done() {
        let mut norm = RewardNormalizer::new(2, 0.5);
        let mut r = [2.0, 0.0];
        norm.normalize(&mut r, &[false, true]);
        // returns [2, 0] -> stats from the prior (mean 0, var 1, count 1e-4) and the batch
        // (mean 1, var 1): var = (1e-4 + 2 + 1 * 1e-4 * 2 / 2.0001) / 2.0001.
        let var: f64 = (1e-4 + 2.0 + 1e-4 * 2.0 / 2.0001) / 2.0001;
        assert!((r[0] as f64 - 2.0 / (var + 1e-8).sqrt()).abs() < 1e-5, "{r:?}");
        assert_eq!(r[1], 0.0);
        assert_eq!(norm.returns, vec![2.0, 0.0], "env 1 ended: its return restarts");
        let mut r = [1.0, 1.0];
        norm.normalize(&mut r, &[false, false]);
        assert_eq!(norm.returns, vec![2.0, 1.0], "2 * 0.5 + 1 and 0 * 0.5 + 1");
    }

    #[test]
    fn normalized_rewards_are_clipped() {
        let mut norm = RewardNormalizer::new(1, 0.0);
        norm.stats = RunningMeanStd { mean: 0.0, var: 1e-6, count: 1e9 };
        let mut r = [5.0];
        norm.normalize(&mut r, &[false]);
        assert_eq!(r, [10.0]);
    }
}
