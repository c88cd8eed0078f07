//! Adam with global gradient-norm clipping, written out so that its state (the step count and
//! both moment estimates) can be saved in checkpoints and restored exactly. The maths is
//! libtorch's `torch::optim::Adam` (checked against tch's optimizer in the tests).

use tch::{Kind, Tensor};

/// Adam over a fixed, ordered list of parameters.
pub struct Adam {
    params: Vec<(String, Tensor)>,
    exp_avg: Vec<Tensor>,
    exp_avg_sq: Vec<Tensor>,
    /// Steps taken.
    pub step: u64,
    beta1: f64,
    beta2: f64,
    eps: f64,
}

impl Adam {
    /// Adam over `params` (name, tensor) with betas (0.9, 0.999) and `eps`.
    pub fn new(params: Vec<(String, Tensor)>, eps: f64) -> Adam {
        let zeros = |p: &Tensor| p.zeros_like();
        Adam {
            exp_avg: params.iter().map(|(_, p)| zeros(p)).collect(),
            exp_avg_sq: params.iter().map(|(_, p)| zeros(p)).collect(),
            params,
            step: 0,
            beta1: 0.9,
            beta2: 0.999,
            eps,
        }
    }

    /// Clears the parameters' gradients.
    pub fn zero_grad(&mut self) {
        for (_, p) in &mut self.params {
            p.zero_grad();
        }
    }

    /// Rescales all gradients so that their global L2 norm is at most `max_norm` (PyTorch's
    /// `clip_grad_norm_`); returns the norm before clipping.
    pub fn clip_grad_norm(&mut self, max_norm: f64) -> f64 {
        let _guard = tch::no_grad_guard();
        let norms: Vec<Tensor> =
            self.params.iter().map(|(_, p)| p.grad()).filter(|g| g.defined()).map(|g| g.norm()).collect();
        if norms.is_empty() {
            return 0.0;
        }
        let total = f64::try_from(Tensor::stack(&norms, 0).norm()).expect("a norm is one number");
        let coef = max_norm / (total + 1e-6);
        if coef < 1.0 {
            for (_, p) in &self.params {
                let mut g = p.grad();
                if g.defined() {
                    let _ = g.g_mul_scalar_(coef);
                }
            }
        }
        total
    }

    /// One Adam step with learning rate `lr` from the current gradients.
    pub fn step(&mut self, lr: f64) {
        let _guard = tch::no_grad_guard();
        self.step += 1;
        let bias_correction1 = 1.0 - self.beta1.powi(self.step as i32);
        let bias_correction2 = 1.0 - self.beta2.powi(self.step as i32);
        for ((_, p), (m, v)) in self.params.iter_mut().zip(self.exp_avg.iter_mut().zip(self.exp_avg_sq.iter_mut())) {
            let g = p.grad();
            if !g.defined() {
                continue;
            }
            let _ = m.g_mul_scalar_(self.beta1).g_add_(&(&g * (1.0 - self.beta1)));
            let _ = v.g_mul_scalar_(self.beta2).g_add_(&(&g * &g * (1.0 - self.beta2)));
            let denom = v.sqrt() / bias_correction2.sqrt() + self.eps;
            let _ = p.g_add_(&(&*m / denom * (-lr / bias_correction1)));
        }
    }

    /// The moments as named tensors (`exp_avg.NAME`, `exp_avg_sq.NAME`), for saving.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::with_capacity(2 * self.params.len());
        for ((name, _), (m, v)) in self.params.iter().zip(self.exp_avg.iter().zip(&self.exp_avg_sq)) {
            out.push((format!("exp_avg.{name}"), m.shallow_clone()));
            out.push((format!("exp_avg_sq.{name}"), v.shallow_clone()));
        }
        out
    }

    /// Restores moments saved by [`state`](Self::state); every parameter must be there with
    /// its shape.
    pub fn load_state(&mut self, step: u64, saved: &[(String, Tensor)]) -> Result<(), String> {
        let _guard = tch::no_grad_guard();
        let find = |key: String, like: &Tensor| -> Result<Tensor, String> {
            let t = saved.iter().find(|(n, _)| *n == key).map(|(_, t)| t).ok_or(format!("has no tensor '{key}'"))?;
            if t.size() != like.size() {
                return Err(format!("tensor '{key}' has shape {:?}, expected {:?}", t.size(), like.size()));
            }
            Ok(t.to_device(like.device()).to_kind(Kind::Float))
        };
        for ((name, p), (m, v)) in self.params.iter().zip(self.exp_avg.iter_mut().zip(self.exp_avg_sq.iter_mut())) {
            m.copy_(&find(format!("exp_avg.{name}"), p)?);
            v.copy_(&find(format!("exp_avg_sq.{name}"), p)?);
        }
        self.step = step;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::nn::{self, Module, OptimizerConfig};
    use tch::{Device, Kind};

    fn net(seed: i64) -> (nn::VarStore, nn::Linear) {
        let _rng = crate::policy::torch_rng();
        tch::manual_seed(seed);
        let vs = nn::VarStore::new(Device::Cpu);
        let lin = nn::linear(vs.root() / "l", 4, 3, Default::default());
        (vs, lin)
    }

    fn sorted(vs: &nn::VarStore) -> Vec<(String, Tensor)> {
        let mut v: Vec<_> = vs.variables().into_iter().collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    #[test]
    fn matches_libtorch_adam_with_norm_clipping() {
        let (vs_a, lin_a) = net(7);
        let (vs_b, lin_b) = net(7);
        let mut ours = Adam::new(sorted(&vs_a), 1e-5);
        let mut theirs = nn::Adam { eps: 1e-5, ..Default::default() }.build(&vs_b, 0.01).unwrap();
        let inputs: Vec<Tensor> = {
            let _rng = crate::policy::torch_rng();
            tch::manual_seed(3);
            (0..5).map(|_| Tensor::randn([8, 4], (Kind::Float, Device::Cpu))).collect()
        };
        for (i, x) in inputs.iter().enumerate() {
            let lr = 0.01 * (1.0 - i as f64 / 5.0);
            let loss_a = lin_a.forward(x).pow_tensor_scalar(2).sum(Kind::Float);
            ours.zero_grad();
            loss_a.backward();
            let norm = ours.clip_grad_norm(0.5);
            assert!(norm > 0.5, "the test must exercise clipping, norm {norm}");
            ours.step(lr);
            theirs.set_lr(lr);
            theirs.backward_step_clip_norm(&lin_b.forward(x).pow_tensor_scalar(2).sum(Kind::Float), 0.5);
        }
        for ((name, a), (_, b)) in sorted(&vs_a).iter().zip(sorted(&vs_b)) {
            let diff = f64::try_from((a - &b).abs().max()).unwrap();
            assert!(diff < 1e-6, "{name} differs by {diff}");
        }
    }

    #[test]
    fn saved_state_restores_the_same_trajectory() {
        let run = |split: bool| {
            let (vs, lin) = net(11);
            let mut adam = Adam::new(sorted(&vs), 1e-5);
            let xs: Vec<Tensor> = {
                let _rng = crate::policy::torch_rng();
                tch::manual_seed(5);
                (0..6).map(|_| Tensor::randn([8, 4], (Kind::Float, Device::Cpu))).collect()
            };
            for (i, x) in xs.iter().enumerate() {
                if split && i == 3 {
                    // Save, rebuild from scratch with the saved weights and moments, continue.
                    let state: Vec<(String, Tensor)> = adam.state().into_iter().map(|(n, t)| (n, t.copy())).collect();
                    let step = adam.step;
                    adam = Adam::new(sorted(&vs), 1e-5);
                    adam.load_state(step, &state).unwrap();
                }
                adam.zero_grad();
                lin.forward(x).pow_tensor_scalar(2).sum(Kind::Float).backward();
                adam.clip_grad_norm(0.5);
                adam.step(0.01);
            }
            sorted(&vs).into_iter().map(|(_, t)| Vec::<f32>::try_from(t.flatten(0, -1)).unwrap()).collect::<Vec<_>>()
        };
        assert_eq!(run(false), run(true), "bit-identical after a save and restore");
    }

    #[test]
    fn loading_a_state_of_another_shape_is_refused() {
        let (vs, _) = net(1);
        let mut adam = Adam::new(sorted(&vs), 1e-5);
        let bad = vec![("exp_avg.l.bias".to_string(), Tensor::zeros([5], (Kind::Float, Device::Cpu)))];
        let err = adam.load_state(1, &bad).unwrap_err();
        assert!(err.contains("l.bias"), "{err}");
    }
}
