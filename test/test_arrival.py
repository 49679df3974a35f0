"""Arrived means one thing: the measured TCP at the target's position AND orientation.

``robot/arrival.py`` is the planner's test (``stream_session._arm_arrived``, covered with the
stream in test_fix55c); the demo's reach follower (``sim/reach_follower.py``) and the camera
check's moves (``camera_check_run``) and trial (``camera_check_trial``) judged position only, so
a wrist still turning had "arrived" there: the demo settled and judged success on a turning
hand, the camera check took its "after" frame while the wrist still drifted.
"""

import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.robot.arrival import (
    DEFAULT_TOLERANCE_RAD,
    arm_arrived,
    arrival_gaps,
    arrival_miss,
    gap_words,
    within,
)
from vjepa_ros.robot.camera_check_motions import CheckMotion, CheckMotionConfig
from vjepa_ros.robot.camera_check_run import CameraCheckRun
from vjepa_ros.robot.camera_check_trial import CheckTrialConfig, CorrectionTrial
from vjepa_ros.robot.inputs import InputBuffer
from vjepa_ros.robot.plan_record import PlanRecord
from vjepa_ros.robot.targets import poses_apart
from vjepa_ros.sim.reach_follower import REACHED, Arrival, ReachFollower

START = np.array([0.30, 0.0, 0.50, math.pi, 0.0, 0.0, 0.0])
TOLERANCE = 0.01  # control.arrival_tolerance_m's default
TOLERANCE_RAD = 0.091  # control.arrival_tolerance_rad's default


def turned(pose, yaw=0.0, roll=0.0, dx=0.0):
    out = np.array(pose, dtype=np.float64)
    out[0] += dx
    out[3] += roll
    out[5] += yaw
    return out


@pytest.mark.parametrize("pose, expected", [
    (START, True),
    (turned(START, dx=0.009), True),  # position only just inside
    (turned(START, yaw=0.08), True),  # turn inside 0.091 rad
    (turned(START, dx=0.011), False),  # position outside
    (turned(START, yaw=0.15), False),  # a wrist 0.15 rad short of its turn (breaker55c)
    (turned(START, yaw=-0.15), False),  # either way
    (turned(START, roll=0.12), False),  # any axis
    (turned(START, roll=-2 * math.pi + 0.05), True),  # roll pi+0.05-2pi: the same, no wrap
    (turned(START, dx=0.005, yaw=0.1), False),  # both small, the turn too large
])
def test_arm_arrived_needs_position_and_orientation(pose, expected):
    assert arm_arrived(pose, START, TOLERANCE, TOLERANCE_RAD) is expected


def test_gaps_and_words():
    # the default turn: the hand's far edge (0.11 m) moved by the default 1 cm
    assert DEFAULT_TOLERANCE_RAD == TOLERANCE_RAD == pytest.approx(0.01 / 0.11, abs=1e-3)
    assert arrival_gaps(None, START, TOLERANCE) == (math.inf, math.inf)
    assert arm_arrived(None, START, TOLERANCE, TOLERANCE_RAD) is False
    close, turn = arrival_gaps(turned(START, dx=0.004, yaw=0.2), START, TOLERANCE)
    assert (close, turn) == (pytest.approx(0.004), pytest.approx(0.2))
    assert gap_words(close, turn) == "0.4 cm away, turned 0.200 rad"
    far = arrival_gaps(turned(START, dx=0.05, yaw=0.2), START, TOLERANCE)
    assert gap_words(*far) == "5.0 cm away"


def test_the_turn_is_scipys_angle_on_random_poses_and_near_pi():
    """The numpy quaternions' turn is ``targets.poses_apart``'s scipy angle to 1e-9 rad.

    Random orientations (any roll, pitch, yaw, wrapped or not), turns near π (the angle's
    other end, where either quaternion sign is the same rotation) and small ones near a hand
    pointing down (roll ±π, the arrival tolerance's scale).
    """
    rng = np.random.default_rng(56)
    pairs = [(rng.uniform(-4.0, 4.0, 3), rng.uniform(-4.0, 4.0, 3)) for _ in range(300)]
    for _ in range(100):
        rpy = rng.uniform(-math.pi, math.pi, 3)
        axis = rng.normal(size=3)
        axis /= np.linalg.norm(axis)
        for angle in (math.pi, math.pi - 1e-6, math.pi - 1e-3, 1e-3, 0.05, 0.0909):
            turned_by = Rotation.from_rotvec(axis * angle) * Rotation.from_euler("xyz", rpy)
            pairs.append((rpy, turned_by.as_euler("xyz")))
    pairs += [(np.array([math.pi, 0.0, 0.0]), np.array([-math.pi + d, 0.0, 0.0]))
              for d in (0.0, 0.01, 0.09)]
    for rpy, other in pairs:
        pose = np.r_[0.3, 0.0, 0.5, rpy, 0.0]
        target = np.r_[0.3, 0.0, 0.5, other, 0.0]
        close, turn = arrival_gaps(pose, target, TOLERANCE)
        assert close == 0.0
        assert turn == pytest.approx(poses_apart(pose, target)[1], abs=1e-9), (rpy, other)


@pytest.mark.parametrize("close, turn, expected", [
    (0.0, 0.0, True), (0.01, TOLERANCE_RAD, True), (0.0101, 0.0, False),
    (0.0, TOLERANCE_RAD + 1e-6, False), (0.005, math.inf, False), (math.inf, math.inf, False),
])
def test_within_is_both_gaps_inside(close, turn, expected):
    assert within(close, turn, TOLERANCE, TOLERANCE_RAD) is expected


def test_the_miss_names_the_tolerance_to_raise():
    """The timeout's words name the tolerance missed, its value and the parameter to raise."""
    assert arrival_miss(0.012, math.inf, TOLERANCE, TOLERANCE_RAD) == (
        "0.012 m away; control.arrival_tolerance_m is 0.01 m: raise it if the arm comes to rest "
        "that far off its target")
    assert arrival_miss(0.001, 0.03, 0.002, 0.018) == (
        "0.001 m away, turned 0.030 rad; control.arrival_tolerance_rad is 0.018 rad: raise it "
        "if the wrist comes to rest that far off its target")
    assert arrival_miss(0.001, 0.01, TOLERANCE, TOLERANCE_RAD) == "0.001 m away, turned 0.010 rad"


# --- the demo's reach follower --------------------------------------------------------------

def _record(stamp, command):
    return PlanRecord(
        stamp=stamp, outcome="commanded", refusal=None, detail="commanded", commanded=True,
        start_state=list(START), predicted_start=False, first_action=[0.0] * 7,
        command=list(command), energy=0.5, latency_s=0.5, frame_age_s=0.5, mode="blocking",
        phase="moving", goal_version=1, enable_epoch=1, subgoal_index=0, subgoal_count=1,
        commands_sent=1, subgoal_rule="steps", subgoal_steps_done=0, subgoal_switch=None)


def test_the_demo_waits_for_a_wrist_still_turning_before_it_settles():
    """A step turning the wrist 0.3 rad: at the position with 0.15 rad left is not arrived.

    Before: the follower settled 0.2 s after the position arrived and ended the episode
    ("reached") with the hand still turning; now it waits until the turn is within 0.091 rad.
    """
    states = InputBuffer(history=6000)
    clock = [0.0]
    state = START.copy()

    def run(seconds, pose):
        for _ in range(round(seconds / 0.01)):
            clock[0] += 0.01
            states.observe_state(np.array(pose), clock[0])

    run(0.1, state)
    f = ReachFollower(START, 0.05, 1, Arrival(tolerance_m=TOLERANCE, timeout_s=10.0,
                                              settle_s=0.2), states)
    target = turned(START, yaw=0.3)
    f.on_report(_record(clock[0], target))
    run(2.0, turned(START, yaw=0.15))  # at the position, the wrist half way
    assert f.update() is None, "a wrist 0.15 rad short has not arrived"
    run(0.1, turned(START, yaw=0.25))  # 0.05 rad short: arrived, then settle_s
    assert f.update() is None, "arrived just now: settling"
    run(0.3, target)
    assert f.update() == REACHED


def test_the_demo_still_ends_a_wrist_that_never_turns_at_the_timeout():
    states = InputBuffer(history=6000)
    for i in range(10):
        states.observe_state(START.copy(), i * 0.01)
    f = ReachFollower(START, 0.05, 1, Arrival(tolerance_m=TOLERANCE, timeout_s=1.0,
                                              settle_s=0.2), states)
    f.on_report(_record(0.09, turned(START, yaw=0.3)))
    for i in range(10, 120):
        states.observe_state(START.copy(), i * 0.01)
    assert f.update() is None, "1.0 s timeout + 0.2 s settle not yet over"
    for i in range(120, 140):
        states.observe_state(START.copy(), i * 0.01)
    assert f.update() == REACHED


# --- the camera check: its moves are translations, the orientation holds still ------------

def _run():
    target = START + [0.04, 0, 0, 0, 0, 0, 0]
    return CameraCheckRun([CheckMotion("+x", target, START.copy())],
                          CheckMotionConfig(), TOLERANCE, 0.0), target


def test_a_camera_check_move_whose_wrist_drifted_has_not_arrived():
    run, _ = _run()
    args = (None, lambda stamp: None, 0.1)
    assert run.advance(0.0, START, True, *args) is not None  # "start before +x" commanded
    assert run.advance(0.1, turned(START, yaw=0.2), True, *args) is None
    assert run.arrived_at is None, "a wrist 0.2 rad off the start's orientation"
    assert run.advance(0.2, turned(START, yaw=0.05), True, *args) is None
    assert run.arrived_at == 0.2, "within 0.091 rad: arrived"


def test_a_camera_check_move_drifted_at_the_timeout_says_the_turn():
    run, _ = _run()
    args = (None, lambda stamp: None, 0.1)
    run.advance(0.0, START, True, *args)
    timeout = CheckMotionConfig().timeout_s
    run.advance(timeout + 1.0, turned(START, dx=0.002, yaw=0.2), True, *args)
    assert run.arrived_at is None
    assert "(0.2 cm away, turned 0.200 rad)" in run.error, run.error


def _trial():
    pose = START + [0.05, 0, 0, 0, 0, 0, 0]
    result = SimpleNamespace(candidate_rpy_deg=[0.0, 0.0, 10.0])
    trial = CorrectionTrial(START, None, [("+x", pose)], result, None, CheckTrialConfig(),
                            settle_s=0.3, timeout_s=10.0, arrival_tolerance_m=TOLERANCE)
    return trial, pose


def test_a_camera_check_trial_move_waits_for_the_wrist():
    trial, pose = _trial()
    args = (None, lambda stamp: None, 0.1)
    assert np.allclose(trial.advance(0.0, START, True, *args), pose)  # goto the leg's start
    trial.advance(0.5, turned(pose, roll=0.2), True, *args)  # (re-commands the goal)
    assert trial.arrived_at is None, "a wrist 0.2 rad off: not at the trial's start"
    trial.advance(0.6, turned(pose, roll=0.03), True, *args)
    assert trial.arrived_at == 0.6


def test_a_camera_check_trial_move_turned_at_the_timeout_is_counted_blocked():
    trial, pose = _trial()
    args = (None, lambda stamp: None, 0.1)
    trial.advance(0.0, START, True, *args)
    trial.advance(0.5, turned(pose, roll=0.2), True, *args)  # (re-commands: timed from here)
    trial.advance(10.4, turned(pose, roll=0.2), True, *args)
    assert trial.blocked == 0
    trial.advance(11.0, turned(pose, roll=0.2), True, *args)
    assert (trial.blocked, trial.arrived_at) == (1, 11.0)
