"""Videos as Python users make and read them: Gymnasium's RecordVideo records a ludica env
made with render_mode="rgb_array" (moviepy writes the MP4), and `ludica record --out x.mp4`
pipes its frames into ffmpeg (here the one imageio-ffmpeg ships, put on PATH as `ffmpeg`)."""

from __future__ import annotations

import os
import re
import subprocess

import gymnasium as gym
import imageio_ffmpeg
from conftest import ludica_cli, train_tiny

import ludica  # noqa: F401 - registers the ludica/* ids


def mp4_frames(path):
    """The frame size and number of frames of a video file, decoded by ffmpeg."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    probe = subprocess.run([ffmpeg, "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    width, height = map(int, re.search(r"Video: .*?, (\d+)x(\d+)[ ,]", probe.stderr).groups())
    decode = [ffmpeg, "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    raw = subprocess.run(decode, capture_output=True, check=True).stdout
    assert len(raw) % (width * height * 3) == 0
    return (width, height), len(raw) // (width * height * 3)


def test_gymnasium_record_video_records_a_ludica_env(tmp_path):
    env = gym.make("ludica/Maze-v0", render_mode="rgb_array", render_scale=2, num_levels=5)
    folder = tmp_path / "videos"
    env = gym.wrappers.RecordVideo(env, str(folder), episode_trigger=lambda _: True, disable_logger=True)
    env.reset(seed=3)
    env.action_space.seed(3)
    steps, done = 0, False
    while not done and steps < 40:
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        steps, done = steps + 1, terminated or truncated
    env.close()
    (video,) = folder.glob("*.mp4")
    size, frames = mp4_frames(video)
    assert size == (128, 128)
    assert frames == steps + 1, "the reset frame and one per step"


def test_ludica_record_writes_an_mp4_through_ffmpeg(tmp_path):
    run = tmp_path / "run"
    train_tiny(run, "--steps", "128")
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "ffmpeg").symlink_to(imageio_ffmpeg.get_ffmpeg_exe())
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    out_file = tmp_path / "agent.mp4"
    args = [ludica_cli(), "record", "--run", run, "--out", out_file, "--episodes", "2", "--scale", "2"]
    args += ["--device", "cpu"]
    out = subprocess.run(args, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    frames_written = int(re.search(r"\((\d+) frames\)", out.stderr).group(1))
    size, frames = mp4_frames(out_file)
    assert size == (128, 128 + 22)
    assert frames == frames_written
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
