"""breaker46p: attacks on 93e757e8 (a plan's resume, the hand waiting for the place) and edfeccb4.

Attacked at main's HEAD edfeccb4: ``robot/command_session.py`` (``_command`` running
``StreamSession._resume_stream`` for a plan out before the resume tick, ``_gripper_waits`` /
``_arm_off_target`` under continuous control), ``robot/stream_session.py`` and
``nodes/planner_node.py`` (``_stream`` comparing ``MPCSession.commanding_epoch``, bumped by enable
and disable alone). ROS-free except the node's ``_stream`` (rclpy messages), CPU: the rigs of
``test_breaker46a`` / ``test_breaker46l`` and ``test_breaker46n``'s ``RacingLock``.

Defects (fixed: a stop of the stream bumps the commanding epoch; the hand wait for an arm
that left the place was removed, README states the limitation):
1. edfeccb4 regression: a new world (camera stamps went back, the simulator restarted with the
   arm 20 cm away) landing between a stream tick's lock and its publish no longer voids that
   tick (``_new_world`` bumps ``enable_epoch`` only; ``commanding_epoch`` is unchanged): the old
   world's set-point is published after the session deactivated the stream, 20 cm from the arm.
2. 93e757e8's hand wait has nothing to wait for: the arm sagged 15 mm during a camera hold after
   it arrived at the place; the resume restarts the set-point at the sagged arm ("moved
   meanwhile") and no command goes out while the hand change waits, so the arm never goes back:
   continuous control stands still ``control.arrival_timeout_s`` (10 s) and then opens the hand
   33 mm from the place, with no warning (the unarrived wait's timeout warns).
3. 93e757e8's hand wait asks after a new goal list: ``_arm_off_target`` measures the arm against
   ``command_target``, the replaced list's target, so a list set mid-move whose first sub-goal
   changes the hand waits (~1.1 s) for the arm to finish the abandoned move, saying "it left it
   after arriving" of an arm that never arrived (before 93e757e8 it went out at once).

Held up (pinned): a disable landing between a tick's lock and its publish still suppresses the
tick (one zero twist, no pose); a plan out before the resume tick after a camera stall and a
4 cm push says "inputs and plan fine again" and "moved meanwhile" once each, nothing "still not
commanding" (blocking, continuous).

Checked at the parents: defect 1's test passes at edfeccb4^ and defect 3's at 93e757e8^ (both
regressions). Judged, not filed: ``_command``'s resume on an arm outside the box deactivates the
stream and the command then resets it at the arm, as the tick-first order's next plan does.
"""

import numpy as np
import pytest
from session_rig import _rig, _said, _step
from test_breaker46n import RacingLock, _speeds
from test_robot_mpc import enabled_session, frame, tiny_world_model

from vjepa_ros.robot.goals import SubGoal


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _racing_node(session, clock):
    """Return a stand-in node for ``PlannerNode._stream`` and its published poses and twists."""
    from types import SimpleNamespace

    from vjepa_ros.nodes.setpoint_output import SetpointOutput

    poses, twists = [], []
    node = SimpleNamespace(session=session, command_lock=RacingLock(), setpoints=SetpointOutput(
        SimpleNamespace(publish=poses.append), SimpleNamespace(publish=twists.append),
        "panda_link0", clock=clock))
    return node, poses, twists


def _ticks(session, clock, node, count):
    from vjepa_ros.nodes.planner_node import PlannerNode

    for _ in range(count):
        clock.now += 0.01
        session.observe_state(session.latest_state().value, clock.now)
        session.observe_image(session.frame.value, clock.now)
        PlannerNode._stream(node)


# ---------------------------------------------------------------------------------- pins ---
def test_a_disable_between_the_ticks_lock_and_its_publish_suppresses_the_tick(model):
    """``~/enable`` false after a moving tick's ``stream_step``, before its publish.

    Held up: ``set_enabled(False)`` bumps ``commanding_epoch``; the tick publishes no pose and
    the moving twist ends with one zero twist.
    """
    pytest.importorskip("rclpy")
    session, clock, _ = enabled_session(model)
    assert session.plan_step().command is not None
    node, poses, twists = _racing_node(session, clock)
    _ticks(session, clock, node, 5)
    assert len(poses) == 5
    node.command_lock.race = lambda: session.set_enabled(False)
    _ticks(session, clock, node, 1)
    assert len(poses) == 5 and _speeds(twists)[-1] == 0.0


@pytest.mark.parametrize("mode", ["blocking", "continuous"])
def test_a_plan_before_the_resume_tick_says_the_resume_once(model, mode):
    """A camera stall with a 4 cm push, then the first frame's plan before the stream's tick.

    Held up (93e757e8): ``_command`` runs the resume: "inputs and plan fine again" once (not a
    second time at the next tick), "moved meanwhile" once, no "still not commanding" before the
    command, and the phase ends MOVING with the plan's command out.
    """
    from session_rig import DT, Rig

    rig = Rig(model, mode, goals=[SubGoal(frame(7), 20, "many")])
    session = rig.session
    for _ in range(200):
        rig.tick()
        session.plan_step()
    for i in range(80):
        rig.push[1] = min(0.04, 0.04 * (i + 1) / 40)
        rig.clock.now += DT
        session.stream_step()
        session.observe_state(session.streamer.setpoint + rig.push, rig.clock.now)
    assert session._stream_held
    said = len(rig.logs)
    session.observe_image(frame(200), rig.clock.now)
    report = session.plan_step()
    assert report is not None and report.command is not None
    for _ in range(3):
        rig.clock.now += DT
        session.stream_step()
    lines = [m for _, m in rig.logs[said:]]
    assert sum("fine again" in m for m in lines) == 1, lines
    assert sum("moved meanwhile" in m for m in lines) == 1, lines
    assert not any("still not commanding" in m for m in lines), lines


# ------------------------------------------------------------------------------- defects ---
def test_a_new_world_between_the_ticks_lock_and_its_publish_sends_no_old_set_point(model):
    """A simulator restart revealed after a tick's ``stream_step``, before ``_stream`` publishes.

    Input: a real MPCSession (tiny model), continuous, enabled and streaming a plan's command
    through ``PlannerNode._stream``; the camera's stamps go back 5 s while the node's system
    clock does not (a simulator restarted), and its first state shows the arm 20 cm away (reset
    to its home pose); that frame and state arrive after a tick's ``stream_step`` released the
    session's lock, before ``_stream`` took the command lock (another thread's callbacks, the
    premise of ``test_breaker46n``'s race). The session says "stamps went back ... the command
    of before is dropped" and deactivates the stream. What happened: ``_new_world`` bumps
    ``enable_epoch`` but not ``commanding_epoch`` (edfeccb4), so ``_stream`` publishes the tick
    computed in the old world: a set-point 20 cm from the arm, after the session dropped the
    command (before edfeccb4 the bump suppressed it; ticked after the new world, nothing is
    published). What should happen: a tick computed before a new world that dropped the
    command is not published (one zero twist ends the motion).
    """
    pytest.importorskip("rclpy")
    session, clock, logs = enabled_session(model)
    assert session.plan_step().command is not None
    node, poses, twists = _racing_node(session, clock)
    _ticks(session, clock, node, 5)
    home = session.latest_state().value.copy()
    home[0] -= 0.2

    def restart():
        clock.now -= 5.0  # the stamps go back, the node's system clock does not
        session.observe_state(home, clock.now)
        session.observe_image(frame(55), clock.now)

    node.command_lock.race = restart
    _ticks(session, clock, node, 1)
    assert any("stamps went back" in m for _, m in logs), logs[-3:]
    assert not session.streamer.active
    after = [float(np.linalg.norm(np.array([p.pose.position.x, p.pose.position.y,
                                             p.pose.position.z]) - home[:3]))
             for p in poses[5:]]
    assert not after, f"published {len(after)} old-world set-point(s) {after} m from the arm"


def test_a_hand_change_after_a_sag_is_no_silent_stall(model):
    """Continuous, ``goals.gripper`` subgoal: place (hand closed), then release (hand open).

    Input: ``test_breaker46l``'s rig (default ``arrival_tolerance_m`` 0.01, ``arrival_timeout_s``
    10 s, lag 0.97); the camera stalls 1.2 s once the place's set-point is at rest with the arm
    < 3 cm off; the arm arrives, then sags 15 mm during the stall. What happened: the resume
    restarts the set-point at the sagged arm ("moved meanwhile", 18 mm from the place), and the
    release command waits ("until the arm is back at the target"), discarded frame after
    frame: no command goes out, so nothing brings the arm back; 10 s after the place command
    ``_arm_off_target`` turns False and the hand opens 33 mm from the place, with no warning
    (the unarrived wait's timeout warns "arm did not reach the target"). What should happen:
    the wait ends by the arm going back (the sub-goal reopened and planned again, as a hold
    that cuts an unarrived command does) or, at the timeout, with a warning: never a silent
    10 s stall ending with the hand changed off the place.

    Fixed by removing that wait (README's limitation: an arm moved off the place after it
    arrived is not brought back first; the hand changes where it is): no stall, the hand
    opens on the first frames after the hold, with the arm where the sag left it.
    """
    goals = [SubGoal(frame(7), 1, "place", gripper=1.0),
             SubGoal(frame(9), 1, "release", gripper=0.0)]
    rig = _rig(model, "continuous", lag=0.97, goals=goals)
    session = rig.session
    place = session.streamer.target.copy()
    stall_at, opened = None, None

    def stall_now():
        """Tell whether the stall starts: set-point at rest, arm < 3 cm off, a frame due."""
        arm = session.inputs.latest_state().value
        return session.streamer.arrived() and rig.clock.now >= rig.next_frame - 0.01 and \
            float(np.linalg.norm(arm[:3] - place[:3])) < 0.03

    for t in range(1200):
        stall_at = t if stall_at is None and stall_now() else stall_at
        since = -1 if stall_at is None else t - stall_at
        if 60 < since < 120:  # the second half of the 1.2 s stall: sag to 15 mm
            rig.push[2] = max(rig.push[2] - 5e-4, -0.015)
        _, report = _step(rig, camera=not 0 <= since < 120)
        if report is not None and report.command is not None and report.command[6] < 0.5:
            opened = float(np.linalg.norm(session.inputs.latest_state().value[:3] - place[:3]))
            break
    assert stall_at is not None and not _said(rig, "waits until the arm is back")
    assert opened is not None, "the hand never opened"
    assert since < 300, f"the hand waited {since - 120} ticks after the hold"
    assert opened < 0.05, f"the hand opened {opened * 1000:.1f} mm from the place"


def test_a_new_goal_list_does_not_wait_for_the_old_lists_target(model):
    """Continuous, ``goals.gripper`` subgoal: a new list replaces a running one mid-move.

    Input: a 20-step sub-goal with the hand closed, three commands out, the trailing arm (lag
    0.97) 74 mm from the last command's target; ``set_goals`` with one 3-step sub-goal with the
    hand open. What happened: ``goals.unarrived_switch`` is None (a new list) and
    ``_arm_off_target`` measures the arm against ``command_target``, the replaced list's target:
    the new list's first plan is discarded with "the gripper change waits until the arm is back
    at the target of the command before it (it left it after arriving)" (it never arrived
    there), and the hand waits ~1.1 s until the arm has finished the abandoned list's move.
    Before 93e757e8 the new list's first command went out at once. What should happen: the
    wait for an arm that "left the place after arriving" asks only after an arrival at the
    place of the sub-goal before the hand change (README: "an arm that arrived and then left
    the place"): a new list's first plan is not held for the old list's target.
    """
    rig = _rig(model, "continuous", lag=0.97, goals=[SubGoal(frame(7), 20, "carry", gripper=1.0)])
    session = rig.session
    for _ in range(15):
        _step(rig)
    assert not session._arm_arrival_seen
    gap = np.linalg.norm(session.inputs.latest_state().value[:3] - session.command_target[:3])
    assert gap > session.control.arrival_tolerance_m
    session.set_goals([SubGoal(frame(9), 3, "new", gripper=0.0)])
    said = len(rig.logs)
    _, report = _step(rig)
    lines = [m for _, m in rig.logs[said:]]
    assert report is not None and report.command is not None, (report and report.reason, lines)
