"""user59w: ``vjepa-ros eval``'s bag line says each stream's rate.

A lab's data person inspecting what eval reads of a bag got the frame and state counts and
the bag's length, not how fast the camera and the states came (a 6 fps camera, 1 kHz joint
states, a 5 Hz pose topic: what ``--rate`` and ``--max-state-gap`` depend on).
"""

from __future__ import annotations

import numpy as np
import pytest

from vjepa_ros.eval.report import streams_text
from vjepa_ros.recordings.dropped_steps import median_rate_hz

SEC = 1_000_000_000


@pytest.mark.parametrize(("times_s", "rate"), [
    ([0, 0.25, 0.5, 0.75], 4.0),
    ([0, 0.25, 0.25, 0.5], 4.0),  # a repeated stamp is one moment, not an infinite rate
    ([0, 0.001, 0.002, 0.5, 0.501], 1000.0),  # the median: a pause does not slow a 1 kHz stream
    (list(np.arange(30) / 29.97), 29.97)])
def test_the_rate_is_one_over_the_median_interval(times_s, rate):
    times = (np.asarray(times_s) * SEC).astype(np.int64)
    assert median_rate_hz(times) == pytest.approx(rate, rel=1e-6)


@pytest.mark.parametrize("times_s", [[], [1.0], [2.0, 2.0]])
def test_no_rate_without_two_distinct_times(times_s):
    assert median_rate_hz((np.asarray(times_s) * SEC).astype(np.int64)) is None


def _recording(frame_rate, state_rate) -> dict:
    recording = {"frames": 12, "image_topic": "/cam", "states": 60, "state_topic": "/js",
                 "state_source": "joint_states", "gripper_source": "/js",
                 "gripper_closedness": None}
    if frame_rate is not None:  # a report written before the rates were recorded: none
        recording.update(frame_rate_hz=frame_rate, state_rate_hz=state_rate)
    return recording


def test_the_bag_line_says_both_rates_and_an_old_report_none():
    line = streams_text(_recording(6.0, 1000.0))
    assert line.startswith("frames 12 on /cam (6 Hz), states 60 from /js (joint_states, 1000 Hz)"
                           ", gripper: /js"), line
    assert "(29.97 Hz)" in streams_text(_recording(29.97, 0.5))
    assert "(joint_states, 0.5 Hz)" in streams_text(_recording(29.97, 0.5))
    old = streams_text(_recording(None, None))
    assert old.startswith("frames 12 on /cam, states 60 from /js (joint_states), gripper"), old
