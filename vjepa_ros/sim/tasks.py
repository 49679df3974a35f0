"""Tasks in the simulated scene: reach a target pose, given as a goal image.

A goal image is made the way a person makes one on a real arm: move the arm to the goal, take a
picture, move back (:func:`capture_goal` does it inside :meth:`Sim.preserved`, so the scene is
exactly as before afterwards).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.config import check_values, param
from vjepa_ros.sim.config import SUCCESS_RADIUS, check_box
from vjepa_ros.sim.sim import Sim


@dataclasses.dataclass
class Goal:
    frame: np.ndarray  # [H, W, 3] uint8: the camera image with the arm at the goal
    state: np.ndarray  # [7] float64: the end-effector state measured when the image was taken
    target: np.ndarray  # [7] float64: the commanded goal state
    reached: bool  # whether the arm got within tolerance of the target before the picture


@dataclasses.dataclass
class ReachTaskConfig:
    workspace: list[float] = param(
        [0.35, 0.65, -0.25, 0.25, 0.1, 0.5],
        "Box [x_min, x_max, y_min, y_max, z_min, z_max] (m, base frame) goals are drawn from.",
    )
    min_distance: float = param(0.08, "Smallest distance [m] from the start to a goal.")
    max_distance: float = param(0.25, "Largest distance [m] from the start to a goal.")
    success_radius: float = param(0.03, "A reach succeeds within this distance [m].",
                                  **SUCCESS_RADIUS)

    def __post_init__(self):
        check_values(self, "ReachTaskConfig.")
        check_box("ReachTaskConfig.workspace", self.workspace)
        if not 0 <= self.min_distance < self.max_distance:
            raise ValueError("ReachTaskConfig: need 0 <= min_distance < max_distance")


def capture_goal(sim: Sim, target_state, timeout: float = 4.0) -> Goal:
    """Move the arm to ``target_state`` [7], render the goal image, then restore the scene."""
    target = np.asarray(target_state, dtype=np.float64).copy()
    with sim.preserved():
        reached = sim.move_to(target, timeout=timeout)
        frame = sim.render()
        state = sim.ee_state()
    return Goal(frame=frame, state=state, target=target, reached=reached)


def sample_reach_target(
    start_state, rng: np.random.Generator, config: ReachTaskConfig | None = None
) -> np.ndarray:
    """Draw a goal state [7]: a position in the workspace, start orientation and gripper.

    The goal lies between ``min_distance`` and ``max_distance`` from the start position; the
    orientation and gripper stay as they are (the published planner does not search rotation).
    """
    config = config or ReachTaskConfig()
    start = np.asarray(start_state, dtype=np.float64)
    low, high = np.array(config.workspace[::2]), np.array(config.workspace[1::2])
    for _ in range(10_000):
        position = rng.uniform(low, high)
        if config.min_distance <= np.linalg.norm(position - start[:3]) <= config.max_distance:
            return np.concatenate([position, start[3:]])
    raise ValueError(
        f"no goal {config.min_distance}..{config.max_distance} m from {start[:3].tolist()} lies "
        f"in the workspace {config.workspace}"
    )


def reach_error(state, goal_state) -> float:
    """Return the end-effector position distance [m] between two states [7]."""
    return float(np.linalg.norm(np.asarray(state)[:3] - np.asarray(goal_state)[:3]))
