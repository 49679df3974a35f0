"""breaker56g: today's mends attacked (mend56y's camera check, mend56x's gripper, fix56f's guard).

Each test asserts the right behaviour and is a strict xfail until the defect is fixed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from camera_check_rigs import LIVE  # noqa: E402
from test_fix55b import _check, _turned  # noqa: E402  the motions' check, a turned model

# --- a gripper-only step from an arm just outside the box, joint 7 in its margin ----------------

def test_a_gripper_only_step_from_just_outside_the_box_is_not_refused_by_the_joint_guard():
    import math

    from vjepa_ros.robot.joint_guard import JointLimitGuard
    from vjepa_ros.robot.kinematics import FrankaKinematics, RobotConfig
    from vjepa_ros.robot.safety import SafetyLimits, filter_target

    home = np.array([0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4])
    kinematics = FrankaKinematics(RobotConfig(state_source="joint_states"))
    guard = JointLimitGuard(kinematics, SafetyLimits().joint_limit_margin_rad)
    rng = np.random.default_rng(3)
    refused = {"inside": [], "outside": []}
    for case in refused:
        for _ in range(40):
            joints = home + rng.uniform(-0.3, 0.3, 7)
            joints[6] = rng.uniform(2.80, 2.89)  # within 0.1 rad of joint 7's +2.8973
            state = kinematics.state(joints, 0.0)
            lower, upper = state[:3] - 0.2, state[:3] + 0.2
            if case == "outside":  # resting 0.5..4.9 mm under the floor
                lower[2] = state[2] + rng.uniform(0.0005, 0.0049)
            limits = SafetyLimits(workspace_min=lower.tolist(), workspace_max=upper.tolist())
            proposed = state.copy()
            proposed[6] = 1.0  # close the hand, the arm where it is
            decision = filter_target(state, proposed, limits)
            assert decision.accepted, decision.reason
            guarded = guard.check(joints, state, decision)
            if not guarded.accepted or guarded.target[6] != 1.0:
                refused[case].append(guarded.reason)
    assert not refused["inside"], refused["inside"][:2]  # pin
    assert not refused["outside"], f"{len(refused['outside'])} of 40: {refused['outside'][0]}"


# --- the radians note contradicting the check's own measurement ----------------------------------

@pytest.mark.parametrize("in_force", [[0.0, 0.0, 5.0], [0.0, 0.0, 1.5708], [2.0, -3.0, 4.0]])
def test_no_radians_advice_when_the_check_confirms_the_degrees_reading(in_force):
    """The check finds the camera where the in-force rotation read in degrees puts it.

    The radians reading (286.5°, 90°, ...) is then tens of degrees from what was measured:
    naming it as the value to give would have the user load a rotation the check just refuted.
    """
    from vjepa_ros.eval.camera_check_in_force import in_force_words

    result = _check(LIVE, LIVE)  # the camera as the model was trained: no rotation measured
    words = in_force_words(in_force, result, "this planner runs with", "restart it")
    assert "nothing to change" in words, words
    assert "if these are radians" not in words, words


# --- a copy of the demo model is still the demo model -------------------------------------------

@pytest.mark.parametrize("name", ["demo.pt", "demo_world_model.pt"])
def test_a_copy_of_the_demo_model_gets_the_demo_note(tmp_path, name):
    from vjepa_ros.eval.camera_check_caveats import DEMO_WORDS, world_model_caveats
    from vjepa_ros.sim.reach_config import resolve_checkpoint

    copy = tmp_path / name
    shutil.copyfile(resolve_checkpoint(""), copy)
    result = _check(LIVE, _turned((0, 0, 45)))
    assert DEMO_WORDS in world_model_caveats(result, "demo")  # pin: by name
    assert DEMO_WORDS in world_model_caveats(result, str(copy)), "a copy of the demo model"


# --- one base frame spelled three ways: the verdict depends on the messages' order --------------

def _read_or_refused(tmp_path, frames):
    from train_bags import _pose_bag

    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bags import read_recording

    bag = _pose_bag(tmp_path / "_".join(frames).replace("/", ""), lambda k: frames[min(k // 3, 2)])
    try:
        read_recording(bag)
        return "read"
    except BagError as exc:
        return str(exc)


def test_the_same_frames_in_another_order_get_the_same_answer(tmp_path):
    """Fixed: frames that are not one base (panda_link0, fr3_link0) refuse the bag in any order.

    ``same_base_frame`` is not transitive (base ~ panda_link0, base ~ fr3_link0, panda_link0 !~
    fr3_link0); check_pose_frames read panda_link0, base, fr3_link0 and refused the same frames
    in another order. Every pair of the topic's frames is now judged.
    """
    in_order = _read_or_refused(tmp_path, ["panda_link0", "base", "fr3_link0"])
    other_order = _read_or_refused(tmp_path, ["panda_link0", "fr3_link0", "base"])
    for said in (in_order, other_order):
        assert "changes its header.frame_id" in said, said
        assert all(f"'{frame}'" in said for frame in ("panda_link0", "base", "fr3_link0")), said
    single = _read_or_refused(tmp_path / "single", ["fr3_link0", "base", "/base"])
    assert single == "read", single  # one arm's base spelt three ways stays one frame
