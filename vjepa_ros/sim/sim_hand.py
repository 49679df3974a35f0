"""The simulator's hand commands: a closedness, a ``control_msgs/GripperCommand``, a stop.

Split from ``sim`` (the world, its stepping and the arm's commands): :class:`SimHand` is a mixin
of :class:`~vjepa_ros.sim.sim.Sim`, whose ``config`` and finger readings
(``finger_positions``, from ``SimReadings``) it reads and whose ``gripper_goal`` and
``_move_pending`` it sets; ``Sim.step`` drives the fingers toward the goal in force. The goals
are franka_gripper's (``gripper.py``).
"""

from __future__ import annotations

import math

from vjepa_ros.robot.franka_hand import FRANKA_HAND_MAX_WIDTH
from vjepa_ros.sim.gripper import GripperGoal, goal_for_closedness, gripper_goal


class SimHand:
    """Command a :class:`~vjepa_ros.sim.sim.Sim`'s Franka Hand as franka_gripper takes goals."""

    def set_gripper(self, closedness: float, max_effort: float | None = None) -> None:
        """Set the gripper command: closedness in [0, 1] (0 open); outside values are clipped.

        The ``gripper_command`` (Float64) path: executed as the GripperCommand the planner sends
        for it (``gripper.py``): opening moves there, closing grasps with ``max_effort`` [N]
        (default ``controller.gripper_force``), an unchanged width changes nothing.
        """
        value = float(closedness)
        if not math.isfinite(value):
            raise ValueError(f"gripper closedness must be finite, got {closedness!r}")
        force = self.config.controller.gripper_force
        goal = goal_for_closedness(value, force if max_effort is None else max_effort,
                                   self._finger_width(), force, FRANKA_HAND_MAX_WIDTH,
                                   self._move_running())
        if goal is not None:
            self._take_goal(goal)

    def command_gripper(self, position: float, max_effort: float) -> GripperGoal:
        """Take a ``control_msgs/GripperCommand`` as franka_gripper does (``gripper.py``).

        ``position`` [m per finger] = width / 2, ``max_effort`` [N]. Returns the goal now in
        force; ValueError (nothing changes) for NaN/inf, a width outside [0, 0.08] m or a grasp
        without force.
        """
        goal = gripper_goal(position, max_effort, self._finger_width(),
                            self.config.controller.gripper_force, FRANKA_HAND_MAX_WIDTH,
                            self._move_running())
        if goal is not None:
            self._take_goal(goal)
        return self.gripper_goal

    def stop_gripper(self) -> GripperGoal:
        """Take franka_gripper's ``stop`` service call: the goal in force ends, a grasp's too.

        The fingers stay where they are, pressing no more (held at their width with the move
        force, as the hand at rest after a stop; ``gripper.py``). Returns the goal now in force.
        """
        force = self.config.controller.gripper_force
        self._take_goal(GripperGoal(self._finger_width() / 2, force))
        self._move_pending = False  # nothing runs after a stop
        return self.gripper_goal

    def _take_goal(self, goal: GripperGoal) -> None:
        """Make ``goal`` the hand's goal; a move runs from now until its fingers arrive."""
        self.gripper_goal = goal
        self._move_pending = not goal.grasp

    def _finger_width(self) -> float:
        """Return the width [m] franka_gripper reads between the fingers: at most the full opening.

        The Franka Hand's fingers stop at their full opening (homing measures it); pybullet's
        finger joints, pried by an object, pass their limit by up to ~1 mm. Unclamped, an open
        to the full width from fingers pried to 80.5 mm was a narrower goal: a grasp, which
        closed the hand on the object it was to release (mend58a).
        """
        return min(float(self.finger_positions().sum()), FRANKA_HAND_MAX_WIDTH)

    def _move_running(self) -> bool:
        """Whether a move goal runs: its fingers have not reached its width since it was set.

        As franka_gripper's move action, which ends when the fingers arrive: a move commanded
        in this control tick (the fingers not yet sped up: breaker45e, a "hold here" right after
        an open command let the hand open fully) or one blocked on its way runs although the
        fingers rest, and a hold then stops it there; a move that arrived runs no more when an
        object then pushes its fingers (breaker45f: holds at the pushed width made the goal
        creep). A grasp's closing is never stopped.
        """
        return not self.gripper_goal.grasp and self._move_pending

    @property
    def gripper_command(self) -> float:
        """The commanded closedness in [0, 1] (0 open) of the current gripper goal."""
        return self.gripper_goal.closedness(FRANKA_HAND_MAX_WIDTH)
