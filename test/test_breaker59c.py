"""breaker59c: the camera check's estimate, its verdict and the correction the planner loads.

Attacked at base59 (2b7ff011): ``eval/camera_check.py`` (``check_motions``: yaw / full rotation,
degenerate motions, the verdict's words), ``eval/camera_check_trial.py`` (``trial_verdict``),
``eval/camera_check_report.py`` (the written parameter file), read back by the planner node's
``PlannerNodeConfig`` (``startup_warnings``), and ``robot/model_frame.py`` (planning in the
model's frame, commanding in the base frame).

Defects (fixed by fix59c; each docstring: what a user does, what happened, what should happen)
and passing tests of what held.
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_result import Verdict
from vjepa_ros.eval.camera_check_trial import trial_verdict
from vjepa_ros.planning.pose import apply_action
from vjepa_ros.robot.model_frame import ModelFrame

sys.path.insert(0, str(Path(__file__).parent))
from camera_check_rigs import LIVE, TABLE  # noqa: E402

SEEN = 0.9  # every motion's explained share: the model sees the motion


def _check(executed, inferred, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return check_motions(executed, inferred, explained=np.full(len(executed), SEEN),
                             **kwargs)


def _legs(uncorrected, corrected, rpy):
    return [{"label": label, "setting": setting, "progress": value,
             "rotation_rpy_deg": list(rpy) if setting == "corrected" else [0.0, 0.0, 0.0]}
            for label in ("+x+y+z", "+x-y-z")
            for setting, value in (("uncorrected", uncorrected), ("corrected", corrected))]


def _written_config(result, tmp_path):
    """Write ``result``'s parameter file as the check does; the planner's config read from it."""
    from vjepa_ros.config import from_dict
    from vjepa_ros.eval.camera_check_base import base_planner_params
    from vjepa_ros.eval.camera_check_report import PARAMS_FILE, write_params
    from vjepa_ros.nodes.rclpy_own import split_rclpy_own
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    path = write_params(result, tmp_path / PARAMS_FILE, base_planner_params())
    params = base_planner_params(path)
    return from_dict(PlannerNodeConfig, split_rclpy_own(params)[0]), params


# ---------------------------------------------------------------------------------- defects


def test_a_small_correction_the_trial_writes_is_not_called_radians_at_start_up(tmp_path):
    """The correction trial writes a 6° correction; the planner started with it calls it radians.

    A user runs the live check with ``camera_check.trial.when: always`` (or ``auto`` after an
    "undecided" too-uncertain estimate). The motions fit a 6° yaw: "placement fine" by the
    motions (under ``fine_deg`` 10°), but the trial's corrected plans close 20 points more than
    the uncorrected ones, so ``trial_verdict`` says "correct by rotation" and the written file
    sets ``control.model_frame_rpy_deg`` [0, 0, 6] with ``camera_check.verdict.fine_deg`` 10.
    Happens: restarted with that file, ``PlannerNodeConfig.startup_warnings`` (logged at every
    start) says ``control.model_frame_rpy_deg [0, 0, 6] is read in degrees: a 6° rotation,
    below the 10° a camera check calls placement fine ..., so no check wrote it; if these are
    radians, give [0, 0, 343.8] (degrees)`` — a check did write it, and following the advice
    turns the model's frame 344° (16°) the other way. ``model_frame_units.radians_words``
    assumes a check never writes a rotation within ``fine_deg``; the trial's verdict does.
    Should: no radians line for a correction the file's own check wrote (the file could say
    so, or the rule could know the trial's corrections).
    """
    rpy = [0.0, 0.0, 6.0]
    turned = Rotation.from_euler("xyz", rpy, degrees=True).apply(LIVE)
    motions = _check(LIVE, turned)
    assert motions.verdict == Verdict.FINE and abs(motions.candidate_angle_deg - 6.0) < 0.1
    result = trial_verdict(motions, _legs(0.60, 0.90, motions.candidate_rpy_deg), 0.5, 0.2)
    assert result.verdict == Verdict.ROTATE, result.explanation
    config, params = _written_config(result, tmp_path)
    assert np.allclose(params["control"]["model_frame_rpy_deg"], rpy, atol=1e-3)
    said = [w for w in config.startup_warnings() if "radians" in w]
    assert not said, said


def test_every_motion_inferred_reversed_is_not_called_a_mirror_along_one_axis():
    """A model that infers every motion reversed is told its camera image is mirrored along x.

    A user checks a model whose actions have the opposite sign to the recording's (post-trained
    with ``s_k ⊖ s_{k+1}``, or frames paired with the states in reverse order): the inferred
    motion of every executed motion is its negative (Δxyz_model = −Δxyz_base along x, y and z).
    Happens: ``check_motions`` says "move the camera: the model sees the robot's motions mirrored
    along base x ... fix the image (turn the driver's flip or mirror option off ...)". −I
    reverses all three axes alike: no single axis is mirrored (``mirrored_words`` takes the
    first of three equal eigenvectors of −1), and no driver flip (a reflection of the image
    within its plane) reverses motion toward and away from the camera as well. The user hunts
    for a flip option that is not on. Should: name what the numbers show, every axis reversed
    (the action's sign or the frames' order), not one mirrored axis.
    """
    result = _check(LIVE, -LIVE)
    assert result.verdict == Verdict.MOVE
    assert "mirrored along base x" not in result.explanation, result.explanation


# ------------------------------------------------------------------------------ what held


@pytest.mark.parametrize("seed", range(40))
def test_a_known_rotation_is_estimated_and_its_correction_commands_the_executed_motion(seed):
    """Any rotation (random, 14 live motions, exact model): the written correction undoes it.

    The inferred motions R·Δ, planned in the model's frame and turned back by the correction
    (``ModelFrame.action_to_base``), are the executed motions in the base frame.
    """
    rotation = Rotation.random(random_state=seed)
    if np.degrees(rotation.magnitude()) < 15:
        rotation = rotation * Rotation.from_euler("z", 40, degrees=True)
    inferred = rotation.apply(LIVE)
    result = _check(LIVE, inferred)
    assert result.verdict == Verdict.ROTATE, result.explanation
    corrected = Rotation.from_euler("xyz", result.correction_rpy_deg, degrees=True)
    assert np.degrees((corrected * rotation.inv()).magnitude()) < 0.1
    back = ModelFrame(result.correction_rpy_deg).action_to_base(
        np.c_[inferred, np.zeros((len(LIVE), 4))]).numpy()
    assert np.allclose(back[:, :3], LIVE, atol=1e-6)


@pytest.mark.parametrize("yaw", [-170.0, -90.0, 30.0, 135.0, 180.0])
def test_a_tabletop_bag_gets_the_yaw_and_the_file_round_trips_into_the_planner(yaw, tmp_path):
    """8 motions in the table's plane, a yawed model: the yaw, written and read back exactly."""
    inferred = Rotation.from_euler("z", yaw, degrees=True).apply(TABLE)
    result = _check(TABLE, inferred)
    assert result.verdict == Verdict.ROTATE, result.explanation
    assert "z not checked" in result.explanation
    config, params = _written_config(result, tmp_path)
    frame = ModelFrame(config.control.model_frame_rpy_deg)
    turn = Rotation.from_matrix(frame.matrix.numpy())
    assert np.degrees((turn * Rotation.from_euler("z", yaw, degrees=True).inv()).magnitude()) \
        < 0.01
    assert not config.startup_warnings() or all("radians" not in w
                                                for w in config.startup_warnings())


@pytest.mark.parametrize("seed", range(20))
def test_planning_in_the_model_frame_commands_the_same_set_point_as_planning_in_the_base(seed):
    """State ⊕ action in the model's frame, turned back, is the base frame's state ⊕ action.

    Near gimbal lock (pitch ±90°) too: the set-point a corrected plan commands is the one the
    same action planned in the base frame gives (position and orientation, gripper).
    """
    rng = np.random.default_rng(seed)
    rpy = rng.uniform(-180, 180, 3)
    if seed % 3 == 0:
        rpy[1] = 90.0 * (1 if seed % 2 else -1)
    frame = ModelFrame(rpy)
    state = torch.tensor(np.r_[rng.uniform(-0.5, 0.5, 3), rng.uniform(-3, 3, 3), 0.2])
    action = torch.tensor(np.r_[rng.uniform(-0.05, 0.05, 3), rng.uniform(-0.3, 0.3, 3), 0.1])
    in_model = apply_action(frame.state_to_model(state)[None], frame.action_to_model(action)[None])
    got = frame.state_to_base(in_model[0]).numpy()
    want = apply_action(state[None], action[None])[0].numpy()
    assert np.allclose(got[:3], want[:3], atol=1e-9) and abs(got[6] - want[6]) < 1e-12
    apart = Rotation.from_euler("xyz", got[3:6]) * Rotation.from_euler("xyz", want[3:6]).inv()
    assert np.degrees(apart.magnitude()) < 1e-6


@pytest.mark.parametrize(("executed", "words"), [
    (np.array([[0.04, 0, 0], [-0.04, 0, 0], [0.03, 0, 0]]), "all lie along one line"),
    (LIVE * 0.01, "0 executed motions of at least 1 cm"),
    (LIVE * np.nan, "0 executed motions of at least 1 cm"),
])
def test_degenerate_motions_are_refused_in_one_line(executed, words):
    with pytest.raises(ValueError, match=words):
        _check(executed, np.nan_to_num(executed))


def test_motions_along_two_axes_are_fine_for_those_axes_only():
    result = _check(LIVE[[0, 1, 4, 5]], LIVE[[0, 1, 4, 5]])
    assert result.verdict == Verdict.FINE
    assert "x, z (y not checked" in result.explanation
    assert result.unchecked_axes == ["y"]


def test_a_model_that_infers_no_motion_gets_move_the_camera():
    result = _check(LIVE, LIVE * 1e-6)
    assert result.verdict == Verdict.MOVE and result.correction_rpy_deg == [0.0, 0.0, 0.0]
    assert "hardly sees the arm move" in result.explanation
