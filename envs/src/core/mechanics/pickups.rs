//! Pickups: live entities with a [`Pickup`] that the player collects by touching them (coins,
//! bonus items). Collecting one pays its reward and takes it out of play ([`Live`]`(false)`).

use bevy_ecs::prelude::*;

use crate::core::engine::components::{Body, EnvId, Live, Player, Position};
use crate::core::engine::geometry::overlaps;
use crate::core::engine::table::EnvTable;
use crate::core::engine::state::StateRegistry;

/// Collected on touch for `reward`. Needs [`Live`], [`Position`] and [`Body`].
#[derive(Component, Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pickup {
    /// Reward paid when collected.
    pub reward: f32,
}

/// Collects the live pickups each player overlaps (order-independent: rewards add up).
pub fn collect_pickups(
    mut pickups: Query<(&EnvId, &Position, &Body, &Pickup, &mut Live), Without<Player>>,
    mut table: ResMut<EnvTable>,
) {
    for (env, pos, body, pickup, mut live) in &mut pickups {
        let e = env.0 as usize;
        let player = table.players[e];
        if live.0 && overlaps(player.pos, player.body, *pos, *body) {
            live.0 = false;
            table.bonus[e] += pickup.reward;
        }
    }
}

/// Registers this module's components for save/load.
pub(crate) fn register_saved(registry: &mut StateRegistry) {
    registry.add::<Pickup>();
}
