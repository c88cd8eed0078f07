//! The per-env spawner: how a game's spawn code puts one env's entities into a shard's World,
//! tagged with the env's id and recorded in spawn order.

use bevy_ecs::bundle::Bundle;
use bevy_ecs::entity::Entity;
use bevy_ecs::world::World;

use super::components::EnvId;

/// Spawns the entities of one env, tagging each with the env's id and recording it in spawn
/// order (the order rendering and order-dependent systems follow).
pub struct Spawner<'w> {
    world: &'w mut World,
    env: EnvId,
    spawned: Vec<Entity>,
}

impl<'w> Spawner<'w> {
    pub(crate) fn new(world: &'w mut World, env: EnvId, spawned: Vec<Entity>) -> Self {
        Spawner { world, env, spawned }
    }

    /// Spawns an entity of this env with `bundle`.
    pub fn spawn(&mut self, bundle: impl Bundle) -> Entity {
        let entity = self.world.spawn((self.env, bundle)).id();
        self.spawned.push(entity);
        entity
    }

    pub(crate) fn finish(self) -> Vec<Entity> {
        self.spawned
    }
}
