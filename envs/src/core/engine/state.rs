//! save_state / load_state: a snapshot of one env (its level, table row, bookkeeping, level
//! picker and the registered components of its entities, in spawn order), restorable into any
//! env slot.

use std::any::Any;
use std::sync::Arc;

use bevy_ecs::component::Component;
use bevy_ecs::world::{EntityRef, EntityWorldMut};
use ludica_procgen::{Level, Rng};

use super::components::{Body, Kind, Live, Player, Position, Status, Velocity};
use super::level_distribution::LevelPicker;
use super::table::PlayerView;

type Value = Arc<dyn Any + Send + Sync>;

/// One component type a snapshot carries: how to read it off an entity and put it back.
struct Part {
    save: fn(&EntityRef) -> Option<Value>,
    load: fn(&mut EntityWorldMut, &Value),
}

fn save_part<C: Component + Clone>(entity: &EntityRef) -> Option<Value> {
    entity.get::<C>().map(|c| Arc::new(c.clone()) as Value)
}

fn load_part<C: Component + Clone>(entity: &mut EntityWorldMut, value: &Value) {
    let c = value.downcast_ref::<C>().expect("a snapshot part holds the type its slot registered");
    entity.insert(c.clone());
}

/// The component types snapshots carry: the engine's (`default`), then the mechanics' (each
/// registers its own) and each game's.
pub struct StateRegistry {
    parts: Vec<Part>,
}

impl Default for StateRegistry {
    fn default() -> Self {
        let mut r = StateRegistry { parts: Vec::new() };
        r.add::<Position>();
        r.add::<Velocity>();
        r.add::<Body>();
        r.add::<Kind>();
        r.add::<Player>();
        r.add::<Live>();
        r.add::<Status>();
        r
    }
}

impl StateRegistry {
    /// Makes snapshots carry component `C`. Every component a game mutates or spawns with
    /// must be registered, or load_state loses it (the state round-trip test catches that).
    pub fn add<C: Component + Clone>(&mut self) {
        self.parts.push(Part { save: save_part::<C>, load: load_part::<C> });
    }

    /// The registered components of `entity`, by part index.
    pub(crate) fn capture(&self, entity: &EntityRef) -> Vec<(usize, Value)> {
        self.parts.iter().enumerate().filter_map(|(i, p)| (p.save)(entity).map(|v| (i, v))).collect()
    }

    /// Inserts captured components into `entity`.
    pub(crate) fn restore(&self, entity: &mut EntityWorldMut, parts: &[(usize, Value)]) {
        for (i, value) in parts {
            (self.parts[*i].load)(entity, value);
        }
    }
}

/// A snapshot of one env, cheap to clone (components are shared, immutable).
#[derive(Clone)]
pub struct EnvState {
    pub(crate) game: &'static str,
    pub(crate) level: Level,
    pub(crate) rng: Rng,
    pub(crate) player: PlayerView,
    pub(crate) steps: u32,
    pub(crate) episode_return: f32,
    pub(crate) reset_pending: bool,
    /// Where the env's next levels come from, so episodes after the loaded one replay too.
    pub(crate) picker: LevelPicker,
    pub(crate) entities: Vec<Vec<(usize, Value)>>,
}

impl EnvState {
    /// The level the snapshot was taken in.
    pub fn level(&self) -> &Level {
        &self.level
    }

    /// Steps taken in the episode when the snapshot was taken.
    pub fn steps(&self) -> u32 {
        self.steps
    }
}

impl std::fmt::Debug for EnvState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvState")
            .field("game", &self.game)
            .field("level_seed", &self.level.seed)
            .field("steps", &self.steps)
            .field("entities", &self.entities.len())
            .finish()
    }
}
