"""The input buffer alone: newest frame, state history, state at a stamp, ages, problems."""

import numpy as np
import pytest

from vjepa_ros.robot.inputs import RECOVERY_S, InputBuffer
from vjepa_ros.robot.safety import SafetyLimits

LIMITS = SafetyLimits()


def state(x):
    return np.array([x, 0.0, 0.3, 3.14, 0.0, 0.0, 0.0])


def test_state_at_returns_the_nearest_stored_state():
    buffer = InputBuffer()
    assert buffer.state_at(1.0) is None and buffer.latest_state() is None
    for stamp in (1.0, 1.1, 1.2, 1.3):
        assert buffer.observe_state(state(stamp), stamp) == ""
    for stamp, want in ((0.5, 1.0), (1.04, 1.0), (1.06, 1.1), (1.26, 1.3), (9.0, 1.3)):
        assert buffer.state_at(stamp).stamp == pytest.approx(want)
        assert buffer.state_at(stamp).value[0] == pytest.approx(want)
    assert buffer.latest_state().stamp == 1.3


def test_history_is_bounded_and_time_going_back_starts_it_afresh():
    buffer = InputBuffer(history=3)
    for stamp in range(5):
        buffer.observe_state(state(stamp), float(stamp))
    assert [s.stamp for s in buffer.states] == [2.0, 3.0, 4.0]
    buffer.observe_state(state(0.5), 0.5)  # a bag loops, a simulator resets
    assert [s.stamp for s in buffer.states] == [0.5]
    with pytest.raises(ValueError, match="history"):
        InputBuffer(history=0)


@pytest.mark.parametrize("bad", [np.full(7, np.nan), np.r_[state(0)[:6], np.inf], np.zeros(6),
                                 np.zeros((7, 1))])
def test_invalid_states_are_rejected_until_a_valid_one(bad):
    buffer = InputBuffer()
    buffer.observe_state(state(0.4), 1.0)
    assert buffer.observe_state(bad, 1.1) is None
    assert buffer.latest_state().stamp == 1.0, "an invalid state is never stored"
    assert "robot state is invalid" in buffer.problem(1.1, LIMITS)
    assert buffer.observe_state(state(0.5), 1.2) == "", "valid for less than RECOVERY_S"
    assert "robot state is invalid" in buffer.problem(1.2, LIMITS)
    assert buffer.latest_state().stamp == 1.2, "a valid state is stored meanwhile"
    assert buffer.observe_state(state(0.5), 1.1 + RECOVERY_S) == "", \
        "counted from the first valid state (1.2), not from the invalid one"
    ended = buffer.observe_state(state(0.5), 1.2 + RECOVERY_S)
    assert ended.startswith("robot state is invalid")
    assert buffer.problem(1.2 + RECOVERY_S, LIMITS) == "no camera image received yet"
    assert buffer.state_problem == ""


def test_bad_states_mixed_with_good_ones_are_one_episode_until_good_ones_stay():
    """A second publisher of NaN joint states among good ones: one hold, ended once."""
    buffer, started, ended = InputBuffer(), [], []
    for tick in range(200):  # 2 s at 100 Hz, every 4th state NaN
        now = tick * 0.01
        if tick % 4 == 0:
            started.append(buffer.reject_state("unusable joint state: NaN", now))
        else:
            ended.append(buffer.observe_state(state(0.4), now))
        assert buffer.state_problem == "unusable joint state: NaN", tick
    assert started.count(True) == 1 and not any(ended)
    first_good = 197 * 0.01  # the first good one after the last bad one (tick 196)
    for now in np.arange(2.0, first_good + RECOVERY_S - 0.005, 0.01):  # good only, under it
        assert buffer.observe_state(state(0.4), now) == ""
    assert buffer.observe_state(state(0.4), first_good + RECOVERY_S + 1e-9) == \
        "unusable joint state: NaN"
    assert buffer.state_problem == "" and buffer.observe_state(state(0.4), 3.5) == ""
    assert buffer.reject_state("unusable joint state: NaN", 3.6), "a new episode"


def test_frames_of_an_unusable_size_mixed_with_good_ones_are_one_episode():
    buffer, rgb = InputBuffer(), np.zeros((4, 4, 3), np.uint8)
    assert buffer.observe_image(rgb, 1.0, "too small") == (True, "")
    assert buffer.observe_image(rgb, 1.1) == (False, "")
    assert buffer.observe_image(rgb, 1.2, "too thin") == (False, ""), "the same episode"
    assert buffer.image_problem == "too thin"
    assert buffer.observe_image(rgb, 1.2 + RECOVERY_S / 2) == (False, "")
    assert buffer.observe_image(rgb, 1.2 + RECOVERY_S) == (False, "")
    assert buffer.observe_image(rgb, 1.2 + RECOVERY_S * 1.5) == (False, "too thin")
    assert buffer.image_problem == ""


def test_silence_after_an_invalid_state_is_not_time_valid():
    """One valid state after a NaN and a long gap only starts the count: it ends nothing."""
    buffer = InputBuffer()
    buffer.reject_state("unusable joint state: NaN", 1.0)
    assert buffer.observe_state(state(0.4), 1.0 + 5 * RECOVERY_S) == ""
    assert buffer.state_problem == "unusable joint state: NaN"
    assert buffer.observe_state(state(0.4), 1.0 + 6 * RECOVERY_S) == "unusable joint state: NaN"


def test_a_clock_that_went_back_restarts_the_count():
    """A simulator reset or looping bag (time back by more than RECOVERY_S) ends nothing."""
    buffer, rgb = InputBuffer(), np.zeros((4, 4, 3), np.uint8)
    buffer.reject_state("unusable joint state: NaN", 10.0)
    assert buffer.observe_state(state(0.4), 10.5) == ""
    assert buffer.observe_state(state(0.4), 2.0) == "", "back 8.5 s: the count starts again"
    assert buffer.observe_state(state(0.4), 2.0 + RECOVERY_S / 2) == ""
    assert buffer.observe_state(state(0.4), 2.0 + RECOVERY_S) == "unusable joint state: NaN"
    assert buffer.observe_image(rgb, 10.0, "too small") == (True, "")
    assert buffer.observe_image(rgb, 3.0) == (False, ""), "back 7 s, first usable frame"
    assert buffer.image_problem == "too small"


def test_ages_and_input_problems():
    buffer = InputBuffer()
    assert buffer.ages(5.0) == (None, None)
    assert buffer.problem(5.0, LIMITS) == "no camera image received yet"
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb.flags.writeable = False
    buffer.observe_image(rgb, 4.9)
    assert buffer.frame.value.flags.writeable and buffer.frames_received == 1
    assert buffer.problem(5.0, LIMITS) == "no robot state received yet"
    buffer.observe_state(state(0.4), 4.95)
    assert buffer.ages(5.0) == pytest.approx((0.1, 0.05))
    assert buffer.problem(5.0, LIMITS) == ""
    assert buffer.problem(5.0 + LIMITS.max_image_age_s, LIMITS).startswith(
        "camera image is stale")
    assert "future" in buffer.problem(4.9 - 2 * LIMITS.max_image_age_s, LIMITS)
    buffer.reject_state("unusable joint state: NaN", 5.0)
    assert buffer.problem(5.0, LIMITS) == "unusable joint state: NaN"


def test_states_after_a_stamp_come_oldest_first_and_exclude_the_stamp():
    inputs = InputBuffer(history=3)
    assert inputs.states_after(0.0) == []
    for stamp in (1.0, 2.0, 3.0, 4.0):  # the first falls out of the history
        inputs.observe_state(np.full(7, stamp), stamp)
    assert [s.stamp for s in inputs.states_after(-np.inf)] == [2.0, 3.0, 4.0]
    assert [s.stamp for s in inputs.states_after(2.0)] == [3.0, 4.0]
    assert [s.stamp for s in inputs.states_after(2.5)] == [3.0, 4.0]
    assert inputs.states_after(4.0) == []
    inputs.observe_state(np.zeros(7), 0.5)  # time went back: history starts afresh
    assert [s.stamp for s in inputs.states_after(-np.inf)] == [0.5]


def _reference_state_at(kept, stamp):
    """Return the stored state next to the stamp's insertion point (the earlier O(n) lookup)."""
    import bisect

    if not kept:
        return None
    stamps = [s.stamp for s in kept]
    index = bisect.bisect_left(stamps, stamp)
    near = [i for i in (index - 1, index) if 0 <= i < len(stamps)]
    return kept[min(near, key=lambda i: abs(stamps[i] - stamp))]


@pytest.mark.parametrize("history", [1, 3, 7])
def test_state_at_and_states_after_match_the_plain_search_with_duplicates_and_jumps_back(history):
    """Duplicate stamps are kept, a stamp before the newest starts afresh; lookups unchanged."""
    import collections

    rng = np.random.default_rng(history)
    buffer, kept, stamp = InputBuffer(history=history), collections.deque(maxlen=history), 0.0
    for count in range(300):
        step = rng.choice([0.0, 0.0, 0.01, 0.05, -0.3])  # duplicates, steps, time going back
        stamp = round(stamp + step, 2)
        if kept and stamp < kept[-1].stamp:
            kept.clear()
        buffer.observe_state(state(count), stamp)
        kept.append(buffer.latest_state())
        assert [s.value[0] for s in buffer.states] == [s.value[0] for s in kept]
        for query in (stamp, stamp - 0.005, stamp - 0.02, stamp + 1.0, -1e9,
                      *rng.uniform(stamp - 0.2, stamp + 0.05, 3)):
            assert buffer.state_at(query) is _reference_state_at(kept, query), (count, query)
            after = [s for s in kept if s.stamp > query]
            assert buffer.states_after(query) == after


def test_of_equally_near_states_the_earlier_and_of_duplicates_the_side_of_the_stamp():
    buffer = InputBuffer()
    for x, stamp in ((0.0, 1.0), (1.0, 2.0), (2.0, 2.0), (3.0, 3.0)):
        buffer.observe_state(state(x), stamp)
    assert buffer.state_at(1.5).value[0] == 0.0  # halfway: the earlier
    assert buffer.state_at(2.0).value[0] == 1.0  # at a duplicate stamp: its first state
    assert buffer.state_at(2.4).value[0] == 2.0  # just after: its last state
    assert buffer.state_at(2.5).value[0] == 2.0  # halfway to 3.0: the earlier
