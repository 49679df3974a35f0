"""breaker42g: today's fixes attacked (session 42; main at 1570de4), strict xfails.

Attacked: ``vjepa_ros/robot/targets.py`` SetpointStreamer's braking past a target set inside
the braking distance (c13a813: ``_brakes_past``, ``braking_past``, ``last_dt``) and
``vjepa_ros/robot/input_episodes.py``'s clock-back rule (23a1f36: a clock that goes back is a new
world only when the arm or hand changed, ``CLOCK_STEP_*``). Each test asserts what SHOULD happen
and fails now; its docstring says why a lab would meet it. ROS-free, CPU, about a second each.
"""

import math

import numpy as np
from test_robot_mpc import CEM, Clock, frame, tiny_world_model

import vjepa_ros.robot.targets as targets
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.goals import GoalSwitchConfig, SubGoal
from vjepa_ros.robot.mpc import MPCSession
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.targets import SetpointStreamer

LIMITS = SafetyLimits()
START = np.array([0.5, 0.0, 0.3, math.pi, 0.0, 0.0, 0.0])


def test_set_target_after_a_tiny_tick_costs_a_bounded_number_of_ramp_steps(monkeypatch):
    """set_target's cost must not grow without bound as the last tick gets shorter.

    ``MPCSession.stream_step`` passes the wall time since the previous tick as ``dt``. An rcl
    timer whose callback ran late by nearly one period (a GC pause, a busy executor, two cores
    shared with the camera driver) fires the next callback on its original schedule: tens of
    microseconds later. ``last_dt`` is then 20 us, and the next plan's ``set_target`` (under the
    session lock, which the stream timer needs) simulates the whole approach with 20 us ticks:
    about 55,000 ``ramp_velocity`` calls for a 10 cm target at 0.1 m/s, about half a second on a
    lab PC, during which no set-point is streamed (the controller sees a stalled stream). The
    braking decision needs no finer ticks than the stream's own period (or a closed form): a
    10 ms-tick simulation of the same approach takes ~180 steps. Count the ramp steps, not
    seconds.
    """
    streamer = SetpointStreamer(LIMITS)
    streamer.reset(START)
    first = START.copy()
    first[0] += 0.09
    streamer.set_target(first, anchor=START)
    for _ in range(40):  # at full speed (0.1 m/s) after 0.4 s
        streamer.step(0.01)
    streamer.step(20e-6)  # the timer's next callback, on schedule after a late one
    calls = [0]
    ramp = targets.ramp_velocity

    def counted(*args):
        calls[0] += 1
        return ramp(*args)

    monkeypatch.setattr(targets, "ramp_velocity", counted)
    ahead = streamer.setpoint.copy()
    ahead[0] += 0.1  # the next plan: a step of max_step_m from the measured pose
    streamer.set_target(ahead, anchor=streamer.setpoint.copy())
    assert calls[0] <= 5000, f"set_target ran {calls[0]} ramp steps after a 20 us tick"


def test_a_bag_that_loops_back_to_its_start_pose_restarts_the_goal_sequence():
    """A looping bag is a new world even when its last pose is its first.

    Demonstrations (teleop, an expert) very often start and end at the arm's ready pose with the
    hand open: approach, grasp, place, release, return home. Replayed with ``ros2 bag play
    --loop``, the clock goes back by the bag's length (here 30 s) while the arm's last state
    (home, open) and its first on the new clock (home, open) are the same within
    ``CLOCK_STEP_MOVED_M``: the clock-back rule (23a1f36) takes it for a wall clock stepped by
    NTP and keeps the goal progress, so the loop's start (the cup back where it stood) is planned
    toward the last sub-goal, skipping the first. The commit says a looped bag is a new world;
    the frames jumped back 30 s to another scene, the rule only looked at the arm. The same with
    the planner enabled on a simulator restarted (user31) after an episode that ended at the
    home pose: the restarted arm stands where the old one stopped, the objects do not.

    Only the stamps go back: the node's own system clock (the session's injected
    ``clock_offset``) does not step, which tells a looping bag from a stepped wall clock (fix42j).
    """
    clock, logs = Clock(), []
    session = MPCSession(tiny_world_model(), CEM, SafetyLimits(), ControlConfig(mode="continuous"),
                         clock=clock, log=lambda level, message: logs.append((level, message)),
                         goal_switching=GoalSwitchConfig(), clock_offset=clock.system_offset,
                         stream_clock=clock.steady)
    approach, place = START.copy(), START.copy()
    place[1] += 0.05
    session.set_goals([SubGoal(frame(1), steps=1, source="approach", state=approach),
                       SubGoal(frame(2), steps=0, source="place", state=place)])
    state = START.copy()  # the demo's home pose, hand open, at its end and at its start

    def tick(seed):
        clock.now += 0.05
        session.observe_state(state, clock.now)
        session.observe_image(frame(seed), clock.now)
        session.plan_step()
        for _ in range(5):
            session.stream_step()

    tick(10)
    assert session.set_enabled(True)[0]
    for seed in range(11, 20):
        tick(seed)
    assert session.goals.index == 1, "the first sub-goal was not passed"
    clock.now -= 30.0  # the bag loops: its clock starts again 30 s back, the arm at home
    clock.now += 0.05
    session.observe_state(state, clock.now)
    session.observe_image(frame(40), clock.now)  # the loop's first frame: the scene of its start
    assert session.goals.index == 0, (
        f"the looped bag kept sub-goal {session.goals.index + 1}; log "
        f"{[m for _, m in logs if 'went back' in m]}")
    for seed in range(41, 50):  # sub-goal 1 (one step) is planned toward again, and passed
        tick(seed)
    passed = [m for _, m in logs if m.startswith("sub-goal 1/2 → sub-goal 2/2")]
    assert len(passed) == 2, logs
