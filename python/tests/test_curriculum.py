"""ludica.LevelSampler: the Rust level sampler from Python. It chooses levels of its set, the
vector env plays the level queued for each env, scores from a rollout fill the buffer,
robust PLR replays what it scored, its state round-trips, and bad settings are clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import ludica


def test_queued_levels_are_played_at_reset_and_after_episodes_end():
    for mode in (ludica.AutoresetMode.NEXT_STEP, ludica.AutoresetMode.SAME_STEP):
        envs = ludica.make_vec("maze", 4, num_levels=50, obs="symbolic", difficulty=0.0, autoreset_mode=mode)
        sampler = ludica.LevelSampler("dr", num_levels=10, start_level=1000, seed=3)
        _, info = sampler.reset(envs, seed=0)
        assert all(1000 <= s < 1010 for s in info["level_seed"]), "the sampler's levels, not the env's 50"
        played = set()
        rng = np.random.default_rng(0)
        for _ in range(400):
            _, _, _, _, info = sampler.step(envs, rng.integers(0, envs.single_action_space.n, 4))
            played.update(int(s) for s in info["level_seed"])
        assert played <= set(range(1000, 1010)) and len(played) > 4, played
        envs.close()


def test_scores_fill_the_buffer_and_replays_follow():
    sampler = ludica.LevelSampler("robust-plr", num_levels=6, seed=1, replay_prob=1.0, buffer_size=3)
    assert sampler.capacity == 3
    seeds = np.array([[0, 1], [0, 2], [4, 2]], np.uint64)
    dones = np.array([[False, True], [True, False], [False, False]])
    adv = np.array([[1.0, 2.0], [1.0, -1.0], [0.5, -3.0]], np.float32)
    changes = sampler.update(seeds, dones, adv)
    assert [c["seed"] for c in changes] == [0, 4, 1, 2]
    assert sorted(e["seed"] for e in sampler.buffer()) == [0, 1, 4], "2 scored 0 and found the buffer full"
    assert np.isclose(sampler.replay_weights().sum(), 1.0)
    picks = [sampler.next_level() for _ in range(20)]
    assert all(replay and seed in (0, 1, 4) for seed, replay in picks), "a full buffer with replay_prob 1"
    twin = ludica.LevelSampler("robust-plr", num_levels=6, seed=1, replay_prob=1.0, buffer_size=3)
    twin.load_state_dict(sampler.state_dict())
    assert [twin.next_level() for _ in range(10)] == [sampler.next_level() for _ in range(10)]


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="plr_temperature = 0 is out of range"):
        ludica.LevelSampler("plr", temperature=0.0)
    with pytest.raises(ValueError, match="curriculum 'accel' is not allowed"):
        ludica.LevelSampler("accel")
    with pytest.raises(ValueError, match="200 training levels"):
        ludica.LevelSampler("plr", buffer_size=300)
    with pytest.raises(ValueError, match="plr_replay_prob = 2"):
        ludica.LevelSampler("plr", replay_prob=2)
    envs = ludica.make_vec("maze", 2, obs="symbolic")
    with pytest.raises(ValueError, match="level_seed"):
        envs.set_next_level(0, -1)
    envs.close()
