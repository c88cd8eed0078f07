//! A shard: one bevy_ecs `World` holding many envs, stepped together by one `Schedule`.
//! It applies actions, runs the game's systems once for all its envs, settles rewards and
//! episode ends, auto-resets, and writes observations straight into the caller's buffers.

use std::collections::BTreeMap;

use bevy_ecs::entity::Entity;
use bevy_ecs::schedule::{Schedule, ScheduleLabel};
use bevy_ecs::world::World;
use ludica_procgen::seeds::{Stream, stream};
use ludica_procgen::{Level, Tile};

use super::components::{Body, EnvId, Player, Position, Status, Velocity};
use super::game::{GameDef, ObsKind};
use super::level_distribution::{LevelPicker, LevelSpec};
use super::render::{Background, RGB_LEN, draw_sprite};
use super::spawner::Spawner;
use super::sprites::Sprites;
use super::state::{EnvState, StateRegistry};
use super::step::{AutoReset, ShardOut, StepInfo};
use super::symbolic::{entity_id, grid_index, is_seen, paint_seen_tiles, paint_tiles};
use super::table::{EnvTable, Outcome, PlayerView};
use super::view::{OBS_SIDE, OUTSIDE_RGB, View};
use super::window::TileStrips;

/// Level sets of at most this many levels are generated once per shard and kept.
const CACHED_LEVEL_SETS: u64 = 1_000;
/// At most this many levels are kept per shard (snapshots loaded from other level sets could
/// otherwise grow the cache without bound).
const CACHED_LEVELS: usize = 4_096;

/// The label of every shard's step schedule.
#[derive(ScheduleLabel, Clone, Debug, PartialEq, Eq, Hash)]
pub struct StepSchedule;

/// Many envs of one game in one World.
pub struct Shard {
    game: &'static GameDef,
    obs: ObsKind,
    /// How observations frame the level: the game's view, or its local window.
    view: View,
    autoreset: AutoReset,
    world: World,
    schedule: Schedule,
    sprites: Sprites,
    registry: StateRegistry,
    pickers: Vec<LevelPicker>,
    /// Levels set by the caller for each env's next episode, taken instead of its picker's.
    next_levels: Vec<Option<u64>>,
    /// Levels already generated for finite level sets (Procgen's `num_levels`), by seed and
    /// difficulty: with 200 training levels, generation runs 200 times, not once an episode.
    level_cache: BTreeMap<(u64, u32), Level>,
    /// Each env's painted frame (rgb, fitted views).
    backgrounds: Vec<Background>,
    /// Every theme's tile strips (rgb, following and local views), shared by the envs of the
    /// theme.
    strips: Vec<TileStrips>,
    themes: Vec<u8>,
    fitted_grids: Vec<Vec<u8>>,
    steps: Vec<u32>,
    returns: Vec<f32>,
    reset_pending: Vec<bool>,
    /// The env whose reset, episode end or observation is under way (`None` while the game's
    /// systems run over all envs), so that a panic can be blamed on it.
    current_env: Option<usize>,
}

impl Shard {
    /// A shard of `n` envs whose global indices start at `first_env`, whose snapshots carry
    /// the components of `registry`, observed through `view` (`game.view_for(mode)`); call a
    /// reset before stepping it.
    #[expect(
        clippy::too_many_arguments,
        reason = "a shard is its game, layout and level stream; a struct of them would be built once, here"
    )]
    pub fn new(
        game: &'static GameDef,
        registry: StateRegistry,
        obs: ObsKind,
        view: View,
        autoreset: AutoReset,
        spec: LevelSpec,
        seed: u64,
        first_env: u64,
        n: usize,
    ) -> Shard {
        let placeholder = Level::filled(game.name, 0, spec.difficulty, 1, 1, Tile::Wall);
        let mut world = World::new();
        world.insert_resource(EnvTable::new(n, &placeholder));
        let mut schedule = Schedule::new(StepSchedule);
        (game.systems)(&mut schedule);
        let sprites = Sprites::new(&mut world, n);
        let strips = match (obs, view) {
            (ObsKind::Rgb, View::Follow { .. } | View::Local { .. }) => (0..game.style.themes.max(1))
                .map(|theme| TileStrips::paint(&game.style, theme, view.scale() as usize))
                .collect(),
            _ => Vec::new(),
        };
        Shard {
            game,
            obs,
            view,
            autoreset,
            world,
            schedule,
            sprites,
            registry,
            pickers: (0..n as u64).map(|i| LevelPicker::new(spec, seed, first_env + i)).collect(),
            next_levels: vec![None; n],
            level_cache: BTreeMap::new(),
            backgrounds: vec![Background::default(); n],
            strips,
            themes: vec![0; n],
            fitted_grids: vec![Vec::new(); n],
            steps: vec![0; n],
            returns: vec![0.0; n],
            reset_pending: vec![false; n],
            current_env: None,
        }
    }

    /// Number of envs.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether the shard holds no env.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The env (index within this shard) that was being reset, ended or observed when a panic
    /// unwound out of [`step`](Self::step) or [`reset_all`](Self::reset_all); `None` if the
    /// panic came from the game's systems, which run over all envs at once.
    pub fn env_at_fault(&self) -> Option<usize> {
        self.current_env
    }

    /// Test hook: adds a system that panics whenever the schedule runs, as a bug in a game
    /// system would. For tests of the VecEnv's panic handling only.
    #[doc(hidden)]
    pub fn add_panicking_system(&mut self) {
        self.schedule.add_systems(|| panic!("a panic injected by a test"));
    }

    /// The level env `i` plays.
    pub fn level(&self, i: usize) -> &Level {
        &self.world.resource::<EnvTable>().levels[i]
    }

    /// Restarts every env's level stream from `seed`, as a fresh shard would.
    pub fn reseed(&mut self, seed: u64, first_env: u64) {
        for (i, picker) in self.pickers.iter_mut().enumerate() {
            *picker = LevelPicker::new(*picker.spec(), seed, first_env + i as u64);
        }
    }

    /// Starts a new episode in every env on its next level; writes observations and infos.
    pub fn reset_all(&mut self, out: ShardOut) {
        let obs_len = self.game.obs_len(self.obs);
        for i in 0..self.len() {
            self.current_env = Some(i);
            self.begin_next_level(i);
            out.info[i] = StepInfo { level_seed: self.level(i).seed, ..StepInfo::default() };
            self.write_obs(i, &mut out.obs[i * obs_len..(i + 1) * obs_len]);
        }
        self.current_env = None;
    }

    /// Starts a new episode of env `i` on `level` (already checked for this game).
    pub fn start_level(&mut self, i: usize, level: Level) {
        let entities = std::mem::take(&mut self.world.resource_mut::<EnvTable>().entities[i]);
        for e in entities {
            self.world.despawn(e);
        }
        let mut spawner = Spawner::new(&mut self.world, EnvId(i as u32), Vec::new());
        (self.game.spawn)(&level, &mut spawner);
        let spawned = spawner.finish();
        self.themes[i] = self.game.style.theme_of(&level);
        match (self.obs, self.view) {
            (ObsKind::Rgb, view @ View::Fit { .. }) => {
                self.backgrounds[i].paint_fitted(&level, view, &self.game.style, self.themes[i])
            }
            // The window is composed from the level's tiles at each step.
            (ObsKind::Rgb, View::Follow { .. } | View::Local { .. }) => {}
            (ObsKind::Symbolic, view @ View::Fit { .. }) => {
                let side = view.grid_side();
                let origin = view.grid_corner(&level, &PlayerView::default());
                self.fitted_grids[i].resize(side * side, 0);
                paint_tiles(&level, view, origin, &mut self.fitted_grids[i]);
            }
            (ObsKind::Symbolic, View::Follow { .. } | View::Local { .. }) => {}
        }
        let player = self.player_view(&spawned);
        self.sprites.gather_env(&self.world, i, &spawned);
        let mut table = self.world.resource_mut::<EnvTable>();
        table.rng[i] = stream(level.seed, Stream::Behaviour);
        table.changed_tiles[i].clear();
        table.levels[i] = level;
        table.entities[i] = spawned;
        table.players[i] = player;
        self.steps[i] = 0;
        self.returns[i] = 0.0;
        self.reset_pending[i] = false;
        self.forget_despawned();
    }

    /// Drops the World's record of despawned entities' components. A standalone World keeps
    /// it until told (bevy_app does this each frame); every reset despawns, so without this
    /// memory grows with each episode.
    fn forget_despawned(&mut self) {
        self.world.clear_trackers();
    }

    /// Makes env `i`'s next episode (at its next reset, automatic or not) play level `seed`
    /// instead of its picker's next draw; `None` leaves the choice to the picker again.
    pub fn set_next_level(&mut self, i: usize, seed: Option<u64>) {
        self.next_levels[i] = seed;
    }

    fn begin_next_level(&mut self, i: usize) {
        let seed = self.next_levels[i].take().unwrap_or_else(|| self.pickers[i].next_seed());
        let spec = *self.pickers[i].spec();
        let cached = (1..=CACHED_LEVEL_SETS).contains(&spec.num_levels) && self.level_cache.len() < CACHED_LEVELS;
        let level = if cached {
            let key = (seed, spec.difficulty.value().to_bits());
            self.level_cache.entry(key).or_insert_with(|| self.game.level(seed, spec.difficulty)).clone()
        } else {
            self.game.level(seed, spec.difficulty)
        };
        self.start_level(i, level);
    }

    /// The body of the player among `entities`.
    fn player_view(&self, entities: &[Entity]) -> PlayerView {
        let mut view = PlayerView::default();
        for &e in entities {
            let entity = self.world.entity(e);
            if entity.contains::<Player>() {
                view.pos = entity.get::<Position>().copied().unwrap_or_default();
                view.vel = entity.get::<Velocity>().copied().unwrap_or_default();
                view.body = entity.get::<Body>().copied().unwrap_or(view.body);
                view.status = entity.get::<Status>().map_or(view.status, |s| s.0);
            }
        }
        view
    }

    /// Steps every env with `actions` (already checked against the game's action count).
    pub fn step(&mut self, actions: &[u8], out: ShardOut) {
        {
            let mut table = self.world.resource_mut::<EnvTable>();
            table.actions.copy_from_slice(actions);
            table.outcome.fill(Outcome::Running);
            table.bonus.fill(0.0);
        }
        self.schedule.run(&mut self.world);
        self.sprites.gather(&self.world);
        self.redraw_changed_tiles();

        let obs_len = self.game.obs_len(self.obs);
        for i in 0..self.len() {
            self.current_env = Some(i);
            if self.reset_pending[i] {
                // Next-step auto-reset: this step only starts the new episode.
                self.begin_next_level(i);
                out.reward[i] = 0.0;
                out.terminated[i] = false;
                out.truncated[i] = false;
                out.info[i] = StepInfo { level_seed: self.level(i).seed, ..StepInfo::default() };
                continue;
            }
            let (outcome, bonus) = {
                let table = self.world.resource::<EnvTable>();
                (table.outcome[i], table.bonus[i])
            };
            let reward = bonus + if outcome == Outcome::Success { self.game.success_reward } else { 0.0 };
            self.steps[i] += 1;
            self.returns[i] += reward;
            let terminated = outcome != Outcome::Running;
            let truncated = !terminated && self.steps[i] >= self.game.max_steps;
            out.reward[i] = reward;
            out.terminated[i] = terminated;
            out.truncated[i] = truncated;
            let level_seed = self.level(i).seed;
            out.info[i] = StepInfo { level_seed, ..StepInfo::default() };
            if terminated || truncated {
                out.info[i] = StepInfo {
                    level_seed,
                    episode_done: true,
                    episode_level_seed: level_seed,
                    episode_return: self.returns[i],
                    episode_length: self.steps[i],
                    episode_success: outcome == Outcome::Success,
                };
                match self.autoreset {
                    AutoReset::SameStep => {
                        self.write_obs(i, &mut out.final_obs[i * obs_len..(i + 1) * obs_len]);
                        self.begin_next_level(i);
                        out.info[i].level_seed = self.level(i).seed;
                    }
                    AutoReset::NextStep => self.reset_pending[i] = true,
                }
            }
        }
        for (i, obs) in out.obs.chunks_exact_mut(obs_len).enumerate() {
            self.current_env = Some(i);
            self.write_obs(i, obs);
        }
        self.current_env = None;
    }

    /// Brings the painted backgrounds (rgb) or fitted grids (symbolic) up to date with the
    /// tiles systems changed this step.
    fn redraw_changed_tiles(&mut self) {
        let mut table = self.world.resource_mut::<EnvTable>();
        let table = &mut *table;
        for (i, changed) in table.changed_tiles.iter_mut().enumerate() {
            let level = &table.levels[i];
            for (x, y) in changed.drain(..) {
                let (x, y) = (x as i32, y as i32);
                match (self.obs, self.view) {
                    (ObsKind::Rgb, View::Fit { .. }) => {
                        self.backgrounds[i].repaint_tile(level, &self.game.style, self.themes[i], x, y)
                    }
                    // Windows are composed from the level's current tiles.
                    (ObsKind::Rgb, View::Follow { .. } | View::Local { .. }) => {}
                    (ObsKind::Symbolic, view @ View::Fit { .. }) => {
                        let origin = view.grid_corner(level, &PlayerView::default());
                        if let Some(cell) = grid_index(view.grid_side(), origin, x as f32, y as f32) {
                            self.fitted_grids[i][cell] = level.tile(x, y) as u8;
                        }
                    }
                    (ObsKind::Symbolic, View::Follow { .. } | View::Local { .. }) => {}
                }
            }
        }
    }

    /// Writes env `i`'s observation into `out` (`obs_len` bytes).
    pub fn write_obs(&self, i: usize, out: &mut [u8]) {
        let table = self.world.resource::<EnvTable>();
        let (level, player) = (&table.levels[i], &table.players[i]);
        let view = self.view;
        match self.obs {
            ObsKind::Rgb => match view {
                View::Fit { .. } => self.draw_rgb(i, Backdrop::Fitted(&self.backgrounds[i]), out),
                View::Follow { .. } | View::Local { .. } => {
                    self.draw_rgb(i, Backdrop::Following(&self.strips[self.themes[i] as usize]), out)
                }
            },
            ObsKind::Symbolic => {
                let side = view.grid_side();
                let (grid, scalars) = out.split_at_mut(side * side);
                let origin = view.grid_corner(level, player);
                let seen = view.seen_tiles(level, player);
                match (view, seen) {
                    (View::Fit { .. }, _) => grid.copy_from_slice(&self.fitted_grids[i]),
                    (_, Some(seen)) => paint_seen_tiles(level, side, origin, seen, grid),
                    (_, None) => paint_tiles(level, view, origin, grid),
                }
                self.sprites.visit(i, |s| {
                    if let Some(cell) = grid_index(side, origin, s.pos.x, s.pos.y)
                        && is_seen(seen, s.pos.x, s.pos.y)
                    {
                        grid[cell] = entity_id(s.kind.kind, s.kind.variant);
                    }
                });
                for (byte, scalar) in scalars.iter_mut().zip(self.game.scalars) {
                    *byte = scalar.encode(&table.players[i]);
                }
            }
        }
    }

    /// Writes env `i`'s rgb frame into `out`: the background `backdrop`, then the sprites.
    fn draw_rgb(&self, i: usize, backdrop: Backdrop, out: &mut [u8]) {
        let style = &self.game.style;
        let view = self.view;
        let scale = view.scale();
        let table = self.world.resource::<EnvTable>();
        let (level, player) = (&table.levels[i], &table.players[i]);
        let origin = match backdrop {
            Backdrop::Fitted(background) => {
                out.copy_from_slice(background.pixels());
                view.origin(level, player)
            }
            Backdrop::Following(strips) => {
                let (x0, y0) = view.window(level, player);
                let outside = match view {
                    View::Local { .. } => OUTSIDE_RGB,
                    _ => (style.tile)(Tile::Wall, self.themes[i], 0.5, 0.5),
                };
                strips.compose(level, (x0, y0), outside, out);
                (x0 as f32 / scale, y0 as f32 / scale)
            }
        };
        self.sprites.visit(i, |s| {
            let at = ((s.pos.x - origin.0) * scale, (s.pos.y - origin.1) * scale);
            draw_sprite(out, OBS_SIDE, &s.look(style), at, (s.body.half_w * scale, s.body.half_h * scale), s.mirrored);
        });
    }

    /// Env `i`'s current 64 x 64 rgb frame, whatever the observation kind.
    pub fn frame(&self, i: usize) -> Vec<u8> {
        let mut out = vec![0; RGB_LEN];
        match (self.obs, self.view) {
            (ObsKind::Rgb, _) => self.write_obs(i, &mut out),
            (ObsKind::Symbolic, view @ View::Fit { .. }) => {
                let mut background = Background::default();
                background.paint_fitted(self.level(i), view, &self.game.style, self.themes[i]);
                self.draw_rgb(i, Backdrop::Fitted(&background), &mut out);
            }
            (ObsKind::Symbolic, view @ (View::Follow { .. } | View::Local { .. })) => {
                let strips = TileStrips::paint(&self.game.style, self.themes[i], view.scale() as usize);
                self.draw_rgb(i, Backdrop::Following(&strips), &mut out);
            }
        }
        out
    }

    /// A snapshot of env `i`.
    pub fn save_state(&self, i: usize) -> EnvState {
        let table = self.world.resource::<EnvTable>();
        EnvState {
            game: self.game.name,
            level: table.levels[i].clone(),
            rng: table.rng[i].clone(),
            player: table.players[i],
            steps: self.steps[i],
            episode_return: self.returns[i],
            reset_pending: self.reset_pending[i],
            picker: self.pickers[i].clone(),
            entities: table.entities[i].iter().map(|&e| self.registry.capture(&self.world.entity(e))).collect(),
        }
    }

    /// Puts env `i` back in the state of `state`, which must come from the same game; its
    /// later episodes then play the saved env's level sequence.
    pub fn load_state(&mut self, i: usize, state: &EnvState) {
        debug_assert_eq!(state.game, self.game.name);
        self.start_level(i, state.level.clone());
        for e in std::mem::take(&mut self.world.resource_mut::<EnvTable>().entities[i]) {
            self.world.despawn(e);
        }
        let mut restored = Vec::with_capacity(state.entities.len());
        for parts in &state.entities {
            let mut entity = self.world.spawn(EnvId(i as u32));
            self.registry.restore(&mut entity, parts);
            restored.push(entity.id());
        }
        self.sprites.gather_env(&self.world, i, &restored);
        let mut table = self.world.resource_mut::<EnvTable>();
        table.entities[i] = restored;
        table.rng[i] = state.rng.clone();
        table.players[i] = state.player;
        self.steps[i] = state.steps;
        self.returns[i] = state.episode_return;
        self.reset_pending[i] = state.reset_pending;
        self.pickers[i] = state.picker.clone();
        self.next_levels[i] = None;
        self.forget_despawned();
    }
}

/// What an rgb frame's background comes from.
#[derive(Clone, Copy)]
enum Backdrop<'a> {
    /// A fitted view's painted frame.
    Fitted(&'a Background),
    /// A following or local view's tile strips of the env's theme.
    Following(&'a TileStrips),
}
