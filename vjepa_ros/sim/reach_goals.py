"""A reach episode's scene and goal: ``reach_sim_config``, ``make_reach_goal``, ``check_goal``.

Episode ``seed``'s scene is ``Sim.reset(seed)``'s (objects from ``default_rng(seed)``); its goal
is drawn from a stream of its own (:data:`REACH_GOAL_STREAM`) and its image taken in the
simulator (``tasks.capture_goal``). Importable from ``sim.reach`` as before.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.sim.config import CameraConfig, SimConfig
from vjepa_ros.sim.reach_config import ReachSimSettings
from vjepa_ros.sim.sim import Sim
from vjepa_ros.sim.tasks import Goal, ReachTaskConfig, capture_goal, sample_reach_target


def reach_sim_config(seed: int, settings: ReachSimSettings | None = None) -> SimConfig:
    """Return the scene of reach episode ``seed`` (objects), camera as ``settings`` say."""
    settings = settings or ReachSimSettings()
    camera = CameraConfig(width=settings.width, height=settings.height, shadows=settings.shadows)
    return SimConfig(seed=seed, camera=camera)


REACH_GOAL_STREAM = 10  # the goal's draws: default_rng([seed, 10]), apart from the scene's


def reach_target(start_state, seed: int, task: ReachTaskConfig | None = None) -> np.ndarray:
    """Return the goal state [7] of episode ``seed``: 8–25 cm from ``start_state``.

    Drawn from a stream of its own (``default_rng([seed, REACH_GOAL_STREAM])``):
    ``Sim.reset(seed)`` places the coloured objects with ``default_rng(seed)``, and a goal
    drawn from that stream repeated the first object's (x, y) draws, so 14 of the 20 held-out
    goals lay within ~5 cm of an object (breaker42e). Goals of a seed differ from those before
    session 42.
    """
    return sample_reach_target(start_state, reach_goal_stream(seed), task)


def reach_goal_stream(seed: int) -> np.random.Generator:
    """Return episode ``seed``'s generator for goal poses: ``default_rng([seed, 10])``.

    Apart from ``default_rng(seed)``, the stream ``Sim.reset(seed)`` places the coloured
    objects with, so goals do not copy an object's pose (:func:`reach_target`; a run of
    waypoints, ``bench_subgoal_switching.py``, draws them one after another from it).
    """
    return np.random.default_rng([seed, REACH_GOAL_STREAM])


def make_reach_goal(sim: Sim, seed: int, task: ReachTaskConfig | None = None) -> Goal:
    """Reset ``sim`` to scene ``seed``, draw the goal of episode ``seed``, take its image."""
    sim.reset(seed)
    return capture_goal(sim, reach_target(sim.ee_state(), seed, task))


def check_goal(goal: Goal) -> None:
    """Raise ValueError when a goal's image or state is unusable."""
    frame = np.asarray(goal.frame)
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3 or 0 in frame.shape:
        raise ValueError(f"goal image must be [H, W, 3] uint8, got {frame.dtype} "
                         f"{list(frame.shape)}")
    state = np.asarray(goal.state, dtype=np.float64)
    if state.shape != (7,) or not np.isfinite(state).all():
        raise ValueError(f"goal state must be 7 finite numbers, got {state.tolist()}")
