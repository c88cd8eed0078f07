//! The starpilot game's rules on hand-built levels: the ship always moves forward and its
//! steering changes how fast, the goal line wins, asteroids and enemies kill, the ship's shots
//! kill enemies for a reward, turrets lead their shots, flyers fire ahead, and the gun reloads.

mod common;

use common::playing;
use ludica_envs::core::engine::symbolic::entity_id;
use ludica_envs::games::starpilot::GAME;
use ludica_envs::{ObsKind, VecEnv};
use ludica_procgen::starpilot::{self, FLYER, HEIGHT, TURRET};
use ludica_procgen::{Difficulty, Level, Spawn, SpawnKind, Tile};

const NOOP: u8 = 0;
const LEFT: u8 = 1;
const RIGHT: u8 = 2;
const FIRE: u8 = 9;
/// Cells of the 16 x 16 symbolic window; the scalars follow.
const GRID: usize = 16 * 16;
/// The `reload` scalar's index.
const RELOAD: usize = GRID + 4;

/// Open space 60 tiles long: the ship at (3, 8), the goal line at x = 50.5, enemies firing
/// every `fire_period` steps.
fn space(fire_period: f64) -> Level {
    let mut level = Level::filled(starpilot::NAME, 2, Difficulty::EASY, 60, HEIGHT, Tile::Empty);
    let ship = Spawn { kind: SpawnKind::Agent, x: 3.0, y: 8.0, vx: 0.0, vy: 0.0, variant: 0 };
    level.spawns.push(ship);
    level.spawns.push(Spawn { kind: SpawnKind::Goal, x: 50.5, ..ship });
    level.meta.insert("fire_period".into(), fire_period);
    level
}

fn enemy(variant: u8, x: f32, y: f32, vx: f32) -> Spawn {
    Spawn { kind: SpawnKind::Enemy, x, y, vx, vy: 0.0, variant }
}

/// Plays `action` until the episode ends (at most 1000 steps); returns (steps, return, success).
fn fly(env: &mut VecEnv, action: u8) -> (usize, f32, bool) {
    let mut total = 0.0;
    for step in 1..=1000 {
        env.step(&[action]).unwrap();
        total += env.reward()[0];
        if env.terminated()[0] || env.truncated()[0] {
            return (step, total, env.infos()[0].episode_success);
        }
    }
    panic!("the episode did not end");
}

#[test]
fn the_ship_always_flies_forward_and_steering_sets_the_pace() {
    let (noop, reward, won) = fly(&mut playing(space(30.0), ObsKind::Symbolic), NOOP);
    assert!(won && reward == 10.0);
    assert!((180..195).contains(&noop), "47 tiles at the scroll's 0.25 a step: {noop}");
    let (slow, _, won_slow) = fly(&mut playing(space(30.0), ObsKind::Symbolic), LEFT);
    let (fast, _, won_fast) = fly(&mut playing(space(30.0), ObsKind::Symbolic), RIGHT);
    assert!(won_slow && won_fast);
    assert!(slow > noop + 100 && fast + 40 < noop, "slow {slow}, noop {noop}, fast {fast}");
}

#[test]
fn an_asteroid_kills() {
    let mut level = space(30.0);
    (6..=10).for_each(|y| level.set(20, y, Tile::Wall));
    let (steps, reward, won) = fly(&mut playing(level, ObsKind::Rgb), NOOP);
    assert!(!won && reward == 0.0);
    assert!((60..70).contains(&steps), "crashed at the asteroid: {steps}");
}

#[test]
fn ramming_an_enemy_kills() {
    let mut level = space(400.0);
    level.spawns.push(enemy(TURRET, 25.5, 8.5, 0.0));
    let (steps, _, won) = fly(&mut playing(level, ObsKind::Symbolic), NOOP);
    assert!(!won);
    assert!((80..90).contains(&steps), "met the turret: {steps}");
}

#[test]
fn shots_kill_enemies_for_a_reward() {
    let mut level = space(30.0);
    level.spawns.push(enemy(TURRET, 25.5, 8.5, 0.0));
    let mut env = playing(level, ObsKind::Symbolic);
    let (_, total, won) = fly(&mut env, FIRE);
    assert!(won, "the turret was shot before the ship reached it");
    assert_eq!(total, 11.0, "one kill and the goal");
}

#[test]
fn a_turret_leads_its_shots_into_a_passing_ship() {
    let mut level = space(30.0);
    level.spawns.push(enemy(TURRET, 30.5, 4.5, 0.0));
    let (steps, _, won) = fly(&mut playing(level, ObsKind::Symbolic), NOOP);
    assert!(!won, "shot down");
    assert!(steps < 150, "before the ship is far past the turret: {steps}");
}

#[test]
fn a_flyer_fires_ahead_before_it_can_ram() {
    let mut level = space(30.0);
    level.spawns.push(enemy(FLYER, 45.5, 8.5, -0.05));
    let (steps, _, won) = fly(&mut playing(level, ObsKind::Symbolic), NOOP);
    assert!(!won);
    assert!((112..134).contains(&steps), "hit by its shot, short of the ram at 138: {steps}");
}

#[test]
fn the_gun_reloads_between_shots() {
    let mut env = playing(space(30.0), ObsKind::Symbolic);
    assert_eq!(env.obs()[RELOAD], 0, "ready at the start");
    env.step(&[FIRE]).unwrap();
    assert_eq!(env.obs()[RELOAD], 6);
    env.step(&[NOOP]).unwrap();
    assert_eq!(env.obs()[RELOAD], 5);
    for _ in 0..10 {
        env.step(&[FIRE]).unwrap();
    }
    let shot = entity_id(SpawnKind::Shot, 0);
    let shots = env.obs()[..GRID].iter().filter(|&&id| id == shot).count();
    assert_eq!(shots, 2, "fired at steps 1 and 7 only (the third is due at 13)");
}

#[test]
fn observation_shapes() {
    assert_eq!(GAME.obs_shape(ObsKind::Rgb), vec![64, 64, 3]);
    assert_eq!(GAME.obs_shape(ObsKind::Symbolic), vec![GRID + 5]);
    let env = playing(space(30.0), ObsKind::Symbolic);
    assert_eq!(env.obs()[8 * 16 + 3], entity_id(SpawnKind::Agent, 0), "the window starts at the level's left end");
}
