"""bag_player's /clock on a dense bag: far fewer /clock than messages, none ahead by > margin.

Session 51's fix published /clock before every message with a newer time: a 1 kHz joint-state
bag doubled the publishes (1000 /clock a second beside 1000 messages). Now ``eval.playback.play``
publishes a message's time first only when it is more than ``CLOCK_MARGIN_S`` (10 ms of bag
time) ahead of the last /clock. The bag (1 kHz ``/joint_states``, header stamp = bag time, the
strictest case) is written with rosbags; ``play`` runs on a fake wall clock, and the
``BagPlayer`` node over real rclpy with its publishers recorded in the order it calls them (DDS
does not order two topics' deliveries, so a listener could not tell).
"""

from __future__ import annotations

import pytest

from vjepa_ros.eval.playback import CLOCK_MARGIN_S, iter_bag, play

SEC = 1_000_000_000
T0 = 1_700_000_000 * SEC
MARGIN_NS = round(CLOCK_MARGIN_S * 1e9)
COUNT = 1000  # 1 s at 1 kHz


def _dense_bag(path):
    """Write 1 s of ``/joint_states`` at 1 kHz, each stamped with its bag time (rosbags)."""
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages

    names = [f"fr3_joint{i}" for i in range(1, 8)]
    entries = [("/joint_states", m.JOINT_STATE, T0 + k * SEC // 1000,
                m.joint_state_message(names, [0.001 * k] * 7, T0 + k * SEC // 1000))
               for k in range(COUNT)]
    return write_messages(path, entries)


def _check_clock_before_each(events, stamp_of) -> tuple[int, int]:
    """Assert each message comes with the last /clock >= its stamp - margin; return counts.

    ``events``: ("clock", ns) and ("msg", message) in publish order; ``stamp_of(message)``: its
    header stamp [ns]. Returns (messages, /clock publishes).
    """
    clock, clocks, messages = None, 0, 0
    for kind, value in events:
        if kind == "clock":
            assert clock is None or value > clock  # never back
            clock, clocks = value, clocks + 1
            continue
        messages += 1
        stamp = stamp_of(value)
        assert clock is not None and clock >= stamp - MARGIN_NS, (clock, stamp)
        assert clock <= stamp  # never ahead of a message (its time is the bag's)
    return messages, clocks


@pytest.mark.parametrize("rate", [1.0, 20.0])
def test_a_dense_bag_publishes_far_fewer_clocks_none_behind_by_more_than_the_margin(
        tmp_path, rate):
    """``play`` on a fake clock: ~100 /clock per second of bag time (+ ticks), not 1000."""
    bag = _dense_bag(tmp_path / "bag")
    wall, events = [100.0], []

    def sleep(seconds):
        wall[0] += seconds

    assert play(iter_bag(bag), lambda m: events.append(("msg", m)),
                lambda ns: events.append(("clock", ns)), rate=rate, clock_hz=40.0,
                now=lambda: wall[0], sleep=sleep) == COUNT
    messages, clocks = _check_clock_before_each(events, lambda m: m.time_ns)
    assert messages == COUNT
    ticks = 40.0 / rate + 1  # the clock_hz ticks over the bag's wall time
    assert clocks <= COUNT * 1e-3 / CLOCK_MARGIN_S + ticks + 2, clocks  # ~100 + 41: not 1000
    assert clocks >= COUNT * 1e-3 / CLOCK_MARGIN_S / 2  # still a clock every margin or so


def test_a_zero_margin_publishes_the_clock_before_every_newer_message(tmp_path):
    """``clock_margin_s`` 0: session 51's rule (each message's time first), one per message."""
    bag = _dense_bag(tmp_path / "bag")
    wall, events = [100.0], []

    def sleep(seconds):
        wall[0] += seconds

    play(iter_bag(bag), lambda m: events.append(("msg", m)),
         lambda ns: events.append(("clock", ns)), rate=20.0, now=lambda: wall[0], sleep=sleep,
         clock_margin_s=0.0)
    clock = None
    for kind, value in events:
        if kind == "clock":
            clock = value
        else:
            assert clock == value.time_ns
    assert sum(kind == "clock" for kind, _ in events) == COUNT


def test_the_player_node_publishes_the_dense_bag_with_few_clocks(context, tmp_path):
    """``BagPlayer`` over real rclpy: every joint state's header stamp within the margin."""
    pytest.importorskip("rclpy")
    from rclpy.parameter import Parameter
    from rclpy.serialization import deserialize_message
    from sensor_msgs.msg import JointState

    from vjepa_ros.nodes.bag_player import BagPlayer

    bag = _dense_bag(tmp_path / "bag")
    player = BagPlayer(held=True, context=context, parameter_overrides=[
        Parameter("bag", value=str(bag)), Parameter("start_delay_s", value=0.0)])
    events = []
    try:
        clock_publish = player.clock_publisher.publish
        states = player.publishers_by_topic["/joint_states"]
        state_publish = states.publish

        def on_clock(msg):
            events.append(("clock", msg.clock.sec * SEC + msg.clock.nanosec))
            clock_publish(msg)

        def on_state(data):
            events.append(("msg", data))
            state_publish(data)

        player.clock_publisher.publish, states.publish = on_clock, on_state
        player.release()
        assert player.done.wait(60.0), "bag_player still playing after 60 s"
        assert player.error is None and player.published == COUNT
    finally:
        player.destroy_node()

    def stamp(data) -> int:
        header = deserialize_message(bytes(data), JointState).header.stamp
        return header.sec * SEC + header.nanosec

    messages, clocks = _check_clock_before_each(events, stamp)
    assert messages == COUNT
    assert clocks < COUNT // 4, clocks  # ~100 + 40 ticks; session 51: 1000


def test_the_clock_margin_stays_well_inside_the_planners_freshness_limits():
    """mend53b: CLOCK_MARGIN_S moves with what a played bag's stamps are judged by.

    A stamp up to the margin ahead of /clock must read as fresh to the planner on use_sim_time
    (input_ages.age_problem refuses a stamp ahead by more than a limit), with room to spare:
    at most a tenth of each default age limit of the safety filter. camera_stamp.MAX_AHEAD_S is
    not tied to it (never used on simulated time): no relation pinned.
    """
    from vjepa_ros.robot.input_ages import age_problem
    from vjepa_ros.robot.safety import SafetyLimits

    limits = SafetyLimits()
    for limit in (limits.max_image_age_s, limits.max_state_age_s):
        assert CLOCK_MARGIN_S <= limit / 10, (CLOCK_MARGIN_S, limit)
        assert age_problem("robot state", -CLOCK_MARGIN_S, limit) == ""
