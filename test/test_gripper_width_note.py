"""An episode's gripper column in metres (the hand's width) is noted, real closedness is not.

The rule (``state_ranges.gripper_width_words``): every value at least 0, the largest an open
width (0.03 .. 0.085: the hand or one finger opened fully, or to an object plus a margin) and the
column moving by over 0.01.
Train's ``.npz`` reader says it once per file, naming it.
"""

from __future__ import annotations

import numpy as np
import pytest

from vjepa_ros.robot.state_ranges import gripper_width_words

T = 17

WIDTHS = {  # the hand's width or one finger's position [m], as labs log them
    "width closing": np.linspace(0.08, 0.02, T),
    "width opening": np.linspace(0.01, 0.08, T),
    "one finger closing": np.linspace(0.04, 0.01, T),
    "width open, grasp, release": np.r_[np.full(6, 0.08), np.full(5, 0.03), np.full(6, 0.08)],
    "width from a homed hand 0.0801 -> 0.05": np.linspace(0.0801, 0.05, T),
    "one finger opening 0.02 -> 0.039": np.linspace(0.02, 0.039, T),
    # review56s: scripted grasps open only to the object plus a margin, not fully
    "width opened to 0.06, closing to 0.01": np.linspace(0.06, 0.01, T),
    "width opened to 0.05, closing to 0.0": np.linspace(0.05, 0.0, T),
    "one finger opened to 0.03, closing to 0.005": np.linspace(0.03, 0.005, T),
    "width 0.05, grasp 0.02, release": np.r_[np.full(6, 0.05), np.full(5, 0.02), np.full(6, 0.05)],
}
# real closedness that reads the same (closing only to 0.03 .. 0.085): noted, the words say so
BARELY_CLOSING = {
    "closing to 0.06": np.linspace(0.0, 0.06, T),
    "opening from 0.03": np.linspace(0.03, 0.0, T),
}
CLOSEDNESS = {  # real closedness: never noted
    "closing to 0.75": 1 - np.linspace(0.08, 0.02, T) / 0.08,
    "held open 0.0": np.zeros(T),
    "held closed 1.0": np.ones(T),
    "held mid 0.5": np.full(T, 0.5),
    "held 0.04 (a width held? no motion to judge)": np.full(T, 0.04),
    "open, closed, open": np.r_[np.zeros(6), np.ones(5), np.zeros(6)],
    "noise around open": np.abs(np.random.default_rng(0).normal(0, 0.001, T)),
    # review56r: 1 - 0.0801 / 0.08 from a homed hand, closing a little (widths 0.0801 .. 0.078)
    "homed hand -0.00125 -> 0.025": 1 - np.linspace(0.0801, 0.078, T) / 0.08,
    "closing to 0.029": np.linspace(0.0, 0.029, T),
    "homed hand closing a little more, -0.00125 -> 0.029": np.linspace(-0.00125, 0.029, T),
    "closing to 0.2": np.linspace(0.0, 0.2, T),
}


@pytest.mark.parametrize("case", list(WIDTHS))
def test_a_width_in_metres_is_named_with_the_conversion(case):
    words = gripper_width_words(WIDTHS[case])
    assert "states[:, 6]" in words and "width in metres" in words, words
    assert "1 - width / 0.08" in words and "1 - pos / 0.04" in words, words


@pytest.mark.parametrize("case", list(BARELY_CLOSING))
def test_a_closedness_barely_closing_is_noted_saying_it_may_be_right(case):
    words = gripper_width_words(BARELY_CLOSING[case])
    assert "width in metres" in words and "a hand barely closing" in words, words


@pytest.mark.parametrize("case", list(CLOSEDNESS))
def test_closedness_is_not_taken_for_a_width(case):
    assert gripper_width_words(CLOSEDNESS[case]) == ""


def test_train_notes_a_width_episode_once_naming_it(tmp_path):
    from train_bags import _picture, _read

    states = np.zeros((T, 7))
    states[:, 0] = 0.4 + 0.01 * np.arange(T)
    states[:, 2], states[:, 3] = 0.3, np.pi
    states[:, 6] = WIDTHS["width closing"]
    path = tmp_path / "widths.npz"
    np.savez(path, observations=np.stack([_picture(k) for k in range(T)]), states=states,
             timestamps=np.arange(T) * 0.25)
    _, notes = _read(path, frames_per_clip=3)
    said = [note for note in notes if "width in metres" in note]
    assert len(said) == 1 and "widths.npz" in said[0], notes
