//! `Agent`: an actor-critic network in its VarStore on a device, and how it acts: one batched
//! forward pass, then actions sampled on the CPU from our own seeded RNG (so that a resumed
//! run draws exactly the actions an uninterrupted one would).

use std::sync::{Mutex, MutexGuard};

use ludica_envs::{GameDef, ObsKind};
use rand::RngExt;
use tch::{Device, Kind, Tensor, nn};

use crate::net::{ActorCritic, NetSpec};

/// A network ready to act.
pub struct Agent {
    /// The variables (weights) of the network.
    pub vs: nn::VarStore,
    /// The network.
    pub net: ActorCritic,
    /// Shape of one observation, as the network reads it.
    pub obs_shape: Vec<i64>,
    /// Number of actions.
    pub num_actions: usize,
}

/// What the agent did for a batch of observations.
#[derive(Clone, Debug, Default)]
pub struct Act {
    /// One action per env.
    pub actions: Vec<u8>,
    /// Log-probability of each action.
    pub logprobs: Vec<f32>,
    /// Value estimate of each observation.
    pub values: Vec<f32>,
}

/// libtorch's generator is global: initialising under this lock keeps concurrent seeded
/// initialisations (tests in threads) from drawing from each other's streams.
static TORCH_RNG: Mutex<()> = Mutex::new(());

/// Holds libtorch's global generator for the caller: every draw from it (weight
/// initialisation, seeding) happens under this guard.
pub(crate) fn torch_rng() -> MutexGuard<'static, ()> {
    TORCH_RNG.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Agent {
    /// A freshly initialised agent whose weights are a function of `seed`.
    pub fn seeded(game: &GameDef, obs: ObsKind, hidden: usize, device: Device, seed: u64) -> Agent {
        let _rng = torch_rng();
        tch::manual_seed(seed as i64);
        Agent::build(game, obs, hidden, device)
    }

    /// An agent with weights drawn from libtorch's global generator as it stands (to be
    /// overwritten by a checkpoint, or seeded by [`Agent::seeded`]). The draw happens under
    /// the generator's lock, so it cannot disturb a concurrent seeded initialisation.
    pub fn new(game: &GameDef, obs: ObsKind, hidden: usize, device: Device) -> Agent {
        let _rng = torch_rng();
        Agent::build(game, obs, hidden, device)
    }

    fn build(game: &GameDef, obs: ObsKind, hidden: usize, device: Device) -> Agent {
        let vs = nn::VarStore::new(device);
        let net = ActorCritic::new(&vs.root(), &NetSpec::new(game, obs, hidden));
        Agent {
            vs,
            net,
            obs_shape: game.obs_shape(obs).iter().map(|&d| d as i64).collect(),
            num_actions: game.actions.len(),
        }
    }

    /// The device the network lives on.
    pub fn device(&self) -> Device {
        self.vs.device()
    }

    /// The network's variables sorted by name (a stable order for the optimizer and files).
    pub fn named_variables(&self) -> Vec<(String, Tensor)> {
        let mut vars: Vec<(String, Tensor)> = self.vs.variables().into_iter().collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        vars
    }

    /// `obs` bytes of `n` observations as a `[n, ...]` tensor on the agent's device.
    pub fn obs_tensor(&self, obs: &[u8], n: usize) -> Tensor {
        let shape: Vec<i64> = std::iter::once(n as i64).chain(self.obs_shape.iter().copied()).collect();
        Tensor::from_slice(obs).view(shape.as_slice()).to_device(self.device())
    }

    /// Acts on `n` observations: samples from the policy with `rng`, or takes the most likely
    /// action when `greedy`.
    pub fn act(&self, obs: &[u8], n: usize, rng: &mut ludica_procgen::Rng, greedy: bool) -> Act {
        let _guard = tch::no_grad_guard();
        let (logits, values) = self.net.forward(&self.obs_tensor(obs, n));
        let logp = Vec::<f32>::try_from(logits.log_softmax(-1, Kind::Float).to_device(Device::Cpu).flatten(0, -1))
            .expect("log-probabilities are f32");
        let values = Vec::<f32>::try_from(values.to_device(Device::Cpu)).expect("values are f32");
        let a = self.num_actions;
        let mut act = Act { actions: Vec::with_capacity(n), logprobs: Vec::with_capacity(n), values };
        for row in logp.chunks_exact(a) {
            let action = if greedy { argmax(row) } else { sample(row, rng.random::<f32>()) };
            act.actions.push(action as u8);
            act.logprobs.push(row[action]);
        }
        act
    }

    /// Value estimates of `n` observations.
    pub fn values(&self, obs: &[u8], n: usize) -> Vec<f32> {
        let _guard = tch::no_grad_guard();
        let (_, values) = self.net.forward(&self.obs_tensor(obs, n));
        Vec::<f32>::try_from(values.to_device(Device::Cpu)).expect("values are f32")
    }
}

/// The action whose cumulative probability first exceeds `u` in [0, 1) (inverse-CDF sampling
/// from log-probabilities). Rounding can leave the total just under `u`: then the last action
/// with non-zero probability.
pub fn sample(logprobs: &[f32], u: f32) -> usize {
    let mut cumulative = 0.0;
    let mut last_possible = 0;
    for (i, lp) in logprobs.iter().enumerate() {
        let p = lp.exp();
        if p > 0.0 {
            last_possible = i;
        }
        cumulative += p;
        if u < cumulative {
            return i;
        }
    }
    last_possible
}

fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn inverse_cdf_sampling_picks_by_cumulative_probability() {
        let lp: Vec<f32> = [0.1f32, 0.6, 0.3].iter().map(|p| p.ln()).collect();
        assert_eq!(sample(&lp, 0.05), 0);
        assert_eq!(sample(&lp, 0.15), 1);
        assert_eq!(sample(&lp, 0.69), 1);
        assert_eq!(sample(&lp, 0.71), 2);
        assert_eq!(sample(&lp, 0.999_999_9), 2);
        let impossible_last = [0.0f32, f32::NEG_INFINITY];
        assert_eq!(sample(&impossible_last, 0.999_999_9), 0);
    }

    #[test]
    fn sampled_frequencies_follow_the_policy() {
        let lp: Vec<f32> = [0.2f32, 0.5, 0.3].iter().map(|p| p.ln()).collect();
        let mut rng = rand_pcg::Pcg32::seed_from_u64(1);
        let mut counts = [0usize; 3];
        for _ in 0..20_000 {
            counts[sample(&lp, rng.random::<f32>())] += 1;
        }
        for (c, p) in counts.iter().zip([0.2, 0.5, 0.3]) {
            assert!((*c as f64 / 20_000.0 - p).abs() < 0.015, "{counts:?}");
        }
    }
}
