"""The demo's episode logic without ROS: scripted plan reports and TCP states in, steps out."""

import math

import numpy as np
import pytest

from vjepa_ros.robot.inputs import InputBuffer
from vjepa_ros.robot.plan_record import PlanRecord
from vjepa_ros.sim.reach_follower import (
    HOLD_ADVICE,
    REACHED,
    SILENT_S,
    STALE_GRACE_S,
    STEP_LIMIT,
    Arrival,
    DemoError,
    ReachFollower,
)

START = np.array([0.30, 0.0, 0.50, math.pi, 0.0, 0.0, 0.0])
GOAL = START + [0.15, 0, 0, 0, 0, 0, 0]  # 15 cm along x
ARRIVAL = Arrival(tolerance_m=0.01, timeout_s=10.0, settle_s=0.2)


def record(stamp, outcome="commanded", command=None, refusal=None, energy=0.5, latency=1.0):
    commanded = outcome == "commanded"
    return PlanRecord(
        stamp=stamp, outcome=outcome, refusal=refusal, detail=refusal or outcome,
        commanded=commanded, start_state=list(START), predicted_start=False,
        first_action=[0.05, 0, 0, 0, 0, 0, 0],
        command=list(command) if commanded else None, energy=energy, latency_s=latency,
        frame_age_s=latency, mode="blocking", phase="moving" if commanded else "shadow",
        goal_version=1, enable_epoch=1, subgoal_index=0, subgoal_count=1, commands_sent=1,
        subgoal_rule="steps", subgoal_steps_done=0, subgoal_switch=None)


class Arm:
    """The true TCP, moving toward a target at 0.1 m/s, sampled every 10 ms of simulated time."""

    def __init__(self):
        self.states = InputBuffer(history=6000)
        self.time, self.state = 0.0, START.copy()
        self.states.observe_state(self.state, self.time)

    def run(self, seconds, target=None):
        for _ in range(round(seconds / 0.01)):
            self.time += 0.01
            if target is not None:
                delta = np.asarray(target[:3]) - self.state[:3]
                self.state[:3] += delta * min(1.0, 0.001 / max(np.linalg.norm(delta), 1e-12))
            self.states.observe_state(self.state.copy(), self.time)


def follower(arm, max_steps=5, radius=0.05, **kwargs):
    return ReachFollower(GOAL, radius, max_steps, ARRIVAL, arm.states,
                         frame_at=lambda stamp: np.full((2, 2, 3), int(stamp * 10), np.uint8),
                         **kwargs)


def move(arm, f, dx):
    """One commanded step of ``dx`` [m] along x from the arm's state; return the target."""
    target = arm.state + [dx, 0, 0, 0, 0, 0, 0]
    stamp = arm.time
    arm.run(0.5)  # planning: the arm stands still
    step = f.on_report(record(stamp, command=target))
    return step, target


def test_steps_count_commanded_reports_and_the_episode_stops_on_success_after_settling():
    arm = Arm()
    f = follower(arm)
    assert f.on_report(record(0.0, outcome="shadow")) is None
    assert f.on_report(record(0.0, outcome="discarded")) is None
    assert f.update() is None, "nothing commanded yet"
    step, target = move(arm, f, 0.05)
    assert (step.step, step.energy, step.planning_s) == (1, 0.5, 1.0)
    assert step.distance == pytest.approx(0.15), "TCP at the planned frame's stamp, not now"
    assert step.frame[0, 0, 0] == 0 and step.command[0] == pytest.approx(target[0])
    arm.run(0.3, target)
    assert f.update() is None, "still moving"
    for dx in (0.04, 0.04):
        arm.run(0.6, target)
        assert f.update() is None, "settled, but 5 cm or more from the goal"
        step, target = move(arm, f, dx)
    assert step.step == 3 and step.distance == pytest.approx(0.06, abs=0.002)
    arm.run(0.38, target)  # arrives (within 1 cm) at about 0.3 s: settles 0.2 s later
    assert f.update() is None
    arm.run(0.2, target)
    assert f.update() == REACHED
    assert [s.step for s in f.steps] == [1, 2, 3]


def test_the_step_limit_ends_the_episode_once_the_last_move_settled():
    arm = Arm()
    f = follower(arm, max_steps=2)
    _, target = move(arm, f, 0.01)
    arm.run(1.0, target)
    assert f.update() is None, "one step of two"
    _, target = move(arm, f, -0.01)
    assert f.update() is None, "the second move has not started"
    arm.run(1.0, target)
    assert f.update() == STEP_LIMIT
    assert [round(s.distance, 3) for s in f.steps] == [0.15, 0.14]


def test_an_arm_that_never_arrives_is_judged_after_the_arrival_timeout():
    arm = Arm()
    f = follower(arm, max_steps=1)
    move(arm, f, 0.05)
    arm.run(ARRIVAL.timeout_s - 0.5)  # the arm does not move at all
    assert f.update() is None
    arm.run(0.5 + ARRIVAL.settle_s + 0.02)
    assert f.update() == STEP_LIMIT


def test_a_new_command_restarts_the_arrival_wait():
    arm = Arm()
    f = follower(arm, max_steps=5)
    _, target = move(arm, f, 0.15)  # straight to the goal
    arm.run(0.05, target)
    _, target = move(arm, f, 0.0)  # continuous-style: a newer command before arrival
    arm.run(1.0)  # stands still 15 cm away: not arrived at the new target either
    assert f.update() is None
    arm.run(2.0, target)
    assert f.update() is None, "at the newest target, but it is far from the goal"


@pytest.mark.parametrize("kind", ["planner_error", "internal_error"])
def test_a_planner_fault_ends_the_episode_with_its_message(kind):
    arm = Arm()
    f = follower(arm)
    with pytest.raises(DemoError, match=f"the planner failed: {kind}"):
        f.on_report(record(0.0, outcome="refused", refusal=kind))


@pytest.mark.parametrize("kind", ["safety", "stale_inputs", "invalid_state", "no_goal"])
def test_refused_plan_reports_are_not_steps_and_not_failures(kind):
    """A refused plan alone ends nothing: the planner's status decides (on_status)."""
    arm = Arm()
    f = follower(arm)
    assert f.on_report(record(0.0, outcome="refused", refusal=kind)) is None
    assert not f.steps and f.update() is None


def test_the_deadline_raises_and_a_random_planners_energy_prints_as_nan():
    arm, now = Arm(), [0.0]
    f = follower(arm, deadline=10.0, clock=lambda: now[0])
    step = f.on_report(record(0.0, command=START, energy=None))
    assert math.isnan(step.energy)
    assert f.update() is None
    now[0] = 10.5
    with pytest.raises(DemoError, match="no result in time: 1 step so far"):
        f.update()


def test_a_commanded_report_before_any_tcp_state_is_an_error():
    f = ReachFollower(GOAL, 0.05, 3, ARRIVAL, InputBuffer())
    with pytest.raises(DemoError, match="before any current_pose"):
        f.on_report(record(0.0, command=START))


def status(kind, detail="why", enabled="True"):
    """Return the planner's /diagnostics values the follower reads (robot/diagnostics)."""
    return {"enabled": enabled, "refusal_kind": kind, "refusal": detail}


@pytest.mark.parametrize("kind", ["safety", "no_goal", "planner_error", "internal_error",
                                  "twin_planner"])
def test_a_hold_in_the_planners_status_ends_the_episode_at_once_saying_what_to_do(kind):
    arm = Arm()
    f = follower(arm)
    move(arm, f, 0.05)
    with pytest.raises(DemoError) as raised:
        f.on_status(status(kind, "end effector is outside the workspace box"))
    message = str(raised.value)
    assert f"the planner holds the arm ({kind} in its /diagnostics): end effector is outside " \
        "the workspace box; the episode ends after 1 step: " in message
    assert message.endswith(HOLD_ADVICE[kind]) and "\n" not in message


@pytest.mark.parametrize("kind", ["stale_inputs", "invalid_state"])
def test_holds_that_clear_on_their_own_end_the_episode_only_when_they_last(kind):
    """invalid_state too: one NaN joint state holds only until valid ones came for 1 s."""
    arm, now = Arm(), [0.0]
    f = follower(arm, clock=lambda: now[0])
    f.on_status(status(kind, "camera image is stale: 0.80 s old (limit 0.50 s)"))
    now[0] = STALE_GRACE_S - 0.1
    f.on_status(status(kind))
    f.on_status(status(""))  # recovered: the grace starts again at the next stale status
    now[0] = STALE_GRACE_S + 0.5
    f.on_status(status(kind))
    now[0] = 2 * STALE_GRACE_S + 0.4
    f.on_status(status(kind))
    now[0] = 2 * STALE_GRACE_S + 0.6
    with pytest.raises(DemoError, match=f"holds the arm for {STALE_GRACE_S:g} s \\({kind}") \
            as raised:
        f.on_status(status(kind, "no camera image received yet"))
    assert str(raised.value).endswith(HOLD_ADVICE[kind])
    assert kind != "invalid_state" or "ros2 topic info -v /joint_states" in str(raised.value)


def test_a_planner_or_simulator_that_goes_silent_ends_the_episode_after_the_watchdog():
    # tester, session 12: kill -STOP on either node left reach waiting for its 900 s deadline
    arm, now = Arm(), [0.0]
    f = follower(arm, clock=lambda: now[0])
    f.on_status({}, -math.inf)  # nothing heard yet: no watchdog (the start-up wait covers it)
    now[0] = 10 * SILENT_S
    assert f.update() is None
    for tick in range(1, 5):  # diagnostics every 0.5 s of planner time keep it alive
        f.on_status(status(""), 0.5 * tick)
        now[0] += SILENT_S - 1
        assert f.update() is None
    f.on_status(status(""), 2.0)  # the same message again is not a new one
    now[0] += 2
    with pytest.raises(DemoError, match=f"^no /diagnostics from the planner for {SILENT_S:g} s"):
        f.update()


def test_no_hold_while_disabled_nothing_refused_or_from_an_older_planner():
    arm = Arm()
    f = follower(arm)
    for values in (status("no_goal", enabled="False"), status("safety", enabled="False"),
                   status(""), {"enabled": "True", "refusal": "no goal"}, {}):
        f.on_status(values)  # shadow mode before ~/enable, a fine status, no refusal_kind key
    assert f.update() is None


def test_a_command_after_the_step_limit_is_counted_apart_not_as_a_step():
    """Under load the planner can command once more before the demo sees the last step settle."""
    arm = Arm()
    f = follower(arm, max_steps=2)
    for _ in range(2):
        step, target = move(arm, f, 0.02)
        assert step is not None
        arm.run(0.5, target)
    late, target = move(arm, f, 0.02)  # the planner was quicker than the demo's disable
    assert late is None and len(f.steps) == 2 and f.late_commands == 1
    assert f.update() == STEP_LIMIT


def test_a_joint_limit_refusal_does_not_end_the_episode():
    """live54: the guard's refusal was `safety`, which ended reach though a plan may turn back."""
    arm, now = Arm(), [0.0]
    f = follower(arm, clock=lambda: now[0])
    move(arm, f, 0.05)
    for now[0] in (0.0, 3 * STALE_GRACE_S):  # as long as it lasts: the step limit decides
        f.on_status(status("joint_limit", "joint 7 would stay within ...: step refused"))
    assert f.update() is None and len(f.steps) == 1
