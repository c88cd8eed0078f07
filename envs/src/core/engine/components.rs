//! Components shared by every game: which env an entity belongs to, its stable spawn order,
//! kinematics, what touching it does, and the markers the core systems select on.

use bevy_ecs::component::Component;
use bevy_ecs::system::Query;
use ludica_procgen::SpawnKind;

/// The env (index inside its shard) an entity belongs to.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnvId(pub u32);

/// Centre of an entity, in tiles (y grows downwards).
#[derive(Component, Clone, Copy, Debug, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// Horizontal centre, in tiles.
    pub x: f32,
    /// Vertical centre, in tiles.
    pub y: f32,
}

/// Velocity, in tiles per step.
#[derive(Component, Clone, Copy, Debug, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Velocity {
    /// Horizontal, positive to the right.
    pub x: f32,
    /// Vertical, positive downwards.
    pub y: f32,
}

/// Half extents of an entity's box, in tiles: used for touches and tile collisions.
#[derive(Component, Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Body {
    /// Half the width.
    pub half_w: f32,
    /// Half the height.
    pub half_h: f32,
}

impl Body {
    /// A square body `size` tiles wide.
    pub const fn square(size: f32) -> Body {
        Body { half_w: size / 2.0, half_h: size / 2.0 }
    }
}

/// What an entity is, and which sort of it (a key's colour, a fish's size class): selects
/// its sprite and its id in symbolic observations.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Kind {
    /// What it is.
    pub kind: SpawnKind,
    /// Which sort of it.
    pub variant: u8,
}

impl Kind {
    /// A `kind` of sort `variant`.
    pub const fn new(kind: SpawnKind, variant: u8) -> Kind {
        Kind { kind, variant }
    }
}

/// The entity the actions drive. One per env.
#[derive(Component, Clone, Copy, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Player;

/// Game state bytes of the player the agent must know but cannot see (gems left, keys held,
/// power time): copied into [`super::table::PlayerView::status`] at reset and by
/// [`super::table::record_players`] each step, so [`super::symbolic::Scalar::Status`]
/// scalars show them from the first observation. Optional: games may write
/// `PlayerView::status` directly instead.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Status(pub [u8; 4]);

/// Whether a pooled entity is in play. Games spawn a fixed pool of entities that come and go
/// (shots, spawned creatures) at reset and revive dead ones ([`crate::core::mechanics::entity_pool`]); dead ones are
/// not drawn, not touched and not moved by core systems. Entities without it are always live.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Live(pub bool);

/// Moving bodies selected by `F`: their env, kinematics, box, and whether they are in play.
pub type Movers<'w, 's, F> = Query<
    'w,
    's,
    (&'static EnvId, &'static mut Position, &'static mut Velocity, &'static Body, Option<&'static Live>),
    F,
>;
