"""The simulated Franka Hand, commanded as ``franka_gripper``'s GripperCommand action server does.

The planner node sends a ``control_msgs/GripperCommand`` goal ``(position, max_effort)`` to the
hand's action server (``control.gripper_action``): ``position`` is the distance [m] of each finger
from the centre, i.e. the finger width / 2 (``finger_position(closedness, max_width)``), and
``max_effort`` [N] the grasp force (``control.gripper_max_effort``). It also publishes the
closedness (0 open .. 1 closed) on ``gripper_command`` (``std_msgs/Float64``), which carries no
force: the simulator turns that into the same goal with ``max_effort = controller.gripper_force``.

Execution follows franka_ros2's ``franka_gripper`` action server (its documented behaviour;
width = 2·position):

- a width outside [0, max_width] is refused (the action aborts): ValueError here;
- a width within 0.1 mm of the current one changes nothing (a grasp in progress keeps holding:
  the planner re-sending the measured closedness does not drop the object), except during a move,
  which it stops there (the next goal replaces the running one);
- a wider width is a *move*: the fingers servo to it (motor force ``controller.gripper_force``);
- a narrower width is a *grasp*: the fingers close until something blocks them and then press
  with ``max_effort`` (saturated at the Franka Hand's 70 N continuous force: a grasp holds for
  seconds; its 140 N maximum is a short peak, not modelled) for as long as the goal stands; with
  nothing between them they close fully. The grasp "reaches its goal" when the final width is
  within ±5 mm (franka_gripper's default grasp epsilon) of the commanded one;
- its ``stop`` service ends any goal and the grasp's pressing: the fingers stay where they are
  (``Sim.stop_gripper``; the planner calls it before an open that would be done at once,
  ``robot.gripper_release``).

In the simulator the finger motors (pybullet position control) get the target width/2, or 0 for a
grasp, with their force limited to the goal's force: at rest on an object the contact normal force
equals that limit (on average: the fingers are geared together, ``Sim._couple_fingers``), so a
grasp holds with bounded force. :func:`gripper_result` gives the action's result fields from the
measured fingers.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from vjepa_ros.robot.gripper_release import SAME_WIDTH  # franka_gripper's "done" width [m]
from vjepa_ros.robot.joint_states import (
    FRANKA_HAND_MAX_FORCE,  # N: continuous grasp force of the Franka Hand (datasheet)
    FRANKA_HAND_MAX_WIDTH,
    closedness_from_fingers,
    finger_position,
)

STILL_SPEED = 0.002  # [m/s] a finger slower than this is at rest (stalled, or at its goal)
GRASP_EPSILON = 0.005  # m: franka_gripper's default grasp epsilon (inner and outer)


@dataclasses.dataclass(frozen=True)
class GripperGoal:
    """A GripperCommand as executed: ``position`` [m per finger], the force limit [N], the mode."""

    position: float
    max_effort: float  # N: force limit of each finger motor (the grasp force when grasping)
    grasp: bool = False  # close until blocked and hold with max_effort (else: move to position)

    @property
    def finger_target(self) -> float:
        """Finger joint target [m]: the commanded position, or 0 (fully closed) for a grasp."""
        return 0.0 if self.grasp else self.position

    def closedness(self, max_width: float = FRANKA_HAND_MAX_WIDTH) -> float:
        """Return the commanded closedness in [0, 1] (0 open), the joint-state mapping's."""
        return float(closedness_from_fingers([self.position, self.position], max_width))


@dataclasses.dataclass(frozen=True)
class GripperResult:
    """The ``control_msgs/GripperCommand`` result fields, measured from the fingers."""

    position: float  # [m] per finger (mean of the two), the goal's convention
    effort: float  # [N] mean magnitude of the finger motor forces
    stalled: bool  # pressing with (nearly) the force limit and not moving: holding something
    reached_goal: bool  # width within GRASP_EPSILON of the commanded width


def gripper_goal(position: float, max_effort: float, current_width: float, move_force: float,
                 max_width: float = FRANKA_HAND_MAX_WIDTH,
                 move_running: bool = False) -> GripperGoal | None:
    """Return the goal that a GripperCommand starts, or None when it changes nothing.

    ``position`` [m per finger], ``max_effort`` [N] (the message's fields); ``current_width``
    [m] measured; ``move_force`` [N] the finger force of a move; ``move_running``: a MOVE goal
    runs now (its fingers have not reached its width since it was set: ``Sim._move_running``;
    the caller passes False during a grasp). A width within
    ``SAME_WIDTH`` of the measured one changes nothing while the fingers
    rest or grasp (a grasp pressing on an object, stalled or still slowing, keeps its force
    when the measured closedness is sent again: breaker44z, a box slipped out at 4 N); during a
    move it is a new goal that stops them there, as franka_gripper's next goal replaces the
    running one (breaker44y: the hand opened on to 0.08 m after "hold here" at 0.037 m).
    Raises ValueError (naming the field) for NaN/inf, a width outside [0, max_width], a
    negative effort or a grasp with none.
    """
    position, max_effort = float(position), float(max_effort)
    if not math.isfinite(position) or not -1e-9 <= 2 * position <= max_width + 1e-9:
        raise ValueError(f"GripperCommand.position must be in [0, {max_width / 2:g}] m per "
                         f"finger (width / 2), got {position}")
    if not (math.isfinite(max_effort) and max_effort >= 0):
        raise ValueError(f"GripperCommand.max_effort must be a force >= 0 [N], got {max_effort}")
    position = min(max(position, 0.0), max_width / 2)
    width = 2 * position
    if abs(width - current_width) < SAME_WIDTH:
        return GripperGoal(position, move_force, grasp=False) if move_running else None
    if width >= current_width:
        return GripperGoal(position, move_force, grasp=False)
    if max_effort == 0:
        raise ValueError("GripperCommand.max_effort is 0 N for a closing (grasp) command: the "
                         "fingers would hold nothing; give the grasp force in N (e.g. 20)")
    return GripperGoal(position, min(max_effort, FRANKA_HAND_MAX_FORCE), grasp=True)


def goal_for_closedness(closedness: float, max_effort: float, current_width: float,
                        move_force: float, max_width: float = FRANKA_HAND_MAX_WIDTH,
                        move_running: bool = False) -> GripperGoal | None:
    """Return :func:`gripper_goal` of the GripperCommand the planner sends for a closedness.

    The closedness is clipped to [0, 1]; NaN/inf raise ValueError.
    """
    closedness = float(closedness)
    if not math.isfinite(closedness):
        raise ValueError(f"gripper closedness must be finite, got {closedness}")
    return gripper_goal(finger_position(closedness, max_width), max_effort, current_width,
                        move_force, max_width, move_running)


def gripper_result(goal: GripperGoal, finger_positions, finger_velocities, finger_efforts,
                   still_speed: float = STILL_SPEED) -> GripperResult:
    """Return the result fields of ``goal`` from the measured fingers ([2] m, m/s, N each).

    ``stalled``: the mean finger force is at least 90 % of the goal's force limit while both
    fingers move slower than ``still_speed`` [m/s].
    """
    positions = np.asarray(finger_positions, dtype=np.float64)
    speeds = np.abs(np.asarray(finger_velocities, dtype=np.float64))
    effort = float(np.abs(np.asarray(finger_efforts, dtype=np.float64)).mean())
    return GripperResult(
        position=float(positions.mean()),
        effort=effort,
        stalled=bool(effort >= 0.9 * goal.max_effort and speeds.max() < still_speed),
        reached_goal=bool(abs(positions.sum() - 2 * goal.position) <= GRASP_EPSILON),
    )
