"""Finger readings whose closedness jumped are held out live (robot/closedness_jumps.py), ROS-free.

A planned gripper command is the measured closedness plus the planned change: one glitched
finger message reading an open hand while it holds an object would command the hand open. These
tests pin the rule (consecutive readings over their arrival gap, 5 /s + 0.2, held out until they
agree for 1 s) through :class:`FingerWatch`, as the planner node uses it, and that real gripper
motion at every driver rate a lab has, and readings delivered in a burst, are never held out.
"""

import numpy as np
import pytest

from vjepa_ros.robot.closedness_jumps import ClosednessJumps
from vjepa_ros.robot.finger_watch import FingerWatch

LEFT = "/left_fr3_gripper/joint_states"


def held_hand(now=10.0, rate_hz=30.0, seconds=1.0):
    """Return a watch whose hand read 1.0 (closed on an object) at ``rate_hz`` until ``now``."""
    watch = FingerWatch(max_age_s=1.0)
    for t in np.arange(now - seconds, now + 1e-9, 1.0 / rate_hz):
        watch.offer(LEFT, "left_fr3_", 1.0, now=float(t))
    assert watch.measured(now) and watch.value() == 1.0
    return watch


def test_one_glitched_reading_of_an_open_hand_is_held_out_until_the_readings_agree():
    watch = held_hand(now=10.0)
    assert watch.offer(LEFT, "left_fr3_", 0.0, now=10.033) == ""  # a zero-width glitch
    assert watch.value() == 1.0, "the state keeps the hand's last settled closedness"
    assert not watch.measured(10.034), "no planned gripper command may rest on it"
    assert watch.status(10.034) == "jumped"
    note = watch.lapse(10.034)
    assert LEFT in note and "closedness 1.00 → 0.00 in 33 ms" in note
    assert "faster than a gripper moves" in note and "no planned gripper command" in note
    watch.offer(LEFT, "left_fr3_", 1.0, now=10.066)  # back: a jump too, so still held
    assert not watch.measured(10.067) and watch.value() == 1.0
    for t in np.arange(10.1, 11.2, 1 / 30):  # agreeing readings for a second
        back = watch.offer(LEFT, "left_fr3_", 1.0, now=float(t))
        if back:
            break
    assert watch.measured(float(t)) and watch.value() == 1.0
    assert "agree again for 1 s" in back and "(1.00)" in back and "resume" in back
    assert float(t) - 10.066 >= 1.0 - 1e-9, "settled only after a second of agreeing readings"


@pytest.mark.parametrize("rate_hz", [1000.0, 100.0, 30.0, 5.0, 1.0])
def test_a_hand_really_closing_and_opening_is_measured_throughout_at_any_driver_rate(rate_hz):
    # A Franka Hand moves its fingers at most 0.1 m/s: 1.25 closedness/s over its 8 cm. At 5 Hz
    # a full-speed close steps 0.25 per message, over the 0.2 slack: the gap counts.
    watch = FingerWatch(max_age_s=2.0)
    times = np.arange(0.0, 3.0, 1.0 / rate_hz)
    values = np.clip(np.interp(times, [0.0, 0.5, 1.3, 1.8, 2.6], [0, 0, 1, 1, 0]), 0, 1)
    for t, value in zip(times, values, strict=True):
        watch.offer(LEFT, "left_fr3_", float(value), now=float(t))
        assert watch.measured(float(t)), f"held out at {t:.3f} s ({value:.2f})"
        assert watch.value() == pytest.approx(value)


def test_readings_delivered_in_a_burst_after_a_stalled_executor_are_taken():
    # 0.5 s of a 30 Hz closing hand delivered at once (arrival gaps ~0): consecutive readings
    # differ by 0.04 each, inside the slack; compared with the last settled value they would not.
    watch = held_hand(now=10.0)
    watch.offer(LEFT, "left_fr3_", 0.0, now=20.0)  # (a long silence: any change is possible)
    assert watch.measured(20.0) and watch.value() == 0.0
    for i, value in enumerate(np.linspace(0.0, 0.6, 16)):
        watch.offer(LEFT, "left_fr3_", float(value), now=20.6 + i * 1e-5)
        assert watch.measured(20.6 + i * 1e-5) and watch.value() == pytest.approx(value)


def test_a_new_closedness_that_persists_is_taken_after_a_second():
    # A gripper driver restarted mid-task reads the hand another way (its homing): no way to tell
    # a glitch yet; a second of agreeing readings makes it the hand's closedness.
    watch = held_hand(now=10.0, rate_hz=50.0)
    taken_at = None
    for t in np.arange(10.02, 12.0, 0.02):
        watch.offer(LEFT, "left_fr3_", 0.3, now=float(t))
        if watch.measured(float(t)) and taken_at is None:
            taken_at = float(t)
        if taken_at is None:
            assert watch.value() == 1.0
    assert taken_at == pytest.approx(11.02, abs=0.021) and watch.value() == 0.3


@pytest.mark.parametrize(("change", "gap_s", "jump"), [
    (0.2, 0.0, False),    # the slack: two readings at once, a rounded finger width
    (0.25, 0.0, True),
    (0.25, 0.011, False),  # 5/s × 11 ms + 0.2 = 0.255
    (0.3, 0.011, True),
    (1.0, 0.159, True),   # fully open → closed in 159 ms: faster than 5 /s + 0.2
    (1.0, 0.161, False),
])
def test_the_limit_is_five_per_second_plus_the_slack_over_the_arrival_gap(change, gap_s, jump):
    jumps = ClosednessJumps()
    assert jumps.take(0.0, now=5.0)
    assert jumps.take(change, now=5.0 + gap_s) is not jump
    assert bool(jumps.jump) is jump


def test_a_glitch_on_another_hand_is_judged_afresh_when_the_hand_changes():
    # The chosen hand changes (a nearer gripper topic appears): its first reading is compared
    # with nothing of the old hand's, so its closedness counts at once.
    watch = FingerWatch(max_age_s=1.0, arm_topic="/robot1/joint_states")
    watch.offer("/robot1/joint_states", "panda_", 1.0, now=1.0)  # merged fingers, closed
    watch.offer("/robot1/franka_gripper/joint_states", "panda_", 0.0, now=1.001)
    assert watch.topic == "/robot1/franka_gripper/joint_states"
    assert watch.measured(1.002) and watch.value() == 0.0


def test_a_recordings_hand_that_ended_is_not_compared_with_the_live_one():
    watch = held_hand(now=10.0)
    watch.recording_ended()
    watch.offer(LEFT, "left_fr3_", 0.0, now=10.01)
    assert watch.measured(10.02) and watch.value() == 0.0


def test_a_jump_during_an_unusable_message_is_still_a_jump():
    # NaN fingers between two readings: the next good reading is compared over the whole gap.
    watch = held_hand(now=10.0)
    watch.unusable(LEFT)
    watch.offer(LEFT, "left_fr3_", 0.0, now=10.04)
    assert not watch.measured(10.05) and watch.value() == 1.0
    assert watch.status(10.05) == "jumped"


def test_zero_widths_after_a_jump_from_an_open_hand_never_settle_until_a_reading_comes():
    # breaker41f: a restarting gripper driver publishes [0, 0] (a fully closed hand) for 1.5 s
    # where the hand is open; taken after 1 s, planned gripper commands rested on it.
    watch = FingerWatch(max_age_s=1.0)
    for t in np.arange(0.0, 1.0, 1 / 30):
        watch.offer(LEFT, "left_fr3_", 0.0, now=float(t))  # open
    for t in np.arange(1.0, 3.0, 1 / 30):
        watch.offer(LEFT, "left_fr3_", 1.0, now=float(t))  # zero widths
        assert not watch.measured(float(t)) and watch.value() == 0.0
    for t in np.arange(3.0, 4.2, 1 / 30):  # the driver's first real readings: open
        watch.offer(LEFT, "left_fr3_", 0.0, now=float(t))
    assert watch.measured(4.2) and watch.value() == 0.0


def test_a_closed_hand_glitching_open_and_back_settles_closed():
    # the exception is for a hand settled open: a hand closed on nothing (exactly 1.0) that
    # glitches comes back to its own closed reading and settles after a second as usual
    watch = held_hand(now=10.0)
    watch.offer(LEFT, "left_fr3_", 0.0, now=10.033)
    for t in np.arange(10.066, 11.2, 1 / 30):
        watch.offer(LEFT, "left_fr3_", 1.0, now=float(t))
    assert watch.measured(11.2) and watch.value() == 1.0
