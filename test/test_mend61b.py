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
