"""Following one reach episode from what the planner publishes: steps, success, limit, timeout.

ROS-free (the demo's ROS side, ``nodes/reach_client.py``, feeds it; tests feed it scripted
reports and states), beside the simulator's own reach loop (``sim/reach.py``). Inputs:

- the planner's per-plan reports (``~/plan_report``,
  :class:`~vjepa_ros.robot.plan_record.PlanRecord`): every commanded plan is one step; a planner
  or session fault ends the episode with an error;
- the simulator's true TCP (``current_pose``), stamped with simulated time, in an
  :class:`~vjepa_ros.robot.inputs.InputBuffer`: the distance of each step (TCP at the planned
  frame's stamp) and the success test.

The success test runs when the arm has settled after the latest command, judged as the planner
judges arrival in blocking mode (its ``control.*`` parameters, :class:`Arrival`): the TCP came
within ``arrival_tolerance_m`` of the commanded target, turned within ``arrival_tolerance_rad``
(``robot.arrival.arm_arrived``, the planner's own test), or ``arrival_timeout_s`` passed; then
``settle_s`` more simulated seconds. Settled within ``success_radius`` of the goal: "reached";
settled after ``max_steps`` steps: "step limit".

A hold that the planner cannot leave without the user ends the episode at once with a
:class:`DemoError` saying why and what to do (:meth:`ReachFollower.on_status`, from the planner's
``/diagnostics`` ``refusal_kind`` and ``refusal`` while it is enabled): the safety filter
refusing the arm's pose (e.g. outside the workspace box), no goal, a planner fault. Holds that
clear on their own (``GRACE_KINDS``: stale inputs, an unusable robot state, which the planner
leaves once valid states have come for ``inputs.RECOVERY_S``) end it only after
``STALE_GRACE_S`` without recovery.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable

import numpy as np

from vjepa_ros.counts import counted
from vjepa_ros.robot.arrival import DEFAULT_TOLERANCE_RAD, arm_arrived
from vjepa_ros.robot.inputs import InputBuffer
from vjepa_ros.robot.plan_record import PlanRecord
from vjepa_ros.sim.reach import ReachStep
from vjepa_ros.sim.tasks import reach_error

REACHED, STEP_LIMIT = "reached", "step limit"
STALE_GRACE_S = 5.0  # [s, wall] a hold of GRACE_KINDS may clear this long before the end
# refusals that may clear on their own: an unusable robot state (one NaN joint state) holds only
# until valid states have come for inputs.RECOVERY_S
GRACE_KINDS = ("stale_inputs", "stale_plan", "invalid_state")
# [s, wall] no new /diagnostics (published every 0.5 s of the planner's clock) for this long
# after the first: the planner or the simulator (whose /clock drives the planner's timers) froze
SILENT_S = 30.0
# What the demo's user does about each hold (robot/refusal.RefusalKind values): the planner holds
# the arm and the goal cannot be reached without them.
HOLD_ADVICE = {
    "safety": "the safety filter refuses every target from the arm's pose: check that the goal "
              "and the arm lie inside the planner's safety.workspace_min/max box "
              "(config/planner.yaml) and run again",
    "invalid_state": "the robot states the planner gets stay unusable (NaN, out of the joint "
                     "limits, another frame): check which nodes publish them (ros2 topic info "
                     "-v /joint_states, and current_pose), and the simulator's log",
    "no_goal": "the planner has no goal (cleared by another node, or never captured): run "
               "again, with nothing else on this ROS_DOMAIN_ID",
    "stale_inputs": "camera frames or robot states stopped arriving in the planner: check that "
                    "the simulator runs (its log) and that nothing else uses this ROS_DOMAIN_ID",
    "stale_plan": "the planner's plans come out older than safety.max_plan_age_s: raise it "
                  "(config/planner.yaml) or use a faster planner setting",
    "planner_error": "see the planner's log",
    "internal_error": "see the planner's log",
    # /diagnostics shows it over the session's own WARN kind (safety, no_goal): ERROR
    "twin_planner": "another planner commands the same arm (its /diagnostics refusal names it): "
                    "stop it (ros2 node list) and run again, with nothing else on this "
                    "ROS_DOMAIN_ID",
}


class DemoError(RuntimeError):
    """The demo cannot go on (a node did not answer, the planner failed, time ran out)."""


@dataclasses.dataclass(frozen=True)
class Arrival:
    """When the planner (blocking mode) considers a move finished: its ``control.*`` values."""

    tolerance_m: float = 0.01  # control.arrival_tolerance_m: TCP to commanded target [m]
    timeout_s: float = 10.0  # control.arrival_timeout_s: give up waiting [s, simulated]
    settle_s: float = 0.2  # control.settle_s: then this long at rest [s, simulated]
    # control.arrival_tolerance_rad: TCP orientation to commanded target's [rad]
    tolerance_rad: float = DEFAULT_TOLERANCE_RAD


class ReachFollower:
    """Count the planner's commanded steps and decide when the episode ends.

    Args:
        goal_state: [7] true TCP state at the goal image.
        success_radius: [m] true TCP to goal TCP.
        max_steps: commanded steps before the episode gives up.
        arrival: the planner's arrival rule.
        states: the true TCP states (stamped, simulated seconds).
        frame_at: the camera frame [H, W, 3] uint8 at a stamp (for the pictures), or None.
        deadline: ``clock()`` value [s] after which :meth:`update` raises :class:`DemoError`.
        clock: wall clock [s] (default ``time.monotonic``).
    """

    def __init__(self, goal_state, success_radius: float, max_steps: int, arrival: Arrival,
                 states: InputBuffer,
                 frame_at: Callable[[float], np.ndarray | None] = lambda stamp: None,
                 deadline: float = math.inf, clock: Callable[[], float] = time.monotonic):
        self.goal_state = np.asarray(goal_state, dtype=np.float64)
        self.success_radius, self.max_steps, self.arrival = success_radius, max_steps, arrival
        self.states, self.frame_at = states, frame_at
        self.deadline, self.clock = deadline, clock
        self.steps: list[ReachStep] = []
        # commands past max_steps: the planner, enabled until the demo sees the last step settle,
        # may command once more first (both judge arrival; under load the planner is quicker)
        self.late_commands = 0
        self._target: np.ndarray | None = None  # [7] the latest command
        self._commanded_at = -math.inf  # [s] newest TCP stamp when it was seen
        self._arrived_at: float | None = None  # [s] TCP stamp of its arrival
        self._scanned = -math.inf  # [s] newest TCP stamp already checked for arrival
        self._stale_since: float | None = None  # [s, clock] first stale_inputs hold seen
        self._status_stamp: float | None = None  # the newest /diagnostics header stamp seen
        self._heard_at: float | None = None  # [s, clock] when it arrived

    def on_status(self, values: dict, stamp: float | None = None) -> None:
        """Take the planner's newest ``/diagnostics`` values; raise when it holds for good.

        ``stamp``: their header stamp; a new one restarts :meth:`update`'s silence watchdog
        (``SILENT_S``).

        Only values with ``enabled`` "True" count (before ``~/enable`` the planner only watches).
        Raises :class:`DemoError` (one line: the refusal, then what to do) for a hold the planner
        cannot leave without the user (``HOLD_ADVICE``): at once, or for ``GRACE_KINDS``
        (``stale_inputs``, ``stale_plan``, ``invalid_state``) once they have not recovered for
        ``STALE_GRACE_S``.
        """
        if stamp is not None and math.isfinite(stamp) and stamp != self._status_stamp:
            self._status_stamp, self._heard_at = stamp, self.clock()
        kind = values.get("refusal_kind", "") if values.get("enabled") == "True" else ""
        if kind not in GRACE_KINDS:
            self._stale_since = None
        if kind not in HOLD_ADVICE:
            return
        if kind in GRACE_KINDS:
            now = self.clock()
            self._stale_since = now if self._stale_since is None else self._stale_since
            if now - self._stale_since < STALE_GRACE_S:
                return
        waited = f" for {STALE_GRACE_S:g} s" if kind in GRACE_KINDS else ""
        raise DemoError(f"the planner holds the arm{waited} ({kind} in its /diagnostics): "
                        f"{values.get('refusal', '')}; the episode ends after "
                        f"{counted(len(self.steps), 'step')}: {HOLD_ADVICE[kind]}")

    def on_report(self, record: PlanRecord) -> ReachStep | None:
        """Take one plan report; return the new step when it was commanded.

        A command after ``max_steps`` steps is no step: it is counted in ``late_commands``.

        Raises :class:`DemoError` for a planner or session fault (the planner holds). Other
        refusals are judged from the planner's status (:meth:`on_status`), which also shows the
        holds that come before a plan (no goal, stale inputs).
        """
        if record.is_error:
            raise DemoError(f"the planner failed: {record.detail}")
        if not record.commanded:
            return None
        if len(self.steps) >= self.max_steps:  # not a step of the episode: counted apart
            self.late_commands += 1
            return None
        if record.stamp is None or record.command is None or record.first_action is None:
            raise DemoError(f"a commanded plan report without stamp, command or action: "
                            f"{record}")
        at_frame = self.states.state_at(record.stamp)
        if at_frame is None:
            raise DemoError("a commanded plan before any current_pose: no true TCP to measure")
        energy = math.nan if record.energy is None else record.energy
        step = ReachStep(len(self.steps) + 1, reach_error(at_frame.value, self.goal_state),
                         energy, record.latency_s, self.frame_at(record.stamp),
                         np.array(record.first_action), np.array(record.command),
                         from_prediction=record.predicted_start)
        self.steps.append(step)
        latest = self.states.latest_state()
        self._target = step.command
        self._commanded_at = latest.stamp if latest is not None else record.stamp
        self._arrived_at, self._scanned = None, self._commanded_at
        return step

    def update(self) -> str | None:
        """Return ``REACHED`` or ``STEP_LIMIT`` once the episode is over, else None.

        Raises :class:`DemoError` after the deadline, and when no new ``/diagnostics`` came for
        ``SILENT_S`` after the first (a frozen planner or simulator).
        """
        now = self.clock()
        if now > self.deadline:
            raise DemoError(f"no result in time: {counted(len(self.steps), 'step')} so far")
        if self._heard_at is not None and now - self._heard_at > SILENT_S:
            raise DemoError(f"no /diagnostics from the planner for {SILENT_S:g} s after "
                            f"{counted(len(self.steps), 'step')}: the planner or the simulator "
                            "(its /clock) "
                            "stopped; check that both processes run and the machine is not "
                            "overloaded, then start again")
        latest = self.states.latest_state()
        if self._target is None or latest is None:
            return None
        if self._arrived_at is None:
            self._arrived_at = self._arrival_stamp()
            if self._arrived_at is None:
                return None
        if latest.stamp < self._arrived_at + self.arrival.settle_s:
            return None
        if reach_error(latest.value, self.goal_state) <= self.success_radius:
            return REACHED
        if len(self.steps) >= self.max_steps:
            return STEP_LIMIT
        return None

    def _arrival_stamp(self) -> float | None:
        """Return the stamp of the arrival after the latest command; None before it.

        The first state at the target by the planner's test (``arrival.arm_arrived``: position
        and orientation), or the first after the arrival timeout; each state is looked at once.
        """
        for state in self.states.states_after(self._scanned):
            self._scanned = state.stamp
            if arm_arrived(state.value, self._target, self.arrival.tolerance_m,
                           self.arrival.tolerance_rad):
                return state.stamp
            if state.stamp >= self._commanded_at + self.arrival.timeout_s:
                return state.stamp
        return None
