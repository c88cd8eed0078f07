//! `NativeVecEnv`: a `ludica_envs::VecEnv` that steps with the GIL released and writes
//! observations straight into numpy arrays passed in by the caller; the small per-env
//! results (rewards, flags, level seeds, episode statistics) come back as fresh arrays.
//! `NativeEnvState` is an immutable `save_state` snapshot with a binary form (`bytes(state)`,
//! `EnvState.from_bytes`, pickle) that can leave the process.

use ludica_envs::{AutoReset, EnvState, LevelSpec, ObsKind, ShardOut, StepInfo, VecEnv, VecEnvConfig, ViewMode};
use numpy::{Element, PyArray1, PyArray2, PyArray3, PyArrayMethods, PyReadwriteArrayDyn};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple, PyType};

/// Largest `render()` scale: a 1024 x 1024 frame.
pub const MAX_RENDER_SCALE: usize = 16;

use crate::convert::{bytes_of, difficulty, env_error, writable_bytes};
use crate::levels::{grid, parse_level, picture_array};

/// Many envs of one game; the Rust side of `ludica.LudicaVectorEnv` and `ludica.LudicaEnv`.
#[pyclass(module = "ludica._native", name = "VecEnv")]
pub struct NativeVecEnv {
    /// `None` once closed.
    env: Option<VecEnv>,
    /// Scratch outputs that step_into fills and the step results are built from.
    actions: Vec<u8>,
    reward: Vec<f32>,
    terminated: Vec<bool>,
    truncated: Vec<bool>,
    info: Vec<StepInfo>,
}

impl NativeVecEnv {
    fn open(&mut self) -> PyResult<&mut VecEnv> {
        self.env.as_mut().ok_or_else(closed)
    }

    fn open_ref(&self) -> PyResult<&VecEnv> {
        self.env.as_ref().ok_or_else(closed)
    }

    /// The borrow guard of `obs` after checking that it holds one observation; taken before
    /// an env changes, so that a bad array changes nothing.
    fn one_obs<'py>(&self, obs: &Bound<'py, PyAny>) -> PyResult<PyReadwriteArrayDyn<'py, u8>> {
        let len = self.open_ref()?.obs_len();
        let mut guard = writable_bytes("obs", obs)?;
        let got = bytes_of("obs", &mut guard)?.len();
        if got != len {
            return Err(PyValueError::new_err(format!("obs holds {got} bytes, but one observation is {len}")));
        }
        Ok(guard)
    }

    /// Copies env `index`'s observation from the VecEnv's own buffer into `guard`.
    fn copy_obs(&self, index: usize, guard: &mut PyReadwriteArrayDyn<'_, u8>) -> PyResult<()> {
        let env = self.open_ref()?;
        let len = env.obs_len();
        bytes_of("obs", guard)?.copy_from_slice(&env.obs()[index * len..(index + 1) * len]);
        Ok(())
    }

    fn check_index(&self, index: usize) -> PyResult<usize> {
        let n = self.open_ref()?.num_envs();
        if index < n {
            Ok(index)
        } else {
            Err(PyValueError::new_err(format!("env index {index} is out of range: this VecEnv has envs 0..{n}")))
        }
    }
}

/// A new numpy array (owning its data) of `values`.
fn fresh<'py, T: Element>(py: Python<'py>, values: impl ExactSizeIterator<Item = T>) -> Bound<'py, PyArray1<T>> {
    let array = PyArray1::<T>::zeros(py, values.len(), false);
    // SAFETY: the array was just made here, so no other reference to its data exists.
    let slots = unsafe { array.as_slice_mut() }.expect("a new array is contiguous");
    for (slot, value) in slots.iter_mut().zip(values) {
        *slot = value;
    }
    array
}

fn closed() -> PyErr {
    PyValueError::new_err("this ludica env is closed: make a new one")
}

#[pymethods]
impl NativeVecEnv {
    /// Builds and resets the envs. `autoreset` is "next_step" or "same_step"; `obs` is "rgb"
    /// or "symbolic"; `view` "full" or "local"; `difficulty` a preset name or a number in [0, 1].
    #[new]
    #[pyo3(signature = (game, num_envs, num_threads, obs, view, autoreset, num_levels, start_level, sequential, difficulty_value, seed))]
    #[expect(clippy::too_many_arguments, reason = "mirrors the keyword arguments of ludica.make_vec")]
    fn new(
        py: Python<'_>,
        game: String,
        num_envs: usize,
        num_threads: usize,
        obs: &str,
        view: &str,
        autoreset: &str,
        num_levels: u64,
        start_level: u64,
        sequential: bool,
        difficulty_value: &Bound<'_, PyAny>,
        seed: u64,
    ) -> PyResult<Self> {
        let obs: ObsKind = obs.parse().map_err(|e: ludica_envs::BadObsKind| PyValueError::new_err(e.to_string()))?;
        let view: ViewMode =
            view.parse().map_err(|e: ludica_envs::BadViewMode| PyValueError::new_err(e.to_string()))?;
        let autoreset = match autoreset {
            "next_step" => AutoReset::NextStep,
            "same_step" => AutoReset::SameStep,
            other => {
                return Err(PyValueError::new_err(format!(
                    "autoreset mode '{other}' is not allowed: use next_step or same_step"
                )));
            }
        };
        let levels = LevelSpec { num_levels, start_level, sequential, difficulty: difficulty(difficulty_value)? };
        let config = VecEnvConfig { game, num_envs, num_threads, num_shards: 0, obs, levels, view, autoreset, seed };
        let env = py.detach(|| VecEnv::new(config)).map_err(env_error)?;
        Ok(NativeVecEnv {
            env: Some(env),
            actions: vec![0; num_envs],
            reward: vec![0.0; num_envs],
            terminated: vec![false; num_envs],
            truncated: vec![false; num_envs],
            info: vec![StepInfo::default(); num_envs],
        })
    }

    /// Number of envs.
    #[getter]
    fn num_envs(&self) -> usize {
        self.actions.len()
    }

    /// Whether `close` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.env.is_none()
    }

    /// Starts a new episode in every env, writing observations into `obs` (uint8, C-contiguous,
    /// `num_envs * obs_len` bytes); with a `seed`, the level streams restart from it. Returns
    /// the level seeds (int64).
    #[pyo3(signature = (seed, obs))]
    fn reset<'py>(
        &mut self,
        py: Python<'py>,
        seed: Option<u64>,
        obs: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let mut guard = writable_bytes("obs", obs)?;
        let obs = bytes_of("obs", &mut guard)?;
        let Self { env, reward, terminated, truncated, info, .. } = self;
        let env = env.as_mut().ok_or_else(closed)?;
        let out = ShardOut { obs, final_obs: &mut [], reward, terminated, truncated, info };
        py.detach(|| env.reset_into(seed, out)).map_err(env_error)?;
        Ok(fresh(py, info.iter().map(|i| i.level_seed as i64)))
    }

    /// Steps every env with `actions` (a 1-d array of any integer dtype), writing
    /// observations into `obs` and, in same-step mode, the last observations of ended
    /// episodes into `final_obs` (both uint8, C-contiguous, `num_envs * obs_len` bytes).
    /// Returns `(reward f64, terminated, truncated, level_seed i64, episode)` where `episode`
    /// is None or, when some episode ended, `(ended, return f64, length i64, success,
    /// level_seed i64)` describing the ended episodes.
    #[pyo3(signature = (actions, obs, final_obs=None))]
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        actions: &Bound<'py, PyAny>,
        obs: &Bound<'py, PyAny>,
        final_obs: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let Self { env, actions: action_bytes, reward, terminated, truncated, info } = self;
        let env = env.as_mut().ok_or_else(closed)?;
        let game = env.game();
        crate::convert::actions(actions, game.actions.len(), game.name, action_bytes)?;
        let mut obs_guard = writable_bytes("obs", obs)?;
        let mut final_guard = final_obs.map(|f| writable_bytes("final_obs", f)).transpose()?;
        let obs = bytes_of("obs", &mut obs_guard)?;
        let final_obs = match final_guard.as_mut() {
            Some(guard) => bytes_of("final_obs", guard)?,
            None => &mut [],
        };
        let out = ShardOut { obs, final_obs, reward, terminated, truncated, info };
        py.detach(|| env.step_into(action_bytes, out)).map_err(env_error)?;
        let episode = if info.iter().any(|i| i.episode_done) {
            (
                fresh(py, info.iter().map(|i| i.episode_done)),
                fresh(py, info.iter().map(|i| f64::from(i.episode_return))),
                fresh(py, info.iter().map(|i| i64::from(i.episode_length))),
                fresh(py, info.iter().map(|i| i.episode_success)),
                fresh(py, info.iter().map(|i| i.episode_level_seed as i64)),
            )
                .into_pyobject(py)?
                .into_any()
        } else {
            py.None().into_bound(py)
        };
        (
            fresh(py, reward.iter().map(|&r| f64::from(r))),
            PyArray1::from_slice(py, terminated),
            PyArray1::from_slice(py, truncated),
            fresh(py, info.iter().map(|i| i.level_seed as i64)),
            episode,
        )
            .into_pyobject(py)
    }

    /// Starts a new episode of env `index` on a chosen level: the level of `level_seed` (at
    /// the configured difficulty) or a level given as JSON. Writes its observation into
    /// `obs` (one observation's bytes) and returns its level seed.
    #[pyo3(signature = (index, obs, level_seed=None, level_json=None))]
    fn reset_env(
        &mut self,
        py: Python<'_>,
        index: usize,
        obs: &Bound<'_, PyAny>,
        level_seed: Option<u64>,
        level_json: Option<&str>,
    ) -> PyResult<u64> {
        let index = self.check_index(index)?;
        let mut guard = self.one_obs(obs)?;
        let env = self.open()?;
        let level = match (level_seed, level_json) {
            (Some(seed), None) => {
                let seed = crate::convert::level_seed("level_seed", seed)?;
                let game = env.game();
                py.detach(|| game.level(seed, env.config().levels.difficulty))
            }
            (None, Some(json)) => parse_level(env.game(), json)?,
            _ => return Err(PyTypeError::new_err("reset_env takes exactly one of level_seed and level_json")),
        };
        let seed = level.seed;
        env.reset_env_to_level(index, level).map_err(env_error)?;
        self.copy_obs(index, &mut guard)?;
        Ok(seed)
    }

    /// Makes env `index`'s next episode (at its next automatic reset or `reset`) play the
    /// level of `level_seed`; `None` leaves it to the env's level stream again.
    #[pyo3(signature = (index, level_seed))]
    fn set_next_level(&mut self, index: usize, level_seed: Option<u64>) -> PyResult<()> {
        let index = self.check_index(index)?;
        let seed = level_seed.map(|s| crate::convert::level_seed("level_seed", s)).transpose()?;
        self.open()?.set_next_level(index, seed).map_err(env_error)
    }

    /// The level env `index` plays, as JSON and its grid of tile ids (as `generate_level`).
    fn level<'py>(&self, py: Python<'py>, index: usize) -> PyResult<(String, Bound<'py, PyArray2<u8>>)> {
        let index = self.check_index(index)?;
        let level = self.open_ref()?.level(index).map_err(env_error)?;
        Ok((level.to_json(), grid(py, &level)?))
    }

    /// Env `index`'s current frame, each pixel repeated `scale` x `scale` times,
    /// `[64 * scale, 64 * scale, 3]` uint8.
    fn render<'py>(&self, py: Python<'py>, index: usize, scale: usize) -> PyResult<Bound<'py, PyArray3<u8>>> {
        let index = self.check_index(index)?;
        if !(1..=MAX_RENDER_SCALE).contains(&scale) {
            return Err(PyValueError::new_err(format!(
                "render scale {scale} is not allowed: use 1 to {MAX_RENDER_SCALE}"
            )));
        }
        let picture = self.open_ref()?.render(index).map_err(env_error)?;
        picture_array(py, if scale == 1 { picture } else { picture.upscale(scale) })
    }

    /// A snapshot of env `index`.
    fn save_state(&self, index: usize) -> PyResult<NativeEnvState> {
        let index = self.check_index(index)?;
        let state = self.open_ref()?.save_state(index).map_err(env_error)?;
        Ok(NativeEnvState { state })
    }

    /// Puts env `index` in a saved state (of any env of the same game) and writes its
    /// observation into `obs` (one observation's bytes).
    fn load_state(&mut self, index: usize, state: &NativeEnvState, obs: &Bound<'_, PyAny>) -> PyResult<()> {
        let index = self.check_index(index)?;
        let mut guard = self.one_obs(obs)?;
        self.open()?.load_state(index, &state.state).map_err(env_error)?;
        self.copy_obs(index, &mut guard)
    }

    /// Test hook (not part of the API): makes the game's systems panic on env `index`'s shard
    /// from the next step on, so that tests can check that the panic surfaces as a
    /// RuntimeError and that the env then refuses every call.
    fn _inject_panic(&mut self, index: usize) -> PyResult<()> {
        self.open()?.inject_panic(index).map_err(env_error)
    }

    /// Stops the worker threads and frees the envs; later calls raise ValueError. Idempotent.
    fn close(&mut self, py: Python<'_>) {
        if let Some(env) = self.env.take() {
            py.detach(|| drop(env));
        }
    }
}

/// An immutable snapshot of one env (`save_state`), restorable into any env of the same game;
/// `bytes(state)` is its binary form (see `ludica_envs::snapshot`), which `EnvState(data)`,
/// `EnvState.from_bytes(data)` and pickle read back, in this process or another.
#[pyclass(module = "ludica._native", name = "EnvState", frozen)]
pub struct NativeEnvState {
    state: EnvState,
}

impl NativeEnvState {
    fn read(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let bytes = data.cast::<PyBytes>().map_err(|_| {
            PyTypeError::new_err(format!(
                "an EnvState is read from bytes (bytes(state)), got {}",
                data.get_type().name().map_or_else(|_| "an unknown type".into(), |n| n.to_string())
            ))
        })?;
        let state = EnvState::from_bytes(bytes.as_bytes()).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(NativeEnvState { state })
    }
}

#[pymethods]
impl NativeEnvState {
    /// Reads a snapshot from its bytes (as `from_bytes`).
    #[new]
    fn new(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::read(data)
    }

    /// Reads a snapshot from `bytes(state)`'s bytes; ValueError names what is wrong with bytes
    /// of another game, another format version or damaged bytes.
    #[classmethod]
    fn from_bytes(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::read(data)
    }

    /// The binary form: magic, format version, game, JSON payload, SHA-256.
    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.state.to_bytes())
    }

    /// The game the snapshot belongs to.
    #[getter]
    fn game(&self) -> &'static str {
        self.state.game()
    }

    /// The level seed of the snapshot's level.
    #[getter]
    fn level_seed(&self) -> u64 {
        self.state.level().seed
    }

    /// Steps taken in the episode.
    #[getter]
    fn steps(&self) -> u32 {
        self.state.steps()
    }

    /// The episode had ended when the snapshot was taken (a reset is due).
    #[getter]
    fn episode_over(&self) -> bool {
        self.state.reset_pending()
    }

    fn __repr__(&self) -> String {
        format!(
            "EnvState(game='{}', level_seed={}, steps={})",
            self.state.game(),
            self.state.level().seed,
            self.state.steps()
        )
    }

    /// Snapshots are immutable, so a copy is the snapshot itself.
    fn __copy__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __deepcopy__(slf: Py<Self>, _memo: &Bound<'_, PyAny>) -> Py<Self> {
        slf
    }

    /// Pickles as `EnvState(bytes(state))`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let data = slf.get().__bytes__(py);
        (slf.get_type(), (data,)).into_pyobject(py)
    }
}
