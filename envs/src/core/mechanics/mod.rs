//! Mechanics: reusable game rules built on the engine (grid walking and chasers, steering with
//! momentum, flight under scroll, platform physics, falling tiles, pickups, walkers, shooting,
//! timers, entity pools, touches and exits). Games compose them; each module owns its
//! components and registers the ones a snapshot must carry (`register_saved`), so the list
//! of modules below is also the list of registrations.

use super::engine::state::StateRegistry;

/// Declares each mechanics module and, in the same list, calls its `register_saved`.
macro_rules! mechanics {
    ($($module:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// Registers every mechanic's components for save/load.
        pub fn register_saved(registry: &mut StateRegistry) {
            $($module::register_saved(registry);)*
        }
    };
}

mechanics!(
    approach,
    entity_pool,
    flight,
    gravity_tiles,
    grid,
    physics,
    pickups,
    rules,
    shooting,
    steer,
    timers,
    walkers,
);
