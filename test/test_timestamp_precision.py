"""Frame times saved in a float too narrow for them: every reader names the dtype and the fix.

float32 holds epoch seconds (1.7e9) in steps of 128 s (seconds since the start to 1 ms up to
4.5 hours), float16 nothing past 65504 s and only
2 ms steps past 2 s (``recordings.time_precision``). The family, through each reader of saved
times: training (``train``'s ``.npz`` reader), ``bag-from-npz`` (``load_example``), the
Python ``write_bag``; and the stamps that hold (float32 seconds since the start, float64
epoch seconds, integer milliseconds refused for their unit as before).
"""

from __future__ import annotations

import numpy as np
import pytest
from train_bags import _picture, _read

from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.time_precision import timestamp_precision_problem

COUNT = 17


def _episode(path, times):
    """Write 17 frames at ``times`` with states moving 1 cm a frame along x."""
    states = np.zeros((COUNT, 7))
    states[:, 0] = 0.4 + 0.01 * np.arange(COUNT)
    states[:, 2], states[:, 3] = 0.3, np.pi
    np.savez(path, observations=np.stack([_picture(k) for k in range(COUNT)]), states=states,
             timestamps=times)
    return path


TOO_COARSE = {  # times as saved, the dtype named
    "float32 epoch seconds": ((1.7e9 + np.arange(COUNT) / 4).astype(np.float32), "float32"),
    "float32 seconds since the start, 5.6 hours in": (
        (20000 + np.arange(COUNT) / 4).astype(np.float32), "float32"),
    # 1.7e9 cast to float16: inf, every one
    "float16 epoch seconds (inf)": (np.full(COUNT, np.inf, np.float16), "float16"),
    "float16 seconds since the start": ((np.arange(COUNT) / 4).astype(np.float16), "float16"),
}


@pytest.mark.parametrize("case", list(TOO_COARSE))
def test_training_names_the_dtype_of_coarse_timestamps(case, tmp_path):
    from vjepa_ros.train.episodes import EpisodeError

    times, dtype = TOO_COARSE[case]
    path = _episode(tmp_path / "ep.npz", times)
    with pytest.raises(EpisodeError) as caught:
        _read(path, frames_per_clip=3)
    text = str(caught.value)
    assert path.name in text and "\n" not in text, text
    assert f"are {dtype}" in text and "float64" in text and "whole seconds" not in text, text


@pytest.mark.parametrize("case", list(TOO_COARSE))
def test_bag_from_npz_names_the_dtype_of_coarse_timestamps(case, tmp_path):
    from vjepa_ros.example_episode import load_example

    times, dtype = TOO_COARSE[case]
    path = _episode(tmp_path / "ep.npz", times)
    with pytest.raises(ValueError) as caught:
        load_example(path, timestamps=True)
    text = str(caught.value)
    assert path.name in text and "\n" not in text and f"are {dtype}" in text, text


def test_write_bag_names_the_dtype_of_coarse_times(tmp_path):
    from vjepa_ros.recordings.bag_writing import write_bag

    states = np.zeros((COUNT, 7))
    states[:, 0], states[:, 2], states[:, 3] = 0.4, 0.3, np.pi
    frames = np.stack([_picture(k) for k in range(COUNT)])
    times = (1.7e9 + np.arange(COUNT) / 4).astype(np.float32)
    with pytest.raises(BagError, match=r"times_s are float32, which holds 1\.7e\+09 s only in "
                                       r"steps of 128 s"):
        write_bag(tmp_path / "bag", frames, states, times_s=times)
    assert not (tmp_path / "bag").exists()


@pytest.mark.parametrize("times", [
    (np.arange(COUNT) / 4).astype(np.float32),  # seconds since the start: 0.25 exact
    (100 + np.arange(COUNT) / 4).astype(np.float32),  # 100 s in: steps of 7.6 µs
    1.7e9 + np.arange(COUNT) / 4,  # float64 epoch seconds
], ids=["float32 from 0", "float32 100 s in", "float64 epoch"])
def test_timestamps_a_float_holds_are_read(times, tmp_path):
    (segment,), notes = _read(_episode(tmp_path / "ep.npz", times), frames_per_clip=3)
    assert len(segment.states) == COUNT
    np.testing.assert_allclose(segment.states[:, 0], 0.4 + 0.01 * np.arange(COUNT), atol=1e-6)


def test_the_rule_is_the_resolution_at_the_largest_stamp():
    assert timestamp_precision_problem(np.float32([16000.0])) == ""  # steps of 0.98 ms
    assert "steps of 0.00195 s" in timestamp_precision_problem(np.float32([16400.0]))
    assert timestamp_precision_problem(np.float16([1.0, 1.5])) == ""  # steps of 0.98 ms
    assert "float16" in timestamp_precision_problem(np.float16([2.0]))
    for exact in (np.int64([1_700_000_000_000]), np.float64([1.7e9]), np.float32([])):
        assert timestamp_precision_problem(exact) == ""


def test_integer_milliseconds_are_still_refused_for_their_unit(tmp_path):
    from vjepa_ros.train.episodes import EpisodeError

    path = _episode(tmp_path / "ep.npz", 1_700_000_000_000 + np.arange(COUNT) * 250)
    with pytest.raises(EpisodeError, match="milliseconds"):
        _read(path, frames_per_clip=3)
