"""breaker42l: round trips of the data tools that silently change the data (strict xfails).

Attacked at main 8c00e2c: ``vjepa-ros bag-from-npz`` (``eval/command.py`` ``cmd_bag_from_npz``,
``example_episode.load_example``, ``recordings/bag_writing.write_bag``), the readers train and
eval use (``recordings/bags.read_recording``, ``recordings/resample.resample``/``grid_bounds``,
``train/episodes.load_segments``, ``train/npz_episode``), ``vjepa-ros collect``
(``sim/collector.collect_episode``) and ``vjepa-ros record`` (``eval/record``). An episode ``.npz``
is written as a bag and both are read back as train reads them; each test states the input a lab
gives, what happens now and what should. ROS-free, CPU, seconds each.
"""

import re

import numpy as np
import pytest

from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.train import DataConfig, find_sources
from vjepa_ros.train.episodes import load_segments
from vjepa_ros.train.synthetic import blob_frames

SEC = 1_000_000_000


def _slow_states(count):
    """Return states of a hand pointing down (roll near pi) moving 1 cm a step, closing."""
    states = np.zeros((count, 7))
    states[:, 0] = 0.40 + 0.01 * np.arange(count)
    states[:, 1] = -0.05 + 0.005 * np.arange(count)
    states[:, 2] = 0.30
    states[:, 3:6] = [np.pi - 0.1, 0.05, 0.2]
    states[:, 6] = np.clip(np.linspace(-0.3, 1.3, count), 0.0, 1.0)
    return states


def _npz(path, times, count=8, **extra):
    states = _slow_states(count)
    frames = blob_frames(states, 64)
    np.savez(path, observations=frames[None], states=states[None],
             timestamps=np.asarray(times, dtype=np.float64)[None], **extra)
    return path, frames, states


def _segments(path, frames_per_clip=4):
    return load_segments(find_sources([path])[0], DataConfig(frames_per_clip=frames_per_clip))


@pytest.mark.parametrize("late", ["last_frame_2ms_early", "first_frame_2ms_late"])
def test_a_jittered_4_hz_camera_keeps_its_last_frame(tmp_path, late):
    """8 frames from a 4 Hz camera whose stamps jitter by 2 ms, as every real camera's do.

    A RealSense at 4 Hz (or a 30 Hz stream thinned to 4 Hz) stamps each frame a few ms off
    the ideal grid: the first 2 ms late or the last 2 ms early is as likely as not. Now the
    grid (``resample.grid_bounds``: ``floor((stop - start) / period) + 1`` steps) ends one
    period early: 7 steps of 8 frames, the last frame and its state (here the gripper's last
    closing) never trained on, and an episode of exactly one clip (``frames_per_clip`` 8) is
    refused as shorter than a clip. Expected: every frame within the half-period tolerance of
    its grid time is a step, so 8 steps of 8 frames, in the npz and in the bag written from it.
    """
    from vjepa_ros.cli import main

    times = np.arange(8) / 4.0
    if late == "last_frame_2ms_early":
        times[-1] -= 0.002
    else:
        times[0] += 0.002
    path, frames, states = _npz(tmp_path / "ep.npz", times)
    assert main(["bag-from-npz", str(tmp_path / "bag"), "--episode", str(path)]) == 0
    for source in (path, tmp_path / "bag"):
        segments, _ = _segments(source, frames_per_clip=8)  # now: ShortSourceError (7 steps)
        assert [len(s) for s in segments] == [8], (source, [len(s) for s in segments])
        np.testing.assert_array_equal(segments[0].frames, frames)
        np.testing.assert_allclose(segments[0].states[:, 6], states[:, 6], atol=1e-6)


def test_bag_from_npz_of_a_file_of_several_episodes_does_not_drop_all_but_the_first(tmp_path,
                                                                                   capsys):
    """An ``.npz`` holding 2 episodes in the published layout's batch axis ([2, T, H, W, 3]).

    A lab that stacked its episodes (the published layout has a leading batch axis: [1, T, ...])
    converts the file to bags. Now: ``wrote BAG (mcap): 8 frames``, status 0: episode 1 is
    silently left out (train refuses the same file, so the bag is the only form it reaches
    training in). Expected: each episode written (a bag each), or the file refused, or at least
    the output saying the file holds 2 episodes and which one was written.
    """
    from vjepa_ros.cli import main

    states = _slow_states(8)
    other = states.copy()
    other[:, 1] += 0.1
    frames = np.stack([blob_frames(states, 64), blob_frames(other, 64)])
    times = np.stack([np.arange(8) / 4.0] * 2)
    path = tmp_path / "two.npz"
    np.savez(path, observations=frames, states=np.stack([states, other]), timestamps=times)
    status = main(["bag-from-npz", str(tmp_path / "bag"), "--episode", str(path)])
    printed = capsys.readouterr()
    said = (printed.out + printed.err).replace(str(tmp_path), "")
    assert status != 0 or re.search(r"\b2 episodes|of (the file's )?2\b|episode 1\b", said), said


def test_bag_from_npz_keeps_epoch_timestamps_as_the_bags_stamps(tmp_path):
    """An episode whose ``timestamps`` are the recording's epoch seconds (header stamps / 1e9).

    A lab exporting its recordings to ``.npz`` keeps the ROS stamps as float seconds
    (1712345678.25, ...), which the readers accept (``episode_file.episode_timestamps``), and
    ``--help`` says the bag is written at the episode's timestamps. Now the intervals are kept
    but every bag starts at 1_700_000_000 s: the bag no longer lines up with the lab's other
    recordings of the same moment (a wrist camera, /tf, a force sensor bag) when merged or
    played together, and two episodes converted separately overlap in time. Expected: the
    bag's header stamps and record times are the episode's timestamps (to the microsecond).
    """
    from vjepa_ros.cli import main

    start = 1_712_345_678.25
    path, _, _ = _npz(tmp_path / "ep.npz", start + np.arange(8) / 4.0)
    assert main(["bag-from-npz", str(tmp_path / "bag"), "--episode", str(path)]) == 0
    times = read_recording(tmp_path / "bag").image_times
    assert times[0] != DEFAULT_START_NS or start * SEC == DEFAULT_START_NS
    np.testing.assert_allclose(times / SEC, start + np.arange(8) / 4.0, rtol=0, atol=1e-6)
