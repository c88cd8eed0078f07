//! `NativeLevelSampler`: `ludica_envs::curriculum::LevelSampler` for Python (`ludica.LevelSampler`):
//! each env's next level, scores back from a rollout's advantages, the buffer, and the whole
//! state as JSON (to checkpoint a Python trainer).

use ludica_envs::LevelSpec;
use ludica_envs::curriculum::{Curriculum, LevelSampler, PlrParams, ScoreFn, score_segments};
use numpy::{PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A level sampler over a vector env's training levels.
#[pyclass(module = "ludica._native", name = "LevelSampler")]
pub struct NativeLevelSampler {
    sampler: LevelSampler,
}

fn value_error(e: impl ToString) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A level scored by a rollout: `(seed, score, steps, in_buffer)`.
type ScoredLevel = (u64, Option<f64>, u64, bool);
#[pymethods]
impl NativeLevelSampler {
    /// A sampler of `curriculum` over seeds `start_level..start_level + num_levels`
    /// (unlimited when `num_levels` is 0); `None` parameters keep their defaults.
    #[new]
    #[pyo3(signature = (curriculum, num_levels, start_level, seed, buffer_size, temperature, staleness, replay_prob, score))]
    #[expect(clippy::too_many_arguments, reason = "the Python constructor's keyword arguments, checked in one place")]
    fn new(
        curriculum: &str,
        num_levels: u64,
        start_level: u64,
        seed: u64,
        buffer_size: usize,
        temperature: Option<f64>,
        staleness: Option<f64>,
        replay_prob: Option<f64>,
        score: Option<&str>,
    ) -> PyResult<Self> {
        let defaults = PlrParams::default();
        let params = PlrParams {
            buffer_size,
            temperature: temperature.unwrap_or(defaults.temperature),
            staleness: staleness.unwrap_or(defaults.staleness),
            replay_prob: replay_prob.unwrap_or(defaults.replay_prob),
            score: score.map(str::parse::<ScoreFn>).transpose().map_err(value_error)?.unwrap_or(defaults.score),
        };
        let levels = LevelSpec { num_levels, start_level, ..LevelSpec::default() };
        let curriculum: Curriculum = curriculum.parse().map_err(value_error)?;
        let sampler = LevelSampler::new(curriculum, levels, params, seed).map_err(value_error)?;
        Ok(NativeLevelSampler { sampler })
    }

    /// The next level for an env: `(seed, replay)`.
    fn next_level(&mut self) -> (u64, bool) {
        let pick = self.sampler.next_level();
        (pick.seed, pick.replay)
    }

    /// Scores a time-major rollout of `num_envs` envs (flat arrays of `T * num_envs`: level
    /// seeds, episode ends, GAE advantages) and gives the scores back; returns the levels
    /// scored, as `(seed, score, steps, in_buffer)`.
    fn update_rollout(
        &mut self,
        seeds: PyReadonlyArray1<'_, u64>,
        ended: PyReadonlyArray1<'_, bool>,
        advantages: PyReadonlyArray1<'_, f32>,
        num_envs: usize,
    ) -> PyResult<Vec<ScoredLevel>> {
        let n = seeds.len();
        if ended.len() != n || advantages.len() != n || num_envs == 0 || !n.is_multiple_of(num_envs) {
            return Err(PyValueError::new_err(format!(
                "level_seeds, dones and advantages must have the same shape [T, num_envs]: got {n}, {} and {} values for {num_envs} envs",
                ended.len(),
                advantages.len()
            )));
        }
        let (seeds, ended, advantages) = (seeds.as_slice()?, ended.as_slice()?, advantages.as_slice()?);
        let segments = score_segments(seeds, ended, advantages, num_envs, self.sampler.params().score);
        let changes = self.sampler.update(&segments);
        Ok(changes.iter().map(|c| (c.seed, c.score, c.steps, c.in_buffer)).collect())
    }

    /// The buffered levels, as `(seed, score, replays)`.
    fn buffer(&self) -> Vec<(u64, f64, u64)> {
        self.sampler.buffer().iter().map(|e| (e.seed, e.score, e.replays)).collect()
    }

    /// The probability of replaying each buffered level, in buffer order.
    fn replay_weights(&self) -> Vec<f64> {
        self.sampler.replay_weights()
    }

    /// The buffer's capacity.
    #[getter]
    fn capacity(&self) -> usize {
        self.sampler.capacity()
    }

    /// The curriculum's name.
    #[getter]
    fn curriculum(&self) -> &'static str {
        self.sampler.curriculum().name()
    }

    /// The whole state as JSON.
    fn state(&self) -> String {
        serde_json::to_string(&self.sampler).expect("a sampler serializes")
    }

    /// Replaces the state with one from `state()`.
    fn load_state(&mut self, json: &str) -> PyResult<()> {
        let sampler: LevelSampler =
            serde_json::from_str(json).map_err(|e| value_error(format!("not a LevelSampler state: {e}")))?;
        sampler.params().check(sampler.levels()).map_err(value_error)?;
        self.sampler = sampler;
        Ok(())
    }
}
