"""The camera check's correction trial: does planning work uncorrected, or with the correction.

The check's motions estimate the model's frame from a few centimetres of motion each; with a small
learned model they scatter 20–80° RMS, and the verdict built on them alone could not tell a
placement whose error the rotation undoes (+70° azimuth in ``docs/camera_placement.md``: reach 1/10
uncorrected, 9/10 corrected by the check's yaw) from one where it does not (−70°: 3/10 → 0/10).
The trial asks the question directly, as the planner will meet it: from a pose ``offset_m`` away
from the check's start, plan toward the frame the camera took at the start, ``steps`` closed-loop
steps, once without a correction and once with the rotation the check estimated
(``control.model_frame_rpy_deg``), from each of ``directions`` starting poses; the share of the
distance closed decides (``eval.camera_check_trial.trial_verdict``).

Every target goes through the session's safety filter and set-point stream (``mpc``), and the
trial's plans are held within ``max_distance_m`` of the check's start (a leash: a model that plans
the wrong way cannot walk the arm off). A move is timed from its set-point's last motion (and
its last hop), never while it still streams; a planned step that does not arrive within the check's
``timeout_s`` is blocked, a move to a pose that does not (less than half of the way to a trial's
start: the arm not following) ends the check, as no fresh frame, a disable or a hold do. A frame to
record that is the same picture as one first seen with the arm at least ``min_motion_m`` away
(``CameraCheckRun``'s rule for its motions, fix53c/fix53k: a camera that froze as the trial began,
re-publishing its last image with fresh stamps) is waited past for ``STALE_WAIT_S``; then the
trial moves the arm back to the check's start and stops the check naming the image topic: its
plans would all start from one picture, and the progress they made would blame the placement
(breaker55b).

:class:`CorrectionTrial` is the state machine; the stream timer advances it (``advance``), the
planning worker computes its plans (``pending`` → ``deliver``).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable

import numpy as np

from vjepa_ros.config import check_given, check_values, param
from vjepa_ros.robot.arrival import DEFAULT_TOLERANCE_RAD, arrival_gaps, gap_words, within
from vjepa_ros.robot.camera_check_legs import (  # noqa: F401 (TrialLeg, TrialPlanJob re-exported)
    TrialLeg,
    TrialPlanJob,
    not_following_words,
)
from vjepa_ros.robot.camera_check_motions import motion_directions, round_trip_refusal
from vjepa_ros.robot.inputs import Stamped
from vjepa_ros.robot.safety import SafetyLimits

WHEN = ("auto", "always", "never")
# Starting directions (camera_check_motions' cube corners), in the order tried: the tetrahedron
# (well spread, each moving along all three base axes, so a model blind along one axis shows),
# then the others.
_CORNERS = ("+x+y+z", "+x-y-z", "-x-y+z", "-x+y-z", "+x+y-z", "+x-y+z", "-x+y+z", "-x-y-z")


@dataclasses.dataclass
class CheckTrialConfig:
    when: str = param(
        "auto", "Camera check correction trial: auto = when the motions' verdict is not "
        "'placement fine' (a correction or 'move the camera' is about to be advised, or the "
        "estimate is too uncertain to tell); always; "
        "never. The trial plans toward the start's frame from poses offset_m away, uncorrected "
        "and with the estimated rotation, and its progress decides the verdict (about 50 s more "
        "on the simulated arm)."
    )
    offset_m: float = param(
        0.08, "Camera check trial: distance of each trial's starting pose from the check's start "
        "(toward a cube corner) [m]; at most safety.max_step_m.",
        range=(0, 0.2), low_open=True  # one step: as safety.max_step_m
    )
    steps: int = param(4, "Camera check trial: planned and executed steps per trial.",
                       range=(1, 100))
    directions: int = param(
        2, "Camera check trial: starting poses (cube corners that fit the workspace box, 1-8), "
        "each tried uncorrected and corrected.", range=(1, len(_CORNERS))
    )
    max_distance_m: float = param(
        0.15, "Camera check trial: planned targets are held within this distance of the "
        "check's start [m] (a model planning the wrong way cannot walk the arm off); at least "
        "offset_m, at most the safety workspace box's largest side (safety.workspace_max - "
        "workspace_min): it keeps the trial near the start, well inside the box.",
        range=(0, 5), low_open=True  # a sanity bound; the node also holds it to the box's
        # largest side (leash_problem)
    )
    min_progress: float = param(
        0.5, "Camera check trial: a setting works when every one of its trials closes at least "
        "this share of the distance to the start (1: arrived; 0: no closer; < 0: farther).",
        range=(0, 1), low_open=True
    )
    margin: float = param(
        0.2, "Camera check trial: the correction is advised only when it closes at least this "
        "much more of the distance than no correction.", range=(0, 1), high_open=True
    )

    def __post_init__(self):
        if self.when not in WHEN:
            raise ValueError(f"camera_check.trial.when must be one of {', '.join(WHEN)}, got "
                             f"{self.when!r}")
        # their declared ranges first: NaN or inf refused, not compared below
        check_given(type(self), {name: getattr(self, name)
                                 for name in ("offset_m", "max_distance_m")},
                    "camera_check.trial.")
        if self.max_distance_m < self.offset_m:
            raise ValueError(f"camera_check.trial.max_distance_m ({self.max_distance_m:g} m) must "
                             f"be at least camera_check.trial.offset_m ({self.offset_m:g} m)")
        for name in ("steps", "directions"):  # their ranges: check_values, one wording
            if isinstance(getattr(self, name), bool) or not isinstance(getattr(self, name), int):
                raise ValueError(f"camera_check.trial.{name} must be an integer, got "
                                 f"{getattr(self, name)!r}")
        check_values(self, "camera_check.trial.")  # the declared ranges (param's range=)


def leash_problem(config: CheckTrialConfig, limits: SafetyLimits) -> str:
    """Say why ``config.max_distance_m`` is too long for ``limits``' workspace box ('' fine).

    The leash keeps the trial's plans near the check's start, well inside the box: it must not
    exceed the box's largest side (``safety.workspace_max`` − ``workspace_min`` along x, y or z)
    [m]. A longer one (5 m) would let a model that plans the wrong way take the arm across the
    whole box; the node refuses it at start-up (``PlannerNodeConfig``).
    """
    sides = limits.box[1] - limits.box[0]
    axis = int(np.argmax(sides))
    if config.max_distance_m <= sides[axis]:
        return ""
    return (f"camera_check.trial.max_distance_m ({config.max_distance_m:g} m) must be at most "
            f"the safety workspace box's largest side ({sides[axis]:.3g} m, along {'xyz'[axis]}: "
            "safety.workspace_max - workspace_min): the leash keeps the trial near the check's "
            "start, well inside the box; lower it (the default is 0.15 m)")


def trial_starts(start, limits: SafetyLimits, config: CheckTrialConfig
                 ) -> list[tuple[str, np.ndarray]]:
    """Return up to ``config.directions`` (label, starting pose [7]) ``offset_m`` from ``start``.

    A corner direction counts when the move there and back passes the safety filter unchanged
    (inside the workspace box, within the step limit). Fewer than asked (the start near the box's
    edge): as many as fit; none: an empty list (the trial is skipped, the report says why).
    """
    start = np.asarray(start, dtype=np.float64).reshape(7)
    directions = dict(motion_directions(corners=True))
    found = []
    for label in _CORNERS:
        pose = start.copy()
        pose[:3] += config.offset_m * directions[label]
        if not round_trip_refusal(start, pose, limits):
            found.append((label, pose))
        if len(found) == config.directions:
            break
    return found


class CorrectionTrial:
    """The trial's state machine (see the module docstring); the session's lock guards it.

    Args:
        start: [7] the check's start pose (base frame).
        plan_goal: ``goals.SubGoal`` of the frame taken at the start (the trials' goal; its
            encoding is cached there by the first plan).
        starts: (label, pose [7]) from :func:`trial_starts`.
        motions_result: the check's result from its motions (``eval.camera_check``); its
            ``candidate_rpy_deg`` is the correction on trial, and the trial's verdict replaces
            its own (``eval.camera_check_trial.trial_verdict``).
        planner: the trial's own planner (the session's keeps its state), used by the worker.
        config, settle_s, timeout_s, arrival_tolerance_m, arrival_tolerance_rad: the trial's and
            the check's settings.
        image_topic: the camera topic, named when its frames stop changing.
    """

    def __init__(self, start, plan_goal, starts, motions_result, planner,
                 config: CheckTrialConfig, settle_s: float, timeout_s: float,
                 arrival_tolerance_m: float, image_topic: str = "the camera topic",
                 arrival_tolerance_rad: float = DEFAULT_TOLERANCE_RAD):
        self.image_topic = image_topic
        self.abandon = ""  # the refusal to stop with once the arm is back at the start
        self.start = np.asarray(start, dtype=np.float64).reshape(7)
        self.plan_goal, self.planner = plan_goal, planner
        self.motions_result = motions_result
        self.config = config
        self.settle_s, self.timeout_s = settle_s, timeout_s
        self.arrival_tolerance_m, self.arrival_tolerance_rad = \
            arrival_tolerance_m, arrival_tolerance_rad
        rotation = [float(v) for v in motions_result.candidate_rpy_deg]
        self.legs = [TrialLeg(label, setting, rpy, np.array(pose, dtype=np.float64))
                     for (label, pose), (setting, rpy) in itertools.product(
                         starts, (("uncorrected", [0.0, 0.0, 0.0]), ("corrected", rotation)))]
        self.leg = 0
        self.stage = "goto"  # goto → frame → plan → step → frame ... → next leg; then "return"
        self.goal: np.ndarray | None = None  # where the current move goes (base frame)
        self.commanded_at = 0.0
        self.arrived_at: float | None = None
        self.steps_done = 0
        self.pending: TrialPlanJob | None = None  # a plan for the worker
        self.planned: np.ndarray | None = None  # the worker's target, to command
        self.finished = False
        self.error = ""
        self.blocked = 0  # steps that did not arrive within timeout_s (gone on from there)
        self.clipped = 0  # planned steps the safety filter shortened (the box, max_step_m)
        self.again = False  # after a hold on stale inputs: command the move in progress again
        # the target the session streams for the move (the filter's: a hop of a long move, a
        # step shortened at the box's wall; None: not sent yet), and the move's timing: from
        # its last hop that brought the arm closer, or the set-point's last motion
        self.sent: np.ndarray | None = None
        self.still_since = 0.0
        self.nearest = np.inf  # the arm's least distance [m] to the move's goal at a hop
        self.from_gap: float | None = None  # the arm's distance [m] to the goal as it set off

    def resume(self) -> None:
        """After a hold on stale inputs: the move in progress goes out again, timed anew."""
        self.again = self.goal is not None

    @property
    def awaiting_plan(self) -> bool:
        return not self.finished and not self.error and self.pending is not None

    def describe_stage(self) -> str:
        """Return the stage for diagnostics: ``trial 2 of 4 (corrected, from +x-y-z): step 3``."""
        if self.stage == "return":
            return "trial: back to the start"
        leg = self.legs[self.leg]
        what = "moving to its start" if self.stage == "goto" else f"step {self.steps_done + 1}"
        return (f"trial {self.leg + 1} of {len(self.legs)} ({leg.setting}, from {leg.label}): "
                f"{what}")

    def _distance(self, state) -> float:
        return float(np.linalg.norm(np.asarray(state, dtype=np.float64)[:3] - self.start[:3]))

    def _move(self, target: np.ndarray, now: float) -> None:
        self.goal, self.commanded_at, self.arrived_at = target.copy(), now, None
        self.sent, self.nearest, self.from_gap, self.counted = None, np.inf, None, False

    def commanded(self, target: np.ndarray, clipped: bool) -> None:
        """Note ``target`` [7], what the session streams (the filter's) for the move returned.

        ``clipped``: the filter (or the joint guard) shortened it. A planned step's arrival is
        judged at ``target``, and a shortened one counted in its leg's ``clipped`` (once per
        step: not again when a hold sends it again); a move to a pose (a trial's start, the
        way back) goes on in hops until it arrives there (breaker59j #3).
        """
        self.sent = np.array(target, dtype=np.float64).reshape(7)
        if clipped and not self.counted and self.stage == "step":
            self.counted = True
            self.clipped += 1
            self.legs[self.leg].clipped += 1

    def advance(self, now: float, measured: np.ndarray, stopped: bool, frame: Stamped | None,
                state_at: Callable[[float], Stamped | None], max_state_age_s: float,
                repeats: Callable[[Stamped, np.ndarray], bool] | None = None,
                stale_wait_s: float = 0.0, streaming: bool = False) -> np.ndarray | None:
        """Step the trial at ``now`` [s]; return a target [7] to command now, or None.

        As ``CameraCheckRun.advance``; the session says what it streams (:meth:`commanded`): a
        move past ``safety.max_step_m`` goes in hops, a planned step the filter shortened
        arrives at the shortened target. ``streaming``: the set-point still moves; a move is
        timed against ``timeout_s`` from its last hop that brought the arm closer and the
        set-point's last motion (a slow ``safety.max_speed_m_s``: breaker59j #1). Past it a
        planned step is blocked (gone on from where the arm stands), as is a move to a trial's
        start that came most of the way; less than half of it, or the way back to the check's
        start, stops the check (:meth:`_not_following`).
        ``repeats(frame, where [3])``: whether a frame repeats an image first seen with the arm
        elsewhere (``CameraCheckRun._repeats``); such a frame is waited past for
        ``stale_wait_s`` [s] more, then the arm goes back to the start and the trial stops
        (:attr:`error`, the stale-frame refusal). Sets :attr:`error` when a move or a frame does
        not come in time.
        """
        if self.finished or self.error or self.pending is not None:
            return None
        if self.planned is not None:  # the worker's plan: command it, then wait for arrival
            target, self.planned = self.planned, None
            self.stage = "step"
            self._move(target, now)
            return target.copy()
        if self.again:  # after a hold: the same move again, from where the arm stands
            self.again, self.commanded_at, self.sent = False, now, None
            self.nearest, self.from_gap = np.inf, None  # the arm may have been moved meanwhile
            return self.goal.copy()
        if self.goal is None:
            target = self.legs[self.leg].pose if self.stage == "goto" else self.start
            self._move(target, now)
            return target.copy()
        if self.arrived_at is None:
            return self._moving(now, measured, stopped, streaming)
        if self.stage == "return":
            if self.abandon:  # back at the start: stop with the stale-frame refusal
                self.error = self.abandon
            else:
                self.finished = True
            return None
        if frame is None or frame.taken < self.arrived_at + self.settle_s:  # Stamped.taken
            if now - self.arrived_at > self.settle_s + self.timeout_s:
                self.error = (f"camera check stopped: no camera frame during the trial "
                              f"({self.describe_stage()}) within {self.timeout_s:g} s")
            return None
        state = state_at(frame.state_time)
        if state is None or abs(state.stamp - frame.state_time) > max_state_age_s:
            return None
        measured_at = np.array(state.value, dtype=np.float64)
        if repeats is not None and repeats(frame, measured_at[:3]):
            if now - self.arrived_at < self.settle_s + stale_wait_s:
                return None  # an image taken elsewhere: wait for a new one
            self._abandon()
            return None
        self._record(frame, measured_at)
        return None

    def _moving(self, now: float, measured: np.ndarray, stopped: bool, streaming: bool
                ) -> np.ndarray | None:
        """Wait for the move in progress (:meth:`advance`); return the next hop, or None."""
        if streaming:  # the set-point still on its way: no move is late while it moves
            self.still_since = now
        pose_move = self.stage in ("goto", "return")
        aim = self.goal if pose_move or self.sent is None else self.sent
        tolerance = self.arrival_tolerance_m, self.arrival_tolerance_rad
        away, turn = arrival_gaps(measured, aim, tolerance[0])
        if stopped and within(away, turn, *tolerance):
            self.arrived_at = now
            return None
        gap = float(np.linalg.norm(np.asarray(measured, dtype=np.float64)[:3] - self.goal[:3]))
        if self.from_gap is None:  # how far the move had to go (its first look)
            self.from_gap = gap
        if pose_move and stopped and gap < self.nearest - tolerance[0]:  # a hop: the next
            self.nearest, self.commanded_at, self.sent = gap, now, None  # timed anew
            return self.goal.copy()
        if now - max(self.commanded_at, self.still_since) <= self.timeout_s:
            return None
        if pose_move and (self.stage == "return" or gap > self.from_gap / 2):
            self.error = self._not_following(gap_words(away, turn))  # less than half the way
            return None
        # blocked (an object, the table) as a planned step may be, or a leg's start most of
        # the way there: go on from where the arm is, as the planner does after
        # control.arrival_timeout_s
        self.blocked += 1
        self.legs[self.leg].blocked += 1
        self.arrived_at = now
        return None

    def _not_following(self, gap: str) -> str:
        """Return the stop's words for a move to a pose that did not arrive (breaker59j #5)."""
        where = ("the way back to the check's start" if self.stage == "return" else
                 f"the move to {self.describe_stage().removesuffix(': moving to its start')}'s "
                 "starting pose")
        return not_following_words(where, self.timeout_s, gap, self.motions_result)

    def _abandon(self) -> None:
        """Go back to the start, then stop naming the image topic (a stale frame to record)."""
        from vjepa_ros.eval.camera_check_unchanged import stale_refusal  # scipy: not at import

        self.abandon = "camera check stopped: " + stale_refusal(
            self.image_topic, f"the correction trial's move ({self.describe_stage()})",
            live=True, stopped="; the check stopped during its correction trial (its plans "
            "would all start from that picture, and their progress would blame the placement) "
            "and moved the arm back to its start").removeprefix("camera check: ")
        self.stage, self.goal, self.pending, self.planned = "return", None, None, None

    def _record(self, frame: Stamped, state: np.ndarray) -> None:
        """Record a settled frame at a trial's start or after a step: plan on, or end the trial."""
        leg = self.legs[self.leg]
        distance = self._distance(state)
        if self.stage == "goto":
            leg.start_distance_m = distance
        else:
            leg.distances_m.append(distance)
            self.steps_done += 1
        if self.steps_done >= self.config.steps:
            leg.end_distance_m = distance
            self.leg, self.steps_done = self.leg + 1, 0
            self.stage = "goto" if self.leg < len(self.legs) else "return"
            self.goal = None
            return
        self.stage, self.goal = "plan", None
        self.pending = TrialPlanJob(frame.value.copy(), state, leg.rotation_rpy_deg,
                                    first=self.steps_done == 0)

    def deliver(self, action: np.ndarray, state: np.ndarray) -> None:
        """Take the worker's plan (first action [7], base frame) from ``state`` [7]: its target.

        The gripper stays as measured; a target farther than ``max_distance_m`` from the check's
        start is pulled back onto that sphere (counted in the leg's ``leashed``).
        """
        from vjepa_ros.robot.targets import target_from_action  # torch: not at import

        target = target_from_action(state, action)
        target[6] = state[6]
        offset = target[:3] - self.start[:3]
        reach = float(np.linalg.norm(offset))
        if reach > self.config.max_distance_m:
            target[:3] = self.start[:3] + offset * (self.config.max_distance_m / reach)
            self.legs[self.leg].leashed += 1
        self.pending, self.planned = None, target

    def fail(self, reason: str) -> None:
        self.error = reason
        self.pending = None
