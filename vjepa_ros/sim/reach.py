"""One image-goal reach episode in the simulator, closed loop, without ROS.

The loop is the planner node's: an :class:`~vjepa_ros.robot.mpc.MPCSession` (blocking by
default: encode the frame, CEM, state ⊕ first action, safety filter, speed-limited set-point
stream, wait for arrival, observe a frame taken ``settle_s`` after it, replan; or continuous, or
async, ``control.mode``). Only the transport differs: instead of topics, this module hands the
session the simulator's frames and TCP state (stamped with simulated time) and gives its
set-points to the simulated controller. By default simulated time stands still while the planner
thinks; with ``real_time=True`` each encoder and planner call's wall time passes in the simulator
(the arm executes, or stands still, meanwhile), as on a robot.

    with Sim(reach_sim_config(seed)) as sim:
        goal = make_reach_goal(sim, seed)                  # reset, draw a goal, goal image
        episode = run_reach_episode(sim, model, goal, cem)  # model: WorldModel or the oracle
        episode.success, episode.final_distance, episode.steps[0].energy

The success test uses the simulator's true TCP (``tasks.reach_error``) whenever the set-point
has stopped at its target (a move finished). ``RandomActionPlanner`` is the baseline: uniform
actions in the CEM search box, no model.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import time
from collections.abc import Callable

import numpy as np

from vjepa_ros.planning.config import CEMConfig, say_frozen_mean
from vjepa_ros.planning.planners import build_planner
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig, planner_settings
from vjepa_ros.robot.goals import GoalProgress
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.phase import Phase
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.subgoal import SubGoal
from vjepa_ros.robot.trained_model import gripper_rule
from vjepa_ros.sim.frame_clock import FrameClock
from vjepa_ros.sim.quiet_limit import quiet_limit_s
from vjepa_ros.sim.random_planner import RandomActionPlanner
from vjepa_ros.sim.reach_config import ReachConfig
from vjepa_ros.sim.reach_goals import (  # noqa: F401 (REACH_GOAL_STREAM, ...: re-exported)
    REACH_GOAL_STREAM,
    check_goal,
    make_reach_goal,
    reach_goal_stream,
    reach_sim_config,
    reach_target,
)
from vjepa_ros.sim.sim import Sim
from vjepa_ros.sim.tasks import Goal, reach_error


class ReachError(RuntimeError):
    """The episode cannot go on: the planner failed or refused to command (nothing was sent)."""


@dataclasses.dataclass
class ReachStep:
    """One planning step: what was planned on and what came out."""

    step: int  # 1-based
    distance: float  # [m] true TCP to goal TCP when the planned frame was taken
    energy: float  # final elite energy of the CEM (nan for the random baseline)
    planning_s: float  # encode + plan, wall seconds (real_time: with the simulation meanwhile)
    frame: np.ndarray  # [H, W, 3] uint8, the frame planned on
    action: np.ndarray  # [7] the first planned action
    command: np.ndarray  # [7] the safe target given to the arm
    from_prediction: bool = False  # async: planned from the predicted end of the step before
    subgoal: GoalProgress | None = None  # sub-goal planned toward, and the switch it made
    gripper_command: float | None = None  # closedness sent to the hand (None: unchanged)


@dataclasses.dataclass
class ReachEpisode:
    goal_frame: np.ndarray  # [H, W, 3] uint8
    goal_state: np.ndarray  # [7] true TCP state when the goal image was taken
    start_distance: float  # [m]
    steps: list[ReachStep]
    final_distance: float  # [m] after the last move settled
    final_frame: np.ndarray  # [H, W, 3] uint8, rendered when the episode ended (final_distance's)
    success: bool
    stop_reason: str  # "reached" | "step limit" | "held: <why>" (stop_on_hold)
    success_radius: float
    sim_seconds: float = 0.0  # simulated time from enabling to success (or to the step limit)
    wall_seconds: float = 0.0
    still_fraction: float = 0.0  # share of stream ticks with the true TCP slower than 1 cm/s
    time_split: dict[str, float] = dataclasses.field(default_factory=dict)  # [s] see TIME_SPLIT
    held: str = ""  # why the safety filter held the arm and ended the episode (stop_on_hold)
    log: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    @property
    def planning_s_median(self) -> float:
        return statistics.median(s.planning_s for s in self.steps) if self.steps else math.nan

    @property
    def frames(self) -> list[np.ndarray]:
        """Frames planned on, one per step, then the final frame."""
        return [s.frame for s in self.steps] + [self.final_frame]


def check_model(model) -> None:
    """Raise ValueError when ``model`` cannot plan (no encoder or no AC predictor)."""
    if not callable(getattr(model, "encode", None)):
        raise ValueError(f"{type(model).__name__} has no encode(frames): not a world model")
    if getattr(model, "predictor", None) is None:
        raise ValueError(f"{type(model).__name__} has no action-conditioned predictor: use a "
                         "V-JEPA 2-AC checkpoint (encoder + predictor)")


# The simulator's advice where the safety filter's would send a person to the arm
# (robot/workspace_box.OUTSIDE_BOX_ADVICE; the session's outside_box_advice): nothing moves a
# simulated arm back, the episode ends.
SIM_OUTSIDE_BOX_ADVICE = ("nothing moves a simulated arm back, so the episode ends: check that "
                          "the goal lies inside the box, or widen it (safety.workspace_min, "
                          "safety.workspace_max, safety.workspace_tolerance_m)")


TIME_SPLIT = ("first plan", "moving", "braking", "arrived, planning", "arrived, waiting")
"""Where an episode's time goes (``ReachEpisode.time_split``, seconds per stream tick counted):
before the first command; the set-point on its way; the set-point within its braking distance
v²/2a of the target (``SafetyLimits`` top speed and acceleration) or stopped there while the arm
settles; no command executing and a plan running; no command executing and none running (waiting
for a frame taken ``settle_s`` after arrival, for the camera)."""


class _SimDriver:
    """Feeds a session from the simulator and the simulator from the session (one thread).

    ``advance(seconds)`` runs the stream for that long: with ``real_time`` the session's planner
    and encoder charge their wall time to simulated time this way, so the arm executes (or
    stands still) while the planner thinks, as on a real robot.
    """

    STILL_SPEED = 0.01  # [m/s] the hand counts as standing still below this TCP speed

    def __init__(self, sim: Sim, stream_rate_hz: float, camera_rate_hz: float,
                 done: Callable[[np.ndarray], bool]):
        self.sim = sim
        self.session: MPCSession | None = None
        self.frames = FrameClock(camera_rate_hz)  # frame 0 at the first observe, phase kept
        self.physics_per_tick = max(1, round(sim.config.physics_hz / stream_rate_hz))
        # simulated seconds per tick: whole physics steps, so not always 1 / stream_rate_hz
        # (240 Hz physics, 100 Hz stream: 2 steps, 1/120 s)
        self.tick_period = self.physics_per_tick / sim.config.physics_hz
        self.done = done  # success test on the true state [7] once a move has finished
        self.frame: np.ndarray | None = None
        self.reached = False  # the set-point stopped with the success test true
        self.reached_at: float | None = None  # [s] simulated time of the first such tick
        self.ticks = self.still_ticks = 0
        self.split = dict.fromkeys(TIME_SPLIT, 0.0)
        self.state = sim.ee_state()  # [7] the last measured hand state (observe)
        self._last_xyz = self.state[:3].copy()

    def observe(self, force_frame: bool = False) -> None:
        now = self.sim.time
        self.state = self.sim.ee_state()  # the hand as measured now [7]; tick reuses it
        self.session.observe_state(self.state, now)
        if force_frame:
            self.frames.restart(now)  # the schedule starts with this frame
        if self.frames.due(now):
            self.frame = self.sim.render()
            self.session.observe_image(self.frame, now)

    def tick(self) -> None:
        """One stream tick: physics, measurements, the set-point to the controller."""
        self.sim.step(self.physics_per_tick)
        self.observe()
        out = self.session.stream_step()
        if out is not None and out.setpoint is not None:
            self.sim.set_target(out.setpoint[:3], out.setpoint[3:6])
        state = self.state  # no physics step since observe: measuring again gives the same
        speed = np.linalg.norm(state[:3] - self._last_xyz) / self.tick_period
        self._last_xyz = state[:3].copy()
        if self.reached:
            return  # a planner call still under way after success: not part of the episode
        self.ticks += 1
        self.still_ticks += bool(speed < self.STILL_SPEED)
        self.split[self._split_key()] += self.tick_period
        if self.session.streamer.arrived() and self.done(state):
            self.reached, self.reached_at = True, self.sim.time

    def _split_key(self) -> str:
        session, streamer = self.session, self.session.streamer
        if session.commands_sent == 0:
            return "first plan"
        if session.phase is Phase.MOVING:
            limits = session.limits
            braking = limits.max_speed_m_s ** 2 / (2 * limits.max_accel_m_s2)
            remaining = np.linalg.norm(streamer.target[:3] - streamer.setpoint[:3])
            return "braking" if remaining <= braking + 1e-9 else "moving"
        return "arrived, planning" if session.planning else "arrived, waiting"

    def advance(self, seconds: float) -> None:
        for _ in range(round(seconds / self.tick_period)):
            self.tick()


class _Charged:
    """Wraps the world model or the planner: each call's wall time passes in the simulator."""

    def __init__(self, inner, charge: Callable[[float], None], methods: tuple[str, ...]):
        self._inner, self._charge = inner, charge
        for name in methods:
            setattr(self, name, self._timed(getattr(inner, name)))

    def _timed(self, method):
        def call(*args, **kwargs):
            started = time.perf_counter()
            result = method(*args, **kwargs)
            self._charge(time.perf_counter() - started)
            return result
        return call

    def __getattr__(self, name):
        return getattr(self._inner, name)


def run_reach_episode(
    sim: Sim,
    model,
    goal: Goal,
    cem: CEMConfig,
    config: ReachConfig | None = None,
    limits: SafetyLimits | None = None,
    control: ControlConfig | None = None,
    random_actions: bool = False,
    seed: int | None = 0,
    on_step: Callable[[ReachStep], None] | None = None,
    real_time: bool = False,
    planning_s: float | None = None,
    subgoals: list[SubGoal] | None = None,
    done: Callable[[np.ndarray], bool] | None = None,
    gripper: Callable[[float], None] | None = None,
    switching: GoalSwitchConfig | None = None,
    stop_on_hold: bool = False,
) -> ReachEpisode:
    """Reach ``goal`` from the current scene with MPC; see the module docstring.

    ``model``: a ``WorldModel`` with a predictor, or the simulator's oracle. ``random_actions``:
    the baseline (the model only encodes). ``control.mode`` (default blocking) picks blocking,
    continuous or async control. ``real_time``: planning takes simulated time (its wall time),
    the arm goes on executing meanwhile; otherwise simulated time stands still while the planner
    thinks. ``planning_s``: instead, every planner call takes exactly this many simulated seconds
    (a latency model independent of this machine's load; encoding is then free). ``on_step`` is
    called after every command. The episode ends when the set-point has
    stopped with the true TCP within the success radius, or after ``max_steps`` commands once
    the last one has finished. Other tasks (``manipulation_loop.py``) pass ``subgoals`` (the goal
    sequence instead of ``goal``'s image alone), ``done(state [7]) -> bool`` (their success test
    instead of the radius) and ``gripper(closedness)`` (how a gripper command reaches the hand;
    default ``sim.set_gripper``, the ``gripper_command`` Float64 path); ``switching`` is the
    session's sub-goal switching rule (the node's ``goals.*``; default: fixed step counts). Each
    step records the sub-goal it was planned toward and the switch its command made
    (``ReachStep.subgoal``). Raises ValueError for an
    unusable goal or model and :class:`ReachError` when the session refuses to command (the arm
    is not commanded then); with ``stop_on_hold`` such a refusal ends the episode instead, as a
    failure with ``stop_reason`` ``"held: <why>"`` (what a held arm means to a task whose arm
    touches the scene, e.g. pushed out of the workspace box by a contact).

    An API entry (README, Reach benchmark), as ``make_planner``: a mean momentum of 1 in
    ``cem`` is said once (``config.say_frozen_mean``: a ``FrozenMeanWarning`` at the caller's
    line; one ``warning:`` line inside a command, which said it already); not with
    ``random_actions``, which plans nothing.
    """
    if not random_actions:
        say_frozen_mean(cem, stacklevel=2)
    config = config or ReachConfig()
    control = control or ControlConfig()
    check_goal(goal)
    check_model(model)
    log: list[tuple[str, str]] = []
    goal_state = np.asarray(goal.state, dtype=np.float64)
    if done is None:
        def done(state):
            return reach_error(state, goal_state) <= config.success_radius
    driver = _SimDriver(sim, control.stream_rate_hz, config.camera_rate_hz, done)
    switching, gripper_note = gripper_rule(model, switching)  # no gripper trained: held
    if gripper_note:
        log.append(("warning", gripper_note))
    cem = planner_settings(cem, switching)  # goals.gripper subgoal: the search leaves the hand
    # the planner of cem.method (cem, icem, mppi), its sample count checked against the memory
    planner = RandomActionPlanner(cem, seed) if random_actions else build_planner(model, cem, seed)
    if planning_s is not None:
        if not planning_s >= 0:
            raise ValueError(f"planning_s must be >= 0 simulated seconds, got {planning_s!r}")
        planner = _Charged(planner, lambda _: driver.advance(planning_s), ("plan",))
    elif real_time:
        model = _Charged(model, driver.advance, ("encode",))
        planner = _Charged(planner, driver.advance, ("plan",))
    session = MPCSession(model, cem, limits or SafetyLimits(), control, clock=lambda: sim.time,
                         log=lambda level, message: log.append((level, message)), seed=seed,
                         planner=planner, goal_switching=switching,
                         outside_box_advice=SIM_OUTSIDE_BOX_ADVICE)
    driver.session = session
    started_wall, started_sim = time.perf_counter(), sim.time
    driver.observe(force_frame=True)
    session.set_goals(subgoals or [SubGoal(goal.frame, 0, source="goal image")])
    session.set_enabled(True)
    start_distance = reach_error(sim.ee_state(), goal.state)
    steps: list[ReachStep] = []
    last_command = sim.time
    plan_s = 0.0  # [s, simulated] the longest a plan took (quiet_limit_s)
    held = ""  # why the session held the arm (stop_on_hold)
    while not driver.reached:
        if len(steps) >= config.max_steps:
            if session.phase is not Phase.MOVING:
                break
            driver.tick()
            continue
        before = sim.time
        report = session.plan_step()
        plan_s = max(plan_s, sim.time - before)
        if driver.reached:
            break  # reached while this plan was computed (planning takes simulated time)
        if report is None or report.command is None:
            if session.phase is Phase.HOLDING or \
                    sim.time - last_command > quiet_limit_s(control, session.limits, plan_s):
                why = report.reason if report is not None and report.reason else \
                    session.refusal or "no plan"
                if stop_on_hold:
                    held = why
                    log.append(("warning", f"step {len(steps) + 1}: nothing commanded, the "
                                f"episode ends: {why}"))
                    break
                session.set_enabled(False)
                raise ReachError(f"step {len(steps) + 1}: nothing commanded: {why}")
            if report is None:
                driver.tick()
            continue
        last_command = sim.time
        energy = math.nan if report.energy is None else float(report.energy)
        step = ReachStep(len(steps) + 1, reach_error(sim.ee_state(), goal.state), energy,
                         report.latency_s, driver.frame, report.action, report.command,
                         report.predicted_start, report.subgoal, report.gripper_command)
        steps.append(step)
        if report.gripper_command is not None:
            (gripper or sim.set_gripper)(report.gripper_command)
        if on_step is not None:
            on_step(step)
    session.set_enabled(False)
    distance = reach_error(sim.ee_state(), goal.state)
    success = driver.reached
    # the scene the distance (and a task's outcome) is measured on, not the camera schedule's
    # last frame: that one is up to a camera period older (1.2-1.6 cm of hand motion at 4 Hz)
    final_frame = sim.render()
    return ReachEpisode(
        goal_frame=goal.frame, goal_state=np.asarray(goal.state, dtype=np.float64),
        start_distance=start_distance, steps=steps, final_distance=distance,
        final_frame=final_frame, success=success,
        stop_reason="reached" if success else f"held: {held}" if held else "step limit",
        held=held,
        success_radius=config.success_radius,
        sim_seconds=(driver.reached_at if success else sim.time) - started_sim,
        wall_seconds=time.perf_counter() - started_wall, log=log,
        still_fraction=driver.still_ticks / max(driver.ticks, 1), time_split=driver.split,
    )
