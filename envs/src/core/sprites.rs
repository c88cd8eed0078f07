//! What observations and pictures draw: an env's drawable live entities (position, body,
//! kind) in spawn order, the player last, read through one cached query rather than
//! component by component.

use bevy_ecs::entity::Entity;
use bevy_ecs::query::{Has, QueryState};
use bevy_ecs::world::World;

use super::components::{Body, Kind, Live, Player, Position, Velocity};
use super::render::{Sprite, Style};

/// A drawable entity as observations see it.
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
        (style.sprite)(self.kind.0, self.kind.1)
    }
}

/// The components a sprite is drawn from; entities lacking position, body or kind are not drawn.
type Drawable = (
    &'static Position,
    &'static Body,
    &'static Kind,
    Option<&'static Live>,
    Option<&'static Velocity>,
    Has<Player>,
);

/// The drawable entities of a World, by entity.
pub(crate) struct Sprites(QueryState<Drawable>);

impl Sprites {
    /// The sprites of `world` (which must be the World later passed to [`Sprites::visit`]).
    pub fn new(world: &mut World) -> Sprites {
        Sprites(QueryState::new(world))
    }

    /// Takes in the kinds of entity spawned since the last call (new archetypes); call it
    /// after spawning, before visiting.
    pub fn refresh(&mut self, world: &World) {
        self.0.update_archetypes(world);
    }

    /// Visits the drawable live entities among `entities` in spawn order, the player last so
    /// that it is always on top.
    pub fn visit(&self, world: &World, entities: &[Entity], mut visit: impl FnMut(SpriteAt)) {
        let mut player = None;
        for drawable in self.0.iter_many_manual(world, entities) {
            let Ok((pos, body, kind, live, vel, is_player)) = drawable else { continue };
            if live.is_some_and(|l| !l.0) {
                continue;
            }
            let mirrored = vel.is_some_and(|v| v.x < 0.0);
            let sprite = SpriteAt { pos: *pos, body: *body, kind: *kind, mirrored };
            if is_player {
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
