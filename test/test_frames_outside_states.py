"""A camera frame before the first state or after the last is no state gap (breaker58b).

The camera subscribed a moment before the arm's state stream (or stopped after it): the step
whose frame lies there has a state on one side only, which no ``max_state_gap_s`` brings back.
``resample`` counts it under its own reason, and every command that says dropped steps in words
(``dropped_steps.dropped_words``: eval, camera-check, train) says which; a real gap in the
stream beside it is still a gap.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_breaker52b import _bag
from train_bags import _read

from vjepa_ros.recordings.dropped_steps import dropped_words
from vjepa_ros.recordings.resample import AFTER_STATES, BEFORE_STATES, STATE_GAP, resample

S = 1_000_000_000


def _states(times_s):
    """States [M, 7] moving 4 cm/s along x at ``times_s``, hand down, open."""
    states = np.zeros((len(times_s), 7))
    states[:, 0], states[:, 2], states[:, 3] = 0.4 + 0.04 * np.asarray(times_s), 0.3, np.pi
    return states


@pytest.mark.parametrize("max_state_gap_s", [0.1, 0.5, 2.0])
@pytest.mark.parametrize(("states_s", "before", "after"), [
    # the camera from 0 s, the states from 0.1 s: the grid from 0.1 s, its first frame 0 s
    ((0.1, 4.0), 1, 0),
    # the states from 0.2 s: the grid from 0.2 s, each frame 50 ms after its grid time, the
    # last (4.0 s) after the last state (3.99 s)
    ((0.2, 4.0), 0, 1),
    ((0.0, 4.01), 0, 0),
], ids=["first frame early", "last frame late", "none"])
def test_frames_outside_the_states_have_their_own_reason(states_s, before, after,
                                                        max_state_gap_s):
    camera = np.arange(17) * S // 4
    state_s = np.arange(*states_s, 0.01)
    steps = resample(camera, np.round(state_s * S).astype(np.int64), _states(state_s),
                     max_state_gap_s=max_state_gap_s)
    assert steps.dropped.get(BEFORE_STATES, 0) == before
    assert steps.dropped.get(AFTER_STATES, 0) == after
    assert STATE_GAP not in steps.dropped
    assert int((~steps.valid).sum()) == before + after
    assert steps.valid[1:-1].all() and len(steps) == 16 + (before + after == 0)


def test_a_gap_beside_them_is_still_a_gap():
    """States from 0.1 s with 1.0..1.6 s missing: one step before them, two in the gap."""
    camera = np.arange(17) * S // 4
    state_s = np.arange(0.1, 4.0, 0.01)
    state_s = state_s[(state_s < 1.0) | (state_s > 1.6)]
    steps = resample(camera, np.round(state_s * S).astype(np.int64), _states(state_s))
    assert steps.dropped == {BEFORE_STATES: 1, STATE_GAP: 2}
    words = dropped_words(steps.dropped, len(steps), 0.1)
    assert words.startswith("3 of 16 steps dropped: 1 whose camera frame lies before the first "
                            "recorded state"), words
    assert "2 whose state falls in a gap of more than 0.1 s" in words, words


@pytest.mark.parametrize("states_s", [(0.1, 4.0), (0.2, 4.0)], ids=["early", "late"])
def test_train_says_the_frame_lies_outside_the_states(states_s, tmp_path):
    """A bag whose camera starts before its states (stops after them): train's note says so."""
    bag, _ = _bag(tmp_path / "bag", np.arange(17) / 4.0, np.arange(*states_s, 0.01))
    _, notes = _read(bag, frames_per_clip=3, max_state_gap_s=0.5)
    said = [note for note in notes if "dropped" in note]
    where = "before the first" if states_s[0] == 0.1 else "after the last"
    assert len(said) == 1 and f"1 whose camera frame lies {where} recorded state" in said[0], \
        notes
    assert not any("gap" in note for note in notes), notes
