//! `ludica._native`: the Rust half of the `ludica` Python package. It exposes the game
//! registry, level generation and a `VecEnv` that writes observations straight into numpy
//! arrays the caller owns, with the GIL released while the envs step. The Gymnasium classes
//! (`ludica.LudicaEnv`, `ludica.LudicaVectorEnv`) are thin Python over this module.

mod convert;
mod curriculum;
mod levels;
mod vec_env;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(levels::games, m)?)?;
    m.add_function(wrap_pyfunction!(levels::tile_chars, m)?)?;
    m.add_function(wrap_pyfunction!(levels::generate_level, m)?)?;
    m.add_function(wrap_pyfunction!(levels::check_level, m)?)?;
    m.add_function(wrap_pyfunction!(levels::level_picture, m)?)?;
    m.add_function(wrap_pyfunction!(convert::check_memory, m)?)?;
    m.add("SEED_LIMIT", ludica_envs::SEED_LIMIT)?;
    m.add("MAX_ENVS", ludica_envs::MAX_ENVS)?;
    m.add("MAX_THREADS", ludica_envs::MAX_THREADS)?;
    m.add("MAX_RENDER_SCALE", vec_env::MAX_RENDER_SCALE)?;
    m.add_class::<vec_env::NativeVecEnv>()?;
    m.add_class::<vec_env::NativeEnvState>()?;
    m.add_class::<curriculum::NativeLevelSampler>()?;
    Ok(())
}
