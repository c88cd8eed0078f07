//! The `local` view mode on every game: what lies beyond the window centred on the agent is
//! unseen (a level changed there gives byte-identical rgb frames and symbolic grids), the
//! agent sits at the centre of the symbolic grid, local differs from full, and observation
//! shapes do not depend on the mode.

use ludica_envs::core::engine::shard::Shard;
use ludica_envs::core::engine::symbolic::entity_of;
use ludica_envs::core::engine::view::{OBS_SIDE, OUTSIDE_ID, View};
use ludica_envs::games::GAMES;
use ludica_envs::{AutoReset, GameDef, LevelSpec, ObsKind, ViewMode};
use ludica_procgen::{Difficulty, Level, SpawnKind};

/// The first observation of one env of `game` on `level`, seen in `mode`.
fn first_obs(game: &'static GameDef, obs: ObsKind, mode: ViewMode, level: &Level) -> Vec<u8> {
    let spec = LevelSpec { difficulty: level.difficulty, ..LevelSpec::default() };
    let registry = ludica_envs::core::saved_components(game);
    let view = game.view_for(mode);
    let mut shard = Shard::new(game, registry, obs, view, AutoReset::NextStep, spec, 0, 0, 1);
    shard.start_level(0, level.clone());
    let mut out = vec![0; game.obs_len(obs)];
    shard.write_obs(0, &mut out);
    out
}

/// `level` with every tile farther than `reach` tiles (on either axis) from the agent's spawn
/// changed to another of the game's tiles, and how many changed.
fn tiles_changed_beyond(game: &GameDef, level: &Level, reach: i32) -> (Level, usize) {
    let (ax, ay) = agent_tile(level);
    let mut changed = level.clone();
    let mut count = 0;
    for y in 0..level.height {
        for x in 0..level.width {
            if (x as i32 - ax).abs() > reach || (y as i32 - ay).abs() > reach {
                let tile = level.tile(x as i32, y as i32);
                let at = game.tiles.iter().position(|&t| t == tile).unwrap_or(0);
                changed.set(x, y, game.tiles[(at + 1) % game.tiles.len()]);
                count += 1;
            }
        }
    }
    (changed, count)
}

/// `level` without the spawns (but the agent) farther than `reach` tiles from the agent's.
fn spawns_removed_beyond(level: &Level, reach: i32) -> Level {
    let (ax, ay) = agent_tile(level);
    let mut changed = level.clone();
    changed.spawns.retain(|s| {
        let (x, y) = (s.x.floor() as i32, s.y.floor() as i32);
        s.kind == SpawnKind::Agent || ((x - ax).abs() <= reach && (y - ay).abs() <= reach)
    });
    changed
}

fn agent_tile(level: &Level) -> (i32, i32) {
    let agent = level.first(SpawnKind::Agent).expect("every level has an agent");
    (agent.x.floor() as i32, agent.y.floor() as i32)
}

#[test]
fn a_level_changed_beyond_the_window_looks_the_same_at_local() {
    for game in GAMES {
        let grid = game.view.grid_side() * game.view.grid_side();
        let mut tested = 0;
        for seed in 0..3 {
            let level = game.level(seed, Difficulty::EASY);
            // Tiles beyond the half window (a window centred inside the agent's tile shows
            // half a window and part of one more tile each side).
            let half = game.local_view as i32 / 2;
            let (changed, count) = tiles_changed_beyond(game, &level, half);
            if count == 0 {
                continue;
            }
            tested += 1;
            // Spawns a few tiles further, as sprites overlapping the window's edge show.
            let fewer = spawns_removed_beyond(&level, half + 3);
            for obs in [ObsKind::Rgb, ObsKind::Symbolic] {
                // The symbolic scalars are the player's status, which may count what the
                // window hides (miner's gems left, dodgeball's enemies left): the grid is the view.
                let shown = if obs == ObsKind::Rgb { game.obs_len(obs) } else { grid };
                let seen = |level: &Level| first_obs(game, obs, ViewMode::Local, level)[..shown].to_vec();
                let local = seen(&level);
                assert!(local == seen(&changed), "{} seed {seed} {obs}: a tile beyond the window shows", game.name);
                assert!(local == seen(&fewer), "{} seed {seed} {obs}: a spawn beyond the window shows", game.name);
                let full = first_obs(game, obs, ViewMode::Full, &level)[..shown].to_vec();
                assert!(full != local, "{} seed {seed} {obs}: local looks like full", game.name);
                if matches!(game.view, View::Fit { .. }) {
                    let changed_full = first_obs(game, obs, ViewMode::Full, &changed)[..shown].to_vec();
                    assert!(full != changed_full, "{} seed {seed} {obs}: the full view shows the change", game.name);
                }
            }
        }
        assert!(tested > 0, "{}: no level reaches beyond the window", game.name);
    }
}

#[test]
fn the_agent_is_at_the_centre_of_the_local_grid_and_shapes_are_kept() {
    for game in GAMES {
        let view = game.view_for(ViewMode::Local);
        let View::Local { tiles, grid } = view else { panic!("{}: local view is {view:?}", game.name) };
        assert_eq!(OBS_SIDE % tiles, 0, "{}: local_view {tiles} must divide {OBS_SIDE}", game.name);
        assert!(tiles / 2 < grid - grid / 2, "{}: the {grid} grid must hold the {tiles} window", game.name);
        assert_eq!(view.grid_side(), game.view.grid_side(), "{}: the symbolic shape changed", game.name);
        let level = game.level(1, Difficulty::EASY);
        let symbolic = first_obs(game, ObsKind::Symbolic, ViewMode::Local, &level);
        assert_eq!(symbolic.len(), game.obs_len(ObsKind::Symbolic));
        let centre = symbolic[(grid / 2) * grid + grid / 2];
        assert_eq!(entity_of(centre).map(|(k, _)| k), Some(SpawnKind::Agent), "{}: centre holds {centre}", game.name);
        assert!(symbolic[..grid * grid].contains(&OUTSIDE_ID), "{}: the grid hides nothing", game.name);
        let seen = symbolic[..grid * grid].iter().filter(|&&id| id != OUTSIDE_ID).count();
        assert!(seen <= (tiles + 1) * (tiles + 1), "{}: {seen} cells seen through a {tiles} window", game.name);
    }
}
