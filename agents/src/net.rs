//! The actor-critic networks: the IMPALA-CNN of the Procgen paper for rgb observations and an
//! MLP over embedded symbol ids for symbolic ones, optionally followed by an LSTM core
//! (`--network lstm`), then a policy head (action logits) and a value head. All read raw
//! observation bytes.

use std::fmt;

use ludica_envs::{GameDef, ObsKind};
use serde::{Deserialize, Serialize};
use tch::nn::{self, Module};
use tch::{Kind, Tensor};

/// Whether the network remembers: the encoder feeds the heads directly, or through an LSTM.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// The encoder's features go straight to the policy and value heads.
    #[default]
    Feedforward,
    /// An LSTM core between the encoder and the heads, carried across steps per env.
    Lstm,
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Network::Feedforward => "feedforward",
            Network::Lstm => "lstm",
        })
    }
}

/// What a network needs to know about observations and actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetSpec {
    /// Observation kind.
    pub obs: ObsKind,
    /// Side of the symbolic grid (symbolic only).
    pub grid_side: usize,
    /// Scalars after the symbolic grid.
    pub num_scalars: usize,
    /// Number of discrete actions.
    pub num_actions: usize,
    /// Hidden width.
    pub hidden: usize,
    /// Units of the LSTM core, if the network has one.
    pub lstm: Option<usize>,
}

impl NetSpec {
    /// The feed-forward spec for `game` observed as `obs`.
    pub fn new(game: &GameDef, obs: ObsKind, hidden: usize) -> NetSpec {
        NetSpec {
            obs,
            grid_side: game.view.grid_side(),
            num_scalars: game.scalars.len(),
            num_actions: game.actions.len(),
            hidden,
            lstm: None,
        }
    }

    /// Width of the features the heads read: the LSTM's, or the encoder's.
    fn head_inputs(&self) -> usize {
        self.lstm.unwrap_or(self.hidden)
    }

    /// Number of trainable parameters of the network this spec builds (for memory estimates).
    pub fn parameter_count(&self) -> u64 {
        let h = self.hidden as u64;
        let trunk = match self.obs {
            ObsKind::Rgb => {
                let (mut inputs, mut side, mut convs) = (3u64, 64u64, 0u64);
                for depth in IMPALA_DEPTHS.map(|d| d as u64) {
                    // One conv from the inputs, then two residual blocks of two convs (3x3).
                    convs += 9 * depth * (inputs + 4 * depth) + 5 * depth;
                    inputs = depth;
                    side = side.div_ceil(2);
                }
                convs + (inputs * side * side + 1) * h
            }
            ObsKind::Symbolic => {
                let inputs = (self.grid_side * self.grid_side) as u64 * EMBEDDING_DIM as u64 + self.num_scalars as u64;
                256 * EMBEDDING_DIM as u64 + (inputs + 1) * h + (h + 1) * h
            }
        };
        // An LSTM: input and recurrent weights of four gates, each gate with two biases.
        let core = self.lstm.map_or(0, |l| 4 * l as u64 * (h + l as u64 + 2));
        trunk + core + (self.head_inputs() as u64 + 1) * (self.num_actions as u64 + 1)
    }
}

/// Symbol ids are bytes; each gets a learned vector of this many numbers.
const EMBEDDING_DIM: i64 = 8;
/// Channels of the IMPALA-CNN's three stages.
const IMPALA_DEPTHS: [i64; 3] = [16, 32, 32];

/// An actor-critic network: a trunk, an optional LSTM core, then a policy head and a value
/// head.
#[derive(Debug)]
pub struct ActorCritic {
    trunk: Trunk,
    core: Option<LstmCore>,
    actor: nn::Linear,
    critic: nn::Linear,
}

/// The LSTM's hidden and cell vectors of a batch of envs, `[B, size]` each.
#[derive(Debug)]
pub struct LstmState {
    /// Hidden vectors (the core's output).
    pub h: Tensor,
    /// Cell vectors.
    pub c: Tensor,
}

impl LstmState {
    /// A deep copy.
    pub fn copy(&self) -> LstmState {
        LstmState { h: self.h.copy(), c: self.c.copy() }
    }

    /// The rows of envs `envs` (an Int64 index tensor).
    pub fn select(&self, envs: &Tensor) -> LstmState {
        LstmState { h: self.h.index_select(0, envs), c: self.c.index_select(0, envs) }
    }

    /// The state with each env's row multiplied by `keep` `[B, 1]` (1 keeps it, 0 zeroes it).
    pub fn masked(&self, keep: &Tensor) -> LstmState {
        LstmState { h: &self.h * keep, c: &self.c * keep }
    }
}

/// An LSTM cell (Hochreiter and Schmidhuber 1997) stepped one observation at a time, with
/// orthogonal weights (gain 1) and zero biases as in CleanRL's `ppo_atari_lstm.py`.
#[derive(Debug)]
struct LstmCore {
    size: i64,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor,
    b_hh: Tensor,
}

impl LstmCore {
    fn new(vs: &nn::Path, inputs: i64, size: i64) -> LstmCore {
        let orthogonal = nn::Init::Orthogonal { gain: 1.0 };
        LstmCore {
            size,
            w_ih: vs.var("w_ih", &[4 * size, inputs], orthogonal),
            w_hh: vs.var("w_hh", &[4 * size, size], orthogonal),
            b_ih: vs.var("b_ih", &[4 * size], nn::Init::Const(0.0)),
            b_hh: vs.var("b_hh", &[4 * size], nn::Init::Const(0.0)),
        }
    }

    fn step(&self, x: &Tensor, state: &LstmState) -> LstmState {
        let (h, c) = x.lstm_cell(&[&state.h, &state.c], &self.w_ih, &self.w_hh, Some(&self.b_ih), Some(&self.b_hh));
        LstmState { h, c }
    }
}

#[derive(Debug)]
enum Trunk {
    Impala(ImpalaCnn),
    Mlp(SymbolicMlp),
}

/// A linear layer initialised as CleanRL's `layer_init`: orthogonal weights, zero bias.
fn linear_init(vs: nn::Path, inputs: i64, outputs: i64, gain: f64) -> nn::Linear {
    let config =
        nn::LinearConfig { ws_init: nn::Init::Orthogonal { gain }, bs_init: Some(nn::Init::Const(0.0)), bias: true };
    nn::linear(vs, inputs, outputs, config)
}

impl ActorCritic {
    /// A fresh network under `vs` (initialised from libtorch's RNG: seed it first).
    pub fn new(vs: &nn::Path, spec: &NetSpec) -> ActorCritic {
        let trunk = match spec.obs {
            ObsKind::Rgb => Trunk::Impala(ImpalaCnn::new(&(vs / "impala"), spec.hidden as i64)),
            ObsKind::Symbolic => Trunk::Mlp(SymbolicMlp::new(&(vs / "mlp"), spec)),
        };
        let core = spec.lstm.map(|size| LstmCore::new(&(vs / "lstm"), spec.hidden as i64, size as i64));
        let h = spec.head_inputs() as i64;
        ActorCritic {
            trunk,
            core,
            actor: linear_init(vs / "actor", h, spec.num_actions as i64, 0.01),
            critic: linear_init(vs / "critic", h, 1, 1.0),
        }
    }

    /// Units of the LSTM core, if the network has one.
    pub fn lstm_size(&self) -> Option<i64> {
        self.core.as_ref().map(|core| core.size)
    }

    /// The encoder's features `[B, hidden]` of a batch of raw observations (`u8`, `[B, ...]`).
    fn encode(&self, obs: &Tensor) -> Tensor {
        match &self.trunk {
            Trunk::Impala(net) => net.forward(obs),
            Trunk::Mlp(net) => net.forward(obs),
        }
    }

    /// Action logits `[B, A]` and values `[B]` of the heads' input features.
    fn heads(&self, features: &Tensor) -> (Tensor, Tensor) {
        (self.actor.forward(features), self.critic.forward(features).squeeze_dim(-1))
    }

    fn core(&self) -> &LstmCore {
        self.core.as_ref().expect("only a network with an LSTM core carries a recurrent state")
    }

    /// Action logits `[B, A]` and values `[B]` of a batch of raw observations (`u8`, `[B, ...]`),
    /// for a feed-forward network.
    pub fn forward(&self, obs: &Tensor) -> (Tensor, Tensor) {
        self.heads(&self.encode(obs))
    }

    /// One step of a recurrent network: logits and values of a batch of observations, each
    /// env's core fed from `state`, and the state after it.
    pub fn step(&self, obs: &Tensor, state: &LstmState) -> (Tensor, Tensor, LstmState) {
        let next = self.core().step(&self.encode(obs), state);
        let (logits, values) = self.heads(&next.h);
        (logits, values, next)
    }

    /// A recurrent network over whole sequences, as the rollout ran it: `obs` is `[T * B, ...]`
    /// time-major, `initial` the state of the `B` envs before step 0, and `ended` `[T, B]`
    /// (1.0 where the step ended its env's episode; the state is zeroed after it, as the
    /// rollout did). Logits `[T * B, A]` and values `[T * B]`, time-major.
    pub fn unroll(&self, obs: &Tensor, initial: &LstmState, ended: &Tensor) -> (Tensor, Tensor) {
        let core = self.core();
        let features = self.encode(obs);
        let (steps, envs) = (ended.size()[0], ended.size()[1]);
        let keep = (ended.ones_like() - ended).unsqueeze(-1);
        let mut state: Option<LstmState> = None;
        let mut outputs = Vec::with_capacity(steps as usize);
        for t in 0..steps {
            let next = core.step(&features.narrow(0, t * envs, envs), state.as_ref().unwrap_or(initial));
            outputs.push(next.h.shallow_clone());
            state = Some(next.masked(&keep.get(t)));
        }
        self.heads(&Tensor::cat(&outputs, 0))
    }
}

/// One residual block: `x + conv(relu(conv(relu(x))))`.
#[derive(Debug)]
struct ResidualBlock {
    conv0: nn::Conv2D,
    conv1: nn::Conv2D,
}

fn conv3x3(vs: nn::Path, inputs: i64, outputs: i64) -> nn::Conv2D {
    nn::conv2d(vs, inputs, outputs, 3, nn::ConvConfig { padding: 1, ..Default::default() })
}

impl ResidualBlock {
    fn new(vs: &nn::Path, channels: i64) -> ResidualBlock {
        ResidualBlock {
            conv0: conv3x3(vs / "conv0", channels, channels),
            conv1: conv3x3(vs / "conv1", channels, channels),
        }
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        x + x.relu().apply(&self.conv0).relu().apply(&self.conv1)
    }
}

/// One IMPALA stage: conv, 3x3 max-pool with stride 2, two residual blocks.
#[derive(Debug)]
struct ConvSequence {
    conv: nn::Conv2D,
    res0: ResidualBlock,
    res1: ResidualBlock,
}

impl ConvSequence {
    fn new(vs: &nn::Path, inputs: i64, outputs: i64) -> ConvSequence {
        ConvSequence {
            conv: conv3x3(vs / "conv", inputs, outputs),
            res0: ResidualBlock::new(&(vs / "res0"), outputs),
            res1: ResidualBlock::new(&(vs / "res1"), outputs),
        }
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        let x = x.apply(&self.conv).max_pool2d([3, 3], [2, 2], [1, 1], [1, 1], false);
        self.res1.forward(&self.res0.forward(&x))
    }
}

/// The IMPALA-CNN (Espeholt et al. 2018) as used in the Procgen paper: stages of depth 16, 32,
/// 32 on the 64 x 64 x 3 picture, then a 256-unit dense layer.
#[derive(Debug)]
struct ImpalaCnn {
    stages: Vec<ConvSequence>,
    dense: nn::Linear,
}

impl ImpalaCnn {
    fn new(vs: &nn::Path, hidden: i64) -> ImpalaCnn {
        let mut inputs = 3;
        let mut side = 64;
        let mut stages = Vec::new();
        for (i, depth) in IMPALA_DEPTHS.into_iter().enumerate() {
            stages.push(ConvSequence::new(&(vs / format!("stage{i}")), inputs, depth));
            inputs = depth;
            side = (side + 1) / 2;
        }
        let dense = nn::linear(vs / "dense", inputs * side * side, hidden, Default::default());
        ImpalaCnn { stages, dense }
    }

    /// `[B, 64, 64, 3]` bytes (HWC) to `[B, hidden]`.
    fn forward(&self, obs: &Tensor) -> Tensor {
        let mut x = obs.permute([0, 3, 1, 2]).to_kind(Kind::Float) / 255.0;
        for stage in &self.stages {
            x = stage.forward(&x);
        }
        x.flatten(1, -1).relu().apply(&self.dense).relu()
    }
}

/// An MLP over symbolic observations: every grid cell's id is embedded (ids are names, not
/// magnitudes), the scalar bytes are scaled to [0, 1], then two dense layers.
#[derive(Debug)]
struct SymbolicMlp {
    cells: i64,
    embedding: nn::Embedding,
    dense0: nn::Linear,
    dense1: nn::Linear,
}

impl SymbolicMlp {
    fn new(vs: &nn::Path, spec: &NetSpec) -> SymbolicMlp {
        let cells = (spec.grid_side * spec.grid_side) as i64;
        let inputs = cells * EMBEDDING_DIM + spec.num_scalars as i64;
        let h = spec.hidden as i64;
        let gain = 2f64.sqrt();
        SymbolicMlp {
            cells,
            embedding: nn::embedding(vs / "embedding", 256, EMBEDDING_DIM, Default::default()),
            dense0: linear_init(vs / "dense0", inputs, h, gain),
            dense1: linear_init(vs / "dense1", h, h, gain),
        }
    }

    /// `[B, cells + scalars]` bytes to `[B, hidden]`.
    fn forward(&self, obs: &Tensor) -> Tensor {
        let grid = obs.narrow(1, 0, self.cells).to_kind(Kind::Int64).apply(&self.embedding).flatten(1, -1);
        let scalars = obs.narrow(1, self.cells, obs.size()[1] - self.cells).to_kind(Kind::Float) / 255.0;
        Tensor::cat(&[grid, scalars], 1).apply(&self.dense0).relu().apply(&self.dense1).relu()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    #[test]
    fn both_networks_give_logits_and_values_of_the_right_shape_for_every_game() {
        for (game, obs) in ludica_envs::games::GAMES.iter().flat_map(|g| [(*g, ObsKind::Rgb), (*g, ObsKind::Symbolic)])
        {
            let vs = nn::VarStore::new(Device::Cpu);
            let spec = NetSpec::new(game, obs, 32);
            let net = {
                let _rng = crate::policy::torch_rng();
                ActorCritic::new(&vs.root(), &spec)
            };
            let len = game.obs_len(obs) as i64;
            let shape: Vec<i64> = game.obs_shape(obs).iter().map(|&d| d as i64).collect();
            let batch =
                Tensor::zeros([3, len], (Kind::Uint8, Device::Cpu)).view([&[3i64][..], &shape[..]].concat().as_slice());
            let (logits, values) = net.forward(&batch);
            assert_eq!(logits.size(), vec![3, game.actions.len() as i64]);
            assert_eq!(values.size(), vec![3]);
            let params: i64 = vs.trainable_variables().iter().map(|t| t.numel() as i64).sum();
            assert_eq!(spec.parameter_count(), params as u64, "{} {obs}", game.name);
        }
    }

    #[test]
    fn the_lstm_core_carries_a_state_and_unrolls_as_it_steps() {
        for obs in [ObsKind::Symbolic, ObsKind::Rgb] {
            let game = ludica_envs::games::find("maze").unwrap();
            let vs = nn::VarStore::new(Device::Cpu);
            let spec = NetSpec { lstm: Some(12), ..NetSpec::new(game, obs, 16) };
            let net = {
                let _rng = crate::policy::torch_rng();
                tch::manual_seed(3);
                ActorCritic::new(&vs.root(), &spec)
            };
            let params: i64 = vs.trainable_variables().iter().map(|t| t.numel() as i64).sum();
            assert_eq!(spec.parameter_count(), params as u64, "{obs}");
            assert_eq!(vs.variables()["lstm.w_hh"].size(), vec![48, 12]);
            assert_eq!(vs.variables()["actor.weight"].size(), vec![game.actions.len() as i64, 12]);

            // Three steps of two envs on random observations; env 1's episode ends at step 0.
            let shape: Vec<i64> = game.obs_shape(obs).iter().map(|&d| d as i64).collect();
            let obs_batch =
                Tensor::randint(256, [&[6i64][..], &shape[..]].concat().as_slice(), (Kind::Uint8, Device::Cpu));
            let ended = Tensor::from_slice(&[0.0f32, 1.0, 0.0, 0.0, 0.0, 0.0]).view([3, 2]);
            let initial = LstmState {
                h: Tensor::randn([2, 12], (Kind::Float, Device::Cpu)),
                c: Tensor::randn([2, 12], (Kind::Float, Device::Cpu)),
            };
            let _guard = tch::no_grad_guard();
            let mut state = initial.copy();
            let mut stepped = Vec::new();
            for t in 0..3 {
                let (logits, _, next) = net.step(&obs_batch.narrow(0, 2 * t, 2), &state);
                stepped.push(logits);
                state = next.masked(&(ended.get(t).ones_like() - ended.get(t)).unsqueeze(-1));
            }
            let (unrolled, values) = net.unroll(&obs_batch, &initial, &ended);
            assert_eq!(values.size(), vec![6]);
            let diff = f64::try_from((unrolled - Tensor::cat(&stepped, 0)).abs().max()).unwrap();
            assert!(diff < 1e-6, "{obs}: {diff}");
            // The reset matters: env 1 at step 1 from a zero state, not from its own past.
            assert!(f64::try_from(state.h.get(1).abs().sum(Kind::Float)).unwrap() > 0.0);
            let (from_zero, _, _) = net.step(
                &obs_batch.narrow(0, 3, 1),
                &LstmState {
                    h: Tensor::zeros([1, 12], (Kind::Float, Device::Cpu)),
                    c: Tensor::zeros([1, 12], (Kind::Float, Device::Cpu)),
                },
            );
            let diff = f64::try_from((from_zero - stepped[1].narrow(0, 1, 1)).abs().max()).unwrap();
            assert!(diff < 1e-6, "{obs}: {diff}");
        }
    }

    #[test]
    fn the_impala_cnn_has_the_papers_shape() {
        let vs = nn::VarStore::new(Device::Cpu);
        let game = ludica_envs::games::find("maze").unwrap();
        let _net = {
            let _rng = crate::policy::torch_rng();
            ActorCritic::new(&vs.root(), &NetSpec::new(game, ObsKind::Rgb, 256))
        };
        let vars = vs.variables();
        assert_eq!(vars["impala.stage0.conv.weight"].size(), vec![16, 3, 3, 3]);
        assert_eq!(vars["impala.stage2.res1.conv1.weight"].size(), vec![32, 32, 3, 3]);
        assert_eq!(vars["impala.dense.weight"].size(), vec![256, 32 * 8 * 8]);
    }
}
