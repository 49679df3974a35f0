"""breaker61c: planning while the arm moves, and the small commands (demo, check, bag-from-npz).

Attacked at 3a9a7dcc: ``vjepa-ros bag-from-npz`` (odd ``.npz`` layouts, frame dtypes and channel
counts, timestamps in other units, existing outputs), ``vjepa-ros check`` (``ROS_DOMAIN_ID``
spellings: blank, padded, signed, octal, hexadecimal, out of range), ``vjepa-ros demo
--episode`` and the planner node's continuous / async control.

Defects (strict xfail at 3a9a7dcc), numbered as found; none is a safety defect:

1. ``vjepa-ros bag-from-npz`` of an episode whose ``timestamps`` are past 2262 as seconds
   (epoch milliseconds of a camera at 100 Hz or faster: 10 ms apart passes the unit check, which
   refuses spacing over 10 s only) ends in a traceback (``OverflowError: Python int too large
   to convert to C long`` in ``bag_writing``), exit 1, not one line.
2. ``vjepa-ros bag-from-npz`` and ``demo --episode`` refuse RGBA ``[T, H, W, 4]`` and grey
   ``[T, H, W, 1]`` frames ("need >= 2 frames [T, H, W, 3]"), while docs/simulator.md says every
   reader, ``demo --episode`` and ``bag-from-npz`` named, reads them as a bag's camera is, and
   their own refusal of float frames advises "also read ...: RGBA [T, H, W, 4], grey
   [T, H, W, 1]": ``load_example`` checks the shape before ``check_episode_frames``.
3. ``vjepa-ros demo --episode`` plans on frames the planner node and eval refuse (under 32 px a
   side, over 4:1) and prints an agreement cosine, with no word on the size.
4. ``vjepa-ros check`` prints a ``ROS_AUTOMATIC_DISCOVERY_RANGE`` rcl refuses (``subnet``,
   ``SUBNET ``, ``LAN``) with no word; rcl then discovers on this machine only.
5. ``vjepa-ros check`` ends in a traceback (not its other lines) when ``import torch`` raises
   OSError (a CUDA wheel missing ``libcudart.so.12``, pytorch/pytorch#131284).
6. ``vjepa-ros demo --episode`` of a file of several episodes plans on episode 0 with no word
   (``no step of the episode moves`` when episode 0 is still and episode 1 moves).

Held (not repeated here): float 0..1 / 0..255 and bool frames (refused with the conversion),
channels-first frames (refused), 16-bit colour (read), 1x1 and 7x5 frames, [1, T] timestamps,
whole-number, negative, text and scalar timestamps, ns / ms / µs epoch stamps at a camera's
rate (refused naming the unit); ``check`` with ``ROS_DOMAIN_ID`` '', ' 5', '05', '+5', '-0',
'010', '08', '0x10', '5.0', 233, 2**32+5 (each as rcl reads it or refused naming why); ``demo``
with an .npz/bag folder/``/dev/null`` as ``--checkpoint`` or ``--episode``, ``--device cuda`` on a
CPU torch, a still or rotation-only episode (``agreement n/a``), a still first step (the first
moving one planned, with a note); the closed loop (``sim.reach.run_reach_episode``, the oracle,
continuous and async, plans of 0.05-3 s simulated, blend 1 and 5 cm, a workspace box cutting
the goal): every set-point within max_speed, max_accel, max_step of the measured TCP and the
box, no reversal of the set-point's direction.
"""

from __future__ import annotations

import numpy as np
import pytest
from cli_runs import _run

EXAMPLE = "vjepa_ros/data/franka_example_traj.npz"


def _example():
    """Return the packaged example's frames [2, 256, 256, 3] uint8 and states [2, 7] float32."""
    with np.load(EXAMPLE) as data:
        return data["observations"][0], data["states"][0]


# ---------------------------------------------- 1. timestamps past int64 nanoseconds


@pytest.mark.parametrize("start, step", [(1733400000123.0, 10.0), (1e12, 0.25)])
def test_bag_from_npz_timestamps_beyond_int64_ns_are_one_line(capsys, tmp_path, start, step):
    """``vjepa-ros bag-from-npz OUT --episode ep.npz``, its timestamps epoch milliseconds.

    What the user does: saves an episode from a 100 Hz camera with its stamps in milliseconds
    since the epoch (1733400000123, ...133: 10 apart, which the unit check takes for seconds,
    it refuses a spacing over 10 s only), or any timestamps past 9.22e9 s, and writes a bag.
    What happens: ``bag_writing`` turns the start into int64 nanoseconds: ``OverflowError:
    Python int too large to convert to C long``, a traceback, exit status 1.
    What should happen: one line naming the file and the timestamps (past what a bag's int64
    nanosecond stamps hold: milliseconds? save them as seconds, or give --rate), nothing
    written, exit status 1.
    """
    frames, states = _example()
    episode = tmp_path / "ep.npz"
    np.savez(episode, observations=frames[None], states=states[None],
             timestamps=np.array([[start, start + step]]))
    try:
        code, out, err = _run(capsys, "bag-from-npz", str(tmp_path / "bag"),
                              "--episode", str(episode))
    except OverflowError as exc:  # the traceback the user sees
        pytest.fail(f"traceback: OverflowError: {exc}")
    assert code == 1
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert "ep.npz" in err and "timestamps" in err, err
    assert not (tmp_path / "bag").exists()


# ---------------------------------------------- 2. RGBA and grey frames


@pytest.mark.parametrize("layout", ["rgba", "grey"])
def test_bag_from_npz_reads_rgba_and_grey_frames(capsys, tmp_path, layout):
    """``vjepa-ros bag-from-npz OUT --episode ep.npz``, the frames RGBA or grey [T, H, W, 1].

    What the user does: saves an episode's frames as pybullet gives them (RGBA [T, H, W, 4]) or
    from a grey camera ([T, H, W, 1]) and writes it as a bag (``demo --episode`` alike: the
    same reader, ``example_episode.load_example``).
    What happens: refused, "need >= 2 frames [T, H, W, 3] with states [T, 7], got (2, 256,
    256, 4)", exit 1. docs/simulator.md: "Every reader (train, pretrain, demo --episode,
    bag-from-npz) checks the frames alike (check_episode_frames): RGBA, grey [T, H, W, 1] and
    16-bit colour frames are read as a bag's camera topic of them is"; the same command's
    refusal of float frames advises "also read, as a bag's camera is: RGBA [T, H, W, 4], grey
    [T, H, W, 1]" (``input_paths.FRAME_LAYOUTS``), so a user who converts float RGBA frames as
    told is refused again. ``load_example`` checks ``frames.shape[-1] != 3`` before
    ``check_episode_frames`` reads the layouts (train's ``Episode.load`` reads them).
    What should happen: the bag is written, its frames RGB (alpha dropped, grey repeated),
    exit status 0, as the docs and the advice say.
    """
    from vjepa_ros.example_episode import load_example

    frames, states = _example()
    frames = (np.concatenate([frames, np.full(frames.shape[:-1] + (1,), 255, np.uint8)], -1)
              if layout == "rgba" else frames[..., :1])
    episode = tmp_path / "ep.npz"
    np.savez(episode, observations=frames[None], states=states[None])
    code, out, err = _run(capsys, "bag-from-npz", str(tmp_path / "bag"), "--episode",
                          str(episode))
    assert code == 0, err
    assert "wrote" in out
    read = load_example(episode).frames  # demo --episode's reader
    assert read.shape == (2, 256, 256, 3)
    expected = frames[..., :3] if layout == "rgba" else np.repeat(frames, 3, -1)
    assert np.array_equal(read, expected)


# ---------------------------------------------- 3. demo scores plans on frames the node refuses


@pytest.mark.parametrize("size", [(1, 1), (7, 5), (32, 200)])
def test_demo_refuses_frames_the_planner_refuses(capsys, tmp_path, size):
    """``vjepa-ros demo --episode ep.npz``, the episode's frames 1x1, 7x5 or 200x32 px.

    What the user does: runs the demo on an episode whose frames are thumbnails (a preview
    saved instead of the camera's frames) or a strip, to see how the model plans on it.
    What happens: it encodes them (``encode 2 frames 1x1``), plans and prints ``planned``,
    ``executed`` and an ``agreement`` cosine, status 0, with no word on the size: the frames are
    upsampled to the model's 256 px, a picture of nothing. The planner node refuses such frames
    (``image_limits.image_size_problem``: under 32 px a side, a long side over 4 times the short
    one), and eval and camera-check refuse to score plans on them (``Recording.
    check_plannable_size``, breaker38: "so that eval and the camera check never score plans on
    frames the node would refuse"); demo is the third command that scores a plan against the
    executed move and applies no such check.
    What should happen: refused in one line naming the file and the size (as eval's ``the
    frames ... is 7x5, smaller than 32 px a side ...``), nothing planned, exit status 1.
    """
    _, states = _example()
    height, width = size
    frames = np.zeros((2, height, width, 3), np.uint8)
    frames[1] = 200
    episode = tmp_path / "ep.npz"
    np.savez(episode, observations=frames[None], states=states[None])
    code, out, err = _run(capsys, "demo", "--threads", "1", "--samples", "4", "--topk", "2",
                          "--iterations", "1", "--horizon", "1", "--episode", str(episode))
    assert "agreement" not in out, out
    assert code == 1
    assert f"{width}x{height}" in err and "ep.npz" in err, err


# ---------------------------------------------- 4. check: a discovery range rcl refuses


@pytest.mark.parametrize("value", ["subnet", "SUBNET ", "LAN"])
def test_check_names_a_discovery_range_rcl_refuses(capsys, monkeypatch, value):
    """``ROS_AUTOMATIC_DISCOVERY_RANGE=subnet vjepa-ros check``.

    What the user does: nodes on two machines do not see each other; they run ``vjepa-ros
    check``, which README says prints "the ROS variables" and explains a ``ROS_DOMAIN_ID`` rcl
    reads otherwise (``010``: "rcl reads it as an octal number (8)").
    What happens: ``ROS_AUTOMATIC_DISCOVERY_RANGE       subnet`` and nothing more, status 0:
    the value looks right. rcl compares it exactly (``strcmp``) with SUBNET, LOCALHOST, OFF,
    SYSTEM_DEFAULT and takes any other as LOCALHOST ("Invalid value 'subnet' ..., assuming
    localhost only", seen here with rclpy), so discovery stays on this machine. The package
    knows (``ros_environment.discovery_range``; reach's, launch's and every node's first line
    say ``rcl refuses ROS_AUTOMATIC_DISCOVERY_RANGE='subnet' and assumes LOCALHOST``, README
    "reach"), but check, the command for looking at the environment, does not say it.
    What should happen: a line under the variable naming the range rcl takes (LOCALHOST) and
    the values it takes exactly, as for ``ROS_DOMAIN_ID``.
    """
    monkeypatch.setenv("ROS_AUTOMATIC_DISCOVERY_RANGE", value)
    monkeypatch.delenv("ROS_LOCALHOST_ONLY", raising=False)
    monkeypatch.setenv("ROS_DOMAIN_ID", "26")
    code, out, err = _run(capsys, "check")
    lines = out.splitlines()
    at = next(k for k, line in enumerate(lines)
              if line.startswith("ROS_AUTOMATIC_DISCOVERY_RANGE"))
    told = lines[at + 1]  # the line under the variable, as ROS_DOMAIN_ID's UNUSABLE/WARNING
    assert not told.startswith("ROS_") and "LOCALHOST" in told, "\n".join(lines[at:at + 2])


# ---------------------------------------------- 5. check: a torch whose import fails otherwise


def test_check_says_torch_is_broken_when_its_import_raises_oserror(tmp_path):
    """``vjepa-ros check`` where ``import torch`` raises OSError.

    What the user does: installs a CUDA build of torch whose CUDA libraries the loader does not
    find (pytorch/pytorch#131284: ``import torch`` raises ``OSError: libcudart.so.12: cannot
    open shared object file`` from ``torch._load_global_deps``' ``ctypes.CDLL``), and runs
    ``vjepa-ros check``, the command for "what the machine offers", to see what is wrong.
    What happens: after the python line, a 30-line traceback ending in the OSError: check
    catches only ImportError around ``import torch`` (``cli._check_environment``), so none of
    its other lines (config, rclpy, the ROS variables, the optional packages) is printed.
    What should happen: a ``torch`` line saying it cannot be imported and why (the OSError's
    one line), the remaining lines, status 1.
    """
    import os
    import subprocess
    import sys

    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        'raise OSError("libcudart.so.12: cannot open shared object file: No such file or '
        'directory")\n')
    repo = os.getcwd()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), repo]))
    done = subprocess.run([sys.executable, "-m", "vjepa_ros.cli", "check"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr[-600:]
    assert "libcudart.so.12" in done.stdout + done.stderr
    assert "ROS_DOMAIN_ID" in done.stdout and "pybullet" in done.stdout, done.stdout


# ---------------------------------------------- 6. demo: a file of several episodes


def test_demo_says_which_episode_of_several_it_plans(capsys, tmp_path):
    """``vjepa-ros demo --episode eps.npz``, the file holding 2 episodes ([2, T, ...] arrays).

    What the user does: gives the demo a file of several episodes (a lab's batch export,
    ``observations`` [2, T, H, W, 3], ``states`` [2, T, 7]) whose first episode is a still
    start and whose second moves.
    What happens: the demo plans on episode 0 alone and says nothing of the other: ``agreement
    n/a: no step of the episode moves 2 mm``, status 0, though the file's episode 1 moves 13
    cm. ``load_example`` counts the episodes (``Example.episodes``, "for a caller that must not
    drop the others") and ``bag-from-npz`` refuses such a file ("never drop the others
    silently"); the demo reads it as if it held one.
    What should happen: a note naming the episode planned on and the count (episode 0 of 2), or
    a refusal as ``bag-from-npz``'s; never "no step of the episode moves" for a file whose
    other episode does.
    """
    frames, states = _example()
    still = np.stack([states[0], states[0]])
    episode = tmp_path / "eps.npz"
    np.savez(episode, observations=np.stack([frames, frames]), states=np.stack([still, states]))
    code, out, err = _run(capsys, "demo", "--threads", "1", "--samples", "4", "--topk", "2",
                          "--iterations", "1", "--horizon", "1", "--episode", str(episode))
    told = out + err
    assert "2 episodes" in told or "of 2" in told, told
