"""fix59b: frames that do not differ, absolute floors, the step lines' numbers (breaker59b).

Pretraining on frames of one picture, the monitors' absolute floors, and the numbers of the step
lines, the summary and a stopped run's monitors (breaker59b #1, #2).
"""

from __future__ import annotations

import json
import signal

import numpy as np
import pytest
import torch
import yaml
from test_pretrain_encoder import TINY, square_videos, tiny_config

from vjepa_ros.cli import main
from vjepa_ros.train import pretrain as pretrain_module
from vjepa_ros.train.collapse import ABSOLUTE_FLOORS, collapse_warnings
from vjepa_ros.train.one_picture import is_one_picture, one_picture_check
from vjepa_ros.train.pretrain import PretrainInterrupted, pretrain_encoder
from vjepa_ros.train.pretrain_data import ClipSampler, load_clip_segments, spread_frames

pytestmark = pytest.mark.usefixtures("one_thread")
FLOORS = {"feature_std": 0.5, "effective_rank": 0.5, "pairwise_distance": 0.5}


def _picture(size: int = 32, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (size, size, 3)).astype(np.uint8)


def _noisy(picture: np.ndarray, frames: int, sigma: float, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, (frames, *picture.shape))
    return np.clip(picture[None] + noise, 0, 255).round().astype(np.uint8)


def _save(path, video):
    np.savez(path, observations=video[None], timestamps=(np.arange(len(video)) / 4.0)[None])
    return path


# ------------------------------------------------------------------ frames that do not differ


@pytest.mark.parametrize("sigma", [0.0, 2.0, 4.0], ids=["exact", "noise-2", "noise-4"])
def test_one_picture_within_noise_is_refused_naming_the_file(tmp_path, sigma, capsys):
    data = _save(tmp_path / "frozen.npz", _noisy(_picture(), 12, sigma))
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "steps": 3, "monitor_every": 3}))
    code = main(["pretrain", "--data", str(data), "--out", str(tmp_path / "out" / "enc.pt"),
                 "--config", str(settings), "--threads", "1"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1, err
    assert str(data) in err and "all 12 frames are one picture" in err, err
    assert "monitors" in err and "ros2 topic hz" in err, err
    assert not (tmp_path / "out").exists()  # refused before the out folder was made


def test_several_frozen_sources_of_one_picture_are_refused_and_two_pictures_are_not(tmp_path):
    picture = _picture()
    one = [_noisy(picture, 8, 2.0, seed) for seed in range(3)]
    sources = ["a.npz", "b.npz", "c.npz"]
    with pytest.raises(ValueError, match=r"^a\.npz, b\.npz, c\.npz: all 24 frames are one"):
        one_picture_check(one, sources, spread_frames(one, 16))
    two = [one[0], _noisy(_picture(seed=2), 8, 2.0)]  # two frozen cameras: notes, no refusal
    notes = one_picture_check(two, sources[:2], spread_frames(two, 16))
    assert len(notes) == 1 and notes[0].startswith("2 sources (a.npz, b.npz) are one picture")


def test_a_frozen_source_among_moving_ones_is_noted_by_name():
    moving = square_videos(2, frames=8)
    frozen = _noisy(_picture(), 8, 1.0)
    segments = [*moving, frozen]
    sources = ["m0.npz", "m1.npz", "cam2.npz"]
    notes = one_picture_check(segments, sources, spread_frames(segments, 16))
    assert len(notes) == 1 and notes[0].startswith("1 source (cam2.npz) is one picture"), notes
    assert "leave them out of --data" in notes[0]
    assert one_picture_check(moving, sources[:2], spread_frames(moving, 16)) == []


def test_a_source_frozen_in_one_segment_only_is_not_noted():
    moving, frozen = square_videos(1, frames=8)[0], _noisy(_picture(), 8, 1.0)
    assert one_picture_check([moving, frozen], ["a.npz", "a.npz"],
                             spread_frames([moving, frozen], 16)) == []


def test_monitor_frames_of_one_picture_among_frames_that_differ_are_noted():
    still, moving = _noisy(_picture(), 40, 1.0), square_videos(1, frames=8)[0]
    notes = one_picture_check([still, moving], ["still.npz", "moving.npz"], still[:4])
    assert notes[-1].startswith("the 4 monitor frames spread over the data are one picture")
    assert "absolute floors" in notes[-1] and "monitor_frames" in notes[-1]


def test_real_motion_and_light_change_are_not_one_picture():
    """The square moving, and one picture brightened by 10 levels (a mean-level change)."""
    assert not is_one_picture(square_videos(1, frames=4)[0])
    picture = _picture().astype(np.int16)
    assert not is_one_picture(np.stack([picture, picture + 10]).clip(0, 255).astype(np.uint8))
    assert is_one_picture(_picture()[None])  # one frame: one picture


# ------------------------------------------------------------- the monitors' absolute floors


@pytest.mark.parametrize("start", [0.0, 1e-7, 1e-4])
def test_a_start_of_zero_or_near_it_warns_at_the_absolute_floors(start):
    begin = {name: start for name in FLOORS}
    warned = collapse_warnings(begin, begin, FLOORS)  # step 0 itself
    assert [line.split()[0] for line in warned] == list(FLOORS)
    assert all("absolute floor" in line for line in warned)
    above = {name: 2 * floor for name, floor in ABSOLUTE_FLOORS.items()}
    assert collapse_warnings(begin, above, FLOORS) == []  # not below: no warning
    at = dict(ABSOLUTE_FLOORS)
    assert collapse_warnings(begin, at, FLOORS) == []  # the boundary is strict


def test_a_healthy_start_keeps_its_relative_floor_and_a_zero_floor_turns_warnings_off():
    start = {"feature_std": 0.2, "effective_rank": 6.0, "pairwise_distance": 0.2}
    now = {"feature_std": 0.09, "effective_rank": 2.9, "pairwise_distance": 0.09}
    assert all("x start" in line for line in collapse_warnings(start, now, FLOORS))
    assert len(collapse_warnings(start, now, FLOORS)) == 3
    zero = {name: 0.0 for name in FLOORS}
    off = dict(FLOORS, feature_std=0.0)
    assert [line.split()[0] for line in collapse_warnings(zero, zero, off)] == [
        "effective_rank", "pairwise_distance"]


def test_monitor_frames_of_one_picture_warn_from_step_0(monkeypatch):
    """The data check passed (other frames differ), the monitors' frames are one picture."""
    config = tiny_config(steps=2, monitor_every=2)
    videos = square_videos(2)
    sampler = ClipSampler(videos, 2, 32, 0.25, torch.Generator().manual_seed(0))
    frames = np.repeat(videos[0][:1], 4, 0)
    lines = []
    result = pretrain_encoder(sampler, frames, config, log=lines.append)
    assert result.monitors[0]["feature_std"] == 0 and result.monitors[0]["effective_rank"] == 0
    assert result.warnings[0].startswith("step 0: feature_std 0 is below its absolute floor")
    assert any(line.startswith("WARNING step 2: ") for line in lines)


# ------------------------------------------------------- the step lines' and summary's numbers


def _timed(monkeypatch, step_s: float, monitor_s: float):
    """Return a fake time [s] that each monitor advances by ``monitor_s``."""
    now = [0.0]
    encode = pretrain_module.encode_still

    def slow_monitor(*args, **kwargs):
        now[0] += monitor_s
        return encode(*args, **kwargs)

    monkeypatch.setattr(pretrain_module, "encode_still", slow_monitor)
    return now


class _TimedSampler(ClipSampler):
    def __init__(self, videos, now, step_s, stop_at=None):
        super().__init__(videos, 2, 32, 0.25, torch.Generator().manual_seed(0))
        self.now, self.step_s, self.stop_at, self.drawn = now, step_s, stop_at, 0

    def sample(self, batch_size):
        self.now[0] += self.step_s
        self.drawn += 1
        if self.drawn == self.stop_at:
            signal.raise_signal(signal.SIGINT)  # Ctrl-C within this step: it ends first
        return super().sample(batch_size)


def test_step_lines_give_the_loss_and_pace_since_the_line_before_monitors_apart(monkeypatch):
    """3 s a step, 50 s a monitor, a progress line every 10 s: each line of its own steps.

    s/step leaves the monitors out, the wall time since the start keeps them.
    """
    now = _timed(monkeypatch, 3.0, 50.0)
    config = tiny_config(steps=12, monitor_every=5)
    sampler = _TimedSampler(square_videos(2), now, 3.0)
    lines = []
    result = pretrain_encoder(sampler, spread_frames(square_videos(2), 8), config,
                              log=lines.append, clock=lambda: now[0])
    steps = [line for line in lines if line.startswith("step ")]
    done = [int(line.split()[1].split("/")[0]) for line in steps]
    assert done == [4, 5, 9, 10, 12], steps  # 4 steps = 12 s; the monitor steps 5, 10, 12
    bounds = [0, *done]
    for line, first, last in zip(steps, bounds, bounds[1:], strict=False):
        assert float(line.split()[3]) == pytest.approx(np.mean(result.losses[first:last]),
                                                       abs=6e-5), line
        assert "3.00 s/step" in line, line
    assert steps[1].endswith(f"{50 + 15:.0f} s (3.00 s/step)")  # monitor 0 + 5 steps
    assert result.seconds == pytest.approx(12 * 3 + 4 * 50)  # 4 monitors: 0, 5, 10, 12
    assert result.step_seconds == pytest.approx(12 * 3)


def test_a_stopped_runs_last_monitor_is_of_the_step_it_stopped_at(monkeypatch):
    now = _timed(monkeypatch, 1.0, 0.0)
    config = tiny_config(steps=20, monitor_every=5)
    sampler = _TimedSampler(square_videos(2), now, 1.0, stop_at=7)
    lines = []
    with pytest.raises(PretrainInterrupted) as stopped:
        pretrain_encoder(sampler, spread_frames(square_videos(2), 8), config, log=lines.append,
                         clock=lambda: now[0])
    result = stopped.value.result
    assert len(result.losses) == 7
    assert [m["step"] for m in result.monitors] == [0, 5, 7]
    assert lines[-1].startswith("monitor step     7")
    assert result.step_seconds == pytest.approx(7.0)


def test_the_summary_and_json_say_the_steps_own_time_and_the_monitors(tmp_path, capsys):
    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "eps", 2, frames=10, seed=3, size=32)
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "steps": 4, "monitor_every": 2}))
    out = tmp_path / "e.pt"
    assert main(["pretrain", "--data", str(tmp_path / "eps"), "--out", str(out), "--config",
                 str(settings), "--threads", "1", "--quiet"]) == 0
    summary = next(line for line in capsys.readouterr().out.splitlines()
                   if line.startswith("saved "))
    assert ": 4 steps in " in summary and " s of monitors and saves); final loss" in summary
    curves = json.loads(out.with_suffix(".json").read_text())
    assert curves["trained_steps"] == 4 and 0 < curves["step_seconds"] <= curves["seconds"]


# ------------------------------------------------------------------------- a folder of images


def test_a_folder_of_images_is_told_how_to_make_an_episode(tmp_path):
    from PIL import Image

    folder = tmp_path / "frames"
    folder.mkdir()
    for index in range(3):
        Image.fromarray(_picture(seed=index)).save(folder / f"{index:04d}.png")
    for given in (folder, folder / "0000.png"):
        with pytest.raises(ValueError) as refused:
            load_clip_segments([given], 2, log=None)
        text = str(refused.value)
        assert text.startswith(str(given)) and "\n" not in text, text
        assert "pretrain reads no images" in text and "np.savez(" in text, text
        assert "observations" in text and "timestamps" in text, text
    assert "holds 3 image files" in text or "is an image file" in text
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("x")
    with pytest.raises(ValueError) as refused:
        load_clip_segments([empty], 2, log=None)
    assert "np.savez" not in str(refused.value)
