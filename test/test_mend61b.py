"""mend61b: the bag reader's clock checks done once (``recordings/clock_steps.py``).

``find_step`` reads its medians from one sliding median (no loop over every message): a step
planted anywhere in a stream of any length, at the ends included, is found at its first message
and size, in either direction, whatever the offsets' common level; a stream without one gives
None. (Its results were compared with the loop it replaced on 70 000 random and adversarial
streams before the loop was removed: identical.)
"""

from __future__ import annotations

import numpy as np
import pytest

from vjepa_ros.recordings.clock_steps import STEP_MIN, STEP_S, STEP_WINDOW, find_step


@pytest.mark.parametrize("seed", range(6))
def test_a_planted_step_is_found_at_its_first_message_anywhere(seed):
    """A step of 0.6-3 s at every place a side keeps STEP_MIN messages: that place, that size."""
    rng = np.random.default_rng(seed)
    count = int(rng.integers(2 * STEP_MIN, 4 * STEP_WINDOW))
    for at in range(STEP_MIN, count - STEP_MIN + 1):
        size = rng.choice([-1, 1]) * rng.uniform(0.6, 3.0)
        base = rng.uniform(-5, 5)  # the common level: no part of the answer
        offsets = base + rng.uniform(-0.02, 0.02, count)
        offsets[at:] += size
        found = find_step(offsets)
        assert found is not None, (count, at, size)
        assert found[0] == at and found[1] == pytest.approx(size, abs=0.05), (count, at, found)
        assert find_step(-offsets) == (at, pytest.approx(-found[1]))  # mirror: the same place


@pytest.mark.parametrize("count", [0, 1, 2 * STEP_MIN - 1, 2 * STEP_MIN, 17, 18, 19, 600])
def test_no_step_below_the_size_or_the_length(count):
    """Jitter, a step of under STEP_S, or too few messages on a side: None.

    (Too few: under half of STEP_MIN, so that no median of STEP_MIN messages moves.)
    """
    rng = np.random.default_rng(count)
    jitter = rng.uniform(-0.1, 0.1, count)
    assert find_step(jitter) is None
    small = jitter.copy()
    small[count // 2:] += STEP_S - 0.25  # with the jitter: under STEP_S in every window
    assert find_step(small) is None
    edge = jitter.copy()
    edge[max(count - STEP_MIN // 2, 0):] += 2.0  # 2 messages after it
    assert find_step(edge) is None


def test_the_largest_of_two_steps_and_the_first_of_equal_ones():
    """Two steps: the larger one; two of one size: the first (as the loop's strict '>' did)."""
    offsets = np.zeros(200)
    offsets[60:] += 0.8
    offsets[140:] += 1.5
    assert find_step(offsets) == (140, pytest.approx(1.5))
    equal = np.zeros(200)
    equal[60:] += 1.0
    equal[140:] += 1.0
    assert find_step(equal)[0] == 60


def test_nan_fingers_are_one_error_class_the_arm_another():
    """NaN fingers: NonFiniteFingersError (no arm error); NaN arm joints: NonFiniteArmError.

    The bag's gripper search tells a hand it cannot read (every finger message NaN: refused
    naming ``--no-gripper``) from an arm's glitch by this class alone (``bag_gripper``).
    """
    from test_breaker60a import ARM, FINGERS

    from vjepa_ros.robot.joint_states import (
        ArmStateError,
        JointStateReader,
        NonFiniteArmError,
        NonFiniteError,
        NonFiniteFingersError,
        read_series,
    )

    arm = [0.0, -0.3, 0.0, -2.0, 0.0, 1.8, 0.8]
    with pytest.raises(NonFiniteFingersError) as caught:
        JointStateReader().read(ARM + FINGERS, [*arm, np.nan, 0.03])
    assert isinstance(caught.value, NonFiniteError)
    assert not isinstance(caught.value, ArmStateError)  # the planner keeps the arm's state
    with pytest.raises(NonFiniteArmError) as caught:
        JointStateReader().read(ARM + FINGERS, [np.nan, *arm[1:], 0.03, 0.03])
    assert not isinstance(caught.value, NonFiniteFingersError)
    with pytest.raises(NonFiniteFingersError, match="message 1 "):  # fingers alone, all NaN
        read_series([1, 2], [(FINGERS, [np.nan, np.nan]), (FINGERS, [np.inf, 0.01])],
                    JointStateReader())
    with pytest.raises(NonFiniteArmError):  # arm joints NaN on every message
        read_series([1, 2], [(ARM, [np.nan, *arm[1:]])] * 2, JointStateReader())
    series = read_series([1, 2], [(ARM + FINGERS, [*arm, np.nan, np.nan]),
                                  (ARM + FINGERS, [*arm, 0.03, 0.03])], JointStateReader())
    assert series.nan_fingers == (0,) and len(series.arm) == 2 and len(series.fingers) == 1


def _unstamped(entries, topic):
    """Return ``entries`` with ``topic``'s header stamps 0 (read by receive times, noted)."""
    import dataclasses

    from vjepa_ros.recordings import messages as m

    return [(name, ty, t, dataclasses.replace(msg, header=m.make_header(0, msg.header.frame_id))
             if name == topic else msg) for name, ty, t, msg in entries]


@pytest.mark.parametrize("device", ["camera", "joints"])
def test_a_clock_step_beside_a_topic_timed_by_receipt_is_cut(tmp_path, device):
    """A camera (or arm) clock stepping 1 s forward 13 s into 20 s, the other topic's stamps 0.

    What the user does: evaluates a bag whose arm driver (or camera driver) left its header
    stamps 0 (that topic is then read by receive times, noted) while the other device's clock
    was stepped 1 s forward 13 s in (chrony's makestep).
    What happened: the step check ran only when both topics were timed by header stamps: no
    word, each frame after the step paired with the state 1 s away (the median clock check
    passes: the step lies in the last third).
    What should happen: the step is found against the receive times as against stamps, the
    clock that stepped named, the part before it read.
    """
    from test_breaker60a import CAMERA, recording

    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
    from vjepa_ros.recordings.bags import read_recording

    stepped, plain = (CAMERA, "/joint_states") if device == "camera" else ("/joint_states",
                                                                           CAMERA)
    entries = _unstamped(recording(20.0, **{f"{device}_step": (13.0, 1.0)}), plain)
    rec = read_recording(write_messages(tmp_path / "bag", entries))
    assert any(note.startswith(f"{plain}: header stamps are 0") for note in rec.notes), rec.notes
    said = [note for note in rec.notes if "clock stepped forward by 1.00 s 13.00 s" in note]
    assert len(said) == 1 and said[0].startswith(f"{stepped}'s clock"), rec.notes
    assert "the part before it read" in said[0], said
    assert (rec.image_times[-1] - DEFAULT_START_NS) / 1e9 < 13.0
    assert (rec.state_times[-1] - DEFAULT_START_NS) / 1e9 < 13.0


def test_a_gripper_clock_step_beside_states_timed_by_receipt_is_refused(tmp_path):
    """The gripper's step check runs beside arm states timed by receipt, and must (refuted bug).

    Note60's doubt: the gripper's check does not skip a receive-timed *state* topic as the
    camera's did. It is right not to: its finger stamps are paired with the states' receive
    times, so a gripper clock step 1 s forward 13 s in reads the hand 1 s off from there on;
    refused as against stamped states (test_fix60a), naming --stamps receive and --no-gripper.
    """
    from test_breaker60a import ARM, FINGERS, recording

    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
    from vjepa_ros.recordings.bags import read_recording

    entries = []
    for name, msgtype, t, msg in recording(20.0):
        if name != "/joint_states":
            entries.append((name, msgtype, t, msg))
            continue
        entries.append((name, msgtype, t, m.joint_state_message(ARM, list(msg.position)[:7], 0)))
        s = (t - DEFAULT_START_NS) / 1e9
        if round(s * 50) % 5 == 0:  # fingers at 10 Hz, their clock 1 s ahead from 13 s on
            entries.append(("/fr3_gripper/joint_states", msgtype, t + 1000,
                            m.joint_state_message(FINGERS, [0.03, 0.03],
                                                  t + (1_000_000_000 if s >= 13.0 else 0))))
    with pytest.raises(BagError) as caught:
        read_recording(write_messages(tmp_path / "bag", sorted(entries, key=lambda e: e[2])))
    words = str(caught.value)
    assert "/fr3_gripper/joint_states's clock stepped forward by 1.00 s 13.00 s" in words, words
    assert "--stamps receive" in words and "--no-gripper" in words, words


def test_the_clock_step_benchmark_finds_its_step():
    """``benchmarks/bench_clock_steps.py`` at 20 s of 200 Hz: both calls find the planted step."""
    from conftest import load_benchmark

    bench = load_benchmark("bench_clock_steps", "mend61b")
    _, _, first = bench.streams(200.0, 1 / 3, 1.0, 0.7)
    timings = bench.run(200.0, 1 / 3, 1.0, 0.7, repeats=1)
    assert timings["find_step"][1] == (first, pytest.approx(1.0, abs=0.01))
    step = timings["clock_step"][1]
    assert (step.index, step.stepped, step.sure) == (first, "/fingers", True)


def test_clocks_out_of_receive_order_read_as_in_order():
    """A topic handed on in file order (a salvaged MCAP's beyond its sort windows): same answer.

    The receive-order sorts are skipped for times already in order (``topic_clocks.
    receive_order``); shuffled, the step, the stamp rate and each message's offset are those
    of the sorted streams.
    """
    from conftest import load_benchmark
    from vjepa_ros.recordings.clock_steps import clock_step
    from vjepa_ros.recordings.topic_clocks import receive_order, relative_offsets, stamp_rate

    bench = load_benchmark("bench_clock_steps", "mend61b_order")
    clock, state_clock, first = bench.streams(100.0, 0.5, 1.0, 0.6)
    assert receive_order(clock[1]) is None
    rng = np.random.default_rng(1)
    mixed, state_mixed = rng.permutation(len(clock[1])), rng.permutation(len(state_clock[1]))
    shuffled = tuple(a[mixed] for a in clock)
    state_shuffled = tuple(a[state_mixed] for a in state_clock)
    assert (shuffled[1][receive_order(shuffled[1])] == clock[1]).all()
    assert stamp_rate(*state_shuffled) == stamp_rate(*state_clock)
    assert np.array_equal(relative_offsets(*shuffled, *state_shuffled),
                          relative_offsets(*clock, *state_clock)[mixed])
    assert clock_step("/a", shuffled, "/b", state_shuffled) == \
        clock_step("/a", clock, "/b", state_clock)
    assert clock_step("/a", clock, "/b", state_clock).index == first
