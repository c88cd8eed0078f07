//! What observations and pictures draw: each env's drawable live entities (position, body,
//! kind) in spawn order, the player last. Gathered once a step by one pass over the World's
//! tables (dense, in memory order) and put into spawn order through each entity's slot in
//! its env's list, rather than looked up entity by entity.

use bevy_ecs::entity::Entity;
use bevy_ecs::query::{Has, QueryState};
use bevy_ecs::world::World;

use super::components::{Body, EnvId, Kind, Live, Player, Position, Velocity};
use super::render::{Sprite, Style};

/// A drawable entity as observations see it.
#[derive(Clone, Copy)]
pub(crate) struct SpriteAt {
    pub pos: Position,
    pub body: Body,
    pub kind: Kind,
    /// Drawn facing left (it moves left).
    pub mirrored: bool,
}

impl SpriteAt {
    /// Its sprite in `style`.
    pub fn look(&self, style: &Style) -> Sprite {
        (style.sprite)(self.kind.kind, self.kind.variant)
    }
}

/// The components a sprite is drawn from; entities lacking position, body or kind are not drawn.
type Drawable =
    (&'static Position, &'static Body, &'static Kind, Option<&'static Live>, Option<&'static Velocity>, Has<Player>);

/// A live drawable entity, and whether it is the player.
type Slot = Option<(SpriteAt, bool)>;

/// The sprites of every env of one World, as of the last gathering.
pub(crate) struct Sprites {
    drawables: QueryState<(Entity, &'static EnvId, Drawable)>,
    /// Each env's sprites, by spawn slot.
    envs: Vec<Vec<Slot>>,
    /// Each entity's spawn slot in its env, by entity index.
    slot_of: Vec<u32>,
}

impl Sprites {
    /// The sprites of `envs` envs of `world` (the World later passed to the gatherers).
    pub fn new(world: &mut World, envs: usize) -> Sprites {
        Sprites { drawables: QueryState::new(world), envs: vec![Vec::new(); envs], slot_of: Vec::new() }
    }

    /// Gathers env `env`'s sprites from `entities`, its entities in spawn order; call it after
    /// the env's entities were spawned, and before [`Sprites::gather`] takes them in.
    pub fn gather_env(&mut self, world: &World, env: usize, entities: &[Entity]) {
        self.drawables.update_archetypes(world);
        let slots = &mut self.envs[env];
        slots.clear();
        slots.resize(entities.len(), None);
        for (slot, &e) in entities.iter().enumerate() {
            let index = e.index_u32() as usize;
            if index >= self.slot_of.len() {
                self.slot_of.resize(index + 1, 0);
            }
            self.slot_of[index] = slot as u32;
            if let Ok((_, _, drawable)) = self.drawables.get_manual(world, e) {
                slots[slot] = sprite(drawable);
            }
        }
    }

    /// Gathers every env's sprites in one pass over the World. Every entity must have come
    /// through [`Sprites::gather_env`]: entities are only spawned when an env (re)starts
    /// (pools stand in for mid-episode spawns, `mechanics::entity_pool`).
    pub fn gather(&mut self, world: &World) {
        self.drawables.update_archetypes(world);
        for (e, env, drawable) in self.drawables.iter_manual(world) {
            self.envs[env.0 as usize][self.slot_of[e.index_u32() as usize] as usize] = sprite(drawable);
        }
    }

    /// Visits env `env`'s live sprites in spawn order, the player last so that it is always
    /// on top.
    pub fn visit(&self, env: usize, mut visit: impl FnMut(&SpriteAt)) {
        let mut player = None;
        for (sprite, is_player) in self.envs[env].iter().flatten() {
            if *is_player {
                player = Some(sprite);
            } else {
                visit(sprite);
            }
        }
        if let Some(sprite) = player {
            visit(sprite);
        }
    }
}

/// The slot of a drawable: empty when it is out of play.
fn sprite(
    (pos, body, kind, live, vel, is_player): (&Position, &Body, &Kind, Option<&Live>, Option<&Velocity>, bool),
) -> Slot {
    if live.is_some_and(|l| !l.0) {
        return None;
    }
    let mirrored = vel.is_some_and(|v| v.x < 0.0);
    Some((SpriteAt { pos: *pos, body: *body, kind: *kind, mirrored }, is_player))
}
