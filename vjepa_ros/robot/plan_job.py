"""What one plan of the MPC session starts from (ROS-free)."""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.robot.goals import GoalProgress
from vjepa_ros.robot.inputs import Stamped
from vjepa_ros.robot.subgoal import SubGoal


@dataclasses.dataclass
class PlanJob:
    """What a plan starts from: a measured frame and state, or (async) a predicted start."""

    frame: Stamped
    state: Stamped  # measured state at the frame's stamp
    goal: SubGoal
    version: int  # the session's goal_version when the plan began
    epoch: int  # the session's enable_epoch when the plan began
    predicted_start: np.ndarray | None = None  # [7] async: the command being executed
    command_index: int = 0  # async: commands_sent when the preparation began
    predicted_gripper_measured: bool = True  # async: that command's start had a measured hand
    hand_epoch: int = 0  # the session's hand_epoch when the plan began (MPCSession.hand_changed)
    fixed_axes: tuple = ()  # ((action index, value), ...) held still in this plan (goals.axes)
    stop_epoch: int = 0  # the session's stop_epoch when the plan (async: preparation) began
    # where the goal sequence stood when the plan began (set by plan_step): the sub-goal fields
    # of a plan that ends after a new goal came are still those of the goal it was made for
    subgoal: GoalProgress | None = None

    @property
    def held_axes(self) -> tuple[int, ...]:
        """The action indices this plan holds still (``fixed_axes`` without their values)."""
        return tuple(index for index, _ in self.fixed_axes)

    @property
    def gripper_measured(self) -> bool:
        """Whether the start's closedness was measured (not a placeholder before fingers came)."""
        if self.predicted_start is None:
            return self.state.gripper_measured
        return self.predicted_gripper_measured
