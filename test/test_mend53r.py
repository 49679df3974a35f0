"""Session 53's review mends (mend53r): pins for the changed behaviour."""

from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest

from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.eval.camera_check_unchanged import refuse_stale
from vjepa_ros.robot.camera_check_motions import CheckMotion, CheckMotionConfig
from vjepa_ros.robot.camera_check_run import CameraCheckRun
from vjepa_ros.robot.inputs import Stamped

START = np.array([0.4, 0.0, 0.3, 0.0, 0.0, 0.0, 1.0])


def _image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (48, 64, 3), dtype=np.uint8)


def test_a_moving_arm_keeps_few_pictures_and_a_frozen_newest_image_is_still_stale():
    """``CameraCheckRun._watch`` thins a moving arm's images; ``_repeats`` still finds a repeat.

    Input: 400 new images, one per 0.1 mm of a 4 cm move (default min_motion_m 1 cm), then the
    newest image asked about 2 cm further on, and an older one at its own place. Right: at most
    a few dozen pictures kept (one per 5 mm plus the newest); the newest image 2 cm away is
    stale; an image at the place it was first seen is not; the same question is answered from
    the memo (no picture made again).
    """
    run = CameraCheckRun([CheckMotion("+x", START.copy(), START.copy())], CheckMotionConfig(),
                         0.01, 0.0)
    state = START.copy()
    for i in range(400):
        state[0] = START[0] + i * 1e-4
        frame = Stamped(float(i), _image(i))
        where = state.copy()
        run._watch(frame, lambda stamp, at=where: Stamped(stamp, at), state)
    assert len(run.seen) <= 10, len(run.seen)
    newest = Stamped(399.0, _image(399))
    far = START[:3] + np.array([0.04 + 0.02, 0.0, 0.0])
    assert run._repeats(newest, far)
    here = START[:3] + np.array([399e-4, 0.0, 0.0])
    assert not run._repeats(newest, here)
    run.seen = []  # a memo hit does not search again
    assert not run._repeats(newest, here)


def test_refuse_stale_refuses_only_what_the_stale_frames_cause():
    """``camera_check_unchanged.refuse_stale``: the one stale-frame refusal of both checks.

    Input: 6 motions of 4 cm along x and y; stale masks. Right: none stale -> the 6 used;
    every one stale -> "do not change"; 4 stale (2 left, need 3) -> "with frames that change"
    naming 4 of 6 skipped; 2 motions only (too few whatever the frames) -> None.
    """
    executed = np.array([[0.04, 0, 0], [0, 0.04, 0], [-0.04, 0, 0], [0, -0.04, 0],
                         [0.04, 0.0, 0], [0, 0.04, 0]])
    moved = np.ones(6, dtype=bool)
    thresholds = CheckThresholds()
    used = refuse_stale(executed, thresholds, moved, np.zeros(6, bool), "/cam", live=False)
    assert used.tolist() == [True] * 6
    with pytest.raises(ValueError, match="do not change"):
        refuse_stale(executed, thresholds, moved, np.ones(6, bool), "/cam", live=False)
    stale = np.array([True, True, True, True, False, False])
    with pytest.raises(ValueError, match="with frames that change.*4 of 6 motions skipped"):
        refuse_stale(executed, thresholds, moved, stale, "/cam", live=True)
    two = np.array([True, True, False, False, False, False])
    assert refuse_stale(executed, thresholds, two, np.zeros(6, bool), "/cam", False) is None


def _bench(monkeypatch, *argv):
    """Load bench_manipulation with ``argv`` (cup, 2 seeds, 32 px, 1 step); return it."""
    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    from conftest import load_benchmark

    bench = load_benchmark("bench_manipulation", "m53r")
    monkeypatch.setattr(sys, "argv", [
        "bench_manipulation.py", *argv, "--seeds", "2", "--objects", "cup", "--max-steps", "1",
        "--size", "32", "--seed-start", "900000"])
    return bench


def test_a_lost_simulator_leaves_not_run_rows_for_the_objects_later_tasks(
        tmp_path, monkeypatch, capsys):
    """``bench_manipulation``: the tasks after a crash that lost pybullet are rows ``not_run``.

    Input: ``--agents oracle --tasks grasp pick-and-place``, the first ``run_task`` disconnecting
    the physics client. Right: grasp ``crashed 1, not run 1``; pick-and-place printed with ``not
    run 2`` (before: no row at all, its episodes silently left out); 3 JSON rows ``not_run``;
    status 1.
    """
    import pybullet as p

    import vjepa_ros.sim.task_run as task_run

    def disconnecting(sim, *args, **kwargs):
        p.disconnect(physicsClientId=sim.client)
        raise p.error("Not connected to physics server.")

    monkeypatch.setattr(task_run, "run_task", disconnecting)
    bench = _bench(monkeypatch, "--agents", "oracle", "--tasks", "grasp", "pick-and-place",
                   "--json", str(tmp_path / "rows.json"))
    status = bench.main()
    out = capsys.readouterr().out
    assert re.search(r"oracle\s+cup\s+grasp\s+0/2 .*crashed 1 .*not run 1 \(simulator lost\)",
                     out), out
    assert re.search(r"oracle\s+cup\s+pick-and-place\s+0/2 .*not run 2 \(simulator lost\)",
                     out), out
    rows = json.loads((tmp_path / "rows.json").read_text())
    assert len(rows["oracle/cup/pick-and-place/" + next(iter(rows)).split("/")[-1]]) == 2
    assert sum(bool(r.get("not_run")) for v in rows.values() for r in v) == 3
    assert status == 1


def test_an_expert_crash_is_a_crashed_row_not_a_traceback(monkeypatch, capsys):
    """``bench_manipulation``: an exception in the expert's episode is a row ``crashed``.

    Input: ``--agents expert --tasks grasp`` with ``record_expert_episode`` raising ValueError.
    Right: two ``# crashed: expert cup grasp`` lines, the expert row ``crashed 2``, status 1.
    """
    bench = _bench(monkeypatch, "--agents", "expert", "--tasks", "grasp")

    def broken(*args, **kwargs):
        raise ValueError("expert broke")

    import vjepa_ros.sim.manipulation as manipulation

    monkeypatch.setattr(manipulation, "record_expert_episode", broken)
    status = bench.main()
    out = capsys.readouterr().out
    assert out.count("# crashed: expert cup grasp seed") == 2, out
    assert re.search(r"expert\s+cup\s+grasp\s+0/2 .*crashed 2 \(seeds 900000, 900001\)", out), out
    assert status == 1


def test_a_4_hz_stream_with_a_raised_max_state_age_keeps_two_states_in_the_look_back():
    """``frame_rest.frame_motion``: the look-back's cap is ``safety.max_state_age_s``.

    Input: a 4 Hz state stream of an arm at 10 cm/s, no state after the frame; the cap 0.6 s
    (a lab's raised ``max_state_age_s``) and the default. Right: with 0.6 s it looks back two
    intervals (0.5 s, two states) and refuses the moving arm; with the default 0.25 s (before:
    always, a copied constant) it sees at most one state and takes the arm for one at rest.
    """
    from test_frame_rest import FRAME, stream

    from vjepa_ros.robot.frame_rest import frame_motion, look_back

    inputs = stream(4.0, lambda t: 0.1 * t)
    raised = frame_motion(inputs, FRAME, max_look_back_s=0.6)
    assert raised.before_s == pytest.approx(0.5) and not raised.after
    assert not raised.at_rest, raised
    assert frame_motion(inputs, FRAME).at_rest  # the default cap: one state, no motion seen
    assert look_back([state.stamp for state in inputs.states], FRAME, 0.6) == pytest.approx(0.5)
