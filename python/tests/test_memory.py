"""Zero copy and no leaks: Rust writes observations into the very array ``step`` returns,
a long loop neither leaks Python objects nor grows the process, and the GIL is released
while Rust steps."""

from __future__ import annotations

import gc
import sys
import threading
import time
import tracemalloc

import numpy as np

import ludica
from conftest import num_actions

OBS_BYTES = 16 * 64 * 64 * 3


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_with_copy_false_rust_writes_into_the_same_returned_array_every_step():
    envs = ludica.make_vec("maze", 16, obs="rgb", copy=False)
    obs0, _ = envs.reset(seed=0)
    address = obs0.ctypes.data
    before = obs0.copy()
    changed = False
    rng = np.random.default_rng(0)
    for _ in range(50):
        obs, *_ = envs.step(rng.integers(0, num_actions("maze"), 16))
        assert obs is obs0 and obs.ctypes.data == address, "no copy: the returned array is Rust's output buffer"
        changed |= not np.array_equal(obs, before)
    assert changed, "the buffer is written in place"


def test_with_copy_true_each_step_allocates_one_batch_of_observations_and_nothing_else_big():
    rng = np.random.default_rng(0)
    actions = [rng.integers(0, num_actions("maze"), 16) for _ in range(64)]
    for copy, most in ((True, OBS_BYTES * 1.1), (False, 64 * 1024)):
        envs = ludica.make_vec("maze", 16, obs="rgb", copy=copy)
        envs.reset(seed=0)
        kept = []
        tracemalloc.start()
        for a in actions:
            start = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            obs, *_ = envs.step(a)
            kept.append(obs)
            grown = tracemalloc.get_traced_memory()[1] - start
            assert grown <= most, f"copy={copy}: a step allocated {grown} bytes at peak (at most {most})"
        tracemalloc.stop()
        if copy:
            assert all(o.flags.owndata and o.base is None for o in kept), "fresh arrays, not views of a copy"
            assert len({o.ctypes.data for o in kept[-2:]}) == 2
        envs.close()


def test_a_long_loop_leaks_neither_python_objects_nor_process_memory():
    envs = ludica.make_vec("maze", 32, obs="rgb", difficulty=0.0, num_threads=2)
    envs.reset(seed=0)
    actions = [np.random.default_rng(s).integers(0, num_actions("maze"), 32) for s in range(64)]

    def run(steps):
        for t in range(steps):
            envs.step(actions[t % 64])
        gc.collect()

    run(2000)  # warm up: allocator pools, episode ends, level caches
    objects, rss = len(gc.get_objects()), rss_bytes()
    run(20000)
    assert len(gc.get_objects()) - objects < 100
    grown = rss_bytes() - rss
    assert grown < 16 * 2**20, f"the process grew by {grown / 2**20:.1f} MiB over 20000 steps"
    assert sys.getrefcount(envs.step(actions[0])[0]) == 2, "the caller holds the only reference to obs"
    envs.close()


def test_the_gil_is_released_while_rust_steps():
    envs = ludica.make_vec("maze", 512, obs="rgb", num_threads=1)
    envs.reset(seed=0)
    actions = np.zeros(512, np.int64)
    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0)  # hands the GIL back at once, so only a holder that never lets go starves it

    switch = sys.getswitchinterval()
    sys.setswitchinterval(30.0)  # so the GIL changes hands only when its holder lets go
    try:
        counter = threading.Thread(target=count)
        counter.start()
        time.sleep(0.05)
        before, deadline = ticks, time.monotonic() + 10
        # Step until the other thread has run a few times (on a loaded machine it may wait
        # for a core); if the GIL were held through the step, it could not run at all.
        while ticks - before < 10 and time.monotonic() < deadline:
            envs.step(actions)
        during = ticks - before
        stop.set()
        counter.join()
    finally:
        sys.setswitchinterval(switch)
    assert during >= 10, f"the other thread ran only {during} times while Rust stepped: is the GIL held?"
    envs.close()
