//! The PPO update (Schulman et al. 2017, as in CleanRL's `ppo_procgen.py`): epochs over
//! shuffled minibatches of one rollout, each step minimising clipped policy loss, clipped
//! value loss and an entropy bonus. A recurrent network's minibatches are whole env
//! sequences, unrolled from the state each env had when the rollout began (CleanRL's
//! `ppo_atari_lstm.py`). The losses are small functions, tested on hand-computed numbers.

use rand::RngExt;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::config::TrainConfig;
use crate::net::{ActorCritic, LstmState};
use crate::optim::Adam;
use crate::policy::Memory;
use crate::rollout::Rollout;

/// Advantages scaled to zero mean and unit (sample) standard deviation.
pub fn normalize_advantages(advantages: &Tensor) -> Tensor {
    (advantages - advantages.mean(Kind::Float)) / (advantages.std(true) + 1e-8)
}

/// PPO's clipped surrogate objective, as a loss to minimise:
/// `mean(max(-A * r, -A * clip(r, 1 - c, 1 + c)))` with ratio `r = exp(new - old)`.
pub fn clipped_policy_loss(new_logprobs: &Tensor, old_logprobs: &Tensor, advantages: &Tensor, clip: f64) -> Tensor {
    let ratio = (new_logprobs - old_logprobs).exp();
    let unclipped = -advantages * &ratio;
    let clipped = -advantages * ratio.clamp(1.0 - clip, 1.0 + clip);
    unclipped.max_other(&clipped).mean(Kind::Float)
}

/// Value loss `0.5 * mean(max((v - R)^2, (v_clipped - R)^2))`, where `v_clipped` keeps the new
/// value within `clip` of the rollout's; with `clip = None`, plain `0.5 * mean((v - R)^2)`.
pub fn value_loss(new_values: &Tensor, old_values: &Tensor, returns: &Tensor, clip: Option<f64>) -> Tensor {
    let unclipped = (new_values - returns).square();
    match clip {
        Some(c) => {
            let clipped_values = old_values + (new_values - old_values).clamp(-c, c);
            let clipped = (clipped_values - returns).square();
            unclipped.max_other(&clipped).mean(Kind::Float) * 0.5
        }
        None => unclipped.mean(Kind::Float) * 0.5,
    }
}

/// Mean entropy of the categorical distributions given by `logits` `[B, A]`.
pub fn entropy(logits: &Tensor) -> Tensor {
    let logp = logits.log_softmax(-1, Kind::Float);
    (-(logp.exp() * logp).sum_dim_intlist(-1, false, Kind::Float)).mean(Kind::Float)
}

/// Log-probabilities `[B]` of `actions` `[B]` (Int64) under `logits` `[B, A]`.
pub fn log_prob(logits: &Tensor, actions: &Tensor) -> Tensor {
    logits.log_softmax(-1, Kind::Float).gather(1, &actions.unsqueeze(1), false).squeeze_dim(1)
}

/// Averages over one update's minibatch steps, as logged in the metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateStats {
    /// Clipped policy loss.
    pub policy_loss: f64,
    /// Value loss.
    pub value_loss: f64,
    /// Policy entropy.
    pub entropy: f64,
    /// KL(old || new) estimate `mean((r - 1) - log r)` (Schulman's k3).
    pub approx_kl: f64,
    /// The older estimate `mean(-log r)`.
    pub old_approx_kl: f64,
    /// Share of samples whose ratio left `[1 - c, 1 + c]`.
    pub clipfrac: f64,
    /// Global gradient norm before clipping.
    pub grad_norm: f64,
    /// `1 - Var(R - V) / Var(R)` over the rollout (`None` if the returns were constant).
    pub explained_variance: Option<f64>,
}

/// The rollout as tensors on the training device, with its advantages and value targets.
pub struct Batch {
    num_envs: usize,
    obs: Tensor,
    actions: Tensor,
    logprobs: Tensor,
    values: Tensor,
    advantages: Tensor,
    returns: Tensor,
    /// A recurrent network's sequences: each env's state when the rollout began, and the
    /// episode ends `[T, N]` (1.0 where a step ended its episode).
    sequences: Option<(LstmState, Tensor)>,
    /// The transitions the update learns from (`None`: all); see [`Batch::learn_only_from`].
    samples: Option<Vec<i64>>,
}

impl Batch {
    /// Moves a rollout and its advantages to `device`; `obs_shape` is one observation's, and
    /// `initial` what the envs remembered when the rollout began.
    pub fn new(rollout: &Rollout, advantages: &[f32], initial: &Memory, obs_shape: &[i64], device: Device) -> Batch {
        let n = rollout.len() as i64;
        let shape: Vec<i64> = std::iter::once(n).chain(obs_shape.iter().copied()).collect();
        let to = |t: Tensor| t.to_device(device);
        let advantages = to(Tensor::from_slice(advantages));
        let values = to(Tensor::from_slice(&rollout.values));
        let sequences = initial.lstm().map(|state| {
            let ended: Vec<f32> = rollout.ended.iter().map(|&e| if e { 1.0 } else { 0.0 }).collect();
            let ended = to(Tensor::from_slice(&ended).view([rollout.num_steps as i64, rollout.num_envs as i64]));
            (state.copy(), ended)
        });
        Batch {
            num_envs: rollout.num_envs,
            obs: to(Tensor::from_slice(&rollout.obs).view(shape.as_slice())),
            actions: to(Tensor::from_slice(&rollout.actions)),
            logprobs: to(Tensor::from_slice(&rollout.logprobs)),
            returns: &advantages + &values,
            values,
            advantages,
            sequences,
            samples: None,
        }
    }

    /// Restricts the update to the transitions `samples` (robust PLR: those on replayed
    /// levels), so that the others' loss counts for nothing. Feed-forward minibatches are
    /// drawn from them alone, as many as usual; a recurrent minibatch still unrolls its envs'
    /// whole sequences (the masked steps carry the LSTM state) but takes its loss over its
    /// learned steps only. A minibatch with fewer than two learned steps takes no step
    /// (advantages are normalized), and with no sample left the update takes none.
    pub fn learn_only_from(&mut self, samples: Vec<i64>) {
        self.samples = Some(samples);
    }

    /// Logits and values of minibatch `mb` under the network as it is now.
    fn outputs(&self, net: &ActorCritic, mb: &Minibatch) -> (Tensor, Tensor) {
        let obs = self.obs.index_select(0, &mb.indices);
        match (&self.sequences, &mb.envs) {
            (Some((initial, ended)), Some(envs)) => {
                net.unroll(&obs, &initial.select(envs), &ended.index_select(1, envs))
            }
            _ => net.forward(&obs),
        }
    }
}

/// One minibatch: transition indices into the batch and, for whole env sequences, the envs
/// (the indices are then those envs' transitions, time-major) and, in a restricted batch,
/// the rows of `indices` that the loss counts.
struct Minibatch {
    indices: Tensor,
    envs: Option<Tensor>,
    learned: Option<Tensor>,
}

/// The minibatches of one epoch, shuffled with `rng`: shuffled transitions (`order` keeps the
/// permutation from epoch to epoch, and holds only the learned ones in a restricted batch),
/// or, for a recurrent batch, the whole sequences of shuffled envs (`env_order`), less those
/// with fewer than two learned steps.
fn epoch_minibatches(
    batch: &Batch,
    num_minibatches: usize,
    order: &mut [i64],
    env_order: &mut [i64],
    rng: &mut ludica_procgen::Rng,
) -> Vec<Minibatch> {
    let device = batch.obs.device();
    if batch.sequences.is_none() {
        // A restricted batch keeps two samples a minibatch at least.
        let count = if batch.samples.is_some() { num_minibatches.min(order.len() / 2) } else { num_minibatches };
        if count == 0 {
            return Vec::new();
        }
        shuffle(order, rng);
        let len = order.len();
        return (0..count)
            .map(|c| Minibatch {
                indices: Tensor::from_slice(&order[c * len / count..(c + 1) * len / count]).to_device(device),
                envs: None,
                learned: None,
            })
            .collect();
    }
    let size = batch.actions.size()[0] as usize;
    let learned: Option<Vec<bool>> = batch.samples.as_ref().map(|samples| {
        let mut learned = vec![false; size];
        samples.iter().for_each(|&s| learned[s as usize] = true);
        learned
    });
    shuffle(env_order, rng);
    let (n, steps) = (batch.num_envs as i64, size as i64 / batch.num_envs as i64);
    env_order
        .chunks(batch.num_envs / num_minibatches)
        .filter_map(|envs| {
            let indices: Vec<i64> = (0..steps).flat_map(|t| envs.iter().map(move |e| t * n + e)).collect();
            let rows = learned.as_ref().map(|learned| {
                (0..indices.len() as i64).filter(|&row| learned[indices[row as usize] as usize]).collect::<Vec<_>>()
            });
            if rows.as_ref().is_some_and(|rows| rows.len() < 2) {
                return None;
            }
            Some(Minibatch {
                indices: Tensor::from_slice(&indices).to_device(device),
                envs: Some(Tensor::from_slice(envs).to_device(device)),
                learned: rows.map(|rows| Tensor::from_slice(&rows).to_device(device)),
            })
        })
        .collect()
}

/// Fraction of the variance of `returns` that `values` explain.
fn explained_variance(values: &Tensor, returns: &Tensor) -> Option<f64> {
    let var_returns = f64::try_from(returns.var(false)).expect("a variance is one number");
    (var_returns > 0.0)
        .then(|| 1.0 - f64::try_from((returns - values).var(false)).expect("a variance is one number") / var_returns)
}

/// One PPO update: `update_epochs` passes over the batch in `num_minibatches` shuffled
/// minibatches (shuffled with `rng`), each an Adam step at learning rate `lr`; over fewer
/// when a restricted batch ([`Batch::learn_only_from`]) holds too few samples for them.
pub fn update(
    net: &ActorCritic,
    adam: &mut Adam,
    batch: &Batch,
    cfg: &TrainConfig,
    lr: f64,
    rng: &mut ludica_procgen::Rng,
) -> UpdateStats {
    update_observed(net, adam, batch, cfg, lr, rng, &mut |_, _, _| {})
}

/// [`update`], showing `observe` each minibatch's epoch (from 0), transition indices and
/// recomputed log-probabilities before its gradient step.
pub(crate) fn update_observed(
    net: &ActorCritic,
    adam: &mut Adam,
    batch: &Batch,
    cfg: &TrainConfig,
    lr: f64,
    rng: &mut ludica_procgen::Rng,
    observe: &mut dyn FnMut(usize, &Tensor, &Tensor),
) -> UpdateStats {
    let size = batch.actions.size()[0];
    let mut sums = UpdateStats::default();
    let mut count = 0.0;
    let mut order: Vec<i64> = match (&batch.samples, &batch.sequences) {
        (Some(samples), None) => samples.clone(),
        _ => (0..size).collect(),
    };
    let mut env_order: Vec<i64> = (0..batch.num_envs as i64).collect();
    for epoch in 0..cfg.update_epochs {
        for mb in epoch_minibatches(batch, cfg.num_minibatches, &mut order, &mut env_order, rng) {
            let (logits, new_values) = batch.outputs(net, &mb);
            // A recurrent minibatch in a restricted batch: the loss over its learned steps.
            let (idx, logits, new_values) = match &mb.learned {
                Some(rows) => {
                    (mb.indices.index_select(0, rows), logits.index_select(0, rows), new_values.index_select(0, rows))
                }
                None => (mb.indices.shallow_clone(), logits, new_values),
            };
            let idx = &idx;
            let new_logprobs = log_prob(&logits, &batch.actions.index_select(0, idx));
            observe(epoch, idx, &new_logprobs);
            let old_logprobs = batch.logprobs.index_select(0, idx);
            let mut advantages = batch.advantages.index_select(0, idx);
            if cfg.norm_adv {
                advantages = normalize_advantages(&advantages);
            }

            let pg_loss = clipped_policy_loss(&new_logprobs, &old_logprobs, &advantages, cfg.clip_coef);
            let v_loss = value_loss(
                &new_values,
                &batch.values.index_select(0, idx),
                &batch.returns.index_select(0, idx),
                cfg.clip_vloss.then_some(cfg.clip_coef),
            );
            let entropy_bonus = entropy(&logits);
            let loss = &pg_loss - cfg.ent_coef * &entropy_bonus + cfg.vf_coef * &v_loss;

            adam.zero_grad();
            loss.backward();
            let grad_norm = adam.clip_grad_norm(cfg.max_grad_norm);
            adam.step(lr);

            let _guard = tch::no_grad_guard();
            let log_ratio = &new_logprobs - &old_logprobs;
            let ratio = log_ratio.exp();
            let scalar = |t: Tensor| f64::try_from(t).expect("a statistic is one number");
            sums.policy_loss += scalar(pg_loss.detach());
            sums.value_loss += scalar(v_loss.detach());
            sums.entropy += scalar(entropy_bonus.detach());
            sums.old_approx_kl += scalar((-&log_ratio).mean(Kind::Float));
            sums.approx_kl += scalar(((&ratio - 1.0) - &log_ratio).mean(Kind::Float));
            sums.clipfrac += scalar((&ratio - 1.0).abs().gt(cfg.clip_coef).to_kind(Kind::Float).mean(Kind::Float));
            sums.grad_norm += grad_norm;
            count += 1.0;
        }
    }
    let explained_variance = explained_variance(&batch.values, &batch.returns);
    if count == 0.0 {
        return UpdateStats { explained_variance, ..sums };
    }
    UpdateStats {
        policy_loss: sums.policy_loss / count,
        value_loss: sums.value_loss / count,
        entropy: sums.entropy / count,
        approx_kl: sums.approx_kl / count,
        old_approx_kl: sums.old_approx_kl / count,
        clipfrac: sums.clipfrac / count,
        grad_norm: sums.grad_norm / count,
        explained_variance,
    }
}

/// Fisher-Yates shuffle from our own seeded RNG (so a resumed run draws the same minibatches).
fn shuffle(order: &mut [i64], rng: &mut ludica_procgen::Rng) {
    for i in (1..order.len()).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f32]) -> Tensor {
        Tensor::from_slice(v)
    }

    fn value(t: Tensor) -> f64 {
        f64::try_from(t).unwrap()
    }

    #[test]
    fn policy_loss_clips_the_ratio_by_the_advantage_sign() {
        // ratios e^0.5 = 1.6487 (A = +1: clipped to 1.2) and e^-0.5 = 0.6065 (A = -2: clipped to
        // 0.8, and max(-A r, -A clip(r)) = max(1.2131, 1.6) = 1.6). Loss = (-1.2 + 1.6) / 2 = 0.2.
        let loss = clipped_policy_loss(&t(&[0.5, -0.5]), &t(&[0.0, 0.0]), &t(&[1.0, -2.0]), 0.2);
        assert!((value(loss) - 0.2).abs() < 1e-5);
        // Inside the clip range the loss is the plain surrogate: r = e^0.1 = 1.10517, A = 3.
        let loss = clipped_policy_loss(&t(&[0.1]), &t(&[0.0]), &t(&[3.0]), 0.2);
        assert!((value(loss) + 3.0 * 1.105_171).abs() < 1e-5);
        // Pessimism: a ratio below 1 - c with a positive advantage is not clipped (min of gains).
        let loss = clipped_policy_loss(&t(&[-1.0]), &t(&[0.0]), &t(&[1.0]), 0.2);
        assert!((value(loss) + 0.367_879).abs() < 1e-5);
    }

    #[test]
    fn value_loss_takes_the_worse_of_clipped_and_unclipped() {
        // new 2.0, old 1.0, target 3.0, clip 0.2: unclipped (2-3)^2 = 1, clipped 1.2 -> (1.2-3)^2
        // = 3.24; max = 3.24. new 0.5, old 1.0, target 0.0: 0.25 vs 0.8^2 = 0.64; max 0.64.
        // Loss = 0.5 * (3.24 + 0.64) / 2 = 0.97.
        let loss = value_loss(&t(&[2.0, 0.5]), &t(&[1.0, 1.0]), &t(&[3.0, 0.0]), Some(0.2));
        assert!((value(loss) - 0.97).abs() < 1e-5);
        let loss = value_loss(&t(&[2.0, 0.5]), &t(&[1.0, 1.0]), &t(&[3.0, 0.0]), None);
        assert!((value(loss) - 0.5 * (1.0 + 0.25) / 2.0).abs() < 1e-6);
    }

    #[test]
    fn entropy_and_log_prob_of_known_distributions() {
        // Uniform over 4 actions: entropy ln 4; probabilities (0.5, 0.25, 0.25): 1.5 ln 2.
        let uniform = Tensor::zeros([1, 4], (Kind::Float, Device::Cpu));
        assert!((value(entropy(&uniform)) - 4f64.ln()).abs() < 1e-6);
        let skewed = t(&[0.5f32.ln(), 0.25f32.ln(), 0.25f32.ln()]).view([1, 3]);
        assert!((value(entropy(&skewed)) - 1.5 * 2f64.ln()).abs() < 1e-6);
        let lp = log_prob(&skewed, &Tensor::from_slice(&[1i64]));
        assert!((value(lp) - 0.25f64.ln()).abs() < 1e-6);
    }

    #[test]
    fn advantage_normalization_uses_the_sample_std() {
        // [1, 2, 3]: mean 2, sample std 1 -> [-1, 0, 1].
        let n = Vec::<f32>::try_from(normalize_advantages(&t(&[1.0, 2.0, 3.0]))).unwrap();
        for (a, b) in n.iter().zip([-1.0, 0.0, 1.0]) {
            assert!((a - b).abs() < 1e-6, "{n:?}");
        }
    }

    #[test]
    fn explained_variance_is_one_for_perfect_values_and_zero_for_a_constant() {
        let r = t(&[1.0, 2.0, 3.0, 4.0]);
        assert!((explained_variance(&r, &r).unwrap() - 1.0).abs() < 1e-9);
        assert!(explained_variance(&t(&[2.5; 4]), &r).unwrap().abs() < 1e-6);
        assert_eq!(explained_variance(&r, &t(&[3.0; 4])), None, "constant returns");
    }
}
