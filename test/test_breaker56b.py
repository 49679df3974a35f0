"""breaker56b: are the numbers ``vjepa-ros eval`` prints and writes true? Round five (2513e1c8).

Method: bags written with the project's ``write_messages`` whose truth is computed here (a path in
closed form, joint paths through the project's FK, frames that show their state, the simulator's
oracle world model, a stand-in planner whose first action is known), every number compared.

Defects (strict xfails, what should happen asserted):

- A bimanual bag read with ``--pose-topic /right/.../current_pose`` whose poses are stamped in a
  frame that is not this arm's base: ``base`` (franka_description's shared frame, each arm of a
  multi-arm setup joined to it at its own mount) or ``left_fr3_link0`` (the other arm's base),
  while the same bag's ``/right/joint_states`` names ``right_fr3_joint1..7``. ``check_pose_frames``
  takes any ``base`` / ``.*link0`` as the arm's base (``base_frame.DRIVER_BASE_FRAME``) unless
  ``--base-frame`` is given, so eval scores motions in the shared frame, with no note: the right
  arm mounted facing the left (yaw pi) moves +0.8 mm x, +14.2 mm y in its own right_fr3_link0 and
  eval reports -0.8 mm, -14.2 mm (every x/y sign flipped). The planner node's own rule
  (``base_frame.same_base_frame``, ``_base_problem``) says ``base`` is a multi-arm arm's link0
  only at a zero mount offset, and the README promises poses in the arm's base frame or a refusal.

Held up (not filed): the roll crossing ±pi (states at 100 Hz, 4 Hz camera): executed_action,
executed_period_action and state equal the path's to 3e-9 rad; a hand at pitch exactly pi/2
(gimbal lock): rotations exact (Euler spelling differs, the rotation equal to 1e-16); joint states
at 1 kHz with frames at 15 Hz, --rate 4 H 1 and --rate 5 H 2: period and frame-to-frame actions
the FK path's to 1e-8; pose stamps quantised to 2 / 4 / 10 ms at 1 kHz (pairs of one stamp):
states within the quantum (0.04 / 0.12 / 0.36 mm), no refusal; camera gaps leaving an episode of
one step: dropped counts, goal steps and energies right for H 1 and 2; a second camera topic
(depth, wrist, compressed, infra) beside the default one: the default read; two non-default
cameras: refused naming --image-topic; a --goal PNG of the bag's last frame (rgb8 and bgr8
bags): loaded bit-exact.
"""

import math

import numpy as np
import pytest
import torch
from fixed_planners import _AlwaysPlans
from scipy.spatial.transform import Rotation

from vjepa_ros.eval import evaluate as evaluate_module
from vjepa_ros.eval.evaluate import EvalConfig, evaluate_bag
from vjepa_ros.eval.synthetic import oracle_for, render_state_frames
from vjepa_ros.planning import preset, state_difference
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
from vjepa_ros.robot.kinematics import FrankaKinematics

pytestmark = pytest.mark.usefixtures("one_thread")

CAMERA = "/camera/camera/color/image_raw"
RIGHT_POSE = "/right/franka_robot_state_broadcaster/current_pose"
RIGHT_JOINTS = "/right/joint_states"
HOME = np.array([0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4])
# franka_description's bimanual layout: each arm joined to the shared ``base`` at its mount;
# the right arm faces the left one (yaw pi)
LEFT_MOUNT = (np.array([0.0, 0.5, 0.0]), Rotation.identity())
RIGHT_MOUNT = (np.array([0.0, -0.5, 0.0]), Rotation.from_euler("z", math.pi))


def _joints(t):
    """Right arm joint positions [T, 7] at times ``t`` [s]: a smooth motion from home."""
    return HOME + np.array([0.1, 0.08, -0.05, 0.1, 0.2, -0.1, 0.3]) * np.asarray(t)[:, None]


def _in_link0(t):
    """Return the right hand's states [T, 7] in right_fr3_link0 (FK, hand TCP), gripper open."""
    ee = FrankaKinematics().ee_pose(_joints(t))
    return np.concatenate([ee, np.zeros((len(ee), 1))], axis=1)


def _in_frame(states, frame):
    """``states`` [T, 7] in right_fr3_link0 expressed in ``frame`` (base or left_fr3_link0)."""
    offset, turn = RIGHT_MOUNT
    if frame == "left_fr3_link0":  # base -> left_fr3_link0: the left mount's inverse
        offset, turn = (LEFT_MOUNT[1].inv().apply(offset - LEFT_MOUNT[0]),
                        LEFT_MOUNT[1].inv() * turn)
    out = states.copy()
    out[:, :3] = turn.apply(states[:, :3]) + offset
    out[:, 3:6] = (turn * Rotation.from_euler("xyz", states[:, 3:6])).as_euler("xyz")
    return out


@pytest.mark.parametrize("frame", ["base", "left_fr3_link0"])
def test_multi_arm_pose_in_another_arms_frame_is_not_scored_as_this_arms(tmp_path, monkeypatch,
                                                                         frame):
    """Input: a bimanual bag; the right arm's pose (--pose-topic) stamped ``frame``, its joints.

    /right/joint_states names right_fr3_joint1..7 (a multi-arm prefix) at 100 Hz; the pose topic
    carries the same hand expressed in ``frame`` (the right arm mounted at y -0.5 m facing the
    left arm, yaw pi); a 4 Hz camera.

    Happened: accepted without a note (``check_pose_frames``: any ``base`` / ``*link0`` is the
    base), every executed Δx and Δy of the opposite sign to the arm's own motion (step 0:
    -0.8 / -14.2 mm reported, +0.8 / +14.2 mm in right_fr3_link0).
    Should: a one-line refusal naming the frame and the fix (the bag's joint states, or
    --base-frame when it is this arm's base), or the motions in the arm's base frame (the
    forward kinematics of /right/joint_states) to 1e-6 m.
    """
    camera = np.arange(0, 3.2, 0.25)
    states = np.arange(0, 3.3, 0.01)
    names = [f"right_fr3_joint{i}" for i in range(1, 8)] + [
        "right_fr3_finger_joint1", "right_fr3_finger_joint2"]
    entries = []
    for t, joints, pose in zip(states, _joints(states), _in_frame(_in_link0(states), frame),
                               strict=True):
        ns = DEFAULT_START_NS + int(round(t * 1e9))
        entries += [(RIGHT_JOINTS, m.JOINT_STATE, ns,
                     m.joint_state_message(names, [*joints, 0.04, 0.04], ns)),
                    (RIGHT_POSE, m.POSE_STAMPED, ns, m.pose_message(pose, ns, frame))]
    frames = render_state_frames(_in_link0(camera))
    for t, picture in zip(camera, frames, strict=True):
        ns = DEFAULT_START_NS + int(round(t * 1e9))
        entries.append((CAMERA, m.IMAGE, ns, m.image_message(picture, ns, "cam")))
    entries.sort(key=lambda entry: entry[2])
    bag = write_messages(tmp_path / "bag", entries)
    monkeypatch.setattr(evaluate_module, "build_planner",
                        lambda model, cem, seed=0: _AlwaysPlans(1))
    cem = preset("paper", samples=16, topk=4, iterations=1, horizon=1)
    try:
        report = evaluate_bag(bag, oracle_for(frames, _in_link0(camera)), cem,
                              EvalConfig(landscape_points=0), topics=BagTopics(pose=RIGHT_POSE))
    except BagError as exc:
        message = str(exc)
        assert f"'{frame}'" in message and RIGHT_JOINTS in message, message
        assert "\n" not in message
        return
    steps = report["steps"]
    t = np.array([r["time_s"] for r in steps])
    truth = state_difference(torch.as_tensor(_in_link0(t)),
                             torch.as_tensor(_in_link0(t + 0.25))).numpy()
    period = np.array([r["executed_period_action"] for r in steps])
    np.testing.assert_allclose(period[:, :3], truth[:, :3], atol=1e-6)
