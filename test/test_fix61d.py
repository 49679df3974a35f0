"""fix61d: the families of breaker61c's six defects, beyond the cases test_breaker61c.py holds.

Timestamps past 2262 refused by every .npz reader of them (train's ``Episode.load`` as
``bag-from-npz``), one late stamp too; ``check``'s discovery notes as rcl's version reads the
variables; an optional package whose import fails otherwise than ImportError; grey frames saved
without their channel axis read by ``demo --episode``'s reader; ``episode_start_ns`` refusing,
not overflowing.
"""

from __future__ import annotations

import numpy as np
import pytest
from cli_runs import _run

from vjepa_ros.example_episode import load_example
from vjepa_ros.recordings.bag_writing import episode_start_ns
from vjepa_ros.recordings.episode import Episode
from vjepa_ros.ros_environment import discovery_note

EXAMPLE = "vjepa_ros/data/franka_example_traj.npz"


def _episode(tmp_path, frames=None, times=None, name="ep.npz"):
    """Write the packaged example (or ``frames``), a step per ``times`` [T]; return the path."""
    with np.load(EXAMPLE) as data:
        observations, states = data["observations"], data["states"]
    if times is not None and len(times) > 2:  # more steps: the example's two, repeated
        steps = np.arange(len(times)) % 2
        observations, states = observations[:, steps], states[:, steps]
    arrays = {"observations": observations if frames is None else frames, "states": states}
    if times is not None:
        arrays["timestamps"] = np.asarray([times], np.float64)
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("times, unit", [
    ([1733400000123.0, 1733400000133.0], "epoch milliseconds"),  # 100 Hz ms: 10 apart
    # one late stamp (the median spacing a camera's): in ms, or in no epoch unit at all
    ([1733400000.1, 1733400000.2, 1733400000.3, 1733400000.4, 1.8e12], "epoch milliseconds"),
    ([0.0, 0.25, 0.5, 0.75, 1e30], "not seconds"),
])
def test_timestamps_past_2262_are_refused_by_train_and_bag_from_npz_alike(tmp_path, times, unit):
    """Train's reader (``Episode.load``) and bag-from-npz's (``load_example``) refuse them alike.

    Either would otherwise read epoch milliseconds as seconds: a bag's stamps overflow int64
    nanoseconds, training's time grid spans 55 000 years.
    """
    path = _episode(tmp_path, times=times)
    for read in (lambda: Episode.load(path), lambda: load_example(path, timestamps=True)):
        with pytest.raises(ValueError) as caught:
            read()
        text = str(caught.value)
        assert "ep.npz" in text and "2262" in text and unit in text, text
        assert "\n" not in text


def test_epoch_seconds_before_2262_are_kept(tmp_path):
    """Epoch seconds (2024) and a far-future clock before 2262 are read, to the microsecond."""
    for start in (1733400000.123456, 9.2e9):
        path = _episode(tmp_path, times=[start, start + 0.25])
        times = load_example(path, timestamps=True).timestamps
        assert times[0] == start and episode_start_ns(times) == round(start * 1e9)


def test_episode_start_past_int64_nanoseconds_is_a_value_error():
    """A caller of write_bag with epoch milliseconds gets a ValueError naming the fix.

    The readers' words (``episode_file.past_stamps_words``): the unit named by its magnitude,
    and every time checked, not only the first.
    """
    with pytest.raises(ValueError, match="past .* int64 nanosecond.* epoch milliseconds.* / 1e3"):
        episode_start_ns(np.array([1.7e12, 1.7e12 + 10]))
    with pytest.raises(ValueError, match="reach inf, past .* not seconds of any clock"):
        episode_start_ns(np.array([1.7e9, np.inf]))


@pytest.mark.parametrize("environ, rcl, expected", [
    ({"ROS_AUTOMATIC_DISCOVERY_RANGE": "subnet"}, 9, "ROS_AUTOMATIC_DISCOVERY_RANGE='subnet'"),
    ({"ROS_AUTOMATIC_DISCOVERY_RANGE": "Localhost"}, None, "assumes LOCALHOST"),
    ({"ROS_AUTOMATIC_DISCOVERY_RANGE": "SUBNET", "ROS_LOCALHOST_ONLY": "1"}, 10,
     "ROS_LOCALHOST_ONLY=1 is ignored"),
    ({"ROS_AUTOMATIC_DISCOVERY_RANGE": "subnet", "ROS_LOCALHOST_ONLY": "1"}, 9, ""),  # Jazzy
    ({"ROS_AUTOMATIC_DISCOVERY_RANGE": "subnet"}, 5, ""),  # Humble: no range variable
    ({"ROS_AUTOMATIC_DISCOVERY_RANGE": "OFF"}, 10, ""),
])
def test_discovery_note_is_rcls_reading(environ, rcl, expected):
    """The note starts with the variable it is about (check prints it under that one), or ""."""
    note = discovery_note(environ, rcl)
    assert (expected in note and note.split("=")[0] in environ) if expected else note == ""


def test_check_names_an_optional_package_whose_import_fails_otherwise(capsys, monkeypatch,
                                                                      tmp_path):
    """A broken optional package (OSError at import) is its own line; status and the rest kept."""
    (tmp_path / "pyrealsense2.py").write_text('raise OSError("librealsense2.so.2.55: cannot '
                                              'open shared object file")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("ROS_DOMAIN_ID", "26")
    code, out, _ = _run(capsys, "check")
    line = next(x for x in out.splitlines() if x.startswith("pyrealsense2"))
    assert "cannot be imported" in line and "OSError: librealsense2.so.2.55" in line, line
    assert code == 0 and "\npybullet" in out


def test_check_prints_the_packages_cpu_threads(capsys, monkeypatch):
    """The cpu threads line is threads.cpu_threads' default (OMP_NUM_THREADS), not torch's."""
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setenv("ROS_DOMAIN_ID", "26")
    _, out, _ = _run(capsys, "check")
    assert any(x.startswith("cpu threads   3 ") for x in out.splitlines()), out


def test_demo_reader_reads_grey_frames_saved_without_a_channel_axis(tmp_path):
    """Grey [1, T, H, W] (batched, no channel) is read as RGB, as train's reader reads it."""
    with np.load(EXAMPLE) as data:
        grey = data["observations"][..., 1]  # [1, 2, 256, 256]
    path = _episode(tmp_path, frames=grey)
    frames = load_example(path).frames
    assert frames.shape == (2, 256, 256, 3) and np.array_equal(frames[..., 2], grey[0])
    assert np.array_equal(frames, Episode.load(path).frames)
