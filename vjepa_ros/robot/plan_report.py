"""What the MPC session hands out: plan reports, stream outputs, its typed status."""

from __future__ import annotations

import dataclasses
import enum
import math

import numpy as np

from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
from vjepa_ros.robot.goals import GoalProgress, SubGoalSwitch
from vjepa_ros.robot.phase import Phase
from vjepa_ros.robot.refusal import Blocker, Refusal, RefusalKind


class PlanOutcome(str, enum.Enum):
    """What became of one plan (``PlanReport.outcome``); a ``str`` enum."""

    COMMANDED = "commanded"  # its safe target went to the set-point streamer
    SHADOW = "shadow"  # not enabled: published, never commanded
    PREPARED = "prepared"  # async: kept, to be commanded on arrival (reported again then)
    DISCARDED = "discarded"  # void (enable, new goal, another command, async start mismatch)
    CANCELLED = "cancelled"  # stopped before its end because its result was void
    REFUSED = "refused"  # a refusal (``PlanReport.refusal``): safety, invalid state, error

    def __str__(self) -> str:
        return self.value


def frame_age(now: float, stamp: float | None) -> float | None:
    """Return the age [s] of a frame stamped ``stamp`` at ``now`` (one clock), or None.

    A planned frame's age is given from when it was taken (``inputs.Stamped.taken``, the
    earlier of its stamp and its receipt: ``stamp`` is that), as the plan-age check measures.

    None when there is no frame (``stamp`` None) or when the age is negative or not finite:
    the clock went back past the stamp (a simulator restarted, a bag looped; the plan's
    ``reason`` says so), so no age can be told; never a negative age (breaker51f).
    """
    if stamp is None:
        return None
    age = now - stamp
    return age if math.isfinite(age) and age >= 0.0 else None


@dataclasses.dataclass
class PlanReport:
    """What one planning step produced, for publishing and diagnostics (numpy float64).

    ``robot/plan_record.py`` turns it into the planner node's ``~/plan_report`` message.
    """

    action: np.ndarray | None = None  # [7] first planned delta
    actions: np.ndarray | None = None  # [H, 7] the whole plan
    target: np.ndarray | None = None  # [7] start ⊕ action, before the safety filter
    command: np.ndarray | None = None  # [7] safe target given to the set-point streamer
    gripper_command: float | None = None  # closedness to send to the gripper, if it changed
    energy: float | None = None  # elite energy of the last CEM iteration
    latency_s: float = 0.0  # encode + plan wall time
    frame_age_s: float | None = None  # [s] age of the planned frame when the plan finished,
    # from when it was taken (inputs.Stamped.taken: the earlier of its stamp and receipt, as the
    # plan-age check; frame_age: None before any frame, or when the clock went back past it)
    reason: str = ""  # why nothing was commanded (or what was clipped)
    debug_rgb: np.ndarray | None = None  # current | goal | error image
    predicted_start: bool = False  # async: planned from the predicted end of the running step
    outcome: PlanOutcome | None = None  # None: no plan yet (the session's first last_report)
    refusal: RefusalKind | None = None  # set when outcome is REFUSED
    frame_stamp: float | None = None  # [s] stamp of the planned frame (the inputs' clock)
    start: np.ndarray | None = None  # [7] state planned from (measured, or async: predicted)
    # Filled in by the session when the plan step ends (under its lock):
    mode: str = ""  # control.mode
    phase: Phase | None = None  # the session's phase right after this plan step
    goal_version: int = 0  # the goal the plan was made for (bumped by every new goal)
    enable_epoch: int = 0  # the enable epoch it was made in (bumped by every enable/disable)
    commands_sent: int = 0  # commands sent by the session so far, this plan's included
    subgoal: GoalProgress | None = None  # sub-goal planned toward, rule, switch (goals.py)
    held_axes: tuple[int, ...] = ()  # goals.axes subgoal: action indices held still in this plan


@dataclasses.dataclass
class StreamOutput:
    """One stream tick's output, stamped with the session-clock time it was computed for."""

    setpoint: np.ndarray | None  # [7] the set-point to publish; None: publish nothing
    twist: np.ndarray  # [6] set-point velocity (zero on hold)
    stamp: float  # [s] session clock: the set-point is where the stream is at this time
    hold_started: bool = False  # this tick entered a hold (send one zero twist)
    commanding_epoch: int = 0  # the session's commanding epoch it was computed in (its lock)


@dataclasses.dataclass
class SessionStatus:
    """Everything diagnostics shows, typed (``robot/diagnostics.py`` formats it)."""

    phase: Phase
    enabled: bool
    mode: str
    goal: str  # the goal sequence described, "" without a goal
    refusal: Refusal | None  # why nothing is commanded (None: nothing refused)
    last_report: PlanReport
    image_age_s: float | None
    state_age_s: float | None
    commands_sent: int
    frames_received: int
    goal_switching: GoalSwitchConfig | None = None  # the sub-goal switching rule in force
    subgoal: GoalProgress | None = None  # None without a goal
    subgoal_switches: tuple[SubGoalSwitch, ...] = ()  # of the current sequence, in order
    camera_check: str = "idle"  # the last live camera check's state (CameraCheckRun.state)
    camera_check_running: bool = False  # a live camera check commands the arm now
    blocking: tuple[Blocker, ...] = ()  # every reason nothing would be commanded, in order
    running_plan_s: float | None = None  # [s] how long the running goal plan has run; None: none
    running_frame_age_s: float | None = None  # [s] its frame's age now, from Stamped.taken
    # (None: none, clock back)
    max_plan_age_s: float = math.inf  # [s] safety.max_plan_age_s: an older plan is discarded
