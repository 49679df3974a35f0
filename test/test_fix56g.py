"""fix56g: the families of breaker56g's defects 1-3 and a parameter file the check cannot read.

1. a gripper-only step from an arm just outside the box (any face) goes out, its arm part the
   measured pose clamped into the box, joints known or not; a step moving the arm is judged;
2. the radians advice only where the check leaves that reading open; a whole turn in radians
   is said to be no rotation;
3. a copy of the demo model is the demo model (by content), another file of its size is not;
4. an undecided or no-correction verdict keeps aside a planner_camera_check.yaml it cannot read.
"""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from camera_check_rigs import LIVE, TABLE  # noqa: E402
from test_fix55b import _check, _turned  # noqa: E402  the motions' check, a turned model

pytestmark = pytest.mark.usefixtures("one_thread")

HOME = np.array([0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4])


# --- 1. a gripper-only step from just outside the box ------------------------------------------

def _guard():
    from vjepa_ros.robot.joint_guard import JointLimitGuard
    from vjepa_ros.robot.kinematics import FrankaKinematics, RobotConfig
    from vjepa_ros.robot.safety import SafetyLimits

    kinematics = FrankaKinematics(RobotConfig(state_source="joint_states"))
    return kinematics, JointLimitGuard(kinematics, SafetyLimits().joint_limit_margin_rad)


def _outside(state, axis, side, depth):
    """Return SafetyLimits whose box has ``state`` [7] ``depth`` m beyond its ``side`` face."""
    from vjepa_ros.robot.safety import SafetyLimits

    lower, upper = state[:3] - 0.2, state[:3] + 0.2
    if side < 0:  # under the lower face
        lower[axis] = state[axis] + depth
    else:
        upper[axis] = state[axis] - depth
    return SafetyLimits(workspace_min=lower.tolist(), workspace_max=upper.tolist())


@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize("side", [-1, 1])
@pytest.mark.parametrize("wrist", [2.87, -2.87])  # joint 7 inside its margin, either limit
def test_a_gripper_only_step_from_outside_any_face_goes_out_the_arm_clamped(axis, side, wrist):
    from vjepa_ros.robot.safety import filter_target, step_start
    from vjepa_ros.robot.workspace_box import in_box

    kinematics, guard = _guard()
    joints = HOME.copy()
    joints[6] = wrist
    state = kinematics.state(joints, 0.0)
    for depth in (0.0008, 0.004, 0.009):
        limits = _outside(state, axis, side, depth)
        proposed = state.copy()
        proposed[axis] += side * 0.05  # planned on outward: clamped to the face, the arm still
        proposed[6] = 1.0 - state[6]
        decision = filter_target(state, proposed, limits)
        assert decision.accepted, decision.reason
        guarded = guard.check(joints, state, decision)
        assert guarded.accepted, (depth, guarded.reason)
        assert guarded.target[6] == proposed[6]  # the hand's change goes out
        assert np.array_equal(guarded.target[:6], step_start(state, limits)[:6])  # clamped
        assert in_box(guarded.target[:3], limits)
        assert abs(np.linalg.norm(guarded.target[:3] - state[:3]) - depth) < 1e-9
        # joints not known (no joint state for this pose): the hand's change still goes out
        assert guard.check(None, state, decision).accepted


def test_a_step_moving_the_arm_from_outside_the_box_is_still_judged():
    """Joint 7 in its margin and a turn of the hand toward its limit: refused, not waved on."""
    from vjepa_ros.robot.safety import filter_target

    kinematics, guard = _guard()
    joints = HOME.copy()
    joints[6] = 2.85
    state = kinematics.state(joints, 0.0)
    limits = _outside(state, 2, -1, 0.003)
    toward = kinematics.state(joints + np.eye(7)[6] * 0.01, 0.0)[5] - state[5]
    assert abs(toward) > 0.005  # joint 7 turns the hand's yaw
    proposed = state.copy()
    proposed[5] += 0.02 * np.sign(toward)  # the hand turned as joint 7 toward its limit turns it
    proposed[6] = 1.0
    decision = filter_target(state, proposed, limits)
    guarded = guard.check(joints, state, decision)
    assert not guarded.accepted and "joint 7" in guarded.reason, guarded.reason
    assert guard.check(None, state, decision).reason  # no joints: a moving step is refused


# --- 2. the radians advice -----------------------------------------------------------------------

@pytest.mark.parametrize("in_force, measured", [([0.0, 0.0, 1.5708], (0, 0, 45)),
                                                ([0.0, 0.0, 0.05], (0, 0, 30))])
def test_no_radians_advice_when_the_check_measured_neither_reading(in_force, measured):
    from vjepa_ros.eval.camera_check_in_force import in_force_words

    words = in_force_words(in_force, _check(LIVE, _turned(measured)), "it runs with", "restart")
    assert "restart" in words and "radians" not in words, words


def test_radians_advice_stays_where_the_check_is_undecided():
    from vjepa_ros.eval.camera_check_in_force import in_force_words
    from vjepa_ros.eval.camera_check_result import Verdict

    undecided = _check(TABLE, TABLE * np.array([1.0, -1.0, 1.0]))
    assert undecided.verdict == Verdict.UNDECIDED
    words = in_force_words([0.0, 0.0, 1.5708], undecided, "it runs with", "restart")
    assert words.endswith("if these are radians, give [0, 0, 90] (degrees)"), words


@pytest.mark.parametrize("typed", [[0, 0, 6.2831], [0, 0, -6.283], [3.1416, 3.1416, 3.1416],
                                   [6.2831, 0, 6.2831]])
def test_a_whole_turn_in_radians_is_said_to_be_no_rotation(typed):
    from vjepa_ros.robot.model_frame_units import radians_words

    words = radians_words(typed, 10.0)
    assert words.startswith(f"control.model_frame_rpy_deg [{', '.join(f'{v:g}' for v in typed)}]"
                            " is read in degrees"), words
    assert words.endswith("if these are radians, they are no rotation: give [0, 0, 0]"), words
    assert "360" not in words and "180" not in words, words


# --- 3. a copy of the demo model -----------------------------------------------------------------

def test_a_copy_is_the_demo_model_and_a_file_of_its_size_is_not(tmp_path):
    from vjepa_ros.eval.camera_check_caveats import is_demo_model
    from vjepa_ros.sim.reach_config import resolve_checkpoint

    demo = Path(resolve_checkpoint(""))
    copy = tmp_path / "models" / "world_model.pt"
    copy.parent.mkdir()
    shutil.copyfile(demo, copy)
    assert is_demo_model(str(copy)) and is_demo_model(str(copy.parent / ".." / "models" /
                                                          "world_model.pt"))
    link = tmp_path / "linked.pt"
    link.symlink_to(copy)
    assert is_demo_model(str(link))
    other = bytearray(demo.read_bytes())
    other[len(other) // 2] ^= 0xFF  # one byte changed: a fine-tuned model of the same size
    changed = tmp_path / "tuned.pt"
    changed.write_bytes(bytes(other))
    assert not is_demo_model(str(changed))
    copy.write_bytes(bytes(other))  # the copy rewritten: its cached digest is not reused
    assert not is_demo_model(str(copy))


# --- 4. a parameter file the check cannot read is kept aside ------------------------------------

UNREADABLE = {
    "broken YAML": "/**:\n  ros__parameters:\n    control: {model_frame_rpy_deg: [0, 0, 45]\n",
    "namespaced": "/robot1/vjepa_planner:\n  ros__parameters:\n    control:\n"
                  "      model_frame_rpy_deg: [0.0, 0.0, 45.0]\n",
    "dotted": "vjepa_planner:\n  ros__parameters:\n"
              "    control.model_frame_rpy_deg: [0, 0, 45.0]\n",
    "not numbers": "/**:\n  ros__parameters:\n    control:\n"
                   "      model_frame_rpy_deg: [a, b, c]\n",
}


@pytest.mark.parametrize("earlier", sorted(UNREADABLE))
@pytest.mark.parametrize("verdict", ["undecided", "fine"])
def test_a_parameter_file_the_check_cannot_read_is_kept_aside(tmp_path, earlier, verdict):
    from vjepa_ros.eval.camera_check_keep import PREVIOUS_FILE
    from vjepa_ros.eval.camera_check_report import PARAMS_FILE, save_check

    text = UNREADABLE[earlier]
    (tmp_path / PARAMS_FILE).write_text(text)
    result = (_check(TABLE, TABLE * np.array([1.0, -1.0, 1.0])) if verdict == "undecided"
              else _check(LIVE, LIVE))
    assert result.correction == "none"
    written, saved = save_check(result, tmp_path, {}, plot=False)
    assert written.previous == tmp_path / PREVIOUS_FILE
    assert (tmp_path / PREVIOUS_FILE).read_text() == text  # kept as it was, byte for byte
    assert str(tmp_path / PREVIOUS_FILE) in saved.kept, saved.kept
    assert (tmp_path / PARAMS_FILE).exists() == (verdict == "fine")


@pytest.mark.parametrize("earlier", ["", "# nothing\n", "/**:\n  ros__parameters:\n    robot:\n"
                                     "      model: fr3\n",
                                     "/robot1/vjepa_planner:\n  ros__parameters:\n    control:\n"
                                     "      model_frame_rpy_deg: [0.0, 0.0, 360.0]\n"])
def test_a_parameter_file_setting_no_rotation_anywhere_is_not_kept(tmp_path, earlier):
    from vjepa_ros.eval.camera_check_keep import PREVIOUS_FILE
    from vjepa_ros.eval.camera_check_report import PARAMS_FILE, save_check

    (tmp_path / PARAMS_FILE).write_text(earlier)
    written, saved = save_check(_check(LIVE, LIVE), tmp_path, {}, plot=False)
    assert written.previous is None and not (tmp_path / PREVIOUS_FILE).exists()
    assert not saved.kept
