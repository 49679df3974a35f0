"""breaker52g: concurrency in the planner node and session, second round.

Attacked at 2b866dfc (this branch's base): the planner node's threads -- the executor thread
(inputs, the stream tick through ``PlannerNode._stream``, ``~/enable``, goal services and goal
parameter retunes: ``nodes/planner_node.py``, ``nodes/planner_goals.py``,
``nodes/goal_updates.py``), the planning worker (``robot/planning_worker.py``,
``robot/planning_session.py``), the camera check helper (``nodes/camera_check_service.py``,
``robot/camera_check_session.py``) and the shutdown path (``PlannerNode.prepare_shutdown``,
``MPCSession.close``/``wait_idle``). Not repeated: breaker44s (gripper send after the step, a
tick's set-point across a disable), 46n (the tick's epoch), 44k (dropped prepared reports).

Defects (strict xfail at 2b866dfc; fixed by fix52g, the tests now pass as written):

1. The live camera check's motion search (``_search_motions`` -> ``infer_motions``: a CEM
   plan per recorded motion, twice, on the planning worker) is handed no ``should_stop``, so
   ``close()`` (shutdown) and ``~/enable`` false end the check but not its search: the worker
   stays busy until every motion is searched. ``prepare_shutdown`` then waits its 30 s for
   ``wait_idle`` and 30 s for the worker (twice: ``destroy_node`` calls it again), and a new
   ``~/camera_check`` is refused "the planning worker is still busy" and no goal is planned
   meanwhile. The correction trial's plans do poll the check's end (``_plan_trial_step``).
   Two tests: the close (shutdown) and the disable (README: "``~/enable`` false stops it at
   once"; the next check is refused until the stopped one's search is done).

2. ``SamplingPlanner.plan`` (cem, icem, mppi) reads its ``_generation`` after building its
   scorer, not as it begins: a ``reset()`` from the executor thread in that window (a new
   world in shadow mode, ``input_episodes._new_world``, which voids no plan) does not reach
   the plan begun before it, and the old world's warm start is kept. Low severity.

Held up (pins): a disable during the search ends the check at once and nothing streams after it;
three threads (executor: inputs, 100 Hz ticks, enable/disable, capture, clear, a new goal,
goal_steps retunes, hand changes; the worker; the camera check helper) for two seconds in
continuous, blocking and async control, then ``close()`` with all running: no COMMANDED report of
an old goal version or enable epoch, no gripper command or set-point while disabled, no set-point
after the close, no exception, the worker returns; ``prepare_shutdown`` during a goal plan on the
node's own worker step cancels it and nothing (gripper, action, target_pose, servo_twist) goes out
after it; the published set-points of the stress stayed within ``max_speed_m_s`` across new plans
arriving mid-stream (checked by hand, 3 s x 3 modes x 2 seeds, not pinned). Read and found sound
(not pinned): the lock order (``command_lock`` then the session lock everywhere; the listener and
``gripper_output`` publish under the session lock only), ``ClockSources.note_now`` from the
worker (its own lock), ``GripperGoals``/``AwaitedGoals`` and rclpy's ``ActionClient`` (locked),
``CEMPlanner.reset`` during a search (the generation counter, once read; defect 2 is before),
``forget_goal_files`` re-entering ``_on_set_parameters`` (executor thread only). Every parameter
but the goal ones is start-only (``_check_run_time_sets`` refuses a run-time ``model.threads``,
``planner.samples``, ``planner.horizon``, ``control.mode``): no cache is resized under the worker.
The node's callbacks run on one SingleThreadedExecutor thread, so parameter callbacks never
interleave with services or the tick; only the worker, the camera check helper and (in-process
launches) ``prepare_shutdown`` run beside them.
"""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np
import pytest
import torch
from test_robot_camera_check_live import NO_TRIAL, IdealArm

from vjepa_ros.planning.cancel import PlanCancelled
from vjepa_ros.robot.camera_check_motions import CheckMotionConfig

pytestmark = pytest.mark.usefixtures("one_thread")

SIX = CheckMotionConfig(distance_m=0.03, corners=False)  # 6 motions: quick
SEARCH_S = 3.0  # [s] how long one search step of the stand-in search takes


class SlowSearch:
    """A camera check search planner whose ``plan`` takes ``SEARCH_S`` in small chunks.

    It stands for the ViT-g search (a CEM plan per motion, twice); it polls ``should_stop``
    between its chunks when one is given, as every goal plan's search does.
    """

    def __init__(self, inner, entered: threading.Event, given: list):
        self.inner, self.entered, self.given = inner, entered, given
        self.release = threading.Event()  # the test's clean-up: end at once

    def reset(self):
        self.inner.reset()

    def plan(self, *args, should_stop=None, **kwargs):
        self.given.append(should_stop)
        self.entered.set()
        deadline = time.monotonic() + SEARCH_S
        while time.monotonic() < deadline and not self.release.is_set():
            if should_stop is not None and should_stop():
                raise PlanCancelled("stopped between chunks")
            time.sleep(0.01)
        return self.inner.plan(*args, should_stop=should_stop, **kwargs)


def _search_started(monkeypatch):
    """Return (arm, run, worker thread, given): the worker inside the check's motion search."""
    from vjepa_ros.eval import camera_check_search

    real = camera_check_search.search_planners
    entered, given = threading.Event(), []
    made = []

    def search_planners(model, cem, seed=0):
        made.extend(SlowSearch(p, entered, given) for p in real(model, cem, seed))
        return tuple(made[-2:])

    monkeypatch.setattr(camera_check_search, "search_planners", search_planners)
    arm = IdealArm()
    arm.session.set_enabled(True)
    run = arm.session.start_camera_check(SIX, None, NO_TRIAL)
    for _ in range(5000):
        if run.needs_worker:
            break
        arm.tick()
    assert run.needs_worker, run.describe()
    worker = threading.Thread(target=arm.session.plan_step, daemon=True)
    worker.start()
    assert entered.wait(5.0)
    return arm, run, worker, given, made


def test_close_during_the_camera_checks_motion_search_ends_it_within_a_chunk(monkeypatch):
    """Shut the planner down while the worker searches the camera check's recorded motions.

    Input: ``~/camera_check`` running, its first motions recorded, the planning worker in the
    motion search (``camera_check_session._search_motions`` -> ``infer_motions``: one CEM
    plan per motion, twice); then ``session.close()`` (``PlannerNode.prepare_shutdown``) and
    ``wait_idle(1 s)``. Happened: the search is handed no ``should_stop``
    (``infer_motions`` calls ``planner.plan(context, state, goal)``), so it runs every motion's
    two searches to the end: ``wait_idle`` times out while ``close()`` said "a running plan
    stops within one sample chunk" (the node waits up to 30 s, then 30 s more for the worker,
    then destroys the node under it; ``~/enable`` false likewise ends the check but leaves the
    worker searching, no goal planned meanwhile). Should: the search polls the check's end as
    the correction trial's plans do (``_plan_trial_step``: ``self.camera_check is not run``)
    and stops within one chunk.
    """
    arm, run, worker, given, made = _search_started(monkeypatch)
    arm.session.close()
    assert run.done.is_set()  # the check itself ended at once ...
    idle = arm.session.wait_idle(1.0)
    for search in made:
        search.release.set()
    worker.join(30.0)
    assert not worker.is_alive()
    assert given[0] is not None, "the search was given no should_stop"
    assert idle  # ... and so should its search


def test_a_disable_during_the_search_ends_the_check_and_streams_nothing_after(monkeypatch):
    """Pin: ``~/enable`` false while the worker searches the check's motions.

    The check ends at once (its call answers "stopped"), the stream ticks return None and the
    session is in shadow mode, whatever the search still does.
    """
    arm, run, worker, _, made = _search_started(monkeypatch)
    try:
        assert arm.session.set_enabled(False)[0]
        assert run.done.is_set() and run.result is None
        assert all(arm.tick() is None for _ in range(20))
        assert not arm.session.enabled and arm.session.camera_check is None
    finally:
        for search in made:
            search.release.set()
        worker.join(30.0)
    assert not worker.is_alive()


class Rig:
    """A session on a real-time clock driven by the planner node's three kinds of thread.

    The executor thread (rclpy's SingleThreadedExecutor: inputs, the 100 Hz stream tick through
    ``PlannerNode._stream``, ~/enable, goal services and goal-parameter retunes, hand changes,
    one at a time), the planning worker (``plan_step`` in a loop) and the camera check helper
    (``start_camera_check``, ``status()``). Each breach of an invariant is kept in ``breaches``.
    """

    def __init__(self, model, mode):
        import types

        from test_robot_mpc import CEM

        from vjepa_ros.robot.control_config import ControlConfig
        from vjepa_ros.robot.mpc import MPCSession
        from vjepa_ros.robot.safety import SafetyLimits

        self.t0 = time.monotonic()
        self.session = MPCSession(model, CEM, SafetyLimits(), ControlConfig(mode=mode),
                                  clock=self.now)
        self.breaches, self.errors, self.published = [], [], []
        self.closed_at = None
        self.checks = 0  # camera checks the helper started
        self.stop = threading.Event()
        self.session.add_report_listener(self._report)
        self.session.gripper_output = self._gripper
        self.node = types.SimpleNamespace(session=self.session, command_lock=threading.Lock(),
                                          setpoints=types.SimpleNamespace(publish=self._publish))

    def now(self) -> float:
        return 1000.0 + time.monotonic() - self.t0

    def _report(self, report) -> None:  # under the session lock
        s = self.session
        if str(report.outcome) == "commanded" and not (
                s.enabled and report.goal_version == s.goal_version
                and report.enable_epoch == s.enable_epoch):
            self.breaches.append(("commanded an old plan", report.goal_version, s.goal_version,
                                  report.enable_epoch, s.enable_epoch, s.enabled))

    def _gripper(self, closedness) -> None:  # under the session lock
        if not self.session.enabled:
            self.breaches.append(("gripper command while disabled", closedness))

    def _publish(self, out) -> None:  # under the node's command_lock
        if out is not None and out.setpoint is not None:
            if not self.session.enabled:
                self.breaches.append(("set-point while disabled", out.stamp))
            if self.closed_at is not None:
                self.breaches.append(("set-point after close", out.stamp))
            self.published.append(out.setpoint.copy())

    def guarded(self, body):
        def run():
            try:
                body()
            except Exception as exc:  # noqa: BLE001 - kept: the test fails on it
                self.errors.append(repr(exc))
        return threading.Thread(target=run, daemon=True)

    def executor(self, seed):
        from test_robot_mpc import START, frame

        from vjepa_ros.nodes.planner_node import PlannerNode
        from vjepa_ros.robot.goals import SubGoal

        rng = np.random.default_rng(seed)
        s, state, ticks = self.session, START.copy(), 0
        while not self.stop.is_set():
            ticks += 1
            now = self.now()
            latest = self.published[-1] if self.published else START
            state = np.array(latest, dtype=np.float64)  # an arm where the set-point says
            s.observe_state(state, now)
            if ticks % 3 == 0:
                s.observe_image(frame(ticks % 5), now)
            PlannerNode._stream(self.node)
            if ticks == 5:  # a goal and commanding first, then the random calls
                s.capture_goal()
                s.set_enabled(True)
            elif ticks > 5 and s.commands_sent and rng.random() < 0.06:  # after a command
                op = rng.integers(8)
                try:
                    if op in (0, 7):
                        s.set_enabled(bool(rng.random() < 0.7))
                    elif op == 1:
                        s.capture_goal()
                    elif op == 2:
                        s.clear_goals()
                    elif op == 3:
                        s.set_goals([SubGoal(frame(int(rng.integers(5))), 0, "~/goal_image")])
                    elif op == 4 and s.goals is not None:  # goal_steps retune (goal_updates)
                        import dataclasses
                        s.set_goals([dataclasses.replace(g, steps=int(rng.integers(1, 4)))
                                     for g in s.goals.goals])
                    elif op == 5:
                        s.hand_changed(str(rng.choice(["left", "right"])))
                    else:
                        s.snapshot()
                except RuntimeError:
                    pass  # a service's one-line refusal (no fresh frame, ...)
            time.sleep(0.01)

    def worker(self):
        while not self.stop.is_set():
            if self.session.plan_step() is None:
                time.sleep(0.005)

    def helper(self):
        while not self.stop.is_set():
            try:  # once a goal command went out (the check would hold goal plans back)
                if self.session.commands_sent:
                    self.checks += self.session.start_camera_check(SIX, None, NO_TRIAL) is not None
            except (RuntimeError, ValueError):
                pass
            self.session.status()
            time.sleep(0.2)


@pytest.mark.parametrize("mode", ["continuous", "blocking", "async"])
def test_three_threads_for_two_seconds_keep_every_invariant_and_close_cleanly(mode):
    """Pin: the node's threads hammering one session, then a close while they run.

    Two seconds of the executor (inputs, 100 Hz ticks, enable/disable, capture, clear, new goal,
    goal_steps retunes, hand changes), the planning worker and the camera check helper:
    no COMMANDED report of an old goal version or enable epoch, no gripper command or
    set-point while disabled, no exception. Then ``close()`` with everything running: no
    set-point after it, the worker's step returns (nothing hangs).
    """
    from test_robot_mpc import tiny_world_model

    rig = Rig(tiny_world_model(), mode)
    threads = [rig.guarded(lambda: rig.executor(1)), rig.guarded(rig.worker),
               rig.guarded(rig.helper)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    rig.session.close()
    with rig.node.command_lock:
        rig.closed_at = rig.now()
    time.sleep(0.3)
    rig.stop.set()
    for thread in threads:
        thread.join(10.0)
    assert not any(thread.is_alive() for thread in threads)
    assert not rig.errors, rig.errors
    assert not rig.breaches, rig.breaches[:5]
    assert rig.session.wait_idle(0.0)
    assert rig.session.commands_sent > 0  # it did command meanwhile


def test_a_check_stopped_by_a_disable_lets_the_next_check_start_at_once(monkeypatch):
    """Stop a camera check with ``~/enable`` false mid-search, enable, call ~/camera_check again.

    Input: the worker in the check's motion search; ``set_enabled(False)`` (README:
    "``~/enable`` false stops it at once"), ``set_enabled(True)``, then a second
    ``start_camera_check`` after up to 1 s. Happened: the first check ended, but its search
    runs on (no ``should_stop``: defect 1's cause), ``planning`` stays true and the new call is
    refused "the planning worker is still busy (...)" until every motion of the stopped check
    is searched (ViT-g: minutes); goal plans wait as long. Should: the stopped check's search
    ends within one chunk and the new check starts.
    """
    arm, _, worker, _, made = _search_started(monkeypatch)
    try:
        arm.session.set_enabled(False)
        arm.session.set_enabled(True)
        arm.session.wait_idle(1.0)
        try:
            arm.session.start_camera_check(SIX, None, NO_TRIAL)
            refused = ""
        except RuntimeError as exc:
            refused = str(exc)
    finally:
        for search in made:
            search.release.set()
        worker.join(30.0)
    assert not refused, refused


def test_shutdown_mid_goal_plan_ends_it_and_sends_nothing_after():
    """Pin: ``PlannerNode.prepare_shutdown`` while the worker computes a goal plan.

    The node's own worker step (``_plan_and_publish``) on a real ``PlanningWorker``, a planner
    that takes ``SEARCH_S`` in chunks polling ``should_stop``: the plan is cancelled, the
    worker ends within a third of that, and nothing (gripper, action, target_pose,
    servo_twist) goes out after the shutdown returned.
    """
    import types

    from test_robot_mpc import CEM, enabled_session, tiny_world_model

    from vjepa_ros.nodes.planner_commanding import PlannerCommanding
    from vjepa_ros.nodes.planner_node import PlannerNode
    from vjepa_ros.nodes.setpoint_output import SetpointOutput
    from vjepa_ros.planning.cem import CEMPlanner
    from vjepa_ros.robot.planning_worker import PlanningWorker

    model = tiny_world_model()
    entered, given = threading.Event(), []
    planner = SlowSearch(CEMPlanner(model, CEM, seed=0), entered, given)
    session, clock, _ = enabled_session(model, "continuous", planner=planner)
    sent, errors = [], []

    def publisher(name):
        return types.SimpleNamespace(publish=lambda msg: sent.append(name))

    class NodeStandIn(PlannerCommanding, types.SimpleNamespace):
        """The attributes given, with the planner's commanding methods (``stop_commanding``)."""

    fake = NodeStandIn(
        closing=False, session=session, camera_check_service=None,
        debug_pub=types.SimpleNamespace(get_subscription_count=lambda: 0),
        action_pub=publisher("action"), action_labels="dx dy dz droll dpitch dyaw dgripper",
        setpoints=SetpointOutput(publisher("target_pose"), publisher("servo_twist"), "base",
                                 clock))
    session.gripper_output = lambda closedness: sent.append("gripper")
    fake.worker = PlanningWorker(lambda: PlannerNode._plan_and_publish(fake), errors.append)
    fake.worker.start()
    fake.worker.wake()
    try:
        assert entered.wait(5.0)
        PlannerNode.prepare_shutdown(fake, timeout=SEARCH_S / 3)
        sent.append("stopped")
        assert not fake.worker.alive and session.wait_idle(0.0)
        time.sleep(0.2)
        fake.worker.wake()
        assert sent[-1] == "stopped", sent
        assert given[0] is not None and not errors, errors
        assert "cancelled" in str(session.last_report.outcome)
    finally:
        planner.release.set()
        fake.worker.stop(5.0)


@pytest.mark.parametrize("method", ["cem", "icem", "mppi"])
def test_a_reset_while_a_plan_builds_its_scorer_leaves_no_warm_start(monkeypatch, method):
    """``planner.reset()`` from another thread just after the worker's ``plan()`` began.

    Input: the planning worker enters ``SamplingPlanner.plan`` (the old world's frame and
    goal); while it builds its scorer (``make_scorer``: the rollout's input checks and device
    copies) the executor thread resets the planner -- ``input_episodes._new_world`` on camera
    stamps that went back (a simulator restarted, a bag looped) in shadow mode, where the plan
    is not voided and so not cancelled. Happened: ``plan`` reads ``self._generation`` only
    after ``make_scorer`` returned, so the plan counts as begun after the reset and keeps its
    warm start (``_last_mean``, iCEM's elites too): the next plan, the new world's first,
    starts from the old world's mean, which ``_new_world`` says is forgotten (low severity: a
    shadow-mode plan, its bias fading over the plans after it). Should: "a plan begun
    before [reset()] keeps nothing" (``SamplingPlanner._generation``): the generation is read
    as ``plan`` begins.
    """
    from test_robot_mpc import CEM, START, frame, tiny_world_model

    from vjepa_ros.planning import sampling_planner
    from vjepa_ros.planning.planners import make_planner

    model = tiny_world_model()
    planner = make_planner(model, dataclasses.replace(CEM, method=method), seed=0)
    real = sampling_planner.make_scorer

    def make_scorer(*args, **kwargs):
        built = real(*args, **kwargs)
        planner.reset()  # the executor thread's new world, while the worker builds the scorer
        return built

    monkeypatch.setattr(sampling_planner, "make_scorer", make_scorer)
    context, goal = model.encode(frame(0)[None]), model.encode(frame(1)[None])
    planner.plan(context, torch.as_tensor(START, dtype=torch.float32), goal)
    kept = {name: getattr(planner, name) for name in planner.WARM_STATE}
    assert all(value is None for value in kept.values()), "the old world's warm start was kept"
