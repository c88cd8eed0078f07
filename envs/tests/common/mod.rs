//! Helpers the game tests share.

use ludica_envs::VecEnv;

/// Plays `actions` in env 0 from its current state; returns (steps played, success) once
/// the episode ends, or None if it is still running.
pub fn play(env: &mut VecEnv, actions: &[u8]) -> Option<(usize, bool)> {
    for (i, &a) in actions.iter().enumerate() {
        env.step(&[a]).unwrap();
        if env.terminated()[0] || env.truncated()[0] {
            return Some((i + 1, env.infos()[0].episode_success));
        }
    }
    None
}
