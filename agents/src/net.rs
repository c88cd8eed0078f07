//! The actor-critic networks: the IMPALA-CNN of the Procgen paper for rgb observations and an
//! MLP over embedded symbol ids for symbolic ones, each topped by a policy head (action
//! logits) and a value head. Both read raw observation bytes.

use ludica_envs::{GameDef, ObsKind};
use tch::nn::{self, Module};
use tch::{Kind, Tensor};

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
}

impl NetSpec {
    /// The spec for `game` observed as `obs`.
    pub fn new(game: &GameDef, obs: ObsKind, hidden: usize) -> NetSpec {
        NetSpec {
            obs,
            grid_side: game.view.grid_side(),
            num_scalars: game.scalars.len(),
            num_actions: game.actions.len(),
            hidden,
        }
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
        trunk + (h + 1) * (self.num_actions as u64 + 1)
    }
}

/// Symbol ids are bytes; each gets a learned vector of this many numbers.
const EMBEDDING_DIM: i64 = 8;
/// Channels of the IMPALA-CNN's three stages.
const IMPALA_DEPTHS: [i64; 3] = [16, 32, 32];

/// An actor-critic network: a trunk, then a policy head and a value head.
#[derive(Debug)]
pub struct ActorCritic {
    trunk: Trunk,
    actor: nn::Linear,
    critic: nn::Linear,
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
        let h = spec.hidden as i64;
        ActorCritic {
            trunk,
            actor: linear_init(vs / "actor", h, spec.num_actions as i64, 0.01),
            critic: linear_init(vs / "critic", h, 1, 1.0),
        }
    }

    /// Action logits `[B, A]` and values `[B]` of a batch of raw observations (`u8`, `[B, ...]`).
    pub fn forward(&self, obs: &Tensor) -> (Tensor, Tensor) {
        let hidden = match &self.trunk {
            Trunk::Impala(net) => net.forward(obs),
            Trunk::Mlp(net) => net.forward(obs),
        };
        (self.actor.forward(&hidden), self.critic.forward(&hidden).squeeze_dim(-1))
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
