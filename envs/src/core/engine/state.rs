//! save_state / load_state: a snapshot of one env (its level, table row, bookkeeping, level
//! picker and the registered components of its entities, in spawn order), restorable into any
//! env slot, and its plain-data form ([`SavedEnv`]) that `crate::snapshot` writes as bytes.

use std::any::Any;
use std::sync::Arc;

use bevy_ecs::component::Component;
use bevy_ecs::world::{EntityRef, EntityWorldMut};
use ludica_procgen::{Level, Rng};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use super::components::{Body, Kind, Live, Player, Position, Status, Velocity};
use super::level_distribution::LevelPicker;
use super::table::PlayerView;

type Value = Arc<dyn Any + Send + Sync>;

/// One component type a snapshot carries: its name in the bytes form, how to read it off an
/// entity and put it back, and how to write it as data and read it back.
struct Part {
    name: &'static str,
    save: fn(&EntityRef) -> Option<Value>,
    load: fn(&mut EntityWorldMut, &Value),
    encode: fn(&Value) -> Json,
    decode: fn(Json) -> Result<Value, serde_json::Error>,
}

fn save_part<C: Component + Clone>(entity: &EntityRef) -> Option<Value> {
    entity.get::<C>().map(|c| Arc::new(c.clone()) as Value)
}

fn load_part<C: Component + Clone>(entity: &mut EntityWorldMut, value: &Value) {
    let c = value.downcast_ref::<C>().expect("a snapshot part holds the type its slot registered");
    entity.insert(c.clone());
}

fn encode_part<C: Serialize + 'static>(value: &Value) -> Json {
    let c = value.downcast_ref::<C>().expect("a snapshot part holds the type its slot registered");
    serde_json::to_value(c).expect("components are plain data: they always serialize")
}

fn decode_part<C: DeserializeOwned + Send + Sync + 'static>(json: Json) -> Result<Value, serde_json::Error> {
    Ok(Arc::new(serde_json::from_value::<C>(json)?) as Value)
}

/// The last segment of a type's path: the name a component has in snapshot bytes.
fn short_name<C>() -> &'static str {
    let full = std::any::type_name::<C>();
    full.rsplit("::").next().unwrap_or(full)
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
    /// Names (the type's, without its path) must be unique within a game.
    pub fn add<C: Component + Clone + Serialize + DeserializeOwned>(&mut self) {
        let name = short_name::<C>();
        assert!(
            self.parts.iter().all(|p| p.name != name),
            "two saved components are named {name}: snapshot bytes name components by type name"
        );
        self.parts.push(Part {
            name,
            save: save_part::<C>,
            load: load_part::<C>,
            encode: encode_part::<C>,
            decode: decode_part::<C>,
        });
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

    /// An entity's captured components as data: a map from component name to value.
    fn encode(&self, parts: &[(usize, Value)]) -> Map<String, Json> {
        parts.iter().map(|(i, value)| (self.parts[*i].name.to_string(), (self.parts[*i].encode)(value))).collect()
    }

    /// Captured components back from `encode`'s map, in registration order; an unknown name or
    /// a value of the wrong shape is an error naming it.
    fn decode(&self, map: Map<String, Json>) -> Result<Vec<(usize, Value)>, String> {
        let mut parts = Vec::with_capacity(map.len());
        for (name, json) in map {
            let Some(i) = self.parts.iter().position(|p| p.name == name) else {
                let known: Vec<&str> = self.parts.iter().map(|p| p.name).collect();
                return Err(format!("unknown component '{name}' (this game saves {})", known.join(", ")));
            };
            let value = (self.parts[i].decode)(json).map_err(|e| format!("component {name}: {e}"))?;
            parts.push((i, value));
        }
        parts.sort_by_key(|(i, _)| *i);
        Ok(parts)
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

    /// The game the snapshot belongs to.
    pub fn game(&self) -> &'static str {
        self.game
    }

    /// Whether the episode had ended in next-step mode, so that the env's next step starts a
    /// new one.
    pub fn reset_pending(&self) -> bool {
        self.reset_pending
    }

    /// The snapshot as plain data, its components written by `registry` (the game's).
    pub(crate) fn to_saved(&self, registry: &StateRegistry) -> SavedEnv {
        SavedEnv {
            level: self.level.clone(),
            rng: self.rng.clone(),
            player: self.player,
            steps: self.steps,
            episode_return: self.episode_return,
            reset_pending: self.reset_pending,
            picker: self.picker.clone(),
            entities: self.entities.iter().map(|parts| registry.encode(parts)).collect(),
        }
    }

    /// A snapshot of `game` from plain data, its components read by `registry` (the game's).
    pub(crate) fn from_saved(
        game: &'static str,
        registry: &StateRegistry,
        saved: SavedEnv,
    ) -> Result<EnvState, String> {
        if saved.level.game != game {
            return Err(format!("its level is for {}, not {game}", saved.level.game));
        }
        let entities = saved.entities.into_iter().map(|map| registry.decode(map)).collect::<Result<_, _>>()?;
        Ok(EnvState {
            game,
            level: saved.level,
            rng: saved.rng,
            player: saved.player,
            steps: saved.steps,
            episode_return: saved.episode_return,
            reset_pending: saved.reset_pending,
            picker: saved.picker,
            entities,
        })
    }
}

/// Serde of an `f32` that may be infinite (an unlimited range), which JSON numbers cannot
/// hold: finite values as numbers, infinities as the strings `"inf"` and `"-inf"`.
pub(crate) mod maybe_infinite {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f32, s: S) -> Result<S::Ok, S::Error> {
        match *value {
            v if v.is_finite() => s.serialize_f32(v),
            v if v > 0.0 => s.serialize_str("inf"),
            _ => s.serialize_str("-inf"),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Number {
            Finite(f32),
            Named(String),
        }
        match Number::deserialize(d)? {
            Number::Finite(v) => Ok(v),
            Number::Named(name) if name == "inf" => Ok(f32::INFINITY),
            Number::Named(name) if name == "-inf" => Ok(f32::NEG_INFINITY),
            Number::Named(name) => Err(D::Error::custom(format!("'{name}' is not a number, inf or -inf"))),
        }
    }
}

/// An [`EnvState`] as plain data (the payload of snapshot bytes): each entity is a map from
/// component name to the component's fields.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SavedEnv {
    level: Level,
    rng: Rng,
    player: PlayerView,
    steps: u32,
    episode_return: f32,
    reset_pending: bool,
    picker: LevelPicker,
    entities: Vec<Map<String, Json>>,
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
