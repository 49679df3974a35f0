"""fix42l: bag-from-npz keeps an episode's own clock, refuses a file of several episodes.

ROS-free, CPU, seconds each.
"""

import numpy as np
import pytest

from vjepa_ros.cli import main
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.train.synthetic import blob_episode

SEC = 1_000_000_000


@pytest.mark.parametrize(("first", "kept"), [(0.0, False), (0.4, False), (37.5, True),
                                             (1_712_345_678.25, True)])
def test_bag_from_npz_starts_at_absolute_times_and_default_for_relative(tmp_path, capsys,
                                                                        first, kept):
    """Times from 1 s on are the bag's stamps; times from the episode's start (near 0) are not."""
    episode = blob_episode(frames=5, seed=0)
    times = first + np.arange(5) * 0.25
    np.savez(tmp_path / "ep.npz", observations=episode.frames[None],
             states=episode.states[None], timestamps=times[None])
    assert main(["bag-from-npz", str(tmp_path / "bag"), "--episode",
                 str(tmp_path / "ep.npz")]) == 0
    said = capsys.readouterr().out
    stamps = read_recording(tmp_path / "bag").image_times
    expected = times if kept else DEFAULT_START_NS / SEC + times - first
    np.testing.assert_allclose(stamps / SEC, expected, rtol=0, atol=1e-6)
    assert ("its own clock's time" in said) == kept, said


def test_bag_from_npz_refuses_a_file_of_several_episodes_writing_nothing(tmp_path, capsys):
    a, b, c = (blob_episode(frames=5, seed=seed) for seed in range(3))
    path = tmp_path / "three.npz"
    np.savez(path, observations=np.stack([a.frames, b.frames, c.frames]),
             states=np.stack([a.states, b.states, c.states]))
    assert main(["bag-from-npz", str(tmp_path / "bag"), "--episode", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"{path} holds 3 episodes" in err and "of its own" in err, err
    assert not (tmp_path / "bag").exists()
