//! `Agent`: an actor-critic network in its VarStore on a device, and how it acts: one batched
//! forward pass, then actions sampled on the CPU from our own seeded RNG (so that a resumed
//! run draws exactly the actions an uninterrupted one would). A recurrent agent carries a
//! [`Memory`] per env from step to step, zeroed where an episode ends.

use std::sync::{Mutex, MutexGuard};

use ludica_envs::GameDef;
use rand::RngExt;
use tch::{Device, Kind, Tensor, nn};

use crate::net::{ActorCritic, LstmState, NetSpec};

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

/// What an agent remembers between steps, for each of a batch of envs: nothing for a
/// feed-forward network (the default); the LSTM's state for a recurrent one.
#[derive(Debug, Default)]
pub struct Memory(Option<LstmState>);

impl Memory {
    /// The LSTM state, if the agent is recurrent.
    pub fn lstm(&self) -> Option<&LstmState> {
        self.0.as_ref()
    }

    /// Forgets what the envs whose `ended` flag is set remember (their episodes ended: the
    /// next observation starts a new one).
    pub fn reset(&mut self, ended: &[bool]) {
        if let Some(state) = &mut self.0
            && ended.iter().any(|&e| e)
        {
            let keep: Vec<f32> = ended.iter().map(|&e| if e { 0.0 } else { 1.0 }).collect();
            let keep = Tensor::from_slice(&keep).to_device(state.h.device()).unsqueeze(-1);
            *state = state.masked(&keep);
        }
    }

    /// A copy that later steps cannot change.
    pub fn copy(&self) -> Memory {
        Memory(self.0.as_ref().map(LstmState::copy))
    }

    /// The state as named tensors for a checkpoint (`h` and `c`, `[envs, size]`); none for a
    /// feed-forward agent.
    pub fn tensors(&self) -> Vec<(String, Tensor)> {
        match &self.0 {
            Some(state) => vec![("c".into(), state.c.shallow_clone()), ("h".into(), state.h.shallow_clone())],
            None => Vec::new(),
        }
    }
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
    /// A freshly initialised agent for `game` whose weights are a function of `seed`.
    pub fn seeded(game: &GameDef, spec: &NetSpec, device: Device, seed: u64) -> Agent {
        let _rng = torch_rng();
        tch::manual_seed(seed as i64);
        Agent::build(game, spec, device)
    }

    /// An agent with weights drawn from libtorch's global generator as it stands (to be
    /// overwritten by a checkpoint, or seeded by [`Agent::seeded`]). The draw happens under
    /// the generator's lock, so it cannot disturb a concurrent seeded initialisation.
    pub fn new(game: &GameDef, spec: &NetSpec, device: Device) -> Agent {
        let _rng = torch_rng();
        Agent::build(game, spec, device)
    }

    fn build(game: &GameDef, spec: &NetSpec, device: Device) -> Agent {
        let vs = nn::VarStore::new(device);
        let net = ActorCritic::new(&vs.root(), spec);
        Agent {
            vs,
            net,
            obs_shape: game.obs_shape(spec.obs).iter().map(|&d| d as i64).collect(),
            num_actions: game.actions.len(),
        }
    }

    /// A blank memory for `n` envs (zeros for a recurrent agent, as at an episode's start).
    pub fn memory(&self, n: usize) -> Memory {
        Memory(self.net.lstm_size().map(|size| {
            let zeros = Tensor::zeros([n as i64, size], (Kind::Float, self.device()));
            LstmState { h: zeros.copy(), c: zeros }
        }))
    }

    /// A memory of `n` envs from a checkpoint's tensors (`h` and `c`, as
    /// [`Memory::tensors`] names them); the error says what is wrong with them.
    pub fn memory_from(&self, n: usize, tensors: &[(String, Tensor)]) -> Result<Memory, String> {
        let blank = self.memory(n);
        let wanted: Vec<(String, Vec<i64>)> =
            blank.tensors().iter().map(|(name, t)| (name.clone(), t.size())).collect();
        let mut found: Vec<(String, Vec<i64>)> = tensors.iter().map(|(name, t)| (name.clone(), t.size())).collect();
        found.sort();
        if found != wanted {
            return Err(format!("it holds tensors {found:?}, the run's network needs {wanted:?}"));
        }
        let get = |name: &str| {
            let (_, t) = tensors.iter().find(|(n, _)| n == name).expect("the names were checked");
            t.to_kind(Kind::Float).to_device(self.device())
        };
        Ok(Memory(blank.0.map(|_| LstmState { h: get("h"), c: get("c") })))
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

    /// Logits and values of `n` observations, and the memory after them.
    fn forward(&self, obs: &[u8], n: usize, memory: &Memory) -> (Tensor, Tensor, Memory) {
        let obs = self.obs_tensor(obs, n);
        match &memory.0 {
            None => {
                let (logits, values) = self.net.forward(&obs);
                (logits, values, Memory(None))
            }
            Some(state) => {
                let (logits, values, next) = self.net.step(&obs, state);
                (logits, values, Memory(Some(next)))
            }
        }
    }

    /// Acts on `n` observations, the envs' `memory` carried one step forward: samples from
    /// the policy with `rng`, or takes the most likely action when `greedy`.
    pub fn act(&self, obs: &[u8], n: usize, memory: &mut Memory, rng: &mut ludica_procgen::Rng, greedy: bool) -> Act {
        let _guard = tch::no_grad_guard();
        let (logits, values, next) = self.forward(obs, n, memory);
        *memory = next;
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

    /// Value estimates of `n` observations seen with `memory` (which stays as it is).
    pub fn values(&self, obs: &[u8], n: usize, memory: &Memory) -> Vec<f32> {
        let _guard = tch::no_grad_guard();
        let (_, values, _) = self.forward(obs, n, memory);
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
