"""fix59c: the families of breaker59c's two camera-check defects.

1. A rotation a camera check wrote is never said to look typed in radians, whatever its angle
   (the correction trial writes rotations below ``camera_check.verdict.fine_deg``): the written
   file records it in ``control.model_frame_check_rpy_deg``, and every place that says the
   radians note (the planner's start-up, the live check's and ``vjepa-ros camera-check``'s
   clause on the rotation in force) leaves out angles equal to that record; angles that differ
   from it (a hand edit) are still said; a record that is not 3 angles is refused by name.
2. A model that infers the motions reflected through every axis (−I, or −I and a turn: the
   actions' sign, the frames' order) is told so, not that its view is mirrored along one axis;
   plane mirrors are still named by their axis; the verdict line and the live check's skipped
   trial say the same.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

sys.path.insert(0, str(Path(__file__).parent))
from camera_check_rigs import LIVE, TABLE  # noqa: E402

from vjepa_ros.eval.camera_check import check_motions  # noqa: E402
from vjepa_ros.eval.camera_check_result import REVERSED, Verdict  # noqa: E402

SEEN = 0.9  # every motion's explained share: the model sees the motion


def _check(executed, inferred):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return check_motions(executed, inferred, explained=np.full(len(executed), SEEN))


def _written(result, tmp_path):
    """Write ``result``'s parameter file as the check does; return the nested parameters."""
    from vjepa_ros.eval.camera_check_base import base_planner_params
    from vjepa_ros.eval.camera_check_report import PARAMS_FILE, write_params

    return base_planner_params(write_params(result, tmp_path / PARAMS_FILE,
                                            base_planner_params()))


def _config(params):
    from vjepa_ros.config import from_dict
    from vjepa_ros.nodes.rclpy_own import split_rclpy_own
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    return from_dict(PlannerNodeConfig, split_rclpy_own(params)[0])


def _trial_rotate(rpy):
    """Return a check whose motions fit ``rpy`` and whose trial says "correct by rotation"."""
    from vjepa_ros.eval.camera_check_trial import trial_verdict

    motions = _check(LIVE, Rotation.from_euler("xyz", rpy, degrees=True).apply(LIVE))
    legs = [{"label": label, "setting": setting, "progress": value}
            for label in ("+x+y+z", "+x-y-z")
            for setting, value in (("uncorrected", 0.6), ("corrected", 0.9))]
    return trial_verdict(motions, legs, 0.5, 0.2)


# --- 1. a check's own rotation, never "typed in radians" ----------------------------------------

@pytest.mark.parametrize("rpy", [[0.0, 0.0, 6.0], [0.0, 0.0, -3.0], [2.0, -1.0, 4.0],
                                 [0.0, 0.0, 0.5]])
def test_a_trial_written_rotation_below_fine_deg_is_not_said_at_start_up(rpy, tmp_path):
    result = _trial_rotate(rpy)
    assert result.verdict == Verdict.ROTATE, result.explanation
    params = _written(result, tmp_path)
    control = params["control"]
    assert control["model_frame_check_rpy_deg"] == control["model_frame_rpy_deg"]
    assert np.allclose(control["model_frame_rpy_deg"], rpy, atol=1e-3)
    assert not [w for w in _config(params).startup_warnings() if "radians" in w]


@pytest.mark.parametrize("inferred", [LIVE, -LIVE, LIVE * 1e-6])  # fine, reversed, blind
def test_every_written_file_records_its_rotation_beside_it(inferred, tmp_path):
    """Placement fine and move the camera write [0, 0, 0]: the record says the same."""
    params = _written(_check(LIVE, inferred), tmp_path)
    assert params["control"]["model_frame_check_rpy_deg"] == [0.0, 0.0, 0.0]
    assert params["control"]["model_frame_rpy_deg"] == [0.0, 0.0, 0.0]


def test_a_rotation_edited_by_hand_in_a_checks_file_is_still_said(tmp_path):
    """The check wrote [0, 0, 6]; a user types a calibration tool's radians over it."""
    params = _written(_trial_rotate([0.0, 0.0, 6.0]), tmp_path)
    params["control"]["model_frame_rpy_deg"] = [0.0, 0.0, 0.1047]
    (said,) = [w for w in _config(params).startup_warnings() if "radians" in w]
    assert said.startswith("control.model_frame_rpy_deg [0, 0, 0.1047] is read in degrees")
    assert said.endswith("if these are radians, give [0, 0, 6] (degrees)"), said


def test_the_record_alone_changes_nothing_a_plan_does():
    """The record is never applied: the session's frame is model_frame_rpy_deg's alone."""
    from vjepa_ros.robot.control_config import ControlConfig
    from vjepa_ros.robot.model_frame import ModelFrame

    control = ControlConfig(model_frame_check_rpy_deg=[0.0, 0.0, 30.0])
    assert ModelFrame(control.model_frame_rpy_deg).identity


@pytest.mark.parametrize(("record", "words"), [
    ([0.0, 0.0], "control.model_frame_check_rpy_deg must be 3 numbers"),
    ([0.0, float("nan"), 0.0], "control.model_frame_check_rpy_deg must be finite"),
    ([0.0, 0.0, 400.0], r"control.model_frame_check_rpy_deg must be 3 angles in \[-360, 360\]"),
    ("0 0 6", "control.model_frame_check_rpy_deg must be 3 numbers"),
])
def test_a_record_that_is_not_three_angles_is_refused_by_name(record, words):
    from vjepa_ros.robot.control_config import ControlConfig

    with pytest.raises(ValueError, match=words):
        ControlConfig(model_frame_check_rpy_deg=record)


def _undecided():
    undecided = _check(TABLE, TABLE * np.array([1.0, -1.0, 1.0]))  # a mirror or a half turn
    assert undecided.verdict == Verdict.UNDECIDED
    return undecided


def test_the_clause_on_the_rotation_in_force_leaves_out_a_checks_own():
    """Undecided: the rotation in force stays; radians said unless the check wrote it."""
    from vjepa_ros.eval.camera_check_in_force import in_force_words

    rpy = [0.0, 0.0, 6.0]
    typed = in_force_words(rpy, _undecided(), "it runs with", "restart")
    assert "if these are radians, give [0, 0, 343.8]" in typed, typed
    checked = in_force_words(rpy, _undecided(), "it runs with", "restart", rpy)
    assert checked == ("it runs with control.model_frame_rpy_deg [0.0, 0.0, 6.0] (6.0° in all); "
                       "it stays in force (no file written to replace it)"), checked
    edited = in_force_words(rpy, _undecided(), "it runs with", "restart", [0.0, 0.0, 5.0])
    assert "if these are radians" in edited, edited


def test_the_offline_check_reads_the_files_rotation_and_its_record(tmp_path):
    """``vjepa-ros camera-check --params-file``: the file's record reaches the clause."""
    from vjepa_ros.eval.camera_check_base import base_planner_params, file_rotations

    params = _written(_trial_rotate([0.0, 0.0, 6.0]), tmp_path)
    assert file_rotations(params) == ([0.0, 0.0, 6.0], [0.0, 0.0, 6.0])
    assert file_rotations(base_planner_params()) == ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    del params["control"]["model_frame_check_rpy_deg"]  # a file from before the record
    assert file_rotations(params) == ([0.0, 0.0, 6.0], [0.0, 0.0, 0.0])
    assert file_rotations({}) == ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0])


def test_the_live_check_passes_the_planners_record(monkeypatch):
    """``~/camera_check`` on a planner started with a check's file: the record goes along."""
    from camera_check_rigs import _six_motion_check
    from test_robot_camera_check_live import CEM, IdealArm

    import vjepa_ros.robot.camera_check_session as session_module
    from vjepa_ros.robot.control_config import ControlConfig
    from vjepa_ros.robot.mpc import MPCSession
    from vjepa_ros.robot.safety import SafetyLimits

    seen = []
    real = session_module.in_force_words

    def spy(*args, **kwargs):
        seen.append(args[4] if len(args) > 4 else kwargs.get("checked_rpy_deg"))
        return real(*args, **kwargs)

    monkeypatch.setattr(session_module, "in_force_words", spy)
    arm = IdealArm((0, 0, 6))
    rpy = [0.0, 0.0, 6.0]
    arm.session = MPCSession(arm.oracle, CEM, SafetyLimits(), ControlConfig(
        model_frame_rpy_deg=rpy, model_frame_check_rpy_deg=rpy), clock=lambda: arm.now)
    arm.next_frame = 0.0  # the new session sees a frame now (camera_check_rigs.CorrectedArm)
    arm.observe()
    result = _six_motion_check(arm)
    assert seen == [rpy]
    assert "radians" not in result.explanation, result.explanation


# --- 2. every motion reversed is not one mirrored axis ------------------------------------------

# 30 random turns, leaving out those within 3° of the 90° boundary between the two readings
# (chosen here, not skipped in the test: a skip in CI is a failure to look into).
SEEDS = [seed for seed in range(60)
         if abs(np.degrees(Rotation.random(random_state=seed).magnitude()) - 90.0) >= 3.0][:30]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_reflection_nearer_every_axis_reversed_is_said_so(seed):
    """Inferred = −R·executed: reversed when R turns by at most 90°, else a mirror (its axis)."""
    turn = Rotation.random(random_state=seed)
    angle = np.degrees(turn.magnitude())
    result = _check(LIVE, -turn.apply(LIVE))
    assert result.verdict == Verdict.MOVE, result.explanation
    if angle <= 90.0:
        assert result.mirror.startswith(REVERSED), result.mirror
        assert "check the sign of the model's actions" in result.explanation
        assert "driver's flip" not in result.explanation.split(";")[-1]
        if angle > 20.0:  # the turn after the reversal, named with its angle
            assert f"and turned {angle:.1f}°" in result.mirror, (angle, result.mirror)
        else:
            assert result.mirror == REVERSED
    else:
        assert result.mirror.startswith("mirrored along"), result.mirror
        assert "turn the driver's flip or mirror option off" in result.explanation


def test_every_motion_reversed_gets_its_causes_and_no_flip_advice():
    from vjepa_ros.eval.camera_check_report import verdict_line

    result = _check(LIVE, -LIVE)
    assert result.mirror == REVERSED
    assert "s_k ⊖ s_(k+1) instead of s_(k+1) ⊖ s_k" in result.explanation
    assert result.explanation.endswith(
        "check the sign of the model's actions (trained on a_k = s_(k+1) ⊖ s_k) and the order "
        "of the frames against the states, and check again"), result.explanation
    assert verdict_line(result) == ("MOVE THE CAMERA: the model infers the robot's motions "
                                    "reversed along every axis (no rotation corrects it)")


@pytest.mark.parametrize(("normal", "axis"), [([1, 0, 0], "base x"), ([0, 1, 0], "base y"),
                                              ([0, 0, 1], "base z"),
                                              ([1, 1, 0], "base direction [")])
def test_a_plane_mirror_is_still_named_by_its_axis(normal, axis):
    normal = np.asarray(normal, dtype=np.float64) / np.linalg.norm(normal)
    mirror = np.eye(3) - 2.0 * np.outer(normal, normal)
    result = _check(LIVE, LIVE @ mirror.T)
    assert result.verdict == Verdict.MOVE and result.mirror.startswith(f"mirrored along {axis}")
    assert "turn the driver's flip or mirror option off" in result.explanation


def test_a_tabletop_bag_reversed_is_a_half_turn_in_its_plane():
    """In the table's plane −I is a 180° yaw: a rotation corrects it (z not checked)."""
    result = _check(TABLE, -TABLE)
    assert result.verdict == Verdict.ROTATE and not result.mirror, result.explanation
    assert abs(abs(result.correction_rpy_deg[2]) - 180.0) < 0.01


def test_the_live_check_skips_its_trial_naming_every_axis_reversed():
    from test_robot_camera_check_live import IdealArm

    from vjepa_ros.robot.camera_check_motions import CheckMotionConfig

    arm = IdealArm(gain=(-1.0, -1.0, -1.0))  # the model infers every motion reversed
    arm.session.set_enabled(True)
    run = arm.session.start_camera_check(CheckMotionConfig(distance_m=0.03, corners=False))
    arm.run(run)
    result = run.result
    assert result.verdict == Verdict.MOVE and result.mirror == REVERSED, result.explanation
    assert result.trial == {"skipped": "no trial: the model infers the robot's motions reversed "
                                       "along every axis: no rotation corrects it"}
