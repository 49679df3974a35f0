"""breaker44b: the camera check's correction in the planner (``control.model_frame_rpy_deg``).

Attacked at main 70618a4: ``vjepa_ros/robot/model_frame.py`` (ModelFrame: state_to_model,
action_to_model, plan_to_base), ``robot/plan_compute.py``, ``robot/goals.py`` (fixed_axes under a
rotation), ``robot/safety.py`` (step limits after conversion), ``eval/camera_check.py`` /
``camera_check_rotation.py`` (the estimate's convention), ``eval/camera_check_report.py``
(``params_with_correction``: the YAML written) and ``yaml_files.read_ros_params`` (read back as
the launch file's params_file is).

No defect was found in this round; these tests pin what held up, so a later change that breaks
it is caught:

- the state and the searched actions are in the same frame: ``state_to_model(s ⊕ a) ==
  state_to_model(s) ⊕ action_to_model(a)`` (position, orientation composed as R·R_ee, not the
  angles rotated as a vector; gripper untouched), for yaw, pitch/roll, ±180 and near-gimbal
  rotations, and the inverse conversions undo them;
- ±180 are the same rotation, ±360 and (180, 180, 180) are the identity (no conversion);
- the camera check's estimate (``estimate_rotation``: Δxyz_model ≈ R·Δxyz_base) written by
  ``params_with_correction`` as YAML text and read back gives the same ModelFrame, and turning
  the model's inferred motions back with ``action_to_base`` recovers the executed base motions;
- a sub-goal's straight base-frame descent holds x and y in the model's frame under a yaw
  correction, and the plan (published: no rotation searched) commanded in base holds the
  orientation;
- the safety filter's step and rotation limits are norms, so they hold in the base frame
  whatever the rotation (the planner's per-axis search box is not a safety limit).
"""

import numpy as np
import pytest
import torch
import yaml
from scipy.spatial.transform import Rotation

from vjepa_ros.planning.pose import apply_action, euler_to_matrix
from vjepa_ros.robot.model_frame import ModelFrame

ROTATIONS = [(0, 0, 30), (10, -20, 150), (0, 0, 180), (0, 0, -180), (180, 0, 0), (0, 35, 0),
             (5, 89.9, 0), (-170, 5, 90)]
# a Franka hand pointing down (roll near π), a little turned, gripper half closed
STATE = torch.tensor([0.5, 0.1, 0.3, 3.1, 0.05, 0.4, 0.2], dtype=torch.float64)
ACTION = torch.tensor([0.03, -0.02, 0.01, 0.05, -0.03, 0.08, 0.7], dtype=torch.float64)


@pytest.mark.parametrize("rpy", ROTATIONS)
def test_state_and_action_in_the_same_frame(rpy):
    """(s ⊕ a) in the model's frame equals the model-frame state ⊕ the model-frame action.

    A lab's correction may be any rotation the check writes; the predictor steps the state by
    the searched action, so both must be in one frame for the plan to mean the same motion.
    """
    frame = ModelFrame(rpy)
    lhs = frame.state_to_model(apply_action(STATE, ACTION))
    rhs = apply_action(frame.state_to_model(STATE), frame.action_to_model(ACTION))
    assert torch.allclose(lhs[:3], rhs[:3], atol=1e-12)
    assert torch.allclose(euler_to_matrix(lhs[3:6]), euler_to_matrix(rhs[3:6]), atol=1e-12)
    assert float(lhs[6]) == float(rhs[6]) == float(apply_action(STATE, ACTION)[6])
    assert torch.allclose(frame.state_to_base(frame.state_to_model(STATE)), STATE, atol=1e-12)
    assert torch.allclose(frame.action_to_base(frame.action_to_model(ACTION)), ACTION,
                          atol=1e-12)
    # orientation: R·R_ee, as a matrix product
    expected = frame.matrix @ euler_to_matrix(STATE[3:6])
    assert torch.allclose(euler_to_matrix(frame.state_to_model(STATE)[3:6]), expected,
                          atol=1e-12)


def test_wrapped_angles():
    """±180 are one rotation; ±360 and (180, 180, 180) are no rotation at all."""
    a, b = ModelFrame((0, 0, 180)), ModelFrame((0, 0, -180))
    assert torch.allclose(a.matrix, b.matrix, atol=1e-12)
    for rpy in [(0, 0, 360), (-360, 0, 0), (180, 180, 180), (360, 360, -360)]:
        assert ModelFrame(rpy).identity, rpy


@pytest.mark.filterwarnings("ignore:Gimbal lock")  # (0, 90, 0): scipy splits the angles; R exact
@pytest.mark.parametrize("rpy", [(0, 0, 37.5), (12, -8, -171), (0, 90, 0)])
def test_check_estimate_yaml_round_trip(tmp_path, rpy):
    """The check's estimate, written as YAML text and read back, is the rotation it measured.

    Synthetic check: executed base motions, the model sees them rotated by R; the correction
    file the launch file loads must turn the model's actions back into the executed motions.
    """
    from vjepa_ros.eval.camera_check_report import params_with_correction
    from vjepa_ros.eval.camera_check_rotation import estimate_rotation
    from vjepa_ros.yaml_files import read_ros_params

    true = Rotation.from_euler("xyz", rpy, degrees=True)
    rng = np.random.default_rng(0)
    executed = rng.normal(size=(12, 3)) * 0.03
    inferred = true.apply(executed)
    estimate = estimate_rotation(executed, inferred)
    path = tmp_path / "planner_camera_check.yaml"
    path.write_text(yaml.safe_dump(params_with_correction(
        {}, estimate.as_euler("xyz", degrees=True).tolist())))
    values = read_ros_params(path, "/vjepa_planner")
    loaded = values["control"]["model_frame_rpy_deg"]
    frame = ModelFrame(loaded)
    assert np.allclose(frame.matrix.numpy(), true.as_matrix(), atol=1e-5)
    actions = np.c_[inferred, np.zeros((12, 4))]
    back = frame.action_to_base(actions).numpy()[:, :3]
    assert np.allclose(back, executed, atol=1e-6)


def test_subgoal_descent_holds_xy_and_orientation_under_yaw():
    """A straight base descent holds x and y in the model's frame; no rotation is commanded."""
    frame = ModelFrame((0, 0, 40))
    move = frame.action_to_model(np.r_[0.0, 0.0, -0.12, np.zeros(4)]).numpy()[:3]
    assert np.allclose(move[:2], 0.0, atol=1e-12)
    plan = torch.tensor([[0.0, 0.0, -0.05, 0.0, 0.0, 0.0, 0.0]], dtype=torch.float32)
    base = frame.action_to_base(plan)
    assert torch.allclose(base, plan, atol=1e-7)


def test_safety_step_limit_holds_after_rotation():
    """A model-frame step at the search box's corner is shortened to max_step_m in base."""
    from vjepa_ros.robot.safety import SafetyLimits, filter_target

    limits = SafetyLimits()
    frame = ModelFrame((0, 0, 45))
    action = frame.action_to_base(torch.tensor([0.075, 0.075, 0.075, 0, 0, 0, 0.0],
                                               dtype=torch.float64)).numpy()
    current = np.array([0.5, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0])
    target = apply_action(torch.as_tensor(current), torch.as_tensor(action)).numpy()
    decision = filter_target(current, target, limits)
    assert decision.accepted
    assert np.linalg.norm(decision.target[:3] - current[:3]) <= limits.max_step_m + 1e-9
