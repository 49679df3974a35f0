"""Goal images for the MPC loop: one goal, or a list of sub-goals each held for a number of steps.

The paper's pick-and-place switched between three sub-goal images after 4, 10 and 4 executed
steps; ``GoalSequence([SubGoal(img1, 4), SubGoal(img2, 10), SubGoal(img3, 4)])`` does that. A
step count of 0 means "until the goal is changed" and is allowed on the last sub-goal only.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.images import check_rgb, load_image_file


@dataclasses.dataclass
class SubGoal:
    image: np.ndarray  # [H, W, 3] uint8 RGB
    steps: int = 0  # executed commands toward this goal before the next; 0 = no limit
    source: str = ""  # where it came from (file path, "captured", topic), for diagnostics
    reps: object = None  # [1, N, D] torch.Tensor once encoded (by the planning thread)


class GoalSequence:
    """The active sub-goal and how many steps were executed toward it."""

    def __init__(self, goals: list[SubGoal]):
        if not goals:
            raise ValueError("a goal sequence needs at least one goal image")
        for index, goal in enumerate(goals):
            goal.image = np.array(check_rgb(goal.image))  # own, writable copy
            if not isinstance(goal.steps, int) or goal.steps < 0:
                raise ValueError(f"sub-goal {index}: steps must be an integer >= 0, got "
                                 f"{goal.steps!r}")
            if goal.steps == 0 and index < len(goals) - 1:
                raise ValueError(
                    f"sub-goal {index} has steps 0 (no limit) but is not the last one: the "
                    "goals after it would never be reached"
                )
        self.goals = goals
        self.index = 0
        self.steps_done = 0

    @property
    def current(self) -> SubGoal | None:
        """The active sub-goal, or None when every sub-goal has used up its steps."""
        return self.goals[self.index] if self.index < len(self.goals) else None

    @property
    def finished(self) -> bool:
        return self.index >= len(self.goals)

    def count_step(self) -> bool:
        """Count one executed command; return True when it moved on to the next sub-goal."""
        goal = self.current
        if goal is None:
            return False
        self.steps_done += 1
        if goal.steps and self.steps_done >= goal.steps:
            self.index += 1
            self.steps_done = 0
            return True
        return False

    def describe(self) -> str:
        goal = self.current
        if goal is None:
            return f"all {len(self.goals)} sub-goals done"
        limit = goal.steps or "∞"
        return (f"goal {self.index + 1}/{len(self.goals)} ({goal.source or 'image'}), "
                f"step {self.steps_done}/{limit}")


def goals_from_files(paths: list[str], steps: list[int] | None = None) -> list[SubGoal]:
    """Load sub-goals from image files; ``steps`` per file (default: 0 for a single goal).

    Raises :class:`vjepa_ros.images.ImageError` for a missing/unreadable file and ValueError when
    the counts do not match.
    """
    paths = [p for p in paths if p]
    if not paths:
        raise ValueError("no goal image path given")
    steps = list(steps or [])
    if not steps:
        if len(paths) > 1:
            raise ValueError(
                f"{len(paths)} goal images need goal_steps (one step count per image)"
            )
        steps = [0]
    if len(steps) != len(paths):
        raise ValueError(
            f"goal_steps has {len(steps)} entries for {len(paths)} goal images; give one each"
        )
    return [SubGoal(load_image_file(p), int(n), source=p) for p, n in zip(paths, steps,
                                                                           strict=True)]
