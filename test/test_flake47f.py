"""flake47f: a glitched finger reading passed as measured when the planner's executor stalled.

``test_a_glitched_finger_reading_is_held_out_and_unmeasured_until_readings_agree`` (over rclpy)
failed once beside a CPU-heavy benchmark, the state keeping the glitch as measured. The rule
(robot/closedness_jumps.py) compared consecutive readings over their *arrival* gap, the time
between the node's two callbacks: readings published 30 ms apart whose callbacks ran 160 ms or
more apart (the executor busy with another callback, the thread descheduled on a loaded box)
allowed any change (5 /s x 0.16 s + 0.2 >= 1.0), so one glitched message reading an open hand
was taken as the measured closedness. ROS-free here, with the arrival and publish times such a
stall produces.
"""

import numpy as np

from vjepa_ros.nodes.publisher_ids import sent_seconds
from vjepa_ros.robot.finger_watch import FingerWatch

HAND = "/hand/fingers"


def held_hand(now=10.0, rate_hz=30.0):
    """Return a watch whose hand read 1.0 (closed) at ``rate_hz`` for 1 s until ``now``.

    Published and arrived at the same times (an idle executor).
    """
    watch = FingerWatch(configured_topic=HAND, max_age_s=1.0)
    for t in np.arange(now - 1.0, now + 1e-9, 1.0 / rate_hz):
        watch.offer(HAND, "fr3_", 1.0, now=float(t), sent=float(t))
    assert watch.measured(now) and watch.value() == 1.0
    return watch


def test_a_glitch_whose_callback_ran_late_is_held_out_by_its_publish_gap():
    """Hold out a glitch published 30 ms after a closed reading whose callback ran 200 ms late.

    Input: closed readings; a glitch (0.0) published 30 ms after the last, whose callback ran
    200 ms after that one's (a stalled executor), then the next closed reading in the same burst.
    Before: judged over the 200 ms arrival gap the glitch was no jump, taken as the measured
    closedness 0.0 (a planned gripper command would open a hand holding an object). Should: the
    readings were published 30 ms apart, so it is a jump: held out, the closedness unmeasured and
    still the settled 1.0 until the readings agree for a second.
    """
    watch = held_hand(now=10.0)
    watch.offer(HAND, "fr3_", 0.0, now=10.2, sent=10.03)  # the glitch, its callback late
    assert watch.value() == 1.0 and not watch.measured(10.2)
    assert "closedness 1.00 → 0.00 in 30 ms" in watch.lapse(10.2)
    watch.offer(HAND, "fr3_", 1.0, now=10.201, sent=10.06)  # the next, in the burst
    assert watch.value() == 1.0 and not watch.measured(10.201)
    for t in np.arange(10.09, 11.2, 1 / 30):
        watch.offer(HAND, "fr3_", 1.0, now=float(t) + 0.15, sent=float(t))
    assert watch.measured(11.35) and watch.value() == 1.0


def test_a_publisher_clock_step_does_not_let_a_glitch_through():
    # the publisher's clock stepped 5 s forward between two readings that arrived 30 ms apart:
    # the arrival gap still bounds the change (the smaller gap of the two counts)
    watch = held_hand(now=10.0)
    watch.offer(HAND, "fr3_", 0.0, now=10.03, sent=15.03)
    assert watch.value() == 1.0 and not watch.measured(10.03)


def test_a_hand_really_moving_whose_readings_arrive_in_bursts_stays_measured():
    # closing at the Franka Hand's top speed (1.25 /s) at 30 Hz, delivered ten at a time after
    # 300 ms stalls (arrival gaps 300 ms, then 0): no reading is held out
    watch = FingerWatch(configured_topic=HAND, max_age_s=1.0)
    sent = np.arange(0.0, 0.8, 1 / 30)
    for i, t in enumerate(sent):
        arrived = float(sent[i - i % 10] + 0.3)
        watch.offer(HAND, "fr3_", float(min(1.0, 1.25 * t)), now=arrived, sent=float(t))
        assert watch.measured(arrived), (t, watch.lapse(arrived))
    assert watch.value() == float(min(1.0, 1.25 * sent[-1]))


def test_publish_times_come_from_the_message_info():
    assert sent_seconds({"source_timestamp": 1_500_000_000_250_000_000}) == 1_500_000_000.25
    assert sent_seconds({"source_timestamp": 0}) is None  # an rmw that does not set it
    assert sent_seconds({}) is None and sent_seconds(None) is None  # Humble: no MessageInfo
