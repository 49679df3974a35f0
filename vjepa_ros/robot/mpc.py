"""The MPC loop without ROS: inputs, goals, enable/shadow, blocking/continuous control, watchdog.

The planner node is a thin shell around :class:`MPCSession`: its subscriptions call
``observe_image`` / ``observe_state``, its services ``capture_goal`` / ``set_enabled``, a worker
(the planning callback group) calls ``plan_step`` in a loop and a timer calls ``stream_step`` at
the stream rate. Every public method is thread-safe; the GPU work in ``plan_step`` runs outside
the lock, so inputs, services and the watchdog stay responsive while a plan is computed.

What reaches the arm (``stream_step``'s set-points and ``PlanReport.gripper_command``):
- nothing before ``set_enabled(True)`` (shadow mode: plans, actions and diagnostics only),
- nothing without a goal, with stale or invalid inputs, or after a planner error,
- only targets that passed ``safety.filter_target`` (workspace box, step length, NaN/inf), reached
  through a speed- and acceleration-limited set-point (``targets.SetpointStreamer``).
Every refusal goes to ``log`` once (until it clears) and stays visible in ``status()``.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import threading
import time
from collections.abc import Callable

import numpy as np
import torch

from vjepa_ros.config import param
from vjepa_ros.planning.cancel import PlanCancelled
from vjepa_ros.planning.config import CEMConfig
from vjepa_ros.planning.planners import make_planner
from vjepa_ros.planning.rollout import ImaginedRollout
from vjepa_ros.robot.debug_view import compose_debug_image
from vjepa_ros.robot.goals import GoalSequence, SubGoal
from vjepa_ros.robot.safety import SafetyLimits, filter_target, input_problem, is_safe_setpoint
from vjepa_ros.robot.targets import SetpointStreamer, target_from_action

MODES = ("blocking", "continuous")
STATE_HISTORY = 400  # robot states kept to find the one at a frame's stamp


@dataclasses.dataclass
class ControlConfig:
    mode: str = param(
        "blocking",
        "blocking: plan on a fresh frame, move, wait for arrival (or timeout), observe again (as "
        "the paper); continuous: replan on the newest frame while the last command executes.",
    )
    stream_rate_hz: float = param(
        100.0, "Rate of the interpolated set-points sent to the controller [Hz]."
    )
    arrival_tolerance_m: float = param(
        0.01, "blocking: the arm has arrived when the measured TCP is this close to the target "
        "[m]."
    )
    arrival_timeout_s: float = param(
        10.0, "blocking: stop waiting for arrival after this long and observe again [s]."
    )
    settle_s: float = param(
        0.2, "blocking: only frames stamped this long after arrival count as fresh [s]."
    )
    publish_twist: bool = param(
        False, "Also publish the set-point velocity on servo_twist (MoveIt Servo)."
    )
    gripper_deadband: float = param(
        0.1, "Send a gripper command only when the planned closedness changes more than this."
    )
    gripper_action: str = param(
        "", "control_msgs/GripperCommand action server for gripper goals (e.g. "
        "/franka_gripper/gripper_action); empty: off. Used only when control_msgs is installed."
    )
    gripper_max_effort: float = param(20.0, "max_effort of GripperCommand goals [N].")

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"control.mode must be one of {MODES}, got {self.mode!r}")
        for name in ("stream_rate_hz", "arrival_tolerance_m", "arrival_timeout_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"control.{name} must be > 0, got {getattr(self, name)!r}")


@dataclasses.dataclass
class Stamped:
    stamp: float  # [s], node clock
    value: np.ndarray


@dataclasses.dataclass
class PlanReport:
    """What one planning step produced, for publishing and diagnostics (numpy float64)."""

    action: np.ndarray | None = None  # [7] first planned delta
    actions: np.ndarray | None = None  # [H, 7] the whole plan
    target: np.ndarray | None = None  # [7] state ⊕ action, before the safety filter
    command: np.ndarray | None = None  # [7] safe target given to the set-point streamer
    gripper_command: float | None = None  # closedness to send to the gripper, if it changed
    energy: float | None = None  # elite energy of the last CEM iteration
    latency_s: float = 0.0  # encode + plan wall time
    frame_age_s: float = 0.0  # age of the planned frame when the plan finished
    reason: str = ""  # why nothing was commanded (or what was clipped)
    debug_rgb: np.ndarray | None = None  # current | goal | error image


@dataclasses.dataclass
class StreamOutput:
    setpoint: np.ndarray | None  # [7] the set-point to publish; None: publish nothing
    twist: np.ndarray  # [6] set-point velocity (zero on hold)
    hold_started: bool = False  # this tick entered a hold (send one zero twist)


def _reason_kind(reason: str) -> str:
    return reason.split(":", 1)[0]


class MPCSession:
    """The state of one image-goal MPC run; see the module docstring."""

    def __init__(
        self,
        model,
        cem: CEMConfig,
        limits: SafetyLimits,
        control: ControlConfig,
        clock: Callable[[], float],
        log: Callable[[str, str], None] = lambda level, message: None,
        seed: int | None = 0,
    ):
        self.model = model
        self.planner = make_planner(model, cem, seed=seed)
        self.limits, self.control = limits, control
        self.clock, self.log = clock, log
        self.streamer = SetpointStreamer(limits)
        self._lock = threading.RLock()
        self.frame: Stamped | None = None
        self.states: collections.deque[Stamped] = collections.deque(maxlen=STATE_HISTORY)
        self.state_problem = ""  # set by reject_state (NaN joints ...) until a valid state
        self.goals: GoalSequence | None = None
        self.goal_version = 0
        self.enabled = False
        self.enable_epoch = 0  # bumped by every enable/disable: a plan made before is void
        self.phase = "shadow"  # shadow | idle | planning | moving | holding
        self.moving = False  # blocking: a command is executing
        self.command_time = self.arrival_time = -float("inf")
        self.last_planned_stamp = -float("inf")
        self.last_stream_time: float | None = None
        self.inputs_holding = False
        self.refusal = ""
        self.last_gripper: float | None = None
        self.last_report = PlanReport()
        self.commands_sent = 0
        self.planning = False
        self.closed = False  # close(): no more plans; a running one is cancelled
        self._idle = threading.Event()
        self._idle.set()

    # -- inputs ---------------------------------------------------------------------------------
    def observe_image(self, rgb: np.ndarray, stamp: float) -> None:
        if not rgb.flags.writeable:  # a view of a message buffer: torch wants its own copy
            rgb = rgb.copy()
        with self._lock:
            self.frame = Stamped(stamp, rgb)

    def observe_state(self, state, stamp: float) -> None:
        state = np.asarray(state, dtype=np.float64)
        if state.shape != (7,) or not np.isfinite(state).all():
            self.reject_state(f"robot state is invalid: {state.tolist()}")
            return
        with self._lock:
            if self.states and stamp < self.states[-1].stamp:
                self.states.clear()  # time went backwards (bag loop, sim reset)
            self.states.append(Stamped(stamp, state))
            if self.state_problem:
                self.log("info", f"robot state valid again (was: {self.state_problem})")
            self.state_problem = ""

    def reject_state(self, reason: str) -> None:
        """Report an unusable robot state (NaN joints ...): hold until a valid one comes."""
        with self._lock:
            self.state_problem = reason
            self._hold(reason)

    def latest_state(self) -> Stamped | None:
        with self._lock:
            return self.states[-1] if self.states else None

    def state_at(self, stamp: float) -> Stamped | None:
        """Return the stored robot state nearest in time to ``stamp``."""
        with self._lock:
            if not self.states:
                return None
            stamps = [s.stamp for s in self.states]
            index = bisect.bisect_left(stamps, stamp)
            near = [i for i in (index - 1, index) if 0 <= i < len(stamps)]
            return self.states[min(near, key=lambda i: abs(stamps[i] - stamp))]

    def ages(self, now: float) -> tuple[float | None, float | None]:
        with self._lock:
            image_age = now - self.frame.stamp if self.frame else None
            state_age = now - self.states[-1].stamp if self.states else None
            return image_age, state_age

    def input_problem(self, now: float) -> str:
        with self._lock:
            return self.state_problem or input_problem(*self.ages(now), self.limits)

    # -- goals and enable -----------------------------------------------------------------------
    def set_goals(self, goals: list[SubGoal]) -> str:
        """Replace the goal (sequence); the planning thread encodes it before the next plan."""
        sequence = GoalSequence(goals)
        with self._lock:
            self.goals = sequence
            self.goal_version += 1
            self.planner.reset()
            self.last_planned_stamp = -float("inf")  # plan again on the current frame
            self._clear_refusal_kind("no goal")
            message = f"new goal: {sequence.describe()}"
            self.log("info", message)
            return message

    def capture_goal(self) -> str:
        """Make the newest camera frame the goal; raises RuntimeError without a frame."""
        with self._lock:
            if self.frame is None:
                raise RuntimeError("no camera frame received yet: nothing to capture")
            image = self.frame.value.copy()
        return self.set_goals([SubGoal(image, 0, source="captured frame")])

    def set_enabled(self, enabled: bool) -> tuple[bool, str]:
        """Start (True) or stop (False) commanding the arm; returns (success, message)."""
        with self._lock:
            if not enabled:
                was = self.enabled
                self.enable_epoch += was
                self.enabled, self.moving = False, False
                self.streamer.deactivate()
                self.phase = "shadow"
                self.inputs_holding = False
                return True, "disabled: shadow mode (planning, no commands)" if was else (
                    "already disabled")
            if self.enabled:
                return True, "already enabled"
            self.enabled, self.moving = True, False
            self.enable_epoch += 1
            self.phase = "idle"
            self.last_planned_stamp = -float("inf")
            self.last_gripper = None
            self.log("info", "enabled: commands go to the arm")
            problems = [p for p in (self.input_problem(self.clock()), self._goal_problem()) if p]
            suffix = f" (not commanding yet: {'; '.join(problems)})" if problems else ""
            return True, "enabled: commanding the arm" + suffix

    def close(self) -> None:
        """Stop commanding and planning for good; a running plan stops within one sample chunk."""
        with self._lock:
            self.closed = True
        self.set_enabled(False)

    def _goal_problem(self) -> str:
        if self.goals is None:
            return ("no goal: call ~/capture_goal, publish on ~/goal_image or set "
                    "goal_image_path")
        if self.goals.finished:
            return f"no goal: {self.goals.describe()}"
        return ""

    # -- refusals -------------------------------------------------------------------------------
    def _refuse(self, reason: str) -> None:
        if _reason_kind(reason) != _reason_kind(self.refusal):
            self.log("warning", f"not commanding: {reason}")
        self.refusal = reason

    def _clear_refusal(self) -> None:
        if self.refusal:
            self.log("info", f"inputs and plan fine again (was: {self.refusal})")
        self.refusal = ""

    def _clear_refusal_kind(self, kind: str) -> None:
        if self.refusal.startswith(kind):
            self.refusal = ""

    def _hold(self, reason: str) -> None:
        if self.enabled:
            self.streamer.hold()
            self.phase = "holding"
        self._refuse(reason)

    # -- planning (worker thread) ---------------------------------------------------------------
    def _next_plan_inputs(self, now: float):
        """Return (frame, state, goal, version) to plan on now, or None (setting the refusal)."""
        if self.closed or self.frame is None or self.frame.stamp <= self.last_planned_stamp:
            return None
        goal_problem = self._goal_problem()
        if goal_problem:
            self._hold(goal_problem)
            return None
        problem = self.input_problem(now)
        if problem:
            self._hold(problem)
            return None
        if self.enabled and self.control.mode == "blocking":
            if self.moving or self.frame.stamp < self.arrival_time + self.control.settle_s:
                return None
        state = self.state_at(self.frame.stamp)
        if abs(state.stamp - self.frame.stamp) > self.limits.max_state_age_s:
            self._hold(
                f"no robot state near the frame: nearest is {state.stamp - self.frame.stamp:+.2f}"
                " s from the frame's stamp"
            )
            return None
        if not self.enabled:
            self._clear_refusal()  # shadow mode: nothing to command, the inputs are fine again
        return self.frame, state, self.goals.current, self.goal_version

    def plan_step(self, want_debug: bool = False) -> PlanReport | None:
        """Plan once if there is something to plan on; None when there is nothing to do."""
        with self._lock:
            inputs = self._next_plan_inputs(self.clock())
            if inputs is None:
                return None
            frame, state, goal, version = inputs
            epoch = self.enable_epoch
            self.last_planned_stamp = frame.stamp
            self.planning = True
            self._idle.clear()
            if self.phase != "moving":
                self.phase = "planning" if self.enabled else "shadow"
        started = time.perf_counter()
        try:
            plan, debug_rgb = self._plan(frame, state, goal, want_debug,
                                         lambda: bool(self._void_reason(version, epoch)))
        except PlanCancelled as exc:  # its result was void anyway: no hold, nothing commanded
            with self._lock:
                reason = f"{self._void_reason(version, epoch) or 'stopped'}: {exc}"
                return self._finish(PlanReport(reason=reason), started)
        except Exception as exc:  # noqa: BLE001 - any planner failure means: hold, report
            with self._lock:
                reason = f"planner error: {type(exc).__name__}: {exc}"
                self._hold(reason)
                return self._finish(PlanReport(reason=reason), started)
        with self._lock:
            report = self._command(plan, frame, state, version, epoch)
            report.debug_rgb = debug_rgb
            return self._finish(report, started)

    def _finish(self, report: PlanReport, started: float) -> PlanReport:
        """End a plan_step (under the lock): idle again, latency set, report kept and returned."""
        self.planning = False
        self._idle.set()
        report.latency_s = time.perf_counter() - started
        self.last_report = report
        return report

    def _void_reason(self, version: int, epoch: int) -> str:
        """Why a plan begun at goal ``version``, enable ``epoch`` is void now ("" if it is not)."""
        if self.closed:
            return "shutting down"
        if version != self.goal_version:
            return "goal changed while planning"
        if epoch != self.enable_epoch:
            return "enabled while planning" if self.enabled else "disabled while planning"
        return ""

    def _plan(self, frame: Stamped, state: Stamped, goal: SubGoal, want_debug: bool,
              should_stop: Callable[[], bool]):
        """Encode goal (once) and frame, run CEM: the GPU work, outside the lock.

        ``should_stop`` becomes true when the result would be discarded (disable, enable, new goal,
        shutdown): CEM then raises ``PlanCancelled`` between iterations or sample chunks.
        """
        if goal.reps is None:
            goal.reps = self.model.encode(goal.image[None])  # [1, N, D]
        reps = self.model.encode(frame.value[None])  # [1, N, D]
        state_tensor = torch.as_tensor(state.value, dtype=torch.float32)
        plan = self.planner.plan(reps, state_tensor, goal.reps, should_stop=should_stop)
        debug_rgb = None
        if want_debug:
            rollout = ImaginedRollout(self.model, reps, state_tensor, goal.reps)
            with torch.inference_mode():
                imagined = rollout.imagine(plan.actions[None].to(rollout.device))  # [1, N, D]
            token_error = (imagined[0].float().cpu() - goal.reps[0].float().cpu()).abs().mean(-1)
            encoder = self.model.encoder
            grid = (self.model.img_size[0] // encoder.patch_size,
                    self.model.img_size[1] // encoder.patch_size)
            debug_rgb = compose_debug_image(frame.value, goal.image, token_error.numpy(), grid)
        return plan, debug_rgb

    def _command(self, plan, frame: Stamped, state: Stamped, version: int,
                 epoch: int) -> PlanReport:
        """Turn a plan into a safe command (when enabled); under the lock."""
        now = self.clock()
        action = plan.first_action.double().numpy()
        report = PlanReport(
            action=action,
            actions=plan.actions.double().numpy(),
            target=target_from_action(state.value, action),
            energy=float(plan.elite_energies[-1]),
            frame_age_s=now - frame.stamp,
        )
        void = self._void_reason(version, epoch)
        if void:
            report.reason = f"{void}: plan discarded"
            return report
        if not self.enabled:
            report.reason = "shadow mode: enable with ~/enable to command the arm"
            return report
        latest = self.states[-1] if self.states else None
        decision = filter_target(
            None if latest is None else latest.value,
            report.target,
            self.limits,
            *self.ages(now),
        )
        if self.state_problem:
            decision = dataclasses.replace(decision, target=None, reason=self.state_problem)
        if not decision.accepted:
            report.reason = decision.reason
            self._hold(decision.reason)
            return report
        self._clear_refusal()
        report.command, report.reason = decision.target, decision.reason
        if not self.streamer.active:
            self.streamer.reset(latest.value)
            self.last_stream_time = None
        self.streamer.set_target(decision.target)
        self.inputs_holding = False
        self.moving = self.control.mode == "blocking"
        self.phase = "moving"
        self.command_time = now
        self.commands_sent += 1
        if self.goals.count_step():
            self.planner.reset()
            self.log("info", f"next sub-goal: {self.goals.describe()}")
        gripper = float(decision.target[6])
        if self.last_gripper is None or abs(gripper - self.last_gripper) > \
                self.control.gripper_deadband:
            report.gripper_command = self.last_gripper = gripper
        return report

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no plan is being computed; return False on timeout."""
        return self._idle.wait(timeout)

    # -- streaming (timer) ----------------------------------------------------------------------
    def stream_step(self) -> StreamOutput | None:
        """Advance the set-point one tick; None when nothing may be published."""
        with self._lock:
            if not self.enabled or not self.streamer.active:
                return None
            now = self.clock()
            problem = self.input_problem(now)
            if problem:
                self.last_stream_time = now
                if self.inputs_holding:
                    return None
                self.inputs_holding = True
                self._hold(problem)
                return StreamOutput(None, np.zeros(6), hold_started=True)
            if self.inputs_holding:
                self.inputs_holding = False
                self.phase = "moving" if self.moving else "idle"
                self._clear_refusal()
            period = 1.0 / self.control.stream_rate_hz
            dt = period if self.last_stream_time is None else now - self.last_stream_time
            self.last_stream_time = now
            setpoint = self.streamer.step(min(max(dt, 0.0), 5 * period))
            if not is_safe_setpoint(setpoint, self.limits):  # never expected: belt and braces
                self.streamer.deactivate()
                self._hold(f"internal error: unsafe set-point {setpoint.tolist()} suppressed")
                return None
            self._check_arrival(now)
            return StreamOutput(setpoint, self.streamer.twist())

    def _check_arrival(self, now: float) -> None:
        if not self.moving:
            if self.phase == "moving" and self.streamer.arrived():
                self.phase = "idle"
            return
        latest = self.states[-1].value
        close = np.linalg.norm(latest[:3] - self.streamer.target[:3])
        if self.streamer.arrived() and close <= self.control.arrival_tolerance_m:
            self.moving, self.phase, self.arrival_time = False, "idle", now
        elif now - self.command_time > self.control.arrival_timeout_s:
            self.log("warning", f"arm did not reach the target within "
                     f"{self.control.arrival_timeout_s} s ({close:.3f} m away): observing again")
            self.moving, self.phase, self.arrival_time = False, "idle", now

    # -- diagnostics ----------------------------------------------------------------------------
    def status(self) -> dict:
        """Everything diagnostics shows: level (0 ok, 1 warn, 2 error), message and values."""
        with self._lock:
            now = self.clock()
            image_age, state_age = self.ages(now)
            report = self.last_report
            refusal = self.refusal or (self._goal_problem() if self.enabled else "")
            level = 0
            if refusal:
                level = 2 if refusal.startswith(("planner error", "internal error")) else 1
            values = {
                "state": self.phase,
                "enabled": str(self.enabled),
                "mode": self.control.mode,
                "goal": self.goals.describe() if self.goals else "none",
                "energy": "" if report.energy is None else f"{report.energy:.6f}",
                "planning_latency_s": f"{report.latency_s:.3f}",
                "frame_age_s": "" if image_age is None else f"{image_age:.3f}",
                "state_age_s": "" if state_age is None else f"{state_age:.3f}",
                "planned_frame_age_s": f"{report.frame_age_s:.3f}",
                "commands_sent": str(self.commands_sent),
                "refusal": refusal,
                "last_action": "" if report.action is None else " ".join(
                    f"{v:+.4f}" for v in report.action),
            }
            message = refusal or ("commanding" if self.enabled else "shadow mode (not enabled)")
            return {"level": level, "message": message, "values": values}
