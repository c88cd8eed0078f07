//! Checked conversions from Python values: difficulties, level seeds, action arrays of any
//! integer dtype, and Rust errors into Python exceptions (ValueError or TypeError, each
//! naming the bad value and what is allowed; RuntimeError for an internal error).

use std::str::FromStr;

use ludica_envs::{SEED_LIMIT, VecEnvError};
use ludica_procgen::Difficulty;
use numpy::{PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyMemoryError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString};

/// A VecEnv error as a Python exception carrying its message: MemoryError for a request too
/// large for this machine, RuntimeError for an internal error (a panic inside the game, after
/// which the env refuses every call), ValueError for every other refusal.
pub fn env_error(err: VecEnvError) -> PyErr {
    match err {
        VecEnvError::OutOfMemory(e) => PyMemoryError::new_err(e.to_string()),
        e if e.is_internal() => PyRuntimeError::new_err(e.to_string()),
        e => PyValueError::new_err(e.to_string()),
    }
}

/// Raises MemoryError when `needed` bytes for `what` cannot be allocated on this machine, so
/// that Python refuses a request (such as rendering thousands of large frames) before making it.
#[pyfunction]
pub fn check_memory(what: &str, needed: u64) -> PyResult<()> {
    ludica_envs::memory::ensure_fits(|| what.to_string(), needed).map_err(|e| PyMemoryError::new_err(e.to_string()))
}

/// A difficulty from a preset name (`"easy"`, `"medium"`, `"hard"`) or a number in [0, 1].
pub fn difficulty(value: &Bound<'_, PyAny>) -> PyResult<Difficulty> {
    if let Ok(name) = value.cast::<PyString>() {
        return Difficulty::from_str(&name.to_cow()?).map_err(|e| PyValueError::new_err(e.to_string()));
    }
    if value.is_instance_of::<PyBool>() || !(value.is_instance_of::<PyFloat>() || value.is_instance_of::<PyInt>()) {
        return Err(PyTypeError::new_err(format!(
            "difficulty must be easy, medium, hard or a number in [0, 1], got {}",
            value.repr()?
        )));
    }
    let number: f64 = value.extract()?;
    Difficulty::new(number as f32).map_err(|_| {
        PyValueError::new_err(format!(
            "difficulty '{number}' is not allowed: use easy, medium, hard or a number in [0, 1]"
        ))
    })
}

/// `seed` if it is a level seed (below 2^63), else a ValueError naming `what`.
pub fn level_seed(what: &str, seed: u64) -> PyResult<u64> {
    if seed < SEED_LIMIT {
        Ok(seed)
    } else {
        Err(PyValueError::new_err(format!("{what} {seed} is out of range: level seeds are integers in [0, 2**63)")))
    }
}

/// Fills `out` with the actions in `array` (a 1-d numpy array of any integer dtype, one
/// action per env), refusing other dtypes and shapes (TypeError, ValueError) and actions
/// outside `0..num_actions` (ValueError naming the env).
pub fn actions(array: &Bound<'_, PyAny>, num_actions: usize, game: &str, out: &mut [u8]) -> PyResult<()> {
    let Ok(untyped) = array.cast::<PyUntypedArray>() else {
        return Err(PyTypeError::new_err(format!(
            "actions must be a numpy array of integers, got {}",
            describe(array)
        )));
    };
    if !matches!(untyped.dtype().kind(), b'i' | b'u') {
        return Err(PyTypeError::new_err(format!("actions must be integers, got {}", describe(array))));
    }
    if untyped.shape() != [out.len()] {
        return Err(PyValueError::new_err(format!(
            "actions must have shape ({},): one action per env, got shape {:?}",
            out.len(),
            untyped.shape()
        )));
    }
    macro_rules! fill_from {
        ($($t:ty),*) => {
            $(if let Ok(typed) = array.cast::<PyArrayDyn<$t>>() {
                let view = typed.try_readonly().map_err(|e| PyTypeError::new_err(e.to_string()))?;
                for (env, (&a, slot)) in view.as_array().iter().zip(out.iter_mut()).enumerate() {
                    *slot = checked_action(a as i128, env, num_actions, game)?;
                }
                return Ok(());
            })*
        };
    }
    fill_from!(i64, i32, u8, u32, u64, i8, i16, u16);
    Err(PyTypeError::new_err(format!("actions must be integers, got {}", describe(array))))
}

/// `action` as a byte if the game has it.
fn checked_action(action: i128, env: usize, num_actions: usize, game: &str) -> PyResult<u8> {
    if (0..num_actions as i128).contains(&action) {
        Ok(action as u8)
    } else {
        Err(PyValueError::new_err(format!(
            "action {action} for env {env} is out of range: {game} has actions 0..={}",
            num_actions - 1
        )))
    }
}

/// A writeable uint8 numpy array's borrow guard, for Rust to write into its bytes
/// (`as_slice_mut` then refuses non-contiguous arrays).
pub fn writable_bytes<'py>(what: &str, array: &Bound<'py, PyAny>) -> PyResult<numpy::PyReadwriteArrayDyn<'py, u8>> {
    let typed = array.cast::<PyArrayDyn<u8>>().map_err(|_| {
        PyTypeError::new_err(format!("{what} must be a numpy array of dtype uint8, got {}", describe(array)))
    })?;
    typed.try_readwrite().map_err(|e| PyTypeError::new_err(format!("{what} cannot be written: {e}")))
}

/// The contiguous bytes behind a borrow guard, or a TypeError.
pub fn bytes_of<'a>(what: &str, guard: &'a mut numpy::PyReadwriteArrayDyn<'_, u8>) -> PyResult<&'a mut [u8]> {
    guard.as_slice_mut().map_err(|e| PyTypeError::new_err(format!("{what} must be a C-contiguous array: {e}")))
}

/// A short description of a Python value for error messages: a numpy array's dtype and
/// shape, or the value's type.
fn describe(value: &Bound<'_, PyAny>) -> String {
    match value.cast::<PyUntypedArray>() {
        Ok(a) => format!("an array of dtype {} and shape {:?}", a.dtype(), a.shape()),
        Err(_) => value.get_type().name().map_or_else(|_| "an unknown type".into(), |n| n.to_string()),
    }
}
